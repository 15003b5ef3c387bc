"""Segment profiles: every number of the table against an independent computation.

Unweighted: scipy ``ttest_ind(equal_var=False)`` for means, statsmodels ``proportions_ztest`` for
proportions, statsmodels ``multipletests(method="fdr_bh")`` for the BH correction. Weighted: hand formulas
written independently of the library (``np.average``, ``np.cov(aweights=...)`` for the reliability-weight
variance, Kish n_eff), cell by cell.
"""

from __future__ import annotations

import json
import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from report_fixtures import HOSTILE, profiled_survey  # noqa: E402  (tests/ is on sys.path under pytest)
from scipy import stats
from statsmodels.stats.multitest import multipletests
from statsmodels.stats.proportion import proportions_ztest

from surveytools.exceptions import DataError, DataQualityWarning
from surveytools.profile import ProfileResult, bh_adjust, parse_names, profile_segments
from surveytools.segments import Segments, read_segments
from surveytools.survey import Survey

# ---------------------------------------------------------------------- fixtures

@pytest.fixture(scope="module")
def bfi_segments(bfi_survey) -> pd.Series:
    """Four segments of the real bfi respondents: gender x (age > 26)."""
    r = bfi_survey.responses
    seg = 1 + (r["age"] > 26).astype(int) + 2 * (r["gender"] == 2).astype(int)
    return seg.rename("segment")


@pytest.fixture(scope="module")
def bfi_profile(bfi_survey, bfi_segments) -> ProfileResult:
    return profile_segments(bfi_survey, bfi_segments)


def _cell(result: ProfileResult, row: str, seg: int) -> pd.Series:
    return result.cells.loc[(row, seg)]


# ---------------------------------------------------------------------- unweighted vs scipy / statsmodels

def test_means_and_welch_match_scipy(bfi_survey, bfi_segments, bfi_profile):
    from surveytools.scoring import score_scales

    scores = score_scales(bfi_survey).scores
    checked = 0
    for rid, row in bfi_profile.rows.iterrows():
        if row["stat"] != "mean":
            continue
        x = scores[row["variable"]] if row["section"] == "scale" else bfi_survey.responses[row["variable"]]
        x = x.astype(float)
        assert row["total"] == pytest.approx(x.mean(), rel=1e-12)
        assert row["total_n"] == x.notna().sum()
        for s in range(1, 5):
            a = x[bfi_segments == s].dropna()
            b = x[bfi_segments != s].dropna()
            res = stats.ttest_ind(a, b, equal_var=False)
            c = _cell(bfi_profile, rid, s)
            assert c["value"] == pytest.approx(a.mean(), rel=1e-12)
            assert c["n"] == len(a)
            assert c["statistic"] == pytest.approx(res.statistic, rel=1e-9)
            assert c["p"] == pytest.approx(res.pvalue, rel=1e-7, abs=1e-300)
            assert c["df"] == pytest.approx(res.df, rel=1e-9)
            assert c["index"] == pytest.approx(100 * a.mean() / x.mean(), rel=1e-12)
            checked += 1
    assert checked == (5 + 25 + 1) * 4  # 5 scales, 25 items, age


def test_proportions_match_statsmodels(bfi_survey, bfi_segments, bfi_profile):
    edu = bfi_survey.responses["education"]
    rows = bfi_profile.rows[bfi_profile.rows["variable"] == "education"]
    assert list(rows["level"]) == [1, 2, 3, 4, 5]
    assert list(rows["level_label"])[:2] == ["Some high school", "Finished high school"]
    answered = edu.notna()
    for rid, row in rows.iterrows():
        hit = (edu == row["level"])
        assert row["total"] == pytest.approx(hit[answered].mean(), rel=1e-12)
        for s in range(1, 5):
            ins = answered & (bfi_segments == s)
            out = answered & (bfi_segments != s)
            counts = [int(hit[ins].sum()), int(hit[out].sum())]
            nobs = [int(ins.sum()), int(out.sum())]
            z, p = proportions_ztest(counts, nobs)
            c = _cell(bfi_profile, rid, s)
            assert c["value"] == pytest.approx(counts[0] / nobs[0], rel=1e-12)
            assert c["statistic"] == pytest.approx(z, rel=1e-9)
            assert c["p"] == pytest.approx(p, rel=1e-7, abs=1e-300)
            assert np.isnan(c["df"])
            assert c["index"] == pytest.approx(100 * (counts[0] / nobs[0]) / row["total"], rel=1e-12)


