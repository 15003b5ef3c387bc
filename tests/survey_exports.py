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
