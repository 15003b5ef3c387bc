"""Option rows shared by several stages (one definition, one default)."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ._base import Inputs, Option, Stage

__all__ = ["DEFAULT_SEED", "SEED", "UNWEIGHTED", "MIN_ANSWERED", "DATA", "QUESTIONNAIRE", "SHEET", "SURVEY_INPUTS",
           "SEGMENTS", "FACTOR_SCORES", "load_inputs"]

#: the one default seed of every stage (a project file's top-level ``seed`` sets it for the whole study)
DEFAULT_SEED = 20240601

SEED = Option("seed", "int", DEFAULT_SEED, example=7, study="seed",
              help="Random seed (same seed, same result).")
UNWEIGHTED = Option("unweighted", "flag", False, example=True,
                    help="Ignore the survey weights set in the questionnaire.")
MIN_ANSWERED = Option("min_answered", "float", 0.5, min=0, max=1, example=0.8,
                      help="With --scores: minimum share of a scale's items answered to get a score.")

DATA = Option("data", "path", argument=True, required=True, cli_only="input: a project run passes the survey",
              help="Survey file: an export or clean data.")
QUESTIONNAIRE = Option("questionnaire", "path", flags=("-q", "--questionnaire"), required=True,
                       cli_only="input: the project file's top-level 'questionnaire'",
                       help="Questionnaire spec (YAML): items, answer labels, scales.")
SHEET = Option("sheet", "str", flags=("--sheet",), cli_only="input: the project file's data.sheet",
               help="Worksheet of a workbook (name or 0-based index).")
#: DATA -q Q [--sheet S]: the inputs of every stage that reads a survey
SURVEY_INPUTS = (DATA, QUESTIONNAIRE, SHEET)
SEGMENTS = Option("segments", "path", flags=("--segments",), required=True,
                  cli_only="input: a project run passes the segment stage's Segments",
                  help="Segment assignments (respondent_id, segment).")
FACTOR_SCORES = Option("factor_scores", "path", flags=("--factor-scores",), metavar="FILE",
                       cli_only="input: a project run passes the factor stage's scores",
                       help="Factor scores by respondent id (from 'surveytools factor --scores'); a project run "
                            "uses its factor stage's scores.")


def load_inputs(stage: Stage, values: Mapping[str, Any], progress: Any = None) -> Inputs:
    """The inputs of a command from its input options: survey, segments (aligned), factor scores."""
    from ..io import load_survey
    from ..questionnaire import load_questionnaire

    inputs = Inputs(progress=progress)
    files: list[Path] = []
    if values.get("data") is not None:
        inputs.data, inputs.questionnaire = Path(values["data"]), Path(values["questionnaire"])
        sheet = values.get("sheet")
        sheet = int(sheet) if isinstance(sheet, str) and sheet.isdigit() else sheet
        inputs.survey = load_survey(values["data"], load_questionnaire(values["questionnaire"]), sheet=sheet)
        files += [inputs.data, inputs.questionnaire]
    if values.get("segments") is not None:
        from ..segments import read_segments

        inputs.segments = read_segments(values["segments"])
        files.append(Path(values["segments"]))
    if values.get("factor_scores") is not None:
        from ..io.tables import read_scores

        id_name = inputs.survey.id_name if inputs.survey is not None else None
        inputs.factor_scores = read_scores(values["factor_scores"], id_name, what="factor scores")
        files.append(Path(values["factor_scores"]))
    inputs.files = tuple(files)
    return inputs


