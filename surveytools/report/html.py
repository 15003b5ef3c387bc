"""The HTML report: one self-contained file that works offline and prints well.

:func:`write_html_report` renders stage results (``stage -> result object or its dict``); it computes
nothing. Charts are inline SVG drawn by :mod:`surveytools.report.charts` (scree plot with parallel analysis,
loadings heat map, segment sizes, one profile chart per segment, NPS by segment); there is no JavaScript,
no remote script, style sheet, font or image. Every piece of survey text is HTML-escaped.
"""

from __future__ import annotations

import html
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from .. import __version__
from ..exceptions import DataError
from ..io.atomic import atomic_write
from . import _data as D
from . import charts
from .i18n import check_lang, fmt_number, fmt_percent, segment_title, tr
from .xlsx import LOADING_THRESHOLD, chart_rows

__all__ = ["write_html_report", "render_html_report"]

_CSS = """
:root { --ink: #1f2328; --muted: #57606a; --line: #d0d7de; --head: #e8eef7; --hi: #d4edda; --hi-ink: #1a7f37;
        --lo: #f8d7da; --lo-ink: #c62828; --accent: #2f6db5; }
* { box-sizing: border-box; }
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, "DejaVu Sans",
       sans-serif; color: var(--ink); margin: 0 auto; max-width: 1180px; padding: 24px 28px 64px;
       line-height: 1.45; font-size: 14px; }
h1 { font-size: 26px; margin: 0 0 4px; }
h2 { font-size: 20px; margin: 36px 0 10px; padding-bottom: 4px; border-bottom: 2px solid var(--accent); }
h3 { font-size: 15px; margin: 22px 0 8px; color: var(--accent); }
p.muted, .muted { color: var(--muted); }
nav ol { columns: 3; padding-left: 20px; margin: 8px 0 0; }
nav a { color: var(--accent); text-decoration: none; }
table { border-collapse: collapse; margin: 6px 0 14px; font-size: 13px; }
th, td { padding: 3px 8px; border-bottom: 1px solid var(--line); text-align: left; vertical-align: top; }
th { background: var(--head); font-weight: 600; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
tr.section td { background: #f3f4f6; font-weight: 600; }
td.higher { background: var(--hi); color: var(--hi-ink); font-weight: 600; }
td.lower { background: var(--lo); color: var(--lo-ink); font-weight: 600; }
td.strong { background: #fff3b0; font-weight: 600; }
.wide { overflow-x: auto; }
.chart { margin: 8px 0 18px; break-inside: avoid; page-break-inside: avoid; }
.chart svg { max-width: 100%; height: auto; }
.desc { margin: 4px 0 10px; }
.legend span { display: inline-block; padding: 0 6px; margin-right: 6px; }
@media print {
  body { max-width: none; padding: 0; font-size: 11px; }
  nav { display: none; }
  h2 { break-before: page; page-break-before: always; }
  h2.first { break-before: auto; page-break-before: auto; }
  .wide { overflow: visible; }
  table { font-size: 9.5px; }
  td.higher, td.lower, td.strong, th { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
}
"""

_MARK = {"higher": "\u25b2", "lower": "\u25bc"}


def _e(v: Any) -> str:
    return html.escape("" if v is None else str(v), quote=True)


def _fmt(v: Any, lang: str, kind: str | None = None) -> str:
    if v is None:
        return ""
    if isinstance(v, bool):
        return _e(v)
    if isinstance(v, int):
        return _e(fmt_number(v, 0, lang))
    if isinstance(v, float):
        if kind == "pct" or kind == "proportion":
            return _e(fmt_percent(v, 1, lang))
        if kind == "p":
            return "&lt;\u00a00.001" if v < 0.001 else _e(fmt_number(v, 3, lang))
        if kind == "index":
            return _e(fmt_number(v, 0, lang))
        if kind in ("mean", "2"):
            return _e(fmt_number(v, 2, lang))
        if kind == "nps":
            return _e(fmt_number(v, 1, lang))
        return _e(fmt_number(v, 3 if abs(v) < 1000 else 1, lang))
    return _e(v)


