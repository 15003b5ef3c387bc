"""Every exception and warning surveytools raises, in one place.

Errors derive from :class:`SurveyToolsError` and also from the built-in exception they refine, so
``except ValueError`` keeps working for callers who do not know this package. The command line turns
any :class:`SurveyToolsError` into one ``Error: ...`` line on stderr and exit code 1.

Warnings derive from :class:`SurveyToolsWarning` (a :class:`UserWarning`).
"""

from __future__ import annotations

from collections.abc import Iterable

__all__ = [
    "SurveyToolsError",
    "QuestionnaireError",
    "ProjectError",
    "CodeFrameError",
    "InputFileError",
    "InputLimitError",
    "OutputError",
    "ImportMappingError",
    "DataError",
    "KpiMapError",
    "ScaleError",
    "EstimationError",
    "NotFittedError",
    "InvalidParameterError",
    "DataParameterError",
    "EstimationParameterError",
    "SurveyToolsWarning",
    "DataQualityWarning",
    "EstimationWarning",
    "HeywoodWarning",
    "ConvergenceWarning",
    "WeakSegmentRecoveryWarning",
    "OptionUsageError",
    "ReplicationWarning",
    "EmptyClassWarning",
    "DeprecatedSettingWarning",
]


class SurveyToolsError(Exception):
    """Base class of every error raised by surveytools.

    Parameters
    ----------
    message
        One sentence naming the place (file, sheet, row, column, item) and what to do.
    problems
        Further detail lines (for example every problem found in a spec), shown under the message.
    """

    def __init__(self, message: str, problems: Iterable[str] | None = None) -> None:
        self.message = message
        self.problems: list[str] = list(problems or [])
        super().__init__(message)

    def __str__(self) -> str:
        if not self.problems:
            return self.message
        return self.message + "\n" + "\n".join(f"  - {p}" for p in self.problems)


class QuestionnaireError(SurveyToolsError, ValueError):
    """A questionnaire spec is invalid; ``problems`` lists every problem found, not just the first."""


class ProjectError(SurveyToolsError, ValueError):
    """A project file is invalid; ``problems`` lists every problem found."""


class CodeFrameError(SurveyToolsError, ValueError):
    """A code frame (themes of open-ended comments) is invalid; ``problems`` lists every problem found."""


class OptionUsageError(SurveyToolsError, ValueError):
    """Options that do not go together (the command line reports it as a usage error, exit code 2)."""


class InputFileError(SurveyToolsError, OSError):
    """A file cannot be read: missing, empty, encrypted, not the format it claims, wrong sheet."""


class InputLimitError(InputFileError):
    """A file exceeds a safety limit (declared sheet size, uncompressed size, line length, YAML aliases);
    the message names the limit and how to raise it (``docs/security.md``)."""


class OutputError(SurveyToolsError, OSError):
    """An output cannot be written: read-only or full folder, no permission."""


class ImportMappingError(SurveyToolsError, ValueError):
    """An export does not match its questionnaire: missing columns, unknown answer labels."""


class DataError(SurveyToolsError, ValueError):
    """The data cannot support the requested analysis (non-numeric answers, too few rows...)."""


class KpiMapError(SurveyToolsError, ValueError):
    """A KPI map (``surveytools kpis --map``) is invalid or names columns the files lack; ``problems`` lists
    every problem found."""


class ScaleError(DataError):
    """A scale cannot be analysed: unknown, too few items, no answers."""


class EstimationError(SurveyToolsError, ArithmeticError):
    """A model cannot be estimated on these data (singular matrix, too many factors...)."""


class NotFittedError(SurveyToolsError, AttributeError):
    """A model was used before ``fit`` (it has no fitted attribute, the ones ending in ``_``)."""


class InvalidParameterError(SurveyToolsError, ValueError):
    """An estimator's parameter is outside what its constraints table accepts, or is unknown.

    Raised by ``fit`` (and by ``set_params`` for an unknown name); the message names the parameter. See
    :mod:`surveytools.estimator`.
    """


class DataParameterError(InvalidParameterError, DataError):
    """An :class:`InvalidParameterError` of :class:`~surveytools.segment.Segmenter`.

    Also a :class:`DataError`, which is what the Segmenter raised for bad parameters before it had a constraints
    table; catch :class:`InvalidParameterError` in new code.
    """


class EstimationParameterError(InvalidParameterError, EstimationError):
    """An :class:`InvalidParameterError` of :class:`~surveytools.factor.FactorModel`.

    Also an :class:`EstimationError`, which is what the FactorModel raised for bad parameters before it had a
    constraints table; catch :class:`InvalidParameterError` in new code.
    """


class SurveyToolsWarning(UserWarning):
    """Base class of every warning issued by surveytools."""


class DeprecatedSettingWarning(SurveyToolsWarning):
    """A setting in a deprecated place (e.g. ``crm: {extend: ...}`` of a project file): still accepted and mapped
    onto its new place; to be removed in a later release. A :class:`UserWarning`, so users see it by default."""


class DataQualityWarning(SurveyToolsWarning):
    """Something in the data deserves a look but does not stop the analysis."""


class EstimationWarning(SurveyToolsWarning):
    """An estimate is unreliable (near-singular matrix, a smoothed correlation matrix...)."""


class HeywoodWarning(EstimationWarning):
    """A uniqueness reached its lower bound or a communality reached 1 (a Heywood case)."""


class ConvergenceWarning(EstimationWarning):
    """An iterative procedure stopped before meeting its convergence criterion."""


class ReplicationWarning(EstimationWarning):
    """The best log-likelihood of a latent class model was reached by only one of its final-stage random
    starts (not replicated): it may be a local maximum; use more starts."""


class EmptyClassWarning(EstimationWarning):
    """A latent class holds (almost) no respondents: the model has more classes than the data support."""


class WeakSegmentRecoveryWarning(EstimationWarning):
    """A segment is rarely recovered from CRM fields: its cross-validated recall is below the threshold
    (:data:`surveytools.crm_extend.RECALL_WARNING`), so its model-assigned customers deserve caution."""
