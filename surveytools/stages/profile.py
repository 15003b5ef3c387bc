"""Stage ``profile``: each segment against the total, with significance tests; Excel, HTML and PowerPoint."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

from ._base import Inputs, Option, Options, Stage, StageResult
from .common import INCLUDE_FLAGGED, SEGMENTS, SURVEY_INPUTS


def _report_name(value: Any) -> Path:
    from ..report import REPORT_FORMATS

    p = Path(value)
    if p.suffix.lower() not in REPORT_FORMATS:
        from ..exceptions import DataError

        raise DataError(f"cannot write a report to {p}: use a name ending in .xlsx, .html or .pptx")
    return p


def _names(value: Any) -> Any:
    from ..segments import parse_names

    parse_names(value)  # the one parser: raises DataError with the problem
    return value


OPTIONS = (
    *SURVEY_INPUTS,
    INCLUDE_FLAGGED,
    replace(SEGMENTS, help="Segment assignments (respondent_id, segment 1..k; optional segment_name)."),
    Option("output", "path", None, flags=("-o", "--output"), example="profiles.xlsx",
           cli_only="output: a project run writes the profiles into report.xlsx / report.html (report stage)",
           help="Write a report: REPORT.xlsx (Excel), REPORT.html (self-contained web page) or REPORT.pptx "
                "(PowerPoint deck with editable charts)."),
    Option("lang", "choice", "en", choices=("en", "es"), study="language", example="es",
           help="Language of the report and the segment descriptions."),
    Option("fdr", "flag", False, example=True, help="Mark differences by Benjamini-Hochberg adjusted p-values."),
    Option("alpha", "float", 0.05, min=0, max=1, min_open=True, max_open=True, example=0.01,
           help="Significance level of the higher/lower marks."),
    Option("names", "str", None, parse=_names, example="1=Achievers,2=Savers",
           help="Segment names: '1=Achievers,2=Explorers' or a .yaml/.json file (overrides segment_name)."),
    Option("variables", "str", None, example="age,gender",
           help="Only these items, scales or score columns (comma-separated); default: all of them."),
    Option("scores", "path", None, example="factor_scores.csv",
           cli_only="input: a project run passes its factor stage's scores",
           help="Per-respondent basis scores (e.g. from 'surveytools factor --scores'), shown first."),
    Option("no_weights", "flag", False, example=True, help="Ignore the survey weights declared in the questionnaire."),
)


def run(inputs: Inputs, options: Options) -> StageResult:
    """Profile the segments; with ``output`` also write the report (.xlsx or .html)."""
    from ..io.atomic import check_output_path
    from ..io.tables import read_scores
    from ..profile import profile_segments

    survey = inputs.survey
    files = [str(p) for p in inputs.files]
    output = _report_name(options.output) if options.output is not None else None
    if output is not None:
        check_output_path(output, files + ([str(options.scores)] if options.scores else []))
    basis = inputs.factor_scores
    if options.scores is not None:
        basis = read_scores(options.scores, survey.id_name, hint="surveytools factor --scores")
        files.append(str(options.scores))
    result = profile_segments(survey, inputs.segments, basis=basis, scale_scores=inputs.scale_scores,
                              variables=options.variables, fdr=options.fdr, names=options.names, lang=options.lang,
                              alpha=options.alpha, weights=not options.no_weights)
    if inputs.quality_exclusions is not None and inputs.quality_exclusions.rows_excluded:
        import dataclasses

        # the report counts those left out for quality flags too (rows in = used + excluded)
        result = dataclasses.replace(result, flagged=int(inputs.quality_exclusions.rows_excluded))
    out = StageResult("profile", value=result, text=result.summary(), rows_in=survey.n,
                      rows_out=survey.n - len(result.unassigned))
    if len(result.unassigned):
        out.excluded["no segment"] = len(result.unassigned)
        out.notes.append(f"{len(result.unassigned)} respondent(s) without a segment were excluded")
    out.json = result.to_dict()
    if output is not None:
        from ..report import write_report

        write_report({"profile": result}, output, lang=options.lang, inputs=files)
        out.outputs["output"] = output
        out.notes.append(f"wrote {output}")
    out.json["output"] = output
    return out


def _skip(inputs: Inputs, options: Options) -> str | None:
    return "no segments (the segment stage is off)" if inputs.segments is None else None


STAGE = Stage(
    name="profile", command="profile", options=OPTIONS, run=run, needs=("survey", "segments"), skip=_skip,
    help="""Segment profiles: each segment against the total, tested against the rest of the sample.

    Rows: basis scores (--scores), scale scores, rating items, categorical variables (% per category),
    multiple-choice items (% per option), numeric variables (means) and NPS. Columns: total and each
    segment with its value, index (segment / total x 100) and p-value. Means: Welch t test; proportions:
    two-proportion z test; survey weights enter through Kish's effective sample size. Differences with
    p < alpha are marked higher (+) or lower (-); --fdr uses Benjamini-Hochberg adjusted p-values.

    \b
    Examples:
      surveytools profile clean.parquet -q questionnaire.yaml --segments segments.csv
      surveytools profile clean.parquet -q q.yaml --segments segments.csv -o profiles.xlsx --names "1=Achievers,2=Savers"
      surveytools profile clean.parquet -q q.yaml --segments segments.csv -o report.html --lang es --fdr
      surveytools profile clean.parquet -q q.yaml --segments segments.csv -o report.pptx --lang es
      surveytools profile clean.parquet -q q.yaml --segments segments.csv --json
    """)
