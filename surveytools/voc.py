"""Voice of the customer by segment: NPS, CSAT, RFM and loyalty KPIs, key drivers, open-ended comments.

Every figure is computed per segment and for the total, with survey weights where the survey has them
(means and shares weighted; sampling error through Kish's effective sample size).

References
----------
Reichheld, F. F. (2003). The one number you need to grow. Harvard Business Review 81(12).
Johnson, J. W. (2000). A heuristic method for estimating the relative weight of predictor variables in
multiple regression. Multivariate Behavioral Research 35(1), 1-19.
Monroe, B. L., Colaresi, M. P. & Quinn, K. M. (2008). Fightin' words: lexical feature selection and
evaluation for identifying the content of political conflict. Political Analysis 16(4), 372-403.
Kish, L. (1965). Survey Sampling. Wiley.
"""

from __future__ import annotations

import math
import re
import unicodedata
import warnings
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from .exceptions import DataError, DataQualityWarning
from .questionnaire import normalize_label

__all__ = [
    "nps",
    "csat",
    "rfm_scores",
    "DEFAULT_RFM_SEGMENTS",
    "CRM_ROLES",
    "missing_crm_roles",
    "relative_weights",
    "distinctive_terms",
    "crm_kpis",
    "VocResult",
    "voc_by_segment",
    "STOP_WORDS",
]

ProgressCallback = Callable[[str, int, int], None]


def _weights(n: int, w: np.ndarray | None) -> np.ndarray:
    return np.ones(n) if w is None else np.asarray(w, dtype=float)


def kish_n(w: np.ndarray) -> float:
    """Kish's effective sample size ``(sum w)^2 / sum w^2``."""
    s2 = float(np.sum(w * w))
    return float(np.sum(w)) ** 2 / s2 if s2 > 0 else 0.0


# ============================================================================ NPS and CSAT

def nps(scores: Sequence[float] | np.ndarray | pd.Series, weights: np.ndarray | None = None,
        confidence: float = 0.95) -> dict[str, float]:
    """Net Promoter Score with its three shares and a confidence interval.

    Promoters answer 9-10, passives 7-8, detractors 0-6 (on 0..10);
    ``NPS = 100 (p_promoters - p_detractors)``.

    The interval is the normal approximation for a difference of two shares of one multinomial:
    ``Var(NPS/100) = (p_P + p_D - (p_P - p_D)^2) / n_eff`` with ``n_eff`` Kish's effective sample size
    (the number of answers when unweighted).

    Parameters
    ----------
    scores
        Answers on 0..10 (NaN = no answer, ignored).
    weights
        Survey weights (same length), optional.
    confidence
        Level of the interval.

    Returns
    -------
    dict
        ``nps``, ``promoters``, ``passives``, ``detractors`` (percentages), ``n``, ``n_eff``, ``ci_low``,
        ``ci_high``.

    Raises
    ------
    DataError
        An answer outside 0..10.

    Examples
    --------
    >>> nps([10, 9, 8, 7, 6, 0])["nps"]
    0.0
    """
    x = np.asarray(scores, dtype=float)
    w = _weights(len(x), weights)
    ok = ~np.isnan(x) & ~np.isnan(w)
    x, w = x[ok], w[ok]
    if np.any((x < 0) | (x > 10)):
        bad = x[(x < 0) | (x > 10)][0]
        raise DataError(f"NPS answers run from 0 to 10; found {bad:g}; check the NPS item's codes")
    n = len(x)
    out = {"nps": float("nan"), "promoters": float("nan"), "passives": float("nan"),
           "detractors": float("nan"), "n": n, "n_eff": 0.0, "ci_low": float("nan"), "ci_high": float("nan")}
    if n == 0 or w.sum() <= 0:
        return out
    sw = w.sum()
    pp = float(w[x >= 9].sum() / sw)
    pd_ = float(w[x <= 6].sum() / sw)
    score = 100 * (pp - pd_)
    n_eff = kish_n(w)
    var = max(pp + pd_ - (pp - pd_) ** 2, 0.0) / n_eff
    z = stats.norm.ppf(0.5 + confidence / 2)
    half = 100 * z * math.sqrt(var)
    out.update(nps=score, promoters=100 * pp, passives=100 * (1 - pp - pd_), detractors=100 * pd_,
               n_eff=n_eff, ci_low=score - half, ci_high=score + half)
    return out


