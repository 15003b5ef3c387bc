"""Synthetic segmented surveys for the typing-tool tests: known segments, 5-point items, optional missing answers,
weights, answer labels in English and Spanish (aliases)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from surveytools.questionnaire import Questionnaire
from surveytools.survey import Survey

LABELS5 = {1: "Strongly disagree", 2: "Disagree", 3: "Neither agree nor disagree", 4: "Agree", 5: "Strongly agree"}
ES5 = {"Totalmente en desacuerdo": 1, "En desacuerdo": 2, "Ni de acuerdo ni en desacuerdo": 3, "De acuerdo": 4,
       "Totalmente de acuerdo": 5}


def population(k: int = 5, p: int = 30, f: int = 6, seed: int = 0, sep: float = 1.5) -> dict:
    """Segment centres in an f-dimensional attitude space and item loadings (30% of items reverse-worded)."""
    rng = np.random.default_rng(seed)
    load = np.zeros((p, f))
    load[np.arange(p), np.arange(p) % f] = rng.uniform(0.5, 0.9, p)
    sign = np.where(rng.random(p) < 0.3, -1.0, 1.0)
    return {"centers": rng.normal(0, sep, (k, f)), "load": load * sign[:, None], "k": k, "p": p, "f": f}


def sample(pop: dict, n: int, seed: int, missing: float = 0.0) -> tuple[np.ndarray, np.ndarray]:
    """n new respondents of the population: 5-point answers (NaN = missing) and their true segments 1..k."""
    rng = np.random.default_rng(seed)
    share = np.linspace(1.5, 0.5, pop["k"])
    y = rng.choice(pop["k"], n, p=share / share.sum())
    z = pop["centers"][y] + rng.normal(0, 0.5, (n, pop["f"]))
    x = np.clip(np.round(3 + z @ pop["load"].T + rng.normal(0, 0.55, (n, pop["p"]))), 1, 5)
    if missing:
        x[rng.random(x.shape) < missing] = np.nan
    return x, y + 1


def questionnaire(p: int = 30, *, text: str = "Statement {i}", missing_code: int | None = 9) -> Questionnaire:
    opt: dict = {"codes": {**LABELS5}, "aliases": dict(ES5)}
    if missing_code is not None:
        opt["codes"][missing_code] = "Don't know"
        opt["missing"] = [missing_code]
    return Questionnaire.from_dict({
        "respondent_id": "respondent_id",
        "option_sets": {"agree5": opt},
        "items": {**{f"Q{j + 1}": {"text": text.format(i=j + 1), "options": "agree5"} for j in range(p)},
                  "region": {"type": "categorical", "codes": {1: "North", 2: "South"}}},
        "scales": {"first": [f"Q{j + 1}" for j in range(0, p, 2)]},
    })


def make_survey(n: int = 2000, seed: int = 0, missing: float = 0.0, pop: dict | None = None,
                weights: bool = False, **qkw) -> tuple[Survey, pd.Series]:
    pop = pop or population(seed=seed)
    x, y = sample(pop, n, seed + 100, missing)
    ids = pd.Index([f"r{i:05d}" for i in range(n)], name="respondent_id")
    items = [f"Q{j + 1}" for j in range(pop["p"])]
    resp = pd.DataFrame(x, index=ids, columns=items)
    resp["region"] = np.random.default_rng(seed).integers(1, 3, n).astype(float)
    w = pd.Series(np.random.default_rng(seed + 7).uniform(0.5, 2.0, n), index=ids) if weights else None
    return Survey(responses=resp, questionnaire=questionnaire(pop["p"], **qkw), weights=w), pd.Series(y, index=ids)
