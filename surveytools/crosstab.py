"""Banner tables: every row variable against the columns of one or more banner variables, with column letters.

The tables research teams read in SPSS CTABLES, Q or Displayr: one table per (row variable, banner
variable); columns are the total and each category of the banner variable; each cell holds the column
percentage (categories, options, top/bottom-2 nets, NPS groups) or the mean (rating items, numeric items,
scales, the NPS), its base, and the letters of the columns it is significantly higher than.

Rows (by item type):

* ``likert``: % of each answer, top-2 and bottom-2 box nets, the mean;
* ``categorical``: % of each category;
* ``multi``: % choosing each option (base: respondents who answered the question);
* ``numeric``: the mean;
* ``nps``: the NPS (``100 x (share 9-10 - share 0-6)``) and the shares of promoters, passives, detractors;
* a scale name: the mean scale score.

Columns of a banner variable are its categories (categorical and rating items); respondents without an
answer to it count in the total only. Tests compare every pair of columns of the same banner variable:
the pooled two-proportion z test for percentages and Welch's t for means, with survey weights through
Kish's effective sample size, the p-values of a row's pairs adjusted by Bonferroni (default, as SPSS
CTABLES), Holm, Benjamini-Hochberg or not at all (:mod:`surveytools.comparisons`).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from .comparisons import (
    LETTER_ADJUSTMENTS,
    adjust_within_rows,
    column_letters,
    group_sums,
    moments,
    pairwise_tests,
    segment_letter,
)
from .exceptions import DataError
from .report.i18n import check_lang, tr
from .survey import Survey

__all__ = ["BannerTable", "TablesResult", "banner_tables"]

_BANNER_TYPES = ("categorical", "likert")
_ROW_TYPES = ("likert", "categorical", "multi", "numeric", "nps")


@dataclass(frozen=True)
class BannerTable:
    """One row variable against one banner variable.

    Attributes
    ----------
    row, banner
        The row variable (item id or scale) and the banner variable (item id).
    row_label, banner_label
        Their texts.
    columns
        One line per column: ``label``, ``letter`` (None for the total), ``base`` (respondents who answered
        the row variable in the column), ``weighted_base``.
    cells
        One line per (row line, column): ``row_label``, ``column_label``, ``stat`` (``pct`` or ``mean``),
        ``value``, ``base``, ``letters``.
    """

    row: str
    banner: str
    row_label: str
    banner_label: str
    columns: pd.DataFrame
    cells: pd.DataFrame

    def to_dict(self) -> dict[str, Any]:
        cols = [{"label": str(r["label"]), "letter": r["letter"] if isinstance(r["letter"], str) else None,
                 "base": int(r["base"]),
                 "weighted_base": _num(r["weighted_base"])} for _, r in self.columns.iterrows()]
        cells = []
        for _, c in self.cells.iterrows():
            cell: dict[str, Any] = {"row_label": str(c["row_label"]), "column_label": str(c["column_label"]),
                                    "base": int(c["base"]), "letters": str(c["letters"])}
            if isinstance(c["row_key"], str):
                cell["row_key"] = c["row_key"]
            cell["pct" if c["stat"] == "pct" else "mean"] = _num(c["value"])
            cells.append(cell)
        return {"row": self.row, "banner": self.banner, "row_text": self.row_label, "banner_text": self.banner_label,
                "columns": cols, "cells": cells}


@dataclass(frozen=True)
class TablesResult:
    """Banner tables and their test settings."""

    tables: tuple[BannerTable, ...]
    alpha: float
    adjust: str
    weighted: bool
    rows_in: int
    lang: str = "en"
    notes: tuple[str, ...] = field(default_factory=tuple)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: ``tables`` (CONTRACT: ``row``, ``banner``, ``columns[]``, ``cells[]``) and the settings."""
        return {"rows_in": int(self.rows_in), "weighted": bool(self.weighted), "alpha": float(self.alpha),
                "tests": {"proportions": "two_proportion_z", "means": "welch_t", "adjust": self.adjust,
                          "within": "row"},
                "tables": [t.to_dict() for t in self.tables]}

    def to_frame(self) -> pd.DataFrame:
        """Every cell of every table in long form."""
        parts = []
        for t in self.tables:
            f = t.cells.copy()
            f.insert(0, "banner", t.banner)
            f.insert(0, "row", t.row)
            parts.append(f)
        return pd.concat(parts, ignore_index=True)

    def summary(self, width: int = 34, lang: str | None = None) -> str:
        """The tables as text: values with the letters of their tests, bases under the headers (the banner-table
        section of the Summary document, rendered by the one text renderer, in ``lang``, default the tables'
        language; row labels cut at ``width``)."""
        from .summary.sections import summary_text

        return summary_text("tables", self, lang=lang or self.lang, label_width=width)


