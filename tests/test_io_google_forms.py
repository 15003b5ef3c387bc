"""Google Forms CSV: one header row, grid items as ``Question [Row]``, checkbox answers joined by ", "."""

from __future__ import annotations

import numpy as np
import pandas as pd
from survey_exports import expected_frame, google_forms_rows, make_answers, write_csv, write_spec

from surveytools import load_questionnaire
from surveytools.io import import_survey


def test_google_forms_imports_to_the_original_codes(tmp_path):
    answers = make_answers(29, seed=21)
    path = write_csv(google_forms_rows(answers), tmp_path / "Form responses 1.csv")
    result = import_survey(path, load_questionnaire(write_spec(tmp_path, duration="Timestamp")))
    s = result.survey
    pd.testing.assert_frame_equal(s.responses.drop(columns=["comment"]).reset_index(drop=True),
                                  expected_frame(answers))
    assert result.report.format == "google_forms" and result.report.header_rows == 1
    assert result.report.respondent_id is None
    assert list(s.ids[:3]) == ["1", "2", "3"]
    assert s.source.row_of("1") == 2
    assert result.report.columns["att1"].endswith("[The brand is innovative]")
    assert "Timestamp" in s.metadata.columns


def test_checkbox_labels_with_commas_and_unknown_options(tmp_path):
    rows = [["Timestamp", "Which channels do you use to contact us?"],
            ["2024/05/01 9:00:00 AM GMT+1", "Phone, landline or mobile, Email"],
            ["2024/05/01 9:05:00 AM GMT+1", "chat,  STORE"],
            ["2024/05/01 9:07:00 AM GMT+1", ""],
            ["2024/05/01 9:09:00 AM GMT+1", "Email, Carrier pigeon"]]
    path = write_csv(rows, tmp_path / "form.csv")
    spec = tmp_path / "multi.yaml"
    spec.write_text("""\
items:
  channels:
    text: "Which channels do you use to contact us?"
    type: multi
    codes: {1: Email, 2: "Phone, landline or mobile", 3: Chat, 4: Store}
""", encoding="utf-8")
    q = load_questionnaire(spec)
    result = import_survey(path, q, unknown_labels="missing")
    got = result.survey.responses.to_numpy()
    np.testing.assert_array_equal(got, [[1, 1, 0, 0], [0, 0, 1, 1], [np.nan] * 4, [1, 0, 0, 0]])
    (u,) = result.report.unknown_labels
    assert (u.label, u.first_row, u.count) == ("Carrier pigeon", 5, 1)