def test_gender_rows_are_degenerate_where_segments_are_defined_by_it(bfi_profile):
    # segments 1, 2 are all men and 3, 4 all women: proportions 1 or 0, z still defined (pooled p in (0, 1))
    c = _cell(bfi_profile, "categorical:gender=1", 1)
    assert c["value"] == 1.0 and c["mark"] == "higher"
    c = _cell(bfi_profile, "categorical:gender=1", 3)
    assert c["value"] == 0.0 and c["mark"] == "lower" and c["index"] == 0.0


def test_bh_matches_statsmodels(bfi_profile):
    p = bfi_profile.cells["p"].to_numpy()
    ok = np.isfinite(p)
    expected = multipletests(p[ok], method="fdr_bh")[1]
    np.testing.assert_allclose(bfi_profile.cells["p_adj"].to_numpy()[ok], expected, rtol=1e-12)
    rng = np.random.default_rng(1)
    q = rng.uniform(size=200) ** 3
    q[[3, 50]] = np.nan
    got = bh_adjust(q)
    assert np.isnan(got[3]) and np.isnan(got[50])
    fin = ~np.isnan(q)
    np.testing.assert_allclose(got[fin], multipletests(q[fin], method="fdr_bh")[1], rtol=1e-12)


def test_marks_follow_p_or_adjusted_p(bfi_survey, bfi_segments, bfi_profile):
    c = bfi_profile.cells
    diff_sign = np.sign(c["value"].to_numpy() - _rest_means(bfi_profile))
    sig = c["p"].to_numpy() < 0.05
    expected = np.where(sig & (diff_sign > 0), "higher", np.where(sig & (diff_sign < 0), "lower", None))
    assert list(c["mark"]) == list(expected)
    fdr = profile_segments(bfi_survey, bfi_segments, fdr=True, alpha=0.01)
    sig = fdr.cells["p_adj"].to_numpy() < 0.01
    assert (fdr.cells["mark"].notna().to_numpy() == sig).all()
    assert fdr.to_dict()["fdr"] is True


def _rest_means(result: ProfileResult) -> np.ndarray:
    """Mean of the rest from total and segment (unweighted: n-weighted)."""
    out = []
    for (rid, _seg), c in result.cells.iterrows():
        row = result.rows.loc[rid]
        n_rest = row["total_n"] - c["n"]
        out.append((row["total"] * row["total_n"] - c["value"] * c["n"]) / n_rest)
    return np.array(out)


def test_nps_rows():
    survey, seg = profiled_survey()
    res = profile_segments(survey, seg)
    x = survey.responses["nps"]
    score = 100.0 * ((x >= 9).astype(float) - (x <= 6).astype(float))
    row = res.rows.loc["nps:nps"]
    assert row["stat"] == "nps"
    assert row["total"] == pytest.approx(100 * ((x >= 9).mean() - (x <= 6).mean()))
    for s in range(1, 5):
        a, b = score[seg == s], score[seg != s]
        t = stats.ttest_ind(a, b, equal_var=False)
        c = _cell(res, "nps:nps", s)
        assert c["value"] == pytest.approx(a.mean(), rel=1e-12)
        assert c["statistic"] == pytest.approx(t.statistic, rel=1e-9)
        assert c["p"] == pytest.approx(t.pvalue, rel=1e-7)
        assert np.isnan(c["index"])  # negative values: no index
        prom = _cell(res, "nps:nps=promoters", s)
        assert prom["value"] == pytest.approx((x[seg == s] >= 9).mean())
    shares = res.rows.loc[["nps:nps=promoters", "nps:nps=passives", "nps:nps=detractors"], "total"].sum()
    assert shares == pytest.approx(1.0)


def test_multi_and_categorical_rows_keep_survey_text():
    survey, seg = profiled_survey()
    res = profile_segments(survey, seg)
    multi = res.rows[res.rows["section"] == "multi"]
    assert list(multi["level_label"]) == ["Email", "Phone", "App"]
    assert set(multi["label"]) == {HOSTILE["dollar"]}
    cat = res.rows[res.rows["section"] == "categorical"]
    assert list(cat["level_label"]) == [HOSTILE["plus"], HOSTILE["at"], HOSTILE["script"]]
    # a text item is never profiled
    assert "comment" not in set(res.rows["variable"])
    for s in range(1, 5):
        col = survey.responses["channels_2"]
        z, p = proportions_ztest([col[seg == s].sum(), col[seg != s].sum()], [(seg == s).sum(), (seg != s).sum()])
        assert _cell(res, "multi:channels=2", s)["p"] == pytest.approx(p, rel=1e-7)


# ---------------------------------------------------------------------- weighted: hand formulas

