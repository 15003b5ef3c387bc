"""What the quality stage reports: :class:`QualityReport` (flags, the numbers behind them, what each check
did) and :class:`Exclusions` (who :func:`apply_exclusions` drops and why), and the flag codes."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from ..exceptions import DataError
from ..survey import Survey

__all__ = ["FLAG_CODES", "FLAG_DESCRIPTIONS", "DEFAULT_MAX_MISSING", "CheckInfo", "Exclusions", "QualityReport",
           "parse_codes", "apply_exclusions"]

#: Every flag code, in report order.
FLAG_CODES: tuple[str, ...] = (
    "speeder",
    "straightlining",
    "longstring",
    "out-of-range",
    "duplicate-id",
    "duplicate-email",
    "duplicate-answers",
    "high-missing",
    "attention-check",
    "partial",
)

#: One line per flag code, for summaries and docs.
FLAG_DESCRIPTIONS: dict[str, str] = {
    "speeder": "interview much faster than the median",
    "straightlining": "same answer to every item of a battery with reverse-keyed items",
    "longstring": "long run of identical consecutive answers",
    "out-of-range": "answer code outside the item's valid codes or range",
    "duplicate-id": "id already seen in an earlier row",
    "duplicate-email": "e-mail already seen in an earlier row",
    "duplicate-answers": "answers identical to an earlier row",
    "high-missing": "many answerable items left blank",
    "attention-check": "failed an attention check",
    "partial": "interview not finished",
}

#: Default share of answerable items that may be blank before ``high-missing``.
DEFAULT_MAX_MISSING = 0.2


@dataclass(frozen=True)
class CheckInfo:
    """What one check did.

    Attributes
    ----------
    ran
        Whether the check could run on these data.
    rule
        The rule applied, with its thresholds (``"duration < 0.4 x median 412 s = 164.8 s"``), or why
        the check did not run.
    """

    ran: bool
    rule: str

    def to_dict(self) -> dict[str, Any]:
        """``{"ran": ..., "rule": ...}``."""
        return {"ran": self.ran, "rule": self.rule}


@dataclass(frozen=True)
class Exclusions:
    """Respondents dropped for data-quality flags, and why.

    Attributes
    ----------
    codes
        The flag codes that exclude a respondent.
    rows_in, rows_out, rows_excluded
        Respondents before, kept, and dropped; ``rows_in == rows_out + rows_excluded``.
    by_reason
        Code -> number of excluded respondents carrying that flag (a respondent may carry several, so
        these may sum to more than ``rows_excluded``).
    reasons
        Excluded respondent id -> the codes that excluded it (comma-separated), in data order.
    """

    codes: tuple[str, ...]
    rows_in: int
    rows_out: int
    rows_excluded: int
    by_reason: Mapping[str, int]
    reasons: pd.Series = field(repr=False)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready summary (the excluded ids are in ``reasons``, not here)."""
        return {"codes": list(self.codes), "rows_in": self.rows_in, "rows_out": self.rows_out,
                "rows_excluded": self.rows_excluded, "by_reason": dict(self.by_reason)}

    def to_frame(self) -> pd.DataFrame:
        """One row per excluded respondent with the codes that excluded it."""
        return self.reasons.rename("reasons").to_frame()

    def summary(self) -> str:
        """One paragraph: how many were dropped and why."""
        if not self.codes:
            return f"No exclusions: {self.rows_in:,} respondents kept."
        reasons = ", ".join(f"{c} {n:,}" for c, n in self.by_reason.items() if n) or "none flagged"
        line = (f"Excluded {self.rows_excluded:,} of {self.rows_in:,} respondents ({self.rows_out:,} kept) "
                f"for {', '.join(self.codes)}: {reasons}")
        if sum(self.by_reason.values()) > self.rows_excluded:
            line += " (some respondents have several reasons)"
        return line + "."


