"""CLI tests of ``surveytools typing-tool`` and ``surveytools assign``."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from _typing_data import make_survey, population, sample  # tests/ helper

from surveytools.io import write_survey
from surveytools.questionnaire import dump_questionnaire


@pytest.fixture(scope="module")
def study(tmp_path_factory):
    """A synthetic survey (clean CSV + questionnaire YAML) and its segment assignments."""
    d = tmp_path_factory.mktemp("typing")
    pop = population(seed=2)
    survey, seg = make_survey(1200, seed=2, missing=0.02, pop=pop)
    write_survey(survey, d / "clean.csv")
    dump_questionnaire(survey.questionnaire, d / "q.yaml")
    pd.DataFrame({"respondent_id": seg.index, "segment": seg.to_numpy()}).to_csv(d / "segments.csv", index=False)
    return d, pop, survey, seg


@pytest.fixture(scope="module")
def model(study):
    from click.testing import CliRunner

    from surveytools.cli import cli

    d, *_ = study
    res = CliRunner().invoke(cli, ["typing-tool", str(d / "clean.csv"), "-q", str(d / "q.yaml"), "--segments",
                                   str(d / "segments.csv"), "-o", str(d / "typing.json"), "--json"],
                             catch_exceptions=False)
    assert res.exit_code == 0, res.output
    return d / "typing.json", json.loads(res.stdout)


def test_typing_tool_json_and_outputs(model, study):
    path, out = model
    d, *_ = study
    assert set(out) >= {"items", "accuracy", "curve", "outputs", "rows_in", "rows_used", "rows_excluded"}
    assert 1 <= len(out["items"]) <= 12 and out["accuracy"] >= 0.9
    assert len(out["curve"]) == 12 and sum(c["selected"] for c in out["curve"]) == 1
    assert out["outputs"] == {"model": str(path), "excel": str(d / "typing.xlsx"), "sql": str(d / "typing.sql")}
    for f in out["outputs"].values():
        assert (d / f.split("/")[-1]).stat().st_size > 0
    assert "FROM respondents" in (d / "typing.sql").read_text()
    assert json.loads(path.read_text())["accuracy"] == out["accuracy"]


def test_typing_tool_text_output_and_options(invoke, study, tmp_path):
    d, *_ = study
    res = invoke("typing-tool", d / "clean.csv", "-q", d / "q.yaml", "--segments", d / "segments.csv",
                 "-o", tmp_path / "m.json", "--max-items", "4", "--items", "first", "--priors", "equal",
                 "--backward", "--no-exports", "--sql-table", "x", "--nested-cv")
    assert res.exit_code == 0, res.stderr
    assert "Accuracy (cross-validated)" in res.stdout and res.stdout.count("selected") == 1
    assert "Accuracy with the selection cross-validated too (nested)" in res.stdout
    assert (tmp_path / "m.json").exists() and not (tmp_path / "m.xlsx").exists()
    m = json.loads((tmp_path / "m.json").read_text())
    assert all(int(i["id"][1:]) % 2 == 1 for i in m["items"])  # the 'first' scale holds Q1, Q3, ...
    assert m["priors"] == {str(s): pytest.approx(0.2) for s in range(1, 6)}


def test_typing_tool_bad_input(invoke, study, tmp_path):
    d, _, survey, seg = study
    # assignments naming respondents that are not in the data
    bad = pd.DataFrame({"respondent_id": [*seg.index[:50], "ghost1", "ghost2"], "segment": [1] * 25 + [2] * 27})
    bad.to_csv(tmp_path / "bad.csv", index=False)
    res = invoke("typing-tool", d / "clean.csv", "-q", d / "q.yaml", "--segments", tmp_path / "bad.csv",
                 "-o", tmp_path / "m.json")
    assert res.exit_code == 1
    assert "Error:" in res.stderr and "not in" in res.stderr and "ghost1" in res.stderr
    assert "Traceback" not in res.stderr and not (tmp_path / "m.json").exists()
    # model file must be .json
    res = invoke("typing-tool", d / "clean.csv", "-q", d / "q.yaml", "--segments", d / "segments.csv",
                 "-o", tmp_path / "m.xlsx")
    assert res.exit_code == 1 and "name it .json" in res.stderr
    # unknown candidate item
    res = invoke("typing-tool", d / "clean.csv", "-q", d / "q.yaml", "--segments", d / "segments.csv",
                 "-o", tmp_path / "m.json", "--items", "Q1,Q99")
    assert res.exit_code == 1 and "Q99" in res.stderr
    # missing assignments file
    res = invoke("typing-tool", d / "clean.csv", "-q", d / "q.yaml", "--segments", tmp_path / "none.csv",
                 "-o", tmp_path / "m.json")
    assert res.exit_code == 1 and "not found" in res.stderr
    # output over an input
    res = invoke("typing-tool", d / "clean.csv", "-q", d / "q.yaml", "--segments", d / "segments.csv",
                 "-o", tmp_path / "m.json", "--excel", d / "segments.csv")
    assert res.exit_code == 1 and "also an input" in res.stderr
    # bad priors / usage
    res = invoke("typing-tool", d / "clean.csv", "-q", d / "q.yaml", "--segments", d / "segments.csv",
                 "-o", tmp_path / "m.json", "--priors", "0.5,0.5")
    assert res.exit_code == 1 and "priors must be 5 positive numbers" in res.stderr
    res = invoke("typing-tool", d / "clean.csv", "-q", d / "q.yaml", "--segments", d / "segments.csv",
                 "-o", tmp_path / "m.json", "--max-items", "0")
    assert res.exit_code == 2


def test_assign_scores_new_customers(invoke, model, study, tmp_path):
    path, _ = model
    _, pop, *_ = study
    from surveytools.typing_tool import TypingTool

    tool = TypingTool.load(path)
    x, y = sample(pop, 3000, 999, missing=0.05)
    cust = pd.DataFrame(x, columns=[f"Q{j + 1}" for j in range(30)])[tool.items_]
    cust.insert(0, "customer_id", [f"C{i}" for i in range(3000)])
    cust.iloc[:4, 1:] = np.nan  # four customers with no answers
    cust.to_csv(tmp_path / "customers.csv", index=False)
    res = invoke("assign", tmp_path / "customers.csv", "--model", path, "--id", "customer_id",
                 "-o", tmp_path / "out.csv", "--excluded", tmp_path / "ex.csv", "--json")
    assert res.exit_code == 0, res.stderr
    out = json.loads(res.stdout)
    assert set(out) >= {"items", "accuracy", "rows_in", "rows_assigned", "rows_excluded", "excluded", "sizes",
                        "n_imputed", "imputed_by_item"}
    assert out["rows_in"] == 3000 == out["rows_assigned"] + out["rows_excluded"]
    assert out["rows_excluded"] >= 4
    assert out["n_imputed"] == int(cust.iloc[:, 1:].isna().sum().sum())
    written = pd.read_csv(tmp_path / "out.csv")
    assert list(written.columns) == ["customer_id", "segment", "probability", "n_imputed"]
    assert len(written) == out["rows_assigned"]
    truth = pd.Series(y, index=cust["customer_id"]).loc[written["customer_id"]].to_numpy()
    assert (written["segment"].to_numpy() == truth).mean() >= 0.88  # 5% of answers missing
    ex = pd.read_csv(tmp_path / "ex.csv")
    assert {"C0", "C1", "C2", "C3"} <= set(ex["customer_id"]) and len(ex) == out["rows_excluded"]
    # text output
    res = invoke("assign", tmp_path / "customers.csv", "--model", path, "--id", "customer_id",
                 "-o", tmp_path / "out2.parquet")
    assert res.exit_code == 0 and "Rows assigned" in res.stdout and "Segment sizes" in res.stdout


def test_assign_labels_with_a_questionnaire(invoke, model, study, tmp_path):
    path, _ = model
    d, pop, *_ = study
    from surveytools.typing_tool import TypingTool

    tool = TypingTool.load(path)
    x, _ = sample(pop, 30, 4)
    codes = pd.DataFrame(x, columns=[f"Q{j + 1}" for j in range(30)])[tool.items_]
    words = {1: "nada", 2: "poco", 3: "algo", 4: "bastante", 5: "mucho"}
    codes.apply(lambda c: c.map(lambda v: words[int(v)])).to_csv(tmp_path / "es.csv", index_label="respondent_id")
    res = invoke("assign", tmp_path / "es.csv", "--model", path, "-o", tmp_path / "o.csv")
    assert res.exit_code == 1 and "neither codes nor labels" in res.stderr and "aliases" in res.stderr
    es = (d / "q.yaml").read_text().replace("aliases:", "aliases:\n      nada: 1\n      poco: 2\n      algo: 3\n"
                                                       "      bastante: 4\n      mucho: 5", 1)
    (tmp_path / "es.yaml").write_text(es)
    res = invoke("assign", tmp_path / "es.csv", "--model", path, "-q", tmp_path / "es.yaml", "-o", tmp_path / "o.csv")
    assert res.exit_code == 0, res.stderr
    got = pd.read_csv(tmp_path / "o.csv")["segment"].to_numpy()
    np.testing.assert_array_equal(got, tool.score(codes).frame["segment"].to_numpy(dtype=int))


def test_assign_bad_input(invoke, model, study, tmp_path):
    path, _ = model
    d, *_ = study
    pd.DataFrame({"respondent_id": ["a"], "Q1": [1]}).to_csv(tmp_path / "few.csv", index=False)
    res = invoke("assign", tmp_path / "few.csv", "--model", path, "-o", tmp_path / "o.csv")
    assert res.exit_code == 1 and "no column for golden question" in res.stderr
    res = invoke("assign", d / "clean.csv", "--model", d / "segments.csv", "-o", tmp_path / "o.csv")
    assert res.exit_code == 1 and "not a JSON file" in res.stderr
    res = invoke("assign", d / "clean.csv", "--model", tmp_path / "nope.json", "-o", tmp_path / "o.csv")
    assert res.exit_code == 1 and "not found" in res.stderr
    res = invoke("assign", d / "clean.csv", "--model", path, "-o", d / "clean.csv")
    assert res.exit_code == 1 and "also an input" in res.stderr
    res = invoke("assign", d / "clean.csv", "--model", path, "-o", tmp_path / "o.txt")
    assert res.exit_code == 1 and ".csv, .parquet or .xlsx" in res.stderr
    res = invoke("assign", d / "clean.csv", "--model", path)
    assert res.exit_code == 2


def test_assign_survey_file_round_trip_into_profile_format(invoke, model, study, tmp_path):
    path, _ = model
    d, _, survey, seg = study
    res = invoke("assign", d / "clean.csv", "--model", path, "-o", tmp_path / "seg.csv", "--json")
    assert res.exit_code == 0, res.stderr
    out = json.loads(res.stdout)
    assert out["rows_in"] == 1200
    from surveytools.segments import read_segments

    a = read_segments(tmp_path / "seg.csv")
    assert len(a.segment) == out["rows_assigned"]
    agree = (a.segment == seg.reindex(a.segment.index)).mean()
    assert agree >= 0.9


@pytest.mark.parametrize("cmd", ["typing-tool", "assign"])
def test_help_has_examples(invoke, cmd):
    res = invoke(cmd, "--help")
    assert res.exit_code == 0 and "Examples:" in res.stdout
