"""Exploratory factor analysis: extraction, rotation, fit, factor scores (as R psych ``fa``)."""

from __future__ import annotations

from .extraction import Extraction, extract, fit_minres, fit_ml, fit_pa, smc
from .rotation import ROTATIONS, Rotation, rotate

__all__ = ["Extraction", "extract", "fit_minres", "fit_ml", "fit_pa", "smc", "ROTATIONS", "Rotation", "rotate"]
