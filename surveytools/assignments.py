"""Deprecated: segment assignments are :class:`surveytools.segments.Segments` now.

``Assignments``, ``read_assignments``, ``write_assignments`` and ``align_assignments`` keep working (they are
thin aliases of :mod:`surveytools.segments`) and will be removed in a later release. Importing this module
warns (:class:`DeprecationWarning`); nothing inside surveytools imports it (``tests/test_layers.py``).
"""

from __future__ import annotations

import os
import warnings
from pathlib import Path

import pandas as pd

from .segments import ID_COLUMN, SEGMENT_COLUMN, Segments, read_segments, write_frame
from .survey import Survey

warnings.warn("surveytools.assignments is deprecated; use surveytools.segments (Segments, read_segments, "
              "Segments.write, Segments.align)", DeprecationWarning, stacklevel=2)

__all__ = ["Assignments", "read_assignments", "write_assignments", "align_assignments", "ID_COLUMN",
           "SEGMENT_COLUMN"]


class Assignments(Segments):
    """Deprecated: use :class:`~surveytools.segments.Segments` (``Segments.from_labels``).

    ``Assignments(segment, extra, path)``: the ``probability`` and ``segment_name`` columns of ``extra`` become
    the probability and the names.
    """

    def __init__(self, segment: pd.Series, extra: pd.DataFrame | None = None, path: str | None = None) -> None:
        extra = extra if extra is not None else pd.DataFrame(index=segment.index)
        frame = extra.copy()
        frame.insert(0, SEGMENT_COLUMN, segment.to_numpy())
        frame.index = pd.Index(segment.index.astype(str), name=ID_COLUMN)
        built = Segments.from_frame(frame, source=path)
        super().__init__(segment=built.segment, names=built.names, probability=built.probability, source=path,
                         extra=built.extra)


def read_assignments(path: str | os.PathLike[str]) -> Segments:
    """Deprecated: :func:`surveytools.segments.read_segments`."""
    return read_segments(path)


def write_assignments(frame: pd.DataFrame, path: str | os.PathLike[str], inputs: tuple[str, ...] = ()) -> Path:
    """Deprecated: :meth:`surveytools.segments.Segments.write` (``frame`` has a ``segment`` column)."""
    return write_frame(frame, path, inputs)


def align_assignments(survey: Survey, assignments: Segments) -> tuple[Survey, pd.Series, pd.Index]:
    """Deprecated: :meth:`surveytools.segments.Segments.align`."""
    return assignments.align(survey)
