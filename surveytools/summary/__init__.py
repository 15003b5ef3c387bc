"""Summary documents: what each stage's result shows, as blocks every renderer draws the same way.

:mod:`.document` defines the blocks (headings, facts, tables with display hints, charts, notes, segment
cards; fixed text as translation keys of :mod:`surveytools.report.i18n`), :mod:`.sections` builds one
section per stage from its result (read strictly: a missing key is an error), and :mod:`.text` is the one
text renderer (``summary()`` and the command line). The HTML, Excel and PowerPoint renderers are in
:mod:`surveytools.report`.
"""

from __future__ import annotations

from .document import (
           Chart,
           Column,
           Document,
           Fact,
           Facts,
           Msg,
           Num,
           Paragraph,
           Point,
           Section,
           SegmentCard,
           Series,
           Table,
           format_value,
           text,
)
from .sections import ReportKeyError, build_document, summary_document, summary_text
from .text import render_text

__all__ = ["Document", "Section", "Paragraph", "Fact", "Facts", "Table", "Column", "Chart", "Series", "Point",
           "SegmentCard", "Msg", "Num", "text", "format_value", "build_document", "summary_document", "summary_text",
           "render_text", "ReportKeyError"]
