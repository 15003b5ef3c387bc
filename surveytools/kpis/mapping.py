"""The KPI map: which columns of the customer and transaction files hold what, in the user's language.

A map is YAML (or a mapping) such as::

    transactions: {customer: id_cliente, date: fecha, amount: importe, channel: canal, discount: descuento}
    customers: {id: id_cliente, segment: segment, account: id_empresa}   # account optional (B2B)
    window_days: 365
    lapsed: {min_orders: 2, inactive_days: 180}
    vip: {top_share: 0.10}        # or {min_monetary: 1500}
    custom:                       # optional extra KPIs: SQL aggregate expressions over the window
      ticket_mediano: median(importe)

Validation lists every problem at once (:class:`~surveytools.exceptions.KpiMapError`).
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from ..exceptions import InputFileError, KpiMapError

__all__ = ["KpiMap", "load_kpi_map", "DEFAULT_TIERS", "BUILTIN_KPIS"]

#: Suggested loyalty tiers from spend percentiles: (name, share of customers), best first; the last takes the rest.
DEFAULT_TIERS: tuple[tuple[str, float], ...] = (("Platinum", 0.05), ("Gold", 0.15), ("Silver", 0.30), ("Bronze", 1.0))

#: KPI names computed per segment (custom KPIs may not reuse them).
BUILTIN_KPIS = ("customers", "buyers", "buyer_share", "customer_share", "orders", "orders_per_customer", "revenue",
                "revenue_share", "value_per_customer", "value_index", "aov", "discount_share", "lapsed_share",
                "vip_share", "recency_days_median", "channel_mix", "margin", "margin_share", "margin_per_customer",
                "returns", "returns_amount", "rfm_mix", "tier_mix", "index", "tests")

_TX_KEYS = ("customer", "date", "amount", "channel", "discount", "margin")
_CU_KEYS = ("id", "segment", "account", "tier")
_TOP = ("transactions", "customers", "as_of", "window_days", "lapsed", "vip", "tiers", "custom", "date_format",
        "decimal")
_NAME = re.compile(r"^[A-Za-z_\u00C0-\u024F][A-Za-z0-9_\u00C0-\u024F]*$")


@dataclass(frozen=True)
class KpiMap:
    """A validated KPI map.

    Attributes
    ----------
    transactions
        Role -> column of the transactions file: ``customer``, ``date``, ``amount`` (required),
        ``channel``, ``discount``, ``margin`` (optional).
    customers
        Role -> column of the customer file: ``id`` (default: the transactions' customer column),
        ``segment`` (default ``segment``), ``account`` and ``tier`` (optional).
    as_of
        Reference date (None: the latest purchase in the transactions).
    window_days
        Length of the KPI window: dates in ``(as_of - window_days, as_of]``.
    lapsed_min_orders, lapsed_inactive_days
        A customer is lapsed with at least ``min_orders`` orders in the whole history and
        ``recency_days > inactive_days``.
    vip_top_share, vip_min_monetary
        VIP rule: the top share of customers by monetary (ties by id), or monetary >= a threshold.
    tiers
        Suggested tiers (name, cumulative share of customers by spend) when the CRM has no tier column.
    custom
        Name -> SQL aggregate expression over the transactions in the window.
    date_format
        strptime format of the date column when it cannot be detected (e.g. ``%d/%m/%Y``).
    decimal
        Decimal separator of text amounts (``.`` or ``,``; None: detected per column).
    """

    transactions: Mapping[str, str]
    customers: Mapping[str, str]
    as_of: date | None = None
    window_days: int = 365
    lapsed_min_orders: int = 2
    lapsed_inactive_days: int = 180
    vip_top_share: float | None = 0.10
    vip_min_monetary: float | None = None
    tiers: tuple[tuple[str, float], ...] = DEFAULT_TIERS
    custom: Mapping[str, str] = field(default_factory=dict)
    date_format: str | None = None
    decimal: str | None = None
    source: str = "<map>"

    def to_dict(self) -> dict[str, Any]:
        """The settings in effect (JSON-ready)."""
        return {
            "transactions": dict(self.transactions), "customers": dict(self.customers),
            "as_of": str(self.as_of) if self.as_of else None, "window_days": self.window_days,
            "lapsed": {"min_orders": self.lapsed_min_orders, "inactive_days": self.lapsed_inactive_days},
            "vip": ({"top_share": self.vip_top_share} if self.vip_min_monetary is None
                    else {"min_monetary": self.vip_min_monetary}),
            "tiers": {n: s for n, s in self.tiers}, "custom": dict(self.custom),
            "date_format": self.date_format, "decimal": self.decimal,
        }


def _as_date(value: Any) -> date | None:
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value).strip())
    except ValueError:
        return None


def load_kpi_map(source: str | os.PathLike[str] | Mapping[str, Any], *, as_of: date | str | None = None
                 ) -> KpiMap:
    """Load and validate a KPI map from a YAML file or a mapping.

    Parameters
    ----------
    source
        Path of the YAML map, or the mapping itself.
    as_of
        Overrides the map's ``as_of`` (e.g. ``--as-of``).

    Raises
    ------
    InputFileError
        The file is missing or unreadable.
    KpiMapError
        Every problem found (unknown keys, missing roles, wrong types), one per line.
    """
    from ..questionnaire import load_yaml

    name = "<map>"
    if isinstance(source, Mapping):
        data: Any = source
    else:
        p = Path(source)
        name = str(p)
        if not p.exists():
            raise InputFileError(f"KPI map {p} not found; check --map")
        try:
            data = load_yaml(p.read_text(encoding="utf-8-sig"))
        except (OSError, UnicodeDecodeError) as exc:
            raise InputFileError(f"KPI map {p} cannot be read: {exc}") from None
        except Exception as exc:  # yaml.YAMLError
            mark = getattr(exc, "problem_mark", None)
            where = f", line {mark.line + 1}" if mark is not None else ""
            raise KpiMapError(f"KPI map {p}{where}: YAML syntax error: {getattr(exc, 'problem', None) or exc}"
                              ) from None
    if not isinstance(data, Mapping):
        raise KpiMapError(f"KPI map {name}: a map is a mapping with at least 'transactions' "
                          "(customer, date, amount columns)")
    problems: list[str] = []
    for key in data:
        if key not in _TOP:
            problems.append(f"{key}: unknown key; expected one of {', '.join(_TOP)}")

    def roles(section: str, allowed: tuple[str, ...]) -> dict[str, str]:
        raw = data.get(section) or {}
        if not isinstance(raw, Mapping):
            problems.append(f"{section}: must be a mapping role: column (roles {', '.join(allowed)})")
            return {}
        out = {}
        for k, v in raw.items():
            if k not in allowed:
                problems.append(f"{section}.{k}: unknown role; expected one of {', '.join(allowed)}")
            elif v is None or (isinstance(v, str) and not v.strip()):
                problems.append(f"{section}.{k}: name a column")
            else:
                out[str(k)] = str(v)
        return out

    tx = roles("transactions", _TX_KEYS)
    cu = roles("customers", _CU_KEYS)
    for k in ("customer", "date", "amount"):
        if k not in tx and isinstance(data.get("transactions") or {}, Mapping):
            problems.append(f"transactions.{k}: missing; name the column with the {k} of each purchase")
    if "id" not in cu and "customer" in tx:
        cu["id"] = tx["customer"]
    cu.setdefault("segment", "segment")

    def whole(value: Any, where: str, minimum: int) -> int:
        if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
            problems.append(f"{where}: must be a whole number >= {minimum}, not {value!r}")
            return minimum
        return value

    window_days = whole(data.get("window_days", 365), "window_days", 1)
    lapsed = data.get("lapsed") or {}
    if not isinstance(lapsed, Mapping):
        problems.append("lapsed: must be a mapping {min_orders: N, inactive_days: D}")
        lapsed = {}
    for k in lapsed:
        if k not in ("min_orders", "inactive_days"):
            problems.append(f"lapsed.{k}: unknown key; expected min_orders, inactive_days")
    min_orders = whole(lapsed.get("min_orders", 2), "lapsed.min_orders", 1)
    inactive = whole(lapsed.get("inactive_days", 180), "lapsed.inactive_days", 0)

    vip = data.get("vip") or {"top_share": 0.10}
    top_share: float | None = None
    min_monetary: float | None = None
    if not isinstance(vip, Mapping) or len(vip) != 1 or next(iter(vip)) not in ("top_share", "min_monetary"):
        problems.append("vip: give exactly one of {top_share: 0.10} or {min_monetary: 1500}")
    else:
        k, v = next(iter(vip.items()))
        if isinstance(v, bool) or not isinstance(v, (int, float)):
            problems.append(f"vip.{k}: must be a number, not {v!r}")
        elif k == "top_share":
            if not 0 < v < 1:
                problems.append(f"vip.top_share: must be between 0 and 1 (e.g. 0.10 for the top 10%), not {v}")
            top_share = float(v)
        else:
            min_monetary = float(v)

    tiers = DEFAULT_TIERS
    raw_tiers = data.get("tiers")
    if raw_tiers is not None:
        if not isinstance(raw_tiers, Mapping) or len(raw_tiers) < 2:
            problems.append("tiers: must be a mapping name: share of customers (best first), the last 'rest', "
                            "e.g. {Platino: 0.05, Oro: 0.15, Plata: 0.30, Bronce: rest}")
        else:
            items = list(raw_tiers.items())
            cum, built = 0.0, []
            for i, (n, s) in enumerate(items):
                last = i == len(items) - 1
                if last:
                    if s not in ("rest", None):
                        problems.append(f"tiers.{n}: the last tier takes the rest; write {n}: rest")
                    built.append((str(n), 1.0))
                elif isinstance(s, bool) or not isinstance(s, (int, float)) or s <= 0:
                    problems.append(f"tiers.{n}: must be a share of customers > 0, not {s!r}")
                else:
                    cum += float(s)
                    built.append((str(n), cum))
            if cum >= 1:
                problems.append(f"tiers: the shares before the last tier add up to {cum:g}; keep them below 1")
            tiers = tuple(built)

    custom_raw = data.get("custom") or {}
    custom: dict[str, str] = {}
    if not isinstance(custom_raw, Mapping):
        problems.append("custom: must be a mapping name: SQL aggregate expression, e.g. ticket_mediano: median(importe)")
    else:
        for n, expr in custom_raw.items():
            n = str(n)
            if not _NAME.match(n):
                problems.append(f"custom.{n}: a KPI name is letters, digits and _ (no spaces), starting with a letter")
            elif n in BUILTIN_KPIS:
                problems.append(f"custom.{n}: {n} is a built-in KPI; choose another name")
            elif not isinstance(expr, str) or not expr.strip():
                problems.append(f"custom.{n}: must be an SQL aggregate expression such as median(importe)")
            else:
                custom[n] = expr.strip()

    as_of_value = as_of if as_of is not None else data.get("as_of")
    as_of_date = None
    if as_of_value is not None:
        as_of_date = _as_date(as_of_value)
        if as_of_date is None:
            problems.append(f"as_of: must be a date YYYY-MM-DD, not {as_of_value!r}")
    date_format = data.get("date_format")
    if date_format is not None and (not isinstance(date_format, str) or "%" not in date_format):
        problems.append(f"date_format: must be a strptime format such as '%d/%m/%Y', not {date_format!r}")
    decimal = data.get("decimal")
    if decimal is not None:
        decimal = str(decimal)
        if decimal not in (".", ","):
            problems.append(f"decimal: must be '.' or ',', not {decimal!r}")
    if problems:
        n = len(problems)
        raise KpiMapError(f"KPI map {name}: {n} problem{'s' if n != 1 else ''}; fix "
                          f"{'them' if n != 1 else 'it'} and run again", problems)
    return KpiMap(transactions=tx, customers=cu, as_of=as_of_date, window_days=window_days,
                  lapsed_min_orders=min_orders, lapsed_inactive_days=inactive, vip_top_share=top_share,
                  vip_min_monetary=min_monetary, tiers=tiers, custom=custom, date_format=date_format,
                  decimal=decimal, source=name)