def _weighted_reference(x: np.ndarray, w: np.ndarray, in_seg: np.ndarray, proportion: bool) -> dict:
    ok = ~np.isnan(x)
    a, wa = x[ok & in_seg], w[ok & in_seg]
    b, wb = x[ok & ~in_seg], w[ok & ~in_seg]
    ma, mb = np.average(a, weights=wa), np.average(b, weights=wb)
    na, nb = wa.sum() ** 2 / (wa ** 2).sum(), wb.sum() ** 2 / (wb ** 2).sum()
    if proportion:
        pool = (na * ma + nb * mb) / (na + nb)
        z = (ma - mb) / np.sqrt(pool * (1 - pool) * (1 / na + 1 / nb))
        return {"value": ma, "n_eff": na, "statistic": z, "p": 2 * stats.norm.sf(abs(z))}
    va = np.cov(a, aweights=wa)  # sum w (x - m)^2 / (V1 - V2 / V1): the reliability-weights variance
    vb = np.cov(b, aweights=wb)
    sa, sb = va / na, vb / nb
    t = (ma - mb) / np.sqrt(sa + sb)
    df = (sa + sb) ** 2 / (sa ** 2 / (na - 1) + sb ** 2 / (nb - 1))
    return {"value": ma, "n_eff": na, "statistic": t, "df": df, "p": 2 * stats.t.sf(abs(t), df)}


def test_weighted_cells_match_hand_formulas():
    survey, seg = profiled_survey(n=500, seed=11)
    rng = np.random.default_rng(5)
    w = pd.Series(rng.lognormal(0, 0.5, survey.n), index=survey.ids)
    q = survey.questionnaire.from_dict({**survey.questionnaire.to_dict(), "weight": "w"})
    wsurvey = Survey(responses=survey.responses, questionnaire=q, weights=w)
    res = profile_segments(wsurvey, seg)
    assert res.weighted
    wa = w.to_numpy()
    checked = 0
    for rid in ["likert:q1_2", "numeric:age", "categorical:plan=2", "multi:channels=3", "nps:nps",
                "nps:nps=detractors"]:
        row = res.rows.loc[rid]
        if row["section"] == "categorical":
            x = np.where(survey.responses["plan"].isna(), np.nan, (survey.responses["plan"] == 2).astype(float))
        elif row["section"] == "multi":
            x = survey.responses["channels_3"].to_numpy(dtype=float)
        elif rid == "nps:nps":
            v = survey.responses["nps"].to_numpy(dtype=float)
            x = 100.0 * ((v >= 9).astype(float) - (v <= 6).astype(float))
        elif rid == "nps:nps=detractors":
            x = (survey.responses["nps"].to_numpy(dtype=float) <= 6).astype(float)
        else:
            x = survey.responses[row["variable"]].to_numpy(dtype=float)
        assert row["total"] == pytest.approx(np.average(x, weights=wa), rel=1e-12)
        assert row["total_n_eff"] == pytest.approx(wa.sum() ** 2 / (wa ** 2).sum(), rel=1e-12)
        for s in range(1, 5):
            ref = _weighted_reference(x, wa, (seg == s).to_numpy(), row["stat"] == "proportion")
            c = _cell(res, rid, s)
            for key, val in ref.items():
                assert c[key] == pytest.approx(val, rel=1e-9), (rid, s, key)
            checked += 1
    assert checked == 24
    seg_w = res.segments
    for s in range(1, 5):
        assert seg_w.at[s, "weighted_n"] == pytest.approx(wa[(seg == s).to_numpy()].sum())
    assert seg_w["share"].sum() == pytest.approx(1.0)


def test_weights_ignored_on_request_and_unit_weights_equal_unweighted():
    survey, seg = profiled_survey(n=300, seed=2)
    q = survey.questionnaire.from_dict({**survey.questionnaire.to_dict(), "weight": "w"})
    ones = Survey(responses=survey.responses, questionnaire=q, weights=pd.Series(1.0, index=survey.ids))
    a = profile_segments(survey, seg)
    b = profile_segments(ones, seg)
    c = profile_segments(ones, seg, weights=False)
    assert b.weighted and not c.weighted
    num = ["value", "statistic", "p", "p_adj", "n_eff", "index"]
    pd.testing.assert_frame_equal(a.cells[num], b.cells[num], rtol=1e-10)
    pd.testing.assert_frame_equal(a.cells, c.cells)


