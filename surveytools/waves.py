"""Wave-over-wave comparison: segment sizes, profile means and KPIs per survey wave, with the change between
consecutive waves and its significance.

The respondents of every wave are in one survey with a wave column (an item or a platform column, default
``wave``). For consecutive waves a and b (in the order of their labels, numbers numerically), each row is
compared with :func:`surveytools.comparisons.pairwise_tests` on weighted moments (Kish effective sizes):

- segment shares and other proportions: the pooled two-proportion z test;
- means (scale scores, items): Welch's t test;
- NPS (promoters minus detractors, -100..100): a z test with the variance of a difference of two shares of
  one multinomial, ``var(NPS) = (p+ + p- - (p+ - p-)^2) / n_eff`` (Rossi 2015; the standard NPS margin of error).

Nothing is dropped silently: rows without a wave are counted as excluded; with segments, respondents without
a segment are counted too.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from .comparisons import group_sums, moments, pairwise_tests
from .exceptions import DataError
from .survey import Survey

__all__ = ["WaveComparison", "compare_waves", "wave_labels", "stack_waves", "stack_segments"]

#: Names the wave column is looked for under when none is given.
WAVE_NAMES = ("wave", "ola", "oleada", "wave_id", "year", "año")


def wave_labels(survey: Survey, column: str | None = None) -> pd.Series:
    """The wave of each respondent (text labels), from an item or a platform column.

    Raises
    ------
    DataError
        No such column (the columns are listed), or fewer than two waves.
    """
    names = [column] if column else list(WAVE_NAMES)
    meta = survey.metadata if survey.metadata is not None else pd.DataFrame(index=survey.ids)
    for name in names:
        for frame in (survey.responses, meta):
            found = [c for c in frame.columns if str(c) == name] or \
                [c for c in frame.columns if str(c).casefold() == str(name).casefold()]
            if found:
                values = frame[found[0]]
                opts = survey.questionnaire.option_set(found[0]) if found[0] in survey.questionnaire.items else None
                if opts is not None and opts.codes:
                    return values.map(lambda v, codes=opts.codes: codes.get(int(v))
                                      if pd.notna(v) and float(v).is_integer() and int(v) in codes
                                      else (None if pd.isna(v) else str(v)))
                return values.map(lambda v: None if pd.isna(v) else
                                  (str(int(v)) if isinstance(v, float) and v.is_integer() else str(v)))
    shown = ", ".join(map(str, list(survey.responses.columns)[:15] + list(meta.columns)[:10]))
    what = f"no wave column {column!r}" if column else f"no wave column (looked for {', '.join(WAVE_NAMES)})"
    raise DataError(f"{survey.source.describe()}: {what}; name it with --wave (columns: {shown})")


def stack_waves(surveys: Sequence[Survey], *, wave: str | None = None) -> Survey:
    """One survey of several waves' files: responses, weights and metadata stacked; a file without a wave
    column gets its file name (without suffix) as its wave in a ``wave`` platform column.

    Raises
    ------
    DataError
        A respondent id in two files (the first few are listed).
    """
    from dataclasses import replace
    from pathlib import Path

    if len(surveys) == 1:
        return surveys[0]
    parts = []
    for s in surveys:
        try:
            wave_labels(s, wave)
            parts.append(s)
        except DataError:
            label = Path(s.source.path).stem if s.source.path else str(len(parts) + 1)
            meta = s.metadata.copy() if s.metadata is not None else pd.DataFrame(index=s.ids)
            meta[wave or "wave"] = label
            parts.append(replace(s, metadata=meta))
    ids = pd.Index(np.concatenate([p.ids.astype(str).to_numpy() for p in parts]))
    dup = ids[ids.duplicated()].unique()
    if len(dup):
        raise DataError(f"{len(dup)} respondent id(s) appear in more than one wave's file (e.g. "
                        f"{', '.join(map(str, dup[:5]))}); give each wave's respondents their own ids")
    first = parts[0]
    responses = pd.concat([p.responses for p in parts])
    weights = None if any(p.weights is None for p in parts) else pd.concat([p.weights for p in parts])
    metas = [p.metadata if p.metadata is not None else pd.DataFrame(index=p.ids) for p in parts]
    metadata = pd.concat(metas)
    return replace(first, responses=responses, weights=weights, metadata=metadata)


def stack_segments(segments: Sequence[Any]) -> Any:
    """One :class:`~surveytools.segments.Segments` from several waves' segment files (ids must differ)."""
    from .segments import Segments

    if len(segments) == 1:
        return segments[0]
    seg = pd.concat([s.segment for s in segments])
    if seg.index.duplicated().any():
        dup = seg.index[seg.index.duplicated()].unique()
        raise DataError(f"{len(dup)} respondent id(s) appear in more than one segments file (e.g. "
                        f"{', '.join(map(str, dup[:5]))})")
    names: dict[int, str] = {}
    for s in segments:
        for k, v in dict(s.names).items():
            names.setdefault(int(k), str(v))
    return Segments.from_labels(seg, names=names or None, source=", ".join(str(s.source) for s in segments))


