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
import pandas as pd
from matplotlib import rc_context
from matplotlib.figure import Figure

from .i18n import fmt_number, fmt_percent, tr

__all__ = ["scree_svg", "loadings_heatmap_svg", "sizes_svg", "profile_svg", "nps_svg", "figure_svg"]

HIGHER = "#1a7f37"
LOWER = "#c62828"
NEUTRAL = "#8c959f"
ACCENT = "#2f6db5"
TOTAL = "#222222"
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


def scree_svg(observed: Sequence[float], references: dict[str, Sequence[float]] | None = None, *,
              n_factors: int | None = None, lang: str = "en") -> str:
    """Eigenvalues by factor number with the parallel-analysis reference curves (dashed); series whose name
    contains ``obs`` (e.g. observed FA eigenvalues) are drawn solid."""
    with rc_context(_RC):
        fig = _figure(6.4, 3.6)
        ax = fig.add_subplot()
        x = np.arange(1, len(observed) + 1)
        ax.plot(x, observed, "o-", color=ACCENT, label=tr("observed", lang), zorder=3)
        styles = ["--", ":", "-.", (0, (5, 1))]
        for i, (name, vals) in enumerate((references or {}).items()):
            v = np.asarray(vals, dtype=float)
            obs = "obs" in name.lower()
            label = name if obs else f"{tr('reference', lang)}: {name}"
            ax.plot(np.arange(1, len(v) + 1), v, linestyle="-" if obs else styles[i % len(styles)],
                    marker="s" if obs else None, markersize=3, color="#6e7781" if not obs else "#8250df",
                    label=_t(label, 50), zorder=2)
        if n_factors:
            ax.axvline(n_factors + 0.5, color=LOWER, linewidth=1, alpha=0.6)
        ax.axhline(1.0, color="#d0d7de", linewidth=0.8, zorder=1)
        ax.set_xlabel(tr("factor", lang))
        ax.set_ylabel(tr("eigenvalue", lang))
        ax.set_title(_t(tr("scree_title", lang)))
        ax.set_xticks(x if len(x) <= 30 else x[:: max(1, len(x) // 15)])
        ax.legend(frameon=False, fontsize=8)
        return figure_svg(fig, "scree")


def loadings_heatmap_svg(loadings: pd.DataFrame, *, threshold: float = 0.3, lang: str = "en",
                         labels: dict[str, str] | None = None) -> str:
    """Items x factors heat map (blue positive, red negative), values printed, bold at ``|l| >= threshold``."""
    with rc_context(_RC):
        p, m = loadings.shape
        fig = _figure(min(2.8 + 0.9 * m, 11), max(2.2, 0.28 * p + 1.2))
        ax = fig.add_subplot()
        vals = loadings.to_numpy(dtype=float)
        im = ax.imshow(vals, cmap="RdBu", vmin=-1, vmax=1, aspect="auto")
        ax.set_xticks(np.arange(m), [_t(c, 20) for c in loadings.columns])
        names = [_t(f"{i}  {labels[i]}" if labels and labels.get(i) else i, 45) for i in loadings.index]
        ax.set_yticks(np.arange(p), names)
        ax.tick_params(length=0)
        ax.xaxis.tick_top()
        for s in ax.spines.values():
            s.set_visible(False)
        for i in range(p):
            for j in range(m):
                v = vals[i, j]
                if math.isnan(v):
                    continue
                strong = abs(v) >= threshold
                ax.text(j, i, fmt_number(v, 2, lang), ha="center", va="center", fontsize=7.5,
                        color="white" if abs(v) > 0.6 else "black", fontweight="bold" if strong else "normal")
        fig.colorbar(im, ax=ax, shrink=0.6, label=tr("loadings", lang))
        ax.set_title(_t(tr("heatmap_title", lang)), pad=18)
        return figure_svg(fig, "loadings")


def sizes_svg(sizes: Sequence[tuple[str, str, float, float | None]], *, lang: str = "en") -> str:
    """Horizontal bars: respondents per segment, labelled ``n (share)``."""
    with rc_context(_RC):
        k = len(sizes)
        fig = _figure(6.4, max(1.6, 0.42 * k + 0.9))
        ax = fig.add_subplot()
        y = np.arange(k)
        n = np.array([s[2] for s in sizes], dtype=float)
        ax.barh(y, n, color=ACCENT)
        ax.set_yticks(y, [_t(f"{key}. {name}" if name != key else key, 40) for key, name, _, _ in sizes])
        ax.invert_yaxis()
        for yi, (_, _, cnt, share) in zip(y, sizes, strict=True):
            txt = fmt_number(cnt, 0, lang) + (f" ({fmt_percent(share, 1, lang)})" if share is not None else "")
            ax.text(cnt, yi, " " + txt, va="center", fontsize=8)
        ax.set_xlim(0, n.max() * 1.25 if len(n) and n.max() > 0 else 1)
        ax.set_xlabel(tr("respondents", lang))
        ax.set_title(_t(tr("sizes", lang)))
        return figure_svg(fig, "sizes")


def profile_svg(title: str, labels: Sequence[str], values: Sequence[float], totals: Sequence[float],
                marks: Sequence[str | None], *, percent: bool = False, lang: str = "en", salt: str = "profile") -> str:
    """One segment's profile: a bar per variable (green higher, red lower, grey not significant) with the
    total as a black tick."""
    with rc_context(_RC):
        r = len(labels)
        fig = _figure(7.2, max(1.8, 0.32 * r + 1.0))
        ax = fig.add_subplot()
        y = np.arange(r)
        v = np.asarray(values, dtype=float)
        t = np.asarray(totals, dtype=float)
        scale = 100.0 if percent else 1.0
        colors = [HIGHER if mk == "higher" else LOWER if mk == "lower" else NEUTRAL for mk in marks]
        ax.barh(y, np.nan_to_num(v * scale), color=colors, height=0.65)
        ax.scatter(t * scale, y, marker="|", s=260, color=TOTAL, linewidths=2, zorder=3, label=tr("total", lang))
        ax.set_yticks(y, [_t(lab, 55) for lab in labels])
        ax.invert_yaxis()
        if np.nanmin(np.concatenate([v, t])) < 0:
            ax.axvline(0, color="#57606a", linewidth=0.8)
        for yi, val, tot in zip(y, v, t, strict=True):
            if not math.isnan(val):
                txt = fmt_percent(val, 0, lang) if percent else fmt_number(val, 2, lang)
                ref = val if math.isnan(tot) else (max(val, tot) if val >= 0 else min(val, tot))
                ax.text(ref * scale, yi, f"  {txt} ", va="center", fontsize=7.5,
                        ha="left" if val >= 0 else "right")
        lo = min(0.0, float(np.nanmin(np.concatenate([v, t]) * scale)) * 1.2) if r else 0.0
        hi = max(0.0, float(np.nanmax(np.concatenate([v, t]) * scale)) * 1.18) if r else 1.0
        ax.set_xlim(lo, hi if hi > lo else lo + 1)
        ax.set_title(_t(title, 80))
        ax.legend(frameon=False, fontsize=8, loc="upper left", bbox_to_anchor=(1.0, 1.0))
        return figure_svg(fig, salt)


def nps_svg(nps: Sequence[tuple[str, str, float]], *, lang: str = "en") -> str:
    """NPS per segment (-100..100), bars coloured by sign."""
    with rc_context(_RC):
        k = len(nps)
        fig = _figure(6.4, max(1.6, 0.42 * k + 0.9))
        ax = fig.add_subplot()
        y = np.arange(k)
        vals = np.array([v for _, _, v in nps], dtype=float)
        ax.barh(y, vals, color=[HIGHER if v >= 0 else LOWER for v in vals])
        ax.set_yticks(y, [_t(f"{key}. {name}" if name != key else key, 40) for key, name, _ in nps])
        ax.invert_yaxis()
        ax.axvline(0, color="#57606a", linewidth=0.8)
        for yi, v in zip(y, vals, strict=True):
            ax.text(v, yi, f" {fmt_number(v, 0, lang)} " if v >= 0 else f" {fmt_number(v, 0, lang)} ", va="center",
                    ha="left" if v >= 0 else "right", fontsize=8)
        pad = 0.2 * max(float(np.abs(vals).max()) if k else 0.0, 10.0)
        ax.set_xlim(min(-10.0, vals.min() - pad if k else 0), max(10.0, vals.max() + pad if k else 0))
        ax.set_xlabel("NPS")
        ax.set_title(_t(tr("nps_by_segment", lang)))
        return figure_svg(fig, "nps")
