"""Atomic output files: written to a temporary file beside the target, then renamed over it.

The temporary file is named ``.<target name>.st<pid>-<random>.tmp<suffix>`` (hidden, in the target's
folder, so that the final rename is atomic). A run that is killed leaves it behind; the next write of the
same target removes such files whose process is gone (only these names: nothing else is touched).

A folder that cannot be written (read-only file system, no permission, disk full) gives one
:class:`~surveytools.exceptions.OutputError` naming the folder, never a traceback.
"""

from __future__ import annotations

import contextlib
import errno
import os
import re
import secrets
import time
from collections.abc import Iterable, Iterator
from pathlib import Path

from ..exceptions import InputFileError, OutputError

__all__ = ["atomic_write", "check_output_path", "remove_stale_temp_files", "output_error", "make_temp_dir"]

#: Errors of the output folder (not of the data) that become an :class:`OutputError`.
_FOLDER_ERRNOS = {errno.EROFS, errno.EACCES, errno.EPERM, errno.ENOSPC, errno.EDQUOT}
#: Temporary files of an older naming scheme (no process id) are removed when older than this (seconds).
_LEGACY_TEMP_AGE = 3600.0


def check_output_path(path: str | os.PathLike[str], inputs: Iterable[str | os.PathLike[str]] = ()) -> Path:
    """Refuse an output path that is one of the inputs or whose folder does not exist.

    Raises
    ------
    InputFileError
        The output would overwrite an input, or its folder is missing.
    """
    out = Path(path)
    for inp in inputs:
        if inp is None:
            continue
        same = Path(inp).resolve() == out.resolve()
        if not same and out.exists() and Path(inp).exists():
            try:
                same = os.path.samefile(inp, out)
            except OSError:
                same = False
        if same:
            raise InputFileError(f"output {out} is also an input; choose another output name so the input "
                                 "is not overwritten")
    parent = out.resolve().parent
    if not parent.is_dir():
        raise InputFileError(f"cannot write {out}: folder {parent} does not exist; create it first")
    if out.is_dir():
        raise InputFileError(f"cannot write {out}: it is a folder; give a file name")
    return out


@contextlib.contextmanager
def atomic_write(path: str | os.PathLike[str], inputs: Iterable[str | os.PathLike[str]] = ()) -> Iterator[Path]:
    """Yield a temporary path in the target's folder; on success rename it over ``path``.

    Nothing is left behind when the body raises, and an existing file at ``path`` stays as it was.

    Parameters
    ----------
    path
        The final file.
    inputs
        Input files that must never be overwritten.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> target = pathlib.Path(tempfile.mkdtemp()) / "out.txt"
    >>> with atomic_write(target) as tmp:
    ...     _ = tmp.write_text("done")
    >>> target.read_text()
    'done'
    """
    out = check_output_path(path, inputs)
    folder = out.resolve().parent
    remove_stale_temp_files(out)
    tmp = folder / f".{out.name}.st{os.getpid()}-{secrets.token_hex(4)}.tmp{out.suffix}"
    try:
        _create_temp(tmp)
    except OSError as exc:
        raise output_error(out, exc) from None
    try:
        try:
            yield tmp
            os.replace(tmp, out)
        except OSError as exc:
            if exc.errno in _FOLDER_ERRNOS:
                raise output_error(out, exc) from None
            raise
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise


def _create_temp(tmp: Path) -> None:
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)  # permissions of a normal new file
    os.close(fd)


def output_error(out: Path, exc: OSError) -> OutputError:
    """The one-line error for an output that cannot be written (read-only folder, no permission, full disk)."""
    folder = out.resolve().parent
    reason = exc.strerror or str(exc)
    if exc.errno == errno.ENOSPC or exc.errno == errno.EDQUOT:
        fix = "free some space or choose another output folder"
    else:
        fix = "choose a folder you can write to, or change its permissions"
    return OutputError(f"cannot write {out.name} in folder {folder}: {reason}; {fix}")


_TEMP = re.compile(r"^\.(?P<name>.+)\.st(?P<pid>\d+)-[0-9a-f]+\.tmp(?P<suffix>.*)$")
_LEGACY = re.compile(r"^\.(?P<name>.+)\.[A-Za-z0-9_]{8}\.tmp(?P<suffix>.*)$")


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OSError):
        return True  # a process of another user
    return True


def remove_stale_temp_files(out: Path) -> list[Path]:
    """Remove temporary files of ``out`` left by killed runs; returns the files removed.

    Only this module's names for this target are considered: ``.<name>.st<pid>-<hex>.tmp<suffix>`` whose
    process no longer runs, and the older ``.<name>.<8 characters>.tmp<suffix>`` names when they are more than
    an hour old. Errors (a read-only folder) are ignored: the write that follows reports them.
    """
    removed: list[Path] = []
    folder = out.resolve().parent
    try:
        candidates = [p for p in folder.iterdir() if p.name.startswith(f".{out.name}.")]
    except OSError:
        return removed
    now = time.time()
    for p in candidates:
        m = _TEMP.match(p.name)
        stale = False
        if m and m.group("name") == out.name and m.group("suffix") == out.suffix:
            stale = not _alive(int(m.group("pid")))
        else:
            m = _LEGACY.match(p.name)
            if m and m.group("name") == out.name and m.group("suffix") == out.suffix:
                with contextlib.suppress(OSError):
                    stale = now - p.stat().st_mtime > _LEGACY_TEMP_AGE
        if stale and p.is_file() and not p.is_symlink():
            with contextlib.suppress(OSError):
                p.unlink()
                removed.append(p)
    return removed


def make_temp_dir(prefix: str) -> Path:
    """A new temporary folder ``<tmp>/<prefix><pid>-<random>`` (e.g. DuckDB's spill folder), after removing the
    folders of this prefix whose process is gone (runs killed before they could clean up)."""
    import shutil
    import tempfile

    base = Path(tempfile.gettempdir())
    pattern = re.compile(re.escape(prefix) + r"(\d+)-[A-Za-z0-9_]+$")
    try:
        for p in base.iterdir():
            m = pattern.match(p.name)
            if m and p.is_dir() and not p.is_symlink() and not _alive(int(m.group(1))):
                shutil.rmtree(p, ignore_errors=True)
    except OSError:
        pass
    return Path(tempfile.mkdtemp(prefix=f"{prefix}{os.getpid()}-", dir=base))
