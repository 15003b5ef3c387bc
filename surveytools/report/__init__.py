"""Reports: the stage results as a Summary document (:mod:`.sections`), rendered as Excel
(:func:`write_xlsx_report`), HTML (:func:`write_html_report`), PowerPoint (:func:`write_pptx_report`) or text
(:func:`surveytools.summary.text.render_text`).

Renderers compute nothing. Imported lazily, so ``import surveytools`` does not load openpyxl, matplotlib
or python-pptx.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

__all__ = ["write_xlsx_report", "write_html_report", "render_html_report", "write_pptx_report", "write_report",
           "REPORT_FORMATS"]

#: Report formats by file suffix.
REPORT_FORMATS: dict[str, str] = {".xlsx": "xlsx", ".html": "html", ".htm": "html", ".pptx": "pptx"}


def write_report(results: Mapping[str, Any], path: str | os.PathLike[str], *, lang: str = "en",
                 inputs: Sequence[str | os.PathLike[str]] = (), title: str | None = None) -> Path:
    """Write the report of ``results`` in the format its suffix names (.xlsx, .html/.htm or .pptx).

    Raises
    ------
    DataError
        Any other suffix (the supported ones are listed), or what the format's writer raises.
    """
    from ..exceptions import DataError

    fmt = REPORT_FORMATS.get(Path(path).suffix.lower())
    if fmt is None:
        raise DataError(f"cannot write a report to {path}: use a name ending in .xlsx, .html or .pptx")
    writer = {"xlsx": "write_xlsx_report", "html": "write_html_report", "pptx": "write_pptx_report"}[fmt]
    return __getattr__(writer)(results, path, lang=lang, inputs=inputs, title=title)


def __getattr__(name: str) -> Any:
    if name == "write_xlsx_report":
        from .xlsx import write_xlsx_report

        return write_xlsx_report
    if name in ("write_html_report", "render_html_report"):
        from . import html

        return getattr(html, name)
    if name == "write_pptx_report":
        from .pptx import write_pptx_report

        return write_pptx_report
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
