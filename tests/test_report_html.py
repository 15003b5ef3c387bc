"""HTML report: self-contained (no remote resources; one inline script that sorts tables), escaped survey
text, inline SVG charts, sticky headings, a print style sheet, and (with Debian's chromium) a rendered page
whose charts are really drawn and whose wide tables keep their first column in view."""

from __future__ import annotations

import re
import shutil
import subprocess
from html.parser import HTMLParser

import numpy as np
import pytest
from report_fixtures import HOSTILE, contract_results, profile_result  # noqa: E402

from surveytools.exceptions import DataError, InputFileError
from surveytools.report.html import render_html_report, write_html_report
from surveytools.summary.sections import ReportKeyError


@pytest.fixture(scope="module")
def profile():
    return profile_result()


@pytest.fixture(scope="module")
def full_html(profile):
    return render_html_report(contract_results(profile))


class _Collector(HTMLParser):
    """Every start tag with its attributes, the text, and a check that tags nest properly."""

    VOID = {"meta", "br", "img", "link", "input", "hr", "path", "use", "rect", "circle", "line", "polyline",
            "polygon", "stop", "ellipse"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict]] = []
        self.text: list[str] = []
        self.stack: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        if tag not in self.VOID:
            self.stack.append(tag)

    def handle_startendtag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def handle_endtag(self, tag):
        if tag in self.VOID:
            return
        assert self.stack and self.stack[-1] == tag, f"</{tag}> closes <{self.stack[-1] if self.stack else None}>"
        self.stack.pop()

    def handle_data(self, data):
        self.text.append(data)


def _parse(text: str) -> _Collector:
    c = _Collector()
    c.feed(text)
    c.close()
    assert c.stack == [], c.stack[-5:]
    return c


def test_structure_and_sections(full_html, profile):
    doc = _parse(full_html)
    ids = [a["id"] for t, a in doc.tags if t == "section"]
    assert ids == ["summary", "quality", "reliability", "factors", "segments", "profiles", "typing-tool", "crm",
                   "voc"]
    svgs = full_html.count("<svg ")
    # scree, loadings heat map, sizes, profile heat map, perceptual map, one profile chart per segment, NPS
    assert svgs == 5 + profile.k + 1
    titles = "".join(doc.text)
    for t in ("Scree plot and parallel analysis", "NPS by segment", "Profile heat map of all segments",
              "Perceptual map of segments and attributes"):
        assert t in titles, t


def test_self_contained_offline(full_html):
    doc = _parse(full_html)
    assert not [t for t, _ in doc.tags if t in ("link", "iframe", "object", "embed", "img")]
    scripts = [a for t, a in doc.tags if t == "script"]
    assert scripts == [{}]  # one inline script (table sorting), no src
    for tag, attrs in doc.tags:
        for key, value in attrs.items():
            if key.startswith("on"):
                pytest.fail(f"event handler {key} on <{tag}>")
            if key in ("src", "href", "xlink:href", "action", "data"):
                # in-page links, and PNG embedded in the SVG (the heat map's raster)
                ok = value is None or value.startswith("#") or (tag == "image" and value.startswith("data:image/png;"))
                assert ok, f"<{tag} {key}={value[:40]!r}>"
    # the only URLs are SVG namespace names and survey text (escaped, as text)
    style = "".join(re.findall(r"<style[^>]*>(.*?)</style>", full_html, re.S))
    assert "url(" not in style and "@import" not in style and "@font-face" not in style
    stripped = re.sub(r'xmlns(:\w+)?="[^"]*"', "", full_html)
    urls = re.findall(r"https?://[^\s\"'<>&]+", stripped)
    # survey text, whole or shortened with an ellipsis in a chart label
    assert all(u == "http://evil.example/x" or (u.endswith("\u2026") and "http://evil.example/x".startswith(u[:-1]))
               for u in urls), urls
    script = full_html.split("<script>")[1].split("</script>")[0]
    for word in ("fetch", "XMLHttpRequest", "import(", "http", "eval", "innerHTML"):
        assert word not in script, word


def test_survey_text_is_escaped(full_html):
    assert HOSTILE["script"] not in full_html
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt; &amp; &lt;b&gt;bold&lt;/b&gt;" in full_html
    text = "".join(_parse(full_html).text)
    for key in ("formula", "plus", "minus", "at", "script", "dollar"):
        assert HOSTILE[key] in text, key  # shown to the reader exactly as typed
    # inside SVG too: matplotlib escapes text, and '$' is not mathtext
    svg = "".join(re.findall(r"<svg .*?</svg>", full_html, re.S))
    assert "<script>" not in svg and "&lt;script&gt;" in svg


