"""Import invariants (Hypothesis): labels written from any codes import back to exactly those codes."""

from __future__ import annotations

import csv
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from surveytools import Questionnaire
from surveytools.io import import_survey

LABELS = {1: "Strongly disagree", 2: "Somewhat disagree", 3: "Neither agree nor disagree", 4: "Somewhat agree",
          5: "Strongly agree"}
Q = Questionnaire.from_dict({
    "respondent_id": "id",
    "option_sets": {"agree5": {"codes": LABELS, "missing": ["Don't know"]}},
    "items": {f"q{j}": {"options": "agree5", "text": f"Statement {j}"} for j in range(1, 4)},
})

cell = st.one_of(st.integers(1, 5), st.just(0), st.just(-1))  # 0: blank, -1: "Don't know"


def _render(code: int, case: int, as_number: bool) -> str:
    if code == 0:
        return ""
    if code == -1:
        return "DON'T KNOW" if case else "Don't know"
    if as_number:
        return str(code)
    label = LABELS[code]
    return [label, label.upper(), f"  {label.lower()} "][case % 3]


@settings(max_examples=25, deadline=None)
@given(st.lists(st.tuples(cell, cell, cell, st.integers(0, 2), st.booleans()), min_size=1, max_size=25),
       st.sampled_from([",", ";", "\t"]), st.booleans(), st.randoms(use_true_random=False))
def test_labels_import_back_to_their_codes(rows, delimiter, by_text, rnd):
    header = ["id"] + [f"Statement {j}" if by_text else f"q{j}" for j in range(1, 4)]
    order = list(range(3))
    rnd.shuffle(order)  # column order does not matter
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / "export.csv"
        with open(path, "w", newline="", encoding="utf-8") as fh:
            w = csv.writer(fh, delimiter=delimiter)
            w.writerow([header[0]] + [header[1 + k] for k in order])
            for i, (a, b, c, case, as_number) in enumerate(rows):
                codes = (a, b, c)
                w.writerow([f"r{i}"] + [_render(codes[k], case, as_number) for k in order])
        s = import_survey(path, Q).survey
    expected = np.array([[np.nan if v <= 0 else v for v in r[:3]] for r in rows], dtype=float)
    got = s.responses[["q1", "q2", "q3"]].to_numpy()
    np.testing.assert_array_equal(got, expected)  # rows without any answer keep their id and stay
    assert list(s.ids) == [f"r{i}" for i in range(len(rows))]
    assert [s.source.row_of(f"r{i}") for i in range(len(rows))] == list(range(2, len(rows) + 2))


# ---------------------------------------------------------------------- issue 18: real-export defects

def test_boolean_cells_stay_apart_from_the_numbers_one_and_zero(tmp_path):
    """A Qualtrics .xlsx: a boolean ``Finished`` column next to demographics coded 1.0/2.0/0.0 (True == 1.0
    and both hash alike in Python: a dict of distinct values would read the 1.0 cells as 'True')."""
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.append(["ResponseId", "Finished", "D_sex", "D_kids"])
    ws.append(["Response ID", "Finished", "Sex", "Children"])
    ws.append(['{"ImportId":"_recordId"}', '{"ImportId":"finished"}', '{"ImportId":"QID1"}',
               '{"ImportId":"QID2"}'])
    sexes = [1.0, 2.0, 1.0, 2.0, 2.0]
    kids = [0.0, 1.0, 1.0, 0.0, 3.0]
    for i, (sx, k) in enumerate(zip(sexes, kids, strict=True)):
        ws.append([f"R_{i}", i != 3, sx, k])
    path = tmp_path / "qualtrics.xlsx"
    wb.save(path)
    q = Questionnaire.from_dict({"items": {
        "sex": {"column": "D_sex", "type": "categorical", "codes": {1: "Male", 2: "Female"}},
        "kids": {"column": "D_kids", "type": "numeric"}}})
    result = import_survey(path, q)
    np.testing.assert_array_equal(result.survey.responses["sex"].to_numpy(), sexes)
    np.testing.assert_array_equal(result.survey.responses["kids"].to_numpy(), kids)
    np.testing.assert_array_equal(result.survey.metadata["Finished"].to_numpy(), [1, 1, 1, 0, 1])


