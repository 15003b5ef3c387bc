"""Stage ``typing_tool``: golden questions and a classifier that assigns new respondents to segments."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

from ._base import Inputs, Option, Options, Stage, StageResult
from .common import INCLUDE_FLAGGED, SEED, SEGMENTS, SURVEY_INPUTS


def _priors(value: Any) -> str | list[float]:
    if isinstance(value, (list, tuple)):
        items = list(value)
    else:
        v = str(value).strip().lower()
        if v in ("proportional", "equal"):
            return v
        items = str(value).split(",")
    try:
        return [float(p) for p in items]
    except ValueError:
        raise ValueError("use 'proportional', 'equal' or one probability per segment, e.g. 0.2,0.3,0.5") from None


def _json_name(value: Any) -> Path:
    p = Path(value)
    if p.suffix.lower() != ".json":
        from ..exceptions import InputFileError

        raise InputFileError(f"the model {p} is a JSON file; name it .json (the Excel calculator and SQL query are "
                             "written beside it)")
    return p


OPTIONS = (
    *SURVEY_INPUTS,
    INCLUDE_FLAGGED,
    replace(SEGMENTS, help="Segment assignments (respondent_id, segment), as written by 'surveytools segment'."),
    Option("output", "path", None, flags=("-o", "--output"), required=True, output="typing_tool_model.json",
           cli_only="output: a project run writes typing_tool_model.json", example="typing.json",
           help="Model file (.json). The Excel calculator and SQL query are written beside it."),
    Option("items", "list", None, example=["price_sensitivity", "brand_loyalty"],
           help="Candidate items or scales, comma-separated (default: every Likert item but attention checks)."),
    Option("max_items", "int", 12, min=1, example=8, help="Most golden questions (the accuracy curve runs up to it)."),
    Option("n_items", "int", None, min=1, example=6,
           help="Use exactly this many golden questions instead of the smallest set near the best accuracy."),
    Option("min_gain", "float", 0.002, min=0, max=1, max_open=True, example=0.01,
           help="Keep the fewest items whose CV accuracy is within this of the best on the curve."),
    Option("folds", "int", 5, min=2, example=10, help="Cross-validation folds."),
    Option("priors", "str", "proportional", parse=_priors, example="equal",
           help="Segment priors: proportional (segment shares), equal, or a comma-separated list."),
    Option("backward", "bool", False, show_default=True, example=True,
           help="Floating search: after each added item try dropping earlier ones."),
    Option("max_missing", "float", 0.5, min=0, max=1, max_open=True, example=0.3,
           help="Share of questions a respondent may leave unanswered (more: no segment, reported)."),
    Option("nested", "flag", False, flags=("--nested-cv",), example=True,
           help="Also report the accuracy of the whole procedure by nested cross-validation (slower, honest)."),
    Option("excel", "path", None, output="typing_tool.xlsx", cli_only="output: a project run writes typing_tool.xlsx",
           example="typing.xlsx", help="Excel calculator (default: MODEL with .xlsx)."),
    Option("sql", "path", None, output="typing_tool.sql", cli_only="output: a project run writes typing_tool.sql",
           example="typing.sql", help="SQL scoring query (default: MODEL with .sql)."),
    Option("sql_table", "str", "respondents", example="customers", help="Table the SQL query scores."),
    Option("no_exports", "flag", False, example=True, help="Write only the JSON model."),
    Option("lang", "choice", None, choices=(None, "en", "es"), study="language", example="es",
           help="Language of the Excel calculator (default: the questionnaire's language, else en)."),
    SEED,
)


def run(inputs: Inputs, options: Options) -> StageResult:
    """Fit the typing tool on the segments; write the model, the Excel calculator and the SQL query."""
    from ..exceptions import SurveyToolsError
    from ..io.atomic import atomic_write, check_output_path
    from ..typing_tool import TypingTool

    files = [str(p) for p in inputs.files]
    output = _json_name(options.output) if options.output is not None else None
    excel = sql = None
    if output is not None and not options.no_exports:
        excel = options.excel or output.with_suffix(".xlsx")
        sql = options.sql or output.with_suffix(".sql")
    for path in (output, excel, sql):
        if path is not None:
            check_output_path(path, files)
    tool = TypingTool(items=options["items"], max_items=options.max_items, min_gain=options.min_gain,
                      n_items=options.n_items, n_folds=options.folds, seed=options.seed, priors=options.priors,
                      backward=bool(options.backward), max_missing=options.max_missing, nested=options.nested,
                      progress=inputs.progress)
    try:
        tool.fit(inputs.survey, inputs.segments)
    except ValueError as exc:
        if isinstance(exc, SurveyToolsError):
            raise
        from ..exceptions import OptionUsageError

        raise OptionUsageError(str(exc)) from None
    result = tool.result_
    out = StageResult("typing_tool", value=result, text=result.summary(), rows_in=result.rows_in,
                      rows_out=result.rows_used, excluded=dict(result.excluded))
    written: dict[str, Path] = {}
    if output is not None:
        written["model"] = tool.save(output, inputs=files)
    if excel is not None:
        q_lang = inputs.survey.questionnaire.language
        written["excel"] = tool.to_excel(excel, inputs=files,
                                         lang=options.lang or (q_lang if q_lang in ("en", "es") else "en"))
    if sql is not None:
        with atomic_write(Path(sql), files) as tmp:
            tmp.write_text(tool.to_sql(options.sql_table) + "\n", encoding="utf-8")
        written["sql"] = Path(sql)
    out.outputs = {{"model": "output"}.get(k, k): v for k, v in written.items()}
    out.json = {**result.to_dict(), "outputs": written}
    if written:
        out.notes.append("Wrote " + ", ".join(map(str, written.values())))
    return out


def _skip(inputs: Inputs, options: Options) -> str | None:
    return "no segments (the segment stage is off)" if inputs.segments is None else None


STAGE = Stage(
    name="typing_tool", command="typing-tool", options=OPTIONS, run=run, needs=("survey", "segments"), skip=_skip,
    help="""Choose golden questions and build a classifier that assigns new respondents to segments.

    Forward stepwise search: each step adds the question that most raises the cross-validated
    accuracy (stratified k-fold, seeded) of a linear discriminant analysis; the curve runs to
    --max-items and the tool keeps the fewest questions within --min-gain of the best accuracy.
    Writes the model (JSON), an Excel calculator (answers in, segment out; coefficients with
    segments as columns and the constant in the last row) and a SQL query that scores a table.

    \b
    Examples:
      surveytools typing-tool clean.parquet -q questionnaire.yaml --segments segments.csv -o typing.json
      surveytools typing-tool clean.csv -q q.yaml --segments seg.csv --max-items 8 -o typing.json --json
      surveytools assign customers.csv --model typing.json -o customer_segments.csv
    """)
