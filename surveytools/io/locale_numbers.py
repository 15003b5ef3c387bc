"""Numbers and dates written the local way: ``1.234,56`` (Spanish Excel), ``1,234.56``, ``06/05/2024``.

A CSV saved by Spanish-locale Excel separates fields with ``;`` and writes ``1.234,56`` for 1234.56; the same
file in English Excel writes ``1,234.56``. :func:`detect_number_format` reads the format from the distinct text
cells of a file (a number that can only be read one way decides: ``1.234,56``, ``0,5``, ``1,5`` mean a decimal
comma; ``1,234.56``, ``0.5`` a decimal point), :func:`parse_number` reads one cell exactly with it, and
:func:`detect_day_first` tells ``dd/mm/yyyy`` from ``mm/dd/yyyy`` dates.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np

__all__ = ["NumberFormat", "detect_number_format", "parse_number", "detect_day_first"]

_PLAIN = re.compile(r"^[-+]?\d+$")
_DOT_GROUPED_COMMA_DEC = re.compile(r"^[-+]?\d{1,3}(?:\.\d{3})+,\d+$")     # 1.234,56
_COMMA_GROUPED_DOT_DEC = re.compile(r"^[-+]?\d{1,3}(?:,\d{3})+\.\d+$")     # 1,234.56
_COMMA_DEC = re.compile(r"^[-+]?\d*,\d+$")                                 # 0,5  1,268  12,50
_DOT_DEC = re.compile(r"^[-+]?\d*\.\d+$")                                  # 0.5  1.268
_DOT_GROUPED = re.compile(r"^[-+]?\d{1,3}(?:\.\d{3}){2,}$")                # 1.234.567
_COMMA_GROUPED = re.compile(r"^[-+]?\d{1,3}(?:,\d{3}){2,}$")               # 1,234,567
_SLASH_DATE = re.compile(r"^\s*(\d{1,2})[/.-](\d{1,2})[/.-](\d{2,4})\b")


@dataclass(frozen=True)
class NumberFormat:
    """How a file writes numbers.

    Attributes
    ----------
    decimal
        The decimal mark, ``.`` or ``,``.
    thousands
        The digit-group separator (``.``, ``,``, a space) or None.
    """

    decimal: str = "."
    thousands: str | None = None

    def __post_init__(self) -> None:
        if self.decimal not in (".", ","):
            raise ValueError(f"the decimal mark is '.' or ',', not {self.decimal!r}")
        if self.thousands is not None and self.thousands == self.decimal:
            raise ValueError(f"the thousands separator cannot be the decimal mark {self.decimal!r}")

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready fields."""
        return {"decimal": self.decimal, "thousands": self.thousands}


def detect_number_format(values: Iterable[Any], *, delimiter: str | None = None) -> NumberFormat:
    """The number format of a file from its distinct cells.

    Votes, over the text cells that look like numbers: ``1.234,56`` and ``1.234.567`` say decimal comma with
    dot groups; ``1,234.56`` and ``1,234,567`` decimal point with comma groups; ``0,5``/``12,50`` (a comma
    followed by other than exactly three digits, or any comma when no cell has a dot) decimal comma; ``0.5``
    decimal point. ``1,268`` alone is ambiguous: it is read as a decimal comma when the file is ``;``-separated
    (Spanish-locale Excel) or when no cell holds a decimal point, else as thousands. Without any evidence the
    format is ``.`` with no thousands separator.
    """
    comma = dot = 0
    ambiguous_comma = ambiguous_dot = 0
    dot_groups = comma_groups = False
    for v in values:
        if not isinstance(v, str):
            continue
        t = v.strip().replace("\u00a0", "").replace(" ", "")
        if not t or len(t) > 40 or not (t[0].isdigit() or t[0] in "+-,."):
            continue
        if _PLAIN.match(t):
            continue
        if _DOT_GROUPED_COMMA_DEC.match(t) or _DOT_GROUPED.match(t):
            comma += 1
            dot_groups = True
        elif _COMMA_GROUPED_DOT_DEC.match(t) or _COMMA_GROUPED.match(t):
            dot += 1
            comma_groups = True
        elif _COMMA_DEC.match(t):
            if re.search(r",\d{3}$", t) and not t.startswith((",", "0,", "-0,")):
                ambiguous_comma += 1          # 1,268: 1.268 or 1268
            else:
                comma += 1
        elif _DOT_DEC.match(t):
            if re.search(r"\.\d{3}$", t) and not t.startswith((".", "0.", "-0.")):
                ambiguous_dot += 1            # 1.268: 1.268 or 1268
            else:
                dot += 1
    if comma == dot == 0 and not (ambiguous_comma or ambiguous_dot):
        return NumberFormat()
    if comma > dot or (comma == dot == 0 and ambiguous_comma and (delimiter == ";" or not ambiguous_dot)):
        return NumberFormat(",", "." if (dot_groups or (ambiguous_dot and not comma_groups)) else None)
    if dot == 0 and comma == 0 and delimiter == ";":
        return NumberFormat(",", ".")
    return NumberFormat(".", "," if (comma_groups or ambiguous_comma) else None)


def parse_number(value: Any, fmt: NumberFormat) -> float | None:
    """A cell as a number under ``fmt`` (``"1.234,56"`` -> 1234.56 with a decimal comma), or None.

    Numbers pass through; text is read exactly: digit groups must be of three digits (``1.23,4`` is not a
    number), a leading sign and surrounding (also non-breaking) spaces are allowed.
    """
    if isinstance(value, (bool, np.bool_)):
        return None
    if isinstance(value, (int, float, np.integer, np.floating)):
        f = float(value)
        return None if f != f else f
    if not isinstance(value, str):
        return None
    t = value.strip().replace("\u00a0", " ")
    if not t:
        return None
    if fmt.thousands is not None:
        sep = re.escape(fmt.thousands)
        dec = re.escape(fmt.decimal)
        if re.fullmatch(rf"[-+]?\d{{1,3}}(?:{sep}\d{{3}})+(?:{dec}\d+)?", t):
            t = t.replace(fmt.thousands, "")
    elif " " in t and re.fullmatch(r"[-+]?\d{1,3}(?: \d{3})+(?:[.,]\d+)?", t):
        t = t.replace(" ", "")
    if fmt.decimal == ",":
        if "." in t:
            return None
        t = t.replace(",", ".")
    elif "," in t:
        return None
    if not re.fullmatch(r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?", t):
        return None
    return float(t)


def detect_day_first(values: Iterable[Any], *, default: bool = False) -> bool:
    """Whether ``nn/nn/yyyy`` dates put the day first: a first field over 12 says yes, a second field over 12
    says no; when no date decides, ``default`` (day first for Spanish-locale files)."""
    first_big = second_big = False
    for v in values:
        if not isinstance(v, str):
            continue
        m = _SLASH_DATE.match(v)
        if not m:
            continue
        a, b = int(m.group(1)), int(m.group(2))
        first_big |= a > 12
        second_big |= b > 12
        if first_big and second_big:
            break
    if first_big and not second_big:
        return True
    if second_big and not first_big:
        return False
    return default
