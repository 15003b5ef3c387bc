"""surveytools: survey-driven psychographic segmentation, from survey export to CRM.

The library mirrors the command line: load a questionnaire and a survey, then run each stage, which
returns a result object with ``to_frame()``, ``to_dict()`` and ``summary()``.

>>> import surveytools as st
>>> q = st.load_questionnaire("questionnaires/bfi.yaml")        # doctest: +SKIP
>>> survey = st.load_survey("responses.csv", q)                 # doctest: +SKIP
>>> st.reliability(survey).summary()                            # doctest: +SKIP
>>> st.FactorModel(n_factors="auto").fit(survey).result_        # doctest: +SKIP

Stage functions and estimators are imported on first use, so ``import surveytools`` stays light.
"""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

from .exceptions import (
    DataError,
    EstimationError,
    ImportMappingError,
    InputFileError,
    InvalidParameterError,
    NotFittedError,
    ProjectError,
    QuestionnaireError,
    ScaleError,
    SurveyToolsError,
    SurveyToolsWarning,
)

#: public name -> module that defines it (imported lazily: ``import surveytools`` and the command line's
#: ``--help`` load neither pandas nor numpy nor yaml)
_LAZY: dict[str, str] = {
    "Item": "surveytools.questionnaire",
    "OptionSet": "surveytools.questionnaire",
    "Questionnaire": "surveytools.questionnaire",
    "Scale": "surveytools.questionnaire",
    "load_questionnaire": "surveytools.questionnaire",
    "SourceInfo": "surveytools.survey",
    "Survey": "surveytools.survey",
    "load_survey": "surveytools.io",
    "import_survey": "surveytools.io",
    "write_survey": "surveytools.io",
    "check_quality": "surveytools.quality",
    "apply_exclusions": "surveytools.quality",
    "reliability": "surveytools.reliability",
    "score_scales": "surveytools.scoring",
    "correlation_matrix": "surveytools.correlation",
    "FactorModel": "surveytools.factor.model",
    "Segmenter": "surveytools.segment",
    "TypingTool": "surveytools.typing_tool",
    "assign_file": "surveytools.typing_tool",
    "read_assignments": "surveytools.assignments",
    "write_assignments": "surveytools.assignments",
    "profile_segments": "surveytools.profile",
    "write_xlsx_report": "surveytools.report.xlsx",
    "write_html_report": "surveytools.report.html",
    "write_pptx_report": "surveytools.report.pptx",
    "correspondence_analysis": "surveytools.perceptual",
    "join_crm": "surveytools.crm",
    "voc_by_segment": "surveytools.voc",
    "compute_kpis": "surveytools.kpis",
    "load_project": "surveytools.project",
    "run_project": "surveytools.pipeline",
}

__all__ = [
    "__version__",
    "DataError",
    "EstimationError",
    "ImportMappingError",
    "InputFileError",
    "InvalidParameterError",
    "NotFittedError",
    "ProjectError",
    "QuestionnaireError",
    "ScaleError",
    "SurveyToolsError",
    "SurveyToolsWarning",
    *_LAZY,
]


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'surveytools' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))
