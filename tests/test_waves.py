"""Wave-over-wave comparison (surveytools compare-waves): shares by two-proportion z (as statsmodels), means by
Welch t (as SciPy), NPS by its z test; segments from a saved model; the report section; bad input."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from statsmodels.stats.proportion import proportions_ztest

from surveytools import load_questionnaire
from surveytools.exceptions import DataError
from surveytools.io import import_survey, load_survey, write_survey
from surveytools.segments import Segments
from surveytools.waves import compare_waves

EXAMPLE = "examples/retail_loyalty"


@pytest.fixture(scope="module")
def waves(tmp_path_factory):
    """The example study split into two waves (2024: first 1,000 rows; 2025: the rest, with csat one point
    higher where possible) plus segments whose shares move between the waves."""
    tmp = tmp_path_factory.mktemp("waves")
    q = load_questionnaire(f"{EXAMPLE}/questionnaire.yaml")
    survey = import_survey(f"{EXAMPLE}/export_qualtrics.xlsx", q).survey
    clean = tmp / "clean.csv"
    write_survey(survey, clean)
    df = pd.read_csv(clean, dtype={"ResponseId": str})
    wave = np.where(np.arange(len(df)) < 1000, "2024", "2025")
    df.insert(1, "wave", wave)
    later = wave == "2025"
    df.loc[later, "csat"] = np.minimum(df.loc[later, "csat"] + 1, 5)
    df.to_csv(tmp / "waves.csv", index=False)
    rng = np.random.default_rng(11)
    seg = np.where(later, rng.choice([1, 2, 3], len(df), p=[0.5, 0.3, 0.2]), rng.choice([1, 2, 3], len(df), p=[0.3, 0.4, 0.3]))
    pd.DataFrame({"respondent_id": df["ResponseId"], "segment": seg}).to_csv(tmp / "segments.csv", index=False)
    return {"tmp": tmp, "q": q, "frame": df, "seg": seg, "wave": wave}


def test_shares_means_and_nps_match_reference_tests(waves):
    q, tmp = waves["q"], waves["tmp"]
    survey = load_survey(tmp / "waves.csv", q)
    segs = Segments.from_labels(pd.Series(waves["seg"], index=waves["frame"]["ResponseId"].astype(str)))
    res = compare_waves(survey, segments=segs, items="csat,nps", weights=False)
    d = res.to_dict()
    assert d["wave_column"] == "wave" and [w["wave"] for w in d["waves"]] == ["2024", "2025"]
    assert [w["n"] for w in d["waves"]] == [1000, 1006]
    later = waves["wave"] == "2025"
    for k in (1, 2, 3):
        chosen = waves["seg"] == k
        counts = np.array([chosen[later].sum(), chosen[~later].sum()])
        z, p = proportions_ztest(counts, np.array([later.sum(), (~later).sum()]))
        ch = d["segments"][str(k)]["changes"][0]
        assert ch["change"] == pytest.approx(counts[0] / later.sum() - counts[1] / (~later).sum(), abs=1e-12)
        assert ch["statistic"] == pytest.approx(z, rel=1e-9) and ch["p"] == pytest.approx(p, rel=1e-9)
    csat = waves["frame"]["csat"].to_numpy(dtype=float)
    t = stats.ttest_ind(csat[later], csat[~later], equal_var=False, nan_policy="omit")
    ch = d["means"]["csat"]["changes"][0]
    assert ch["statistic"] == pytest.approx(t.statistic, rel=1e-9) and ch["p"] == pytest.approx(t.pvalue, rel=1e-6)
    assert ch["significant"] and ch["change"] > 0.5
    nps = waves["frame"]["nps"].to_numpy(dtype=float)
    vals = []
    for m in (~later, later):
        x = nps[m][~np.isnan(nps[m])]
        vals.append((100 * (x >= 9).mean() - 100 * (x <= 6).mean(), x))
    assert d["kpis"]["nps"]["values"]["2024"] == pytest.approx(vals[0][0], abs=1e-9)
    (a, xa), (b, xb) = vals
    var = [(np.mean(x >= 9) + np.mean(x <= 6) - (np.mean(x >= 9) - np.mean(x <= 6)) ** 2) / len(x) * 1e4
           for x in (xa, xb)]
    assert d["kpis"]["nps"]["changes"][0]["statistic"] == pytest.approx((b - a) / np.sqrt(sum(var)), rel=1e-9)
    assert res.rows_in == res.rows_out == 2006


def test_command_report_and_json(invoke, waves):
    tmp = waves["tmp"]
    res = invoke("compare-waves", tmp / "waves.csv", "-q", f"{EXAMPLE}/questionnaire.yaml", "--segments",
                 tmp / "segments.csv", "-o", tmp / "waves.html", "--json")
    assert res.exit_code == 0, res.stderr
    d = json.loads(res.stdout)
    assert set(d["means"]) == set(load_questionnaire(f"{EXAMPLE}/questionnaire.yaml").scales)
    assert {"segments", "means", "kpis", "waves"} <= set(d)
    html = (tmp / "waves.html").read_text(encoding="utf-8")
    assert "Evolución entre oleadas" in html and "Cambio 2024 a 2025" in html
    res = invoke("compare-waves", tmp / "waves.csv", "-q", f"{EXAMPLE}/questionnaire.yaml", "--lang", "en",
                 "--include-flagged")
    assert res.exit_code == 0 and "Respondents per wave (wave): 2024: 1,000, 2025: 1,006" in res.stdout
    assert "Change 2024 to 2025" in res.stdout
    # by default the respondents with exclusion flags are left out, wave by wave, and counted
    res = invoke("compare-waves", tmp / "waves.csv", "-q", f"{EXAMPLE}/questionnaire.yaml", "--lang", "en")
    assert res.exit_code == 0 and "Respondents per wave (wave): 2024: 924, 2025: 941" in res.stdout
    assert "Left out 141 of 2,006 respondents with quality flags" in res.stderr


def test_rows_without_a_wave_are_counted(waves, tmp_path):
    df = waves["frame"].copy()
    df.loc[:9, "wave"] = np.nan
    df.to_csv(tmp_path / "w.csv", index=False)
    res = compare_waves(load_survey(tmp_path / "w.csv", waves["q"]))
    assert res.excluded == {"no_wave": 10} and res.rows_in == res.rows_out + 10


def test_bad_input(invoke, waves, tmp_path):
    q = f"{EXAMPLE}/questionnaire.yaml"
    res = invoke("compare-waves", waves["tmp"] / "clean.csv", "-q", q)
    assert res.exit_code == 1 and "no wave column" in res.stderr and "--wave" in res.stderr
    df = waves["frame"].copy()
    df["wave"] = "2024"
    df.to_csv(tmp_path / "one.csv", index=False)
    res = invoke("compare-waves", tmp_path / "one.csv", "-q", q)
    assert res.exit_code == 1 and "needs two or more" in res.stderr
    res = invoke("compare-waves", waves["tmp"] / "waves.csv", "-q", q, "-o", tmp_path / "w.pdf")
    assert res.exit_code == 2 and ".xlsx, .html or .pptx" in res.stderr
    with pytest.raises(DataError, match="no wave column 'ronda'"):
        compare_waves(load_survey(waves["tmp"] / "waves.csv", load_questionnaire(q)), wave="ronda")


def test_import_wave_previous_files_and_two_segment_files(invoke, waves, tmp_path):
    """import --wave stamps each export; compare-waves stacks DATA with --previous and the segment files."""
    tmp, q = waves["tmp"], f"{EXAMPLE}/questionnaire.yaml"
    df = waves["frame"].drop(columns=["wave"])
    df.iloc[:1000].to_csv(tmp_path / "a.csv", index=False)
    df.iloc[1000:].to_csv(tmp_path / "b.csv", index=False)
    for name, label in (("a", "2024"), ("b", "2025")):
        res = invoke("import", tmp_path / f"{name}.csv", "-q", q, "--wave", label, "-o", tmp_path / f"w{label}.csv",
                     "--quiet")
        assert res.exit_code == 0, res.stderr
    assert set(pd.read_csv(tmp_path / "w2025.csv")["wave"].astype(str)) == {"2025"}
    seg = pd.read_csv(tmp / "segments.csv", dtype={"respondent_id": str})
    seg.iloc[:1000].to_csv(tmp_path / "s1.csv", index=False)
    seg.iloc[1000:].to_csv(tmp_path / "s2.csv", index=False)
    res = invoke("compare-waves", tmp_path / "w2025.csv", "--previous", tmp_path / "w2024.csv", "-q", q,
                 "--segments", tmp_path / "s1.csv", "--segments", tmp_path / "s2.csv", "--json")
    assert res.exit_code == 0, res.stderr
    d = json.loads(res.stdout)
    ref = json.loads(invoke("compare-waves", tmp / "waves.csv", "-q", q, "--segments", tmp / "segments.csv",
                            "--json").stdout)
    assert d["segments"] == ref["segments"] and d["means"] == ref["means"]
    # a file without a wave column is the wave named by its file name
    res = invoke("compare-waves", tmp_path / "b.csv", "--previous", tmp_path / "a.csv", "-q", q, "--json")
    assert [w["wave"] for w in json.loads(res.stdout)["waves"]] == ["a", "b"]
    res = invoke("compare-waves", tmp_path / "b.csv", "--previous", tmp_path / "b.csv", "-q", q)
    assert res.exit_code == 1 and "more than one wave's file" in res.stderr