def csat(values: Sequence[float] | np.ndarray | pd.Series, valid_codes: Sequence[float],
         definition: str = "top2", weights: np.ndarray | None = None, confidence: float = 0.95) -> dict[str, Any]:
    """Customer satisfaction under a stated definition.

    Parameters
    ----------
    values
        Answers (codes; NaN = no answer).
    valid_codes
        The answer scale's valid codes (ascending: higher = more satisfied).
    definition
        ``top2`` (share answering one of the two highest codes, the default), ``top1``, ``top3``, or
        ``mean`` (mean code).
    weights
        Survey weights, optional.

    Returns
    -------
    dict
        ``csat`` (percentage, or the mean for ``mean``), ``definition`` (in words), ``n``, ``n_eff``,
        ``ci_low``, ``ci_high``.
    """
    codes = sorted(float(c) for c in valid_codes)
    x = np.asarray(values, dtype=float)
    w = _weights(len(x), weights)
    ok = ~np.isnan(x)
    x, w = x[ok], w[ok]
    n = len(x)
    z = stats.norm.ppf(0.5 + confidence / 2)
    n_eff = kish_n(w) if n else 0.0
    m = re.fullmatch(r"top(\d+)", definition)
    if m:
        top = int(m.group(1))
        if not 1 <= top < len(codes):
            raise DataError(f"CSAT definition {definition!r} needs a scale with more than {top} codes")
        tops = codes[-top:]
        words = f"share answering the top {top} box{'es' if top > 1 else ''} ({', '.join(f'{c:g}' for c in tops)})"
        if n == 0:
            return {"csat": float("nan"), "definition": words, "n": 0, "n_eff": 0.0,
                    "ci_low": float("nan"), "ci_high": float("nan")}
        p = float(w[np.isin(x, tops)].sum() / w.sum())
        half = z * math.sqrt(p * (1 - p) / n_eff)
        return {"csat": 100 * p, "definition": words, "n": n, "n_eff": n_eff,
                "ci_low": 100 * (p - half), "ci_high": 100 * (p + half)}
    if definition == "mean":
        words = f"mean answer on {codes[0]:g}..{codes[-1]:g}"
        if n == 0:
            return {"csat": float("nan"), "definition": words, "n": 0, "n_eff": 0.0,
                    "ci_low": float("nan"), "ci_high": float("nan")}
        mean = float(np.average(x, weights=w))
        var = float(np.average((x - mean) ** 2, weights=w)) * n_eff / max(n_eff - 1, 1)
        half = z * math.sqrt(var / n_eff) if n_eff > 1 else float("nan")
        return {"csat": mean, "definition": words, "n": n, "n_eff": n_eff, "ci_low": mean - half,
                "ci_high": mean + half}
    raise DataError(f"unknown CSAT definition {definition!r}; use top1, top2, top3 or mean")


# ============================================================================ RFM and CRM KPIs

#: Named RFM segments, first match wins: name -> {score letter: (min, max)} (1..5 quintile scores).
DEFAULT_RFM_SEGMENTS: dict[str, dict[str, tuple[int, int]]] = {
    "Champions": {"R": (4, 5), "F": (4, 5), "M": (4, 5)},
    "Loyal": {"F": (4, 5)},
    "New or promising": {"R": (4, 5), "F": (1, 2)},
    "At risk": {"R": (1, 2), "F": (3, 5)},
    "Hibernating": {"R": (1, 2), "F": (1, 2)},
    "Needs attention": {},
}


def _quintile(values: pd.Series, higher_is_better: bool = True) -> pd.Series:
    """Quintile score 1..5 as ``ceil(5 * cume_dist)`` (ties share a score; NaN stays NaN)."""
    v = values if higher_is_better else -values
    cd = v.rank(method="max", pct=True)
    return np.ceil(5 * cd).clip(1, 5)


def rfm_scores(frame: pd.DataFrame, *, recency: str, frequency: str, monetary: str, as_of: date | None = None,
               segments: Mapping[str, Mapping[str, tuple[int, int]]] | None = None) -> pd.DataFrame:
    """Recency, frequency and monetary quintile scores and named RFM segments.

    Each score is ``ceil(5 * F(x))`` with ``F`` the empirical distribution function over the customers
    given (so ties share a score): 5 = the most recent, most frequent, highest spending fifth.

    Parameters
    ----------
    frame
        One row per customer.
    recency
        Column with the last purchase date.
    frequency, monetary
        Columns with the number of orders and the revenue (over the window the CRM states).
    as_of
        Reference date for recency in days (default: the latest purchase date in ``frame``).
    segments
        Named segments (see :data:`DEFAULT_RFM_SEGMENTS`); the first matching rule names a customer.

    Returns
    -------
    pandas.DataFrame
        ``recency_days``, ``frequency``, ``monetary``, ``R``, ``F``, ``M``, ``rfm_segment``, on ``frame``'s index.
    """
    last = pd.to_datetime(frame[recency], errors="coerce")
    ref = pd.Timestamp(as_of) if as_of is not None else last.max()
    days = (ref - last).dt.days.astype(float)
    f = pd.to_numeric(frame[frequency], errors="coerce").astype(float)
    m = pd.to_numeric(frame[monetary], errors="coerce").astype(float)
    out = pd.DataFrame({"recency_days": days, "frequency": f, "monetary": m}, index=frame.index)
    out["R"] = _quintile(days, higher_is_better=False)
    out["F"] = _quintile(f)
    out["M"] = _quintile(m)
    rules = segments if segments is not None else DEFAULT_RFM_SEGMENTS
    name = pd.Series(pd.NA, index=frame.index, dtype="object")
    has = out[["R", "F", "M"]].notna().all(axis=1)
    for seg_name, rule in rules.items():
        cond = has & name.isna()
        for letter, (lo, hi) in rule.items():
            cond &= out[letter].between(lo, hi)
        name[cond] = seg_name
    out["rfm_segment"] = name
    return out


