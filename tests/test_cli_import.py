"""``surveytools import``: output files, --json, and every bad-input path (exit code 1, one Error line)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from survey_exports import (
    expected_frame,
    google_forms_rows,
    make_answers,
    qualtrics_rows,
    surveymonkey_rows,
    write_csv,
    write_spec,
    write_xlsx,
)

EXPORTS = Path(__file__).resolve().parent / "data" / "exports"


@pytest.fixture()
def study(tmp_path):
    answers = make_answers(30, seed=41)
    export = write_xlsx(qualtrics_rows(answers), tmp_path / "export.xlsx")
    return answers, export, write_spec(tmp_path)


def _error(result, *fragments: str) -> str:
    assert result.exit_code == 1, result.output
    err = result.stderr
    assert err.startswith("Error: "), err
    assert "Traceback" not in err
    for f in fragments:
        assert f in err, err
    return err


def _no_outputs(folder: Path, *keep: str) -> None:
    assert sorted(p.name for p in folder.iterdir()) == sorted(keep)


# ---------------------------------------------------------------------- success

@pytest.mark.parametrize("suffix", [".csv", ".parquet", ".xlsx"])
def test_import_writes_clean_data(invoke, tmp_path, study, suffix):
    answers, export, spec = study
    out = tmp_path / f"clean{suffix}"
    result = invoke("import", export, "-q", spec, "-o", out)
    assert result.exit_code == 0, result.output
    lines = [ln.split() for ln in result.stdout.splitlines()]
    assert ["Survey", "export", "Qualtrics"] in lines and ["Header", "rows", "3"] in lines
    assert "Data quality" in result.stdout and "Speeders" in result.stdout
    read = {".csv": pd.read_csv, ".parquet": pd.read_parquet,
            ".xlsx": lambda p: pd.read_excel(p, engine="calamine")}[suffix]
    frame = read(out)
    assert frame.columns[0] == "respondent_id"
    pd.testing.assert_frame_equal(frame[expected_frame(answers).columns].astype(float),
                                  expected_frame(answers), check_dtype=False)
    assert list(frame["respondent_id"][:2]) == ["R_0000abcdEFGH000", "R_0001abcdEFGH001"]
    assert "Duration (in seconds)" in frame.columns


def test_json_has_the_contract_keys(invoke, tmp_path, study):
    _, export, spec = study
    result = invoke("import", export, "-q", spec, "-o", tmp_path / "clean.parquet", "--json")
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    for key in ("format", "rows_in", "rows_out", "columns", "quality"):
        assert key in out
    assert out["format"] == "qualtrics" and out["rows_in"] == out["rows_out"] == 30
    assert out["columns"]["att1"] == "Q1_1"
    assert out["quality"]["respondents"] == 30 and "speeder" in out["quality"]["flags"]
    assert out["output"].endswith("clean.parquet")


@pytest.mark.parametrize("flavour", ["surveymonkey", "google_forms"])
def test_other_flavours_through_the_command(invoke, tmp_path, flavour):
    answers = make_answers(12, seed=42)
    if flavour == "surveymonkey":
        export = write_xlsx(surveymonkey_rows(answers), tmp_path / "sm.xlsx")
        spec = write_spec(tmp_path, duration="Start Date")
    else:
        export = write_csv(google_forms_rows(answers), tmp_path / "gf.csv")
        spec = write_spec(tmp_path, duration="Timestamp")
    for out in (tmp_path / "clean.csv", tmp_path / "clean.xlsx"):
        result = invoke("import", export, "-q", spec, "-o", out, "--json")
        assert result.exit_code == 0, result.output
        assert json.loads(result.stdout)["format"] == flavour
        frame = pd.read_csv(out) if out.suffix == ".csv" else pd.read_excel(out, engine="calamine")
        pd.testing.assert_frame_equal(frame[expected_frame(answers).columns].astype(float), expected_frame(answers))


def test_sheet_option(invoke, tmp_path):
    spec = tmp_path / "es.yaml"
    spec.write_text("respondent_id: id\noption_sets: {a: [Totalmente en desacuerdo, En desacuerdo, Ni de acuerdo "
                    "ni en desacuerdo, De acuerdo, Totalmente de acuerdo]}\nitems: {p1: {options: a}, "
                    "p2: {options: a}}\n", encoding="utf-8")
    out = tmp_path / "datos.csv"
    result = invoke("import", EXPORTS / "plain_es.xls", "-q", spec, "--sheet", "Datos", "-o", out, "--quiet")
    assert result.exit_code == 0, result.output
    frame = pd.read_csv(out)
    np.testing.assert_array_equal(frame["p1"], [5, 2, 4, 1])


def test_help_has_examples(invoke):
    result = invoke("import", "--help")
    assert result.exit_code == 0
    assert "Examples:" in result.stdout and "--unknown-labels" in result.stdout


# ---------------------------------------------------------------------- unknown labels

def test_unknown_labels_are_listed_with_column_and_first_row(invoke, tmp_path, study):
    answers, _, spec = study
    rows = qualtrics_rows(answers)
    rows[5][rows[0].index("Q1_2")] = "Somewhat  AGREED"
    rows[9][rows[0].index("Q1_2")] = "Somewhat  AGREED"
    rows[7][rows[0].index("Q2")] = "Prefer not to say"
    export = write_csv(rows, tmp_path / "export.csv")
    out = tmp_path / "clean.csv"
    result = invoke("import", export, "-q", spec, "-o", out)
    err = _error(result, "2 answer labels (3 answers) are not among the codes of their items",
                 "--unknown-labels missing",
                 "'Q1_2' (column M), row 6: 'Somewhat  AGREED' (item att2; 2 rows)",
                 "'Q2' (column O), row 8: 'Prefer not to say' (item gender)")
    assert err.count("\n  - ") == 2
    assert not out.exists()
    result = invoke("import", export, "-q", spec, "-o", out, "--unknown-labels", "missing", "--json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["unknown_labels"]["count"] == 3 and report["unknown_labels"]["mode"] == "missing"
    assert {u["label"] for u in report["unknown_labels"]["labels"]} == {"Somewhat  AGREED", "Prefer not to say"}
    frame = pd.read_csv(out)
    assert frame["att2"].isna().iloc[[2, 6]].all() and frame["gender"].isna().iloc[4]
    text = invoke("import", export, "-q", spec, "-o", tmp_path / "c2.csv", "--unknown-labels", "missing").stdout
    assert "Unknown labels set to missing: 3 answers (2 distinct)" in text
    rows = [ln.split() for ln in text.splitlines()]
    assert ["'Q1_2'", "(column", "M)", "6", "Somewhat", "AGREED", "att2", "2"] in rows


# ---------------------------------------------------------------------- bad input

def test_missing_file(invoke, tmp_path, study):
    _, _, spec = study
    _error(invoke("import", tmp_path / "nope.xlsx", "-q", spec, "-o", tmp_path / "c.csv"),
           "nope.xlsx not found; check the path")
    assert not (tmp_path / "c.csv").exists()


@pytest.mark.parametrize(("content", "fragment"), [
    (b"%PDF-1.4 not a survey", "is a PDF document, not a survey export"),
    (b"\x00\x01\x02\x03" * 100, "binary data (neither a workbook nor a text table)"),
    (b"PK\x03\x04 cut short", "damaged zip archive"),
])
def test_not_a_workbook(invoke, tmp_path, study, content, fragment):
    _, _, spec = study
    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(content)
    _error(invoke("import", bad, "-q", spec, "-o", tmp_path / "c.csv"), fragment)
    assert not (tmp_path / "c.csv").exists()


def test_encrypted_workbook(invoke, tmp_path, study):
    _, _, spec = study
    _error(invoke("import", EXPORTS / "encrypted.xlsx", "-q", spec, "-o", tmp_path / "c.csv"),
           "is an encrypted (password-protected) workbook", "remove the password")


def test_empty_file(invoke, tmp_path, study):
    _, _, spec = study
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    _error(invoke("import", empty, "-q", spec, "-o", tmp_path / "c.csv"), "empty.csv is empty (0 bytes)")


def test_empty_sheet(invoke, tmp_path, study):
    answers, _, spec = study
    export = write_xlsx(qualtrics_rows(answers), tmp_path / "two.xlsx", extra_sheets=("Blank",))
    _error(invoke("import", export, "-q", spec, "--sheet", "Blank", "-o", tmp_path / "c.csv"),
           "sheet 'Blank' is empty", "--sheet")


def test_header_rows_not_found(invoke, tmp_path, study):
    _, _, spec = study
    other = tmp_path / "other.csv"
    other.write_text("name,city\nAna,Lima\n", encoding="utf-8")
    _error(invoke("import", other, "-q", spec, "-o", tmp_path / "c.csv"),
           "header rows not found", "'name', 'city'")


def test_yaml_syntax_error_with_line(invoke, tmp_path, study):
    _, export, _ = study
    spec = tmp_path / "broken.yaml"
    spec.write_text("items:\n  att1: {text: x, options: agree5\n  att2: {}\n", encoding="utf-8")
    _error(invoke("import", export, "-q", spec, "-o", tmp_path / "c.csv"), "broken.yaml, line 3", "YAML syntax error")


def test_spec_naming_missing_columns_lists_them(invoke, tmp_path, study):
    _, export, spec = study
    text = spec.read_text(encoding="utf-8")
    text = text.replace('att3: {text: "I trust the brand"', 'att3: {text: "I trust the brand", column: Q9_9')
    text = text.replace('  comment: {', '  loyalty: {text: "How loyal are you?", type: numeric}\n  comment: {')
    spec.write_text(text, encoding="utf-8")
    err = _error(invoke("import", export, "-q", spec, "-o", tmp_path / "c.csv"),
                 "2 columns named by the questionnaire are not in the export",
                 "att3: no column 'Q9_9' (named by column:)",
                 "loyalty: no column named 'loyalty' or with the text 'How loyal are you?'",
                 "the export's columns: 'StartDate'")
    assert "add column: to each item" in err


def test_output_over_an_input_is_refused(invoke, tmp_path, study):
    _, export, spec = study
    before = export.read_bytes()
    _error(invoke("import", export, "-q", spec, "-o", export.with_suffix(".xlsx")), "is also an input")
    assert export.read_bytes() == before
    link = tmp_path / "link.xlsx"
    link.symlink_to(export)
    _error(invoke("import", export, "-q", spec, "-o", link), "is also an input")
    assert export.read_bytes() == before


def test_bad_output_suffix_is_usage_error(invoke, tmp_path, study):
    _, export, spec = study
    result = invoke("import", export, "-q", spec, "-o", tmp_path / "clean.json")
    assert result.exit_code == 2 and "use a .csv, .parquet, .xlsx or .sav file name" in result.stderr


def test_failed_import_leaves_no_file_and_keeps_an_old_one(invoke, tmp_path, study):
    answers, _, spec = study
    rows = qualtrics_rows(answers)
    rows[4][rows[0].index("Q1_1")] = "Kind of"
    export = write_csv(rows, tmp_path / "export.csv")
    out = tmp_path / "clean.csv"
    out.write_text("old contents\n", encoding="utf-8")
    _error(invoke("import", export, "-q", spec, "-o", out), "'Kind of'")
    assert out.read_text(encoding="utf-8") == "old contents\n"
    _no_outputs(tmp_path, "clean.csv", "export.csv", "export.xlsx", "spec.yaml")


def test_duplicate_respondent_ids(invoke, tmp_path, study):
    answers, _, spec = study
    rows = qualtrics_rows(answers)
    rid = rows[0].index("ResponseId")
    rows[8][rid] = rows[4][rid]
    export = write_csv(rows, tmp_path / "dup.csv")
    _error(invoke("import", export, "-q", spec, "-o", tmp_path / "c.csv"),
           "1 respondent id in 'ResponseId' (column I) appears more than once", "rows 5, 9")


def test_respondent_id_and_weight_named_by_the_spec_must_exist(invoke, tmp_path, study):
    _, export, spec = study
    spec.write_text("respondent_id: cust_id\nweight: wgt\n" + spec.read_text(encoding="utf-8"), encoding="utf-8")
    _error(invoke("import", export, "-q", spec, "-o", tmp_path / "c.csv"),
           "respondent_id: no column 'cust_id' (named by 'respondent_id' in the spec)",
           "weight: no column 'wgt'")
