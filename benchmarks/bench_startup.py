"""Benchmark: start-up of the command line against a bare ``python -c "import click"`` (target: ``--help`` and a
usage error answer in under 4x the bare click start).

Heavy libraries (pandas, pyarrow, SciPy, scikit-learn, matplotlib, numpy) are imported only when a command
runs, so ``surveytools --help``, ``surveytools COMMAND --help`` and usage errors cost little more than
Python and click. Each measurement is the median wall time of ``--repeat`` fresh processes, the click
baseline and the surveytools runs interleaved so that the machine's load affects both alike.

    python benchmarks/bench_startup.py [--repeat 15]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

RUNS = {
    "bare click import": [sys.executable, "-c", "import click"],
    "surveytools --help": [sys.executable, "-m", "surveytools", "--help"],
    "surveytools import --help": [sys.executable, "-m", "surveytools", "import", "--help"],
    "surveytools import (usage error)": [sys.executable, "-m", "surveytools", "import"],
}
HEAVY = ("pandas", "pyarrow", "scipy", "sklearn", "matplotlib", "numpy")


def _time(cmd: list[str], env: dict[str, str]) -> float:
    t0 = time.perf_counter()
    subprocess.run(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    return time.perf_counter() - t0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=15)
    args = ap.parse_args()
    env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    probe = ("import sys; from surveytools.cli import cli\ntry: cli.main(['--help'], standalone_mode=False)\n"
             f"except SystemExit: pass\nprint('LOADED:' + ','.join(m for m in {HEAVY!r} if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", probe], env=env, capture_output=True, text=True).stdout
    loaded = out.rsplit("LOADED:", 1)[-1].strip() if "LOADED:" in out else "?"  # the help text comes first
    print(f"heavy modules loaded by --help: {loaded or 'none'}")
    times: dict[str, list[float]] = {k: [] for k in RUNS}
    for _ in range(args.repeat):
        for name, cmd in RUNS.items():
            times[name].append(_time(cmd, env))
    base = statistics.median(times["bare click import"])
    print(f"bare click import: {base * 1000:.0f} ms (median of {args.repeat})")
    worst = 0.0
    for name in list(RUNS)[1:]:
        t = statistics.median(times[name])
        worst = max(worst, t / base)
        print(f"{name}: {t * 1000:.0f} ms, {t / base:.2f}x click")
    print(f"slowest start-up / click: {worst:.2f}x (target < 4x): {'met' if worst < 4 else 'not met'}")


if __name__ == "__main__":
    main()
