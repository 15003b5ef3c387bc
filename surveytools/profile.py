"""Segment profiles: who each segment is, how it differs from the rest, and whether the difference is real.

:func:`profile_segments` builds the comparison table market researchers know from Displayr/Q: one row per
basis dimension, scale score, rating item, category of a categorical variable, option of a multiple-choice
item, numeric variable and Net Promoter Score; one column for the total and one per segment. Each cell
holds the (weighted) value, its index against the total (``100 * segment / total``) and a test of the
segment against the rest of the sample:

* means (scores, rating items, numeric variables, NPS): Welch's unequal-variance t test;
* proportions (categories, options, NPS groups): the two-proportion z test with pooled variance;

with survey weights entering through Kish's effective sample size, and an optional Benjamini-Hochberg
false-discovery-rate correction over every test of the table.

Weighted statistics (per group g with weights w over the respondents who answered)::

    mean      m = sum(w x) / sum(w)
    n_eff     = (sum w)^2 / sum(w^2)                              (Kish 1965)
    variance  s^2 = sum(w (x - m)^2) / sum(w) * n_eff / (n_eff - 1)
    se^2      = s^2 / n_eff

    Welch     t = (m_s - m_r) / sqrt(se_s^2 + se_r^2)
              df = (se_s^2 + se_r^2)^2 / (se_s^4 / (n_s - 1) + se_r^4 / (n_r - 1))   (n = n_eff)
    z test    p_pool = (n_s p_s + n_r p_r) / (n_s + n_r)
              z = (p_s - p_r) / sqrt(p_pool (1 - p_pool) (1/n_s + 1/n_r))           (n = n_eff)

where s is the segment and r the rest of the sample. Without weights n_eff = n and these are exactly
``scipy.stats.ttest_ind(equal_var=False)`` and ``statsmodels`` ``proportions_ztest``. Two-sided p-values.

Column letters (as SPSS CTABLES and Q show them): segment 1 is ``A``, segment 2 ``B``, ... Every pair of
segments (a, b) is tested with the same two tests, the rest replaced by segment b (Welch t on the two
segments' means; the z test with the pair's pooled proportion). The p-values of the k(k-1)/2 pairs of a
row are adjusted for multiple comparisons (Bonferroni by default, as SPSS CTABLES; Holm,
Benjamini-Hochberg or none on request), and a cell lists the letters of the segments it is significantly
higher than at the profile's alpha.

References
----------
Kish, L. (1965). *Survey Sampling*. Wiley (effective sample size of a weighted sample).
Welch, B. L. (1947). The generalization of "Student's" problem when several different population variances
are involved. *Biometrika* 34, 28-35.
Benjamini, Y., & Hochberg, Y. (1995). Controlling the false discovery rate. *JRSS B* 57, 289-300.
"""

from __future__ import annotations

import math
import os
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from .comparisons import (
    LETTER_ADJUSTMENTS,
    adjust_within_rows,
    bh_adjust,
    column_letters,
    group_sums,
    moments,
    pairwise_tests,
    segment_letter,
    two_group_tests,
)
from .exceptions import DataError, DataQualityWarning
from .report.i18n import check_lang, fmt_number, fmt_percent, tr
from .segments import Segments, as_segments, parse_names
from .survey import Survey

__all__ = ["SECTIONS", "LETTER_ADJUSTMENTS", "ProfileResult", "profile_segments", "bh_adjust", "parse_names",
           "segment_letter"]

#: Row groups of the profile table, in display order.
SECTIONS: tuple[str, ...] = ("basis", "scale", "likert", "categorical", "multi", "numeric", "nps", "extra")
_DIM_SECTIONS = ("basis", "scale")
#: Item types that are profiled (text, e-mail, id and date items are not).
_PROFILED_TYPES = ("likert", "categorical", "multi", "numeric", "nps")
_SMALL_SEGMENT = 30

_ROW_COLUMNS = ["section", "variable", "label", "level", "level_label", "stat", "total", "total_n", "total_n_eff",
                "total_sd"]
_CELL_COLUMNS = ["value", "index", "statistic", "df", "p", "p_adj", "mark", "n", "n_eff", "effect", "letters"]
#: Top-box rows are added for rating items with at least this many answer codes.
_MIN_CODES_FOR_TOP_BOX = 4


# ====================================================================== result

