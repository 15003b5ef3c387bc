"""The HTML report: one self-contained file that works offline and prints well.

:func:`write_html_report` renders the Summary document of the stage results
(:func:`surveytools.summary.sections.build_document`); it computes nothing. Charts are inline SVG drawn by
:mod:`surveytools.report.charts`. Tables keep their header row and first column in view while scrolling
and sort by a click on a column heading (a few lines of inline JavaScript: no remote script, style sheet,
font or image). Every piece of survey text is HTML-escaped. A print style sheet drops the navigation,
starts each section on a new page, repeats table headings and lets wide tables flow.
"""

from __future__ import annotations

import html
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from ..exceptions import DataError
from ..io.atomic import atomic_write
from ..summary.document import Chart, Document, Facts, Msg, Num, Paragraph, SegmentCard, Table, format_value, text
from ..summary.sections import build_document
from . import charts
from .i18n import check_lang

__all__ = ["write_html_report", "render_html_report", "render_document"]

#: Loadings with an absolute value at least this large are highlighted.
LOADING_THRESHOLD = 0.30

_CSS = """
:root { --ink: #1f2328; --muted: #57606a; --line: #d0d7de; --head: #e8eef7; --hi: #d4edda; --hi-ink: #1a7f37;
        --lo: #f8d7da; --lo-ink: #c62828; --accent: #2f6db5; --bg: #ffffff; }
* { box-sizing: border-box; }
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, "DejaVu Sans",
       sans-serif; color: var(--ink); background: var(--bg); margin: 0 auto; max-width: 1440px;
       padding: 20px 24px 64px; line-height: 1.45; font-size: 14px; }
h1 { font-size: 26px; margin: 0 0 4px; }
h2 { font-size: 20px; margin: 36px 0 10px; padding-bottom: 4px; border-bottom: 2px solid var(--accent); }
h3 { font-size: 15px; margin: 22px 0 8px; color: var(--accent); }
p { max-width: 110ch; }
.muted, p.note { color: var(--muted); }
nav ol { columns: 3; padding-left: 20px; margin: 8px 0 0; }
nav a { color: var(--accent); text-decoration: none; }
.wide { overflow: auto; max-height: 85vh; max-width: 100%; width: fit-content; border: 1px solid var(--line); margin: 6px 0 14px; }
table { border-collapse: separate; border-spacing: 0; font-size: 13px; }
.wide table { margin: 0; font-size: 12.5px; }
.wide th, .wide td { padding: 3px 5px; }
table.kv { margin: 6px 0 14px; }
th, td { padding: 3px 8px; border-bottom: 1px solid var(--line); text-align: left; vertical-align: top;
         background: var(--bg); }
th { background: var(--head); font-weight: 600; }
thead th { position: sticky; top: 0; z-index: 2; }
thead th.sort { cursor: pointer; user-select: none; }
thead th.sort[aria-sort="ascending"]::after { content: " \\25B2"; font-size: 9px; }
thead th.sort[aria-sort="descending"]::after { content: " \\25BC"; font-size: 9px; }
.sticky { position: sticky; left: 0; z-index: 1; min-width: 13em; max-width: 24em; }
thead th.sticky { z-index: 3; }
td.sticky { box-shadow: 1px 0 0 var(--line); }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
th.num { white-space: normal; min-width: 4.5em; }
tr.section td { background: #f3f4f6; font-weight: 600; }
td.higher { background: var(--hi); color: var(--hi-ink); font-weight: 600; }
td.lower { background: var(--lo); color: var(--lo-ink); font-weight: 600; }
td.strong { background: #fff3b0; font-weight: 600; }
td.nowrap { white-space: nowrap; }
figure.chart { margin: 8px 0 18px; break-inside: avoid; page-break-inside: avoid; }
figure.chart svg { max-width: 100%; height: auto; }
figcaption { color: var(--muted); font-size: 12.5px; max-width: 110ch; }
.cards { display: grid; grid-template-columns: repeat(auto-fill, minmax(380px, 1fr)); gap: 12px; }
.card { border: 1px solid var(--line); border-left: 4px solid var(--accent); padding: 8px 12px; break-inside: avoid; }
.card h3 { margin: 2px 0 4px; }
.card ul { margin: 4px 0; padding-left: 18px; }
@media (max-width: 1000px) { nav ol { columns: 2; } .sticky { min-width: 11em; max-width: 16em; } }
@media print {
  body { max-width: none; padding: 0; font-size: 10.5px; }
  nav { display: none; }
  h2 { break-before: page; page-break-before: always; }
  h2.first { break-before: auto; page-break-before: auto; }
  .wide { overflow: visible; max-height: none; border: 0; }
  thead { display: table-header-group; }
  thead th, .sticky { position: static; }
  table { font-size: 8.5px; max-width: 100%; }
  .sticky { min-width: 8em; }
  tr { break-inside: avoid; }
  td.higher, td.lower, td.strong, th, tr.section td { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
  thead th.sort::after { content: none !important; }
}
"""

