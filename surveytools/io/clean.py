"""Reading survey files into a :class:`~surveytools.survey.Survey` and writing clean data.

:func:`load_survey` is what every analysis command calls on its DATA argument. It accepts clean data
(one column per item id holding codes, as written by ``surveytools import``) and raw exports of every
supported flavour alike: both go through :func:`~surveytools.io.importer.import_survey`.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Literal

import pandas as pd

from ..exceptions import InputFileError
from ..questionnaire import Questionnaire
from ..survey import Survey
from .atomic import check_output_path
from .importer import import_survey
from .tables import write_table

__all__ = ["load_survey", "write_survey", "OUTPUT_SUFFIXES"]

#: File types :func:`write_survey` writes.
OUTPUT_SUFFIXES = (".csv", ".parquet", ".xlsx", ".sav")


def load_survey(path: str | os.PathLike[str], questionnaire: Questionnaire, *, sheet: str | int | None = None,
                unknown_labels: Literal["error", "missing"] = "error",
                progress: Callable[[str, int, int], None] | None = None) -> Survey:
    """Read a survey file into a :class:`Survey` coded per the questionnaire.

    Parameters
    ----------
    path
        Clean data (.csv, .parquet, .xlsx with the respondent id column and one column per item id) or an
        export: Qualtrics, SurveyMonkey, Google Forms, SPSS .sav, a plain .csv/.xlsx/.xls table. The
        flavour is read from the content.
    questionnaire
        The spec.
    sheet
        Worksheet name or 0-based index for workbooks.
    unknown_labels
        ``"error"`` (default) or ``"missing"``; see :func:`~surveytools.io.importer.import_survey`.
    progress
        Optional callback ``progress(label, done, total)``.

    Raises
    ------
    InputFileError
        The file is missing, empty, encrypted or unreadable; no header row found.
    ImportMappingError
        Item columns are missing or ambiguous; unknown answer labels.
    DataError
        Respondent ids missing or duplicated; weights that are not numbers.
    """
    return import_survey(path, questionnaire, sheet=sheet, unknown_labels=unknown_labels, progress=progress).survey


def clean_frame(survey: Survey) -> pd.DataFrame:
    """The table :func:`write_survey` writes: respondent id, item columns, weight, then metadata columns."""
    frame = survey.responses.copy()
    if survey.id_name in frame.columns:
        # an item that is the respondent id (``respondent_id: ResponseId`` plus ``ResponseId: {type: id}``)
        # is written once, as the id column
        frame = frame.drop(columns=[survey.id_name])
    taken = set(frame.columns) | {survey.id_name}
    if survey.weights is not None:
        name = survey.questionnaire.weight or "weight"
        frame[name] = survey.weights.to_numpy()
        taken.add(name)
    if survey.metadata is not None:
        for col in survey.metadata.columns:
            if col not in taken:
                frame[col] = survey.metadata[col].to_numpy()
                taken.add(col)
    frame.index.name = survey.id_name
    return frame.reset_index()


def write_survey(survey: Survey, path: str | os.PathLike[str], *, inputs: Iterable[str | os.PathLike[str]] = ()
                 ) -> Path:
    """Write clean data (.csv, .parquet, .xlsx or a labelled SPSS .sav) atomically.

    Columns: the respondent id, one column per item id (multi items ``<id>_<code>``) holding codes, the
    weight column when the survey is weighted, then the platform metadata columns (duration, dates...),
    so that quality checks can run on the clean file. Text cells written to .xlsx are always stored as
    text (never formulas); dates with a time zone are written to .xlsx as their local clock time. A .sav
    carries the questionnaire as SPSS metadata: variable labels (item text), value labels (answer labels),
    user-missing codes and measurement levels (:mod:`surveytools.io.sav`).

    Parameters
    ----------
    survey
        The survey.
    path
        Output file; its suffix chooses the format.
    inputs
        Files that must not be overwritten (the export, the questionnaire).

    Raises
    ------
    InputFileError
        Unsupported suffix, the output is an input, or its folder is missing.
    """
    p = Path(path)
    if p.suffix.lower() not in OUTPUT_SUFFIXES:
        raise InputFileError(f"cannot write {p}: use a .csv, .parquet, .xlsx or .sav file name")
    check_output_path(p, inputs)
    frame = clean_frame(survey)
    meta = None
    if p.suffix.lower() == ".sav":
        from .sav import questionnaire_sav_meta

        weight = (survey.questionnaire.weight or "weight") if survey.weights is not None else None
        meta = questionnaire_sav_meta(survey.questionnaire, frame.columns, id_name=survey.id_name,
                                      weight_name=weight)
    write_table(frame, p, inputs=inputs, sheet="data", what="clean data", sav_meta=meta)
    return p