def _num_class(v: Any) -> str:
    return ' class="num"' if isinstance(v, (int, float)) and not isinstance(v, bool) else ""


class _Doc:
    def __init__(self, lang: str, title: str | None = None) -> None:
        self.lang = lang
        self.title = title or tr("report_title", lang)
        self.parts: list[str] = []
        self.toc: list[tuple[str, str]] = []

    def section(self, sid: str, title: str) -> None:
        cls = ' class="first"' if not self.toc else ""
        self.toc.append((sid, title))
        self.parts.append(f'<section id="{_e(sid)}"><h2{cls}>{_e(title)}</h2>')

    def end(self) -> None:
        self.parts.append("</section>")

    def h3(self, title: str) -> None:
        self.parts.append(f"<h3>{_e(title)}</h3>")

    def p(self, text: str, cls: str | None = None) -> None:
        self.parts.append(f'<p{f" class={chr(34)}{cls}{chr(34)}" if cls else ""}>{_e(text)}</p>')

    def kv(self, rows: Sequence[tuple[Any, Any]], title: str | None = None, kinds: Mapping[str, str] | None = None
           ) -> None:
        if not rows:
            return
        if title:
            self.h3(title)
        body = "".join(f"<tr><th>{_e(k)}</th><td{_num_class(v)}>{_fmt(v, self.lang, (kinds or {}).get(str(k)))}</td></tr>"
                       for k, v in rows)
        self.parts.append(f"<table>{body}</table>")

    def table(self, columns: Sequence[Any], rows: Sequence[Sequence[Any]], title: str | None = None,
              kinds: Sequence[str | None] | None = None, classes: Sequence[Sequence[str]] | None = None) -> None:
        if title:
            self.h3(title)
        head = "".join(f"<th>{_e(c)}</th>" for c in columns)
        body = []
        for i, r in enumerate(rows):
            tds = []
            for j, v in enumerate(r):
                kind = kinds[j] if kinds and j < len(kinds) else None
                extra = classes[i][j] if classes else ""
                cls = " ".join(c for c in ("num" if isinstance(v, (int, float)) and not isinstance(v, bool) else "",
                                           extra) if c)
                tds.append(f'<td{f" class={chr(34)}{cls}{chr(34)}" if cls else ""}>{_fmt(v, self.lang, kind)}</td>')
            body.append("<tr>" + "".join(tds) + "</tr>")
        self.parts.append(f'<div class="wide"><table><thead><tr>{head}</tr></thead><tbody>{"".join(body)}'
                          "</tbody></table></div>")

    def blocks(self, blocks: list[dict[str, Any]]) -> None:
        for b in blocks:
            if b["kind"] == "kv":
                self.kv(b["rows"], b.get("title"))
            else:
                self.table(b["columns"], b["rows"], b.get("title"))

    def chart(self, svg: str, label: str) -> None:
        self.parts.append(f'<figure class="chart" role="img" aria-label="{_e(label)}">{svg}</figure>')

    def render(self) -> str:
        lang = self.lang
        toc = "".join(f'<li><a href="#{_e(sid)}">{_e(title)}</a></li>' for sid, title in self.toc)
        return (f'<!DOCTYPE html>\n<html lang="{lang}">\n<head>\n<meta charset="utf-8">\n'
                '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
                f'<meta name="generator" content="surveytools {_e(__version__)}">\n'
                f"<title>{_e(self.title)}</title>\n<style>{_CSS}</style>\n</head>\n<body>\n"
                f"<header><h1>{_e(self.title)}</h1>"
                f'<p class="muted">{_e(tr("generated", lang, version=__version__))}</p>'
                f"<nav><strong>{_e(tr('contents', lang))}</strong><ol>{toc}</ol></nav></header>\n<main>\n"
                + "\n".join(self.parts) + "\n</main>\n</body>\n</html>\n")


# ====================================================================== sections

