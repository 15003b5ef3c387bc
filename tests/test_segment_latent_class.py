"""Latent class core (surveytools.segment.latent_class) and its structural models (lca_structural).

Reference values come from StepMix 3.0 (``stepmix.stepmix.StepMix``) fitted on the same data with the same
measurement model, and from direct computations (the log-likelihood summed row by row with scipy).
"""

from __future__ import annotations

import warnings
from dataclasses import replace
from itertools import permutations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st
from lca_data import mixed_matrix
from scipy.stats import norm

from surveytools.exceptions import DataError, EmptyClassWarning, ReplicationWarning
from surveytools.segment._util import adjusted_rand
from surveytools.segment.latent_class import (  # noqa: PLC2701 - white-box checks
    _em,
    _prior_counts,
    _random_params,
    _warn_fit,
    average_posterior,
    encode,
    fit_latent_class,
    item_specs,
    lca_criteria,
    posterior,
)
from surveytools.segment.lca_structural import (
    bch_weights,
    classification_error,
    covariate_model,
    design_matrix,
    distal_outcomes,
    one_step,
)

stepmix = pytest.importorskip("stepmix.stepmix")


def _specs(x, kinds, **kw):
    return item_specs(x, [f"v{j}" for j in range(x.shape[1])], kinds, **kw)


def _stepmix(x, kinds, k, nan=False, **kw):
    """StepMix on the same columns: categorical items as 0-based codes, then the Gaussian items."""
    ncat = sum(kd == "categorical" for kd in kinds)
    suffix = "_nan" if nan else ""
    desc = {"cat": {"model": "categorical" + suffix, "n_columns": ncat}}
    if x.shape[1] > ncat:
        desc["num"] = {"model": "gaussian_diag" + suffix, "n_columns": x.shape[1] - ncat}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return stepmix.StepMix(n_components=k, measurement=desc, progress_bar=0, verbose=0, abs_tol=1e-10,
                               max_iter=3000, **kw).fit(x)


