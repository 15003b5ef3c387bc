"""SPSS .sav files through pyreadstat: variable labels as question text, value labels, user-missing codes."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyreadstat
import pytest
from survey_exports import AGREE

from surveytools import ImportMappingError, load_questionnaire
from surveytools.io import import_survey


def _write_sav(path, codes: dict[str, list[float]], **kw) -> None:
    df = pd.DataFrame({"ResponseId": [f"R_{i}" for i in range(len(codes["Q1_1"]))], **codes})
    pyreadstat.write_sav(df, str(path), **kw)


def test_spss_codes_labels_and_user_missing(tmp_path):
    att1 = [1, 2, 9, 4, 5, np.nan]   # 9 = "Don't know", declared user-missing in the .sav
    att2 = [5, 4, 3, 2, 1, 3]
    gender = [2, 1, 1, 3, 2, 1]
    path = tmp_path / "survey.sav"
    agree = {float(k): v for k, v in AGREE.items()} | {9.0: "Don't know"}
    _write_sav(path, {"Q1_1": att1, "Q1_2": att2, "Q2": gender},
               column_labels=["Response ID", "Agree? - The brand is innovative",
                              "Agree? - The brand is good value for money", "What is your gender?"],
               variable_value_labels={"Q1_1": agree, "Q1_2": agree,
                                      "Q2": {1.0: "Female", 2.0: "Male", 3.0: "Another gender"}},
               missing_ranges={"Q1_1": [9.0]})
    spec = tmp_path / "s.yaml"
    spec.write_text("""\
option_sets:
  agree5: [Strongly disagree, Somewhat disagree, Neither agree nor disagree, Somewhat agree, Strongly agree]
items:
  att1: {text: The brand is innovative, options: agree5}
  att2: {text: The brand is good value for money, options: agree5}
  gender: {text: "What is your gender?", type: categorical, codes: {1: Female, 2: Male, 3: Another gender}}
""", encoding="utf-8")
    result = import_survey(path, load_questionnaire(spec))
    r = result.survey.responses
    assert result.report.format == "spss"
    np.testing.assert_array_equal(r["att1"].to_numpy(), [1, 2, np.nan, 4, 5, np.nan])
    np.testing.assert_array_equal(r["att2"].to_numpy(), att2)
    np.testing.assert_array_equal(r["gender"].to_numpy(), gender)
    assert list(result.survey.ids) == [f"R_{i}" for i in range(6)]
    assert result.report.columns == {"att1": "Q1_1", "att2": "Q1_2", "gender": "Q2"}


def test_spss_value_labels_win_over_their_numbers(tmp_path):
    """A .sav coding "Strongly agree" as 1 is recoded through its value labels to the spec's 5."""
    path = tmp_path / "reversed.sav"
    reversed_labels = {float(6 - k): v for k, v in AGREE.items()}
    _write_sav(path, {"Q1_1": [1.0, 5.0, 2.0]}, column_labels=["id", "The brand is innovative"],
               variable_value_labels={"Q1_1": reversed_labels})
    spec = tmp_path / "one.yaml"
    spec.write_text("""\
option_sets:
  agree5: [Strongly disagree, Somewhat disagree, Neither agree nor disagree, Somewhat agree, Strongly agree]
items:
  att1: {text: The brand is innovative, options: agree5}
""", encoding="utf-8")
    r = import_survey(path, load_questionnaire(spec)).survey.responses
    np.testing.assert_array_equal(r["att1"].to_numpy(), [5, 1, 4])


def test_spss_out_of_range_code_is_unknown(tmp_path):
    path = tmp_path / "bad.sav"
    _write_sav(path, {"Q1_1": [1.0, 7.0]}, column_labels=["id", "The brand is innovative"])
    spec = tmp_path / "one.yaml"
    spec.write_text("""\
option_sets:
  agree5: [Strongly disagree, Somewhat disagree, Neither agree nor disagree, Somewhat agree, Strongly agree]
items:
  att1: {text: The brand is innovative, options: agree5}
""", encoding="utf-8")
    with pytest.raises(ImportMappingError, match=r"'Q1_1' \(column B\), row 3: '7'"):
        import_survey(path, load_questionnaire(spec))
