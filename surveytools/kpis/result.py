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
        """Text for the terminal: the KPI section of the report (rows read, used and left out, the KPIs per
        segment, the definitions, accounts, periods, test vs control, the warnings and the files written) in
        English or Spanish, rendered by the one text renderer."""
        from ..summary.sections import summary_text

        return summary_text("kpis", self, lang=lang)
