"""Recognising an export's flavour and header rows from its content.

==================  ==========================================================================================
flavour             how it is recognised (first non-blank rows of the sheet)
==================  ==========================================================================================
``qualtrics``       row 3 holds ``{"ImportId": ...}`` cells (3 header rows: column ids, question text, import
                    ids); or row 1 names ``ResponseId``/``ResponseID`` (or ``V1``... with ``ResponseID`` in row
                    2) and row 2 holds text, not a response: the legacy 2-row layout
``surveymonkey``    row 1 names ``Respondent ID`` and the cell below it is blank (row 2 holds answer options
                    and grid rows under each question)
``google_forms``    one header row starting with ``Timestamp`` (or its translation: ``Marca temporal``...)
``questionpro``     row 1 names ``Response ID`` next to ``Response Status`` / ``Time Taken to Complete
                    (Seconds)`` (or the Spanish names); with answer options in row 2 under multi-select and
                    matrix columns (2 header rows), else 1
``limesurvey``      row 1 holds ``submitdate`` and ``lastpage`` (question-code headings: ``Q5[SQ001]``) or
                    ``Date submitted`` and ``Last page`` (full headings: ``Question [Option]``)
``microsoft_forms`` row 1 starts ``ID``, ``Start time``, ``Completion time`` (or ``Hora de inicio``...)
``typeform``        row 1 starts with ``#`` and holds ``Submit Date (UTC)``; a multi-select question is one
                    column per choice, named after the choice
``spss``            an SPSS ``.sav`` file (variable names; variable labels as question text)
``clean``/plain     one header row: the first row that names items of the questionnaire
==================  ==========================================================================================

Each column gets a :class:`SourceColumn`: its name (row 1), full text, and, when the export shows them,
the question of its block and its own sub-item, option or grid-row label.
"""

from __future__ import annotations

import datetime as _dt
import math
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from ..exceptions import InputFileError
from ..questionnaire import Questionnaire, normalize_label
from .sources import Table

__all__ = ["SourceColumn", "Layout", "detect_layout", "cell_text", "is_blank", "column_letter",
           "ID_NAMES", "META_NAMES"]


def is_blank(v: Any) -> bool:
    """True for an empty cell: None, NaN, empty or white-space text."""
    if v is None:
        return True
    if isinstance(v, str):
        return not v.strip()
    if isinstance(v, float):
        return math.isnan(v)
    try:
        return bool(v != v)  # NaN-like (numpy floats, NaT)
    except (TypeError, ValueError):
        return False


def cell_text(v: Any) -> str:
    """A header cell as text (whole numbers without ``.0``)."""
    if is_blank(v):
        return ""
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    if isinstance(v, (_dt.datetime, _dt.date)):
        return v.isoformat()
    return str(v).strip()


def column_letter(index: int) -> str:
    """Spreadsheet column letter of a 0-based column index (0 -> A, 26 -> AA)."""
    s = ""
    i = index + 1
    while i:
        i, r = divmod(i - 1, 26)
        s = chr(65 + r) + s
    return s


#: Normalized names of respondent-id columns, by priority.
ID_NAMES: tuple[str, ...] = ("responseid", "response id", "respondent id", "respondent_id", "respondentid",
                             "id del encuestado", "id de respuesta", "id de la respuesta", "id", "#")

#: Normalized names of platform (metadata) columns kept beside the answers.
META_NAMES: frozenset[str] = frozenset({
    # Qualtrics
    "startdate", "enddate", "status", "ipaddress", "progress", "duration (in seconds)", "finished",
    "recordeddate", "responseid", "recipientlastname", "recipientfirstname", "recipientemail",
    "externalreference", "locationlatitude", "locationlongitude", "distributionchannel", "userlanguage",
    "responseset", "externaldatareference", "emailaddress", "q_recaptchascore", "q_relevantidduplicate",
    "q_relevantidduplicatescore", "q_relevantidfraudscore", "q_totalduration",
    # SurveyMonkey
    "respondent id", "collector id", "start date", "end date", "ip address", "email address", "first name",
    "last name", "custom data 1", "id del encuestado", "id del recopilador", "fecha de inicio",
    "fecha de finalizacion", "direccion ip", "direccion de correo electronico",
    # Google Forms
    "timestamp", "marca temporal", "horodateur", "zeitstempel", "carimbo de data/hora",
    "informazioni cronologiche", "score", "puntuacion",
    # QuestionPro
    "response status", "time taken to complete (seconds)", "timestamp (mm/dd/yyyy)", "duplicate", "seq. number",
    "external reference", "country code", "estado de la respuesta",
    "tiempo empleado en completar (segundos)",
    # LimeSurvey (question-code and full headings)
    "submitdate", "lastpage", "startlanguage", "seed", "datestamp", "ipaddr", "refurl",
    "interviewtime", "date submitted", "last page", "start language", "date started", "date last action",
    "referrer url", "total time",
    # Microsoft Forms
    "start time", "completion time", "last modified time", "hora de inicio", "hora de finalizacion",
    "hora de la ultima modificacion",
    # Typeform
    "start date (utc)", "submit date (utc)", "network id", "stage date (utc)",
    # generic (the survey wave is kept for 'compare-waves'; the quality flags written by 'import' and 'quality')
    "quality_flags", "wave", "ola", "oleada", "duration", "duration_seconds", "duration (seconds)", "start_date", "end_date", "submitted_at",
})

