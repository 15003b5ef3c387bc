"""The segmentation basis: the variables respondents are clustered on, built from a Survey.

``basis`` is one of

- ``factors`` (default): factor scores of the Likert items from :class:`surveytools.factor.model.FactorModel`
  (psych ``fa`` defaults: minres, oblimin, number of factors by parallel analysis; regression scores),
  then standardized. A missing answer counts as the item mean in factor scoring, so only respondents with
  no answer at all lose their scores.
- ``scales``: scale scores (:func:`surveytools.scoring.score_scales`: the mean of the reverse-scored items;
  a respondent answering fewer than ``min_answered`` (50%) of a scale's items has no score on it).
- ``items``: every Likert item but attention checks, reverse-keyed items (per the questionnaire's scales) reversed.
- a comma-separated list of scale names (their scores) and item ids (reversed when a scale reverse-keys
  them, or when written with a leading ``-``), e.g. ``"price_sensitivity,innovativeness,Q12"``.

Standardization (``standardize``): ``None`` (default) z-scores factor scores, and z-scores scales or items
only when they do not share one answer scale; ``True`` / ``False`` force it. z-scores use the weighted mean
and the weighted sd (``ddof = 0``) of the respondents segmented; the centers and sds are kept so new
respondents are scored on the same axes.

Missing values (``missing``): ``"exclude"`` (default) leaves out respondents with any missing basis value
and reports each with its reason; ``"mean"`` fills a missing value with the column's weighted mean (the
count of filled cells is reported); ``"fiml"`` (latent class analysis only: the likelihood skips a missing
answer) leaves out only respondents with no basis value at all. Respondents without a survey weight are
always excluded.

Mixed bases (``mixed=True``, for ``--method latent-class``): categorical and multi-select items are allowed
besides the ordered ones, every column carries its measurement model in ``sources[col]["kind"]``
(``categorical`` for categorical items, ``ordinal`` for Likert items, ``binary`` for each option of a
multi-select item (``<id>_<code>``), ``gaussian`` for numeric and NPS items, scale and factor scores), a
name may force a kind with a suffix (``csat:gaussian``, ``age:ordinal``, ``Q7:categorical``), and the values
stay in their units (no standardization). A DataFrame's text columns become categorical (codes 1..L in the
sorted order of their labels, kept in ``sources[col]["labels"]``); its numeric columns get a kind from
:func:`~surveytools.segment.latent_class.infer_kind`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from ..exceptions import DataError, ScaleError
from ..survey import Survey

__all__ = ["Basis", "build_basis", "basis_frame", "BASIS_KINDS", "MISSING_RULES"]

BASIS_KINDS = ("factors", "scales", "items")
MISSING_RULES = ("exclude", "mean", "fiml")
#: Measurement models a mixed-basis column can be forced to with a ``name:kind`` suffix.
KIND_SUFFIXES = ("categorical", "ordinal", "binary", "gaussian")
_ITEM_KIND = {"likert": "ordinal", "categorical": "categorical", "numeric": "gaussian", "nps": "gaussian"}


@dataclass(frozen=True, eq=False)
class Basis:
    """Basis values of the respondents to segment, with what was left out and why.

    Attributes
    ----------
    data
        Respondents segmented (survey order) x basis columns, in the basis's own units.
    weights
        Survey weights of those respondents (None when unweighted).
    kind
        ``factors``, ``scales``, ``items``, ``columns`` (a list) or ``frame`` (a DataFrame given directly).
    spec
        The basis as requested.
    sources
        Column -> how it is built (``{"type": "scale", "scale": ...}``, ``{"type": "item", "reversed": ...}``,
        ``{"type": "factor"}``, ``{"type": "column"}``), for scoring new respondents.
    rows_in
        Respondents in the input.
    excluded
        Respondent id -> reason, for every respondent left out.
    imputed
        Basis cells filled by the ``mean`` rule.
    standardize
        Whether the columns are z-scored before clustering.
    center, scale
        The z-score center and scale (weighted mean and sd) per column (0 and 1 without standardization).
    factor_model
        The fitted factor model (``factors`` basis).
    min_answered, missing
        The settings used.
    """

    data: pd.DataFrame
    weights: pd.Series | None
    kind: str
    spec: str
    sources: dict[str, dict[str, Any]]
    rows_in: int
    excluded: pd.Series
    imputed: int
    standardize: bool
    center: pd.Series
    scale: pd.Series
    factor_model: Any = None
    min_answered: float = 0.5
    missing: str = "exclude"
    fill: pd.Series | None = field(default=None, repr=False)

    @property
    def columns(self) -> list[str]:
        return [str(c) for c in self.data.columns]

    @property
    def rows_used(self) -> int:
        return int(len(self.data))

    def matrix(self) -> np.ndarray:
        """The (standardized) basis as a float array, rows in ``data`` order."""
        return ((self.data - self.center) / self.scale).to_numpy(dtype=float)

    def exclusion_counts(self) -> dict[str, int]:
        """Reason -> number of respondents excluded for it."""
        return {str(k): int(v) for k, v in self.excluded.value_counts().sort_index().items()}


def _split(spec: str | Sequence[str]) -> list[str]:
    parts = spec.split(",") if isinstance(spec, str) else [str(s) for s in spec]
    return [p.strip() for p in parts if p.strip()]


def _reversed_items(survey: Survey) -> set[str]:
    rev: set[str] = set()
    for s in survey.questionnaire.scales.values():
        rev |= set(s.reversed)
    return rev


def basis_frame(survey: Survey, spec: str | Sequence[str], *, min_answered: float = 0.5,
                factor_model: Any = None, factor_options: Mapping[str, Any] | None = None,
                factor_scores: pd.DataFrame | None = None, mixed: bool = False
                ) -> tuple[pd.DataFrame, dict[str, dict[str, Any]], str, dict[str, pd.Series], Any]:
    """Raw basis values for every respondent (NaN where missing).

    ``mixed`` allows categorical and multi-select items and records every column's measurement model
    (module notes).

    Returns
    -------
    frame, sources, kind, reasons, factor_model
        ``reasons`` maps a column to a per-respondent text explaining a missing value in it.
    """
    q = survey.questionnaire
    spec_s = spec if isinstance(spec, str) else ",".join(spec)
    key = spec_s.strip().lower()
    reasons: dict[str, pd.Series] = {}
    if key == "factors" and factor_scores is not None:
        if not isinstance(factor_scores, pd.DataFrame) or factor_scores.shape[1] == 0:
            raise DataError("factor_scores must be a DataFrame of factor scores (respondent id index, one column per "
                            "factor)")
        fs = factor_scores.copy()
        fs.index = fs.index.astype(str)
        ids = survey.ids.astype(str)
        unknown = fs.index.difference(ids)
        if len(unknown):
            raise DataError(f"factor scores name {len(unknown)} respondent(s) not in {survey.source.describe()} "
                            f"(e.g. {', '.join(map(str, unknown[:5]))}); use scores computed from these data")
        bad = [str(c) for c in fs.columns if not pd.api.types.is_numeric_dtype(fs[c])]
        if bad:
            raise DataError(f"factor score column(s) {', '.join(bad)} are not numeric")
        scores = fs.reindex(ids).set_axis(survey.ids).astype(float)
        scores.columns = [str(c) for c in scores.columns]
        for c in scores.columns:
            reasons[c] = pd.Series("no factor score", index=survey.ids)
        return scores, {c: {"type": "factor", "kind": "gaussian"} for c in scores.columns}, "factors", reasons, \
            factor_model
    if key == "factors":
        from ..factor.model import FactorModel

        if factor_model is None:
            opts = dict(factor_options or {})
            factor_model = FactorModel(**opts).fit(survey)
        scores = factor_model.transform(survey)
        scores.columns = [str(c) for c in scores.columns]
        for c in scores.columns:
            reasons[c] = pd.Series("no factor score (no answer to any factored item)", index=survey.ids)
        return scores, {c: {"type": "factor", "kind": "gaussian"} for c in scores.columns}, "factors", reasons, \
            factor_model
    if key == "scales":
        if not q.scales:
            raise ScaleError(f"{q.path or 'the questionnaire'} defines no scales, so there are no scale scores to "
                             "segment on; add a 'scales:' section or use --basis items")
        return _columns(survey, list(q.scales), min_answered, reasons, kind="scales", mixed=mixed)
    if key == "items":
        items = q.analysis_items
        if not items:
            raise DataError(f"{q.path or 'the questionnaire'} has no Likert items to segment on; name the basis "
                            "columns with --basis")
        rev = _reversed_items(survey)
        return _columns(survey, [("-" + i) if i in rev else i for i in items], min_answered, reasons, kind="items",
                        mixed=mixed)
    return _columns(survey, _split(spec_s), min_answered, reasons, kind="columns", mixed=mixed)


def _kind_suffix(names: list[str], mixed: bool) -> tuple[list[str], dict[str, str]]:
    """Split ``name:kind`` suffixes off (mixed bases only)."""
    forced: dict[str, str] = {}
    out: list[str] = []
    for name in names:
        if ":" in name:
            base, _, kind = name.rpartition(":")
            kind = kind.strip().lower()
            if not mixed:
                raise DataError(f"basis: {name!r}: a ':{kind}' measurement model applies to --method latent-class "
                                "only")
            if kind not in KIND_SUFFIXES:
                raise DataError(f"basis: {name!r}: unknown measurement model {kind!r}; use one of "
                                f"{', '.join(KIND_SUFFIXES)}")
            forced[base.strip().lstrip("-")] = kind
            name = base.strip()
        out.append(name)
    return out, forced


def _columns(survey: Survey, names: list[str], min_answered: float, reasons: dict[str, pd.Series], kind: str,
             mixed: bool = False) -> tuple[pd.DataFrame, dict[str, dict[str, Any]], str, dict[str, pd.Series], None]:
    from ..scoring import score_scales

    q = survey.questionnaire
    if not names:
        raise DataError("the basis is empty; give scale names or item ids (comma-separated), or factors, scales, "
                        "items")
    names, forced = _kind_suffix(names, mixed)
    unknown = [n for n in names if n.lstrip("-") not in q.scales and n.lstrip("-") not in q.items]
    if unknown:
        raise DataError(f"basis: unknown scale or item {', '.join(repr(u) for u in unknown)}",
                        [f"scales: {', '.join(q.scales) or '(none)'}",
                         f"items: {', '.join(list(q.items)[:40])}{' ...' if len(q.items) > 40 else ''}"])
    rev_keyed = _reversed_items(survey)
    scale_names = [n.lstrip("-") for n in names if n.lstrip("-") in q.scales]
    # weights never enter a respondent's own score (impute="none"); missing weights are handled below
    scores = score_scales(survey, scale_names, min_answered=min_answered, weights=False) if scale_names else None
    cols: dict[str, pd.Series] = {}
    sources: dict[str, dict[str, Any]] = {}
    for name in names:
        bare = name.lstrip("-")
        if bare in cols:
            raise DataError(f"basis: {bare!r} is named twice")
        if bare in q.scales:
            cols[bare] = scores.scores[bare]  # type: ignore[union-attr]
            need = max(1, int(np.ceil(min_answered * len(q.scales[bare].items) - 1e-9)))
            reasons[bare] = pd.Series(f"no score on scale {bare} (fewer than {need} of its "
                                      f"{len(q.scales[bare].items)} items answered)", index=survey.ids)
            sources[bare] = {"type": "scale", "scale": bare}
            if mixed:
                sources[bare]["kind"] = forced.get(bare, "gaussian")
            continue
        item = q.items[bare]
        if mixed and item.type == "multi":
            out_cols = q.output_columns(bare)
            absent = [c for c in out_cols if c not in survey.responses.columns]
            if absent or not out_cols:
                raise DataError(f"basis: multi-select item {bare!r} has no column(s) {', '.join(absent) or '(options)'} "
                                f"in {survey.source.describe()}; import the export with this questionnaire")
            for c in out_cols:
                cols[c] = pd.to_numeric(survey.responses[c], errors="coerce").astype(float)
                reasons[c] = pd.Series(f"no answer to {bare}", index=survey.ids)
                sources[c] = {"type": "option", "item": bare, "column": c, "reversed": False,
                              "kind": forced.get(bare, "binary")}
            continue
        if item.type not in ("likert", "numeric", "nps") and not (mixed and item.type == "categorical"):
            raise DataError(f"basis: item {bare!r} is a {item.type} item; k-means, gmm, ward and ensemble need ordered "
                            "numbers (Likert, numeric or NPS items, scales, or factor scores): segment on categorical "
                            "and multi-select items with --method latent-class")
        # a latent class model of the raw codes needs no reversal (its profiles then read in the codes asked)
        reverse = not mixed and (name.startswith("-") or (kind == "columns" and bare in rev_keyed))
        if item.type == "categorical":
            reverse = False
            frame = survey.item_frame([bare])
        else:
            frame = survey.item_frame([bare], reverse=[bare] if reverse else False)
        cols[bare] = frame[bare]
        reasons[bare] = pd.Series(f"no answer to {bare}", index=survey.ids)
        sources[bare] = {"type": "item", "item": bare, "reversed": bool(reverse)}
        if mixed:
            sources[bare]["kind"] = forced.get(bare, _ITEM_KIND[item.type])
    return pd.DataFrame(cols, index=survey.ids), sources, kind, reasons, None


def _same_metric(survey: Survey | None, sources: Mapping[str, Mapping[str, Any]]) -> bool:
    """True when every basis column is on one answer scale (same option-set min and max)."""
    if survey is None:
        return False
    q = survey.questionnaire
    bounds: set[tuple[float, float]] = set()
    for src in sources.values():
        if src["type"] == "scale":
            items = q.scales[src["scale"]].items
        elif src["type"] == "item":
            items = (src["item"],)
        else:
            return False
        for i in items:
            opts = q.option_set(i)
            if opts is None or not opts.valid_codes:
                return False
            bounds.add((opts.min, opts.max))
    return len(bounds) == 1


def _weighted_center_scale(x: pd.DataFrame, w: np.ndarray | None) -> tuple[pd.Series, pd.Series]:
    a = x.to_numpy(dtype=float)
    ww = np.ones(a.shape[0]) if w is None else w
    ww = ww / ww.sum()
    mean = ww @ a
    sd = np.sqrt(np.maximum(ww @ (a - mean) ** 2, 0.0))
    return pd.Series(mean, index=x.columns), pd.Series(sd, index=x.columns)


def build_basis(data: Survey | pd.DataFrame, basis: str | Sequence[str] = "factors", *,
                standardize: bool | None = None, missing: str = "exclude", min_answered: float = 0.5,
                weights: pd.Series | np.ndarray | bool | None = None, factor_model: Any = None,
                factor_options: Mapping[str, Any] | None = None, factor_scores: pd.DataFrame | None = None,
                mixed: bool = False) -> Basis:
    """Build the segmentation basis (see the module notes for ``basis``, ``standardize`` and ``missing``).

    Parameters
    ----------
    data
        A Survey, or a numeric DataFrame (index = respondent ids, columns = the basis; ``basis`` may then
        name a subset of its columns).
    basis
        ``factors``, ``scales``, ``items`` or a comma-separated list of scales / items (a Survey), or column
        names (a DataFrame).
    standardize
        z-score the columns (None: automatic, see the notes).
    missing
        ``exclude`` or ``mean``.
    min_answered
        For scale scores: the share of a scale's items a respondent must answer.
    weights
        None: the survey's weights; False: unweighted; a Series / array: these weights.
    factor_model
        An already fitted FactorModel to score with (``factors`` basis).
    factor_options
        Parameters of the FactorModel fitted otherwise.
    factor_scores
        Factor scores already computed (``factors`` basis), instead of fitting a factor model; new
        respondents then cannot be scored from a Survey (pass their factor scores as a DataFrame).
    mixed
        A latent class basis: categorical and multi-select items allowed, each column's measurement model in
        ``sources``, no standardization (module notes).

    Raises
    ------
    DataError
        Unknown or missing columns, non-numeric or constant columns, negative weights, no respondent left.
    """
    if missing not in MISSING_RULES:
        raise DataError(f"missing must be one of {', '.join(MISSING_RULES)}, not {missing!r}")
    if missing == "fiml" and not mixed:
        raise DataError("missing='fiml' (missing answers handled by the likelihood) needs --method latent-class; use "
                        "exclude or mean")
    spec_s = basis if isinstance(basis, str) else ",".join(map(str, basis))
    survey = data if isinstance(data, Survey) else None
    if survey is not None:
        frame, sources, kind, reasons, factor_model = basis_frame(
            survey, basis, min_answered=min_answered, factor_model=factor_model, factor_options=factor_options,
            factor_scores=factor_scores, mixed=mixed)
        ids = survey.ids
        if weights is None or weights is True:
            w_raw = survey.weights
        elif weights is False:
            w_raw = None
        else:
            w_raw = pd.Series(np.asarray(weights, dtype=float), index=ids) if not isinstance(weights, pd.Series) \
                else weights.reindex(ids)
    elif isinstance(data, pd.DataFrame):
        kind = "frame"
        key = spec_s.strip().lower()
        cols = list(data.columns) if key in ("", "factors", "scales", "items", "all") else _split(spec_s)
        cols, forced = _kind_suffix([str(c) for c in cols], mixed)
        missing_cols = [c for c in cols if c not in data.columns]
        if missing_cols:
            raise DataError(f"basis: no column {', '.join(repr(c) for c in missing_cols)} in the data",
                            [f"columns: {', '.join(map(str, list(data.columns)[:40]))}"])
        frame = data[cols]
        bad = [str(c) for c in cols if not pd.api.types.is_numeric_dtype(frame[c])]
        if bad and not mixed:
            raise DataError(f"basis: column(s) {', '.join(bad)} are not numeric (segment on text categories with "
                            "--method latent-class)")
        sources = {str(c): {"type": "column"} for c in cols}
        if mixed:
            from .latent_class import infer_kind

            conv = {}
            for c in cols:
                if str(c) in bad:
                    lab = frame[c].astype(object).where(frame[c].notna(), None)
                    labels = sorted({str(v) for v in lab.dropna()})
                    code = {v: float(i + 1) for i, v in enumerate(labels)}
                    conv[c] = lab.map(lambda v, code=code: np.nan if v is None else code[str(v)]).astype(float)
                    sources[str(c)].update(kind=forced.get(str(c), "categorical"), labels=labels)
                else:
                    conv[c] = frame[c].astype(float)
                    sources[str(c)]["kind"] = forced.get(str(c)) or infer_kind(conv[c].to_numpy(dtype=float))
            frame = pd.DataFrame(conv, index=frame.index)
        frame = frame.astype(float)
        frame.columns = [str(c) for c in frame.columns]
        if not frame.index.is_unique:
            dup = frame.index[frame.index.duplicated()].unique()[:5]
            raise DataError(f"respondent ids are not unique ({', '.join(map(str, dup))})")
        reasons = {c: pd.Series(f"missing {c}", index=frame.index) for c in frame.columns}
        ids = frame.index
        if weights is None or weights is False or weights is True:
            w_raw = None
        else:
            w_raw = pd.Series(np.asarray(weights, dtype=float), index=ids) if not isinstance(weights, pd.Series) \
                else weights.reindex(ids)
    else:
        raise DataError(f"segmentation needs a Survey or a numeric pandas DataFrame; got {type(data).__name__}")

    n_in = len(frame)
    if frame.shape[1] == 0:
        raise DataError("the basis has no columns")
    values = frame.to_numpy(dtype=float)
    inf = ~np.isfinite(values) & ~np.isnan(values)
    if inf.any():
        col = frame.columns[np.flatnonzero(inf.any(axis=0))[0]]
        raise DataError(f"basis column {col!r} holds infinite values; fix the data")
    reason = pd.Series(pd.NA, index=ids, dtype="object")
    if w_raw is not None:
        wv = w_raw.to_numpy(dtype=float)
        if (wv < 0).any():
            i = int(np.flatnonzero(wv < 0)[0])
            raise DataError(f"survey weight of respondent {ids[i]!r} is negative ({wv[i]:g}); weights must be >= 0")
        reason[np.isnan(wv)] = "no survey weight"
    nan = frame.isna()
    imputed = 0
    fill = None
    if missing == "exclude":
        for c in frame.columns:  # first missing column names the reason
            mask = nan[c].to_numpy() & reason.isna().to_numpy()
            if mask.any():
                reason[mask] = reasons[c][mask]
    if missing == "fiml":
        none = nan.all(axis=1).to_numpy() & reason.isna().to_numpy()
        reason[none] = "no answer to any basis item"
    keep = reason.isna().to_numpy()
    if missing == "mean":
        sub = frame[keep]
        wk = None if w_raw is None else w_raw.to_numpy(dtype=float)[keep]
        fill_vals = {}
        for c in frame.columns:
            ok = sub[c].notna().to_numpy()
            if not ok.any():
                raise DataError(f"basis column {c!r} has no value at all; it cannot be imputed")
            ww = np.ones(ok.sum()) if wk is None else wk[ok]
            fill_vals[c] = float(ww @ sub[c].to_numpy(dtype=float)[ok] / ww.sum())
        fill = pd.Series(fill_vals)
        imputed = int(nan[keep].to_numpy().sum())
        frame = frame.fillna(fill)
    used = frame[keep]
    w_used = None if w_raw is None else w_raw[keep].astype(float)
    if len(used) == 0:
        counts = reason.value_counts()
        raise DataError(f"no respondent has a complete basis ({n_in} in, all excluded)",
                        [f"{r}: {c}" for r, c in counts.items()])
    if w_used is not None and float(w_used.sum()) <= 0:
        raise DataError("the survey weights of the respondents to segment sum to 0")
    if mixed:
        one = [c for c in used.columns if used[c].dropna().nunique() < 2]
        if one:
            raise DataError(f"basis item(s) {', '.join(map(repr, one))} have one level only (the same answer, or no "
                            "answer, from every respondent segmented): they cannot tell classes apart; remove them "
                            "from the basis")
        zero = pd.Series(0.0, index=used.columns)
        excluded = reason[~keep].astype(str)
        excluded.name = "reason"
        return Basis(data=used, weights=w_used, kind=kind, spec=spec_s, sources=sources, rows_in=n_in,
                     excluded=excluded, imputed=imputed, standardize=False, center=zero, scale=zero + 1.0,
                     factor_model=factor_model, min_answered=float(min_answered), missing=missing, fill=fill)
    if standardize is None:
        standardize = kind == "factors" or (kind in ("scales", "items", "columns") and not _same_metric(survey, sources))
        if kind == "frame":
            standardize = False
    center, scale = _weighted_center_scale(used, None if w_used is None else w_used.to_numpy())
    const = [c for c in used.columns if not scale[c] > 1e-12 * max(1.0, abs(center[c]))]
    if const:
        raise DataError(f"basis column(s) {', '.join(map(repr, const))} have the same value for every respondent; "
                        "remove them from the basis")
    if not standardize:
        center = pd.Series(0.0, index=used.columns)
        scale = pd.Series(1.0, index=used.columns)
    excluded = reason[~keep].astype(str)
    excluded.name = "reason"
    return Basis(data=used, weights=w_used, kind=kind, spec=spec_s, sources=sources, rows_in=n_in, excluded=excluded,
                 imputed=imputed, standardize=bool(standardize), center=center, scale=scale,
                 factor_model=factor_model, min_answered=float(min_answered), missing=missing, fill=fill)
