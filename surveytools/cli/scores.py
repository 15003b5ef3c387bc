"""``surveytools scores``: per-respondent scale scores (mean of the reverse-scored items answered)."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from ._common import emit_json, json_option, load_data, note, questionnaire_option, quiet_option, sheet_option


@click.command(name="scores")
@click.argument("data", type=click.Path(dir_okay=False, path_type=Path))
@questionnaire_option()
@click.option("-o", "--output", "output", required=True, type=click.Path(dir_okay=False, allow_dash=True, path_type=Path),
              help="Scores file (.csv, .parquet or .xlsx); '-' prints CSV on stdout.")
@click.option("--scale", "scales", multiple=True, metavar="S",
              help="Scale to score (repeat or comma-separate; default: every scale).")
@click.option("--min-answered", type=click.FloatRange(0, 1), default=0.5, show_default=True,
              help="Minimum share of a scale's items answered to get a score (otherwise empty).")
@click.option("--impute", type=click.Choice(["none", "median", "mean"]), default="none", show_default=True,
              help="Fill a scored respondent's unanswered items with the item median or mean first (psych scoreItems).")
@click.option("--counts", is_flag=True, help="Add <scale>_n columns: items answered per scale.")
@click.option("--unweighted", is_flag=True, help="Ignore survey weights (they only affect imputed values and summaries).")
@sheet_option
@json_option
@quiet_option
def command(data: Path, questionnaire: Path, output: Path, scales: tuple[str, ...], min_answered: float, impute: str,
            counts: bool, unweighted: bool, sheet: str | None, as_json: bool, quiet: bool) -> None:
    """Per-respondent scale scores: the mean of each scale's reverse-scored items answered.

    Reverse-keyed items (a leading '-' in the questionnaire's scales) are reversed first
    (x' = min + max - x of the option set). A respondent who answered fewer than --min-answered of a
    scale's items gets no score on it (an empty cell); the counts are reported.

    \b
    Examples:
      surveytools scores clean.csv -q questionnaire.yaml -o scores.csv
      surveytools scores clean.csv -q q.yaml --scale agreeableness --min-answered 0.8 -o scores.parquet
      surveytools scores clean.csv -q q.yaml --impute median -o - > scores.csv
    """
    from ..scoring import score_scales

    survey = load_data(data, questionnaire, sheet)
    names = [p.strip() for v in scales for p in v.split(",") if p.strip()] or None
    result = score_scales(survey, names, min_answered=min_answered, impute=impute,
                          weights=False if unweighted else None)
    to_stdout = str(output) == "-"
    if to_stdout:
        if as_json:
            raise click.UsageError("--json prints the summary on stdout; give a file with -o to write the scores")
        from ..io.csv_safe import write_csv

        write_csv(result.to_output_frame(counts=counts, id_name=survey.id_name), sys.stdout)
        note(result.summary(), quiet)
        return
    written = result.write(output, inputs=[data, questionnaire], counts=counts, id_name=survey.id_name)
    if as_json:
        out = result.to_dict()
        out["output"] = str(written)
        emit_json(out)
        return
    click.echo(result.summary())
    note(f"Scores written to {written}", quiet)
