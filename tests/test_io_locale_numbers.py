"""Spanish-locale files: ';' CSV from Spanish Excel, cp1252, '1.234,56' numbers, dd/mm/yyyy dates; --decimal and
--thousands; numbers import exactly."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from surveytools import load_questionnaire
from surveytools.io import import_survey
from surveytools.io.locale_numbers import NumberFormat, detect_day_first, detect_number_format, parse_number

EXAMPLE = "examples/retail_loyalty"
ES = NumberFormat(",", ".")


@pytest.mark.parametrize(("text", "fmt", "want"), [
    ("1.234,56", ES, 1234.56), ("1,268", ES, 1.268), ("-0,5", ES, -0.5), ("1.234.567", ES, 1234567.0),
    ("12", ES, 12.0), (" 3,25 ", ES, 3.25), ("1,234.56", NumberFormat(".", ","), 1234.56),
    ("1 234,5", NumberFormat(",", None), 1234.5), ("0.5", NumberFormat(), 0.5),
])
def test_parse_number(text, fmt, want):
    assert parse_number(text, fmt) == want


@pytest.mark.parametrize(("text", "fmt"), [("1.23,4", ES), ("1.234.56", ES), ("abc", ES), ("1,5", NumberFormat()),
                                           ("1.5", ES), ("", ES)])
def test_parse_number_refuses(text, fmt):
    assert parse_number(text, fmt) is None


@given(st.decimals(min_value=-10**9, max_value=10**9, places=2, allow_nan=False, allow_infinity=False))
def test_spanish_excel_text_reads_back_exactly(x):
    """Any number Spanish Excel writes ('1.234,56') reads back as float(str(x))."""
    plain = f"{x:.2f}"
    sign, body = ("-", plain[1:]) if plain.startswith("-") else ("", plain)
    whole, frac = body.split(".")
    grouped = f"{int(whole):,}".replace(",", ".")
    assert parse_number(f"{sign}{grouped},{frac}", ES) == float(plain)


@pytest.mark.parametrize(("values", "delimiter", "want"), [
    (["1.234,56", "3"], None, ES), (["0,5", "2,25"], None, NumberFormat(",", None)),
    (["1,268", "1,5197"], ";", NumberFormat(",", None)), (["1,234.5"], None, NumberFormat(".", ",")),
    (["0.5", "Muy de acuerdo"], None, NumberFormat()), (["Hola", "12"], None, NumberFormat()),
    (["1,268"], ";", NumberFormat(",", None)),
])
def test_detect_number_format(values, delimiter, want):
    assert detect_number_format(values, delimiter=delimiter) == want


def test_detect_day_first():
    assert detect_day_first(["25/12/2024", "01/02/2024"]) is True
    assert detect_day_first(["12/25/2024"]) is False
    assert detect_day_first(["01/02/2024"], default=True) is True
    assert detect_day_first(["01/02/2024"]) is False


def _spanish_csv(tmp_path):
    """The bundled Qualtrics export saved by Spanish-locale Excel as CSV: ';', cp1252, '1,268', dd/mm/yyyy."""
    df = pd.read_excel(f"{EXAMPLE}/export_qualtrics.xlsx", header=None, dtype=object, engine="openpyxl")
    data = df.iloc[3:].copy()
    for col in (5, df.shape[1] - 1):   # duration, weight
        data[col] = [str(v).replace(".", ",") if isinstance(v, float) and not v.is_integer()
                     else (str(int(v)) if isinstance(v, float) else v) for v in data[col]]
    for col in (0, 1, 7):              # StartDate, EndDate, RecordedDate as Spanish Excel shows them
        data[col] = pd.to_datetime(data[col]).dt.strftime("%d/%m/%Y %H:%M:%S")
    out = pd.concat([df.iloc[:3], data])
    path = tmp_path / "export_es.csv"
    text = out.to_csv(sep=";", header=False, index=False)
    path.write_bytes(text.replace("\n", "\r\n").encode("cp1252"))
    return path


def test_spanish_excel_csv_imports_like_the_workbook(tmp_path):
    q = load_questionnaire(f"{EXAMPLE}/questionnaire.yaml")
    path = _spanish_csv(tmp_path)
    res = import_survey(path, q)
    ref = import_survey(f"{EXAMPLE}/export_qualtrics.xlsx", q)
    rep = res.report
    assert (rep.encoding, rep.delimiter) == ("cp1252", ";")
    assert (rep.number_format.decimal, rep.number_format.thousands) == (",", None)
    pd.testing.assert_frame_equal(res.survey.responses, ref.survey.responses)
    np.testing.assert_array_equal(res.survey.weights.to_numpy(), ref.survey.weights.to_numpy())  # exactly
    m, mref = res.survey.metadata, ref.survey.metadata
    np.testing.assert_array_equal(m["Duration (in seconds)"].to_numpy(), mref["Duration (in seconds)"].to_numpy())
    # 06/05/2024 is the 6th of May (day first), as in the workbook's ISO dates
    np.testing.assert_array_equal(m["StartDate"].to_numpy(), pd.to_datetime(mref["StartDate"]).to_numpy())


def test_thousands_and_decimal_comma_numeric_items(tmp_path, invoke):
    spec = tmp_path / "q.yaml"
    spec.write_text("items:\n  gasto: {type: numeric}\n  edad: {type: numeric}\n", encoding="utf-8")
    path = tmp_path / "gastos.csv"
    path.write_bytes("id;gasto;edad\r\n1;1.234,56;34\r\n2;87,5;41\r\n3;12.000;29\r\n".encode("cp1252"))
    r = import_survey(path, load_questionnaire(spec)).survey.responses
    assert r["gasto"].tolist() == [1234.56, 87.5, 12000.0]
    # the options override detection: '12.000' read with a decimal point is twelve
    res = invoke("import", path, "-q", spec, "-o", tmp_path / "c.csv", "--decimal", ",", "--thousands", ".",
                 "--json", "--quiet")
    assert res.exit_code == 0, res.stderr
    d = json.loads(res.stdout)
    assert (d["decimal"], d["thousands"]) == (",", ".")
    en = tmp_path / "en.csv"
    en.write_text("id,gasto,edad\n1,12.000,3\n2,1.5,4\n", encoding="utf-8")
    r = import_survey(en, load_questionnaire(spec), decimal=".", thousands="").survey.responses
    assert r["gasto"].tolist() == [12.0, 1.5]


def test_bad_number_names_the_format(tmp_path):
    spec = tmp_path / "q.yaml"
    spec.write_text("weight: peso\nitems:\n  edad: {type: numeric}\n", encoding="utf-8")
    path = tmp_path / "p.csv"
    path.write_text("id;edad;peso\n1;30;1,5\n2;31;uno\n", encoding="utf-8")
    with pytest.raises(Exception, match=r"'uno' is not a number \(read with a decimal comma\)"):
        import_survey(path, load_questionnaire(spec))


def test_init_drafts_from_a_spanish_excel_csv(tmp_path):
    """init reads '1,268' weights and dd/mm/yyyy dates of a Spanish-locale CSV; its draft imports it."""
    from surveytools.io.draft import draft_questionnaire

    path = _spanish_csv(tmp_path)
    draft = draft_questionnaire(path)
    q = draft.questionnaire
    assert q.weight == "weight" and q.language == "es"
    ref = import_survey(f"{EXAMPLE}/export_qualtrics.xlsx", q).survey
    ours = import_survey(path, q).survey
    pd.testing.assert_frame_equal(ours.responses, ref.responses)
    np.testing.assert_array_equal(ours.weights.to_numpy(), ref.weights.to_numpy())
