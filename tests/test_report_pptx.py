"""PowerPoint deck: opened with python-pptx, it has the slides a team presents (title, sample, method,
segment sizes, the heat map, the perceptual map, one slide per segment, drivers, VoC, typing tool) with
native, editable charts holding the report's numbers, in the report's language."""

from __future__ import annotations

import pytest
from pptx import Presentation
from pptx.enum.chart import XL_CHART_TYPE
from report_fixtures import HOSTILE, contract_results, profile_result

from surveytools.exceptions import DataError, InputFileError
from surveytools.report.pptx import write_pptx_report


@pytest.fixture(scope="module")
def profile():
    return profile_result()


@pytest.fixture(scope="module")
def deck(tmp_path_factory, profile):
    path = tmp_path_factory.mktemp("pptx") / "deck.pptx"
    write_pptx_report(contract_results(profile), path, title="Study 2024")
    return Presentation(str(path))


def _titles(prs):
    return [s.shapes.title.text if s.shapes.title is not None else None for s in prs.slides]


def _charts(prs):
    return [(s.shapes.title.text, sh.chart) for s in prs.slides for sh in s.shapes if sh.has_chart]


def test_slides_a_team_presents(deck, profile):
    titles = _titles(deck)
    assert titles[0] == "Study 2024"
    for t in ("Sample", "Method", "Segment sizes", "Profile heat map of all segments",
              "Perceptual map of segments and attributes", "NPS by segment", "Typing tool", "CRM match"):
        assert t in titles, t
    segs = profile.to_dict()["segments"]
    for k, s in segs.items():  # one slide per segment, named, with its letter
        assert f"{k}. {s['name']} ({s['letter']})" in titles or f"Segment {k} ({s['letter']})" in titles
    assert HOSTILE["formula"] in " ".join(t for t in titles if t)  # survey text kept as text


def test_native_editable_charts(deck, profile):
    charts = _charts(deck)
    kinds = {c.chart_type for _, c in charts}
    assert {XL_CHART_TYPE.BAR_CLUSTERED, XL_CHART_TYPE.XY_SCATTER} <= kinds
    for _, c in charts:  # every chart carries its data as an embedded workbook (PowerPoint's "Edit data")
        assert c.part.chart_workbook.xlsx_part is not None
    sizes = next(c for t, c in charts if t == "Segment sizes")
    assert list(sizes.plots[0].series[0].values) == [float(n) for n in profile.segments["n"]]
    per_segment = [c for t, c in charts if t.startswith(("1. ", "2. ", "3. ", "4. ", "Segment ")) and t != "Segment sizes"]
    assert len(per_segment) == profile.k
    nps = next(c for t, c in charts if t == "NPS by segment")
    voc = contract_results(profile)["voc"]["segments"]
    assert list(nps.plots[0].series[0].values) == pytest.approx([v["nps"]["nps"] for v in voc.values()])


def test_heat_map_is_a_coloured_table(deck, profile):
    slide = next(s for s in deck.slides if s.shapes.title.text == "Profile heat map of all segments")
    table = next(sh.table for sh in slide.shapes if sh.has_table)
    assert len(table.columns) == 1 + profile.k
    fills = [table.cell(i, j).fill.type for i in range(1, len(table.rows)) for j in range(1, profile.k + 1)]
    assert fills.count(1) > len(fills) // 2  # solid fills on most cells (MSO_FILL.SOLID == 1)


def test_spanish_deck(tmp_path):
    path = write_pptx_report(contract_results(profile_result(lang="es")), tmp_path / "es.pptx", lang="es")
    titles = _titles(Presentation(str(path)))
    assert titles[0] == "Informe de segmentación de la encuesta"
    for t in ("Muestra", "Método", "Tamaño de los segmentos", "Mapa perceptual de segmentos y atributos",
              "NPS por segmento"):
        assert t in titles, t


def test_bad_calls(tmp_path, profile):
    with pytest.raises(DataError, match=".pptx"):
        write_pptx_report({"profile": profile}, tmp_path / "r.ppt")
    inp = tmp_path / "in.pptx"
    inp.write_bytes(b"original")
    with pytest.raises(InputFileError, match="also an input"):
        write_pptx_report({"profile": profile}, inp, inputs=[inp])
    assert inp.read_bytes() == b"original"
