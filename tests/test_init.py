"""The ``surveytools init`` command: export -> draft questionnaire -> import, messages, --json, bad input."""

from __future__ import annotations

import json

from surveytools import load_questionnaire

EXPORT = "examples/retail_loyalty/export_qualtrics.xlsx"


def test_init_writes_a_questionnaire_that_imports_the_export(invoke, tmp_path):
    out = tmp_path / "questionnaire.yaml"
    res = invoke("init", EXPORT, "-o", out)
    assert res.exit_code == 0, res.stderr
    lines = [ln.split() for ln in res.stdout.splitlines()]
    assert ["Items", "33"] in lines and "Guesses to check" in res.stdout and str(EXPORT) in res.stdout
    assert f"written to {out}" in res.stderr and "next: surveytools import" in res.stderr
    q = load_questionnaire(out)
    assert len(q.items) == 33 and q.language == "es"
    res = invoke("import", EXPORT, "-q", out, "-o", tmp_path / "clean.csv", "--json", "--quiet")
    assert res.exit_code == 0, res.stderr
    d = json.loads(res.stdout)
    assert d["rows_out"] == 2006 and d["unknown_labels"]["count"] == 0


def test_init_json_and_lang(invoke, tmp_path):
    res = invoke("init", EXPORT, "-o", tmp_path / "q.yaml", "--lang", "en", "--json")
    assert res.exit_code == 0, res.stderr
    d = json.loads(res.stdout)
    assert {"items", "option_sets", "guesses", "output"} <= set(d)
    assert d["language"] == "en" and d["format"] == "qualtrics"
    assert d["items"]["Q3"]["type"] == "nps"


def test_init_without_output_prints_the_yaml(invoke, tmp_path):
    res = invoke("init", EXPORT, "--quiet")
    assert res.exit_code == 0
    assert res.stdout.startswith("# Questionnaire drafted by 'surveytools init'")
    assert "option_sets:" in res.stdout and res.stderr == ""


def test_init_bad_input(invoke, tmp_path):
    res = invoke("init", tmp_path / "missing.xlsx", "-o", tmp_path / "q.yaml")
    assert res.exit_code == 1 and res.stderr.startswith("Error: ") and "not found" in res.stderr
    res = invoke("init", EXPORT, "-o", tmp_path / "q.txt")
    assert res.exit_code == 2 and "use a .yaml file name" in res.stderr
    res = invoke("init", EXPORT, "--lang", "spanish!", "-o", tmp_path / "q.yaml")
    assert res.exit_code == 2 and "not a language code" in res.stderr
    only_meta = tmp_path / "meta.csv"
    only_meta.write_text("StartDate,EndDate,Status\n2024-01-01,2024-01-01,IP Address\n", encoding="utf-8")
    res = invoke("init", only_meta, "-o", tmp_path / "q.yaml")
    assert res.exit_code == 1 and "no answer columns found" in res.stderr
    assert not (tmp_path / "q.yaml").exists()


def test_init_never_writes_over_its_export(invoke, tmp_path):
    export = tmp_path / "export.yaml"
    export.write_text("id,a\n1,2\n", encoding="utf-8")
    res = invoke("init", export, "-o", export)
    assert res.exit_code == 1 and "Error:" in res.stderr
    assert export.read_text(encoding="utf-8") == "id,a\n1,2\n"
