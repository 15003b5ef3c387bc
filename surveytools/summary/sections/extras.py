"""Report sections of the weighting, banner-table and KPI stages."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..document import Chart, Column, Fact, Facts, Msg, Num, Paragraph, Section, Series, Table
from ._common import Context, col, num

__all__ = ["weight_section", "tables_section", "kpis_section"]


def weight_section(ctx: Context) -> Section:
    w = ctx.results["weight"]
    facts = [Fact(Msg("respondents"), w["n"], "int"), Fact(Msg("w_efficiency"), num(w["efficiency"]), "pct"),
             Fact(Msg("w_effective_n"), num(w["effective_n"]), "int"),
             Fact(Msg("w_design_effect"), num(w["design_effect"]), "num2"),
             Fact(Msg("w_range"), Msg("w_range_value", low=Num(w["min_weight"], "num"), high=Num(w["max_weight"], "num"))),
             Fact(Msg("w_converged"), Msg("yes" if w["converged"] else "no"))]
    if w.get("cap") is not None:
        facts.append(Fact(Msg("w_cap"), num(w["cap"]), "num1"))
    rows = []
    for margin, cells in w["margins"].items():
        for cell, v in cells.items():
            rows.append([ctx.label(margin), cell, num(v["target"]), num(v["sample"]), num(v["achieved"]), v["n"]])
    blocks: list[Any] = [Facts(facts, deck=True), Paragraph(Msg("w_note"), "note"),
                         Table([col("w_margin"), col("w_cell"), col("w_target", "pct"), col("w_sample", "pct"),
                                col("w_achieved", "pct"), col("n", "int")], rows, title=Msg("w_margins"),
                               id="weight-margins")]
    return Section("weight", Msg("weight"), blocks)


def tables_section(ctx: Context) -> Section:
    t = ctx.results["tables"]
    blocks: list[Any] = [Paragraph(Msg("letters_note_tables", adjust=Msg(f"adjust_{t['tests']['adjust']}"),
                                       alpha=Num(t["alpha"], "g3")), "note")]
    for i, tab in enumerate(t["tables"]):
        if ctx.terminal:
            blocks.append(_banner_brief(tab, i, int(ctx.options.get("width", 12))))
            continue
        # a value column per banner column, and beside each category column the letters of its tests
        groups: list[tuple[Any, int]] = [(tab["banner_text"], 1), (Msg("total"), 1)]
        cols = [Column(""), col("value")]
        for c in tab["columns"][1:]:
            groups.append((f"{c['label']} ({c['letter']})", 2))
            cols += [col("value"), col("sig")]
        base: list[Any] = [Msg("base"), Num(tab["columns"][0]["base"], "int")]
        for c in tab["columns"][1:]:
            base += [Num(c["base"], "int"), None]
        lines: dict[str, list[Any]] = {}
        for cell in tab["cells"]:
            v = cell.get("pct", cell.get("mean"))
            fmt = "pct0" if "pct" in cell else "num2"
            row = lines.setdefault(cell["row_label"], [_line_label(cell.get("row_key"), cell["row_label"])])
            row.append(Num(v, fmt))
            if len(row) > 2:  # a category column: its letters follow
                row.append(cell["letters"] or None)
        rows = [base, *lines.values()]
        blocks.append(Table(cols, rows, title=tab["row_text"], groups=groups, id=f"banner-{i}"))
    return Section("tables", Msg("tables_title"), blocks)


def _short(text: Any, width: int) -> str:
    t = " ".join(str(text).split())
    return t if len(t) <= width else t[: width - 1] + "\u2026"


def _banner_brief(tab: Mapping[str, Any], i: int, width: int) -> Table:
    """A banner table for a terminal: one column per banner column (``label (letter)``), the letters of the
    tests after each value."""
    cats = tab["columns"][1:]
    cols = [Column(""), col("total")] + [Column(f"{_short(c['label'], width)} ({c['letter']})") for c in cats]
    rows: list[list[Any]] = [[Msg("base")] + [Num(c["base"], "int") for c in tab["columns"]]]
    suffixes: list[list[str | None]] = [[None] * len(cols)]
    lines: dict[str, list[Any]] = {}
    letters: dict[str, list[str | None]] = {}
    for cell in tab["cells"]:
        v = cell.get("pct", cell.get("mean"))
        row = lines.setdefault(cell["row_label"], [_line_label(cell.get("row_key"), cell["row_label"])])
        row.append(Num(v, "pct0" if "pct" in cell else "num2"))
        letters.setdefault(cell["row_label"], [None]).append(cell["letters"] or None if len(row) > 2 else None)
    rows += list(lines.values())
    suffixes += list(letters.values())
    return Table(cols, rows, title=f"{tab['row_text']}  x  {tab['banner_text']}", suffixes=suffixes,
                 id=f"banner-{i}")


def _line_label(key: str | None, label: str) -> Any:
    """A fixed line of a banner table (mean, nets, NPS groups) in the report's language; answers as written."""
    if key is None:
        return label
    if key in ("mean", "nps"):
        return Msg("mean_cap") if key == "mean" else "NPS"
    if ":" in key:
        name, n = key.split(":", 1)
        return Msg(name, n=n)
    return Msg(key)


