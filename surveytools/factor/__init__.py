"""Exploratory factor analysis as R psych ``fa``: extraction (minres, ml, pa), rotation (varimax,
quartimax, equamax, promax, oblimin, quartimin, geomin), fit statistics, factor scores, and the
:class:`FactorModel` estimator that ties them to surveys.

Adequacy (KMO, Bartlett) lives in :mod:`surveytools.factor.adequacy` and the number-of-factors criteria
(parallel analysis, MAP) in :mod:`surveytools.factor.retention`.
"""

from __future__ import annotations

from .extraction import Extraction, extract, fit_minres, fit_ml, fit_pa, smc
from .fit import FitStatistics, fit_statistics
from .model import FactorModel, FactorResult
from .rotation import ROTATIONS, Rotation, align, congruence, rotate
from .scores import SCORE_METHODS, score_weights

__all__ = [
    "Extraction",
    "FactorModel",
    "FactorResult",
    "FitStatistics",
    "ROTATIONS",
    "Rotation",
    "SCORE_METHODS",
    "align",
    "congruence",
    "extract",
    "fit_minres",
    "fit_ml",
    "fit_pa",
    "fit_statistics",
    "rotate",
    "score_weights",
    "smc",
]