def _summary(doc: _Doc, res: Mapping[str, dict[str, Any]]) -> None:
    lang = doc.lang
    doc.section("summary", tr("summary", lang))
    facts: list[tuple[str, Any]] = []
    imp = res.get("import") or {}
    for key in ("format", "rows_in", "rows_out"):
        if imp.get(key) is not None:
            facts.append((f"{tr('import', lang)}: {tr(key, lang)}", imp[key]))
    q = res.get("quality") or {}
    for key in ("respondents", "flagged"):
        if q.get(key) is not None:
            facts.append((f"{tr('quality', lang)}: {tr(key, lang)}", q[key]))
    fac = res.get("factor") or {}
    if fac.get("n_factors") is not None:
        facts.append((f"{tr('factors', lang)}: {tr('n_factors', lang)}", fac["n_factors"]))
    seg = res.get("segment") or {}
    for key in ("k", "method"):
        if seg.get(key) is not None and not isinstance(seg[key], (Mapping, list)):
            facts.append((f"{tr('segments', lang)}: {tr(key, lang)}", seg[key]))
    prof = res.get("profile") or {}
    if prof.get("rows_used") is not None:
        facts.append((tr("rows_used", lang), prof["rows_used"]))
    if prof.get("rows_excluded"):
        facts.append((tr("unassigned", lang), prof["rows_excluded"]))
    tt = res.get("typing_tool") or {}
    if D.as_number(tt.get("accuracy")) is not None:
        facts.append((f"{tr('typing_tool', lang)}: {tr('accuracy', lang)}", tt["accuracy"]))
    crm = res.get("crm") or {}
    if crm.get("match_rate") is not None:
        facts.append((f"{tr('crm', lang)}: {tr('match_rate', lang)}", crm["match_rate"]))
    doc.kv(facts, kinds={f"{tr('crm', lang)}: {tr('match_rate', lang)}": "pct"})
    segs = prof.get("segments") if isinstance(prof.get("segments"), Mapping) else None
    if segs:
        doc.h3(tr("segments", lang))
        for s in segs.values():
            if isinstance(s, Mapping) and s.get("description"):
                doc.parts.append(f'<p class="desc">{_e(s["description"])}</p>')
    doc.end()


def _quality(doc: _Doc, q: dict[str, Any]) -> None:
    lang = doc.lang
    doc.section("quality", tr("quality", lang))
    doc.kv([(tr(k, lang), q[k]) for k in ("respondents", "flagged") if k in q])
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
        doc.table([tr("flag", lang), tr("count", lang), tr("share", lang)], rows, kinds=[None, None, "pct"])
    doc.end()


def _reliability(doc: _Doc, rel: dict[str, Any]) -> None:
    lang = doc.lang
    doc.section("reliability", tr("reliability", lang))
    doc.p(tr("reliability_note", lang), "muted")
    scales = rel.get("scales")
    if not isinstance(scales, Mapping) or not scales:
        doc.blocks(D.blocks(rel))
        doc.end()
        return
    keys = [k for k in ("n", "n_items", "alpha", "alpha_ci", "std_alpha", "g6", "average_r", "omega_total",
                        "omega_hierarchical", "omega_total_sl")
            if any(isinstance(s, Mapping) and k in s for s in scales.values())]
    rows = []
    for name, s in scales.items():
        row: list[Any] = [name]
        for k in keys:
            v = s.get(k) if isinstance(s, Mapping) else None
            if k == "alpha_ci":
                lo, hi = (v if isinstance(v, (list, tuple)) and len(v) == 2 else
                          (D.get(v, "low"), D.get(v, "high")) if isinstance(v, Mapping) else (None, None))
                v = (f"{fmt_number(lo, 3, lang)} \u2013 {fmt_number(hi, 3, lang)}"
                     if D.as_number(lo) is not None and D.as_number(hi) is not None else None)
            row.append(v)
        rows.append(row)
    doc.table([tr("scale", lang)] + [tr(k, lang) for k in keys], rows)
    item_rows = []
    for name, s in scales.items():
        for iid, it in (D.get(s, "items") or {}).items():
            if isinstance(it, Mapping):
                item_rows.append([name, iid, "\u2212" if it.get("reversed") else "",
                                  D.as_number(it.get("r_drop")), D.as_number(it.get("alpha_if_deleted"))])
    if item_rows:
        doc.table([tr("scale", lang), tr("item", lang), tr("reversed", lang), tr("r_drop", lang),
                   tr("alpha_if_deleted", lang)], item_rows, title=tr("items", lang))
    doc.end()