_TIMESTAMP_NAMES = frozenset({"timestamp", "marca temporal", "horodateur", "zeitstempel", "carimbo de data/hora",
                              "informazioni cronologiche", "tijdstempel", "sygnatura czasowa"})
#: Row-2 labels of SurveyMonkey that name no sub-item ("Response", "Open-Ended Response").
_SM_GENERIC = frozenset({"response", "open-ended response", "respuesta", "respuesta abierta", "reponse",
                         "reponse ouverte", "antwort", "offene antwort"})
_QP_MARKERS = frozenset({"response status", "time taken to complete (seconds)", "timestamp (mm/dd/yyyy)",
                         "estado de la respuesta", "tiempo empleado en completar (segundos)"})
_MSFORMS_TIMES = frozenset({("start time", "completion time"), ("hora de inicio", "hora de finalizacion")})
_IMPORT_ID = re.compile(r'^\s*\{\s*"?importid"?\s*:', re.IGNORECASE)
_GRID = re.compile(r"^(.*?\S)\s*\[(.+)\]\s*$", re.DOTALL)
_SPLIT_NAME = re.compile(r"^(.+)_(\d+)$")
_LEGACY_V = re.compile(r"^V\d+$")


@dataclass(frozen=True)
class SourceColumn:
    """One column of an export.

    Attributes
    ----------
    index
        0-based position.
    name
        The column's name: row 1 of the header (Qualtrics column id, SurveyMonkey question text over the
        first column of a block, Google Forms header...); may be empty.
    text
        The column's full text: ``"Question - Sub-item"`` (Qualtrics row 2, SurveyMonkey row 1 + row 2),
        ``"Question [Row]"`` (Google Forms), the SPSS variable label; else the name.
    question
        The question of the block the column belongs to.
    sub
        The sub-item, option or grid-row label of the column within its block.
    """

    index: int
    name: str
    text: str
    question: str | None = None
    sub: str | None = None

    @property
    def letter(self) -> str:
        """Spreadsheet column letter."""
        return column_letter(self.index)

    def label(self) -> str:
        """How messages name the column: ``'Q1_3' (column F)``."""
        if self.name and not (self.sub and self.name == self.question):
            return f"{self.name!r} (column {self.letter})"
        shown = self.text if len(self.text) <= 60 else self.text[:57] + "..."
        return f"column {self.letter} ({shown!r})"

    def display(self) -> str:
        """A short name for reports: the name, else (or when the name is the question over a block of
        columns, as in SurveyMonkey) the text."""
        if self.name and not (self.sub and self.name == self.question):
            return self.name
        return self.text or self.name or self.letter


@dataclass(frozen=True)
class Layout:
    """An export's flavour and header.

    Attributes
    ----------
    flavour
        ``qualtrics``, ``surveymonkey``, ``google_forms``, ``spss``, ``parquet`` or ``plain``.
    header_start
        Index (within the table's first rows) of the first header row.
    header_rows
        Number of header rows.
    columns
        One :class:`SourceColumn` per column.
    """

    flavour: str
    header_start: int
    header_rows: int
    columns: tuple[SourceColumn, ...]

    @property
    def data_start(self) -> int:
        """Index (within the table's first rows) of the first data row."""
        return self.header_start + self.header_rows


def _norm_row(row: list[Any]) -> list[str]:
    return [normalize_label(cell_text(v)) for v in row]


