"""The Excel report: one workbook with a sheet per stage that ran, native Excel charts, safe text.

:func:`write_xlsx_report` renders stage results (``stage -> result object or its dict``); it computes
nothing. Sheets: summary (always), data quality, reliability, factors (loadings at or above a threshold
highlighted), segments (sizes with a chart, choice-of-k criteria, stability), profiles (the comparison table
with green/red fills for significantly higher/lower), profile charts (one native bar chart per segment),
then typing tool, CRM match and voice of the customer when present. Headers are frozen, numbers carry
formats, columns are sized to fit.

Every cell goes through :func:`surveytools.report.xlsx_safe.set_cell`, so survey text (comments, names,
labels) is stored as text and can never become a formula.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.chart import BarChart, Reference
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from .. import __version__
from ..exceptions import DataError
from ..io.atomic import atomic_write
from . import _data as D
from .i18n import check_lang, segment_title, tr
from .xlsx_safe import set_cell

__all__ = ["write_xlsx_report", "LOADING_THRESHOLD"]

#: Loadings with an absolute value at least this large are highlighted.
LOADING_THRESHOLD = 0.30

_BOLD = Font(bold=True)
_TITLE = Font(bold=True, size=14)
_SUB = Font(bold=True, size=11, color="2F6DB5")
_MUTED = Font(italic=True, color="57606A")
_HEAD_FILL = PatternFill("solid", fgColor="E8EEF7")
_SECTION_FILL = PatternFill("solid", fgColor="F3F4F6")
_HIGH_FILL = PatternFill("solid", fgColor="D4EDDA")
_LOW_FILL = PatternFill("solid", fgColor="F8D7DA")
_HIGH_FONT = Font(color="1A7F37", bold=True)
_LOW_FONT = Font(color="C62828", bold=True)
_LOAD_FILL = PatternFill("solid", fgColor="FFF3B0")
_THIN = Border(bottom=Side(style="thin", color="8C959F"))
_WRAP = Alignment(wrap_text=True, vertical="top")
_MARK = {"higher": "\u25b2", "lower": "\u25bc"}

_FMT = {"mean": "0.00", "proportion": "0.0%", "nps": "0.0", "int": "#,##0", "p": "0.000", "index": "0",
        "num": "0.000", "pct": "0.0%"}


class _Sheet:
    """A worksheet being filled top to bottom, tracking column widths."""

    def __init__(self, wb: Workbook, title: str) -> None:
        self.ws: Worksheet = wb.create_sheet(_sheet_title(title, wb))
        self.row = 1
        self.widths: dict[int, float] = {}

    def cell(self, row: int, col: int, value: Any, *, fmt: str | None = None, font: Font | None = None,
             fill: PatternFill | None = None, width: bool = True, wrap: bool = False) -> Any:
        c = set_cell(self.ws, row, col, value)
        if fmt and isinstance(c.value, (int, float)) and not isinstance(c.value, bool):
            c.number_format = fmt
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
        if isinstance(value, float):
            n = len(f"{value:,.3f}") if not (fmt and "%" in fmt) else 7
        else:
            n = max((len(s) for s in str(value).split("\n")), default=0)
        self.widths[col] = max(self.widths.get(col, 0), n)

    def title(self, text: str, note: str | None = None) -> None:
        self.cell(self.row, 1, text, font=_TITLE, width=False)
        self.row += 1
        if note:
            self.cell(self.row, 1, note, font=_MUTED, width=False)
            self.row += 1
        self.row += 1

    def subtitle(self, text: str) -> None:
        self.cell(self.row, 1, text, font=_SUB, width=False)
        self.row += 1

    def header(self, values: Sequence[Any], col: int = 1) -> int:
        for j, v in enumerate(values):
            c = self.cell(self.row, col + j, v, font=_BOLD, fill=_HEAD_FILL)
            c.border = _THIN
        r = self.row
        self.row += 1
        return r

    def kv(self, rows: Sequence[tuple[Any, Any]], title: str | None = None) -> None:
        if title:
            self.subtitle(title)
        for key, value in rows:
            self.cell(self.row, 1, key, font=_BOLD)
            self.cell(self.row, 2, value, fmt=_num_fmt(value))
            self.row += 1
        self.row += 1

    def table(self, columns: Sequence[Any], rows: Sequence[Sequence[Any]], title: str | None = None,
              fmts: Sequence[str | None] | None = None) -> int:
        if title:
            self.subtitle(title)
        first = self.header(columns) + 1
        for r in rows:
            for j, v in enumerate(r):
                fmt = fmts[j] if fmts and j < len(fmts) and fmts[j] else _num_fmt(v)
                self.cell(self.row, 1 + j, v, fmt=fmt)
            self.row += 1
        self.row += 1
        return first

    def blocks(self, blocks: list[dict[str, Any]]) -> None:
        for b in blocks:
            if b["kind"] == "kv":
                self.kv(b["rows"], b.get("title"))
            else:
                self.table(b["columns"], b["rows"], b.get("title"))

    def finish(self, max_width: int = 60, min_width: int = 6) -> None:
        for col, w in self.widths.items():
            self.ws.column_dimensions[get_column_letter(col)].width = max(min_width, min(max_width, w + 2))


def _num_fmt(v: Any) -> str | None:
    if isinstance(v, bool):
        return None
    if isinstance(v, int):
        return _FMT["int"]
    if isinstance(v, float):
        return "0.000" if abs(v) < 1000 else "#,##0.0"
    return None


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


# ====================================================================== sheets

def _summary(wb: Workbook, res: Mapping[str, dict[str, Any]], lang: str, title: str | None) -> None:
    sh = _Sheet(wb, tr("summary", lang))
    sh.title(title or tr("report_title", lang), tr("generated", lang, version=__version__))
    facts: list[tuple[str, str, Any]] = []
    imp = res.get("import")
    if imp:
        for key in ("format", "rows_in", "rows_out"):
            if D.get(imp, key) is not None:
                facts.append((tr("import", lang), tr(key, lang), D.get(imp, key)))
    q = res.get("quality")
    if q:
        for key in ("respondents", "flagged"):
            if D.get(q, key) is not None:
                facts.append((tr("quality", lang), tr(key, lang), D.get(q, key)))
    rel = res.get("reliability")
    if rel and isinstance(rel.get("scales"), Mapping):
        for name, s in rel["scales"].items():
            a = D.as_number(D.get(s, "alpha"))
            if a is not None:
                facts.append((tr("reliability", lang), f"{tr('alpha', lang)}: {name}", a))
    fac = res.get("factor")
    if fac and D.get(fac, "n_factors") is not None:
        facts.append((tr("factors", lang), tr("n_factors", lang), D.get(fac, "n_factors")))
    seg = res.get("segment")
    if seg:
        for key in ("k", "method"):
            if D.get(seg, key) is not None:
                facts.append((tr("segments", lang), tr(key, lang), D.get(seg, key)))
    prof = res.get("profile")
    if prof:
        if D.get(prof, "rows_used") is not None:
            facts.append((tr("profiles", lang), tr("rows_used", lang), D.get(prof, "rows_used")))
        if D.get(prof, "rows_excluded"):
            facts.append((tr("profiles", lang), tr("unassigned", lang), D.get(prof, "rows_excluded")))
    tt = res.get("typing_tool")
    if tt and D.as_number(D.get(tt, "accuracy")) is not None:
        facts.append((tr("typing_tool", lang), tr("accuracy", lang), D.get(tt, "accuracy")))
    crm = res.get("crm")
    if crm:
        for key in ("matched", "match_rate"):
            if D.get(crm, key) is not None:
                facts.append((tr("crm", lang), tr(key, lang), D.get(crm, key)))
    if facts:
        sh.header([tr("stage", lang), tr("key", lang), tr("value", lang)])
        for stage, key, value in facts:
            sh.cell(sh.row, 1, stage)
            sh.cell(sh.row, 2, key)
            fmt = "0.0%" if key in (tr("match_rate", lang),) else _num_fmt(value)
            sh.cell(sh.row, 3, value, fmt=fmt)
            sh.row += 1
        sh.row += 1
    sizes = D.segment_sizes(res)
    if sizes:
        descs = {k: D.get(prof, "segments", k, "description") for k, *_ in sizes} if prof else {}
        sh.subtitle(tr("segments", lang))
        sh.header([tr("segment", lang), tr("name", lang), tr("n", lang), tr("share", lang),
                   tr("description", lang)])
        for key, name, n, share in sizes:
            sh.cell(sh.row, 1, int(key) if key.isdigit() else key)
            sh.cell(sh.row, 2, name)
            sh.cell(sh.row, 3, int(n) if float(n).is_integer() else n, fmt=_FMT["int"])
            sh.cell(sh.row, 4, share, fmt=_FMT["pct"])
            sh.cell(sh.row, 5, descs.get(key), wrap=True, width=False)
            sh.row += 1
        sh.ws.column_dimensions["E"].width = 100
    sh.ws.freeze_panes = "A4"
    sh.finish()


def _quality(wb: Workbook, q: dict[str, Any], lang: str) -> None:
    sh = _Sheet(wb, tr("quality", lang))
    sh.title(tr("quality", lang))
    sh.kv([(tr(k, lang), q[k]) for k in ("respondents", "flagged") if k in q])
    flags = q.get("flags")
    n = D.as_number(q.get("respondents"))
    if isinstance(flags, Mapping) and flags:
        rates = q.get("rates") if isinstance(q.get("rates"), Mapping) else {}
        rows = []
        for code, cnt in flags.items():
            share = D.as_number(rates.get(code)) if rates else None
            if share is None and n and D.as_number(cnt) is not None:
                share = float(cnt) / n
            rows.append([code, cnt, share])
        sh.table([tr("flag", lang), tr("count", lang), tr("share", lang)], rows, fmts=[None, _FMT["int"], _FMT["pct"]])
    rest = {k: v for k, v in q.items() if k not in ("respondents", "flagged", "flags", "rates")}
    sh.blocks(D.blocks(rest))
    sh.ws.freeze_panes = "A3"
    sh.finish()


def _reliability(wb: Workbook, rel: dict[str, Any], lang: str) -> None:
    sh = _Sheet(wb, tr("reliability", lang))
    sh.title(tr("reliability", lang), tr("reliability_note", lang))
    scales = rel.get("scales")
    if not isinstance(scales, Mapping) or not scales:
        sh.blocks(D.blocks(rel))
        sh.finish()
        return
    keys = [k for k in ("n", "n_items", "alpha", "alpha_ci", "std_alpha", "g6", "average_r", "omega_total",
                        "omega_hierarchical", "omega_total_sl")
            if any(isinstance(s, Mapping) and k in s for s in scales.values())]
    cols = [tr("scale", lang)]
    for k in keys:
        cols.extend([tr(k, lang) + " (low)", tr(k, lang) + " (high)"] if k == "alpha_ci" else [tr(k, lang)])
    sh.ws.freeze_panes = sh.ws.cell(row=sh.row + 1, column=2).coordinate
    sh.header(cols)
    for name, s in scales.items():
        c = 1
        sh.cell(sh.row, c, name)
        for k in keys:
            v = s.get(k) if isinstance(s, Mapping) else None
            if k == "alpha_ci":
                lo, hi = (v if isinstance(v, (list, tuple)) and len(v) == 2 else
                          (D.get(v, "low"), D.get(v, "high")) if isinstance(v, Mapping) else (None, None))
                sh.cell(sh.row, c + 1, D.as_number(lo), fmt="0.000")
                sh.cell(sh.row, c + 2, D.as_number(hi), fmt="0.000")
                c += 2
            else:
                sh.cell(sh.row, c + 1, v, fmt=_FMT["int"] if k in ("n", "n_items") else "0.000")
                c += 1
        sh.row += 1
    sh.row += 1
    item_rows = []
    for name, s in scales.items():
        for iid, it in (D.get(s, "items") or {}).items():
            if isinstance(it, Mapping):
                item_rows.append([name, iid, tr("reversed", lang) if it.get("reversed") else "",
                                  D.as_number(it.get("r_drop")), D.as_number(it.get("alpha_if_deleted"))])
    if item_rows:
        sh.table([tr("scale", lang), tr("item", lang), tr("reversed", lang), tr("r_drop", lang),
                  tr("alpha_if_deleted", lang)], item_rows, title=tr("items", lang),
                 fmts=[None, None, None, "0.000", "0.000"])
    sh.finish()


def _factors(wb: Workbook, fac: dict[str, Any], lang: str, threshold: float) -> None:
    sh = _Sheet(wb, tr("factors", lang))
    sh.title(tr("factors", lang), tr("loadings_note", lang, threshold=f"{threshold:.2f}"))
    kv: list[tuple[str, Any]] = []
    for key, label in (("n", "n"), ("n_factors", "n_factors"), ("n_factors_rule", "retention"), ("method", "method"),
                       ("rotation", "rotation")):
        if D.get(fac, key) is not None and not isinstance(D.get(fac, key), (Mapping, list)):
            kv.append((tr(label, lang), D.get(fac, key)))
    if D.as_number(D.get(fac, "kmo", "overall")) is not None:
        kv.append((tr("kmo", lang), D.get(fac, "kmo", "overall")))
    for key in ("chi2", "df", "p"):
        if D.get(fac, "bartlett", key) is not None:
            kv.append((f"{tr('bartlett', lang)}: {tr(key, lang)}", D.get(fac, "bartlett", key)))
    ret = D.get(fac, "retention")
    if isinstance(ret, Mapping):
        for key in ("parallel", "map", "kaiser"):
            v = ret.get(key)
            if isinstance(v, Mapping):
                for sk, sv in v.items():
                    if not isinstance(sv, (Mapping, list)):
                        kv.append((f"{tr(key, lang)}: {sk}", sv))
            elif v is not None and not isinstance(v, list):
                kv.append((tr(key, lang), v))
    if kv:
        sh.kv(kv, tr("retention", lang))
    lo = D.loadings_frame(fac)
    if lo is not None:
        comm = fac.get("communalities") if isinstance(fac.get("communalities"), Mapping) else {}
        uniq = fac.get("uniquenesses") if isinstance(fac.get("uniquenesses"), Mapping) else {}
        labels = D.item_labels(fac)
        off = 3 if labels else 2
        sh.subtitle(tr("loadings", lang))
        cols = [tr("item", lang)] + ([tr("text", lang)] if labels else []) + list(lo.columns) + \
            ([tr("communality", lang)] if comm else []) + ([tr("uniqueness", lang)] if uniq else [])
        head = sh.header(cols)
        sh.ws.freeze_panes = sh.ws.cell(row=head + 1, column=off).coordinate
        for item, vals in lo.iterrows():
            sh.cell(sh.row, 1, item)
            if labels:
                sh.cell(sh.row, 2, labels.get(str(item)))
            for j, v in enumerate(vals):
                c = sh.cell(sh.row, off + j, float(v), fmt="0.00")
                if abs(v) >= threshold:
                    c.fill = _LOAD_FILL
                    c.font = _BOLD
            j = off + lo.shape[1]
            if comm:
                sh.cell(sh.row, j, D.as_number(comm.get(item)), fmt="0.00")
                j += 1
            if uniq:
                sh.cell(sh.row, j, D.as_number(uniq.get(item)), fmt="0.00")
            sh.row += 1
        sh.row += 1
    observed, refs = D.scree_series(fac)
    if observed:
        rows = []
        for i, v in enumerate(observed):
            rows.append([i + 1, v] + [(r[i] if i < len(r) else None) for r in refs.values()])
        sh.table([tr("factor", lang), tr("observed", lang)] + [f"{tr('reference', lang)}: {k}" for k in refs],
                 rows, title=tr("eigenvalues", lang), fmts=[None] + ["0.000"] * (1 + len(refs)))
    phi = fac.get("phi")
    if isinstance(phi, list) and phi and all(isinstance(r, list) for r in phi):
        names = list(lo.columns) if lo is not None and len(lo.columns) == len(phi) else \
            [f"F{i + 1}" for i in range(len(phi))]
        sh.table([""] + names, [[names[i]] + list(r) for i, r in enumerate(phi)], title=tr("phi", lang),
                 fmts=[None] + ["0.00"] * len(names))
    if isinstance(fac.get("fit"), Mapping):
        sh.blocks(D.blocks(fac["fit"], tr("fit", lang)))
    sh.finish()


def _segments(wb: Workbook, res: Mapping[str, dict[str, Any]], lang: str) -> None:
    seg = res.get("segment") or {}
    sh = _Sheet(wb, tr("segments", lang))
    sh.title(tr("segments", lang))
    kv = [(tr(k, lang), seg[k]) for k in ("k", "method") if k in seg and not isinstance(seg[k], (Mapping, list))]
    if kv:
        sh.kv(kv)
    sizes = D.segment_sizes(res)
    if sizes:
        first = sh.table([tr("segment", lang), tr("name", lang), tr("n", lang), tr("share", lang)],
                         [[int(k) if k.isdigit() else k, nm, n, s] for k, nm, n, s in sizes],
                         title=tr("sizes", lang), fmts=[None, None, _FMT["int"], _FMT["pct"]])
        ch = _bar_chart(sh, tr("sizes", lang),
                        Reference(sh.ws, min_col=3, min_row=first - 1, max_row=first + len(sizes) - 1),
                        Reference(sh.ws, min_col=2, min_row=first, max_row=first + len(sizes) - 1),
                        anchor=(max(1, first - 2), 7), height=max(6.0, 1.0 * len(sizes) + 3), width=14.0,
                        value_title=tr("respondents", lang))
        sh.row = max(sh.row, first + int(ch.height * 2) + 1)
    explanation = D.segment_explanation(seg, lang)
    if explanation:
        sh.cell(sh.row, 1, explanation, font=_MUTED, width=False)
        sh.row += 2
    for b in D.segment_blocks(seg, lang):
        if b["kind"] == "table":
            fmts = [_FMT.get(k) if k else None for k in b["kinds"]] if b.get("kinds") else None
            first = sh.table(b["columns"], b["rows"], b.get("title"), fmts=fmts)
            if b.get("chosen") is not None:
                for i, r in enumerate(b["rows"]):
                    if str(r[0]) == b["chosen"]:  # the chosen k
                        for j in range(len(r)):
                            sh.ws.cell(row=first + i, column=1 + j).fill = _LOAD_FILL
        else:
            sh.kv(b["rows"], b.get("title"))
    sh.finish()


def _bar_chart(sh: _Sheet, title: str, data: Reference, categories: Reference, *, anchor: tuple[int, int],
               height: float, width: float, legend: bool = False, top_down: bool = False,
               value_title: str | None = None) -> BarChart:
    """A native horizontal bar chart of ``data`` (series titles in its first row) placed at ``anchor``
    (row, column); ``top_down`` lists the first category at the top."""
    ch = BarChart()
    ch.type = "bar"
    ch.style = 10
    ch.title = title
    ch.add_data(data, titles_from_data=True)
    ch.set_categories(categories)
    if not legend:
        ch.legend = None
    if top_down:
        ch.x_axis.scaling.orientation = "maxMin"
    if value_title:
        ch.y_axis.title = value_title
    # Excel 365 hides axes that openpyxl leaves without an explicit delete=False
    ch.x_axis.delete = False
    ch.y_axis.delete = False
    ch.height, ch.width = height, width
    sh.ws.add_chart(ch, sh.ws.cell(row=anchor[0], column=anchor[1]).coordinate)
    return ch


def _profile_rows(prof: dict[str, Any]) -> list[dict[str, Any]]:
    return [v for v in (prof.get("variables") or []) if isinstance(v, Mapping)]


def _profiles(wb: Workbook, prof: dict[str, Any], lang: str) -> None:
    sh = _Sheet(wb, tr("profiles", lang))
    fdr = bool(prof.get("fdr"))
    alpha = D.as_number(prof.get("alpha")) or 0.05
    note = tr("profile_note", lang,
              weighted=tr("profile_note_weighted", lang) if prof.get("weighted") else "",
              marks=f"{_MARK['higher']}/{_MARK['lower']}", pname=tr("p_bh" if fdr else "p_plain", lang),
              alpha=f"{alpha:g}")
    sh.title(tr("profiles", lang), note)
    segs = prof.get("segments") if isinstance(prof.get("segments"), Mapping) else {}
    keys = list(segs)
    head1 = sh.row
    head2 = sh.row + 1
    fixed = [tr("variable", lang), tr("level", lang), tr("statistic", lang), tr("total", lang)]
    for j, v in enumerate(fixed):
        sh.cell(head1, 1 + j, v, font=_BOLD, fill=_HEAD_FILL)
        sh.cell(head2, 1 + j, None, fill=_HEAD_FILL).border = _THIN
    total_n = prof.get("rows_used")
    if total_n is not None:
        sh.cell(head2, 4, f"n = {total_n}", font=_BOLD, fill=_HEAD_FILL)
    sub = [tr("value", lang), tr("index", lang), tr("p_adj" if fdr else "p", lang), tr("sig", lang)]
    for i, key in enumerate(keys):
        col = 5 + 4 * i
        s = segs[key] if isinstance(segs[key], Mapping) else {}
        label = f"{key}. {s.get('name', key)} (n = {s.get('n', '')})"
        sh.cell(head1, col, label, font=_BOLD, fill=_HEAD_FILL, width=False)
        sh.ws.merge_cells(start_row=head1, start_column=col, end_row=head1, end_column=col + 3)
        for j, v in enumerate(sub):
            c = sh.cell(head2, col + j, v, font=_BOLD, fill=_HEAD_FILL)
            c.border = _THIN
    sh.ws.freeze_panes = sh.ws.cell(row=head2 + 1, column=5).coordinate
    sh.row = head2 + 1
    section = None
    stat_label = {"mean": tr("mean", lang), "proportion": tr("proportion", lang), "nps": tr("nps", lang)}
    for var in _profile_rows(prof):
        if var.get("section") != section:
            section = var.get("section")
            for c in range(1, 5 + 4 * len(keys)):
                sh.cell(sh.row, c, None, fill=_SECTION_FILL, width=False)
            sh.cell(sh.row, 1, tr(f"section_{section}", lang), font=_BOLD, fill=_SECTION_FILL)
            sh.row += 1
        stat = var.get("stat", "mean")
        fmt = _FMT.get(stat, "0.00")
        sh.cell(sh.row, 1, var.get("label") or var.get("variable"))
        sh.cell(sh.row, 2, var.get("level_label"))
        sh.cell(sh.row, 3, stat_label.get(stat, stat))
        sh.cell(sh.row, 4, D.as_number(D.get(var, "total", "value")), fmt=fmt)
        for i, key in enumerate(keys):
            cell = D.get(var, "segments", key) or {}
            col = 5 + 4 * i
            mark = cell.get("mark")
            fill = _HIGH_FILL if mark == "higher" else _LOW_FILL if mark == "lower" else None
            font = _HIGH_FONT if mark == "higher" else _LOW_FONT if mark == "lower" else None
            sh.cell(sh.row, col, D.as_number(cell.get("value")), fmt=fmt, fill=fill, font=font)
            sh.cell(sh.row, col + 1, D.as_number(cell.get("index")), fmt=_FMT["index"])
            sh.cell(sh.row, col + 2, D.as_number(cell.get("p_adj" if fdr else "p")), fmt=_FMT["p"])
            sh.cell(sh.row, col + 3, _MARK.get(mark, ""), font=font)
        sh.row += 1
    sh.finish(max_width=50)
    sh.ws.column_dimensions["A"].width = min(60, max(20, sh.widths.get(1, 20) + 2))
    sh.ws.row_dimensions[head1].height = 30
    for i in range(len(keys)):
        sh.ws.cell(row=head1, column=5 + 4 * i).alignment = Alignment(wrap_text=True, horizontal="center")


def chart_rows(prof: Mapping[str, Any], limit: int = 25) -> list[dict[str, Any]]:
    """The rows a profile chart shows: basis dimensions, else scale scores, else rating items (at most
    ``limit``)."""
    rows = _profile_rows(dict(prof))
    for section in ("basis", "scale", "likert"):
        sel = [r for r in rows if r.get("section") == section]
        if sel:
            return sel[:limit]
    return [r for r in rows if r.get("stat") == "mean"][:limit]


def _profile_charts(wb: Workbook, prof: dict[str, Any], lang: str) -> None:
    rows = chart_rows(prof)
    segs = prof.get("segments") if isinstance(prof.get("segments"), Mapping) else {}
    if not rows or not segs:
        return
    sh = _Sheet(wb, tr("profile_charts", lang))
    sh.title(tr("profile_charts", lang))
    for key, s in segs.items():
        name = s.get("name", key) if isinstance(s, Mapping) else key
        title = segment_title(key, name, lang)
        sh.subtitle(title)
        head = sh.header([tr("variable", lang), tr("total", lang), f"{key}. {name}"])
        for r in rows:
            sh.cell(sh.row, 1, r.get("label") or r.get("variable"))
            sh.cell(sh.row, 2, D.as_number(D.get(r, "total", "value")), fmt="0.00")
            sh.cell(sh.row, 3, D.as_number(D.get(r, "segments", key, "value")), fmt="0.00")
            sh.row += 1
        last = sh.row - 1
        ch = _bar_chart(sh, title, Reference(sh.ws, min_col=2, max_col=3, min_row=head, max_row=last),
                        Reference(sh.ws, min_col=1, min_row=head + 1, max_row=last), anchor=(head - 1, 5),
                        height=max(6.0, 0.55 * len(rows) + 2.5), width=16.0, legend=True, top_down=True)
        sh.row = max(sh.row, head - 1 + int(ch.height * 2) + 2)
    sh.finish(max_width=50)


def _voc(wb: Workbook, res: Mapping[str, dict[str, Any]], lang: str) -> None:
    sh = _Sheet(wb, tr("voc", lang))
    sh.title(tr("voc", lang))
    table, rest = D.voc_parts(res["voc"], lang)
    nps = D.nps_by_segment(res)
    if nps:
        first = sh.table([tr("segment", lang), tr("name", lang), "NPS"],
                         [[int(k) if k.isdigit() else k, nm, v] for k, nm, v in nps],
                         title=tr("nps_by_segment", lang), fmts=[None, None, "0.0"])
        ch = _bar_chart(sh, tr("nps_by_segment", lang),
                        Reference(sh.ws, min_col=3, min_row=first - 1, max_row=first + len(nps) - 1),
                        Reference(sh.ws, min_col=2, min_row=first, max_row=first + len(nps) - 1),
                        anchor=(max(1, first - 2), 6), height=max(6.0, 1.0 * len(nps) + 3), width=14.0,
                        top_down=True)
        sh.row = max(sh.row, first + int(ch.height * 2) + 1)
    if table is not None:
        sh.blocks([table])
    sh.blocks(D.blocks(rest))
    sh.finish()


def _generic(wb: Workbook, title: str, d: dict[str, Any]) -> None:
    sh = _Sheet(wb, title)
    sh.title(title)
    sh.blocks(D.blocks(d))
    sh.finish()


def write_xlsx_report(results: Mapping[str, Any], path: str | os.PathLike[str], *, lang: str = "en",
                      inputs: Sequence[str | os.PathLike[str]] = (), loading_threshold: float = LOADING_THRESHOLD,
                      title: str | None = None) -> Path:
    """Write the Excel report of the stages in ``results``.

    Parameters
    ----------
    results
        Stage name (``import``, ``quality``, ``reliability``, ``factor``, ``segment``, ``profile``,
        ``typing_tool``, ``crm``, ``voc``) -> result object (with ``to_dict()``) or its dict (the
        ``--json`` keys of CONTRACT.md). A sheet appears for each stage present; missing keys leave out
        lines, never fail.
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
    res = D.normalize_results(results)
    wb = Workbook()
    wb.remove(wb.active)
    _summary(wb, res, lang, title)
    if "quality" in res:
        _quality(wb, res["quality"], lang)
    if "reliability" in res:
        _reliability(wb, res["reliability"], lang)
    if "factor" in res:
        _factors(wb, res["factor"], lang, loading_threshold)
    if "segment" in res or "profile" in res:
        _segments(wb, res, lang)
    if "profile" in res:
        _profiles(wb, res["profile"], lang)
        _profile_charts(wb, res["profile"], lang)
    for stage, key in (("typing_tool", "typing_tool"), ("crm", "crm")):
        if stage in res:
            _generic(wb, tr(key, lang), res[stage])
    if "voc" in res:
        _voc(wb, res, lang)
    for stage in res:
        if stage not in D.STAGES:
            _generic(wb, stage, res[stage])
    wb.properties.title = title or tr("report_title", lang)
    wb.properties.creator = f"surveytools {__version__}"
    with atomic_write(p, inputs) as tmp:
        wb.save(os.fspath(tmp))
    return p
