"""The stages of a study, declared once: options table + ``run(inputs, options) -> StageResult``.

:data:`STAGES` lists them in the order ``surveytools run`` runs them (``command``-only stages such as
``correlate`` have no project section and are not run by ``surveytools run``). Each command of the CLI and each
section of a project file is generated from these declarations; see ``docs/architecture.md``.
"""

from __future__ import annotations

import importlib

from ._base import Inputs, Option, OptionError, Options, Stage, StageResult

__all__ = ["Stage", "Option", "Options", "OptionError", "Inputs", "StageResult", "STAGE_MODULES", "get_stage",
           "all_stages"]

#: stage modules (relative to this package), in run order; each defines ``STAGE`` whose ``name`` is the module name
#: (without a trailing ``_``: ``import_`` declares ``import``)
STAGE_MODULES: tuple[str, ...] = (
    "init",
    "import_",
    "quality",
    "weight",
    "reliability",
    "tables",
    "scores",
    "correlate",
    "factor",
    "segment",
    "typing_tool",
    "assign",
    "profile",
    "crm",
    "crm_extend",
    "kpis",
    "voc",
    "report",
    "compare_waves",
)


def get_stage(name: str) -> Stage:
    """The declaration of a stage, by its name or module name (imported on first use)."""
    module = name if name in STAGE_MODULES else f"{name}_"
    return importlib.import_module(f"{__name__}.{module}").STAGE  # type: ignore[no-any-return]


def all_stages() -> list[Stage]:
    """Every declared stage, in run order."""
    stages = [get_stage(m) for m in STAGE_MODULES]
    for module, stage in zip(STAGE_MODULES, stages, strict=True):
        if stage.name != module.rstrip("_"):  # import_: 'import' is a Python keyword
            raise TypeError(f"surveytools.stages.{module} declares stage {stage.name!r}; name it {module!r}")
    return stages
