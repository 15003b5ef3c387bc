"""Theme shares by segment with significance tests, representative quotes, and theme discovery.

Shares
------
The base of every share is the respondents who wrote a comment. With survey weights ``w``::

    share_g   = 100 sum_{i in g} w_i h_i / sum_{i in g} w_i       (h_i = 1 if comment i is in the theme)
    n_eff_g   = (sum w)^2 / sum w^2                                (Kish 1965)
    p_pool    = (n_s p_s + n_r p_r) / (n_s + n_r)
    z         = (p_s - p_r) / sqrt(p_pool (1 - p_pool) (1/n_s + 1/n_r))     (n = n_eff)

for a segment ``s`` against the rest ``r`` of the respondents who commented (the two-proportion z test of
:mod:`surveytools.profile`; without weights exactly statsmodels' ``proportions_ztest``). Two-sided p-values
are Benjamini-Hochberg adjusted over every test of the table (themes, the uncoded row, segments).

Quotes
------
A theme's representative comments are the distinct comments in it with the highest match strength (keyword
and phrase matches over the square root of the comment's content words: short, on-topic comments first),
ties broken by how many respondents wrote the same comment; every quote is PII-masked.

Discovery
---------
Without a code frame, :func:`discover_themes` factorises the tf-idf matrix of lemmas, negations and phrases
with non-negative matrix factorisation (scikit-learn ``NMF``, NNDSVDa start, seeded): ``X ~ W H``, each of
the K rows of ``H`` a theme. Distinct comments enter once with their rows scaled by ``sqrt(m)`` (``m``
respondents wrote it), which for the Frobenius loss is the same as repeating the comment ``m`` times. Each
term goes to the theme where its (row-normalised) loading is largest, and the themes become a draft code
frame the analyst edits and reuses. Comments of fewer than two distinct words are left out of the
factorisation (fillers such as "Gracias" would otherwise become themes).

References
----------
Lee, D. D. & Seung, H. S. (1999). Learning the parts of objects by non-negative matrix factorization.
*Nature* 401, 788-791.
Kish, L. (1965). *Survey Sampling*. Wiley.
Benjamini, Y. & Hochberg, Y. (1995). Controlling the false discovery rate. *JRSS B* 57, 289-300.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from scipy import stats

from .codeframe import CodeFrame, Coding, Theme
from .corpus import Corpus
from .pii import mask_pii

__all__ = ["theme_table", "quotes", "discover_themes", "ALPHA"]

#: Significance level of the segment-vs-rest marks (after the Benjamini-Hochberg adjustment).
ALPHA = 0.05


def _kish(W: np.ndarray, W2: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(W2 > 0, W ** 2 / W2, 0.0)


def two_proportion_z(p_s: np.ndarray, n_s: np.ndarray, p_r: np.ndarray, n_r: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Pooled two-proportion z statistic and two-sided p-value (arrays; n may be Kish effective sizes)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        pool = (n_s * p_s + n_r * p_r) / (n_s + n_r)
        se = np.sqrt(pool * (1 - pool) * (1 / n_s + 1 / n_r))
        z = np.where(se > 0, (p_s - p_r) / se, np.nan)
    p = 2 * stats.norm.sf(np.abs(z))
    return z, p


def quotes(corpus: Corpus, coding: Coding, theme: int, rows: np.ndarray | None = None, n: int = 3,
           lang: str = "es") -> list[str]:
    """Up to ``n`` representative comments of a theme among ``rows`` (boolean per input row), PII-masked."""
    cnt = corpus.doc_weights(rows=rows)
    strength = coding.strength[:, theme]
    cand = np.flatnonzero(coding.hits[:, theme] & (cnt > 0))
    if not len(cand):
        return []
    if len(cand) > 20 * n:
        key = strength[cand] + 1e-9 * np.minimum(cnt[cand], 1e6)
        cand = cand[np.argpartition(-key, 20 * n)[:20 * n]]
    lengths = np.fromiter((len(str(corpus.texts[i])) for i in cand), dtype=float, count=len(cand))
    order = np.lexsort((lengths, -cnt[cand], -strength[cand]))
    return [mask_pii(str(corpus.texts[i]), lang) for i in cand[order[:n]]]


def theme_table(corpus: Corpus, coding: Coding, groups: np.ndarray, weights: np.ndarray | None = None, *,
                labels: Sequence[int] | None = None, n_quotes: int = 3, lang: str = "es") -> dict[str, Any]:
    """Theme shares overall and per segment, tested against the rest, with quotes.

    Parameters
    ----------
    corpus, coding
        The comments and their coding (:meth:`CodeFrame.code`).
    groups
        Segment of each input row (NaN/negative = no segment: left out).
    weights
        Survey weights per input row (optional).
    labels
        Segments to report (default: those present).
    n_quotes
        Quotes per theme overall and per segment.
    lang
        Language of the PII tags in quotes.

    Returns
    -------
    dict
        ``themes.<t>``: ``label``, ``share`` (percent of respondents who commented), ``n`` (respondents in the
        theme), ``quotes``; ``uncoded``: ``share``, ``n``; ``base``: respondents who commented (``n``,
        ``n_eff``); ``segments.<k>``: ``base``, ``themes.<t>`` (``share``, ``n``, ``z``, ``p``, ``p_adj``,
        ``mark``: ``higher``/``lower``/None, ``quotes``) and ``uncoded``.
    """
    from ..profile import bh_adjust

    g = np.asarray(groups, dtype=float)
    w = np.ones(corpus.n_rows) if weights is None else np.nan_to_num(np.asarray(weights, dtype=float), nan=0.0)
    answered = corpus.answered & np.isfinite(g) & (g >= 0)
    rows = np.flatnonzero(answered)
    H = coding.hits[corpus.doc_of_row[rows]]                        # respondents x themes
    H = np.column_stack([H, ~H.any(axis=1)]).astype(float)          # + uncoded
    wr, gr = w[rows], g[rows].astype(int)
    labs = list(labels) if labels is not None else sorted(int(v) for v in np.unique(gr))
    T = H.shape[1]
    W_t, W2_t = wr.sum(), (wr ** 2).sum()
    S_t = wr @ H
    N_t = H.sum(axis=0)
    share_t = np.where(W_t > 0, S_t / W_t if W_t > 0 else np.nan, np.nan)
    n_eff_t = float(_kish(np.array(W_t), np.array(W2_t)))
    seg_stats = []
    for k in labs:
        m = gr == k
        W_s, W2_s = wr[m].sum(), (wr[m] ** 2).sum()
        S_s, N_s = wr[m] @ H[m], H[m].sum(axis=0)
        W_r, W2_r = W_t - W_s, W2_t - W2_s
        with np.errstate(divide="ignore", invalid="ignore"):
            p_s = S_s / W_s if W_s > 0 else np.full(T, np.nan)
            p_r = (S_t - S_s) / W_r if W_r > 0 else np.full(T, np.nan)
        n_s, n_r = float(_kish(np.array(W_s), np.array(W2_s))), float(_kish(np.array(W_r), np.array(W2_r)))
        z, p = two_proportion_z(p_s, n_s, p_r, n_r)
        seg_stats.append({"k": k, "n": int(m.sum()), "n_eff": n_s, "p_s": p_s, "N_s": N_s, "z": z, "p": p})
    p_all = np.concatenate([s["p"] for s in seg_stats]) if seg_stats else np.zeros(0)
    p_adj_all = bh_adjust(p_all)
    names = list(coding.names)
    out: dict[str, Any] = {"base": {"n": int(len(rows)), "n_eff": n_eff_t}, "themes": {}, "segments": {}}
    for ti, name in enumerate(names):
        out["themes"][name] = {"label": coding.labels[ti], "share": 100 * float(share_t[ti]), "n": int(N_t[ti]),
                               "quotes": quotes(corpus, coding, ti, answered, n_quotes, lang) if n_quotes else []}
    out["uncoded"] = {"share": 100 * float(share_t[T - 1]), "n": int(N_t[T - 1])}
    for si, s in enumerate(seg_stats):
        p_adj = p_adj_all[si * T:(si + 1) * T]
        seg_rows = answered & (np.nan_to_num(g, nan=-1).astype(int) == s["k"])
        cells = {}
        for ti in range(T):
            mark = None
            if np.isfinite(p_adj[ti]) and p_adj[ti] < ALPHA:
                mark = "higher" if s["z"][ti] > 0 else "lower"
            cells[ti] = {"share": 100 * float(s["p_s"][ti]), "n": int(s["N_s"][ti]), "z": _f(s["z"][ti]),
                         "p": _f(s["p"][ti]), "p_adj": _f(p_adj[ti]), "mark": mark}
        seg = {"base": {"n": s["n"], "n_eff": s["n_eff"]}, "themes": {}, "uncoded": cells[T - 1]}
        for ti, name in enumerate(names):
            cell = cells[ti]
            cell["quotes"] = quotes(corpus, coding, ti, seg_rows, n_quotes, lang) if n_quotes else []
            seg["themes"][name] = cell
        out["segments"][s["k"]] = seg
    return out


def _f(v: float) -> float | None:
    return float(v) if np.isfinite(v) else None


def discover_themes(corpus: Corpus, k: int, *, seed: int = 0, top_terms: int = 8, min_respondents: int = 5,
                    min_terms: int = 2, language: str = "es") -> tuple[CodeFrame, dict[str, Any]]:
    """Propose ``k`` themes by NMF on the tf-idf matrix of lemmas, negations and phrases.

    Parameters
    ----------
    corpus
        The comments.
    k
        Number of themes.
    seed
        Seed of the NMF start (results are reproducible).
    top_terms
        Keywords and phrases per theme in the draft code frame.
    min_respondents
        Terms written by fewer respondents are left out.
    min_terms
        Comments with fewer distinct words (lemmas) are left out of the factorisation: one-word answers
        ("Gracias", "Sin comentarios", "ok") are frequent enough to become themes of their own otherwise. They
        are still coded by the draft frame.
    language
        Language of the draft frame's keyword lists (the comments' main language).

    Returns
    -------
    (CodeFrame, dict)
        The draft code frame (themes ``theme_1`` ... with their top terms as keywords and phrases) and
        details per theme: ``terms`` (``term``, ``weight``) and ``quotes`` (the comments loading most on it).

    Raises
    ------
    DataError
        Fewer usable terms or comments than themes.
    """
    from sklearn.decomposition import NMF

    from ..exceptions import DataError

    if k < 1:
        raise DataError(f"--discover-themes needs a number of themes >= 1, not {k}")
    mult = corpus.doc_weights()
    X = corpus.X.tocsc()
    df = (X.sign().T @ mult)                                          # respondents using each term
    keep = np.flatnonzero(df >= min_respondents)
    single = np.flatnonzero((corpus.terms["n_words"] == 1).to_numpy())
    n_terms = np.asarray((corpus.X[:, single] > 0).sum(axis=1)).ravel()
    used_docs = (np.flatnonzero((X[:, keep].sum(axis=1).A1 > 0) & (mult > 0) & (n_terms >= min_terms))
                 if len(keep) else np.zeros(0, int))
    if len(keep) < k or len(used_docs) < k:
        raise DataError(f"theme discovery needs at least {k} terms used by {min_respondents}+ respondents and {k} "
                        f"comments; found {len(keep)} terms in {len(used_docs)} distinct comments. Ask for fewer themes "
                        "or give a code frame")
    n = float(mult.sum())
    idf = np.log((1 + n) / (1 + df[keep])) + 1
    A = X[used_docs][:, keep].tocsr().astype(float)
    A.data = 1 + np.log(A.data)                                       # sublinear tf
    A = A.multiply(idf[None, :]).tocsr()
    norms = np.sqrt(np.asarray(A.multiply(A).sum(axis=1)).ravel())
    scale = np.sqrt(mult[used_docs]) / np.where(norms > 0, norms, 1)
    A = A.multiply(scale[:, None]).tocsr()
    model = NMF(n_components=k, init="nndsvda", random_state=seed, max_iter=500, tol=1e-4)
    W = model.fit_transform(A)
    Hm = model.components_
    # each term belongs to the theme where it loads most (relative to the theme's largest loading)
    rel = Hm / np.maximum(Hm.max(axis=1, keepdims=True), 1e-12)
    owner = rel.argmax(axis=0)
    terms = corpus.terms.iloc[keep].reset_index(drop=True)
    themes: list[Theme] = []
    details: dict[str, Any] = {}
    Wn = W / np.maximum(np.sqrt(mult[used_docs])[:, None], 1e-12)
    for t in range(k):
        order = [j for j in np.argsort(-Hm[t], kind="stable") if owner[j] == t and Hm[t, j] > 0][:top_terms]
        if not order:
            order = list(np.argsort(-Hm[t], kind="stable")[:top_terms])
        kw, ph = [], []
        for j in order:
            row = terms.iloc[j]
            if row["kind"] == "phrase":
                ph.append(str(row["form"]))
            elif row["kind"] == "negation":
                ph.append("no " + str(row["form"])[3:])
            else:
                kw.append(str(row["form"]))
        name = f"theme_{t + 1}"
        label = " / ".join(str(terms.iloc[j]["form"]).replace("_", " ") for j in order[:3])
        themes.append(Theme(name=name, label=label, keywords={language: tuple(kw)} if kw else {},
                            phrases={language: tuple(ph)} if ph else {}))
        top_docs = used_docs[np.argsort(-Wn[:, t], kind="stable")[:3]]
        details[name] = {"label": label,
                         "terms": [{"term": str(terms.iloc[j]["lemma"]), "form": str(terms.iloc[j]["form"]),
                                    "kind": str(terms.iloc[j]["kind"]), "weight": float(Hm[t, j])} for j in order],
                         "quotes": [mask_pii(str(corpus.texts[i]), language) for i in top_docs]}
    frame = CodeFrame(themes=_unique_labels(themes), language=language, source="discovered")
    details["_settings"] = {"method": "NMF on tf-idf (sublinear tf, smooth idf over respondents), NNDSVDa start",
                            "k": k, "seed": seed, "terms": int(len(keep)), "comments": int(len(used_docs)),
                            "reconstruction_err": float(model.reconstruction_err_), "iterations": int(model.n_iter_)}
    return frame, details


def _unique_labels(themes: list[Theme]) -> tuple[Theme, ...]:
    seen: dict[str, int] = {}
    out = []
    for t in themes:
        label = t.label or t.name
        if label in seen:
            seen[label] += 1
            label = f"{label} ({seen[label]})"
        else:
            seen[label] = 1
        out.append(Theme(name=t.name, label=label, keywords=t.keywords, phrases=t.phrases))
    return tuple(out)