def test_profile_table_numbers(full_html, profile):
    d = profile.to_dict()
    table = full_html.split('id="t-profile"')[1].split("</table>")[0]
    rows = re.findall(r"<tr>(<td.*?)</tr>", table, re.S)
    assert len(rows) == len(d["variables"])
    first = d["variables"][0]
    cells = re.findall(r"<td[^>]*>(.*?)</td>", rows[0])
    assert cells[0] == first["label"] and cells[1] == f"{first['total']['value']:,.2f}"
    seg1 = first["segments"]["1"]
    assert cells[2] == f"{seg1['value']:,.2f}"
    assert cells[5] == {"higher": "\u25b2", "lower": "\u25bc"}.get(seg1["mark"], "")
    # sortable numbers carry their exact value
    assert f'data-v="{float(seg1["value"])!r}"' in rows[0]
    n_marked = sum(1 for v in d["variables"] for c in v["segments"].values() if c["mark"])
    assert table.count('class="num higher"') + table.count('class="num lower"') == n_marked


def test_sticky_sortable_and_printable(full_html):
    css = full_html.split("<style>")[1].split("</style>")[0]
    assert re.search(r"thead th \{ position: sticky; top: 0;", css)
    assert re.search(r"\.sticky \{ position: sticky; left: 0;", css)
    assert "@media print" in css and "display: table-header-group" in css
    profile = full_html.split('id="t-profile"')[1].split("</table>")[0]
    body_rows = re.findall(r"<tr>(<td.*?)</tr>", profile, re.S)
    assert all(r.startswith('<td class="sticky">') for r in body_rows)
    assert profile.count("<tbody>") == len(re.findall(r'<tr class="section">', profile))  # sort within groups
    assert 'table.data' in full_html.split("<script>")[1]


def test_spanish(profile):
    text = render_html_report(contract_results(profile_result(lang="es")), lang="es", title="Estudio <2024>")
    assert '<html lang="es">' in text
    assert "<h1>Estudio &lt;2024&gt;</h1>" in text
    for word in ("Resumen", "Fiabilidad", "Cargas factoriales", "Tamaño de los segmentos", "Perfiles",
                 "NPS por segmento", "Puntuaciones de escala"):
        assert word in text, word
    assert "0,703" in text  # decimal comma (bfi agreeableness alpha)


def test_sections_only_for_present_stages(profile):
    text = render_html_report({"profile": profile})
    ids = re.findall(r'<section id="([^"]+)"', text)
    assert ids == ["summary", "profiles", "nps"]  # NPS chart from the profile's NPS rows
    assert text.count("<svg ") == 3 + profile.k + 1  # sizes, heat map, perceptual map, k profiles, NPS


def test_missing_keys_are_errors(profile):
    """Reports no longer hide what a result lacks: the error names the stage and the key."""
    with pytest.raises(ReportKeyError, match=r"the factor result has no 'n_factors'"):
        render_html_report({"factor": {"eigenvalues": [2.5, 1.1, 0.4]}})
    with pytest.raises(ReportKeyError, match=r"the segment result has no 'method'"):
        render_html_report({"segment": {"k": 3}})
    with pytest.raises(ReportKeyError, match="voc"):
        render_html_report({"voc": {"segments": {"1": {"nps": {"nps": -5.0}}}}})
    with pytest.raises(DataError, match="custom stage"):
        render_html_report({"profile": profile, "custom stage": {"a": 1}})


def test_deterministic():
    """Charts carry fixed ids and no dates: the same input gives the same file."""
    from surveytools.report import charts
    from surveytools.summary.document import Chart, Point, Series

    bar = Chart("bar", "Sizes", ["A", "B"], [Series("n", [10.0, 30.0])], id="sizes")
    assert charts.chart_svg(bar) == charts.chart_svg(bar)
    sc = Chart("scatter", "Map", points=[Point("a", 0.1, 0.2, "segment"), Point("b", -0.3, 0.1, "attribute")])
    assert charts.chart_svg(sc) == charts.chart_svg(sc)
    assert "<metadata>" not in charts.chart_svg(bar)