#: KPI role -> the column names (compared without case, accents or separators) that hold it in a CRM file
CRM_ROLES: dict[str, tuple[str, ...]] = {
    "orders": ("orders", "n_orders", "num_orders", "order_count", "frequency", "purchases", "pedidos", "n_pedidos",
               "num_pedidos", "numero_pedidos", "no_pedidos", "n_de_pedidos", "numero_de_pedidos", "compras", "n_compras", "num_compras", "numero_compras",
               "frecuencia"),
    "revenue": ("revenue", "total_revenue", "monetary", "sales", "spend", "total_spend", "ingresos", "gasto",
                "gasto_total", "importe", "importe_total", "facturacion", "ventas", "valor"),
    "last_purchase": ("last_purchase_date", "last_purchase", "last_order_date", "last_order", "ultima_compra",
                      "fecha_ultima_compra", "fecha_ultimo_pedido", "ultimo_pedido"),
    "tier": ("loyalty_tier", "tier", "nivel", "nivel_fidelidad", "nivel_fidelizacion", "categoria_cliente",
             "segmento_fidelidad"),
    "channel": ("preferred_channel", "channel", "canal", "canal_preferido", "canal_habitual"),
    "discounts": ("discounts_used", "discount_uses", "coupons_used", "discounts", "coupons", "descuentos",
                  "descuentos_usados", "cupones", "cupones_usados"),
}


def _column_key(name: str) -> str:
    """A column name compared without case, accents or separators (``Última compra`` -> ``ultima_compra``)."""
    return re.sub(r"[^a-z0-9]+", "_", normalize_label(name)).strip("_")


def detect_crm_columns(columns: Sequence[str], overrides: Mapping[str, str] | None = None) -> dict[str, str]:
    """Map KPI roles (orders, revenue, last_purchase, tier, channel, discounts) to CRM columns by name.

    Names are compared without case, accents or separators, in English and Spanish (``importe``, ``pedidos``,
    ``Última compra``, ``canal preferido``...); ``overrides`` (role -> column) name any other column. The roles not
    found are listed by :func:`missing_crm_roles`.

    Raises
    ------
    DataError
        An override names a column that is not there.
    """
    keyed: dict[str, str] = {}
    for c in columns:
        keyed.setdefault(_column_key(c), c)
    found: dict[str, str] = {}
    for role, names in CRM_ROLES.items():
        for n in names:
            if n in keyed:
                found[role] = keyed[n]
                break
    for role, col in (overrides or {}).items():
        if role not in CRM_ROLES:
            raise DataError(f"unknown CRM column role {role!r}; use {', '.join(CRM_ROLES)}")
        if col not in columns:
            raise DataError(f"the CRM file has no column {col!r} (for {role}); it has: {', '.join(columns[:30])}")
        found[role] = col
    return found


def missing_crm_roles(roles: Mapping[str, str]) -> list[str]:
    """The KPI roles no CRM column was found for (their KPIs are left out, with a warning)."""
    return [r for r in CRM_ROLES if r not in roles]


def _wmean(x: np.ndarray, w: np.ndarray) -> float:
    ok = ~np.isnan(x)
    return float(np.average(x[ok], weights=w[ok])) if ok.any() and w[ok].sum() > 0 else float("nan")


def _mix(values: pd.Series, w: np.ndarray) -> dict[str, float]:
    ok = values.notna().to_numpy()
    if not ok.any():
        return {}
    s = pd.Series(w[ok], index=values[ok].astype(str).to_numpy()).groupby(level=0).sum()
    s = 100 * s / s.sum()
    return {str(k): float(v) for k, v in s.sort_values(ascending=False).items()}


def crm_kpis(frame: pd.DataFrame, roles: Mapping[str, str], weights: np.ndarray | None = None) -> dict[str, Any]:
    """Customer KPIs of a group: purchase frequency, average order value, discount use, tier and channel mix.

    Average order value is ``sum(revenue) / sum(orders)`` (the value of an average order, not the mean of
    customers' ratios).
    """
    w = _weights(len(frame), weights)
    out: dict[str, Any] = {"customers": int(len(frame))}
    if "orders" in roles:
        orders = pd.to_numeric(frame[roles["orders"]], errors="coerce").to_numpy(float)
        out["purchase_frequency"] = _wmean(orders, w)
    if "revenue" in roles:
        rev = pd.to_numeric(frame[roles["revenue"]], errors="coerce").to_numpy(float)
        out["revenue_per_customer"] = _wmean(rev, w)
        if "orders" in roles:
            ok = ~np.isnan(rev) & ~np.isnan(orders)
            tot_o = float(np.sum(w[ok] * orders[ok]))
            out["average_order_value"] = float(np.sum(w[ok] * rev[ok]) / tot_o) if tot_o > 0 else float("nan")
    if "discounts" in roles:
        d = pd.to_numeric(frame[roles["discounts"]], errors="coerce").to_numpy(float)
        out["discounts_per_customer"] = _wmean(d, w)
        ok = ~np.isnan(d)
        out["discount_users_pct"] = 100 * float(np.sum(w[ok] * (d[ok] > 0)) / np.sum(w[ok])) if ok.any() else float("nan")
    if "tier" in roles:
        out["loyalty_tier_mix"] = _mix(frame[roles["tier"]], w)
    if "channel" in roles:
        out["channel_mix"] = _mix(frame[roles["channel"]], w)
    if "rfm_segment" in frame.columns:
        out["rfm_segment_mix"] = _mix(frame["rfm_segment"], w)
        for letter in ("R", "F", "M"):
            out[f"mean_{letter}"] = _wmean(frame[letter].to_numpy(float), w)
    return out


# ============================================================================ key drivers

