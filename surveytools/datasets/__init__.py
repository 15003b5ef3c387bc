"""Example data sets shipped with surveytools.

:func:`write_retail_loyalty` writes the bundled example study (a fictitious Spanish retail loyalty survey:
Qualtrics export, questionnaire, CRM file, project file); ``surveytools demo`` runs it end to end.
"""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["write_retail_loyalty"]


def write_retail_loyalty(folder: str | os.PathLike[str], seed: int | None = None) -> dict[str, Path]:
    """Write the Mercavista example study into ``folder`` (created when missing).

    Parameters
    ----------
    folder
        Destination folder.
    seed
        Generator seed (default: the seed of the files in ``examples/retail_loyalty``).

    Returns
    -------
    dict
        ``export``, ``questionnaire``, ``customers``, ``truth``, ``readme``, ``project`` -> path.
    """
    from . import retail_loyalty

    return retail_loyalty.generate(Path(folder), retail_loyalty.SEED if seed is None else seed)