@dataclass(frozen=True)
class ProfileResult:
    """A segment comparison table.

    Attributes
    ----------
    segments
        Index = segment number 1..k; columns ``name``, ``letter`` (column letter: A, B, ...), ``n``
        (respondents), ``weighted_n`` (sum of weights), ``share`` (weighted share of the profiled sample),
        ``description`` (generated text).
    rows
        Index = row id (``section:variable`` or ``section:variable=level``); columns ``section``, ``variable``,
        ``label``, ``level``, ``level_label``, ``stat`` (``mean``, ``proportion`` or ``nps``), ``total``,
        ``total_n``, ``total_n_eff``, ``total_sd``.
    cells
        Index = (row id, segment); columns ``value``, ``index`` (x100, NaN where an index is meaningless),
        ``statistic`` (t or z), ``df`` (Welch df; NaN for z), ``p``, ``p_adj`` (Benjamini-Hochberg over the
        whole table), ``mark`` (``"higher"``, ``"lower"`` or None), ``n``, ``n_eff``, ``effect`` (standardized
        difference from the total: Cohen's d against the total SD for means, Cohen's h for proportions),
        ``letters`` (letters of the segments this cell is significantly higher than, pairwise tests).
    pairwise
        Index = (row id, segment a, segment b) for a < b; columns ``diff`` (a - b), ``statistic`` (t or z),
        ``df`` (Welch df; NaN for z), ``p``, ``p_adj`` (adjusted within the row by ``letters_adjust``).
    alpha
        Significance level of the marks.
    fdr
        Whether the marks use the Benjamini-Hochberg adjusted p-values.
    weighted
        Whether survey weights were used.
    lang
        Language of the descriptions.
    rows_in
        Respondents in the survey.
    unassigned
        Ids of respondents without a segment (excluded).
    flagged
        Respondents left out for their quality flags before profiling (counted in ``rows_in`` and ``excluded`` of
        :meth:`to_dict`).
    """

    segments: pd.DataFrame
    rows: pd.DataFrame
    cells: pd.DataFrame
    alpha: float
    fdr: bool
    weighted: bool
    lang: str
    rows_in: int
    unassigned: pd.Index = field(repr=False)
    pairwise: pd.DataFrame = field(default_factory=pd.DataFrame, repr=False)
    letters_adjust: str = "bonferroni"
    flagged: int = 0

    @property
    def k(self) -> int:
        """Number of segments."""
        return len(self.segments)

    @property
    def rows_used(self) -> int:
        """Respondents profiled (those with a segment)."""
        return int(self.segments["n"].sum())

    @property
    def names(self) -> dict[int, str]:
        """Segment number -> name."""
        return {int(s): str(n) for s, n in self.segments["name"].items()}

    # ------------------------------------------------------------------ views
    def to_frame(self) -> pd.DataFrame:
        """The table in long form: one line per (row, segment) with the row's labels and total."""
        cells = self.cells.reset_index()
        rows = self.rows.reset_index().rename(columns={"index": "row"})
        out = cells.merge(rows, on="row", how="left")
        front = ["row", "segment"] + [c for c in _ROW_COLUMNS]
        return out[front + _CELL_COLUMNS].set_index(["row", "segment"])

    def table(self, field: str = "value") -> pd.DataFrame:
        """The table in wide form: rows x (``total``, segment 1..k) holding one field of every cell.

        Parameters
        ----------
        field
            One of ``value``, ``index``, ``statistic``, ``df``, ``p``, ``p_adj``, ``mark``, ``n``, ``n_eff``,
            ``effect``. The total column holds the total value (for ``value``), n or n_eff, else NaN.
        """
        if field not in _CELL_COLUMNS:
            raise DataError(f"unknown field {field!r}; choose one of {', '.join(_CELL_COLUMNS)}")
        wide = self.cells[field].unstack("segment")
        wide = wide.reindex(index=self.rows.index, columns=list(self.segments.index))
        total = {"value": self.rows["total"], "n": self.rows["total_n"], "n_eff": self.rows["total_n_eff"]}.get(field)
        wide.insert(0, "total", total if total is not None else np.nan)
        return wide

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready result: ``segments`` (number -> name, n, weighted_n, share, description) and ``variables``
        (one entry per row with ``total`` and ``segments.<k>``: value, index, statistic, df, p, p_adj, mark,
        n, n_eff, effect), plus row counts and test settings."""
        segs = {
            str(int(s)): {"name": str(r["name"]), "letter": str(r["letter"]), "n": int(r["n"]),
                          "weighted_n": float(r["weighted_n"]),
                          "share": float(r["share"]), "description": str(r["description"])}
            for s, r in self.segments.iterrows()
        }
        cells = self.cells
        seg_ids = list(self.segments.index)
        by_field = {f: cells[f].unstack("segment").reindex(index=self.rows.index, columns=seg_ids)
                    for f in _CELL_COLUMNS}
        variables = []
        for rid, row in self.rows.iterrows():
            entry: dict[str, Any] = {
                "id": str(rid), "section": row["section"], "variable": str(row["variable"]),
                "label": str(row["label"]),
                "level": _plain(row["level"]), "level_label": _plain(row["level_label"]), "stat": row["stat"],
                "total": {"value": _num(row["total"]), "n": int(row["total_n"]),
                          "n_eff": _num(row["total_n_eff"]), "sd": _num(row["total_sd"])},
                "segments": {},
            }
            for s in seg_ids:
                cell = {}
                for f in _CELL_COLUMNS:
                    v = by_field[f].at[rid, s]
                    if f == "mark":
                        cell[f] = v if isinstance(v, str) else None
                    elif f == "letters":
                        cell[f] = v if isinstance(v, str) else ""
                    elif f == "n":
                        cell[f] = int(v)
                    else:
                        cell[f] = _num(v)
                entry["segments"][str(int(s))] = cell
            variables.append(entry)
        return {
            "k": self.k,
            "rows_in": int(self.rows_in) + int(self.flagged),
            "rows_used": self.rows_used,
            "rows_excluded": int(len(self.unassigned)) + int(self.flagged),
            "excluded": {"no_segment": int(len(self.unassigned)),
                         **({"quality_flags": int(self.flagged)} if self.flagged else {})},
            "weighted": bool(self.weighted),
            "alpha": float(self.alpha),
            "fdr": bool(self.fdr),
            "tests": {"means": "welch_t", "proportions": "two_proportion_z",
                      "marks_use": "p_adj (Benjamini-Hochberg)" if self.fdr else "p"},
            "letters": {"test": "pairwise (welch_t for means, two_proportion_z for proportions)",
                        "adjust": self.letters_adjust, "within": "row", "alpha": float(self.alpha)},
            "lang": self.lang,
            "segments": segs,
            "variables": variables,
        }

    def summary(self, width: int = 40) -> str:
        """The table as text in the result's language: one line per row, total and segment values, ``+``/``-``
        for significantly higher/lower (the profile's Summary document, rendered by
        :func:`surveytools.summary.text.render_text`)."""
        from .summary.sections import summary_text

        return summary_text("profile", self, lang=self.lang, label_width=width)



def _plain(v: Any) -> Any:
    if v is None:
        return None
    if isinstance(v, (float, np.floating)):
        return None if math.isnan(float(v)) else (int(v) if float(v).is_integer() else float(v))
    if isinstance(v, (np.integer,)):
        return int(v)
    return v


def _num(v: Any) -> float | None:
    if v is None:
        return None
    f = float(v)
    return None if math.isnan(f) or math.isinf(f) else f


def _row_label(row: Mapping[str, Any]) -> str:
    lab = str(row["label"])
    if row["level_label"] is not None and not (isinstance(row["level_label"], float) and math.isnan(row["level_label"])):
        lab = f"{lab}: {row['level_label']}"
    return lab


# ====================================================================== helpers

def _score_frame(frame: pd.DataFrame | Any, ids: pd.Index, what: str) -> pd.DataFrame:
    """A per-respondent frame reindexed to the profiled respondents (ids compared as text)."""
    if hasattr(frame, "scores") and isinstance(frame.scores, pd.DataFrame):  # ScaleScores
        frame = frame.scores
    if isinstance(frame, pd.Series):
        frame = frame.to_frame()
    if not isinstance(frame, pd.DataFrame):
        raise DataError(f"{what} must be a DataFrame indexed by respondent id, not {type(frame).__name__}")
    f = frame.copy()
    f.index = f.index.astype(str)
    if not f.index.is_unique:
        dup = f.index[f.index.duplicated()][0]
        raise DataError(f"{what}: respondent id {dup!r} appears more than once; keep one row per respondent")
    str_ids = ids.astype(str)
    overlap = f.index.get_indexer(str_ids) >= 0
    if len(f) and not overlap.any():
        raise DataError(f"{what}: none of its respondent ids match the survey's (e.g. {', '.join(f.index[:3])}); "
                        "index it by the survey's respondent ids")
    f = f.reindex(str_ids)
    f.index = ids
    return f


# ====================================================================== rows of the table

@dataclass
class _Rows:
    section: list[str] = field(default_factory=list)
    variable: list[str] = field(default_factory=list)
    label: list[str] = field(default_factory=list)
    level: list[Any] = field(default_factory=list)
    level_label: list[Any] = field(default_factory=list)
    stat: list[str] = field(default_factory=list)
    data: list[np.ndarray] = field(default_factory=list)

    def add(self, section: str, variable: str, label: str, stat: str, x: np.ndarray, level: Any = None,
            level_label: Any = None) -> None:
        self.section.append(section)
        self.variable.append(str(variable))
        self.label.append(str(label))
        self.level.append(level)
        self.level_label.append(level_label)
        self.stat.append(stat)
        self.data.append(np.asarray(x, dtype=float))

    def ids(self) -> list[str]:
        out = []
        for s, v, lev in zip(self.section, self.variable, self.level, strict=True):
            out.append(f"{s}:{v}" if lev is None else f"{s}:{v}={_plain(lev)}")
        return out


def _code_key(c: Any) -> Any:
    f = float(c)
    return int(f) if f.is_integer() else f


def _add_categorical(rows: _Rows, section: str, variable: str, label: str, values: pd.Series,
                     codes: Mapping[Any, str] | None, lang: str = "en") -> None:
    """One proportion row per category: 1 when the answer is the category, 0 for another answer, NaN if none."""
    if pd.api.types.is_numeric_dtype(values):
        x = values.to_numpy(dtype=float)
        answered = ~np.isnan(x)
        spec = [(_code_key(c), str(lab)) for c, lab in (codes or {}).items()]
        known = {c for c, _ in spec}
        seen = sorted({_code_key(v) for v in np.unique(x[answered])} - known)
        levels = spec + [(c, str(c)) for c in seen]
        for code, lab in levels:
            rows.add(section, variable, label, "proportion", np.where(answered, (x == float(code)).astype(float), np.nan),
                     level=code, level_label=lab)
    else:
        s = values.astype("object")
        answered = s.notna().to_numpy()
        cats = pd.unique(s[answered])
        # text codes of the spec ({F: Femenino, M: Masculino}) in the spec's order with their labels, then any
        # other value seen
        spec_t: list[tuple[Any, str, str]] = [(c, str(c), str(lab)) for c, lab in (codes or {}).items()
                                              if isinstance(c, str)]
        known_t = {c for _, c, _ in spec_t}
        from .text.pii import mask_pii

        # values that are not codes of the spec (text columns of CRM data) are shown with personal data masked
        levels_t = spec_t + [(c, str(c), str(mask_pii(str(c), lang))) for c in sorted(cats, key=str)
                             if str(c) not in known_t]
        seen_masked: dict[str, int] = {}
        for value, level, lab in levels_t:
            if level not in known_t and lab != level:  # masked: numbered, so that two e-mails stay two rows
                seen_masked[lab] = seen_masked.get(lab, 0) + 1
                lab = level = f"{lab} {seen_masked[lab]}"
            eq = (s == value).to_numpy(dtype=bool)
            rows.add(section, variable, label, "proportion", np.where(answered, eq.astype(float), np.nan),
                     level=level, level_label=lab)


def _add_nps(rows: _Rows, variable: str, label: str, x: np.ndarray, lang: str) -> None:
    answered = ~np.isnan(x)
    prom = (x >= 9).astype(float)
    det = (x <= 6).astype(float)
    pas = ((x > 6) & (x < 9)).astype(float)
    score = np.where(answered, 100.0 * (prom - det), np.nan)
    rows.add("nps", variable, label, "nps", score)
    for key, v in (("promoters", prom), ("passives", pas), ("detractors", det)):
        rows.add("nps", variable, label, "proportion", np.where(answered, v, np.nan), level=key,
                 level_label=tr(key, lang))


def _top_codes(survey: Survey, item: str, top_box: int) -> list[float]:
    """The ``top_box`` highest valid codes of a rating item's option set ([] when the scale is too short)."""
    if top_box < 1:
        return []
    opts = survey.questionnaire.option_set(item)
    codes = list(opts.valid_codes) if opts is not None else []
    if len(codes) < max(_MIN_CODES_FOR_TOP_BOX, top_box + 1):
        return []
    return [float(c) for c in codes[-top_box:]]


