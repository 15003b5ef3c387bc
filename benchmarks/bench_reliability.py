"""Benchmark: reliability analysis, surveytools vs pingouin and R psych.

What is compared, on the same data and back to back (timings on a shared machine are noisy; the ratios
measured in one run are what to read):

1. raw alpha only: ``surveytools`` (pairwise covariances + alpha) vs ``pingouin.cronbach_alpha``
   (``nan_policy="pairwise"``), both giving the same number;
2. the full item analysis a reviewer reads (alpha, std alpha, G6, average r, r_drop, alpha if deleted,
   Feldt CI, one-factor omega): ``surveytools.reliability.analyze_items`` vs pingouin called once per
   "item deleted" (pingouin has no item analysis, so this is what its users write) vs R psych
   ``alpha()`` + ``fa(x, 1)`` timed inside R (``system.time``, start-up excluded) when ``Rscript`` exists.

Data: the bfi scales (2,800 respondents, 5 items) and a synthetic survey of ``--rows`` respondents x
``--items`` six-point items with 10% missing answers.

Usage::

    python benchmarks/bench_reliability.py [--rows 100000] [--items 40] [--repeat 3] [--no-r]
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
BFI = ROOT / "tests" / "data" / "bfi" / "responses.csv"


def best_of(fn, repeat: int) -> tuple[float, object]:
    best, out = float("inf"), None
    for _ in range(repeat):
        t = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t)
    return best, out


def synthetic(rows: int, items: int, seed: int = 1) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    f = rng.normal(size=(rows, 1))
    x = np.clip(np.round(3.5 + 0.9 * f + rng.normal(size=(rows, items))), 1, 6)
    x[rng.random(x.shape) < 0.10] = np.nan
    return pd.DataFrame(x, columns=[f"q{i + 1}" for i in range(items)])


def pingouin_item_analysis(frame: pd.DataFrame) -> tuple[float, list[float]]:
    import pingouin as pg

    alpha = pg.cronbach_alpha(frame, nan_policy="pairwise")[0]
    dropped = [pg.cronbach_alpha(frame.drop(columns=c), nan_policy="pairwise")[0] for c in frame.columns]
    return alpha, dropped


R_SCRIPT = """
suppressMessages(library(psych))
x <- read.csv(commandArgs(TRUE)[1])
reps <- as.integer(commandArgs(TRUE)[2])
best <- Inf
for (i in seq_len(reps)) {
  t <- system.time({a <- alpha(x, warnings = FALSE); f <- fa(x, 1, fm = "minres")})[["elapsed"]]
  best <- min(best, t)
}
cat(best, format(a$total$raw_alpha, digits = 17), "\\n")
"""


def r_psych(frame: pd.DataFrame, repeat: int) -> tuple[float, float] | None:
    if shutil.which("Rscript") is None:
        return None
    with tempfile.TemporaryDirectory() as tmp:
        data, script = Path(tmp) / "x.csv", Path(tmp) / "bench.R"
        frame.to_csv(data, index=False, na_rep="")
        script.write_text(R_SCRIPT)
        res = subprocess.run(["Rscript", str(script), str(data), str(repeat)], capture_output=True, text=True)
        if res.returncode != 0:
            print("  R psych failed:", res.stderr.strip().splitlines()[-1:], file=sys.stderr)
            return None
        t, a = res.stdout.split()
        return float(t), float(a)


def run(name: str, frame: pd.DataFrame, repeat: int, use_r: bool) -> None:
    import pingouin as pg

    from surveytools.reliability import alpha_from_cov, analyze_items, pairwise_moments

    x = frame.to_numpy(dtype=float)
    print(f"\n{name}: {frame.shape[0]:,} respondents x {frame.shape[1]} items, "
          f"{np.isnan(x).mean():.1%} missing")
    t_st, a_st = best_of(lambda: alpha_from_cov(pairwise_moments(x)[0])["alpha"], repeat)
    t_pg, a_pg = best_of(lambda: pg.cronbach_alpha(frame, nan_policy="pairwise")[0], repeat)
    print(f"  raw alpha only      surveytools {t_st * 1e3:9.1f} ms   pingouin {t_pg * 1e3:9.1f} ms   "
          f"ratio {t_pg / t_st:6.1f}x   |diff| {abs(a_st - a_pg):.1e}")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        t_full, res = best_of(lambda: analyze_items(frame), repeat)
    t_pgi, (a_pgi, dropped) = best_of(lambda: pingouin_item_analysis(frame), repeat)
    diff = max(abs(res.alpha - a_pgi), float(np.max(np.abs(res.items_table["alpha_if_deleted"].to_numpy()
                                                           - np.asarray(dropped)))))
    print(f"  full item analysis  surveytools {t_full * 1e3:9.1f} ms   pingouin {t_pgi * 1e3:9.1f} ms   "
          f"ratio {t_pgi / t_full:6.1f}x   |diff| {diff:.1e}   (pingouin: alpha + alpha-if-deleted only)")
    if use_r:
        r = r_psych(frame, repeat)
        if r is not None:
            t_r, a_r = r
            print(f"  full item analysis  surveytools {t_full * 1e3:9.1f} ms   R psych  {t_r * 1e3:9.1f} ms   "
                  f"ratio {t_r / t_full:6.1f}x   |diff| {abs(res.alpha - a_r):.1e}   (alpha() + fa(x, 1))")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rows", type=int, default=100_000)
    ap.add_argument("--items", type=int, default=40)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--no-r", action="store_true", help="Skip R psych even if Rscript exists.")
    args = ap.parse_args()
    bfi = pd.read_csv(BFI)
    keys = {"agreeableness": ["A1", "A2", "A3", "A4", "A5"], "openness": ["O1", "O2", "O3", "O4", "O5"]}
    rev = {"A1", "O2", "O5"}
    for scale, items in keys.items():
        frame = bfi[items].astype(float)
        for c in items:
            if c in rev:
                frame[c] = 7 - frame[c]
        run(f"bfi {scale}", frame, args.repeat, not args.no_r)
    run("synthetic", synthetic(args.rows, args.items), args.repeat, not args.no_r)


if __name__ == "__main__":
    main()
