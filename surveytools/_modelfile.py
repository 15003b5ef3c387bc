"""Reading saved models (factor model, segmentation, typing tool): JSON files with a format tag and version."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from .exceptions import InputFileError

__all__ = ["read_model_json"]


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
    if not isinstance(data, dict) or (fmt is not None and data.get("format") != fmt):
        raise InputFileError(f"{p}: not {what} (expected format {fmt!r}); {hint}")
    if version is not None and int(data.get("version", 0)) > version:
        raise InputFileError(f"{p}: written by a newer surveytools (model version {data['version']}); "
                             "upgrade surveytools")
    return data
