"""SurveyMonkey exports: 2 header rows, question over the first column of a block, one column per option."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from survey_exports import MATRIX, expected_frame, make_answers, surveymonkey_rows, write_csv, write_spec, write_xlsx

from surveytools import ImportMappingError, load_questionnaire
from surveytools.io import import_survey


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_surveymonkey_imports_to_the_original_codes(tmp_path, fmt):
    answers = make_answers(33, seed=11)
    path = tmp_path / f"sm.{fmt}"
    (write_xlsx if fmt == "xlsx" else write_csv)(surveymonkey_rows(answers), path)
    result = import_survey(path, load_questionnaire(write_spec(tmp_path, duration="Start Date")))
    s = result.survey
    got = s.responses.drop(columns=["comment"]).reset_index(drop=True)
    pd.testing.assert_frame_equal(got, expected_frame(answers))
    assert list(s.ids) == [str(114_000_000_000 + i) for i in range(33)]
    assert result.report.format == "surveymonkey" and result.report.header_rows == 2
    assert result.report.respondent_id == "Respondent ID"
    assert s.source.row_of(s.ids[0]) == 3
    assert "Collector ID" in s.metadata.columns
    assert pd.api.types.is_datetime64_any_dtype(s.metadata["Start Date"])
    assert s.metadata["Start Date"].iloc[0] == pd.Timestamp("2024-05-01 09:00:00")
    assert result.report.columns["channels_2"] == "Which channels do you use to contact us? - Phone, landline or mobile"
    assert result.report.columns["att3"] == f"{MATRIX} - I trust the brand"
    assert result.report.columns["att1"] == f"{MATRIX} - The brand is innovative"
    assert s.responses["comment"].iloc[0] == "Comment number 0, with a comma"


def test_other_please_specify_with_answers_is_an_unknown_label(tmp_path):
    answers = make_answers(10, seed=12)
    path = write_xlsx(surveymonkey_rows(answers, other_text={4: "Fax"}), tmp_path / "sm.xlsx")
    q = load_questionnaire(write_spec(tmp_path, duration="Start Date"))
    with pytest.raises(ImportMappingError) as info:
        import_survey(path, q)
    text = str(info.value)
    assert "Other (please specify)" in text and "row 7" in text and "column T" in text
    result = import_survey(path, q, unknown_labels="missing")
    assert result.report.unknown_count == 1
    pd.testing.assert_frame_equal(result.survey.responses.drop(columns=["comment"]).reset_index(drop=True),
                                  expected_frame(answers))


def test_surveymonkey_grid_found_by_row_label_only(tmp_path):
    """Row 2 holds the grid's row labels: an item whose text is the row label is found there."""
    answers = make_answers(6, seed=13)
    rows = surveymonkey_rows(answers)
    path = write_xlsx(rows, tmp_path / "sm.xlsx")
    spec = tmp_path / "grid.yaml"
    spec.write_text("""\
option_sets:
  agree5: [Strongly disagree, Somewhat disagree, Neither agree nor disagree, Somewhat agree, Strongly agree]
items:
  trust: {text: "i trust the brand", options: agree5}
""", encoding="utf-8")
    s = import_survey(path, load_questionnaire(spec)).survey
    np.testing.assert_array_equal(s.responses["trust"].to_numpy(), answers["att3"])
