"""Build survey exports of every flavour from known codes, for the import tests.

Each builder takes the same answers (:func:`make_answers`: codes per item, NaN for no answer) and lays
them out as the platform does; the tests import the file and compare with the codes they started from.
"""

from __future__ import annotations

import csv
import math
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

SPEC = """\
title: Brand attitudes (import tests)
language: en
option_sets:
  agree5:
    codes: {1: Strongly disagree, 2: Somewhat disagree, 3: Neither agree nor disagree, 4: Somewhat agree,
            5: Strongly agree}
items:
  att1: {text: "The brand is innovative", options: agree5}
  att2: {text: "The brand is good value for money", options: agree5}
  att3: {text: "I trust the brand", options: agree5}
  gender: {text: "What is your gender?", type: categorical, codes: {1: Female, 2: Male, 3: Another gender}}
  age: {text: "What is your age?", type: numeric}
  nps: {text: "How likely are you to recommend us to a friend or colleague?", type: nps}
  channels:
    text: "Which channels do you use to contact us?"
    type: multi
    codes: {1: Email, 2: "Phone, landline or mobile", 3: Chat, 4: Store}
  comment: {text: "Anything else you would like to tell us?", type: text}
quality:
  duration: "DURATION"
"""

AGREE = {1: "Strongly disagree", 2: "Somewhat disagree", 3: "Neither agree nor disagree", 4: "Somewhat agree",
         5: "Strongly agree"}
GENDER = {1: "Female", 2: "Male", 3: "Another gender"}
CHANNELS = {1: "Email", 2: "Phone, landline or mobile", 3: "Chat", 4: "Store"}
MATRIX = "How much do you agree with each statement about the brand?"
TEXTS = {
    "att1": "The brand is innovative",
    "att2": "The brand is good value for money",
    "att3": "I trust the brand",
    "gender": "What is your gender?",
    "age": "What is your age?",
    "nps": "How likely are you to recommend us to a friend or colleague?",
    "channels": "Which channels do you use to contact us?",
    "comment": "Anything else you would like to tell us?",
}
CODED = ["att1", "att2", "att3", "gender", "age", "nps"]


def write_spec(folder: Path, duration: str = "Duration (in seconds)", name: str = "spec.yaml") -> Path:
    """The test questionnaire, with ``quality.duration`` naming the platform's duration column."""
    p = folder / name
    p.write_text(SPEC.replace("DURATION", duration), encoding="utf-8")
    return p


def make_answers(n: int = 40, seed: int = 1) -> dict[str, Any]:
    """Answers: codes per item (NaN = no answer), channel sets, comments, durations."""
    rng = np.random.default_rng(seed)
    out: dict[str, Any] = {}
    for item in ("att1", "att2", "att3"):
        x = rng.integers(1, 6, n).astype(float)
        x[rng.random(n) < 0.1] = np.nan
        out[item] = x
    out["gender"] = rng.integers(1, 4, n).astype(float)
    out["gender"][rng.random(n) < 0.05] = np.nan
    out["age"] = rng.integers(18, 80, n).astype(float)
    out["age"][3] = np.nan
    out["nps"] = rng.integers(0, 11, n).astype(float)
    out["nps"][0], out["nps"][1] = 0.0, 10.0
    chosen = rng.random((n, 4)) < 0.4
    chosen[np.arange(n), rng.integers(0, 4, n)] = True  # a blank cell cannot tell "none" from "not answered"
    chosen[2] = [False, True, True, False]  # the label with a comma, next to another
    answered = rng.random(n) > 0.15
    answered[2] = True
    out["channels"] = np.where(answered[:, None], chosen.astype(float), np.nan)
    out["comment"] = [None if i % 3 else f"Comment number {i}, with a comma" for i in range(n)]
    out["duration"] = rng.integers(60, 900, n).astype(float)
    return out


