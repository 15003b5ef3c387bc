"""Stage ``crm_extend`` (command ``crm extend``): a segment for every customer from a model on CRM fields.

The command reads the output of ``crm join``; a project run extends the crm stage's joined list (the crm stage then
writes it to ``customers_joined.parquet``, and this stage writes every customer to
``customers_segmented.parquet``). The stage runs in a project only when the file has a ``crm_extend:`` section
(``crm: {extend: ...}`` is its deprecated place, see :mod:`surveytools.project`).
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

from ._base import Inputs, Option, Options, Stage, StageResult
from .common import SEED

#: the file name of the crm stage's join in a project run that extends it
JOINED_FILE = "customers_joined.parquet"


def _features(value: Any) -> str | list[str]:
    """``auto``, comma-separated column names, or a list of them."""
    if isinstance(value, str) and value.strip():
        return value.strip()
    if isinstance(value, (list, tuple)) and value and all(isinstance(v, str) and v.strip() for v in value):
        return [v.strip() for v in value]
    raise ValueError("features must be auto or a list of CRM column names")


def _date_text(value: Any) -> str:
    """A date as text (a YAML date is read as a date)."""
    return str(value)


OPTIONS = (
    Option("joined", "path", argument=True, required=True,
           cli_only=f"input: a project run extends the crm stage's join ({JOINED_FILE})",
           help="The output of 'crm join' (every customer; matched respondents carry their survey segment)."),
    Option("features", "str", "auto", metavar="COLS|auto", parse=_features,
           example=["orders", "revenue", "last_purchase_date"],
           help="CRM columns the model uses, comma-separated, or 'auto': every column that is not a key, not "
                "personal data (e-mail, phone, name, address: never features), not constant and not empty."),
    Option("as_of", "str", None, metavar="YYYY-MM-DD", parse=_date_text, example="2024-12-31",
           help="Date that recency is counted to for date columns (default: the latest date in them)."),
    Option("min_probability", "float", 0.0, min=0, max=1, example=0.5,
           help="Customers whose best model segment has a lower probability get no segment (source 'none')."),
    Option("model", "choice", "auto", choices=("auto", "logistic", "boosting"), example="logistic",
           help="auto: the lower cross-validated log loss of a multinomial logistic regression and calibrated "
                "gradient boosting (logistic only with --sql / --save-model)."),
    Option("folds", "int", 5, min=2, example=10, help="Cross-validation folds."),
    replace(SEED, help="Random seed (same seed, same result)."),
    Option("id_column", "str", None, flags=("--id",), cli_only="only for the SQL export (--sql), a command option",
           help="Customer id column for the SQL export (default: customer_id or another id column)."),
    Option("sql", "path", None, cli_only="a warehouse export the command writes on request",
           help="Also write the model as a SQL query that scores the customer table in a warehouse."),
    Option("sql_dialect", "choice", "duckdb", choices=("duckdb", "postgres", "bigquery", "snowflake", "spark", "sqlite"),
           cli_only="only with --sql", help="SQL dialect of --sql (written by sqlglot)."),
    Option("sql_table", "str", "customers", cli_only="only with --sql", help="Customer table the --sql query reads."),
    Option("save_model", "path", None, cli_only="a model file the command writes on request",
           help="Also write the model (.json) for 'surveytools assign CUSTOMERS --model MODEL'."),
    Option("output", "path", None, flags=("-o", "--output"), required=True, output="customers_segmented.parquet",
           cli_only="output: a project run writes customers_segmented.parquet", example="customers_segmented.parquet",
           help="Every customer (.csv or .parquet) with segment, segment_name, probability, segment_source "
                "(survey / model / none), model_segment, model_probability."),
)


def _joined(inputs: Inputs, options: Options) -> Path | None:
    """The joined customer list: the command's JOINED, or the file the run's crm stage wrote."""
    if options.joined is not None:
        return Path(options.joined)
    out = getattr(inputs.results.get("crm"), "output", None)
    return Path(out) if out else None


def run(inputs: Inputs, options: Options) -> StageResult:
    """Train on the matched respondents, score every customer in DuckDB, write the output (and SQL/model)."""
    from ..crm_extend import extend_crm

    joined = _joined(inputs, options)
    if joined is None:
        from ..exceptions import DataError

        raise DataError("crm extend: name the joined customer list (the output of 'crm join')")
    res = extend_crm(joined, options.output, features=options.features, as_of=options.as_of,
                     min_probability=float(options.min_probability), model=options.model, n_folds=options.folds,
                     seed=options.seed, id_column=options.id_column, sql=options.sql,
                     sql_dialect=options.sql_dialect, sql_table=options.sql_table, save_model=options.save_model,
                     progress=inputs.progress)
    # every customer stays: unassigned customers are kept with segment_source 'none', not excluded
    out = StageResult("crm_extend", value=res, json=res.to_dict(), text=res.summary(lang=inputs.language),
                      rows_in=res.customers,
                      rows_out=res.customers)
    if res.output is not None:
        out.outputs["output"] = Path(res.output)
    if res.sql is not None:
        out.outputs["sql"] = Path(res.sql)
    if options.save_model is not None:
        out.outputs["save_model"] = Path(options.save_model)
        out.notes.append(f"Wrote the model to {options.save_model}")
    return out


def _skip(inputs: Inputs, options: Options) -> str | None:
    return None if _joined(inputs, options) is not None else "no joined customer list (the crm stage did not run)"


def _load(values: Any) -> Inputs:
    return Inputs(files=(Path(values["joined"]),) if values.get("joined") is not None else ())


STAGE = Stage(
    name="crm_extend", command="crm extend", options=OPTIONS, run=run, opt_in=True, needs=("results",), skip=_skip,
    load=_load,
    help="""Give every customer a segment from a model on CRM fields.

    JOINED is the output of 'crm join' (every customer; matched respondents carry their survey segment).
    A classifier is trained on the matched respondents' CRM fields and survey segments, chosen by stratified
    cross-validation, and scores every customer inside DuckDB (any size). Respondents keep their survey
    segment. The cross-validated accuracy and recall per segment say how far to trust the rest; a segment
    found for fewer than half of its respondents is warned about.

    \b
    Examples:
      surveytools crm extend joined.parquet -o customers_segmented.parquet
      surveytools crm extend joined.parquet --features orders,revenue,last_purchase_date,loyalty_tier \\
          --as-of 2024-12-31 --min-probability 0.5 -o segmented.parquet --json
      surveytools crm extend joined.csv -o out.parquet --sql score.sql --sql-dialect bigquery --save-model crm.json
    """)
