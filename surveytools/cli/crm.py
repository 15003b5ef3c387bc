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


