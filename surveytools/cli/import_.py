"""``surveytools import``: a survey export -> clean data coded per the questionnaire."""

from __future__ import annotations

from pathlib import Path

import click

from ._common import (
    ClickProgress,
    _sheet,
    emit_json,
    json_option,
    note,
    questionnaire_option,
    quiet_option,
    sheet_option,
)


@click.command(name="import")
@click.argument("export", type=click.Path(dir_okay=True, path_type=Path))
@questionnaire_option()
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), required=True,
              help="Clean data to write: .csv, .parquet, .xlsx or a labelled SPSS .sav (never over an input).")
@sheet_option
@click.option("--unknown-labels", type=click.Choice(["error", "missing"]), default="error", show_default=True,
              help="An answer that is not a label or code of its item: stop with a list of them (error), or "
                   "read it as a missing value and count it in the report (missing).")
@click.option("--decimal", type=click.Choice([".", ","]), default=None,
              help="Decimal mark of numbers written as text (',' for 1.234,56); default: detected from the file.")
@click.option("--thousands", type=click.Choice([".", ",", " ", "'", "none"]), default=None,
              help="Digit-group separator of numbers written as text ('.' for 1.234,56; none for no groups); "
                   "default: detected from the file.")
@click.option("--wave", "wave", default=None, metavar="LABEL",
              help="Label of the survey wave (e.g. 2025), written as a 'wave' column for 'compare-waves'.")
@json_option
@quiet_option
def command(export: Path, questionnaire: Path, output: Path, sheet: str | None, unknown_labels: str,
            decimal: str | None, thousands: str | None, wave: str | None, as_json: bool, quiet: bool) -> None:
    """Import a survey export: find the items, turn answer labels into codes, write clean data.

    The flavour is read from the file's content, not its name: Qualtrics (.csv/.xlsx, 3 header rows or
    the legacy 2; choice text or numeric values), SurveyMonkey (.xlsx/.csv, 2 header rows), Google Forms
    (.csv), SPSS (.sav), a plain .csv (any delimiter; UTF-8, UTF-16, Windows-1252 or Latin-1) or
    .xlsx/.xls table, or clean data written by this command.

    Numbers written the Spanish way (';'-separated CSV from Spanish-locale Excel, '1.234,56', dates as
    dd/mm/yyyy) are detected from the file and read exactly; --decimal and --thousands say it when the file
    cannot tell.

    Each item is found by its 'column:' in the questionnaire, else by its id as a column name, else by its
    text (Qualtrics "Question - Sub-item", SurveyMonkey row 2, Google Forms "Question [Row]"), ignoring
    case, accents and spacing; answer labels map to codes the same way. Platform columns (duration,
    progress, dates...) are kept as metadata and written after the items. The data-quality checks of
    'surveytools quality' run on the result (flags only; nothing is dropped).

    \b
    Examples:
      surveytools import export.xlsx -q questionnaire.yaml -o clean.parquet
      surveytools import responses.csv -q q.yaml -o clean.csv --unknown-labels missing
      surveytools import workbook.xlsx -q q.yaml --sheet Data -o clean.xlsx --json
      surveytools import encuesta.csv -q cuestionario.yaml --decimal , --thousands . -o limpio.parquet
      surveytools import export_2025.xlsx -q questionnaire.yaml --wave 2025 -o w2025.parquet
    """
    from ..io import OUTPUT_SUFFIXES, check_output_path, import_survey, write_survey
    from ..quality import check_quality
    from ..questionnaire import load_questionnaire

    if output.suffix.lower() not in OUTPUT_SUFFIXES:
        raise click.BadParameter(f"{output.name}: use a .csv, .parquet, .xlsx or .sav file name",
                                 param_hint="'-o' / '--output'")
    inputs = (str(export), str(questionnaire))
    check_output_path(output, inputs)
    q = load_questionnaire(questionnaire)
    with ClickProgress(quiet or as_json) as progress:
        result = import_survey(export, q, sheet=_sheet(sheet), unknown_labels=unknown_labels,  # type: ignore[arg-type]
                               progress=progress, decimal=decimal,
                               thousands=None if thousands is None else ("" if thousands == "none" else thousands))
    if wave is not None:
        result = result.with_wave(wave)
    result = result.with_quality(check_quality(result.survey))   # import, then the quality stage
    written = write_survey(result.survey, output, inputs=inputs)
    if as_json:
        out = result.to_dict()
        out["output"] = str(written)
        emit_json(out)
        return
    click.echo(result.summary())
    note(f"{result.report.rows_out:,} respondents written to {written}", quiet)
