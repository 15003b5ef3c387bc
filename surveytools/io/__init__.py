"""Reading survey files (exports and clean data) and writing clean data.

:func:`load_survey` is what every analysis command calls on its DATA argument.
"""

from __future__ import annotations

from .atomic import atomic_write, check_output_path
from .clean import load_survey, write_survey

__all__ = ["atomic_write", "check_output_path", "load_survey", "write_survey"]