def test_factorize_keeps_types_apart():
    from surveytools.io.importer import _factorize_typed

    values = np.array([1.0, True, 0, False, "1", 2.0, True, 1], dtype=object)
    codes, uniques = _factorize_typed(values)
    assert codes.tolist() == [0, 1, 2, 3, 4, 5, 1, 0]
    assert len(uniques) == 6


@pytest.mark.parametrize("spec", [
    {"respondent_id": "ResponseId", "items": {"ResponseId": {"type": "id"}}},
    {"respondent_id": "respondent_id", "items": {"respondent_id": {"type": "id", "column": "ResponseId"}}},
    {"items": {"ResponseId": {"type": "id"}}},
], ids=["named-both-ways", "through-column", "item-only"])
def test_respondent_id_declared_both_ways(tmp_path, spec):
    from surveytools.io import write_survey

    path = tmp_path / "export.csv"
    path.write_text("ResponseId,q1,q2\nR_1,1,2\nR_2,3,4\n", encoding="utf-8")
    items = dict(spec["items"])
    items.update({"q1": {"options": "s"}, "q2": {"options": "s"}})
    q = Questionnaire.from_dict({**spec, "items": items,
                                 "option_sets": {"s": {"codes": {1: "a", 2: "b", 3: "c", 4: "d"}}}})
    survey = import_survey(path, q).survey
    assert list(survey.ids) == ["R_1", "R_2"]
    out = write_survey(survey, tmp_path / "clean.csv", inputs=[path])
    header = out.read_text(encoding="utf-8").splitlines()[0].split(",")
    assert header.count(survey.id_name) == 1 and header[0] == survey.id_name
    again = import_survey(out, q).survey
    assert list(again.ids) == ["R_1", "R_2"]
    np.testing.assert_array_equal(again.responses["q2"].to_numpy(), [2.0, 4.0])


TEXT_CODES = {
    "respondent_id": "id", "language": "es",
    "option_sets": {"paises": {"codes": {"ES": "España", "MX": "México", "NS": "No sabe"}, "missing": ["NS"],
                               "aliases": {"Spain": "ES"}}},
    "items": {"sexo": {"text": "Sexo", "type": "categorical", "codes": {"F": "Femenino", "M": "Masculino"}},
              "pais": {"text": "País", "type": "categorical", "options": "paises"},
              "q1": {"type": "numeric"}},
}


def test_text_codes_of_categorical_items(tmp_path):
    """issue 18: SPSS string variables and CRM fields code categories as text (F/M, ES/MX)."""
    import json

    from surveytools.io import write_survey
    from surveytools.profile import profile_segments

    path = tmp_path / "e.csv"
    path.write_text("id,Sexo,País,q1\nr1,Femenino,ES,1\nr2,M,México,2\nr3,,mx,3\nr4,masculino,NS,1\n"
                    "r5,f,Spain,2\nr6,F,ES,5\n", encoding="utf-8")
    q = Questionnaire.from_dict(TEXT_CODES)
    from surveytools.quality import check_quality

    result = import_survey(path, q)
    result = result.with_quality(check_quality(result.survey))
    resp = result.survey.responses
    assert resp["sexo"].tolist()[:2] == ["F", "M"] and pd.isna(resp["sexo"].iloc[2])
    assert resp["sexo"].tolist()[3:] == ["M", "F", "F"]
    assert resp["pais"].tolist()[:3] == ["ES", "MX", "MX"] and pd.isna(resp["pais"].iloc[3])  # NS = missing
    assert resp["pais"].iloc[4] == "ES"  # alias
    assert result.quality.to_dict()["flags"]["out-of-range"] == 0
    json.dumps(result.to_dict())
    out = write_survey(result.survey, tmp_path / "clean.csv", inputs=[path])
    again = import_survey(out, q)
    assert again.report.format == "clean"
    pd.testing.assert_frame_equal(again.survey.responses, resp)
    with pytest.warns(Warning, match="small segments"):  # 3 respondents per segment: said, and expected here
        prof = profile_segments(result.survey, pd.Series([1, 1, 1, 2, 2, 2], index=result.survey.ids),
                                variables=["sexo", "pais"], lang="es")
    rows = prof.to_frame().reset_index()
    sexo = rows[(rows["variable"] == "sexo") & (rows["segment"] == 1)].set_index("level")
    assert list(sexo.index) == ["F", "M"] and list(sexo["level_label"]) == ["Femenino", "Masculino"]
    assert sexo.loc["F", "total"] == pytest.approx(3 / 5) and sexo.loc["F", "value"] == pytest.approx(1 / 2)
    text = json.dumps(prof.to_dict(), default=str, ensure_ascii=False)
    assert "Femenino" in text and "México" in text


