"""Raking (iterative proportional fitting) of survey weights to population targets.

A targets file (YAML) names, for each variable, the population share of each answer (by label or code)::

    # targets.yaml
    targets:
      gender: {Hombre: 0.49, Mujer: 0.51}          # shares (sum 1) or population counts
      region: {1: 0.22, 2: 0.18, 3: 0.14, 4: 0.16, 5: 0.30}
      age:                                         # a numeric item: shares of age bands [lower, upper)
        bins: [18, 35, 55, 120]
        shares: [0.30, 0.38, 0.32]
    interlocked:                                   # optional: joint targets of two or more variables
      - variables: [gender, region]
        targets: {Hombre: {1: 0.11, 2: 0.09, ...}, Mujer: {...}}
    cap: 5                                         # optional: no weight above 5 x the mean weight
    missing: error                                 # or 'ignore': a margin adjusts only those who answered it

Raking multiplies the weights, margin after margin, by ``target share / current weighted share`` of each
respondent's category, until every margin is within ``tol`` of its target (Deming and Stephan 1940). It
is R survey's ``rake()`` (same fixed point; compared in the tests). With ``cap``, weights above
``cap x mean`` are cut to it and raking resumes, until both hold (trim-and-rake, as ``anesrake``); a cap
that the targets make impossible ends with ``converged = false`` and a warning.

Weights are scaled to sum to the sample size (mean 1), or to ``total`` when the targets file gives one.

Diagnostics (Kish 1965): efficiency ``(sum w)^2 / (n sum w^2)``, design effect ``1 / efficiency``
``= 1 + cv(w)^2``, effective sample size ``n x efficiency``.

References
----------
Deming, W. E., & Stephan, F. F. (1940). On a least squares adjustment of a sampled frequency table when
the expected marginal totals are known. *Annals of Mathematical Statistics* 11, 427-444.
Kish, L. (1965). *Survey Sampling*. Wiley.
Lumley, T. (2024). survey: analysis of complex survey samples. R package (``rake``).
"""

from __future__ import annotations

import itertools
import math
import os
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .exceptions import DataError, InputFileError, SurveyToolsWarning
from .questionnaire import _as_code, normalize_label
from .survey import Survey

__all__ = ["Margin", "Targets", "WeightResult", "load_targets", "parse_targets", "rake", "WeightingWarning"]


class WeightingWarning(SurveyToolsWarning):
    """Raking did not reach every target (or the cap) within the iterations allowed."""


@dataclass(frozen=True)
class Margin:
    """Population shares of the cells of one variable (or of a combination of variables).

    Attributes
    ----------
    variables
        Item ids (one for a margin, several for interlocked cells).
    cells
        Cell (a tuple of codes, one per variable; for binned numeric items the bin's index) -> share.
    labels
        Cell -> display label (``"Hombre"``, ``"Hombre x Norte"``, ``"[18, 35)"``).
    bins
        Item id -> bin edges for numeric items.
    """

    variables: tuple[str, ...]
    cells: dict[tuple[Any, ...], float]
    labels: dict[tuple[Any, ...], str]
    bins: dict[str, tuple[float, ...]] = field(default_factory=dict)

    @property
    def name(self) -> str:
        return " x ".join(self.variables)


@dataclass(frozen=True)
class Targets:
    """A validated targets file."""

    margins: tuple[Margin, ...]
    cap: float | None = None
    missing: str = "error"
    total: float | None = None
    path: str | None = None


# ====================================================================== targets file

def _code_of(survey_q: Any, item: str, key: Any) -> Any:
    """The code a target key names: a code of the item, or one of its labels (case/accent-insensitive)."""
    opts = survey_q.option_set(item)
    code = _as_code(key)
    if opts is None:
        return code if code is not None else key
    if code is not None and code in opts.codes:
        return code
    found = opts.label_map().get(normalize_label(key), "absent")
    if found == "absent" or found is None:
        if code is None and isinstance(key, str) and key in opts.codes:
            return key
        return _Unknown(key)
    return found


class _Unknown:
    def __init__(self, key: Any) -> None:
        self.key = key


def _shares(values: Sequence[float], where: str, problems: list[str]) -> list[float] | None:
    try:
        vals = [float(v) for v in values]
    except (TypeError, ValueError):
        problems.append(f"{where}: targets must be numbers (shares or counts)")
        return None
    if any(not math.isfinite(v) or v < 0 for v in vals):
        problems.append(f"{where}: targets must be numbers >= 0")
        return None
    total = sum(vals)
    if total <= 0:
        problems.append(f"{where}: targets sum to 0")
        return None
    return [v / total for v in vals]


