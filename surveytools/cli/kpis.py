"""``surveytools kpis``: KPIs, loyalty and value per segment from the customer list and its transactions."""

from __future__ import annotations

from pathlib import Path

import click

from ._common import ClickProgress, emit_json, json_option, quiet_option


@click.command(name="kpis")
@click.option("--customers", "customers", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="Customer file (.csv, .csv.gz, .parquet): id and segment columns, e.g. from 'crm join'.")
@click.option("--transactions", "transactions", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="Transactions file (.csv, .csv.gz, .parquet): one row per purchase; negative amounts are returns.")
@click.option("--map", "kpi_map", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="KPI map (YAML): the columns in your language, window, lapsed and VIP rules, custom KPIs.")
@click.option("--as-of", "as_of", default=None, metavar="DATE",
              help="Reference date YYYY-MM-DD (default: the map's as_of, else the latest purchase).")
@click.option("--compare-periods", default=None, metavar="A:B,C:D",
              help="Periods (inclusive dates) to compare: KPIs per segment per period, changes with 95% CIs.")
@click.option("--control", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="File of customer ids held out of a campaign: test-vs-control differences with 95% CIs.")
@click.option("--accounts-output", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Account file to write when the map names customers.account (default: beside -o).")
@click.option("--lang", type=click.Choice(["en", "es"]), default="en", show_default=True,
              help="Language of the text summary.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), required=True,
              help="Per-customer file to write (.csv or .parquet): frequency, monetary, recency_days, lapsed, vip, "
                   "r/f/m scores, rfm_group, tier.")
@json_option
@quiet_option
def command(customers: Path, transactions: Path, kpi_map: Path, as_of: str | None, compare_periods: str | None,
            control: Path | None, accounts_output: Path | None, lang: str, output: Path, as_json: bool,
            quiet: bool) -> None:
    """KPIs, loyalty and value per segment from a customer list and its transactions.

    Runs in DuckDB over the files (any size; nothing is loaded whole into memory). The map names the
    columns in your language, e.g.

    \b
      transactions: {customer: id_cliente, date: fecha, amount: importe, channel: canal, discount: descuento}
      customers: {id: id_cliente, segment: segment}
      window_days: 365
      lapsed: {min_orders: 2, inactive_days: 180}
      vip: {top_share: 0.10}
      custom: {ticket_mediano: median(importe)}

    Per segment and overall: customers, buyers, orders per customer, revenue and its share, AOV, discount
    share, lapsed and VIP shares, median recency, channel mix, custom KPIs, value index; an index against
    the base and tests against the rest. See docs/kpis.md for the definitions.

    \b
    Examples:
      surveytools kpis --customers joined.parquet --transactions ventas.csv --map kpis.yaml -o clientes_kpis.parquet
      surveytools kpis --customers c.csv --transactions t.parquet --map kpis.yaml --as-of 2024-12-31 -o pc.csv --json
      surveytools kpis ... --compare-periods 2024-01-01:2024-06-30,2024-07-01:2024-12-31 -o pc.csv
      surveytools kpis ... --control held_out.csv -o pc.csv
    """
    from ..kpis import compute_kpis

    with ClickProgress(quiet or as_json) as progress:
        result = compute_kpis(customers, transactions, kpi_map, output, as_of=as_of, compare_periods=compare_periods,
                              control=control, accounts_output=accounts_output, progress=progress)
    if as_json:
        emit_json(result.to_dict())
    else:
        click.echo(result.summary(lang))
