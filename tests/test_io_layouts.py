"""Real export variants (issue 18): Qualtrics split multi-select with "Selected Choice" and ``_TEXT`` columns,
LimeSurvey (code and full headings, answer codes and full answers), QuestionPro (also in Spanish), Typeform and
Microsoft Forms, as .csv and .xlsx; each built like the platform writes it and imported back to the codes it
came from."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from survey_exports import (
    CHANNELS,
    LIME_CODES,
    SPEC,
    expected_frame,
    limesurvey_rows,
    make_answers,
    msforms_rows,
    qualtrics_split_rows,
    questionpro_rows,
    typeform_rows,
    write_csv,
    write_spec,
    write_xlsx,
)

from surveytools import Questionnaire, load_questionnaire
from surveytools.io import import_survey
from surveytools.questionnaire import load_yaml


def _write(rows, tmp_path, fmt: str, name: str = "export"):
    path = tmp_path / f"{name}.{fmt}"
    return (write_csv if fmt == "csv" else write_xlsx)(rows, path)


def _check_codes(result, answers) -> None:
    got = result.survey.responses.drop(columns=["comment"]).reset_index(drop=True)
    pd.testing.assert_frame_equal(got, expected_frame(answers), check_dtype=True)
    comments = result.survey.responses["comment"]
    assert comments.isna().sum() == sum(c is None for c in answers["comment"])
    assert result.report.rows_out == len(answers["att1"])


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
@pytest.mark.parametrize("numeric", [False, True], ids=["choice-text", "numeric-values"])
def test_qualtrics_split_multi_select_and_text_entry(tmp_path, fmt, numeric):
    answers = make_answers(30, seed=11)
    result = import_survey(_write(qualtrics_split_rows(answers, numeric=numeric), tmp_path, fmt),
                           load_questionnaire(write_spec(tmp_path)))
    _check_codes(result, answers)
    r = result.report
    assert r.format == "qualtrics" and r.header_rows == 3
    assert r.columns["gender"] == "Q2" and r.columns["channels_2"] == "Q5_2"
    assert {"Q2_3_TEXT", "Q5_5_TEXT"} <= set(r.unused_columns)  # other-specify text: not an item
    assert "Q5_5" not in r.unused_columns  # the "Other" choice is read: chosen, it is an unknown label
    assert list(result.survey.ids[:2]) == ["R_0000abcdEFGH000", "R_0001abcdEFGH001"]


def test_qualtrics_other_choice_selected_is_an_unknown_label(tmp_path):
    answers = make_answers(12, seed=12)
    rows = qualtrics_split_rows(answers)
    rows[5][rows[0].index("Q5_5")] = "Other"
    rows[5][rows[0].index("Q5_5_TEXT")] = "carrier pigeon"
    path = _write(rows, tmp_path, "csv")
    with pytest.raises(Exception, match=r"'Q5_5' \(column .*\), row 6: 'Other' \(item channels\)"):
        import_survey(path, load_questionnaire(write_spec(tmp_path)))


def _lime_spec(tmp_path):
    spec = load_yaml(SPEC.replace("DURATION", "interviewtime"))
    spec["quality"] = {}
    for item, column in LIME_CODES.items():
        spec["items"][item]["column"] = column
    spec["respondent_id"] = "id"
    return Questionnaire.from_dict(spec)


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
@pytest.mark.parametrize("answers_as", ["code", "full"])
def test_limesurvey_question_code_headings(tmp_path, fmt, answers_as):
    answers = make_answers(25, seed=13)
    result = import_survey(_write(limesurvey_rows(answers, headings="code", answers=answers_as), tmp_path, fmt),
                           _lime_spec(tmp_path))
    _check_codes(result, answers)
    assert result.report.format == "limesurvey"
    assert result.report.columns["channels_3"] == "G01Q05[SQ003]"
    assert list(result.survey.ids[:3]) == ["1", "2", "3"]
    assert {"submitdate", "lastpage", "startlanguage"} <= set(result.report.metadata)


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_limesurvey_full_headings(tmp_path, fmt):
    answers = make_answers(25, seed=14)
    spec = load_yaml(SPEC.replace("DURATION", "Total time"))
    spec["quality"] = {}
    result = import_survey(_write(limesurvey_rows(answers, headings="full", answers="full"), tmp_path, fmt),
                           Questionnaire.from_dict(spec))
    _check_codes(result, answers)
    assert result.report.format == "limesurvey" and result.report.respondent_id == "Response ID"
    assert result.report.columns["channels_2"] == f"{spec['items']['channels']['text']} [{CHANNELS[2]}]"


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
@pytest.mark.parametrize("spanish", [False, True], ids=["en", "es"])
def test_questionpro(tmp_path, fmt, spanish):
    answers = make_answers(28, seed=15)
    duration = "Tiempo empleado en completar (segundos)" if spanish else "Time Taken to Complete (Seconds)"
    result = import_survey(_write(questionpro_rows(answers, spanish=spanish), tmp_path, fmt),
                           load_questionnaire(write_spec(tmp_path, duration=duration)))
    _check_codes(result, answers)
    r = result.report
    assert r.format == "questionpro" and r.header_rows == 2
    assert r.respondent_id == ("ID de respuesta" if spanish else "Response ID")
    np.testing.assert_array_equal(result.survey.metadata[duration].to_numpy(), answers["duration"])


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_typeform_choice_columns(tmp_path, fmt):
    answers = make_answers(26, seed=16)
    result = import_survey(_write(typeform_rows(answers), tmp_path, fmt), _no_duration(tmp_path))
    _check_codes(result, answers)
    r = result.report
    assert r.format == "typeform" and r.respondent_id == "#"
    assert r.columns["channels_2"] == CHANNELS[2] and "Other" in r.unused_columns
    assert list(result.survey.ids[:1]) == ["tok00000x"]


def _no_duration(tmp_path) -> Questionnaire:
    spec = load_yaml(SPEC.replace("DURATION", "x"))
    spec["quality"] = {}
    return Questionnaire.from_dict(spec)


@pytest.mark.parametrize("spanish", [False, True], ids=["en", "es"])
def test_microsoft_forms(tmp_path, spanish):
    answers = make_answers(24, seed=17)
    result = import_survey(write_xlsx(msforms_rows(answers, spanish=spanish), tmp_path / "forms.xlsx",
                                      sheet="Sheet1"), _no_duration(tmp_path))
    _check_codes(result, answers)
    r = result.report
    assert r.format == "microsoft_forms" and r.respondent_id == ("Id" if spanish else "ID")
    start = "Hora de inicio" if spanish else "Start time"
    assert start in r.metadata and pd.api.types.is_datetime64_any_dtype(result.survey.metadata[start])
    assert list(result.survey.ids[:2]) == ["1", "2"]
