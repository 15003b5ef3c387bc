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

__all__ = ["Project", "load_project", "STAGES"]

#: Stages in the order `surveytools run` runs them.
STAGES = ("import", "quality", "reliability", "factor", "segment", "typing_tool", "profile", "crm", "voc", "report")

#: sections of stages not (yet) declared in surveytools.stages: key -> default
_SECTIONS: dict[str, dict[str, Any]] = {
    "data": {"export": None, "exports": None, "sheet": None, "unknown_labels": "error"},
    "factor": {"items": None, "n_factors": "auto", "method": "minres", "rotation": "oblimin", "cor": "pearson",
               "names": None, "kaiser": None, "enabled": True},
    "typing_tool": {"max_items": 12, "items": None, "enabled": True},
    "crm": {"file": None, "on": None, "key_type": None, "gmail_dots": False, "default_country": None,
            "order_by": None, "pseudonymize": False, "extend": None, "enabled": True},
    "voc": {"nps": None, "csat": None, "csat_definition": "top2", "drivers": "scales", "drivers_outcome": None,
            "text": None, "as_of": None, "codeframe": None, "discover_themes": None, "text_language": None,
            "enabled": True},
    "report": {"language": None, "formats": ["xlsx", "html", "pptx"], "fdr": False, "enabled": True},
}


def _declared() -> dict[str, Any]:
    """Project section -> declared stage (the sections generated from options tables)."""
    from .stages import all_stages

    return {st.section: st for st in all_stages() if st.section}


def _top() -> set[str]:
    return {"title", "questionnaire", "output", "language", "seed", *_SECTIONS, *_declared()}