@settings(max_examples=10)
@given(scale=st.floats(0.01, 100.0), seed=st.integers(0, 10_000))
def test_scaling_weights_changes_nothing(scale, seed):
    survey, seg = _small()
    rng = np.random.default_rng(seed)
    w = pd.Series(rng.uniform(0.2, 3.0, survey.n), index=survey.ids)
    q = survey.questionnaire.from_dict({**survey.questionnaire.to_dict(), "weight": "w"})
    r1 = profile_segments(Survey(responses=survey.responses, questionnaire=q, weights=w), seg, scale_scores=False)
    r2 = profile_segments(Survey(responses=survey.responses, questionnaire=q, weights=w * scale), seg,
                          scale_scores=False)
    num = ["value", "statistic", "p", "n_eff", "index", "effect"]
    pd.testing.assert_frame_equal(r1.cells[num], r2.cells[num], rtol=1e-8)


_SMALL: dict = {}


def _small():
    if not _SMALL:
        _SMALL["v"] = profiled_survey(n=200, seed=9)
    return _SMALL["v"]


@settings(max_examples=10)
@given(seed=st.integers(0, 10_000))
def test_row_order_does_not_matter(seed):
    survey, seg = _small()
    perm = np.random.default_rng(seed).permutation(survey.n)
    shuffled = survey.subset(survey.ids[perm])
    a = profile_segments(survey, seg, scale_scores=False)
    b = profile_segments(shuffled, seg.iloc[perm], scale_scores=False)
    pd.testing.assert_frame_equal(a.cells, b.cells, rtol=1e-9)
    pd.testing.assert_frame_equal(a.rows, b.rows, rtol=1e-9)


# ---------------------------------------------------------------------- basis, extra, variables

def test_basis_and_extra_frames():
    survey, seg = profiled_survey(n=400, seed=4)
    rng = np.random.default_rng(0)
    basis = pd.DataFrame({"F1": rng.normal(size=survey.n) + (seg == 2) * 1.5, "F2": rng.normal(size=survey.n)},
                         index=survey.ids)
    extra = pd.DataFrame({"revenue": rng.gamma(2.0, 50.0, survey.n), "churned": rng.random(survey.n) < 0.2,
                          "tier": rng.choice(["gold", "silver"], survey.n)}, index=survey.ids)
    extra.loc[extra.index[:10], "revenue"] = np.nan
    res = profile_segments(survey, seg, basis=basis, extra=extra)
    assert list(res.rows["section"].unique()) == ["basis", "scale", "likert", "categorical", "multi", "numeric",
                                                  "nps", "extra"]
    assert np.isnan(_cell(res, "basis:F1", 2)["index"])  # z-scores: index meaningless
    assert _cell(res, "basis:F1", 2)["mark"] == "higher"
    assert res.rows.loc["extra:revenue", "total_n"] == survey.n - 10
    assert res.rows.loc["extra:churned", "stat"] == "proportion"
    assert set(res.rows.loc[res.rows["variable"] == "tier", "level_label"]) == {"gold", "silver"}
    a = basis["F1"][seg == 1]
    b = basis["F1"][seg != 1]
    assert _cell(res, "basis:F1", 1)["p"] == pytest.approx(stats.ttest_ind(a, b, equal_var=False).pvalue, rel=1e-7)
    # the description ranks basis dimensions first
    assert "F1" in res.segments.at[2, "description"]


def test_variables_select_rows_and_scale_scores_can_be_given():
    survey, seg = profiled_survey(n=300, seed=6)
    res = profile_segments(survey, seg, variables="attitude_one, plan,age")
    assert list(res.rows["variable"].unique()) == ["attitude_one", "plan", "age"]
    given_scores = pd.DataFrame({"mine": np.arange(survey.n, dtype=float)}, index=survey.ids)
    res2 = profile_segments(survey, seg, scale_scores=given_scores, variables=["mine"])
    assert list(res2.rows.index) == ["scale:mine"]
    none = profile_segments(survey, seg, scale_scores=False)
    assert "scale" not in set(none.rows["section"])


# ---------------------------------------------------------------------- result API

def test_to_dict_is_the_contract_and_json_ready(bfi_profile):
    d = bfi_profile.to_dict()
    json.dumps(d, allow_nan=False)
    assert set(d["segments"]) == {"1", "2", "3", "4"}
    assert set(d["segments"]["1"]) >= {"name", "n", "weighted_n", "share", "description"}
    var = d["variables"][0]
    assert set(var) >= {"id", "section", "variable", "label", "level", "stat", "total", "segments"}
    assert set(var["segments"]["1"]) >= {"value", "index", "statistic", "p", "p_adj", "mark"}
    assert d["rows_used"] == 2800 and d["rows_excluded"] == 0
    assert sum(s["n"] for s in d["segments"].values()) == 2800
    frame = bfi_profile.to_frame()
    assert len(frame) == len(bfi_profile.rows) * 4
    wide = bfi_profile.table("p")
    assert list(wide.columns) == ["total", 1, 2, 3, 4]
    text = bfi_profile.summary()
    assert "Scale scores" in text and "agreeableness" in text
    with pytest.raises(DataError, match="unknown field"):
        bfi_profile.table("nope")


