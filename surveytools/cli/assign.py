"""``surveytools assign``: score new respondents or customers with a typing-tool model."""

from __future__ import annotations

from pathlib import Path

import click

from ._common import emit_json, json_option, note, quiet_option, sheet_option


@click.command("assign")
@click.argument("data", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--model", "model_path", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="Model (.json): a typing tool ('surveytools typing-tool'), a segmentation model "
                   "('surveytools segment --save-model', e.g. latent classes) or a CRM segment model "
                   "('surveytools crm extend --save-model').")
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="Segments file (.csv, .parquet or .xlsx): id, segment, probability, n_imputed.")
@click.option("-q", "--questionnaire", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Optional questionnaire: more answer labels (e.g. another language) and the id column.")
@click.option("--id", "id_column", default=None,
              help="Id column of DATA (default: respondent_id, id or customer_id; row numbers when absent). "
                   "The output keeps this name.")
@click.option("--max-missing", type=click.IntRange(0), default=None,
              help="Most unanswered golden questions a row may have (default: the model's, half of them).")
@click.option("--min-probability", type=click.FloatRange(0, 1), default=None,
              help="CRM segment models: customers below this probability get no segment (default: the model's).")
@click.option("--excluded", "excluded_path", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Also write the excluded rows (id, reason, n_missing) to this file.")
@sheet_option
@json_option
@quiet_option
def command(data: Path, model_path: Path, output: Path, questionnaire: Path | None, id_column: str | None,
            max_missing: int | None, min_probability: float | None, excluded_path: Path | None, sheet: str | None,
            as_json: bool, quiet: bool) -> None:
    """Assign respondents or customers to segments with a typing-tool, segmentation or CRM segment model.

    DATA is a survey or customer file (.csv, .parquet, .xlsx, .sav) with a column per golden
    question, named by the item id, holding answer codes or answer labels; with -q, a survey export
    (Qualtrics, SurveyMonkey, Google Forms...) is read through the questionnaire. Blank, "no answer" and invalid
    answers take the item's training mean and are counted; rows with more than --max-missing of
    them get no segment and are reported as excluded (rows in = assigned + excluded).

    With a segmentation model (segment --save-model), DATA needs the model's basis columns (or, with
    -q, a survey export from which scales and factor scores are computed); a latent class model
    assigns the most probable class from whatever basis items are answered (rows answering none are
    excluded) and writes its posterior probability.

    With a CRM segment model (from 'crm extend --save-model'), DATA is a customer file (.csv or .parquet)
    with the model's CRM columns; DuckDB streams it, and every customer is written with segment (blank below
    --min-probability), segment_name and probability.

    \b
    Examples:
      surveytools assign new_wave.csv --model typing.json -o new_wave_segments.csv
      surveytools assign customers.parquet --model typing.json --id customer_id -o segments.parquet
      surveytools assign respuestas.csv --model typing.json -q cuestionario_es.yaml -o out.csv --json
      surveytools assign customers_2025.parquet --model crm_model.json -o segmented_2025.parquet
      surveytools assign customers.csv --model lca_segments.json --id customer_id -o customers_seg.csv
    """
    from ..crm_extend import MODEL_FORMAT, assign_customers, model_format

    if model_format(model_path) == MODEL_FORMAT:
        res = assign_customers(data, model_path, output, id_column=id_column, min_probability=min_probability)
        if as_json:
            emit_json(res.to_dict())
        else:
            click.echo(res.summary())
            note(f"Wrote {output}", quiet)
        return
    from ..questionnaire import load_questionnaire
    from ..segment.assign import assign_segments, is_segmentation_model
    from ..typing_tool import assign_file

    q = load_questionnaire(questionnaire) if questionnaire is not None else None
    sheet_arg: str | int | None = int(sheet) if sheet is not None and sheet.isdigit() else sheet
    if is_segmentation_model(model_path):
        seg_result = assign_segments(data, model_path, output, questionnaire=q, id_column=id_column, sheet=sheet_arg,
                                     excluded_output=excluded_path)
        if as_json:
            emit_json(seg_result.to_dict())
            return
        click.echo(seg_result.summary())
        note(f"Wrote {output}" + (f" and {excluded_path}" if excluded_path is not None else ""), quiet)
        return
    result = assign_file(data, model_path, output, id_column=id_column, questionnaire=q, sheet=sheet_arg,
                         max_missing=max_missing, excluded_output=excluded_path)
    if as_json:
        emit_json(result.to_dict())
        return
    click.echo(result.summary())
    note(f"Wrote {output}" + (f" and {excluded_path}" if excluded_path is not None and result.rows_excluded else ""),
         quiet)
