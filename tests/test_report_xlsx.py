"""Excel report: sheets per stage, numbers copied exactly, native charts, and survey text that never
becomes a formula."""

from __future__ import annotations

import json
import re
import zipfile

import pytest
from openpyxl import load_workbook
from report_fixtures import HOSTILE, contract_results, profile_result  # noqa: E402

from surveytools.exceptions import DataError, InputFileError
from surveytools.report.xlsx import write_xlsx_report


@pytest.fixture(scope="module")
def profile():
    return profile_result()


@pytest.fixture(scope="module")
def full_report(tmp_path_factory, profile):
    path = tmp_path_factory.mktemp("xlsx") / "report.xlsx"
    write_xlsx_report(contract_results(profile), path)
    return path


def _x(v):
    """A number as stored in xlsx: openpyxl writes 16 significant digits (Excel keeps 15), so the last binary
    digit may differ; None stays None."""
    return None if v is None else pytest.approx(v, rel=2e-16 * 8, abs=0)


def _all_cells(wb):
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for c in row:
                if c.value is not None:
                    yield ws, c


def test_sheets_follow_the_stages(full_report, tmp_path, profile):
    wb = load_workbook(full_report)
    assert wb.sheetnames == ["Summary", "Data quality", "Reliability", "Factors", "Segments", "Profiles",
                             "Typing tool", "CRM match", "Voice of the customer"]
    only = tmp_path / "only.xlsx"
    write_xlsx_report({"profile": profile}, only)
    assert load_workbook(only).sheetnames == ["Summary", "Profiles", "NPS by segment"]
    rel = tmp_path / "rel.xlsx"
    write_xlsx_report({"reliability": contract_results(profile)["reliability"]}, rel, lang="es")
    assert load_workbook(rel).sheetnames == ["Resumen", "Fiabilidad"]


def test_no_formula_anywhere(full_report):
    wb = load_workbook(full_report)
    texts = set()
    for ws, c in _all_cells(wb):
        assert c.data_type != "f", f"{ws.title}!{c.coordinate} is a formula: {c.value!r}"
        if isinstance(c.value, str):
            texts.add(c.value)
    # the hostile strings are there, verbatim, as text
    for key in ("formula", "plus", "minus", "at", "script"):
        assert any(HOSTILE[key] in t for t in texts), key
    assert any(t.startswith(HOSTILE["formula"] + ": ") for t in texts)  # the categorical item's label, a row label
    # and the raw XML holds no formula element at all
    with zipfile.ZipFile(full_report) as z:
        for name in z.namelist():
            if name.startswith("xl/worksheets/") and name.endswith(".xml"):
                xml = z.read(name).decode("utf-8")
                assert "<f>" not in xml and "<f " not in xml, name


def test_profile_numbers_are_copied_exactly(full_report, profile):
    ws = load_workbook(full_report)["Profiles"]
    d = profile.to_dict()
    head = next(r for r in range(1, ws.max_row + 1) if ws.cell(r, 1).value == "Variable")
    assert ws.cell(head - 1, 3).value.startswith("1. " + HOSTILE["formula"])  # spanning segment heading
    assert ws.cell(head - 1, 3).value.endswith(f"(n = {d['segments']['1']['n']})")
    assert ws.freeze_panes == f"B{head + 1}"
    # data rows in order, skipping section rows (those have nothing in column B)
    rows = [r for r in range(head + 1, head + 1 + len(d["variables"]) + 10) if ws.cell(r, 2).value is not None]
    assert len(rows) == len(d["variables"])
    for r, var in zip(rows, d["variables"], strict=True):
        level = f": {var['level_label']}" if var["level_label"] else ""
        assert ws.cell(r, 1).value == var["label"] + level
        assert ws.cell(r, 2).value == _x(var["total"]["value"])
        for i, key in enumerate(d["segments"]):
            cell = var["segments"][key]
            col = 3 + 4 * i
            assert ws.cell(r, col).value == _x(cell["value"])
            assert ws.cell(r, col + 1).value == _x(cell["index"])
            assert ws.cell(r, col + 2).value == _x(cell["p"])
            mark = {"higher": "\u25b2", "lower": "\u25bc"}.get(cell["mark"], "")
            # Sig.: the mark against the rest, then the letters of the segments this one is higher than
            assert ws.cell(r, col + 3).value == (" ".join(x for x in (mark, cell["letters"]) if x) or None)
            fill = ws.cell(r, col).fill.fgColor.rgb
            if cell["mark"] == "higher":
                assert fill.endswith("D4EDDA")
            elif cell["mark"] == "lower":
                assert fill.endswith("F8D7DA")
            else:
                assert ws.cell(r, col).fill.fill_type is None
            fmt = ws.cell(r, col).number_format
            assert fmt == {"mean": "0.00", "proportion": "0.0%", "nps": "0.0"}[var["stat"]] or cell["value"] is None


