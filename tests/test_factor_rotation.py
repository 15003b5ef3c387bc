"""Rotations against R: stats::varimax, psych promax/Promax, GPArotation oblimin (any gamma), geomin,
quartimax, equamax. The R calls are in tests/data/factor/make_rotation_reference.R, next to each key."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from surveytools.exceptions import EstimationError
from surveytools.factor.rotation import ROTATIONS, align, canonical_rotation, congruence, is_oblique, rotate

REF = json.loads((Path(__file__).parent / "data" / "factor" / "rotation_reference.json").read_text())
A = np.array(REF["unrotated"])  # fa(bfi25, 5, fm="minres", rotate="none")$loadings


def _close(ours: np.ndarray, theirs, tol: float = 1e-6) -> None:
    theirs = np.asarray(theirs, dtype=float)
    aligned, order, signs = align(ours, theirs)
    assert np.abs(aligned - theirs).max() < tol


# (reference key, our method, keyword arguments, oblique?)
CASES = [
    ("oblimin_gam0.5", "oblimin", {"gamma": 0.5}, True),        # GPArotation::oblimin(L, gam=0.5)
    ("oblimin_gam_neg0.5", "oblimin", {"gamma": -0.5}, True),   # GPArotation::oblimin(L, gam=-0.5)
    ("quartimin", "quartimin", {}, True),                        # GPArotation::quartimin(L)
    ("oblimin_kaiser", "oblimin", {"kaiser": True}, True),       # GPArotation::oblimin(L, normalize=TRUE)
    ("geominQ", "geominQ", {}, True),                            # GPArotation::geominQ(L)
    ("geominT", "geominT", {}, False),                           # GPArotation::geominT(L)
    ("quartimax", "quartimax", {}, False),                       # GPArotation::quartimax(L)
    ("equamax", "equamax", {}, False),                           # psych::equamax(L)
    ("varimax_raw", "varimax", {"kaiser": False}, False),        # stats::varimax(L, normalize=FALSE)
    ("varimax", "varimax", {}, False),                           # stats::varimax(L)
    ("Promax", "promax", {"kaiser": False}, True),               # psych::Promax(L)
    ("promax", "promax", {}, True),                              # psych::kaiser(L, rotate="Promax")
]


@pytest.mark.parametrize("key,method,kwargs,oblique", CASES, ids=[c[0] for c in CASES])
def test_rotation_matches_r(key, method, kwargs, oblique):
    ref = REF[key]
    r = rotate(A, method, **kwargs)
    assert r.converged
    theirs = np.asarray(ref["loadings"])
    aligned, order, signs = align(r.loadings, theirs)
    assert np.abs(aligned - theirs).max() < 1e-6
    if oblique:
        phi = r.phi[np.ix_(order, order)] * np.outer(signs, signs)
        assert np.abs(phi - np.asarray(ref["phi"])).max() < 1e-6
    else:
        assert np.allclose(r.phi, np.eye(5))
    if "criterion" in ref:
        assert r.criterion == pytest.approx(ref["criterion"], abs=1e-8)
    # invariants: pattern = A @ rotmat; Phi = (T'T)^-1; communalities preserved (diag(L Phi L'))
    assert np.allclose(A @ r.rotmat, r.loadings)
    assert np.allclose(np.diag(r.loadings @ r.phi @ r.loadings.T), (A ** 2).sum(1))
    assert np.allclose(r.structure, r.loadings @ r.phi)
    if oblique:
        assert np.allclose(np.linalg.inv(r.rotmat.T @ r.rotmat), r.phi)


@pytest.mark.parametrize("key,method", [("fa_geominQ", "geominQ"), ("fa_quartimax", "quartimax"),
                                        ("fa_equamax", "equamax")])
def test_psych_sign_and_order(key, method):
    # fa(x, 5, rotate=...) applies signs (column sums >= 0) and orders by diag(Phi L'L): no alignment needed
    r = rotate(A, method)
    assert np.abs(r.loadings - np.asarray(REF[key]["loadings"])).max() < 1e-5
    if "phi" in REF[key]:
        assert np.abs(r.phi - np.asarray(REF[key]["phi"])).max() < 1e-5
    assert (r.loadings.sum(0) >= 0).all()
    ev = np.diag(r.phi @ r.loadings.T @ r.loadings)
    assert (np.diff(ev) <= 1e-12).all()


def test_random_starts_never_worse_and_seeded():
    base = rotate(A, "geominQ")
    many = rotate(A, "geominQ", random_starts=8, seed=3)
    again = rotate(A, "geominQ", random_starts=8, seed=3)
    assert many.n_starts == 9
    assert many.criterion <= base.criterion + 1e-12
    assert np.array_equal(many.loadings, again.loadings)


def test_none_and_single_factor():
    r = rotate(-A, "none")
    assert (r.loadings.sum(0) >= 0).all() and np.allclose(r.phi, np.eye(5))
    one = rotate(-A[:, :1], "oblimin")
    assert one.loadings.shape == (25, 1) and one.loadings.sum() > 0


def test_names_and_errors():
    assert canonical_rotation("GEOMIN") == "geominQ"
    assert is_oblique("promax") and not is_oblique("varimax")
    assert set(ROTATIONS) >= {"none", "varimax", "quartimax", "equamax", "promax", "oblimin", "quartimin",
                              "geominQ", "geominT"}
    with pytest.raises(EstimationError, match="unknown rotation"):
        rotate(A, "bogus")
    with pytest.raises(EstimationError, match="finite"):
        rotate(np.full((4, 2), np.nan), "varimax")


def test_congruence_and_align():
    c = congruence(A, A)
    assert np.allclose(np.diag(c), 1.0)
    shuffled = -A[:, [3, 1, 4, 0, 2]]
    aligned, order, signs = align(shuffled, A)
    assert np.allclose(aligned, A) and (signs == -1).all()


@given(st.integers(min_value=0, max_value=10_000), st.sampled_from(["varimax", "oblimin", "promax", "quartimax",
                                                                     "geominQ", "equamax"]))
def test_rotation_invariant_to_orthogonal_start(seed, method):
    # rotating A @ Q (any orthogonal Q) keeps the model L Phi L' = A A' and psych's sign convention
    rng = np.random.default_rng(seed)
    Q, _ = np.linalg.qr(rng.standard_normal((5, 5)))
    r1 = rotate(A, method)
    r2 = rotate(A @ Q, method)
    assert np.allclose(np.diag(r2.loadings @ r2.phi @ r2.loadings.T), (A ** 2).sum(1))
    assert np.allclose(r2.loadings @ r2.phi @ r2.loadings.T, A @ A.T, atol=1e-8)
    assert (r2.loadings.sum(0) >= -1e-12).all()
    assert r1.loadings.shape == r2.loadings.shape


def test_oblimax_matches_gparotation():
    """issue 18. R: tests/data/factor/make_principal_reference.R, GPArotation::oblimax(Lf) on the unrotated 2-factor
    minres solution of the N and E items, and oblimax after principal(x, 3, rotate = "none")."""
    import json
    from pathlib import Path

    ref = json.loads((Path(__file__).parent / "data" / "factor" / "principal_reference.json").read_text())
    o = ref["oblimax_ne"]
    r = rotate(np.array(o["unrotated"]), "oblimax")
    assert r.converged and r.oblique and r.method == "oblimax"
    got, order, signs = align(r.loadings, np.array(o["loadings"]))
    np.testing.assert_allclose(got, np.array(o["loadings"]), atol=1e-9)
    np.testing.assert_allclose((r.phi * signs[:, None] * signs[None, :])[np.ix_(order, order)], np.array(o["phi"]),
                               atol=1e-9)
    assert r.criterion == pytest.approx(o["criterion"], abs=1e-9)
    # criterion and gradient: f = -(log sum L^4 - 2 log sum L^2)
    from surveytools.factor.rotation import _oblimax

    L = np.array(o["loadings"])
    f, G = _oblimax(L)
    assert f == pytest.approx(-(np.log((L ** 4).sum()) - 2 * np.log((L ** 2).sum())))
    eps = 1e-6
    E = np.zeros_like(L)
    E[3, 1] = eps
    assert G[3, 1] == pytest.approx((_oblimax(L + E)[0] - _oblimax(L - E)[0]) / (2 * eps), rel=1e-6)


def test_oblimax_after_principal_components(bfi_csv):
    import json
    from pathlib import Path

    import pandas as pd

    from surveytools.factor.model import FactorModel

    ref = json.loads((Path(__file__).parent / "data" / "factor" / "principal_reference.json").read_text())
    want = ref["principal_3_oblimax"]  # oblimax(principal(x, 3, rotate = "none")$loadings), principal's order
    m = FactorModel(3, method="pc", rotation="oblimax", n_iter=0).fit(pd.read_csv(bfi_csv)[ref["items"]])
    np.testing.assert_allclose(m.loadings_.to_numpy(), np.array(want["loadings"]), atol=1e-9)
    np.testing.assert_allclose(m.phi_.to_numpy(), np.array(want["phi"]), atol=1e-9)
    assert m.rotation_.criterion == pytest.approx(want["criterion"], abs=1e-9)
