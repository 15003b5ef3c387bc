"""Stage ``scores`` (a command only; a project run writes scale_scores.csv in its reliability stage)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

from ._base import Inputs, Option, Options, Stage, StageResult
from .common import INCLUDE_FLAGGED, MIN_ANSWERED, SURVEY_INPUTS, UNWEIGHTED


def _output(value: Any) -> Path | str:
    return "-" if str(value) == "-" else Path(value)


OPTIONS = (
    *SURVEY_INPUTS,
    INCLUDE_FLAGGED,
    Option("output", "str", None, flags=("-o", "--output"), required=True, parse=_output, metavar="FILE",
           example="scores.csv", help="Scores file (.csv, .parquet or .xlsx); '-' prints CSV on stdout."),
    Option("scales", "list", None, flags=("--scale",), multiple=True, metavar="S", example=["agreeableness"],
           help="Scale to score (repeat or comma-separate; default: every scale)."),
    replace(MIN_ANSWERED, help="Minimum share of a scale's items answered to get a score (otherwise empty)."),
    Option("impute", "choice", "none", choices=("none", "median", "mean"), example="median",
           help="Fill a scored respondent's unanswered items with the item median or mean first (psych scoreItems)."),
    Option("counts", "flag", False, example=True, help="Add <scale>_n columns: items answered per scale."),
    replace(UNWEIGHTED, help="Ignore survey weights (they only affect imputed values and summaries)."),
)


def run(inputs: Inputs, options: Options) -> StageResult:
    """Scale scores per respondent; ``output`` '-' prints them as CSV on stdout (then the text goes to stderr)."""
    from ..scoring import score_scales

    survey = inputs.survey
    result = score_scales(survey, options.scales, min_answered=options.min_answered, impute=options.impute,
                          weights=False if options.unweighted else None)
    out = StageResult("scores", value=result, text=result.summary(), provides={"scale_scores": result.scores})
    if options.output == "-":  # the command prints the table on stdout (and the summary on stderr)
        import io

        from ..io.csv_safe import write_csv

        buf = io.StringIO()
        write_csv(result.to_output_frame(counts=options.counts, id_name=survey.id_name), buf)
        out.stdout = buf.getvalue()
        out.notes.append(out.text)
        out.json = result.to_dict()
        return out
    written = result.write(options.output, inputs=inputs.files, counts=options.counts, id_name=survey.id_name)
    out.outputs["output"] = written
    out.json = {**result.to_dict(), "output": written}
    out.notes.append(f"Scores written to {written}")
    return out


STAGE = Stage(
    name="scores", command="scores", section=None, options=OPTIONS, run=run,
    help="""Per-respondent scale scores: the mean of each scale's reverse-scored items answered.

    Reverse-keyed items (a leading '-' in the questionnaire's scales) are reversed first
    (x' = min + max - x of the option set). A respondent who answered fewer than --min-answered of a
    scale's items gets no score on it (an empty cell); the counts are reported.

    \b
    Examples:
      surveytools scores clean.csv -q questionnaire.yaml -o scores.csv
      surveytools scores clean.csv -q q.yaml --scale agreeableness --min-answered 0.8 -o scores.parquet
      surveytools scores clean.csv -q q.yaml --impute median -o - > scores.csv
    """)
