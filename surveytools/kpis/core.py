"""KPIs per segment from the customer list and its transactions: :func:`compute_kpis`.

Definitions (``docs/kpis.md`` has them with formulas):

* window: transactions dated in ``(as_of - window_days, as_of]``; an **order** is a transaction with an amount
  >= 0, a **return** one with a negative amount. Returns are not orders; their (negative) amounts are part
  of ``monetary`` and revenue, which are therefore net of returns.
* per customer: ``frequency`` = orders in the window, ``monetary`` = sum of amounts in the window,
  ``recency_days`` = as_of - date of the last order (whole history up to as_of; empty for customers who
  never ordered), ``lapsed`` = at least ``min_orders`` orders in the whole history and ``recency_days >
  inactive_days``, ``vip`` = among the first ``floor(top_share x customers)`` by monetary (descending, ties
  by id) with monetary > 0, or ``monetary >= min_monetary``; RFM quintile scores ``ceil(5 x F(x))`` (F the
  empirical distribution over the customers; ties share a score; R over customers with a recency) and the
  named RFM group of :data:`surveytools.voc.DEFAULT_RFM_SEGMENTS`; ``tier`` = the CRM's tier when the map
  names one, else suggested from spend rank (default Platinum top 5%, Gold next 15%, Silver next 30%).
* per segment and overall: customers, buyers, orders_per_customer = orders / customers, revenue,
  revenue_share, aov = revenue / orders, discount_share = discounted orders / orders, lapsed_share,
  vip_share, recency_days_median, channel_mix (share of orders), custom KPIs; the value view (customer
  share, value per customer, value index = revenue share / customer share x 100, margin); an index against
  the base (segment / overall x 100) and tests against the rest of the customers (see
  :mod:`surveytools.kpis.stats`).
"""

from __future__ import annotations

import dataclasses
import math
import os
from collections.abc import Callable, Mapping, Sequence
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from ..exceptions import DataError
from . import stats as st
from .custom import check_custom
from .engine import Engine
from .mapping import KpiMap, load_kpi_map
from .result import KpiResult

__all__ = ["compute_kpis", "parse_periods", "group_kpis", "INDEXED_KPIS"]

ProgressCallback = Callable[[str, int, int], None]
UNASSIGNED = "unassigned"
#: KPIs that get an index against the base (segment / overall x 100).
INDEXED_KPIS = ("buyer_share", "orders_per_customer", "value_per_customer", "aov", "discount_share", "lapsed_share",
                "vip_share", "recency_days_median", "margin_per_customer")


def parse_periods(text: str | Sequence[str] | None) -> list[tuple[date, date]]:
    """``"2026-01-01:2026-06-30,2026-07-01:2026-12-31"`` -> list of (start, end), both inclusive.

    Raises
    ------
    DataError
        A period that is not ``START:END`` with ISO dates and START <= END, or fewer than two periods.
    """
    if text is None:
        return []
    items = [p for chunk in ([text] if isinstance(text, str) else text) for p in str(chunk).split(",") if p.strip()]
    out = []
    for p in items:
        a, sep, b = p.strip().partition(":")
        try:
            s, e = date.fromisoformat(a.strip()), date.fromisoformat(b.strip())
        except ValueError:
            raise DataError(f"{p.strip()!r} is not START:END with dates YYYY-MM-DD "
                            "(e.g. 2026-01-01:2026-06-30,2026-07-01:2026-12-31)") from None
        if not sep or s > e:
            raise DataError(f"period {p.strip()!r} ends before it starts")
        out.append((s, e))
    if len(out) < 2:
        raise DataError("give at least two periods to compare, e.g. 2026-01-01:2026-06-30,2026-07-01:2026-12-31")
    return out


def _label(g: Any) -> str:
    if g is None or (isinstance(g, float) and math.isnan(g)):
        return UNASSIGNED
    if isinstance(g, float) and g.is_integer():
        return str(int(g))
    return str(g)


def _div(a: float, b: float) -> float:
    return a / b if b else math.nan


