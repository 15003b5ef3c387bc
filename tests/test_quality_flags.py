"""Quality flags carried downstream (issue 16, item 5): the ``quality_flags`` column of clean data, the default
exclusion codes, ``--include-flagged``, and rows in = rows used + rows excluded with reasons in every stage."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from surveytools.exceptions import DataError
from surveytools.io import load_survey
from surveytools.quality import (
    DEFAULT_EXCLUDE,
    FLAG_CODES,
    FLAGS_COLUMN,
    check_quality,
    exclusion_codes,
    honour_flags,
    stored_flags,
    with_flags,
)
from surveytools.quality.flags import combine_exclusions, exclusions_from_flags, flag_strings
from surveytools.questionnaire import load_questionnaire

QUESTIONNAIRE = ("respondent_id: id\noption_sets:\n  a5: {codes: {1: a, 2: b, 3: c, 4: d, 5: e}}\n"
                 "items:\n" + "".join(f"  x{i}: {{options: a5}}\n" for i in range(1, 6))
                 + "  dur: {type: numeric}\n  mail: {type: email}\n"
                 "scales:\n  s: [x1, x2, x3, x4, -x5]\nquality: {duration: dur}\n")


@pytest.fixture
def study(tmp_path):
    """20 respondents: r03 a speeder, r05 a straightliner (4s to the scale with a reversed item), r07 repeats r01's
    e-mail, r09 answered one item (partial), r11 a long run only (longstring: not excluded by default)."""
    rng = np.random.default_rng(5)
    n = 20
    ids = [f"r{i:02d}" for i in range(1, n + 1)]
    x = rng.integers(1, 6, size=(n, 5)).astype(float)
    x[:, 4] = 6 - x[:, 0]  # the reversed item disagrees with the first, as attentive answers do
    x[4] = 4.0  # r05 straightlines
    x[8, 1:] = np.nan  # r09 answered one item
    frame = pd.DataFrame(x, columns=[f"x{i}" for i in range(1, 6)])
    frame.insert(0, "id", ids)
    frame["dur"] = 300 + rng.integers(0, 60, size=n)
    frame.loc[2, "dur"] = 20  # r03 speeds
    frame["mail"] = [f"{i}@example.org" for i in ids]
    frame.loc[6, "mail"] = "R01@example.org "
    q = tmp_path / "q.yaml"
    q.write_text(QUESTIONNAIRE, encoding="utf-8")
    data = tmp_path / "data.csv"
    frame.to_csv(data, index=False)
    return data, q


EXPECTED = {"r03": "speeder", "r05": "straightlining", "r07": "duplicate-email", "r09": "partial"}


def _survey(study):
    data, q = study
    return load_survey(data, load_questionnaire(q))


# ---------------------------------------------------------------------------------------------- the column
def test_flag_strings_join_codes_in_column_order():
    m = np.array([[True, False, True], [False, False, False], [False, True, False]])
    assert flag_strings(m, ["a", "b", "c"]).tolist() == ["a,c", "", "b"]
    assert flag_strings(np.zeros((0, 2), bool), ["a", "b"]).tolist() == []


def test_flags_round_trip_through_the_column(study):
    survey = _survey(study)
    report = check_quality(survey)
    flagged = with_flags(survey, report)
    assert "straightlining" in flagged.metadata[FLAGS_COLUMN]["r05"].split(",")
    back = stored_flags(flagged)
    pd.testing.assert_frame_equal(back, report.flags.astype(bool), check_names=False)
    assert stored_flags(survey) is None  # no column in the raw data


def test_an_unknown_code_in_the_column_is_one_clear_error(study):
    survey = with_flags(_survey(study), check_quality(_survey(study)))
    meta = survey.metadata.copy()
    meta.loc["r02", FLAGS_COLUMN] = "speeder,sleepy"
    from dataclasses import replace

    with pytest.raises(DataError, match="'sleepy' \\(respondent r02\\), which is not a flag code"):
        stored_flags(replace(survey, metadata=meta))


# ---------------------------------------------------------------------------------------------- the codes
def test_default_codes_and_the_questionnaire_choice(study, tmp_path):
    survey = _survey(study)
    assert exclusion_codes(survey) == DEFAULT_EXCLUDE
    assert set(DEFAULT_EXCLUDE) <= set(FLAG_CODES) and "longstring" not in DEFAULT_EXCLUDE
    assert exclusion_codes(survey, "partial, speeder") == ("speeder", "partial")  # report order
    q = tmp_path / "q2.yaml"
    q.write_text(QUESTIONNAIRE.replace("quality: {duration: dur}", "quality: {duration: dur, exclude: []}"))
    assert exclusion_codes(load_survey(study[0], load_questionnaire(q))) == ()
    q.write_text(QUESTIONNAIRE.replace("quality: {duration: dur}", "quality: {duration: dur, exclude: [speedy]}"))
    with pytest.raises(DataError, match="questionnaire quality.exclude: unknown data-quality flag code.*speedy"):
        exclusion_codes(load_survey(study[0], load_questionnaire(q)))


def test_exclusions_count_every_reason_and_add_up(study):
    flags = check_quality(_survey(study)).flags
    ex = exclusions_from_flags(flags, DEFAULT_EXCLUDE)
    assert ex.rows_in == ex.rows_out + ex.rows_excluded == 20
    assert dict(ex.reasons) == EXPECTED
    assert {c: n for c, n in ex.by_reason.items() if n} == {"speeder": 1, "straightlining": 1,
                                                            "duplicate-email": 1, "partial": 1}
    both = combine_exclusions([ex, ex])
    assert (both.rows_in, both.rows_excluded, both.by_reason["speeder"]) == (40, 8, 2)


# ---------------------------------------------------------------------------------------------- honour_flags
def test_honour_flags_computes_missing_flags_and_leaves_out_the_flagged(study):
    survey = _survey(study)
    kept, ex, n_kept = honour_flags(survey)
    assert sorted(set(survey.ids) - set(kept.ids)) == sorted(EXPECTED) and n_kept == 0
    assert FLAGS_COLUMN in kept.metadata  # the used respondents carry their flags on
    everyone, ex2, n_kept = honour_flags(survey, include_flagged=True)
    assert everyone.n == 20 and ex2.rows_excluded == 0 and n_kept == 4 and ex2.codes == DEFAULT_EXCLUDE


def test_the_stored_column_wins_over_recomputing(study):
    """Flags written by 'quality' (with its thresholds) are used as written, not recomputed on a subset."""
    survey = _survey(study)
    flags = pd.DataFrame(False, index=survey.ids, columns=list(FLAG_CODES))
    flags.loc["r10", "attention-check"] = True
    kept, ex, _ = honour_flags(with_flags(survey, flags))
    assert list(ex.reasons.index) == ["r10"] and kept.n == 19


# ---------------------------------------------------------------------------------------------- commands
def test_import_and_quality_write_the_flags_column(invoke, study, tmp_path):
    data, q = study
    clean = tmp_path / "clean.csv"
    assert invoke("import", data, "-q", q, "-o", clean, "--quiet").exit_code == 0
    written = pd.read_csv(clean, dtype={"id": str}).set_index("id")
    assert len(written) == 20 and written.columns[-1] == FLAGS_COLUMN
    assert all(code in written.loc[i, FLAGS_COLUMN].split(",") for i, code in EXPECTED.items())
    # quality: the default codes drop the flagged; the kept carry their flags (r11's longstring, if any)
    kept = tmp_path / "kept.csv"
    res = invoke("quality", data, "-q", q, "-o", kept, "--json")
    assert res.exit_code == 0, res.stderr
    d = json.loads(res.stdout)
    assert d["exclusions"]["codes"] == list(DEFAULT_EXCLUDE) and d["exclusions"]["rows_excluded"] == 4
    assert len(pd.read_csv(kept)) == 16 and FLAGS_COLUMN in pd.read_csv(kept).columns
    res = invoke("quality", data, "-q", q, "--exclude", "none", "-o", kept, "--json")
    assert json.loads(res.stdout)["exclusions"]["rows_excluded"] == 0 and len(pd.read_csv(kept)) == 20


@pytest.mark.parametrize("from_clean", [True, False], ids=["clean-data", "raw-export"])
def test_later_stages_leave_out_the_flagged_and_say_why(invoke, study, tmp_path, from_clean):
    data, q = study
    if from_clean:
        clean = tmp_path / "clean.csv"
        invoke("import", data, "-q", q, "-o", clean, "--quiet")
        data = clean
    res = invoke("reliability", data, "-q", q, "--json")
    assert res.exit_code == 0, res.stderr
    d = json.loads(res.stdout)
    ex = d["quality_exclusions"]
    assert ex["rows_in"] == 20 and ex["rows_excluded"] == 4 and ex["rows_out"] == 16
    assert {c: n for c, n in ex["by_reason"].items() if n} == {"speeder": 1, "straightlining": 1,
                                                               "duplicate-email": 1, "partial": 1}
    assert d["scales"]["s"]["n"] == 16
    text = invoke("reliability", data, "-q", q)
    assert "Left out 4 of 20 respondents with quality flags (speeder 1, straightlining 1, duplicate-email 1, " \
           "partial 1); --include-flagged keeps them" in text.stderr
    es = invoke("--lang", "es", "reliability", data, "-q", q)
    assert "Se excluyen 4 de 20 encuestados con indicadores de calidad (speeder 1, straightlining 1" in es.stderr
    res = invoke("reliability", data, "-q", q, "--include-flagged", "--json")
    d = json.loads(res.stdout)
    assert d["scales"]["s"]["n"] == 20 and d["quality_exclusions"]["flagged_kept"] == 4
    assert d["quality_exclusions"]["rows_excluded"] == 0


def test_rows_in_add_up_in_the_stage_json(invoke, study, tmp_path):
    data, q = study
    out = tmp_path / "scores.csv"
    res = invoke("scores", data, "-q", q, "-o", out, "--json")
    assert res.exit_code == 0, res.stderr
    d = json.loads(res.stdout)
    assert d["rows_in"] == 20 and d["quality_exclusions"]["rows_excluded"] == 4
    assert len(pd.read_csv(out)) == 16


@pytest.mark.parametrize("suffix", [".csv", ".parquet", ".xlsx", ".sav"])
def test_clean_data_keep_their_flags_column(invoke, study, tmp_path, suffix):
    """The flags column written to clean data is read back and used as written (not recomputed): a respondent
    marked by hand in the file is left out."""
    data, q = study
    clean = tmp_path / f"clean{suffix}"
    assert invoke("import", data, "-q", q, "-o", clean, "--quiet").exit_code == 0
    survey = load_survey(clean, load_questionnaire(q))
    assert FLAGS_COLUMN in survey.metadata.columns
    pd.testing.assert_frame_equal(stored_flags(survey), check_quality(_survey(study)).flags.astype(bool),
                                  check_names=False)
    frame = pd.read_csv(clean) if suffix == ".csv" else None
    if frame is not None:  # mark r10 by hand: the file's flags are the ones used
        frame.loc[frame["id"] == "r10", FLAGS_COLUMN] = "attention-check"
        frame.to_csv(clean, index=False)
        d = json.loads(invoke("reliability", clean, "-q", q, "--json").stdout)
        assert d["quality_exclusions"]["rows_excluded"] == 5 and d["scales"]["s"]["n"] == 15


def test_segments_of_left_out_respondents_are_not_used(invoke, study, tmp_path):
    """Segments made with --include-flagged still profile the data by default: the flagged respondents' segments
    are left out with them (counted in quality_exclusions), not reported as unknown ids."""
    data, q = study
    seg = tmp_path / "seg.csv"
    ids = pd.read_csv(data)["id"]
    pd.DataFrame({"respondent_id": ids, "segment": [1, 2] * 10}).to_csv(seg, index=False)
    res = invoke("profile", data, "-q", q, "--segments", seg, "--json")
    assert res.exit_code == 0, res.stderr
    d = json.loads(res.stdout)
    assert d["rows_used"] == 16 and d["quality_exclusions"]["rows_excluded"] == 4
    assert d["rows_in"] == d["rows_used"] + d["rows_excluded"] == 20
    assert d["excluded"] == {"no_segment": 0, "quality_flags": 4}
    text = invoke("profile", data, "-q", q, "--segments", seg, "--lang", "es")
    assert "16 encuestados en 2 segmentos (se excluyen 4 con indicadores de calidad)" in text.stdout
    report = tmp_path / "profile.html"  # the report handed on states the base and who is not in it
    assert invoke("profile", data, "-q", q, "--segments", seg, "-o", report, "--lang", "es", "--quiet").exit_code == 0
    assert "Base: 16 de 20 encuestados (se excluyen 4 con indicadores de calidad)." in report.read_text("utf-8")



def test_the_questionnaire_can_keep_everyone(invoke, study, tmp_path):
    data, q = study
    q.write_text(QUESTIONNAIRE.replace("quality: {duration: dur}", "quality: {duration: dur, exclude: []}"))
    d = json.loads(invoke("reliability", data, "-q", q, "--json").stdout)
    assert d["scales"]["s"]["n"] == 20 and d["quality_exclusions"]["codes"] == []


def test_a_project_run_uses_the_quality_sections_codes(tmp_path, study):
    from surveytools.pipeline import run_project
    from surveytools.project import load_project

    data, q = study
    (tmp_path / "p.yaml").write_text(f"questionnaire: {q.name}\ndata: {{export: {data.name}}}\n"
                                     "quality: {exclude: [speeder, partial]}\nfactor: false\nsegment: false\n"
                                     "typing_tool: false\nprofile: false\nvoc: false\nreport: false\n"
                                     "tables: false\n")
    out = tmp_path / "run"
    run_project(load_project(tmp_path / "p.yaml"), out)
    quality = json.loads((out / "quality.json").read_text())
    assert quality["exclusions"]["rows_excluded"] == 2
    rel = json.loads((out / "reliability.json").read_text())
    assert rel["scales"]["s"]["n"] == 18  # the straightliner and the duplicate stay: the project chose the codes
    assert rel["quality_exclusions"]["codes"] == ["speeder", "partial"]
    clean = pd.read_csv(out / "clean.csv", dtype={"id": str})
    assert len(clean) == 18 and "straightlining" in clean.set_index("id").loc["r05", FLAGS_COLUMN]