# Sort a table by a click on a column heading (numbers by their value, text alphabetically in the page's
# language), within each group of rows; keeps the second header row under the first when scrolling.
_JS = """
(function () {
  document.querySelectorAll("table.data").forEach(function (table) {
    var rows = table.tHead ? table.tHead.rows : [];
    if (rows.length > 1) {
      var h = rows[0].getBoundingClientRect().height;
      Array.prototype.forEach.call(rows[1].cells, function (th) { th.style.top = h + "px"; });
    }
    var last = rows[rows.length - 1];
    if (!last) { return; }
    Array.prototype.forEach.call(last.cells, function (th, col) {
      th.classList.add("sort");
      th.setAttribute("aria-sort", "none");
      th.addEventListener("click", function () {
        var dir = th.getAttribute("aria-sort") === "ascending" ? -1 : 1;
        Array.prototype.forEach.call(last.cells, function (o) { o.setAttribute("aria-sort", "none"); });
        th.setAttribute("aria-sort", dir === 1 ? "ascending" : "descending");
        Array.prototype.forEach.call(table.tBodies, function (body) {
          var data = Array.prototype.filter.call(body.rows, function (r) { return !r.classList.contains("section"); });
          var key = function (r) {
            var c = r.cells[col];
            if (!c) { return ""; }
            var v = c.getAttribute("data-v");
            return v === null ? c.textContent.trim() : (v === "" ? null : parseFloat(v));
          };
          data.sort(function (a, b) {
            var x = key(a), y = key(b);
            if (x === null || x === "") { return 1; }
            if (y === null || y === "") { return -1; }
            if (typeof x === "number" && typeof y === "number") { return dir * (x - y); }
            return dir * String(x).localeCompare(String(y), document.documentElement.lang);
          });
          data.forEach(function (r) { body.appendChild(r); });
        });
      });
    });
  });
})();
"""


def _e(v: Any) -> str:
    return html.escape("" if v is None else str(v), quote=True)


