"""Run small dense linear algebra on one BLAS thread.

Survey matrices are small (items x items) or thin (respondents x a few columns). For them a
multi-threaded BLAS/LAPACK spends more time synchronizing threads than computing: on a busy 2-core
machine an eigendecomposition of a 135 x 135 matrix took 30 ms with threads and 0.7 ms without, and a
mixture fit used 10x the CPU time. Hot loops therefore run inside :func:`single_thread`, which limits
the BLAS thread pools (through threadpoolctl, a scikit-learn dependency) for their duration and restores
them afterwards. Nested blocks are cheap: only the outermost one touches the thread pools.
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Iterator
from typing import Any

__all__ = ["single_thread"]

_controller: Any = None
_modules_seen = -1  # len(sys.modules) when the controller looked for thread pools
_depth = 0
SMALL = 400  # item x item matrices up to this size run on one thread


def _pools() -> Any:
    """The thread-pool controller, looked for again when modules were imported since (a library imported later,
    e.g. SciPy's OpenBLAS or scikit-learn's OpenMP runtime, brings its own pool); False without threadpoolctl."""
    global _controller, _modules_seen
    if _controller is False or (_controller is not None and len(sys.modules) == _modules_seen):
        return _controller
    try:
        from threadpoolctl import ThreadpoolController

        _controller = ThreadpoolController()
    except Exception:  # pragma: no cover - threadpoolctl missing or broken: just run
        _controller = False
    _modules_seen = len(sys.modules)
    return _controller


@contextlib.contextmanager
def single_thread(size: int = 0, *, openmp: bool = False) -> Iterator[None]:
    """Limit BLAS (and with ``openmp`` the OpenMP pools too) to one thread while the block runs.

    Parameters
    ----------
    size
        Side of the item x item matrices involved; above :data:`SMALL` threads pay off and the block runs
        as is. 0 (the default) always limits.
    openmp
        Also limit OpenMP (scikit-learn's histogram gradient boosting): on a few thousand respondents its
        threads only synchronize, and on a busy machine their spin-waiting made a 7 s fit take 100 s.
    """
    global _depth
    if size > SMALL or _depth > 0:
        yield
        return
    controller = _pools()
    if not controller:
        yield
        return
    with controller.limit(limits=1, user_api=None if openmp else "blas"):
        _depth += 1
        try:
            yield
        finally:
            _depth -= 1
