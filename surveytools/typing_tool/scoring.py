"""Turning answers (codes or labels, from a DataFrame or a file) into the typing tool's item matrix, fast.

Used by :meth:`surveytools.typing_tool.TypingTool.predict` and :func:`surveytools.typing_tool.assign_file`.
Files are read with pyarrow (multi-threaded CSV, Parquet) and only the needed columns; text answers
are mapped to codes once per distinct value (dictionary encoding), so a million rows cost milliseconds.
"""

from __future__ import annotations

import csv
import math
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

from ..exceptions import DataError, InputFileError
from ..questionnaire import normalize_label

__all__ = ["ItemInfo", "ItemValues", "codes_from_values", "read_columns", "code_key"]


def code_key(value: Any) -> int | float:
    """A code as int when it is whole (1.0 -> 1), else float: the form codes take in files and JSON."""
    f = float(value)
    return int(f) if f.is_integer() else f


@dataclass(frozen=True)
class ItemInfo:
    """What the typing tool keeps about a golden question to read and score answers without a questionnaire.

    Attributes
    ----------
    id
        Item id (the column name in clean data and customer files).
    text
        Question text.
    type
        Questionnaire item type (``likert``, ``numeric``, ``nps``).
    column
        The item's column in survey exports, when it differs from the id.
    codes
        Valid answer codes -> labels (empty for numeric items).
    missing_codes
        Codes that mean "no answer" (treated as missing).
    missing_labels
        Normalized labels that mean "no answer".
    aliases
        Extra labels (normalized) -> code.
    mean
        Training mean of the item: the value used for a missing answer.
    """

    id: str
    text: str | None
    type: str
    column: str | None
    codes: Mapping[int | float, str]
    missing_codes: tuple[int | float, ...] = ()
    missing_labels: tuple[str, ...] = ()
    aliases: Mapping[str, int | float] = field(default_factory=dict)
    mean: float = math.nan

    @property
    def valid_codes(self) -> tuple[int | float, ...]:
        """Valid codes in ascending order."""
        return tuple(sorted(self.codes))

    def label_map(self) -> dict[str, float]:
        """Normalized label -> code (NaN for labels meaning "no answer")."""
        out: dict[str, float] = {normalize_label(lab): float(c) for c, lab in self.codes.items()}
        for lab, c in self.aliases.items():
            out[normalize_label(lab)] = float(c)
        for lab in self.missing_labels:
            out[lab] = math.nan
        return out

    def options_text(self) -> str:
        """``1 = Disagree; 2 = ...`` for messages and the Excel calculator."""
        return "; ".join(f"{c} = {lab}" for c, lab in sorted(self.codes.items()))

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (codes as text keys, as JSON requires)."""
        return {"id": self.id, "text": self.text, "type": self.type, "column": self.column,
                "codes": {str(c): lab for c, lab in sorted(self.codes.items())},
                "missing_codes": list(self.missing_codes), "missing_labels": list(self.missing_labels),
                "aliases": dict(self.aliases), "mean": self.mean}

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> ItemInfo:
        """Inverse of :meth:`to_dict`."""
        return cls(id=str(d["id"]), text=d.get("text"), type=str(d.get("type", "likert")), column=d.get("column"),
                   codes={code_key(c): str(lab) for c, lab in (d.get("codes") or {}).items()},
                   missing_codes=tuple(code_key(c) for c in d.get("missing_codes") or ()),
                   missing_labels=tuple(d.get("missing_labels") or ()),
                   aliases={str(k): code_key(v) for k, v in (d.get("aliases") or {}).items()},
                   mean=float(d["mean"]))


@dataclass
class ItemValues:
    """Answers of one item as codes, with the counts of what was set to missing."""

    values: np.ndarray
    n_blank: int
    n_invalid: int


def _map_uniques(uniques: Sequence[Any], item: ItemInfo, extra: Mapping[str, float] | None
                 ) -> tuple[np.ndarray, list[int]]:
    """Codes of distinct answer texts (NaN for blanks and "no answer" labels), and the unknown ones' positions."""
    labels = item.label_map()
    if extra:
        labels = {**extra, **labels}
    out = np.empty(len(uniques))
    unknown: list[int] = []
    for i, u in enumerate(uniques):
        if u is None:
            out[i] = np.nan
            continue
        s = str(u).strip()
        if not s:
            out[i] = np.nan
            continue
        try:
            out[i] = float(s.replace(",", "."))
            continue
        except ValueError:
            pass
        key = normalize_label(s)
        if key in labels:
            out[i] = labels[key]
        else:
            out[i] = np.nan
            unknown.append(i)
    return out, unknown