def _num(v: Any) -> float | None:
    f = float(v)
    return None if math.isnan(f) or math.isinf(f) else f


# ====================================================================== rows of a table

@dataclass
class _Lines:
    labels: list[str] = field(default_factory=list)
    stats: list[str] = field(default_factory=list)
    data: list[np.ndarray] = field(default_factory=list)
    keys: list[str | None] = field(default_factory=list)

    def add(self, label: str, stat: str, x: np.ndarray, key: str | None = None) -> None:
        """``key``: a language-independent name of a fixed line (``mean``, ``top_box:2``...), for reports."""
        self.labels.append(label)
        self.stats.append(stat)
        self.data.append(np.asarray(x, dtype=float))
        self.keys.append(key)


def _valid_codes(survey: Survey, item: str) -> list[tuple[Any, str]]:
    opts = survey.questionnaire.option_set(item)
    if opts is None:
        return []
    miss = set(opts.missing_codes)
    return [(c, str(lab)) for c, lab in opts.codes.items() if c not in miss]


def _categories(survey: Survey, item: str, values: pd.Series) -> list[tuple[Any, str]]:
    """The item's codes with labels, then any other value found in the data (never dropped)."""
    spec = _valid_codes(survey, item)
    if pd.api.types.is_numeric_dtype(values):
        known = {float(c) for c, _ in spec if not isinstance(c, str)}
        seen = sorted(set(np.unique(values.dropna().to_numpy(dtype=float))) - known)
        return spec + [(int(v) if float(v).is_integer() else v, f"{v:g}") for v in seen]
    known_text = {str(c) for c, _ in spec}
    seen_text = sorted(set(values.dropna().astype(str)) - known_text)
    return spec + [(v, v) for v in seen_text]


def _equals(values: pd.Series, code: Any) -> np.ndarray:
    if pd.api.types.is_numeric_dtype(values) and not isinstance(code, str):
        return values.to_numpy(dtype=float) == float(code)
    return (values.astype(object).astype(str) == str(code)).to_numpy()


def _row_lines(survey: Survey, var: str, lang: str, boxes: int) -> tuple[str, _Lines]:
    q = survey.questionnaire
    resp = survey.responses
    lines = _Lines()
    if var in q.scales and var not in q.items:
        from .scoring import score_scales

        scores = score_scales(survey, [var], weights=False).scores[var]
        lines.add(tr("mean", lang).capitalize(), "mean", scores.to_numpy(dtype=float), key="mean")
        return (q.scales[var].label or var), lines
    item = q.items[var]
    label = item.text or var
    if item.type == "multi":
        cols = q.output_columns(var)
        X = resp[cols].to_numpy(dtype=float)
        answered = ~np.isnan(X).all(axis=1)
        opts = dict(_valid_codes(survey, var))
        for col in cols:
            code = col[len(var) + 1:]
            lab = next((lb for c, lb in opts.items() if str(c) == code), code)
            x = np.where(answered, np.nan_to_num(resp[col].to_numpy(dtype=float)), np.nan)
            lines.add(lab, "pct", x)
        return label, lines
    values = resp[var]
    if item.type == "numeric":
        lines.add(tr("mean", lang).capitalize(), "mean", pd.to_numeric(values, errors="coerce").to_numpy(dtype=float),
                  key="mean")
        return label, lines
    if item.type == "nps":
        x = values.to_numpy(dtype=float)
        ok = ~np.isnan(x)
        lines.add("NPS", "mean", np.where(ok, 100.0 * ((x >= 9).astype(float) - (x <= 6).astype(float)), np.nan),
                  key="nps")
        for key, hit in (("promoters", x >= 9), ("passives", (x > 6) & (x < 9)), ("detractors", x <= 6)):
            lines.add(tr(key, lang), "pct", np.where(ok, hit.astype(float), np.nan), key=key)
        return label, lines
    answered = values.notna().to_numpy()
    cats = _categories(survey, var, values)
    for code, lab in cats:
        lines.add(lab, "pct", np.where(answered, _equals(values, code).astype(float), np.nan))
    if item.type == "likert":
        codes = [c for c, _ in _valid_codes(survey, var)]
        if boxes and len(codes) >= 2 * boxes + 1:
            x = values.to_numpy(dtype=float)
            top, bottom = codes[-boxes:], codes[:boxes]
            lines.add(tr("top_box", lang, n=boxes), "pct", np.where(answered, np.isin(x, top).astype(float), np.nan),
                      key=f"top_box:{boxes}")
            lines.add(tr("bottom_box", lang, n=boxes), "pct",
                      np.where(answered, np.isin(x, bottom).astype(float), np.nan), key=f"bottom_box:{boxes}")
        lines.add(tr("mean", lang).capitalize(), "mean", values.to_numpy(dtype=float), key="mean")
    return label, lines


