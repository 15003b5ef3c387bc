"""Stage ``assign`` (a command only): new respondents or customers -> Segments, with a typing-tool, segmentation
or CRM segment model."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ._base import Inputs, Option, Options, Stage, StageResult


def _sheet(value: Any) -> str | int:
    return int(value) if isinstance(value, str) and value.isdigit() else value


OPTIONS = (
    Option("data", "path", None, argument=True, required=True,
           help="Survey or customer file with a column per golden question."),
    Option("model", "path", None, flags=("--model",), required=True,
           help="Model (.json): a typing tool ('surveytools typing-tool'), a segmentation model "
                "('surveytools segment --save-model', e.g. latent classes) or a CRM segment model "
                "('surveytools crm extend --save-model')."),
    Option("output", "path", None, flags=("-o", "--output"), required=True,
           help="Segments file (.csv, .parquet or .xlsx): id, segment, probability, n_imputed."),
    Option("questionnaire", "path", None, flags=("-q", "--questionnaire"),
           help="Optional questionnaire: more answer labels (e.g. another language) and the id column."),
    Option("id_column", "str", None, flags=("--id",),
           help="Id column of DATA (default: respondent_id, id or customer_id; row numbers when absent). "
                "The output keeps this name."),
    Option("max_missing", "int", None, min=0,
           help="Most unanswered golden questions a row may have (default: the model's, half of them)."),
    Option("min_probability", "float", None, min=0, max=1,
           help="CRM segment models: customers below this probability get no segment (default: the model's)."),
    Option("excluded", "path", None, flags=("--excluded",),
           help="Also write the excluded rows (id, reason, n_missing) to this file."),
    Option("sheet", "str", None, parse=_sheet, help="Worksheet of a workbook (name or 0-based index)."),
)


def run(inputs: Inputs, options: Options) -> StageResult:
    """Score the file; provides the assigned rows as ``segments`` (Segments, with probabilities)."""
    from ..crm_extend import MODEL_FORMAT, assign_customers, model_format
    from ..questionnaire import load_questionnaire
    from ..segment.assign import assign_segments, is_segmentation_model
    from ..segments import Segments
    from ..typing_tool import assign_file

    if model_format(options.model) == MODEL_FORMAT:  # every customer, streamed through DuckDB
        res = assign_customers(options.data, options.model, options.output, id_column=options.id_column,
                               min_probability=options.min_probability)
        done = StageResult("assign", value=res, json=res.to_dict(), text=res.summary(),
                           outputs={"output": Path(options.output)})
        done.notes.append(f"Wrote {options.output}")
        return done
    q = load_questionnaire(options.questionnaire) if options.questionnaire is not None else None
    if is_segmentation_model(options.model):
        seg_result = assign_segments(options.data, options.model, options.output, questionnaire=q,
                                     id_column=options.id_column, sheet=options.sheet,
                                     excluded_output=options.excluded)
        f = seg_result.frame
        segments = Segments.from_labels(f["segment"], probability=f["probability"] if "probability" in f else None,
                                        source=f"assign: {Path(options.model).name}")
        done = StageResult("assign", value=seg_result, json=seg_result.to_dict(), text=seg_result.summary(lang=inputs.language),
                           rows_in=seg_result.rows_in, rows_out=seg_result.rows_assigned,
                           outputs={"output": Path(options.output)}, provides={"segments": segments})
        done.notes.append(f"Wrote {options.output}" + (f" and {options.excluded}" if options.excluded else ""))
        return done
    result = assign_file(options.data, options.model, options.output, id_column=options.id_column, questionnaire=q,
                         sheet=options.sheet, max_missing=options.max_missing, excluded_output=options.excluded)
    segments = result.to_segments(source=f"assign: {Path(options.model).name}")
    out = StageResult("assign", value=result, json=result.to_dict(), text=result.summary(lang=inputs.language),
                      rows_in=result.rows_in, rows_out=result.rows_assigned, excluded=dict(result.excluded),
                      outputs={"output": Path(options.output)}, provides={"segments": segments})
    written = [str(options.output)]
    if options.excluded is not None and result.rows_excluded:
        out.outputs["excluded"] = Path(options.excluded)
        written.append(str(options.excluded))
    out.notes.append("Wrote " + " and ".join(written))
    return out


STAGE = Stage(
    name="assign", command="assign", section=None, options=OPTIONS, run=run, needs=(),
    load=lambda values: Inputs(files=tuple(Path(values[k]) for k in ("data", "model") if values.get(k))),
    help="""Assign respondents or customers to segments with a typing-tool, segmentation or CRM segment model.

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
    """)
