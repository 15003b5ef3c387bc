"""Latent class analysis: surveytools against StepMix 3, and the 100,000-respondent target.

1. Head to head: n = 4,000 respondents x 10 mixed items (6 categorical with 3-5 levels, 2 five-level
   ordinal treated as categorical, 2 numeric), k = 4, the same number of random starts on both sides, every
   start run to convergence on both sides (surveytools: ``n_final = n_init``), the same model (categorical +
   diagonal Gaussian, plain maximum likelihood: ``prior=0``, no log transform). Reports CPU seconds, the
   log-likelihoods and the ratio (StepMix time / surveytools time; above 1 = surveytools faster).
2. Target: ``Segmenter(method="latent-class")`` on 100,000 x 20 mixed items (12 categorical, 4 ordinal,
   2 binary, a skewed amount, a normal score) from 5 known classes, k = 2..8 with the BIC rule, in one
   process: wall and CPU time, peak resident memory (imports included), the k chosen and the adjusted Rand
   index with the truth. Target: <= 60 s, < 2 GB on a 2-core machine.

    python benchmarks/bench_latent_class.py [--rows 100000] [--n 4000] [--starts 10] [--bootstrap 0]
        [--no-stepmix]
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def mixed_data(n: int, k: int, seed: int, n_cat: int, n_ord: int, n_bin: int, n_num: int
               ) -> tuple[pd.DataFrame, list[str], np.ndarray]:
    """Rows from a k-class model: categorical (3-5 levels), ordinal (5 levels), binary, numeric items (the
    first log-normal)."""
    rng = np.random.default_rng(seed)
    prng = np.random.default_rng(99 + k)
    share = np.linspace(1.5, 0.7, k)
    z = rng.choice(k, size=n, p=share / share.sum())
    cols: dict[str, np.ndarray] = {}
    kinds: list[str] = []

    def draw(levels: int, conc: float) -> np.ndarray:
        prof = prng.dirichlet(np.full(levels, conc), size=k)[z]
        return (rng.random(n)[:, None] > np.cumsum(prof, axis=1)[:, :-1]).sum(axis=1).astype(float) + 1.0

    for j in range(n_cat):
        cols[f"cat{j + 1}"] = draw(3 + j % 3, 0.8)
        kinds.append("categorical")
    for j in range(n_ord):
        cols[f"ord{j + 1}"] = draw(5, 1.5)
        kinds.append("ordinal")
    for j in range(n_bin):
        cols[f"bin{j + 1}"] = draw(2, 1.0) - 1.0
        kinds.append("binary")
    for j in range(n_num):
        mu = prng.normal(0, 1, size=k)
        # the amount: log(1 + x) normal within a class (the model's log transform), strongly right-skewed
        cols[f"num{j + 1}"] = np.expm1(rng.normal(3 + mu[z], 0.7)) if j == 0 else rng.normal(50 + 8 * mu[z], 10)
        kinds.append("gaussian")
    frame = pd.DataFrame(cols, index=pd.Index([f"R{i:07d}" for i in range(n)], name="respondent_id"))
    return frame, kinds, z


def _cpu() -> float:
    t = os.times()
    return t.user + t.system


def head_to_head(n: int, starts: int, stepmix: bool) -> None:
    from surveytools.segment.latent_class import encode, fit_latent_class, item_specs

    frame, kinds, _ = mixed_data(n, 4, 1, n_cat=6, n_ord=2, n_bin=0, n_num=2)
    x = frame.to_numpy(dtype=float)
    kinds = ["categorical" if kd == "ordinal" else kd for kd in kinds]
    print(f"latent class head to head: n={n:,} x {x.shape[1]} mixed items, k=4, {starts} starts each, every start "
          "to convergence")
    specs = item_specs(x, list(frame.columns), kinds, transform=False)
    enc = encode(specs, x)
    c0 = _cpu()
    fit = fit_latent_class(enc, 4, specs, n_init=starts, n_final=starts, prior=0.0, var_floor=1e-12, tol=1e-10,
                           max_iter=5000, rng=1, warn=False)
    mine = _cpu() - c0
    print(f"surveytools latent class: {mine:.2f} s CPU (log-likelihood {fit.loglik:.3f})")
    if not stepmix:
        return
    try:
        from stepmix.stepmix import StepMix
    except ImportError as exc:  # pragma: no cover - bench dependency
        print(f"StepMix not available ({type(exc).__name__})")
        return
    ncat = sum(kd == "categorical" for kd in kinds)
    xs = np.column_stack([x[:, :ncat] - 1.0, x[:, ncat:]])
    desc = {"cat": {"model": "categorical", "n_columns": ncat},
            "num": {"model": "gaussian_diag", "n_columns": x.shape[1] - ncat}}
    c0 = _cpu()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        sm = StepMix(n_components=4, measurement=desc, n_init=starts, max_iter=5000, abs_tol=1e-10,
                     progress_bar=0, verbose=0, random_state=1).fit(xs)
    theirs = _cpu() - c0
    print(f"StepMix 3 latent class: {theirs:.2f} s CPU (log-likelihood {sm.score(xs) * n:.3f})")
    print(f"ratio StepMix / surveytools: {theirs / mine:.1f}x")


def target(rows: int, bootstrap: int) -> None:
    from surveytools.segment import Segmenter
    from surveytools.segment._util import adjusted_rand

    frame, kinds, z = mixed_data(rows, 5, 2, n_cat=12, n_ord=4, n_bin=2, n_num=2)
    basis = ",".join(f"{c}:{kd}" for c, kd in zip(frame.columns, kinds, strict=True))
    print(f"latent class target: n={rows:,} x {frame.shape[1]} mixed items, k=2..8, {bootstrap} bootstrap replicates")
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"load average before: {load:.1f} on {os.cpu_count()} cores (wall time grows with it; CPU time does not)")
    w0, c0 = time.perf_counter(), _cpu()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        seg = Segmenter(k="2-8", method="latent-class", basis=basis, bootstrap=bootstrap, seed=3).fit(frame)
    wall, cpu = time.perf_counter() - w0, _cpu() - c0
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
    ari = adjusted_rand(seg.labels_.to_numpy(), z)
    print(f"surveytools segment --method latent-class: {wall:.1f} s wall, {cpu:.1f} s CPU, peak {peak:.0f} MB; "
          f"chose k={seg.k_}, adjusted Rand with the truth {ari:.3f}")
    print(f"target <= 60 s and < 2 GB: {'met' if wall <= 60 and peak < 2048 else 'not met'}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rows", type=int, default=100_000, help="respondents of the target run")
    ap.add_argument("--n", type=int, default=4000, help="respondents of the head-to-head run")
    ap.add_argument("--starts", type=int, default=10, help="random starts on both sides (head to head)")
    ap.add_argument("--bootstrap", type=int, default=0, help="bootstrap replicates of the target run")
    ap.add_argument("--no-stepmix", action="store_true", help="skip StepMix")
    args = ap.parse_args()
    head_to_head(args.n, args.starts, not args.no_stepmix)
    target(args.rows, args.bootstrap)


if __name__ == "__main__":
    main()
