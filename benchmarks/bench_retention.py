"""Benchmark: ``--n-factors auto`` on 4,000 x 135 six-point items (parallel analysis with 20 iterations,
Velicer's MAP, Kaiser, then the factor fit) against R psych ``fa.parallel`` alone (target: >= 3x faster).

The data come from a seeded 9-factor model (``_efa_data.py``). surveytools runs what ``surveytools factor
DATA --n-factors auto`` runs after loading the file: ``FactorModel(n_factors="auto").fit`` (correlations,
KMO, Bartlett, parallel analysis, MAP, minres + oblimin, fit statistics, score weights); the parts are timed
too (``retention_summary`` alone, one one-factor minres fit). psych is timed inside R with ``system.time``
around ``fa.parallel(x, n.iter = 20, plot = FALSE)`` (R start-up and reading the CSV excluded), and, for
reference, ``fa(x, k)`` with psych's count. Runs are back to back: on a shared machine the ratio is the
stable number.

    python benchmarks/bench_retention.py [--rows 4000] [--items 135] [--missing 0.0] [--repeat 3] [--no-r]

Without ``Rscript`` (or with ``--no-r``) only the surveytools times are printed. factor-analyzer is tried
(it has no parallel analysis; its ``FactorAnalyzer.fit`` raises TypeError under scikit-learn >= 1.8).
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

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _efa_data import make_items, write_csv  # noqa: E402

R_SCRIPT = r"""
suppressMessages(library(psych))
args <- commandArgs(trailingOnly = TRUE)
x <- read.csv(args[1])
set.seed(1)
t <- system.time(fp <- fa.parallel(x, n.iter = 20, plot = FALSE))[["elapsed"]]
t2 <- system.time(f <- fa(x, max(fp$nfact, 1), fm = "minres", rotate = "oblimin"))[["elapsed"]]
cat(t, fp$nfact, fp$ncomp, t2, "\n")
"""


def _best(fn, repeat: int) -> tuple[float, object]:
    best, out = np.inf, None
    for _ in range(repeat):
        t0 = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            out = fn()
        best = min(best, time.perf_counter() - t0)
    return best, out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=4000)
    ap.add_argument("--items", type=int, default=135)
    ap.add_argument("--missing", type=float, default=0.0, help="share of answers blanked at random")
    ap.add_argument("--repeat", type=int, default=3, help="surveytools runs (best is reported)")
    ap.add_argument("--no-r", action="store_true", help="skip R psych")
    args = ap.parse_args()

    from surveytools.correlation import correlation_matrix
    from surveytools.factor.extraction import fit_minres
    from surveytools.factor.retention import retention_summary

    try:
        from surveytools.factor.model import FactorModel
    except ImportError:  # pragma: no cover - FactorModel not there yet
        FactorModel = None  # type: ignore[assignment,misc]

    x = make_items(args.rows, args.items, missing=args.missing)
    print(f"number of factors, {args.rows} respondents x {args.items} six-point items, {args.missing:.0%} missing")

    R = correlation_matrix(x).matrix.to_numpy()
    t_one, _ = _best(lambda: fit_minres(R, 1), max(args.repeat, 5))
    t_ret, ret = _best(lambda: retention_summary(x, seed=1), args.repeat)
    print(f"  surveytools retention_summary (parallel 20+20 iterations, MAP, Kaiser): {t_ret:6.2f} s  "
          f"[parallel FA {ret.parallel.n_factors}, PC {ret.parallel.n_components}, MAP {ret.map.n_factors}, "
          f"Kaiser {ret.kaiser}]")
    print(f"    of which one one-factor minres fit (41 of them): {t_one * 1000:6.1f} ms each")
    t_auto = None
    if FactorModel is not None:
        t_auto, model = _best(lambda: FactorModel(n_factors="auto", seed=1).fit(x), args.repeat)
        print(f"  surveytools FactorModel(n_factors='auto').fit (= factor --n-factors auto): {t_auto:6.2f} s  "
              f"[{model.n_factors_} factors]")

    if not args.no_r:
        if shutil.which("Rscript") is None:
            print("  Rscript not found: psych not timed")
        else:
            work = Path(tempfile.mkdtemp(prefix="bench_ret_"))
            data = work / "items.csv"
            write_csv(x, str(data))
            (work / "par.R").write_text(R_SCRIPT)
            proc = subprocess.run(["Rscript", str(work / "par.R"), str(data)], capture_output=True, text=True)
            shutil.rmtree(work, ignore_errors=True)
            if proc.returncode != 0:
                print("  psych failed: " + (proc.stderr.strip().splitlines() or ["?"])[-1])
            else:
                t_par, nfact, ncomp, t_fa = proc.stdout.split()[-4:]
                t_par_f = float(t_par)
                print(f"  psych fa.parallel(n.iter = 20): {t_par_f:6.2f} s  [FA {nfact}, PC {ncomp}]; "
                      f"then fa(x, {nfact}): {float(t_fa):.2f} s")
                mine = t_auto if t_auto is not None else t_ret
                what = "factor --n-factors auto" if t_auto is not None else "retention_summary"
                print(f"  ratio psych fa.parallel / surveytools {what}: {t_par_f / mine:5.1f}x  (target >= 3x)")
                print(f"  ratio psych fa.parallel / surveytools retention_summary: {t_par_f / t_ret:5.1f}x")

    try:
        from factor_analyzer import FactorAnalyzer

        t0 = time.perf_counter()
        FactorAnalyzer(n_factors=ret.n_factors, rotation="oblimin", method="minres").fit(x.to_numpy())
        print(f"  factor-analyzer fit ({ret.n_factors} factors, no parallel analysis): {time.perf_counter() - t0:.2f} s")
    except Exception as exc:  # noqa: BLE001 - reported, not raised
        print(f"  factor-analyzer: {type(exc).__name__}: {exc} (it has no parallel analysis either)")


if __name__ == "__main__":
    main()
