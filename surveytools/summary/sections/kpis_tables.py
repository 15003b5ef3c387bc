"""Sections for customer KPIs from transactions (per segment) and banner tables with column letters."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..document import Chart, Column, Fact, Facts, Msg, Num, Paragraph, Section, Series, Table
from ._common import Context, col, num

__all__ = ["kpis_section", "tables_section"]

#: KPIs shown, in order, with their display format (the KPI stage reports more: totals, returns, tests).
_KPIS = (("customers", "int"), ("customer_share", "pct"), ("buyer_share", "pct"), ("orders_per_customer", "num1"),
         ("value_per_customer", "num1"), ("aov", "num1"), ("discount_share", "pct"), ("lapsed_share", "pct"),
         ("vip_share", "pct"), ("recency_days_median", "int"), ("value_index", "index"))


def _words(name: str) -> str:
    """A KPI the user named in the map (``ticket_mediano``), as words (``Ticket mediano``)."""
    s = " ".join(str(name).replace("_", " ").split())
    return s[:1].upper() + s[1:]


def kpis_section(ctx: Context) -> Section:
    k = ctx.results["kpis"]
    segs = k["segments"]
    keys = list(segs)
    custom = list((k.get("settings") or {}).get("custom") or {})
    entries = [(ctx.segment(s), segs[s]) for s in keys] + [(Msg("kpi_overall"), k["overall"])]
    cols = [col("segment")] + [col(f"kpi_{name}", fmt) for name, fmt in _KPIS] + [Column(_words(c), "num1") for c in custom]
    rows = [[label] + [m[name] for name, _ in _KPIS] + [num(m.get(c)) for c in custom] for label, m in entries]
    blocks: list[Any] = [
        Facts([Fact(Msg("kpi_customers"), k["customers"]["customers"], "int"),
               Fact(Msg("kpi_transactions"), k["transactions"]["rows_in_window"], "int"),
               Fact(Msg("kpi_as_of"), str(k["as_of"]))], deck=True),
        Chart("bar", Msg("kpi_value_chart"), [ctx.segment(s) for s in keys],
              [Series(Msg("kpi_value_per_customer"), [num(segs[s]["value_per_customer"]) for s in keys])],
              x_title=Msg("kpi_value_per_customer"), fmt="num1", id="kpi-value"),
        Table(cols, rows, title=Msg("kpi_table"), note=Msg("kpi_note"), id="kpis", deck=True),
    ]
    for mix in ("tier_mix", "channel_mix"):
        cats: list[str] = []
        for _, m in entries:
            cats.extend(x for x in (m.get(mix) or {}) if x not in cats)
        if cats:
            blocks.append(Table([col("segment")] + [Column(c, "pct") for c in cats],
                                [[label] + [num((m.get(mix) or {}).get(c)) for c in cats] for label, m in entries],
                                title=Msg(f"kpis_{mix}"), id=f"kpi-{mix}"))
    unassigned = k.get("unassigned")
    if isinstance(unassigned, Mapping) and unassigned.get("customers"):
        blocks.append(Paragraph(Msg("kpi_unassigned", n=Num(unassigned["customers"], "int")), "note"))
    return Section("kpis", Msg("kpis"), blocks)


def tables_section(ctx: Context) -> Section:
    t = ctx.results["tables"]
    blocks: list[Any] = [Paragraph(Msg("tables_note", adjust=Msg(f"adjust_{t['tests']['adjust']}"),
                                       alpha=Num(t["alpha"], "num2")), "note")]
    for tab in t["tables"]:
        columns = tab["columns"]
        labels = [c["label"] for c in columns]
        groups: list[tuple[Any, int]] = [("", 1)]
        cols = [Column(tab["row_text"] or ctx.label(tab["row"]))]
        for c in columns:
            groups.append((f"{c['label']} ({c['letter']})" if c.get("letter") else
                           (Msg("total") if c["label"] == "Total" else c["label"]), 2))
            cols += [col("value"), col("tables_letters")]
        cells: dict[tuple[str, str], Mapping[str, Any]] = {(x["row_label"], x["column_label"]): x for x in tab["cells"]}
        row_labels = list(dict.fromkeys(x["row_label"] for x in tab["cells"]))
        rows = [[Msg("tables_base")] + [v for c in columns for v in (Num(c["base"], "int"), None)]]
        for rl in row_labels:
            row: list[Any] = [rl]
            for lab in labels:
                x = cells[(rl, lab)]
                value = Num(x["pct"], "pct") if "pct" in x else Num(x["mean"], "num2")
                row += [value, x["letters"] or None]
            rows.append(row)
        blocks.append(Table(cols, rows, title=Msg("tables_title", row=tab["row_text"] or ctx.label(tab["row"]),
                                                   banner=tab["banner_text"] or ctx.label(tab["banner"])),
                            groups=groups, id=f"table-{tab['row']}-{tab['banner']}"))
    return Section("tables", Msg("tables"), blocks)