# ====================================================================== tables

def banner_tables(survey: Survey, banner: Sequence[str] | str, rows: Sequence[str] | str | None = None, *,
                  weights: bool = True, alpha: float = 0.05, adjust: str = "bonferroni", boxes: int = 2,
                  lang: str | None = None) -> TablesResult:
    """Cross every row variable with every banner variable.

    Parameters
    ----------
    survey
        The respondents (weights from the questionnaire unless ``weights=False``).
    banner
        Banner variables (categorical or rating items; list or comma-separated).
    rows
        Row variables: item ids (rating, categorical, multiple-choice, numeric, NPS) and scale names; default
        every profiled item of the questionnaire that is not a banner variable.
    weights
        Use the survey weights.
    alpha
        Significance level of the letters.
    adjust
        ``bonferroni`` (default), ``holm``, ``bh`` or ``none``: adjustment of each row's pairwise tests.
    boxes
        Top/bottom-box size of the nets under rating items (0: no nets).
    lang
        Language of the fixed labels (mean, nets, NPS groups); default the questionnaire's.

    Returns
    -------
    TablesResult

    Raises
    ------
    DataError
        Unknown variables, a banner variable that is not categorical, a row variable that cannot be
        tabulated, negative weights.
    """
    q = survey.questionnaire
    lang = check_lang(lang or (q.language if q.language in ("en", "es") else "en"))
    if adjust not in LETTER_ADJUSTMENTS:
        raise DataError(f"unknown adjustment {adjust!r}; choose one of {', '.join(LETTER_ADJUSTMENTS)}")
    if not 0 < alpha < 1:
        raise DataError(f"alpha must be between 0 and 1, not {alpha!r}")
    banner = _names(banner)
    if not banner:
        raise DataError("give at least one banner variable (--banner gender,region)")
    problems = []
    for b in banner:
        if b not in q.items:
            problems.append(f"banner variable {b!r} is not an item of the questionnaire")
        elif q.items[b].type not in _BANNER_TYPES:
            problems.append(f"banner variable {b!r} is a {q.items[b].type} item; banners are categorical or rating "
                            "items (band a numeric item into a categorical one first)")
    row_names = _names(rows) if rows is not None else [i for i, it in q.items.items()
                                                        if it.type in _ROW_TYPES and i not in banner
                                                        and i != q.weight and it.expect is None]
    for r in row_names:
        if r in q.items:
            if q.items[r].type not in _ROW_TYPES:
                problems.append(f"row variable {r!r} is a {q.items[r].type} item; rows are rating, categorical, "
                                "multiple-choice, numeric and NPS items or scales")
        elif r not in q.scales:
            problems.append(f"row variable {r!r} is neither an item nor a scale of the questionnaire")
    if problems:
        raise DataError(f"{len(problems)} problem(s) with the table variables", problems)
    missing_cols = [c for v in banner + [r for r in row_names if r in q.items] for c in q.output_columns(v)
                    if c not in survey.responses.columns]
    if missing_cols:
        raise DataError(f"{survey.source.describe()}: no column for {', '.join(missing_cols[:10])}; re-import the data "
                        "with this questionnaire")
    w = survey.weight_array() if weights else None
    weighted = w is not None
    if w is None:
        w = np.ones(survey.n)
    elif not np.all(np.isfinite(w) & (w >= 0)):
        bad = np.flatnonzero(~(np.isfinite(w) & (w >= 0)))[0]
        raise DataError(f"{survey.source.describe()}: weight of respondent {survey.ids[bad]!r} is {w[bad]!r}; "
                        "weights must be numbers >= 0")
    groups = {b: _banner_groups(survey, b) for b in banner}
    tables = []
    for r in row_names:
        row_label, lines = _row_lines(survey, r, lang, boxes)
        X = np.column_stack(lines.data)
        is_prop = np.array([s == "pct" for s in lines.stats])
        for b in banner:
            labels, G = groups[b]
            tables.append(_table(r, row_label, b, q.items[b].text or b, lines, X, is_prop, labels, G, w, alpha,
                                 adjust, lang))
    return TablesResult(tables=tuple(tables), alpha=float(alpha), adjust=adjust, weighted=weighted, rows_in=survey.n,
                        lang=lang)