def expected_frame(answers: dict[str, Any]) -> pd.DataFrame:
    """The coded responses the import must produce (columns as in the clean data)."""
    cols: dict[str, Any] = {}
    for item in ("att1", "att2", "att3", "gender", "age", "nps"):
        cols[item] = answers[item]
    for k, code in enumerate(CHANNELS):
        cols[f"channels_{code}"] = answers["channels"][:, k]
    return pd.DataFrame(cols)


def _label(codes: dict[int, str], x: float) -> str:
    return "" if math.isnan(x) else codes[int(x)]


def _num(x: float) -> Any:
    return "" if math.isnan(x) else int(x)


def _nps_label(x: float) -> str:
    if math.isnan(x):
        return ""
    return {0: "0 - Not at all likely", 10: "10 - Extremely likely"}.get(int(x), str(int(x)))


def _chosen(row: np.ndarray) -> list[int]:
    return [code for code, flag in zip(CHANNELS, row, strict=True) if flag == 1.0]


# ---------------------------------------------------------------------- Qualtrics

def qualtrics_rows(a: dict[str, Any], *, numeric: bool = False, legacy: bool = False,
                   import_ids: bool = True) -> list[list[Any]]:
    """A Qualtrics export: 3 header rows (ids, text, ImportId), or the legacy 2-row layout (V1.. + text)."""
    n = len(a["att1"])
    meta = ["StartDate", "EndDate", "Status", "IPAddress", "Progress", "Duration (in seconds)", "Finished",
            "RecordedDate", "ResponseId", "DistributionChannel", "UserLanguage"]
    meta_text = ["Start Date", "End Date", "Response Type", "IP Address", "Progress", "Duration (in seconds)",
                 "Finished", "Recorded Date", "Response ID", "Distribution Channel", "User Language"]
    qcols = ["Q1_1", "Q1_2", "Q1_3", "Q2", "Q3", "Q4", "Q5", "Q6"]
    qtext = [f"{MATRIX} - {TEXTS['att1']}", f"{MATRIX} - {TEXTS['att2']}", f"{MATRIX} - {TEXTS['att3']}",
             TEXTS["gender"], TEXTS["age"], TEXTS["nps"], TEXTS["channels"], TEXTS["comment"]]
    if legacy:
        legacy_names = ["V1", "V2", "V3", "V4", "V5", "V6", "V7", "V8", "V9", "V10"]
        legacy_text = ["ResponseID", "ResponseSet", "Name", "ExternalDataReference", "EmailAddress", "IPAddress",
                       "Status", "StartDate", "EndDate", "Finished"]
        rows: list[list[Any]] = [legacy_names + qcols + ["Duration"], legacy_text + qtext + ["Duration"]]
    else:
        rows = [meta + qcols, meta_text + qtext]
        if import_ids:
            ids = [f'{{"ImportId":"{m.lower()}"}}' for m in meta]
            ids += ['{"ImportId":"QID1_1"}', '{"ImportId":"QID1_2"}', '{"ImportId":"QID1_3"}',
                    '{"ImportId":"QID2"}', '{"ImportId":"QID3_TEXT"}', '{"ImportId":"QID4"}',
                    '{"ImportId":"QID5"}', '{"ImportId":"QID6_TEXT"}']
            rows.append(ids)
    for i in range(n):
        if numeric:
            answers = [_num(a["att1"][i]), _num(a["att2"][i]), _num(a["att3"][i]), _num(a["gender"][i]),
                       _num(a["age"][i]), _num(a["nps"][i]),
                       "" if np.isnan(a["channels"][i, 0]) else ",".join(map(str, _chosen(a["channels"][i])))]
        else:
            answers = [_label(AGREE, a["att1"][i]), _label(AGREE, a["att2"][i]), _label(AGREE, a["att3"][i]),
                       _label(GENDER, a["gender"][i]), _num(a["age"][i]), _nps_label(a["nps"][i]),
                       "" if np.isnan(a["channels"][i, 0])
                       else ",".join(CHANNELS[c] for c in _chosen(a["channels"][i]))]
        answers.append(a["comment"][i] or "")
        start = pd.Timestamp("2024-05-01 09:00:00") + pd.Timedelta(minutes=7 * i)
        end = start + pd.Timedelta(seconds=float(a["duration"][i]))
        rid = f"R_{i:04d}abcdEFGH{i:03d}"
        if legacy:
            rows.append([rid, "Default Response Set", "", "", "", "10.0.0.1", 0, str(start), str(end), 1]
                        + answers + [a["duration"][i]])
        else:
            rows.append([str(start), str(end), "IP Address", "10.0.0.1", 100, a["duration"][i],
                         1 if numeric else "True", str(end), rid, "anonymous", "EN"] + answers)
    return rows