def _order(labels: Sequence[str]) -> list[str]:
    def key(s: str) -> tuple[int, float, str]:
        try:
            return (0, float(s.replace(",", ".")), s)
        except ValueError:
            return (1, 0.0, s)
    return sorted(labels, key=key)


@dataclass
class WaveComparison:
    """Per-wave values of each row and the change between consecutive waves.

    Attributes
    ----------
    wave_column
        The column the waves came from.
    waves
        Wave labels in order, each with its respondents (``n``) and effective size (``n_eff``).
    rows
        One entry per compared row: ``kind`` (``segment``, ``mean``, ``nps``), ``row``, ``label``,
        ``stat`` (``share``, ``mean``, ``nps``), ``values`` (wave -> value), ``n`` (wave -> respondents), and
        ``changes``: one per consecutive pair, ``from``, ``to``, ``change`` (later minus earlier),
        ``statistic``, ``df``, ``p``, ``test``.
    """

    wave_column: str
    waves: list[dict[str, Any]]
    rows: list[dict[str, Any]]
    alpha: float = 0.05
    rows_in: int = 0
    rows_out: int = 0
    excluded: dict[str, int] = field(default_factory=dict)
    weighted: bool = False
    lang: str = "en"

    def to_dict(self) -> dict[str, Any]:
        """The ``--json`` object: ``waves``, ``segments``, ``means``, ``kpis`` (each row -> values and changes)."""
        out: dict[str, Any] = {"wave_column": self.wave_column, "waves": self.waves, "alpha": self.alpha,
                               "weighted": self.weighted, "rows_in": self.rows_in, "rows_out": self.rows_out,
                               "excluded": dict(self.excluded), "segments": {}, "means": {}, "kpis": {}}
        for r in self.rows:
            key = {"segment": "segments", "mean": "means", "nps": "kpis"}[r["kind"]]
            out[key][r["row"]] = {k: v for k, v in r.items() if k not in ("kind", "row")}
        return out

    def summary(self, lang: str | None = None) -> str:
        """Text for the terminal (the Summary document's section)."""
        from .summary import summary_text

        return summary_text("waves", self, lang=lang or self.lang)


