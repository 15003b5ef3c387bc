"""Run small dense linear algebra on one BLAS thread.

The matrices of factor analysis are small (items x items). For them a multi-threaded BLAS/LAPACK spends
more time synchronizing threads than computing: on a busy 2-core machine an eigendecomposition of a
135 x 135 matrix took 30 ms with threads and 0.7 ms without. The hot loops therefore run inside
:func:`single_thread`, which limits the BLAS thread pools (through threadpoolctl, a scikit-learn
dependency) for their duration and restores them afterwards.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

__all__ = ["single_thread"]

_controller: Any = None
_SMALL = 400  # matrices up to this many items run on one thread


@contextlib.contextmanager
def single_thread(size: int = 0) -> Iterator[None]:
    """Limit BLAS to one thread while the block runs (no-op for ``size`` above 400 or without threadpoolctl)."""
    global _controller
    if size > _SMALL:
        yield
        return
    if _controller is None:
        try:
            from threadpoolctl import ThreadpoolController

            _controller = ThreadpoolController()
        except Exception:  # pragma: no cover - threadpoolctl missing or broken: just run
            _controller = False
    if not _controller:
        yield
        return
    with _controller.limit(limits=1, user_api="blas"):
        yield