def test_descriptions_and_names(bfi_survey, bfi_segments):
    res = profile_segments(bfi_survey, bfi_segments, names="1=Young men, 4=Older women")
    d = res.segments
    assert d.at[1, "name"] == "Young men" and d.at[2, "name"] == "Segment 2"
    assert d.at[4, "description"].startswith("Segment 4 \u201cOlder women\u201d:")
    assert "of the sample" in d.at[1, "description"]
    assert "Stands out on:" in d.at[3, "description"]
    es = profile_segments(bfi_survey, bfi_segments, names=["Hombres jóvenes"], lang="es")
    assert es.segments.at[1, "name"] == "Hombres jóvenes"
    assert es.segments.at[2, "name"] == "Segmento 2"
    assert "de la muestra" in es.segments.at[1, "description"]
    assert "Destaca por:" in es.segments.at[3, "description"]
    # decimal comma in Spanish text
    assert "," in es.segments.at[3, "description"].split("Destaca por:")[1]


def test_description_without_differences():
    rng = np.random.default_rng(0)
    survey, _ = profiled_survey(n=400, seed=1)
    seg = pd.Series(rng.integers(1, 3, survey.n), index=survey.ids)
    res = profile_segments(survey, seg, variables="age", fdr=True, alpha=1e-6)
    assert res.segments.at[1, "description"].endswith("No significant difference from the rest of the sample.")


def test_names_from_assignments_file(tmp_path, bfi_survey, bfi_segments):
    path = tmp_path / "seg.csv"
    frame = pd.DataFrame({"respondent_id": bfi_segments.index.astype(str), "segment": bfi_segments.to_numpy(),
                          "segment_name": bfi_segments.map({1: "A", 2: "B", 3: "C", 4: "D"}).to_numpy()})
    frame.to_csv(path, index=False)
    res = profile_segments(bfi_survey, str(path), variables="age", names={2: "Bee"})
    assert res.names == {1: "A", 2: "Bee", 3: "C", 4: "D"}


def test_parse_names():
    assert parse_names("1=A, 2 = B ,") == {1: "A", 2: "B"}
    assert parse_names({"3": "C"}) == {3: "C"}
    assert parse_names(["A", "B"]) == {1: "A", 2: "B"}
    for bad in ("A", "x=A", "0=A", "1="):
        with pytest.raises(DataError):
            parse_names(bad)


# ---------------------------------------------------------------------- bad input

def test_unknown_respondents_are_an_error(bfi_survey, bfi_segments):
    seg = pd.concat([bfi_segments, pd.Series([1], index=["not-a-respondent"])])
    with pytest.raises(DataError, match="not in .*not-a-respondent"):
        profile_segments(bfi_survey, seg)


def test_unassigned_respondents_are_excluded_and_reported(bfi_survey, bfi_segments):
    res = profile_segments(bfi_survey, bfi_segments.iloc[100:], variables="age")
    assert res.rows_used == 2700 and len(res.unassigned) == 100
    assert res.to_dict()["excluded"] == {"no_segment": 100}
    seg = bfi_segments.astype(float).copy()
    seg.iloc[:5] = np.nan  # NaN = no segment
    assert len(profile_segments(bfi_survey, seg, variables="age").unassigned) == 5


def test_segment_of_size_zero_is_an_error(bfi_survey, bfi_segments):
    seg = bfi_segments.replace({3: 5})
    with pytest.raises(DataError, match="segment 3 has no respondents"):
        profile_segments(bfi_survey, seg)
    with pytest.raises(DataError, match="segment 5, which has no respondents"):
        profile_segments(bfi_survey, bfi_segments, names="1=A,5=E")
    a = Segments.from_labels(pd.Series(bfi_segments.to_numpy(), index=bfi_segments.index.astype(str)),
                             names={3: "x"}, source="seg.csv")
    assert profile_segments(bfi_survey, a, variables="age").names[3] == "x"
    with pytest.raises(DataError, match="at least two segments"):
        profile_segments(bfi_survey, pd.Series(1, index=bfi_survey.ids))


def test_bad_segment_values(bfi_survey):
    with pytest.raises(DataError, match="whole numbers"):
        profile_segments(bfi_survey, pd.Series(1.5, index=bfi_survey.ids))
    with pytest.raises(DataError, match="whole numbers"):
        profile_segments(bfi_survey, pd.Series(0, index=bfi_survey.ids))


