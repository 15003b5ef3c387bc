"""Report renderers: Excel (:func:`write_xlsx_report`) and HTML (:func:`write_html_report`).

Renderers compute nothing: they take ``stage name -> result`` (objects with ``to_dict()`` or those dicts)
and show what is there. Imported lazily, so ``import surveytools`` does not load openpyxl or matplotlib.
"""

from __future__ import annotations

from typing import Any

__all__ = ["write_xlsx_report", "write_html_report", "render_html_report"]


def __getattr__(name: str) -> Any:
    if name == "write_xlsx_report":
        from .xlsx import write_xlsx_report

        return write_xlsx_report
    if name in ("write_html_report", "render_html_report"):
        from . import html

        return getattr(html, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
