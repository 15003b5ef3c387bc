"""Scale scores against R psych ``scoreItems`` (tests/data/reliability/reference.json, block msq.scores)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

import surveytools as stl
from surveytools.exceptions import DataError, InputFileError, ScaleError
from surveytools.questionnaire import Questionnaire
from surveytools.scoring import ScaleScores, score_scales, weighted_quantile

DATA = Path(__file__).resolve().parent / "data"
REF = json.loads((DATA / "reliability" / "reference.json").read_text())["msq"]["scores"]
SCALES = ["EA", "LAct", "Sadness", "Joviality"]


@pytest.fixture(scope="module")
def msq_survey():
    return stl.load_survey(DATA / "msq" / "responses.csv", stl.load_questionnaire(DATA / "msq" / "msq.yaml"))


@pytest.mark.parametrize("impute", ["none", "median", "mean"])
def test_matches_psych_score_items(msq_survey, impute):
    # R: scoreItems(keys, msq[, items], impute = "<impute>")$scores   (keys: psychTools::msq.keys EA, LAct,
    #    Sadness, Joviality; rows = the first 25 respondents with a missing answer, 1-based)
    want = REF[impute]
    res = score_scales(msq_survey, SCALES, min_answered=0, impute=impute)
    rows = np.asarray(REF["sample_rows"]) - 1
    for scale in SCALES:
        got = res.scores[scale].to_numpy()[rows]
        assert got == pytest.approx(np.asarray(want["rows"][scale], dtype=float), abs=1e-12), scale
    if impute == "none":  # psych gives NA to the 3 respondents who answered nothing, as we do
        for scale in SCALES:
            assert res.stats.loc[scale, "n_scored"] == want["n"][scale]
            assert res.stats.loc[scale, "mean"] == pytest.approx(want["mean"][scale], abs=1e-12)
            assert res.stats.loc[scale, "sd"] == pytest.approx(want["sd"][scale], abs=1e-12)
    else:  # psych imputes even respondents without any answer; we leave them unscored
        assert (res.stats["n_scored"] == 3893).all() and all(v == 3896 for v in want["n"].values())


def test_min_answered_share(msq_survey):
    # LAct has 5 items; inactive, idle and tranquil were asked of only half the respondents
    loose = score_scales(msq_survey, ["LAct"], min_answered=0.4)
    strict = score_scales(msq_survey, ["LAct"], min_answered=0.8)
    n_ans = loose.n_answered["LAct"]
    assert loose.scores["LAct"].notna().sum() == (n_ans >= 2).sum()
    assert strict.scores["LAct"].notna().sum() == (n_ans >= 4).sum()
    assert strict.excluded["LAct"] == (n_ans < 4).sum() == strict.stats.loc["LAct", "n_excluded"]
    assert strict.rows_in == 3896 and strict.rows_out + strict.rows_excluded == 3896
    both = loose.scores["LAct"].notna() & strict.scores["LAct"].notna()
    assert np.allclose(loose.scores.loc[both, "LAct"], strict.scores.loc[both, "LAct"])


def test_reverse_keyed_items_are_reversed(bfi_survey):
    res = score_scales(bfi_survey, "agreeableness", min_answered=1.0)
    x = bfi_survey.responses[["A1", "A2", "A3", "A4", "A5"]]
    complete = x.notna().all(axis=1)
    manual = ((7 - x["A1"]) + x["A2"] + x["A3"] + x["A4"] + x["A5"]) / 5
    assert np.allclose(res.scores.loc[complete, "agreeableness"], manual[complete])
    assert res.scores.loc[~complete, "agreeableness"].isna().all()
    assert res.reversed["agreeableness"] == ("A1",)


@given(st.integers(0, 1000))
def test_reversing_twice_is_identity_and_scores_stay_in_range(seed):
    rng = np.random.default_rng(seed)
    n = 30
    data = {f"i{k}": rng.integers(1, 6, n).astype(float) for k in range(4)}
    frame = pd.DataFrame(data, index=pd.Index([f"r{k}" for k in range(n)], name="respondent_id"))
    frame = frame.mask(rng.random(frame.shape) < 0.3)
    spec = {"option_sets": {"s": {"codes": {1: "a", 2: "b", 3: "c", 4: "d", 5: "e"}}},
            "items": {c: {"options": "s"} for c in frame.columns},
            "scales": {"fwd": ["i0", "i1", "i2", "i3"], "rev": ["-i0", "-i1", "-i2", "-i3"]}}
    survey = stl.Survey(frame, Questionnaire.from_dict(spec))
    res = score_scales(survey, min_answered=0)
    both = res.scores.dropna()
    assert np.allclose(both["fwd"] + both["rev"], 6.0)  # mean of (6 - x) = 6 - mean(x)
    assert ((both >= 1) & (both <= 5)).all().all()


def test_weighted_summary_and_imputation(msq_survey):
    w = np.random.default_rng(0).uniform(0.5, 2.0, msq_survey.n)
    plain = score_scales(msq_survey, ["Sadness"], min_answered=0.5)
    wres = score_scales(msq_survey, ["Sadness"], min_answered=0.5, weights=w)
    # a respondent's own score does not depend on weights; summaries do
    assert wres.scores.equals(plain.scores) and wres.weighted and not plain.weighted
    s = plain.scores["Sadness"].to_numpy()
    ok = ~np.isnan(s)
    assert wres.stats.loc["Sadness", "mean"] == pytest.approx(np.average(s[ok], weights=w[ok]), abs=1e-12)
    wm = score_scales(msq_survey, ["Sadness"], min_answered=0.5, impute="mean", weights=w)
    x = msq_survey.scale_frame("Sadness")
    fill = (x.fillna(0).T @ w) / (x.notna().T @ w)
    row = x.index[x.isna().any(axis=1) & x.notna().sum(axis=1).ge(2)][0]
    assert wm.scores.loc[row, "Sadness"] == pytest.approx(x.loc[row].fillna(fill).mean(), abs=1e-12)


def test_weighted_quantile():
    x = np.array([[1.0, 5.0], [2.0, np.nan], [3.0, 7.0], [4.0, 8.0]])
    assert weighted_quantile(x, 0.5) == pytest.approx([2.5, 7.0])
    assert weighted_quantile(x, 0.5, np.ones(4)) == pytest.approx([2.5, 7.0])
    assert weighted_quantile(x, 0.5, np.array([1.0, 1.0, 1.0, 10.0])) == pytest.approx([4.0, 8.0])


def test_result_outputs(msq_survey, tmp_path):
    res = score_scales(msq_survey, "EA,Sadness")
    assert isinstance(res, ScaleScores)
    d = res.to_dict()
    json.dumps(d)
    assert set(d["scales"]) == {"EA", "Sadness"} and d["rows_in"] == 3896
    assert d["scales"]["EA"]["reversed"] == ["sleepy", "tired", "drowsy"]
    assert "EA" in res.summary() and "respondents: 3896 in" in res.summary()
    assert res.to_frame().equals(res.scores)
    path = res.write(tmp_path / "s.parquet", counts=True)
    back = pd.read_parquet(path)
    assert list(back.columns) == ["respondent_id", "EA", "Sadness", "EA_n", "Sadness_n"]
    with pytest.raises(InputFileError, match=r"\.csv, \.parquet, \.xlsx or \.sav"):
        res.write(tmp_path / "s.txt")
    with pytest.raises(InputFileError, match="also an input"):
        res.write(tmp_path / "s.parquet", inputs=[tmp_path / "s.parquet"])


def test_bad_input(msq_survey):
    with pytest.raises(ScaleError, match="unknown scale 'nope'"):
        score_scales(msq_survey, ["nope"])
    with pytest.raises(DataError, match="min_answered"):
        score_scales(msq_survey, min_answered=1.5)
    with pytest.raises(DataError, match="impute"):
        score_scales(msq_survey, impute="knn")
    with pytest.raises(DataError, match="one weight per respondent"):
        score_scales(msq_survey, weights=np.ones(3))


def test_cli_scores(invoke, bfi_csv, bfi_yaml, tmp_path):
    out = tmp_path / "scores.csv"
    r = invoke("scores", bfi_csv, "-q", bfi_yaml, "--include-flagged", "-o", out, "--min-answered", "0.8", "--counts", "--json")
    assert r.exit_code == 0, r.stderr
    summary = json.loads(r.stdout)
    assert summary["rows_in"] == 2800 and summary["min_answered"] == 0.8
    frame = pd.read_csv(out)
    assert "openness_n" in frame.columns and len(frame) == 2800
    r = invoke("scores", bfi_csv, "-q", bfi_yaml, "--include-flagged", "-o", "-", "--scale", "openness", "--quiet")
    assert r.exit_code == 0 and r.stdout.splitlines()[0] == "respondent_id,openness"
    r = invoke("scores", bfi_csv, "-q", bfi_yaml, "--include-flagged", "-o", tmp_path / "x.csv", "--scale", "nope")
    assert r.exit_code == 1 and "unknown scale" in r.stderr
    r = invoke("scores", bfi_csv, "-q", bfi_yaml, "--include-flagged", "-o", bfi_csv)
    assert r.exit_code == 1 and "also an input" in r.stderr
