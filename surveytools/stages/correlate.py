"""Stage ``correlate`` (a command only; not part of ``surveytools run``): the correlation matrix of items."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ._base import Inputs, Option, Options, Stage, StageResult
from .common import INCLUDE_FLAGGED, SURVEY_INPUTS, UNWEIGHTED

OPTIONS = (
    *SURVEY_INPUTS,
    INCLUDE_FLAGGED,
    Option("items", "str", None, metavar="IDS", example="agreeableness,E1,E2",
           help="Item ids and/or scale names, comma-separated (default: every Likert item but attention checks)."),
    Option("method", "choice", "pearson", choices=("pearson", "polychoric", "tetrachoric"), example="polychoric",
           help="Pearson, or polychoric/tetrachoric (psych two-step ML; binary items under polychoric are "
                "tetrachoric)."),
    Option("missing", "choice", "pairwise", choices=("pairwise", "listwise"), example="listwise",
           help="Pearson: each pair's common respondents (R cor use='pairwise') or complete respondents only."),
    Option("reverse", "flag", False, example=True,
           help="Reverse-score the reverse-keyed items of the scales named in --items first."),
    Option("smooth", "bool", None, example=False,
           help="Smooth a matrix that is not positive definite (psych cor.smooth). Default as psych: "
                "polychoric/tetrachoric yes, Pearson no."),
    Option("correct", "float", 0.5, min=0, example=0.0,
           help="Polychoric/tetrachoric continuity correction for empty cells (psych correct; 0: none)."),
    UNWEIGHTED,
    Option("output", "path", None, flags=("-o", "--output"), metavar="FILE", example="polychoric.xlsx",
           help="Also write the matrix (.csv or .xlsx)."),
    Option("digits", "int", 2, min=1, max=6, example=3,
           help="Decimals in the printed matrix (never rounded in --json or --output)."),
)


def _write_matrix(result: Any, path: Path, inputs: list[Any]) -> Path:
    from ..io.tables import write_table

    frame = result.matrix.rename_axis("item").reset_index()
    return write_table(frame, path, inputs=inputs, sheet=result.method, what="the correlation matrix",
                       suffixes=(".csv", ".xlsx"))


def run(inputs: Inputs, options: Options) -> StageResult:
    """The correlation matrix (and, with ``output``, the file)."""
    from ..correlation import correlation_matrix

    survey = inputs.survey
    frame = survey.item_frame(options["items"], reverse=options.reverse)
    weights = None if options.unweighted else survey.weight_array()
    result = correlation_matrix(frame, options.method, missing=options.missing, weights=weights,
                                correct=options.correct, smooth=options.smooth, progress=inputs.progress)
    out = StageResult("correlate", value=result, json=result.to_dict(), text=result.summary(digits=options.digits))
    if options.output is not None:
        out.outputs["output"] = out.json["output"] = _write_matrix(result, options.output, list(inputs.files))
        out.notes.append(f"Correlation matrix written to {out.outputs['output']}")
    return out


STAGE = Stage(
    name="correlate", command="correlate", section=None, options=OPTIONS, run=run,
    help="""Correlation matrix of survey items: Pearson, polychoric or tetrachoric, as R psych.

    Pearson correlations use each pair's common respondents (pairwise, R's cor(use="pairwise"), what
    psych's fa, KMO and cortest.bartlett take) or complete respondents only (--missing listwise).
    Polychoric correlations are psych's two-step estimates: thresholds from each item's answers, then one
    maximum-likelihood correlation per pair; psych's 0.5 correction for empty cells; a matrix that is not
    positive definite is smoothed (psych cor.smooth). Survey weights set in the questionnaire are used.

    The printed matrix shows the lower triangle (psych lowerMat); --json has the full matrix with rows in
    `items` order and, for polychoric, each item's thresholds.

    \b
    Examples:
      surveytools correlate clean.csv -q questionnaire.yaml
      surveytools correlate clean.csv -q q.yaml --items agreeableness,E1,E2 --method polychoric
      surveytools correlate clean.csv -q q.yaml --items agreeableness --reverse --json
      surveytools correlate clean.csv -q q.yaml --method polychoric -o polychoric.xlsx
    """)
