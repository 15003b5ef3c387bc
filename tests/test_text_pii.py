"""Personal data typed into comments (issue 18): masked in every example, report and JSON."""

from __future__ import annotations

import json
import re
import warnings
import zipfile

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from surveytools.text.pii import mask_pii, mask_pii_series

_EMAIL = re.compile(r"[\w.+-]+@[\w-]+\.[\w.-]+")


@pytest.mark.parametrize(("text", "expected"), [
    ("Contactadme en juan.perez@gmail.com o al 612 345 678", "Contactadme en [email] o al [phone]"),
    ("call +1 (555) 123-4567 or 555-123-4567", "call [phone] or [phone]"),
    ("llamad al 0034 612345678, o al 91 123 45 67", "llamad al [phone], o al [phone]"),
    ("mi DNI 12345678Z y mi tarjeta 4111 1111 1111 1111", "mi DNI [number] y mi tarjeta [number]"),
    ("IBAN ES91 2100 0418 4502 0005 1332 por favor", "IBAN [number] por favor"),
    ("cliente 1234567", "cliente [number]"),
    ("ANA.O+tienda@correo.com.mx.", "[email]."),
    # kept: short numbers, prices, dates, times, versions
    ("Pagué 1.250 € el 2024-05-01 a las 10:30, 3 veces en 2023", None),
    ("precio 1.250.000, edad 45, versión 10.2.3, 01/05/2024", None),
    ("", None),
])
def test_mask_pii(text, expected):
    assert mask_pii(text) == (text if expected is None else expected)


def test_spanish_tags_and_non_text():
    assert mask_pii("al 612345678 o a x@y.es", lang="es") == "al [teléfono] o a [email]"
    assert mask_pii("id 12345678", lang="es") == "id [número]"
    assert mask_pii(None) is None and mask_pii(3.5) == 3.5


def test_series_keeps_missing_and_index():
    s = pd.Series(["a@b.com", None, "nada", np.nan, "tel 612 345 678"], index=list("vwxyz"), dtype=object)
    out = mask_pii_series(s)
    assert out.tolist()[0] == "[email]" and out.tolist()[2] == "nada" and out.tolist()[4] == "tel [phone]"
    assert out.iloc[1] is None and pd.isna(out.iloc[3]) and list(out.index) == list("vwxyz")
    assert s.iloc[0] == "a@b.com"  # the input is not changed
    assert mask_pii_series(pd.Series([], dtype=object)).empty
    assert mask_pii_series(["x@y.com"]).tolist() == ["[email]"]


@settings(max_examples=150, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("ab .-@+()0123456789xyz")), max_size=40),
       st.sampled_from(["juan.perez@gmail.com", "612 345 678", "+34 912 345 678", "4111111111111111"]))
def test_property_no_pii_survives_and_masking_is_idempotent(noise, pii):
    text = f"{noise} {pii} {noise}"
    once = mask_pii(text)
    assert mask_pii(once) == once
    assert pii not in once
    assert not _EMAIL.search(once)
    assert not re.search(r"\d(?:[ .-]?\d){8}", once)  # no 9-digit run, grouped or not, survives


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
