"""The result of ``surveytools kpis``: per-segment KPIs, row accounting, definitions."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

import pandas as pd

__all__ = ["KpiResult", "DEFINITIONS", "TESTS"]

#: What each KPI means (stated in the JSON, the terminal summary and docs/kpis.md).
DEFINITIONS: dict[str, str] = {
    "window": "transactions dated in (as_of - window_days, as_of]",
    "order": "a transaction with amount >= 0; a negative amount is a return (not an order; it reduces monetary "
             "and revenue, which are net of returns)",
    "frequency": "orders of the customer in the window",
    "monetary": "sum of the customer's amounts in the window (net of returns)",
    "recency_days": "as_of minus the date of the customer's last order, whole history up to as_of "
                    "(empty when the customer never ordered)",
    "lapsed": "at least lapsed.min_orders orders in the whole history and recency_days > lapsed.inactive_days",
    "vip": "one of the first floor(vip.top_share x customers) customers by monetary (descending, ties by id) "
           "with monetary > 0; or monetary >= vip.min_monetary",
    "rfm scores": "r_score, f_score, m_score = ceil(5 x F(x)), F the empirical distribution over the customers "
                  "(ties share a score; 5 = most recent, most frequent, highest spending)",
    "rfm_group": "first matching rule: Champions R,F,M >= 4; Loyal F >= 4; New or promising R >= 4, F <= 2; "
                 "At risk R <= 2, F >= 3; Hibernating R <= 2, F <= 2; Needs attention otherwise; "
                 "No purchases without any order",
    "tier": "the CRM's tier when the map names customers.tier, else suggested by spend rank (tiers in the map)",
    "customers": "customers in the customer file", "buyers": "customers with at least one order in the window",
    "orders_per_customer": "orders in the window / customers", "revenue": "sum of monetary",
    "revenue_share": "revenue / overall revenue", "aov": "revenue / orders in the window",
    "discount_share": "share of the orders in the window with a discount",
    "lapsed_share": "lapsed customers / customers", "vip_share": "VIP customers / customers",
    "recency_days_median": "median recency_days over customers who ever ordered",
    "channel_mix": "share of the orders in the window by channel",
    "customer_share": "customers / all customers", "value_per_customer": "revenue / customers",
    "value_index": "revenue_share / customer_share x 100 (above 100: the segment brings more than its size)",
    "index": "segment KPI / overall KPI x 100",
}
#: The significance tests against the rest of the customers.
TESTS: dict[str, str] = {
    "orders_per_customer, value_per_customer": "Welch t test of means over customers",
    "aov, discount_share": "z test of ratios with delta-method (linearized) variances over customers",
    "buyer_share, lapsed_share, vip_share": "two-proportion z test (pooled)",
    "others": "no test (medians, totals, mixes, custom KPIs)",
}


@dataclass(frozen=True)
class KpiResult:
    """KPIs, loyalty and value per segment.

    Attributes
    ----------
    segments
        Segment label -> KPIs (``customers``, ``orders_per_customer``, ``revenue``, ``revenue_share``,
        ``aov``, ``discount_share``, ``lapsed_share``, ``vip_share``, ..., ``index``, ``tests``).
    overall
        The same over every customer.
    unassigned
        KPIs of the customers without a segment (None when every customer has one).
    transaction_rows
        ``rows_in = rows_used + sum(excluded)``, with the reasons.
    accounts, periods, control
        Account view (B2B), per-period KPIs and changes, test-vs-control differences (None when not asked).
    """

    settings: dict[str, Any]
    as_of: date
    window: tuple[date, date]
    customers_file: str
    transactions_file: str
    customer_rows: dict[str, Any]
    transaction_rows: dict[str, Any]
    channels: list[str]
    segments: dict[str, dict[str, Any]]
    overall: dict[str, Any]
    unassigned: dict[str, Any] | None = None
    accounts: dict[str, Any] | None = None
    periods: dict[str, Any] | None = None
    control: dict[str, Any] | None = None
    warnings: list[str] = field(default_factory=list)
    output: str | None = None
    accounts_output: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready result (CONTRACT: ``segments.<k>``: customers, orders_per_customer, revenue,
        revenue_share, aov, discount_share, lapsed_share, vip_share)."""
        return {
            "segments": self.segments, "overall": self.overall, "unassigned": self.unassigned,
            "as_of": self.as_of.isoformat(),
            "window": {"start_exclusive": self.window[0].isoformat(), "end": self.window[1].isoformat(),
                       "days": self.settings["window_days"]},
            "customers": self.customer_rows, "transactions": self.transaction_rows, "channels": self.channels,
            "accounts": self.accounts, "periods": self.periods, "control": self.control,
            "settings": self.settings, "definitions": DEFINITIONS, "tests": TESTS, "warnings": list(self.warnings),
            "output": self.output, "accounts_output": self.accounts_output,
        }

    def to_frame(self) -> pd.DataFrame:
        """Segments (and overall) as rows, scalar KPIs as columns."""
        rows = {}
        for k, v in list(self.segments.items()) + [("overall", self.overall)]:
            rows[k] = {n: x for n, x in v.items() if not isinstance(x, dict)}
            for ch, share in v.get("channel_mix", {}).items():
                rows[k][f"channel_mix.{ch}"] = share
        return pd.DataFrame.from_dict(rows, orient="index")

    def summary(self, lang: str = "en") -> str:
        """Text for the terminal (English or Spanish)."""
        from ..report.i18n import fmt_number, fmt_percent

        es = lang == "es"
        tr = self.transaction_rows

        def count(x: Any) -> str:
            return fmt_number(x, 0, lang)

        lines = [
            (f"KPIs por segmento a {self.as_of} (ventana: {self.settings['window_days']} días hasta esa fecha)" if es
             else f"KPIs per segment as of {self.as_of} (window: {self.settings['window_days']} days to that date)"),
            (f"  transacciones leídas {count(tr['rows_in'])}; usadas {count(tr['rows_used'])}" if es
             else f"  transactions read {count(tr['rows_in'])}; used {count(tr['rows_used'])}"),
        ]
        for reason, n in tr["excluded"].items():
            if n:
                lines.append(f"    {'excluidas' if es else 'excluded'}: {reason:<17}{count(n):>12}")
        cols = [("customers", "clientes"), ("orders_per_customer", "pedidos/cliente"), ("aov", "ticket medio"),
                ("revenue_share", "% ingresos"), ("value_index", "índice valor"), ("discount_share", "% con dto."),
                ("lapsed_share", "% perdidos"), ("vip_share", "% VIP")]
        head = f"  {'segmento' if es else 'segment':<14}" + "".join(f"{(c[1] if es else c[0])[:15]:>16}" for c in cols)
        lines.append(head)
        for k, v in list(self.segments.items()) + ([("sin segmento" if es else "unassigned", self.unassigned)] if self.unassigned else []) + [
                ("overall" if not es else "total", self.overall)]:
            cells = []
            for c, _ in cols:
                x = v.get(c)
                if c == "customers":
                    cells.append(f"{count(x):>16}")
                elif c.endswith("share"):
                    cells.append(f"{fmt_percent(x, 1, lang):>16}")
                else:
                    cells.append(f"{fmt_number(x, 2, lang):>16}")
            lines.append(f"  {str(k)[:14]:<14}" + "".join(cells))
        if self.accounts:
            a = self.accounts
            lines.append((f"  cuentas {count(a['accounts'])} ({count(a['mixed_accounts'])} con contactos de varios "
                          "segmentos)") if es else
                         f"  accounts {count(a['accounts'])} ({count(a['mixed_accounts'])} with contacts in several segments)")
        if self.periods:
            lines.append("  " + ("periodos: " if es else "periods: ") + ", ".join(self.periods["periods"]))
        if self.control:
            o = self.control["overall"]
            d = o["value_per_customer"]
            lines.append((f"  prueba - control: valor por cliente {fmt_number(d['difference'], 2, lang)} "
                          f"(IC 95% {fmt_number(d['ci_low'], 2, lang)} a {fmt_number(d['ci_high'], 2, lang)})") if es
                         else (f"  test - control: value per customer {fmt_number(d['difference'], 2, lang)} "
                               f"(95% CI {fmt_number(d['ci_low'], 2, lang)} to {fmt_number(d['ci_high'], 2, lang)})"))
        lines.append(("  definiciones: pedidos = importes >= 0 en la ventana; ingresos netos de devoluciones; "
                      "ticket medio = ingresos / pedidos; índice de valor = % ingresos / % clientes x 100 "
                      "(docs/kpis.md)") if es else
                     ("  definitions: orders = amounts >= 0 in the window; revenue net of returns; AOV = revenue / "
                      "orders; value index = revenue share / customer share x 100 (docs/kpis.md)"))
        for w in self.warnings:
            lines.append(f"  {'aviso' if es else 'note'}: {w}")
        if self.output:
            lines.append(f"  {'escrito' if es else 'written'}: {self.output}")
        if self.accounts_output:
            lines.append(f"  {'escrito' if es else 'written'}: {self.accounts_output}")
        return "\n".join(lines)
