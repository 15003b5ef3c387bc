"""The typing tool: a handful of golden questions that assign new respondents or customers to segments.

:class:`TypingTool` selects the golden questions by forward stepwise search on cross-validated accuracy
(stratified k-fold, seeded), fits a linear discriminant analysis on them and exposes Fisher's
classification functions (one column of coefficients per segment plus a constant: the layout research
agencies deliver). A fitted tool

- predicts segments of new data (:meth:`TypingTool.predict`, :func:`assign_file` for big files);
- saves to / loads from a JSON model (:meth:`TypingTool.save`, :meth:`TypingTool.load`);
- exports an Excel calculator (:meth:`TypingTool.to_excel`) and a SQL query (:meth:`TypingTool.to_sql`)
  that give exactly the segments :meth:`TypingTool.predict` gives.

Missing answers are replaced by the item's training mean and counted; a respondent with more than
``max_missing`` (default half) of the golden questions unanswered gets no segment and is reported as
excluded.

Examples
--------
>>> from surveytools.typing_tool import TypingTool            # doctest: +SKIP
>>> tool = TypingTool(max_items=12).fit(survey, assignments)   # doctest: +SKIP
>>> print(tool.result_.summary())                              # doctest: +SKIP
>>> tool.save("typing.json"); tool.to_excel("typing.xlsx")     # doctest: +SKIP
"""

from __future__ import annotations

from .assign import assign_file
from .model import DEFAULT_SEED, MODEL_FORMAT, MODEL_FORMAT_VERSION, TypingTool, load_typing_tool
from .results import AssignResult, TypingToolResult

__all__ = ["TypingTool", "TypingToolResult", "AssignResult", "assign_file", "load_typing_tool", "MODEL_FORMAT",
           "MODEL_FORMAT_VERSION", "DEFAULT_SEED"]
