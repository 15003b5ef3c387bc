"""Stage ``weight``: raking weights to population targets; later stages use them as survey weights."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

from ._base import Inputs, Option, Options, Stage, StageResult
from .common import INCLUDE_FLAGGED, SURVEY_INPUTS

_SUFFIXES = (".csv", ".parquet", ".xlsx", ".sav")


def _table(value: Any) -> Path:
    p = Path(value)
    if p.suffix.lower() not in _SUFFIXES:
        raise ValueError(f"{p.name}: use a .csv, .parquet, .xlsx or .sav file name")
    return p


OPTIONS = (
    *SURVEY_INPUTS,
    INCLUDE_FLAGGED,
    Option("targets", "path", None, required=True, metavar="TARGETS.yaml", example="targets.yaml",
           help="Population targets (YAML): variable -> label or code -> share (or count); bands for numeric "
                "items; optional interlocked cells, cap, missing, total (see docs/weight.md)."),
    Option("cap", "float", None, min=1, min_open=True, metavar="X", example=5,
           help="Largest weight as a multiple of the mean weight (trim and rake again); overrides the targets "
                "file's cap."),
    Option("max_iter", "int", 1000, min=1, example=200, help="Largest number of raking sweeps."),
    Option("base_weights", "flag", False, example=True,
           help="Start from the survey's current weights (design weights) instead of equal weights."),
    Option("weight_name", "str", None, metavar="NAME", example="peso",
           help="Name of the weight column written (default: the questionnaire's weight, else 'weight')."),
    Option("output", "path", None, flags=("-o", "--output"), parse=_table, output="weighted.csv",
           cli_only="output: a project run writes weighted.csv", example="weighted.parquet",
           help="Write the data with the weight column (.csv, .parquet, .xlsx or labelled .sav)."),
)


def run(inputs: Inputs, options: Options) -> StageResult:
    """Rake; provides the survey with the new weights (every later stage uses them)."""
    from ..io import write_survey
    from ..weight import load_targets, rake

    survey = inputs.survey
    targets = load_targets(options.targets, survey.questionnaire)
    res = rake(survey, targets, cap=options.cap, max_iter=options.max_iter, base_weights=options.base_weights)
    name = options.weight_name or survey.questionnaire.weight or "weight"
    q = survey.questionnaire
    if q.weight != name:
        q = dataclasses.replace(q, weight=name)
    weighted = dataclasses.replace(survey, questionnaire=q, weights=res.weights.rename(name))
    out = StageResult("weight", value=res, json=res.to_dict(), text=res.summary(), rows_in=survey.n,
                      rows_out=weighted.n)
    out.json["weight_column"] = name
    if options.output is not None:
        written = write_survey(weighted, options.output, inputs=tuple(str(p) for p in inputs.files)
                               + (str(options.targets),))
        out.outputs["output"] = written
        out.json["output"] = written
        out.notes.append(f"{weighted.n:,} respondents with their weight '{name}' written to {written}")
        if survey.questionnaire.weight != name:
            out.notes.append(f"add 'weight: {name}' to the questionnaire so that later commands use these weights")
    out.provides["survey"] = weighted
    return out


def _skip(inputs: Inputs, options: Options) -> str | None:
    return None if options.targets is not None else "no targets file"


STAGE = Stage(
    name="weight", command="weight", options=OPTIONS, run=run, skip=_skip,
    help="""Raking weights: make the sample match population shares of a few variables.

    Iterative proportional fitting (R survey's rake) to marginal targets by label or code, bands of numeric
    items (age), optional interlocked cells (gender x region), with an optional cap on the largest weight
    (trim and rake again). Reports Kish's efficiency and design effect, the effective sample size, the
    smallest and largest weight, whether it converged, and each target against the sample and the weighted
    share. The weight column is written with the data; later commands use it through the questionnaire's
    'weight' (a project run passes it on directly).

    \b
    Examples:
      surveytools weight clean.csv -q questionnaire.yaml --targets targets.yaml -o weighted.csv
      surveytools weight clean.csv -q q.yaml --targets targets.yaml --cap 5 --json -o weighted.parquet
      surveytools weight clean.sav -q q.yaml --targets targets.yaml --weight-name peso -o weighted.sav
    """)
