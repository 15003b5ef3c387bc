"""Extraction against R psych 2.2.9 on bfi (tests/data/bfi/reference.json; R calls in its README)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from surveytools.exceptions import DataError, EstimationError
from surveytools.factor.extraction import (
    as_correlation,
    degrees_of_freedom,
    extract,
    fit_minres,
    fit_ml,
    fit_pa,
    max_factors,
    smc,
)
from surveytools.factor.rotation import align


@pytest.fixture(scope="module")
def bfi_R(bfi_csv, bfi_reference):
    items = bfi_reference["factor"]["fits"]["minres_none"]["items"]
    return pd.read_csv(bfi_csv)[items].corr().to_numpy()  # = cor(items, use="pairwise")


def test_eigenvalues(bfi_R, bfi_reference):
    # eigen(R)$values
    assert np.abs(np.linalg.eigvalsh(bfi_R)[::-1] - bfi_reference["factor"]["eigenvalues"]).max() < 1e-6


def test_minres_unrotated_matches_psych(bfi_R, bfi_reference):
    # fa(items, 5, fm="minres", rotate="none"): loadings in psych's own order and signs
    ref = bfi_reference["factor"]["fits"]["minres_none"]
    e = fit_minres(bfi_R, 5)
    assert e.converged and e.method == "minres" and e.heywood == ()
    assert np.abs(e.loadings - np.array(ref["loadings"])).max() < 1e-4   # tolerance asked: 0.002
    assert np.abs(e.communalities - np.array(ref["h2"])).max() < 1e-4
    assert np.allclose(e.uniquenesses, 1 - e.communalities)
    assert (e.loadings.sum(0) >= 0).all()
    assert (np.diff((e.loadings ** 2).sum(0)) <= 0).all()


@pytest.mark.parametrize("key,method", [("ml_varimax", "ml"), ("pa_promax", "pa")])
def test_communalities_match_psych(bfi_R, bfi_reference, key, method):
    # fa(items, 5, fm="ml"/"pa", ...)$communality: rotation does not change communalities
    e = extract(bfi_R, 5, method)
    assert e.converged
    assert np.abs(e.communalities - np.array(bfi_reference["factor"]["fits"][key]["h2"])).max() < 1e-4


def test_pa_iterates_like_psych(bfi_R):
    # psych stops when |change of sum(h2)| < 0.001 or after 50 iterations
    e = fit_pa(bfi_R, 5)
    assert 1 < e.n_iter <= 50
    capped = fit_pa(bfi_R, 5, max_iter=2)
    assert capped.n_iter == 2 and not capped.converged


def test_ml_objective_and_minres_objective(bfi_R):
    ml = fit_ml(bfi_R, 5)
    Sigma = ml.loadings @ ml.loadings.T + np.diag(ml.psi)
    M = np.linalg.solve(Sigma, bfi_R)
    assert ml.objective == pytest.approx(np.trace(M) - np.linalg.slogdet(M)[1] - 25, rel=1e-8)
    mr = fit_minres(bfi_R, 5)
    res = bfi_R - mr.loadings @ mr.loadings.T
    assert mr.objective == pytest.approx((res[np.triu_indices(25, 1)] ** 2).sum(), rel=1e-10)
    # minres minimizes the off-diagonal residuals: ML's loadings do worse on that criterion
    assert mr.objective <= ((bfi_R - ml.loadings @ ml.loadings.T)[np.triu_indices(25, 1)] ** 2).sum()


def _population(L: np.ndarray) -> np.ndarray:
    R = L @ L.T
    np.fill_diagonal(R, 1.0)
    return R


@given(st.integers(0, 10_000), st.sampled_from(["minres", "ml", "pa"]))
def test_recovers_population_structure(seed, method):
    # an exact 2-factor correlation matrix is reproduced (up to rotation) by every method
    rng = np.random.default_rng(seed)
    L = np.zeros((8, 2))
    L[:4, 0] = rng.uniform(0.5, 0.8, 4)
    L[4:, 1] = rng.uniform(0.5, 0.8, 4)
    R = _population(L)
    e = extract(R, 2, method, **({"tol": 1e-8, "max_iter": 500} if method == "pa" else {}))
    assert np.allclose(e.loadings @ e.loadings.T - np.diag(np.diag(e.loadings @ e.loadings.T)),
                       R - np.eye(8), atol=2e-3 if method == "pa" else 1e-5)


def test_one_factor_sign():
    R = _population(np.array([[0.8], [0.7], [0.6], [0.5]]))
    for method in ("minres", "ml", "pa"):
        e = extract(R, 1, method)
        assert e.loadings.sum() > 0


def test_heywood_flagged():
    # item 0 is almost perfectly explained: its uniqueness goes to the 0.005 bound
    L = np.array([[0.999], [0.8], [0.7], [0.6], [0.5]])
    R = _population(L)
    R[0, 1] = R[1, 0] = 0.9
    e = fit_minres(R, 1)
    assert 0 in e.heywood
    assert e.psi[0] == pytest.approx(0.005)


def test_smc_pseudo_inverse_for_singular_matrix():
    rng = np.random.default_rng(1)
    X = rng.standard_normal((200, 4))
    X = np.column_stack([X, X[:, 0] + X[:, 1]])
    R = np.corrcoef(X, rowvar=False)
    s = smc(R)
    assert ((s >= 0) & (s <= 1)).all()
    e = fit_minres(R, 1)  # minres still works on a singular matrix
    assert np.isfinite(e.loadings).all()
    with pytest.raises(EstimationError, match="singular"):
        fit_ml(R, 1)


def test_errors():
    R = _population(np.array([[0.8], [0.7], [0.6], [0.5]]))
    with pytest.raises(DataError, match="at least 3 items"):
        fit_minres(R[:2, :2], 1)
    with pytest.raises(EstimationError, match="too many"):
        fit_minres(R, 4)
    with pytest.raises(EstimationError, match="negative degrees of freedom"):
        fit_ml(R, 2)
    with pytest.raises(EstimationError, match="whole number"):
        fit_minres(R, 0)
    with pytest.raises(EstimationError, match="unknown extraction method"):
        extract(R, 1, "alpha")
    bad = R.copy()
    bad[0, 1] = bad[1, 0] = np.nan
    with pytest.raises(DataError, match="V1, V2"):
        fit_minres(bad, 1)
    zero = R.copy()
    zero[2, 2] = 0.0
    with pytest.raises(DataError, match="zero variance"):
        as_correlation(pd.DataFrame(zero, columns=list("abcd")))
    with pytest.raises(DataError, match="square"):
        as_correlation(np.ones((3, 4)))


def test_covariance_is_rescaled():
    R = _population(np.array([[0.8], [0.7], [0.6], [0.5]]))
    sd = np.array([1.0, 2.0, 3.0, 4.0])
    assert np.allclose(as_correlation(R * np.outer(sd, sd)), R)


def test_degrees_of_freedom():
    assert degrees_of_freedom(25, 5) == 185
    assert max_factors(25) == 18 and max_factors(5) == 2 and max_factors(3) == 1


def test_align_used_for_comparison(bfi_R, bfi_reference):
    e = fit_minres(bfi_R, 5)
    aligned, order, signs = align(e.loadings, np.array(bfi_reference["factor"]["fits"]["minres_none"]["loadings"]))
    assert list(order) == [0, 1, 2, 3, 4] and (signs == 1).all()


# ---------------------------------------------------------------------------------------------- principal components
# issue 18. R: tests/data/factor/make_principal_reference.R, principal(x, 5, rotate = r) on the 25 bfi items
# (psych 2.2.9; pairwise Pearson correlations): $loadings, $Phi, $communality, $values, $weights
import json  # noqa: E402
from pathlib import Path  # noqa: E402

PC_REF = json.loads((Path(__file__).parent / "data" / "factor" / "principal_reference.json").read_text())
PC_ROTATIONS = ["none", "varimax", "quartimax", "equamax", "geominT", "promax", "oblimin", "quartimin", "geominQ"]


@pytest.fixture(scope="module")
def bfi_items(bfi_csv):
    return pd.read_csv(bfi_csv)[PC_REF["items"]]


@pytest.mark.parametrize("rotation", PC_ROTATIONS)
def test_principal_components_every_rotation_match_psych(bfi_items, rotation):
    from surveytools.factor.model import FactorModel

    want = PC_REF[f"principal_{rotation}"]  # principal(x, 5, rotate = rotation)
    m = FactorModel(5, method="pc", rotation=rotation, n_iter=0).fit(bfi_items)
    np.testing.assert_allclose(m.loadings_.to_numpy(), np.array(want["loadings"]), atol=1e-12)
    if want.get("phi"):  # R's NULL Phi (orthogonal) arrives as {}
        np.testing.assert_allclose(m.phi_.to_numpy(), np.array(want["phi"]), atol=1e-12)
    else:
        np.testing.assert_array_equal(m.phi_.to_numpy(), np.eye(5))
    np.testing.assert_allclose(m.weights_.to_numpy(), np.array(want["weights"]), atol=1e-12)
    np.testing.assert_allclose(m.extraction_.values, np.array(want["values"]), atol=1e-12)
    np.testing.assert_allclose(m.extraction_.communalities, np.array(want["h2"]), atol=1e-12)


def test_principal_one_component_and_three_oblique(bfi_items):
    from surveytools.factor.model import FactorModel

    want = PC_REF["principal_1"]  # principal(x, 1)
    m = FactorModel(1, method="pc", n_iter=0).fit(bfi_items)
    np.testing.assert_allclose(m.loadings_.to_numpy().ravel(), np.ravel(want["loadings"]), atol=1e-12)
    want = PC_REF["principal_3_oblimin"]  # principal(x, 3, rotate = "oblimin")
    m = FactorModel(3, method="principal", rotation="oblimin", n_iter=0).fit(bfi_items)
    np.testing.assert_allclose(m.loadings_.to_numpy(), np.array(want["loadings"]), atol=1e-12)
    np.testing.assert_allclose(m.phi_.to_numpy(), np.array(want["phi"]), atol=1e-12)


def test_fit_pc_is_the_eigen_decomposition(bfi_R):
    ext = extract(bfi_R, 4, "pca")
    w, V = np.linalg.eigh(bfi_R)
    assert ext.method == "pc" and ext.converged and ext.heywood == ()
    np.testing.assert_allclose((ext.loadings ** 2).sum(axis=0), w[::-1][:4], rtol=1e-12)
    np.testing.assert_allclose(ext.values, w[::-1], rtol=1e-12)
    assert (ext.loadings.sum(axis=0) >= 0).all()
    with pytest.raises(EstimationError, match="too many"):
        extract(bfi_R, 25, "pc")


def test_cli_principal_components(tmp_path, invoke, bfi_csv):
    spec = tmp_path / "q.yaml"
    items = PC_REF["items"]
    spec.write_text("option_sets: {s: {codes: [a, b, c, d, e, f]}}\nitems:\n"
                    + "".join(f"  {i}: {{options: s}}\n" for i in items), encoding="utf-8")
    res = invoke("factor", bfi_csv, "-q", spec, "--n-factors", "5", "--method", "pc", "--rotation", "oblimax",
                 "--json")
    assert res.exit_code == 0, res.stderr
    d = json.loads(res.stdout)
    assert d["method"] == "pc" and d["rotation"] == "oblimax"
    assert "collapsed factors" in res.stderr  # oblimax degenerates on 5 bfi components: said, not hidden
