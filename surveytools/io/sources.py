"""Opening survey files by their content: workbooks, text tables, SPSS and Parquet files.

The kind of a file is read from its first bytes, never from its extension: a zip archive holding
``xl/workbook.xml`` is an Excel workbook whatever it is called, an OLE2 compound file is a legacy ``.xls``
workbook (or an encrypted workbook, whose OLE2 container holds ``EncryptionInfo``), ``$FL2`` starts an SPSS
``.sav`` file, ``PAR1`` a Parquet file, and anything else must be text (CSV with any delimiter, UTF-8 with or
without BOM, UTF-16 with BOM, Windows-1252 or Latin-1).

:func:`open_table` returns a :class:`Table`: the first rows of the sheet (for header detection) and an
iterator over the remaining rows in row-major chunks (two-dimensional object arrays), so that a large
workbook is never held twice in memory as Python objects.
"""

from __future__ import annotations

import csv
import io
import itertools
import mmap
import os
import re
import struct
import sys
import warnings
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..exceptions import InputFileError, SurveyToolsWarning

__all__ = ["Table", "open_table", "sniff_kind", "HEAD_ROWS", "CHUNK_ROWS"]

#: Rows read ahead for header detection.
HEAD_ROWS = 25
#: Data rows converted at a time.
CHUNK_ROWS = 8192

_OLE2_MAGIC = bytes.fromhex("D0CF11E0A1B11AE1")
_WORKBOOK_KINDS = ("xlsx", "xlsb", "xls", "ods")


@dataclass
class Table:
    """The cells of one sheet (or text table) of a survey file.

    Attributes
    ----------
    path
        The file.
    kind
        ``xlsx``, ``xlsb``, ``xls``, ``ods``, ``csv``, ``sav`` or ``parquet``.
    sheet
        The sheet read (workbooks only).
    sheets
        Every sheet of the workbook.
    width
        Number of columns.
    head
        The first rows (at most :data:`HEAD_ROWS`), leading blank rows included.
    first_row
        Spreadsheet row number (1-based) of ``head[0]``.
    value_labels
        SPSS value labels: column position -> {value: label}.
    frame
        For SPSS and Parquet files: the data rows as typed columns (numbered from 0), read column by column
        instead of through :meth:`chunks`.
    rows_hint
        Rows the table is expected to hold counted from ``head[0]`` (0 when unknown), to size buffers.
    column_labels
        SPSS variable labels: column position -> label.
    encoding, delimiter
        How a text file was read.
    """

    path: Path
    kind: str
    sheet: str | None
    sheets: tuple[str, ...]
    width: int
    head: list[list[Any]]
    first_row: int
    _rest: Iterator[np.ndarray] = field(repr=False)
    value_labels: dict[int, dict[Any, str]] = field(default_factory=dict)
    column_labels: dict[int, str] = field(default_factory=dict)
    encoding: str | None = None
    delimiter: str | None = None
    _close: Callable[[], None] | None = field(default=None, repr=False)
    frame: pd.DataFrame | None = field(default=None, repr=False)
    rows_hint: int = 0

    def describe(self) -> str:
        """``file`` or ``file, sheet 'S'`` for messages."""
        return f"{self.path}, sheet {self.sheet!r}" if self.sheet is not None else str(self.path)

    def chunks(self, skip: int) -> Iterator[np.ndarray]:
        """Row-major object arrays of the rows after the first ``skip`` rows of :attr:`head`.

        Call once: the rows are read from the file as they are needed.
        """
        rest_head = self.head[skip:]
        if rest_head:
            yield _to_grid(rest_head, self.width)
        try:
            yield from self._rest
        finally:
            self.close()

    def close(self) -> None:
        """Release the file (workbooks stay open until their rows are read)."""
        if self._close is not None:
            self._close()
            self._close = None


def _to_grid(rows: list[list[Any]], width: int) -> np.ndarray:
    if rows and width and all(len(r) == width for r in rows):
        flat = np.fromiter(itertools.chain.from_iterable(rows), dtype=object, count=len(rows) * width)
        return flat.reshape(len(rows), width)
    out = np.empty((len(rows), width), dtype=object)
    out.fill("")
    for i, r in enumerate(rows):
        out[i, : len(r)] = r[:width]
    return out


# ====================================================================== sniffing

def _cfb_names(path: Path) -> list[str]:
    """Names of the storages and streams of an OLE2 compound file (MS-CFB), from its directory."""
    with open(path, "rb") as fh, mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ) as data:
        return _cfb_directory(data)


