"""Criteria for a partition and the documented rule that chooses the number of segments.

Criteria (weights ``w_i`` rescaled to mean 1, so ``N = sum w_i = n``; ``c_g`` weighted centroids, ``c`` the
grand centroid, ``W_g`` segment masses; unweighted they equal scikit-learn's functions):

- **silhouette** (Rousseeuw, 1987), weighted: ``a_i`` = weighted mean distance from ``i`` to the other
  members of its segment, ``b_i`` = the smallest weighted mean distance to another segment,
  ``s_i = (b_i - a_i) / max(a_i, b_i)`` (0 for a segment of one), averaged with weights. On more than
  ``sample_size`` (default 4000) rows it is computed on a fixed random sample of that many rows (distances
  within the sample), the same sample for every k, as ``sklearn.metrics.silhouette_score(sample_size=)``.
  Higher is better; Kaufman & Rousseeuw read < 0.25 as "no substantial structure".
- **Calinski-Harabasz** (1974): ``[B / (k - 1)] / [W / (N - k)]`` with ``B = sum_g W_g ||c_g - c||^2`` and
  ``W = sum_i w_i ||x_i - c_g(i)||^2``. Higher is better.
- **Davies-Bouldin** (1979): ``mean_g max_{h != g} (S_g + S_h) / ||c_g - c_h||`` with ``S_g`` the weighted
  mean distance of g's members to ``c_g``. Lower is better.
- **BIC**: a mixture's own BIC (``gmm``); for the partitioning methods, the BIC of the classification
  likelihood of a spherical, equal-variance Gaussian model at the partition (as in X-means, Pelleg & Moore,
  2000): ``-2 l + p ln n`` with ``l = sum_g W_g ln(W_g / N) - (N d / 2)(ln(2 pi sigma^2) + 1)``,
  ``sigma^2 = W / (N d)``, ``p = (k - 1) + k d + 1``. Lower is better.

The rule (:func:`choose_k`), applied to the candidate ks:

1. **Size**: every segment must hold at least ``min_size`` (default 5%) of the weighted respondents.
2. **Stability**: the mean adjusted Rand index between the bootstrap solutions and the full solution must
   be at least ``min_stability`` (default 0.75; Hennig (2007) reads Jaccard values >= 0.75 as stable);
   without bootstrap replicates, the reproducibility across random starts is used instead (when the method
   has random starts).
3. **Rank sum** (a Borda count): among the k passing 1 and 2, each criterion ranks the k (silhouette and
   Calinski-Harabasz: higher is better; Davies-Bouldin and BIC: lower is better; ties share the average
   rank) and the k with the smallest sum of ranks wins; ties go to the higher stability, then to the
   smaller k. No single index is reliable across data shapes (Milligan & Cooper, 1985): silhouette and
   Davies-Bouldin favour few, well-separated groups, Calinski-Harabasz and BIC finer partitions; the rank
   sum settles on the k they jointly support. ``votes`` reports how many criteria are best at each k.

When no k passes both 1 and 2, the vote runs over the k passing 1 (and the explanation says so); when
none passes 1, over all k, with a warning.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy.stats import rankdata

__all__ = [
    "silhouette",
    "calinski_harabasz",
    "davies_bouldin",
    "partition_bic",
    "KChoice",
    "choose_k",
    "CRITERIA_COLUMNS",
    "LCA_CRITERIA_COLUMNS",
    "choose_k_lca",
    "lca_criteria_frame",
]

#: Columns of the criteria table, in order.
CRITERIA_COLUMNS = ("silhouette", "calinski_harabasz", "davies_bouldin", "bic", "min_share", "stability_ari",
                    "stability_ari_sd", "jaccard_min", "reproducibility", "objective", "admissible", "votes", "rank_sum")


def _wnorm(w: np.ndarray | None, n: int) -> np.ndarray:
    if w is None:
        return np.ones(n)
    w = np.asarray(w, dtype=float)
    return w * (n / w.sum())


def silhouette(x: np.ndarray, labels: np.ndarray, w: np.ndarray | None = None, *, sample: np.ndarray | None = None,
               chunk_rows: int = 1024) -> float:
    """Weighted mean silhouette width over ``sample`` (row positions; default all rows).

    Distances are Euclidean and computed in blocks of ``chunk_rows`` rows, so memory is
    ``chunk_rows x m`` for ``m`` sampled rows; time O(m^2 d).
    """
    if sample is not None:
        x, labels = x[sample], labels[sample]
        w = None if w is None else np.asarray(w)[sample]
    n = x.shape[0]
    w = np.ones(n) if w is None else np.asarray(w, dtype=float)
    _, lab = np.unique(labels, return_inverse=True)
    k = int(lab.max()) + 1
    if k < 2 or k >= n:
        return float("nan")
    onehot = np.zeros((n, k))
    onehot[np.arange(n), lab] = w
    mass = onehot.sum(axis=0)
    sq = np.einsum("ij,ij->i", x, x)
    s = np.empty(n)
    for lo in range(0, n, chunk_rows):
        hi = min(n, lo + chunk_rows)
        d2 = sq[lo:hi, None] + sq[None, :] - 2.0 * (x[lo:hi] @ x.T)
        np.maximum(d2, 0.0, out=d2)
        dist = np.sqrt(d2, out=d2)
        sums = dist @ onehot  # rows x k: weighted distance sums to every segment
        own = lab[lo:hi]
        rows = np.arange(hi - lo)
        own_mass = mass[own] - w[lo:hi]  # exclude the point itself (its distance to itself is 0)
        with np.errstate(invalid="ignore", divide="ignore"):
            a = sums[rows, own] / own_mass
            means = sums / mass
        means[rows, own] = np.inf
        b = means.min(axis=1)
        with np.errstate(invalid="ignore", divide="ignore"):
            si = (b - a) / np.maximum(a, b)
        si[own_mass <= 0] = 0.0
        si[~np.isfinite(si)] = 0.0
        s[lo:hi] = si
    return float((w @ s) / w.sum())


def _centers(x: np.ndarray, lab: np.ndarray, k: int, w: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    mass = np.bincount(lab, weights=w, minlength=k)
    sums = np.stack([np.bincount(lab, weights=w * x[:, j], minlength=k) for j in range(x.shape[1])], axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return sums / mass[:, None], mass


def calinski_harabasz(x: np.ndarray, labels: np.ndarray, w: np.ndarray | None = None) -> float:
    """Weighted Calinski-Harabasz index (variance ratio criterion)."""
    n = x.shape[0]
    w = _wnorm(w, n)
    _, lab = np.unique(labels, return_inverse=True)
    k = int(lab.max()) + 1
    if k < 2 or k >= n:
        return float("nan")
    centers, mass = _centers(x, lab, k, w)
    grand = (w @ x) / w.sum()
    between = float(mass @ ((centers - grand) ** 2).sum(axis=1))
    diff = x - centers[lab]
    within = float(w @ np.einsum("ij,ij->i", diff, diff))
    if within == 0:
        return float("inf") if between > 0 else float("nan")
    return between * (w.sum() - k) / (within * (k - 1))


def davies_bouldin(x: np.ndarray, labels: np.ndarray, w: np.ndarray | None = None) -> float:
    """Weighted Davies-Bouldin index."""
    n = x.shape[0]
    w = _wnorm(w, n)
    _, lab = np.unique(labels, return_inverse=True)
    k = int(lab.max()) + 1
    if k < 2:
        return float("nan")
    centers, mass = _centers(x, lab, k, w)
    dist = np.sqrt(np.einsum("ij,ij->i", x - centers[lab], x - centers[lab]))
    scatter = np.bincount(lab, weights=w * dist, minlength=k) / mass
    sep = np.sqrt(((centers[:, None, :] - centers[None, :, :]) ** 2).sum(axis=2))
    with np.errstate(invalid="ignore", divide="ignore"):
        ratio = (scatter[:, None] + scatter[None, :]) / sep
    np.fill_diagonal(ratio, -np.inf)
    ratio[~np.isfinite(ratio) & (ratio > 0)] = np.inf
    return float(np.mean(ratio.max(axis=1)))


def partition_bic(x: np.ndarray, labels: np.ndarray, w: np.ndarray | None = None) -> float:
    """BIC of a hard partition under a spherical equal-variance Gaussian model (see module notes)."""
    n, d = x.shape
    w = _wnorm(w, n)
    _, lab = np.unique(labels, return_inverse=True)
    k = int(lab.max()) + 1
    centers, mass = _centers(x, lab, k, w)
    diff = x - centers[lab]
    within = float(w @ np.einsum("ij,ij->i", diff, diff))
    big_n = float(w.sum())
    sigma2 = max(within / (big_n * d), 1e-300)
    with np.errstate(divide="ignore", invalid="ignore"):
        mix = float(np.sum(np.where(mass > 0, mass * np.log(mass / big_n), 0.0)))
    loglik = mix - big_n * d / 2.0 * (np.log(2.0 * np.pi * sigma2) + 1.0)
    p = (k - 1) + k * d + 1
    return float(-2.0 * loglik + p * np.log(n))


@dataclass(frozen=True)
class KChoice:
    """The chosen k, the votes behind it and a plain-language explanation."""

    k: int
    votes: dict[str, int]
    admissible: list[int]
    explanation: str
    rule: dict[str, Any] = field(default_factory=dict)
    rank_sum: dict[int, float] = field(default_factory=dict)


def _fmt(v: float) -> str:
    if v is None or not np.isfinite(v):
        return "n/a"
    return f"{v:.3g}" if abs(v) < 1000 else f"{v:,.0f}"


def _admissible(criteria: pd.DataFrame, stab: pd.Series, min_size: float, min_stability: float, *, ari: str,
                unit: str, units: str, advice: str) -> tuple[list[int], list[int], list[int], str, list[str]]:
    """The k a choice is made among: those whose smallest segment reaches ``min_size`` and whose stability (when
    known) reaches ``min_stability``, else those passing the size check, else every k; with how and why.

    Returns
    -------
    (sized, stable, pool, how, notes)
    """
    ks = [int(k) for k in criteria.index]
    sized = [k for k in ks if criteria.loc[k, "min_share"] >= min_size - 1e-12]
    stable = [k for k in sized if not np.isfinite(stab.loc[k]) or stab.loc[k] >= min_stability]
    if stable:
        return sized, stable, stable, "passing the size and stability checks", []
    if sized:
        return sized, stable, sized, "passing the size check", [
            f"no k reached a {ari} adjusted Rand index of {min_stability:g}; the {units} are "
            "not stable, treat them with caution"]
    return sized, stable, ks, "in the range (none passes the size check)", [
        f"every k leaves a {unit} under {min_size:.0%} of respondents; {advice}"]


def choose_k(criteria: pd.DataFrame, *, min_size: float = 0.05, min_stability: float = 0.75,
             use_bic: bool = True, stability_source: str = "bootstrap") -> KChoice:
    """Apply the documented rule (module notes) to a criteria table indexed by k.

    Parameters
    ----------
    criteria
        Columns ``silhouette``, ``calinski_harabasz``, ``davies_bouldin``, ``bic``, ``min_share`` and
        ``stability_ari`` and/or ``reproducibility`` (NaN when not measured).
    min_size
        Smallest acceptable segment share.
    min_stability
        Smallest acceptable mean adjusted Rand index.
    use_bic
        Let BIC take part in the rank sum.
    stability_source
        ``bootstrap`` (column ``stability_ari``) or ``restarts`` (column ``reproducibility``) or ``none``.
    """
    ks = [int(k) for k in criteria.index]
    if len(ks) == 1:
        k = ks[0]
        return KChoice(k=k, votes={}, admissible=ks, explanation=f"k = {k} was given (not chosen from a range).",
                       rule={"min_size": min_size, "min_stability": min_stability})
    stab_col = {"bootstrap": "stability_ari", "restarts": "reproducibility"}.get(stability_source)
    if stab_col is not None and stab_col in criteria:
        stab = criteria[stab_col].astype(float)
    else:
        stab = pd.Series(np.nan, index=criteria.index)
    sized, stable, pool, how, notes = _admissible(
        criteria, stab, min_size, min_stability, ari="bootstrap" if stab_col == "stability_ari" else "restart",
        unit="segment", units="segments", advice="consider fewer segments or removing outliers")
    voters = [("silhouette", "max"), ("calinski_harabasz", "max"), ("davies_bouldin", "min")]
    if use_bic:
        voters.append(("bic", "min"))
    votes: dict[str, int] = {}
    ranks = pd.DataFrame(index=pool, dtype=float)
    for col, best in voters:
        vals = criteria.loc[pool, col].astype(float)
        if not np.isfinite(vals).any():
            continue
        votes[col] = int(vals.idxmax() if best == "max" else vals.idxmin())
        key_vals = -vals if best == "max" else vals
        # rank 1 = best; ties share the average rank; a missing value ranks last
        ranks[col] = rankdata(np.where(np.isfinite(key_vals), key_vals, np.inf), method="average")
    rank_sum = ranks.sum(axis=1) if ranks.shape[1] else pd.Series(0.0, index=pool)

    def key(k: int) -> tuple[float, float, int]:
        s = stab.loc[k]
        return (float(rank_sum.loc[k]), -(s if np.isfinite(s) else 0.0), k)

    chosen = sorted(pool, key=key)[0]
    names = {"silhouette": "silhouette", "calinski_harabasz": "Calinski-Harabasz", "davies_bouldin": "Davies-Bouldin",
             "bic": "BIC"}
    best_for = [f"{names[c]} {_fmt(criteria.loc[chosen, c])}" for c, v in votes.items() if v == chosen]
    others = [f"{names[c]} k = {v}" for c, v in votes.items() if v != chosen]
    runner = sorted((k for k in pool if k != chosen), key=key)[:2]
    text = [f"k = {chosen} has the best rank sum over {len(votes)} criteria ({_fmt(rank_sum.loc[chosen])}"
            + "".join(f"; k = {k}: {_fmt(rank_sum.loc[k])}" for k in runner) + ")"
            + (f", best on {', '.join(best_for)}" if best_for else "")
            + (f"; best elsewhere: {', '.join(others)}" if others else "")
            + f"; among k = {', '.join(map(str, pool))} {how}"]
    if runner and rank_sum.loc[runner[0]] == rank_sum.loc[chosen]:
        text.append("tie broken by the higher stability, then the smaller k")
    dropped_size = [k for k in ks if k not in sized]
    if dropped_size:
        verb = "leaves" if len(dropped_size) == 1 else "leave"
        text.append(f"k = {', '.join(map(str, dropped_size))} {verb} a segment under {min_size:.0%}")
    dropped_stab = [k for k in sized if k not in stable]
    if dropped_stab and stable:
        what = "bootstrap" if stab_col == "stability_ari" else "restart"
        verb = "has" if len(dropped_stab) == 1 else "have"
        text.append(f"k = {', '.join(f'{k} ({_fmt(stab.loc[k])})' for k in dropped_stab)} {verb} a {what} adjusted "
                    f"Rand index under {min_stability:g}")
    sil = criteria.loc[chosen, "silhouette"]
    if np.isfinite(sil) and sil < 0.25:
        notes.append(f"the silhouette of {sil:.2f} is under 0.25: the data show no strong segment structure "
                     "(Kaufman & Rousseeuw); the segments are a partition of a continuum")
    explanation = "; ".join(text) + "." + ("" if not notes else " Note: " + "; ".join(notes) + ".")
    return KChoice(k=chosen, votes=votes, admissible=pool, explanation=explanation,
                   rule={"min_size": min_size, "min_stability": min_stability, "stability": stability_source,
                         "voters": list(votes)}, rank_sum={int(k): float(v) for k, v in rank_sum.items()})


def criteria_row(x: np.ndarray, labels: np.ndarray, w: np.ndarray | None, *, sample: np.ndarray | None,
                 bic: float | None) -> dict[str, float]:
    """Silhouette, Calinski-Harabasz, Davies-Bouldin, BIC (own or partition) and the smallest share."""
    n = x.shape[0]
    ww = _wnorm(w, n)
    share = np.bincount(labels, weights=ww) / ww.sum()
    return {
        "silhouette": silhouette(x, labels, ww, sample=sample),
        "calinski_harabasz": calinski_harabasz(x, labels, ww),
        "davies_bouldin": davies_bouldin(x, labels, ww),
        "bic": float(bic) if bic is not None else partition_bic(x, labels, ww),
        "min_share": float(share.min()),
    }


def criteria_frame(rows: Mapping[int, Mapping[str, Any]], columns: Sequence[str] | None = None) -> pd.DataFrame:
    """Criteria rows keyed by k as a DataFrame with ``columns`` (default :data:`CRITERIA_COLUMNS`), NaN where a
    row lacks one."""
    columns = list(CRITERIA_COLUMNS if columns is None else columns)
    frame = pd.DataFrame.from_dict(dict(rows), orient="index")
    for col in columns:
        if col not in frame:
            frame[col] = np.nan
    frame = frame[columns]
    frame.index.name = "k"
    return frame.sort_index()


#: Columns of the latent class criteria table, in order.
LCA_CRITERIA_COLUMNS = ("loglik", "n_parameters", "bic", "aic", "caic", "sabic", "entropy_r2", "min_share",
                        "stability_ari", "stability_ari_sd", "jaccard_min", "replicated", "n_final", "objective",
                        "admissible", "votes")


def choose_k_lca(criteria: pd.DataFrame, *, min_size: float = 0.05, min_stability: float = 0.75) -> KChoice:
    """The latent class rule: the lowest BIC among the admissible k.

    1. **Size**: every class (modal assignment, weighted) holds at least ``min_size`` of the respondents.
    2. **Stability**: a mean bootstrap adjusted Rand index of at least ``min_stability`` (when measured).
    3. Among the k passing both, the **lowest BIC** wins (Nylund, Asparouhov & Muthen, 2007: BIC is the best
       of the information criteria at recovering the number of classes; AIC overfits, CAIC and SABIC are
       reported for comparison). Ties go to the smaller k.

    As :func:`choose_k`, when no k passes both the choice runs over the k passing 1, then over all k, and the
    explanation says so. Notes: BIC still falling at the largest k tried (the range may be too short), an
    entropy R2 under 0.6 (classification uncertain), a best log-likelihood not replicated.
    """
    ks = [int(k) for k in criteria.index]
    ic = {"bic": "BIC", "aic": "AIC", "caic": "CAIC", "sabic": "SABIC"}
    votes = {c: int(criteria[c].astype(float).idxmin()) for c in ic if np.isfinite(criteria[c].astype(float)).any()}
    rule = {"min_size": min_size, "min_stability": min_stability, "criterion": "bic"}
    if len(ks) == 1:
        k = ks[0]
        return KChoice(k=k, votes=votes, admissible=ks, explanation=f"k = {k} was given (not chosen from a range).",
                       rule=rule)
    stab = criteria["stability_ari"].astype(float) if "stability_ari" in criteria else pd.Series(np.nan, index=ks)
    sized, stable, pool, how, notes = _admissible(criteria, stab, min_size, min_stability, ari="bootstrap",
                                                  unit="class", units="classes", advice="consider fewer classes")
    bic = criteria["bic"].astype(float)
    chosen = min(pool, key=lambda k: (bic.loc[k], k))
    runner = sorted((k for k in pool if k != chosen), key=lambda k: (bic.loc[k], k))[:2]
    others = [f"{ic[c]} k = {v}" for c, v in votes.items() if c != "bic" and v != chosen]
    agree = [ic[c] for c, v in votes.items() if c != "bic" and v == chosen]
    text = [f"k = {chosen} has the lowest BIC ({_fmt(bic.loc[chosen])}"
            + "".join(f"; k = {k}: {_fmt(bic.loc[k])}" for k in runner) + ")"
            + f" among k = {', '.join(map(str, pool))} {how}"
            + (f"; {', '.join(agree)} agree" if agree else "")
            + (f"; {', '.join(others)}" if others else "")]
    dropped_size = [k for k in ks if k not in sized]
    if dropped_size:
        verb = "leaves" if len(dropped_size) == 1 else "leave"
        text.append(f"k = {', '.join(map(str, dropped_size))} {verb} a class under {min_size:.0%}")
    dropped_stab = [k for k in sized if k not in stable]
    if dropped_stab and stable:
        verb = "has" if len(dropped_stab) == 1 else "have"
        text.append(f"k = {', '.join(f'{k} ({_fmt(stab.loc[k])})' for k in dropped_stab)} {verb} a bootstrap "
                    f"adjusted Rand index under {min_stability:g}")
    if chosen == max(ks) and votes.get("bic") == max(ks):
        notes.append(f"BIC still falls at the largest k tried ({max(ks)}); a wider range may find a better model")
    ent = float(criteria.loc[chosen, "entropy_r2"]) if "entropy_r2" in criteria else float("nan")
    if np.isfinite(ent) and ent < 0.6:
        notes.append(f"the entropy R2 of {ent:.2f} is under 0.6: the classes overlap and many respondents' "
                     "assignments are uncertain (use the probability column)")
    if "replicated" in criteria and np.isfinite(criteria.loc[chosen, "replicated"]) \
            and criteria.loc[chosen, "replicated"] < 2 and criteria.loc[chosen, "n_final"] > 1:
        notes.append("the best log-likelihood at this k was reached by one start only; rerun with more starts")
    explanation = "; ".join(text) + "." + ("" if not notes else " Note: " + "; ".join(notes) + ".")
    return KChoice(k=chosen, votes=votes, admissible=pool, explanation=explanation, rule=rule)


def lca_criteria_frame(rows: Mapping[int, Mapping[str, Any]]) -> pd.DataFrame:
    """Latent class criteria rows keyed by k as a DataFrame with the columns of :data:`LCA_CRITERIA_COLUMNS`."""
    return criteria_frame(rows, LCA_CRITERIA_COLUMNS)
