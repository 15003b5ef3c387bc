"""Summary documents of the stages: one builder per stage turns its result into a report section.

:func:`build_document` is what every report renders (HTML, xlsx, PowerPoint, text). The builders read the
stage results strictly: a key a section needs and the result lacks is a :class:`ReportKeyError` naming the
stage and the key, never a silently missing line.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ...exceptions import DataError
from ...report.i18n import check_lang
from .._data import NOT_REPORTED, STAGES, normalize_results
from ..document import Document, Msg, Section
from ._common import Context, ReportKeyError, num, reading
from .adequacy import bartlett_section, kmo_section, map_section, parallel_section, retention_section
from .customers import crm_extend_section, crm_section, nps_chart, voc_section
from .extras import kpis_section, tables_section, weight_section
from .measures import correlate_section, scores_section
from .run import run_section
from .segments import (
           STAT_FMT,
           customer_assign_section,
           profile_brief,
           profile_section,
           segment_assign_section,
           segment_evaluate_section,
           segment_section,
           typing_assign_section,
           typing_tool_section,
)
from .study import (
           draft_section,
           exclusions_section,
           factor_section,
           import_section,
           overview_section,
           quality_section,
           reliability_section,
           scale_reliability_section,
)
from .waves import waves_section

__all__ = ["build_document", "stage_section", "summary_document", "summary_text", "Context", "ReportKeyError",
           "STAT_FMT"]

_BUILDERS = {"quality": quality_section, "reliability": reliability_section, "factor": factor_section,
             "segment": segment_section, "profile": profile_section, "typing_tool": typing_tool_section,
             "crm": crm_section, "crm_extend": crm_extend_section, "voc": voc_section, "weight": weight_section,
             "tables": tables_section,
             "kpis": kpis_section, "waves": waves_section,
             # parts of a stage's result with a summary() of their own
             "exclusions": exclusions_section, "import_report": import_section, "draft": draft_section, "scale_reliability": scale_reliability_section,
             "typing_assign": typing_assign_section, "segment_assign": segment_assign_section,
             "customer_assign": customer_assign_section, "segment_evaluate": segment_evaluate_section,
             "kmo": kmo_section, "bartlett": bartlett_section, "parallel": parallel_section, "map": map_section,
             "retention": retention_section, "scores": scores_section, "correlate": correlate_section,
             "run": run_section}


def _context(results: Mapping[str, dict[str, Any]], lang: str, threshold: float) -> Context:
    ctx = Context(lang, dict(results), threshold)
    prof = results.get("profile")
    if prof is not None:
        with reading("profile", "labels and segment names"):
            for r in prof["variables"]:
                ctx.labels.setdefault(str(r["variable"]), str(r["label"]))
            for k, s in prof["segments"].items():
                ctx.names[str(k)] = str(s["name"])
                if s.get("letter"):
                    ctx.letters[str(k)] = str(s["letter"])
    seg = results.get("segment")
    if seg is not None and isinstance(seg.get("names"), Mapping):
        for k, v in seg["names"].items():
            ctx.names.setdefault(str(k), str(v))
    fac = results.get("factor")
    if fac is not None and isinstance(fac.get("names"), Mapping):  # factor names, when the factor stage gives them
        for k, v in fac["names"].items():
            if ctx.labels.get(str(k), str(k)) == str(k):  # over a bare code such as "F1"
                ctx.labels[str(k)] = str(v)
    ext = results.get("crm_extend")
    if ext is not None and isinstance(ext.get("segment_names"), Mapping):
        for k, v in ext["segment_names"].items():
            ctx.names.setdefault(str(k), str(v))
    voc = results.get("voc")
    if voc is not None and isinstance(voc.get("segments"), Mapping):
        for k, m in voc["segments"].items():
            if isinstance(m, Mapping) and m.get("name"):
                ctx.names.setdefault(str(k), str(m["name"]))
    return ctx


#: Sections the terminal shows for ``summary()`` where the report's section is longer than a terminal needs.
_BRIEF = {"profile": profile_brief}


def summary_document(stage: str, result: Any, *, lang: str = "en", **options: Any) -> Document:
    """The Summary document that ``result.summary()`` prints: the stage's section (its brief form when the
    report's section is long), titled by the stage. ``options`` are display options of the stage's
    ``summary()`` (e.g. ``digits``, ``cut`` of the factor loadings)."""
    lang = check_lang(lang)
    res = normalize_results({stage: result})
    ctx = _context(res, lang, 0.30)
    ctx.terminal, ctx.options = True, dict(options)
    with reading(stage):
        section = (_BRIEF.get(stage) or _BUILDERS[stage])(ctx)
    return Document(section.title, lang, [section])


def summary_text(stage: str, result: Any, *, lang: str = "en", label_width: int = 40, **options: Any) -> str:
    """``result.summary()``: its Summary document rendered by the one text renderer."""
    from ..text import render_section

    doc = summary_document(stage, result, lang=lang, **options)
    return "\n".join(render_section(doc, doc.sections[0], label_width=label_width, heading=False))


def stage_section(stage: str, ctx: Context) -> Section:
    """The section of one stage (``KeyError`` in a builder becomes a :class:`ReportKeyError`)."""
    with reading(stage):
        return _BUILDERS[stage](ctx)


def build_document(results: Mapping[str, Any], *, lang: str = "en", title: str | None = None,
                   loading_threshold: float = 0.30) -> Document:
    """The report of the stages in ``results`` as a Summary document.

    Parameters
    ----------
    results
        Stage name (``import``, ``quality``, ``reliability``, ``factor``, ``segment``, ``profile``,
        ``typing_tool``, ``crm``, ``voc``) -> result object (with ``to_dict()``) or its dict.
    lang
        ``en`` or ``es``: every fixed text of the document.
    title
        The report's title (default: "Survey segmentation report" in ``lang``).
    loading_threshold
        Loadings with ``|l| >=`` this are highlighted.

    Raises
    ------
    DataError
        An unknown stage name, an unsupported language, or a result that is not a dict/result object.
    ReportKeyError
        A stage result lacks a key its section needs.
    """
    lang = check_lang(lang)
    res = normalize_results({k: v for k, v in results.items() if k not in NOT_REPORTED}
                            if isinstance(results, Mapping) else results)
    unknown = [s for s in res if s not in STAGES]
    if unknown:
        raise DataError(f"reports know the stages {', '.join(STAGES)}; not {', '.join(map(repr, unknown))}")
    ctx = _context(res, lang, loading_threshold)
    sections = [overview_section(ctx)]
    for stage in ("quality", "weight", "reliability", "tables", "factor", "segment"):
        if stage in res:
            sections.append(stage_section(stage, ctx))
    if "profile" in res:
        sections.append(stage_section("profile", ctx))
    for stage in ("typing_tool", "crm", "crm_extend", "kpis", "voc", "waves"):
        if stage in res:
            sections.append(stage_section(stage, ctx))
    if "voc" not in res and "profile" in res:
        nps = [r for r in res["profile"]["variables"] if r["stat"] == "nps"]
        if nps:
            vals = [(k, num(c["value"])) for k, c in nps[0]["segments"].items()]
            sections.append(Section("nps", Msg("nps_by_segment"), [nps_chart(ctx, vals)]))
    return Document(title if title is not None else Msg("report_title"), lang, sections,
                    subtitle=Msg("generated", version=_version()))


def _version() -> str:
    from ... import __version__

    return __version__


