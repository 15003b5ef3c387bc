"""surveytools: survey-driven psychographic segmentation, from survey export to CRM.

The library mirrors the command line: load a questionnaire and a survey, then run each stage, which
returns a result object with ``to_frame()``, ``to_dict()`` and ``summary()``.

>>> import surveytools as st
>>> q = st.load_questionnaire("questionnaires/bfi.yaml")        # doctest: +SKIP
>>> survey = st.load_survey("responses.csv", q)                 # doctest: +SKIP
"""

from __future__ import annotations

__version__ = "0.1.0"

from .exceptions import (
    DataError,
    EstimationError,
    ImportMappingError,
    InputFileError,
    NotFittedError,
    QuestionnaireError,
    ScaleError,
    SurveyToolsError,
    SurveyToolsWarning,
)
from .io import load_survey, write_survey
from .questionnaire import Item, OptionSet, Questionnaire, Scale, load_questionnaire
from .survey import SourceInfo, Survey

__all__ = [
    "__version__",
    "DataError",
    "EstimationError",
    "ImportMappingError",
    "InputFileError",
    "Item",
    "NotFittedError",
    "OptionSet",
    "Questionnaire",
    "QuestionnaireError",
    "Scale",
    "ScaleError",
    "SourceInfo",
    "Survey",
    "SurveyToolsError",
    "SurveyToolsWarning",
    "load_questionnaire",
    "load_survey",
    "write_survey",
]
