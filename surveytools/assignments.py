"""Segment assignment files: ``respondent_id``, ``segment`` (1..k) and optional extra columns.

Written by ``surveytools segment`` and ``surveytools assign``; read by ``profile``, ``typing-tool``,
``voc`` and ``crm join``.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from .exceptions import DataError, InputFileError
from .survey import Survey

__all__ = ["Assignments", "read_assignments", "write_assignments", "align_assignments"]

ID_COLUMN = "respondent_id"
SEGMENT_COLUMN = "segment"


@dataclass(frozen=True)
class Assignments:
    """Segments of respondents.

    Attributes
    ----------
    segment
        Respondent id (as text) -> segment number 1..k.
    extra
        Other columns of the file (membership probability, segment name...), same index.
    path
        The file read, for messages.
    """

    segment: pd.Series
    extra: pd.DataFrame
    path: str | None = None

    @property
    def k(self) -> int:
        """Number of segments."""
        return int(self.segment.max()) if len(self.segment) else 0

    @property
    def names(self) -> dict[int, str]:
        """Segment number -> name, when the file has a ``segment_name`` column."""
        if "segment_name" not in self.extra:
            return {}
        pairs = pd.DataFrame({"s": self.segment, "n": self.extra["segment_name"]}).dropna().drop_duplicates("s")
        return {int(s): str(n) for s, n in zip(pairs["s"], pairs["n"], strict=True)}


def read_assignments(path: str | os.PathLike[str]) -> Assignments:
    """Read an assignments file (.csv or .parquet).

    Raises
    ------
    InputFileError
        Missing or unreadable file.
    DataError
        No ``respondent_id``/``segment`` column, duplicate ids, segments that are not whole numbers >= 1.
    """
    p = Path(path)
    if not p.exists():
        raise InputFileError(f"segment assignments {p} not found; write them with 'surveytools segment -o {p.name}'")
    try:
        if p.suffix.lower() == ".parquet":
            df = pd.read_parquet(p)
        else:
            df = pd.read_csv(p, dtype={ID_COLUMN: str}, encoding="utf-8-sig")
    except (ValueError, OSError, UnicodeDecodeError) as exc:
        raise InputFileError(f"segment assignments {p} cannot be read: {exc}") from None
    missing = [c for c in (ID_COLUMN, SEGMENT_COLUMN) if c not in df.columns]
    if missing:
        raise DataError(f"{p}: no column {' or '.join(repr(c) for c in missing)}; an assignments file has "
                        f"'{ID_COLUMN}' and '{SEGMENT_COLUMN}' columns (as 'surveytools segment' writes)")
    ids = df[ID_COLUMN].astype(str)
    dup = ids[ids.duplicated()]
    if len(dup):
        raise DataError(f"{p}: respondent id {dup.iloc[0]!r} is assigned more than once "
                        f"({dup.nunique()} duplicated ids); keep one row per respondent")
    seg = pd.to_numeric(df[SEGMENT_COLUMN], errors="coerce")
    bad = seg.isna() | (seg < 1) | (seg != np.floor(seg))
    if bad.any():
        i = int(np.flatnonzero(bad.to_numpy())[0])
        raise DataError(f"{p}, row {i + 2}: segment {df[SEGMENT_COLUMN].iloc[i]!r} is not a whole number >= 1")
    index = pd.Index(ids, name=ID_COLUMN)
    extra = df.drop(columns=[ID_COLUMN, SEGMENT_COLUMN]).set_axis(index)
    return Assignments(segment=pd.Series(seg.astype(int).to_numpy(), index=index, name=SEGMENT_COLUMN),
                       extra=extra, path=str(p))


def write_assignments(frame: pd.DataFrame, path: str | os.PathLike[str], inputs: tuple[str, ...] = ()) -> Path:
    """Write assignments atomically (``respondent_id`` first). ``frame`` has a ``segment`` column."""
    from .io.atomic import atomic_write
    from .io.csv_safe import write_csv

    p = Path(path)
    out = frame.copy()
    out.index = out.index.astype(str)
    out.index.name = ID_COLUMN
    out = out.reset_index()
    with atomic_write(p, inputs) as tmp:
        if p.suffix.lower() == ".parquet":
            out.to_parquet(tmp, index=False)
        else:
            write_csv(out, tmp)
    return p


def align_assignments(survey: Survey, assignments: Assignments) -> tuple[Survey, pd.Series, pd.Index]:
    """Match assignments to a survey's respondents.

    Returns
    -------
    survey
        The respondents that have a segment.
    segment
        Their segments, in the survey's order.
    unassigned
        Ids of survey respondents without a segment (excluded, to be reported).

    Raises
    ------
    DataError
        Assignments name respondents that are not in the data (the first few are listed), or none match.
    """
    ids = survey.ids.astype(str)
    seg = assignments.segment
    unknown = seg.index.difference(ids)
    where = assignments.path or "the assignments"
    if len(unknown):
        raise DataError(f"{where}: {len(unknown)} respondent id(s) are not in {survey.source.describe()} "
                        f"(e.g. {', '.join(map(str, unknown[:5]))}); use the assignments made from this data")
    mask = seg.index.unique().get_indexer(ids) >= 0  # hash lookup (Index.isin on arrow strings is ~20x slower)
    if not mask.any():
        raise DataError(f"{where}: no respondent of {survey.source.describe()} has a segment")
    kept = survey.subset(np.asarray(mask))
    segment = seg.reindex(ids[mask]).set_axis(kept.ids)
    return kept, segment, survey.ids[~np.asarray(mask)]
