"""The whole study from a project file: every stage in order, outputs in one folder, and a manifest.

:func:`run_project` runs import, quality, reliability, factor analysis, segmentation, the typing tool,
profiles, the CRM join, voice of the customer and the reports. Each stage writes its outputs (atomically)
as soon as it finishes; a stage that fails stops the run with a clear message and leaves the finished
stages' outputs in place, and ``manifest.json`` records what ran.

Outputs (in the output folder)::

    clean.csv                   coded responses (after exclusions: see quality.json)
    import.json quality.json reliability.json factor.json segment.json typing_tool.json profile.json
    crm.json voc.json           one JSON result per stage (as the commands' --json)
    quality_flags.csv           flags per respondent
    scale_scores.csv            scale scores per respondent
    factor_scores.csv           factor scores per respondent;   factor_model.json   (scores new respondents)
    segments.csv                respondent_id, segment (1..k), probability, segment_name
    segment_model.json          the segmentation model
    typing_tool_model.json      golden questions + classification functions;  typing_tool.xlsx  typing_tool.sql
    customers_segmented.parquet the customer list with segments (when a CRM file is given; with crm_extend, every
                                customer with a segment from a model on CRM fields, and the join itself is
                                customers_joined.parquet;  crm_extend.json)
    kpis.json customers_kpis.parquet  KPIs per segment and per customer (when transactions and a KPI map are given)
    report.xlsx report.html     the reports
    manifest.json               versions, seed, SHA-256 of every input and output, timings, rows per stage
"""

from __future__ import annotations

import hashlib
import json
import platform
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone
from importlib import metadata
from pathlib import Path
from typing import Any

from .exceptions import SurveyToolsError
from .project import Project

__all__ = ["StageRecord", "RunResult", "run_project", "PipelineError"]

ProgressCallback = Callable[[str, int, int], None]


class PipelineError(SurveyToolsError, RuntimeError):
    """A stage of ``surveytools run`` failed; the finished stages' outputs are kept."""


@dataclass
class StageRecord:
    """What one stage did."""

    name: str
    status: str = "pending"
    seconds: float = 0.0
    rows_in: int | None = None
    rows_out: int | None = None
    excluded: dict[str, int] = field(default_factory=dict)
    outputs: list[str] = field(default_factory=list)
    note: str | None = None

    def to_dict(self) -> dict[str, Any]:
        d = {"stage": self.name, "status": self.status, "seconds": round(self.seconds, 3)}
        if self.rows_in is not None:
            d["rows_in"] = self.rows_in
        if self.rows_out is not None:
            d["rows_out"] = self.rows_out
        if self.excluded:
            d["excluded"] = dict(self.excluded)
        d["outputs"] = list(self.outputs)
        if self.note:
            d["note"] = self.note
        return d