class _Renderer:
    def __init__(self, doc: Document) -> None:
        self.doc = doc
        self.lang = doc.lang
        self.parts: list[str] = []

    def t(self, x: Any) -> str:
        return text(x, self.lang)

    def cell(self, v: Any, fmt: str | None, style: str | None, sticky: bool, tag: str = "td",
             suffix: str | None = None) -> str:
        classes = []
        value = v
        if isinstance(v, Num):
            value, fmt = v.value, v.fmt
        numeric = isinstance(value, (int, float)) and not isinstance(value, bool)
        if numeric or (fmt not in (None, "text") and value is None):
            classes.append("num")
        if style in ("higher", "lower", "strong", "nowrap"):
            classes.append(style)
        if sticky:
            classes.append("sticky")
        attrs = f' class="{" ".join(classes)}"' if classes else ""
        if numeric or (fmt not in (None, "text") and value is None):
            attrs += f' data-v="{"" if value is None else repr(float(value))}"'
        shown = text(value, self.lang) if isinstance(value, Msg) else format_value(value, fmt, self.lang)
        extra = f' <span class="muted">{_e(suffix)}</span>' if suffix else ""
        return f"<{tag}{attrs}>{_e(shown)}{extra}</{tag}>"

    def facts(self, b: Facts) -> None:
        if b.title is not None:
            self.parts.append(f"<h3>{_e(self.t(b.title))}</h3>")
        rows = "".join(f"<tr><th>{_e(self.t(f.label))}</th>{self.cell(f.value, f.fmt, None, False)}</tr>"
                       for f in b.rows)
        self.parts.append(f'<table class="kv">{rows}</table>')

    def table(self, b: Table) -> None:
        if b.title is not None:
            self.parts.append(f"<h3>{_e(self.t(b.title))}</h3>")
        head = ""
        if b.groups:
            cells, col = [], 0
            for label, span in b.groups:
                sticky = ' class="sticky"' if col == 0 and b.sticky else ""
                cells.append(f'<th colspan="{span}"{sticky}>{_e(self.t(label))}</th>')
                col += span
            head += "<tr>" + "".join(cells) + "</tr>"
        head += "<tr>" + "".join(
            f'<th{self._cls(c.fmt != "text", j < b.sticky)}>{_e(c.heading(self.lang))}</th>'
            for j, c in enumerate(b.columns)) + "</tr>"
        bodies: list[str] = []
        current: list[str] = []
        n = len(b.columns)
        for i, r in enumerate(b.rows):
            if i in b.sections:
                if current:
                    bodies.append("<tbody>" + "".join(current) + "</tbody>")
                current = [f'<tr class="section"><td class="sticky">{_e(self.t(b.sections[i]))}</td>'
                           f'<td colspan="{n - 1}"></td></tr>']
            st = b.styles[i] if b.styles else [None] * n
            sx = b.suffixes[i] if b.suffixes else [None] * n
            current.append("<tr>" + "".join(self.cell(v, c.fmt, st[j] or ("nowrap" if c.nowrap else None),
                                                      j < b.sticky, suffix=sx[j])
                                            for j, (v, c) in enumerate(zip(r, b.columns, strict=True))) + "</tr>")
        bodies.append("<tbody>" + "".join(current) + "</tbody>")
        tid = f' id="t-{_e(b.id)}"' if b.id else ""
        self.parts.append(f'<div class="wide"><table class="data"{tid}><thead>{head}</thead>{"".join(bodies)}'
                          "</table></div>")
        if b.note is not None:
            self.parts.append(f'<p class="note">{_e(self.t(b.note))}</p>')

    @staticmethod
    def _cls(num: bool, sticky: bool) -> str:
        c = [x for x, on in (("num", num), ("sticky", sticky)) if on]
        return f' class="{" ".join(c)}"' if c else ""

    def chart(self, b: Chart) -> None:
        svg = charts.chart_svg(b, self.lang)
        cap = f"<figcaption>{_e(self.t(b.note))}</figcaption>" if b.note is not None else ""
        self.parts.append(f'<figure class="chart" role="img" aria-label="{_e(self.t(b.title))}">{svg}{cap}</figure>')

    def card(self, b: SegmentCard) -> None:
        title = self.doc.t(Msg("segment_label", number=b.number))
        if b.name and b.name != title:
            title = f"{b.number}. {b.name}"
        if b.letter:
            title += f" ({b.letter})"
        size = format_value(b.n, "int", self.lang) + (f" \u00b7 {format_value(b.share, 'pct', self.lang)}"
                                                        if b.share is not None else "")
        items = "".join(f"<li>{_e(self.t(h))}</li>" for h in b.highlights)
        desc = f"<p>{_e(b.description)}</p>" if b.description else ""
        self.parts.append(f'<div class="card"><h3>{_e(title)}</h3><p class="muted">n = {_e(size)}</p>{desc}'
                          f"{f'<ul>{items}</ul>' if items else ''}</div>")

    def render(self) -> str:
        doc = self.doc
        toc = []
        for i, sec in enumerate(doc.sections):
            title = self.t(sec.title)
            toc.append(f'<li><a href="#{_e(sec.id)}">{_e(title)}</a></li>')
            cls = ' class="first"' if i == 0 else ""
            self.parts.append(f'<section id="{_e(sec.id)}"><h2{cls}>{_e(title)}</h2>')
            cards: list[SegmentCard] = []
            for b in sec.blocks:
                if isinstance(b, SegmentCard):
                    cards.append(b)
                    continue
                if cards:
                    self._cards(cards)
                    cards = []
                if isinstance(b, Paragraph):
                    cls_p = ' class="note"' if b.kind == "note" else ""
                    self.parts.append(f"<p{cls_p}>{_e(self.t(b.text))}</p>")
                elif isinstance(b, Facts):
                    self.facts(b)
                elif isinstance(b, Table):
                    self.table(b)
                elif isinstance(b, Chart):
                    self.chart(b)
            if cards:
                self._cards(cards)
            self.parts.append("</section>")
        title = self.t(doc.title)
        sub = f'<p class="muted">{_e(self.t(doc.subtitle))}</p>' if doc.subtitle is not None else ""
        return (f'<!DOCTYPE html>\n<html lang="{self.lang}">\n<head>\n<meta charset="utf-8">\n'
                '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
                f"<title>{_e(title)}</title>\n<style>{_CSS}</style>\n</head>\n<body>\n"
                f"<header><h1>{_e(title)}</h1>{sub}"
                f"<nav><strong>{_e(self.t(Msg('contents')))}</strong><ol>{''.join(toc)}</ol></nav></header>\n"
                "<main>\n" + "\n".join(self.parts) + f"\n</main>\n<script>{_JS}</script>\n</body>\n</html>\n")

    def _cards(self, cards: list[SegmentCard]) -> None:
        self.parts.append('<div class="cards">')
        for c in cards:
            self.card(c)
        self.parts.append("</div>")