def _flatten(tree: Any, depth: int) -> list[tuple[tuple[Any, ...], Any]]:
    if depth == 0:
        return [((), tree)]
    if not isinstance(tree, Mapping):
        raise TypeError
    out = []
    for key, sub in tree.items():
        for rest, value in _flatten(sub, depth - 1):
            out.append(((key,) + rest, value))
    return out


def parse_targets(data: Any, questionnaire: Any, *, path: str | None = None) -> Targets:
    """Validate targets (the parsed YAML) against the questionnaire, listing every problem at once.

    Raises
    ------
    DataError
        With every problem in ``problems``: unknown items, unknown labels or codes, shares that are not
        numbers, bins that do not fit, a cap <= 1.
    """
    where = path or "targets"
    problems: list[str] = []
    if not isinstance(data, Mapping) or not isinstance(data.get("targets", data.get("interlocked")), (Mapping, list)):
        raise DataError(f"{where}: a targets file is a mapping with 'targets' (variable -> label -> share) and "
                        "optionally 'interlocked', 'cap', 'missing', 'total'")
    unknown_keys = sorted(set(data) - {"targets", "interlocked", "cap", "missing", "total"})
    if unknown_keys:
        problems.append(f"unknown key(s) {', '.join(map(str, unknown_keys))}; use targets, interlocked, cap, missing, "
                        "total")
    q = questionnaire
    margins: list[Margin] = []

    def item_ok(item: str, at: str) -> bool:
        if item not in q.items:
            problems.append(f"{at}: {item!r} is not an item of the questionnaire")
            return False
        if q.items[item].type not in ("categorical", "likert", "numeric", "nps"):
            problems.append(f"{at}: item {item!r} is a {q.items[item].type} item; weight on categorical, rating or "
                            "numeric items")
            return False
        return True

    for item, spec in dict(data.get("targets") or {}).items():
        item = str(item)
        at = f"targets.{item}"
        if not item_ok(item, at):
            continue
        if isinstance(spec, Mapping) and "bins" in spec:
            edges, shares = spec.get("bins"), spec.get("shares")
            try:
                e = [float(x) for x in edges]
            except (TypeError, ValueError):
                problems.append(f"{at}.bins: a list of numbers (band edges)")
                continue
            if len(e) < 2 or any(b <= a for a, b in itertools.pairwise(e)):
                problems.append(f"{at}.bins: at least two increasing edges")
                continue
            if not isinstance(shares, (list, tuple)) or len(shares) != len(e) - 1:
                problems.append(f"{at}.shares: one share per band ({len(e) - 1})")
                continue
            sh = _shares(shares, f"{at}.shares", problems)
            if sh is None:
                continue
            cells = {(i,): s for i, s in enumerate(sh)}
            labels = {(i,): f"[{e[i]:g}, {e[i + 1]:g})" for i in range(len(sh))}
            margins.append(Margin((item,), cells, labels, {item: tuple(e)}))
            continue
        if not isinstance(spec, Mapping) or not spec:
            problems.append(f"{at}: a mapping of labels or codes to shares, or {{bins, shares}} for a numeric item")
            continue
        margin = _categorical_margin(q, (item,), [((k,), v) for k, v in spec.items()], at, problems)
        if margin is not None:
            margins.append(margin)
    for n, block in enumerate(data.get("interlocked") or []):
        at = f"interlocked[{n}]"
        if not isinstance(block, Mapping) or not isinstance(block.get("variables"), (list, tuple)) \
                or len(block["variables"]) < 2 or not isinstance(block.get("targets"), Mapping):
            problems.append(f"{at}: give 'variables' (two or more items) and nested 'targets'")
            continue
        variables = tuple(str(v) for v in block["variables"])
        if not all(item_ok(v, at) for v in variables):
            continue
        try:
            flat = _flatten(block["targets"], len(variables))
        except TypeError:
            problems.append(f"{at}.targets: nest one mapping level per variable ({', '.join(variables)})")
            continue
        margin = _categorical_margin(q, variables, flat, at, problems)
        if margin is not None:
            margins.append(margin)
    cap = data.get("cap")
    if cap is not None and (isinstance(cap, bool) or not isinstance(cap, (int, float)) or cap <= 1):
        problems.append("cap: a number > 1 (the largest weight, as a multiple of the mean weight)")
    missing = data.get("missing", "error")
    if missing not in ("error", "ignore"):
        problems.append("missing: 'error' or 'ignore'")
    total = data.get("total")
    if total is not None and (isinstance(total, bool) or not isinstance(total, (int, float)) or total <= 0):
        problems.append("total: a positive number (the population size the weights add up to)")
    if not margins and not problems:
        problems.append("no targets given")
    if problems:
        raise DataError(f"{where}: {len(problems)} problem(s) in the targets", problems)
    return Targets(tuple(margins), cap=None if cap is None else float(cap), missing=str(missing),
                   total=None if total is None else float(total), path=path)