def _build_rows(survey: Survey, *, basis: pd.DataFrame | None, scales: pd.DataFrame | None,
                extra: pd.DataFrame | None, variables: list[str] | None, lang: str,
                basis_labels: Mapping[str, str] | None = None, top_box: int = 2) -> _Rows:
    q = survey.questionnaire
    resp = survey.responses
    where = survey.source.describe()
    basis_cols = [str(c) for c in basis.columns] if basis is not None else []
    scale_cols = [str(c) for c in scales.columns] if scales is not None else []
    extra_cols = [str(c) for c in extra.columns] if extra is not None else []

    # which variables
    if variables is None:
        want_basis, want_scales, want_extra = basis_cols, scale_cols, extra_cols
        want_items = [i for i, it in q.items.items()
                      if it.type in _PROFILED_TYPES and i != q.weight and it.expect is None]  # no attention checks
    else:
        want_basis, want_scales, want_items, want_extra = [], [], [], []
        unknown, unprofiled = [], []
        for name in variables:
            if name in basis_cols:
                want_basis.append(name)
            elif name in scale_cols or (name in q.scales and scales is None):
                if name not in scale_cols:
                    raise DataError(f"scale {name!r} was requested but no scale scores were computed; "
                                    "let profile_segments score the scales (scale_scores=None)")
                want_scales.append(name)
            elif name in q.items:
                if q.items[name].type not in _PROFILED_TYPES:
                    unprofiled.append(f"{name} ({q.items[name].type})")
                else:
                    want_items.append(name)
            elif name in extra_cols:
                want_extra.append(name)
            else:
                unknown.append(name)
        if unknown:
            avail = basis_cols + scale_cols + [i for i, it in q.items.items() if it.type in _PROFILED_TYPES] + extra_cols
            raise DataError(f"unknown variable(s) to profile: {', '.join(unknown)}; none is an item, scale, basis "
                            "dimension or extra column",
                            [f"available: {', '.join(avail[:60])}{' ...' if len(avail) > 60 else ''}"])
        if unprofiled:
            raise DataError(f"cannot profile {', '.join(unprofiled)}: only rating, categorical, multiple-choice, "
                            "numeric and NPS items are profiled")
        want_basis = list(dict.fromkeys(want_basis))
        want_scales = list(dict.fromkeys(want_scales))
        want_items = list(dict.fromkeys(want_items))
        want_extra = list(dict.fromkeys(want_extra))

    # every requested item must have its column(s)
    missing = [c for i in want_items for c in q.output_columns(i) if c not in resp.columns]
    if missing:
        raise DataError(f"{where}: no column for {len(missing)} questionnaire variable(s): {', '.join(missing[:10])}"
                        f"{' ...' if len(missing) > 10 else ''}; re-import the data with this questionnaire or "
                        "name the variables to profile")
    rows = _Rows()
    for c in want_basis:
        col = basis[c]  # type: ignore[index]
        if not pd.api.types.is_numeric_dtype(col):
            raise DataError(f"basis dimension {c!r} is not numeric; pass numeric scores (e.g. factor scores)")
        rows.add("basis", c, str((basis_labels or {}).get(c, c)), "mean", col.to_numpy(dtype=float))
    for c in want_scales:
        lab = q.scales[c].label if c in q.scales and q.scales[c].label else c
        rows.add("scale", c, lab, "mean", scales[c].to_numpy(dtype=float))  # type: ignore[index]
    by_type: dict[str, list[str]] = {t: [] for t in _PROFILED_TYPES}
    for i in want_items:
        by_type[q.items[i].type].append(i)
    for t in ("likert", "categorical", "multi", "numeric", "nps"):
        for i in by_type[t]:
            item = q.items[i]
            label = item.text or i
            if t == "multi":
                opts = q.option_set(i)
                codes = {_code_key(c): str(lab) for c, lab in (opts.codes.items() if opts else [])}
                for col in q.output_columns(i):
                    s = resp[col]
                    if not pd.api.types.is_numeric_dtype(s):
                        raise DataError(f"{where}: column {col!r} of multiple-choice item {i!r} is not 0/1")
                    x = s.to_numpy(dtype=float)
                    bad = ~np.isnan(x) & (x != 0) & (x != 1)
                    if bad.any():
                        raise DataError(f"{where}: column {col!r} of multiple-choice item {i!r} holds "
                                        f"{x[bad][0]:g}; options are coded 0 (not chosen) or 1 (chosen)")
                    code = _code_key(col[len(i) + 1:]) if col[len(i) + 1:].lstrip("-").replace(".", "", 1).isdigit() \
                        else col[len(i) + 1:]
                    rows.add("multi", i, label, "proportion", x, level=code,
                             level_label=codes.get(code, str(code)))
                continue
            s = resp[i]
            if t == "categorical":
                opts = q.option_set(i)
                _add_categorical(rows, "categorical", i, label, s, opts.codes if opts else None, lang)
                continue
            if not pd.api.types.is_numeric_dtype(s):
                raise DataError(f"{where}: item {i!r} holds text, not numbers; import the export with "
                                "'surveytools import' so labels become codes")
            x = s.to_numpy(dtype=float)
            if t == "nps":
                bad = ~np.isnan(x) & ((x < 0) | (x > 10))
                if bad.any():
                    raise DataError(f"{where}: NPS item {i!r} holds {x[bad][0]:g}; NPS answers are 0..10")
                _add_nps(rows, i, label, x, lang)
            else:
                rows.add(t, i, label, "mean", x)
                top = _top_codes(survey, i, top_box) if t == "likert" else []
                if top:
                    hit = np.isin(x, top).astype(float)
                    rows.add(t, i, label, "proportion", np.where(np.isnan(x), np.nan, hit), level=f"top{top_box}",
                             level_label=tr("top_box", lang, n=top_box))
    for c in want_extra:
        col = extra[c]  # type: ignore[index]
        if pd.api.types.is_bool_dtype(col):
            rows.add("extra", c, c, "proportion", col.astype(float).to_numpy(dtype=float))
        elif pd.api.types.is_numeric_dtype(col):
            rows.add("extra", c, c, "mean", col.to_numpy(dtype=float))
        else:
            _add_categorical(rows, "extra", c, c, col, None, lang)
    if not rows.data:
        raise DataError("nothing to profile: no basis dimensions, scale scores, profiled items or extra columns")
    return rows