# ---------------------------------------------------------------------- SurveyMonkey

def surveymonkey_rows(a: dict[str, Any], *, other_text: dict[int, str] | None = None) -> list[list[Any]]:
    """A SurveyMonkey expanded export: question over the first column of a block, row 2 sub-labels."""
    n = len(a["att1"])
    meta = ["Respondent ID", "Collector ID", "Start Date", "End Date", "IP Address", "Email Address", "First Name",
            "Last Name", "Custom Data 1"]
    row1 = meta + [MATRIX, "", "", TEXTS["gender"], TEXTS["age"], TEXTS["nps"], TEXTS["channels"], "", "", "", "",
                   TEXTS["comment"]]
    row2 = [""] * len(meta) + [TEXTS["att1"], TEXTS["att2"], TEXTS["att3"], "Response", "Open-Ended Response",
                               "Response", CHANNELS[1], CHANNELS[2], CHANNELS[3], CHANNELS[4],
                               "Other (please specify)", "Open-Ended Response"]
    rows = [row1, row2]
    other_text = other_text or {}
    for i in range(n):
        ch = a["channels"][i]
        blocks = ["" if math.isnan(ch[k]) or ch[k] == 0 else CHANNELS[k + 1] for k in range(4)]
        start = pd.Timestamp("2024-05-01 09:00:00") + pd.Timedelta(minutes=7 * i)
        end = start + pd.Timedelta(seconds=float(a["duration"][i]))
        rows.append([114_000_000_000 + i, 400_000_000, start.strftime("%m/%d/%Y %I:%M:%S %p"),
                     end.strftime("%m/%d/%Y %I:%M:%S %p"), "10.0.0.1", "", "", "", ""]
                    + [_label(AGREE, a["att1"][i]), _label(AGREE, a["att2"][i]), _label(AGREE, a["att3"][i]),
                       _label(GENDER, a["gender"][i]), _num(a["age"][i]), _num(a["nps"][i])]
                    + blocks + [other_text.get(i, ""), a["comment"][i] or ""])
    return rows


# ---------------------------------------------------------------------- Google Forms

def google_forms_rows(a: dict[str, Any]) -> list[list[Any]]:
    """A Google Forms CSV: one header row, grid items as ``Question [Row]``, checkboxes joined by ", "."""
    n = len(a["att1"])
    header = ["Timestamp", f"{MATRIX} [{TEXTS['att1']}]", f"{MATRIX} [{TEXTS['att2']}]",
              f"{MATRIX} [{TEXTS['att3']}]", TEXTS["gender"], TEXTS["age"], TEXTS["nps"], TEXTS["channels"],
              TEXTS["comment"]]
    rows = [header]
    for i in range(n):
        start = pd.Timestamp("2024-05-01 09:00:00") + pd.Timedelta(minutes=7 * i)
        ch = a["channels"][i]
        rows.append([start.strftime("%Y/%m/%d %I:%M:%S %p") + " GMT+1", _label(AGREE, a["att1"][i]),
                     _label(AGREE, a["att2"][i]), _label(AGREE, a["att3"][i]), _label(GENDER, a["gender"][i]),
                     _num(a["age"][i]), _num(a["nps"][i]),
                     "" if math.isnan(ch[0]) else ", ".join(CHANNELS[c] for c in _chosen(ch)),
                     a["comment"][i] or ""])
    return rows