def test_text_code_errors_and_unknowns(tmp_path):
    from surveytools.exceptions import ImportMappingError, QuestionnaireError

    with pytest.raises(QuestionnaireError, match="text codes are for categorical items"):
        Questionnaire.from_dict({"items": {"a": {"type": "likert", "codes": {"F": "x", "M": "y"}}}})
    with pytest.raises(QuestionnaireError, match="option set 'g' has text codes"):
        Questionnaire.from_dict({"option_sets": {"g": {"codes": {"F": "x", "M": "y"}}},
                                 "items": {"a": {"options": "g"}}})
    q = Questionnaire.from_dict(TEXT_CODES)
    path = tmp_path / "e.csv"
    path.write_text("id,Sexo,País,q1\nr1,X,ES,1\nr2,M,FR,2\n", encoding="utf-8")
    with pytest.raises(ImportMappingError, match=r"row 2: 'X' \(item sexo\)") as info:
        import_survey(path, q)
    assert "'FR' (item pais)" in str(info.value)
def test_import_does_not_run_the_quality_stage_the_caller_chains_it(tmp_path):
    import pytest

    from surveytools.quality import QualityReport, check_quality

    path = tmp_path / "export.csv"
    path.write_text("id,q1,q2,q3\nr1,1,2,3\nr2,3,3,3\nr3,5,4,2\n", encoding="utf-8")
    result = import_survey(path, Q)
    assert result.quality is None and result.to_dict()["quality"] is None
    chained = result.with_quality(check_quality(result.survey))
    assert isinstance(chained.quality, QualityReport) and result.quality is None
    assert chained.to_dict()["quality"] == check_quality(result.survey).to_dict()
    assert "Data quality" in chained.summary() and chained.survey is result.survey
    with pytest.warns(DeprecationWarning, match="chain it"):
        old = import_survey(path, Q, check_quality=True)
    assert old.to_dict() == chained.to_dict()


def test_boolean_cells_of_a_coded_item(tmp_path):
    """TRUE/FALSE cells of a yes/no item: the labels True/False when the item has them, else the codes 1/0."""
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.append(["id", "optin", "member"])
    for i, (a, b) in enumerate([(True, True), (False, False), (True, None), (1.0, False)]):
        ws.append([f"r{i}", a, b])
    wb.save(tmp_path / "b.xlsx")
    q = Questionnaire.from_dict({"respondent_id": "id", "items": {
        "optin": {"type": "categorical", "codes": {0: "No", 1: "Yes"}},
        "member": {"type": "categorical", "codes": {1: "True", 2: "False"}}}})
    resp = import_survey(tmp_path / "b.xlsx", q).survey.responses
    np.testing.assert_array_equal(resp["optin"].to_numpy(), [1.0, 0.0, 1.0, 1.0])
    np.testing.assert_array_equal(resp["member"].to_numpy(), [1.0, 2.0, np.nan, 2.0])
