"""Correspondence analysis against an independent computation and the textbook example.

Reference: Greenacre (2007), Correspondence Analysis in Practice, the 'smoke' table (staff groups x smoking),
also ``data(smoke)`` in R's ca package: ``ca::ca(smoke)`` gives principal inertias 0.074759, 0.010017,
0.000414 (87.8 %, 11.8 %, 0.5 %) and total inertia 0.085190.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.stats import chi2_contingency

from surveytools.exceptions import DataError
from surveytools.perceptual import correspondence_analysis

SMOKE = pd.DataFrame([[4, 2, 3, 2], [4, 3, 7, 4], [25, 10, 12, 4], [18, 24, 33, 13], [10, 6, 7, 2]],
                     index=["SM", "JM", "SE", "JE", "SC"], columns=["none", "light", "medium", "heavy"])


def test_smoke_textbook_values():
    ca = correspondence_analysis(SMOKE, n_dims=3)
    assert ca.total_inertia == pytest.approx(0.085190, abs=5e-7)
    assert ca.inertia == pytest.approx([0.074759, 0.010017, 0.000414], abs=5e-7)
    assert np.round(100 * ca.explained, 1).tolist() == [87.8, 11.8, 0.5]
    # row principal coordinates on dimension 1 (Greenacre 2007, exhibit 8.1; FactoMineR::CA(smoke)$row$coord),
    # up to the arbitrary sign of the dimension
    dim1 = ca.rows["Dim1"].to_numpy()
    ref = np.array([-0.0658, 0.2590, -0.3806, 0.2330, -0.2011])
    assert dim1 * np.sign(dim1[2] / ref[2]) == pytest.approx(ref, abs=1e-4)


def test_against_independent_eigen_decomposition():
    """Principal inertias are the eigenvalues of S'S; coordinates rebuild the table (reconstitution formula)."""
    rng = np.random.default_rng(7)
    n = pd.DataFrame(rng.uniform(1, 5, size=(5, 7)), index=list("abcde"), columns=list("ABCDEFG"))
    ca = correspondence_analysis(n, n_dims=4)
    p = n.to_numpy() / n.to_numpy().sum()
    r, c = p.sum(1), p.sum(0)
    e = p / np.outer(r, c) - 1
    chi = (e ** 2 * np.outer(r, c))
    m = (np.sqrt(np.outer(r, c)) * e)
    eig = np.sort(np.linalg.eigvalsh(m.T @ m))[::-1][:4]
    assert ca.inertia == pytest.approx(eig, rel=1e-10)
    assert ca.total_inertia == pytest.approx(chi.sum(), rel=1e-12)
    assert ca.total_inertia == pytest.approx(chi2_contingency(n.to_numpy())[0] / n.to_numpy().sum(), rel=1e-10)
    # reconstitution: p_ij = r_i c_j (1 + sum_k f_ik g_jk / sigma_k) with all dimensions
    f, g = ca.rows.to_numpy(), ca.columns.to_numpy()
    rebuilt = np.outer(r, c) * (1 + (f / np.sqrt(ca.inertia)) @ g.T)
    assert rebuilt == pytest.approx(p, abs=1e-12)
    # transition formula: row coordinates are weighted averages of column standard coordinates
    gs = g / np.sqrt(ca.inertia)
    assert f == pytest.approx((p / r[:, None]) @ gs, abs=1e-12)


@settings(max_examples=30, deadline=None)
@given(st.integers(0, 10_000), st.floats(0.1, 100))
def test_invariant_to_scale_and_order(seed, factor):
    """Multiplying the table or reordering its rows moves no point (CA depends on profiles only)."""
    rng = np.random.default_rng(seed)
    n = pd.DataFrame(rng.uniform(0.5, 5, size=(4, 5)), index=list("abcd"), columns=list("VWXYZ"))
    a = correspondence_analysis(n)
    b = correspondence_analysis((n * factor).iloc[::-1])
    assert b.rows.loc[a.rows.index].to_numpy() == pytest.approx(a.rows.to_numpy(), abs=1e-9)
    assert b.columns.to_numpy() == pytest.approx(a.columns.to_numpy(), abs=1e-9)


def test_bad_tables():
    with pytest.raises(DataError, match="non-negative"):
        correspondence_analysis(pd.DataFrame([[1, -1], [2, 3]]))
    with pytest.raises(DataError, match="sums to zero"):
        correspondence_analysis(pd.DataFrame([[0, 0], [2, 3]]))
    with pytest.raises(DataError, match="at least 2"):
        correspondence_analysis(pd.DataFrame([[1, 2, 3]]))