def _factors(doc: _Doc, fac: dict[str, Any], threshold: float, labels: Mapping[str, str]) -> None:
    lang = doc.lang
    doc.section("factors", tr("factors", lang))
    kv: list[tuple[str, Any]] = []
    if fac.get("n") is not None:
        kv.append((tr("n", lang), fac["n"]))
    if fac.get("n_factors") is not None:
        kv.append((tr("n_factors", lang), fac["n_factors"]))
    if isinstance(fac.get("n_factors_rule"), str):
        kv.append((tr("retention", lang), fac["n_factors_rule"]))
    for key in ("method", "rotation"):
        if isinstance(fac.get(key), str):
            kv.append((tr(key, lang), fac[key]))
    if D.as_number(D.get(fac, "kmo", "overall")) is not None:
        kv.append((tr("kmo", lang), D.get(fac, "kmo", "overall")))
    for key in ("chi2", "df", "p"):
        if D.get(fac, "bartlett", key) is not None:
            kv.append((f"{tr('bartlett', lang)}: {tr(key, lang)}", D.get(fac, "bartlett", key)))
    ret = fac.get("retention")
    if isinstance(ret, Mapping):
        for key in ("parallel", "map", "kaiser"):
            v = ret.get(key)
            if isinstance(v, Mapping):
                kv.extend((f"{tr(key, lang)}: {sk}", sv) for sk, sv in v.items() if not isinstance(sv, (Mapping, list)))
            elif v is not None and not isinstance(v, list):
                kv.append((tr(key, lang), v))
    doc.kv(kv, kinds={f"{tr('bartlett', lang)}: {tr('p', lang)}": "p"})
    observed, refs = D.scree_series(fac)
    if observed:
        n_f = fac.get("n_factors")
        doc.chart(charts.scree_svg(observed, refs, n_factors=int(n_f) if isinstance(n_f, int) else None, lang=lang),
                  tr("scree_title", lang))
    lo = D.loadings_frame(fac)
    if lo is not None:
        doc.chart(charts.loadings_heatmap_svg(lo, threshold=threshold, lang=lang, labels=dict(labels)),
                  tr("heatmap_title", lang))
        doc.p(tr("loadings_note", lang, threshold=fmt_number(threshold, 2, lang)), "muted")
        comm = fac.get("communalities") if isinstance(fac.get("communalities"), Mapping) else {}
        cols = [tr("item", lang)] + list(lo.columns) + ([tr("communality", lang)] if comm else [])
        rows, classes = [], []
        for item, vals in lo.iterrows():
            rows.append([item] + [float(v) for v in vals] + ([D.as_number(comm.get(item))] if comm else []))
            classes.append([""] + ["strong" if abs(v) >= threshold else "" for v in vals] + ([""] if comm else []))
        doc.table(cols, rows, title=tr("loadings", lang), kinds=[None] + ["2"] * (len(cols) - 1), classes=classes)
    doc.end()


def _segments(doc: _Doc, res: Mapping[str, dict[str, Any]]) -> None:
    lang = doc.lang
    seg = res.get("segment") or {}
    doc.section("segments", tr("segments", lang))
    doc.kv([(tr(k, lang), seg[k]) for k in ("k", "method") if k in seg and not isinstance(seg[k], (Mapping, list))])
    sizes = D.segment_sizes(res)
    if sizes:
        doc.chart(charts.sizes_svg(sizes, lang=lang), tr("sizes", lang))
        doc.table([tr("segment", lang), tr("name", lang), tr("n", lang), tr("share", lang)],
                  [[k, nm, int(n) if float(n).is_integer() else n, s] for k, nm, n, s in sizes],
                  kinds=[None, None, None, "pct"])
    explanation = D.segment_explanation(seg, lang)
    if explanation:
        doc.p(explanation)
    for b in D.segment_blocks(seg, lang):
        if b.get("chosen") is not None:
            classes = [["strong" if str(r[0]) == b["chosen"] else ""] * len(r) for r in b["rows"]]
            doc.table(b["columns"], b["rows"], b.get("title"), kinds=b.get("kinds"), classes=classes)
        else:
            doc.blocks([b])
    doc.end()


