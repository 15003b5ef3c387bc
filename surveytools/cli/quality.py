"""``surveytools quality``: data-quality flags per respondent; optional exclusions and clean output."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from ..exceptions import DataError
from ._common import emit_json, json_option, load_data, note, questionnaire_option, quiet_option, sheet_option

_TABLE_SUFFIXES = (".csv", ".parquet", ".xlsx")

if TYPE_CHECKING:  # pandas is imported when a command runs, not for --help
    import pandas as pd


def _check_suffix(path: Path | None, option: str) -> None:
    if path is not None and path.suffix.lower() not in _TABLE_SUFFIXES:
        raise click.BadParameter(f"{path.name}: use a .csv, .parquet or .xlsx file name", param_hint=option)


def _write_flags(frame: pd.DataFrame, path: Path, id_name: str, inputs: list[Path]) -> Path:
    from ..io.tables import write_table

    return write_table(frame.rename_axis(id_name).reset_index(), path, inputs=inputs, sheet="quality",
                       what="the flags")


@click.command(name="quality")
@click.argument("data", type=click.Path(dir_okay=False, path_type=Path))
@questionnaire_option()
@click.option("--exclude", default=None, metavar="CODES",
              help="Drop respondents with any of these flags (comma-separated codes, or 'all'); "
                   "reports how many and why.")
@click.option("-o", "--output", "clean_out", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Write the kept respondents as clean data (.csv, .parquet or .xlsx).")
@click.option("--flags-out", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Write the per-respondent flag table with the numbers behind each flag (.csv, .parquet, .xlsx).")
@click.option("--max-missing", type=click.FloatRange(0, 1), default=None, metavar="SHARE",
              help="Share of answerable items that may be blank before 'high-missing'  [default: 0.2].")
@click.option("--longstring", type=click.IntRange(min=2), default=None, metavar="N",
              help="Run of identical consecutive answers that sets 'longstring'  [default: half the battery "
                   "items].")
@sheet_option
@json_option
@quiet_option
def command(data: Path, questionnaire: Path, exclude: str | None, clean_out: Path | None, flags_out: Path | None,
            max_missing: float | None, longstring: int | None, sheet: str | None, as_json: bool,
            quiet: bool) -> None:
    """Data-quality flags per respondent: flags, not deletions.

    \b
    Flag codes:
      speeder            duration < speeder_fraction x median (complete responses)
      straightlining     one answer to a whole battery that has reverse-keyed items
      longstring         long run of identical consecutive answers (Johnson 2005)
      out-of-range       code not in the item's codes, or number outside its range
      duplicate-id       id item seen in an earlier row
      duplicate-email    e-mail seen in an earlier row (case and spaces ignored)
      duplicate-answers  same answers as an earlier row to every coded item
      high-missing       more than --max-missing of the answerable items blank
      attention-check    answer other than an item's 'expect'
      partial            Finished false / Progress < 100, or under min_answered

    Thresholds come from the questionnaire's 'quality' section (duration column, speeder_fraction,
    min_answered, straightline_min_items, batteries). With --exclude the respondents carrying any of
    the codes are dropped; rows in = rows out + rows excluded, with counts per reason. -o writes the
    kept respondents (all of them without --exclude).

    \b
    Examples:
      surveytools quality export.xlsx -q questionnaire.yaml
      surveytools quality clean.parquet -q q.yaml --flags-out flags.csv
      surveytools quality export.xlsx -q q.yaml --exclude speeder,straightlining,partial -o clean.parquet
      surveytools quality clean.csv -q q.yaml --exclude all --json
    """
    from ..io import write_survey
    from ..quality import apply_exclusions, check_quality, parse_codes

    _check_suffix(clean_out, "'-o' / '--output'")
    _check_suffix(flags_out, "'--flags-out'")
    try:
        codes = parse_codes(exclude) if exclude is not None else []
    except DataError as exc:
        raise click.BadParameter(exc.message, param_hint="'--exclude'") from None
    if exclude is not None and not codes:
        raise click.BadParameter("give at least one flag code (or 'all')", param_hint="'--exclude'")
    survey = load_data(data, questionnaire, sheet)
    report = check_quality(survey, exclude=codes, max_missing=max_missing, longstring=longstring)
    kept, exclusions = apply_exclusions(survey, report, codes)
    inputs = [data, questionnaire]
    outputs: dict[str, str] = {}
    if flags_out is not None:
        outputs["flags"] = str(_write_flags(report.to_frame(), flags_out, survey.id_name, inputs))
    if clean_out is not None:
        outputs["clean"] = str(write_survey(kept, clean_out, inputs=tuple(str(p) for p in inputs)))
    if as_json:
        out = report.to_dict()
        out["excluded"] = exclusions.to_dict()
        out["outputs"] = outputs
        emit_json(out)
        return
    click.echo(report.summary())
    if outputs.get("flags"):
        note(f"Flag table written to {outputs['flags']}", quiet)
    if outputs.get("clean"):
        note(f"{exclusions.rows_out:,} respondents written to {outputs['clean']}"
             + (f" ({exclusions.rows_excluded:,} excluded)" if codes else " (no exclusions: use --exclude)"), quiet)
