"""Segments: which segment (1..k) each respondent or customer is in, with names, probabilities and provenance.

:class:`Segments` is what ``segment``, ``typing-tool`` prediction and ``assign`` produce, and what ``profile``,
``typing-tool``, ``voc``, ``crm`` and the reports take. Files: ``respondent_id``, ``segment`` (1..k) and the
optional ``probability`` and ``segment_name`` columns (.csv or .parquet), read by :func:`read_segments` and
written by :meth:`Segments.write`. Segment names are parsed in one place, :func:`parse_names`.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .exceptions import DataError, InputFileError, InputLimitError
from .survey import Survey

__all__ = ["Segments", "read_segments", "as_segments", "parse_names", "ID_COLUMN", "SEGMENT_COLUMN", "NAME_COLUMN",
           "PROBABILITY_COLUMN"]

ID_COLUMN = "respondent_id"
SEGMENT_COLUMN = "segment"
NAME_COLUMN = "segment_name"
PROBABILITY_COLUMN = "probability"


def parse_names(spec: str | os.PathLike[str] | Mapping[Any, Any] | Sequence[str] | None) -> dict[int, str]:
    """Segment names from ``{1: "Achievers", ...}``, ``["Achievers", "Explorers"]`` (segments 1, 2, ...),
    ``"1=Achievers,2=Explorers"``, or a .yaml/.yml/.json file holding one of those (or ``names:`` one of those).

    Raises
    ------
    DataError
        A key that is not a segment number >= 1, or an empty name; an unreadable names file.
    InputFileError
        A names file that does not exist.
    """
    if spec is None:
        return {}
    if isinstance(spec, os.PathLike) or (isinstance(spec, str) and spec.lower().endswith((".yaml", ".yml", ".json"))):
        spec = _read_names_file(Path(spec))
    if isinstance(spec, str):
        pairs = []
        for part in spec.split(","):
            if not part.strip():
                continue
            if "=" not in part:
                raise DataError(f"segment name {part.strip()!r} has no number; write names as "
                                "'1=Achievers,2=Explorers'")
            key, _, name = part.partition("=")
            pairs.append((key.strip(), name.strip()))
    elif isinstance(spec, Mapping):
        pairs = [(k, v) for k, v in spec.items()]
    elif isinstance(spec, (list, tuple)):
        pairs = [(i + 1, v) for i, v in enumerate(spec)]
    else:
        raise DataError(f"segment names must be a mapping, a list or '1=Name,2=Name', not {type(spec).__name__}")
    out: dict[int, str] = {}
    for key, name in pairs:
        try:
            num = int(str(key).strip())
        except ValueError:
            raise DataError(f"segment name key {key!r} is not a segment number; write names as "
                            "'1=Achievers,2=Explorers'") from None
        if num < 1:
            raise DataError(f"segment name key {num} is not a segment number (segments are numbered 1..k)")
        if name is None or not str(name).strip():
            raise DataError(f"segment {num} has an empty name")
        out[num] = str(name).strip()
    return out


def _read_names_file(p: Path) -> Any:
    if not p.is_file():
        raise InputFileError(f"segment names file {p} not found")
    text = p.read_text(encoding="utf-8-sig")
    try:
        if p.suffix.lower() == ".json":
            data = json.loads(text)
        else:
            from .questionnaire import load_yaml

            data = load_yaml(text, f"segment names file {p}")  # refuses YAML alias bombs
    except InputLimitError:
        raise
    except Exception as exc:  # yaml.YAMLError is not a ValueError
        raise DataError(f"{p}: cannot read segment names: {exc}") from None
    if isinstance(data, dict) and "names" in data and isinstance(data["names"], (dict, list)):
        data = data["names"]
    return data


def _labels(values: Any, ids: pd.Index, where: str) -> pd.Series:
    """Validated segment numbers (whole numbers >= 1) as an int Series on text ids."""
    raw = pd.Series(np.asarray(values, dtype=object) if not isinstance(values, pd.Series) else values.to_numpy(),
                    index=ids)
    num = pd.to_numeric(raw, errors="coerce")
    bad = num.isna() | (num < 1) | (num != np.floor(num))
    if bad.any():
        i = int(np.flatnonzero(bad.to_numpy())[0])
        raise DataError(f"{where}: segment {raw.iloc[i]!r} of respondent {ids[i]!r} is not a whole number >= 1 "
                        "(segments are whole numbers 1..k)")
    return pd.Series(num.astype(int).to_numpy(), index=ids, name=SEGMENT_COLUMN)


@dataclass(frozen=True)
class Segments:
    """Respondent (or customer) id -> segment 1..k, with names, optional probabilities and provenance.

    Build with :meth:`from_labels` (validates the labels once), read with :func:`read_segments`.

    Attributes
    ----------
    segment
        Id (as text, index named ``respondent_id``) -> segment number 1..k.
    names
        Segment number -> name (may be empty or partial).
    probability
        Id -> probability of the assigned segment (mixture models, the typing tool), or None.
    source
        Where the segments came from: a file path, or e.g. ``"segment: kmeans, k=5"``.
    extra
        Other columns of a file read, same index (kept through read/write).
    """

    segment: pd.Series
    names: Mapping[int, str] = field(default_factory=dict)
    probability: pd.Series | None = None
    source: str | None = None
    extra: pd.DataFrame | None = None

    # ------------------------------------------------------------------ build
    @classmethod
    def from_labels(cls, labels: pd.Series | Sequence[int], ids: Sequence[Any] | pd.Index | None = None, *,
                    names: Any = None, probability: pd.Series | Sequence[float] | None = None,
                    source: str | None = None, extra: pd.DataFrame | None = None) -> Segments:
        """Segments from labels (a Series id -> segment, or values with ``ids``); missing labels are dropped.

        Raises
        ------
        DataError
            A label that is not a whole number >= 1, a duplicated id, or names of segments that do not exist.
        """
        where = source or "segments"
        if isinstance(labels, pd.Series) and ids is None:
            ids = labels.index
        index = pd.Index(pd.Index(ids).astype(str), name=ID_COLUMN)  # type: ignore[arg-type]
        values = pd.Series(labels.to_numpy() if isinstance(labels, pd.Series) else np.asarray(labels, dtype=object),
                           index=index)
        keep = values.notna().to_numpy()
        prob = None
        if probability is not None:
            p = probability.to_numpy() if isinstance(probability, pd.Series) else np.asarray(probability, float)
            prob = pd.Series(np.asarray(p, dtype=float)[keep], index=index[keep], name=PROBABILITY_COLUMN)
        if extra is not None:
            extra = extra.set_axis(index)[keep]
        index = index[keep]
        if not index.is_unique:
            dup = index[index.duplicated()]
            raise DataError(f"{where}: respondent id {dup[0]!r} is assigned more than once "
                            f"({dup.nunique()} duplicated ids); keep one row per respondent")
        seg = _labels(values[keep], index, where)
        parsed = parse_names(names) if not isinstance(names, Mapping) or names else {}
        k = int(seg.max()) if len(seg) else 0
        unknown = sorted(n for n in parsed if n > k)
        if unknown and k:
            raise DataError(f"{where}: names given for segment {unknown[0]}, but there are {k} segments")
        return cls(segment=seg, names=dict(parsed), probability=prob, source=source, extra=extra)

    @classmethod
    def from_frame(cls, frame: pd.DataFrame, source: str | None = None) -> Segments:
        """From a table with ``respondent_id`` (or the index), ``segment`` [, ``probability``, ``segment_name``]."""
        df = frame if ID_COLUMN in frame.columns else frame.rename_axis(ID_COLUMN).reset_index()
        where = source or "the segments table"
        missing = [c for c in (ID_COLUMN, SEGMENT_COLUMN) if c not in df.columns]
        if missing:
            raise DataError(f"{where}: no column {' or '.join(repr(c) for c in missing)}; a segments file has "
                            f"'{ID_COLUMN}' and '{SEGMENT_COLUMN}' columns (as 'surveytools segment' writes)")
        ids = df[ID_COLUMN].astype(str)
        extra = df.drop(columns=[ID_COLUMN, SEGMENT_COLUMN]).set_axis(pd.Index(ids, name=ID_COLUMN))
        prob = extra[PROBABILITY_COLUMN] if PROBABILITY_COLUMN in extra else None
        names: dict[int, str] = {}
        if NAME_COLUMN in extra:
            pairs = pd.DataFrame({"s": pd.to_numeric(df[SEGMENT_COLUMN], errors="coerce").to_numpy(),
                                  "n": extra[NAME_COLUMN].to_numpy()}).dropna().drop_duplicates("s")
            names = {int(s): str(n) for s, n in zip(pairs["s"], pairs["n"], strict=True)}
        return cls.from_labels(df[SEGMENT_COLUMN].reset_index(drop=True), ids, names=names, probability=prob,
                               source=source, extra=extra)

    def with_names(self, names: Any) -> Segments:
        """A copy with these names (anything :func:`parse_names` reads); None keeps the current names."""
        if names is None:
            return self
        parsed = parse_names(names)
        unknown = sorted(n for n in parsed if n > self.k)
        if unknown:
            raise DataError(f"names given for segment {unknown[0]}, but there are {self.k} segments")
        from dataclasses import replace

        return replace(self, names={**dict(self.names), **parsed})

    # ------------------------------------------------------------------ read
    @property
    def k(self) -> int:
        """Number of segments (the highest segment number)."""
        return int(self.segment.max()) if len(self.segment) else 0

    @property
    def ids(self) -> pd.Index:
        """The ids that have a segment."""
        return self.segment.index

    @property
    def path(self) -> str | None:
        """Deprecated name of :attr:`source`."""
        return self.source

    def __len__(self) -> int:
        return len(self.segment)

    def name_of(self, segment: int) -> str:
        """The segment's name, or its number as text."""
        return self.names.get(int(segment), str(int(segment)))

    def sizes(self) -> dict[int, int]:
        """Segment -> respondents (every segment 1..k, zero included)."""
        counts = self.segment.value_counts()
        return {s: int(counts.get(s, 0)) for s in range(1, self.k + 1)}

    def to_frame(self) -> pd.DataFrame:
        """``segment`` [, ``probability``] [, ``segment_name``] [, other columns] indexed by ``respondent_id``."""
        frame = pd.DataFrame({SEGMENT_COLUMN: self.segment})
        if self.probability is not None:
            frame[PROBABILITY_COLUMN] = self.probability
        if self.names:
            frame[NAME_COLUMN] = self.segment.map(dict(self.names))
        if self.extra is not None:
            for c in self.extra.columns:
                if c not in frame.columns:
                    frame[c] = self.extra[c]
        frame.index.name = ID_COLUMN
        return frame

    def write(self, path: str | os.PathLike[str], inputs: Sequence[str | os.PathLike[str]] = ()) -> Path:
        """Write atomically to .csv or .parquet: ``respondent_id`` first, then :meth:`to_frame`'s columns.

        Raises
        ------
        InputFileError
            Another extension, or ``path`` is one of ``inputs``.
        """
        return write_frame(self.to_frame(), path, inputs)

    def without(self, ids: Sequence[Any] | pd.Index) -> Segments:
        """A copy without these respondents (e.g. those a stage leaves out for their quality flags)."""
        drop = pd.Index(pd.Index(ids).astype(str))
        keep = ~self.segment.index.isin(drop)
        if keep.all():
            return self
        return replace(self, segment=self.segment[keep],
                       probability=None if self.probability is None else self.probability[keep],
                       extra=None if self.extra is None else self.extra[keep])

    def align(self, survey: Survey) -> tuple[Survey, pd.Series, pd.Index]:
        """Match the segments to a survey's respondents.

        Returns
        -------
        survey
            The respondents that have a segment.
        segment
            Their segments, in the survey's order (indexed by the survey's ids).
        unassigned
            Ids of survey respondents without a segment (to be reported as excluded).

        Raises
        ------
        DataError
            Segments name respondents that are not in the data (the first few are listed), or none match.
        """
        ids = survey.ids.astype(str)
        seg = self.segment
        unknown = seg.index.difference(ids)
        where = self.source or "the segments"
        if len(unknown):
            raise DataError(f"{where}: {len(unknown)} respondent id(s) are not in {survey.source.describe()} "
                            f"(e.g. {', '.join(map(str, unknown[:5]))}); use the segments made from this data")
        mask = seg.index.unique().get_indexer(ids) >= 0  # hash lookup (Index.isin on arrow strings is ~20x slower)
        if not mask.any():
            raise DataError(f"{where}: no respondent of {survey.source.describe()} has a segment")
        kept = survey.subset(np.asarray(mask))
        segment = seg.reindex(ids[mask]).set_axis(kept.ids)
        return kept, segment, survey.ids[~np.asarray(mask)]


