"""Stage ``tables``: banner tables (crosstabs) with column percentages or means, bases and column letters."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ._base import Inputs, Option, Options, Stage, StageResult
from .common import INCLUDE_FLAGGED, SURVEY_INPUTS, UNWEIGHTED


def _out(value: Any) -> Path:
    from ..io.crosstab_files import TABLES_SUFFIXES

    p = Path(value)
    if p.suffix.lower() not in TABLES_SUFFIXES:
        raise ValueError(f"{p.name}: use a .xlsx, .html, .csv or .parquet file name")
    return p


OPTIONS = (
    *SURVEY_INPUTS,
    INCLUDE_FLAGGED,
    Option("banner", "list", None, required=True, metavar="ITEMS", example=["gender", "region"],
           help="Banner (column) variables: categorical or rating items, comma-separated."),
    Option("rows", "list", None, metavar="ITEMS", example=["nps", "price_sensitivity"],
           help="Row variables: items and scales, comma-separated (default: every rating, categorical, "
                "multiple-choice, numeric and NPS item)."),
    Option("alpha", "float", 0.05, min=0, max=1, min_open=True, max_open=True, example=0.1,
           help="Significance level of the column letters."),
    Option("adjust", "choice", "bonferroni", choices=("bonferroni", "holm", "bh", "none"), example="holm",
           help="Multiple-comparison adjustment of each row's pairwise column tests."),
    Option("boxes", "int", 2, min=0, example=3, help="Top/bottom-box nets under rating items (0: none)."),
    UNWEIGHTED,
    Option("output", "path", None, flags=("-o", "--output"), parse=_out, output="tables.xlsx",
           cli_only="output: a project run writes tables.xlsx", example="tables.xlsx",
           help="Write the tables (.xlsx, .html, or long .csv/.parquet)."),
)


def run(inputs: Inputs, options: Options) -> StageResult:
    from ..crosstab import banner_tables
    from ..io.crosstab_files import write_tables

    survey = inputs.survey
    res = banner_tables(survey, options.banner, options.rows, weights=not options.unweighted, alpha=options.alpha,
                        adjust=options.adjust, boxes=options.boxes)
    out = StageResult("tables", value=res, json=res.to_dict(), text=res.summary(), rows_in=survey.n,
                      rows_out=survey.n)
    if options.output is not None:
        written = write_tables(res, options.output, inputs=inputs.files)
        out.outputs["output"] = written
        out.json["output"] = written
        out.notes.append(f"{len(res.tables)} tables written to {written}")
    return out


def _skip(inputs: Inputs, options: Options) -> str | None:
    return None if options.banner else "no banner variables"


STAGE = Stage(
    name="tables", command="tables", options=OPTIONS, run=run, skip=_skip,
    help="""Banner tables: row variables against banner columns, with bases and column letters.

    One table per row variable and banner variable: column percentages of each answer (top-2 and bottom-2
    nets and the mean under rating items), means of numeric items and scales, the NPS with its groups; the
    base of each column; and the letters of the columns each cell is significantly higher than (pairwise
    z tests for percentages, Welch t for means, Bonferroni-adjusted within each row by default), weighted
    when the questionnaire names survey weights.

    \b
    Examples:
      surveytools tables clean.csv -q questionnaire.yaml --banner gender,region -o tables.xlsx
      surveytools tables clean.csv -q q.yaml --banner region --rows nps,price_sensitivity --json
      surveytools tables clean.csv -q q.yaml --banner gender --adjust holm --alpha 0.1 -o tables.html
    """)
