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


# ---------------------------------------------------------------------- issue 18: read-only folders, stale temps

def _read_only(monkeypatch):
    import errno

    import surveytools.io.atomic as atomic

    def refuse(tmp):
        raise OSError(errno.EROFS, "Read-only file system", str(tmp))

    monkeypatch.setattr(atomic, "_create_temp", refuse)


def test_read_only_folder_is_one_error_naming_the_folder(tmp_path, monkeypatch):
    from surveytools.exceptions import OutputError

    _read_only(monkeypatch)
    with pytest.raises(OutputError, match=f"cannot write out.csv in folder {tmp_path}: Read-only file system"):
        with atomic_write(tmp_path / "out.csv"):
            pass


def test_disk_full_while_writing(tmp_path):
    import errno

    from surveytools.exceptions import OutputError

    with pytest.raises(OutputError, match="No space left on device; free some space"):
        with atomic_write(tmp_path / "out.csv"):
            raise OSError(errno.ENOSPC, "No space left on device")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("command", ["import", "crm", "run"])
def test_read_only_output_from_the_cli(tmp_path, monkeypatch, invoke, command):
    _read_only(monkeypatch)
    (tmp_path / "e.csv").write_text("q1,email\n1,a@x.com\n2,b@x.com\n", encoding="utf-8")
    (tmp_path / "q.yaml").write_text("items:\n  q1: {type: numeric}\n  email: {type: email}\n", encoding="utf-8")
    out = tmp_path / "out"
    out.mkdir()
    if command == "import":
        res = invoke("import", tmp_path / "e.csv", "-q", tmp_path / "q.yaml", "-o", out / "clean.csv", "--quiet")
    elif command == "crm":
        (tmp_path / "c.csv").write_text("customer_id,email\nc1,a@x.com\n", encoding="utf-8")
        res = invoke("crm", "join", "--survey", tmp_path / "e.csv", "--crm", tmp_path / "c.csv", "--on", "email",
                     "-o", out / "joined.csv", "--quiet")
    else:
        from surveytools.datasets import write_retail_loyalty

        study = write_retail_loyalty(tmp_path / "study")
        res = invoke("run", study["project"], "-o", out, "--quiet")
    assert res.exit_code == 1
    assert res.stderr.startswith("Error: ") and f"in folder {out}" in res.stderr
    assert "Traceback" not in res.stderr and len(res.stderr.strip().splitlines()) <= 2


def test_run_into_a_folder_that_cannot_be_created(tmp_path, monkeypatch):
    import errno
    from pathlib import Path

    from surveytools.exceptions import OutputError
    from surveytools.pipeline import run_project

    def refuse(self, *a, **k):
        raise OSError(errno.EROFS, "Read-only file system")

    monkeypatch.setattr(Path, "mkdir", refuse)
    with pytest.raises(OutputError, match="cannot create output folder .*Read-only file system"):
        run_project(object(), tmp_path / "new")  # fails before the project is looked at


def test_temp_files_of_killed_runs_are_removed(tmp_path):
    import os
    import subprocess
    import sys
    import time

    target = tmp_path / "report.xlsx"
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True,
                          text=True, check=True)
    pid = int(dead.stdout)
    stale = tmp_path / f".report.xlsx.st{pid}-0a1b2c3d.tmp.xlsx"
    mine = tmp_path / f".report.xlsx.st{os.getpid()}-0a1b2c3d.tmp.xlsx"  # a live process: kept
    legacy_old = tmp_path / ".report.xlsx.k2j4h5g6.tmp.xlsx"
    legacy_new = tmp_path / ".report.xlsx.a1b2c3d4.tmp.xlsx"
    other = tmp_path / ".report.xlsx.notes"
    unrelated = tmp_path / ".other.xlsx.st1-00000000.tmp.xlsx"
    for p in (stale, mine, legacy_old, legacy_new, other, unrelated):
        p.write_text("partial")
    old = time.time() - 7200
    os.utime(legacy_old, (old, old))
    with atomic_write(target) as tmp:
        tmp.write_text("done")
    left = sorted(p.name for p in tmp_path.iterdir())
    assert left == sorted(p.name for p in (target, mine, legacy_new, other, unrelated))


def test_spill_folders_of_killed_runs_are_removed(tmp_path, monkeypatch):
    import os
    import subprocess
    import sys
    import tempfile

    from surveytools.io.atomic import make_temp_dir

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    dead = int(subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True,
                              text=True, check=True).stdout)
    stale = tmp_path / f"surveytools-duckdb-{dead}-abc123"
    live = tmp_path / f"surveytools-duckdb-{os.getpid()}-def456"
    other = tmp_path / "surveytools-duckdb-notes"
    for p in (stale, live, other):
        p.mkdir()
        (p / "spill.tmp").write_text("x")
    new = make_temp_dir("surveytools-duckdb-")
    assert new.is_dir() and new.name.startswith(f"surveytools-duckdb-{os.getpid()}-")
    assert not stale.exists() and live.exists() and other.exists()
