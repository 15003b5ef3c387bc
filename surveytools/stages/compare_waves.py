"""Stage ``compare_waves`` (command only): segment sizes, means and KPIs per survey wave, and their changes."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ._base import Inputs, Option, Options, Stage, StageResult
from .common import INCLUDE_FLAGGED, SEGMENTS, SURVEY_INPUTS, UNWEIGHTED


def _report(value: Any) -> Path:
    p = Path(value)
    if p.suffix.lower() not in (".xlsx", ".html", ".htm", ".pptx"):
        raise ValueError(f"{p.name}: the report is .xlsx, .html or .pptx")
    return p


OPTIONS = (
    *SURVEY_INPUTS,
    INCLUDE_FLAGGED,
    Option("wave", "str", None, metavar="COLUMN", example="ola", cli_only="the command's own setting",
           help="Column (item or platform column) holding each respondent's wave (default: wave, ola, oleada...)."),
    Option("previous", "list", None, multiple=True, metavar="FILE", cli_only="input: the earlier waves' files",
           help="Earlier waves' files (repeat the option), read with the same questionnaire and stacked with DATA; "
                "a file without a wave column is the wave named by its file name."),
    dataclasses.replace(SEGMENTS, type="list", multiple=True, required=False,
                        help="Segment assignments of the respondents (repeat for each wave's file: the first wave's "
                             "segments and 'assign' of its saved segment model on the next waves)."),
    Option("variables", "list", None, flags=("--items",), metavar="ITEMS", example="price_sensitivity,csat", cli_only="the command's own setting",
           help="Scales and items whose means are compared (default: the scales, else the Likert items)."),
    Option("alpha", "float", 0.05, min=0, max=1, min_open=True, max_open=True, example=0.01,
           cli_only="the command's own setting", help="Significance level of the changes marked."),
    dataclasses.replace(UNWEIGHTED, cli_only="the command's own setting"),
    Option("lang", "choice", None, choices=("en", "es"), cli_only="the command's own setting",
           help="Language of the text and the report (default: the questionnaire's)."),
    Option("output", "path", None, flags=("-o", "--output"), parse=_report, output="waves.xlsx",
           cli_only="output: the wave-over-wave report", example="waves.html",
           help="Write the wave-over-wave report (.xlsx, .html or .pptx)."),
)


def run(inputs: Inputs, options: Options) -> StageResult:
    """Compare the waves; write the report when asked."""
    from ..waves import compare_waves

    res = compare_waves(inputs.survey, wave=options.wave, segments=inputs.segments, items=options.variables,
                        weights=not options.unweighted, alpha=options.alpha)
    lang = options.lang or res.lang
    res.lang = lang
    out = StageResult("compare_waves", value=res, json=res.to_dict(), text=res.summary(lang), rows_in=res.rows_in,
                      rows_out=res.rows_out, excluded=dict(res.excluded))
    if options.output is not None:
        from ..report import write_report

        written = write_report({"waves": res.to_dict()}, options.output, lang=lang, inputs=inputs.files,
                               title=None)
        out.outputs["output"] = Path(written)
        out.json["output"] = str(written)
        out.notes.append(f"wave-over-wave report written to {written}")
    for reason, n in res.excluded.items():
        out.notes.append(f"{n:,} respondents left out: {reason.replace('_', ' ')}")
    return out


def _load(values: Mapping[str, Any]) -> Inputs:
    """DATA and the --previous files read with the questionnaire and stacked; the segment files stacked."""
    from ..io import load_survey
    from ..quality import combine_exclusions, honour_flags
    from ..questionnaire import load_questionnaire
    from ..segments import read_segments
    from ..waves import stack_segments, stack_waves

    q = load_questionnaire(values["questionnaire"])
    sheet = values.get("sheet")
    sheet = int(sheet) if isinstance(sheet, str) and sheet.isdigit() else sheet
    files = [Path(f) for f in (values.get("previous") or [])] + [Path(values["data"])]
    # each wave's flagged respondents are left out of that wave (duplicates are looked for within a wave)
    honoured = [honour_flags(load_survey(f, q, sheet=sheet), include_flagged=bool(values.get("include_flagged")))
                for f in files]
    surveys = [h[0] for h in honoured]
    inputs = Inputs(survey=stack_waves(surveys, wave=values.get("wave")), data=Path(values["data"]),
                    questionnaire=Path(values["questionnaire"]))
    inputs.quality_exclusions = combine_exclusions([h[1] for h in honoured])
    inputs.flagged_kept = sum(h[2] for h in honoured)
    seg_files = [Path(f) for f in (values.get("segments") or [])]
    if seg_files:
        inputs.segments = stack_segments([read_segments(f) for f in seg_files]).without(
            inputs.quality_exclusions.reasons.index)
    inputs.files = tuple(files + [Path(values["questionnaire"])] + seg_files)
    return inputs


STAGE = Stage(
    name="compare_waves", command="compare-waves", options=OPTIONS, run=run, section=None, json_file=None,
    needs=("survey", "segments"), load=_load,
    help="""Compare survey waves: segment sizes, means and NPS per wave, the change and its significance.

    DATA holds the respondents of every wave with a wave column (--wave; default wave, ola or oleada, which
    'import --wave 2025' writes), or give the earlier waves' files with --previous. With --segments, the
    segment shares of each wave are compared: segment the first wave, save the model (segment
    --save-model), apply it to the new wave with 'surveytools assign', and give both segment files. For consecutive waves: two-proportion z tests for
    segment shares, Welch t tests for means of scales and items, a z test for NPS; weighted (Kish effective
    sizes) when the questionnaire names weights. Rows without a wave (or a segment) are counted as left out.

    \b
    Examples:
      surveytools compare-waves waves.parquet -q questionnaire.yaml
      surveytools compare-waves w2025.csv --previous w2024.csv -q q.yaml --segments s2024.csv --segments s2025.csv
      surveytools compare-waves waves.csv -q q.yaml --wave ola --segments segments_all.csv -o waves.xlsx
      surveytools compare-waves waves.csv -q q.yaml --items price_sensitivity,csat --json
    """)
