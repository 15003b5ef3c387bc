"""A latent class segmentation run for :class:`~surveytools.segment.model.Segmenter` (``method="latent-class"``).

The steps mirror the other methods (basis, canonical row order, fit every k, number the classes by weighted
size, bootstrap stability, documented choice of k) with what latent class analysis needs instead: a mixed
basis whose missing answers stay in (full information), the information criteria and entropy of
:func:`~surveytools.segment.latent_class.lca_criteria`, the rule of
:func:`~surveytools.segment.selection.choose_k_lca`, and at the chosen k the covariate and distal-outcome
models of :mod:`~surveytools.segment.lca_structural`.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ..exceptions import DataError, EmptyClassWarning, ReplicationWarning
from ..survey import Survey
from ._util import blas_single_thread, canonical_order, size_order, spawn_rngs
from .basis import basis_frame, build_basis
from .latent_class import LatentClassFit, LatentClassMethod, average_posterior, encode, lca_criteria, posterior
from .selection import choose_k_lca, lca_criteria_frame
from .stability import bootstrap_stability

if TYPE_CHECKING:  # pragma: no cover
    from .model import Segmenter

__all__ = ["fit_latent_class_segments", "external_frame"]


def _names(spec: str | Sequence[str] | None) -> list[str]:
    if spec is None:
        return []
    parts = spec.split(",") if isinstance(spec, str) else [str(p) for p in spec]
    return [p.strip() for p in parts if p.strip()]


def external_frame(X: Survey | pd.DataFrame, names: list[str], ids: pd.Index, what: str
                   ) -> tuple[pd.DataFrame, dict[str, str]]:
    """Covariate or distal-outcome values for the respondents ``ids``: items or scales of a Survey, or columns
    of a DataFrame; returns the frame and each column's kind (``categorical`` or ``numeric``)."""
    if isinstance(X, Survey):
        q = X.questionnaire
        unknown = [n for n in names if n not in q.items and n not in q.scales]
        if unknown:
            raise DataError(f"{what}: unknown item or scale {', '.join(repr(u) for u in unknown)}",
                            [f"scales: {', '.join(q.scales) or '(none)'}",
                             f"items: {', '.join(list(q.items)[:40])}{' ...' if len(q.items) > 40 else ''}"])
        bad = [n for n in names if n in q.items and q.items[n].type not in ("likert", "numeric", "nps", "categorical")]
        if bad:
            raise DataError(f"{what}: item(s) {', '.join(repr(b) for b in bad)} are "
                            f"{', '.join(sorted({q.items[b].type for b in bad}))} items; use numeric, NPS, Likert or "
                            "categorical items or scales")
        frame, sources, _, _, _ = basis_frame(X, names, mixed=True)
        kinds = {c: ("categorical" if src.get("kind") == "categorical" else "numeric") for c, src in sources.items()}
        return frame.reindex(ids), kinds
    missing = [n for n in names if n not in X.columns]
    if missing:
        raise DataError(f"{what}: no column {', '.join(repr(m) for m in missing)} in the data",
                        [f"columns: {', '.join(map(str, list(X.columns)[:40]))}"])
    frame = X[names].reindex(ids)
    kinds = {n: ("numeric" if pd.api.types.is_numeric_dtype(frame[n]) else "categorical") for n in names}
    return frame, kinds


