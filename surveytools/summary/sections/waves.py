"""The wave-over-wave section: segment sizes, means and KPIs per wave, the change between the last two waves
and its significance."""

from __future__ import annotations

from ..document import Column, Msg, Num, Paragraph, Section, Table, format_value
from ._common import Context, col, num

__all__ = ["waves_section"]

_FMT = {"share": "pct", "mean": "num2", "nps": "num1"}
_GROUPS = (("segments", "wv_segments"), ("means", "wv_means"), ("kpis", "wv_kpis"))


def waves_section(ctx: Context) -> Section:
    """One table: a row per segment share, mean and KPI; a column per wave, then the change from the previous
    wave to the last one (higher/lower marked when significant) and its p-value."""
    r = ctx.results["waves"]
    waves = [str(w["wave"]) for w in r["waves"]]
    columns = [col("wv_row")] + [Column(w) for w in waves] + \
        [Column(Msg("wv_change", a=waves[-2], b=waves[-1])), col("wv_p", "p")]
    rows, styles, sections = [], [], {}
    for group, title in _GROUPS:
        entries = r[group]
        if not entries:
            continue
        sections[len(rows)] = Msg(title)
        for key, e in entries.items():
            fmt = _FMT[e["stat"]]
            last = e["changes"][-1]
            change = num(last["change"])
            shown = None if change is None else ("+" if change > 0 else "") + format_value(change, fmt, ctx.lang)
            values = [None if num(e["values"][w]) is None else Num(num(e["values"][w]), fmt) for w in waves]
            rows.append([ctx.segment(key) if group == "segments" else e["label"], *values, shown, num(last["p"])])
            mark = ("higher" if (change or 0) > 0 else "lower") if last["significant"] else None
            styles.append([None] * (1 + len(waves)) + [mark, None])
    bases = ", ".join(f"{w['wave']}: {format_value(w['n'], 'int', ctx.lang)}" for w in r["waves"])
    return Section("waves", Msg("waves"), [
        Paragraph(Msg("wv_bases", bases=bases, column=r["wave_column"])),
        Table(columns, rows, title=Msg("wv_table"), styles=styles, sections=sections, id="waves"),
        Paragraph(Msg("wv_note", alpha=format_value(r["alpha"], "num2", ctx.lang)), "note")])