def test_real_stage_objects(tmp_path, bfi_survey):
    """The reliability and factor stages' own result objects render (not only their contract dicts)."""
    import warnings

    from surveytools.factor import FactorModel
    from surveytools.profile import profile_segments
    from surveytools.reliability import reliability

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        rel = reliability(bfi_survey)
        fac = FactorModel(n_factors=5).fit(bfi_survey).result_
    r = bfi_survey.responses
    seg = 1 + (r["age"] > 26).astype(int) + 2 * (r["gender"] == 2).astype(int)
    prof = profile_segments(bfi_survey, seg)
    path = write_html_report({"reliability": rel, "factor": fac, "profile": prof}, tmp_path / "r.html")
    text = path.read_text(encoding="utf-8")
    assert "0.703" in text  # psych alpha of agreeableness
    assert "Am indifferent to the feelings of others." in text  # item text in the heat map
    # scree, loadings, sizes, profile heat map, perceptual map (5 scale means), 4 profiles; no NPS in bfi
    assert text.count("<svg ") == 5 + 4 + 0
    from openpyxl import load_workbook

    from surveytools.report.xlsx import write_xlsx_report

    xlsx = write_xlsx_report({"reliability": rel, "factor": fac, "profile": prof}, tmp_path / "r.xlsx")
    assert load_workbook(xlsx).sheetnames == ["Summary", "Reliability", "Factors", "Profiles"]


def test_bad_calls(tmp_path, profile):
    with pytest.raises(DataError, match=".html"):
        write_html_report({"profile": profile}, tmp_path / "r.xlsx")
    with pytest.raises(DataError, match="language"):
        render_html_report({"profile": profile}, lang="fr")
    out = tmp_path / "keep.html"
    out.write_text("old", encoding="utf-8")
    with pytest.raises(DataError):
        write_html_report("not a mapping", out)  # type: ignore[arg-type]
    assert out.read_text(encoding="utf-8") == "old"
    with pytest.raises(InputFileError, match="also an input"):
        write_html_report({"profile": profile}, out, inputs=[out])


# ---------------------------------------------------------------------- headless Chromium

def _chromium() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.mark.browser
@pytest.mark.skipif(_chromium() is None, reason="Debian's chromium is not installed")
def test_rendered_in_chromium_shows_charts(tmp_path, profile):
    from PIL import Image

    res = contract_results(profile)
    res = {k: res[k] for k in ("factor", "segment", "profile", "voc")}
    path = write_html_report(res, tmp_path / "report.html")
    shot = tmp_path / "shot.png"
    proc = subprocess.run([_chromium(), "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
                           f"--screenshot={shot}", "--window-size=1200,7000", path.resolve().as_uri()],
                          capture_output=True, timeout=120)
    assert shot.exists(), proc.stderr.decode(errors="replace")[-2000:]
    img = np.asarray(Image.open(shot).convert("RGB")).astype(int)
    assert img.shape[1] == 1200

    def pixels(hex_color: str, tol: int = 12) -> int:
        rgb = np.array([int(hex_color[i:i + 2], 16) for i in (1, 3, 5)])
        return int((np.abs(img - rgb).max(axis=2) <= tol).sum())

    # bars of the sizes chart and the segments' profiles (accent blue), the totals beside them (grey),
    # negative NPS bars (red), heat map extremes
    assert pixels("#2f6db5") > 5000
    assert pixels("#8c959f") > 5000
    assert pixels("#c62828") > 500
    # the loadings heat map's darkest blue (|l| > .8 on N1)
    assert pixels("#09386d", tol=30) > 200


def test_dollar_signs_are_not_mathtext():
    """A segment called ``$\\frac{a}{b}$`` is drawn as typed (matplotlib would otherwise parse mathtext, and
    an unbalanced ``$`` would fail the chart)."""
    from surveytools.report import charts
    from surveytools.summary.document import Chart, Point, Series

    names = ["$\\frac{a}{b}$", "price $5", "$", "a \\$ b"]
    svg = charts.chart_svg(Chart("bar", names[0], names, [Series("n", [10.0, 11.0, 12.0, 13.0])]))
    svg += charts.chart_svg(Chart("scatter", "m", points=[Point(n, i, i, "segment") for i, n in enumerate(names)]))
    svg += charts.chart_svg(Chart("heatmap", "h", names, [Series(names[1], [1.0, 2.0, 3.0, 4.0])]))
    for n in names:
        assert n in svg, n