def test_variable_missing_from_the_data(bfi_survey, bfi_segments):
    broken = Survey(responses=bfi_survey.responses.drop(columns=["age"]), questionnaire=bfi_survey.questionnaire)
    with pytest.raises(DataError, match="no column for 1 questionnaire variable.*age"):
        profile_segments(broken, bfi_segments, scale_scores=False)
    with pytest.raises(DataError, match="unknown variable.*nope"):
        profile_segments(bfi_survey, bfi_segments, variables="age,nope")
    survey, seg = profiled_survey(n=200)
    with pytest.raises(DataError, match="cannot profile comment"):
        profile_segments(survey, seg, variables="comment")


def test_bad_weights_and_frames(bfi_survey, bfi_segments):
    survey, seg = profiled_survey(n=200)
    q = survey.questionnaire.from_dict({**survey.questionnaire.to_dict(), "weight": "w"})
    w = pd.Series(1.0, index=survey.ids)
    w.iloc[7] = np.nan
    with pytest.raises(DataError, match="weight of respondent 'r0007'"):
        profile_segments(Survey(responses=survey.responses, questionnaire=q, weights=w), seg)
    with pytest.raises(DataError, match="none of its respondent ids"):
        profile_segments(survey, seg, basis=pd.DataFrame({"F1": [1.0]}, index=["zzz"]))
    with pytest.raises(DataError, match="not numeric"):
        profile_segments(survey, seg, basis=pd.DataFrame({"F1": ["a"] * survey.n}, index=survey.ids))
    with pytest.raises(DataError, match="alpha"):
        profile_segments(survey, seg, alpha=1.5)
    with pytest.raises(DataError, match="language"):
        profile_segments(survey, seg, lang="fr")


def test_small_segments_warn():
    survey, _ = profiled_survey(n=200)
    seg = pd.Series(np.where(np.arange(survey.n) < 10, 2, 1), index=survey.ids)
    with pytest.warns(DataQualityWarning, match="small segment 2 \\(n=10\\)"):
        profile_segments(survey, seg, variables="age")


# ---------------------------------------------------------------------- command line

@pytest.fixture()
def bfi_assignments(tmp_path, bfi_segments):
    path = tmp_path / "segments.csv"
    pd.DataFrame({"respondent_id": bfi_segments.index.astype(str),
                  "segment": bfi_segments.to_numpy()}).iloc[5:].to_csv(path, index=False)
    return path


def test_cli_json(invoke, bfi_csv, bfi_yaml, bfi_assignments, bfi_survey, bfi_segments):
    r = invoke("profile", bfi_csv, "-q", bfi_yaml, "--include-flagged", "--segments", bfi_assignments, "--json", "--names", "1=Young men")
    assert r.exit_code == 0, r.stderr
    d = json.loads(r.stdout)
    assert d["segments"]["1"]["name"] == "Young men"
    assert d["rows_excluded"] == 5 and d["rows_used"] == 2795
    lib = profile_segments(bfi_survey, bfi_segments.iloc[5:]).to_dict()
    assert d["variables"] == json.loads(json.dumps(lib["variables"]))


def test_cli_text_and_reports(invoke, tmp_path, bfi_csv, bfi_yaml, bfi_assignments):
    r = invoke("profile", bfi_csv, "-q", bfi_yaml, "--include-flagged", "--segments", bfi_assignments, "--variables", "age,gender")
    assert r.exit_code == 0, r.stderr
    assert "Segment profiles: 2795 respondents in 4 segments" in r.stdout
    assert "5 respondent(s) without a segment were excluded" in r.stderr
    names = tmp_path / "names.yaml"
    names.write_text("names:\n  1: Jóvenes\n  2: Mayores\n", encoding="utf-8")
    xlsx = tmp_path / "p.xlsx"
    r = invoke("profile", bfi_csv, "-q", bfi_yaml, "--include-flagged", "--segments", bfi_assignments, "-o", xlsx, "--lang", "es",
               "--fdr", "--names", names, "--quiet")
    assert r.exit_code == 0, r.stderr
    from openpyxl import load_workbook

    wb = load_workbook(xlsx)
    assert "Perfiles" in wb.sheetnames
    html = tmp_path / "p.html"
    r = invoke("profile", bfi_csv, "-q", bfi_yaml, "--include-flagged", "--segments", bfi_assignments, "-o", html, "--json",
               "--variables", "agreeableness,neuroticism,gender")
    assert r.exit_code == 0, r.stderr
    assert json.loads(r.stdout)["output"] == str(html)
    assert html.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    deck = tmp_path / "p.pptx"
    r = invoke("profile", bfi_csv, "-q", bfi_yaml, "--include-flagged", "--segments", bfi_assignments, "-o", deck, "--lang", "es",
               "--names", names, "--quiet")
    assert r.exit_code == 0, r.stderr
    from pptx import Presentation

    titles = [s.shapes.title.text for s in Presentation(str(deck)).slides if s.shapes.title is not None]
    assert "1. Jóvenes (A)" in titles and "Tamaño de los segmentos" in titles