def codes_from_values(values: Any, item: ItemInfo, *, column: str | None = None,
                      extra_labels: Mapping[str, float] | None = None, row_offset: int = 2) -> ItemValues:
    """Convert a column of answers (numbers, numeric text or answer labels) into codes.

    Blank cells, "no answer" codes and labels become NaN (``n_blank``); numbers that are not valid
    codes of the item's answer scale also become NaN (``n_invalid``). Both are imputed at scoring.

    Parameters
    ----------
    values
        A pyarrow array or chunked array, a pandas Series or a numpy array.
    item
        The golden question.
    column
        Column name for messages (default the item id).
    extra_labels
        More normalized label -> code pairs (from a questionnaire given at scoring time).
    row_offset
        File row of the first value, for messages (2 = after a header row).

    Raises
    ------
    DataError
        Text that is neither a number nor a known label (the first few are listed with their rows).
    """
    column = column or item.id
    arr: np.ndarray
    if isinstance(values, pa.ChunkedArray):
        values = values.combine_chunks() if values.num_chunks != 1 else values.chunk(0)
    if isinstance(values, pa.Array):
        t = values.type
        if pa.types.is_integer(t) or pa.types.is_floating(t) or pa.types.is_decimal(t):
            arr = values.cast(pa.float64()).to_numpy(zero_copy_only=False)
        elif pa.types.is_null(t):
            arr = np.full(len(values), np.nan)
        elif pa.types.is_boolean(t):
            raise DataError(f"column {column!r} holds true/false values, not answers to item {item.id!r}")
        else:
            enc = values.dictionary_encode() if not pa.types.is_dictionary(t) else values
            idx = enc.indices.to_numpy(zero_copy_only=False)
            if enc.null_count:
                idx = np.where(enc.is_null().to_numpy(zero_copy_only=False), -1, idx)
            idx = idx.astype(np.intp)
            uniques = enc.dictionary.cast(pa.string()).to_pylist()
            arr = _lookup(idx, uniques, item, extra_labels, column, row_offset)
    else:
        s = values if isinstance(values, pd.Series) else pd.Series(np.asarray(values))
        if pd.api.types.is_bool_dtype(s.dtype):
            raise DataError(f"column {column!r} holds true/false values, not answers to item {item.id!r}")
        if pd.api.types.is_numeric_dtype(s.dtype):
            arr = s.to_numpy(dtype=float, na_value=np.nan)
        else:
            idx, uniques = pd.factorize(s, use_na_sentinel=True)
            arr = _lookup(idx.astype(np.intp), list(uniques), item, extra_labels, column, row_offset)
    arr = np.array(arr, dtype=float, copy=True)
    blank = np.isnan(arr)
    if item.missing_codes:
        miss = np.isin(arr, np.asarray(item.missing_codes, dtype=float))
        arr[miss] = np.nan
        blank |= miss
    invalid = np.zeros(len(arr), dtype=bool)
    if item.codes:
        invalid = ~blank & ~np.isin(arr, np.asarray(item.valid_codes, dtype=float))
        arr[invalid] = np.nan
    else:
        invalid = ~blank & ~np.isfinite(arr)
        arr[invalid] = np.nan
    return ItemValues(values=arr, n_blank=int(blank.sum()), n_invalid=int(invalid.sum()))


def _lookup(idx: np.ndarray, uniques: list[Any], item: ItemInfo, extra: Mapping[str, float] | None, column: str,
            row_offset: int) -> np.ndarray:
    """Map dictionary indices (-1 = null) to codes through the distinct values; one take over the rows."""
    if not uniques:
        return np.full(len(idx), np.nan)
    mapped, unknown = _map_uniques(uniques, item, extra)
    if unknown:
        first = [int(np.flatnonzero(idx == u)[0]) + row_offset for u in unknown[:5]]
        shown = ", ".join(f"{str(uniques[u]).strip()!r} (row {r})" for u, r in zip(unknown[:5], first, strict=True))
        valid = item.options_text() or "numbers"
        raise DataError(f"column {column!r}: answer(s) {shown} are neither codes nor labels of item {item.id!r} "
                        f"({valid}); pass -q with a questionnaire listing these labels (as 'aliases' of the "
                        "option set), or recode them", [f"{len(unknown)} unknown answer text(s) in this column"])
    return np.append(mapped, np.nan)[idx]  # index -1 (null) takes the appended NaN


# ---------------------------------------------------------------------------------------------- files

def _sniff_delimiter(path: Path) -> tuple[str, list[str], str]:
    raw = path.open("rb").read(65536)
    if not raw.strip():
        raise InputFileError(f"{path} is empty")
    encoding = "utf-8"
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        if exc.start < len(raw) - 4:
            encoding = "latin-1"
            text = raw.decode("latin-1")
        else:
            text = raw[:exc.start].decode("utf-8-sig")
    first = text.splitlines()[0] if text.splitlines() else ""
    counts = {d: first.count(d) for d in (",", ";", "\t", "|")}
    delim = max(counts, key=lambda d: counts[d]) if max(counts.values()) > 0 else ","
    header = next(csv.reader([first], delimiter=delim))
    return delim, [h.strip() for h in header], encoding