def group_kpis(mo: st.Moments, total: st.Moments, channels: Sequence[str], *, has_discount: bool,
               has_margin: bool, has_channel: bool) -> dict[str, Any]:
    """KPIs of one group from its moments (and the overall moments for shares)."""
    s = mo.s
    out: dict[str, Any] = {
        "customers": int(mo.n), "buyers": int(s["buyers"]), "buyer_share": _div(s["buyers"], mo.n),
        "customer_share": _div(mo.n, total.n), "orders": int(s["f"]),
        "orders_per_customer": _div(s["f"], mo.n), "revenue": s["m"], "revenue_share": _div(s["m"], total.s["m"]),
        "value_per_customer": _div(s["m"], mo.n), "aov": _div(s["m"], s["f"]),
        "discount_share": _div(s["d"], s["f"]) if has_discount else None,
        "lapsed_share": _div(s["lapsed"], mo.n), "vip_share": _div(s["vip"], mo.n),
        "recency_days_median": s["recency_median"],
    }
    out["value_index"] = 100 * _div(out["revenue_share"], out["customer_share"])
    if has_margin:
        out["margin"] = s["margin"]
        out["margin_share"] = _div(s["margin"], total.s["margin"])
        out["margin_per_customer"] = _div(s["margin"], mo.n)
    if "returns" in s:
        out["returns"] = int(s["returns"])
        out["returns_amount"] = s["returns_amount"]
    if has_channel:
        out["channel_mix"] = {ch: _div(s[f"ch{i}"], s["f"]) for i, ch in enumerate(channels)}
    return out


def _tests(seg: st.Moments, rest: st.Moments, has_discount: bool) -> dict[str, Any]:
    """Segment against the rest of the customers."""
    out: dict[str, Any] = {}
    for kpi, x in (("orders_per_customer", "f"), ("value_per_customer", "m")):
        t, df, p = st.welch_t(seg.mean(x), seg.var(x), seg.n, rest.mean(x), rest.var(x), rest.n)
        out[kpi] = {"test": "welch-t", "statistic": t, "df": df, "p": p}
    for kpi, y in (("aov", "m"), ("discount_share", "d")):
        if kpi == "discount_share" and not has_discount:
            continue
        z, p = st.ratio_z(seg, rest, y, "f")
        out[kpi] = {"test": "delta-z", "statistic": z, "p": p}
    for kpi, x in (("buyer_share", "buyers"), ("lapsed_share", "lapsed"), ("vip_share", "vip")):
        z, p = st.two_proportion_z(seg.s[x], seg.n, rest.s[x], rest.n)
        out[kpi] = {"test": "two-proportion-z", "statistic": z, "p": p}
    return out


def _diff(a: st.Moments, b: st.Moments, has_discount: bool) -> dict[str, Any]:
    """Differences ``a - b`` of the per-customer KPIs with 95% intervals."""
    out: dict[str, Any] = {}
    for kpi, x in (("orders_per_customer", "f"), ("value_per_customer", "m")):
        lo, hi = st.welch_ci(a.mean(x), a.var(x), a.n, b.mean(x), b.var(x), b.n)
        out[kpi] = {"difference": a.mean(x) - b.mean(x), "ci_low": lo, "ci_high": hi, "method": "welch"}
    for kpi, y in (("aov", "m"), ("discount_share", "d")):
        if kpi == "discount_share" and not has_discount:
            continue
        r1, v1 = st.ratio_var(a, y, "f")
        r2, v2 = st.ratio_var(b, y, "f")
        lo, hi = st.wald_ci(r1 - r2, v1 + v2)
        out[kpi] = {"difference": r1 - r2, "ci_low": lo, "ci_high": hi, "method": "delta-wald"}
    for kpi, x in (("buyer_share", "buyers"), ("lapsed_share", "lapsed"), ("vip_share", "vip")):
        lo, hi = st.newcombe_ci(a.s[x], a.n, b.s[x], b.n)
        out[kpi] = {"difference": _div(a.s[x], a.n) - _div(b.s[x], b.n), "ci_low": lo, "ci_high": hi,
                    "method": "newcombe"}
    return out


def _by_group(rows: list[tuple[Any, int, dict[str, float]]]) -> tuple[dict[str, st.Moments], st.Moments]:
    groups, total = {}, None
    for g, is_total, vals in rows:
        m = st.Moments(vals["n"], vals)
        if is_total:
            total = m
        else:
            groups[_label(g)] = m
    if total is None:
        raise DataError("no customers to compute KPIs on")
    return groups, total


def _sort_key(k: str) -> tuple[int, Any]:
    if k == UNASSIGNED:
        return (2, 0)
    try:
        return (0, float(k))
    except ValueError:
        return (1, k)


