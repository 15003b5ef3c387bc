"""Clean data: write_survey and load_survey round trips (.csv, .parquet, .xlsx), weights and metadata."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from survey_exports import make_answers, qualtrics_rows, write_csv, write_spec

from surveytools import InputFileError, load_questionnaire
from surveytools.io import clean_frame, import_survey, load_survey, write_survey


@pytest.fixture()
def imported(tmp_path):
    answers = make_answers(21, seed=31)
    path = write_csv(qualtrics_rows(answers), tmp_path / "export.csv")
    spec = write_spec(tmp_path)
    text = spec.read_text(encoding="utf-8")
    # items pinned to Qualtrics columns: the clean file (item-id columns) must load with the same spec
    text = text.replace('options: agree5}', 'options: agree5, column: PLACE}')
    for k in (1, 2, 3):
        text = text.replace("column: PLACE", f"column: Q1_{k}", 1)
    text = text.replace("    type: multi\n", "    type: multi\n    column: Q5\n")
    spec.write_text(text, encoding="utf-8")
    q = load_questionnaire(spec)
    assert q.items["att2"].column == "Q1_2" and q.items["channels"].column == "Q5"
    return import_survey(path, q).survey, q


@pytest.mark.parametrize("suffix", [".csv", ".parquet", ".xlsx"])
def test_round_trip(tmp_path, imported, suffix):
    survey, q = imported
    out = write_survey(survey, tmp_path / f"clean{suffix}")
    back = import_survey(out, q)
    assert back.report.format == "clean"
    pd.testing.assert_frame_equal(back.survey.responses, survey.responses, check_index_type=False)
    assert back.survey.metadata is not None
    np.testing.assert_array_equal(back.survey.metadata["Duration (in seconds)"].to_numpy(),
                                  survey.metadata["Duration (in seconds)"].to_numpy())
    assert back.survey.metadata["StartDate"].iloc[2] == survey.metadata["StartDate"].iloc[2]
    assert back.survey.source.row_of(survey.ids[0]) == 2


def test_clean_frame_columns(imported):
    survey, _ = imported
    frame = clean_frame(survey)
    assert list(frame.columns[:10]) == ["respondent_id", "att1", "att2", "att3", "gender", "age", "nps",
                                        "channels_1", "channels_2", "channels_3"]
    assert frame.columns[11] == "comment"
    assert "Duration (in seconds)" in frame.columns and "ResponseId" not in frame.columns


def test_weights_round_trip(tmp_path):
    path = tmp_path / "w.csv"
    path.write_text("id,q1,w\na,1,0.5\nb,2,1.5\nc,,2\n", encoding="utf-8")
    spec = tmp_path / "w.yaml"
    spec.write_text("respondent_id: id\nweight: w\noption_sets: {s: [no, yes]}\nitems: {q1: {options: s}}\n",
                    encoding="utf-8")
    q = load_questionnaire(spec)
    s = load_survey(path, q)
    np.testing.assert_array_equal(s.weight_array(), [0.5, 1.5, 2.0])
    out = write_survey(s, tmp_path / "w.parquet")
    back = load_survey(out, q)
    np.testing.assert_array_equal(back.weight_array(), [0.5, 1.5, 2.0])
    np.testing.assert_array_equal(back.responses["q1"].to_numpy(), [1, 2, np.nan])


def test_bfi_loads_as_clean_data(bfi_survey, bfi_csv):
    raw = pd.read_csv(bfi_csv)
    assert bfi_survey.source.flavour == "clean" and bfi_survey.n == 2800
    np.testing.assert_array_equal(bfi_survey.responses["A1"].to_numpy(), raw["A1"].to_numpy(dtype=float))
    assert list(bfi_survey.ids[:2]) == list(raw["respondent_id"].astype(str)[:2])


def test_write_refuses_inputs_bad_suffix_and_missing_folder(tmp_path, imported):
    survey, _ = imported
    target = tmp_path / "export.csv"
    before = target.read_bytes()
    with pytest.raises(InputFileError, match="is also an input"):
        write_survey(survey, target, inputs=[target])
    assert target.read_bytes() == before
    with pytest.raises(InputFileError, match="use a .csv, .parquet, .xlsx or .sav file name"):
        write_survey(survey, tmp_path / "clean.json")
    with pytest.raises(InputFileError, match="does not exist; create it first"):
        write_survey(survey, tmp_path / "nowhere" / "clean.csv")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["export.csv", "spec.yaml"]


def test_text_in_xlsx_is_never_a_formula(tmp_path):
    path = tmp_path / "f.csv"
    path.write_text('respondent_id,comment\nr1,"=HYPERLINK(""http://x"")"\n', encoding="utf-8")
    spec = tmp_path / "f.yaml"
    spec.write_text("items: {comment: {type: text}}\n", encoding="utf-8")
    q = load_questionnaire(spec)
    out = write_survey(load_survey(path, q), tmp_path / "f.xlsx")
    from openpyxl import load_workbook

    cell = load_workbook(out)["data"]["B2"]
    assert cell.data_type == "s" and cell.value == '=HYPERLINK("http://x")'
    assert load_survey(out, q).responses["comment"].iloc[0] == '=HYPERLINK("http://x")'
