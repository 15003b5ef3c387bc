"""``Segmenter(method="latent-class")`` / ``segment --method lca``: mixed bases, choice of k, covariates, distal
outcomes, save/load/assign, the typing tool on latent classes, bad input as one ``Error:`` line."""

from __future__ import annotations

import json
import warnings

import numpy as np
import pandas as pd
import pytest
from lca_data import AGE_SLOPES, NPS_MEANS, mixed_matrix, mixed_survey

from surveytools.exceptions import DataError, ProjectError
from surveytools.io import write_survey
from surveytools.project import load_project
from surveytools.questionnaire import dump_questionnaire
from surveytools.segment import Segmenter
from surveytools.segment._util import adjusted_rand

BASIS = "channel,payment,frequency,services,spend,deal"


@pytest.fixture(scope="module")
def fitted():
    survey, truth = mixed_survey(1200, seed=1, weighted=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        seg = Segmenter(k="2-5", method="lca", basis=BASIS, bootstrap=4, covariates="age,region", distal="nps",
                        seed=5).fit(survey)
    return survey, truth, seg


def _match(labels: pd.Series, truth: pd.Series) -> dict[int, int]:
    """Fitted class -> true class (the most common true class among its members)."""
    t = truth.reindex(labels.index)
    return {int(c): int(t[labels == c].mode()[0]) for c in sorted(labels.unique())}


def test_mixed_basis_recovers_the_classes_and_reports(fitted):
    survey, truth, seg = fitted
    res = seg.result_
    assert res.k == 3 and res.method == "latent-class"
    assert adjusted_rand(res.segment.to_numpy(), truth.reindex(res.assignments.index).to_numpy()) > 0.7
    lc = res.to_dict()["latent_class"]
    kinds = {name: (it["kind"], it.get("transform")) for name, it in lc["items"].items()}
    assert kinds["channel"] == ("categorical", None) and kinds["frequency"] == ("ordinal", None)
    assert kinds["services_1"] == ("binary", None) and kinds["spend"] == ("gaussian", "log1p")
    assert kinds["deal"] == ("gaussian", "none")  # a scale score
    assert lc["transformed"] == ["spend"]
    assert lc["parameters"]["channel"]["labels"] == ["Store", "Web", "App", "Phone"]
    assert lc["parameters"]["services_2"]["labels"] == ["not chosen", "chosen"]
    assert 0.6 < lc["entropy_r2"] <= 1 and set(lc["average_posterior"]) == {"1", "2", "3"}
    assert lc["starts"]["replicated"] >= 2 and lc["starts"]["n_init"] == 30
    assert lc["bic"] == pytest.approx(-2 * lc["loglik"] + lc["n_parameters"] * np.log(res.rows_segmented))
    crit = res.criteria
    assert {"bic", "aic", "caic", "sabic", "entropy_r2", "min_share", "stability_ari"} <= set(crit.columns)
    assert crit["bic"].idxmin() == 3
    # missing answers stay in: everyone with a basis answer is segmented
    assert res.rows_in == 1200 == res.rows_segmented + res.rows_excluded and res.rows_excluded == 0
    p = res.assignments["probability"]
    assert ((p > 1 / 3) & (p <= 1)).all()
    assert "channel" not in res.centroids.columns and "spend" in res.centroids.columns  # nominal: no mean
    text = res.summary()
    assert "lowest BIC" in text and "share of each answer by class" in text and "Odds ratio" in text
    assert f"{lc['loglik']:,.3f}" in text and f"{lc['entropy_r2']:.3f}" in text
    age = [ln.split() for ln in text.splitlines() if " age " in ln and "Odds" not in ln]
    effects = lc["covariates"]["effects"]
    assert [r[-4] for r in age[:2]] == [f"{effects[c]['age']['odds_ratio']:.2f}" for c in ("2", "3")]
    es = res.summary(lang="es")
    assert "el menor BIC" in es and "Razón de odds" in es and "share of each answer" not in es
    json.dumps(res.to_dict(), allow_nan=False)


def test_covariate_effects_and_distal_outcomes_match_the_truth(fitted):
    _, truth, seg = fitted
    lc = seg.result_.latent_class
    m = _match(seg.result_.segment, truth)  # fitted class -> true class (1-based)
    ref = m[1]
    cov = lc["covariates"]
    assert cov["method"] == "ml" and cov["n_used"] == 1200 and cov["terms"] == ["(intercept)", "age", "region=2",
                                                                                   "region=3"]
    for c in (2, 3):
        e = cov["effects"][str(c)]["age"]
        true = AGE_SLOPES[m[c] - 1] - AGE_SLOPES[ref - 1]
        assert abs(e["coef"] - true) < 3.5 * e["se"]
        assert e["ci_low"] < e["odds_ratio"] < e["ci_high"]
    assert cov["tests"]["age"]["p"] < 1e-6
    nps = lc["distal"]["outcomes"]["nps"]
    for c in (1, 2, 3):
        assert abs(nps["mean"][str(c)] - NPS_MEANS[m[c] - 1]) < 4 * nps["se"][str(c)] + 0.15
    assert nps["p"] < 1e-10


def test_save_load_predict_and_row_order(fitted, tmp_path):
    survey, _, seg = fitted
    seg.save(tmp_path / "m.json")
    back = Segmenter.load(tmp_path / "m.json")
    pred = back.predict(survey)
    res = seg.result_.assignments
    assert (pred["segment"].reindex(res.index).to_numpy() == res["segment"].to_numpy()).all()
    np.testing.assert_allclose(pred["probability"].reindex(res.index), res["probability"], atol=1e-12)
    # shuffled rows: the same classes for every respondent
    shuffled = survey.subset(np.random.default_rng(0).permutation(survey.ids))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        again = Segmenter(k=3, method="latent-class", basis=BASIS, bootstrap=0, seed=5, n_init=30).fit(shuffled)
    a = again.result_.segment.reindex(res.index)
    assert (a.to_numpy() == res["segment"].to_numpy()).all()


def test_k_auto_finds_the_true_k():
    x, kinds, z = mixed_matrix(1500, 3, seed=21, n_cat=6, n_num=2)
    frame = pd.DataFrame(x, columns=[f"v{j}" for j in range(8)], index=[f"r{i}" for i in range(1500)])
    basis = ",".join(f"{c}:{kd}" for c, kd in zip(frame.columns, kinds, strict=True))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        seg = Segmenter(k="2-5", method="lca", basis=basis, bootstrap=0).fit(frame)
    assert seg.k_ == 3
    assert adjusted_rand(seg.labels_.to_numpy(), z) > 0.8
    assert "lowest BIC" in seg.result_.explanation


def test_missing_answers_and_excluded_respondents():
    survey, _ = mixed_survey(400, seed=2, missing=0.0)
    resp = survey.responses.copy()
    cols = ["channel", "payment", "frequency", "services_1", "services_2", "services_3"]
    resp.loc[resp.index[0], cols] = np.nan  # no basis answer at all
    resp.loc[resp.index[1], ["channel", "payment"]] = np.nan  # some answers
    from dataclasses import replace

    s = replace(survey, responses=resp)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        seg = Segmenter(k=2, method="lca", basis="channel,payment,frequency,services", bootstrap=0).fit(s)
    res = seg.result_
    assert res.excluded.to_dict() == {resp.index[0]: "no answer to any basis item"}
    assert resp.index[1] in res.assignments.index and res.rows_segmented == 399


def test_bad_input_errors():
    survey, _ = mixed_survey(300, seed=3)
    with pytest.raises(DataError, match="--method latent-class"):
        Segmenter(k=2, basis="channel,deal", bootstrap=0).fit(survey)
    with pytest.raises(DataError, match="'gone'.*one level only"):
        Segmenter(k=2, method="lca", basis="channel,gone", bootstrap=0).fit(survey)
    with pytest.raises(DataError, match="covariate 'gone' has no value"):
        Segmenter(k=2, method="lca", basis="channel,payment", covariates="gone", bootstrap=0).fit(survey)
    with pytest.raises(DataError, match="k = 5 is more segments.*2 distinct answer patterns"):
        Segmenter(k=5, method="lca", basis="services_1:binary", bootstrap=0).fit(
            pd.DataFrame({"services_1": [0.0, 1.0, np.nan] * 10}, index=[f"r{i}" for i in range(30)]))
    with pytest.raises(DataError, match="covariates and distal outcomes belong to latent class"):
        Segmenter(k=2, basis="deal", covariates="age").fit(survey)
    with pytest.raises(DataError, match="fiml"):
        Segmenter(k=2, basis="deal", missing="fiml").fit(survey)
    with pytest.raises(DataError, match="unknown measurement model"):
        Segmenter(k=2, method="lca", basis="channel:poisson").fit(survey)


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    d = tmp_path_factory.mktemp("lca_cli")
    survey, truth = mixed_survey(700, seed=4)
    write_survey(survey, d / "data.csv")
    dump_questionnaire(survey.questionnaire, d / "q.yaml")
    return d, survey, truth


def test_cli_segment_assign_and_typing_tool(invoke, files):
    d, survey, truth = files
    r = invoke("segment", d / "data.csv", "-q", d / "q.yaml", "--method", "lca", "--basis", BASIS, "--k", "3",
               "--bootstrap", "0", "--covariates", "age,region", "--covariate-method", "bch", "--distal", "nps",
               "-o", d / "seg.csv", "--save-model", d / "seg.json", "--json")
    assert r.exit_code == 0, r.stderr
    data = json.loads(r.stdout)
    assert data["method"] == "latent-class" and data["k"] == 3
    assert data["latent_class"]["covariates"]["method"] == "bch"
    assert "nps" in data["latent_class"]["distal"]["outcomes"]
    seg = pd.read_csv(d / "seg.csv")
    assert list(seg.columns)[:3] == ["respondent_id", "segment", "probability"] and len(seg) == 700
    # assign: with the questionnaire (a survey file), and a plain table of the basis columns
    r = invoke("assign", d / "data.csv", "--model", d / "seg.json", "-q", d / "q.yaml", "-o", d / "a1.csv", "--json")
    assert r.exit_code == 0, r.stderr
    a1 = pd.read_csv(d / "a1.csv")
    assert (a1.set_index("respondent_id")["segment"] == seg.set_index("respondent_id")["segment"]).all()
    assert json.loads(r.stdout)["rows_in"] == 700
    table = pd.read_csv(d / "data.csv")
    table["deal"] = 1.0  # the scale: assign needs -q to score it
    table.to_csv(d / "customers.csv", index=False)
    r = invoke("assign", d / "customers.csv", "--model", d / "seg.json", "-o", d / "a2.csv")
    assert r.exit_code == 1 and r.stderr.startswith("Error:") and "-q" in r.stderr
    # the typing tool works on latent-class segments
    r = invoke("typing-tool", d / "data.csv", "-q", d / "q.yaml", "--segments", d / "seg.csv", "-o",
               d / "typing.json", "--items", "frequency,deal1,deal2,deal3,deal4,spend", "--max-items", "4",
               "--no-exports", "--json")
    assert r.exit_code == 0, r.stderr
    assert json.loads(r.stdout)["accuracy"] > 0.4


def test_cli_assign_table_without_questionnaire(invoke, files, tmp_path):
    d, survey, _ = files
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        seg = Segmenter(k=3, method="lca", basis="channel,payment,frequency,services", bootstrap=0).fit(survey)
    seg.save(tmp_path / "m.json")
    cols = ["channel", "payment", "frequency", "services_1", "services_2", "services_3"]
    table = survey.responses[cols].copy()
    table.index.name = "customer_id"
    table.iloc[0] = np.nan
    table.reset_index().to_csv(tmp_path / "crm.csv", index=False)
    r = invoke("assign", tmp_path / "crm.csv", "--model", tmp_path / "m.json", "--id", "customer_id", "-o",
               tmp_path / "out.parquet", "--excluded", tmp_path / "ex.csv", "--json")
    assert r.exit_code == 0, r.stderr
    out = json.loads(r.stdout)
    assert out["rows_in"] == 700 and out["rows_assigned"] == 699 and out["excluded"] == {
        "no answer to any basis item": 1}
    got = pd.read_parquet(tmp_path / "out.parquet").set_index("customer_id")["segment"]
    expect = seg.result_.segment.drop(survey.ids[0])
    assert (got.reindex(expect.index) == expect).all()
    # the text: a Summary document with the counts of the JSON
    r = invoke("assign", tmp_path / "crm.csv", "--model", tmp_path / "m.json", "--id", "customer_id", "-o",
               tmp_path / "out2.parquet")
    assert r.exit_code == 0, r.stderr
    lines = [ln.split() for ln in r.stdout.splitlines()]
    assert ["Rows", "in", "700"] in lines and ["Rows", "assigned", "699"] in lines
    assert ["Excluded:", "no", "answer", "to", "any", "basis", "item", "1"] in lines
    assert "latent classes" in r.stdout and "Segment sizes" in r.stdout


def test_cli_errors(invoke, files):
    d, _, _ = files
    r = invoke("segment", d / "data.csv", "-q", d / "q.yaml", "--basis", "channel,deal", "--k", "2")
    assert r.exit_code == 1 and r.stderr.startswith("Error:") and "--method latent-class" in r.stderr
    r = invoke("segment", d / "data.csv", "-q", d / "q.yaml", "--method", "lca", "--basis", "channel,payment",
               "--k", "2", "--covariates", "gone", "--bootstrap", "0")
    assert r.exit_code == 1 and "covariate 'gone' has no value" in r.stderr and "Traceback" not in r.stderr


def test_project_file_keys(tmp_path):
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    (tmp_path / "q.yaml").write_text((root / "questionnaires" / "bfi.yaml").read_text())
    (tmp_path / "data.csv").write_text("respondent_id,A1\nr1,2\n")
    p = tmp_path / "project.yaml"
    p.write_text("questionnaire: q.yaml\ndata: {export: data.csv}\nsegment: {method: latent-class, basis: [A1, A2], "
                 "covariates: [age], distal: [A3], covariate_method: one-step}\n")
    s = load_project(p).stage("segment")
    assert s["method"] == "latent-class" and s["covariates"] == ["age"] and s["covariate_method"] == "one-step"
    p.write_text("questionnaire: q.yaml\ndata: {export: data.csv}\nsegment: {method: lca, covariates: [age], "
                 "covariate_method: three, prior: -1}\n")
    with pytest.raises(ProjectError) as info:
        load_project(p)
    text = str(info.value)
    assert "segment.covariate_method: must be one of ml, bch, one-step" in text and "segment.prior" in text
    # covariates with another method: the run stops with the Segmenter's error (test_bad_input_errors)