def read_columns(path: str | os.PathLike[str], wanted: Sequence[str], *, id_candidates: Sequence[str] = (),
                 sheet: str | int | None = None) -> tuple[dict[str, Any], str | None, int]:
    """Read only some columns of a table file (.csv/.tsv/.txt, .parquet, .xlsx/.xls, SPSS .sav).

    Parameters
    ----------
    path
        The file.
    wanted
        Column names to read when present (matched exactly, then case-insensitively).
    id_candidates
        Possible names of the id column, in order of preference; the first present is read as text.
    sheet
        Worksheet of a workbook.

    Returns
    -------
    columns
        Name found in ``wanted`` (the requested spelling) -> pyarrow array.
    id_column
        The id column found (None when there is none), stored under ``columns[id_column]``.
    rows
        Number of data rows.

    Raises
    ------
    InputFileError
        Missing, empty or unreadable file.
    """
    p = Path(path)
    if not p.exists():
        raise InputFileError(f"{p} not found; check the path")
    if p.is_dir():
        raise InputFileError(f"{p} is a folder; give the path of a data file")
    if p.stat().st_size == 0:
        raise InputFileError(f"{p} is empty")
    suffix = p.suffix.lower()
    if suffix == ".parquet":
        import pyarrow.parquet as pq

        try:
            names = pq.read_schema(p).names
        except (OSError, pa.ArrowException) as exc:
            raise InputFileError(f"{p} cannot be read as Parquet: {exc}") from None
        found, id_col = _match(names, wanted, id_candidates)
        table = pq.read_table(p, columns=sorted(set(found.values()) | ({id_col} if id_col else set())))
    elif suffix in (".sav", ".zsav"):
        import pyreadstat

        try:
            _, meta = pyreadstat.read_sav(str(p), metadataonly=True)
            found, id_col = _match(list(meta.column_names), wanted, id_candidates)
            keep = sorted(set(found.values()) | ({id_col} if id_col else set()))
            df, _ = pyreadstat.read_sav(str(p), usecols=keep)
        except Exception as exc:  # pyreadstat raises its own ReadstatError and OSError
            raise InputFileError(f"{p} cannot be read as an SPSS file: {exc}") from None
        if id_col:
            df[id_col] = _text_ids(df[id_col])
        table = pa.Table.from_pandas(df, preserve_index=False)
    elif suffix in (".xlsx", ".xlsm", ".xls"):
        try:
            df = pd.read_excel(p, sheet_name=sheet if sheet is not None else 0, engine="calamine")
        except (ValueError, OSError) as exc:
            raise InputFileError(f"{p}: {exc}; check the file and --sheet") from None
        df.columns = [str(c).strip() for c in df.columns]
        found, id_col = _match(list(df.columns), wanted, id_candidates)
        keep = sorted(set(found.values()) | ({id_col} if id_col else set()))
        sub = df[keep]
        if id_col:
            sub = sub.assign(**{id_col: _text_ids(sub[id_col])})
        table = pa.Table.from_pandas(sub, preserve_index=False)
    else:
        import pyarrow.csv as pcsv

        delim, header, encoding = _sniff_delimiter(p)
        found, id_col = _match(header, wanted, id_candidates)
        keep = sorted(set(found.values()) | ({id_col} if id_col else set()))
        types = {id_col: pa.string()} if id_col else {}
        try:
            table = pcsv.read_csv(
                p, read_options=pcsv.ReadOptions(encoding=encoding, block_size=1 << 24),
                parse_options=pcsv.ParseOptions(delimiter=delim, newlines_in_values=False),
                convert_options=pcsv.ConvertOptions(include_columns=keep, column_types=types,
                                                    strings_can_be_null=True, auto_dict_encode=True,
                                                    auto_dict_max_cardinality=1000,
                                                    null_values=["", "NA", "N/A", "NaN", "nan", "NULL", "null"]),
            )
        except pa.ArrowInvalid as exc:
            raise InputFileError(f"{p} cannot be read as a {'tab' if delim == chr(9) else repr(delim)}-separated "
                                 f"table: {exc}") from None
    out: dict[str, Any] = {}
    for name, col in found.items():
        out[name] = table.column(col)
    if id_col:
        ids = table.column(id_col)
        if not pa.types.is_string(ids.type) and not pa.types.is_large_string(ids.type):
            ids = pa.array(_text_ids(ids.to_pandas()), type=pa.string())
        out[id_col] = ids
    return out, id_col, table.num_rows


def _text_ids(s: pd.Series) -> pd.Series:
    """Ids as text; whole numbers read as floats (12.0) print as 12."""
    if pd.api.types.is_float_dtype(s.dtype):
        whole = s.dropna()
        if len(whole) and np.all(np.mod(whole, 1) == 0):
            return s.map(lambda v: None if pd.isna(v) else str(int(v)))
    return s.map(lambda v: None if pd.isna(v) else str(v))


def _match(names: Sequence[str], wanted: Sequence[str], id_candidates: Sequence[str]
           ) -> tuple[dict[str, str], str | None]:
    exact = set(names)
    folded: dict[str, str] = {}
    for n in names:
        folded.setdefault(str(n).strip().casefold(), n)
    found: dict[str, str] = {}
    for w in wanted:
        if w in exact:
            found[w] = w
        elif w.casefold() in folded:
            found[w] = folded[w.casefold()]
    id_col = None
    for c in id_candidates:
        if c in exact:
            id_col = c
            break
        if c.casefold() in folded:
            id_col = folded[c.casefold()]
            break
    return found, id_col