def fit_latent_class_segments(seg: Segmenter, X: Survey | pd.DataFrame, method: LatentClassMethod, ks: list[int],
                              auto: bool, weights: Any, factor_scores: pd.DataFrame | None, progress: Any) -> None:
    """Fit ``seg`` (a Segmenter with ``method="latent-class"``) on ``X`` and store the result on it."""
    from .lca_structural import covariate_model, design_matrix, distal_outcomes, one_step

    basis = build_basis(X, seg.basis, missing=seg.missing or "fiml", min_answered=seg.min_answered, weights=weights,
                        factor_options={"seed": seg._seed, **dict(seg.factor_options or {})},
                        factor_scores=factor_scores, mixed=True)
    order = canonical_order(basis.data.index)
    x = np.ascontiguousarray(basis.data.to_numpy(dtype=float)[order])
    n = x.shape[0]
    w = np.ones(n) if basis.weights is None else basis.weights.to_numpy(dtype=float)[order]
    w = w * (n / w.sum())
    kinds = [basis.sources[c]["kind"] for c in basis.columns]
    method.configure(x, basis.columns, kinds, w)
    patterns = np.where(np.isfinite(x), x, -np.inf)
    ks, notes = seg._check_ks(patterns, ks, auto, basis, rows="answer patterns")
    rng_fit, _, rng_boot = spawn_rngs(seg._seed, 3)
    with blas_single_thread(), warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ReplicationWarning)
        warnings.simplefilter("always", EmptyClassWarning)
        sols = method.fit_all(x, w, ks, rng_fit, progress, label=f"latent classes k={ks[0]}..{ks[-1]}")
        for k in list(sols):
            sol = sols[k]
            sols[k] = method.permute(sol, size_order(sol.mass, sol.centers))
        rows: dict[int, dict[str, Any]] = {}
        for k in ks:
            sol = sols[k]
            fit: LatentClassFit = sol.params["fit"]
            share = np.bincount(sol.labels, weights=w, minlength=k) / w.sum()
            rows[k] = {**{c: v for c, v in sol.params["criteria"].items() if c != "entropy"},
                       "min_share": float(share.min()), "replicated": fit.replicated, "n_final": fit.n_final,
                       "objective": fit.objective}
        stab = {}
        if seg.bootstrap > 0:
            b_init = seg.bootstrap_n_init if seg.bootstrap_n_init is not None else 6
            stab = bootstrap_stability(method, x, w, sols, int(seg.bootstrap), rng_boot, n_init=b_init,
                                       progress=progress, n_jobs=seg._jobs(n))
            for k, st in stab.items():
                rows[k].update(stability_ari=st.ari_mean, stability_ari_sd=st.ari_sd, jaccard_min=st.jaccard_min)
    criteria = lca_criteria_frame(rows)
    choice = choose_k_lca(criteria, min_size=float(seg.min_size), min_stability=float(seg.min_stability))
    fit_warnings = _rewarn(caught, choice.k)
    criteria["admissible"] = [k in choice.admissible for k in criteria.index]
    criteria["votes"] = [sum(1 for v in choice.votes.values() if v == k) for k in criteria.index]
    k = choice.k
    sol = sols[k]
    fit = sol.params["fit"]
    enc = encode(method.specs, x)
    proba = sol.proba
    weighted = basis.weights is not None and float(np.ptp(w)) > 1e-12
    ids_c = basis.data.index[order]
    info: dict[str, Any] = {}
    cov_names, dist_names = _names(seg.covariates), _names(seg.distal)
    if cov_names:
        cframe, ckinds = external_frame(X, cov_names, ids_c, "covariates")
        design = design_matrix(cframe, ckinds)
        if seg.covariate_method == "one-step":
            okr = design.ok
            if okr.sum() < n:
                notes.append(f"{int((~okr).sum())} respondents without every covariate were classified by the "
                             "measurement model only (one-step).")
            fit1, q, logd = one_step(fit, enc.rows(np.flatnonzero(okr)), w[okr],
                                     _sub_design(design, okr), tol=method.tol)
            eff = covariate_model(_sub_design(design, okr), q, w[okr], "one-step", loge=logd, weighted=weighted)
            eff["n_missing_covariates"] = int((~okr).sum())
            proba = posterior(fit1, enc)
            proba[okr] = q
            fit = fit1
            labels = proba.argmax(axis=1)
            params = dict(sol.params)
            params["fit"] = fit1
            sol = replace(sol, labels=labels, proba=proba, params=params,
                          mass=np.bincount(labels, weights=w, minlength=k))
        else:
            eff = covariate_model(design, proba, w, seg.covariate_method, weighted=weighted)
        eff.pop("beta")
        eff.pop("covariance")
        info["covariates"] = eff
    if dist_names:
        dframe, dkinds = external_frame(X, dist_names, ids_c, "distal")
        info["distal"] = {"method": "bch", "outcomes": distal_outcomes(dframe, dkinds, proba, w)}
    crit = lca_criteria(fit.loglik, fit.n_parameters, n, proba, w)
    labels = proba.argmax(axis=1)
    avepp = average_posterior(proba, labels, w)
    wsum = w.sum()
    info.update({
        "loglik": crit["loglik"], "n_parameters": crit["n_parameters"], "bic": crit["bic"], "aic": crit["aic"],
        "caic": crit["caic"], "sabic": crit["sabic"], "entropy_r2": crit["entropy_r2"],
        "average_posterior": {str(c + 1): float(avepp[c]) for c in range(k)},
        "class_proportions": {str(c + 1): float(fit.weights[c]) for c in range(k)},
        "posterior_shares": {str(c + 1): float((proba[:, c] * w).sum() / wsum) for c in range(k)},
        "items": {s.name: s.to_json() for s in fit.specs},
        "transformed": [s.name for s in fit.specs if s.transform == "log1p"],
        "parameters": fit.item_parameters(),
        "starts": {"n_init": fit.n_init, "n_final": fit.n_final, "replicated": fit.replicated,
                   "final_logliks": [float(v) for v in fit.final_logliks], "converged": fit.converged,
                   "n_iter": fit.n_iter},
        "prior": fit.prior, "var_floor": fit.var_floor, "warnings": fit_warnings,
        "covariate_method": seg.covariate_method if cov_names else None,
    })
    _add_labels(info["parameters"], basis.sources, X)
    if enc.unknown:
        info["unknown_codes"] = dict(enc.unknown)
    explanation = choice.explanation + ("" if not notes else " " + " ".join(notes))
    seg._store(basis, method, sol, order, criteria, stab.get(k), explanation, choice.votes, auto,
               latent_class=info, proba=proba)
    seg.result_ = replace(seg.result_, **seg._labels(X, basis))