def _profiles(doc: _Doc, prof: dict[str, Any]) -> None:
    lang = doc.lang
    doc.section("profiles", tr("profiles", lang))
    fdr = bool(prof.get("fdr"))
    alpha = D.as_number(prof.get("alpha")) or 0.05
    doc.p(tr("profile_note", lang, weighted=tr("profile_note_weighted", lang) if prof.get("weighted") else "",
             marks=f"{_MARK['higher']}/{_MARK['lower']}", pname=tr("p_bh" if fdr else "p_plain", lang),
             alpha=f"{alpha:g}"), "muted")
    segs = prof.get("segments") if isinstance(prof.get("segments"), Mapping) else {}
    keys = list(segs)
    pkey = "p_adj" if fdr else "p"
    head1 = (f'<tr><th rowspan="2">{_e(tr("variable", lang))}</th><th rowspan="2">{_e(tr("level", lang))}</th>'
             f'<th class="num" rowspan="2">{_e(tr("total", lang))}<br>'
             f'<span class="muted">n = {_fmt(prof.get("rows_used"), lang)}</span></th>')
    head2 = "<tr>"
    for key in keys:
        s = segs[key] if isinstance(segs[key], Mapping) else {}
        head1 += (f'<th colspan="3">{_e(key)}. {_e(s.get("name", key))}<br>'
                  f'<span class="muted">n = {_fmt(s.get("n"), lang)}</span></th>')
        head2 += (f'<th class="num">{_e(tr("value", lang))}</th><th class="num">{_e(tr("index", lang))}</th>'
                  f'<th class="num">{_e(tr(pkey, lang))}</th>')
    head1 += "</tr>"
    head2 += "</tr>"
    body = []
    section = None
    for var in (v for v in (prof.get("variables") or []) if isinstance(v, Mapping)):
        if var.get("section") != section:
            section = var.get("section")
            body.append(f'<tr class="section"><td colspan="{3 + 3 * len(keys)}">'
                        f"{_e(tr(f'section_{section}', lang))}</td></tr>")
        stat = var.get("stat", "mean")
        tds = [f"<td>{_e(var.get('label') or var.get('variable'))}</td>", f"<td>{_e(var.get('level_label'))}</td>",
               f'<td class="num">{_fmt(D.as_number(D.get(var, "total", "value")), lang, stat)}</td>']
        for key in keys:
            cell = D.get(var, "segments", key) or {}
            mark = cell.get("mark")
            cls = f"num {mark}" if mark in _MARK else "num"
            val = _fmt(D.as_number(cell.get("value")), lang, stat)
            if mark in _MARK:
                val += f"\u00a0{_MARK[mark]}"
            tds.append(f'<td class="{cls}">{val}</td>')
            tds.append(f'<td class="num">{_fmt(D.as_number(cell.get("index")), lang, "index")}</td>')
            tds.append(f'<td class="num">{_fmt(D.as_number(cell.get(pkey)), lang, "p")}</td>')
        body.append("<tr>" + "".join(tds) + "</tr>")
    doc.parts.append(f'<div class="wide"><table class="profile"><thead>{head1}{head2}</thead>'
                     f'<tbody>{"".join(body)}</tbody></table></div>')
    doc.parts.append(f'<p class="legend muted"><span class="higher" style="background:var(--hi)">'
                     f'{_MARK["higher"]} {_e(tr("higher", lang))}</span><span style="background:var(--lo)">'
                     f'{_MARK["lower"]} {_e(tr("lower", lang))}</span></p>')
    rows = chart_rows(prof)
    if rows and keys:
        doc.h3(tr("profile_charts", lang))
        labels = [str(r.get("label") or r.get("variable")) for r in rows]
        totals = [D.as_number(D.get(r, "total", "value")) for r in rows]
        totals = [float("nan") if t is None else t for t in totals]
        for i, key in enumerate(keys):
            s = segs[key] if isinstance(segs[key], Mapping) else {}
            title = segment_title(key, s.get("name", key), lang)
            vals = [D.as_number(D.get(r, "segments", key, "value")) for r in rows]
            vals = [float("nan") if v is None else v for v in vals]
            marks = [D.get(r, "segments", key, "mark") for r in rows]
            if s.get("description"):
                doc.parts.append(f'<p class="desc">{_e(s["description"])}</p>')
            doc.chart(charts.profile_svg(title, labels, vals, totals, marks, lang=lang, salt=f"profile{i}"), title)
    doc.end()