# ====================================================================== statistics

# ---------------------------------------------------------------------------- the steps of profile_segments
def _segment_names(assignments: Segments, counts: np.ndarray, names: Mapping[Any, str] | Sequence[str] | str | None,
                   lang: str) -> dict[int, str]:
    """Segment -> name (given names, else the file's, else "Segment k"); segments must be 1..k without gaps."""
    k = len(counts)
    empty = [str(i + 1) for i in np.flatnonzero(counts == 0)]
    where = assignments.source or "the segment assignments"
    if empty:
        raise DataError(f"{where}: segment{'s' if len(empty) > 1 else ''} {', '.join(empty)} "
                        f"{'have' if len(empty) > 1 else 'has'} no respondents (segments go up to {k}); number "
                        f"the segments 1..k without gaps")
    if k < 2:
        raise DataError(f"{where}: every profiled respondent is in segment 1; profiles compare at least two segments")
    file_names = dict(assignments.names)
    user_names = parse_names(names) if names is not None else {}
    beyond = sorted(s for s in {**file_names, **user_names} if s > k)
    if beyond:
        raise DataError(f"names are given for segment{'s' if len(beyond) > 1 else ''} "
                        f"{', '.join(map(str, beyond))}, which {'have' if len(beyond) > 1 else 'has'} no "
                        f"respondents (the assignments have segments 1..{k}); remove those names or fix the "
                        "assignments")
    return {s: user_names.get(s, file_names.get(s, tr("segment_label", lang, number=s))) for s in range(1, k + 1)}


