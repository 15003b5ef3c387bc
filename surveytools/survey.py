"""The :class:`Survey`: coded responses with their questionnaire, weights and source; what flows between stages."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

import numpy as np
import pandas as pd

from .exceptions import DataError, ScaleError
from .questionnaire import Questionnaire

__all__ = ["SourceInfo", "Survey"]


@dataclass(frozen=True)
class SourceInfo:
    """Where a survey came from.

    Attributes
    ----------
    path
        The file read.
    flavour
        The export flavour detected (``qualtrics``, ``surveymonkey``, ``google_forms``, ``spss``, ``csv``,
        ``excel``, ``clean``).
    sheet
        The worksheet read, for workbooks.
    row_numbers
        Respondent id -> row number in the file as a spreadsheet shows it (1-based, header rows counted),
        for messages that point at a row.
    imported_at
        When the file was read (ISO 8601, UTC).
    rows_in
        Data rows in the file.
    """

    path: str | None = None
    flavour: str | None = None
    sheet: str | None = None
    row_numbers: pd.Series | None = field(default=None, compare=False, repr=False)
    imported_at: str = field(default_factory=lambda: datetime.utcnow().replace(microsecond=0).isoformat() + "Z")
    rows_in: int | None = None

    def row_of(self, respondent: Any) -> int | None:
        """The file row of a respondent, when known."""
        if self.row_numbers is None or respondent not in self.row_numbers.index:
            return None
        return int(self.row_numbers.loc[respondent])

    def describe(self) -> str:
        """``file`` or ``file, sheet 'S'`` for messages."""
        if self.path is None:
            return "the data"
        return f"{self.path}, sheet {self.sheet!r}" if self.sheet else str(self.path)


@dataclass(frozen=True, eq=False)
class Survey:
    """Coded survey responses and everything needed to analyse them.

    Parameters
    ----------
    responses
        One row per respondent, indexed by respondent id (unique); columns are item ids (multi items:
        ``<id>_<code>``, 0/1), values are the codes of the questionnaire (raw codes: reverse keying is
        applied by the analyses that need it), missing answers as NaN.
    questionnaire
        The spec the codes follow.
    weights
        Optional survey weights on the same index.
    metadata
        Optional platform columns (duration, finished, progress, dates...) on the same index.
    source
        Where the data came from.

    Notes
    -----
    A survey is immutable: methods return new objects and never change ``responses`` in place.
    """

    responses: pd.DataFrame
    questionnaire: Questionnaire
    weights: pd.Series | None = None
    metadata: pd.DataFrame | None = None
    source: SourceInfo = field(default_factory=SourceInfo)

    def __post_init__(self) -> None:
        idx = self.responses.index
        if not idx.is_unique:
            dup = idx[idx.duplicated()].unique()[:5]
            raise DataError(f"{self.source.describe()}: respondent ids are not unique "
                            f"({', '.join(map(str, dup))}); fix the id column or run 'surveytools quality' "
                            "to find duplicates")
        if self.weights is not None and not self.weights.index.equals(idx):
            raise DataError("survey weights must be indexed like the responses")

    # ---------------------------------------------------------------- basics
    def __len__(self) -> int:
        return len(self.responses)

    @property
    def n(self) -> int:
        """Number of respondents."""
        return len(self.responses)

    @property
    def ids(self) -> pd.Index:
        """Respondent ids."""
        return self.responses.index

    @property
    def id_name(self) -> str:
        """Name of the respondent id column in files (``respondent_id`` unless the spec says otherwise)."""
        return self.questionnaire.respondent_id or "respondent_id"

    def subset(self, index: Sequence[Any] | pd.Index | np.ndarray) -> Survey:
        """A new survey with the given respondents (ids or a boolean mask), in that order."""
        idx = pd.Index(index) if not (isinstance(index, np.ndarray) and index.dtype == bool) else self.ids[index]
        if isinstance(index, pd.Series) and index.dtype == bool:
            idx = self.ids[index.to_numpy()]
        return replace(
            self,
            responses=self.responses.loc[idx],
            weights=None if self.weights is None else self.weights.loc[idx],
            metadata=None if self.metadata is None else self.metadata.loc[idx],
        )

    # ---------------------------------------------------------------- item access
    def item_frame(self, items: Sequence[str] | str | None = None, *, reverse: bool | Sequence[str] = False
                   ) -> pd.DataFrame:
        """Numeric answers to items as a float DataFrame, optionally reverse-scored.

        Parameters
        ----------
        items
            Item ids and/or scale names (a list or a comma-separated string); default the analysis items
            (Likert items that are not attention checks).
        reverse
            ``True`` reverses the items that any requested scale marks as reverse-keyed; a list reverses
            exactly those items. Reversal is ``x' = min + max - x`` with the option set's min and max.

        Raises
        ------
        ScaleError
            An item is missing from the data or is not numeric.
        """
        q = self.questionnaire
        ids = q.resolve(items)
        missing = [i for i in ids if i not in self.responses.columns]
        if missing:
            raise ScaleError(f"{self.source.describe()}: no column for item(s) {', '.join(missing)}; import the "
                             "export with this questionnaire or fix the item ids")
        frame = self.responses[ids]
        bad = [c for c in ids if not pd.api.types.is_numeric_dtype(frame[c])]
        if bad:
            raise DataError(f"{self.source.describe()}: item(s) {', '.join(bad)} hold text, not numeric codes; "
                            "import the export with 'surveytools import' so labels become codes")
        x = frame.astype(float)
        if reverse is True:
            names = [items] if isinstance(items, str) else list(items or [])
            flat = [p.strip() for n in names for p in str(n).split(",")]
            rev = set()
            for name in flat:
                if name in q.scales:
                    rev |= set(q.scales[name].reversed)
                elif name.startswith("-") and name[1:] in q.items:
                    rev.add(name[1:])
            to_reverse = [i for i in ids if i in rev]
        elif reverse is False:
            to_reverse = []
        else:
            to_reverse = [i for i in reverse if i in ids]
        if to_reverse:
            x = x.copy()
            for i in to_reverse:
                lo, hi = q.reverse_bounds(i)
                x[i] = lo + hi - x[i]
        return x

    def scale_frame(self, scale: str, *, reverse: bool = True) -> pd.DataFrame:
        """The items of a scale, reverse-keyed items reversed (by default).

        Raises
        ------
        ScaleError
            Unknown scale (the known ones are listed).
        """
        q = self.questionnaire
        if scale not in q.scales:
            raise ScaleError(f"unknown scale {scale!r}; the questionnaire defines: {', '.join(q.scales) or '(none)'}")
        s = q.scales[scale]
        return self.item_frame(list(s.items), reverse=list(s.reversed) if reverse else False)

    def weight_array(self) -> np.ndarray | None:
        """Weights as a float array (None when the survey is unweighted)."""
        return None if self.weights is None else self.weights.to_numpy(dtype=float)
