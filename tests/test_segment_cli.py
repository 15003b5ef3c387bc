"""``surveytools segment``: JSON contract, assignments file, model file, errors as ``Error: ...`` exit 1."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from synthetic import make_segmented_survey

from surveytools.io import write_survey
from surveytools.questionnaire import dump_questionnaire
from surveytools.segment import Segmenter
from surveytools.segment._util import adjusted_rand
from surveytools.segments import read_segments


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    d = tmp_path_factory.mktemp("segment_cli")
    survey, truth = make_segmented_survey(n=900, k=4, seed=8, weighted=True, missing=0.01)
    write_survey(survey, d / "data.csv")
    dump_questionnaire(survey.questionnaire, d / "q.yaml")
    return d, truth


def test_json_contract_and_assignments(invoke, files):
    d, truth = files
    out = d / "seg.csv"
    r = invoke("segment", d / "data.csv", "-q", d / "q.yaml", "--basis", "scales", "--bootstrap", "10", "--seed",
               "3", "-o", out, "--json")
    assert r.exit_code == 0, r.stderr
    data = json.loads(r.stdout)
    for key in ("k", "method", "sizes", "criteria", "stability"):
        assert key in data
    assert data["k"] == 4 and data["method"] == "kmeans"
    assert set(data["criteria"]) == {str(k) for k in range(2, 9)}
    assert data["stability"]["replicates"] == 10
    assert data["rows_in"] == 900 == data["rows_segmented"] + data["rows_excluded"]
    assert data["weighted"] is True
    raw = pd.read_csv(out, dtype={"respondent_id": str})
    assert list(raw.columns) == ["respondent_id", "segment", "segment_name"]  # names: surveytools.naming
    a = read_segments(out)
    assert a.k == 4 and len(a.segment) == data["rows_segmented"]
    assert sorted(a.segment.unique()) == [1, 2, 3, 4]
    assert adjusted_rand(a.segment.to_numpy(), truth.loc[a.segment.index].to_numpy()) > 0.9
    sizes = a.segment.value_counts().sort_index()
    assert [data["sizes"][str(s)]["n"] for s in range(1, 5)] == sizes.tolist()


def test_text_report_and_model_file(invoke, files):
    d, _ = files
    model = d / "model.json"
    r = invoke("segment", d / "data.csv", "-q", d / "q.yaml", "--basis", "scales", "--k", "4", "--method", "gmm",
               "--bootstrap", "0", "--covariance", "diag", "-o", d / "gmm.parquet", "--save-model", model)
    assert r.exit_code == 0, r.stderr
    assert "Gaussian mixture" in r.stdout and "Choice of k" in r.stdout
    assert "written to" in r.stderr and "Segmentation model saved" in r.stderr
    frame = pd.read_parquet(d / "gmm.parquet")
    assert list(frame.columns) == ["respondent_id", "segment", "probability", "segment_name"]
    seg = Segmenter.load(model)
    assert seg.k_ == 4 and seg.method_.covariance == "diag"


def test_same_seed_same_file(invoke, files):
    d, _ = files
    args = ("segment", d / "data.csv", "-q", d / "q.yaml", "--basis", "scales", "--k", "3-5", "--bootstrap", "5")
    assert invoke(*args, "-o", d / "a.csv", "--quiet").exit_code == 0
    assert invoke(*args, "-o", d / "b.csv", "--quiet").exit_code == 0
    assert (d / "a.csv").read_text() == (d / "b.csv").read_text()


def test_evaluate_existing_segments(invoke, files):
    d, _ = files
    assert invoke("segment", d / "data.csv", "-q", d / "q.yaml", "--basis", "scales", "--k", "4", "--bootstrap",
                  "0", "-o", d / "e.csv", "--quiet").exit_code == 0
    r = invoke("segment", d / "data.csv", "-q", d / "q.yaml", "--basis", "scales", "--evaluate", d / "e.csv", "--json")
    assert r.exit_code == 0, r.stderr
    rep = json.loads(r.stdout)
    assert rep["k"] == 4 and rep["criteria"]["silhouette"] > 0.25
    text = invoke("segment", d / "data.csv", "-q", d / "q.yaml", "--basis", "scales", "--evaluate", d / "e.csv")
    assert text.exit_code == 0, text.stderr
    assert f"Segments of {d / 'e.csv'}" in text.stdout and f"{rep['criteria']['silhouette']:.3f}" in text.stdout
    for k, size in rep["sizes"].items():  # every size and centroid of the JSON, as shown
        row = next(ln for ln in text.stdout.splitlines() if ln.startswith(f"  Segment {k} "))
        assert f"{size['n']:,}" in row and f"{size['share']:.1%}" in row
        assert all(f"{v:.2f}" in row for v in rep["centroids"][k].values())
    (d / "stranger.csv").write_text("respondent_id,segment\nR00001,1\nZZZ,2\n")
    r = invoke("segment", d / "data.csv", "-q", d / "q.yaml", "--basis", "scales", "--evaluate", d / "stranger.csv")
    assert r.exit_code == 1
    assert "Error:" in r.stderr and "ZZZ" in r.stderr and "not in" in r.stderr


@pytest.mark.parametrize("args,message", [
    (("--k", "500"), "more segments than the data allow"),
    (("--basis", "att1,nosuch"), "unknown scale or item 'nosuch'"),
    (("--basis", "att1", "--k", "3", "--evaluate", "nowhere.csv"), "not found"),
])
def test_errors_exit_1(invoke, files, args, message):
    d, _ = files
    r = invoke("segment", d / "data.csv", "-q", d / "q.yaml", "--bootstrap", "0", *args)
    assert r.exit_code == 1
    assert r.stderr.startswith("Error:") and "Traceback" not in r.stderr
    assert message in r.stderr


def test_mixed_basis_of_scales_and_numeric_items_is_standardized(invoke, files):
    d, _ = files
    r = invoke("segment", d / "data.csv", "-q", d / "q.yaml", "--basis", "att1,att2,age", "--k", "3", "--bootstrap",
               "0", "--json")
    assert r.exit_code == 0, r.stderr
    data = json.loads(r.stdout)
    assert data["basis"] == {"kind": "columns", "columns": ["att1", "att2", "age"], "standardized": True}


@pytest.mark.parametrize("k", ["1", "abc", "6-2"])
def test_bad_k_is_usage_error(invoke, files, k):
    d, _ = files
    r = invoke("segment", d / "data.csv", "-q", d / "q.yaml", "--k", k)
    assert r.exit_code == 2
    assert "--k" in r.stderr


def test_output_must_not_overwrite_input_and_needs_known_suffix(invoke, files):
    d, _ = files
    r = invoke("segment", d / "data.csv", "-q", d / "q.yaml", "--basis", "scales", "--bootstrap", "0", "--k", "3",
               "-o", d / "data.csv")
    assert r.exit_code == 1 and "also an input" in r.stderr
    r = invoke("segment", d / "data.csv", "-q", d / "q.yaml", "--basis", "scales", "-o", d / "seg.txt")
    assert r.exit_code == 1 and ".csv, .parquet or .sav" in r.stderr


def test_help_has_examples(invoke):
    r = invoke("segment", "--help")
    assert r.exit_code == 0
    assert "Examples:" in r.stdout and "--basis" in r.stdout and "--bootstrap" in r.stdout
