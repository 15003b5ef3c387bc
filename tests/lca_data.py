"""Simulated mixed-type data with known latent classes, for the latent class tests.

:func:`mixed_matrix` draws a plain matrix (categorical items with codes 0..L-1 and Gaussian or log-normal
items) from a latent class model; :func:`mixed_survey` a Survey of a retail study with three known classes
("bargain hunters", "online loyalists", "traditional shoppers"):

- ``channel`` (categorical: 1 store, 2 web, 3 app, 4 phone), ``payment`` (categorical: 1 cash, 2 card,
  3 mobile), ``frequency`` (5-point ordinal), ``services`` (multi-select: 1 delivery, 2 click & collect,
  3 returns), ``spend`` (numeric, log-normal: strongly skewed), a 4-item attitude scale ``deal`` (Likert);
- covariates ``age`` (numeric) and ``region`` (categorical) that shift class membership (multinomial logit,
  class 1 reference: age slope 0 / -0.06 / +0.04 per year around 45, region 2 +0.8 / -0.5);
- distal outcome ``nps`` (0-10) with class means 6, 8, 5 (normal noise, sd 2, clipped).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from surveytools.questionnaire import Questionnaire
from surveytools.survey import SourceInfo, Survey

__all__ = ["mixed_matrix", "mixed_survey", "AGE_SLOPES", "REGION2", "NPS_MEANS"]

AGE_SLOPES = (0.0, -0.06, 0.04)
REGION2 = (0.0, 0.8, -0.5)
NPS_MEANS = (6.0, 8.0, 5.0)


def _draw(rng: np.random.Generator, probs: np.ndarray) -> np.ndarray:
    """One categorical draw per row of ``probs`` (rows sum to 1): codes 0..L-1."""
    return (rng.random(probs.shape[0])[:, None] > np.cumsum(probs, axis=1)[:, :-1]).sum(axis=1)


def mixed_matrix(n: int = 2000, k: int = 3, seed: int = 0, *, n_cat: int = 5, n_num: int = 2, skewed: bool = True,
                 missing: float = 0.0, sep: float = 0.6) -> tuple[np.ndarray, list[str], np.ndarray]:
    """Rows x items from a k-class model: ``n_cat`` categorical items (3, 4, 5 levels in turn; class profiles
    from a Dirichlet(sep) draw), ``n_num`` numeric items (the first log-normal when ``skewed``). Returns the
    matrix (NaN missing), the kinds (``categorical`` / ``gaussian``) and the true classes (0..k-1)."""
    rng = np.random.default_rng(seed)
    share = np.linspace(1.5, 0.7, k)
    share /= share.sum()
    z = rng.choice(k, size=n, p=share)
    prng = np.random.default_rng(1000 + k)  # the population does not depend on the seed
    cols, kinds = [], []
    for j in range(n_cat):
        levels = 3 + j % 3
        profile = prng.dirichlet(np.full(levels, sep), size=k)
        cols.append(_draw(rng, profile[z]).astype(float))
        kinds.append("categorical")
    for j in range(n_num):
        mu = prng.normal(0.0, 1.2, size=k)
        if skewed and j == 0:
            cols.append(np.exp(rng.normal(3.0 + mu[z], 0.7)))
        else:
            cols.append(rng.normal(50.0 + 10.0 * mu[z], 10.0))
        kinds.append("gaussian")
    x = np.column_stack(cols)
    if missing:
        x[rng.random(x.shape) < missing] = np.nan
    return x, kinds, z


def _questionnaire(weighted: bool) -> Questionnaire:
    agree = {1: "Strongly disagree", 2: "Disagree", 3: "Neutral", 4: "Agree", 5: "Strongly agree"}
    items: dict[str, dict] = {
        "channel": {"text": "Where do you buy most?", "type": "categorical",
                    "codes": {1: "Store", 2: "Web", 3: "App", 4: "Phone"}},
        "payment": {"text": "How do you usually pay?", "type": "categorical",
                    "codes": {1: "Cash", 2: "Card", 3: "Mobile"}},
        "frequency": {"text": "How often do you shop with us?", "type": "likert",
                      "codes": {1: "Rarely", 2: "Monthly", 3: "Fortnightly", 4: "Weekly", 5: "Daily"}},
        "services": {"text": "Which services do you use?", "type": "multi",
                     "codes": {1: "Delivery", 2: "Click & collect", 3: "Returns"}},
        "spend": {"text": "Spend last month", "type": "numeric"},
        "age": {"text": "Age", "type": "numeric", "range": [18, 99]},
        "region": {"text": "Region", "type": "categorical", "codes": {1: "North", 2: "South", 3: "East"}},
        "nps": {"text": "Recommend?", "type": "nps"},
        "gone": {"text": "Asked in an earlier wave only", "type": "categorical", "codes": {1: "Yes", 2: "No"}},
    }
    for j in range(1, 5):
        items[f"deal{j}"] = {"text": f"Deal statement {j}", "options": "agree5"}
    spec = {"title": "Mixed latent class survey", "respondent_id": "respondent_id",
            "option_sets": {"agree5": {"codes": agree}}, "items": items,
            "scales": {"deal": ["deal1", "deal2", "deal3", "deal4"]}}
    if weighted:
        spec["weight"] = "weight"
    return Questionnaire.from_dict(spec)


def mixed_survey(n: int = 1500, seed: int = 0, *, weighted: bool = False, missing: float = 0.02
                 ) -> tuple[Survey, pd.Series]:
    """The retail survey of the module notes; returns the survey and the true class (1..3) per respondent."""
    rng = np.random.default_rng(seed)
    age = np.round(rng.uniform(18, 75, size=n))
    region = rng.choice([1, 2, 3], size=n, p=[0.4, 0.35, 0.25])
    eta = np.column_stack([np.full(n, 0.3 + AGE_SLOPES[c] * (age - 45) + REGION2[c] * (region == 2)) for c in range(3)])
    eta[:, 0] = 0.0
    p = np.exp(eta)
    p /= p.sum(axis=1, keepdims=True)
    z = _draw(rng, p)
    channel_p = np.array([[0.6, 0.2, 0.1, 0.1], [0.05, 0.45, 0.45, 0.05], [0.75, 0.05, 0.05, 0.15]])
    payment_p = np.array([[0.5, 0.45, 0.05], [0.02, 0.48, 0.5], [0.3, 0.65, 0.05]])
    freq_p = np.array([[0.1, 0.2, 0.3, 0.3, 0.1], [0.05, 0.1, 0.2, 0.4, 0.25], [0.35, 0.35, 0.2, 0.08, 0.02]])
    serv_p = np.array([[0.1, 0.5, 0.3], [0.8, 0.3, 0.6], [0.05, 0.1, 0.1]])
    deal_p = np.array([[0.02, 0.08, 0.15, 0.4, 0.35], [0.2, 0.35, 0.25, 0.15, 0.05], [0.1, 0.25, 0.3, 0.25, 0.1]])
    resp: dict[str, np.ndarray] = {
        "channel": 1.0 + _draw(rng, channel_p[z]),
        "payment": 1.0 + _draw(rng, payment_p[z]),
        "frequency": 1.0 + _draw(rng, freq_p[z]),
    }
    for j, code in enumerate((1, 2, 3)):
        resp[f"services_{code}"] = (rng.random(n) < serv_p[z, j]).astype(float)
    resp["spend"] = np.round(np.exp(rng.normal(np.array([3.2, 4.6, 3.6])[z], 0.6)), 2)
    for j in range(1, 5):
        resp[f"deal{j}"] = 1.0 + _draw(rng, deal_p[z])
    resp["age"] = age
    resp["region"] = region.astype(float)
    resp["nps"] = np.clip(np.round(np.array(NPS_MEANS)[z] + rng.normal(0, 2, n)), 0, 10)
    resp["gone"] = np.full(n, np.nan)
    ids = pd.Index([f"C{i:05d}" for i in range(1, n + 1)], name="respondent_id")
    frame = pd.DataFrame(resp, index=ids)
    if missing:
        cols = ["channel", "payment", "frequency", "spend", "deal1", "deal2", "deal3", "deal4"]
        vals = frame[cols].to_numpy().copy()
        vals[rng.random(vals.shape) < missing] = np.nan
        frame[cols] = vals
    weights = None
    if weighted:
        w = rng.lognormal(0.0, 0.3, size=n)
        weights = pd.Series(w / w.mean(), index=ids, name="weight")
    survey = Survey(responses=frame, questionnaire=_questionnaire(weighted), weights=weights,
                    source=SourceInfo(path="synthetic-mixed", flavour="synthetic", rows_in=n))
    return survey, pd.Series(z + 1, index=ids, name="class")
