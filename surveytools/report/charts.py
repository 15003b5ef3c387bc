"""Report charts drawn with matplotlib and returned as inline SVG text (no files, no fonts, no scripts).

Text stays text in the SVG (``svg.fonttype = "none"``): the browser draws it with a local sans-serif font,
so a report needs nothing from the network. Survey text is escaped by matplotlib's SVG writer; dollar
signs are escaped so a label is never read as mathtext. Each chart gets a fixed hash salt, so the same
input always gives the same SVG.
"""

from __future__ import annotations

import io
import math
import re
from collections.abc import Sequence

import numpy as np
from matplotlib import rc_context
from matplotlib.figure import Figure

from ..summary.document import Chart, format_value, text

__all__ = ["chart_svg", "figure_svg"]

HIGHER = "#1a7f37"
LOWER = "#c62828"
NEUTRAL = "#8c959f"
ACCENT = "#2f6db5"
PALETTE = ["#2f6db5", "#e07b39", "#8250df", "#1a7f37", "#c62828", "#6e7781", "#bf8700", "#0a7ea4"]
_RC = {
    "svg.fonttype": "none",
    "font.family": "sans-serif",
    "font.sans-serif": ["DejaVu Sans", "Arial", "Helvetica", "Liberation Sans"],
    "font.size": 9,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.titlesize": 11,
    "axes.titleweight": "bold",
}
_XML_DECL = re.compile(r"^\s*<\?xml[^>]*>\s*(<!DOCTYPE[^>]*>\s*)?", re.S)
_METADATA = re.compile(r"\s*<metadata>.*?</metadata>", re.S)


def _t(text: object, limit: int = 70) -> str:
    """Chart-safe label: shortened, and ``$`` escaped so matplotlib never parses it as mathtext."""
    s = " ".join(str(text).split())
    if len(s) > limit:
        s = s[: limit - 1] + "\u2026"
    return s.replace("$", r"\$")


def figure_svg(fig: Figure, salt: str) -> str:
    """The figure as an ``<svg>`` element (no XML declaration, no date), ready to inline in HTML."""
    buf = io.StringIO()
    with rc_context({**_RC, "svg.hashsalt": salt}):
        fig.savefig(buf, format="svg", bbox_inches="tight", metadata={"Date": None, "Creator": None})
    return _METADATA.sub("", _XML_DECL.sub("", buf.getvalue()), count=1).strip()


def _figure(width: float, height: float) -> Figure:
    with rc_context(_RC):
        fig = Figure(figsize=(width, height), dpi=96)
        fig.set_layout_engine("constrained")
    return fig


def chart_svg(chart: Chart, lang: str = "en") -> str:
    """A :class:`~surveytools.summary.document.Chart` as inline SVG (bar, column, line, heatmap or scatter)."""
    draw = {"bar": _bar, "column": _bar, "line": _line, "heatmap": _heatmap, "scatter": _scatter}[chart.kind]
    with rc_context(_RC):
        fig = draw(chart, lang)
        return figure_svg(fig, chart.id)


def _labels(items: Sequence[object], lang: str, limit: int) -> list[str]:
    return [_t(text(x, lang), limit) for x in items]


