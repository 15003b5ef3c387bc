"""Summary documents: what a result shows, as a tree of blocks that every renderer draws the same way.

A :class:`Document` holds :class:`Section` s of blocks: :class:`Paragraph`, :class:`Facts` (label/value
pairs), :class:`Table` (columns with display hints: number format, unit), :class:`Chart` (kind, categories,
series or points, axis titles) and :class:`SegmentCard` (one segment at a glance). Fixed text is a
:class:`Msg`, a translation key of :mod:`surveytools.report.i18n` with its fields, resolved in the
document's language when rendered; survey text (labels, names) is a plain string. Numbers stay numbers
until a renderer formats them with :func:`format_value`, so the xlsx report stores exact values with a
number format while text and HTML show ``4.25`` / ``4,25`` by language.

Renderers: :func:`surveytools.summary.text.render_text` (terminal), :mod:`~surveytools.report.html`,
:mod:`~surveytools.report.xlsx` and :mod:`~surveytools.report.pptx`. They compute nothing.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from ..report.i18n import fmt_number, fmt_percent, tr

__all__ = ["Msg", "Num", "Text", "text", "Column", "Paragraph", "Fact", "Facts", "Table", "Series", "Point", "Chart",
           "SegmentCard", "Block", "Section", "Document", "FORMATS", "format_value", "XLSX_FORMATS"]


@dataclass(frozen=True)
class Msg:
    """A translation key with its fields (which may be :class:`Msg`, :class:`Num` or plain values)."""

    key: str
    fields: Mapping[str, Any] = field(default_factory=dict)

    def __init__(self, key: str, **fields: Any) -> None:
        object.__setattr__(self, "key", key)
        object.__setattr__(self, "fields", dict(fields))


@dataclass(frozen=True)
class Num:
    """A number inside running text, formatted in the document's language (``fmt`` as in :data:`FORMATS`)."""

    value: Any
    fmt: str = "num"


Text = str | Msg


def text(t: Any, lang: str) -> str:
    """The visible text of ``t`` (a :class:`Msg`, :class:`Num`, plain string or ``None``) in ``lang``."""
    if t is None:
        return ""
    if isinstance(t, Msg):
        return tr(t.key, lang, **{k: text(v, lang) for k, v in t.fields.items()})
    if isinstance(t, Num):
        return format_value(t.value, t.fmt, lang)
    return str(t)


#: Display hints of table cells and facts: how a number is shown (the value itself is never rounded).
FORMATS: dict[str, str] = {
    "text": "as given",
    "int": "whole number with thousands separator",
    "num": "3 decimals",
    "num2": "2 decimals",
    "num1": "1 decimal",
    "pct": "a proportion 0..1 shown as a percentage with 1 decimal",
    "pct0": "a proportion 0..1 shown as a whole percentage",
    "pct100": "a percentage already on 0..100, 1 decimal",
    "p": "a p-value, 3 decimals, '< 0.001' below",
    "index": "whole number (index, rank sum, BIC)",
    "numD": "D decimals (num0 ... num9; a leading + shows the sign: +num2)",
    "g3": "3 significant digits (p values)",
}

_FIXED = re.compile(r"(\+?)num(\d)")

#: Excel number formats of :data:`FORMATS`.
XLSX_FORMATS: dict[str, str | None] = {"text": None, "int": "#,##0", "num": "0.000", "num2": "0.00", "num1": "0.0",
                                       "pct": "0.0%", "pct0": "0%", "pct100": "0.0", "p": "0.000", "index": "#,##0",
                                       "g3": "0.00E+00",
                                       **{f"{s}num{d}": (f"+0.{'0' * d};-0.{'0' * d}" if s else "0." + "0" * d)
                                          if d else "0" for s in ("", "+") for d in range(10)}}


def format_value(v: Any, fmt: str | None, lang: str) -> str:
    """``v`` as text for ``fmt`` (see :data:`FORMATS`) in ``lang``; missing values are empty."""
    if v is None:
        return ""
    if isinstance(v, (Msg, Num)):
        return text(v, lang)
    if isinstance(v, bool):
        return tr("yes" if v else "no", lang)
    if isinstance(v, (int, float)) and not isinstance(v, bool):
        f = float(v)
        if math.isnan(f) or math.isinf(f):
            return ""
        fmt = fmt or ("int" if isinstance(v, int) or f.is_integer() and abs(f) >= 1000 else "num")
        if fmt == "text":
            fmt = "int" if isinstance(v, int) else "num"
        if fmt in ("int", "index"):
            return fmt_number(f, 0, lang)
        if fmt == "pct":
            return fmt_percent(f, 1, lang)
        if fmt == "pct0":
            return fmt_percent(f, 0, lang)
        if fmt == "pct100":
            return fmt_percent(f / 100.0, 1, lang)
        if fmt == "p":
            return ("<\u00a0" + fmt_number(0.001, 3, lang)) if f < 0.001 else fmt_number(f, 3, lang)
        if fmt == "num2":
            return fmt_number(f, 2, lang)
        if fmt == "num1":
            return fmt_number(f, 1, lang)
        fixed = _FIXED.fullmatch(fmt)
        if fixed:
            shown = fmt_number(f, int(fixed[2]), lang)
            return "+" + shown if fixed[1] and not shown.startswith("-") else shown
        if fmt == "g3":
            shown = f"{f:.3g}"
            return shown.replace(".", ",") if lang == "es" else shown
        return fmt_number(f, 3 if abs(f) < 1000 else 1, lang)
    return str(v)


