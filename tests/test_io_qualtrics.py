"""Qualtrics exports (.csv and .xlsx; 3 header rows or the legacy 2; choice text or numeric values)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from survey_exports import (
    CHANNELS,
    expected_frame,
    make_answers,
    qualtrics_rows,
    write_csv,
    write_spec,
    write_xlsx,
)

from surveytools import load_questionnaire
from surveytools.io import import_survey, load_survey


def _check(result, answers, *, first_row: int, duration: str = "Duration (in seconds)") -> None:
    s = result.survey
    got = s.responses.drop(columns=["comment"]).reset_index(drop=True)
    pd.testing.assert_frame_equal(got, expected_frame(answers), check_dtype=True)
    n = len(answers["att1"])
    assert list(s.ids) == [f"R_{i:04d}abcdEFGH{i:03d}" for i in range(n)]
    assert s.responses.index.name == "respondent_id"
    comments = s.responses["comment"]
    assert comments.isna().sum() == sum(c is None for c in answers["comment"])
    assert comments.iloc[0] == "Comment number 0, with a comma"
    np.testing.assert_array_equal(s.metadata[duration].to_numpy(), answers["duration"])
    assert s.source.flavour == "qualtrics"
    assert s.source.row_of(s.ids[0]) == first_row
    assert s.source.row_of(s.ids[-1]) == first_row + n - 1
    assert result.report.rows_out == n


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
@pytest.mark.parametrize("numeric", [False, True], ids=["choice-text", "numeric"])
def test_qualtrics_three_header_rows(tmp_path, fmt, numeric):
    answers = make_answers(37, seed=3)
    rows = qualtrics_rows(answers, numeric=numeric)
    path = tmp_path / f"export.{fmt}"
    (write_csv if fmt == "csv" else write_xlsx)(rows, path)
    q = load_questionnaire(write_spec(tmp_path))
    result = import_survey(path, q)
    _check(result, answers, first_row=4)
    r = result.report
    assert r.header_rows == 3
    assert r.respondent_id == "ResponseId"
    assert r.columns["att2"] == "Q1_2" and r.columns["channels_2"] == "Q5"
    for name in ("StartDate", "Finished", "Progress", "IPAddress", "UserLanguage"):
        assert name in r.metadata
    meta = result.survey.metadata
    assert meta["Finished"].eq(1.0).all()
    assert pd.api.types.is_datetime64_any_dtype(meta["StartDate"])
    assert meta["StartDate"].iloc[1] == pd.Timestamp("2024-05-01 09:07:00")


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_qualtrics_legacy_two_rows(tmp_path, fmt):
    answers = make_answers(25, seed=4)
    rows = qualtrics_rows(answers, legacy=True)
    path = tmp_path / f"legacy.{fmt}"
    (write_csv if fmt == "csv" else write_xlsx)(rows, path)
    q = load_questionnaire(write_spec(tmp_path, duration="Duration"))
    result = import_survey(path, q)
    assert result.report.header_rows == 2
    assert result.report.respondent_id == "ResponseID"
    _check(result, answers, first_row=3, duration="Duration")


def test_qualtrics_two_rows_without_import_ids(tmp_path):
    answers = make_answers(12, seed=5)
    path = write_csv(qualtrics_rows(answers, import_ids=False), tmp_path / "two.csv")
    result = import_survey(path, load_questionnaire(write_spec(tmp_path)))
    assert result.report.header_rows == 2
    _check(result, answers, first_row=3)


def test_detection_ignores_the_extension(tmp_path):
    answers = make_answers(10, seed=6)
    xlsx_named_csv = write_xlsx(qualtrics_rows(answers), tmp_path / "export.csv")
    csv_named_xlsx = write_csv(qualtrics_rows(answers), tmp_path / "export.xlsx")
    q = load_questionnaire(write_spec(tmp_path))
    for path in (xlsx_named_csv, csv_named_xlsx):
        _check(import_survey(path, q), answers, first_row=4)


def test_blank_rows_above_the_header_and_at_the_end(tmp_path):
    answers = make_answers(8, seed=7)
    rows = qualtrics_rows(answers) + [[" "] + [""] * 18, [""] * 18 + ["  "]]  # white space only: blank
    path = write_xlsx(rows, tmp_path / "export.xlsx", before=2)
    result = import_survey(path, load_questionnaire(write_spec(tmp_path)))
    _check(result, answers, first_row=6)
    assert result.report.rows_in == 10 and result.report.blank_rows == 2 and result.report.rows_out == 8
    csv_path = write_csv(qualtrics_rows(answers) + [[""] * 19, [""] * 19], tmp_path / "export.csv")
    result = import_survey(csv_path, load_questionnaire(write_spec(tmp_path)))
    _check(result, answers, first_row=4)
    assert result.report.to_dict()["rows_excluded"] == {"blank": 2}


def test_spanish_labels_any_case_and_accents(tmp_path):
    spec = tmp_path / "es.yaml"
    spec.write_text("""\