@dataclass(frozen=True)
class RunResult:
    """The outcome of :func:`run_project`."""

    output: Path
    stages: tuple[StageRecord, ...]
    manifest: Path
    results: Mapping[str, Any] = field(default_factory=dict, repr=False)

    @property
    def outputs(self) -> dict[str, str]:
        """Output name -> path."""
        out: dict[str, str] = {}
        for s in self.stages:
            for o in s.outputs:
                out[Path(o).name] = o
        out["manifest.json"] = str(self.manifest)
        return out

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: ``outputs`` (name -> path), ``stages``, ``manifest``."""
        return {"output": str(self.output), "outputs": self.outputs,
                "stages": [s.to_dict() for s in self.stages], "manifest": str(self.manifest)}

    def summary(self, lang: str = "en") -> str:
        """Text for the terminal: one line per stage, then where the outputs and reports are (a Summary document
        rendered by the one text renderer)."""
        from .summary.sections import summary_text

        return summary_text("run", self, lang=lang)


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _versions() -> dict[str, str]:
    out = {"python": platform.python_version()}
    for pkg in ("surveytools", "numpy", "scipy", "pandas", "scikit-learn", "openpyxl", "duckdb", "python-calamine",
                "pyarrow", "matplotlib", "click", "PyYAML"):
        try:
            out[pkg] = metadata.version(pkg)
        except metadata.PackageNotFoundError:
            continue
    return out


def _json_default(obj: Any) -> Any:
    from ._json import to_jsonable

    return to_jsonable(obj)


def _write_json(path: Path, obj: Any, inputs: list[Path]) -> Path:
    from ._json import to_jsonable
    from .io.atomic import atomic_write

    payload = to_jsonable(obj.to_dict() if hasattr(obj, "to_dict") else obj)
    with atomic_write(path, inputs) as tmp:
        tmp.write_text(json.dumps(payload, ensure_ascii=False, indent=1, allow_nan=False, sort_keys=False) + "\n",
                       encoding="utf-8")
    return path


def _relative(obj: Any, folder: Path) -> Any:
    """``obj`` with the paths of files inside ``folder`` as their names there (stage JSON files do not depend on
    where the output folder is)."""
    if isinstance(obj, Mapping):
        return {k: _relative(v, folder) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_relative(v, folder) for v in obj]
    if isinstance(obj, str) and Path(obj).is_absolute():
        obj = Path(obj)
    if isinstance(obj, Path):
        try:
            return str(obj.resolve().relative_to(folder.resolve()))
        except (ValueError, OSError):
            return str(obj)
    return obj


def run_project(project: Project, output: str | Path | None = None, *, progress: ProgressCallback | None = None
                ) -> RunResult:
    """Run every stage of a project.

    Parameters
    ----------
    project
        A loaded project (:func:`surveytools.project.load_project`).
    output
        Output folder (default: the project's ``output``); created when missing.
    progress
        ``progress(label, done, total)`` callback.

    Returns
    -------
    RunResult

    Raises
    ------
    PipelineError
        A stage failed; the message names it and the cause, the finished stages' outputs stay.
    """
    from .io.atomic import atomic_write

    out = Path(output) if output is not None else project.output
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        from .exceptions import OutputError

        raise OutputError(f"cannot create output folder {out}: {exc.strerror or exc}; choose a folder you can "
                          "write to (-o), or change its permissions") from None
    inputs = [Path(p) for p in project.inputs()]
    for p in inputs:
        if p.resolve().parent == out.resolve() and p.name in _OUTPUT_NAMES:
            raise PipelineError(f"output folder {out} holds input {p.name}; choose another output folder")
    run = _Run(project, out, inputs, progress)
    started = datetime.now(timezone.utc)
    error: BaseException | None = None
    internal: BaseException | None = None
    try:
        run.all()
    except SurveyToolsError as exc:
        error = exc
    except Exception as exc:  # a bug: record it in the manifest, then let it surface with its traceback
        error = internal = exc
    manifest = {
        "surveytools_manifest": 1,
        "project": str(project.path),
        "title": project.title,
        "started": started.replace(microsecond=0).isoformat(),
        "status": "failed" if error else "done",
        "versions": _versions(),
        "platform": platform.platform(),
        "seed": project.seed,
        "settings": {k: {kk: (str(vv) if isinstance(vv, Path) else vv) for kk, vv in v.items()}
                     for k, v in project.settings.items()},
        "inputs": {str(p): {"sha256": _sha256(p), "bytes": p.stat().st_size} for p in inputs if p.exists()},
        "stages": [s.to_dict() for s in run.records],
        "outputs": {Path(o).name: {"sha256": _sha256(Path(o)), "bytes": Path(o).stat().st_size}
                    for s in run.records for o in s.outputs if Path(o).exists()},
    }
    if error is not None:
        manifest["error"] = str(error)
    mpath = out / "manifest.json"
    with atomic_write(mpath, inputs) as tmp:
        tmp.write_text(json.dumps(manifest, indent=1, ensure_ascii=False, default=_json_default) + "\n",
                       encoding="utf-8")
    if internal is not None:
        raise internal
    if error is not None:
        failed = next((s.name for s in run.records if s.status == "failed"), "a stage")
        raise PipelineError(f"stage '{failed}' failed: {error}", [
            f"outputs of the finished stages are in {out} (see manifest.json)"]) from None
    return RunResult(output=out, stages=tuple(run.records), manifest=mpath, results=run.results)


_OUTPUT_NAMES = {"clean.csv", "import.json", "quality.json", "quality_flags.csv", "reliability.json",
                 "scale_scores.csv", "factor.json", "factor_scores.csv", "factor_model.json", "segment.json",
                 "segments.csv", "segment_model.json", "typing_tool.json", "typing_tool_model.json",
                 "typing_tool.xlsx", "typing_tool.sql", "profile.json", "crm.json", "customers_segmented.parquet",
                 "customers_joined.parquet", "crm_extend.json",
                 "kpis.json", "customers_kpis.parquet", "customers_kpis_accounts.parquet",
                 "voc.json", "codeframe_draft.yaml", "report.xlsx", "report.html", "report.pptx", "manifest.json",
                 "weight.json", "weighted.csv", "tables.json", "tables.xlsx"}


class _Run:
    """State of one run: what flows between the stages (in memory), their results, and the stage records."""

    def __init__(self, project: Project, out: Path, inputs: list[Path], progress: ProgressCallback | None) -> None:
        from .stages import Inputs

        self.p = project
        self.out = out
        self.inputs = inputs
        self.progress = progress
        self.records: list[StageRecord] = []
        self.results: dict[str, Any] = {}
        #: what flows between the stages, in memory (never written and read back)
        self.state = Inputs(files=tuple(inputs), progress=progress, language=project.language, title=project.title,
                            questionnaire=project.questionnaire, project=True, results=self.results)

    def all(self) -> None:
        """Every declared stage in order: switched off, skipped (no input for it), or run."""
        from .stages import all_stages

        stages = [st for st in all_stages() if st.section]
        total = len(stages)
        self.state.plan = tuple(st.name for st in stages if st.name == "import" or self.p.enabled(st.section))
        for i, stage in enumerate(stages):
            rec = StageRecord(stage.name)
            self.records.append(rec)
            if stage.name not in self.state.plan:
                rec.status = "skipped"
                rec.note = ("no CRM file in the project" if stage.name == "crm" else
                            f"no '{stage.section}:' section in the project file" if stage.opt_in else
                            "switched off in the project file")
                continue
            if self.progress:
                self.progress(f"Stage {i + 1}/{total}: {stage.name}", i, total)
            t0 = time.perf_counter()
            try:
                self.stage(stage, rec)
            except Exception:
                rec.status = "failed"
                rec.seconds = time.perf_counter() - t0
                raise
            rec.seconds = time.perf_counter() - t0
            if rec.status == "pending":
                rec.status = "done"
        if self.progress:
            self.progress("Study complete", total, total)

    def stage(self, stage: Any, rec: StageRecord) -> None:
        """Run a declared stage: its project settings + output files in the output folder -> ``stage.run``."""
        from .stages import Options

        settings = {k: v for k, v in self.p.stage(stage.section).items() if k != "enabled"}
        values = stage.defaults()
        values.update(settings)
        for opt in stage.options:
            if opt.output:
                values[opt.name] = self.out / opt.output
        options = Options(values)
        if stage.skip is not None:
            reason = stage.skip(self.state, options)
            if reason:
                rec.status, rec.note = "skipped", reason
                return
        result = stage.execute(self.state, options)
        self.state.update(result.provides)
        if result.value is not None:
            self.results[stage.name] = result.value
        if stage.json_file:
            path = _write_json(self.out / stage.json_file, _relative(result.to_dict(), self.out), self.inputs)
            rec.outputs.append(str(path))
        rec.outputs.extend(str(p) for p in result.outputs.values())
        rec.rows_in, rec.rows_out = result.rows_in, result.rows_out
        rec.excluded.update(result.excluded)
        rec.note = result.note or rec.note
        if result.status != "done":
            rec.status = result.status