def _profile_weights(survey: Survey, kept: Survey, weights: bool) -> tuple[np.ndarray, bool]:
    """Weights of the profiled respondents (ones when unweighted) and whether survey weights are used."""
    w = kept.weight_array() if weights else None
    if w is None:
        return np.ones(kept.n), False
    bad = ~np.isfinite(w) | (w < 0)
    if bad.any():
        rid = kept.ids[np.flatnonzero(bad)[0]]
        raise DataError(f"{survey.source.describe()}: weight of respondent {rid!r} is {w[bad][0]!r}; weights "
                        f"must be numbers >= 0 (column {survey.questionnaire.weight!r})")
    if w.sum() <= 0:
        raise DataError("the survey weights of the profiled respondents sum to 0")
    return w, True


def _segment_tests(X: np.ndarray, G: np.ndarray, w: np.ndarray, rows: Any, *, fdr: bool, alpha: float
                   ) -> dict[str, Any]:
    """Each segment against the rest, vectorized over rows and segments: weighted means, Welch t (means) or
    two-proportion z (proportions), Benjamini-Hochberg adjusted p, index and effect size, and the marks.

    Returns arrays (segments x rows unless named ``*_t``, which are per row) keyed ``m_s``, ``n_s``, ``m_t``,
    ``n_t``, ``sd_t``, ``N_s``, ``N_t``, ``index``, ``statistic``, ``df``, ``p``, ``p_adj``, ``mark``, ``effect``.
    """
    g = group_sums(X, G, w)
    keys = ("N", "W", "W2", "S0", "S1", "S2")
    tot = {key: g[key].sum(axis=0) for key in keys}
    rest = {key: tot[key][None, :] - g[key] for key in keys}
    m_s, n_s, se2_s = moments(g["W"], g["W2"], g["S0"], g["S1"], g["S2"])
    m_r, n_r, se2_r = moments(rest["W"], rest["W2"], rest["S0"], rest["S1"], rest["S2"])
    m_t, n_t, se2_t = moments(tot["W"], tot["W2"], tot["S0"], tot["S1"], tot["S2"])
    sd_t = np.sqrt(se2_t * n_t)
    is_prop = np.array([s == "proportion" for s in rows.stat])[None, :]
    tests = two_group_tests(m_s, n_s, se2_s, m_r, n_r, se2_r, is_prop)  # each segment against the rest
    diff, statistic, dfs, p = tests["diff"], tests["statistic"], tests["df"], tests["p"]
    with np.errstate(invalid="ignore", divide="ignore"):
        # index and effect size
        nonneg = (g["min"] >= 0)[None, :]
        index = np.where(nonneg & (m_t[None, :] > 0), 100.0 * m_s / m_t[None, :], np.nan)
        h = 2.0 * np.arcsin(np.sqrt(np.clip(m_s, 0, 1))) - 2.0 * np.arcsin(np.sqrt(np.clip(m_t, 0, 1)))[None, :]
        d = (m_s - m_t[None, :]) / sd_t[None, :]
        effect = np.where(is_prop, h, np.where(sd_t[None, :] > 0, d, np.nan))
    p_adj = bh_adjust(p.ravel()).reshape(p.shape)
    use = p_adj if fdr else p
    sig = np.isfinite(use) & (use < alpha)
    mark = np.where(sig & (diff > 0), "higher", np.where(sig & (diff < 0), "lower", ""))
    return {"m_s": m_s, "n_s": n_s, "se2_s": se2_s, "m_t": m_t, "n_t": n_t, "sd_t": sd_t, "N_s": g["N"],
            "N_t": tot["N"],
            "index": index, "statistic": statistic, "df": dfs, "p": p, "p_adj": p_adj, "mark": mark,
            "effect": effect}