def render_document(doc: Document) -> str:
    """A Summary document as one HTML page."""
    return _Renderer(doc).render()


def render_html_report(results: Mapping[str, Any], *, lang: str = "en",
                       loading_threshold: float = LOADING_THRESHOLD, title: str | None = None) -> str:
    """The HTML report as text (see :func:`write_html_report`)."""
    lang = check_lang(lang)
    return render_document(build_document(results, lang=lang, title=title, loading_threshold=loading_threshold))


def write_html_report(results: Mapping[str, Any], path: str | os.PathLike[str], *, lang: str = "en",
                      inputs: Sequence[str | os.PathLike[str]] = (),
                      loading_threshold: float = LOADING_THRESHOLD, title: str | None = None) -> Path:
    """Write the HTML report of the stages in ``results``: one self-contained, offline, printable file.

    Parameters
    ----------
    results
        Stage name (``import``, ``quality``, ``reliability``, ``factor``, ``segment``, ``profile``,
        ``typing_tool``, ``crm``, ``voc``) -> result object (with ``to_dict()``) or its dict (the
        ``--json`` keys of CONTRACT.md). A section appears for each stage present; a key a section needs
        and the result lacks is an error.
    path
        The ``.html`` file, written atomically (UTF-8).
    lang
        ``en`` or ``es``.
    inputs
        Input files the report must not overwrite.
    loading_threshold
        Loadings with ``|l| >=`` this are highlighted.
    title
        The report's title (default: "Survey segmentation report" in ``lang``), e.g. the study's title.

    Returns
    -------
    pathlib.Path

    Raises
    ------
    DataError
        Not a mapping of results, an unknown stage, an unsupported language, or a file name not ending in
        .html/.htm; :class:`~surveytools.summary.sections.ReportKeyError` when a result lacks a needed key.
    """
    p = Path(path)
    if p.suffix.lower() not in (".html", ".htm"):
        raise DataError(f"cannot write an HTML report to {p}: use a file name ending in .html")
    text = render_html_report(results, lang=lang, loading_threshold=loading_threshold, title=title)
    with atomic_write(p, inputs) as tmp:
        Path(tmp).write_text(text, encoding="utf-8")
    return p