def _nps_parts(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    prom = np.where(np.isnan(x), np.nan, (x >= 9).astype(float))
    det = np.where(np.isnan(x), np.nan, (x <= 6).astype(float))
    return prom, det


def compare_waves(survey: Survey, *, wave: str | None = None, segments: Any = None,
                  items: Sequence[str] | str | None = None, weights: bool = True,
                  alpha: float = 0.05) -> WaveComparison:
    """Compare waves of a survey: segment shares, means of scales and items, NPS.

    Parameters
    ----------
    survey
        Respondents of every wave, with a wave column (item or platform column).
    wave
        The wave column (default: ``wave``, ``ola``, ``oleada``...).
    segments
        Optional :class:`~surveytools.segments.Segments` of the respondents (e.g. ``assign`` of a saved
        segment model on the new wave, stacked with the old wave's segments).
    items
        Items and scales whose means are compared (default: the scales, else the Likert items).
    weights
        Use the survey weights when the questionnaire names them.
    alpha
        Significance level of the ``significant`` flag of each change.

    Raises
    ------
    DataError
        No wave column, fewer than two waves, or a wave without respondents.
    """
    from .scoring import score_scales

    q = survey.questionnaire
    labels = wave_labels(survey, wave)
    column = wave or next((n for n in WAVE_NAMES if n in survey.responses.columns or
                           (survey.metadata is not None and n in survey.metadata.columns)), "wave")
    rows_in = survey.n
    has_wave = labels.notna().to_numpy()
    excluded: dict[str, int] = {}
    if (~has_wave).any():
        excluded["no_wave"] = int((~has_wave).sum())
    survey = survey.subset(has_wave)
    labels = labels[has_wave]
    seg = None
    if segments is not None:
        kept, seg, unassigned = segments.align(survey)
        if len(unassigned):
            excluded["no_segment"] = len(unassigned)
        survey = kept
        labels = labels.reindex(kept.ids)
    order = _order(sorted(set(labels.dropna().astype(str))))
    if len(order) < 2:
        raise DataError(f"{survey.source.describe()}: only {len(order)} wave ({', '.join(order) or 'none'}) in "
                        f"column {column!r}; comparing waves needs two or more")
    n = survey.n
    G = np.zeros((n, len(order)))
    lab = labels.astype(str).to_numpy()
    for j, w in enumerate(order):
        G[:, j] = lab == w
    wt = survey.weight_array() if weights else None
    w = np.ones(n) if wt is None else np.asarray(wt, dtype=float)

    blocks: list[tuple[str, str, str, str, np.ndarray]] = []   # kind, row, label, stat, values
    if seg is not None:
        ks = sorted(int(k) for k in pd.unique(seg))
        for k in ks:
            name = segments.name_of(k) if hasattr(segments, "name_of") else str(k)
            blocks.append(("segment", str(k), name, "share", (seg.to_numpy() == k).astype(float)))
    if items is None:
        chosen = list(q.scales) or q.analysis_items
    else:
        chosen = [p.strip() for p in items.split(",")] if isinstance(items, str) else list(items)
    scale_names = [c for c in chosen if c in q.scales]
    if scale_names:
        sc = score_scales(survey, scale_names, weights=False).scores
        for s in scale_names:
            blocks.append(("mean", s, q.scales[s].label or s, "mean", sc[s].to_numpy(dtype=float)))
    for i in q.resolve([c for c in chosen if c not in q.scales], default=[]) if any(c not in q.scales for c in chosen) \
            else []:
        blocks.append(("mean", i, q.items[i].text or i, "mean", survey.responses[i].to_numpy(dtype=float)))
    nps_rows = []
    for i in q.items_of_type("nps"):
        nps_rows.append(i)
        blocks.append(("nps", i, q.items[i].text or i, "nps", survey.responses[i].to_numpy(dtype=float)))

    X = np.column_stack([b[4] for b in blocks]) if blocks else np.empty((n, 0))
    is_prop = np.array([b[0] == "segment" for b in blocks], dtype=bool)
    sums = group_sums(X, G, w)
    mean, n_eff, se2 = moments(sums["W"], sums["W2"], sums["S0"], sums["S1"], sums["S2"])
    tests = pairwise_tests(mean, n_eff, se2, is_prop)
    pair_index = {(int(a), int(b)): p for p, (a, b) in enumerate(zip(*np.triu_indices(len(order), 1), strict=True))}
    counts = sums["N"]

    # NPS: promoters and detractors per wave, the z test of the difference of two NPS values
    nps_stats: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    for i in nps_rows:
        prom, det = _nps_parts(survey.responses[i].to_numpy(dtype=float))
        s = group_sums(np.column_stack([prom, det]), G, w)
        m, ne, _ = moments(s["W"], s["W2"], s["S0"], s["S1"], s["S2"])
        nps = 100.0 * (m[:, 0] - m[:, 1])
        with np.errstate(invalid="ignore", divide="ignore"):
            var = 1e4 * (m[:, 0] + m[:, 1] - (m[:, 0] - m[:, 1]) ** 2) / ne[:, 0]
        nps_stats[i] = (nps, var)

    rows = []
    for r, (kind, key, label, stat, _) in enumerate(blocks):
        if kind == "nps":
            vals, var = nps_stats[key]
        else:
            vals, var = mean[:, r], None
        entry: dict[str, Any] = {"kind": kind, "row": key, "label": label, "stat": stat,
                                 "values": {wv: _f(vals[j]) for j, wv in enumerate(order)},
                                 "n": {wv: int(counts[j, r]) for j, wv in enumerate(order)}, "changes": []}
        for j in range(1, len(order)):
            if var is not None:  # NPS
                with np.errstate(invalid="ignore", divide="ignore"):
                    z = (vals[j] - vals[j - 1]) / np.sqrt(var[j] + var[j - 1])
                p = float(2 * stats.norm.sf(abs(z))) if np.isfinite(z) else float("nan")
                ch = {"change": _f(vals[j] - vals[j - 1]), "statistic": _f(z), "df": None, "p": _f(p), "test": "z"}
            else:
                t = pair_index[(j - 1, j)]
                ch = {"change": _f(-tests["diff"][t, r]), "statistic": _f(-tests["statistic"][t, r]),
                      "df": _f(tests["df"][t, r]), "p": _f(tests["p"][t, r]),
                      "test": "z" if kind == "segment" else "welch_t"}
            ch["significant"] = bool(ch["p"] is not None and ch["p"] < alpha)
            entry["changes"].append({"from": order[j - 1], "to": order[j], **ch})
        rows.append(entry)
    waves = [{"wave": wv, "n": int(G[:, j].sum()), "n_eff": _f((w[G[:, j] > 0].sum() ** 2) /
                                                                (w[G[:, j] > 0] ** 2).sum())}
             for j, wv in enumerate(order)]
    return WaveComparison(column, waves, rows, alpha, rows_in, survey.n, excluded, wt is not None,
                          q.language if q.language in ("en", "es") else "en")


def _f(x: Any) -> float | None:
    try:
        v = float(x)
    except (TypeError, ValueError):
        return None
    return v if np.isfinite(v) else None