def _letters(st: Mapping[str, Any], rows: Any, letter_of: list[str], *, alpha: float, adjust: str
             ) -> tuple[np.ndarray, pd.DataFrame]:
    """Pairwise column letters (segments x rows) and the pairwise tests behind them (one line per row and pair)."""
    k = len(letter_of)
    is_prop = np.array([s == "proportion" for s in rows.stat])
    pair = pairwise_tests(st["m_s"], st["n_s"], st["se2_s"], is_prop)
    pair["p_adj"] = adjust_within_rows(pair["p"], adjust)
    letters = column_letters(pair["diff"], pair["p_adj"], letter_of, alpha)
    ai, bi = np.triu_indices(k, 1)
    row_ids = rows.ids()
    pair_index = pd.MultiIndex.from_arrays(
        [np.repeat(row_ids, len(ai)), np.tile(ai + 1, len(row_ids)), np.tile(bi + 1, len(row_ids))],
        names=["row", "a", "b"])
    pairwise = pd.DataFrame({key: pair[key].T.ravel() for key in ("diff", "statistic", "df", "p", "p_adj")},
                            index=pair_index)
    return letters, pairwise


def _rows_frame(rows: Any, st: Mapping[str, Any]) -> pd.DataFrame:
    """One row per profile line (variable or level) with the total's statistics; ids must be unique."""
    rows_df = pd.DataFrame({
        "section": rows.section, "variable": rows.variable, "label": rows.label,
        "level": pd.Series(rows.level, dtype=object), "level_label": pd.Series(rows.level_label, dtype=object),
        "stat": rows.stat, "total": st["m_t"], "total_n": st["N_t"].astype(int), "total_n_eff": st["n_t"],
        "total_sd": st["sd_t"],
    })
    rows_df.index = pd.Index(rows.ids())
    if not rows_df.index.is_unique:
        dup = rows_df.index[rows_df.index.duplicated()][0]
        raise DataError(f"variable {dup!r} appears twice in the profile (a basis, scale or extra column named like "
                        "a questionnaire item); rename it")
    return rows_df