@dataclass(frozen=True)
class Column:
    """A table column: its heading, how its numbers are shown and their unit (shown in the heading)."""

    label: Text
    fmt: str = "text"
    unit: Text | None = None
    nowrap: bool = False  # short codes (significance marks and letters) kept on one line

    def heading(self, lang: str) -> str:
        head = text(self.label, lang)
        return f"{head} ({text(self.unit, lang)})" if self.unit is not None else head


@dataclass(frozen=True)
class Paragraph:
    """Running text; ``kind`` ``note`` (a definition or method note, shown muted) or ``text``."""

    text: Text
    kind: str = "text"


@dataclass(frozen=True)
class Fact:
    label: Text
    value: Any
    fmt: str | None = None


@dataclass(frozen=True)
class Facts:
    """Label/value pairs."""

    rows: Sequence[Fact]
    title: Text | None = None
    deck: bool = False


@dataclass(frozen=True)
class Table:
    """Rows of cells under ``columns``.

    ``styles`` (same shape as ``rows``, optional) marks cells ``higher``/``lower`` (significantly, shown
    green/red), ``strong`` (highlighted); ``sections`` maps a row position to a group heading shown above it;
    ``groups`` are spanning headings over the columns (``(text, span)`` pairs); ``sticky`` columns stay put
    when the table scrolls sideways; ``suffixes`` (same shape as ``rows``) are short texts shown after a
    number (the pairwise letters of the terminal profile), by the text and HTML renderers.
    """

    columns: Sequence[Column]
    rows: Sequence[Sequence[Any]]
    title: Text | None = None
    note: Text | None = None
    styles: Sequence[Sequence[str | None]] | None = None
    sections: Mapping[int, Text] = field(default_factory=dict)
    groups: Sequence[tuple[Text, int]] | None = None
    suffixes: Sequence[Sequence[str | None]] | None = None
    sticky: int = 1
    id: str | None = None
    deck: bool = False

    def __post_init__(self) -> None:
        n = len(self.columns)
        for i, r in enumerate(self.rows):
            if len(r) != n:
                raise ValueError(f"table {self.id or self.title!r}: row {i} has {len(r)} cells for {n} columns")


@dataclass(frozen=True)
class Series:
    name: Text
    values: Sequence[float | None]


@dataclass(frozen=True)
class Point:
    """A labelled point of a scatter chart; ``group`` picks its marker/colour (e.g. segment vs attribute)."""

    label: Text
    x: float
    y: float
    group: str = ""


@dataclass(frozen=True)
class Chart:
    """A chart, drawn natively by each renderer.

    kinds: ``bar`` (horizontal bars, one per category, ``series`` side by side), ``column``, ``line``
    (a snake chart: one line per series over the categories), ``heatmap`` (categories = rows, series =
    columns, colour from ``colors`` when given else the values), ``scatter`` (``points``, with ``quadrant``
    lines at ``(x, y)`` when given).
    """

    kind: str
    title: Text
    categories: Sequence[Text] = ()
    series: Sequence[Series] = ()
    points: Sequence[Point] = ()
    x_title: Text | None = None
    y_title: Text | None = None
    fmt: str = "num"
    colors: Sequence[Sequence[float | None]] | None = None
    quadrant: tuple[float, float] | None = None
    note: Text | None = None
    id: str = "chart"
    deck: bool = True

    def __post_init__(self) -> None:
        if self.kind not in ("bar", "column", "line", "heatmap", "scatter"):
            raise ValueError(f"unknown chart kind {self.kind!r}")
        for s in self.series:
            if len(s.values) != len(self.categories):
                raise ValueError(f"chart {self.id}: series has {len(s.values)} values for "
                                 f"{len(self.categories)} categories")


@dataclass(frozen=True)
class SegmentCard:
    """One segment at a glance (a slide in the deck): number, letter, name, size, description and the rows
    it stands out on."""

    number: str
    name: str
    n: float
    share: float | None
    description: str | None = None
    letter: str | None = None
    highlights: Sequence[Text] = ()


Block = Paragraph | Facts | Table | Chart | SegmentCard


@dataclass(frozen=True)
class Section:
    id: str
    title: Text
    blocks: Sequence[Block]


@dataclass(frozen=True)
class Document:
    title: Text
    lang: str
    sections: Sequence[Section]
    subtitle: Text | None = None

    def t(self, x: Any) -> str:
        """``x`` as visible text in the document's language."""
        return text(x, self.lang)

    def msgs(self) -> list[Msg]:
        """Every :class:`Msg` in the document (a test checks each key exists in every language)."""
        out: list[Msg] = []

        def walk(x: Any) -> None:
            if isinstance(x, Msg):
                out.append(x)
                for v in x.fields.values():
                    walk(v)
            elif isinstance(x, (Paragraph, Facts, Fact, Table, Column, Series, Point, Chart, SegmentCard, Section)):
                for f in x.__dataclass_fields__:
                    walk(getattr(x, f))
            elif isinstance(x, Mapping):
                for v in x.values():
                    walk(v)
            elif isinstance(x, (list, tuple)):
                for v in x:
                    walk(v)

        walk(self.title)
        walk(self.subtitle)
        walk(list(self.sections))
        return out
