"""The shared shape of a clustering solution and of a segmentation method."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

__all__ = ["Solution", "Method", "Progress"]

#: ``progress(label, done, total)``
Progress = Callable[[str, int, int], None]


@dataclass(frozen=True, eq=False)
class Solution:
    """One partition into ``k`` clusters of the rows a method was fitted on.

    Attributes
    ----------
    k
        Number of clusters.
    labels
        Cluster code 0..k-1 of each fitted row.
    centers
        Weighted mean of each cluster on the basis (k x d).
    mass
        Sum of the weights of each cluster (the count when unweighted).
    objective
        What the method minimised: weighted within-cluster sum of squares (k-means, Ward, ensemble) or
        minus the weighted log-likelihood (mixture).
    proba
        Rows x k membership probabilities (mixture) or consensus shares (ensemble); None otherwise.
    params
        Method-specific state needed by ``predict`` (numpy arrays, numbers).
    restarts
        Labels found by each random start on the full data (for reproducibility); empty when the method
        is deterministic.
    bic
        The method's own BIC, when it has a likelihood (mixture).
    """

    k: int
    labels: np.ndarray
    centers: np.ndarray
    mass: np.ndarray
    objective: float
    proba: np.ndarray | None = None
    params: dict[str, Any] = field(default_factory=dict)
    restarts: Sequence[np.ndarray] = ()
    bic: float | None = None

    def permuted(self, order: np.ndarray, params: dict[str, Any] | None = None) -> Solution:
        """The same partition with cluster ``order[s]`` renamed ``s``."""
        inverse = np.empty_like(order)
        inverse[order] = np.arange(order.size)
        return replace(
            self,
            labels=inverse[self.labels],
            centers=self.centers[order],
            mass=self.mass[order],
            proba=None if self.proba is None else self.proba[:, order],
            params=self.params if params is None else params,
        )


class Method:
    """A segmentation algorithm: fit every k of a range, predict new rows, save its state as JSON."""

    name = "method"
    #: Whether predict() gives membership probabilities (written as ``probability``).
    has_probability = False
    #: Whether one fit gives every k at once (a tree).
    hierarchical = False

    def fit_all(self, x: np.ndarray, w: np.ndarray, ks: Sequence[int], rng: np.random.Generator,
                progress: Progress | None = None, label: str = "") -> dict[int, Solution]:
        raise NotImplementedError

    def predict(self, sol: Solution, x: np.ndarray) -> tuple[np.ndarray, np.ndarray | None]:
        raise NotImplementedError

    def permute(self, sol: Solution, order: np.ndarray) -> Solution:
        return sol.permuted(order)

    def params_to_json(self, sol: Solution) -> dict[str, Any]:
        return {"centers": sol.centers.tolist()}

    def params_from_json(self, data: dict[str, Any]) -> dict[str, Any]:
        return {"centers": np.asarray(data["centers"], dtype=float)}

    def options(self) -> dict[str, Any]:
        """The method's settings (JSON-ready)."""
        return {}
