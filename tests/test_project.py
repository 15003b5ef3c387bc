"""Project files: validation lists every problem at once, defaults, paths relative to the file."""

from __future__ import annotations

from pathlib import Path

import pytest

from surveytools.exceptions import InputFileError, ProjectError
from surveytools.project import load_project

ROOT = Path(__file__).resolve().parents[1]


def _write(tmp_path: Path, text: str) -> Path:
    (tmp_path / "q.yaml").write_text((ROOT / "questionnaires" / "bfi.yaml").read_text())
    (tmp_path / "data.csv").write_text("respondent_id,A1\nr1,2\n")
    p = tmp_path / "project.yaml"
    p.write_text(text)
    return p


def test_minimal_project_defaults(tmp_path):
    p = _write(tmp_path, "questionnaire: q.yaml\ndata: {export: data.csv}\n")
    proj = load_project(p)
    assert proj.questionnaire == tmp_path / "q.yaml"
    assert proj.exports == (tmp_path / "data.csv",)
    assert proj.output == tmp_path / "output"
    assert proj.stage("factor")["n_factors"] == "auto"
    assert proj.stage("segment")["k"] == "auto"
    assert not proj.enabled("crm")
    assert proj.language == "en"


def test_every_problem_listed(tmp_path):
    p = _write(tmp_path, """
questionnaire: missing.yaml
data: {export: nowhere.xlsx, unknown_labels: maybe}
factor: {n_factors: -1, method: uls, rotaton: varimax}
segment: {k: many, method: dbscan}
report: {formats: [pdf]}
language: fr
colour: blue
""")
    with pytest.raises(ProjectError) as info:
        load_project(p)
    probs = info.value.problems
    text = "\n".join(probs)
    for needle in ("questionnaire: file 'missing.yaml' not found", "data.export: file 'nowhere.xlsx' not found",
                   "data.unknown_labels: must be one of", "factor.n_factors", "factor.method",
                   "factor.rotaton: unknown setting", "segment.k", "segment.method", "report.formats",
                   "language", "colour: unknown key"):
        assert needle in text, needle
    assert len(probs) >= 11
    assert all(p.startswith("line ") for p in probs)


def test_missing_file_and_syntax(tmp_path):
    with pytest.raises(InputFileError, match="not found"):
        load_project(tmp_path / "nope.yaml")
    p = tmp_path / "bad.yaml"
    p.write_text("questionnaire: [q.yaml\n")
    with pytest.raises(ProjectError, match="YAML syntax error"):
        load_project(p)


def test_stage_can_be_switched_off(tmp_path):
    p = _write(tmp_path, "questionnaire: q.yaml\ndata: {export: data.csv}\nfactor: false\n")
    assert not load_project(p).enabled("factor")


def test_voc_theme_settings_are_checked(tmp_path):
    from surveytools.exceptions import ProjectError
    from surveytools.project import load_project

    (tmp_path / "q.yaml").write_text("items: {}\n")
    (tmp_path / "data.csv").write_text("a\n1\n")
    (tmp_path / "frame.yaml").write_text("themes: {a: {keywords: [precio]}}\n")
    p = tmp_path / "p.yaml"
    p.write_text("questionnaire: q.yaml\ndata: {export: data.csv}\n"
                 "voc: {codeframe: missing.yaml, discover_themes: 0, text_language: fr}\n")
    with pytest.raises(ProjectError) as exc:
        load_project(p)
    text = str(exc.value)
    assert "voc.codeframe: file 'missing.yaml' not found" in text
    assert "voc.discover_themes: must be a whole number" in text and "voc.text_language" in text
    p.write_text("questionnaire: q.yaml\ndata: {export: data.csv}\nvoc: {codeframe: frame.yaml}\n")
    project = load_project(p)
    assert project.stage("voc")["codeframe"] == tmp_path / "frame.yaml"
    # the code frame's own problems are project problems, found at load time
    (tmp_path / "frame.yaml").write_text("themes: {a: {keywords: [el]}}\n")
    with pytest.raises(ProjectError) as exc:
        load_project(p)
    assert "voc.codeframe:" in str(exc.value) and "'el' is a stop word" in str(exc.value)


def test_kpis_section(tmp_path):
    (tmp_path / "q.yaml").write_text("items: {a: {type: numeric}}\n")
    (tmp_path / "e.csv").write_text("a\n1\n")
    (tmp_path / "t.csv").write_text("id,date,amount\n")
    (tmp_path / "m.yaml").write_text("transactions: {customer: id, date: date, amount: amount}\n")
    base = "questionnaire: q.yaml\ndata: {export: e.csv}\n"
    (tmp_path / "p.yaml").write_text(base + "kpis: {transactions: t.csv, map: m.yaml, as_of: 2024-05-31,\n"
                                     "       compare_periods: [2024-01-01:2024-02-01, 2024-03-01:2024-04-01]}\n")
    p = load_project(tmp_path / "p.yaml")
    k = p.stage("kpis")
    assert Path(k["transactions"]) == tmp_path / "t.csv" and k["as_of"] == "2024-05-31"
    assert k["compare_periods"] == ["2024-01-01:2024-02-01", "2024-03-01:2024-04-01"]
    assert tmp_path / "m.yaml" in p.inputs() and tmp_path / "t.csv" in p.inputs()
    (tmp_path / "p.yaml").write_text(base + "kpis: {transactions: t.csv, colour: red, as_of: 31/05/2024,\n"
                                     "       compare_periods: 2024-03-01:2024-02-01}\n")
    with pytest.raises(ProjectError) as e:
        load_project(tmp_path / "p.yaml")
    assert any("kpis.colour" in x for x in e.value.problems)
    assert any("kpis.as_of" in x and "YYYY-MM-DD" in x for x in e.value.problems)
    assert any("kpis.compare_periods" in x for x in e.value.problems)