def test_cli_scores_option(invoke, tmp_path, bfi_csv, bfi_yaml, bfi_assignments, bfi_survey):
    scores = tmp_path / "scores.csv"
    rng = np.random.default_rng(0)
    pd.DataFrame({"respondent_id": bfi_survey.ids, "MR1": rng.normal(size=2800),
                  "MR2": rng.normal(size=2800)}).to_csv(scores, index=False)
    r = invoke("profile", bfi_csv, "-q", bfi_yaml, "--segments", bfi_assignments, "--scores", scores,
               "--variables", "MR1,MR2", "--json")
    assert r.exit_code == 0, r.stderr
    assert [v["id"] for v in json.loads(r.stdout)["variables"]] == ["basis:MR1", "basis:MR2"]


def test_cli_errors(invoke, tmp_path, bfi_csv, bfi_yaml, bfi_assignments):
    bad = tmp_path / "bad.csv"
    bad.write_text("respondent_id,segment\n1,1\n2,2\nghost,1\n")
    r = invoke("profile", bfi_csv, "-q", bfi_yaml, "--segments", bad)
    assert r.exit_code == 1 and "Error:" in r.stderr and "ghost" in r.stderr
    gap = tmp_path / "gap.csv"
    gap.write_text("respondent_id,segment\nR0001,1\nR0002,3\nR0003,3\n")
    r = invoke("profile", bfi_csv, "-q", bfi_yaml, "--segments", gap)
    assert r.exit_code == 1 and "segment 2 has no respondents" in r.stderr
    r = invoke("profile", bfi_csv, "-q", bfi_yaml, "--segments", bfi_assignments, "--variables", "A1,zz")
    assert r.exit_code == 1 and "unknown variable(s) to profile: zz" in r.stderr
    r = invoke("profile", bfi_csv, "-q", bfi_yaml, "--segments", bfi_assignments, "-o", tmp_path / "r.pdf")
    assert r.exit_code == 1 and ".xlsx, .html or .pptx" in r.stderr
    r = invoke("profile", bfi_csv, "-q", bfi_yaml, "--segments", bfi_assignments, "-o", bfi_assignments.with_suffix(".html"),
               "--names", "9=Z")
    assert r.exit_code == 1 and "segment 9" in r.stderr
    assert not bfi_assignments.with_suffix(".html").exists()
    r = invoke("profile", bfi_csv, "-q", bfi_yaml, "--segments", bfi_assignments, "--lang", "fr")
    assert r.exit_code == 2
    r = invoke("profile", "--help")
    assert r.exit_code == 0 and "Examples:" in r.stdout


def test_read_segments_roundtrip_with_profile(tmp_path, bfi_survey, bfi_segments):
    path = tmp_path / "s.csv"
    pd.DataFrame({"respondent_id": bfi_segments.index, "segment": bfi_segments.to_numpy()}).to_csv(path, index=False)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        res = profile_segments(bfi_survey, read_segments(path), variables="gender")
    assert res.k == 4


# ---------------------------------------------------------------------- pairwise column letters

def test_segment_letters():
    from surveytools.profile import segment_letter

    assert [segment_letter(i) for i in (1, 2, 26, 27, 28, 52, 53)] == ["A", "B", "Z", "AA", "AB", "AZ", "BA"]
    with pytest.raises(DataError):
        segment_letter(0)


