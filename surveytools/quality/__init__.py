"""Data-quality checks: flags per respondent, never deletions.

:func:`check_quality` runs every check the data and the questionnaire allow and returns a
:class:`QualityReport`: a boolean flag table (one row per respondent, one column per flag code), the
numbers behind each flag (duration ratio, longest run, missing rate...), counts per code and the rule
each check applied. :func:`apply_exclusions` drops the respondents flagged with chosen codes and reports
rows in / rows out / rows excluded with the reasons, so that ``rows_in == rows_out + rows_excluded``.

The package: :mod:`.checks` (one small function per flag code, registered in :data:`CHECKS`, and
:func:`check_quality`, which runs the selected ones), :mod:`.report` (:class:`QualityReport`,
:class:`Exclusions`, :func:`apply_exclusions`) and :mod:`.arrays` (vectorized helpers).

Flag codes (stable; scripts rely on them):

==================== ===================================================================================
``speeder``          interview duration under ``speeder_fraction`` x the median duration
``straightlining``   identical answers to every answered item of a battery that mixes reverse-keyed and
                     forward-keyed items (answers that contradict each other)
``longstring``       a run of identical consecutive answers over the battery items (spec order) at least
                     as long as the longstring threshold (default: half of those items; Curran, 2016)
``out-of-range``     a code that is not one of the item's valid codes, or a number outside ``range``
``duplicate-id``     the value of an ``id`` item seen in an earlier row (first occurrence kept)
``duplicate-email``  the e-mail of an earlier row, compared case- and space-insensitively
``duplicate-answers`` the same answers as an earlier row on every coded item (non-constant answers only)
``high-missing``     more than ``max_missing`` of the answerable items left blank
``attention-check``  an answer to an attention-check item (``expect``) other than the expected one
``partial``          the platform says the interview was not finished (``Finished``/``Progress``), or
                     fewer than ``min_answered`` of the answerable items were answered
==================== ===================================================================================

References
----------
Curran, P. G. (2016). Methods for the detection of carelessly invalid responses in survey data.
*Journal of Experimental Social Psychology*, 66, 4-19.
Johnson, J. A. (2005). Ascertaining the validity of individual protocols from web-based personality
inventories. *Journal of Research in Personality*, 39(1), 103-129.
Meade, A. W., & Craig, S. B. (2012). Identifying careless responses in survey data. *Psychological
Methods*, 17(3), 437-455.
"""

from __future__ import annotations

from .arrays import _row_groups, _run_lengths  # noqa: F401  (kept importable from here)
from .checks import CHECKS, CheckOutcome, QualityCheck, QualityContext, check_quality
from .flags import (
    DEFAULT_EXCLUDE,
    FLAGS_COLUMN,
    combine_exclusions,
    exclusion_codes,
    honour_flags,
    stored_flags,
    with_flags,
)
from .report import (
    DEFAULT_MAX_MISSING,
    FLAG_CODES,
    FLAG_DESCRIPTIONS,
    CheckInfo,
    Exclusions,
    QualityReport,
    apply_exclusions,
    parse_codes,
)

__all__ = [
    "CHECKS",
    "DEFAULT_EXCLUDE",
    "DEFAULT_MAX_MISSING",
    "FLAGS_COLUMN",
    "FLAG_CODES",
    "FLAG_DESCRIPTIONS",
    "CheckInfo",
    "CheckOutcome",
    "Exclusions",
    "QualityCheck",
    "QualityContext",
    "QualityReport",
    "apply_exclusions",
    "check_quality",
    "combine_exclusions",
    "exclusion_codes",
    "honour_flags",
    "parse_codes",
    "stored_flags",
    "with_flags",
]
