"""What the section builders share: the context of one report (language, labels, segment names) and the
strict reading of stage results (a missing key is an error, never a silently dropped line)."""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from ...exceptions import DataError
from ..document import Column, Msg

__all__ = ["Context", "ReportKeyError", "num", "label_of", "col", "term", "reading"]


class ReportKeyError(DataError, KeyError):
    """A stage result lacks a key its report section needs."""

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0]) if self.args else ""


@dataclass
class Context:
    """One report being built: its language, the stage results (plain dicts), variable labels (scale and
    item ids -> text, from the profile when it ran) and segment names.

    ``terminal`` is set for ``summary()`` and the command line: a builder then heads columns by short codes
    (``F1``) where a report uses long names, and takes its display ``options`` (``digits``, ``cut``) from the
    caller. The content is the same.
    """

    lang: str
    results: dict[str, dict[str, Any]]
    threshold: float = 0.30
    labels: dict[str, str] = field(default_factory=dict)
    names: dict[str, str] = field(default_factory=dict)
    letters: dict[str, str] = field(default_factory=dict)
    terminal: bool = False
    options: dict[str, Any] = field(default_factory=dict)

    def label(self, key: Any) -> str:
        """The human label of a scale/item/variable id (the id itself when no label is known)."""
        return label_of(self.labels, key)

    def segment(self, key: Any) -> str:
        """``1. Name`` (or ``Segmento 1`` when unnamed)."""
        k = str(key)
        name = self.names.get(k)
        plain = Msg("segment_label", number=k)
        from ..document import text

        if not name or name == text(plain, self.lang) or name == k:
            return text(plain, self.lang)
        return f"{k}. {name}"


@contextmanager
def reading(stage: str, what: str = "its report section") -> Iterator[None]:
    """Turn a ``KeyError`` while reading a stage's result into a :class:`ReportKeyError` naming both."""
    try:
        yield
    except ReportKeyError:
        raise
    except KeyError as e:
        raise ReportKeyError(f"the {stage} result has no {e.args[0]!r} (needed for {what}); pass the stage's "
                             "result object or its complete to_dict()") from None


def label_of(labels: Mapping[str, str], key: Any) -> str:
    k = str(key)
    return labels.get(k) or k


def num(v: Any) -> float | None:
    """A finite float, or None (JSON null, NaN)."""
    if v is None or isinstance(v, bool):
        return None
    f = float(v)
    return None if math.isnan(f) or math.isinf(f) else f


def col(key: str, fmt: str = "text", unit: Any = None) -> Column:
    """A column headed by the translation of ``key``."""
    return Column(Msg(key), fmt, unit)


def term(prefix: str, value: Any, **fields: Any) -> Any:
    """The translated name of an enumerated value (``method_kmeans``...), or the value as written when the
    report has no name for it (a user's own choice)."""
    from ...report.i18n import STRINGS

    key = f"{prefix}{value}"
    return Msg(key, **fields) if key in STRINGS["en"] else str(value)
