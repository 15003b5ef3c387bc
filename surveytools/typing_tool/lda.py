"""Linear discriminant analysis in numpy: Fisher's classification functions and fast cross-validation.

The classifier behind the typing tool. With group means :math:`\\mu_k`, the pooled within-group
covariance :math:`S` and priors :math:`\\pi_k`, Fisher's linear classification function of segment
:math:`k` is

.. math:: f_k(x) = c_{k0} + \\sum_j c_{kj} x_j, \\qquad c_k = S^{-1} \\mu_k, \\qquad
          c_{k0} = -\\tfrac12 \\mu_k^\\top S^{-1} \\mu_k + \\ln \\pi_k

A respondent belongs to the segment with the highest score, and the posterior probability of segment
:math:`k` is :math:`\\exp f_k / \\sum_l \\exp f_l` (the Gaussian LDA posterior: the quadratic term
:math:`-\\tfrac12 x^\\top S^{-1} x` is the same for every segment and cancels).

:math:`S = \\sum_i w_i (x_i - \\mu_{g_i})(x_i - \\mu_{g_i})^\\top / (\\sum_i w_i - K)` with the weights
scaled to sum to the number of respondents (all 1 when unweighted), as R ``MASS::lda`` and SPSS
DISCRIMINANT (divisor :math:`n - K`).

References
----------
Fisher, R. A. (1936). The use of multiple measurements in taxonomic problems. *Annals of Eugenics*, 7,
179-188.
Huberty, C. J., & Olejnik, S. (2006). *Applied MANOVA and Discriminant Analysis* (2nd ed.), ch. 8-9. Wiley.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from ..exceptions import EstimationError

__all__ = ["LDAFit", "fit_lda", "classification_scores", "posterior_from_scores", "CVEngine",
           "stepwise_select", "StepwiseResult"]

# a subset whose pooled covariance has a (correlation-scaled) eigenvalue below this is collinear
_SINGULAR = 1e-10




@dataclass(frozen=True)
class LDAFit:
    """A fitted linear discriminant analysis (arrays, no labels; the typing tool adds them).

    Attributes
    ----------
    means
        Group means, shape (K, p).
    covariance
        Pooled within-group covariance, shape (p, p).
    priors
        Prior probabilities, shape (K,).
    coef
        Classification-function coefficients :math:`c_{kj}`, shape (K, p).
    const
        Classification-function constants :math:`c_{k0}`, shape (K,).
    """

    means: np.ndarray
    covariance: np.ndarray
    priors: np.ndarray
    coef: np.ndarray
    const: np.ndarray


def _normalized_weights(n: int, w: np.ndarray | None) -> np.ndarray:
    if w is None:
        return np.ones(n)
    w = np.asarray(w, dtype=float)
    return w * (n / w.sum())


def _group_stats(x: np.ndarray, y: np.ndarray, k: int, w: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Weighted group totals, means (K, p) and the within-group scatter matrix (p, p)."""
    onehot = np.zeros((len(y), k))
    onehot[np.arange(len(y)), y] = w
    totals = onehot.sum(axis=0)
    if np.any(totals <= 0):
        raise EstimationError(f"segment(s) {', '.join(str(i + 1) for i in np.flatnonzero(totals <= 0))} have no "
                              "respondents in the training data")
    means = (onehot.T @ x) / totals[:, None]
    centred = x - means[y]
    scatter = (centred * w[:, None]).T @ centred
    return totals, means, scatter


def _priors(totals: np.ndarray, priors: str | Sequence[float] | np.ndarray) -> np.ndarray:
    if isinstance(priors, str):
        if priors == "proportional":
            return totals / totals.sum()
        if priors == "equal":
            return np.full(len(totals), 1.0 / len(totals))
        raise ValueError(f"priors must be 'proportional', 'equal' or a list of probabilities, not {priors!r}")
    p = np.asarray(priors, dtype=float)
    if p.shape != totals.shape or np.any(p <= 0):
        raise ValueError(f"priors must be {len(totals)} positive numbers, one per segment")
    return p / p.sum()


