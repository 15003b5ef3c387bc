"""What the typing tool reports: :class:`TypingToolResult` (a fit) and :class:`AssignResult` (a scoring run)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import pandas as pd

if TYPE_CHECKING:
    from ..segments import Segments

__all__ = ["TypingToolResult", "AssignResult"]


@dataclass(frozen=True)
class TypingToolResult:
    """What the golden-question search found.

    Attributes
    ----------
    items
        The golden questions, in the order they entered.
    accuracy
        Cross-validated accuracy with these items (share of respondents put in their own segment,
        weighted when the survey is weighted).
    curve
        One row per number of items (index ``n_items``): ``item`` (the item entered at that step),
        ``items`` (the best set of that size), ``accuracy``, ``log_likelihood`` (mean log posterior of the
        true segment), ``selected``.
    confusion
        Cross-validated classification table of the selected items: true segment (rows) x predicted
        segment (columns), weighted counts.
    hit_rates
        Per segment, the cross-validated share classified correctly.
    coefficients
        Classification-function coefficients: rows are the items then ``constant`` (last), columns the
        segments.
    priors
        Prior probability of each segment.
    sizes
        Respondents per segment in the training data (unweighted).
    resubstitution_accuracy
        Accuracy on the training data itself (optimistic; for comparison with SPSS's "original" table).
    rows_in, rows_used, rows_excluded
        Respondents in the data, used to fit, and left out; ``excluded`` gives reason -> count.
    candidates
        Items the search could choose from; ``skipped`` gives items left out of the search with the reason.
    n_folds, seed, priors_rule, max_missing
        Settings used.
    imputed_answers
        Missing answers replaced by the item mean in the training data.
    nested_accuracy
        Accuracy of the whole procedure (item selection included) by nested cross-validation, when asked.
    """

    items: list[str]
    accuracy: float
    curve: pd.DataFrame
    confusion: pd.DataFrame
    hit_rates: pd.Series
    coefficients: pd.DataFrame
    priors: pd.Series
    sizes: pd.Series
    resubstitution_accuracy: float
    rows_in: int
    rows_used: int
    rows_excluded: int
    excluded: dict[str, int]
    candidates: list[str]
    skipped: dict[str, str]
    n_folds: int
    seed: int
    priors_rule: str
    max_missing: int
    imputed_answers: int = 0
    nested_accuracy: float | None = None

    def to_frame(self) -> pd.DataFrame:
        """The accuracy curve (n items -> item added, cross-validated accuracy, selected)."""
        return self.curve.copy()

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready result; ``items`` and ``accuracy`` are the contract keys."""
        return {
            "items": list(self.items),
            "accuracy": float(self.accuracy),
            "n_items": len(self.items),
            "curve": [{"n_items": int(n), "item": r["item"], "items": list(r["items"]),
                       "accuracy": float(r["accuracy"]), "log_likelihood": float(r["log_likelihood"]),
                       "selected": bool(r["selected"])} for n, r in self.curve.iterrows()],
            "segments": [int(s) for s in self.coefficients.columns],
            "sizes": {str(k): int(v) for k, v in self.sizes.items()},
            "priors": {str(k): float(v) for k, v in self.priors.items()},
            "hit_rates": {str(k): float(v) for k, v in self.hit_rates.items()},
            "confusion": {str(t): {str(p): float(v) for p, v in row.items()}
                          for t, row in self.confusion.iterrows()},
            "coefficients": {str(s): {str(i): float(v) for i, v in self.coefficients[s].items()}
                             for s in self.coefficients.columns},
            "resubstitution_accuracy": float(self.resubstitution_accuracy),
            "nested_accuracy": None if self.nested_accuracy is None else float(self.nested_accuracy),
            "rows_in": self.rows_in, "rows_used": self.rows_used, "rows_excluded": self.rows_excluded,
            "excluded": dict(self.excluded),
            "imputed_answers": int(self.imputed_answers),
            "candidates": list(self.candidates), "skipped": dict(self.skipped),
            "folds": self.n_folds, "seed": self.seed, "priors_rule": self.priors_rule,
            "max_missing": self.max_missing,
        }

    def summary(self, lang: str = "en") -> str:
        """Text for the terminal: accuracy, respondents, the accuracy curve, hit rates and the confusion
        table (the typing-tool section of the Summary document, rendered by the one text renderer)."""
        from ..summary.sections import summary_text

        return summary_text("typing_tool", self, lang=lang)


@dataclass(frozen=True)
class AssignResult:
    """Segments of new respondents or customers.

    Attributes
    ----------
    frame
        Indexed by id: ``segment`` (nullable integer; missing for excluded rows), ``probability``
        (posterior of that segment), ``n_imputed`` (answers replaced by the item mean), and
        ``segment_name`` when the segments have names.
    rows_in, rows_assigned, rows_excluded
        ``rows_in == rows_assigned + rows_excluded``; ``excluded`` gives reason -> count.
    imputed_by_item, invalid_by_item
        Per golden question: answers replaced by the mean (blank, "no answer" or invalid), and among them
        the values that were not valid codes.
    items, accuracy
        The model's golden questions and cross-validated accuracy.
    """

    frame: pd.DataFrame
    rows_in: int
    rows_assigned: int
    rows_excluded: int
    excluded: dict[str, int]
    imputed_by_item: pd.Series
    invalid_by_item: pd.Series
    items: list[str]
    accuracy: float
    output: str | None = None
    id_column: str | None = None
    names: Mapping[int, str] = field(default_factory=dict)

    @property
    def sizes(self) -> pd.Series:
        """Assigned rows per segment."""
        seg = self.frame["segment"].dropna().astype(int)
        return seg.value_counts().sort_index()

    def to_frame(self) -> pd.DataFrame:
        """The assignments."""
        return self.frame.copy()

    def to_segments(self, source: str | None = "typing tool") -> Segments:
        """The assigned rows as :class:`~surveytools.segments.Segments`: segment, the model's names (of the segments
        up to the highest one assigned), probability, and ``n_imputed`` in ``extra``; excluded rows have none."""
        from ..segments import Segments

        f = self.frame
        kept = f["segment"].notna().to_numpy()
        seg = f["segment"][kept].astype(int)
        top = int(seg.max()) if len(seg) else 0
        return Segments.from_labels(seg, names={s: n for s, n in self.names.items() if int(s) <= top},
                                    probability=f["probability"][kept], source=source,
                                    extra=f.loc[kept, ["n_imputed"]])

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready counts (not the rows)."""
        d = {
            "items": list(self.items), "accuracy": float(self.accuracy),
            "rows_in": self.rows_in, "rows_assigned": self.rows_assigned, "rows_excluded": self.rows_excluded,
            "excluded": dict(self.excluded),
            "sizes": {str(k): int(v) for k, v in self.sizes.items()},
            "n_imputed": int(self.imputed_by_item.sum()),
            "imputed_by_item": {str(k): int(v) for k, v in self.imputed_by_item.items()},
            "invalid_by_item": {str(k): int(v) for k, v in self.invalid_by_item.items()},
        }
        if self.output is not None:
            d["output"] = self.output
        if self.id_column is not None:
            d["id_column"] = self.id_column
        return d

    def summary(self, lang: str = "en") -> str:
        """Text for the terminal: rows assigned, segment sizes and the answers replaced by the training mean
        (a Summary document rendered by the one text renderer)."""
        from ..summary.sections import summary_text

        return summary_text("typing_assign", self, lang=lang)