@pytest.mark.parametrize("adjust", ["bonferroni", "holm", "bh", "none"])
def test_pairwise_letters_match_scipy_and_statsmodels(bfi_survey, bfi_segments, adjust):
    """Every pair of segments, every row: Welch t (scipy) / pooled z (statsmodels), adjusted within the row by
    statsmodels' multipletests; a cell's letters are the segments it is significantly higher than."""
    res = profile_segments(bfi_survey, bfi_segments, letters_adjust=adjust,
                           variables=["A1", "C2", "education", "age", "agreeableness"])
    from surveytools.scoring import score_scales

    scores = score_scales(bfi_survey).scores
    sm_method = {"bonferroni": "bonferroni", "holm": "holm", "bh": "fdr_bh"}.get(adjust)
    assert list(res.segments["letter"]) == ["A", "B", "C", "D"]
    n_letters = 0
    for rid, row in res.rows.iterrows():
        var = row["variable"]
        x = (scores[var] if row["section"] == "scale" else bfi_survey.responses[var]).astype(float)
        if row["stat"] == "proportion":
            code = row["level"]
            x = x.where(x.isna(), ((x >= 5) if code == "top2" else (x == code)).astype(float))
        pvals, diffs = [], []
        for a in range(1, 5):
            for b in range(a + 1, 5):
                xa = x[bfi_segments == a].dropna()
                xb = x[bfi_segments == b].dropna()
                if row["stat"] == "proportion":
                    stat, p = proportions_ztest([xa.sum(), xb.sum()], [len(xa), len(xb)])
                else:
                    t = stats.ttest_ind(xa, xb, equal_var=False)
                    stat, p = t.statistic, t.pvalue
                got = res.pairwise.loc[(rid, a, b)]
                assert got["statistic"] == pytest.approx(stat, rel=1e-9)
                assert got["p"] == pytest.approx(p, rel=1e-7, abs=1e-300)
                pvals.append(p)
                diffs.append((a, b, xa.mean() - xb.mean()))
        p_adj = np.array(pvals) if sm_method is None else multipletests(pvals, method=sm_method)[1]
        np.testing.assert_allclose(res.pairwise.xs(rid, level="row")["p_adj"].to_numpy(), p_adj, rtol=1e-10, atol=1e-300)
        expected = {s: "" for s in range(1, 5)}
        for (a, b, d), q in zip(diffs, p_adj, strict=True):
            if q < 0.05:
                hi, lo = (a, b) if d > 0 else (b, a)
                expected[hi] += "ABCD"[lo - 1]
        for s in range(1, 5):
            assert res.cells.loc[(rid, s), "letters"] == "".join(sorted(expected[s]))
            n_letters += len(expected[s])
    assert n_letters > 10  # the segments differ: letters are not all empty


def test_letters_in_json_and_summary(bfi_profile):
    d = bfi_profile.to_dict()
    assert [d["segments"][s]["letter"] for s in "1234"] == ["A", "B", "C", "D"]
    assert d["letters"]["adjust"] == "bonferroni" and d["letters"]["within"] == "row"
    cells = [v["segments"][s]["letters"] for v in d["variables"] for s in "1234"]
    assert all(isinstance(c, str) and c == "".join(sorted(c)) for c in cells)
    # gender defines segments 1, 2 (men) vs 3, 4 (women): the men's cells of "male" beat C and D
    male = next(v for v in d["variables"] if v["id"] == "categorical:gender=1")
    assert male["segments"]["1"]["letters"] == "CD" and male["segments"]["3"]["letters"] == ""
    text = bfi_profile.summary()
    assert "1 (A)" in text and "letters: segments a cell is significantly higher than" in text


def test_top_box_rows(bfi_survey, bfi_segments):
    res = profile_segments(bfi_survey, bfi_segments, variables=["A1"])
    assert list(res.rows.index) == ["likert:A1", "likert:A1=top2"]
    top = res.rows.loc["likert:A1=top2"]
    x = bfi_survey.responses["A1"].dropna()
    assert top["total"] == pytest.approx((x >= 5).mean(), rel=1e-12) and top["stat"] == "proportion"
    assert top["level_label"] == "Top 2 box"
    es = profile_segments(bfi_survey, bfi_segments, variables=["A1"], lang="es", top_box=3)
    assert es.rows.loc["likert:A1=top3", "level_label"] == "Top 3 (los 3 valores más altos)"
    assert es.rows.loc["likert:A1=top3", "total"] == pytest.approx((x >= 4).mean(), rel=1e-12)
    none = profile_segments(bfi_survey, bfi_segments, variables=["A1"], top_box=0)
    assert list(none.rows.index) == ["likert:A1"]
    with pytest.raises(DataError, match="top_box"):
        profile_segments(bfi_survey, bfi_segments, top_box=-1)
    with pytest.raises(DataError, match="letters adjustment"):
        profile_segments(bfi_survey, bfi_segments, letters_adjust="tukey")


def test_basis_labels(bfi_survey, bfi_segments):
    basis = pd.DataFrame({"F1": np.arange(bfi_survey.n, dtype=float)}, index=bfi_survey.responses.index)
    res = profile_segments(bfi_survey, bfi_segments, basis=basis, basis_labels={"F1": "Amabilidad"},
                           variables=["F1"])
    assert res.rows.loc["basis:F1", "label"] == "Amabilidad" and res.rows.loc["basis:F1", "variable"] == "F1"