def _kpi_block(engine: Engine, rows: list[tuple[Any, int, dict[str, float]]], custom: list | None, *,
               tests: bool = True, **flags: bool) -> dict[str, Any]:
    """Segments (with index and tests) and overall from group moments."""
    groups, total = _by_group(rows)
    overall = group_kpis(total, total, engine.channels, **flags)
    cust = {_label(g): vals for g, is_total, vals in (custom or []) if not is_total}
    cust_total = next((vals for g, is_total, vals in (custom or []) if is_total), {})
    overall.update(cust_total)
    segments: dict[str, Any] = {}
    for k in sorted(groups, key=_sort_key):
        kp = group_kpis(groups[k], total, engine.channels, **flags)
        kp.update(cust.get(k, {name: None for name in engine.kmap.custom}))
        idx = {}
        for name in list(INDEXED_KPIS) + list(engine.kmap.custom):
            a, b = kp.get(name), overall.get(name)
            if isinstance(a, (int, float)) and isinstance(b, (int, float)) and b:
                idx[name] = 100 * a / b
        if "channel_mix" in kp:
            for ch, v in kp["channel_mix"].items():
                b = overall["channel_mix"].get(ch)
                if b:
                    idx[f"channel_mix.{ch}"] = 100 * v / b
        kp["index"] = idx
        if tests:
            kp["tests"] = _tests(groups[k], total - groups[k], flags["has_discount"])
        segments[k] = kp
    return {"segments": segments, "overall": overall}


def _mix_dict(rows: list[tuple[Any, Any, float]]) -> dict[str, dict[str, float]]:
    by: dict[str, dict[str, float]] = {}
    tot: dict[str, float] = {}
    for g, v, n in rows:
        by.setdefault(_label(g), {})[str(v)] = float(n)
        tot[str(v)] = tot.get(str(v), 0.0) + float(n)
    by["overall"] = tot
    return {k: {v: n / sum(d.values()) for v, n in sorted(d.items(), key=lambda x: -x[1])} if sum(d.values()) else {}
            for k, d in by.items()}


