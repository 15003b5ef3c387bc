"""``surveytools typing-tool``: choose golden questions and build the segment classifier."""

from __future__ import annotations

from pathlib import Path

import click

from ._common import (
    ClickProgress,
    emit_json,
    json_option,
    load_data,
    note,
    questionnaire_option,
    quiet_option,
    seed_option,
    sheet_option,
)


def _priors(value: str) -> str | list[float]:
    v = value.strip().lower()
    if v in ("proportional", "equal"):
        return v
    try:
        return [float(p) for p in value.split(",")]
    except ValueError:
        raise click.BadParameter("use 'proportional', 'equal' or one probability per segment, e.g. 0.2,0.3,0.5",
                                 param_hint="--priors") from None


@click.command("typing-tool")
@click.argument("data", type=click.Path(dir_okay=False, path_type=Path))
@questionnaire_option()
@click.option("--segments", "segments_path", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="Segment assignments (respondent_id, segment), as written by 'surveytools segment'.")
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="Model file (.json). The Excel calculator and SQL query are written beside it.")
@click.option("--items", default=None, help="Candidate items or scales, comma-separated (default: every Likert item but attention checks).")
@click.option("--max-items", type=click.IntRange(1), default=12, show_default=True,
              help="Most golden questions (the accuracy curve runs up to it).")
@click.option("--n-items", type=click.IntRange(1), default=None,
              help="Use exactly this many golden questions instead of the smallest set near the best accuracy.")
@click.option("--min-gain", type=click.FloatRange(0, 1, max_open=True), default=0.002, show_default=True,
              help="Keep the fewest items whose CV accuracy is within this of the best on the curve.")
@click.option("--folds", type=click.IntRange(2), default=5, show_default=True, help="Cross-validation folds.")
@click.option("--priors", default="proportional", show_default=True,
              help="Segment priors: proportional (segment shares), equal, or a comma-separated list.")
@click.option("--backward/--no-backward", default=False, show_default=True,
              help="Floating search: after each added item try dropping earlier ones.")
@click.option("--max-missing", type=click.FloatRange(0, 1, max_open=True), default=0.5, show_default=True,
              help="Share of questions a respondent may leave unanswered (more: no segment, reported).")
@click.option("--nested-cv", "nested", is_flag=True,
              help="Also report the accuracy of the whole procedure by nested cross-validation (slower, honest).")
@click.option("--excel", "excel_path", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Excel calculator (default: MODEL with .xlsx).")
@click.option("--sql", "sql_path", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="SQL scoring query (default: MODEL with .sql).")
@click.option("--sql-table", default="respondents", show_default=True, help="Table the SQL query scores.")
@click.option("--no-exports", is_flag=True, help="Write only the JSON model.")
@click.option("--lang", type=click.Choice(["en", "es"]), default=None,
              help="Language of the Excel calculator (default: the questionnaire's language, else en).")
@seed_option
@sheet_option
@json_option
@quiet_option
def command(data: Path, questionnaire: Path, segments_path: Path, output: Path, items: str | None, max_items: int,
            n_items: int | None, min_gain: float, folds: int, priors: str, backward: bool, max_missing: float,
            nested: bool, excel_path: Path | None, sql_path: Path | None, sql_table: str, no_exports: bool,
            lang: str | None, seed: int, sheet: str | None, as_json: bool, quiet: bool) -> None:
    """Choose golden questions and build a classifier that assigns new respondents to segments.

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
    """
    from ..assignments import read_assignments
    from ..exceptions import InputFileError
    from ..io.atomic import atomic_write, check_output_path
    from ..typing_tool import TypingTool

    if output.suffix.lower() != ".json":
        raise InputFileError(f"the model {output} is a JSON file; name it .json (the Excel calculator and SQL "
                             "query are written beside it)")
    inputs = [str(data), str(questionnaire), str(segments_path)]
    excel = None if no_exports else (excel_path or output.with_suffix(".xlsx"))
    sql = None if no_exports else (sql_path or output.with_suffix(".sql"))
    for path in (output, excel, sql):
        if path is not None:
            check_output_path(path, inputs)
    survey = load_data(data, questionnaire, sheet)
    assignments = read_assignments(segments_path)
    with ClickProgress(quiet or as_json) as progress:
        tool = TypingTool(items=items, max_items=max_items, min_gain=min_gain, n_items=n_items, n_folds=folds,
                          seed=seed, priors=_priors(priors), backward=backward, max_missing=max_missing,
                          nested=nested, progress=progress)
        try:
            tool.fit(survey, assignments)
        except ValueError as exc:
            from ..exceptions import SurveyToolsError

            if isinstance(exc, SurveyToolsError):
                raise
            raise click.BadParameter(str(exc)) from None
    tool.save(output, inputs=inputs)
    outputs = {"model": str(output)}
    if excel is not None:
        q_lang = survey.questionnaire.language
        tool.to_excel(excel, inputs=inputs, lang=lang or (q_lang if q_lang in ("en", "es") else "en"))
        outputs["excel"] = str(excel)
    if sql is not None:
        text = tool.to_sql(sql_table)
        with atomic_write(sql, inputs) as tmp:
            tmp.write_text(text, encoding="utf-8")
        outputs["sql"] = str(sql)
    result = tool.result_
    if as_json:
        emit_json({**result.to_dict(), "outputs": outputs})
        return
    click.echo(result.summary())
    note("Wrote " + ", ".join(outputs.values()), quiet)
