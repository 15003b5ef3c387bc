"""Reliability against R psych 2.2.9: alpha, G6, item analysis, omega (one factor and Schmid-Leiman).

Reference values:
- ``tests/data/bfi/reference.json`` (shared bfi fixture; the R call of each key is in tests/data/bfi/README.md
  and repeated next to each test below);
- ``tests/data/reliability/reference.json``, written by ``tests/data/reliability/make_reference.R`` on bfi and
  on msq (3,896 respondents, two questionnaire forms, so heavy pairwise missingness); each block there holds
  its R call in ``"call"``, also quoted below.
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

import surveytools as stl
from surveytools.exceptions import DataError, DataQualityWarning, EstimationWarning, QuestionnaireError, ScaleError
from surveytools.questionnaire import Questionnaire
from surveytools.reliability import (
    alpha_from_cov,
    analyze_items,
    feldt_ci,
    pairwise_moments,
    reliability,
    schmid_leiman,
)

DATA = Path(__file__).resolve().parent / "data"
REF = json.loads((DATA / "reliability" / "reference.json").read_text())
MSQ_CSV = DATA / "msq" / "responses.csv"
MSQ_YAML = DATA / "msq" / "msq.yaml"

ALPHA_TOL = 1e-6    # alpha, std_alpha, g6, average_r, r_drop, alpha_if_deleted (issue 3)
OMEGA1_TOL = 1e-4   # one-factor omega total
OMEGA_SL_TOL = 0.005  # Schmid-Leiman omega_h and omega_t


@pytest.fixture(scope="module")
def bfi_result(bfi_survey):
    return reliability(bfi_survey)


@pytest.fixture(scope="module")
def bfi25_survey(bfi_csv, bfi_questionnaire):
    """bfi with an extra scale 'big5' holding all 25 items keyed as the five scales."""
    d = bfi_questionnaire.to_dict()
    d["scales"]["big5"] = [k for s in bfi_questionnaire.scales.values() for k in s.keys]
    return stl.load_survey(bfi_csv, Questionnaire.from_dict(d))


@pytest.fixture(scope="module")
def msq_survey():
    return stl.load_survey(MSQ_CSV, stl.load_questionnaire(MSQ_YAML))


@pytest.fixture(scope="module")
def msq_weighted():
    d = stl.load_questionnaire(MSQ_YAML).to_dict()
    d["weight"] = "weight"
    return stl.load_survey(MSQ_CSV, Questionnaire.from_dict(d))


@pytest.fixture(scope="module")
def msq_result(msq_survey):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataQualityWarning)
        return reliability(msq_survey)


# ============================================================================ bfi: the shared reference
@pytest.mark.parametrize("scale", ["agreeableness", "conscientiousness", "extraversion", "neuroticism", "openness"])
def test_bfi_alpha_matches_psych(bfi_result, bfi_reference, scale):
    # R: alpha(x, keys = <reversed items>)  -> raw_alpha, std.alpha, G6(smc), average_r, item.stats$r.drop,
    #    alpha.drop$raw_alpha                                       (tests/data/bfi/README.md)
    want = bfi_reference["reliability"][scale]
    got = bfi_result[scale]
    assert got.n_items == want["n_items"]
    assert got.n == 2800
    for key in ("alpha", "std_alpha", "g6", "average_r"):
        assert getattr(got, key) == pytest.approx(want[key], abs=ALPHA_TOL), key
    for item, w in want["items"].items():
        assert got.items_table.loc[item, "r_drop"] == pytest.approx(w["r_drop"], abs=ALPHA_TOL), item
        assert got.items_table.loc[item, "alpha_if_deleted"] == pytest.approx(w["alpha_if_deleted"], abs=ALPHA_TOL)


@pytest.mark.parametrize("scale", ["agreeableness", "conscientiousness", "extraversion", "neuroticism", "openness"])
def test_bfi_one_factor_omega_matches_psych(bfi_result, bfi_reference, scale):
    # R: f <- fa(x_reverse_scored, 1, fm = "minres"); (sum(f$loadings))^2 / ((sum(f$loadings))^2 + sum(f$uniquenesses))
    want = bfi_reference["reliability"][scale]["omega_total_1f"]
    assert bfi_result[scale].omega_total == pytest.approx(want, abs=OMEGA1_TOL)


def test_bfi_omega_25_items_5_factors_matches_psych(bfi25_survey, bfi_reference):
    # R: omega(x_reverse_scored_25_items, nfactors = 5, fm = "minres")  -> omega_h, omega.tot
    want = bfi_reference["omega"]
    res = reliability(bfi25_survey, ["big5"], omega_factors=5)["big5"]
    assert res.omega_hierarchical == pytest.approx(want["omega_h"], abs=OMEGA_SL_TOL)
    assert res.omega_total_sl == pytest.approx(want["omega_total"], abs=OMEGA_SL_TOL)
    # psych's flip = TRUE reverses the items loading negatively on g: neuroticism (unkeyed) and O4
    assert set(res.sl.flipped) == {"N1", "N2", "N3", "N4", "N5", "O4"}
    assert any(f.code == "omega-flipped" for f in res.findings)


# ============================================================================ every psych alpha statistic
def _check_alpha_block(got, want, *, nsub):
    """Compare a ScaleReliability with one alpha block of tests/data/reliability/reference.json."""
    assert got.n_items == want["n_items"]
    for key in ("alpha", "std_alpha", "g6", "average_r", "median_r", "var_r", "mean", "sd"):
        assert getattr(got, key) == pytest.approx(want[key], abs=ALPHA_TOL), key
    assert got.signal_noise == pytest.approx(want["signal_noise"], rel=1e-9)
    # issue 18: psych's ase and Feldt divide by nsub = every row given (also rows that answered no item): matched
    assert got.alpha_se == pytest.approx(want["ase"], rel=1e-9)
    assert got.alpha_ci == pytest.approx(tuple(want["feldt"]), abs=ALPHA_TOL)
    assert got.alpha_ci == feldt_ci(got.alpha, nsub, got.n_items)
    assert got.omega_total == pytest.approx(want["omega_total_1f"], abs=OMEGA1_TOL)
    for item, w in want["items"].items():
        row = got.items_table.loc[item]
        assert int(row["n"]) == w["n"]
        for key, value in w.items():
            if key != "n":
                assert row[key] == pytest.approx(value, abs=ALPHA_TOL), (item, key)


@pytest.mark.parametrize("scale", list(REF["bfi"]["alpha"]))
def test_bfi_all_alpha_statistics(bfi_result, scale):
    # R (block "call"): a <- alpha(x[, items], keys = <reversed>): a$total (raw_alpha, std.alpha, G6(smc), average_r,
    #    S/N, ase, mean, sd, median_r), a$var.r, a$feldt, a$item.stats (n, raw.r, std.r, r.cor, r.drop, mean, sd),
    #    a$alpha.drop (raw_alpha, std.alpha, G6(smc), average_r, med.r); fa(x_reversed, 1, fm = "minres")
    want = REF["bfi"]["alpha"][scale]
    _check_alpha_block(bfi_result[scale], want, nsub=want["nsub"])


@pytest.mark.parametrize("scale", list(REF["msq"]["alpha"]))
def test_msq_with_missing_answers_matches_psych(msq_result, scale):
    # R: same calls as above on tests/data/msq/responses.csv (0..3 codes, reversal 3 - x, 5.8% missing; some
    #    pairs answered by only half the respondents). a <- alpha(msq[, items], keys = <reversed>)
    want = REF["msq"]["alpha"][scale]
    got = msq_result[scale]
    assert got.rows_excluded == 3  # three respondents answered nothing at all
    assert got.excluded_reason == "3 respondent(s) answered none of its items"
    _check_alpha_block(got, want, nsub=want["nsub"])


# ============================================================================ Schmid-Leiman omega
@pytest.mark.parametrize("dataset,scale,k,key", [
    ("bfi", "big5", 3, "big5_3"),     # R: omega(x_reversed[, 25 items], nfactors = 3, fm = 'minres')
    ("bfi", "big5", 2, "big5_2"),     # R: omega(x_reversed[, 25 items], nfactors = 2, fm = 'minres')
    ("msq", "arousal", 2, "arousal_2"),  # R: omega(x_reversed[, 20 items], nfactors = 2, fm = 'minres')
    ("msq", "arousal", 3, "arousal_3"),  # R: omega(x_reversed[, 20 items], nfactors = 3, fm = 'minres')
    ("msq", "mood", 4, "mood_4"),     # R: omega(x_reversed[, 28 items], nfactors = 4, fm = 'minres')
])
def test_omega_hierarchical_matches_psych(request, dataset, scale, k, key):
    survey = request.getfixturevalue("bfi25_survey" if dataset == "bfi" else "msq_survey")
    want = REF[dataset]["omega"][key]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataQualityWarning)
        res = reliability(survey, [scale], omega_factors=k)[scale]
    sl = res.sl
    assert res.omega_hierarchical == pytest.approx(want["omega_h"], abs=OMEGA_SL_TOL)
    assert res.omega_total_sl == pytest.approx(want["omega_total"], abs=OMEGA_SL_TOL)
    assert sl.omega_limit == pytest.approx(want["omega_limit"], abs=OMEGA_SL_TOL)
    assert sl.ecv == pytest.approx(want["ecv"], abs=OMEGA_SL_TOL)
    assert sorted(sl.flipped) == sorted(want["flipped"])
    assert np.abs(sl.g - pd.Series(want["g"])[sl.g.index]).max() < 0.01
    assert np.abs(sl.u2 - pd.Series(want["u2"])[sl.u2.index]).max() < 0.01
    assert sl.omega_group.loc["g", "total"] == pytest.approx(want["omega_group"]["total"][0], abs=OMEGA_SL_TOL)
    assert sl.omega_group.loc["g", "group"] == pytest.approx(want["omega_group"]["group"][0], abs=OMEGA_SL_TOL)
    codes = {f.code for f in res.findings}
    assert ("omega-two-factors" in codes) == (k == 2)


def test_schmid_leiman_two_factor_rule_and_warning():
    # Two correlated clusters: g loadings of both factors are sqrt(|phi12|) (psych option = "equal").
    lam = np.array([.8, .7, .6, .7, 0, 0, 0, 0])
    lam2 = np.array([0, 0, 0, 0, .8, .7, .6, .7])
    phi12 = 0.4
    L = np.column_stack([lam, lam2])
    R = L @ np.array([[1, phi12], [phi12, 1]]) @ L.T
    np.fill_diagonal(R, 1)
    with pytest.warns(EstimationWarning, match="not identified"):
        sl = schmid_leiman(R, 2)
    assert sl.g_of_factors == pytest.approx([np.sqrt(phi12)] * 2, abs=1e-4)
    assert sl.g.to_numpy() == pytest.approx(np.sqrt(phi12) * (lam + lam2), abs=1e-3)
    Vt = R.sum()
    assert sl.omega_hierarchical == pytest.approx(sl.g.sum() ** 2 / Vt, rel=1e-12)
    assert sl.omega_total == pytest.approx((Vt - (1 - (lam + lam2) ** 2).sum()) / Vt, abs=1e-4)


# ============================================================================ weights
@pytest.mark.parametrize("missing", ["listwise", "pairwise"])
@pytest.mark.parametrize("scale", ["EA", "TA", "LAct"])
def test_weighted_matches_r_cov_wt(msq_weighted, missing, scale):
    # R listwise: xc <- x_reversed[complete.cases(x_reversed), ]; C <- cov.wt(xc, wt = w / sum(w))$cov; alpha(C)
    # R pairwise: C[i, j] <- cov.wt(x_reversed[both answered, c(i, j)], wt = w / sum(w))$cov[1, 2]; alpha(C)
    want = REF["msq"]["weighted"][missing][scale]
    got = reliability(msq_weighted, [scale], missing=missing)[scale]
    assert got.weighted
    for key in ("alpha", "std_alpha", "g6", "average_r"):
        assert getattr(got, key) == pytest.approx(want[key], abs=ALPHA_TOL), key
    for item, w in want["items"].items():
        assert got.items_table.loc[item, "r_drop"] == pytest.approx(w["r_drop"], abs=ALPHA_TOL)
        assert got.items_table.loc[item, "alpha_if_deleted"] == pytest.approx(w["alpha_if_deleted"], abs=ALPHA_TOL)


def test_weights_equal_or_rescaled_change_nothing(msq_survey):
    base = reliability(msq_survey, ["LAct"], weights=False)["LAct"]
    ones = reliability(msq_survey, ["LAct"], weights=np.ones(msq_survey.n))["LAct"]
    assert ones.weighted and not base.weighted
    assert ones.alpha == pytest.approx(base.alpha, abs=1e-12)
    rng = np.random.default_rng(1)
    w = rng.uniform(0.2, 3, msq_survey.n)
    a = reliability(msq_survey, ["LAct"], weights=w)["LAct"]
    b = reliability(msq_survey, ["LAct"], weights=w * 17.5)["LAct"]
    assert a.alpha == pytest.approx(b.alpha, abs=1e-12)
    assert a.omega_total == pytest.approx(b.omega_total, abs=1e-8)
    assert a.alpha != pytest.approx(base.alpha, abs=1e-6)


def test_bad_weights_are_reported(bfi_survey):
    w = np.ones(bfi_survey.n)
    w[3] = -1
    with pytest.raises(DataError, match="negative"):
        reliability(bfi_survey, ["openness"], weights=w)


# ============================================================================ moments and invariants
@given(st.integers(0, 10_000), st.floats(0.0, 0.4))
def test_pairwise_moments_equal_pandas(seed, share_missing):
    rng = np.random.default_rng(seed)
    x = rng.integers(1, 6, size=(40, 4)).astype(float)
    x[rng.random(x.shape) < share_missing] = np.nan
    frame = pd.DataFrame(x)
    C, Rp, npair = pairwise_moments(x)
    want_c = frame.cov(min_periods=2).to_numpy()
    want_r = frame.corr(min_periods=2).to_numpy()
    ok = np.isfinite(want_c)
    assert np.allclose(C[ok], want_c[ok], atol=1e-10)
    okr = np.isfinite(want_r) & np.isfinite(Rp)
    assert np.allclose(Rp[okr], want_r[okr], atol=1e-10)
    assert np.array_equal(npair[np.isfinite(npair)], (frame.notna().T.astype(int) @ frame.notna().astype(int)
                                                      ).to_numpy()[np.isfinite(npair)])


def test_counts_equal_duplicated_rows():
    rng = np.random.default_rng(5)
    x = rng.normal(size=(30, 4))
    x[rng.random(x.shape) < 0.2] = np.nan
    counts = rng.integers(0, 4, size=30)
    C, R, _ = pairwise_moments(x, counts=counts)
    C2, R2, _ = pairwise_moments(np.repeat(x, counts, axis=0))
    assert np.allclose(C, C2, atol=1e-12) and np.allclose(R, R2, atol=1e-12)


@given(st.permutations(list(range(5))))
def test_alpha_invariant_to_item_order(bfi_survey, order):
    frame = bfi_survey.scale_frame("agreeableness")
    base = analyze_items(frame, name="a")
    perm = analyze_items(frame.iloc[:, list(order)], name="a")
    for key in ("alpha", "std_alpha", "g6", "average_r", "median_r", "omega_total"):
        assert getattr(perm, key) == pytest.approx(getattr(base, key), abs=1e-7), key
    assert perm.items_table.loc[base.items_table.index, "r_drop"].to_numpy() == pytest.approx(
        base.items_table["r_drop"].to_numpy(), abs=1e-12)


def test_listwise_equals_pairwise_on_complete_rows(bfi_survey):
    frame = bfi_survey.scale_frame("conscientiousness").dropna()
    a = analyze_items(frame, missing="pairwise")
    b = analyze_items(frame, missing="listwise")
    assert a.alpha == pytest.approx(b.alpha, abs=1e-14)
    lw = reliability(bfi_survey, ["conscientiousness"], missing="listwise")["conscientiousness"]
    assert lw.n == len(frame) and lw.rows_excluded == bfi_survey.n - len(frame)
    assert lw.alpha == pytest.approx(a.alpha, abs=1e-14)


def test_alpha_from_cov_textbook_values():
    # Compound symmetry: p items, variance 1, covariance r -> alpha = std alpha = p r / (1 + (p - 1) r)
    p, r = 6, 0.3
    C = np.full((p, p), r) + (1 - r) * np.eye(p)
    out = alpha_from_cov(C)
    assert out["alpha"] == pytest.approx(p * r / (1 + (p - 1) * r), abs=1e-14)
    assert out["std_alpha"] == pytest.approx(out["alpha"], abs=1e-14)
    assert out["average_r"] == pytest.approx(r, abs=1e-14)
    assert out["signal_noise"] == pytest.approx(p * r / (1 - r), abs=1e-12)


def test_feldt_ci_known_value():
    # R: a <- alpha.ci(0.8, n.obs = 100, n.var = 10); c(a$lower.ci, a$upper.ci)
    #    -> 0.736048459060734 0.853691819091251
    lo, hi = feldt_ci(0.8, 100, 10)
    assert lo == pytest.approx(0.736048459060734, abs=1e-12) and hi == pytest.approx(0.853691819091251, abs=1e-12)


# ============================================================================ diagnostics
def _bfi_with_scale(bfi_csv, bfi_questionnaire, keys, name="test"):
    d = bfi_questionnaire.to_dict()
    d["scales"] = {name: keys}
    return stl.load_survey(bfi_csv, Questionnaire.from_dict(d))


def test_unkeyed_reverse_item_is_flagged_with_the_fix(bfi_csv, bfi_questionnaire):
    survey = _bfi_with_scale(bfi_csv, bfi_questionnaire, ["A1", "A2", "A3", "A4", "A5"])  # A1 should be -A1
    res = reliability(survey)["test"]
    f = [f for f in res.findings if f.code == "negative-item-rest"]
    assert [x.item for x in f] == ["A1"]
    assert "'-A1'" in f[0].message
    # the alpha it announces is the keyed scale's alpha
    # R: alpha(bfi[, c('A1','A2','A3','A4','A5')], keys = c('A1'))$total$raw_alpha = 0.703018446057304
    assert "alpha would be 0.703" in f[0].message


def test_wrongly_reversed_item_says_remove_the_minus(bfi_csv, bfi_questionnaire):
    survey = _bfi_with_scale(bfi_csv, bfi_questionnaire, ["-A1", "-A2", "A3", "A4", "A5"])
    f = [f for f in reliability(survey)["test"].findings if f.code == "negative-item-rest"]
    assert [x.item for x in f] == ["A2"] and "remove the '-' before A2" in f[0].message


def test_low_alpha_and_deletion_gain(bfi_result, bfi_survey):
    codes = {(f.code, f.scale) for f in bfi_result.findings}
    assert ("low-alpha", "openness") in codes and ("low-alpha", "neuroticism") not in codes
    # openness: deleting O4 raises alpha from 0.600 to 0.611 (psych alpha.drop), flagged at a 0.01 threshold
    res = reliability(bfi_survey, ["openness"], deletion_gain=0.01)
    f = [f for f in res.findings if f.code == "alpha-if-deleted"]
    assert [x.item for x in f] == ["O4"]


def test_zero_variance_item_is_dropped_and_reported(bfi_survey):
    frame = bfi_survey.scale_frame("agreeableness").copy()
    frame["A4"] = 3.0
    with pytest.warns(DataQualityWarning, match="A4 has no variance"):
        res = analyze_items(frame, name="agreeableness")
    assert res.dropped == ("A4",) and res.n_items == 4
    assert "A4" not in res.items_table.index
    assert [f.code for f in res.findings if f.item == "A4"] == ["zero-variance"]
    ref = analyze_items(frame.drop(columns="A4"), name="agreeableness")
    assert res.alpha == pytest.approx(ref.alpha, abs=1e-14)


# ============================================================================ bad input
def test_unknown_scale(bfi_survey):
    with pytest.raises(ScaleError, match="unknown scale 'nope'.*agreeableness"):
        reliability(bfi_survey, ["nope"])


def test_one_item_scale(bfi_csv, bfi_questionnaire):
    survey = _bfi_with_scale(bfi_csv, bfi_questionnaire, ["A1"], name="single")
    with pytest.raises(ScaleError, match="scale 'single' has one item"):
        reliability(survey)


def test_all_answers_missing(bfi_survey):
    frame = bfi_survey.scale_frame("openness") * np.nan
    with pytest.raises(ScaleError, match="no respondent answered any item"):
        analyze_items(frame, name="openness")


def test_non_numeric_column(bfi_survey):
    frame = bfi_survey.scale_frame("openness").copy()
    frame["O3"] = "a lot"
    with pytest.raises(DataError, match="O3 are not numeric"):
        analyze_items(frame, name="openness")


def test_items_never_answered_together(msq_survey):
    # in msq, 'anxious' and 'alone' were on different forms of the questionnaire
    frame = msq_survey.item_frame(["anxious", "alone", "nervous"])
    with pytest.raises(ScaleError, match="anxious and alone were answered together by fewer than two"):
        analyze_items(frame, name="x")


def test_too_many_omega_factors_is_a_finding(bfi_survey):
    res = reliability(bfi_survey, ["openness"], omega_factors=5)["openness"]
    assert np.isnan(res.omega_hierarchical)
    assert any(f.code == "omega-not-estimable" for f in res.findings)


def test_bad_options(bfi_survey):
    with pytest.raises(DataError, match="missing must be"):
        reliability(bfi_survey, ["openness"], missing="everything")
    with pytest.raises(DataError, match="bootstrap"):
        reliability(bfi_survey, ["openness"], bootstrap=-1)


# ============================================================================ bootstrap
def test_bootstrap_is_seeded_and_reports_progress(bfi_survey):
    calls = []
    res = reliability(bfi_survey, ["neuroticism"], bootstrap=40, seed=3,
                      progress=lambda label, done, total: calls.append((label, done, total)))["neuroticism"]
    again = reliability(bfi_survey, ["neuroticism"], bootstrap=40, seed=3)["neuroticism"]
    other = reliability(bfi_survey, ["neuroticism"], bootstrap=40, seed=4)["neuroticism"]
    b = res.bootstrap
    assert b == again.bootstrap and b != other.bootstrap
    assert calls[-1] == ("bootstrap neuroticism", 40, 40) and len(calls) == 40
    assert b["alpha_ci"][0] < res.alpha < b["alpha_ci"][1]
    assert b["omega_total_ci"][0] < res.omega_total < b["omega_total_ci"][1]
    # the bootstrap interval and Feldt's agree roughly on 2,800 respondents
    assert abs(b["alpha_ci"][0] - res.alpha_ci[0]) < 0.01


def test_bootstrap_omega_hierarchical(bfi25_survey):
    res = reliability(bfi25_survey, ["big5"], omega_factors=3, bootstrap=8, seed=1)["big5"]
    lo, hi = res.bootstrap["omega_hierarchical_ci"]
    assert 0.3 < lo <= hi < 0.6
    assert res.bootstrap["failures"] == 0


# ============================================================================ result objects
def test_to_dict_has_contract_keys(bfi25_survey):
    d = reliability(bfi25_survey, ["openness", "big5"], omega_factors=5).to_dict()
    json.dumps(d, allow_nan=True)
    for name in ("openness", "big5"):
        s = d["scales"][name]
        for key in ("n", "n_items", "alpha", "alpha_ci", "std_alpha", "g6", "average_r", "omega_total", "items",
                    "omega_hierarchical", "omega_total_sl"):
            assert key in s, key
        for item in s["items"].values():
            assert {"reversed", "r_drop", "alpha_if_deleted"} <= set(item)
    assert d["scales"]["big5"]["items"]["A1"]["reversed"] is True
    assert d["scales"]["big5"]["items"]["A2"]["reversed"] is False


def test_summary_and_frame(bfi_result):
    text = bfi_result.summary()
    assert "Feldt" in text and "agreeableness" in text and "[low-alpha]" in text
    frame = bfi_result.to_frame()
    assert list(frame.index) == ["agreeableness", "conscientiousness", "extraversion", "neuroticism", "openness"]
    assert frame.loc["openness", "alpha"] == pytest.approx(0.600172514820215, abs=ALPHA_TOL)


# ============================================================================ command line
def test_cli_json_is_one_object_with_contract_keys(invoke, bfi_csv, bfi_yaml, bfi_reference):
    r = invoke("reliability", bfi_csv, "-q", bfi_yaml, "--include-flagged", "--json")
    assert r.exit_code == 0, r.output
    out = json.loads(r.stdout)  # exactly one object: json.loads fails on trailing text
    a = out["scales"]["agreeableness"]
    assert a["alpha"] == pytest.approx(bfi_reference["reliability"]["agreeableness"]["alpha"], abs=ALPHA_TOL)
    assert len(a["alpha_ci"]) == 2 and a["items"]["A1"]["reversed"] is True
    assert "omega_hierarchical" not in a


def test_cli_omega_factors_and_scale_selection(invoke, bfi_csv, bfi_yaml):
    r = invoke("reliability", bfi_csv, "-q", bfi_yaml, "--scale", "neuroticism,extraversion", "--omega-factors", "2",
               "--json")
    assert r.exit_code == 0, r.output
    out = json.loads(r.stdout)
    assert list(out["scales"]) == ["neuroticism", "extraversion"]
    assert {"omega_hierarchical", "omega_total_sl"} <= set(out["scales"]["neuroticism"])


def test_cli_terminal_table_and_scores(invoke, bfi_csv, bfi_yaml, tmp_path):
    out = tmp_path / "scores.csv"
    r = invoke("reliability", bfi_csv, "-q", bfi_yaml, "--include-flagged", "--scale", "openness", "--bootstrap", "20", "--seed", "2",
               "--scores", out)
    assert r.exit_code == 0, r.output
    assert "openness" in r.stdout and "alpha if deleted" in r.stdout and "bootstrap 95%" in r.stdout
    scores = pd.read_csv(out)
    assert list(scores.columns) == ["respondent_id", "openness"] and len(scores) == 2800


@pytest.mark.parametrize("args,message", [
    (["--scale", "nope"], "unknown scale 'nope'"),
])
def test_cli_errors_exit_1(invoke, bfi_csv, bfi_yaml, args, message):
    r = invoke("reliability", bfi_csv, "-q", bfi_yaml, *args)
    assert r.exit_code == 1
    assert message in r.stderr and "Traceback" not in r.stderr


def test_cli_bad_data_exit_1(invoke, bfi_csv, bfi_yaml, tmp_path):
    frame = pd.read_csv(bfi_csv)
    bad = frame.copy()
    bad["A3"] = bad["A3"].astype(object)
    bad.loc[5, "A3"] = "lots"
    bad.to_csv(tmp_path / "text.csv", index=False)
    r = invoke("reliability", tmp_path / "text.csv", "-q", bfi_yaml, "--scale", "agreeableness")
    assert r.exit_code == 1 and "A3" in r.stderr and "'lots'" in r.stderr and "Traceback" not in r.stderr
    empty = frame.copy()
    empty[["O1", "O2", "O3", "O4", "O5"]] = np.nan
    empty.to_csv(tmp_path / "empty.csv", index=False)
    r = invoke("reliability", tmp_path / "empty.csv", "-q", bfi_yaml, "--scale", "openness", "--json")
    assert r.exit_code == 1 and "no respondent answered any item" in r.stderr and r.stdout == ""
    yaml_text = bfi_yaml.read_text().replace("openness: [O1, -O2, O3, O4, -O5]", "openness: [O1]")
    (tmp_path / "q.yaml").write_text(yaml_text)
    r = invoke("reliability", bfi_csv, "-q", tmp_path / "q.yaml", "--scale", "openness")
    assert r.exit_code == 1 and "has one item" in r.stderr


def test_cli_bad_usage_exit_2(invoke, bfi_csv, bfi_yaml):
    r = invoke("reliability", bfi_csv, "-q", bfi_yaml, "--missing", "sometimes")
    assert r.exit_code == 2


def test_help_has_examples(invoke):
    r = invoke("reliability", "--help")
    assert r.exit_code == 0 and "Examples:" in r.stdout and "--omega-factors" in r.stdout


def test_questionnaire_errors_stay_questionnaire_errors(bfi_survey):
    with pytest.raises((ScaleError, QuestionnaireError)):
        reliability(bfi_survey, "agreeableness,nope")


def test_few_pairs_flagged_only_when_missing_answers_thin_a_pair():
    rng = np.random.default_rng(7)
    f = rng.normal(size=(200, 1))
    x = pd.DataFrame(f + rng.normal(size=(200, 4)), columns=["a", "b", "c", "d"])
    thin = x.copy()
    thin.loc[thin.index[10:], "a"] = np.nan   # 'a' answered by 10 respondents only
    res = analyze_items(thin, name="s")
    f_ = [f for f in res.findings if f.code == "few-pairs"]
    assert len(f_) == 1 and f_[0].value == 10 and "a and" in f_[0].message
    small = analyze_items(x.iloc[:20], name="s")  # 20 complete respondents: small, but nothing is thin
    assert not [f for f in small.findings if f.code == "few-pairs"]


def test_alpha_se_counts_rows_without_answers():
    """issue 18: psych's ase = sqrt(Q / nsub) and Feldt interval count every row given (nsub = nrow(x)), also the
    respondents who answered no item. R: tests/data/reliability/make_nsub_reference.R, a <- alpha(x);
    a$total$raw_alpha, a$total$ase, a$feldt (psych 2.2.9)."""
    import json
    from pathlib import Path

    from surveytools.reliability import analyze_items

    folder = Path(__file__).parent / "data" / "reliability"
    want = json.loads((folder / "nsub_reference.json").read_text())
    x = pd.read_csv(folder / "nsub.csv")
    got = analyze_items(x, name="anxiety")
    assert got.n == want["answered"] == 380 and got.rows_in == want["nsub"] == 400
    assert got.alpha == pytest.approx(want["raw_alpha"], abs=1e-12)
    assert got.alpha_se == pytest.approx(want["ase"], rel=1e-12)
    assert got.alpha_ci == pytest.approx(tuple(want["feldt"]), abs=1e-12)
    listwise = analyze_items(x, name="anxiety", missing="listwise")  # only complete rows: N = n
    assert listwise.alpha_ci == feldt_ci(listwise.alpha, listwise.n, 6)