def _split_question(texts: list[str]) -> tuple[str | None, list[str | None]]:
    """Common question of a block of ``"Question - Sub"`` texts and each column's sub-item."""
    if len(texts) < 2 or not all(" - " in t for t in texts):
        return None, [None] * len(texts)
    prefix = texts[0]
    for t in texts[1:]:
        n = 0
        for a, b in zip(prefix, t, strict=False):
            if a != b:
                break
            n += 1
        prefix = prefix[:n]
    cut = prefix.rfind(" - ")
    if cut <= 0:
        return None, [None] * len(texts)
    question = prefix[:cut]
    return question, [t[cut + 3:] for t in texts]


_SELECTED = re.compile(r"\s+-\s+(?:Selected Choice|Opción seleccionada|Opcion seleccionada)(?=\s+-\s+|\s*$)",
                       re.IGNORECASE)


def _qualtrics_columns(names: list[str], texts: list[str]) -> list[SourceColumn]:
    # a question with a text-entry option labels its choice columns "Question - Selected Choice" (single choice)
    # or "Question - Selected Choice - Option" (multi-select): the marker names no sub-item
    texts = [_SELECTED.sub("", t) for t in texts]
    groups: dict[str, list[int]] = {}
    for j, name in enumerate(names):
        m = _SPLIT_NAME.match(name)
        if m:
            groups.setdefault(m.group(1), []).append(j)
    question: dict[int, str | None] = {}
    sub: dict[int, str | None] = {}
    for members in groups.values():
        q, subs = _split_question([texts[j] for j in members])
        for j, s in zip(members, subs, strict=True):
            question[j], sub[j] = q, s
    cols = []
    for j, (name, text) in enumerate(zip(names, texts, strict=True)):
        q, s = question.get(j), sub.get(j)
        if q is None and " - " in text:
            q, s = text.rsplit(" - ", 1)
        cols.append(SourceColumn(j, name, text or name, q, s))
    return cols


def _grid_columns(names: list[str], texts: list[str] | None = None) -> list[SourceColumn]:
    cols = []
    for j, name in enumerate(names):
        text = (texts[j] if texts is not None else "") or name
        m = _GRID.match(text)
        if m:
            cols.append(SourceColumn(j, name, text, m.group(1).strip(), m.group(2).strip()))
        else:
            cols.append(SourceColumn(j, name, text, None, None))
    return cols


def _surveymonkey_columns(row1: list[str], row2: list[str]) -> list[SourceColumn]:
    cols = []
    current: str | None = None
    for j, (top, below) in enumerate(zip(row1, row2, strict=True)):
        if top:
            current = top
        question = current or ""
        sub = below if below and normalize_label(below) not in _SM_GENERIC else None
        text = f"{question} - {sub}" if sub else question
        cols.append(SourceColumn(j, top, text, question if (sub or not top) else None, sub))
    return cols


def _item_keys(q: Questionnaire) -> set[str]:
    keys: set[str] = set()
    for iid, item in q.items.items():
        keys.add(normalize_label(iid))
        for col in q.output_columns(iid):
            keys.add(normalize_label(col))
        if item.column:
            keys.add(normalize_label(item.column))
        if item.text:
            keys.add(normalize_label(item.text))
    for extra in (q.respondent_id, q.weight):
        if extra:
            keys.add(normalize_label(extra))
    return keys


def _header_score(row: list[str], keys: set[str]) -> int:
    score = 0
    for cell in row:
        if not cell:
            continue
        if cell in keys:
            score += 1
            continue
        m = _GRID.match(cell)
        if m and normalize_label(m.group(2)) in keys:
            score += 1
        elif " - " in cell and normalize_label(cell.rsplit(" - ", 1)[1]) in keys:
            score += 1
    return score