def _categorical_margin(q: Any, variables: tuple[str, ...], flat: list[tuple[tuple[Any, ...], Any]], at: str,
                        problems: list[str]) -> Margin | None:
    cells: dict[tuple[Any, ...], float] = {}
    labels: dict[tuple[Any, ...], str] = {}
    raw: list[float] = []
    keys: list[tuple[Any, ...]] = []
    bad = False
    for key, value in flat:
        codes = []
        for var, k in zip(variables, key, strict=True):
            c = _code_of(q, var, k)
            if isinstance(c, _Unknown):
                opts = q.option_set(var)
                known = ", ".join(f"{code} = {lab}" for code, lab in (opts.codes.items() if opts else []))
                problems.append(f"{at}: {k!r} is neither a code nor a label of {var!r}"
                                + (f" ({known})" if known else ""))
                bad = True
                break
            codes.append(c)
        else:
            t = tuple(codes)
            if t in cells or t in keys:
                problems.append(f"{at}: {key!r} is given twice")
                bad = True
            keys.append(t)
            raw.append(value)
            labels[t] = " x ".join(str(_label_of(q, v, c)) for v, c in zip(variables, t, strict=True))
    if bad:
        return None
    sh = _shares(raw, at, problems)
    if sh is None:
        return None
    cells = dict(zip(keys, sh, strict=True))
    return Margin(variables, cells, labels)


def _label_of(q: Any, item: str, code: Any) -> Any:
    opts = q.option_set(item)
    return opts.codes.get(code, code) if opts is not None else code


def load_targets(path: str | os.PathLike[str], questionnaire: Any) -> Targets:
    """Read and validate a targets file (YAML)."""
    from .questionnaire import load_yaml

    p = Path(path)
    if not p.is_file():
        raise InputFileError(f"targets file {p} not found; check the path given to --targets")
    try:
        text = p.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputFileError(f"targets file {p} cannot be read as UTF-8 text: {exc}") from None
    import yaml

    try:
        data = load_yaml(text, f"targets file {p}")  # refuses YAML alias bombs
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f", line {mark.line + 1}" if mark is not None else ""
        raise DataError(f"{p}{line}: YAML syntax error: {getattr(exc, 'problem', exc)}") from None
    return parse_targets(data, questionnaire, path=str(p))


# ====================================================================== raking

@dataclass(frozen=True)
class WeightResult:
    """Raked weights and how well they reach the targets.

    Attributes
    ----------
    weights
        Respondent id -> weight (NaN for none: never, every respondent gets one).
    margins
        One row per target cell: ``margin``, ``cell``, ``target``, ``achieved`` (weighted share),
        ``sample`` (unweighted share), ``n`` (respondents in the cell).
    converged
        Every margin within ``tol`` of its target (and every weight within the cap).
    iterations
        Raking sweeps (over all margins) done.
    cap, total
        The settings used.
    rows_in
        Respondents weighted.
    """

    weights: pd.Series
    margins: pd.DataFrame
    converged: bool
    iterations: int
    cap: float | None
    total: float | None
    rows_in: int
    max_error: float

    @property
    def efficiency(self) -> float:
        """Kish's weighting efficiency ``(sum w)^2 / (n sum w^2)``."""
        w = self.weights.to_numpy(dtype=float)
        return float(w.sum() ** 2 / (len(w) * (w ** 2).sum()))

    @property
    def design_effect(self) -> float:
        """Kish's design effect of unequal weights ``1 / efficiency = 1 + cv^2``."""
        return 1.0 / self.efficiency

    def to_frame(self) -> pd.DataFrame:
        """Respondent id -> ``weight``."""
        return self.weights.to_frame("weight")

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: the CONTRACT keys ``efficiency``, ``design_effect``, ``max_weight``, ``converged`` and more."""
        w = self.weights.to_numpy(dtype=float)
        margins: dict[str, dict[str, Any]] = {}
        for _, r in self.margins.iterrows():
            margins.setdefault(r["margin"], {})[str(r["cell"])] = {
                "target": float(r["target"]), "achieved": float(r["achieved"]), "sample": float(r["sample"]),
                "n": int(r["n"])}
        return {"n": int(len(w)), "rows_in": int(self.rows_in), "efficiency": self.efficiency,
                "design_effect": self.design_effect, "effective_n": float(len(w) * self.efficiency),
                "min_weight": float(w.min()), "max_weight": float(w.max()), "sum_weights": float(w.sum()),
                "converged": bool(self.converged), "iterations": int(self.iterations),
                "max_error": float(self.max_error), "cap": self.cap, "total": self.total, "margins": margins}

    def summary(self, lang: str = "en") -> str:
        """Text for the terminal: the weights' section of the report (efficiency, design effect, range, each
        margin's target, sample and weighted shares), rendered by :func:`surveytools.summary.render_text`."""
        from .summary.sections import summary_text

        return summary_text("weight", self, lang=lang)