def write_frame(frame: pd.DataFrame, path: str | os.PathLike[str], inputs: Sequence[str | os.PathLike[str]] = ()
                ) -> Path:
    """Write a segments table (index = ids) atomically to .csv, .parquet or a labelled SPSS .sav (segment numbers
    labelled with the segment names), ``respondent_id`` first."""
    from .io.atomic import atomic_write
    from .io.csv_safe import write_csv

    p = Path(path)
    if p.suffix.lower() not in (".csv", ".parquet", ".sav"):
        raise InputFileError(f"cannot write segments to {p}: use a .csv, .parquet or .sav file name")
    out = frame.copy()
    out.index = out.index.astype(str)
    out.index.name = ID_COLUMN
    out = out.reset_index()
    if p.suffix.lower() == ".sav":
        from .io.sav import SavMeta, write_sav

        names = {}
        if "segment_name" in out:
            pairs = out[["segment", "segment_name"]].dropna().drop_duplicates("segment")
            names = {float(k): str(v) for k, v in zip(pairs["segment"], pairs["segment_name"], strict=True)}
        labels = {"respondent_id": "Respondent id", "segment": "Segment", "probability": "Probability of the segment",
                  "segment_name": "Segment name"}
        write_sav(out, p, SavMeta(column_labels={c: v for c, v in labels.items() if c in out},
                                  value_labels={"segment": names} if names else {},
                                  measure={"segment": "nominal"}), inputs=inputs)
        return p
    with atomic_write(p, inputs) as tmp:
        if p.suffix.lower() == ".parquet":
            out.to_parquet(tmp, index=False)
        else:
            write_csv(out, tmp)  # segment names from a project file never become formulas
    return p


