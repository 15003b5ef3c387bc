"""The Excel report: one workbook with a sheet per report section, native Excel charts, safe text.

:func:`write_xlsx_report` renders the Summary document of the stage results
(:func:`surveytools.summary.sections.build_document`); it computes nothing. Each section is a sheet: facts,
tables (numbers stored exactly with a number format, green/red fills for significantly higher/lower,
spanning headings, frozen heading rows and first column) and charts. Charts are native Excel charts drawn
from a small data table written beside them: bar charts, line charts (scree plot, the profile "snake"
chart), scatter charts (perceptual map, importance x performance); a heat map is its data table with an
Excel colour scale plus the snake chart.

Every cell goes through :func:`surveytools.report.xlsx_safe.set_cell`, so survey text (comments, names,
labels) is stored as text and can never become a formula.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.chart import BarChart, LineChart, Reference, ScatterChart
from openpyxl.chart import Series as XlSeries
from openpyxl.chart.label import DataLabelList
from openpyxl.chart.marker import Marker
from openpyxl.formatting.rule import ColorScaleRule
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from .. import __version__
from ..exceptions import DataError
from ..io.atomic import atomic_write
from ..summary.document import (
    XLSX_FORMATS,
    Chart,
    Document,
    Facts,
    Msg,
    Num,
    Paragraph,
    SegmentCard,
    Table,
    format_value,
    text,
)
from ..summary.sections import build_document
from .i18n import check_lang
from .xlsx_safe import set_cell

__all__ = ["write_xlsx_report", "render_workbook", "LOADING_THRESHOLD"]

#: Loadings with an absolute value at least this large are highlighted.
LOADING_THRESHOLD = 0.30

_BOLD = Font(bold=True)
_TITLE = Font(bold=True, size=14)
_SUB = Font(bold=True, size=11, color="2F6DB5")
_MUTED = Font(italic=True, color="57606A")
_HEAD_FILL = PatternFill("solid", fgColor="E8EEF7")
_SECTION_FILL = PatternFill("solid", fgColor="F3F4F6")
_FILLS = {"higher": PatternFill("solid", fgColor="D4EDDA"), "lower": PatternFill("solid", fgColor="F8D7DA"),
          "strong": PatternFill("solid", fgColor="FFF3B0")}
_FONTS = {"higher": Font(color="1A7F37", bold=True), "lower": Font(color="C62828", bold=True), "strong": _BOLD}
_THIN = Border(bottom=Side(style="thin", color="8C959F"))
_WRAP = Alignment(wrap_text=True, vertical="top")
_CENTER = Alignment(wrap_text=True, horizontal="center", vertical="top")


class _Sheet:
    """A worksheet being filled top to bottom, tracking column widths."""

    def __init__(self, wb: Workbook, title: str, lang: str) -> None:
        self.ws: Worksheet = wb.create_sheet(_sheet_title(title, wb))
        self.lang = lang
        self.row = 1
        self.widths: dict[int, float] = {}
        self.frozen = 0

    def t(self, x: Any) -> str:
        return text(x, self.lang)

    def cell(self, row: int, col: int, value: Any, *, fmt: str | None = None, font: Font | None = None,
             fill: PatternFill | None = None, width: bool = True, wrap: bool = False) -> Any:
        if isinstance(value, Num):
            value, fmt = value.value, value.fmt
        if isinstance(value, Msg):
            value = self.t(value)
        c = set_cell(self.ws, row, col, value)
        if isinstance(c.value, (int, float)) and not isinstance(c.value, bool):
            code = XLSX_FORMATS.get(fmt or "") or ("#,##0" if isinstance(c.value, int) else "0.000")
            c.number_format = code
        if font is not None:
            c.font = font
        if fill is not None:
            c.fill = fill
        if wrap:
            c.alignment = _WRAP
        if width and c.value is not None:
            self._measure(col, c.value, fmt)
        return c

    def _measure(self, col: int, value: Any, fmt: str | None) -> None:
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            n = len(format_value(value, fmt, "en")) + 1
        else:
            n = max((len(s) for s in str(value).split("\n")), default=0)
        self.widths[col] = max(self.widths.get(col, 0), n)

    def title(self, text_: str, note: str | None = None) -> None:
        self.cell(self.row, 1, text_, font=_TITLE, width=False)
        self.row += 1
        if note:
            self.cell(self.row, 1, note, font=_MUTED, width=False)
            self.row += 1
        self.row += 1

    def subtitle(self, text_: str) -> None:
        self.cell(self.row, 1, text_, font=_SUB, width=False)
        self.row += 1

    def note(self, text_: str) -> None:
        self.cell(self.row, 1, text_, font=_MUTED, width=False)
        self.row += 2

    def facts(self, b: Facts) -> None:
        if b.title is not None:
            self.subtitle(self.t(b.title))
        for f in b.rows:
            self.cell(self.row, 1, self.t(f.label), font=_BOLD)
            self.cell(self.row, 2, f.value, fmt=f.fmt)
            self.row += 1
        self.row += 1

    def table(self, b: Table) -> int:
        """Write the table; returns the row of its column headings."""
        if b.title is not None:
            self.subtitle(self.t(b.title))
        if b.groups:
            col = 1
            for label, span in b.groups:
                c = self.cell(self.row, col, self.t(label), font=_BOLD, fill=_HEAD_FILL, width=span == 1)
                c.alignment = _CENTER
                for j in range(col + 1, col + span):
                    self.cell(self.row, j, None, fill=_HEAD_FILL)
                if span > 1:
                    self.ws.merge_cells(start_row=self.row, start_column=col, end_row=self.row,
                                        end_column=col + span - 1)
                col += span
            self.ws.row_dimensions[self.row].height = 30
            self.row += 1
        head = self.row
        for j, c in enumerate(b.columns):
            cell = self.cell(self.row, 1 + j, c.heading(self.lang), font=_BOLD, fill=_HEAD_FILL)
            cell.border = _THIN
        if b.sticky and len(b.rows) > self.frozen:  # the sheet's longest table keeps headings and labels in view
            self.ws.freeze_panes = self.ws.cell(row=head + 1, column=1 + b.sticky).coordinate
            self.frozen = len(b.rows)
        self.row += 1
        n = len(b.columns)
        for i, r in enumerate(b.rows):
            if i in b.sections:
                for j in range(1, n + 1):
                    self.cell(self.row, j, None, fill=_SECTION_FILL, width=False)
                self.cell(self.row, 1, self.t(b.sections[i]), font=_BOLD, fill=_SECTION_FILL)
                self.row += 1
            st = b.styles[i] if b.styles else [None] * n
            for j, (v, c) in enumerate(zip(r, b.columns, strict=True)):
                self.cell(self.row, 1 + j, v, fmt=c.fmt, fill=_FILLS.get(st[j] or ""), font=_FONTS.get(st[j] or ""))
            self.row += 1
        if b.note is not None:
            self.cell(self.row, 1, self.t(b.note), font=_MUTED, width=False)
            self.row += 1
        self.row += 1
        return head

    def finish(self, max_width: int = 60, min_width: int = 6) -> None:
        for col, w in self.widths.items():
            self.ws.column_dimensions[get_column_letter(col)].width = max(min_width, min(max_width, w + 2))


def _sheet_title(title: str, wb: Workbook) -> str:
    bad = '[]:*?/\\'
    t = "".join("_" if ch in bad else ch for ch in str(title)).strip("'") or "Sheet"
    t = t[:31]
    base, i = t, 2
    while t in wb.sheetnames:
        suffix = f" ({i})"
        t = base[: 31 - len(suffix)] + suffix
        i += 1
    return t


# ====================================================================== charts

def _axes_visible(ch: Any) -> None:
    # Excel 365 hides axes that openpyxl leaves without an explicit delete=False
    ch.x_axis.delete = False
    ch.y_axis.delete = False


def _chart_data(sh: _Sheet, b: Chart) -> tuple[int, int]:
    """Write the chart's data (categories x series, or label/x/y points) as a small table; returns the
    heading row and the last row."""
    sh.subtitle(sh.t(b.title))
    head = sh.row
    if b.kind == "scatter":
        cols = ["", sh.t(b.x_title) if b.x_title is not None else "x", sh.t(b.y_title) if b.y_title is not None else "y"]
        for j, v in enumerate(cols):
            sh.cell(head, 1 + j, v, font=_BOLD, fill=_HEAD_FILL).border = _THIN
        for i, pt in enumerate(b.points):
            sh.cell(head + 1 + i, 1, sh.t(pt.label))
            sh.cell(head + 1 + i, 2, pt.x, fmt="num")
            sh.cell(head + 1 + i, 3, pt.y, fmt="num")
        last = head + len(b.points)
    else:
        sh.cell(head, 1, "", fill=_HEAD_FILL)
        for j, s in enumerate(b.series):
            sh.cell(head, 2 + j, sh.t(s.name), font=_BOLD, fill=_HEAD_FILL).border = _THIN
        for i, cat in enumerate(b.categories):
            sh.cell(head + 1 + i, 1, sh.t(cat))
            for j, s in enumerate(b.series):
                sh.cell(head + 1 + i, 2 + j, s.values[i], fmt=b.fmt)
        last = head + len(b.categories)
        if b.kind == "heatmap" and b.series:
            rng = f"B{head + 1}:{get_column_letter(1 + len(b.series))}{last}"
            sh.ws.conditional_formatting.add(rng, ColorScaleRule(start_type="min", start_color="F8696B",
                                                                 mid_type="percentile", mid_value=50,
                                                                 mid_color="FFFFFF", end_type="max",
                                                                 end_color="5A8AC6"))
    return head, last


def _native_chart(sh: _Sheet, b: Chart, head: int, last: int) -> Any:
    n = last - head
    if b.kind == "scatter":
        ch = ScatterChart()
        ch.style = 13
        for i in range(n):
            r = head + 1 + i
            xs = Reference(sh.ws, min_col=2, min_row=r)
            ys = Reference(sh.ws, min_col=3, min_row=r)
            s = XlSeries(ys, xs, title_from_data=False, title=str(sh.ws.cell(r, 1).value))
            s.marker = Marker(symbol="triangle" if b.points[i].group == "attribute" else "circle", size=8)
            s.graphicalProperties.line.noFill = True
            s.dLbls = DataLabelList()
            s.dLbls.showSerName = True
            s.dLbls.showVal = False
            ch.series.append(s)
        ch.legend = None
        ch.x_axis.title = sh.t(b.x_title) if b.x_title is not None else None
        ch.y_axis.title = sh.t(b.y_title) if b.y_title is not None else None
        ch.height, ch.width = 12.0, 18.0
    else:
        data = Reference(sh.ws, min_col=2, max_col=1 + len(b.series), min_row=head, max_row=last)
        cats = Reference(sh.ws, min_col=1, min_row=head + 1, max_row=last)
        if b.kind in ("line", "heatmap"):
            ch = LineChart()
            ch.style = 12
        else:
            ch = BarChart()
            ch.type = "bar" if b.kind == "bar" else "col"
            ch.style = 10
            ch.x_axis.scaling.orientation = "maxMin"  # first category on top, as in the table
        ch.add_data(data, titles_from_data=True)
        ch.set_categories(cats)
        if len(b.series) == 1:
            ch.legend = None
        if b.kind == "bar":
            ch.y_axis.title = sh.t(b.x_title) if b.x_title is not None else None
        else:
            ch.x_axis.title = sh.t(b.x_title) if b.x_title is not None else None
            ch.y_axis.title = sh.t(b.y_title) if b.y_title is not None else None
        ch.height = max(7.0, 0.55 * n + 3.0) if b.kind == "bar" else 9.0
        ch.width = 18.0
    ch.title = sh.t(b.title)
    _axes_visible(ch)
    return ch


def _chart(sh: _Sheet, b: Chart) -> None:
    head, last = _chart_data(sh, b)
    ch = _native_chart(sh, b, head, last)
    width = 2 + (2 if b.kind == "scatter" else len(b.series))
    sh.ws.add_chart(ch, sh.ws.cell(row=head, column=width + 1).coordinate)
    sh.row = max(last + 2, head + int(ch.height * 2) + 1)
    if b.note is not None:
        sh.note(sh.t(b.note))


def _cards(sh: _Sheet, cards: list[SegmentCard]) -> None:
    for c in cards:
        title = sh.t(Msg("segment_label", number=c.number))
        if c.name and c.name != title:
            title = f"{c.number}. {c.name}"
        sh.subtitle(title + (f" ({c.letter})" if c.letter else ""))
        sh.cell(sh.row, 1, f"n = {format_value(c.n, 'int', sh.lang)}"
                + (f" \u00b7 {format_value(c.share, 'pct', sh.lang)}" if c.share is not None else ""), width=False)
        sh.row += 1
        if c.description:
            sh.cell(sh.row, 1, c.description, width=False)
            sh.row += 1
        for h in c.highlights:
            sh.cell(sh.row, 1, "\u2022 " + sh.t(h), width=False)
            sh.row += 1
        sh.row += 1


def render_workbook(doc: Document) -> Workbook:
    """A Summary document as an openpyxl workbook (one sheet per section)."""
    wb = Workbook()
    wb.remove(wb.active)
    lang = doc.lang
    for i, sec in enumerate(doc.sections):
        sh = _Sheet(wb, text(sec.title, lang), lang)
        if i == 0:
            sh.title(text(doc.title, lang), text(doc.subtitle, lang) if doc.subtitle is not None else None)
        else:
            sh.title(text(sec.title, lang))
        cards: list[SegmentCard] = []
        for b in sec.blocks:
            if isinstance(b, SegmentCard):
                cards.append(b)
                continue
            if cards:
                _cards(sh, cards)
                cards = []
            if isinstance(b, Paragraph):
                sh.note(text(b.text, lang))
            elif isinstance(b, Facts):
                sh.facts(b)
            elif isinstance(b, Table):
                sh.table(b)
            elif isinstance(b, Chart):
                _chart(sh, b)
        if cards:
            _cards(sh, cards)
        sh.finish()
    wb.properties.title = text(doc.title, lang)
    wb.properties.creator = f"surveytools {__version__}"
    return wb


def write_xlsx_report(results: Mapping[str, Any], path: str | os.PathLike[str], *, lang: str = "en",
                      inputs: Sequence[str | os.PathLike[str]] = (), loading_threshold: float = LOADING_THRESHOLD,
                      title: str | None = None) -> Path:
    """Write the Excel report of the stages in ``results``.

    Parameters
    ----------
    results
        Stage name (``import``, ``quality``, ``reliability``, ``factor``, ``segment``, ``profile``,
        ``typing_tool``, ``crm``, ``voc``) -> result object (with ``to_dict()``) or its dict (the
        ``--json`` keys of CONTRACT.md). A sheet appears for each stage present; a key a section needs
        and the result lacks is an error.
    path
        The ``.xlsx`` file, written atomically.
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
        Not a mapping of results, or an unsupported language.
    InputFileError
        The path is an input, or its folder does not exist.
    """
    lang = check_lang(lang)
    p = Path(path)
    if p.suffix.lower() != ".xlsx":
        raise DataError(f"cannot write an Excel report to {p}: use a file name ending in .xlsx")
    doc = build_document(results, lang=lang, title=title, loading_threshold=loading_threshold)
    wb = render_workbook(doc)
    with atomic_write(p, inputs) as tmp:
        wb.save(os.fspath(tmp))
    return p