def _cells_frame(row_ids: pd.Index, k: int, st: Mapping[str, Any]) -> pd.DataFrame:
    """One row per (profile line, segment): value, index, test statistic, p, mark, n, effect."""
    row_ids = list(row_ids)
    seg_ids = np.arange(1, k + 1)
    R = len(row_ids)
    cell_index = pd.MultiIndex.from_arrays([np.tile(row_ids, k), np.repeat(seg_ids, R)], names=["row", "segment"])
    flat = {
        "value": st["m_s"], "index": st["index"], "statistic": st["statistic"], "df": st["df"], "p": st["p"],
        "p_adj": st["p_adj"], "mark": st["mark"], "n": st["N_s"].astype(int), "n_eff": st["n_s"],
        "effect": st["effect"], "letters": st["letters"],
    }
    cells = pd.DataFrame({key: np.asarray(v).ravel() for key, v in flat.items()}, index=cell_index)
    cells["mark"] = cells["mark"].astype(object).where(cells["mark"] != "", None)
    return cells.sort_index(level="row", sort_remaining=False).reindex(
        pd.MultiIndex.from_product([row_ids, seg_ids], names=["row", "segment"]))


def profile_segments(
    survey: Survey,
    segments: pd.Series | Segments | str | os.PathLike[str],
    *,
    basis: pd.DataFrame | None = None,
    scale_scores: pd.DataFrame | Any | bool | None = None,
    extra: pd.DataFrame | None = None,
    variables: Sequence[str] | str | None = None,
    fdr: bool = False,
    names: Mapping[Any, str] | Sequence[str] | str | None = None,
    lang: str = "en",
    alpha: float = 0.05,
    weights: bool = True,
    letters_adjust: str = "bonferroni",
    top_box: int = 2,
    basis_labels: Mapping[str, str] | None = None,
) -> ProfileResult:
    """Compare each segment with the total and test it against the rest of the sample.

    Parameters
    ----------
    survey
        The survey (all respondents; those without a segment are excluded and reported).
    segments
        Segment numbers 1..k per respondent: a Series indexed by respondent id (NaN = no segment), an
        :class:`~surveytools.segments.Segments`, or the path of a segments file.
    basis
        Per-respondent scores of the segmentation basis (e.g. factor scores), indexed by respondent id;
        shown first, as means.
    scale_scores
        Per-respondent scale scores (a DataFrame or :class:`~surveytools.scoring.ScaleScores`). ``None``
        scores every scale of the questionnaire with :func:`surveytools.scoring.score_scales` (defaults);
        ``False`` leaves scale scores out.
    extra
        Per-respondent extra variables (CRM KPIs, VoC metrics) indexed by respondent id: numeric columns
        are shown as means, boolean columns as proportions, text columns as % per category.
    variables
        Restrict the table to these names (items, scales, basis or extra columns; a list or a
        comma-separated string). Default: every basis dimension, scale, rating, categorical,
        multiple-choice, numeric and NPS item, and every extra column.
    fdr
        Mark differences by Benjamini-Hochberg adjusted p-values (over all tests of the table) instead of
        raw p-values. Adjusted p-values are reported either way.
    names
        Segment names ``{1: "Achievers", ...}`` or ``"1=Achievers,2=..."``; they override a
        ``segment_name`` column of an assignments file. Unnamed segments are called "Segment k".
    lang
        Language of names and descriptions (``en`` or ``es``).
    alpha
        Significance level of the higher/lower marks.
    weights
        Use the survey weights when the questionnaire declares them (``False`` ignores them).
    letters_adjust
        Multiple-comparison adjustment of the pairwise column tests behind the letters, within each row:
        ``bonferroni`` (default, as SPSS CTABLES), ``holm``, ``bh`` (Benjamini-Hochberg) or ``none``.
    top_box
        Add a row with the share answering the ``top_box`` highest codes under each rating item whose
        answer scale has at least four codes (``0``: no top-box rows).
    basis_labels
        Display labels of the basis columns (e.g. factor names), column -> label.

    Returns
    -------
    ProfileResult

    Raises
    ------
    DataError
        Assignments for respondents not in the data, a segment number with no respondents (segments must
        be 1..k without gaps), names for segments that do not exist, fewer than two segments, missing or
        negative weights, or a requested variable missing from the data.

    Notes
    -----
    Cell values are weighted means (proportions for categories and options; the NPS is
    ``100 * (share of 9-10 - share of 0-6)`` and is tested as the mean of the per-respondent score
    +100/0/-100). Each test uses the respondents who answered that variable. The index
    ``100 * segment / total`` is reported only where it is meaningful: a positive total and no negative
    values (so not for factor scores or the NPS). See the module docstring for the formulas.

    Examples
    --------
    >>> result = profile_segments(survey, assignments, names={1: "Achievers"})   # doctest: +SKIP
    >>> print(result.summary())                                                   # doctest: +SKIP
    """
    lang = check_lang(lang)
    if not 0 < alpha < 1:
        raise DataError(f"alpha must be between 0 and 1, not {alpha!r}")
    if letters_adjust not in LETTER_ADJUSTMENTS:
        raise DataError(f"unknown letters adjustment {letters_adjust!r}; choose one of {', '.join(LETTER_ADJUSTMENTS)}")
    if isinstance(top_box, bool) or not isinstance(top_box, (int, np.integer)) or top_box < 0:
        raise DataError(f"top_box must be a whole number >= 0, not {top_box!r}")
    rows_in = survey.n
    assignments = as_segments(segments)
    kept, seg, unassigned = assignments.align(survey)
    labels = seg.to_numpy(dtype=int)
    k = int(labels.max())
    counts = np.bincount(labels, minlength=k + 1)[1:]
    seg_names = _segment_names(assignments, counts, names, lang)
    w, weighted = _profile_weights(survey, kept, weights)
    if isinstance(variables, str):
        variables = [v.strip() for v in variables.split(",") if v.strip()]
    elif variables is not None:
        variables = [str(v) for v in variables]
    basis_f = _score_frame(basis, kept.ids, "basis scores") if basis is not None else None
    scales_f = None
    if scale_scores is None:
        if survey.questionnaire.scales:
            from .scoring import score_scales

            scales_f = _score_frame(score_scales(survey, weights=False), kept.ids, "scale scores")
    elif scale_scores is not False:
        scales_f = _score_frame(scale_scores, kept.ids, "scale scores")
    extra_f = _score_frame(extra, kept.ids, "extra variables") if extra is not None else None
    rows = _build_rows(kept, basis=basis_f, scales=scales_f, extra=extra_f, variables=variables, lang=lang,
                       basis_labels=basis_labels, top_box=int(top_box))

    small = [f"{s} (n={int(counts[s - 1])})" for s in range(1, k + 1) if counts[s - 1] < _SMALL_SEGMENT]
    if small:
        warnings.warn(f"small segment{'s' if len(small) > 1 else ''} {', '.join(small)}: tests against the rest of "
                      f"the sample have little power below {_SMALL_SEGMENT} respondents", DataQualityWarning,
                      stacklevel=2)

    G = np.zeros((kept.n, k))
    G[np.arange(kept.n), labels - 1] = 1.0
    st = _segment_tests(np.column_stack(rows.data), G, w, rows, fdr=fdr, alpha=alpha)
    letter_of = [segment_letter(s) for s in range(1, k + 1)]
    st["letters"], pairwise = _letters(st, rows, letter_of, alpha=alpha, adjust=letters_adjust)
    rows_df = _rows_frame(rows, st)
    cells = _cells_frame(rows_df.index, k, st)
    seg_ids = np.arange(1, k + 1)
    wsum = G.T @ w
    seg_df = pd.DataFrame({
        "name": [seg_names[s] for s in seg_ids],
        "letter": letter_of,
        "n": counts.astype(int),
        "weighted_n": wsum,
        "share": wsum / wsum.sum(),
    }, index=pd.Index(seg_ids, name="segment"))
    seg_df["description"] = [
        _describe(int(s), seg_names[s], int(counts[s - 1]), float(seg_df.at[s, "share"]), rows, st["m_t"],
                  st["m_s"][s - 1], st["mark"][s - 1], st["effect"][s - 1], weighted, lang) for s in seg_ids
    ]
    return ProfileResult(segments=seg_df, rows=rows_df, cells=cells, alpha=float(alpha), fdr=bool(fdr),
                         weighted=weighted, lang=lang, rows_in=rows_in, unassigned=pd.Index(unassigned),
                         pairwise=pairwise, letters_adjust=letters_adjust)


