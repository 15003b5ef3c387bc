"""PII masking of comments: e-mails, phone numbers (Spanish and international), long digit runs."""

from __future__ import annotations

import json
import re
import warnings
import zipfile

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from surveytools.text.pii import mask_pii, mask_series


@pytest.mark.parametrize("text, es, en", [
    ("escribidme a ana.lopez+voc@correo.es ya", "escribidme a [email] ya", "escribidme a [email] ya"),
    ("Mi móvil: 612 345 678.", "Mi móvil: [teléfono].", "Mi móvil: [phone]."),
    ("+34 612345678", "[teléfono]", "[phone]"),
    ("llamad al +34 612 34 56 78, gracias", "llamad al [teléfono], gracias", "llamad al [phone], gracias"),
    ("0034 612345678", "[teléfono]", "[phone]"),
    ("fijo 91 123 45 67", "fijo [teléfono]", "fijo [phone]"),
    ("612345678", "[teléfono]", "[phone]"),
    ("Call (555) 123-4567 now", "Call [teléfono] now", "Call [phone] now"),
    ("555-123-4567", "[teléfono]", "[phone]"),
    ("tarjeta 4111 1111 1111 1111", "tarjeta [número]", "tarjeta [number]"),
    ("IBAN ES91 2100 0418 4502 0005 1332", "IBAN [número]", "IBAN [number]"),
    ("DNI 12345678Z", "DNI [número]", "DNI [number]"),
    ("pedido 20231234567", "pedido [número]", "pedido [number]"),
])
def test_masks_each_kind(text, es, en):
    assert mask_pii(text) == es
    assert mask_pii(text, lang="en") == en


@pytest.mark.parametrize("text", ["3x2 por 12,50 € en 2024", "fecha 12/03/2024", "código postal 28001",
                                  "llegó a las 10:30", "1.234 puntos", "sin datos", ""])
def test_keeps_short_numbers_and_plain_text(text):
    assert mask_pii(text) == text


def test_none_and_series():
    assert mask_pii(None) is None
    s = pd.Series(["ok", None, "a@b.com", "612 345 678", float("nan")], dtype="object")
    out = mask_series(s)
    assert out.tolist()[:4] == ["ok", None, "[email]", "[teléfono]"]
    assert pd.isna(out.iloc[4])
    assert s.iloc[2] == "a@b.com"  # input untouched


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("ab @.+-()0123456789 ñé")), max_size=60))
def test_masking_is_idempotent_and_leaves_no_long_digit_run(text):
    once = mask_pii(text)
    assert mask_pii(once) == once
    assert not re.search(r"\d{8,}", once)
    assert "@" not in once or not re.search(r"[\w.+-]+@[\w-]+\.[\w-]+", once)


# ---------------------------------------------------------------------- issue 18: every shown comment is masked

COMMENTS = ["Contactadme en juan.perez@gmail.com o al 612 345 678 por favor, el servicio es lento",
            "servicio lento, escribid a maria@empresa.es",
            "Muy buen servicio, mi cliente es 99887766554 servicio"]


def test_voc_examples_report_and_json_are_masked(tmp_path):
    """voc.json, report.html and report.xlsx never show an e-mail or phone number from a comment."""
    from report_fixtures import profiled_survey

    from surveytools.report.html import render_html_report
    from surveytools.report.xlsx import write_xlsx_report
    from surveytools.voc import distinctive_terms, voc_by_segment

    survey, seg = profiled_survey(n=300)
    survey.responses["comment"] = [COMMENTS[i % 3] for i in range(survey.n)]
    res = distinctive_terms(survey.responses["comment"], seg, min_count=1)
    examples = [e for r in res.values() for e in r["examples"]]
    assert examples and any("[email]" in e or "[phone]" in e for e in examples)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        voc = voc_by_segment(survey, seg, nps_item="nps", text_item="comment")
    payload = json.dumps(voc.to_dict(), default=str)
    html = render_html_report({"voc": voc})
    xlsx = write_xlsx_report({"voc": voc}, tmp_path / "report.xlsx")
    with zipfile.ZipFile(xlsx) as zf:
        xml = " ".join(zf.read(n).decode("utf-8", "replace") for n in zf.namelist() if n.endswith(".xml"))
    for text in (payload, html, xml):
        assert "juan.perez@gmail.com" not in text and "maria@empresa.es" not in text
        assert "612 345 678" not in text and "99887766554" not in text
    assert "[email]" in payload


def test_report_masks_quotes_from_results_written_without_masking():
    from report_fixtures import voc_dict

    from surveytools.report.html import render_html_report

    voc = voc_dict({"1": 50, "2": 50})
    voc["segments"]["1"]["terms"] = {"comments": 2, "terms": [{"term": "lento", "z": 2.5, "log_odds": 1.0,
                                                                "count": 2}],
                                     "examples": ["escribid a maria@empresa.es o al 612345678"]}
    html = render_html_report({"voc": voc})
    assert "maria@empresa.es" not in html and "612345678" not in html and "[email]" in html


def test_profile_of_a_text_column_masks_personal_data():
    """CRM text columns profiled as categories ('extra') never show an e-mail or phone number as a level."""
    from report_fixtures import profiled_survey

    from surveytools.profile import profile_segments

    survey, seg = profiled_survey(n=120)
    contact = ["ana@x.com", "bob@y.org", "612 345 678", "none"] * 30
    extra = pd.DataFrame({"contact": contact}, index=survey.ids)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        prof = profile_segments(survey, seg, extra=extra, variables=["contact"])
    rows = prof.to_frame().reset_index()
    rows = rows[rows["variable"] == "contact"]
    assert set(rows["level_label"]) == {"[email] 1", "[email] 2", "[phone] 1", "none"}
    text = json.dumps(prof.to_dict(), default=str)
    assert "ana@x.com" not in text and "612 345 678" not in text
    total = rows.drop_duplicates("level").set_index("level_label")["total"]
    assert total["[email] 1"] == pytest.approx(0.25) and total["none"] == pytest.approx(0.25)


def test_profile_masks_in_the_report_language():
    """A Spanish profile shows the Spanish tags ([teléfono]), as voc and the report do."""
    from report_fixtures import profiled_survey

    from surveytools.profile import profile_segments

    survey, seg = profiled_survey(n=120)
    extra = pd.DataFrame({"contact": ["ana@x.com", "612 345 678", "ninguno"] * 40}, index=survey.ids)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        prof = profile_segments(survey, seg, extra=extra, variables=["contact"], lang="es")
    rows = prof.to_frame().reset_index()
    assert set(rows.loc[rows["variable"] == "contact", "level_label"]) == {"[email] 1", "[teléfono] 1", "ninguno"}
