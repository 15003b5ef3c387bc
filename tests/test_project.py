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
    assert "voc.discover_themes: 0 is not in the range x>=1" in text and "voc.text_language" in text
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


# ------------------------------------------------------------------ crm_extend (and crm.extend, its old place)
_CRM = "questionnaire: q.yaml\ndata: {export: data.csv}\nseed: 7\ncrm:\n  file: customers.csv\n  on: email\n"


def _crm_project(tmp_path: Path, text: str) -> Path:
    (tmp_path / "customers.csv").write_text("email,orders\na@b.es,3\n")
    return _write(tmp_path, _CRM + text)


def test_crm_extend_runs_only_when_the_file_has_its_section(tmp_path):
    proj = load_project(_crm_project(tmp_path, ""))
    assert proj.enabled("crm") and not proj.enabled("crm_extend")
    proj = load_project(_crm_project(tmp_path, "crm_extend: {min_probability: 0.4, folds: 3}\n"))
    ext = proj.stage("crm_extend")
    assert proj.enabled("crm_extend") and "extend" not in proj.stage("crm")
    assert (ext["features"], ext["min_probability"], ext["folds"], ext["model"]) == ("auto", 0.4, 3, "auto")
    assert ext["seed"] == 7  # the study's seed, as for every stage
    assert load_project(_crm_project(tmp_path, "crm_extend:\n")).enabled("crm_extend")  # an empty section: defaults
    assert not load_project(_crm_project(tmp_path, "crm_extend: false\n")).enabled("crm_extend")


def test_deprecated_crm_extend_maps_onto_the_section_with_a_warning(tmp_path):
    from surveytools.exceptions import DeprecatedSettingWarning
    from surveytools.stages.common import DEFAULT_SEED

    old = _crm_project(tmp_path, "  extend:\n    features: [orders]\n    as_of: 2024-12-31\n    min_probability: 0.4\n")
    with pytest.warns(DeprecatedSettingWarning, match=r"project.yaml, line 8, crm.extend: deprecated; write these "
                                                       r"settings as a top-level 'crm_extend:' section"):
        proj = load_project(old)
    assert "extend" not in proj.stage("crm") and proj.enabled("crm_extend")
    ext = dict(proj.stage("crm_extend"))
    # the old form keeps its results: the model's seed stays the command's default, not the study's
    assert ext == {"enabled": True, "features": ["orders"], "as_of": "2024-12-31", "min_probability": 0.4,
                   "model": "auto", "folds": 5, "seed": DEFAULT_SEED}
    with pytest.warns(DeprecatedSettingWarning):
        assert load_project(_crm_project(tmp_path, "  extend: true\n")).enabled("crm_extend")
    with pytest.warns(DeprecatedSettingWarning):
        assert not load_project(_crm_project(tmp_path, "  extend: false\n")).enabled("crm_extend")


def test_crm_extend_problems_name_the_place_in_the_file(tmp_path):
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises(ProjectError) as info:  # the old place, checked by the stage's table: its own line
            load_project(_crm_project(tmp_path, "  extend: {min_probability: 2, model: forest, colour: red}\n"))
    probs = info.value.problems
    assert len(probs) == 3 and all(p.startswith("line 7, crm.extend.") for p in probs), probs
    assert "crm.extend.model: must be one of auto, logistic, boosting" in "\n".join(probs)
    with pytest.raises(ProjectError, match="remove crm.extend"):  # both places: which one is meant?
        load_project(_crm_project(tmp_path, "  extend: {min_probability: 0.4}\ncrm_extend: {min_probability: 0.5}\n"))
    p = _write(tmp_path, "questionnaire: q.yaml\ndata: {export: data.csv}\ncrm_extend: {folds: 3}\n")
    with pytest.raises(ProjectError, match=r"crm_extend: extends the CRM join's customer list; name the customer "
                                           r"file in crm.file"):
        load_project(p)