def relative_weights(X: pd.DataFrame, y: pd.Series | np.ndarray, weights: np.ndarray | None = None
                     ) -> pd.DataFrame:
    """Johnson's (2000) relative weights of predictors on an outcome.

    With ``R_xx = V diag(l) V'`` the predictors' correlation matrix, ``Lambda = V diag(sqrt(l)) V'``
    correlates each predictor with its closest orthogonal counterpart; ``beta = Lambda^-1 r_xy`` are the
    outcome's weights on those counterparts, and the raw relative weight of predictor j is
    ``eps_j = sum_k Lambda_jk^2 beta_k^2``. The weights sum to the model's R-squared.

    Parameters
    ----------
    X
        Predictors (respondents x drivers); rows with any missing value are left out (listwise).
    y
        Outcome (e.g. NPS 0..10).
    weights
        Survey weights (weighted correlations).

    Returns
    -------
    pandas.DataFrame
        Indexed by driver: ``weight`` (raw; sums to R^2), ``share`` (percent of R^2), ``sign`` (of the
        standardized regression coefficient), ``beta`` (standardized coefficient), ``r`` (correlation with
        the outcome); ``attrs`` holds ``r2`` and ``n``.

    Raises
    ------
    DataError
        Fewer complete rows than drivers + 2, or a constant driver.
    """
    Xv = X.to_numpy(dtype=float)
    yv = np.asarray(y, dtype=float)
    w = _weights(len(yv), weights)
    ok = ~np.isnan(Xv).any(axis=1) & ~np.isnan(yv) & ~np.isnan(w)
    Xv, yv, w = Xv[ok], yv[ok], w[ok]
    n, p = Xv.shape
    if n < p + 2:
        raise DataError(f"key drivers need at least {p + 2} complete answers; only {n} have every driver and "
                        "the outcome")
    Z = np.column_stack([Xv, yv])
    mu = np.average(Z, axis=0, weights=w)
    D = Z - mu
    C = (D * w[:, None]).T @ D / w.sum()
    sd = np.sqrt(np.diag(C))
    if np.any(sd[:p] == 0) or sd[p] == 0:
        const = [X.columns[j] for j in range(p) if sd[j] == 0] or ["the outcome"]
        raise DataError(f"key drivers: {', '.join(map(str, const))} has no variance")
    R = C / np.outer(sd, sd)
    Rxx, rxy = R[:p, :p], R[:p, p]
    evals, evecs = np.linalg.eigh(Rxx)
    evals = np.clip(evals, 0, None)
    lam = evecs @ np.diag(np.sqrt(evals)) @ evecs.T
    beta_z = np.linalg.lstsq(lam, rxy, rcond=None)[0]
    eps = (lam ** 2) @ (beta_z ** 2)
    beta = np.linalg.lstsq(Rxx, rxy, rcond=None)[0]
    r2 = float(eps.sum())
    out = pd.DataFrame({"weight": eps, "share": 100 * eps / r2 if r2 > 0 else np.nan,
                        "sign": np.sign(beta).astype(int), "beta": beta, "r": rxy}, index=X.columns)
    out.index.name = "driver"
    out.attrs["r2"] = r2
    out.attrs["n"] = int(n)
    return out


# ============================================================================ open-ended comments

#: English and Spanish stop words (accent-folded, lower case).
STOP_WORDS: frozenset[str] = frozenset("""
a about above after again against all am an and any are aren't as at be because been before being below
between both but by can can't cannot could couldn't did didn't do does doesn't doing don't down during each
few for from further had hadn't has hasn't have haven't having he her here hers herself him himself his how
i i'm if in into is isn't it it's its itself just let's me more most my myself no nor not now of off on once
only or other ought our ours ourselves out over own really same she should so some such than that that's the
their theirs them themselves then there these they this those through to too under until up very was wasn't
we were weren't what when where which while who whom why will with would you your yours yourself yourselves
also get got much many lot lots thing things always never one would like
de la que el en y a los del se las por un para con no una su al lo como mas pero sus le ya o este si porque
esta entre cuando muy sin sobre tambien me hasta hay donde quien desde todo nos durante todos uno les ni
contra otros ese eso ante ellos e esto mi antes algunos que unos yo otro otras otra el tanto esa estos mucho
quienes nada muchos cual poco ella estar estas algunas algo nosotros mi mis tu te ti tu tus ellas nosotras
vosotros vosotras os mio mia mios mias tuyo tuya tuyos tuyas suyo suya suyos suyas nuestro nuestra nuestros
nuestras vuestro vuestra vuestros vuestras esos esas estoy estas esta estamos estan este es son soy eres
somos fue era ser ha he has han hay haber tengo tiene tienen tenemos tener hace hacer cosa cosas siempre
nunca solo veces vez mas menos bien asi aqui alli ahora
""".split())

_TOKEN = re.compile(r"[a-z][a-z']+")


def fold_text(text: str) -> str:
    """Lower-case and strip accents (``Atención`` -> ``atencion``)."""
    s = unicodedata.normalize("NFKD", str(text).casefold())
    return "".join(ch for ch in s if not unicodedata.combining(ch))


def tokenize(text: str, stop_words: frozenset[str] = STOP_WORDS) -> list[str]:
    """Words of a comment: accent-folded, lower case, at least two letters, stop words removed."""
    return [t.strip("'") for t in _TOKEN.findall(fold_text(text)) if t.strip("'") not in stop_words]


_SURFACE = re.compile(r"[^\W\d_]+(?:'[^\W\d_]+)*")


