"""Clean data: files with one column per item id holding codes (as written by ``surveytools import``).

This module is the minimal reader the analysis stages rely on; the export readers (Qualtrics,
SurveyMonkey, Google Forms, SPSS) live beside it and produce the same :class:`~surveytools.survey.Survey`.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pandas as pd

from ..exceptions import DataError, ImportMappingError, InputFileError
from ..questionnaire import Questionnaire
from ..survey import SourceInfo, Survey
from .atomic import atomic_write

__all__ = ["load_survey", "write_survey"]


def _read_table(path: Path, sheet: str | int | None) -> pd.DataFrame:
    suffix = path.suffix.lower()
    if suffix == ".parquet":
        return pd.read_parquet(path)
    if suffix in (".xlsx", ".xlsm", ".xls"):
        try:
            return pd.read_excel(path, sheet_name=sheet if sheet is not None else 0, engine="calamine")
        except ValueError as exc:
            raise InputFileError(f"{path}: {exc}; check --sheet") from None
    try:
        return pd.read_csv(path, sep=None, engine="python", encoding="utf-8-sig")
    except UnicodeDecodeError:
        return pd.read_csv(path, sep=None, engine="python", encoding="latin-1")


def load_survey(path: str | os.PathLike[str], questionnaire: Questionnaire, *, sheet: str | int | None = None
                ) -> Survey:
    """Read a survey file into a :class:`Survey` coded per the questionnaire.

    Parameters
    ----------
    path
        A clean data file (.csv, .parquet, .xlsx) with the respondent id column and one column per item id.
    questionnaire
        The spec.
    sheet
        Worksheet name or index for workbooks.

    Raises
    ------
    InputFileError
        The file is missing or unreadable.
    ImportMappingError
        Item columns are missing.
    DataError
        A numeric item holds text that is not a code.
    """
    p = Path(path)
    if not p.exists():
        raise InputFileError(f"{p} not found; check the path")
    if p.stat().st_size == 0:
        raise InputFileError(f"{p} is empty")
    df = _read_table(p, sheet)
    q = questionnaire
    id_col = q.respondent_id or "respondent_id"
    if id_col in df.columns:
        ids = df[id_col].astype(str)
    elif q.respondent_id:
        raise ImportMappingError(f"{p}: no respondent id column {id_col!r}; fix 'respondent_id' in the questionnaire")
    else:
        ids = pd.Series(np.arange(1, len(df) + 1).astype(str))
    row_numbers = pd.Series(np.arange(2, len(df) + 2), index=pd.Index(ids, name=id_col))
    cols: dict[str, pd.Series] = {}
    missing_cols: list[str] = []
    for iid, item in q.items.items():
        for col in q.output_columns(iid):
            src = col if col in df.columns else (item.column if item.column in df.columns else None)
            if src is None:
                if item.type in ("likert", "categorical", "nps", "numeric", "multi"):
                    missing_cols.append(col)
                continue
            s = df[src]
            if item.type in ("likert", "categorical", "nps", "numeric", "multi"):
                num = pd.to_numeric(s, errors="coerce")
                bad = num.isna() & s.notna() & (s.astype(str).str.strip() != "")
                if bad.any():
                    first = int(np.flatnonzero(bad.to_numpy())[0])
                    raise DataError(f"{p}: column {src!r}, row {first + 2}: {s.iloc[first]!r} is not a number; "
                                    "import the export with 'surveytools import' so labels become codes")
                opts = q.option_set(iid)
                if opts is not None and opts.missing_codes:
                    num = num.mask(num.isin(list(opts.missing_codes)))
                s = num.astype(float)
            cols[col] = s.set_axis(row_numbers.index)
    if missing_cols:
        raise ImportMappingError(f"{p}: {len(missing_cols)} item column(s) of the questionnaire are not in the file",
                                 [", ".join(missing_cols)])
    responses = pd.DataFrame(cols, index=row_numbers.index)
    weights = None
    if q.weight:
        if q.weight not in df.columns:
            raise ImportMappingError(f"{p}: no weight column {q.weight!r}; fix 'weight' in the questionnaire")
        weights = pd.to_numeric(df[q.weight], errors="coerce").set_axis(row_numbers.index).astype(float)
    src = SourceInfo(path=str(p), flavour="clean", sheet=str(sheet) if sheet is not None else None,
                     row_numbers=row_numbers, rows_in=len(df))
    return Survey(responses=responses, questionnaire=q, weights=weights, source=src)


def write_survey(survey: Survey, path: str | os.PathLike[str], *, inputs: tuple[str, ...] = ()) -> Path:
    """Write clean data (.csv, .parquet or .xlsx) atomically: respondent id column, then item columns.

    Text cells written to .xlsx are always stored as text (never formulas).
    """
    p = Path(path)
    frame = survey.responses.copy()
    if survey.weights is not None and survey.questionnaire.weight:
        frame[survey.questionnaire.weight] = survey.weights
    frame.index.name = survey.id_name
    frame = frame.reset_index()
    suffix = p.suffix.lower()
    if suffix not in (".csv", ".parquet", ".xlsx"):
        raise InputFileError(f"cannot write {p}: use a .csv, .parquet or .xlsx file name")
    with atomic_write(p, inputs) as tmp:
        if suffix == ".csv":
            frame.to_csv(tmp, index=False)
        elif suffix == ".parquet":
            frame.to_parquet(tmp, index=False)
        else:
            from ..report.xlsx_safe import write_frame_xlsx

            write_frame_xlsx(frame, tmp, sheet="data")
    return p
