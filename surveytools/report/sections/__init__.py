"""Summary documents of the stages: one builder per stage turns its result into a report section.

:func:`build_document` is what every report renders (HTML, xlsx, PowerPoint, text). The builders read the
stage results strictly: a key a section needs and the result lacks is a :class:`ReportKeyError` naming the
stage and the key, never a silently missing line.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ...exceptions import DataError
from .._data import STAGES, normalize_results
from ..document import Document, Msg, Section
from ..i18n import check_lang
from ._common import Context, ReportKeyError, num, reading
from .customers import crm_section, nps_chart, voc_section
from .segments import STAT_FMT, profile_section, segment_section, typing_tool_section
from .study import factor_section, overview_section, quality_section, reliability_section

__all__ = ["build_document", "stage_section", "Context", "ReportKeyError", "STAT_FMT"]

_BUILDERS = {"quality": quality_section, "reliability": reliability_section, "factor": factor_section,
             "segment": segment_section, "profile": profile_section, "typing_tool": typing_tool_section,
             "crm": crm_section, "voc": voc_section}


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
    for stage in ("factor", "voc"):
        d = results.get(stage)
        if d is not None and isinstance(d.get("names"), Mapping):
            for k, v in d["names"].items():
                ctx.labels.setdefault(str(k), str(v))
    return ctx


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
    res = normalize_results(results)
    unknown = [s for s in res if s not in STAGES]
    if unknown:
        raise DataError(f"reports know the stages {', '.join(STAGES)}; not {', '.join(map(repr, unknown))}")
    ctx = _context(res, lang, loading_threshold)
    sections = [overview_section(ctx)]
    for stage in ("quality", "reliability", "factor", "segment"):
        if stage in res:
            sections.append(stage_section(stage, ctx))
    if "profile" in res:
        sections.append(stage_section("profile", ctx))
    for stage in ("typing_tool", "crm", "voc"):
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


