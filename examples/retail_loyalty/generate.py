"""Regenerate the files of this example study (byte for byte with the default seed).

The generator lives in the package (``surveytools.datasets.retail_loyalty``) so that ``surveytools demo``
can write the study anywhere; this script writes it into this folder.

Usage::

    python examples/retail_loyalty/generate.py
    python examples/retail_loyalty/generate.py --out /tmp/study --seed 7
"""

from __future__ import annotations

from pathlib import Path

from surveytools.datasets.retail_loyalty import *  # noqa: F403 - re-exported for scripts and tests
from surveytools.datasets.retail_loyalty import SEED, generate, main  # noqa: F401

FOLDER = Path(__file__).resolve().parent

if __name__ == "__main__":
    main(default_out=FOLDER)
