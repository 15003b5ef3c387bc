"""Quality flags carried downstream: the ``quality_flags`` column of clean data, and who later stages leave out.

``surveytools import`` and ``surveytools quality`` write each respondent's flags into the clean data as one text
column, :data:`FLAGS_COLUMN` (``"speeder,partial"``; empty when none). Every later stage that reads a survey
then leaves out the respondents flagged with the *exclusion codes* (the questionnaire's ``quality.exclude``, or
:data:`DEFAULT_EXCLUDE`), counts them by reason, and keeps them with ``--include-flagged``
(:func:`honour_flags`). When the data carry no flags column (a raw export given straight to ``segment``), the
flags are computed with :func:`~surveytools.quality.check_quality` first, so the same respondents are left out
whichever file a stage is given.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import replace

import numpy as np
import pandas as pd

from ..exceptions import DataError
from ..survey import Survey
from .report import FLAG_CODES, Exclusions, QualityReport, parse_codes

__all__ = ["FLAGS_COLUMN", "DEFAULT_EXCLUDE", "flag_strings", "with_flags", "stored_flags", "exclusion_codes",
           "exclusions_from_flags", "combine_exclusions", "computed_flags", "honour_flags"]

#: The column of clean data that records each respondent's flag codes (comma-separated, empty when none).
FLAGS_COLUMN = "quality_flags"

#: The codes later stages leave out when the questionnaire's ``quality.exclude`` does not choose them: evidence
#: that an interview is not a real, attentive, single, finished one. Not by default: ``longstring`` (consistent
#: honest answers make long runs too), ``out-of-range`` (the bad answer is already read as missing),
#: ``high-missing`` (the analyses handle missing answers), ``duplicate-answers`` (in short batteries with few
#: answer options identical answer patterns happen by chance).
DEFAULT_EXCLUDE: tuple[str, ...] = ("speeder", "straightlining", "duplicate-id", "duplicate-email",
                                    "attention-check", "partial")


def flag_strings(flags: np.ndarray, codes: Sequence[str]) -> np.ndarray:
    """Each row's codes joined by commas (``""`` when none), vectorized over rows.

    Parameters
    ----------
    flags
        Boolean matrix, respondents x ``codes``.
    codes
        The code of each column.

    Returns
    -------
    numpy.ndarray
        One string per row, codes in column order.
    """
    flags = np.asarray(flags, dtype=bool)
    out = np.full(flags.shape[0], "", dtype=object)
    for j, code in enumerate(codes):  # a loop over the (ten) codes, not over respondents
        out = out + np.where(flags[:, j], code + ",", "")
    return pd.Series(out, dtype=object).str.slice(0, -1).to_numpy(dtype=object)


def with_flags(survey: Survey, flags: pd.DataFrame | QualityReport) -> Survey:
    """The survey with its flag codes in the :data:`FLAGS_COLUMN` metadata column (written to clean data)."""
    table = flags.flags if isinstance(flags, QualityReport) else flags
    if not table.index.equals(survey.ids):
        table = table.reindex(survey.ids, fill_value=False)
    codes = [c for c in FLAG_CODES if c in table.columns]
    text = pd.Series(flag_strings(table[codes].to_numpy(), codes), index=survey.ids, name=FLAGS_COLUMN)
    meta = survey.metadata.copy() if survey.metadata is not None else pd.DataFrame(index=survey.ids)
    meta[FLAGS_COLUMN] = text
    return replace(survey, metadata=meta)


def stored_flags(survey: Survey) -> pd.DataFrame | None:
    """The flags recorded in the data's :data:`FLAGS_COLUMN` as a boolean table (None when there is none).

    Raises
    ------
    DataError
        A code in the column that is not a flag code, naming the respondent and the fix.
    """
    meta = survey.metadata
    if meta is None or FLAGS_COLUMN not in meta.columns:
        return None
    # few distinct combinations: parse each once (a loop over combinations), then index them by respondent
    codes, uniques = pd.factorize(meta[FLAGS_COLUMN].astype("string").fillna(""), use_na_sentinel=False)
    position = {c: j for j, c in enumerate(FLAG_CODES)}
    parsed = np.zeros((len(uniques), len(FLAG_CODES)), dtype=bool)
    for u, combination in enumerate(uniques):
        for code in str(combination).replace(" ", "").lower().split(","):
            if not code:
                continue
            if code not in position:
                first = survey.ids[np.flatnonzero(codes == u)[0]]
                raise DataError(f"{survey.source.describe()}: column {FLAGS_COLUMN!r} holds {code!r} (respondent "
                                f"{first}), which is not a flag code; use {', '.join(FLAG_CODES)}, or delete the "
                                "column to compute the flags again")
            parsed[u, position[code]] = True
    table = pd.DataFrame(parsed[codes] if len(codes) else np.zeros((0, len(FLAG_CODES)), bool),
                         index=survey.ids, columns=list(FLAG_CODES))
    return table


def exclusion_codes(survey: Survey, codes: str | Iterable[str] | None = None) -> tuple[str, ...]:
    """The codes that leave a respondent out: ``codes`` when given, else the questionnaire's ``quality.exclude``,
    else :data:`DEFAULT_EXCLUDE`; in report order.

    Raises
    ------
    DataError
        Unknown codes (naming the questionnaire's ``quality.exclude`` when they come from it).
    """
    if codes is None:
        declared = survey.questionnaire.quality.exclude
        if declared is None:
            chosen = list(DEFAULT_EXCLUDE)
        else:
            try:
                chosen = parse_codes(declared)
            except DataError as exc:
                raise DataError(f"questionnaire quality.exclude: {exc}") from None
    else:
        chosen = parse_codes(codes)
    return tuple(c for c in FLAG_CODES if c in chosen)


def exclusions_from_flags(flags: pd.DataFrame, codes: Sequence[str]) -> Exclusions:
    """Who the ``codes`` leave out of a flag table, with the reasons (``rows_in == rows_out + rows_excluded``)."""
    n = len(flags)
    chosen = tuple(codes)
    if not chosen:
        return Exclusions(codes=(), rows_in=n, rows_out=n, rows_excluded=0, by_reason={},
                          reasons=pd.Series([], dtype=object, index=flags.index[:0], name="reasons"))
    sub = flags[list(chosen)].to_numpy(dtype=bool)
    drop = sub.any(axis=1)
    by_reason = dict(zip(chosen, sub[drop].sum(axis=0).astype(int).tolist(), strict=True))
    reasons = pd.Series(flag_strings(sub[drop], chosen), index=flags.index[drop], dtype=object, name="reasons")
    k = int(drop.sum())
    return Exclusions(codes=chosen, rows_in=n, rows_out=n - k, rows_excluded=k, by_reason=by_reason,
                      reasons=reasons)


def combine_exclusions(parts: Sequence[Exclusions]) -> Exclusions:
    """The exclusions of several files (survey waves) as one account: rows and reasons added up."""
    codes = tuple(c for c in FLAG_CODES if any(c in p.codes for p in parts))
    by_reason = {c: sum(int(p.by_reason.get(c, 0)) for p in parts) for c in codes if any(c in p.by_reason
                                                                                      for p in parts)}
    reasons = pd.concat([p.reasons for p in parts]) if parts else pd.Series([], dtype=object, name="reasons")
    return Exclusions(codes=codes, rows_in=sum(p.rows_in for p in parts), rows_out=sum(p.rows_out for p in parts),
                      rows_excluded=sum(p.rows_excluded for p in parts), by_reason=by_reason, reasons=reasons)


def computed_flags(survey: Survey) -> pd.DataFrame:
    """The flags :func:`~surveytools.quality.check_quality` gives, computed wave by wave when the data stack
    several survey waves (a ``wave`` column): medians and duplicates are looked for within a wave."""
    from .checks import check_quality

    waves = survey.metadata["wave"] if survey.metadata is not None and "wave" in survey.metadata else None
    labels = waves.dropna().unique() if waves is not None else ()
    if len(labels) < 2:
        return check_quality(survey).flags
    parts = [check_quality(survey.subset((waves == w).to_numpy())).flags for w in labels]
    rest = waves.isna().to_numpy()
    if rest.any():
        parts.append(check_quality(survey.subset(rest)).flags)
    return pd.concat(parts).reindex(survey.ids)


def honour_flags(survey: Survey, *, codes: str | Iterable[str] | None = None, include_flagged: bool = False,
                 compute: bool = True) -> tuple[Survey, Exclusions, int]:
    """Leave out the respondents flagged with the exclusion codes, as every stage after ``quality`` does.

    Parameters
    ----------
    survey
        The survey a stage was given; its flags come from the :data:`FLAGS_COLUMN` of the data, else (with
        ``compute``) from :func:`~surveytools.quality.check_quality` with the questionnaire's settings.
    codes
        The exclusion codes (default: :func:`exclusion_codes`).
    include_flagged
        Keep everyone (``--include-flagged``): the exclusions are then empty and the third value counts the
        flagged respondents kept.
    compute
        Whether to compute missing flags (False: data without flags are taken as they are).

    Returns
    -------
    (Survey, Exclusions, int)
        The respondents used (their flags recorded in the metadata), what was left out and why, and how many
        respondents carrying exclusion codes were kept by ``include_flagged``.
    """
    chosen = exclusion_codes(survey, codes)
    flags = stored_flags(survey)
    if flags is None:
        if not compute or not chosen:
            return survey, exclusions_from_flags(pd.DataFrame(index=survey.ids), ()), 0
        flags = computed_flags(survey)
        survey = with_flags(survey, flags)
    ex = exclusions_from_flags(flags, chosen)
    if include_flagged:
        kept = replace(ex, rows_out=ex.rows_in, rows_excluded=0, by_reason={}, reasons=ex.reasons.iloc[:0])
        return survey, kept, ex.rows_excluded
    if ex.rows_excluded == 0:
        return survey, ex, 0
    return survey.subset(~flags.index.isin(ex.reasons.index)), ex, 0
