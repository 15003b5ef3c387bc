"""The terminal report of a latent class segmentation (:meth:`SegmentResult.summary` for ``latent-class``)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:  # pragma: no cover
    from .model import SegmentResult

__all__ = ["lca_summary"]


def _f(v: Any, spec: str, width: int) -> str:
    return f"{v:>{width}{spec}}" if v is not None and np.isfinite(v) else f"{'n/a':>{width}}"


def lca_summary(res: SegmentResult, digits: int = 2) -> str:
    """Choice of k, classes (sizes, average posterior, profiles), criteria by k, covariates, distal outcomes."""
    lc = res.latent_class or {}
    items = lc.get("items", {})
    kinds = ", ".join(f"{name} ({it['kind']}{', log(1 + x)' if it.get('transform') == 'log1p' else ''})"
                      for name, it in items.items())
    lines = [f"Segmentation: latent class analysis on {kinds}"
             f"{'; survey weights' if res.weighted else ''}; seed {res.seed}",
             f"respondents: {res.rows_in} in, {res.rows_segmented} segmented, {res.rows_excluded} excluded "
             "(missing answers stay in the likelihood)"]
    for reason, count in res.excluded.value_counts().sort_index().items():
        lines.append(f"  excluded: {count} x {reason}")
    st = lc.get("starts", {})
    lines += ["", res.explanation, "",
              f"k = {res.k}: log-likelihood {lc.get('loglik', float('nan')):.3f}, {lc.get('n_parameters')} parameters, "
              f"BIC {lc.get('bic', float('nan')):.1f}, entropy R2 {_f(lc.get('entropy_r2'), '.3f', 0)}; best "
              f"log-likelihood reached by {st.get('replicated')} of {st.get('n_final')} final-stage starts "
              f"({st.get('n_init')} random starts)", ""]
    head = f"{'class':>5}  {'n':>7}  {'share':>6}" + ("  wshare" if res.weighted else "") + "  avg post"
    lines.append(head)
    ap = lc.get("average_posterior", {})
    for s, row in res.sizes.iterrows():
        line = f"{int(s):>5}  {int(row['n']):>7}  {row['share']:>6.1%}"
        if res.weighted:
            line += f"  {row['weighted_share']:>6.1%}"
        line += f"  {_f(ap.get(str(int(s))), '.3f', 8)}"
        lines.append(line)
    lines += ["", "class profiles:"]
    for name, par in lc.get("parameters", {}).items():
        if par["kind"] == "gaussian":
            unit = " (log(1 + x) scale; back-transformed in brackets)" if par.get("transform") == "log1p" else ""
            cells = []
            for c in par["mean"]:
                cell = f"{c}: {par['mean'][c]:.{digits}f} (sd {par['sd'][c]:.{digits}f})"
                if "back_transformed" in par:
                    cell += f" [{par['back_transformed'][c]:.{digits}f}]"
                cells.append(cell)
            lines.append(f"  {name}{unit}: " + "; ".join(cells))
        else:
            levels = par.get("labels") or par["levels"]
            lines.append(f"  {name} ({par['kind']}), share per answer {', '.join(map(str, levels))}:")
            for c, probs in par["probabilities"].items():
                lines.append(f"    class {c}: " + "  ".join(f"{p:.0%}" for p in probs))
    lines += ["", "criteria by k (* chosen):",
              f"{'k':>3}  {'loglik':>12}  {'npar':>5}  {'BIC':>12}  {'AIC':>12}  {'CAIC':>12}  {'SABIC':>12}  "
              f"{'entropy':>7}  {'min share':>9}  {'boot ARI':>8}  {'replic.':>7}"]
    for k, r in res.criteria.iterrows():
        lines.append(f"{int(k):>3}{'*' if k == res.k else ' '} {_f(r['loglik'], '.2f', 12)}  "
                     f"{int(r['n_parameters']):>5}  {_f(r['bic'], '.1f', 12)}  {_f(r['aic'], '.1f', 12)}  "
                     f"{_f(r['caic'], '.1f', 12)}  {_f(r['sabic'], '.1f', 12)}  {_f(r['entropy_r2'], '.3f', 7)}  "
                     f"{_f(r['min_share'], '.1%', 9)}  {_f(r['stability_ari'], '.3f', 8)}  "
                     f"{int(r['replicated']):>3}/{int(r['n_final']):<3}")
    cov = lc.get("covariates")
    if cov:
        lines += ["", f"covariates ({cov['method']}; class 1 = reference; {cov['n_used']} respondents"
                  + (f", {cov['n_missing_covariates']} without every covariate" if cov["n_missing_covariates"] else "")
                  + "): odds ratio [95% CI], p"]
        for c, terms in cov["effects"].items():
            cells = [f"{t} {e['odds_ratio']:.2f} [{e['ci_low']:.2f}, {e['ci_high']:.2f}], p {e['p']:.3g}"
                     for t, e in terms.items() if t != "(intercept)"]
            lines.append(f"  class {c} vs 1: " + "; ".join(cells))
        for name, t in cov["tests"].items():
            lines.append(f"  {name}: Wald {_f(t['wald'], '.2f', 0)} on {t['df']} df, p {_f(t['p'], '.3g', 0)}")
    dist = (lc.get("distal") or {}).get("outcomes")
    if dist:
        lines += ["", "distal outcomes (BCH class means, se; Wald test of equal means):"]
        for name, d in dist.items():
            entries = [(name, d)] if d["kind"] == "numeric" else [(f"{name}={lev}", e) for lev, e in d["levels"].items()]
            for label, e in entries:
                cells = [f"{c}: {e['mean'][c]:.{digits}f} ({e['se'][c]:.{digits}f})" for c in e["mean"]]
                lines.append(f"  {label}: " + "; ".join(cells)
                             + f"; Wald {_f(e['wald'], '.2f', 0)} on {e['df']} df, p {_f(e['p'], '.3g', 0)}")
    return "\n".join(lines)