def detect_layout(table: Table, questionnaire: Questionnaire) -> Layout:
    """Recognise the flavour and header rows of a table.

    Raises
    ------
    InputFileError
        The first rows are blank, or no header row is found.
    """
    head = table.head
    width = table.width
    if table.kind in ("sav", "parquet"):
        names = [cell_text(v) for v in head[0]]
        if table.kind == "sav":
            texts = [table.column_labels.get(j, "") for j in range(width)]
            cols = _qualtrics_columns(names, [t or n for t, n in zip(texts, names, strict=True)])
            return Layout("spss", 0, 1, tuple(cols))
        return Layout("parquet", 0, 1, tuple(_grid_columns(names)))
    texts_rows = [[cell_text(v) for v in row] for row in head]
    start = next((i for i, row in enumerate(texts_rows) if any(row)), None)
    if start is None:
        raise InputFileError(f"{table.describe()}: the first {len(head)} rows are blank; header rows not found. "
                             "Delete the blank rows above the header (or choose the right sheet with --sheet)")
    r1 = texts_rows[start]
    r2 = texts_rows[start + 1] if start + 1 < len(texts_rows) else [""] * width
    r3 = texts_rows[start + 2] if start + 2 < len(texts_rows) else [""] * width
    n1, n2 = _norm_row(r1), _norm_row(r2)

    # Qualtrics, 3 header rows
    filled3 = [c for c in r3 if c]
    if filled3 and sum(1 for c in filled3 if _IMPORT_ID.match(c)) >= max(1, len(filled3) // 2):
        return Layout("qualtrics", start, 3, tuple(_qualtrics_columns(r1, r2)))
    # Qualtrics legacy (2 rows): ResponseId/ResponseID in row 1, or V1.. with ResponseID in row 2
    rid = next((j for j, c in enumerate(n1) if c == "responseid"), None)
    legacy_v = rid is None and any(_LEGACY_V.match(c) for c in r1) and "responseid" in n2
    if rid is not None or legacy_v:
        col = rid if rid is not None else n2.index("responseid")
        below = normalize_label(r2[col]) if col < len(r2) else ""
        if below in ("responseid", "response id", "id de respuesta"):
            names = list(r1)
            if legacy_v:
                names = [r2[j] if _LEGACY_V.match(n) and normalize_label(r2[j]) in META_NAMES else n
                         for j, n in enumerate(names)]
            return Layout("qualtrics", start, 2, tuple(_qualtrics_columns(names, r2)))
        return Layout("qualtrics", start, 1, tuple(_grid_columns(r1)))
    # SurveyMonkey: Respondent ID with a blank cell below
    sm = next((j for j, c in enumerate(n1) if c in ("respondent id", "id del encuestado")), None)
    if sm is not None:
        if not r2[sm] and any(r2):
            return Layout("surveymonkey", start, 2, tuple(_surveymonkey_columns(r1, r2)))
        return Layout("surveymonkey", start, 1, tuple(_grid_columns(r1)))
    # Google Forms: one header row starting with Timestamp
    if n1 and n1[0] in _TIMESTAMP_NAMES:
        return Layout("google_forms", start, 1, tuple(_grid_columns(r1)))
    # QuestionPro: Response ID with its status / time-taken columns; answer options in row 2 under multi-select
    qp = next((j for j, c in enumerate(n1) if c in ("response id", "id de respuesta", "id de la respuesta")), None)
    if qp is not None and any(c in _QP_MARKERS for c in n1):
        if not r2[qp] and any(r2):
            return Layout("questionpro", start, 2, tuple(_surveymonkey_columns(r1, r2)))
        return Layout("questionpro", start, 1, tuple(_grid_columns(r1)))
    # LimeSurvey: submitdate/lastpage (question codes) or Date submitted/Last page (full headings)
    if {"submitdate", "lastpage"} <= set(n1) or {"date submitted", "last page"} <= set(n1):
        return Layout("limesurvey", start, 1, tuple(_grid_columns(r1)))
    # Microsoft Forms: ID, Start time, Completion time
    if len(n1) >= 3 and n1[0] == "id" and (n1[1], n1[2]) in _MSFORMS_TIMES:
        return Layout("microsoft_forms", start, 1, tuple(_grid_columns(r1)))
    # Typeform: "#" first, Submit Date (UTC)
    if n1 and n1[0] == "#" and any(c.startswith("submit date") for c in n1):
        return Layout("typeform", start, 1, tuple(_grid_columns(r1)))
    # plain table: the first row naming the most items
    keys = _item_keys(questionnaire)
    best, best_score = start, _header_score(n1, keys)
    for i in range(start + 1, len(texts_rows)):
        score = _header_score(_norm_row(texts_rows[i]), keys)
        if score > best_score:
            best, best_score = i, score
    return Layout("plain", best, 1, tuple(_grid_columns(texts_rows[best])))


def find_columns(columns: Iterable[SourceColumn], name: str) -> list[SourceColumn]:
    """Columns whose name is ``name`` (exactly, else after :func:`normalize_label`)."""
    cols = list(columns)
    exact = [c for c in cols if c.name == name]
    if exact:
        return exact
    norm = normalize_label(name)
    return [c for c in cols if c.name and normalize_label(c.name) == norm]