_CHOICES = {
    ("data", "unknown_labels"): ("error", "missing"),
    ("reliability", "missing"): ("pairwise", "listwise"),
    ("factor", "method"): ("minres", "ml", "pa"),
    ("factor", "cor"): ("pearson", "polychoric"),
    ("factor", "rotation"): ("none", "varimax", "quartimax", "equamax", "promax", "oblimin", "quartimin",
                             "geomin", "geomin_t", "geomin_q"),
    ("crm", "key_type"): (None, "email", "phone", "id", "sha256"),
    ("voc", "csat_definition"): ("top1", "top2", "top3", "mean"),
}


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
        out = [self.path, self.questionnaire, *self.exports]
        crm = self.stage("crm").get("file")
        if crm:
            out.append(Path(crm))
        for section, stage in _declared().items():  # input files named in declared stages' sections
            for o in stage.project_options:
                value = self.stage(section).get(o.name)
                if o.type == "path" and not o.output and value:
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
        line = None
        for n in range(len(keypath), -1, -1):
            line = lines.get(tuple(keypath[:n]))
            if line is not None:
                break
        problems.append(f"{'line ' + str(line) + ', ' if line else ''}{'.'.join(map(str, keypath))}: {msg}")

    def file_path(value: Any, keypath: tuple[Any, ...], must_exist: bool = True) -> Path | None:
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
    for section, defaults in _SECTIONS.items():
        raw = data.get(section)
        raw = {"enabled": False} if raw is False else (raw or {})
        if not isinstance(raw, Mapping):
            problem((section,), "must be a mapping of settings (or false to skip the stage)")
            raw = {}
        for key in raw:
            if key not in defaults:
                problem((section, key), f"unknown setting; expected one of {', '.join(defaults)}")
        merged = {k: raw.get(k, v) for k, v in defaults.items()}
        for (sec, key), allowed in _CHOICES.items():
            if sec == section and merged.get(key) not in allowed:
                problem((section, key), f"must be one of {', '.join(str(a) for a in allowed if a is not None)}, "
                        f"not {merged.get(key)!r}")
        settings[section] = merged
    seed = _study_seed(data, problem)
    for section, stage in _declared().items():
        settings[section] = _section(stage, data.get(section), seed, base, problem)
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
    fs = settings["factor"]
    if not (fs["n_factors"] == "auto" or (isinstance(fs["n_factors"], int) and fs["n_factors"] >= 1)):
        problem(("factor", "n_factors"), "must be auto or a whole number >= 1")
    if fs["names"] is not None and not isinstance(fs["names"], (list, Mapping)):
        problem(("factor", "names"), "must be a list of names or a mapping F1: name")
    tt = settings["typing_tool"]
    if not isinstance(tt["max_items"], int) or tt["max_items"] < 1:
        problem(("typing_tool", "max_items"), "must be a whole number >= 1")
    crm = settings["crm"]
    if crm["file"] is not None:
        fp = file_path(crm["file"], ("crm", "file"))
        crm["file"] = fp
    ext = crm.get("extend")
    if ext is not None:
        ext_defaults = {"features": "auto", "min_probability": 0.0, "as_of": None, "model": "auto"}
        if ext is True:
            ext = {}
        if not isinstance(ext, Mapping):
            problem(("crm", "extend"), "must be a mapping such as {features: auto, min_probability: 0.5}")
            ext = {}
        for key in ext:
            if key not in ext_defaults:
                problem(("crm", "extend", key), f"unknown setting; expected one of {', '.join(ext_defaults)}")
        ext = {k: ext.get(k, v) for k, v in ext_defaults.items()}
        mp = ext["min_probability"]
        if isinstance(mp, bool) or not isinstance(mp, (int, float)) or not 0 <= mp <= 1:
            problem(("crm", "extend", "min_probability"), "must be a number between 0 and 1")
        if not (isinstance(ext["features"], str) or (isinstance(ext["features"], list)
                                                      and all(isinstance(f, str) for f in ext["features"]))):
            problem(("crm", "extend", "features"), "must be auto or a list of CRM column names")
        if ext["model"] not in ("auto", "logistic", "boosting"):
            problem(("crm", "extend", "model"), "must be one of auto, logistic, boosting")
        if ext["as_of"] is not None:
            ext["as_of"] = str(ext["as_of"])
        crm["extend"] = ext
    vs = settings["voc"]
    if vs["codeframe"] is not None:
        fp = file_path(vs["codeframe"], ("voc", "codeframe"))
        vs["codeframe"] = fp
        if fp is not None and fp.is_file():  # the code frame's own problems, found before anything runs
            from .exceptions import SurveyToolsError
            from .text.codeframe import load_codeframe

            try:
                load_codeframe(fp)
            except SurveyToolsError as exc:
                problem(("voc", "codeframe"), exc.message + "".join(f"; {x}" for x in exc.problems))
    dt = vs["discover_themes"]
    if dt is not None and not (isinstance(dt, int) and not isinstance(dt, bool) and dt >= 1):
        problem(("voc", "discover_themes"), "must be a whole number of themes >= 1")
    if vs["codeframe"] is not None and dt is not None:
        problem(("voc", "discover_themes"), "give either codeframe or discover_themes, not both")
    if vs["text_language"] not in (None, "es", "en", "auto"):
        problem(("voc", "text_language"), "must be es, en or auto")
    rep = settings["report"]
    formats = rep["formats"] if isinstance(rep["formats"], list) else [rep["formats"]]
    for f in formats:
        if f not in ("xlsx", "html", "pptx"):
            problem(("report", "formats"), f"unknown format {f!r}; use xlsx, html and/or pptx")
    rep["formats"] = formats
    language = data.get("language") or rep.get("language") or "en"
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


def _section(stage: Any, raw: Any, seed: int, base: Path, problem: Any) -> dict[str, Any]:
    """A declared stage's section: its project keys checked by the options table's own conversion."""
    from .stages import OptionError

    section = stage.section
    raw = {"enabled": False} if raw is False else (raw or {})
    if not isinstance(raw, Mapping):
        problem((section,), "must be a mapping of settings (or false to skip the stage)")
        raw = {}
    options = {o.name: o for o in stage.project_options}
    merged: dict[str, Any] = {o.name: (list(o.default) if isinstance(o.default, list) else o.default)
                              for o in options.values()}
    if "seed" in options:
        merged["seed"] = seed
    merged["enabled"] = True
    for key, value in raw.items():
        if key == "enabled":
            if not isinstance(value, bool):
                problem((section, key), "must be true or false")
            merged[key] = bool(value)
            continue
        opt = options.get(key)
        if opt is None:
            problem((section, key), f"unknown setting; expected one of {', '.join([*options, 'enabled'])}")
            continue
        if opt.type == "path" and isinstance(value, str) and value.strip():
            fp = Path(value)
            value = str(fp if fp.is_absolute() else base / fp)
        try:
            merged[key] = opt.convert(value)
        except OptionError as exc:
            problem((section, key), exc.message)
    return merged
