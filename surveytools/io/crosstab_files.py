"""Writing banner tables: an Excel workbook (numbers stay numbers, letters beside them), long CSV/Parquet,
or a self-contained HTML page."""

from __future__ import annotations

import html
import os
from pathlib import Path
from typing import Any

import numpy as np

from .atomic import atomic_write

__all__ = ["TABLES_SUFFIXES", "write_tables"]

TABLES_SUFFIXES = (".xlsx", ".html", ".csv", ".parquet")


def write_tables(result: Any, path: str | os.PathLike[str], *, inputs: Any = ()) -> Path:
    """Write a :class:`~surveytools.crosstab.TablesResult` in the format the suffix asks for."""
    from ..exceptions import InputFileError

    p = Path(path)
    suffix = p.suffix.lower()
    if suffix not in TABLES_SUFFIXES:
        raise InputFileError(f"cannot write banner tables to {p}: use a .xlsx, .html, .csv or .parquet file name")
    if suffix in (".csv", ".parquet"):
        from .tables import write_table

        return write_table(result.to_frame(), p, inputs=inputs, what="banner tables")
    with atomic_write(p, inputs) as tmp:
        if suffix == ".xlsx":
            _xlsx(result, tmp)
        else:
            tmp.write_text(_html(result), encoding="utf-8")
    return p


def _xlsx(result: Any, path: Path) -> None:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    from ..report.i18n import tr
    from ..report.xlsx_safe import set_cell

    lang = result.lang
    wb = Workbook()
    ws = wb.active
    ws.title = "Tablas" if lang == "es" else "Tables"
    bold = Font(bold=True)
    head_fill = PatternFill("solid", fgColor="DDE4EE")
    r = 1
    set_cell(ws, r, 1, tr("letters_note", lang, test=tr("letters_test", lang),
                          adjust=tr(f"adjust_{result.adjust}", lang), alpha=f"{result.alpha:g}"))
    r += 2
    width = 2
    for t in result.tables:
        set_cell(ws, r, 1, f"{t.row_label}  \u00d7  {t.banner_label}").font = Font(bold=True, size=12)
        r += 1
        # header: each column takes two cells (value, letters)
        set_cell(ws, r, 1, "")
        for c, (_, col) in enumerate(t.columns.iterrows()):
            cell = set_cell(ws, r, 2 + 2 * c, str(col["label"]))
            cell.font, cell.fill = bold, head_fill
            cell.alignment = Alignment(wrap_text=True, horizontal="center")
            lt = set_cell(ws, r, 3 + 2 * c, col["letter"] if isinstance(col["letter"], str) else "")
            lt.font, lt.fill = bold, head_fill
        r += 1
        set_cell(ws, r, 1, tr("base", lang)).font = bold
        for c, base in enumerate(t.columns["base"]):
            set_cell(ws, r, 2 + 2 * c, int(base)).number_format = "#,##0"
        r += 1
        ncol = len(t.columns)
        width = max(width, 1 + 2 * ncol)
        for label in dict.fromkeys(t.cells["row_label"]):
            sub = t.cells[t.cells["row_label"] == label]
            set_cell(ws, r, 1, str(label))
            for c, (_, cell_row) in enumerate(sub.iterrows()):
                v = cell_row["value"]
                cell = set_cell(ws, r, 2 + 2 * c, float(v) if np.isfinite(v) else None)
                cell.number_format = "0%" if cell_row["stat"] == "pct" else "0.00"
                if cell_row["letters"]:
                    set_cell(ws, r, 3 + 2 * c, str(cell_row["letters"])).font = Font(color="1F4E9A", bold=True)
            r += 1
        r += 1
    ws.column_dimensions["A"].width = 42
    for c in range(2, width + 1):
        ws.column_dimensions[get_column_letter(c)].width = 11 if c % 2 == 0 else 5
    ws.freeze_panes = "B1"
    wb.save(path)


def _html(result: Any) -> str:
    from ..report.i18n import tr

    lang = result.lang
    esc = html.escape
    parts = [f"<!DOCTYPE html><html lang=\"{lang}\"><head><meta charset=\"utf-8\"><title>"
             f"{'Tablas' if lang == 'es' else 'Banner tables'}</title><style>"
             "body{font-family:system-ui,sans-serif;margin:2em;color:#222}"
             "table{border-collapse:collapse;margin:0 0 2em}th,td{padding:.3em .6em;border-bottom:1px solid #ddd}"
             "th{background:#dde4ee;position:sticky;top:0}td.v{text-align:right;font-variant-numeric:tabular-nums}"
             "td.l{color:#1f4e9a;font-weight:bold}caption{text-align:left;font-weight:bold;margin:.5em 0}"
             "@media print{th{position:static}}</style></head><body>",
             f"<p>{esc(tr('letters_note', lang, test=tr('letters_test', lang), adjust=tr(f'adjust_{result.adjust}', lang), alpha=f'{result.alpha:g}'))}</p>"]
    for t in result.tables:
        parts.append(f"<table><caption>{esc(t.row_label)} &times; {esc(t.banner_label)}</caption><thead><tr><th></th>")
        for _, col in t.columns.iterrows():
            lt = col["letter"] if isinstance(col["letter"], str) else ""
            parts.append(f"<th colspan=\"2\">{esc(str(col['label']))}{' (' + esc(lt) + ')' if lt else ''}</th>")
        parts.append(f"</tr></thead><tbody><tr><td>{esc(tr('base', lang))}</td>")
        for base in t.columns["base"]:
            parts.append(f"<td class=\"v\">{int(base):,}</td><td></td>")
        parts.append("</tr>")
        for label in dict.fromkeys(t.cells["row_label"]):
            parts.append(f"<tr><td>{esc(str(label))}</td>")
            for _, c in t.cells[t.cells["row_label"] == label].iterrows():
                v = c["value"]
                txt = "" if not np.isfinite(v) else (f"{100 * v:.0f}%" if c["stat"] == "pct" else f"{v:.2f}")
                parts.append(f"<td class=\"v\">{txt}</td><td class=\"l\">{esc(str(c['letters']))}</td>")
            parts.append("</tr>")
        parts.append("</tbody></table>")
    parts.append("</body></html>")
    return "".join(parts)
