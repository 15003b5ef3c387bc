"""Project files: one YAML file that names a study's inputs and the settings of every stage.

Loaded with :func:`load_project`; validation lists every problem at once, each with its line and key.
Relative paths are relative to the project file. See ``docs/project.md`` for the format.

The keys of a stage's section, their defaults and their checks are generated from the stage's options table
(:mod:`surveytools.stages`): a setting exists once, for the command and the project file alike. ``enabled:
false`` (or ``stage: false``) switches a stage off. A top-level ``seed`` is the default of every stage's
``seed``; without it the segment section's ``seed`` plays that role (as before).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .exceptions import InputFileError, ProjectError

__all__ = ["Project", "load_project", "STAGES"]  # noqa: F822  (STAGES: module __getattr__)

#: Stages in the order `surveytools run` runs them (the declared stages of surveytools.stages).


def __getattr__(name: str) -> Any:
    """``STAGES``: the names of the stages of ``surveytools run``, in run order (read from the declared stages, so
    it cannot fall out of date)."""
    if name == "STAGES":
        from .stages import all_stages

        return tuple(st.name for st in all_stages() if st.section)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

def _declared() -> dict[str, Any]:
    """Project section -> declared stage (the sections generated from options tables)."""
    from .stages import all_stages

    return {st.section: st for st in all_stages() if st.section}


def _top() -> set[str]:
    return {"title", "questionnaire", "output", "language", "seed", *_declared()}


@dataclass(frozen=True)
class Project:
    """A validated project.

    Attributes
    ----------
    path
        The project file.
    title
        Study title (reports).
    questionnaire
        Questionnaire spec (absolute path).
    exports
        Survey exports (absolute paths; several = waves stacked in order).
    output
        Output folder (absolute; default ``output/`` beside the project file).
    language
        Report language (``en`` or ``es``).
    settings
        Stage -> settings with defaults filled in.
    seed
        The study's seed (top-level ``seed``, else ``segment.seed``): every stage's default seed.
    """

    path: Path
    title: str
    questionnaire: Path
    exports: tuple[Path, ...]
    output: Path
    language: str
    settings: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    seed: int = 20240601

    def stage(self, name: str) -> Mapping[str, Any]:
        """Settings of a stage (defaults filled in)."""
        return self.settings.get(name, {})

    def enabled(self, name: str) -> bool:
        """Whether a stage runs (CRM needs a file; VoC and CRM run when their inputs exist)."""
        s = self.stage(name)
        if not s.get("enabled", True):
            return False
        if name == "crm":
            return s.get("file") is not None
        return True

    def inputs(self) -> list[Path]:
        """Every input file (for the manifest's checksums)."""
        from .stages import all_stages

        out = [self.path, self.questionnaire, *self.exports]
        for stage in all_stages():  # every input file named in a stage's section (crm.file, weight.targets...)
            if not stage.section or stage.section == "data" or not self.enabled(stage.section):
                continue
            for opt in stage.project_options:
                value = self.stage(stage.section).get(opt.name)
                if opt.type == "path" and not opt.output and value is not None and Path(value) not in out:
                    out.append(Path(value))
        return out


def _line_map(text: str) -> dict[tuple[Any, ...], int]:
    import yaml

    from .questionnaire import SpecLoader
    from .questionnaire import _line_map as qmap

    node = yaml.compose(text, Loader=SpecLoader)
    return qmap(node) if node is not None else {}


def load_project(path: str | os.PathLike[str]) -> Project:
    """Load and validate a project file.

    Raises
    ------
    InputFileError
        The file is missing or unreadable.
    ProjectError
        YAML syntax error, or any invalid content (every problem, with its line).
    """
    import yaml

    from .questionnaire import load_yaml

    p = Path(path)
    if not p.exists():
        raise InputFileError(f"project file {p} not found; check the path")
    if p.is_dir():
        raise InputFileError(f"project file {p} is a folder; give the path of a .yaml file")
    try:
        text = p.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputFileError(f"project file {p} cannot be read: {exc}") from None
    try:
        data = load_yaml(text, f"project file {p}")  # refuses alias bombs before anything walks the data
        lines = _line_map(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f", line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""
        raise ProjectError(f"{p}{where}: YAML syntax error: {getattr(exc, 'problem', None) or exc}") from None
    if not isinstance(data, Mapping):
        raise ProjectError(f"{p}: a project file is a mapping with at least 'questionnaire' and 'data'")
    base = p.resolve().parent
    problems: list[str] = []

    def problem(keypath: tuple[Any, ...], msg: str) -> None:
        from .questionnaire import located

        problems.append(located(lines, keypath, msg))

    def file_path(value: Any, keypath: tuple[Any, ...], must_exist: bool = True) -> Path | None:
        if isinstance(value, Path):  # a path option of a stage section: resolved and checked by _section
            return value
        if not isinstance(value, str) or not value.strip():
            problem(keypath, "must be a file path")
            return None
        fp = Path(value)
        fp = fp if fp.is_absolute() else base / fp
        if must_exist and not fp.exists():
            problem(keypath, f"file {value!r} not found (looked for {fp})")
        return fp

    top = _top()
    for key in data:
        if key not in top:
            problem((key,), f"unknown key; expected one of {', '.join(sorted(top))}")
    q = file_path(data.get("questionnaire"), ("questionnaire",)) if "questionnaire" in data else None
    if "questionnaire" not in data:
        problem(("questionnaire",), "missing: name the questionnaire spec (YAML)")
    settings: dict[str, dict[str, Any]] = {}
    seed = _study_seed(data, problem)
    rep = data.get("report")
    study = {"seed": seed,
             "language": data.get("language") or (rep.get("language") if isinstance(rep, Mapping) else None) or "en"}
    legacy = _legacy_extend(p, data, lines, problem)
    for section, stage in _declared().items():
        raw, given, where = data.get(section), section in data, (section,)
        if section == "crm" and isinstance(raw, Mapping) and "extend" in raw:
            raw = {k: v for k, v in raw.items() if k != "extend"}
        if section == "crm_extend" and legacy is not None:
            raw, given, where = legacy, True, ("crm", "extend")
        settings[section] = _section(stage, raw, study, base, problem, given=given, where=where)
    raw_profile = data.get("profile")
    if settings["report"].get("fdr") and not (isinstance(raw_profile, Mapping) and "fdr" in raw_profile):
        settings["profile"]["fdr"] = True  # report.fdr: the deprecated place of profile.fdr
    exports: list[Path] = []
    d = settings["data"]
    raw_exports = d.get("exports") if d.get("exports") is not None else d.get("export")
    if raw_exports is None:
        problem(("data",), "name the survey export: data: {export: FILE} (or exports: [FILE, ...] for waves)")
    else:
        items = raw_exports if isinstance(raw_exports, list) else [raw_exports]
        key = "exports" if d.get("exports") is not None else "export"
        for i, e in enumerate(items):
            fp = file_path(e, ("data", key) + ((i,) if isinstance(raw_exports, list) else ()))
            if fp is not None:
                exports.append(fp)
        d[key] = exports if key == "exports" else (exports[0] if exports else None)
    crm = settings["crm"]
    if crm["file"] is not None:
        fp = file_path(crm["file"], ("crm", "file"))
        crm["file"] = fp
    elif settings["crm_extend"]["enabled"]:
        problem(("crm_extend",) if legacy is None else ("crm", "extend"),
                "extends the CRM join's customer list; name the customer file in crm.file (or remove this section)")
    language = study["language"]
    if language not in ("en", "es"):
        problem(("language",), f"reports are in en or es, not {language!r}")
    out = data.get("output", "output")
    if not isinstance(out, str):
        problem(("output",), "must be a folder path")
        out = "output"
    if problems:
        n = len(problems)
        raise ProjectError(f"{p}: {n} problem{'s' if n != 1 else ''} in the project file; fix "
                           f"{'them' if n != 1 else 'it'} and run again", problems)
    outp = Path(out)
    return Project(path=p.resolve(), title=str(data.get("title") or p.stem), questionnaire=q,  # type: ignore[arg-type]
                   exports=tuple(exports), output=outp if outp.is_absolute() else base / outp,
                   language=language, settings=settings, seed=seed)


def _study_seed(data: Mapping[str, Any], problem: Any) -> int:
    """The study's seed: top-level ``seed``, else ``segment.seed`` (the seed of the whole run before there was a
    top-level one), else the stages' default."""
    from .stages.common import DEFAULT_SEED

    seg = data.get("segment")
    value = data.get("seed", seg.get("seed") if isinstance(seg, Mapping) else None)
    where = ("seed",) if "seed" in data else ("segment", "seed")
    if value is None:
        return DEFAULT_SEED
    if not isinstance(value, int) or isinstance(value, bool):
        problem(where, "must be a whole number")
        return DEFAULT_SEED
    return value


def _legacy_extend(path: Path, data: Mapping[str, Any], lines: Mapping[tuple[Any, ...], int], problem: Any) -> Any:
    """The settings of ``crm: {extend: ...}``, the deprecated place of the ``crm_extend:`` section, as that section
    (None when the file does not use it). Warns; refuses both places at once.

    The deprecated form keeps its results: its model's seed is the default seed of ``crm extend``, not the study's
    (which is the default of a ``crm_extend:`` section, as of every stage)."""
    import warnings

    from .exceptions import DeprecatedSettingWarning
    from .questionnaire import located
    from .stages.common import DEFAULT_SEED

    crm = data.get("crm")
    if not isinstance(crm, Mapping) or "extend" not in crm:
        return None
    if "crm_extend" in data:
        problem(("crm", "extend"), "the crm_extend section gives these settings; remove crm.extend (its "
                                   "deprecated place)")
        return None
    warnings.warn(DeprecatedSettingWarning(f"{path.name}, " + located(
        lines, ("crm", "extend"), "deprecated; write these settings as a top-level 'crm_extend:' section (same "
                                  "keys; there the seed defaults to the study's seed)")), stacklevel=3)
    value = crm["extend"]
    if value is None or value is False:
        return False
    if value is True or value == []:
        value = {}
    if isinstance(value, Mapping) and "seed" not in value:
        value = {**value, "seed": DEFAULT_SEED}
    return value


def _section(stage: Any, raw: Any, study: Mapping[str, Any], base: Path, problem: Any, *, given: bool = True,
             where: tuple[Any, ...] | None = None) -> dict[str, Any]:
    """A declared stage's section: its project keys checked by the options table's own conversion.

    ``given``: whether the project file has the section (a stage with ``opt_in`` runs only then); ``where``: the
    key path of the section in the file, for the problems' line numbers (default: the section name)."""
    from .stages import OptionError

    section = stage.section
    where = where or (section,)
    raw = {"enabled": False} if raw is False else ({} if raw is True or raw is None else raw)
    if not isinstance(raw, Mapping):
        problem(where, "must be a mapping of settings (or false to skip the stage)")
        raw = {}
    options = {o.name: o for o in stage.project_options}
    merged: dict[str, Any] = {o.name: (list(o.default) if isinstance(o.default, list) else o.default)
                              for o in options.values()}
    for o in options.values():
        if o.study is not None and study.get(o.study) is not None:
            merged[o.name] = study[o.study]
    merged["enabled"] = given or not stage.opt_in
    for key, value in raw.items():
        if key == "enabled":
            if not isinstance(value, bool):
                problem((*where, key), "must be true or false")
            merged[key] = bool(value)
            continue
        opt = options.get(key)
        if opt is None:
            problem((*where, key), f"unknown setting; expected one of {', '.join([*options, 'enabled'])}")
            continue
        if opt.type == "path" and isinstance(value, str) and value.strip():
            fp = Path(value)
            fp = fp if fp.is_absolute() else base / fp
            if not opt.output and not fp.exists():
                problem((*where, key), f"file {value!r} not found (looked for {fp})")
                merged[key] = fp
                continue
            value = str(fp)
        try:
            merged[key] = opt.convert(value)
        except OptionError as exc:
            problem((*where, key), exc.message)
            continue
        if opt.check is not None and merged[key] is not None:
            from .exceptions import SurveyToolsError

            try:  # the file's own problems, found before any stage runs
                opt.check(merged[key])
            except SurveyToolsError as exc:
                problem((*where, key), exc.message + "".join(f"; {x}" for x in getattr(exc, "problems", ())))
    return merged
