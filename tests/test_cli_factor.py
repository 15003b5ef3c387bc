"""``surveytools factor`` through the CLI: --json contract, outputs, errors (exit codes and messages)."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest


def test_json_is_one_object_with_contract_keys(invoke, bfi_csv, bfi_yaml, bfi_reference):
    res = invoke("factor", bfi_csv, "-q", bfi_yaml, "--include-flagged", "--n-factors", "5", "--n-iter", "0", "--json")
    assert res.exit_code == 0, res.stderr
    d = json.loads(res.stdout)          # exactly one JSON object on stdout
    for key in ("n", "items", "factors", "kmo", "bartlett", "eigenvalues", "retention", "n_factors", "loadings",
                "communalities", "uniquenesses", "phi", "fit"):
        assert key in d
    assert d["n"] == 2800 and d["n_factors"] == 5 and d["factors"] == ["F1", "F2", "F3", "F4", "F5"]
    assert d["kmo"]["overall"] == pytest.approx(bfi_reference["factor"]["kmo"]["overall"], abs=1e-6)
    assert d["kmo"]["items"]["A1"] == pytest.approx(bfi_reference["factor"]["kmo"]["items"]["A1"], abs=1e-6)
    assert d["bartlett"]["df"] == 300
    assert d["retention"]["kaiser"] == 6
    # fa(items, 5, fm="minres", rotate="oblimin"): psych's order and signs, unrounded
    ref = bfi_reference["factor"]["fits"]["minres_oblimin"]
    L = np.array([d["loadings"][i] for i in ref["items"]])
    assert np.abs(L - np.array(ref["loadings"])).max() < 0.002
    assert np.abs(np.array(d["phi"]) - np.array(ref["phi"])).max() < 0.005
    h2 = np.array([d["communalities"][i] for i in ref["items"]])
    assert np.abs(h2 - np.array(ref["h2"])).max() < 0.002
    assert {"chi2", "df", "p", "rmsea", "tli", "bic", "rmsr"} <= set(d["fit"])


def test_text_report(invoke, bfi_csv, bfi_yaml):
    res = invoke("factor", bfi_csv, "-q", bfi_yaml, "--n-factors", "5", "--n-iter", "0", "--rotation", "promax",
                 "--names", "Neuroticism,Extraversion,Conscientiousness,Agreeableness,Openness", "--cut", "0.3")
    assert res.exit_code == 0, res.stderr
    out = res.stdout
    assert "promax rotation (Kaiser-normalized)" in out
    assert "Neuroticism" in out and "Get angry easily." in out
    assert "Factor correlations" in out and "RMSEA" in out


def test_items_option_with_scales(invoke, bfi_csv, bfi_yaml):
    res = invoke("factor", bfi_csv, "-q", bfi_yaml, "--items", "agreeableness,N1,N2,N3", "--n-factors", "2",
                 "--n-iter", "0", "--json")
    assert res.exit_code == 0, res.stderr
    assert json.loads(res.stdout)["items"] == ["A1", "A2", "A3", "A4", "A5", "N1", "N2", "N3"]


def test_scores_and_saved_model(invoke, bfi_csv, bfi_yaml, tmp_path):
    scores, model = tmp_path / "scores.csv", tmp_path / "efa.json"
    res = invoke("factor", bfi_csv, "-q", bfi_yaml, "--include-flagged", "--n-factors", "5", "--n-iter", "0", "--scores", scores,
                 "--save-model", model, "--json")
    assert res.exit_code == 0, res.stderr
    d = json.loads(res.stdout)
    assert d["scores_output"] == str(scores) and d["model_output"] == str(model)
    s = pd.read_csv(scores)
    assert list(s.columns) == ["respondent_id", "F1", "F2", "F3", "F4", "F5"] and len(s) == 2800
    again = tmp_path / "again.parquet"
    res = invoke("factor", bfi_csv, "-q", bfi_yaml, "--include-flagged", "--model", model, "--scores", again, "--json")
    assert res.exit_code == 0, res.stderr
    assert json.loads(res.stdout)["scored"] == 2800
    s2 = pd.read_parquet(again)
    assert np.allclose(s2[["F1", "F2", "F3", "F4", "F5"]].to_numpy(), s[["F1", "F2", "F3", "F4", "F5"]].to_numpy())


def test_model_needs_scores(invoke, bfi_csv, bfi_yaml, tmp_path):
    p = tmp_path / "m.json"
    p.write_text("{}")
    res = invoke("factor", bfi_csv, "-q", bfi_yaml, "--model", p)
    assert res.exit_code == 2 and "--scores" in res.stderr


def test_bad_model_file(invoke, bfi_csv, bfi_yaml, tmp_path):
    p = tmp_path / "m.json"
    p.write_text('{"format": "nope"}')
    res = invoke("factor", bfi_csv, "-q", bfi_yaml, "--model", p, "--scores", tmp_path / "s.csv")
    assert res.exit_code == 1 and "not a saved factor model" in res.stderr and "Traceback" not in res.stderr


def test_too_few_items(invoke, bfi_csv, bfi_yaml):
    res = invoke("factor", bfi_csv, "-q", bfi_yaml, "--items", "A1,A2", "--n-factors", "1", "--n-iter", "0")
    assert res.exit_code == 1 and "at least 3 items" in res.stderr


def test_too_many_factors(invoke, bfi_csv, bfi_yaml):
    res = invoke("factor", bfi_csv, "-q", bfi_yaml, "--items", "A1,A2,A3,A4", "--n-factors", "4", "--n-iter", "0")
    assert res.exit_code == 1 and "too many" in res.stderr


def test_negative_df_warns(invoke, bfi_csv, bfi_yaml):
    res = invoke("factor", bfi_csv, "-q", bfi_yaml, "--items", "agreeableness", "--n-factors", "3", "--n-iter", "0",
                 "--json")
    assert res.exit_code == 0
    assert "Warning:" in res.stderr and "negative degrees of freedom" in res.stderr
    json.loads(res.stdout)


def test_bad_usage(invoke, bfi_csv, bfi_yaml, tmp_path):
    res = invoke("factor", bfi_csv, "-q", bfi_yaml, "--n-factors", "many")
    assert res.exit_code == 2 and "auto" in res.stderr
    res = invoke("factor", bfi_csv, "-q", bfi_yaml, "--rotation", "spin")
    assert res.exit_code == 2
    res = invoke("factor", bfi_csv, "-q", bfi_yaml, "--n-factors", "2", "--n-iter", "0", "--scores",
                 tmp_path / "s.txt")
    assert res.exit_code == 1 and ".csv, .parquet, .xlsx or .sav" in res.stderr


def test_scores_never_overwrite_input(invoke, bfi_csv, bfi_yaml):
    res = invoke("factor", bfi_csv, "-q", bfi_yaml, "--n-factors", "2", "--n-iter", "0", "--scores", bfi_csv)
    assert res.exit_code == 1 and "also an input" in res.stderr


def test_help_has_examples(invoke):
    res = invoke("factor", "--help")
    assert res.exit_code == 0 and "Examples:" in res.stdout and "--n-factors" in res.stdout


def test_auto_json(invoke, bfi_csv, bfi_yaml):
    res = invoke("factor", bfi_csv, "-q", bfi_yaml, "--json", "--seed", "3")
    assert res.exit_code == 0, res.stderr
    d = json.loads(res.stdout)
    r = d["retention"]
    assert isinstance(r["parallel"], int) and isinstance(r["map"], int) and r["kaiser"] == 6
    assert d["n_factors"] == r["parallel"] and len(d["loadings"]["A1"]) == d["n_factors"]
