"""The PowerPoint deck: the Summary document as slides a team can present and edit.

:func:`write_pptx_report` renders the report's Summary document (:func:`build_document`) with python-pptx:
a title slide, then one slide per block marked for the deck: key facts (method, sample, factors), tables,
native charts (bar, line and XY scatter charts whose data opens in PowerPoint's chart editor), the profile
heat map as a table with coloured cells, and one slide per segment (name, size, description, where it
stands out, and its profile chart). All text is in the report's language; it computes nothing.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from ..exceptions import DataError
from ..io.atomic import atomic_write
from ..summary.document import Chart, Document, Facts, Msg, Num, Paragraph, SegmentCard, Table, format_value, text
from ..summary.sections import build_document
from .i18n import check_lang

__all__ = ["write_pptx_report", "render_deck"]

_ROWS_PER_SLIDE = 12
_COLS_PER_SLIDE = 12
_NUMBER_FORMATS = {"int": "#,##0", "num": "0.000", "num2": "0.00", "num1": "0.0", "pct": "0.0%", "pct0": "0%",
                   "pct100": "0.0", "p": "0.000", "index": "0"}


def _deck_api() -> Any:
    try:
        import pptx  # noqa: F401
    except ImportError as e:  # a declared dependency; a broken install says so plainly
        raise DataError("writing .pptx needs python-pptx: pip install python-pptx") from e
    from pptx import Presentation
    from pptx.chart.data import CategoryChartData, XyChartData
    from pptx.dml.color import RGBColor
    from pptx.enum.chart import (
        XL_CHART_TYPE,
        XL_LABEL_POSITION,
        XL_LEGEND_POSITION,
        XL_MARKER_STYLE,
        XL_TICK_LABEL_POSITION,
    )
    from pptx.util import Emu, Inches, Pt

    return {"Presentation": Presentation, "CategoryChartData": CategoryChartData, "XyChartData": XyChartData,
            "RGBColor": RGBColor, "XL_CHART_TYPE": XL_CHART_TYPE, "XL_LEGEND_POSITION": XL_LEGEND_POSITION,
            "XL_MARKER_STYLE": XL_MARKER_STYLE, "XL_LABEL_POSITION": XL_LABEL_POSITION,
            "XL_TICK_LABEL_POSITION": XL_TICK_LABEL_POSITION, "Emu": Emu, "Inches": Inches, "Pt": Pt}


class _Deck:
    def __init__(self, doc: Document) -> None:
        self.api = _deck_api()
        self.doc = doc
        self.lang = doc.lang
        self.prs = self.api["Presentation"]()
        self.prs.slide_width = self.api["Inches"](13.333)
        self.prs.slide_height = self.api["Inches"](7.5)
        self.layout_title = self.prs.slide_layouts[0]
        self.layout_only = self.prs.slide_layouts[5]

    def t(self, x: Any) -> str:
        return text(x, self.lang)

    def slide(self, title: str) -> Any:
        s = self.prs.slides.add_slide(self.layout_only)
        s.shapes.title.text = title
        tf = s.shapes.title.text_frame
        for p in tf.paragraphs:
            for r in p.runs:
                r.font.size = self.api["Pt"](28)
        s.shapes.title.left, s.shapes.title.top = self.api["Inches"](0.5), self.api["Inches"](0.3)
        s.shapes.title.width, s.shapes.title.height = self.api["Inches"](12.3), self.api["Inches"](0.9)
        return s

    def textbox(self, s: Any, lines: Sequence[str], x: float, y: float, w: float, h: float, size: int = 16,
                bold_first: bool = False) -> None:
        In, Pt = self.api["Inches"], self.api["Pt"]
        tb = s.shapes.add_textbox(In(x), In(y), In(w), In(h))
        tf = tb.text_frame
        tf.word_wrap = True
        for i, line in enumerate(lines):
            p = tf.paragraphs[0] if i == 0 else tf.add_paragraph()
            p.text = line
            for r in p.runs:
                r.font.size = Pt(size)
                r.font.bold = bold_first and i == 0
            p.space_after = Pt(6)

    # ------------------------------------------------------------------ blocks

    def title_slide(self) -> None:
        s = self.prs.slides.add_slide(self.layout_title)
        s.shapes.title.text = self.t(self.doc.title)
        if self.doc.subtitle is not None and len(s.placeholders) > 1:
            s.placeholders[1].text = self.t(self.doc.subtitle)

    def facts(self, title: str, b: Facts) -> None:
        rows = [[self.t(f.label), format_value(f.value, f.fmt, self.lang) if not isinstance(f.value, Msg)
                 else self.t(f.value)] for f in b.rows]
        for start in range(0, len(rows), _ROWS_PER_SLIDE):
            s = self.slide(title)
            self._grid(s, None, rows[start:start + _ROWS_PER_SLIDE], [8.0, 4.3], align_right=[False, True])

    def table(self, title: str, b: Table) -> None:
        cols = list(b.columns)[:_COLS_PER_SLIDE]
        heads = [c.heading(self.lang) for c in cols]
        rows = []
        for r in b.rows:
            out = []
            for v, c in zip(r, cols, strict=False):
                if isinstance(v, Num):
                    out.append(format_value(v.value, v.fmt, self.lang))
                elif isinstance(v, Msg):
                    out.append(self.t(v))
                else:
                    out.append(format_value(v, c.fmt, self.lang))
            rows.append(out)
        widths = self._widths(heads, rows)
        for start in range(0, len(rows), _ROWS_PER_SLIDE):
            s = self.slide(title + (f" ({start // _ROWS_PER_SLIDE + 1})" if len(rows) > _ROWS_PER_SLIDE else ""))
            self._grid(s, heads, rows[start:start + _ROWS_PER_SLIDE], widths,
                       align_right=[c.fmt != "text" for c in cols])
            notes = [self.t(b.note)] if b.note is not None else []
            if len(b.columns) > _COLS_PER_SLIDE:
                notes.append(self.t(Msg("deck_more", n=len(b.columns) - _COLS_PER_SLIDE)))
            if notes:
                self.textbox(s, notes, 0.5, 6.7, 12.3, 0.6, size=11)

    @staticmethod
    def _widths(heads: list[str], rows: list[list[str]]) -> list[float]:
        lens = [max([len(h)] + [len(r[j]) for r in rows]) for j, h in enumerate(heads)]
        lens = [min(max(n, 7), 60) for n in lens]
        total = sum(lens)
        return [12.3 * n / total for n in lens]

    def _grid(self, s: Any, heads: list[str] | None, rows: list[list[str]], widths: list[float],
              align_right: list[bool], fills: list[list[str | None]] | None = None) -> Any:
        In, Pt = self.api["Inches"], self.api["Pt"]
        from pptx.enum.text import PP_ALIGN

        n_rows = len(rows) + (1 if heads else 0)
        n_cols = len(widths)
        size = 12 if n_cols <= 6 else 10 if n_cols <= 9 else 9
        height = min(5.6, 0.4 * n_rows)
        shape = s.shapes.add_table(n_rows, n_cols, In(0.5), In(1.3), In(sum(widths)), In(height))
        tbl = shape.table
        tbl.first_row = heads is not None  # a facts table has no heading row
        for j, w in enumerate(widths):
            tbl.columns[j].width = In(w)
        all_rows = ([heads] if heads else []) + rows
        for i, r in enumerate(all_rows):
            for j in range(n_cols):
                cell = tbl.cell(i, j)
                cell.text = r[j] if j < len(r) else ""
                for p in cell.text_frame.paragraphs:
                    p.alignment = PP_ALIGN.RIGHT if align_right[j] and (i > 0 or not heads) and j > 0 else PP_ALIGN.LEFT
                    for run in p.runs:
                        run.font.size = Pt(size)
                        run.font.bold = bool(heads) and i == 0
                k = i - (1 if heads else 0)
                if fills is not None and k >= 0 and fills[k][j]:
                    cell.fill.solid()
                    cell.fill.fore_color.rgb = self.api["RGBColor"].from_string(fills[k][j])
        return tbl

    def heatmap(self, title: str, b: Chart) -> None:
        """The heat map as a table with coloured cells (editable), rows = categories, columns = series."""
        heads = [""] + [self.t(sr.name) for sr in b.series]
        rows, fills = [], []
        for i, cat in enumerate(b.categories):
            rows.append([self.t(cat)] + [format_value(sr.values[i], b.fmt, self.lang) for sr in b.series])
            line: list[str | None] = [None]
            for j in range(len(b.series)):
                c = b.colors[j][i] if b.colors is not None else b.series[j].values[i]
                line.append(_diverging(c))
            fills.append(line)
        for start in range(0, len(rows), 14):
            s = self.slide(title)
            w = [4.3] + [8.0 / max(1, len(b.series))] * len(b.series)
            self._grid(s, heads, rows[start:start + 14], w, [False] + [True] * len(b.series),
                       fills=fills[start:start + 14])
            if b.note is not None:
                self.textbox(s, [self.t(b.note)], 0.5, 6.8, 12.3, 0.5, size=11)

    def chart(self, title: str, b: Chart) -> None:
        a = self.api
        In = a["Inches"]
        s = self.slide(title)
        self._chart_shape(s, b, 0.6, 1.3, 12.1 if b.kind != "scatter" else 9.0, 5.4)
        if b.note is not None:
            x = 9.8 if b.kind == "scatter" else 0.6
            y, w, h = (1.5, 3.0, 5.0) if b.kind == "scatter" else (6.75, 12.1, 0.6)
            self.textbox(s, [self.t(b.note)], x, y, w, h, size=11)
        _ = In

    def _chart_shape(self, s: Any, b: Chart, x: float, y: float, w: float, h: float) -> Any:
        a = self.api
        In, Pt, T = a["Inches"], a["Pt"], a["XL_CHART_TYPE"]
        if b.kind == "scatter":
            data = a["XyChartData"]()
            for pt in b.points:
                ser = data.add_series(self.t(pt.label))
                ser.add_data_point(pt.x, pt.y)
            gf = s.shapes.add_chart(T.XY_SCATTER, In(x), In(y), In(w), In(h), data)
            ch = gf.chart
            ch.has_legend = False
            for ser, pt in zip(ch.series, b.points, strict=True):
                ser.marker.style = a["XL_MARKER_STYLE"].TRIANGLE if pt.group == "attribute" else \
                    a["XL_MARKER_STYLE"].CIRCLE
                ser.marker.size = 9
                ser.marker.format.fill.solid()
                ser.marker.format.fill.fore_color.rgb = a["RGBColor"].from_string(
                    "E07B39" if pt.group == "attribute" else "2F6DB5")
                lbl = ser.points[0].data_label  # the point's name as its label (editable text)
                lbl.has_text_frame = True
                lbl.text_frame.text = self.t(pt.label)
                lbl.position = a["XL_LABEL_POSITION"].RIGHT
                for run in lbl.text_frame.paragraphs[0].runs:
                    run.font.size = Pt(10)
                    run.font.bold = pt.group == "segment"
        else:
            data = a["CategoryChartData"](number_format=_NUMBER_FORMATS.get(b.fmt, "General"))
            data.categories = [self.t(c) for c in b.categories]
            for sr in b.series:
                data.add_series(self.t(sr.name), [None if v is None else float(v) for v in sr.values])
            kind = {"bar": T.BAR_CLUSTERED, "column": T.COLUMN_CLUSTERED, "line": T.LINE_MARKERS}[b.kind]
            gf = s.shapes.add_chart(kind, In(x), In(y), In(w), In(h), data)
            ch = gf.chart
            ch.has_legend = len(b.series) > 1
            if ch.has_legend:
                ch.legend.position = a["XL_LEGEND_POSITION"].BOTTOM
                ch.legend.include_in_layout = False
                ch.legend.font.size = Pt(11)
            if b.kind == "bar":
                ch.category_axis.reverse_order = True  # first category on top, as in the tables
                plot = ch.plots[0]
                plot.has_data_labels = True
                plot.data_labels.number_format = _NUMBER_FORMATS.get(b.fmt, "General")
                plot.data_labels.number_format_is_linked = False
                plot.data_labels.font.size = Pt(10)
            ch.category_axis.tick_labels.font.size = Pt(10)
        low = a["XL_TICK_LABEL_POSITION"].LOW  # tick labels at the edge, clear of negative bars and points
        for axis in (self._value_axis(ch), self._category_axis(ch)):
            if axis is not None:
                axis.tick_labels.font.size = Pt(10)
                axis.tick_label_position = low
        ch.has_title = True
        ch.chart_title.text_frame.text = self.t(b.title)
        ch.chart_title.text_frame.paragraphs[0].runs[0].font.size = Pt(14)
        for axis, label in ((self._value_axis(ch), b.x_title if b.kind == "bar" else b.y_title),
                            (self._category_axis(ch), None if b.kind == "bar" else b.x_title)):
            if axis is not None and label is not None:
                axis.has_title = True
                axis.axis_title.text_frame.text = self.t(label)
                axis.axis_title.text_frame.paragraphs[0].runs[0].font.size = Pt(11)
        return ch

    @staticmethod
    def _value_axis(ch: Any) -> Any:
        try:
            return ch.value_axis
        except ValueError:
            return None

    @staticmethod
    def _category_axis(ch: Any) -> Any:
        try:
            return ch.category_axis
        except ValueError:
            return None

    def card(self, c: SegmentCard, chart: Chart | None) -> None:
        title = self.t(Msg("segment_label", number=c.number))
        if c.name and c.name != title:
            title = f"{c.number}. {c.name}"
        if c.letter:
            title += f" ({c.letter})"
        s = self.slide(title)
        size = f"n = {format_value(c.n, 'int', self.lang)}"
        if c.share is not None:
            size += " \u00b7 " + self.t(Msg("deck_share", share=Num(c.share, "pct")))
        lines = [size] + ["\u2022 " + self.t(h) for h in c.highlights]
        self.textbox(s, lines, 0.5, 1.3, 5.6 if chart else 12.3, 5.8, size=14, bold_first=True)
        if chart is not None:
            self._chart_shape(s, chart, 6.3, 1.2, 6.6, 6.0)
        if c.description:
            s.notes_slide.notes_text_frame.text = c.description

    def render(self) -> Any:
        self.title_slide()
        for sec in self.doc.sections:
            stitle = self.t(sec.title)
            blocks = list(sec.blocks)
            i = 0
            while i < len(blocks):
                b = blocks[i]
                if isinstance(b, SegmentCard):
                    nxt = blocks[i + 1] if i + 1 < len(blocks) and isinstance(blocks[i + 1], Chart) else None
                    self.card(b, nxt)
                    i += 2 if nxt is not None else 1
                    continue
                if isinstance(b, Facts) and b.deck:
                    self.facts(self.t(b.title) if b.title is not None else stitle, b)
                elif isinstance(b, Table) and b.deck:
                    self.table(self.t(b.title) if b.title is not None else stitle, b)
                elif isinstance(b, Chart) and b.deck:
                    if b.kind == "heatmap":
                        self.heatmap(self.t(b.title), b)
                    else:
                        self.chart(self.t(b.title), b)
                elif isinstance(b, Paragraph):
                    pass  # notes sit beside the charts and tables they explain
                i += 1
        self.prs.core_properties.title = self.t(self.doc.title)
        return self.prs


def _diverging(v: Any) -> str | None:
    """Blue above 0, red below (as the HTML heat map), white at 0; None for missing values."""
    if v is None:
        return None
    f = max(-1.0, min(1.0, float(v) / 1.5))
    if f != f:  # NaN
        return None
    lo, mid, hi = (0xC6, 0x28, 0x28), (0xFF, 0xFF, 0xFF), (0x2F, 0x6D, 0xB5)
    end = hi if f > 0 else lo
    a = abs(f) * 0.75
    rgb = [round(m + (e - m) * a) for m, e in zip(mid, end, strict=True)]
    return "".join(f"{c:02X}" for c in rgb)


def render_deck(doc: Document) -> Any:
    """A Summary document as a python-pptx ``Presentation``."""
    return _Deck(doc).render()


def write_pptx_report(results: Mapping[str, Any], path: str | os.PathLike[str], *, lang: str = "en",
                      inputs: Sequence[str | os.PathLike[str]] = (), loading_threshold: float = 0.30,
                      title: str | None = None) -> Path:
    """Write the PowerPoint deck of the stages in ``results``.

    Parameters
    ----------
    results
        Stage name -> result object (with ``to_dict()``) or its dict, as for :func:`write_html_report`.
    path
        The ``.pptx`` file, written atomically.
    lang
        ``en`` or ``es``.
    inputs
        Input files the deck must not overwrite.
    loading_threshold
        Loadings with ``|l| >=`` this are highlighted.
    title
        The deck's title (default: "Survey segmentation report" in ``lang``).

    Returns
    -------
    pathlib.Path

    Raises
    ------
    DataError
        Not a mapping of results, an unknown stage, an unsupported language, a file name not ending in .pptx,
        or a result lacking a key its section needs.
    """
    lang = check_lang(lang)
    p = Path(path)
    if p.suffix.lower() != ".pptx":
        raise DataError(f"cannot write a PowerPoint deck to {p}: use a file name ending in .pptx")
    prs = render_deck(build_document(results, lang=lang, title=title, loading_threshold=loading_threshold))
    with atomic_write(p, inputs) as tmp:
        prs.save(os.fspath(tmp))
    return p
