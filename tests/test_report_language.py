"""Every visible text of the demo study's reports (HTML, xlsx, PowerPoint and the typing-tool calculator) is
readable: no raw key (snake_case token), dotted path or ``a / b / c`` path, and no fixed text in the other
language, in Spanish and in English.

Survey text (question and answer labels, segment names and descriptions, the words respondents wrote, CRM
category values) is the study's own and stays as written; it is taken out before the scan.
"""

from __future__ import annotations

import re
import zipfile
from html.parser import HTMLParser
from pathlib import Path

import pytest
from report_fixtures import demo_run

from surveytools.report.html import write_html_report
from surveytools.report.pptx import write_pptx_report
from surveytools.report.xlsx import write_xlsx_report

RAW_KEY = re.compile(r"\b[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b")
DOTTED = re.compile(r"\b[a-z][a-z0-9_]*\.[a-z][a-z0-9_]+\b")
SLASH_PATH = re.compile(r"\w+ / \w+ / \w+")
#: Words that give away a fixed text in the other language (whole words, case-sensitive).
ENGLISH = ("the", "and", "of", "with", "than", "higher", "lower", "Segment", "segments", "Respondents", "respondents",
           "Observed", "Simulated", "share", "answering", "boxes", "Accuracy", "Question", "Questions", "Answer",
           "Missing", "Rows", "Choice", "Scale", "Item", "Stability", "Summary", "Profiles", "Drivers", "Importance",
           "Comments", "Customers", "Sample", "Method", "yes", "low", "high", "Champions", "Loyal", "Hibernating")
SPANISH = ("de", "los", "las", "del", "con", "que", "segmento", "Segmento", "encuestados", "Encuestados", "mayor",
           "menor", "Proporción", "Recuento", "Fiabilidad", "Resumen", "Preguntas", "Exactitud", "Muestra", "sí",
           "Campeones", "Clientes")


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    return demo_run(tmp_path_factory.mktemp("demo"))


@pytest.fixture(scope="module")
def survey_text(run):
    """Texts that come from the study itself (kept as written in either language)."""
    res = {k: (v.to_dict() if hasattr(v, "to_dict") else v) for k, v in run.results.items()}
    out: set[str] = set()
    prof = res["profile"]
    for v in prof["variables"]:
        out.update(str(x) for x in (v["label"], v["level_label"]) if x)
    for s in prof["segments"].values():
        out.update(str(x) for x in (s["name"], s["description"]) if x)
    voc = res["voc"]
    for m in list(voc["segments"].values()) + [voc["total"]]:
        t = m.get("terms") or {}
        out.update(str(x["term"]) for x in t.get("terms", []))
        out.update(str(e if isinstance(e, str) else e.get("text", "")) for e in t.get("examples", []))
        for mix in ("loyalty_tier_mix", "channel_mix"):
            out.update((m.get("crm") or {}).get(mix, {}))
    for tab in (res.get("tables") or {}).get("tables", []):  # banner tables, labelled in the study's language
        out.update(str(x) for x in (tab["row_text"], tab["banner_text"]) if x)
        out.update(str(c["label"]) for c in tab["columns"])
        out.update(str(c["row_label"]) for c in tab["cells"])
    for m in list((res.get("kpis") or {}).get("segments", {}).values()):
        for mix in ("tier_mix", "channel_mix"):
            out.update(m.get(mix) or {})
    # column names of the user's CRM file (as they wrote them), shown where a section names the features it used
    out.update(str(v) for v in ((voc.get("settings") or {}).get("crm_columns") or {}).values())
    ext = res.get("crm_extend") or {}
    out.update(str(f) for f in (ext.get("features") or []) if isinstance(f, str))
    out.update(str(c) for c in (ext.get("excluded_columns") or {}))  # the CRM columns it did not use
    tool_items = res["typing_tool"]["items"]
    out.update(tool_items)
    return sorted((x for x in out if x), key=len, reverse=True)


_PATTERNS: dict[int, re.Pattern[str]] = {}


def _strip(text: str, survey_text: list[str]) -> str:
    """``text`` without the study's own words (whole words only; labels shortened with an ellipsis too)."""
    if "\u2026" in text:  # a chart label shortened with an ellipsis
        for s in survey_text:
            for k in range(len(s) - 1, 5, -1):
                for cut in (s[:k] + "\u2026", s[:k].rstrip() + "\u2026"):
                    if cut in text:
                        text = text.replace(cut, " ")
                        break
                else:
                    continue
                break
    key = hash(tuple(survey_text))
    if key not in _PATTERNS:
        _PATTERNS[key] = re.compile("|".join(rf"(?<!\w){re.escape(s)}(?!\w)" for s in survey_text) or "(?!)")
    return _PATTERNS[key].sub(" ", text)


