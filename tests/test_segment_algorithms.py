"""The segmentation engines against scikit-learn / SciPy and against their own definitions.

- k-means: the Hamerly-bounded Lloyd gives exactly the iterates of a plain Lloyd loop; integer survey weights
  equal duplicated rows; the objective is at least as good as scikit-learn's KMeans with the same starts.
- mixtures: the weighted EM reaches scikit-learn's GaussianMixture log-likelihood (unweighted) for every
  covariance type; integer weights equal duplicated rows; BIC as sklearn's ``bic``.
- Ward / average linkage (NN-chain): the same merge heights and cuts as ``scipy.cluster.hierarchy.linkage``;
  weights equal duplicated rows.
- criteria: silhouette, Calinski-Harabasz, Davies-Bouldin, adjusted Rand equal scikit-learn's unweighted.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.cluster.hierarchy import fcluster, linkage
from scipy.spatial.distance import pdist, squareform
from sklearn.cluster import KMeans
from sklearn.metrics import (
    adjusted_rand_score,
    calinski_harabasz_score,
    davies_bouldin_score,
    silhouette_score,
)
from sklearn.mixture import GaussianMixture

from surveytools.segment._util import adjusted_rand, blas_single_thread, jaccard_best, nearest_center, size_order
from surveytools.segment.ensemble import EnsembleMethod
from surveytools.segment.kmeans import kmeans, kmeans_plusplus, lloyd
from surveytools.segment.mixture import COVARIANCE_TYPES, fit_mixture, n_parameters
from surveytools.segment.selection import calinski_harabasz, davies_bouldin, partition_bic, silhouette
from surveytools.segment.ward import cut_tree, nn_chain, ward_dissimilarity


def blobs(n=600, k=4, d=3, sep=3.0, seed=0):
    rng = np.random.default_rng(seed)
    centers = rng.normal(0, sep, size=(k, d))
    lab = rng.integers(0, k, n)
    return centers[lab] + rng.normal(size=(n, d)), lab


# ----------------------------------------------------------------------------- k-means
def plain_lloyd(x, w, centers, max_iter=300):
    """Textbook weighted Lloyd, stopping when no label changes."""
    labels = None
    for _ in range(max_iter):
        d = ((x[:, None, :] - centers[None]) ** 2).sum(axis=2)
        new = d.argmin(axis=1)
        if labels is not None and np.array_equal(new, labels):
            break
        labels = new
        centers = np.array([np.average(x[labels == g], axis=0, weights=w[labels == g])
                            for g in range(centers.shape[0])])
    return centers, labels


@pytest.mark.parametrize("k", [2, 3, 5, 7])
def test_bounded_lloyd_equals_plain_lloyd(k):
    x, _ = blobs(n=800, k=4, d=3, sep=1.5, seed=k)
    w = np.random.default_rng(k).uniform(0.5, 2.0, len(x))
    c0 = kmeans_plusplus(x, w, k, np.random.default_rng(1))
    fit = lloyd(x, w, c0, tol=0.0)
    centers, labels = plain_lloyd(x, w, c0)
    assert fit.converged
    np.testing.assert_array_equal(fit.labels, labels)
    np.testing.assert_allclose(fit.centers, centers, rtol=0, atol=1e-10)
    d = ((x - fit.centers[fit.labels]) ** 2).sum(axis=1)
    assert fit.inertia == pytest.approx(float(w @ d), rel=1e-12)


def test_kmeans_integer_weights_equal_duplicated_rows():
    x, _ = blobs(n=300, k=3, d=2, seed=2)
    reps = np.random.default_rng(3).integers(1, 4, len(x))
    c0 = kmeans_plusplus(x, reps.astype(float), 3, np.random.default_rng(0))
    a = lloyd(x, reps.astype(float), c0, tol=0.0)
    b = lloyd(np.repeat(x, reps, axis=0), np.ones(reps.sum()), c0, tol=0.0)
    np.testing.assert_allclose(a.centers, b.centers, atol=1e-10)
    np.testing.assert_array_equal(np.repeat(a.labels, reps), b.labels)
    assert a.inertia == pytest.approx(b.inertia, rel=1e-10)


@pytest.mark.parametrize("k", [3, 4, 6])
def test_kmeans_objective_matches_sklearn(k):
    x, _ = blobs(n=1500, k=4, d=4, sep=2.0, seed=10 + k)
    ours, starts = kmeans(x, k, n_init=10, rng=0)
    ref = KMeans(k, n_init=10, random_state=0).fit(x)
    assert len(starts) == 10
    # both are local optima from 10 k-means++ starts: ours must be as good (to 0.1%)
    assert ours.inertia <= ref.inertia_ * 1.001
    labels, dist = nearest_center(x, ours.centers)
    np.testing.assert_array_equal(labels, ours.labels)


def test_kmeans_coarse_to_fine_is_a_full_data_fixed_point():
    x, _ = blobs(n=5000, k=4, d=3, seed=4)
    fit, _ = kmeans(x, 4, n_init=3, rng=1, coarse_size=1000, tol=0.0)
    centers, labels = plain_lloyd(x, np.ones(len(x)), fit.centers)
    np.testing.assert_array_equal(labels, fit.labels)
    np.testing.assert_allclose(centers, fit.centers, atol=1e-9)


def test_kmeans_seeded_and_handles_duplicates():
    x = np.repeat(np.array([[0.0, 0.0], [5.0, 5.0], [0.0, 5.0]]), 20, axis=0)
    a, _ = kmeans(x, 3, n_init=3, rng=5)
    b, _ = kmeans(x, 3, n_init=3, rng=5)
    np.testing.assert_array_equal(a.labels, b.labels)
    assert a.inertia == pytest.approx(0.0, abs=1e-12)
    assert len(np.unique(a.labels)) == 3


# ----------------------------------------------------------------------------- mixtures
@pytest.mark.parametrize("covariance", COVARIANCE_TYPES)
def test_mixture_loglik_matches_sklearn(covariance):
    x, _ = blobs(n=900, k=3, d=3, sep=2.5, seed=7)
    fit, _ = fit_mixture(x, 3, covariance=covariance, n_init=3, rng=0, tol=1e-10)
    reg = 1e-6 * x.var(axis=0).mean()
    with blas_single_thread():  # sklearn's EM on 3 columns is 10x slower with BLAS threads on a busy machine
        ref = GaussianMixture(3, covariance_type=covariance, n_init=3, random_state=0, tol=1e-10, max_iter=2000,
                              reg_covar=reg).fit(x)
    ll_ref = ref.score(x) * len(x)
    assert fit.loglik >= ll_ref - 1e-4 * abs(ll_ref)
    bic = -2 * fit.loglik + n_parameters(3, 3, covariance) * np.log(len(x))
    if abs(fit.loglik - ll_ref) < 1e-6 * abs(ll_ref):
        assert bic == pytest.approx(ref.bic(x), rel=1e-6)


def test_mixture_integer_weights_equal_duplicated_rows():
    x, _ = blobs(n=400, k=2, d=2, sep=3.0, seed=8)
    reps = np.random.default_rng(9).integers(1, 4, len(x))
    a, _ = fit_mixture(x, 2, reps.astype(float), covariance="full", n_init=1, rng=3, tol=1e-12)
    b, _ = fit_mixture(np.repeat(x, reps, axis=0), 2, covariance="full", n_init=1, rng=3, tol=1e-12)
    order_a, order_b = np.argsort(a.means[:, 0]), np.argsort(b.means[:, 0])
    np.testing.assert_allclose(a.means[order_a], b.means[order_b], atol=1e-6)
    np.testing.assert_allclose(a.weights[order_a], b.weights[order_b], atol=1e-6)
    # log-likelihoods are on weights rescaled to mean 1: scale back
    assert a.loglik * reps.mean() == pytest.approx(b.loglik, rel=1e-6)


# ----------------------------------------------------------------------------- Ward
def test_ward_matches_scipy():
    x, _ = blobs(n=250, k=3, d=4, seed=11)
    merges = nn_chain(ward_dissimilarity(x, np.ones(len(x))), np.ones(len(x)))
    z = linkage(x, "ward")
    np.testing.assert_allclose(np.sort(np.sqrt(2 * merges[:, 2])), z[:, 2], rtol=1e-9)
    cuts = cut_tree(merges, len(x), range(2, 9))
    for k in range(2, 9):
        assert adjusted_rand(cuts[k], fcluster(z, k, "maxclust")) == 1.0


def test_weighted_ward_equals_duplicated_rows():
    x, _ = blobs(n=120, k=3, d=2, seed=12)
    reps = np.random.default_rng(13).integers(1, 4, len(x))
    merges = nn_chain(ward_dissimilarity(x, reps.astype(float)), reps.astype(float))
    z = linkage(np.repeat(x, reps, axis=0), "ward")
    # the duplicated data first merge the copies at height 0, then follow the weighted tree
    np.testing.assert_allclose(np.sort(np.sqrt(2 * merges[:, 2])), z[-(len(x) - 1):, 2], rtol=1e-9, atol=1e-12)
    for k in (2, 3, 5):
        ours = np.repeat(cut_tree(merges, len(x), [k])[k], reps)
        assert adjusted_rand(ours, fcluster(z, k, "maxclust")) == 1.0


def test_average_linkage_matches_scipy():
    x, _ = blobs(n=200, k=3, d=3, seed=14)
    merges = nn_chain(squareform(pdist(x)), np.ones(len(x)), "average")
    z = linkage(x, "average")
    np.testing.assert_allclose(np.sort(merges[:, 2]), z[:, 2], rtol=1e-9)
    assert adjusted_rand(cut_tree(merges, len(x), [4])[4], fcluster(z, 4, "maxclust")) == 1.0


# ----------------------------------------------------------------------------- ensemble
def test_ensemble_recovers_blobs_and_predict_reproduces_labels():
    x, truth = blobs(n=1500, k=4, d=3, sep=4.0, seed=15)
    method = EnsembleMethod(n_runs=20, max_points=600)
    sols = method.fit_all(x, np.ones(len(x)), [3, 4, 5], np.random.default_rng(0))
    assert adjusted_rand(sols[4].labels, truth) > 0.95
    pred, score = method.predict(sols[4], x)
    np.testing.assert_array_equal(pred, sols[4].labels)
    assert score.shape == (len(x), 4) and np.all((score >= 0) & (score <= 1 + 1e-12))


# ----------------------------------------------------------------------------- criteria
@pytest.mark.parametrize("seed", [0, 1])
def test_criteria_equal_sklearn_unweighted(seed):
    x, lab = blobs(n=700, k=4, d=3, sep=1.5, seed=seed)
    assert silhouette(x, lab) == pytest.approx(silhouette_score(x, lab), rel=1e-8, abs=1e-10)
    assert calinski_harabasz(x, lab) == pytest.approx(calinski_harabasz_score(x, lab), rel=1e-10)
    assert davies_bouldin(x, lab) == pytest.approx(davies_bouldin_score(x, lab), rel=1e-10)
    # equal weights change nothing
    w = np.full(len(x), 3.7)
    assert silhouette(x, lab, w) == pytest.approx(silhouette_score(x, lab), rel=1e-8, abs=1e-10)
    assert calinski_harabasz(x, lab, w) == pytest.approx(calinski_harabasz_score(x, lab), rel=1e-10)


def test_silhouette_on_a_sample_equals_sklearn_on_that_sample():
    x, lab = blobs(n=900, k=3, d=2, seed=3)
    idx = np.sort(np.random.default_rng(0).choice(len(x), 300, replace=False))
    assert silhouette(x, lab, sample=idx) == pytest.approx(silhouette_score(x[idx], lab[idx]), rel=1e-10)


def test_weighted_ch_and_db_equal_duplicated_rows():
    x, lab = blobs(n=200, k=3, d=2, seed=5)
    reps = np.random.default_rng(6).integers(1, 4, len(x))
    xd, ld = np.repeat(x, reps, axis=0), np.repeat(lab, reps)
    # CH uses N = sum of weights; with weights rescaled to mean 1 N = n, so compare with the rescaled count
    assert davies_bouldin(x, lab, reps.astype(float)) == pytest.approx(davies_bouldin_score(xd, ld), rel=1e-10)
    n, big_n = len(x), reps.sum()
    ch_dup = calinski_harabasz_score(xd, ld)
    # CH = B/W * (N - k)/(k - 1): only the (N - k) factor depends on the total weight
    assert calinski_harabasz(x, lab, reps.astype(float)) == pytest.approx(ch_dup * (n - 3) / (big_n - 3), rel=1e-10)


def test_partition_bic_is_spherical_gaussian_classification_likelihood():
    x, lab = blobs(n=300, k=3, d=2, seed=9)
    n, d = x.shape
    cent = np.array([x[lab == g].mean(axis=0) for g in range(3)])
    sse = ((x - cent[lab]) ** 2).sum()
    sigma2 = sse / (n * d)
    counts = np.bincount(lab)
    ll = (counts * np.log(counts / n)).sum() - n * d / 2 * (np.log(2 * np.pi * sigma2) + 1)
    assert partition_bic(x, lab) == pytest.approx(-2 * ll + (2 + 3 * d + 1) * np.log(n), rel=1e-12)


@settings(max_examples=40, deadline=None)
@given(st.lists(st.integers(0, 4), min_size=2, max_size=60), st.integers(0, 10_000))
def test_adjusted_rand_equals_sklearn(a, seed):
    b = np.random.default_rng(seed).integers(0, 3, len(a))
    assert adjusted_rand(np.array(a), b) == pytest.approx(adjusted_rand_score(a, b), abs=1e-12)
    assert adjusted_rand(np.array(a), np.array(a)) == pytest.approx(1.0)


def test_jaccard_best():
    ref = np.array([0, 0, 0, 1, 1, 1])
    other = np.array([1, 1, 0, 0, 0, 0])
    # C0 = {0,1,2}: best D1 = {0,1} -> 2/3; C1 = {3,4,5}: D0 = {2,3,4,5} -> 3/4
    np.testing.assert_allclose(jaccard_best(ref, other, 2, 2), [2 / 3, 3 / 4])


def test_size_order_largest_first_ties_by_centroid():
    mass = np.array([10.0, 30.0, 10.0])
    centers = np.array([[2.0, 0.0], [0.0, 0.0], [1.0, 5.0]])
    np.testing.assert_array_equal(size_order(mass, centers), [1, 2, 0])