def _functions(means: np.ndarray, cov: np.ndarray, priors: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    coef = np.linalg.solve(cov, means.T).T
    const = -0.5 * np.einsum("kp,kp->k", means, coef) + np.log(priors)
    return coef, const


def fit_lda(x: np.ndarray, y: np.ndarray, k: int, *, weights: np.ndarray | None = None,
            priors: str | Sequence[float] | np.ndarray = "proportional") -> LDAFit:
    """Fit a linear discriminant analysis and its classification functions.

    Parameters
    ----------
    x
        Complete data, shape (n, p).
    y
        Group codes 0..K-1, shape (n,).
    k
        Number of groups K.
    weights
        Optional case weights (scaled internally to sum to n).
    priors
        ``"proportional"`` (weighted group shares, as R ``MASS::lda``), ``"equal"`` (SPSS's default) or K
        probabilities.

    Returns
    -------
    LDAFit

    Raises
    ------
    EstimationError
        An empty group, fewer respondents than items plus groups, or a singular pooled covariance
        (an item constant within segments, or items that are exact combinations of others).
    """
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=np.intp)
    n, p = x.shape
    if n - k < 1:
        raise EstimationError(f"{n} respondents are too few for {k} segments; the pooled covariance needs n > k")
    w = _normalized_weights(n, weights)
    totals, means, scatter = _group_stats(x, y, k, w)
    cov = scatter / (w.sum() - k)
    sd = np.sqrt(np.diag(cov))
    if np.any(sd <= 0) or np.linalg.eigvalsh(cov / np.outer(sd, sd))[0] < _SINGULAR:
        raise EstimationError("the pooled within-segment covariance of the items is singular (an item does not vary "
                              "within segments, or items are exact combinations of others); drop such items")
    pri = _priors(totals, priors)
    coef, const = _functions(means, cov, pri)
    return LDAFit(means=means, covariance=cov, priors=pri, coef=coef, const=const)


def classification_scores(x: np.ndarray, coef: np.ndarray, const: np.ndarray) -> np.ndarray:
    """Scores :math:`f_k(x) = c_{k0} + x c_k`, shape (n, K): one matrix product."""
    return x @ coef.T + const


def posterior_from_scores(scores: np.ndarray) -> np.ndarray:
    """Posterior probabilities :math:`\\exp f_k / \\sum_l \\exp f_l` (stable softmax over rows)."""
    z = scores - scores.max(axis=1, keepdims=True)
    np.exp(z, out=z)
    z /= z.sum(axis=1, keepdims=True)
    return z


