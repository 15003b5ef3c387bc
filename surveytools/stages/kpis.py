"""Stage ``kpis``: KPIs, loyalty and value per segment from the customer list and its transactions."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from pathlib import Path
from typing import Any

from ._base import Inputs, Option, Options, Stage, StageResult


def _date(value: Any) -> str:
    if isinstance(value, date):
        return value.isoformat()
    try:
        return date.fromisoformat(str(value).strip()).isoformat()
    except ValueError:
        raise ValueError(f"{value!r} is not a date YYYY-MM-DD") from None


def _periods(value: Any) -> list[str]:
    from ..kpis import parse_periods

    periods = parse_periods([str(v) for v in value])
    return [f"{s.isoformat()}:{e.isoformat()}" for s, e in periods]


def _table(value: Any) -> Path:
    p = Path(value)
    if not p.name.lower().endswith((".csv", ".parquet")):
        raise ValueError(f"{p.name}: use a .csv or .parquet file name")
    return p


OPTIONS = (
    Option("customers", "path", None, flags=("--customers",), metavar="FILE", example="customers_segmented.parquet",
           help="Customer file (.csv, .csv.gz, .parquet): one row per customer with the id and segment columns "
                "(e.g. from 'crm join' or 'crm extend'). A project run uses its crm stage's "
                "customers_segmented.parquet by default."),
    Option("transactions", "path", None, required=True, metavar="FILE", example="transacciones.csv.gz",
           help="Transactions file (.csv, .csv.gz, .parquet): one row per purchase; negative amounts are returns."),
    Option("map", "path", None, required=True, metavar="MAP.yaml", example="kpis.yaml",
           help="KPI map (YAML): the columns in your language, window, lapsed and VIP rules, custom KPIs "
                "(see docs/kpis.md)."),
    Option("as_of", "str", None, metavar="DATE", parse=_date, example="2024-05-31",
           help="Reference date YYYY-MM-DD (default: the map's as_of, else the latest purchase)."),
    Option("compare_periods", "list", None, metavar="A:B,C:D", parse=_periods,
           example=["2023-06-01:2023-11-30", "2023-12-01:2024-05-31"],
           help="Periods (inclusive dates) to compare: KPIs per segment per period and the changes with 95% CIs."),
    Option("control", "path", None, metavar="FILE", example="held_out.csv",
           help="File of customer ids held out of a campaign: test-vs-control differences per segment with "
                "95% CIs."),
    Option("lang", "choice", "en", choices=("en", "es"), cli_only="a project run uses the project's language",
           help="Language of the text summary."),
    Option("accounts_output", "path", None, parse=_table, metavar="FILE",
           cli_only="a project run writes customers_kpis_accounts.parquet beside customers_kpis.parquet",
           help="Account file to write when the map names customers.account (default: beside -o, "
                "<name>_accounts.<ext>)."),
    Option("output", "path", None, flags=("-o", "--output"), parse=_table, required=True,
           output="customers_kpis.parquet", cli_only="output: a project run writes customers_kpis.parquet",
           example="customers_kpis.parquet",
           help="Per-customer file to write (.csv or .parquet): frequency, monetary, recency_days, lapsed, vip, "
                "r/f/m scores, rfm_group, tier."),
)


def _customers(inputs: Inputs, options: Options) -> Path | None:
    if options.customers is not None:
        return Path(options.customers)
    # the crm stage's segmented list: with crm.extend every customer carries a segment (or none), else the join
    for stage in ("crm_extend", "crm"):
        out = getattr(inputs.results.get(stage), "output", None)
        if out:
            return Path(out)
    return None


def run(inputs: Inputs, options: Options) -> StageResult:
    """Compute the KPIs in DuckDB, write the per-customer (and account) file."""
    from ..kpis import compute_kpis

    customers = _customers(inputs, options)
    if customers is None:
        from ..exceptions import DataError

        raise DataError("kpis: name the customer file (--customers, or kpis.customers in a project file)")
    res = compute_kpis(customers, options.transactions, options.map, options.output, as_of=options.as_of,
                       compare_periods=options.compare_periods, control=options.control,
                       accounts_output=options.accounts_output, progress=inputs.progress)
    lang = inputs.language if inputs.project else options.lang
    tr = res.transaction_rows
    out = StageResult("kpis", value=res, json=res.to_dict(), text=res.summary(lang), rows_in=tr["rows_in"],
                      rows_out=tr["rows_used"], excluded={k: v for k, v in tr["excluded"].items() if v})
    if res.output:
        out.outputs["output"] = Path(res.output)
    if res.accounts_output:
        out.outputs["accounts_output"] = Path(res.accounts_output)
    return out


def _skip(inputs: Inputs, options: Options) -> str | None:
    if options.transactions is None or options.map is None:
        return "no transactions file and KPI map in the project"
    if _customers(inputs, options) is None:
        return "no customer file: give kpis.customers or a crm stage"
    return None


def _load(values: Mapping[str, Any]) -> Inputs:
    files = [Path(values[k]) for k in ("customers", "transactions", "map", "control") if values.get(k) is not None]
    return Inputs(files=tuple(files))


STAGE = Stage(
    name="kpis", command="kpis", options=OPTIONS, run=run, skip=_skip, needs=(), load=_load,
    help="""KPIs, loyalty and value per segment from a customer list and its transactions.

    Runs in DuckDB over the files (any size; nothing is loaded whole into memory). The map names the
    columns in your language, e.g.

    \b
      transactions: {customer: id_cliente, date: fecha, amount: importe, channel: canal, discount: descuento}
      customers: {id: id_cliente, segment: segment}
      window_days: 365
      lapsed: {min_orders: 2, inactive_days: 180}
      vip: {top_share: 0.10}
      custom: {ticket_mediano: median(importe)}

    Per customer: frequency, monetary, recency, lapsed, VIP, RFM scores and group, tier. Per segment and
    overall: customers, buyers, orders per customer, revenue and its share, AOV, discount share, lapsed and
    VIP shares, median recency, channel mix, custom KPIs, value index; an index against the base and tests
    against the rest; accounts (B2B), period comparisons and test-vs-control differences with 95% CIs.
    See docs/kpis.md for the definitions.

    \b
    Examples:
      surveytools kpis --customers joined.parquet --transactions ventas.csv --map kpis.yaml -o clientes_kpis.parquet
      surveytools kpis --customers c.csv --transactions t.parquet --map kpis.yaml --as-of 2024-12-31 -o pc.csv --json
      surveytools kpis ... --compare-periods 2024-01-01:2024-06-30,2024-07-01:2024-12-31 -o pc.csv
      surveytools kpis ... --control held_out.csv -o pc.csv
    """)