def _bar(chart: Chart, lang: str) -> Figure:
    """Horizontal bars (first category on top); several series side by side, the first one grey when it is
    the total."""
    k = len(chart.categories)
    m = max(1, len(chart.series))
    fig = _figure(7.2, max(1.8, (0.30 + 0.16 * (m - 1)) * k + 1.1))
    ax = fig.add_subplot()
    y = np.arange(k)
    h = 0.8 / m
    colors = [ACCENT, "#e07b39", "#8250df", "#1a7f37"]
    if m > 1:
        colors = [NEUTRAL] + colors
    allv = []
    for i, s in enumerate(chart.series):
        v = np.array([np.nan if x is None else float(x) for x in s.values], dtype=float)
        allv.append(v)
        off = (i - (m - 1) / 2) * h
        col = [HIGHER if x >= 0 else LOWER for x in np.nan_to_num(v)] if chart.id == "nps" else colors[i % len(colors)]
        ax.barh(y + off, np.nan_to_num(v), height=h * 0.92, color=col, label=_t(text(s.name, lang), 50))
        for yi, x in zip(y + off, v, strict=True):
            if not math.isnan(x):
                ax.text(x, yi, f" {format_value(float(x), chart.fmt, lang)} ", va="center",
                        ha="left" if x >= 0 else "right", fontsize=7.5)
    ax.set_yticks(y, _labels(chart.categories, lang, 45))
    ax.invert_yaxis()
    vals = np.concatenate(allv) if allv else np.zeros(1)
    lo = float(np.nanmin(vals)) if np.isfinite(vals).any() else 0.0
    hi = float(np.nanmax(vals)) if np.isfinite(vals).any() else 1.0
    span = max(hi - min(lo, 0.0), abs(lo), 1e-9)
    ax.set_xlim(min(0.0, lo - 0.25 * span) if lo < 0 else 0.0, hi + 0.25 * span if hi > 0 else 0.1 * span)
    if lo < 0:
        ax.axvline(0, color="#57606a", linewidth=0.8)
    if chart.x_title is not None:
        ax.set_xlabel(_t(text(chart.x_title, lang), 80))
    ax.set_title(_t(text(chart.title, lang), 80))
    if m > 1:
        ax.legend(frameon=False, fontsize=8, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    return fig


def _line(chart: Chart, lang: str) -> Figure:
    fig = _figure(7.2, 3.8)
    ax = fig.add_subplot()
    x = np.arange(len(chart.categories))
    styles = ["-", "--", ":", "-.", (0, (5, 1)), (0, (3, 1, 1, 1))]
    for i, s in enumerate(chart.series):
        v = np.array([np.nan if z is None else float(z) for z in s.values], dtype=float)
        ax.plot(x, v, linestyle=styles[i % len(styles)], marker="o" if i == 0 else None, markersize=3.5,
                color=ACCENT if i == 0 else PALETTE[i % len(PALETTE)], label=_t(text(s.name, lang), 50))
    step = max(1, len(x) // 15)
    ax.set_xticks(x[::step], _labels(list(chart.categories)[::step], lang, 20))
    if chart.fmt in ("pct", "pct0"):
        ax.yaxis.set_major_formatter(lambda v, _: format_value(v, "pct0", lang))
    if chart.x_title is not None:
        ax.set_xlabel(_t(text(chart.x_title, lang), 80))
    if chart.y_title is not None:
        ax.set_ylabel(_t(text(chart.y_title, lang), 60))
    ax.set_title(_t(text(chart.title, lang), 80))
    ax.legend(frameon=False, fontsize=8)
    return fig


def _heatmap(chart: Chart, lang: str) -> Figure:
    """Rows = categories, columns = series; colour from ``colors`` (diverging, centred on 0) else the values."""
    p, m = len(chart.categories), len(chart.series)
    vals = np.array([[np.nan if s.values[i] is None else float(s.values[i]) for s in chart.series] for i in range(p)],
                    dtype=float).reshape(p, m)
    if chart.colors is not None:
        col = np.array([[np.nan if c[i] is None else float(c[i]) for c in chart.colors] for i in range(p)],
                       dtype=float).reshape(p, m)
        lim = max(1.0, float(np.nanmax(np.abs(col))) if np.isfinite(col).any() else 1.0)
    else:
        col = vals
        lim = 1.0
    fig = _figure(min(3.5 + 1.05 * m, 12), max(2.2, 0.3 * p + 1.4))
    ax = fig.add_subplot()
    ax.imshow(col, cmap="RdBu", vmin=-lim, vmax=lim, aspect="auto")
    ax.set_xticks(np.arange(m), _labels([s.name for s in chart.series], lang, 22), rotation=20, ha="left")
    ax.set_yticks(np.arange(p), _labels(chart.categories, lang, 50))
    ax.tick_params(length=0)
    ax.xaxis.tick_top()
    for sp in ax.spines.values():
        sp.set_visible(False)
    for i in range(p):
        for j in range(m):
            if not math.isnan(vals[i, j]):
                strong = not math.isnan(col[i, j]) and abs(col[i, j]) > 0.6 * lim
                ax.text(j, i, format_value(float(vals[i, j]), chart.fmt, lang), ha="center", va="center",
                        fontsize=7.5, color="white" if strong else "black")
    ax.set_title(_t(text(chart.title, lang), 80), pad=28)
    return fig


def _scatter(chart: Chart, lang: str) -> Figure:
    fig = _figure(7.2, 5.2)
    ax = fig.add_subplot()
    groups = list(dict.fromkeys(p.group for p in chart.points))
    markers = {"segment": ("o", ACCENT, 60), "attribute": ("^", "#e07b39", 36), "driver": ("o", ACCENT, 50)}
    for g in groups:
        pts = [p for p in chart.points if p.group == g]
        mk, colr, size = markers.get(g, ("o", NEUTRAL, 40))
        ax.scatter([p.x for p in pts], [p.y for p in pts], marker=mk, s=size, color=colr, zorder=3)
        for p in pts:
            ax.annotate(_t(text(p.label, lang), 32), (p.x, p.y), xytext=(4, 4), textcoords="offset points",
                        fontsize=7.5, fontweight="bold" if g == "segment" else "normal", color=colr)
    if chart.quadrant is not None:
        ax.axvline(chart.quadrant[0], color="#8c959f", linewidth=0.8, linestyle="--")
        ax.axhline(chart.quadrant[1], color="#8c959f", linewidth=0.8, linestyle="--")
    elif chart.points:
        ax.axvline(0, color="#d0d7de", linewidth=0.8)
        ax.axhline(0, color="#d0d7de", linewidth=0.8)
    if chart.points:
        xs = np.array([p.x for p in chart.points])
        ys = np.array([p.y for p in chart.points])
        padx = 0.15 * max(float(np.ptp(xs)), 1e-6)
        pady = 0.12 * max(float(np.ptp(ys)), 1e-6)
        ax.set_xlim(xs.min() - padx, xs.max() + 2 * padx)
        ax.set_ylim(ys.min() - pady, ys.max() + pady)
    if chart.x_title is not None:
        ax.set_xlabel(_t(text(chart.x_title, lang), 80))
    if chart.y_title is not None:
        ax.set_ylabel(_t(text(chart.y_title, lang), 60))
    ax.set_title(_t(text(chart.title, lang), 80))
    return fig