def _cell_index(survey: Survey, margin: Margin, missing: str) -> np.ndarray:
    """Per respondent, the position of its cell in ``margin.cells`` (-1: no answer, left out by ``ignore``).

    Vectorized: each variable's answers become level indices (``Index.get_indexer``), combined in mixed
    radix and looked up in a table of the margin's cells.
    """
    resp = survey.responses
    n = len(resp)
    where = survey.source.describe()
    keys = list(margin.cells)
    combined = np.zeros(n, dtype=np.int64)
    answered = np.ones(n, dtype=bool)
    unknown = np.zeros(n, dtype=bool)
    shape = []
    for pos, var in enumerate(margin.variables):
        if var not in resp.columns:
            raise DataError(f"{where}: no column for weighting variable {var!r}; re-import the data with this "
                            "questionnaire")
        col = resp[var]
        levels = list(dict.fromkeys(k[pos] for k in keys))
        if var in margin.bins:
            x = pd.to_numeric(col, errors="coerce").to_numpy(dtype=float)
            edges = np.asarray(margin.bins[var])
            ix = np.searchsorted(edges, x, side="right") - 1
            has = np.isfinite(x)
            out = has & ((ix < 0) | (ix >= len(edges) - 1))
            if out.any():
                rid = resp.index[np.flatnonzero(out)[0]]
                raise DataError(f"{where}: {int(out.sum())} respondent(s) have {var!r} outside the bands "
                                f"{edges[0]:g}..{edges[-1]:g} (e.g. respondent {rid!r}: {x[out][0]:g}); widen the "
                                f"bins of targets.{var}")
            ix = pd.Index(levels).get_indexer(np.where(has, ix, -1))
        elif pd.api.types.is_numeric_dtype(col):
            x = col.to_numpy(dtype=float)
            has = np.isfinite(x)
            num_levels = [float(v) if not isinstance(v, str) else np.nan for v in levels]
            ix = pd.Index(num_levels, dtype=float).get_indexer(x)
        else:
            has = col.notna().to_numpy()
            ix = pd.Index([str(v) for v in levels], dtype=object).get_indexer(col.astype(str).to_numpy())
        answered &= has
        unknown |= has & (ix < 0)
        combined = combined * len(levels) + np.maximum(ix, 0)
        shape.append(levels)
    table = np.full(int(np.prod([len(lv) for lv in shape])), -2, dtype=np.int64)
    for j, key in enumerate(keys):
        flat = 0
        for pos, levels in enumerate(shape):
            flat = flat * len(levels) + levels.index(key[pos])
        table[flat] = j
    idx = np.where(answered, table[combined], -1)
    idx[answered & unknown] = -2
    if (idx == -2).any():
        bad = np.flatnonzero(idx == -2)
        rid = resp.index[bad[0]]
        sample = tuple(resp.iloc[bad[0]][list(margin.variables)])
        raise DataError(f"{where}: {len(bad)} respondent(s) answered {margin.name} with a category that has no target "
                        f"(e.g. respondent {rid!r}: {sample}); add a target for it, or merge it with another "
                        "category")
    if (idx == -1).any() and missing == "error":
        rid = resp.index[np.flatnonzero(idx == -1)[0]]
        raise DataError(f"{where}: {int((idx == -1).sum())} respondent(s) have no answer to {margin.name} (e.g. "
                        f"respondent {rid!r}); set 'missing: ignore' in the targets to rake that margin over those "
                        "who answered, or impute the answer")
    return idx