def _cfb_directory(data: Any) -> list[str]:
    # only the header, the FAT and the directory sectors are touched (the file is memory-mapped)
    if len(data) < 512:
        raise ValueError("truncated header")
    sector_shift = struct.unpack_from("<H", data, 0x1E)[0]
    if sector_shift not in (9, 12):
        raise ValueError("bad sector size")
    size = 1 << sector_shift
    n_fat = struct.unpack_from("<I", data, 0x2C)[0]
    first_dir = struct.unpack_from("<I", data, 0x30)[0]
    first_difat = struct.unpack_from("<I", data, 0x44)[0]
    fat_sectors = [s for s in struct.unpack_from("<109I", data, 0x4C) if s < 0xFFFFFFFA]
    seen_difat = 0
    while first_difat < 0xFFFFFFFA and seen_difat < 10_000:
        off = (first_difat + 1) * size
        if off + size > len(data):
            break
        entries = struct.unpack_from(f"<{size // 4}I", data, off)
        fat_sectors.extend(s for s in entries[:-1] if s < 0xFFFFFFFA)
        first_difat = entries[-1]
        seen_difat += 1
    fat_sectors = fat_sectors[:n_fat] if n_fat else fat_sectors
    fat: list[int] = []
    for s in fat_sectors:
        off = (s + 1) * size
        if off + size > len(data):
            raise ValueError("truncated FAT")
        fat.extend(struct.unpack_from(f"<{size // 4}I", data, off))
    names: list[str] = []
    sector = first_dir
    visited = 0
    while sector < 0xFFFFFFFA and visited < 100_000:
        off = (sector + 1) * size
        if off + size > len(data):
            raise ValueError("truncated directory")
        for e in range(size // 128):
            entry = bytes(data[off + e * 128: off + (e + 1) * 128])
            name_len = struct.unpack_from("<H", entry, 64)[0]
            kind = entry[66]
            if kind in (1, 2, 5) and 2 <= name_len <= 64:
                names.append(entry[: name_len - 2].decode("utf-16-le", errors="replace"))
        sector = fat[sector] if sector < len(fat) else 0xFFFFFFFE
        visited += 1
    return names


def _not_workbook(path: Path, what: str) -> InputFileError:
    return InputFileError(f"{path} is {what}, not a survey export; give the .xlsx, .xls, .csv or .sav file "
                          "exported from the survey platform")


def sniff_kind(path: str | os.PathLike[str]) -> str:
    """The kind of a survey file from its first bytes.

    Returns
    -------
    str
        ``xlsx``, ``xlsb``, ``ods``, ``xls``, ``sav``, ``parquet`` or ``csv``.

    Raises
    ------
    InputFileError
        Missing, empty, encrypted, or a file that is not a survey table (a Word document, a PDF, an image,
        a zip archive without a workbook, binary data...).
    """
    p = Path(path)
    if not p.exists():
        raise InputFileError(f"{p} not found; check the path (the folder is {p.resolve().parent})")
    if p.is_dir():
        raise InputFileError(f"{p} is a folder; give the path of the exported file")
    try:
        with open(p, "rb") as fh:
            head = fh.read(8192)
    except OSError as exc:
        raise InputFileError(f"{p} cannot be read: {exc.strerror}; check its permissions") from None
    if not head:
        raise InputFileError(f"{p} is empty (0 bytes); export the survey again")
    if head.startswith(b"PK\x03\x04") or head.startswith(b"PK\x05\x06"):
        try:
            with zipfile.ZipFile(p) as zf:
                names = set(zf.namelist())
                mimetype = zf.read("mimetype")[:100] if "mimetype" in names else b""
        except (zipfile.BadZipFile, OSError, KeyError):
            raise InputFileError(f"{p} is a damaged zip archive (a workbook cut short?); export it again or open "
                                 "and save it in Excel") from None
        if "xl/workbook.xml" in names:
            return "xlsx"
        if "xl/workbook.bin" in names:
            return "xlsb"
        if mimetype.startswith(b"application/vnd.oasis.opendocument.spreadsheet"):
            return "ods"
        if "word/document.xml" in names:
            raise _not_workbook(p, "a Word document")
        if any(n.startswith("ppt/") for n in names):
            raise _not_workbook(p, "a PowerPoint presentation")
        raise _not_workbook(p, "a zip archive without a workbook in it")
    if head.startswith(_OLE2_MAGIC):
        try:
            names = _cfb_names(p)
        except (ValueError, struct.error, IndexError):
            raise InputFileError(f"{p} is a damaged Office file; open it in Excel and save it again as .xlsx") from None
        if "EncryptionInfo" in names or "EncryptedPackage" in names:
            raise InputFileError(f"{p} is an encrypted (password-protected) workbook; open it in Excel, remove "
                                 "the password (File > Info > Protect Workbook > Encrypt with Password, clear it) "
                                 "and save it again")
        if "Workbook" in names or "Book" in names:
            return "xls"
        if "WordDocument" in names:
            raise _not_workbook(p, "a Word document")
        raise _not_workbook(p, "an Office file without a workbook in it")
    if head[:4] in (b"$FL2", b"$FL3"):
        return "sav"
    if head[:4] == b"PAR1":
        return "parquet"
    for magic, what in ((b"%PDF", "a PDF document"), (b"\x89PNG", "a PNG image"), (b"\xff\xd8\xff", "a JPEG image"),
                        (b"GIF8", "a GIF image"), (b"\x1f\x8b", "a gzip archive"), (b"7z\xbc\xaf", "a 7-zip archive"),
                        (b"Rar!", "a RAR archive"), (b"SQLite format 3", "an SQLite database")):
        if head.startswith(magic):
            raise _not_workbook(p, what)
    if b"\x00" in head and not head.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise _not_workbook(p, "binary data (neither a workbook nor a text table)")
    return "csv"


# ====================================================================== workbooks

def _pick_sheet(p: Path, names: list[str], sheet: str | int | None) -> str:
    listing = ", ".join(repr(n) for n in names)
    if sheet is None:
        return names[0]
    if isinstance(sheet, int) or (isinstance(sheet, str) and sheet.strip().lstrip("-").isdigit()
                                  and sheet not in names):
        idx = int(sheet)
        if not 0 <= idx < len(names) and str(sheet).strip() in names:  # a sheet named "2024"
            return str(sheet).strip()
        if not 0 <= idx < len(names):
            raise InputFileError(f"{p} has no sheet number {idx} (sheets are numbered from 0: {listing}); "
                                 "fix --sheet")
        return names[idx]
    if sheet in names:
        return sheet
    folded = {n.casefold().strip(): n for n in names}
    if str(sheet).casefold().strip() in folded:
        return folded[str(sheet).casefold().strip()]
    raise InputFileError(f"{p} has no sheet {sheet!r}; its sheets are {listing}; fix --sheet")


_SHEET_TAG = re.compile(rb"<(?:\w+:)?sheet\b[^>]*>")
_ATTR = re.compile(rb'([\w:]+)\s*=\s*"([^"]*)"')
_DIMENSION = re.compile(rb'<(?:\w+:)?dimension\s+ref="([A-Z]+)(\d+)(?::([A-Z]+)(\d+))?"')


def _col_number(letters: bytes) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + (ch - 64)
    return n


def _small_part(zf: zipfile.ZipFile, name: str, cap: int = 16 * 2**20) -> bytes:
    """A small XML part (workbook, relationships), read at most ``cap`` bytes uncompressed."""
    try:
        with zf.open(name) as fh:
            return fh.read(cap)
    except KeyError:
        return b""


def _xlsx_sheet_parts(zf: zipfile.ZipFile) -> dict[str, str]:
    """Sheet name -> zip part of an .xlsx workbook, from ``xl/workbook.xml`` and its relationships."""
    rels: dict[str, str] = {}
    for tag in re.findall(rb"<(?:\w+:)?Relationship\b[^>]*>", _small_part(zf, "xl/_rels/workbook.xml.rels")):
        attrs = {k.decode(): v.decode("utf-8", "replace") for k, v in _ATTR.findall(tag)}
        if "Id" in attrs and "Target" in attrs:
            target = attrs["Target"]
            rels[attrs["Id"]] = target.lstrip("/") if target.startswith("/") else "xl/" + target
    parts: dict[str, str] = {}
    for tag in _SHEET_TAG.findall(_small_part(zf, "xl/workbook.xml")):
        attrs = {k.decode(): v.decode("utf-8", "replace") for k, v in _ATTR.findall(tag)}
        rid = next((v for k, v in attrs.items() if k.endswith(":id") or k == "id"), None)
        if "name" in attrs and rid in rels:
            import html

            parts[html.unescape(attrs["name"])] = rels[rid]
    return parts


def _check_workbook_limits(p: Path, kind: str, sheet_name: str | None) -> None:
    """Refuse a workbook whose parts uncompress beyond the limit, or whose sheet declares too many cells.

    Only the zip directory and the first 64 KB of the sheet's XML are read (the ``<dimension>`` element),
    so a zip bomb is refused before calamine allocates anything.
    """
    if kind not in ("xlsx", "xlsb", "ods"):
        return
    from .limits import current_limits, limit_error

    lim = current_limits()
    try:
        zf = zipfile.ZipFile(p)
    except (zipfile.BadZipFile, OSError):
        return  # sniff_kind has read it already; calamine reports a damaged file
    with zf:
        infos = {i.filename: i for i in zf.infolist()}
        if sheet_name is None:  # before the workbook is opened: every part calamine reads up front
            shared = [n for n in infos if not n.startswith(("xl/worksheets/", "xl/media/", "xl/embeddings/"))
                      and not n.endswith((".png", ".jpeg", ".jpg", ".emf", ".wmf", ".bin"))]
            checked = shared
        else:
            part = _xlsx_sheet_parts(zf).get(sheet_name) if kind == "xlsx" else None
            checked = [part] if part in infos else [n for n in infos if n.startswith("xl/worksheets/")]
        if lim.max_uncompressed:
            for name in checked:
                size = infos[name].file_size
                if size > lim.max_uncompressed:
                    raise limit_error(f"{p}", f"part {name} of the workbook uncompresses to (bytes)", size,
                                      lim.max_uncompressed, "SURVEYTOOLS_MAX_UNCOMPRESSED")
            total = sum(infos[n].file_size for n in checked)
            if total > lim.max_uncompressed:
                raise limit_error(f"{p}", "the workbook's parts read uncompress to (bytes)", total,
                                  lim.max_uncompressed, "SURVEYTOOLS_MAX_UNCOMPRESSED")
        if sheet_name is None or kind != "xlsx" or not lim.max_cells:
            return
        for name in checked:
            try:
                with zf.open(name) as fh:
                    head = fh.read(65536)
            except (KeyError, zipfile.BadZipFile, OSError, EOFError):
                continue
            m = _DIMENSION.search(head)
            if not m or not m.group(3):
                continue
            rows = int(m.group(4)) - int(m.group(2)) + 1
            cols = _col_number(m.group(3)) - _col_number(m.group(1)) + 1
            # calamine sizes its cell buffer from row 1 and column A to the dimension's far corner
            cells = int(m.group(4)) * _col_number(m.group(3))
            if rows > 0 and cols > 0 and cells > lim.max_cells:
                raise limit_error(f"{p}, sheet {sheet_name!r}",
                                  f"the sheet declares {int(m.group(4)):,} rows x {_col_number(m.group(3)):,} "
                                  "columns (dimension " + m.group(0).split(b'"')[1].decode() + "), cells",
                                  cells, lim.max_cells, "SURVEYTOOLS_MAX_CELLS")


def _open_workbook(p: Path, kind: str, sheet: str | int | None) -> Table:
    import python_calamine as pc

    _check_workbook_limits(p, kind, None)
    try:
        wb = pc.CalamineWorkbook.from_path(str(p))
        names = list(wb.sheet_names)
    except Exception as exc:  # calamine raises its own errors and plain ValueError/OSError
        raise _workbook_error(p, exc) from None
    if not names:
        raise InputFileError(f"{p} has no sheets; export the survey again")
    name = _pick_sheet(p, names, sheet)
    try:
        _check_workbook_limits(p, kind, name)
    except BaseException:
        wb.close()
        raise
    try:
        sh = wb.get_sheet_by_name(name)
    except Exception as exc:
        raise _workbook_error(p, exc, name) from None
    if sh.height == 0 or sh.width == 0:
        others = [n for n in names if n != name]
        hint = f"; choose the sheet with the responses with --sheet (sheets: {', '.join(map(repr, names))})" \
            if others else "; export the survey again"
        raise InputFileError(f"{p}, sheet {name!r} is empty{hint}")
    width = int(sh.width)
    height = int(sh.height)
    start_row = int(sh.start[0]) if sh.start is not None else 0
    rows = sh.iter_rows()
    head = [list(r) for r in itertools.islice(rows, HEAD_ROWS)]
    table: Table

    def rest() -> Iterator[np.ndarray]:
        count = len(head)
        while True:
            block = list(itertools.islice(rows, CHUNK_ROWS))
            if not block:
                break
            count += len(block)
            yield _to_grid(block, width)
        # python-calamine yields rows from the sheet's row 1 even when the used range starts lower; should a
        # version yield the used range only, its first row is the range's first row.
        if count == height and start_row > 0:
            table.first_row = start_row + 1

    def close() -> None:
        wb.close()

    table = Table(path=p, kind=kind, sheet=name, sheets=tuple(names), width=width, head=head, first_row=1,
                  _rest=rest(), _close=close, rows_hint=start_row + height)
    return table


def _workbook_error(p: Path, exc: Exception, sheet: str | None = None) -> InputFileError:
    text = str(exc).strip() or type(exc).__name__
    lowered = (type(exc).__name__ + " " + text).lower()
    where = f"{p}, sheet {sheet!r}" if sheet else str(p)
    if "password" in lowered or "encrypt" in lowered:
        return InputFileError(f"{where} is an encrypted (password-protected) workbook; remove the password in "
                              "Excel and save it again")
    return InputFileError(f"{where} cannot be read as a workbook ({text}); open it in Excel and save it again "
                          "as .xlsx, or export the survey again")


# ====================================================================== text

def _decode(p: Path, raw: bytes) -> tuple[str, str]:
    if raw.startswith(b"\xef\xbb\xbf"):
        try:
            return raw[3:].decode("utf-8"), "utf-8-sig"
        except UnicodeDecodeError as exc:
            raise InputFileError(f"{p} starts with a UTF-8 mark but byte {exc.start + 3} is not UTF-8; save it "
                                 "again as 'CSV UTF-8'") from None
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return raw.decode("utf-16"), "utf-16"
        except UnicodeDecodeError:
            raise InputFileError(f"{p} starts with a UTF-16 mark but is not UTF-16 text; save it again as "
                                 "'CSV UTF-8'") from None
    try:
        return raw.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        return raw.decode("cp1252"), "cp1252"
    except UnicodeDecodeError:
        return raw.decode("latin-1"), "latin-1"


_DELIMITERS = (",", ";", "\t", "|")


def _sniff_delimiter(text: str) -> str:
    """The delimiter that splits the first lines into the most columns, consistently."""
    sample = text[:65536]
    lines = sample.splitlines()
    if len(sample) == 65536 and len(lines) > 1:
        sample = "\n".join(lines[:-1])  # drop a line cut short
    best, best_score = ",", (-1.0, 0)
    for d in _DELIMITERS:
        try:
            rows = [r for r in csv.reader(io.StringIO(sample), delimiter=d) if r]
        except csv.Error:
            continue
        if not rows:
            continue
        n0 = len(rows[0])
        if n0 < 2:
            continue
        rows = rows[:200]
        consistent = sum(1 for r in rows if len(r) == n0) / len(rows)
        score = (round(consistent, 2), n0)
        if score > best_score:
            best, best_score = d, score
    return best


_SCAN_CHUNK = 4 * 2**20


def _check_line_length(p: Path) -> None:
    """Refuse a text file with a line longer than the limit, reading it in fixed-size chunks.

    A multi-GB file without newlines would otherwise be decoded and parsed as one field (several times its
    size in memory). The scan keeps one chunk in memory and stops at the first line over the limit.
    """
    from .limits import current_limits, limit_error

    limit = current_limits().max_line
    if not limit:
        return
    if p.stat().st_size <= limit:
        return
    run = 0  # bytes of the current line so far
    line = 1  # its number
    with open(p, "rb") as fh:
        while True:
            chunk = fh.read(_SCAN_CHUNK)
            if not chunk:
                return
            parts = chunk.replace(b"\r", b"\n").split(b"\n")
            run += len(parts[0])
            if run > limit:
                break
            if len(parts) > 1:
                nl = b"\n" if b"\n" in chunk else b"\r"  # line numbers count LF (or CR-only line ends)
                longest = max(range(1, len(parts) - 1), key=lambda k: len(parts[k]), default=None)
                if longest is not None and len(parts[longest]) > limit:
                    line += chunk[: sum(len(x) + 1 for x in parts[:longest])].count(nl)
                    run = len(parts[longest])
                    break
                line += chunk.count(nl)
                run = len(parts[-1])
                if run > limit:
                    break
    raise limit_error(f"{p}, line {line:,}", "a line holds (bytes) at least", run, limit, "SURVEYTOOLS_MAX_LINE")


def _open_text(p: Path) -> Table:
    _check_line_length(p)
    try:
        raw = p.read_bytes()
    except OSError as exc:
        raise InputFileError(f"{p} cannot be read: {exc.strerror}; check its permissions") from None
    text, encoding = _decode(p, raw)
    del raw
    if not text.strip():
        raise InputFileError(f"{p} holds no data (only blank lines); export the survey again")
    delim = _sniff_delimiter(text)
    try:
        df = pd.read_csv(io.StringIO(text), sep=delim, header=None, dtype=object, na_filter=False,
                         keep_default_na=False, skip_blank_lines=False, engine="c")
        grid = np.ascontiguousarray(df.to_numpy(dtype=object))
        del df
    except (pd.errors.ParserError, ValueError):
        # rows of unequal length: the csv module copes (fields bounded like lines)
        from .limits import current_limits

        limit = current_limits().max_line or sys.maxsize
        old_limit = csv.field_size_limit(min(limit, 2**31 - 1))
        try:
            rows = list(csv.reader(io.StringIO(text), delimiter=delim))
        except csv.Error as exc:
            raise InputFileError(f"{p} cannot be read as a text table ({exc}); export it again, or raise "
                                 "SURVEYTOOLS_MAX_LINE (see docs/security.md)") from None
        finally:
            csv.field_size_limit(old_limit)
        width = max((len(r) for r in rows), default=0)
        grid = _to_grid(rows, width)
    del text
    if grid.size == 0:
        raise InputFileError(f"{p} holds no data; export the survey again")
    width = grid.shape[1]
    head = [list(r) for r in grid[:HEAD_ROWS]]
    rest_grid = grid[HEAD_ROWS:]

    def rest() -> Iterator[np.ndarray]:
        for start in range(0, len(rest_grid), CHUNK_ROWS * 4):
            yield rest_grid[start: start + CHUNK_ROWS * 4]

    return Table(path=p, kind="csv", sheet=None, sheets=(), width=width, head=head, first_row=1, _rest=rest(),
                 encoding=encoding, delimiter=delim, rows_hint=len(grid))


# ====================================================================== frames (SPSS, Parquet)

def _frame_table(p: Path, kind: str, df: pd.DataFrame, value_labels: dict[int, dict[Any, str]] | None = None,
                 column_labels: dict[int, str] | None = None) -> Table:
    if df.shape[1] == 0:
        raise InputFileError(f"{p} has no columns; export the survey again")
    header: list[Any] = [str(c) for c in df.columns]
    frame = df.set_axis(range(df.shape[1]), axis=1)
    return Table(path=p, kind=kind, sheet=None, sheets=(), width=len(header), head=[header], first_row=1,
                 _rest=iter(()), value_labels=value_labels or {}, column_labels=column_labels or {}, frame=frame)


def _open_sav(p: Path) -> Table:
    import pyreadstat

    try:
        df, meta = pyreadstat.read_sav(str(p))  # user-missing codes arrive as NaN
    except Exception as exc:  # pyreadstat raises its own ReadstatError
        raise InputFileError(f"{p} cannot be read as an SPSS file ({exc}); save it again from SPSS") from None
    pos = {c: j for j, c in enumerate(df.columns)}
    vl = {pos[c]: dict(v) for c, v in (meta.variable_value_labels or {}).items() if c in pos}
    cl = {pos[c]: str(v) for c, v in (meta.column_names_to_labels or {}).items() if c in pos and v}
    return _frame_table(p, "sav", df, vl, cl)


def _open_parquet(p: Path) -> Table:
    try:
        df = pd.read_parquet(p)
    except Exception as exc:  # pyarrow raises ArrowInvalid and friends
        raise InputFileError(f"{p} cannot be read as a Parquet file ({exc}); write it again") from None
    return _frame_table(p, "parquet", df)


# ====================================================================== entry point

def open_table(path: str | os.PathLike[str], sheet: str | int | None = None) -> Table:
    """Open a survey file and read its first rows.

    Parameters
    ----------
    path
        The file; its kind is read from its content.
    sheet
        Sheet name or 0-based index, for workbooks (default: the first sheet).

    Raises
    ------
    InputFileError
        The file is missing, empty, encrypted, not a table, or has no such sheet.
    """
    p = Path(path)
    kind = sniff_kind(p)
    if sheet is not None and kind not in _WORKBOOK_KINDS:
        warnings.warn(f"{p} is a {kind} file, not a workbook; --sheet {sheet} is ignored", SurveyToolsWarning,
                      stacklevel=3)
    if kind in _WORKBOOK_KINDS:
        return _open_workbook(p, kind, sheet)
    if kind == "sav":
        return _open_sav(p)
    if kind == "parquet":
        return _open_parquet(p)
    return _open_text(p)
