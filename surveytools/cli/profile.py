"""``surveytools profile``: segment comparison table with significance tests; Excel, HTML and PowerPoint reports."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from ._common import emit_json, json_option, load_data, note, questionnaire_option, quiet_option, sheet_option


def _read_names(value: str | None) -> Any:
    """``--names``: '1=Achievers,2=Explorers' or a .yaml/.yml/.json file with a mapping or a list."""
    if value is None:
        return None
    p = Path(value)
    if p.suffix.lower() in (".yaml", ".yml", ".json"):
        from ..exceptions import DataError, InputFileError

        if not p.is_file():
            raise InputFileError(f"segment names file {p} not found")
        text = p.read_text(encoding="utf-8-sig")
        try:
            if p.suffix.lower() == ".json":
                data = json.loads(text)
            else:
                from ..questionnaire import load_yaml

                data = load_yaml(text, f"segment names file {p}")
        except (ValueError, Exception) as exc:  # yaml.YAMLError is not a ValueError
            raise DataError(f"{p}: cannot read segment names: {exc}") from None
        if isinstance(data, dict) and "names" in data and isinstance(data["names"], (dict, list)):
            data = data["names"]
        return data
    return value


def _read_scores(path: Path, id_name: str):
    """Per-respondent scores (e.g. 'surveytools factor --scores'): an id column and numeric columns."""
    import pandas as pd

    from ..exceptions import DataError, InputFileError

    if not path.is_file():
        raise InputFileError(f"scores file {path} not found; write it with 'surveytools factor --scores {path.name}'")
    try:
        if path.suffix.lower() == ".parquet":
            frame = pd.read_parquet(path)
        elif path.suffix.lower() in (".xlsx", ".xls"):
            frame = pd.read_excel(path, engine="calamine")
        else:
            frame = pd.read_csv(path, encoding="utf-8-sig", dtype={id_name: str, "respondent_id": str})
    except (ValueError, OSError) as exc:
        raise InputFileError(f"scores file {path} cannot be read: {exc}") from None
    for col in (id_name, "respondent_id"):
        if col in frame.columns:
            break
    else:
        raise DataError(f"{path}: no respondent id column ({id_name!r}); the scores file needs one")
    frame = frame.set_index(frame[col].astype(str)).drop(columns=[col])
    bad = [c for c in frame.columns if not pd.api.types.is_numeric_dtype(frame[c])]
    if bad:
        raise DataError(f"{path}: column(s) {', '.join(map(str, bad))} are not numeric; a scores file holds numbers")
    return frame


@click.command(name="profile")
@click.argument("data", type=click.Path(dir_okay=False, path_type=Path))
@questionnaire_option()
@click.option("--segments", "segments", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="Segment assignments (respondent_id, segment 1..k; optional segment_name).")
@click.option("-o", "--output", "output", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Write a report: REPORT.xlsx (Excel), REPORT.html (self-contained web page) or REPORT.pptx "
                   "(PowerPoint deck with editable charts).")
@click.option("--lang", type=click.Choice(["en", "es"]), default="en", show_default=True,
              help="Language of the report and the segment descriptions.")
@click.option("--fdr", is_flag=True, help="Mark differences by Benjamini-Hochberg adjusted p-values.")
@click.option("--alpha", type=click.FloatRange(0, 1, min_open=True, max_open=True), default=0.05,
              show_default=True, help="Significance level of the higher/lower marks.")
@click.option("--names", "names", default=None,
              help="Segment names: '1=Achievers,2=Explorers' or a .yaml/.json file (overrides segment_name).")
@click.option("--variables", default=None,
              help="Only these items, scales or score columns (comma-separated); default: all of them.")
@click.option("--scores", "scores", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Per-respondent basis scores (e.g. from 'surveytools factor --scores'), shown first.")
@click.option("--no-weights", is_flag=True, help="Ignore the survey weights declared in the questionnaire.")
@sheet_option
@json_option
@quiet_option
def command(data: Path, questionnaire: Path, segments: Path, output: Path | None, lang: str, fdr: bool,
            alpha: float, names: str | None, variables: str | None, scores: Path | None, no_weights: bool,
            sheet: str | None, as_json: bool, quiet: bool) -> None:
    """Segment profiles: each segment against the total, tested against the rest of the sample.

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
    """
    from ..assignments import read_assignments
    from ..exceptions import DataError
    from ..io.atomic import check_output_path
    from ..profile import profile_segments

    inputs = [str(p) for p in (data, questionnaire, segments, scores) if p is not None]
    if output is not None:
        from ..report import REPORT_FORMATS

        if output.suffix.lower() not in REPORT_FORMATS:
            raise DataError(f"cannot write a report to {output}: use a name ending in .xlsx, .html or .pptx")
        check_output_path(output, inputs)
    survey = load_data(data, questionnaire, sheet)
    assignments = read_assignments(segments)
    basis = _read_scores(scores, survey.id_name) if scores is not None else None
    result = profile_segments(survey, assignments, basis=basis, variables=variables, fdr=fdr,
                              names=_read_names(names), lang=lang, alpha=alpha, weights=not no_weights)
    if output is not None:
        from ..report import write_report

        write_report({"profile": result}, output, lang=lang, inputs=inputs)
    if as_json:
        out = result.to_dict()
        out["output"] = str(output) if output is not None else None
        emit_json(out)
        return
    click.echo(result.summary())
    if len(result.unassigned):
        note(f"{len(result.unassigned)} respondent(s) without a segment were excluded", quiet)
    if output is not None:
        note(f"wrote {output}", quiet)