# ---------------------------------------------------------------------- writers

def write_csv(rows: list[list[Any]], path: Path, *, delimiter: str = ",", encoding: str = "utf-8") -> Path:
    """Rows to a delimited text file (``encoding="utf-8-sig"`` writes a BOM)."""
    with open(path, "w", newline="", encoding=encoding) as fh:
        w = csv.writer(fh, delimiter=delimiter)
        for r in rows:
            w.writerow(["" if v is None else v for v in r])
    return path


def write_xlsx(rows: list[list[Any]], path: Path, *, sheet: str = "Sheet0", before: int = 0,
               extra_sheets: tuple[str, ...] = ()) -> Path:
    """Rows to a workbook (``before`` blank rows above them), as the platforms' .xlsx exports."""
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = sheet
    for _ in range(before):
        ws.append([])
    for r in rows:
        ws.append([None if (v is None or v == "") else v for v in r])
    for name in extra_sheets:
        wb.create_sheet(name)
    wb.save(path)
    return path


# ---------------------------------------------------------------------- issue 18: more real export variants
# Layouts learned from the platforms' public documentation and sample exports (written from scratch here).

def _stamp(i: int, a: dict[str, Any]) -> tuple[pd.Timestamp, pd.Timestamp]:
    start = pd.Timestamp("2024-05-01 09:00:00") + pd.Timedelta(minutes=7 * i)
    return start, start + pd.Timedelta(seconds=float(a["duration"][i]))


def qualtrics_split_rows(a: dict[str, Any], *, numeric: bool = False) -> list[list[Any]]:
    """Qualtrics with the multi-select split into one column per choice (``Q5_1``..``Q5_5``, text
    "Question - Selected Choice - Option"), an "Other" choice with its ``Q5_5_TEXT`` column, and a single
    choice with a text-entry option ("What is your gender? - Selected Choice" plus ``Q2_3_TEXT``)."""
    n = len(a["att1"])
    meta = ["StartDate", "EndDate", "Status", "Progress", "Duration (in seconds)", "Finished", "RecordedDate",
            "ResponseId"]
    q = ["Q1_1", "Q1_2", "Q1_3", "Q2", "Q2_3_TEXT", "Q3", "Q4", "Q5_1", "Q5_2", "Q5_3", "Q5_4", "Q5_5",
         "Q5_5_TEXT", "Q6"]
    sel = "Selected Choice"
    qtext = [f"{MATRIX} - {TEXTS['att1']}", f"{MATRIX} - {TEXTS['att2']}", f"{MATRIX} - {TEXTS['att3']}",
             f"{TEXTS['gender']} - {sel}", f"{TEXTS['gender']} - Another gender - Text", TEXTS["age"], TEXTS["nps"]]
    qtext += [f"{TEXTS['channels']} - {sel} - {CHANNELS[c]}" for c in CHANNELS]
    qtext += [f"{TEXTS['channels']} - {sel} - Other", f"{TEXTS['channels']} - Other - Text", TEXTS["comment"]]
    ids = [f'{{"ImportId":"{m}"}}' for m in meta] + [f'{{"ImportId":"QID{c[1:]}"}}' for c in q]
    rows: list[list[Any]] = [meta + q, meta + qtext, ids]
    for i in range(n):
        start, end = _stamp(i, a)
        ch = a["channels"][i]
        if numeric:
            coded = [_num(a["att1"][i]), _num(a["att2"][i]), _num(a["att3"][i]), _num(a["gender"][i])]
            choices = ["" if np.isnan(ch[k]) or ch[k] == 0 else k + 1 for k in range(4)]
        else:
            coded = [_label(AGREE, a["att1"][i]), _label(AGREE, a["att2"][i]), _label(AGREE, a["att3"][i]),
                     _label(GENDER, a["gender"][i])]
            choices = ["" if np.isnan(ch[k]) or ch[k] == 0 else CHANNELS[k + 1] for k in range(4)]
        other_text = "non-binary" if a["gender"][i] == 3 else ""
        rows.append([str(start), str(end), 0, 100, a["duration"][i], "True", str(end), f"R_{i:04d}abcdEFGH{i:03d}"]
                    + coded + [other_text, _num(a["age"][i]), _num(a["nps"][i]) if numeric else _nps_label(a["nps"][i])]
                    + choices + ["", "", a["comment"][i] or ""])
    return rows