_KPI_COLUMNS = (("customers", "int"), ("customer_share", "pct"), ("revenue_share", "pct"),
                ("value_per_customer", "num2"), ("orders_per_customer", "num2"), ("aov", "num2"),
                ("discount_share", "pct"), ("lapsed_share", "pct"), ("vip_share", "pct"),
                ("recency_days_median", "num"))


def kpis_section(ctx: Context) -> Section:
    k = ctx.results["kpis"]
    segs: Mapping[str, Any] = k["segments"]
    cols = [col("segment")] + [col(f"kpi_{key}", fmt) for key, fmt in _KPI_COLUMNS]

    def cells(v: Mapping[str, Any]) -> list[Any]:
        return [num(v[key]) if fmt != "int" else v[key] for key, fmt in _KPI_COLUMNS]

    rows = [[ctx.segment(s)] + cells(v) for s, v in segs.items()]
    if k.get("unassigned"):  # customers without a segment count in the total: show them, so the shares add up
        rows.append([Msg("kpi_unassigned")] + cells(k["unassigned"]))
    rows.append([Msg("kpi_overall")] + cells(k["overall"]))
    tr = k["transactions"]
    facts = [Fact(Msg("kpi_rows_in"), tr["rows_in"], "int"), Fact(Msg("kpi_rows_used"), tr["rows_used"], "int")]
    facts += [Fact(Msg("kpi_excluded", reason=Msg(f"kpi_reason_{reason}")), n, "int")
              for reason, n in tr["excluded"].items() if n]
    blocks: list[Any] = [
        Paragraph(Msg("kpi_window", as_of=k["as_of"], days=str(k["window"]["days"])), "note"),
        Facts(facts),
        Table(cols, rows, title=Msg("kpi_table"), id="kpis", deck=True),
        Chart("bar", Msg("kpi_value_chart"), [ctx.segment(s) for s in segs],
              [Series(Msg("kpi_customer_share"), [num(v["customer_share"]) for v in segs.values()]),
               Series(Msg("kpi_revenue_share"), [num(v["revenue_share"]) for v in segs.values()])],
              fmt="pct", id="kpi-value"),
        Paragraph(Msg("kpi_definitions"), "note"),
    ]
    more = []
    acc = k.get("accounts")
    if isinstance(acc, Mapping) and acc:
        more.append(Fact(Msg("kpi_accounts"), Msg("kpi_accounts_value", n=Num(acc["accounts"], "int"),
                                                  mixed=Num(acc["mixed_accounts"], "int"))))
    per = k.get("periods")
    if isinstance(per, Mapping) and per.get("periods"):
        more.append(Fact(Msg("kpi_periods"), ", ".join(map(str, per["periods"]))))
    ctl = k.get("control")
    if isinstance(ctl, Mapping) and ctl:
        d = ctl["overall"]["value_per_customer"]
        more.append(Fact(Msg("kpi_control"), Msg("kpi_control_value", diff=Num(d["difference"], "num2"),
                                                 low=Num(d["ci_low"], "num2"), high=Num(d["ci_high"], "num2"))))
    if more:
        blocks.append(Facts(more))
    if ctx.lang == "en":  # the library's own warnings (English)
        blocks += [Paragraph(f"note: {w}", "note") for w in k.get("warnings") or []]
    if ctx.terminal:  # where the files went
        blocks += [Paragraph(f"-> {p}") for p in (k.get("output"), k.get("accounts_output")) if p]
    return Section("kpis", Msg("kpis"), blocks)