def test_charts_are_native(full_report, profile):
    wb = load_workbook(full_report)
    assert len(wb["Segments"]._charts) == 1  # sizes
    # heat map (snake chart), perceptual map, one per segment
    assert len(wb["Profiles"]._charts) == 2 + profile.k
    assert len(wb["Factors"]._charts) == 2  # scree, loadings (snake)
    assert len(wb["Voice of the customer"]._charts) == 1
    with zipfile.ZipFile(full_report) as z:
        charts = {n: z.read(n).decode("utf-8") for n in z.namelist() if re.match(r"xl/charts/chart\d+\.xml$", n)}
    assert len(charts) == 1 + 2 + profile.k + 2 + 1
    kinds = [k for xml in charts.values() for k in ("<barChart>", "<lineChart>", "<scatterChart>") if k in xml]
    assert kinds.count("<scatterChart>") == 1 and kinds.count("<lineChart>") == 3
    for xml in charts.values():
        assert len(re.findall(r'<delete val="0"\s*/>', xml)) == 2  # axes shown in current Excel
        assert re.search(r"<f>'[^']+'!\$[A-Z]+\$\d+", xml)  # drawn from cells of the workbook
    ws = wb["Profiles"]
    rules = ws.conditional_formatting
    assert any("colorScale" in str(r.rules[0].type) or r.rules[0].type == "colorScale" for r in rules)


def test_factor_sheet_highlights_loadings(full_report):
    ws = load_workbook(full_report)["Factors"]
    fac = contract_results(profile_result())["factor"]
    head = next(r for r in range(1, ws.max_row + 1) if ws.cell(r, 1).value == "Item")
    assert [ws.cell(head, c).value for c in range(3, 8)] == fac["factors"]
    n_strong = 0
    for r in range(head + 1, head + 1 + len(fac["items"])):
        item = ws.cell(r, 1).value
        for j in range(5):
            c = ws.cell(r, 3 + j)
            assert c.value == _x(fac["loadings"][item][j])
            strong = abs(c.value) >= 0.30
            assert (c.fill.fill_type == "solid") is strong
            n_strong += strong
    assert n_strong >= 25
    values = [ws.cell(r, 2).value for r in range(1, ws.max_row + 1)]
    assert _x(0.845897492560391) in values  # KMO as computed, unrounded
    assert ws.freeze_panes == f"B{head + 1}"


def test_reliability_and_quality_sheets(full_report):
    wb = load_workbook(full_report)
    ws = wb["Reliability"]
    ref = json.loads(open(__file__.replace("test_report_xlsx.py", "data/bfi/reference.json")).read())["reliability"]
    found = {}
    for r in range(1, ws.max_row + 1):
        found.setdefault(ws.cell(r, 1).value, r)  # first occurrence: the scales table
    header = [ws.cell(found["Scale"], c).value for c in range(1, ws.max_column + 1)]
    col = header.index("Cronbach's alpha") + 1
    for scale, vals in ref.items():
        assert ws.cell(found[scale], col).value == _x(vals["alpha"])
        assert ws.cell(found[scale], col).number_format == "0.000"
    q = wb["Data quality"]
    cells = {q.cell(r, 1).value: (q.cell(r, 2).value, q.cell(r, 3)) for r in range(1, q.max_row + 1)}
    assert cells["Straight-lining"][0] == 31
    assert cells["Straight-lining"][1].value == pytest.approx(31 / 2800)
    assert cells["Straight-lining"][1].number_format == "0.0%"


