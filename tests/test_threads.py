"""surveytools._threads: thread pools limited for the duration of a block, restored afterwards."""

from __future__ import annotations

import pytest

threadpoolctl = pytest.importorskip("threadpoolctl")


def _threads(api: str) -> list[int]:
    return [i["num_threads"] for i in threadpoolctl.ThreadpoolController().info() if i["user_api"] == api]


def test_single_thread_limits_blas_and_on_request_openmp():
    import sklearn.ensemble  # noqa: F401  (loads the OpenMP runtime)

    from surveytools._threads import single_thread

    before_blas, before_omp = _threads("blas"), _threads("openmp")
    with single_thread():
        assert set(_threads("blas")) <= {1}
        assert _threads("openmp") == before_omp  # BLAS only by default
    with single_thread(openmp=True):
        assert set(_threads("blas")) <= {1} and set(_threads("openmp")) <= {1}
    assert _threads("blas") == before_blas and _threads("openmp") == before_omp


def test_large_matrices_keep_their_threads():
    from surveytools._threads import SMALL, single_thread

    before = _threads("blas")
    with single_thread(size=SMALL + 1):
        assert _threads("blas") == before