def rake(survey: Survey, targets: Targets | Mapping[str, Any], *, cap: float | None = None, max_iter: int = 1000,
         tol: float = 1e-10, base_weights: bool = False) -> WeightResult:
    """Rake survey weights to the targets' margins.

    Parameters
    ----------
    survey
        The respondents to weight.
    targets
        :class:`Targets` (see :func:`load_targets`) or the parsed YAML mapping.
    cap
        Largest weight as a multiple of the mean weight (overrides the targets file's ``cap``).
    max_iter
        Largest number of raking sweeps.
    tol
        Convergence: every target cell's weighted share within ``tol`` of its target.
    base_weights
        Start from the survey's current weights (design weights) instead of 1.

    Returns
    -------
    WeightResult

    Raises
    ------
    DataError
        A respondent in a category without a target, a missing answer with ``missing: error``, a target
        cell with no respondents while its target is positive.
    """
    if not isinstance(targets, Targets):
        targets = parse_targets(targets, survey.questionnaire)
    cap = targets.cap if cap is None else float(cap)
    if cap is not None and cap <= 1:
        raise DataError(f"cap must be > 1 (a multiple of the mean weight), not {cap:g}")
    n = survey.n
    if n == 0:
        raise DataError("no respondents to weight")
    w0 = np.ones(n)
    if base_weights:
        bw = survey.weight_array()
        if bw is None:
            raise DataError("base_weights asks for the survey's weights, but the questionnaire names no weight column")
        if not np.all(np.isfinite(bw) & (bw > 0)):
            raise DataError("base weights must be positive numbers for every respondent")
        w0 = bw / bw.mean()
    idx = [_cell_index(survey, m, targets.missing) for m in targets.margins]
    tgt = [np.array(list(m.cells.values())) for m in targets.margins]
    for m, ix, t in zip(targets.margins, idx, tgt, strict=True):
        counts = np.bincount(ix[ix >= 0], minlength=len(t))
        empty = [m.labels[k] for k, c, s in zip(m.cells, counts, t, strict=True) if c == 0 and s > 0]
        if empty:
            raise DataError(f"{m.name}: no respondent in {', '.join(map(str, empty))}, which has a population target; "
                            "merge it with a neighbouring category in the targets")
    w = w0.copy()
    converged = False
    it = 0
    err = np.inf
    for it in range(1, max_iter + 1):  # noqa: B007 - the sweep count is reported after the loop
        for ix, t in zip(idx, tgt, strict=True):
            ok = ix >= 0
            tot = np.bincount(ix[ok], weights=w[ok], minlength=len(t))
            with np.errstate(divide="ignore", invalid="ignore"):
                f = np.where(tot > 0, t * w[ok].sum() / tot, 1.0)
            w[ok] *= f[ix[ok]]
        if cap is not None:
            limit = cap * w.mean()
            np.minimum(w, limit, out=w)
        err = _max_error(w, idx, tgt)
        over = cap is not None and w.max() > cap * w.mean() * (1 + 1e-9)
        if err < tol and not over:
            converged = True
            break
    if not converged:
        warnings.warn(f"raking did not converge in {max_iter} sweeps (largest gap to a target {err:.2g}"
                      + (f"; the cap of {cap:g} x mean may be too tight for these targets" if cap else "")
                      + "); check targets for impossible combinations", WeightingWarning, stacklevel=2)
    total = targets.total if targets.total is not None else float(n)
    w *= total / w.sum()
    rows = []
    for m, ix, t in zip(targets.margins, idx, tgt, strict=True):
        ok = ix >= 0
        wt = np.bincount(ix[ok], weights=w[ok], minlength=len(t))
        ct = np.bincount(ix[ok], minlength=len(t))
        for j, key in enumerate(m.cells):
            rows.append({"margin": m.name, "cell": m.labels[key], "target": t[j], "achieved": wt[j] / wt.sum(),
                         "sample": ct[j] / ct.sum(), "n": int(ct[j])})
    return WeightResult(weights=pd.Series(w, index=survey.responses.index, name="weight"),
                        margins=pd.DataFrame(rows), converged=converged, iterations=it, cap=cap,
                        total=targets.total, rows_in=n, max_error=float(err))


def _max_error(w: np.ndarray, idx: list[np.ndarray], tgt: list[np.ndarray]) -> float:
    err = 0.0
    for ix, t in zip(idx, tgt, strict=True):
        ok = ix >= 0
        tot = np.bincount(ix[ok], weights=w[ok], minlength=len(t))
        err = max(err, float(np.abs(tot / tot.sum() - t).max()))
    return err