def test_layout_frozen_headers_and_widths(full_report):
    wb = load_workbook(full_report)
    for ws in wb.worksheets:
        widths = [d.width for d in ws.column_dimensions.values() if d.width]
        assert widths and all(6 <= w <= 62 for w in widths), ws.title
    texts = [c.value for row in wb["Profiles"].iter_rows() for c in row if isinstance(c.value, str)]
    assert any(t.startswith("Segment 1 \u201c=HYPERLINK") for t in texts)  # the description


def test_spanish_labels(tmp_path):
    path = tmp_path / "es.xlsx"
    prof = profile_result(lang="es")
    write_xlsx_report(contract_results(prof), path, lang="es", title="Estudio $ 2024")
    wb = load_workbook(path)
    assert wb.sheetnames[:6] == ["Resumen", "Calidad de los datos", "Fiabilidad", "Factores", "Segmentos", "Perfiles"]
    assert wb["Resumen"]["A1"].value == "Estudio $ 2024"
    ws = wb["Perfiles"]
    values = {c.value for row in ws.iter_rows() for c in row if isinstance(c.value, str)}
    assert {"Variable", "Índice", "Puntuaciones de escala", "Mapa perceptual de segmentos y atributos"} <= values


def test_missing_keys_are_errors(tmp_path):
    """A section never silently drops what a result lacks (the old reports did)."""
    from surveytools.summary.sections import ReportKeyError

    with pytest.raises(ReportKeyError, match=r"the reliability result has no 'n'"):
        write_xlsx_report({"reliability": {"scales": {"s": {"alpha": 0.8}}}}, tmp_path / "sparse.xlsx")
    assert not (tmp_path / "sparse.xlsx").exists()
    with pytest.raises(DataError, match="custom stage"):
        write_xlsx_report({"custom stage": {"a": 1}}, tmp_path / "sparse.xlsx")


def test_bad_calls(tmp_path, profile):
    with pytest.raises(DataError, match=".xlsx"):
        write_xlsx_report({"profile": profile}, tmp_path / "r.html")
    with pytest.raises(DataError, match="language"):
        write_xlsx_report({"profile": profile}, tmp_path / "r.xlsx", lang="de")
    with pytest.raises(DataError, match="mapping"):
        write_xlsx_report([profile], tmp_path / "r.xlsx")
    with pytest.raises(DataError, match="to_dict"):
        write_xlsx_report({"profile": 3}, tmp_path / "r.xlsx")
    inp = tmp_path / "input.xlsx"
    inp.write_bytes(b"original")
    with pytest.raises(InputFileError, match="also an input"):
        write_xlsx_report({"profile": profile}, inp, inputs=[inp])
    assert inp.read_bytes() == b"original"
    with pytest.raises(InputFileError, match="does not exist"):
        write_xlsx_report({"profile": profile}, tmp_path / "nope" / "r.xlsx")


def test_real_voc_object_verbatims_stay_text(tmp_path):
    """Open-ended comments reach the workbook through the VoC stage's examples: still text, never formulas."""
    import warnings

    from report_fixtures import profiled_survey

    from surveytools.voc import voc_by_segment

    survey, seg = profiled_survey(n=300)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        voc = voc_by_segment(survey, seg, nps_item="nps", text_item="comment")
    path = write_xlsx_report({"voc": voc}, tmp_path / "voc.xlsx")
    wb = load_workbook(path)
    ws = wb["Voice of the customer"]
    assert len(ws._charts) == 1
    cells = [c for _, c in _all_cells(wb)]
    assert not [c for c in cells if c.data_type == "f"]
    assert any(c.value == HOSTILE["formula"] and c.data_type == "s" for c in cells)
    nps = voc.to_dict()["segments"]["2"]["nps"]["nps"]
    assert any(isinstance(c.value, float) and c.value == _x(nps) for c in cells)