def _match(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Permutation of b's classes that best matches a's (posteriors n x k)."""
    k = a.shape[1]
    return np.array(max(permutations(range(k)), key=lambda o: float((a * b[:, list(o)]).sum())))


@pytest.mark.parametrize("missing", [0.0, 0.08])
def test_log_likelihood_and_parameters_equal_stepmix(missing):
    # same data, same k, same model (categorical + diagonal Gaussian, plain ML, no transform)
    x, kinds, _ = mixed_matrix(1200, 3, seed=2, n_cat=4, n_num=2, skewed=False, missing=missing)
    specs = _specs(x, kinds, transform=False)
    fit = fit_latent_class(x, 3, specs, n_init=10, prior=0.0, var_floor=1e-12, tol=1e-11, max_iter=5000, rng=0)
    sm = _stepmix(x, kinds, 3, nan=missing > 0, n_init=4, random_state=0)
    ll_sm = sm.score(x) * x.shape[0]
    assert fit.loglik == pytest.approx(ll_sm, abs=2e-3)
    assert fit.n_parameters == sm.n_parameters
    ours = posterior(fit, encode(specs, x))
    o = _match(ours, sm.predict_proba(x))
    par = sm.get_parameters()
    np.testing.assert_allclose(fit.weights, par["weights"][o], atol=1e-4)
    cat = par["measurement"]["cat"]["pis"][o]  # k x (items * max levels), zero-padded
    max_l = cat.shape[1] // 4
    off = 0
    for j, s in enumerate(specs[:4]):
        L = len(s.levels)
        np.testing.assert_allclose(fit.probs[:, off:off + L], cat[:, j * max_l:j * max_l + L], atol=2e-4)
        off += L
    num = par["measurement"]["num"]
    for t, s in enumerate(specs[4:]):
        np.testing.assert_allclose(fit.means[:, t] * s.scale + s.center, num["means"][o, t], rtol=1e-4)
        np.testing.assert_allclose(fit.variances[:, t] * s.scale ** 2, num["covariances"][o, t], rtol=1e-3)


def test_log_likelihood_by_hand_with_missing_answers_and_log_transform():
    x, kinds, _ = mixed_matrix(300, 2, seed=5, n_cat=2, n_num=2, skewed=True, missing=0.1)
    specs = _specs(x, kinds)
    assert [s.transform for s in specs[2:]] == ["log1p", "none"]
    fit = fit_latent_class(x, 2, specs, n_init=4, rng=1)
    par = fit.item_parameters()
    total = 0.0
    for i in range(x.shape[0]):  # row by row, the slow obvious way
        dens = np.log(fit.weights).copy()
        for s, v in zip(specs, x[i], strict=True):
            if np.isnan(v):
                continue  # a missing answer contributes nothing
            p = par[s.name]
            for c in range(2):
                if s.discrete:
                    dens[c] += np.log(p["probabilities"][str(c + 1)][s.levels.index(v)])
                elif s.transform == "log1p":
                    dens[c] += norm.logpdf(np.log1p(v), p["mean"][str(c + 1)], p["sd"][str(c + 1)]) - np.log1p(v)
                else:
                    dens[c] += norm.logpdf(v, p["mean"][str(c + 1)], p["sd"][str(c + 1)])
        total += np.logaddexp.reduce(dens)
    assert fit.loglik == pytest.approx(total, rel=1e-10)


def test_recovery_at_least_stepmix_on_categorical_and_skewed_items():
    x, kinds, z = mixed_matrix(2000, 3, seed=11, n_cat=5, n_num=2, skewed=True)
    specs = _specs(x, kinds)
    fit = fit_latent_class(x, 3, specs, rng=0)
    ours = adjusted_rand(posterior(fit, encode(specs, x)).argmax(axis=1), z)
    sm = _stepmix(x, kinds, 3, n_init=10, random_state=0)
    theirs = adjusted_rand(sm.predict(x), z)
    assert ours >= theirs - 1e-12
    assert ours > 0.8


def test_integer_weights_equal_duplicated_rows():
    x, kinds, _ = mixed_matrix(400, 2, seed=3, n_cat=3, n_num=1, missing=0.05)
    specs = _specs(x, kinds, transform=False)
    c = np.random.default_rng(0).integers(1, 4, size=400)
    # prior=0: the prior's pseudo-answers are per class, not per respondent, so they weigh differently
    fw = fit_latent_class(x, 2, specs, w=c.astype(float), n_init=6, tol=1e-12, max_iter=5000, rng=0, prior=0.0)
    dup = np.repeat(x, c, axis=0)
    fd = fit_latent_class(dup, 2, specs, n_init=6, tol=1e-12, max_iter=5000, rng=0, prior=0.0)
    # weights are rescaled to mean 1: the weighted log-likelihood is the duplicated one times n / sum(c)
    assert fw.loglik * c.sum() / 400 == pytest.approx(fd.loglik, rel=1e-7)
    o = np.argsort(fw.weights)
    od = np.argsort(fd.weights)
    np.testing.assert_allclose(fw.probs[o], fd.probs[od], atol=1e-6)


def test_prior_is_the_documented_dirichlet_fixed_point():
    # at convergence p_cl = (sum_i v_i r_ic [y_ij = l] + a m_l) / (sum_i v_i r_ic [y_ij observed] + a)
    x, kinds, _ = mixed_matrix(500, 2, seed=8, n_cat=3, n_num=0, missing=0.05)
    specs = _specs(x, kinds)
    fit = fit_latent_class(x, 2, specs, prior=2.0, n_init=6, tol=1e-13, max_iter=20000, rng=0)
    enc = encode(specs, x)
    r = posterior(fit, enc)
    prior = _prior_counts(enc, np.ones(500), 2.0)
    cnt = enc.onehot.T @ r + prior[:, None]
    den = np.add.reduceat(cnt, enc.starts, axis=0)[enc.block]
    np.testing.assert_allclose(fit.probs, (cnt / den).T, atol=1e-7)
    # no probability falls under its prior share: the floor that keeps every level possible in every class
    assert np.all(fit.probs.T >= prior[:, None] / den - 1e-15) and fit.probs.min() > 0


def test_criteria_equal_stepmix_formulas():
    x, kinds, _ = mixed_matrix(700, 3, seed=4, n_cat=4, n_num=1, skewed=False)
    sm = _stepmix(x, kinds, 3, n_init=2, random_state=0)
    ll = sm.score(x) * 700
    crit = lca_criteria(ll, int(sm.n_parameters), 700, sm.predict_proba(x))
    assert crit["bic"] == pytest.approx(sm.bic(x))
    assert crit["aic"] == pytest.approx(sm.aic(x))
    assert crit["caic"] == pytest.approx(sm.caic(x))
    assert crit["entropy_r2"] == pytest.approx(sm.relative_entropy(x), abs=1e-9)
    # SABIC: Sclove's n* = (n + 2) / 24 (StepMix's sabic() multiplies by n; Mplus and Latent GOLD use n*)
    assert crit["sabic"] == pytest.approx(-2 * ll + sm.n_parameters * np.log(702 / 24))


def test_average_posterior_per_class():
    proba = np.array([[0.9, 0.1], [0.6, 0.4], [0.2, 0.8], [0.3, 0.7]])
    ap = average_posterior(proba, proba.argmax(axis=1))
    np.testing.assert_allclose(ap, [0.75, 0.75])
    ap_w = average_posterior(proba, proba.argmax(axis=1), np.array([1.0, 3.0, 1.0, 1.0]))
    assert ap_w[0] == pytest.approx((0.9 + 3 * 0.6) / 4)


def test_replication_is_counted_and_warned():
    x, kinds, _ = mixed_matrix(600, 2, seed=5, n_cat=4, n_num=1)
    specs = _specs(x, kinds)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        good = fit_latent_class(x, 2, specs, n_init=8, n_final=4, rng=0)
    assert good.replicated == 4 and good.n_final == 4
    with pytest.warns(ReplicationWarning, match="reached by only 1 of 4"):
        bad = fit_latent_class(x, 6, specs, n_init=8, n_final=4, rng=0)
    assert bad.replicated == 1
    assert bad.final_logliks[0] == bad.loglik and np.all(np.diff(bad.final_logliks) <= 0)


def test_empty_class_warning():
    x, kinds, _ = mixed_matrix(200, 2, seed=1, n_cat=2, n_num=0)
    fit = fit_latent_class(x, 2, _specs(x, kinds), n_init=2, rng=0, warn=False)
    with pytest.warns(EmptyClassWarning, match="1 class"):
        _warn_fit(replace(fit, weights=np.array([1.0 - 1e-6, 1e-6]), replicated=2))


def test_item_errors_and_transform_choice():
    x = np.column_stack([np.ones(50), np.arange(50.0) % 3])
    with pytest.raises(DataError, match="'a' has one level only"):
        item_specs(x, ["a", "b"], ["categorical", "categorical"])
    with pytest.raises(DataError, match="no answer"):
        item_specs(np.full((5, 1), np.nan), ["a"], ["gaussian"])
    with pytest.raises(DataError, match="unknown measurement model"):
        item_specs(x[:, 1:], ["b"], ["poisson"])
    rng = np.random.default_rng(0)
    sym = rng.normal(10, 2, 500)
    skew = np.exp(rng.normal(3, 1, 500))
    specs = item_specs(np.column_stack([sym, skew, -skew]), ["s", "k", "neg"], ["gaussian"] * 3)
    assert [s.transform for s in specs] == ["none", "log1p", "none"]  # negative values are never logged
    assert specs[1].skewness > 2


def test_unknown_codes_count_as_missing():
    x, kinds, _ = mixed_matrix(300, 2, seed=2, n_cat=2, n_num=1)
    specs = _specs(x, kinds)
    fit = fit_latent_class(x, 2, specs, n_init=4, rng=0)
    new = x[:5].copy()
    new[0, 0] = 99.0
    enc = encode(specs, new)
    assert enc.unknown == {"v0": 1}
    as_missing = new.copy()
    as_missing[0, 0] = np.nan
    np.testing.assert_allclose(posterior(fit, enc), posterior(fit, encode(specs, as_missing)))


# ---------------------------------------------------------------------------------------------- structural
@pytest.fixture(scope="module")
def three_step_data():
    rng = np.random.default_rng(3)
    x, kinds, z = mixed_matrix(1500, 3, 4, n_cat=6, n_num=0, sep=0.5)
    age = rng.normal(0, 1, 1500) + (z == 1) * 0.8 - (z == 2) * 0.5
    y = np.array([1.0, 3.0, 5.0])[z] + rng.normal(0, 1, 1500)
    return x, kinds, z, age, y


def test_three_step_ml_covariates_equal_stepmix(three_step_data):
    x, kinds, _, age, _ = three_step_data
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        sm = stepmix.StepMix(n_components=3, measurement="categorical", structural="covariate", n_steps=3,
                             correction="ML", n_init=5, max_iter=2000, abs_tol=1e-10, progress_bar=0, verbose=0,
                             random_state=0, structural_params={"method": "newton-raphson", "max_iter": 1})
        sm.fit(x, age[:, None])
    beta = sm.get_parameters()["structural"]["beta"]  # classes x (intercept, age), all classes free
    res = covariate_model(design_matrix(pd.DataFrame({"age": age}), {"age": "numeric"}), sm.predict_proba(x),
                          np.ones(1500), "ml")
    for c in (2, 3):
        e = res["effects"][str(c)]
        assert e["(intercept)"]["coef"] == pytest.approx(beta[c - 1, 0] - beta[0, 0], abs=1e-4)
        assert e["age"]["coef"] == pytest.approx(beta[c - 1, 1] - beta[0, 1], abs=1e-4)
        assert e["age"]["odds_ratio"] == pytest.approx(np.exp(e["age"]["coef"]))
        assert 0 < e["age"]["se"] < 0.2


def test_bch_distal_means_equal_stepmix_and_wald(three_step_data):
    x, _, z, _, y = three_step_data
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        sm = stepmix.StepMix(n_components=3, measurement="categorical", structural="gaussian_unit", n_steps=3,
                             correction="BCH", n_init=5, max_iter=2000, abs_tol=1e-10, progress_bar=0, verbose=0,
                             random_state=0).fit(x, y[:, None])
    proba = sm.predict_proba(x)
    res = distal_outcomes(pd.DataFrame({"y": y}), {}, proba, np.ones(1500))["y"]
    means = sm.get_parameters()["structural"]["means"][:, 0]
    np.testing.assert_allclose([res["mean"][str(c)] for c in (1, 2, 3)], means, rtol=1e-10)
    assert res["df"] == 2 and res["p"] < 1e-10
    # equal means: the Wald test does not reject (seeded noise unrelated to the classes)
    flat = distal_outcomes(pd.DataFrame({"y": np.random.default_rng(1).normal(0, 1, 1500)}), {}, proba,
                           np.ones(1500))["y"]
    assert flat["p"] > 0.01
    # BCH weights: rows sum to 1; D is row-stochastic
    lab, d = classification_error(proba)
    np.testing.assert_allclose(d.sum(axis=1), 1.0)
    np.testing.assert_allclose(bch_weights(proba).sum(axis=1), 1.0)


def test_covariate_estimators_recover_the_truth():
    rng = np.random.default_rng(5)
    n = 3000
    age = rng.normal(40, 10, n)
    eta = np.column_stack([np.zeros(n), -2 + 0.05 * age, 1 - 0.03 * age])
    p = np.exp(eta)
    p /= p.sum(axis=1, keepdims=True)
    z = (rng.random(n)[:, None] > np.cumsum(p, axis=1)[:, :-1]).sum(axis=1)
    prof = np.array([[0.8, 0.1, 0.1], [0.1, 0.8, 0.1], [0.1, 0.1, 0.8]])
    x = np.column_stack([(rng.random(n)[:, None] > np.cumsum(prof[z], axis=1)[:, :-1]).sum(axis=1)
                         for _ in range(6)]).astype(float)
    specs = _specs(x, ["categorical"] * 6)
    fit = fit_latent_class(x, 3, specs, rng=1)
    enc = encode(specs, x)
    post = posterior(fit, enc)
    o = np.array([int(np.argmax(np.bincount(post.argmax(axis=1)[z == t], minlength=3))) for t in range(3)])
    post, fit = post[:, o], fit.permuted(o)
    design = design_matrix(pd.DataFrame({"age": age}), {"age": "numeric"})
    truth = {"2": 0.05, "3": -0.03}
    naive = covariate_model(design, np.eye(3)[post.argmax(axis=1)], np.ones(n), "bch")
    for method in ("ml", "bch", "one-step"):
        if method == "one-step":
            f1, q, logd = one_step(fit, enc, np.ones(n), design)
            res = covariate_model(design, q, np.ones(n), "one-step", loge=logd)
        else:
            res = covariate_model(design, post, np.ones(n), method)
        for c, b in truth.items():
            e = res["effects"][c]["age"]
            assert abs(e["coef"] - b) < 3 * e["se"], (method, c, e)
            # the bias-adjusted estimates are further from 0 than regressing the modal classes
            assert abs(e["coef"]) > abs(naive["effects"][c]["age"]["coef"]) - 1e-9 or method == "bch"
        assert res["tests"]["age"]["p"] < 1e-6


def test_covariate_input_errors():
    frame = pd.DataFrame({"a": [np.nan] * 4, "b": [1.0, 1.0, 1.0, 1.0], "c": ["x", "y", None, "x"]})
    with pytest.raises(DataError, match="covariate 'a' has no value"):
        design_matrix(frame[["a"]], {"a": "numeric"})
    with pytest.raises(DataError, match="covariate 'b' has the same value"):
        design_matrix(frame[["b"]], {"b": "numeric"})
    d = design_matrix(frame[["c"]], {"c": "categorical"})
    assert d.terms == ["(intercept)", "c=y"] and d.ok.tolist() == [True, True, False, True]
    with pytest.raises(DataError, match="covariate method"):
        covariate_model(d, np.full((4, 2), 0.5), np.ones(4), "two-step")


# ---------------------------------------------------------------------------------------------- properties
@given(seed=st.integers(0, 10_000), k=st.integers(2, 4), missing=st.sampled_from([0.0, 0.1]),
       accelerate=st.booleans())
def test_em_never_lowers_the_objective_and_keeps_valid_parameters(seed, k, missing, accelerate):
    x, kinds, _ = mixed_matrix(150, 2, seed=seed, n_cat=3, n_num=2, missing=missing)
    specs = _specs(x, kinds)
    enc = encode(specs, x)
    v = np.ones(150)
    prior = _prior_counts(enc, v, 1.0)
    start = _random_params(enc, 3, k, np.random.default_rng(seed))
    objs = [_em(enc, v, start, max_iter=m, tol=0.0, prior_counts=prior, var_floor=1e-3,
                accelerate=accelerate).objective for m in (1, 4, 10, 25)]
    for a, b in zip(objs[:-1], objs[1:], strict=True):
        assert np.all(b >= a - 1e-8 * np.abs(a))
    run = _em(enc, v, start, max_iter=25, tol=0.0, prior_counts=prior, var_floor=1e-3, accelerate=accelerate)
    p = run.params
    np.testing.assert_allclose(np.exp(p.log_w).sum(axis=1), 1.0)
    np.testing.assert_allclose(np.add.reduceat(p.probs, enc.starts, axis=2), 1.0)
    assert np.all(p.var >= 1e-3) and np.all(p.probs > 0)
