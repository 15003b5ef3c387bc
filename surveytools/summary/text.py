"""The text renderer of Summary documents: what ``summary()`` returns and the CLI prints.

Charts are drawn by the other renderers only; their data is in the tables next to them.
"""

from __future__ import annotations

import textwrap
from typing import Any

from .document import Document, Facts, Num, Paragraph, Section, SegmentCard, Table, format_value, text

__all__ = ["render_text", "render_section"]

_WIDTH = 100


def _cell(v: Any, fmt: str | None, lang: str) -> str:
    from .document import Msg, Num, text

    if isinstance(v, (Msg, Num)):
        return text(v, lang)
    return format_value(v, fmt, lang)


def _table(doc: Document, b: Table, label_width: int) -> list[str]:
    lang = doc.lang
    lines: list[str] = []
    if b.title is not None:
        lines.append(doc.t(b.title))
    heads = [c.heading(lang) for c in b.columns]
    cells = [[_cell(v, c.fmt, lang) for v, c in zip(r, b.columns, strict=True)] for r in b.rows]
    styles = b.styles or [[None] * len(b.columns) for _ in b.rows]
    for r, st in zip(cells, styles, strict=True):
        for j, s in enumerate(st):
            if s in ("higher", "lower"):
                r[j] += "+" if s == "higher" else "-"
    suffixed: set[int] = set()
    if b.suffixes:  # letters after the mark: pad the cells of a column so the numbers stay aligned
        for j in range(len(b.columns)):
            w = max((len(sx[j]) for sx in b.suffixes if sx[j]), default=0)
            if w:
                suffixed.add(j)
                for r, sx, st in zip(cells, b.suffixes, styles, strict=True):
                    mark = "" if st[j] in ("higher", "lower") else " "
                    r[j] = r[j] + mark + " " + (sx[j] or "").ljust(w) if r[j] else r[j]
    widths = [max([len(heads[j])] + [len(r[j]) for r in cells]) for j in range(len(heads))]
    if widths:
        widths[0] = min(widths[0], label_width)
    marked = any(s in ("higher", "lower") for st in styles for s in st)

    numeric = [c.fmt != "text" or any(isinstance(r[j], (int, float, Num)) and not isinstance(r[j], bool)
                                      for r in b.rows) for j, c in enumerate(b.columns)]

    def line(vals: list[str], st: list[str | None]) -> str:
        parts = []
        for j, v in enumerate(vals):
            w = widths[j]
            if j == 0:
                parts.append((v if len(v) <= w else v[: w - 1] + "\u2026").ljust(w))
            elif j in suffixed:
                parts.append(v.rjust(w))
            elif numeric[j]:
                # a marked cell carries its +/- past the column's right edge
                tail = " " if marked and st[j] not in ("higher", "lower") else ""
                parts.append((v + tail).rjust(w + (1 if marked else 0)))
            else:
                parts.append(v.ljust(w))
        return "  ".join(parts).rstrip()

    if b.groups:  # spanning headings over their columns
        parts, j = [], 0
        for label, span in b.groups:
            w = sum(widths[j:j + span]) + 2 * (span - 1) + sum(1 for x in range(j, j + span) if marked and numeric[x]
                                                                and x not in suffixed and x > 0)
            parts.append(text(label, lang)[:w].ljust(w))
            j += span
        lines.append(("  " + "  ".join(parts)).rstrip())
    lines.append("  " + line(heads, [None] * len(heads)))
    for i, r in enumerate(cells):
        if i in b.sections:
            lines.append(doc.t(b.sections[i]))
        lines.append("  " + line(r, list(styles[i])))
    if b.note is not None:
        lines.extend(textwrap.wrap(doc.t(b.note), _WIDTH, initial_indent="  ", subsequent_indent="  "))
    return lines


def render_section(doc: Document, sec: Section, *, label_width: int = 40, heading: bool = True) -> list[str]:
    """One section's lines."""
    lang = doc.lang
    lines: list[str] = []
    if heading:
        title = doc.t(sec.title)
        lines += [title, "-" * len(title)]
    for b in sec.blocks:
        if isinstance(b, Paragraph):
            lines.extend(textwrap.wrap(doc.t(b.text), _WIDTH) or [""])
        elif isinstance(b, Facts):
            if b.title is not None:
                lines.append(doc.t(b.title))
            labels = [doc.t(f.label) for f in b.rows]
            w = max((len(x) for x in labels), default=0)
            for lab, f in zip(labels, b.rows, strict=True):
                lines.append(f"  {lab:<{w}}  {_cell(f.value, f.fmt, lang)}")
        elif isinstance(b, Table):
            lines.extend(_table(doc, b, label_width))
        elif isinstance(b, SegmentCard):
            if b.description:
                lines.extend(textwrap.wrap(b.description, _WIDTH))
        else:  # charts: their numbers are in the tables beside them
            continue
        lines.append("")
    while lines and lines[-1] == "":
        lines.pop()
    return lines


def render_text(doc: Document, *, label_width: int = 40) -> str:
    """The document as plain text: title, then each section with its facts, tables (``+``/``-`` after
    significantly higher/lower cells) and notes."""
    lines: list[str] = []
    title = doc.t(doc.title)
    if title:
        lines.append(title)
    if doc.subtitle is not None:
        lines.append(doc.t(doc.subtitle))
    if lines:
        lines.append("")
    for sec in doc.sections:
        lines.extend(render_section(doc, sec, label_width=label_width))
        lines.append("")
    while lines and lines[-1] == "":
        lines.pop()
    return "\n".join(lines)