def compute_kpis(customers: str | os.PathLike[str], transactions: str | os.PathLike[str],
                 kpi_map: str | os.PathLike[str] | Mapping[str, Any] | KpiMap,
                 output: str | os.PathLike[str] | None = None, *, as_of: date | str | None = None,
                 compare_periods: str | Sequence[str] | None = None, control: str | os.PathLike[str] | None = None,
                 accounts_output: str | os.PathLike[str] | None = None, threads: int | None = None,
                 memory_limit: str = "2GB", progress: ProgressCallback | None = None) -> KpiResult:
    """KPIs, loyalty and value per segment from a customer list and its transactions, in DuckDB.

    Parameters
    ----------
    customers
        Customer file (.csv, .csv.gz, .parquet): one row per customer, with the id and segment columns
        the map names (e.g. the output of ``surveytools crm join``).
    transactions
        Transactions file: one row per purchase (or return, with a negative amount).
    kpi_map
        The KPI map (YAML path, mapping or :class:`~surveytools.kpis.mapping.KpiMap`).
    output
        Per-customer file to write (.csv or .parquet): id, segment, frequency, monetary, recency_days,
        orders_total, last_purchase, discount_orders, lapsed, vip, r_score, f_score, m_score, rfm_group, tier.
    as_of
        Reference date (overrides the map; default the latest order date in the transactions).
    compare_periods
        ``START:END,START:END,...`` (inclusive dates): KPIs per segment per period and the changes.
    control
        File of customer ids held out of a campaign: test-vs-control differences per segment.
    accounts_output
        Account file to write when the map names ``customers.account`` (default: beside ``output``,
        ``<name>_accounts.<ext>``).
    threads, memory_limit
        DuckDB settings (past the limit DuckDB spills to a temporary folder).
    progress
        ``progress(label, done, total)``.

    Returns
    -------
    KpiResult

    Raises
    ------
    KpiMapError
        The map is invalid, names columns the files lack, or a custom KPI cannot be computed.
    InputFileError, DataError
        Missing or unreadable files, duplicate customer ids, ambiguous dates or decimal separators.
    """
    kmap = kpi_map if isinstance(kpi_map, KpiMap) else load_kpi_map(kpi_map)
    if as_of is not None:
        ref_date = as_of if isinstance(as_of, date) else _parse_as_of(as_of)
        kmap = dataclasses.replace(kmap, as_of=ref_date)
    periods = parse_periods(compare_periods)
    cpath, tpath = Path(customers), Path(transactions)
    steps = 7
    tick = (lambda i: progress("Computing KPIs", i, steps)) if progress else (lambda i: None)
    tick(0)
    eng = Engine(cpath, tpath, kmap, threads=threads, memory_limit=memory_limit)
    warnings: list[str] = []
    try:
        cust_acc = eng.load_customers(Path(control) if control is not None else None)
        eng.prepare_transactions()
        if kmap.custom:
            check_custom(eng.con, "tx", kmap.custom, f"the transactions file {tpath}")
        tick(1)
        last, channels = eng.prescan()
        if last is None:
            raise DataError(f"the transactions file {tpath} has no readable purchase (date and amount >= 0); "
                            "check the columns the KPI map names")
        ref = kmap.as_of or last
        tick(2)
        eng.aggregate(ref, [c for c, _ in channels], periods)
        tx_acc = eng.accounting()
        tick(3)
        eng.per_customer(ref, periods)
        tick(4)
        flags = {"has_discount": "discount" in kmap.transactions, "has_margin": "margin" in kmap.transactions,
                 "has_channel": "channel" in kmap.transactions}
        custom = eng.custom_by_group(eng.window_filter(ref)) if kmap.custom else None
        block = _kpi_block(eng, eng.moments("pc", "__seg"), custom, **flags)
        segments, overall = block["segments"], block["overall"]
        unassigned = segments.pop(UNASSIGNED, None)
        mixes = {"rfm_mix": _mix_dict(eng.mixes("pc", "rfm_group")), "tier_mix": _mix_dict(eng.mixes("pc", "tier"))}
        for k, kp in segments.items():
            for name, mix in mixes.items():
                kp[name] = mix.get(k, {})
        for name, mix in mixes.items():
            overall[name] = mix["overall"]
        if unassigned is not None:
            for name, mix in mixes.items():
                unassigned[name] = mix.get(UNASSIGNED, {})
            warnings.append(f"{unassigned['customers']:,} customers have no segment: they count in 'overall' and "
                            "are reported under 'unassigned'")
        if not flags["has_discount"]:
            warnings.append("discount_share: the map names no transactions.discount column, so it is not computed")
        if not flags["has_channel"]:
            warnings.append("channel_mix: the map names no transactions.channel column, so it is not computed")
        if tx_acc["excluded"]["unknown-customer"]:
            warnings.append(f"{tx_acc['excluded']['unknown-customer']:,} transactions of "
                            f"{tx_acc['unknown_customers']:,} customers not in the customer file were left out "
                            f"(e.g. {', '.join(tx_acc['unknown_customer_examples'][:3])})")
        tick(5)
        accounts = None
        if "account" in kmap.customers:
            acc = eng.accounts(ref)
            ab = _kpi_block(eng, eng.moments("acct", "__seg"), None, **flags)
            acc_segments = ab["segments"]
            for v in acc_segments.values():
                v["accounts"] = v.pop("customers")
            ab["overall"]["accounts"] = ab["overall"].pop("customers")
            mix = _mix_dict([(a, b, r) for a, b, r in eng.account_mix()])
            for k, v in acc_segments.items():
                v["revenue_mix"] = mix.get(k, {})
            accounts = {**acc, "segments": acc_segments, "overall": ab["overall"]}
        periods_out = None
        if periods:
            periods_out = _periods(eng, periods, flags)
        control_out = None
        if control is not None:
            control_out = _control(eng, flags)
        tick(6)
        out_str = acc_str = None
        inputs = [cpath, tpath] + ([Path(control)] if control is not None else [])
        if output is not None:
            out = Path(output)
            eng.write_customers(out, inputs)
            out_str = str(out)
            if accounts is not None:
                ap = Path(accounts_output) if accounts_output else out.with_name(
                    out.name.split(".")[0] + "_accounts" + ("".join("." + s for s in out.name.split(".")[1:])))
                eng.write_accounts(ap, inputs)
                acc_str = str(ap)
        tick(7)
    finally:
        eng.close()
    return KpiResult(settings=kmap.to_dict(), as_of=ref, window=(ref - timedelta(days=kmap.window_days), ref),
                     customers_file=str(cpath), transactions_file=str(tpath), customer_rows=cust_acc,
                     transaction_rows=tx_acc, channels=list(eng.channels), segments=segments, overall=overall,
                     unassigned=unassigned, accounts=accounts, periods=periods_out, control=control_out,
                     warnings=warnings, output=out_str, accounts_output=acc_str)