LIME_CODES = {"att1": "G01Q01[SQ001]", "att2": "G01Q01[SQ002]", "att3": "G01Q01[SQ003]", "gender": "G01Q02",
              "age": "G01Q03", "nps": "G01Q04", "channels": "G01Q05", "comment": "G01Q06"}


def limesurvey_rows(a: dict[str, Any], *, headings: str = "code", answers: str = "code") -> list[list[Any]]:
    """A LimeSurvey results export: question-code headings (``G01Q01[SQ001]``) or full question text
    (``Question [Subquestion]``); answer codes (``A1``..., multi-select ``Y``) or full answers (labels,
    ``Yes``); the "other" column of the multi-select; ids 1..n in ``id``."""
    n = len(a["att1"])
    if headings == "code":
        meta = ["id", "submitdate", "lastpage", "startlanguage", "seed", "startdate", "datestamp"]
        qs = [LIME_CODES[k] for k in ("att1", "att2", "att3", "gender", "age", "nps")]
        qs += [f"G01Q05[SQ{c:03d}]" for c in CHANNELS] + ["G01Q05[other]", "G01Q06"]
    else:
        meta = ["Response ID", "Date submitted", "Last page", "Start language", "Seed", "Date started",
                "Date last action"]
        qs = [f"{MATRIX} [{TEXTS[k]}]" for k in ("att1", "att2", "att3")]
        qs += [TEXTS["gender"], TEXTS["age"], TEXTS["nps"]]
        qs += [f"{TEXTS['channels']} [{CHANNELS[c]}]" for c in CHANNELS] + [f"{TEXTS['channels']} [Other]",
                                                                            TEXTS["comment"]]
    rows: list[list[Any]] = [meta + qs]
    for i in range(n):
        start, end = _stamp(i, a)
        ch = a["channels"][i]
        if answers == "code":
            coded = ["" if np.isnan(a[k][i]) else f"A{int(a[k][i])}" for k in ("att1", "att2", "att3", "gender")]
            nps = "" if np.isnan(a["nps"][i]) else f"A{int(a['nps'][i])}"
            yes = "Y"
        else:
            coded = [_label(AGREE, a[k][i]) for k in ("att1", "att2", "att3")] + [_label(GENDER, a["gender"][i])]
            nps = _num(a["nps"][i])
            yes = "Yes"
        choices = ["" if np.isnan(ch[k]) or ch[k] == 0 else yes for k in range(4)]
        rows.append([i + 1, str(end), 2, "en", 1000 + i, str(start), str(end)] + coded + [_num(a["age"][i]), nps]
                    + choices + ["", a["comment"][i] or ""])
    return rows


