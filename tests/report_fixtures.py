"""Stage results as the CONTRACT.md ``--json`` dicts, for report tests that must not wait for other stages.

Reliability and factor numbers are R psych's on bfi (``tests/data/bfi/reference.json``, R calls in its
README); the parallel-analysis reference series, segment criteria and VoC numbers are plausible values
made up for rendering (reports compute nothing, so only shapes matter for them). The profile is a real
:class:`~surveytools.profile.ProfileResult` on a synthetic survey carrying hostile survey text.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))

#: Survey text that must stay inert in every report.
HOSTILE = {
    "formula": "=HYPERLINK(\"http://evil.example/x\",\"click\")",
    "plus": "+SUM(1,2)",
    "minus": "-2+3",
    "at": "@cmd|' /C calc'!A0",
    "script": "<script>alert('x')</script> & <b>bold</b>",
    "dollar": "costs $5 and $10",
}


def _reference() -> dict:
    return json.loads((HERE / "data" / "bfi" / "reference.json").read_text())


def reliability_dict() -> dict:
    ref = _reference()["reliability"]
    keys = json.loads((HERE / "data" / "bfi" / "keys.json").read_text())
    scales = {}
    for name, r in ref.items():
        rev = set()
        ks = keys.get("keys", keys).get(name, []) if isinstance(keys, dict) else []
        for k in ks if isinstance(ks, list) else []:
            if str(k).startswith("-"):
                rev.add(str(k)[1:])
        a = r["alpha"]
        scales[name] = {
            "n": 2800, "n_items": r["n_items"], "alpha": a, "alpha_ci": [a - 0.02, a + 0.02],
            "std_alpha": r["std_alpha"], "g6": r["g6"], "average_r": r["average_r"],
            "omega_total": r.get("omega_total_1f"),
            "items": {i: {"reversed": i in rev, "r_drop": v["r_drop"], "alpha_if_deleted": v["alpha_if_deleted"]}
                      for i, v in r["items"].items()},
        }
    return {"scales": scales}


def factor_dict() -> dict:
    f = _reference()["factor"]
    fit = f["fits"]["minres_oblimin"]
    items = fit["items"]
    eig = f["eigenvalues"]
    p = len(eig)
    ref_pc = list(np.linspace(1.19, 0.83, p))
    ref_fa = list(np.linspace(0.29, -0.22, p))
    fa_obs = [e - 0.9 for e in eig]
    return {
        "n": f["n"], "items": items, "factors": ["MR2", "MR1", "MR3", "MR5", "MR4"],
        "kmo": f["kmo"], "bartlett": f["bartlett"], "eigenvalues": eig,
        "retention": {"parallel": {"n_factors": 6, "n_components": 6, "iterations": 20, "seed": 1,
                                   "fa_observed": fa_obs, "pc_reference": ref_pc, "fa_reference": ref_fa},
                      "map": f["map_n_factors"], "kaiser": int(sum(e > 1 for e in eig))},
        "n_factors": 5,
        "loadings": {i: row for i, row in zip(items, fit["loadings"], strict=True)},
        "communalities": dict(zip(items, fit["h2"], strict=True)),
        "uniquenesses": {i: 1 - h for i, h in zip(items, fit["h2"], strict=True)},
        "phi": fit["phi"],
        "fit": {"rmsea": 0.055, "tli": 0.87, "bic": 1010.5},
    }


def quality_dict() -> dict:
    flags = {"speeder": 12, "straightlining": 31, "duplicate": 2, "out-of-range": 0, "partial": 40}
    return {"respondents": 2800, "flags": flags, "flagged": 80, "rates": {k: v / 2800 for k, v in flags.items()},
            "settings": {"speeder_fraction": 0.4}}


def segment_dict(sizes: dict[str, int]) -> dict:
    return {
        "k": len(sizes), "method": "kmeans", "sizes": sizes,
        "criteria": {str(k): {"silhouette": 0.2 + 0.01 * k, "calinski_harabasz": 400.0 - 10 * k,
                              "davies_bouldin": 1.5 - 0.02 * k} for k in range(2, 9)},
        "stability": {"ari_mean": 0.93, "ari_sd": 0.02, "bootstraps": 50,
                      "jaccard": {k: 0.9 + 0.01 * int(k) for k in sizes}},
    }


def voc_dict(sizes: dict[str, int]) -> dict:
    segs = {}
    for i, (k, n) in enumerate(sizes.items()):
        prom, det = 0.25 + 0.07 * i, 0.40 - 0.06 * i
        segs[k] = {"n": n, "nps": {"nps": 100 * (prom - det), "promoters": prom, "passives": 1 - prom - det,
                                   "detractors": det, "n": n, "n_eff": float(n)}}
    return {"segments": segs, "total": {"n": sum(sizes.values())}}


def profiled_survey(n: int = 600, seed: int = 3):
    """A synthetic survey with scales, a categorical item with hostile labels, a multi item, NPS, a comment,
    and segments 1..4 related to the attitudes; returns (survey, segments)."""
    from surveytools.questionnaire import Questionnaire
    from surveytools.survey import SourceInfo, Survey

    rng = np.random.default_rng(seed)
    k = 4
    seg = rng.integers(1, k + 1, size=n)
    ids = pd.Index([f"r{i:04d}" for i in range(n)], name="respondent_id")
    shift = np.array([-0.8, -0.2, 0.3, 0.9])[seg - 1]
    items = {}
    cols = {}
    for a in range(1, 3):
        for j in range(1, 4):
            iid = f"q{a}_{j}"
            items[iid] = {"text": f"Statement {a}.{j}", "options": "agree5"}
            lat = (shift if a == 1 else -shift) + rng.normal(0, 1, n)
            cols[iid] = np.clip(np.round(3 + lat), 1, 5)
    items["plan"] = {"text": HOSTILE["formula"], "type": "categorical",
                     "codes": {1: HOSTILE["plus"], 2: HOSTILE["at"], 3: HOSTILE["script"]}}
    cols["plan"] = np.where(rng.random(n) < 0.5 + 0.1 * (seg - 2), 1, rng.integers(2, 4, n)).astype(float)
    items["channels"] = {"text": HOSTILE["dollar"], "type": "multi", "codes": {1: "Email", 2: "Phone", 3: "App"}}
    for c in (1, 2, 3):
        cols[f"channels_{c}"] = (rng.random(n) < 0.2 + 0.1 * c + 0.05 * (seg - 2)).astype(float)
    items["nps"] = {"text": "How likely are you to recommend us?", "type": "nps"}
    cols["nps"] = np.clip(np.round(7 + 1.2 * (seg - 2.5) + rng.normal(0, 2, n)), 0, 10)
    items["age"] = {"text": "Age", "type": "numeric"}
    cols["age"] = np.round(rng.uniform(18, 75, n))
    items["comment"] = {"text": "Anything else?", "type": "text"}
    spec = {"title": "Profile fixture", "respondent_id": "respondent_id",
            "option_sets": {"agree5": {"codes": {1: "Strongly disagree", 2: "Disagree", 3: "Neutral", 4: "Agree",
                                                 5: "Strongly agree"}}},
            "items": items,
            "scales": {"attitude_one": ["q1_1", "q1_2", "q1_3"], "attitude_two": ["q2_1", "q2_2", "-q2_3"]}}
    q = Questionnaire.from_dict(spec)
    responses = pd.DataFrame(cols, index=ids)
    responses["comment"] = pd.Series([HOSTILE["formula"]] * n, index=ids, dtype=object)
    survey = Survey(responses=responses, questionnaire=q, source=SourceInfo(path="fixture", flavour="synthetic"))
    return survey, pd.Series(seg, index=ids, name="segment")


def profile_result(lang: str = "en"):
    from surveytools.profile import profile_segments

    survey, seg = profiled_survey()
    names = {1: HOSTILE["formula"], 2: HOSTILE["minus"], 3: "Explorers", 4: HOSTILE["script"]}
    return profile_segments(survey, seg, names=names, lang=lang)


def contract_results(profile=None, *, with_voc: bool = True) -> dict:
    """Every stage, as dicts (``profile`` as a result object when given)."""
    prof = profile if profile is not None else profile_result()
    sizes = {str(k): int(v) for k, v in prof.segments["n"].items()}
    out = {
        "import": {"format": "qualtrics", "rows_in": 2805, "rows_out": 2800,
                   "columns": {"A1": "Q1_1", "A2": "Q1_2"}, "quality": {"flagged": 80}},
        "quality": quality_dict(),
        "reliability": reliability_dict(),
        "factor": factor_dict(),
        "segment": segment_dict(sizes),
        "profile": prof,
        "typing_tool": {"items": ["q1_1", "q2_2", "nps"], "accuracy": 0.87},
        "crm": {"matched": 540, "unmatched_survey": 60, "unmatched_crm": 4200, "duplicates": {"survey": 0, "crm": 3},
                "match_rate": 0.9},
    }
    if with_voc:
        out["voc"] = voc_dict(sizes)
    return out


_DEMO: dict = {}


def demo_run(tmp_root: Path):
    """The bundled example study (a Spanish retail loyalty survey) run end to end once per test session;
    returns the :class:`~surveytools.pipeline.RunResult` (its ``results`` are the stage result objects and
    its output folder holds report.xlsx/.html/.pptx)."""
    if "run" not in _DEMO:
        import warnings

        from surveytools.datasets import write_retail_loyalty
        from surveytools.pipeline import run_project
        from surveytools.project import load_project

        inputs = write_retail_loyalty(tmp_root / "inputs")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            _DEMO["run"] = run_project(load_project(inputs["project"]), tmp_root / "output")
    return _DEMO["run"]
