"""Number of factors: parallel analysis (psych ``fa.parallel``), Velicer's MAP (psych ``VSS``), Kaiser."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from surveytools.correlation import correlation_matrix
from surveytools.exceptions import DataError
from surveytools.factor.retention import (
    MapResult,
    ParallelResult,
    RetentionResult,
    kaiser,
    leading_run,
    parallel_analysis,
    retention_summary,
    velicer_map,
)

DATA = Path(__file__).resolve().parent / "data"

# R: x <- read.csv("tests/data/bfi/responses.csv")[, 2:26]; R <- cor(x, use = "pairwise")
#    VSS(R, n = 20, n.obs = 2800)$map   (psych 2.2.9)
BFI_MAP = [0.0241586370834668, 0.0180975560508627, 0.0168833890070124, 0.0154993997021118, 0.0148010290671486,
           0.0158816451862216, 0.0192908056195594, 0.0221463792922189, 0.0269339477783189, 0.0315046098606774,
           0.038596441947193, 0.0472536720280382, 0.0574868060897298, 0.066108042735753, 0.0793959466575685,
           0.0923608061901357, 0.112693867066931, 0.138422378511971, 0.168024992709327, 0.204222164886709]
# R: fa(R, 1)$values[1:8]   (the "FA" eigenvalues of fa.parallel's observed data)
BFI_FA_VALUES = [4.26063957321085, 1.91279964885691, 1.26485265505996, 0.945886505708917, 0.709383771810136,
                 0.257498659592712, 0.0074266100071253, -0.0218883412075943]


@pytest.fixture(scope="module")
def bfi_x(bfi_survey):
    return bfi_survey.item_frame()


@pytest.fixture(scope="module")
def bfi_R(bfi_x):
    return correlation_matrix(bfi_x)


@pytest.fixture(scope="module")
def msq75():
    ref = json.loads((DATA / "msq75" / "reference.json").read_text())
    frame = pd.read_csv(DATA / "msq75" / "responses.csv").set_index("respondent_id")[ref["items"]]
    return frame, ref


@pytest.fixture(scope="module")
def bfi_parallel(bfi_x, bfi_R):
    return parallel_analysis(bfi_x, R=bfi_R, seed=20240601)


# ---------------------------------------------------------------------------------------------- MAP
def test_map_matches_psych_on_bfi(bfi_R, bfi_reference):
    res = velicer_map(bfi_R, max_components=20)
    assert np.abs(res.values.to_numpy() - np.array(BFI_MAP)).max() < 1e-12
    assert res.n_factors == bfi_reference["factor"]["map_n_factors"] == 5
    assert velicer_map(bfi_R).n_factors == 5  # searching 1..p-1 gives the same minimum
    assert len(velicer_map(bfi_R).values) == 24


def test_map_matches_psych_with_missing_answers_72_items(msq75):
    # R: VSS(cor(x72, use = "pairwise"), n = 20, n.obs = 1500)$map  (tests/data/correlation/make_reference.R)
    frame, ref = msq75
    res = velicer_map(correlation_matrix(frame), max_components=20)
    assert np.abs(res.values.to_numpy() - np.array(ref["map"])).max() < 1e-12
    assert res.n_factors == ref["map_n_factors"]


def test_map_power_four_and_zero_entry(bfi_R):
    res4 = velicer_map(bfi_R, power=4)
    assert res4.power == 4 and 1 <= res4.n_factors <= 24
    r = bfi_R.matrix.to_numpy()
    off = ~np.eye(25, dtype=bool)
    assert velicer_map(bfi_R).value_0 == pytest.approx((r[off] ** 2).mean())
    with pytest.raises(DataError, match="power"):
        velicer_map(bfi_R, power=3)


@settings(max_examples=10)
@given(st.permutations(list(range(8))))
def test_map_does_not_depend_on_item_order(perm):
    rng = np.random.default_rng(8)
    A = rng.normal(size=(300, 2)) @ rng.normal(size=(2, 8)) + rng.normal(size=(300, 8))
    R = np.corrcoef(A, rowvar=False)
    base = velicer_map(R)
    got = velicer_map(R[np.ix_(perm, perm)])
    assert np.abs(got.values.to_numpy() - base.values.to_numpy()).max() < 1e-9  # last entry: rank-one rounding
    assert got.n_factors == base.n_factors


# ---------------------------------------------------------------------------------------------- parallel
def test_parallel_observed_eigenvalues_match_psych(bfi_parallel, bfi_reference):
    # R: fa.parallel(bfi[, 1:25], fa = "both", n.iter = 20)$pc.values = eigen(R)$values
    assert np.abs(bfi_parallel.observed_pc.to_numpy() - np.array(bfi_reference["factor"]["eigenvalues"])).max() < 1e-6
    # psych's minres stops at optim's tolerance: FA eigenvalues agree to ~1e-6
    assert np.abs(bfi_parallel.observed_fa.to_numpy()[:8] - np.array(BFI_FA_VALUES)).max() < 1e-5


def test_parallel_counts_within_one_of_psych_on_bfi(bfi_parallel, bfi_reference):
    ref = bfi_reference["factor"]["parallel"]  # fa.parallel(items, fa = "both", n.iter = 20): 6 and 6
    assert abs(bfi_parallel.n_factors - ref["n_factors"]) <= 1
    assert abs(bfi_parallel.n_components - ref["n_components"]) <= 1
    assert bfi_parallel.seed == 20240601 and bfi_parallel.n_iter == 20 and bfi_parallel.quantile == 0.95
    assert bfi_parallel.n_obs == 2800


def test_parallel_with_missing_answers_matches_psych(msq75):
    # R: set.seed(42); fa.parallel(x72, fa = "both", n.iter = 20): nfact 9, ncomp 8
    frame, ref = msq75
    res = parallel_analysis(frame, seed=7)
    assert abs(res.n_factors - ref["parallel"]["n_factors"]) <= 1
    assert abs(res.n_components - ref["parallel"]["n_components"]) <= 1
    assert np.abs(res.observed_pc.to_numpy() - np.array(ref["eigenvalues"])).max() < 1e-6
    assert np.abs(res.observed_fa.to_numpy() - np.array(ref["parallel"]["fa_values"])).max() < 1e-5
    # the simulated references are random: close to psych's, not equal
    assert np.abs(res.simulated_pc.to_numpy() - np.array(ref["parallel"]["pc_sim"])).max() < 0.08
    assert np.abs(res.simulated_fa.to_numpy() - np.array(ref["parallel"]["fa_sim"])).max() < 0.08
    assert res.resampled_pc is not None and np.isfinite(res.resampled_fa.to_numpy()).all()


def test_parallel_is_reproducible_and_reports_its_seed(bfi_x, bfi_R):
    a = parallel_analysis(bfi_x.iloc[:, :10], n_iter=5, seed=11)
    b = parallel_analysis(bfi_x.iloc[:, :10], n_iter=5, seed=11)
    assert a.simulated_fa.equals(b.simulated_fa) and a.resampled_pc.equals(b.resampled_pc)
    c = parallel_analysis(bfi_x.iloc[:, :10], n_iter=5)
    assert isinstance(c.seed, int)
    d = parallel_analysis(bfi_x.iloc[:, :10], n_iter=5, seed=c.seed)
    assert c.simulated_pc.equals(d.simulated_pc)


def test_parallel_reference_quantile_is_R_type_7(bfi_x):
    res = parallel_analysis(bfi_x.iloc[:, :6], n_iter=4, seed=3, quantile=0.5, resample=False)
    assert res.resampled_pc is None and res.n_factors_resampled is None
    assert res.simulated_pc.index.tolist() == [1, 2, 3, 4, 5, 6]


def test_parallel_on_polychoric_correlations(bfi_x):
    x = bfi_x[["A1", "A2", "A3", "A4", "A5", "E1", "E2", "E3"]].iloc[:600]
    res = parallel_analysis(x, n_iter=3, cor="polychoric", seed=5)
    assert res.cor == "polychoric"
    R = correlation_matrix(x, "polychoric").matrix.to_numpy()
    assert np.allclose(res.observed_pc.to_numpy(), np.linalg.eigvalsh(R)[::-1])
    assert 1 <= res.n_factors <= 3


def test_parallel_input_errors(bfi_x):
    with pytest.raises(DataError, match="at least 3 items"):
        parallel_analysis(bfi_x.iloc[:, :2])
    with pytest.raises(DataError, match="quantile"):
        parallel_analysis(bfi_x.iloc[:, :5], quantile=1.5)
    with pytest.raises(DataError, match="cor="):
        parallel_analysis(bfi_x.iloc[:, :5], cor="spearman")


# ---------------------------------------------------------------------------------------------- helpers
@pytest.mark.parametrize("obs,ref,expected", [([3, 2, 1], [1, 1, 1], 2), ([0.5, 2], [1, 1], 0),
                                               ([3, 2], [1, 1], 2), ([2, 0.5, 2], [1, 1, 1], 1)])
def test_leading_run(obs, ref, expected):
    assert leading_run(obs, ref) == expected


def test_kaiser(bfi_reference):
    assert kaiser(bfi_reference["factor"]["eigenvalues"]) == 6
    assert kaiser([2.0, 1.0, 0.5]) == 1


# ---------------------------------------------------------------------------------------------- summary
def test_retention_summary_reports_every_criterion(bfi_x, bfi_R):
    res = retention_summary(bfi_x, R=bfi_R, seed=1)
    assert isinstance(res, RetentionResult)
    assert isinstance(res.parallel, ParallelResult) and isinstance(res.map, MapResult)
    assert res.n_factors == res.parallel.n_factors and res.criterion == "parallel"
    assert res.kaiser == 6 and res.map.n_factors == 5
    d = res.to_dict()
    assert set(d) >= {"n_factors", "parallel", "map", "kaiser", "scree"}
    assert d["parallel"]["seed"] == 1 and d["parallel"]["n_iter"] == 20
    assert d["map"]["n_factors"] == 5 and d["kaiser"]["n_factors"] == 6 and len(d["scree"]) == 25
    json.dumps(d, allow_nan=False)
    text = res.summary()
    assert "Velicer's MAP" in text and "Kaiser" in text
    assert [ln.split() for ln in text.splitlines() if "Random seed" in ln] == [["Random", "seed", "1"]]
    assert f"{res.map.values.loc[5]:.5f}" in text and f"{res.parallel.observed_pc.iloc[0]:.3f}" in text
    es = res.summary(lang="es")
    assert "Análisis paralelo" in es and "Semilla aleatoria" in es and "Velicer's MAP" not in es
    assert res.to_frame().loc["Velicer's MAP", "n_factors"] == 5


def test_retention_summary_at_least_one_factor_and_cap():
    rng = np.random.default_rng(0)
    noise = pd.DataFrame(rng.normal(size=(500, 6)), columns=list("abcdef"))
    res = retention_summary(noise, seed=2, n_iter=5)
    assert res.n_factors >= 1
    if res.parallel.n_factors == 0:
        assert "no factor" in res.notes[0]
    z = rng.normal(size=(800, 3))
    strong = pd.DataFrame(np.repeat(z, 2, axis=1) + rng.normal(scale=0.5, size=(800, 6)), columns=list("abcdef"))
    capped = retention_summary(strong, seed=2, n_iter=5, max_factors=2)
    assert capped.n_factors == 2 and "capped" in capped.notes[-1]


@pytest.fixture(scope="module")
def spi():
    ref = json.loads((DATA / "correlation" / "spi_reference.json").read_text())
    frame = pd.read_csv(DATA / "spi" / "responses.csv.gz").set_index("respondent_id")[ref["items"]]
    return frame, ref


def test_map_and_parallel_on_135_items_with_missing_answers(spi):
    # R: tests/data/correlation/make_reference.R (spi block): VSS(R, n = 134, rotate = "none", fm = "pc")$map
    #    (minimum at 27: psych's default n = 8, or n = 20, would stop early at the boundary);
    #    set.seed(42); fa.parallel(sx, fa = "both", n.iter = 20): nfact 25, ncomp 21
    frame, ref = spi
    R = correlation_matrix(frame)
    res = velicer_map(R)
    diff = np.abs(res.values.to_numpy() - np.array(ref["map"]))
    assert diff[:-1].max() < 1e-10
    assert diff[-1] < 1e-6  # p - 1 components leave a rank-one residual: rounding noise in both programs
    assert res.n_factors == ref["map_n_factors"] == 27
    assert velicer_map(R, max_components=20).n_factors == 20  # what VSS(n = 20) would report
    par = parallel_analysis(frame, R=R, seed=3)
    assert abs(par.n_factors - ref["parallel"]["n_factors"]) <= 1
    assert abs(par.n_components - ref["parallel"]["n_components"]) <= 1
    assert np.abs(par.observed_fa.to_numpy() - np.array(ref["parallel"]["fa_values"])).max() < 1e-5