def _names(spec: Sequence[str] | str | None) -> list[str]:
    if spec is None:
        return []
    if isinstance(spec, str):
        spec = spec.split(",")
    return list(dict.fromkeys(str(s).strip() for s in spec if str(s).strip()))


def _banner_groups(survey: Survey, b: str) -> tuple[list[str], np.ndarray]:
    values = survey.responses[b]
    cats = _categories(survey, b, values)
    G = np.column_stack([_equals(values, code).astype(float) for code, _ in cats]) if cats else np.zeros((survey.n, 0))
    return [lab for _, lab in cats], G


def _table(r: str, row_label: str, b: str, banner_label: str, lines: _Lines, X: np.ndarray, is_prop: np.ndarray,
           labels: list[str], G: np.ndarray, w: np.ndarray, alpha: float, adjust: str, lang: str) -> BannerTable:
    k = G.shape[1]
    g = group_sums(X, np.column_stack([np.ones(len(w)), G]), w)
    m, n_eff, se2 = moments(g["W"], g["W2"], g["S0"], g["S1"], g["S2"])
    letter_of = [segment_letter(i) for i in range(1, k + 1)]
    if k >= 2:
        pair = pairwise_tests(m[1:], n_eff[1:], se2[1:], is_prop)
        p_adj = adjust_within_rows(pair["p"], adjust)
        letters = column_letters(pair["diff"], p_adj, letter_of, alpha)
    else:
        letters = np.full((k, X.shape[1]), "", dtype=object)
    # a table's base: respondents who answered the row variable (any of its lines) in the column
    answered = (~np.isnan(X)).any(axis=1).astype(float)
    GG = np.column_stack([np.ones(len(w)), G])
    base = GG.T @ answered
    wbase = GG.T @ (answered * w)
    columns = pd.DataFrame({"label": [tr("total", lang)] + labels,
                            "letter": pd.Series([None] + letter_of, dtype=object),
                            "base": base.astype(int), "weighted_base": wbase})
    col_labels = list(columns["label"])
    rows = []
    for j, (lab, stat, key) in enumerate(zip(lines.labels, lines.stats, lines.keys, strict=True)):
        for c in range(k + 1):
            rows.append({"row_label": lab, "row_key": key, "column_label": col_labels[c], "stat": stat, "value": m[c, j],
                         "base": int(g["N"][c, j]), "letters": "" if c == 0 else letters[c - 1, j]})
    return BannerTable(row=r, banner=b, row_label=row_label, banner_label=banner_label, columns=columns,
                       cells=pd.DataFrame(rows))


def table_frames(result: TablesResult) -> list[tuple[str, pd.DataFrame]]:
    """Each table as a display frame (rows x columns of ``value letters`` text), with a title."""
    out = []
    for t in result.tables:
        cols = [f"{lab} ({lt})" if isinstance(lt, str) else str(lab)
                for lab, lt in zip(t.columns["label"], t.columns["letter"], strict=True)]
        data: dict[str, list[Any]] = {"": [tr("base", result.lang)]}
        for col, base in zip(cols, t.columns["base"], strict=True):
            data[col] = [int(base)]
        order = list(dict.fromkeys(t.cells["row_label"]))
        for lab in order:
            data[""].append(lab)
            sub = t.cells[t.cells["row_label"] == lab]
            for col, (_, c) in zip(cols, sub.iterrows(), strict=True):
                v = c["value"]
                txt = "" if not np.isfinite(v) else (f"{100 * v:.0f}%" if c["stat"] == "pct" else f"{v:.2f}")
                data[col].append((txt + (" " + c["letters"] if c["letters"] else "")).strip())
        out.append((f"{t.row_label} x {t.banner_label}", pd.DataFrame(data)))
    return out