def surface_forms(texts: Sequence[str], keys: set[str]) -> dict[str, str]:
    """The most frequent written form (lower case, accents kept) of each accent-folded word in ``keys``.

    ``anos`` -> ``años``: words are matched accent-insensitively but shown as people wrote them.
    """
    counts: dict[str, dict[str, int]] = {}
    for text in texts:
        for word in _SURFACE.findall(str(text).casefold()):
            key = fold_text(word)
            if key in keys:
                forms = counts.setdefault(key, {})
                forms[word] = forms.get(word, 0) + 1
    return {k: max(forms.items(), key=lambda kv: (kv[1], kv[0]))[0] for k, forms in counts.items()}


def distinctive_terms(texts: Sequence[str | None] | pd.Series, groups: Sequence[Any] | pd.Series, *,
                      top: int = 10, prior: float = 500.0, min_count: int = 3, examples: int = 2,
                      stop_words: frozenset[str] | None = None, language: str = "es",
                      corpus: Any = None, subsume: float = 0.9) -> dict[Any, dict[str, Any]]:
    """Most distinctive terms (lemmas, negated lemmas, phrases) of each group against the rest.

    Weighted log-odds with an informative Dirichlet prior: for term w, group i (counts y_iw, total n_i)
    and the rest j, with a prior proportional to the overall term frequencies (``alpha_w = prior * y_w / n``,
    ``alpha_0 = prior``)::

        delta_w = log((y_iw + a_w) / (n_i + a_0 - y_iw - a_w)) - log((y_jw + a_w) / (n_j + a_0 - y_jw - a_w))
        z_w = delta_w / sqrt(1 / (y_iw + a_w) + 1 / (y_jw + a_w))

    (Monroe, Colaresi & Quinn 2008). Terms with ``z > 1.96`` are distinctive at 5%; only terms with
    ``z > 0`` (used relatively more by the group) are listed. Terms are the lemmas,
    ``no_<lemma>`` negations and phrases of :func:`surveytools.text.build_corpus`, so two inflections of one
    word ("precio", "precios") are one term.

    Parameters
    ----------
    texts
        Comments (None/NaN = no comment).
    groups
        Group (segment) of each comment.
    top
        Terms to return per group.
    prior
        Total weight ``alpha_0`` of the informative prior.
    min_count
        Terms used fewer times in all are ignored.
    examples
        Example verbatims per group: distinct comments holding the most of the group's top five terms (the
        shorter first among equals; the most frequent comments when no term is distinctive), PII-masked.
    stop_words
        Ignored (kept for compatibility): stop words come from :mod:`surveytools.text.normalize`.
    language
        ``es``, ``en`` or ``auto`` (per comment).
    corpus
        A :class:`~surveytools.text.Corpus` already built from ``texts`` (saves building it twice).
    subsume
        A term is left out when a longer phrase among the group's candidates contains it and accounts for at
        least this share of its uses in the group ("precio", "subir" and "precio subir" all give way to
        "precio subir demasiado" when they only occur in it); 1 keeps only exact duplicates out, above 1
        keeps everything.

    Returns
    -------
    dict
        group -> ``{"comments": n, "terms": [{"term", "form", "kind", "z", "log_odds", "count", "comments",
        "example"}...], "examples": [...]}``; ``term`` is the lemma with its accents (or ``no_<lemma>``, or
        the lemmas of a phrase), ``form`` how respondents most often wrote it, ``count`` its occurrences in the group,
        ``comments`` the group's respondents using it, ``example`` a masked comment of the group using it.
    """
    from .text import build_corpus, mask_pii

    t = pd.Series(list(texts), dtype="object")
    g = pd.Series(list(groups))
    if corpus is None:
        lang_default = language if str(language).lower() in ("es", "en") else "es"
        corpus = build_corpus(t, language, default_language=lang_default)
    lang = corpus.settings.get("default_language", "es")
    ok = corpus.answered & g.notna().to_numpy()
    labels = sorted(g[ok].unique(), key=lambda v: (str(type(v)), v))
    result: dict[Any, dict[str, Any]] = {lab: {"comments": int((ok & (g == lab).to_numpy()).sum()), "terms": [],
                                               "examples": []} for lab in labels}
    if not ok.any() or corpus.X.shape[1] == 0:
        return result
    from scipy import sparse

    X = corpus.X
    codes = pd.Categorical(g[ok], categories=labels).codes
    docs = corpus.doc_of_row[ok]
    # group x distinct comment: how many of the group's respondents wrote it
    GD = sparse.csr_matrix((np.ones(len(docs)), (codes, docs)), shape=(len(labels), corpus.n_docs))
    by_group = np.asarray((GD @ X).todense(), dtype=float)                   # groups x terms (occurrences)
    users = np.asarray((GD @ X.sign()).todense(), dtype=float)               # groups x terms (respondents)
    total = by_group.sum(axis=0)
    keep = np.flatnonzero(total >= min_count)
    if not len(keep):
        return result
    by_group, users, total = by_group[:, keep], users[:, keep], total[keep]
    terms = corpus.terms.iloc[keep].reset_index(drop=True)
    Xk = X[:, keep].tocsc()
    n_all = total.sum()
    a = prior * total / n_all
    a0 = prior
    keys_words = [tuple(k.split(" ")) for k in terms["key"]]
    texts_arr = corpus.texts
    lengths = np.fromiter((len(str(x)) for x in texts_arr), dtype=float, count=len(texts_arr))
    for gi, lab in enumerate(labels):
        yi = by_group[gi]
        yj = total - yi
        ni, nj = yi.sum(), yj.sum()
        if ni == 0:
            continue
        li = np.log((yi + a) / (ni + a0 - yi - a))
        lj = np.log((yj + a) / (nj + a0 - yj - a))
        delta = li - lj
        z = delta / np.sqrt(1.0 / (yi + a) + 1.0 / (yj + a))
        pool = [o for o in np.argsort(-z, kind="stable")[:4 * top] if yi[o] > 0 and z[o] > 0]
        order = _without_subsumed(pool, keys_words, yi, subsume)[:top]
        freq = np.asarray(GD[gi].todense()).ravel()                          # respondents per distinct comment
        out_terms = []
        for o in order:
            col = Xk[:, o]
            cand = col.indices[freq[col.indices] > 0]
            best = cand[np.lexsort((lengths[cand], -freq[cand]))[0]] if len(cand) else None
            out_terms.append({"term": str(terms.at[o, "lemma"]), "form": str(terms.at[o, "form"]),
                              "kind": str(terms.at[o, "kind"]), "z": float(z[o]), "log_odds": float(delta[o]),
                              "count": int(yi[o]), "comments": int(users[gi, o]),
                              "example": mask_pii(str(texts_arr[best]), lang) if best is not None else None})
        result[lab]["terms"] = out_terms
        if examples:
            if order:
                top5 = np.asarray(order[:5])
                hits = np.asarray((Xk[:, top5] > 0).sum(axis=1)).ravel()
                cand = np.flatnonzero((hits > 0) & (freq > 0))
                best = cand[np.lexsort((lengths[cand], -hits[cand]))][:examples]
            else:  # nothing distinctive: the group's most frequent comments
                cand = np.flatnonzero(freq > 0)
                best = cand[np.lexsort((lengths[cand], -freq[cand]))][:examples]
            result[lab]["examples"] = [mask_pii(str(texts_arr[i]), lang) for i in best]
    return result