def test_both_languages_define_the_same_strings():
    from string import Formatter

    from surveytools.report.i18n import STRINGS, fmt_number, fmt_percent, tr

    assert set(STRINGS["en"]) == set(STRINGS["es"])
    for key, text in STRINGS["en"].items():
        fields = {f for _, f, _, _ in Formatter().parse(text) if f}
        assert fields == {f for _, f, _, _ in Formatter().parse(STRINGS["es"][key]) if f}, key
    assert tr("segment_label", "es", number=3) == "Segmento 3"
    assert tr("no-such-key", "es") == "no-such-key"
    assert fmt_number(1234.567, 2, "es") == "1\u00a0234,57" and fmt_number(1234.567, 2) == "1,234.57"
    assert fmt_percent(0.245, 1, "es") == "24,5\u00a0%" and fmt_percent(0.245, 1) == "24.5%"
    assert fmt_number(float("nan")) == "" and fmt_percent(None) == ""


def test_real_voc_object():
    """The VoC stage's own result: NPS chart, a headline table per segment, escaped verbatims."""
    import warnings

    from report_fixtures import profiled_survey

    from surveytools.voc import voc_by_segment

    survey, seg = profiled_survey(n=300)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        voc = voc_by_segment(survey, seg, nps_item="nps", text_item="comment")
    text = render_html_report({"voc": voc})
    assert text.count("<svg ") == 1
    d = voc.to_dict()
    assert f"{d['segments']['1']['nps']['nps']:,.1f}" in text  # headline table, one decimal
    assert "=HYPERLINK(&quot;http://evil.example/x&quot;,&quot;click&quot;)" in text  # verbatim, escaped


def test_real_segment_object(tmp_path):
    """The segment stage's own result: sizes chart, choice-of-k table with the chosen k marked, stability."""
    import sys
    from pathlib import Path

    from openpyxl import load_workbook

    from surveytools.profile import profile_segments
    from surveytools.report.xlsx import write_xlsx_report
    from surveytools.segment.model import segment

    sys.path.insert(0, str(Path(__file__).parent))
    from synthetic import make_segmented_survey

    survey, _ = make_segmented_survey(n=400, k=3, seed=0)
    seg = segment(survey, k=3, basis="scales", seed=1)
    prof = profile_segments(survey, seg.segment)
    res = {"segment": seg, "profile": prof}
    text = render_html_report(res)
    assert text.count("<svg ") == 3 + 3  # sizes, heat map, perceptual map, a profile chart per segment
    assert "Choice of k" in text and "Silhouette" in text and seg.explanation.split(":")[0] in text
    assert re.search(r'<tr><td class="strong sticky">3</td>', text)  # the chosen k
    wb = load_workbook(write_xlsx_report(res, tmp_path / "seg.xlsx"))
    ws = wb["Segments"]
    assert len(ws._charts) == 1
    sizes = seg.to_dict()["sizes"]
    cells = {(ws.cell(r, 1).value, ws.cell(r, 2).value) for r in range(1, ws.max_row + 1)}
    assert all((f"Segment {k}", v["n"]) in cells for k, v in sizes.items())


def test_segment_explanation_in_spanish():
    from surveytools.summary._data import segment_explanation

    seg = {"k": 3, "method": "kmeans", "sizes": {"1": 50, "2": 30, "3": 20}, "k_chosen": True, "explanation": "k = 3 has the best rank sum ...",
           "options": {"min_size": 0.05, "min_stability": 0.75},
           "criteria": {"2": {"rank_sum": 7.0, "admissible": True, "silhouette": 0.30},
                        "3": {"rank_sum": 5.0, "admissible": True, "silhouette": 0.21},
                        "4": {"rank_sum": None, "admissible": False, "silhouette": 0.18}}}
    es = segment_explanation(seg, "es")
    assert es.startswith("k = 3: la menor suma de rangos") and "(5; k = 2: 7)" in es
    assert "admisibles (2, 3)" in es and "0,75" in es and "silueta (0,21)" in es
    assert segment_explanation(seg, "en") == seg["explanation"]
    assert segment_explanation({**seg, "k_chosen": False}, "es").startswith("k = 3, fijado")
    html = render_html_report({"segment": seg}, lang="es")
    assert "la menor suma de rangos" in html and "has the best rank sum" not in html