@dataclass(frozen=True)
class QualityReport:
    """Data-quality flags per respondent (see the module docstring for the codes).

    Attributes
    ----------
    flags
        Boolean table: index = respondent ids (data order), one column per code of :data:`FLAG_CODES`.
        A check that could not run leaves its column all False (see ``checks``).
    detail
        The numbers behind the flags, same index: ``duration``, ``duration_ratio`` (duration / median),
        ``straightlined_batteries``, ``longest_run`` (longest run of identical answers), ``n_out_of_range``
        (number of bad codes), ``duplicate_of`` (id of the earlier row duplicated, or empty),
        ``answered``, ``missing_rate``, ``attention_failed``, and ``row`` (the row in the source file)
        when known.
    checks
        Code -> :class:`CheckInfo` (whether it ran, and its rule).
    out_of_range_items
        Item (column) -> number of out-of-range answers, for items with at least one.
    batteries
        Battery name -> items, reverse-keyed items and respondents who straightlined it.
    settings
        The thresholds used.
    exclude
        Codes chosen for exclusion (``check_quality(..., exclude=...)``); empty when none.
    """

    flags: pd.DataFrame
    detail: pd.DataFrame
    checks: Mapping[str, CheckInfo]
    out_of_range_items: pd.Series
    batteries: Mapping[str, Mapping[str, Any]]
    settings: Mapping[str, Any]
    exclude: tuple[str, ...] = ()

    # ------------------------------------------------------------------ queries
    @property
    def respondents(self) -> int:
        """Number of respondents checked."""
        return len(self.flags)

    @property
    def counts(self) -> pd.Series:
        """Code -> number of respondents flagged (every code, zeros included)."""
        return self.flags.sum(axis=0).astype(int).rename("count")

    @property
    def any_flag(self) -> pd.Series:
        """Respondent id -> True when at least one flag is set."""
        return self.flags.any(axis=1).rename("flagged")

    @property
    def n_flagged(self) -> int:
        """Number of respondents with at least one flag."""
        return int(self.flags.to_numpy().any(axis=1).sum())

    def flagged_ids(self, codes: str | Iterable[str] | None = None) -> pd.Index:
        """Ids of the respondents carrying any of ``codes`` (default: any flag)."""
        cols = list(FLAG_CODES) if codes is None else parse_codes(codes)
        return self.flags.index[self.flags[cols].to_numpy().any(axis=1)]

    def exclusions(self, codes: str | Iterable[str] | None = None) -> Exclusions:
        """What excluding the respondents flagged with ``codes`` would drop (default: ``self.exclude``)."""
        from .flags import exclusions_from_flags

        chosen = tuple(parse_codes(codes)) if codes is not None else self.exclude
        return exclusions_from_flags(self.flags, chosen)

    # ------------------------------------------------------------------ output
    def to_frame(self) -> pd.DataFrame:
        """The flag table with ``n_flags`` and the detail columns, one row per respondent."""
        out = self.flags.copy()
        out.insert(0, "n_flags", self.flags.to_numpy().sum(axis=1).astype(int))
        return pd.concat([out, self.detail], axis=1)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: ``respondents``, ``flags`` (code -> count), ``flagged`` (respondents with any flag),
        ``rates``, ``checks``, ``out_of_range_items``, ``batteries``, ``settings`` and, when codes were
        chosen for exclusion, ``excluded``."""
        counts = self.counts
        n = self.respondents
        d: dict[str, Any] = {
            "respondents": n,
            "flags": {c: int(counts[c]) for c in FLAG_CODES},
            "flagged": self.n_flagged,
            "rates": {c: (int(counts[c]) / n if n else None) for c in FLAG_CODES},
            "checks": {c: self.checks[c].to_dict() for c in FLAG_CODES},
            "out_of_range_items": {str(k): int(v) for k, v in self.out_of_range_items.items()},
            "batteries": {k: dict(v) for k, v in self.batteries.items()},
            "settings": dict(self.settings),
        }
        if self.exclude:
            d["excluded"] = self.exclusions().to_dict()
        return d

    def summary(self) -> str:
        """A text table: code, respondents flagged, share, and the rule applied."""
        n = self.respondents
        counts = self.counts
        w = max(len(c) for c in FLAG_CODES)
        lines = [f"Data quality: {n:,} respondents, {self.n_flagged:,} with at least one flag "
                 f"({(self.n_flagged / n if n else 0):.1%})", ""]
        lines.append(f"{'flag':<{w}}  {'count':>7}  {'share':>6}  rule")
        lines.append(f"{'-' * w}  {'-' * 7}  {'-' * 6}  {'-' * 40}")
        for c in FLAG_CODES:
            info = self.checks[c]
            if info.ran:
                k = int(counts[c])
                lines.append(f"{c:<{w}}  {k:>7,}  {(k / n if n else 0):>6.1%}  {info.rule}")
            else:
                lines.append(f"{c:<{w}}  {'-':>7}  {'':>6}  not checked: {info.rule}")
        if len(self.out_of_range_items):
            top = self.out_of_range_items.sort_values(ascending=False).head(10)
            lines += ["", "Out-of-range answers by item: " + ", ".join(f"{k} {int(v):,}" for k, v in top.items())
                      + (" ..." if len(self.out_of_range_items) > 10 else "")]
        if self.exclude:
            lines += ["", self.exclusions().summary()]
        return "\n".join(lines)


# ====================================================================== codes

def parse_codes(codes: str | Iterable[str] | None) -> list[str]:
    """Validate flag codes given as ``"speeder,partial"`` or a list; ``"all"`` means every code, ``"none"`` none.

    Raises
    ------
    DataError
        Naming the unknown codes and listing the valid ones.
    """
    if codes is None:
        return []
    parts = codes.split(",") if isinstance(codes, str) else [str(c) for c in codes]
    out: list[str] = []
    unknown: list[str] = []
    for p in parts:
        p = p.strip().lower().replace("_", "-")
        if not p:
            continue
        if p == "all":
            out.extend(FLAG_CODES)
        elif p == "none":
            continue
        elif p in FLAG_CODES:
            out.append(p)
        else:
            unknown.append(p)
    if unknown:
        raise DataError(f"unknown data-quality flag code(s): {', '.join(unknown)}; use any of "
                        f"{', '.join(FLAG_CODES)} (or 'all', or 'none')")
    seen: set[str] = set()
    return [c for c in out if not (c in seen or seen.add(c))]



def apply_exclusions(survey: Survey, report: QualityReport, codes: str | Sequence[str] | None = None
                     ) -> tuple[Survey, Exclusions]:
    """Drop the respondents flagged with any of ``codes`` and report how many and why.

    Parameters
    ----------
    survey
        The survey the report was made from.
    report
        From :func:`check_quality`.
    codes
        Flag codes (``"speeder,partial"``, a list, or ``"all"``); default: the report's ``exclude``.

    Returns
    -------
    (Survey, Exclusions)
        The kept respondents (in their original order) and the account of the dropped ones, with
        ``rows_in == rows_out + rows_excluded``.

    Raises
    ------
    DataError
        Unknown codes, or a report made from other respondents.
    """
    if not report.flags.index.equals(survey.ids):
        raise DataError("the quality report was made from other respondents than this survey; run "
                        "check_quality on this survey first")
    ex = report.exclusions(codes)
    if ex.rows_excluded == 0:
        return survey, ex
    keep = ~report.flags.index.isin(ex.reasons.index)
    return survey.subset(keep), ex