def _without_subsumed(pool: list[int], words: list[tuple[str, ...]], counts: np.ndarray, share: float) -> list[int]:
    """``pool`` (term indices by rank) without the terms a longer phrase of the pool contains and covers."""
    out = []
    for o in pool:
        w = words[o]
        covered = False
        for other in pool:
            ow = words[other]
            if len(ow) <= len(w) or counts[other] < share * counts[o]:
                continue
            if any(ow[i:i + len(w)] == w for i in range(len(ow) - len(w) + 1)):
                covered = True
                break
        if not covered:
            out.append(o)
    return out


# ============================================================================ all of it by segment

@dataclass(frozen=True)
class VocResult:
    """VoC metrics per segment and in total.

    Attributes
    ----------
    segments
        Segment number -> metrics (``nps`` object, ``csat`` object, ``crm`` KPIs, ``drivers``, ``terms``).
    total
        The same metrics over all respondents.
    drivers
        Relative-weights tables: ``"total"`` and each segment -> DataFrame.
    settings
        What was computed and how (items, definitions, windows).
    rows
        Rows in / used / excluded with reasons.
    """

    segments: dict[int, dict[str, Any]]
    total: dict[str, Any]
    drivers: dict[str, pd.DataFrame] = field(default_factory=dict)
    settings: dict[str, Any] = field(default_factory=dict)
    rows: dict[str, Any] = field(default_factory=dict)
    names: dict[int, str] = field(default_factory=dict)
    themes: dict[str, Any] = field(default_factory=dict)
    codeframe: Any = None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: ``segments.<k>.nps`` (object with ``nps``), ``csat``, ``crm``, ``drivers``, ``terms``,
        ``themes``; with a code frame or theme discovery also ``themes.<t>`` (``label``, ``share``, ``n``,
        ``quotes``) and ``uncoded`` at the top level."""
        def drivers_dict(df: pd.DataFrame) -> dict[str, Any]:
            return {"r2": df.attrs.get("r2"), "n": df.attrs.get("n"),
                    "weights": {str(k): {c: (float(v) if c != "sign" else int(v)) for c, v in row.items()}
                                for k, row in df.iterrows()}}

        segs = {}
        for k, m in self.segments.items():
            d = dict(m)
            if "drivers" in d and isinstance(d["drivers"], pd.DataFrame):
                d["drivers"] = drivers_dict(d["drivers"])
            if k in self.names:
                d["name"] = self.names[k]
            segs[str(k)] = d
        total = dict(self.total)
        if "drivers" in total and isinstance(total["drivers"], pd.DataFrame):
            total["drivers"] = drivers_dict(total["drivers"])
        out = {"segments": segs, "total": total, "settings": dict(self.settings), "rows": dict(self.rows)}
        if self.themes:
            out["themes"] = self.themes["themes"]
            out["uncoded"] = self.themes["uncoded"]
            if "discovered" in self.themes:
                out["discovered_themes"] = self.themes["discovered"]
        return out

    def to_frame(self) -> pd.DataFrame:
        """One row per segment (and the total) with the headline numbers."""
        rows = []
        for key, m in [("total", self.total)] + [(str(k), v) for k, v in self.segments.items()]:
            row: dict[str, Any] = {"segment": key, "n": m.get("n")}
            if "nps" in m:
                row.update({"nps": m["nps"]["nps"], "promoters": m["nps"]["promoters"],
                            "detractors": m["nps"]["detractors"]})
            if "csat" in m:
                row["csat"] = m["csat"]["csat"]
            for kpi in ("purchase_frequency", "average_order_value", "revenue_per_customer", "discount_users_pct"):
                if kpi in m.get("crm", {}):
                    row[kpi] = m["crm"][kpi]
            rows.append(row)
        return pd.DataFrame(rows).set_index("segment")

    def summary(self, lang: str = "en") -> str:
        """Text for the terminal: the VoC section of the report (NPS/CSAT by segment with definitions,
        drivers, distinctive words, customer KPIs), rendered by :func:`surveytools.summary.text.render_text`."""
        from .summary.sections import summary_text

        return summary_text("voc", self, lang=lang)


def voc_by_segment(survey: Any, segments: pd.Series, *, nps_item: str | None = None,
                   csat_item: str | None = None, csat_definition: str = "top2",
                   drivers: pd.DataFrame | None = None, driver_outcome: str | None = None,
                   text_item: str | None = None, crm: pd.DataFrame | None = None,
                   crm_columns: Mapping[str, str] | None = None, as_of: date | None = None,
                   rfm_segments: Mapping[str, Mapping[str, tuple[int, int]]] | None = None,
                   names: Mapping[int, str] | None = None, progress: ProgressCallback | None = None,
                   codeframe: Any = None, discover_themes: int | None = None, text_language: str | None = None,
                   seed: int = 0, quotes: int = 3) -> VocResult:
    """Voice-of-the-customer metrics for each segment and in total.

    Parameters
    ----------
    survey
        The :class:`~surveytools.survey.Survey` (respondents with a segment).
    segments
        Segment of each respondent (index = survey ids).
    nps_item
        NPS item (default: the questionnaire's first ``nps`` item, if any).
    csat_item, csat_definition
        Satisfaction item and definition (see :func:`csat`).
    drivers
        Driver scores per respondent (e.g. scale or factor scores) for key-driver analysis.
    driver_outcome
        Outcome of the driver analysis (default: the NPS item, else the CSAT item).
    text_item
        Open-ended item (default: the first ``text`` item).
    crm
        Customer KPIs per respondent: the whole joined customer list with a ``respondent_id`` column
        (RFM quintiles are computed over every customer in it).
    crm_columns
        Role -> column overrides for the CRM KPIs (see :func:`detect_crm_columns`).
    as_of
        Reference date for recency.
    names
        Segment names.
    codeframe
        A :class:`~surveytools.text.codeframe.CodeFrame` (or the path of its YAML file): theme shares per
        segment with tests against the rest, and quotes.
    discover_themes
        Number of themes to discover by NMF when there is no code frame; the draft frame is returned in
        :attr:`VocResult.codeframe` and used to code the comments.
    text_language
        Language of the comments: ``es``, ``en`` or ``auto`` (the default: each comment's language is told
        by its stop words, ties going to the questionnaire's language).
    seed
        Seed of theme discovery.
    quotes
        Representative quotes per theme (overall and per segment), PII-masked.

    Returns
    -------
    VocResult
    """
    q = survey.questionnaire
    seg = segments.reindex(survey.ids)
    if seg.isna().all():
        raise DataError("no respondent has a segment; use assignments made from this data")
    w_all = survey.weight_array()
    w_all = np.ones(survey.n) if w_all is None else np.nan_to_num(w_all, nan=0.0)
    if nps_item is None:
        nps_items = q.items_of_type("nps")
        nps_item = nps_items[0] if nps_items else None
    if text_item is None:
        texts = q.items_of_type("text")
        text_item = texts[0] if texts else None
    for name, item in (("--nps", nps_item), ("--csat", csat_item), ("--text", text_item)):
        if item is not None and item not in survey.responses.columns:
            raise DataError(f"{name} names {item!r}, which is not a column of the data; check the item id")
    labels = sorted(int(s) for s in seg.dropna().unique())
    masks = {"total": seg.notna().to_numpy()}
    for k in labels:
        masks[k] = (seg == k).to_numpy()
    settings: dict[str, Any] = {"nps_item": nps_item, "csat_item": csat_item, "text_item": text_item}
    metrics: dict[Any, dict[str, Any]] = {key: {"n": int(m.sum())} for key, m in masks.items()}
    steps = 5
    done = 0

    def tick(label: str) -> None:
        nonlocal done
        done += 1
        if progress:
            progress("Voice of the customer", done, steps)

    if nps_item is not None:
        x = survey.responses[nps_item].to_numpy(dtype=float)
        for key, m in masks.items():
            metrics[key]["nps"] = nps(x[m], w_all[m])
    tick("nps")
    if csat_item is not None:
        opts = q.option_set(csat_item)
        if opts is None:
            raise DataError(f"--csat item {csat_item!r} has no answer codes; use a Likert or rating item")
        x = survey.responses[csat_item].to_numpy(dtype=float)
        for key, m in masks.items():
            metrics[key]["csat"] = csat(x[m], opts.valid_codes, csat_definition, w_all[m])
        settings["csat_definition"] = metrics["total"]["csat"]["definition"]
    tick("csat")
    driver_tables: dict[str, pd.DataFrame] = {}
    if drivers is not None:
        outcome = driver_outcome or nps_item or csat_item
        if outcome is None:
            raise DataError("key drivers need an outcome: give --drivers-outcome or an NPS/CSAT item")
        if outcome not in survey.responses.columns:
            raise DataError(f"driver outcome {outcome!r} is not a column of the data")
        settings["driver_outcome"] = outcome
        Xd = drivers.reindex(survey.ids)
        y = survey.responses[outcome].to_numpy(dtype=float)
        for key, m in masks.items():
            try:
                tab = relative_weights(Xd[m], y[m], w_all[m])
            except DataError as exc:
                metrics[key]["drivers_note"] = str(exc)
                continue
            driver_tables[str(key)] = tab
            metrics[key]["drivers"] = tab
    tick("drivers")
    themes: dict[str, Any] = {}
    frame_out = None
    if (codeframe is not None or discover_themes) and text_item is None:
        raise DataError("themes need an open-ended item: the questionnaire has no text item; name one with --text")
    if text_item is not None:
        from .text import build_corpus
        from .text.normalize import LANGUAGES

        qlang = str(getattr(q, "language", "es") or "es").lower()[:2]
        default_lang = qlang if qlang in LANGUAGES else "es"
        lang = text_language or "auto"
        col = survey.responses[text_item][masks["total"]]
        groups_t = seg[masks["total"]].astype(int)
        corpus = build_corpus(col, lang, default_language=default_lang)
        res = distinctive_terms(col, groups_t, corpus=corpus)
        for k in labels:
            if k in res:
                metrics[k]["terms"] = res[k]
        metrics["total"]["comments"] = int(sum(r["comments"] for r in res.values()))
        settings["text_language"] = lang
        frame = codeframe
        if frame is not None and not hasattr(frame, "code"):
            from .text.codeframe import load_codeframe

            frame = load_codeframe(frame)
        discovered = None
        if frame is None and discover_themes:
            from .text.themes import discover_themes as _discover

            frame, discovered = _discover(corpus, int(discover_themes), seed=seed, language=default_lang)
            frame_out = frame
        if frame is not None:
            from .text.themes import theme_table

            coding = frame.code(corpus)
            w_t = w_all[masks["total"]] if survey.weight_array() is not None else None
            themes = theme_table(corpus, coding, groups_t.to_numpy(dtype=float), w_t, labels=labels,
                                 n_quotes=quotes, lang=default_lang)
            for k in labels:
                metrics[k]["themes"] = themes["segments"][k]["themes"]
                metrics[k]["uncoded"] = themes["segments"][k]["uncoded"]
            settings["themes"] = {
                "source": frame.source or "code frame", "base": "respondents who commented",
                "comments": themes["base"]["n"], "n_eff": themes["base"]["n_eff"], "share": "percent",
                "test": "two-proportion z test against the rest (Kish n_eff with weights), Benjamini-Hochberg "
                        "adjusted over the table, alpha 0.05",
                "weighted": survey.weight_array() is not None,
                "unused_keywords": coding.unused}
            if discovered is not None:
                settings["themes"]["discovery"] = discovered.pop("_settings")
                themes["discovered"] = discovered
    tick("terms")
    rows: dict[str, Any] = {"respondents": int(survey.n), "with_segment": int(masks["total"].sum()),
                            "excluded": {"no-segment": int((~masks["total"]).sum())}}
    if crm is not None:
        roles = detect_crm_columns(list(crm.columns), crm_columns)
        settings["crm_columns"] = roles
        missing = missing_crm_roles(roles)
        settings["crm_columns_missing"] = missing
        if missing:
            warnings.warn(f"CRM KPIs left out: no column found for {', '.join(missing)} (name them with "
                          f"--crm-columns role=column, e.g. {missing[0]}=<your column>)", DataQualityWarning,
                          stacklevel=2)
        full = crm
        if "last_purchase" in roles and "orders" in roles and "revenue" in roles:
            rfm = rfm_scores(full, recency=roles["last_purchase"], frequency=roles["orders"],
                             monetary=roles["revenue"], as_of=as_of, segments=rfm_segments)
            full = pd.concat([full, rfm[["R", "F", "M", "rfm_segment"]]], axis=1)
            last = pd.to_datetime(crm[roles["last_purchase"]], errors="coerce")
            settings["rfm"] = {"as_of": str((pd.Timestamp(as_of) if as_of else last.max()).date()),
                               "scores": "quintiles ceil(5 * cume_dist) over all customers in the CRM file",
                               "segments": {k: {kk: list(vv) for kk, vv in v.items()}
                                            for k, v in (rfm_segments or DEFAULT_RFM_SEGMENTS).items()}}
        if "respondent_id" not in full.columns:
            raise DataError("the CRM file has no 'respondent_id' column; give the output of 'surveytools crm join'")
        resp = full[full["respondent_id"].notna()].copy()
        resp["respondent_id"] = resp["respondent_id"].astype(str)
        resp = resp.drop_duplicates("respondent_id").set_index("respondent_id")
        ids = survey.ids.astype(str)
        matched = ids.isin(resp.index)
        rows["matched_to_crm"] = int(matched.sum())
        aligned = resp.reindex(ids)
        for key, m in masks.items():
            mm = m & np.asarray(matched)
            metrics[key]["crm"] = crm_kpis(aligned[mm], roles, w_all[mm])
        metrics["all_customers"] = {"crm": crm_kpis(full, roles)}
    tick("crm")
    total = metrics.pop("total")
    all_customers = metrics.pop("all_customers", None)
    if all_customers is not None:
        total["all_customers"] = all_customers["crm"]
    return VocResult(segments={k: metrics[k] for k in labels}, total=total, drivers=driver_tables,
                     settings=settings, rows=rows, names=dict(names or {}), themes=themes, codeframe=frame_out)
