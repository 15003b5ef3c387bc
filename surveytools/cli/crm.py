"""``surveytools crm``: segments onto customer lists."""

from __future__ import annotations

from pathlib import Path

import click

from ._common import ClickProgress, emit_json, json_option, note, quiet_option


@click.group(name="crm")
def group() -> None:
    """Take survey segments into CRM customer lists.

    \b
    Examples:
      surveytools crm join --survey clean.csv --segments segments.csv --crm customers.csv -o customers_seg.parquet
      surveytools crm join --survey clean.csv --crm customers.parquet --on email=EmailAddress --gmail-dots -o out.csv
      surveytools crm extend joined.parquet --min-probability 0.5 -o customers_segmented.parquet
    """


def _join() -> click.Command:
    """``crm join``, generated from its stage declaration (surveytools.stages.crm)."""
    from ..stages import get_stage
    from ._stage import make_command

    return make_command(get_stage("crm"), name="join")


command = _join()
group.add_command(command)

@group.command(name="extend")
@click.argument("joined", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--features", default="auto", show_default=True, metavar="COLS|auto",
              help="CRM columns the model uses, comma-separated, or 'auto': every column that is not a key, not "
                   "personal data (e-mail, phone, name, address: never features), not constant and not empty.")
@click.option("--as-of", "as_of", default=None, metavar="YYYY-MM-DD",
              help="Date that recency is counted to for date columns (default: the latest date in them).")
@click.option("--min-probability", type=click.FloatRange(0, 1), default=0.0, show_default=True,
              help="Customers whose best model segment has a lower probability get no segment (source 'none').")
@click.option("--model", "model", type=click.Choice(["auto", "logistic", "boosting"]), default="auto",
              show_default=True,
              help="auto: the lower cross-validated log loss of a multinomial logistic regression and calibrated "
                   "gradient boosting (logistic only with --sql / --save-model).")
@click.option("--folds", type=click.IntRange(2), default=5, show_default=True, help="Cross-validation folds.")
@click.option("--seed", type=int, default=20240601, show_default=True, help="Random seed (same seed, same result).")
@click.option("--id", "id_column", default=None,
              help="Customer id column for the SQL export (default: customer_id or another id column).")
@click.option("--sql", "sql", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Also write the model as a SQL query that scores the customer table in a warehouse.")
@click.option("--sql-dialect", type=click.Choice(["duckdb", "postgres", "bigquery", "snowflake", "spark", "sqlite"]),
              default="duckdb", show_default=True, help="SQL dialect of --sql (written by sqlglot).")
@click.option("--sql-table", default="customers", show_default=True, help="Customer table the --sql query reads.")
@click.option("--save-model", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Also write the model (.json) for 'surveytools assign CUSTOMERS --model MODEL'.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), required=True,
              help="Every customer (.csv or .parquet) with segment, segment_name, probability, segment_source "
                   "(survey / model / none), model_segment, model_probability.")
@json_option
@quiet_option
def extend_command(joined: Path, features: str, as_of: str | None, min_probability: float, model: str, folds: int,
                   seed: int, id_column: str | None, sql: Path | None, sql_dialect: str, sql_table: str,
                   save_model: Path | None, output: Path, as_json: bool, quiet: bool) -> None:
    """Give every customer a segment from a model on CRM fields.

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
    """
    from ..crm_extend import extend_crm

    with ClickProgress(quiet or as_json) as progress:
        result = extend_crm(joined, output, features=features, as_of=as_of, min_probability=min_probability,
                            model=model, n_folds=folds, seed=seed, id_column=id_column, sql=sql,
                            sql_dialect=sql_dialect, sql_table=sql_table, save_model=save_model, progress=progress)
    if as_json:
        emit_json(result.to_dict())
    else:
        click.echo(result.summary())
        if save_model is not None:
            note(f"Wrote the model to {save_model}", quiet)
