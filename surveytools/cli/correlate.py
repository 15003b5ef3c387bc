"""``surveytools correlate``: the correlation matrix of survey items (Pearson, polychoric, tetrachoric)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from ._common import (
    ClickProgress,
    emit_json,
    json_option,
    load_data,
    note,
    questionnaire_option,
    quiet_option,
    sheet_option,
)


def _write_matrix(result: Any, path: Path, inputs: list[Any]) -> Path:
    from ..io.tables import write_table

    frame = result.matrix.rename_axis("item").reset_index()
    return write_table(frame, path, inputs=inputs, sheet=result.method, what="the correlation matrix",
                       suffixes=(".csv", ".xlsx"))


@click.command(name="correlate")
@click.argument("data", type=click.Path(dir_okay=False, path_type=Path))
@questionnaire_option()
@click.option("--items", default=None, metavar="IDS",
              help="Item ids and/or scale names, comma-separated (default: every Likert item but attention checks).")
@click.option("--method", type=click.Choice(["pearson", "polychoric", "tetrachoric"]), default="pearson",
              show_default=True, help="Pearson, or polychoric/tetrachoric (psych two-step ML; binary items "
              "under polychoric are tetrachoric).")
@click.option("--missing", type=click.Choice(["pairwise", "listwise"]), default="pairwise", show_default=True,
              help="Pearson: each pair's common respondents (R cor use='pairwise') or complete respondents only.")
@click.option("--reverse", is_flag=True,
              help="Reverse-score the reverse-keyed items of the scales named in --items first.")
@click.option("--smooth/--no-smooth", default=None,
              help="Smooth a matrix that is not positive definite (psych cor.smooth). Default as psych: "
                   "polychoric/tetrachoric yes, Pearson no.")
@click.option("--correct", type=click.FloatRange(min=0), default=0.5, show_default=True,
              help="Polychoric/tetrachoric continuity correction for empty cells (psych correct; 0: none).")
@click.option("--unweighted", is_flag=True, help="Ignore the survey weights set in the questionnaire.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), default=None, metavar="FILE",
              help="Also write the matrix (.csv or .xlsx).")
@click.option("--digits", type=click.IntRange(1, 6), default=2, show_default=True,
              help="Decimals in the printed matrix (never rounded in --json or --output).")
@sheet_option
@json_option
@quiet_option
def command(data: Path, questionnaire: Path, items: str | None, method: str, missing: str, reverse: bool,
            smooth: bool | None, correct: float, unweighted: bool, output: Path | None, digits: int,
            sheet: str | None, as_json: bool, quiet: bool) -> None:
    """Correlation matrix of survey items: Pearson, polychoric or tetrachoric, as R psych.

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
    """
    from ..correlation import correlation_matrix

    survey = load_data(data, questionnaire, sheet)
    frame = survey.item_frame(items, reverse=reverse)
    weights = None if unweighted else survey.weight_array()
    with ClickProgress(quiet or as_json) as progress:
        result = correlation_matrix(frame, method, missing=missing, weights=weights, correct=correct,
                                    smooth=smooth, progress=progress)
    written = None
    if output is not None:
        written = _write_matrix(result, output, [data, questionnaire])
    if as_json:
        out = result.to_dict()
        if written is not None:
            out["output"] = str(written)
        emit_json(out)
        return
    click.echo(result.summary(digits=digits))
    if written is not None:
        note(f"Correlation matrix written to {written}", quiet)
