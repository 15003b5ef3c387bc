"""Correlation matrices against R (``cor``) and psych 2.2.9 (``polychoric``, ``tetrachoric``, ``cor.smooth``).

Fixtures: bfi (25 items, tests/data/bfi), msq75 (75 mood items, 1,500 respondents, missing answers up to
40% per item; tests/data/msq75) and ability (16 binary items with missing answers; tests/data/ability). The R
calls that made their reference values are in tests/data/correlation/make_reference.R.
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy.stats import multivariate_normal

from surveytools.correlation import (
    CorrelationResult,
    bvn_cdf,
    cor_smooth,
    correlation_matrix,
    is_positive_definite,
)
from surveytools.exceptions import DataError, EstimationWarning

DATA = Path(__file__).resolve().parent / "data"


def _load(name: str) -> tuple[pd.DataFrame, dict]:
    frame = pd.read_csv(DATA / name / "responses.csv").set_index("respondent_id")
    return frame, json.loads((DATA / name / "reference.json").read_text())


@pytest.fixture(scope="module")
def msq75():
    return _load("msq75")


@pytest.fixture(scope="module")
def ability():
    return _load("ability")


@pytest.fixture(scope="module")
def bfi_items(bfi_survey):
    return bfi_survey.item_frame()


# ---------------------------------------------------------------------------------------------- Pearson
def test_pearson_pairwise_matches_R_eigenvalues_on_bfi(bfi_items, bfi_reference):
    # R: eigen(cor(bfi[, 1:25], use = "pairwise"))$values  (psych 2.2.9 reference; tests/data/bfi/README.md)
    res = correlation_matrix(bfi_items)
    ev = np.linalg.eigvalsh(res.matrix.to_numpy())[::-1]
    assert np.abs(ev - np.array(bfi_reference["factor"]["eigenvalues"])).max() < 1e-6
    assert res.n_obs == 2800 and res.rows_in == 2800
    assert res.method == "pearson" and not res.smoothed


def test_pearson_pairwise_equals_pandas_definition(bfi_items):
    # pandas DataFrame.corr uses each pair's complete cases, like R cor(use = "pairwise")
    res = correlation_matrix(bfi_items)
    assert np.abs(res.matrix.to_numpy() - bfi_items.corr().to_numpy()).max() < 1e-12
    counts = bfi_items.notna().astype(int)
    assert (res.pairwise_n.to_numpy() == (counts.T @ counts).to_numpy()).all()


def test_pearson_with_heavy_missingness_matches_R(msq75):
    # R: eigen(cor(x72, use = "pairwise"))$values; x72 = msqR[1:1500, 1:72] (make_reference.R)
    frame, ref = msq75
    res = correlation_matrix(frame[ref["items"]])
    ev = np.linalg.eigvalsh(res.matrix.to_numpy())[::-1]
    assert np.abs(ev - np.array(ref["eigenvalues"])).max() < 1e-6
    assert res.pairwise_n.to_numpy().min() < 900  # the 40%-missing items are really in there


def test_pairwise_matrix_not_positive_definite_warns_and_is_not_changed(msq75):
    frame, ref = msq75
    with pytest.warns(EstimationWarning, match="not positive definite"):
        res = correlation_matrix(frame[ref["polychoric_items"]])
    assert not res.smoothed
    assert np.linalg.eigvalsh(res.matrix.to_numpy())[0] < 0
    with pytest.warns(EstimationWarning, match="smoothed"):
        smoothed = correlation_matrix(frame[ref["polychoric_items"]], smooth=True)
    assert smoothed.smoothed and is_positive_definite(smoothed.matrix)


def test_listwise(bfi_items):
    res = correlation_matrix(bfi_items, missing="listwise")
    complete = bfi_items.dropna()
    assert np.abs(res.matrix.to_numpy() - np.corrcoef(complete.to_numpy(), rowvar=False)).max() < 1e-12
    assert res.n_obs == len(complete)
    assert res.excluded["incomplete (listwise)"] == 2800 - len(complete)
    assert (res.pairwise_n.to_numpy() == len(complete)).all()


def test_rows_without_answers_are_reported(bfi_items):
    x = bfi_items.copy()
    x.iloc[:7] = np.nan
    res = correlation_matrix(x)
    assert res.n_obs == 2793 and res.rows_in == 2800
    assert res.excluded["no answer to any item"] == 7


def test_weighted_pearson_equals_replicated_rows(bfi_items):
    rng = np.random.default_rng(5)
    x = bfi_items.iloc[:400, :6]
    w = rng.integers(0, 4, size=len(x))
    res = correlation_matrix(x, weights=w)
    rep = x.loc[x.index.repeat(w)]
    assert np.abs(res.matrix.to_numpy() - rep.corr().to_numpy()).max() < 1e-12
    assert res.weighted and res.excluded["zero weight"] == int((w == 0).sum())


@given(st.lists(st.floats(0.5, 3.0), min_size=3, max_size=3), st.lists(st.floats(-5, 5), min_size=3, max_size=3))
def test_pearson_is_invariant_to_rescaling_items(scale, shift):
    rng = np.random.default_rng(0)
    base = pd.DataFrame(rng.normal(size=(60, 3)) @ np.array([[1, .5, .2], [0, 1, .4], [0, 0, 1]]), columns=list("abc"))
    base.iloc[::7, 0] = np.nan
    r0 = correlation_matrix(base).matrix.to_numpy()
    r1 = correlation_matrix(base * np.array(scale) + np.array(shift)).matrix.to_numpy()
    assert np.abs(r0 - r1).max() < 1e-10


# ---------------------------------------------------------------------------------------------- polychoric
def test_polychoric_matches_psych_on_bfi(bfi_items, bfi_reference):
    # R: polychoric(bfi[, c("A1","A2","A3","C1","C2","E1","E3","N1","N2","O1")])  (tests/data/bfi/README.md)
    ref = bfi_reference["polychoric"]
    res = correlation_matrix(bfi_items[ref["items"]], "polychoric")
    assert res.items == ref["items"]
    assert np.abs(res.matrix.to_numpy() - np.array(ref["rho"])).max() < 5e-4  # brief: 0.005; psych's own tol ~1e-4
    tau = np.array([res.thresholds[i] for i in ref["items"]])
    assert np.abs(tau - np.array(ref["tau"])).max() < 1e-10
    assert res.thresholds_mode == "global" and not res.smoothed


def test_polychoric_75_items_missing_answers_smoothed_matches_psych(msq75):
    # R: polychoric(msqR[1:1500, 1:75])  -> not positive definite, smoothed by cor.smooth (make_reference.R)
    frame, ref = msq75
    items = ref["polychoric_items"]
    with pytest.warns(EstimationWarning, match="smoothed"):
        res = correlation_matrix(frame[items], "polychoric")
    assert res.smoothed
    assert np.abs(res.matrix.to_numpy() - np.array(ref["polychoric"]["rho"])).max() < 5e-4
    tau = np.array([res.thresholds[i] for i in items])
    assert np.abs(tau - np.array(ref["polychoric"]["tau"])).max() < 1e-10


@pytest.fixture(scope="module")
def spi():
    ref = json.loads((DATA / "correlation" / "spi_reference.json").read_text())
    frame = pd.read_csv(DATA / "spi" / "responses.csv.gz").set_index("respondent_id")[ref["items"]]
    return frame, ref


def test_pearson_and_polychoric_on_135_items_with_missing_answers(spi):
    # R: tests/data/correlation/make_reference.R (spi block): eigen(cor(sx, use = "pairwise"))$values;
    #    polychoric(sx[, seq(1, 135, by = 3)])   (4,000 x 135, 4% missing + 300 break-offs)
    frame, ref = spi
    R = correlation_matrix(frame)
    ev = np.linalg.eigvalsh(R.matrix.to_numpy())[::-1]
    assert np.abs(ev - np.array(ref["eigenvalues"])).max() < 1e-6
    items = ref["polychoric"]["items"]
    res = correlation_matrix(frame[items], "polychoric")
    assert np.abs(res.matrix.to_numpy() - np.array(ref["polychoric"]["rho"])).max() < 5e-4
    tau = np.array([res.thresholds[i] for i in items])
    assert np.abs(tau - np.array(ref["polychoric"]["tau"])).max() < 1e-10


def test_polychoric_unequal_categories_uses_pairwise_thresholds_as_psych(bfi_csv):
    # R: x <- read.csv("tests/data/bfi/responses.csv")[1:500, c("A1","A2","A3","A4","A5")]
    #    x$A1 <- pmin(x$A1, 4); x$A2[x$A2 == 1] <- NA; polychoric(x)$rho
    #    (psych: "global set to FALSE"; "2 cells were adjusted for 0 values")
    expected = np.array([
        [1, -0.461679405097, -0.290200462348, -0.145289884805, -0.276914057323],
        [-0.461679405097, 1, 0.512457108624, 0.377736938006, 0.465403077806],
        [-0.290200462348, 0.512457108624, 1, 0.356801426129, 0.564279434151],
        [-0.145289884805, 0.377736938006, 0.356801426129, 1, 0.398203649763],
        [-0.276914057323, 0.465403077806, 0.564279434151, 0.398203649763, 1]])
    x = pd.read_csv(bfi_csv).iloc[:500][["A1", "A2", "A3", "A4", "A5"]].copy()
    x["A1"] = x["A1"].clip(upper=4)
    x.loc[x["A2"] == 1, "A2"] = np.nan
    with pytest.warns(EstimationWarning, match="2 empty cells"):
        res = correlation_matrix(x, "polychoric")
    assert res.thresholds_mode == "pairwise" and res.corrected_cells == 2
    assert np.abs(res.matrix.to_numpy() - expected).max() < 5e-4
    assert len(res.thresholds["A1"]) == 3 and len(res.thresholds["A2"]) == 4


def test_tetrachoric_with_missing_answers_matches_psych(ability):
    # R: tetrachoric(psychTools::ability)  (1,525 x 16 binary items with missing answers; make_reference.R)
    frame, ref = ability
    res = correlation_matrix(frame, "polychoric")
    assert res.method == "tetrachoric" and res.thresholds_mode == "tetrachoric"
    assert np.abs(res.matrix.to_numpy() - np.array(ref["tetrachoric"]["rho"])).max() < 5e-4
    tau = np.array([res.thresholds[i][0] for i in ref["items"]])
    assert np.abs(tau - np.array(ref["tetrachoric"]["tau"])).max() < 1e-10
    assert correlation_matrix(frame, "tetrachoric").matrix.equals(res.matrix)


def test_tetrachoric_zero_cell_gets_half_count():
    # R: x <- data.frame(a = c(rep(0, 40), rep(1, 10), rep(1, 50)), b = c(rep(0, 40), rep(0, 10), rep(1, 50)))
    #    tetrachoric(x)$rho  -> 0.977764236488  (the empty cell becomes 0.5)
    x = pd.DataFrame({"a": [0] * 40 + [1] * 10 + [1] * 50, "b": [0] * 40 + [0] * 10 + [1] * 50})
    with pytest.warns(EstimationWarning, match="1 empty cells"):
        res = correlation_matrix(x, "tetrachoric")
    assert res.corrected_cells == 1
    assert res.matrix.loc["a", "b"] == pytest.approx(0.977764236488, abs=5e-4)
    with pytest.warns(EstimationWarning, match="a-b is at the boundary"):
        no_fix = correlation_matrix(x, "tetrachoric", correct=0)
    assert no_fix.matrix.loc["a", "b"] > 0.9999  # without the correction the ML estimate is the boundary


def test_polychoric_recovers_a_known_latent_correlation():
    rng = np.random.default_rng(11)
    z = rng.multivariate_normal([0, 0, 0], [[1, .6, -.3], [.6, 1, .2], [-.3, .2, 1]], size=20000)
    x = pd.DataFrame(np.stack([np.digitize(z[:, 0], [-1, 0, 1.2]), np.digitize(z[:, 1], [-.5, .5]),
                               np.digitize(z[:, 2], [-1.5, -.7, 0, .6, 1.5])], axis=1) + 1, columns=list("abc"))
    res = correlation_matrix(x, "polychoric")
    assert res.thresholds_mode == "pairwise"  # different numbers of categories
    np.testing.assert_allclose(res.matrix.to_numpy()[np.triu_indices(3, 1)], [.6, -.3, .2], atol=0.03)
    np.testing.assert_allclose(res.thresholds["a"], [-1, 0, 1.2], atol=0.03)


def test_weighted_polychoric_equals_replicated_rows(bfi_items):
    rng = np.random.default_rng(2)
    x = bfi_items.iloc[:600, :5]
    w = rng.integers(1, 4, size=len(x))
    res = correlation_matrix(x, "polychoric", weights=w)
    rep = correlation_matrix(x.loc[x.index.repeat(w)], "polychoric")
    assert np.abs(res.matrix.to_numpy() - rep.matrix.to_numpy()).max() < 1e-8
    for item in x.columns:
        np.testing.assert_allclose(res.thresholds[item], rep.thresholds[item], atol=1e-12)


@given(st.permutations(list(range(5))))
def test_polychoric_does_not_depend_on_item_order(perm):
    rng = np.random.default_rng(4)
    z = rng.normal(size=(300, 2)) @ rng.normal(size=(2, 5)) + rng.normal(size=(300, 5))
    x = pd.DataFrame(np.digitize(z, [-1, 0, 1]) + 1, columns=list("abcde"))
    base = correlation_matrix(x, "polychoric").matrix
    cols = [x.columns[i] for i in perm]
    got = correlation_matrix(x[cols], "polychoric").matrix
    assert np.abs(got.loc[base.index, base.columns].to_numpy() - base.to_numpy()).max() < 1e-9


def test_polychoric_input_errors():
    good = pd.DataFrame({"a": [1, 2, 3, 1, 2], "b": [2, 3, 1, 1, 3]})
    with pytest.raises(DataError, match="whole-number"):
        correlation_matrix(good.assign(a=[1.5, 2, 3, 1, 2]), "polychoric")
    with pytest.raises(DataError, match="at most 10 answer categories"):
        correlation_matrix(pd.DataFrame({"a": range(40), "b": range(40)}), "polychoric")
    with pytest.raises(DataError, match="binary"):
        correlation_matrix(good, "tetrachoric")


# ---------------------------------------------------------------------------------------------- checks
def test_input_errors():
    with pytest.raises(DataError, match="text"):
        correlation_matrix(pd.DataFrame({"a": ["x", "y", "z"], "b": [1, 2, 3]}))
    with pytest.raises(DataError, match="without variance.*b \\(every answer is 3\\)"):
        correlation_matrix(pd.DataFrame({"a": [1, 2, 3], "b": [3, 3, 3]}))
    with pytest.raises(DataError, match="at least 2 items"):
        correlation_matrix(pd.DataFrame({"a": [1, 2, 3]}))
    with pytest.raises(DataError, match="weights"):
        correlation_matrix(pd.DataFrame({"a": [1, 2, 3], "b": [1, 3, 2]}), weights=[1, 2])
    with pytest.raises(DataError, match="non-negative"):
        correlation_matrix(pd.DataFrame({"a": [1, 2, 3], "b": [1, 3, 2]}), weights=[1, -2, 1])
    with pytest.raises(DataError, match="unknown correlation method"):
        correlation_matrix(pd.DataFrame({"a": [1, 2, 3], "b": [1, 3, 2]}), "spearman")


def test_pairs_without_common_respondents_are_nan_with_a_warning():
    x = pd.DataFrame({"a": [1, 2, 3, np.nan, np.nan, np.nan], "b": [np.nan, np.nan, np.nan, 1, 2, 3],
                      "c": [1, 3, 2, 2, 1, 3]})
    with pytest.warns(EstimationWarning, match="could not be computed"):
        res = correlation_matrix(x)
    assert np.isnan(res.matrix.loc["a", "b"]) and res.pairwise_n.loc["a", "b"] == 0
    assert res.to_dict()["matrix"][0][1] is None


# ---------------------------------------------------------------------------------------------- helpers
def test_cor_smooth_matches_psych():
    # R: cor.smooth(matrix(c(1,.9,.1,.9,1,.9,.1,.9,1), 3))
    R = np.array([[1, .9, .1], [.9, 1, .9], [.1, .9, 1]])
    out, changed = cor_smooth(R, return_flag=True)
    assert changed
    np.testing.assert_allclose(out, [[1, 0.756936408158, 0.145905452188], [0.756936408158, 1, 0.756936408158],
                                     [0.145905452188, 0.756936408158, 1]], atol=1e-10)
    same, changed = cor_smooth(np.eye(3), return_flag=True)
    assert not changed and (same == np.eye(3)).all()


def test_bvn_cdf_against_scipy_and_special_values():
    rng = np.random.default_rng(0)
    for rho in (-0.999, -0.95, -0.6, 0.0, 0.3, 0.93, 0.9999):
        pts = rng.normal(size=(15, 2)) * 1.5
        ref = multivariate_normal([0, 0], [[1, rho], [rho, 1]], abseps=1e-12, releps=1e-12).cdf(pts)
        assert np.abs(bvn_cdf(pts[:, 0], pts[:, 1], rho) - ref).max() < 1e-10
    assert float(bvn_cdf(0.0, 0.0, 0.5)) == pytest.approx(1 / 3, abs=1e-15)
    assert float(bvn_cdf(np.inf, 0.3, 0.2)) == pytest.approx(0.617911422188953, abs=1e-14)
    assert float(bvn_cdf(-np.inf, 0.3, 0.2)) == 0.0
    assert float(bvn_cdf(np.inf, np.inf, -0.4)) == 1.0


# ---------------------------------------------------------------------------------------------- result
def test_result_renders(bfi_items, bfi_reference):
    items = bfi_reference["polychoric"]["items"]
    res = correlation_matrix(bfi_items[items], "polychoric")
    assert isinstance(res, CorrelationResult)
    d = res.to_dict()
    assert d["items"] == items and len(d["matrix"]) == len(items) and len(d["matrix"][0]) == len(items)
    assert set(d["thresholds"]) == set(items) and len(d["thresholds"]["A1"]) == 5
    json.dumps(d, allow_nan=False)
    text = res.summary()
    assert "polychoric" in text and "A1" in text and "thresholds" in text
    pear = correlation_matrix(bfi_items).to_dict()
    assert "thresholds" not in pear and pear["method"] == "pearson"
    assert "not shown" in correlation_matrix(bfi_items).summary(max_items=10)
    assert res.to_frame().equals(res.matrix)


def test_no_warning_on_clean_data(bfi_items):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        correlation_matrix(bfi_items)
        correlation_matrix(bfi_items.iloc[:, :8], "polychoric")


# ---------------------------------------------------------------------------------------------- CLI
def test_cli_json_follows_the_contract(invoke, bfi_csv, bfi_yaml, bfi_reference):
    items = bfi_reference["polychoric"]["items"]
    result = invoke("correlate", bfi_csv, "-q", bfi_yaml, "--include-flagged", "--items", ",".join(items), "--method", "polychoric",
                    "--json")
    assert result.exit_code == 0, result.stderr
    out = json.loads(result.stdout)
    assert out["items"] == items
    assert np.abs(np.array(out["matrix"]) - np.array(bfi_reference["polychoric"]["rho"])).max() < 5e-4
    assert set(out["thresholds"]) == set(items)
    np.testing.assert_allclose(out["thresholds"]["A1"], bfi_reference["polychoric"]["tau"][0], atol=1e-10)
    assert out["method"] == "polychoric" and out["n_obs"] == 2800


def test_cli_default_items_are_every_likert_item_and_scales_expand(invoke, bfi_csv, bfi_yaml):
    result = invoke("correlate", bfi_csv, "-q", bfi_yaml, "--json")
    assert result.exit_code == 0, result.stderr
    out = json.loads(result.stdout)
    assert len(out["items"]) == 25 and "gender" not in out["items"] and "thresholds" not in out
    result = invoke("correlate", bfi_csv, "-q", bfi_yaml, "--items", "agreeableness,E1", "--json")
    assert json.loads(result.stdout)["items"] == ["A1", "A2", "A3", "A4", "A5", "E1"]


def test_cli_reverse_flips_reverse_keyed_items(invoke, bfi_csv, bfi_yaml):
    plain = json.loads(invoke("correlate", bfi_csv, "-q", bfi_yaml, "--items", "agreeableness", "--json").stdout)
    rev = json.loads(invoke("correlate", bfi_csv, "-q", bfi_yaml, "--items", "agreeableness", "--reverse",
                            "--json").stdout)
    assert plain["matrix"][0][1] < 0 and rev["matrix"][0][1] == pytest.approx(-plain["matrix"][0][1])


def test_cli_table_and_output_files(invoke, bfi_csv, bfi_yaml, tmp_path):
    out_csv = tmp_path / "r.csv"
    result = invoke("correlate", bfi_csv, "-q", bfi_yaml, "--include-flagged", "--items", "agreeableness", "-o", out_csv)
    assert result.exit_code == 0, result.stderr
    assert "Pearson (pairwise)" in result.stdout and "A5" in result.stdout
    assert "written to" in result.stderr
    frame = pd.read_csv(out_csv).set_index("item")
    assert frame.shape == (5, 5) and frame.loc["A2", "A3"] == pytest.approx(0.4850980385, abs=1e-9)
    out_xlsx = tmp_path / "r.xlsx"
    result = invoke("correlate", bfi_csv, "-q", bfi_yaml, "--include-flagged", "--items", "agreeableness", "-o", out_xlsx, "--quiet")
    assert result.exit_code == 0 and out_xlsx.exists() and result.stderr == ""
    result = invoke("correlate", bfi_csv, "-q", bfi_yaml, "--include-flagged", "-o", bfi_csv)
    assert result.exit_code == 1 and "also an input" in result.stderr
    result = invoke("correlate", bfi_csv, "-q", bfi_yaml, "--include-flagged", "-o", tmp_path / "r.txt")
    assert result.exit_code == 1 and ".csv or .xlsx" in result.stderr


def test_cli_errors(invoke, bfi_csv, bfi_yaml):
    result = invoke("correlate", bfi_csv, "-q", bfi_yaml, "--items", "nope")
    assert result.exit_code == 1 and result.stderr.startswith("Error:") and "nope" in result.stderr
    result = invoke("correlate", bfi_csv, "-q", bfi_yaml, "--items", "agreeableness", "--method", "tetrachoric")
    assert result.exit_code == 1 and "binary" in result.stderr and "Traceback" not in result.stderr
    result = invoke("correlate", bfi_csv, "-q", bfi_yaml, "--method", "kendall")
    assert result.exit_code == 2


def test_cli_help_has_examples(invoke):
    result = invoke("correlate", "--help")
    assert result.exit_code == 0 and "Examples:" in result.stdout and "--method" in result.stdout