class CVEngine:
    """Cross-validated accuracy of LDA on many item subsets at once.

    Per fold, the training means and within-group scatter of *all* candidate items are computed once;
    the LDA of any subset is then a sub-block of those matrices, so evaluating a batch of subsets is a
    batched solve and a batched matrix product (no refitting, no Python loop over subsets).

    Parameters
    ----------
    x
        Complete data of the candidate items, shape (n, p).
    y
        Group codes 0..K-1.
    k
        Number of groups.
    folds
        Test-row indices of each fold (the training rows are the rest).
    weights
        Optional case weights: training statistics are weighted and accuracy is the weighted share of
        correctly classified test respondents.
    priors
        As in :func:`fit_lda` (proportional priors are recomputed on each training fold).
    """

    def __init__(self, x: np.ndarray, y: np.ndarray, k: int, folds: Sequence[np.ndarray], *,
                 weights: np.ndarray | None = None, priors: str | Sequence[float] | np.ndarray = "proportional"
                 ) -> None:
        self.x = np.asarray(x, dtype=float)
        self.y = np.asarray(y, dtype=np.intp)
        self.k = k
        n, self.p = self.x.shape
        w = _normalized_weights(n, weights)
        self._folds = []
        self._tests: list[np.ndarray] = []
        for test in folds:
            train = np.ones(n, dtype=bool)
            train[test] = False
            wt = _normalized_weights(int(train.sum()), w[train])
            totals, means, scatter = _group_stats(self.x[train], self.y[train], k, wt)
            cov = scatter / (wt.sum() - k)
            logprior = np.log(_priors(totals, priors))
            xt = np.ascontiguousarray(self.x[test].T)  # (p, n_test)
            self._folds.append((means, cov, logprior, xt, self.y[test], w[test]))
            self._tests.append(np.asarray(test, dtype=np.intp))
        self.total_weight = float(sum(f[5].sum() for f in self._folds))

    def evaluate(self, subsets: np.ndarray, *, chunk_elements: int = 4_000_000
                 ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Cross-validated accuracy of each subset of items.

        Parameters
        ----------
        subsets
            Item indices, shape (C, m): C subsets of m items each.

        Returns
        -------
        accuracy
            Share of test respondents (weighted) classified into their segment, shape (C,).
        loglik
            Mean log posterior probability of the true segment (a smooth tie-breaker), shape (C,).
        valid
            False where a subset's pooled covariance is singular in some fold (accuracy is then -1).
        """
        subsets = np.atleast_2d(np.asarray(subsets, dtype=np.intp))
        c, m = subsets.shape
        correct = np.zeros(c)
        loglik = np.zeros(c)
        valid = np.ones(c, dtype=bool)
        for means, cov, logprior, xt, yt, wt in self._folds:
            s = cov[subsets[:, :, None], subsets[:, None, :]]  # (C, m, m)
            sd = np.sqrt(np.einsum("cii->ci", s))
            with np.errstate(divide="ignore", invalid="ignore"):
                r = s / (sd[:, :, None] * sd[:, None, :])
                ok = np.all(sd > 0, axis=1)
                r[~ok] = np.eye(m)
                ok &= np.linalg.eigvalsh(r)[:, 0] >= _SINGULAR
            valid &= ok
            s[~ok] = np.eye(m)
            mu = means[:, subsets].transpose(1, 2, 0)  # (C, m, K)
            coef = np.linalg.solve(s, mu)  # (C, m, K)
            const = -0.5 * np.einsum("cmk,cmk->ck", mu, coef) + logprior  # (C, K)
            coef_t = coef.transpose(0, 2, 1)  # (C, K, m)
            nt = xt.shape[1]
            step = max(1, chunk_elements // max(1, nt * (m + self.k)))
            rows = np.arange(nt)
            for a in range(0, c, step):
                b = min(c, a + step)
                scores = np.matmul(coef_t[a:b], xt[subsets[a:b]])  # (c, K, n_test)
                scores += const[a:b, :, None]
                # argmax and log-sum-exp over K by running passes over contiguous (c, n_test) slices: a
                # reduction over the middle axis is strided and several times slower
                top = scores[:, 0, :].copy()
                pred = np.zeros(top.shape, dtype=np.intp)
                for kk in range(1, self.k):
                    upd = scores[:, kk, :] > top  # strict: the first maximum wins, as argmax
                    np.copyto(top, scores[:, kk, :], where=upd)
                    pred[upd] = kk
                correct[a:b] += (pred == yt) @ wt
                acc_exp = np.zeros(top.shape)
                for kk in range(self.k):
                    acc_exp += np.exp(scores[:, kk, :] - top)
                lse = top + np.log(acc_exp)
                loglik[a:b] += (scores[:, yt, rows] - lse) @ wt
        acc = correct / self.total_weight
        acc[~valid] = -1.0
        ll = loglik / self.total_weight
        ll[~valid] = -np.inf
        return acc, ll, valid

    def evaluate_additions(self, current: Sequence[int], candidates: Sequence[int], *,
                           chunk_elements: int = 4_000_000) -> tuple[np.ndarray, np.ndarray]:
        r"""Cross-validated accuracy of ``current + [j]`` for every candidate item ``j``, by updating.

        With the partitioned inverse of the pooled covariance, adding item :math:`j` to a set :math:`S` changes
        each classification score by a term in the within-segment residual of item :math:`j` given
        :math:`S`:

        .. math:: f_k^{S+j}(x) = f_k^S(x) + \frac{\rho_{kj}}{d_j} r_j(x) - \frac{\rho_{kj}^2}{2 d_j}

        with :math:`b_j = S_{SS}^{-1} S_{Sj}`, :math:`d_j = S_{jj} - S_{jS} b_j`,
        :math:`r_j(x) = x_j - x_S^\top b_j` and :math:`\rho_{kj} = \mu_{kj} - \mu_{kS}^\top b_j`.
        A step therefore costs one matrix product for the residuals instead of one per candidate.

        Returns
        -------
        accuracy
            Shape (C,), -1 where the candidate is (numerically) a combination of the current items.
        valid
            False for those candidates.
        """
        cur = np.asarray(current, dtype=np.intp)
        cand = np.asarray(candidates, dtype=np.intp)
        c = len(cand)
        correct = np.zeros(c)
        valid = np.ones(c, dtype=bool)
        for means, cov, logprior, xt, yt, wt in self._folds:
            nt = xt.shape[1]
            if len(cur):
                s_ss = cov[np.ix_(cur, cur)]
                a = np.linalg.solve(s_ss, means[:, cur].T)  # (m, K)
                base = a.T @ xt[cur] + (-0.5 * np.einsum("km,mk->k", means[:, cur], a) + logprior)[:, None]
                b = np.linalg.solve(s_ss, cov[np.ix_(cur, cand)])  # (m, C)
                d = cov[cand, cand] - np.einsum("mc,mc->c", cov[np.ix_(cur, cand)], b)
                rho = means[:, cand] - means[:, cur] @ b  # (K, C)
                resid = xt[cand] - b.T @ xt[cur]  # (C, n_test)
            else:
                base = np.repeat(logprior[:, None], nt, axis=1)
                d = cov[cand, cand].copy()
                rho = means[:, cand]
                resid = xt[cand]
            ok = d > _SINGULAR * np.maximum(cov[cand, cand], 1e-300)
            valid &= ok
            d = np.where(ok, d, 1.0)
            slope = (rho / d).T  # (C, K)
            shift = (-0.5 * rho * rho / d).T  # (C, K)
            step = max(1, chunk_elements // max(1, nt * self.k))
            for lo in range(0, c, step):
                hi = min(c, lo + step)
                top = None
                pred = np.zeros((hi - lo, nt), dtype=np.intp)
                for kk in range(self.k):
                    sk = base[kk][None, :] + slope[lo:hi, kk, None] * resid[lo:hi] + shift[lo:hi, kk, None]
                    if top is None:
                        top = sk
                        continue
                    upd = sk > top  # strict: the first maximum wins, as argmax
                    np.copyto(top, sk, where=upd)
                    np.copyto(pred, kk, where=upd)
                correct[lo:hi] += (pred == yt) @ wt
        acc = correct / self.total_weight
        acc[~valid] = -1.0
        return acc, valid

    def predictions(self, subset: Sequence[int]) -> np.ndarray:
        """Out-of-fold predicted group code of every respondent for one subset of items."""
        sub = np.asarray(subset, dtype=np.intp)
        pred = np.full(len(self.y), -1, dtype=np.intp)
        for (means, cov, logprior, xt, _yt, _wt), test in zip(self._folds, self._tests, strict=True):
            coef, const = _functions(means[:, sub], cov[np.ix_(sub, sub)], np.exp(logprior))
            pred[test] = (xt[sub].T @ coef.T + const).argmax(axis=1)
        return pred


@dataclass(frozen=True)
class StepwiseResult:
    """The path of a stepwise search.

    Attributes
    ----------
    sets
        Best item subset found for each size 1..N (indices into the candidate items).
    accuracy, loglik
        Their cross-validated accuracy and mean log posterior of the true segment.
    added
        The item entered to reach each size (forward step that first produced the best set of that size).
    steps
        Every move in order: ``("add" | "remove", item index, size after the move, accuracy)``.
    """

    sets: list[tuple[int, ...]]
    accuracy: np.ndarray
    loglik: np.ndarray
    added: list[int]
    steps: list[tuple[str, int, int, float]]


def _better(a: tuple[float, float], b: tuple[float, float]) -> bool:
    """Is (accuracy, loglik) ``a`` strictly better than ``b``? Accuracy first, log-likelihood breaks ties."""
    if a[0] > b[0] + 1e-12:
        return True
    return abs(a[0] - b[0]) <= 1e-12 and a[1] > b[1] + 1e-12


def _pick(acc: np.ndarray, ll: np.ndarray) -> int:
    """Index of the best candidate: highest accuracy, then highest log-likelihood, then the first."""
    best = acc.max()
    tied = np.flatnonzero(acc >= best - 1e-12)
    return int(tied[np.argmax(ll[tied])])


def stepwise_select(engine: CVEngine, max_items: int, *, floating: bool = False,
                    eligible: Sequence[int] | None = None,
                    progress: Callable[[str, int, int], None] | None = None) -> StepwiseResult:
    """Forward (optionally floating) selection of items by cross-validated accuracy.

    Each forward step adds the item whose inclusion gives the highest cross-validated accuracy (ties:
    the highest mean log posterior of the true segment). With ``floating`` (sequential floating forward
    selection, Pudil et al. 1994) each addition is followed by conditional removals: an item is dropped
    whenever the smaller set beats the best set of that size found so far.

    Parameters
    ----------
    engine
        The cross-validation engine holding the candidate items.
    max_items
        Largest subset size.
    floating
        Run the backward (conditional exclusion) pass after each addition.
    eligible
        Indices of the items that may enter (default all).
    progress
        ``progress(label, done, total)`` after each forward step.

    References
    ----------
    Pudil, P., Novovicova, J., & Kittler, J. (1994). Floating search methods in feature selection.
    *Pattern Recognition Letters*, 15, 1119-1125.
    """
    pool = list(range(engine.p)) if eligible is None else [int(i) for i in eligible]
    max_items = min(max_items, len(pool))
    best: dict[int, tuple[float, float, tuple[int, ...]]] = {}
    added_at: dict[int, int] = {}
    steps: list[tuple[str, int, int, float]] = []
    current: list[int] = []
    moves = 0
    limit = 20 * max(1, max_items)

    def record(items: list[int], acc: float, ll: float, item: int) -> bool:
        size = len(items)
        if size not in best or _better((acc, ll), best[size][:2]):
            best[size] = (acc, ll, tuple(items))
            added_at[size] = item
            return True
        return False

    while len(current) < max_items and moves < limit:
        cands = [j for j in pool if j not in current]
        if not cands:
            break
        fast, ok = engine.evaluate_additions(current, cands)
        if not ok.any():
            break
        # exact evaluation (with the log-likelihood tie-breaker) of the candidates tied at the top
        tied = [cands[t] for t in np.flatnonzero(fast >= fast.max() - 1e-9)]
        subsets = np.array([current + [j] for j in tied], dtype=np.intp)
        acc, ll, valid = engine.evaluate(subsets)
        if not valid.any():
            break
        acc = np.where(valid, acc, -1.0)
        cands = tied
        i = _pick(acc, ll)
        current = current + [cands[i]]
        moves += 1
        size = len(current)
        if size in best and not _better((acc[i], ll[i]), best[size][:2]):
            # floating search came back to a size with a better set: continue from that set
            current = list(best[size][2])
        else:
            record(current, float(acc[i]), float(ll[i]), cands[i])
        steps.append(("add", cands[i], size, float(acc[i])))
        if progress is not None:
            progress("selecting golden questions", min(len(current), max_items), max_items)
        while floating and len(current) > 2 and moves < limit:
            last = current[-1]
            drop = [j for j in current if j != last]
            subsets = np.array([[x for x in current if x != j] for j in drop], dtype=np.intp)
            acc, ll, valid = engine.evaluate(subsets)
            if not valid.any():
                break
            i = _pick(acc, ll)
            size = len(current) - 1
            if not _better((acc[i], ll[i]), best[size][:2]):
                break
            current = [x for x in current if x != drop[i]]
            record(current, float(acc[i]), float(ll[i]), last)
            steps.append(("remove", drop[i], size, float(acc[i])))
            moves += 1
    sizes = sorted(best)
    if not sizes:
        raise EstimationError("no item subset could be evaluated: every candidate item is constant within segments "
                              "or collinear; check the items")
    return StepwiseResult(
        sets=[best[s][2] for s in sizes],
        accuracy=np.array([best[s][0] for s in sizes]),
        loglik=np.array([best[s][1] for s in sizes]),
        added=[added_at[s] for s in sizes],
        steps=steps,
    )
