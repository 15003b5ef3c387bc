"""Safety limits on input files: refuse hostile files before they exhaust memory.

A workbook is a zip archive; a "zip bomb" workbook of a few hundred MB can hold a sheet whose XML is many
GB, or declare a sheet dimension (``A1:XFD1048576``) that makes the reader allocate tens of GB up front. A
text file without newlines can be one multi-GB field. A YAML file can expand exponentially through aliases.
Each of these is checked before the expensive step, and refused with an
:class:`~surveytools.exceptions.InputLimitError` that names the limit and how to raise it.

==========================================  ===================  ==============================================
limit                                       default              environment variable
==========================================  ===================  ==============================================
cells of a sheet (declared rows x columns)  50,000,000           ``SURVEYTOOLS_MAX_CELLS``
uncompressed size of a workbook's parts     2 GB                 ``SURVEYTOOLS_MAX_UNCOMPRESSED``
one line (row) of a text file               16 MB                ``SURVEYTOOLS_MAX_LINE``
YAML alias expansion (nodes reached)        100,000              ``SURVEYTOOLS_MAX_YAML_NODES``
==========================================  ===================  ==============================================

Sizes accept ``KB``, ``MB``, ``GB`` suffixes (powers of 1000) or plain bytes; ``0`` switches a limit off. The
values are read when a file is opened, so a test or a script can change them with ``os.environ``.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass

from ..exceptions import InputLimitError

__all__ = ["Limits", "current_limits", "parse_size", "limit_error"]

_SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([kmgt]?i?b?)?\s*$", re.IGNORECASE)
_UNITS = {"": 1, "b": 1, "k": 10**3, "kb": 10**3, "m": 10**6, "mb": 10**6, "g": 10**9, "gb": 10**9, "t": 10**12,
          "tb": 10**12, "kib": 2**10, "mib": 2**20, "gib": 2**30, "tib": 2**40}

_DEFAULTS = {
    "SURVEYTOOLS_MAX_CELLS": 50_000_000,
    "SURVEYTOOLS_MAX_UNCOMPRESSED": 2 * 10**9,
    "SURVEYTOOLS_MAX_LINE": 16 * 10**6,
    "SURVEYTOOLS_MAX_YAML_NODES": 100_000,
}


def parse_size(text: str) -> int:
    """``"2GB"`` -> 2000000000, ``"512MiB"`` -> 536870912, ``"1000"`` -> 1000.

    Raises
    ------
    ValueError
        Not a size.
    """
    m = _SIZE.match(str(text))
    if not m or (m.group(2) or "").lower() not in _UNITS:
        raise ValueError(f"{text!r} is not a size such as 500MB, 2GB or 1000000")
    return int(float(m.group(1)) * _UNITS[(m.group(2) or "").lower()])


@dataclass(frozen=True)
class Limits:
    """The limits in force (0 = no limit).

    Attributes
    ----------
    max_cells
        Cells of a sheet as declared by its dimension (rows x columns).
    max_uncompressed
        Bytes of a workbook's parts once uncompressed (the sheet read, shared strings, styles).
    max_line
        Bytes (characters) of one line of a text file, and of the longest field.
    max_yaml_nodes
        YAML nodes reached while expanding aliases in a questionnaire, project file or map.
    """

    max_cells: int
    max_uncompressed: int
    max_line: int
    max_yaml_nodes: int


def current_limits() -> Limits:
    """The limits from the environment (defaults where a variable is not set).

    Raises
    ------
    InputLimitError
        A variable is set to something that is not a number or size.
    """
    values = {}
    for name, default in _DEFAULTS.items():
        raw = os.environ.get(name)
        if raw is None or not raw.strip():
            values[name] = default
            continue
        try:
            values[name] = parse_size(raw)
        except ValueError as exc:
            raise InputLimitError(f"environment variable {name}: {exc}") from None
    return Limits(max_cells=values["SURVEYTOOLS_MAX_CELLS"],
                  max_uncompressed=values["SURVEYTOOLS_MAX_UNCOMPRESSED"],
                  max_line=values["SURVEYTOOLS_MAX_LINE"], max_yaml_nodes=values["SURVEYTOOLS_MAX_YAML_NODES"])


def limit_error(where: str, what: str, value: int, limit: int, variable: str) -> InputLimitError:
    """``Error: F: the sheet declares 1,048,576 x 16,384 cells, over the limit of 50,000,000 (...)``."""
    return InputLimitError(f"{where}: {what} {value:,}, over the limit of {limit:,}; if the file is genuine, "
                           f"raise the limit with the environment variable {variable} (see docs/security.md)")
