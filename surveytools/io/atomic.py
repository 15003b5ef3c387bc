"""Atomic output files: written to a temporary file beside the target, then renamed over it."""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path

from ..exceptions import InputFileError

__all__ = ["atomic_write", "check_output_path"]


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
    fd, tmp_name = tempfile.mkstemp(prefix=f".{out.name}.", suffix=".tmp" + out.suffix, dir=out.resolve().parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        yield tmp
        # mkstemp creates the file readable by its owner only; give it the permissions of a normal new file
        umask = os.umask(0)
        os.umask(umask)
        if tmp.exists():
            os.chmod(tmp, 0o666 & ~umask)
        os.replace(tmp, out)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise
