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


@group.command(name="join")
@click.option("--survey", "survey", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="Survey table with the key column (e.g. clean data from 'surveytools import').")
@click.option("--crm", "crm", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="Customer list (.csv or .parquet), any size.")
@click.option("--segments", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Segment assignments to attach by respondent_id.")
@click.option("--on", "on", default=None, metavar="KEY[=CRMKEY]",
              help="Key column, or SURVEYCOL=CRMCOL. Default: a common customer id, e-mail or phone column.")
@click.option("--key-type", type=click.Choice(["email", "phone", "id", "sha256"]), default=None,
              help="How keys are normalized (default: from the column names). sha256 = one side holds "
                   "SHA-256 digests of normalized e-mails.")
@click.option("--gmail-dots", is_flag=True, help="Apply the Gmail rule (dots and +tags ignored) to e-mails.")
@click.option("--default-country", default=None, metavar="CODE",
              help="Calling code for phone numbers without one (e.g. 34).")
@click.option("--order-by", default=None, metavar="COLUMN",
              help="Survey date column: with duplicate keys the latest response is kept (default: last row).")
@click.option("--pseudonymize", is_flag=True,
              help="Write HMAC-SHA256 digests instead of e-mails and phones (key from --key-env).")
@click.option("--key-env", default="SURVEYTOOLS_HMAC_KEY", show_default=True,
              help="Environment variable holding the pseudonymization key.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), required=True,
              help="Joined customer list to write (.csv or .parquet): every customer, with segment columns.")
@json_option
@quiet_option
def command(survey: Path, crm: Path, segments: Path | None, on: str | None, key_type: str | None,
            gmail_dots: bool, default_country: str | None, order_by: str | None, pseudonymize: bool,
            key_env: str, output: Path, as_json: bool, quiet: bool) -> None:
    """Attach survey respondents and their segments to a customer list.

    Every customer is kept. Duplicate keys never multiply rows: the latest survey response per key is
    kept, and a key matches the first customer that has it. Unmatched keys are shown redacted.

    \b
    Examples:
      surveytools crm join --survey clean.csv --segments segments.csv --crm customers.csv -o joined.parquet
      SURVEYTOOLS_HMAC_KEY=... surveytools crm join --survey clean.csv --crm customers.csv --pseudonymize -o out.csv
    """
    from ..crm import hmac_key_from_env, join_crm

    key = hmac_key_from_env(key_env) if pseudonymize else None
    with ClickProgress(quiet or as_json) as progress:
        result = join_crm(survey, crm, output, on=on, kind=key_type, segments=segments, gmail_dots=gmail_dots,
                          default_country=default_country, order_by=order_by, pseudonymize_key=key,
                          progress=progress)
    if as_json:
        emit_json(result.to_dict())
    else:
        click.echo(result.summary())
        if result.examples_unmatched:
            note(f"  unmatched (redacted): {', '.join(result.examples_unmatched)}", quiet)




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