def questionpro_rows(a: dict[str, Any], *, spanish: bool = False) -> list[list[Any]]:
    """A QuestionPro raw-data export: metadata (Response ID, Response Status, Time Taken...), the question
    text over every column of a matrix or multi-select block and the row/option labels in row 2; selected
    options hold 1, others 0."""
    n = len(a["att1"])
    meta = (["ID de respuesta", "Dirección IP", "Marca de tiempo (mm/dd/yyyy)", "Duplicado",
             "Tiempo empleado en completar (segundos)", "Estado de la respuesta"] if spanish else
            ["Response ID", "IP Address", "Timestamp (mm/dd/yyyy)", "Duplicate", "Time Taken to Complete (Seconds)",
             "Response Status"])
    row1 = meta + [MATRIX] * 3 + [TEXTS["gender"], TEXTS["age"], TEXTS["nps"]] + [TEXTS["channels"]] * 4 \
        + [TEXTS["comment"]]
    row2 = [""] * len(meta) + [TEXTS["att1"], TEXTS["att2"], TEXTS["att3"], "", "", ""] \
        + [CHANNELS[c] for c in CHANNELS] + [""]
    rows: list[list[Any]] = [row1, row2]
    for i in range(n):
        start, _ = _stamp(i, a)
        ch = a["channels"][i]
        rows.append([70_000_000 + i, "10.0.0.1", start.strftime("%m/%d/%Y %H:%M:%S"), "", a["duration"][i],
                     "Completado" if spanish else "Completed"]
                    + [_label(AGREE, a[k][i]) for k in ("att1", "att2", "att3")]
                    + [_label(GENDER, a["gender"][i]), _num(a["age"][i]), _num(a["nps"][i])]
                    + ["" if np.isnan(ch[k]) else int(ch[k]) for k in range(4)] + [a["comment"][i] or ""])
    return rows


def typeform_rows(a: dict[str, Any]) -> list[list[Any]]:
    """A Typeform results export: ``#`` (response token), one column per question titled with its text, a
    multi-select as one column per choice titled with the choice (holding the choice when chosen, plus an
    ``Other`` column), then Start/Submit Date (UTC) and Network ID."""
    n = len(a["att1"])
    header = ["#"] + [TEXTS[k] for k in ("att1", "att2", "att3", "gender", "age", "nps")] \
        + [CHANNELS[c] for c in CHANNELS] + ["Other", TEXTS["comment"], "Start Date (UTC)", "Submit Date (UTC)",
                                             "Network ID"]
    rows: list[list[Any]] = [header]
    for i in range(n):
        start, end = _stamp(i, a)
        ch = a["channels"][i]
        rows.append([f"tok{i:05d}x"] + [_label(AGREE, a[k][i]) for k in ("att1", "att2", "att3")]
                    + [_label(GENDER, a["gender"][i]), _num(a["age"][i]), _num(a["nps"][i])]
                    + ["" if np.isnan(ch[k]) or ch[k] == 0 else CHANNELS[k + 1] for k in range(4)]
                    + ["", a["comment"][i] or "", start.strftime("%Y-%m-%d %H:%M:%S"), end.strftime("%Y-%m-%d %H:%M:%S"),
                       f"net{i % 7}"])
    return rows


def msforms_rows(a: dict[str, Any], *, spanish: bool = False) -> list[list[Any]]:
    """A Microsoft Forms results workbook: ID, Start time, Completion time, Email, Name, then one column per
    question (a Likert question: one column per statement), multi-select choices joined by ";" with a
    trailing ";"."""
    n = len(a["att1"])
    meta = (["Id", "Hora de inicio", "Hora de finalización", "Correo electrónico", "Nombre"] if spanish else
            ["ID", "Start time", "Completion time", "Email", "Name"])
    header = meta + [TEXTS[k] for k in ("att1", "att2", "att3", "gender", "age", "nps", "channels", "comment")]
    rows: list[list[Any]] = [header]
    for i in range(n):
        start, end = _stamp(i, a)
        ch = a["channels"][i]
        chosen = "" if np.isnan(ch[0]) else "".join(CHANNELS[c] + ";" for c in _chosen(ch))
        rows.append([i + 1, start.to_pydatetime(), end.to_pydatetime(), "anonymous", ""]
                    + [_label(AGREE, a[k][i]) for k in ("att1", "att2", "att3")]
                    + [_label(GENDER, a["gender"][i]), _num(a["age"][i]), _num(a["nps"][i]), chosen,
                       a["comment"][i] or ""])
    return rows
