"""The one model-file format of surveytools (factor model, segmentation, typing tool, and the models to come).

A model file is one JSON object whose first keys are the header::

    {"format": "surveytools.FactorModel", "version": 1, "surveytools_version": "0.1.0", ...the model...}

- ``format``: what the file holds (one tag per estimator class, never changed once released);
- ``version``: the layout of the rest of the file; a reader refuses a newer version than it knows, with a
  message saying to upgrade;
- ``surveytools_version``: the package version that wrote it (for the record; not checked).

Files written before the header was unified still load: typing-tool files said ``format_version`` instead of
``version``, and no file before then carried ``surveytools_version``.

:func:`write_model_json` writes (atomically, never over an input), :func:`read_model_json` reads a file and
:func:`check_model_header` checks a mapping already in memory (for example a factor model embedded in a
segmentation file). :class:`surveytools.estimator.Estimator` uses these for ``save``/``load``.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from .exceptions import InputFileError

__all__ = ["HEADER_KEYS", "model_header", "check_model_header", "read_model_json", "write_model_json"]

#: The header keys, in the order they are written (``format_version``: the legacy name of ``version``).
HEADER_KEYS = ("format", "version", "surveytools_version")
_LEGACY_KEYS = ("format_version",)


def model_header(fmt: str, version: int) -> dict[str, Any]:
    """The header of a model file written by this surveytools."""
    from . import __version__

    return {"format": fmt, "version": int(version), "surveytools_version": __version__}


def check_model_header(data: Any, *, source: str, what: str, hint: str, fmt: str | None = None,
                       version: int | None = None) -> dict[str, Any]:
    """Check a model file's parsed content and return its body (every key but the header's).

    Parameters
    ----------
    data
        The parsed JSON.
    source
        Where it came from, for messages (a path, or "the model").
    what, hint
        What the file should be ("a saved factor model") and how to write one, for messages.
    fmt, version
        Expected ``format`` tag, and the newest ``version`` this surveytools reads.

    Raises
    ------
    InputFileError
        Not a mapping, another format, or a newer version.
    """
    if not isinstance(data, Mapping) or (fmt is not None and data.get("format") != fmt):
        raise InputFileError(f"{source}: not {what} (expected format {fmt!r}); {hint}")
    found = data.get("version", data.get("format_version", 0))
    try:
        found = int(found)
    except (TypeError, ValueError):
        raise InputFileError(f"{source}: not {what} (model version {found!r} is not a number); {hint}") from None
    if version is not None and found > version:
        raise InputFileError(f"{source}: written by a newer surveytools (model version {found}, "
                             f"surveytools {data.get('surveytools_version', '?')}); upgrade surveytools")
    return {k: v for k, v in data.items() if k not in HEADER_KEYS and k not in _LEGACY_KEYS}


def read_model_json(path: str | os.PathLike[str], *, what: str, hint: str, fmt: str | None = None,
                    version: int | None = None) -> dict[str, Any]:
    """Read a saved model's JSON, checking it exists, parses, and (when given) its format tag and version.

    Parameters
    ----------
    path
        The model file.
    what
        What the file should be, for messages ("a saved factor model").
    hint
        How to write one, for messages ("write one with 'surveytools factor --save-model'").
    fmt, version
        Expected ``format`` tag, and the newest ``version`` this surveytools reads.

    Returns
    -------
    dict
        The whole file, header included (:func:`check_model_header` strips it).

    Raises
    ------
    InputFileError
        Missing or unreadable file, not JSON, another format, or a newer version.
    """
    p = Path(path)
    if not p.is_file():
        raise InputFileError(f"{p} not found: no such model file; {hint}")
    try:
        data = json.loads(p.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InputFileError(f"{p}: not {what}: not a JSON file ({exc}); {hint}") from None
    check_model_header(data, source=str(p), what=what, hint=hint, fmt=fmt, version=version)
    return data


def write_model_json(path: str | os.PathLike[str], data: Mapping[str, Any], *,
                     inputs: Sequence[str | os.PathLike[str]] = ()) -> Path:
    """Write a model (header + body, as :meth:`Estimator.to_model_dict` gives it) as JSON, atomically.

    NaN and infinity are not JSON: the caller writes them as null. ``inputs`` are files the output must not
    replace.

    Raises
    ------
    InputFileError
        The folder does not exist, or ``path`` is one of ``inputs``.
    """
    from .io.atomic import atomic_write

    text = json.dumps(dict(data), indent=1, ensure_ascii=False, allow_nan=False)
    out = Path(path)
    with atomic_write(out, [str(i) for i in inputs]) as tmp:
        Path(tmp).write_text(text + "\n", encoding="utf-8")
    return out
