"""Seeded survey data for the correlation and factor benchmarks: n respondents x p six-point items from a
known factor model.

Model: m correlated factors (correlations 0.3), each item loads 0.45..0.80 on one factor (items assigned
round robin); the latent response y* = L f + e is cut at item-specific thresholds (a base set of five cuts
shifted by a per-item skew), giving codes 1..6 with realistic, uneven category use. ``missing`` blanks that
share of answers at random.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["make_items", "write_csv"]


def make_items(n: int = 4000, p: int = 135, m: int = 9, seed: int = 20240601, missing: float = 0.0) -> pd.DataFrame:
    """The data as a DataFrame of float codes (NaN = missing), columns ``Q001``..."""
    rng = np.random.default_rng(seed)
    phi = np.full((m, m), 0.3)
    np.fill_diagonal(phi, 1.0)
    f = rng.standard_normal((n, m)) @ np.linalg.cholesky(phi).T
    load = rng.uniform(0.45, 0.80, p)
    owner = np.arange(p) % m
    ystar = f[:, owner] * load + rng.standard_normal((n, p)) * np.sqrt(1.0 - load**2)
    base = np.array([-1.6, -0.8, -0.2, 0.5, 1.3])
    cuts = base[None, :] + rng.normal(0.0, 0.35, (p, 1))
    codes = 1 + (ystar[:, :, None] > cuts[None, :, :]).sum(axis=2)
    x = codes.astype(float)
    if missing:
        x[rng.random(x.shape) < missing] = np.nan
    return pd.DataFrame(x, columns=[f"Q{j + 1:03d}" for j in range(p)])


def write_csv(frame: pd.DataFrame, path: str) -> None:
    """Write for R: NA for missing, integer codes."""
    frame.to_csv(path, index=False, na_rep="NA", float_format="%.0f")