def _parse_as_of(text: str) -> date:
    try:
        return date.fromisoformat(str(text).strip())
    except ValueError:
        raise DataError(f"--as-of: {text!r} is not a date YYYY-MM-DD") from None


def _periods(eng: Engine, periods: Sequence[tuple[date, date]], flags: dict[str, bool]) -> dict[str, Any]:
    """KPIs per period per segment and the changes between consecutive periods with 95% intervals."""
    labels = [f"{s.isoformat()}:{e.isoformat()}" for s, e in periods]
    pflags = {**flags, "has_channel": False}
    per: dict[str, Any] = {}
    mom: list[tuple[dict[str, st.Moments], st.Moments]] = []
    for j, (s, e) in enumerate(periods):
        rows = eng.moments("pc", "__seg", prefix=f"p{j}_", lapsed=f"p{j}_lapsed", vip=f"p{j}_vip",
                           recency=f"p{j}_recency_days", channels=False)
        custom = None
        if eng.kmap.custom:
            custom = eng.custom_by_group(f"t.__reason IS NULL AND t.__date >= DATE '{s}' AND t.__date <= DATE '{e}'")
        block = _kpi_block(eng, rows, custom, tests=False, **pflags)
        for v in block["segments"].values():
            v.pop("index", None)
        per[labels[j]] = {"segments": block["segments"], "overall": block["overall"]}
        mom.append(_by_group(rows))
    changes: dict[str, Any] = {}
    for j in range(1, len(periods)):
        (ga, ta), (gb, tb) = mom[j - 1], mom[j]
        key = f"{labels[j - 1]} -> {labels[j]}"
        ch: dict[str, Any] = {"overall": _diff(tb, ta, flags["has_discount"])}
        for k in sorted(set(ga) & set(gb), key=_sort_key):
            ch[k] = _diff(gb[k], ga[k], flags["has_discount"])
        for k, d in ch.items():
            a = per[labels[j - 1]]["overall" if k == "overall" else "segments"]
            b = per[labels[j]]["overall" if k == "overall" else "segments"]
            a, b = (a, b) if k == "overall" else (a.get(k, {}), b.get(k, {}))
            for name in ("revenue", "revenue_share", *eng.kmap.custom):
                va, vb = a.get(name), b.get(name)
                if isinstance(va, (int, float)) and isinstance(vb, (int, float)):
                    d[name] = {"difference": vb - va, "ci_low": None, "ci_high": None, "method": None}
        changes[key] = ch
    return {"periods": per, "changes": changes,
            "methods": {"means": "Welch interval over customers, the periods taken as independent samples "
                                 "(conservative when the same customers appear in both)",
                        "shares": "Newcombe (1998) hybrid score interval of the difference of two proportions",
                        "ratios": "delta-method (linearized ratio) variance over customers, Wald interval",
                        "totals and custom KPIs": "change only, no interval",
                        "lapsed and recency": "as of each period's end"}}


def _control(eng: Engine, flags: dict[str, bool]) -> dict[str, Any]:
    """Test (not held out) minus control (held out) per segment, with 95% intervals."""
    rows = eng.con.execute("SELECT DISTINCT __ctl FROM pc").fetchall()
    if len(rows) < 2:
        raise DataError("--control: every customer is in the control group (or none is); nothing to compare")
    res: dict[str, Any] = {"control": eng.control_info, "segments": {}}
    groups: dict[bool, tuple[dict[str, st.Moments], st.Moments]] = {}
    for flag in (False, True):
        eng.con.execute(f"CREATE OR REPLACE TEMP VIEW pc_ctl AS SELECT * FROM pc WHERE __ctl = {str(flag).lower()}")
        groups[flag] = _by_group(eng.moments("pc_ctl", "__seg", channels=False))
    (gt, tt), (gc, tc) = groups[False], groups[True]
    res["overall"] = {"test_customers": int(tt.n), "control_customers": int(tc.n),
                      **_diff(tt, tc, flags["has_discount"])}
    for k in sorted(set(gt) & set(gc), key=_sort_key):
        res["segments"][k] = {"test_customers": int(gt[k].n), "control_customers": int(gc[k].n),
                              **_diff(gt[k], gc[k], flags["has_discount"])}
    res["methods"] = {"means": "Welch interval (test and control are independent groups of customers)",
                      "shares": "Newcombe (1998) hybrid score interval", "ratios": "delta-method Wald interval"}
    return res
