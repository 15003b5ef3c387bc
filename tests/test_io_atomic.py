"""Atomic writes: nothing half-written, never over an input."""

from __future__ import annotations

import pytest

from surveytools.exceptions import InputFileError
from surveytools.io.atomic import atomic_write


def test_atomic_write_replaces_only_on_success(tmp_path):
    target = tmp_path / "out.txt"
    target.write_text("old")
    with pytest.raises(RuntimeError):
        with atomic_write(target) as tmp:
            tmp.write_text("half")
            raise RuntimeError("boom")
    assert target.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["out.txt"]
    with atomic_write(target) as tmp:
        tmp.write_text("new")
    assert target.read_text() == "new"


def test_refuses_to_overwrite_an_input(tmp_path):
    src = tmp_path / "in.csv"
    src.write_text("a\n1\n")
    with pytest.raises(InputFileError, match="also an input"):
        with atomic_write(src, inputs=[src]):
            pass
    link = tmp_path / "link.csv"
    link.symlink_to(src)
    with pytest.raises(InputFileError, match="also an input"):
        with atomic_write(link, inputs=[src]):
            pass
    assert src.read_text() == "a\n1\n"


def test_missing_folder(tmp_path):
    with pytest.raises(InputFileError, match="does not exist"):
        with atomic_write(tmp_path / "nope" / "x.csv"):
            pass


def test_permissions_follow_umask(tmp_path):
    import os
    import stat

    old = os.umask(0o022)
    try:
        with atomic_write(tmp_path / "p.txt") as tmp:
            tmp.write_text("x")
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "p.txt").stat().st_mode) == 0o644