def _nps(doc: _Doc, res: Mapping[str, dict[str, Any]]) -> bool:
    nps = D.nps_by_segment(res)
    if not nps:
        return False
    doc.h3(tr("nps_by_segment", doc.lang))
    doc.chart(charts.nps_svg(nps, lang=doc.lang), tr("nps_by_segment", doc.lang))
    return True


def render_html_report(results: Mapping[str, Any], *, lang: str = "en",
                       loading_threshold: float = LOADING_THRESHOLD, title: str | None = None) -> str:
    """The HTML report as text (see :func:`write_html_report`)."""
    lang = check_lang(lang)
    res = D.normalize_results(results)
    doc = _Doc(lang, title)
    _summary(doc, res)
    if "quality" in res:
        _quality(doc, res["quality"])
    if "reliability" in res:
        _reliability(doc, res["reliability"])
    if "factor" in res:
        _factors(doc, res["factor"], loading_threshold, D.item_labels(res["factor"]))
    if "segment" in res or "profile" in res:
        _segments(doc, res)
    if "profile" in res:
        _profiles(doc, res["profile"])
    for stage in ("typing_tool", "crm"):
        if stage in res:
            doc.section(stage.replace("_", "-"), tr(stage, lang))
            doc.blocks(D.blocks(res[stage]))
            doc.end()
    if "voc" in res:
        doc.section("voc", tr("voc", lang))
        _nps(doc, res)
        table, rest = D.voc_parts(res["voc"], lang)
        if table is not None:
            doc.blocks([table])
        doc.blocks(D.blocks(rest))
        doc.end()
    elif "profile" in res and D.nps_by_segment(res):
        doc.section("nps", tr("nps_by_segment", lang))
        _nps(doc, res)
        doc.end()
    for i, stage in enumerate(s for s in res if s not in D.STAGES):
        doc.section(f"extra-{i + 1}", stage)
        doc.blocks(D.blocks(res[stage]))
        doc.end()
    return doc.render()


def write_html_report(results: Mapping[str, Any], path: str | os.PathLike[str], *, lang: str = "en",
                      inputs: Sequence[str | os.PathLike[str]] = (),
                      loading_threshold: float = LOADING_THRESHOLD, title: str | None = None) -> Path:
    """Write the HTML report of the stages in ``results``: one self-contained, offline, printable file.

    Parameters
    ----------
    results
        Stage name (``import``, ``quality``, ``reliability``, ``factor``, ``segment``, ``profile``,
        ``typing_tool``, ``crm``, ``voc``) -> result object (with ``to_dict()``) or its dict (the
        ``--json`` keys of CONTRACT.md). A section appears for each stage present; missing keys leave out
        lines, never fail.
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
        Not a mapping of results, an unsupported language, or a file name not ending in .html/.htm.
    """
    p = Path(path)
    if p.suffix.lower() not in (".html", ".htm"):
        raise DataError(f"cannot write an HTML report to {p}: use a file name ending in .html")
    text = render_html_report(results, lang=lang, loading_threshold=loading_threshold, title=title)
    with atomic_write(p, inputs) as tmp:
        Path(tmp).write_text(text, encoding="utf-8")
    return p