class _Visible(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.skip = 0
        self.parts: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag in ("style", "script"):
            self.skip += 1

    def handle_endtag(self, tag):
        if tag in ("style", "script"):
            self.skip -= 1

    def handle_data(self, data):
        if not self.skip and data.strip():
            self.parts.append(data.strip())


def _html_texts(path: Path) -> list[str]:
    v = _Visible()
    v.feed(path.read_text(encoding="utf-8"))
    return v.parts


def _xlsx_texts(path: Path) -> list[str]:
    from openpyxl import load_workbook

    wb = load_workbook(path)
    out = list(wb.sheetnames)
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for c in row:
                if isinstance(c.value, str) and c.data_type != "f":
                    out.append(c.value)
                elif c.data_type == "f":  # messages inside formulas are visible too
                    out.extend(re.findall(r'"([^"]+)"', c.value))
        for dv in ws.data_validations.dataValidation:
            out.extend(x for x in (dv.error, dv.errorTitle) if x)
    with zipfile.ZipFile(path) as z:
        for name in z.namelist():
            if name.startswith("xl/charts/"):
                out.extend(re.findall(r"<a:t>([^<]*)</a:t>", z.read(name).decode("utf-8")))
    return out


def _pptx_texts(path: Path) -> list[str]:
    from pptx import Presentation

    out: list[str] = []
    for slide in Presentation(str(path)).slides:
        for sh in slide.shapes:
            if sh.has_text_frame:
                out.append(sh.text_frame.text)
            if sh.has_table:
                out.extend(c.text for r in sh.table.rows for c in r.cells)
            if sh.has_chart:
                ch = sh.chart
                if ch.has_title:
                    out.append(ch.chart_title.text_frame.text)
                for plot in ch.plots:
                    out.extend(str(c) for c in plot.categories)
                    out.extend(s.name for s in plot.series)
                for ax_name in ("value_axis", "category_axis"):
                    try:
                        ax = getattr(ch, ax_name)
                    except ValueError:
                        continue
                    if ax.has_title:
                        out.append(ax.axis_title.text_frame.text)
    return out


def _problems(texts: list[str], survey_text: list[str], other_language: tuple[str, ...]) -> list[str]:
    found = []
    for t in texts:
        s = _strip(t, survey_text)
        for pat in (RAW_KEY, DOTTED, SLASH_PATH):
            found += [f"{m.group(0)!r} in {t[:80]!r}" for m in pat.finditer(s)]
        for w in other_language:
            if re.search(rf"(?<![\w-]){re.escape(w)}(?![\w-])", s):
                found.append(f"{w!r} in {t[:80]!r}")
    return found


@pytest.mark.parametrize("lang", ["es", "en"])
def test_demo_reports_are_readable(run, survey_text, tmp_path, lang):
    other = ENGLISH if lang == "es" else SPANISH
    title = "Mercavista"
    files = {
        "html": write_html_report(run.results, tmp_path / "r.html", lang=lang, title=title),
        "xlsx": write_xlsx_report(run.results, tmp_path / "r.xlsx", lang=lang, title=title),
        "pptx": write_pptx_report(run.results, tmp_path / "r.pptx", lang=lang, title=title),
    }
    texts = {"html": _html_texts(files["html"]), "xlsx": _xlsx_texts(files["xlsx"]),
             "pptx": _pptx_texts(files["pptx"])}
    for kind, tx in texts.items():
        assert len(tx) > 100, kind
        problems = _problems(tx, survey_text, other)
        assert not problems, f"{kind} ({lang}): " + "; ".join(problems[:15])


@pytest.mark.parametrize("lang", ["es", "en"])
def test_calculator_workbook_is_readable(run, survey_text, tmp_path, lang):
    import json

    from surveytools.typing_tool import TypingTool

    model = Path(run.output) / "typing_tool_model.json"
    tool = TypingTool.load(model)
    path = tool.to_excel(tmp_path / "calc.xlsx", lang=lang)
    texts = _xlsx_texts(path)
    # answer options ("1 = Totalmente en desacuerdo; ...") are the questionnaire's labels
    labels = []
    for it in json.loads(model.read_text(encoding="utf-8")).get("items", []):
        if isinstance(it, dict):
            labels += [str(v) for v in (it.get("codes") or {}).values()] + [str(it.get("text") or "")]
    problems = _problems(texts, sorted(set(survey_text) | {x for x in labels if x}, key=len, reverse=True),
                         ENGLISH if lang == "es" else SPANISH)
    assert not problems, "; ".join(problems[:15])
    if lang == "es":
        from openpyxl import load_workbook

        assert load_workbook(path).sheetnames == ["Calculadora", "Coeficientes", "Exactitud", "Opciones", "Modelo"]


def test_the_scan_finds_what_it_looks_for():
    """The patterns catch what the old reports showed."""
    old = ["details / 1 / drivers / weights", "nps.ci_low", "csat.definition", "Observed FA", "Segment 1 (low)"]
    assert _problems(old[:3], [], ()) and len(_problems(old[:3], [], ())) >= 3
    assert _problems(["Observed FA"], [], ENGLISH) and _problems(["media (low)"], [], ENGLISH)
    assert not _problems(["Índice = segmento / total x 100"], [], ENGLISH)