language: es
respondent_id: ResponseId
option_sets:
  acuerdo:
    codes: {1: Totalmente en desacuerdo, 2: En desacuerdo, 3: Ni de acuerdo ni en desacuerdo, 4: De acuerdo,
            5: Totalmente de acuerdo}
    missing: [No sé]
items:
  p1: {text: "La atención fue rápida", options: acuerdo}
  p2: {text: "Recomendaría la tienda", options: acuerdo}
  socio: {text: "¿Es usted socio?", type: categorical, codes: {1: Sí, 2: No}}
""", encoding="utf-8")
    rows = [
        ["ResponseId", "Q1_1", "Q1_2", "Q2"],
        ["Response ID", "Valore cada frase - La atención fue rápida", "Valore cada frase - Recomendaría la tienda",
         "¿Es usted socio?"],
        ['{"ImportId":"_recordId"}', '{"ImportId":"QID1_1"}', '{"ImportId":"QID1_2"}', '{"ImportId":"QID2"}'],
        ["R_a1", "Totalmente de acuerdo", "TOTALMENTE  DE ACUERDO ", "Si"],
        ["R_a2", "ni de acuerdo NI EN DESACUERDO", "No se", "sí"],
        ["R_a3", "En desacuerdo", "de acuerdo", "NO"],
        ["R_a4", "", "Totalmente en desacuerdo", ""],
    ]
    path = write_xlsx(rows, tmp_path / "es.xlsx")
    s = load_survey(path, load_questionnaire(spec))
    assert list(s.ids) == ["R_a1", "R_a2", "R_a3", "R_a4"]
    assert s.responses.index.name == "ResponseId"
    np.testing.assert_array_equal(s.responses["p1"].to_numpy(), [5, 3, 2, np.nan])
    np.testing.assert_array_equal(s.responses["p2"].to_numpy(), [5, np.nan, 4, 1])
    np.testing.assert_array_equal(s.responses["socio"].to_numpy(), [1, 1, 2, np.nan])


def test_numeric_codes_pass_through_and_labels_of_code_form(tmp_path):
    """Numeric exports give codes; ``"4 = Somewhat agree"`` is read as its code when code and label agree."""
    rows = [["ResponseId", "att1", "att2", "att3", "gender", "age", "nps", "channels", "comment"],
            ["R_1", 4, "4 = Somewhat agree", "5 - Strongly agree", 2, 30, "0 - Not at all likely", "1,3", ""],
            ["R_2", "2", "1", "3.0", "3", "41", "10 - Extremely likely", "2", "ok"]]
    path = write_csv(rows, tmp_path / "codes.csv")
    s = load_survey(path, load_questionnaire(write_spec(tmp_path, duration="age")))
    r = s.responses
    assert r["att1"].tolist() == [4, 2] and r["att2"].tolist() == [4, 1] and r["att3"].tolist() == [5, 3]
    assert r["nps"].tolist() == [0, 10]
    assert r[[f"channels_{c}" for c in CHANNELS]].to_numpy().tolist() == [[1, 0, 1, 0], [0, 1, 0, 0]]


def test_label_that_contradicts_its_code_is_unknown(tmp_path):
    rows = [["ResponseId", "att1", "att2", "att3", "gender", "age", "nps", "channels", "comment"],
            ["R_1", "4 = Strongly agree", 1, 1, 1, 30, 5, "", ""]]
    path = write_csv(rows, tmp_path / "bad.csv")
    from surveytools import ImportMappingError

    with pytest.raises(ImportMappingError, match="4 = Strongly agree"):
        load_survey(path, load_questionnaire(write_spec(tmp_path, duration="age")))


def test_split_multi_select_columns(tmp_path):
    """Qualtrics "split multi-value fields into columns": Q5_1..Q5_4 with the choice text in row 2."""
    answers = make_answers(15, seed=8)
    rows = qualtrics_rows(answers)
    q5 = rows[0].index("Q5")
    split_names = [f"Q5_{k}" for k in (1, 2, 3, 4)]
    split_text = [f"{rows[1][q5]} - {CHANNELS[k]}" for k in (1, 2, 3, 4)]
    new = [rows[0][:q5] + split_names + rows[0][q5 + 1:], rows[1][:q5] + split_text + rows[1][q5 + 1:],
           rows[2][:q5] + ['{"ImportId":"QID5"}'] * 4 + rows[2][q5 + 1:]]
    for i, r in enumerate(rows[3:]):
        ch = answers["channels"][i]
        cells = ["" if np.isnan(ch[k]) or ch[k] == 0 else CHANNELS[k + 1] for k in range(4)]
        new.append(r[:q5] + cells + r[q5 + 1:])
    path = write_xlsx(new, tmp_path / "split.xlsx")
    result = import_survey(path, load_questionnaire(write_spec(tmp_path)))
    _check(result, answers, first_row=4)
    assert result.report.columns["channels_3"] == "Q5_3"
