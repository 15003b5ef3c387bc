"""Benchmark: polychoric correlation matrix, surveytools vs R psych ``polychoric`` (targets: 4,000 x 135
six-point items in <= 5 s; 30 items >= 10x faster than psych).

The data come from a seeded 9-factor model (``_efa_data.py``). surveytools is timed in this process
(imports done first, best of ``--repeat`` runs); psych is timed inside R with ``system.time`` around the
call (R start-up and reading the CSV excluded), so both numbers are compute only. psych runs its pairs with
``mcmapply`` on the cores R sees. The two runs are back to back: on a shared machine the ratio is the
stable number. The largest difference between the two matrices is printed as a correctness check.

    python benchmarks/bench_polychoric.py [--rows 4000] [--items 135,30] [--missing 0.0] [--no-r]

Without ``Rscript`` (or with ``--no-r``) only the surveytools times are printed. semopy's polychoric is
tried when semopy is installed (2.3.11 fails on current SciPy/NumPy/pandas; the failure is reported).
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

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _efa_data import make_items, write_csv  # noqa: E402

R_SCRIPT = r"""
suppressMessages(library(psych))
args <- commandArgs(trailingOnly = TRUE)
x <- read.csv(args[1])
t <- system.time(r <- polychoric(x))[["elapsed"]]
write.csv(r$rho, args[2], row.names = FALSE)
cat(t, "\n")
"""


def time_surveytools(x: pd.DataFrame, repeat: int) -> tuple[float, np.ndarray]:
    from surveytools.correlation import correlation_matrix

    best = np.inf
    res = None
    for _ in range(repeat):
        t0 = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            res = correlation_matrix(x, "polychoric")
        best = min(best, time.perf_counter() - t0)
    return best, res.matrix.to_numpy()  # type: ignore[union-attr]


def time_psych(x: pd.DataFrame, work: Path) -> tuple[float, np.ndarray] | str:
    if shutil.which("Rscript") is None:
        return "Rscript not found: psych not timed"
    data = work / f"items_{x.shape[1]}.csv"
    out = work / f"rho_{x.shape[1]}.csv"
    script = work / "poly.R"
    write_csv(x, str(data))
    script.write_text(R_SCRIPT)
    proc = subprocess.run(["Rscript", str(script), str(data), str(out)], capture_output=True, text=True)
    if proc.returncode != 0:
        return "psych failed: " + proc.stderr.strip().splitlines()[-1] if proc.stderr.strip() else "psych failed"
    seconds = float(proc.stdout.strip().split()[-1])
    return seconds, pd.read_csv(out).to_numpy(dtype=float)


def time_semopy(x: pd.DataFrame) -> str:
    try:
        from semopy.polycorr import polychoric_corr  # type: ignore[import-not-found]
    except Exception as exc:  # noqa: BLE001 - reported, not raised
        return f"semopy not available ({type(exc).__name__})"
    try:
        t0 = time.perf_counter()
        a, b = x.columns[:2]
        polychoric_corr(x[a].to_numpy(), x[b].to_numpy())
        one = time.perf_counter() - t0
        pairs = x.shape[1] * (x.shape[1] - 1) // 2
        return f"semopy: {one:.3f} s per pair -> about {one * pairs:.0f} s for {pairs} pairs (extrapolated)"
    except Exception as exc:  # noqa: BLE001
        return f"semopy polychoric fails: {type(exc).__name__}: {exc}"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=4000)
    ap.add_argument("--items", default="135,30", help="comma-separated item counts to run")
    ap.add_argument("--missing", type=float, default=0.0, help="share of answers blanked at random")
    ap.add_argument("--repeat", type=int, default=3, help="surveytools runs (best is reported)")
    ap.add_argument("--no-r", action="store_true", help="skip R psych")
    args = ap.parse_args()

    import surveytools.correlation  # noqa: F401 - import cost outside the timing

    full = make_items(args.rows, max(int(k) for k in args.items.split(",")), missing=args.missing)
    work = Path(tempfile.mkdtemp(prefix="bench_poly_"))
    print(f"polychoric matrix, {args.rows} respondents, six-point items, {args.missing:.0%} missing")
    for p in [int(k) for k in args.items.split(",")]:
        x = full.iloc[:, :p]
        st_time, st_rho = time_surveytools(x, args.repeat)
        line = f"  {p:4d} items: surveytools {st_time:7.2f} s"
        if not args.no_r:
            ps = time_psych(x, work)
            if isinstance(ps, str):
                line += f" | {ps}"
            else:
                seconds, rho = ps
                diff = np.abs(rho - st_rho).max()
                line += (f" | psych {seconds:7.2f} s | ratio psych/surveytools {seconds / st_time:6.1f}x"
                         f" | max |rho diff| {diff:.1e}")
        print(line, flush=True)
        print(f"        {time_semopy(x)}")
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