def as_segments(segments: Segments | pd.Series | str | os.PathLike[str], source: str | None = None) -> Segments:
    """Segments from Segments (returned as they are), a Series id -> segment (missing = no segment) or a file.

    Raises
    ------
    DataError
        Labels that are not whole numbers >= 1, duplicated ids, or another type.
    """
    if isinstance(segments, Segments):
        return segments
    if isinstance(segments, (str, os.PathLike)):
        return read_segments(segments)
    if isinstance(segments, pd.Series):
        return Segments.from_labels(segments, source=source)
    raise DataError(f"segments must be Segments, a Series of segment numbers or a file path, not "
                    f"{type(segments).__name__}")


def read_segments(path: str | os.PathLike[str]) -> Segments:
    """Read a segments file (.csv or .parquet): ``respondent_id``, ``segment`` [, ``probability``,
    ``segment_name``, ...].

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
    seg = pd.to_numeric(df[SEGMENT_COLUMN], errors="coerce")
    bad = seg.isna() | (seg < 1) | (seg != np.floor(seg))
    if bad.any():
        i = int(np.flatnonzero(bad.to_numpy())[0])
        raise DataError(f"{p}, row {i + 2}: segment {df[SEGMENT_COLUMN].iloc[i]!r} is not a whole number >= 1")
    return Segments.from_frame(df, source=str(p))