def _sub_design(design: Any, ok: np.ndarray) -> Any:
    from .lca_structural import Design

    return Design(z=design.z[ok], terms=design.terms, ok=np.ones(int(ok.sum()), dtype=bool), coding=design.coding)


def _rewarn(caught: list[warnings.WarningMessage], k: int) -> list[str]:
    """Return the texts of the fit's warnings (for the JSON); re-issue those about the chosen k and any other
    kind (a k not chosen that was not replicated or emptied a class is only listed)."""
    seen: list[str] = []
    for wm in caught:
        text = str(wm.message)
        if text in seen:
            continue
        seen.append(text)
        about_k = issubclass(wm.category, (ReplicationWarning, EmptyClassWarning)) and f"{k}-class" not in text
        if not about_k:
            warnings.warn(text, wm.category, stacklevel=4)
    return seen



def _add_labels(params: dict[str, Any], sources: dict[str, dict[str, Any]], X: Survey | pd.DataFrame) -> None:
    """Answer labels next to the codes of the discrete items (questionnaire option sets, DataFrame text)."""
    q = X.questionnaire if isinstance(X, Survey) else None
    for name, par in params.items():
        if par["kind"] == "gaussian":
            continue
        src = sources.get(name, {})
        labels: list[str] | None = None
        if src.get("labels") is not None:
            labels = [str(src["labels"][int(c) - 1]) for c in par["levels"]]
        elif q is not None and src.get("type") == "item":
            opts = q.option_set(src["item"])
            if opts is not None:
                labels = [str(opts.codes.get(c, c)) for c in par["levels"]]
        elif q is not None and src.get("type") == "option":
            labels = ["not chosen", "chosen"] if list(par["levels"]) == [0, 1] else None
        if labels is not None:
            par["labels"] = labels
