"""Summary documents: blocks, display formats in both languages, translation keys, the text renderer, and
the strict reading of stage results."""

from __future__ import annotations

import pytest
from report_fixtures import contract_results, profile_result

from surveytools.report.i18n import STRINGS
from surveytools.summary.document import (
    Chart,
    Column,
    Document,
    Fact,
    Facts,
    Msg,
    Num,
    Paragraph,
    Section,
    Series,
    Table,
    format_value,
    text,
)
from surveytools.summary.sections import ReportKeyError, build_document, summary_text
from surveytools.summary.text import render_text


@pytest.mark.parametrize(("value", "fmt", "en", "es"), [
    (1234.5678, "num", "1,234.6", "1\u00a0234,6"),
    (0.12345, "num", "0.123", "0,123"),
    (3.14159, "num2", "3.14", "3,14"),
    (2806, "int", "2,806", "2\u00a0806"),
    (0.2346, "pct", "23.5%", "23,5\u00a0%"),
    (0.2345, "pct0", "23%", "23\u00a0%"),
    (23.46, "pct100", "23.5%", "23,5\u00a0%"),
    (0.0004, "p", "<\u00a00.001", "<\u00a00,001"),
    (0.0412, "p", "0.041", "0,041"),
    (101.6, "index", "102", "102"),
    (None, "num", "", ""),
    (float("nan"), "pct", "", ""),
    (True, None, "yes", "sí"),
    ("Texto", "num", "Texto", "Texto"),
])
def test_format_value(value, fmt, en, es):
    assert format_value(value, fmt, "en") == en
    assert format_value(value, fmt, "es") == es


def test_messages_resolve_in_the_document_language():
    m = Msg("ov_alpha", scale="Lealtad")
    assert text(m, "es") == "Alfa de Cronbach: Lealtad" and text(m, "en") == "Cronbach's alpha: Lealtad"
    nested = Msg("drivers_total", r2=Num(0.4292, "num2"))
    assert text(nested, "es").endswith("(R\u00b2 = 0,43)") and text(nested, "en").endswith("(R\u00b2 = 0.43)")
    assert text(Msg("csat_definition", definition=Msg("csat_def_top", k="2", codes="4, 5")), "es") == \
        "CSAT = porcentaje que responde en las 2 categorías más altas (4, 5)."
    assert Column(Msg("share"), "pct", unit="%").heading("es") == "Proporción (%)"


@pytest.mark.parametrize("lang", ["en", "es"])
def test_every_key_of_a_full_report_exists_in_both_languages(lang):
    doc = build_document(contract_results(profile_result(lang=lang)), lang=lang)
    keys = {m.key for m in doc.msgs()}
    assert len(keys) > 80
    assert keys <= set(STRINGS["en"]) and keys <= set(STRINGS["es"]), keys - set(STRINGS[lang])


def test_blocks_check_their_shape():
    with pytest.raises(ValueError, match="row 1 has 1 cells for 2 columns"):
        Table([Column("a"), Column("b")], [[1, 2], [3]])
    with pytest.raises(ValueError, match="unknown chart kind"):
        Chart("pie", "t")
    with pytest.raises(ValueError, match="2 values for 3 categories"):
        Chart("bar", "t", ["a", "b", "c"], [Series("s", [1.0, 2.0])])


def test_text_renderer():
    doc = Document("Report", "es", [
        Section("s1", Msg("quality"), [
            Facts([Fact(Msg("respondents"), 2806, "int"), Fact(Msg("match_rate"), 0.849, "pct")]),
            Table([Column("Segmento"), Column("Media", "num2")], [["Uno", 3.14159], ["Dos", 2.5]],
                  styles=[[None, "higher"], [None, None]], sections={0: Msg("section_scale")},
                  note=Msg("exclusion_note")),
            Paragraph("Texto libre."),
            Chart("bar", "not in text", ["a"], [Series("s", [1.0])]),
        ])])
    out = render_text(doc)
    assert out.splitlines()[:4] == ["Report", "", "Calidad de los datos", "--------------------"]
    assert "  Encuestados    2\u00a0806" in out and "  Tasa de cruce  84,9\u00a0%" in out
    assert "Puntuaciones de escala" in out
    lines = out.splitlines()
    uno = next(x for x in lines if x.strip().startswith("Uno"))
    dos = next(x for x in lines if x.strip().startswith("Dos"))
    assert uno.endswith("3,14+") and dos.endswith("2,50") and uno.index("3,14") == dos.index("2,50")  # aligned
    assert "Texto libre." in out and "not in text" not in out


def test_summary_is_the_documents_text():
    prof = profile_result()
    assert prof.summary() == summary_text("profile", prof, lang="en")
    es = profile_result(lang="es").summary()
    assert es.startswith("Perfiles de los segmentos: 600 encuestados en 4 segmentos")
    assert "Puntuaciones de escala" in es and "Scale scores" not in es


def test_missing_keys_name_the_stage_and_key():
    res = contract_results(profile_result())
    del res["crm"]["match_rate"]
    with pytest.raises(ReportKeyError, match=r"the crm result has no 'match_rate'"):
        build_document(res)
    res = contract_results(profile_result())
    del res["reliability"]["scales"]["agreeableness"]["items"]["A2"]["r_drop"]
    with pytest.raises(ReportKeyError, match=r"the reliability result has no 'r_drop'"):
        build_document(res)


def test_every_literal_key_of_the_section_builders_exists_in_both_languages():
    """Each Msg("key") and col("key") written in summary/sections/ is a key of STRINGS in English and Spanish,
    so no summary() or report shows a raw key (dynamic keys, f"flag_{code}", are checked by the documents'
    tests)."""
    import re
    from pathlib import Path

    import surveytools.summary.sections as sections

    keys: set[str] = set()
    for path in Path(sections.__file__).parent.glob("*.py"):
        src = path.read_text(encoding="utf-8")
        keys |= set(re.findall(r'\b(?:Msg|col|short_col\(ctx,)\s*\(?\s*"([a-z0-9_\-]+)"(?!\s*\+)', src))
    assert len(keys) > 250
    missing = {lang: sorted(k for k in keys if k not in STRINGS[lang]) for lang in ("en", "es")}
    assert missing == {"en": [], "es": []}