# ====================================================================== descriptions

def _desc_value(v: float, stat: str, lang: str) -> str:
    if stat == "proportion":
        return fmt_percent(v, 0, lang)
    if stat == "nps":
        return fmt_number(v, 0, lang)
    return fmt_number(v, 2, lang)


def _describe(number: int, name: str, n: int, share: float, rows: _Rows, totals: np.ndarray, values: np.ndarray,
              marks: np.ndarray, effects: np.ndarray, weighted: bool, lang: str, top: int = 3) -> str:
    """Size, then the dimensions and the answers where the segment stands out most (largest |effect| among
    the significant cells of this segment; ``values``, ``marks``, ``effects`` are its row vectors)."""
    label = tr("segment_label", lang, number=number)
    if name != label:
        label = f"{label} \u201c{name}\u201d" if lang == "en" else f"{label} \u00ab{name}\u00bb"
    key = "desc_size_weighted" if weighted else "desc_size"
    parts = [tr(key, lang, label=label, n=fmt_number(n, 0, lang), share=fmt_percent(share, 1, lang))]
    chosen = np.flatnonzero((marks != "") & np.isfinite(effects))
    chosen = chosen[np.argsort(-np.abs(effects[chosen]), kind="stable")]
    phrases: dict[str, list[str]] = {"dims": [], "items": []}
    for r in chosen:
        group = "dims" if rows.section[r] in _DIM_SECTIONS else "items"
        if len(phrases[group]) >= top:
            continue
        lab = _row_label({"label": rows.label[r], "level_label": rows.level_label[r]})
        q = f"\u201c{lab}\u201d" if lang == "en" else f"\u00ab{lab}\u00bb"
        up = marks[r] == "higher"
        if rows.stat[r] == "proportion":
            k = "desc_more" if up else "desc_less"
        else:
            k = "desc_higher" if up else "desc_lower"
        phrases[group].append(tr(k, lang, label=q, value=_desc_value(values[r], rows.stat[r], lang),
                                 total=_desc_value(totals[r], rows.stat[r], lang)))
    if phrases["dims"]:
        parts.append(tr("desc_dims", lang, parts="; ".join(phrases["dims"])))
    if phrases["items"]:
        parts.append(tr("desc_items", lang, parts="; ".join(phrases["items"])))
    if not phrases["dims"] and not phrases["items"]:
        parts.append(tr("desc_none", lang))
    return " ".join(parts)
