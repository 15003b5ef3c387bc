"""Reading survey files (exports and clean data) and writing clean data.

:func:`load_survey` is what every analysis command calls on its DATA argument;
:func:`import_survey` does the same and also returns the import report (``surveytools import``).
"""

from __future__ import annotations

from .atomic import atomic_write, check_output_path
from .clean import OUTPUT_SUFFIXES, clean_frame, load_survey, write_survey
from .importer import ImportReport, ImportResult, UnknownLabel, import_survey
from .sources import sniff_kind

__all__ = [
    "OUTPUT_SUFFIXES",
    "ImportReport",
    "ImportResult",
    "UnknownLabel",
    "atomic_write",
    "check_output_path",
    "clean_frame",
    "import_survey",
    "load_survey",
    "sniff_kind",
    "write_survey",
]
