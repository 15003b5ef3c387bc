"""Psychographic segmentation: clustering, choice of k, stability, consensus.

The main entry points are :class:`Segmenter` (a scikit-learn style estimator with ``save``/``load``) and
:func:`segment` (fit and return a :class:`SegmentResult`). The pieces:

- :mod:`.basis` builds the variables to cluster on (factor scores, scale scores, items) and reports the
  respondents left out;
- :mod:`.kmeans`, :mod:`.mixture`, :mod:`.ward`, :mod:`.ensemble`, :mod:`.latent_class` are the methods, all
  with survey weights; :mod:`.lca_structural` relates latent classes to covariates and distal outcomes;
- :mod:`.selection` computes silhouette, Calinski-Harabasz, Davies-Bouldin and BIC and holds the rule that
  chooses k; :mod:`.stability` the bootstrap and restart agreement.

See ``docs/segment.md``.
"""

from __future__ import annotations

from .basis import BASIS_KINDS, Basis, build_basis
from .latent_class import LatentClassFit, fit_latent_class, item_specs
from .lca_structural import covariate_model, distal_outcomes
from .model import DEFAULT_K_RANGE, DEFAULT_SEED, METHODS, Segmenter, SegmentResult, evaluate_segments, parse_k, segment
from .selection import calinski_harabasz, choose_k, choose_k_lca, davies_bouldin, partition_bic, silhouette

__all__ = [
    "BASIS_KINDS",
    "DEFAULT_K_RANGE",
    "DEFAULT_SEED",
    "METHODS",
    "Basis",
    "LatentClassFit",
    "SegmentResult",
    "Segmenter",
    "build_basis",
    "calinski_harabasz",
    "choose_k",
    "choose_k_lca",
    "covariate_model",
    "davies_bouldin",
    "distal_outcomes",
    "evaluate_segments",
    "fit_latent_class",
    "item_specs",
    "parse_k",
    "partition_bic",
    "segment",
    "silhouette",
]
