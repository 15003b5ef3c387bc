"""Segment profile table: surveytools vs the loop a Python user writes with scipy and statsmodels.

The alternative is what people do today: for every variable (and category) and every segment, slice the
segment and the rest and call ``scipy.stats.ttest_ind(equal_var=False)`` or statsmodels
``proportions_ztest``, then ``multipletests(method="fdr_bh")``. Both are timed back to back on the same
data (n respondents, 60 Likert items, 6 scales, 2 categorical variables, a numeric variable, k segments),
and the numbers are checked to agree. Printed: the two times and their ratio (meaningful on a busy machine,
unlike the absolute times).

    python benchmarks/bench_profile.py [--n 100000] [--k 6]
"""

from __future__ import annotations

import argparse
import time
import warnings

import numpy as np
import pandas as pd
from scipy import stats
from statsmodels.stats.multitest import multipletests
from statsmodels.stats.proportion import proportions_ztest

from surveytools.profile import profile_segments
from surveytools.questionnaire import Questionnaire
from surveytools.survey import Survey


def make_survey(n: int, k: int, seed: int = 1) -> tuple[Survey, pd.Series]:
    rng = np.random.default_rng(seed)
    seg = rng.integers(1, k + 1, n)
    centres = rng.normal(0, 0.5, (k, 6))
    items, cols = {}, {}
    for a in range(6):
        lat = centres[seg - 1, a] + rng.normal(0, 1, n)
        for j in range(10):
            iid = f"s{a + 1}_{j + 1}"
            items[iid] = {"text": f"Statement {a + 1}.{j + 1}", "options": "agree5"}
            x = np.clip(np.round(3 + 0.8 * lat + rng.normal(0, 0.7, n)), 1, 5)
            x[rng.random(n) < 0.02] = np.nan
            cols[iid] = x
    items["region"] = {"text": "Region", "type": "categorical", "codes": {i: f"R{i}" for i in range(1, 9)}}
    cols["region"] = rng.integers(1, 9, n).astype(float)
    items["plan"] = {"text": "Plan", "type": "categorical", "codes": {1: "basic", 2: "plus", 3: "pro"}}
    cols["plan"] = rng.integers(1, 4, n).astype(float)
    items["age"] = {"text": "Age", "type": "numeric"}
    cols["age"] = rng.uniform(18, 80, n).round()
    spec = {"respondent_id": "respondent_id",
            "option_sets": {"agree5": {"codes": {i: str(i) for i in range(1, 6)}}}, "items": items,
            "scales": {f"s{a + 1}": [f"s{a + 1}_{j + 1}" for j in range(10)] for a in range(6)}}
    ids = pd.Index([f"r{i}" for i in range(n)], name="respondent_id")
    survey = Survey(responses=pd.DataFrame(cols, index=ids), questionnaire=Questionnaire.from_dict(spec))
    return survey, pd.Series(seg, index=ids)


def loop_profile(frame: pd.DataFrame, seg: np.ndarray, means: list[str], cats: dict[str, list[int]],
                 numeric: list[str]) -> np.ndarray:
    """The per-variable, per-segment loop with scipy / statsmodels (p-values in table order)."""
    k = int(seg.max())
    ps = []

    def welch(v: str) -> None:
        x = frame[v].to_numpy()
        for s in range(1, k + 1):
            a = x[seg == s]
            b = x[seg != s]
            ps.append(stats.ttest_ind(a[~np.isnan(a)], b[~np.isnan(b)], equal_var=False).pvalue)

    for v in means:
        welch(v)
    for v, levels in cats.items():
        x = frame[v].to_numpy()
        ok = ~np.isnan(x)
        for c in levels:
            hit = x == c
            for s in range(1, k + 1):
                ins, out = ok & (seg == s), ok & (seg != s)
                ps.append(proportions_ztest([hit[ins].sum(), hit[out].sum()], [ins.sum(), out.sum()])[1])
    for v in numeric:
        welch(v)
    ps = np.array(ps)
    multipletests(ps, method="fdr_bh")
    return ps


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=100_000)
    ap.add_argument("--k", type=int, default=6)
    args = ap.parse_args()
    survey, seg = make_survey(args.n, args.k)
    from surveytools.scoring import score_scales

    scores = score_scales(survey).scores
    frame = pd.concat([scores, survey.responses], axis=1)
    means = list(scores.columns) + [f"s{a}_{j}" for a in range(1, 7) for j in range(1, 11)]
    cats = {"region": list(range(1, 9)), "plan": [1, 2, 3]}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        profile_segments(survey, seg, scale_scores=scores)  # warm-up (imports)
        t0 = time.perf_counter()
        res = profile_segments(survey, seg, scale_scores=scores)
        t1 = time.perf_counter()
        ps = loop_profile(frame, seg.to_numpy(), means, cats, ["age"])
        t2 = time.perf_counter()
    got = res.table("p").drop(columns="total").to_numpy().ravel()
    np.testing.assert_allclose(got, ps, rtol=1e-6, atol=1e-300)
    rows, k = len(res.rows), res.k
    print(f"profile table: n={args.n:,}, {rows} rows x {k} segments ({rows * k} tests)")
    print(f"  surveytools profile_segments: {t1 - t0:7.3f} s (values, indexes, tests, BH, descriptions)")
    print(f"  scipy/statsmodels loop:       {t2 - t1:7.3f} s (p-values only)")
    print(f"  ratio (loop / surveytools):   {(t2 - t1) / (t1 - t0):7.1f}x")


if __name__ == "__main__":
    main()
