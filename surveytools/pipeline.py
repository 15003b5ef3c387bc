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
    customers_segmented.parquet the customer list with segments (when a CRM file is given)
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

import pandas as pd

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

    def summary(self) -> str:
        """Text for the terminal: one line per stage, then where the reports are."""
        lines = []
        for s in self.stages:
            rows = ""
            if s.rows_in is not None and s.rows_out is not None:
                rows = f"{s.rows_in:,} -> {s.rows_out:,} rows"
                if s.excluded:
                    rows += " (" + ", ".join(f"{k}: {v:,}" for k, v in s.excluded.items()) + " excluded)"
            lines.append(f"  {s.name:<12} {s.status:<8} {s.seconds:6.1f} s  {rows}{'  ' + s.note if s.note else ''}")
        reports = [o for s in self.stages for o in s.outputs
                   if o.endswith(("report.xlsx", "report.html", "report.pptx"))]
        lines.append(f"Outputs in {self.output}")
        for r in reports:
            lines.append(f"  report: {r}")
        lines.append(f"  manifest: {self.manifest}")
        return "\n".join(lines)


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


def _run_order() -> list[str]:
    """Stage names in run order: the declared stages (STAGE_MODULES) among the ones not declared yet."""
    from .stages import STAGE_MODULES, get_stage

    declared = [m for m in STAGE_MODULES if get_stage(m).section]
    order = list(_LEGACY_ORDER)
    previous = "import"
    for name in declared:  # a new stage runs right after the declared stage before it in STAGE_MODULES
        if name not in order:
            order.insert(order.index(previous) + 1, name)
        previous = name
    return order


#: the stages run by methods of _Run (to be declared in surveytools.stages)
_LEGACY_ORDER = ("import", "quality", "reliability", "factor", "segment", "typing_tool", "profile", "crm", "kpis",
                 "voc", "report")


def _relative(obj: Any, folder: Path) -> Any:
    """``obj`` with the paths of files inside ``folder`` as their names there (stage JSON files do not depend on
    where the output folder is)."""
    if isinstance(obj, Mapping):
        return {k: _relative(v, folder) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_relative(v, folder) for v in obj]
    if isinstance(obj, Path):
        try:
            return str(obj.resolve().relative_to(folder.resolve()))
        except ValueError:
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
                 "voc.json", "codeframe_draft.yaml", "report.xlsx", "report.html", "report.pptx", "manifest.json"}


class _Run:
    """State of one run: the survey as it flows, results, and the stage records."""

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
        self.joined: Path | None = None

    @property
    def survey(self) -> Any:
        return self.state.survey

    @survey.setter
    def survey(self, value: Any) -> None:
        self.state.survey = value

    @property
    def factor_scores(self) -> pd.DataFrame | None:
        return self.state.factor_scores

    @factor_scores.setter
    def factor_scores(self, value: pd.DataFrame | None) -> None:
        self.state.factor_scores = value

    @property
    def scale_scores(self) -> pd.DataFrame | None:
        return self.state.scale_scores

    @property
    def segment_names(self) -> dict[int, str] | None:
        seg = self.state.segments
        return dict(seg.names) or None if seg is not None else None

    # -------------------------------------------------------------- driver
    def all(self) -> None:
        from .stages import get_stage

        legacy: dict[str, Callable[[StageRecord], None]] = {
            "import": self.import_, "factor": self.factor, "typing_tool": self.typing_tool,
            "profile": self.profile, "crm": self.crm, "voc": self.voc, "report": self.report}
        stages: list[tuple[str, Callable[[StageRecord], None]]] = []
        for name in _run_order():
            if name in legacy:
                stages.append((name, legacy[name]))
            else:
                stage = get_stage(name)
                stages.append((name, lambda rec, stage=stage: self.stage(stage, rec)))
        total = len(stages)
        for i, (name, fn) in enumerate(stages):
            rec = StageRecord(name)
            self.records.append(rec)
            if name not in ("import",) and not self.p.enabled(name):
                rec.status = "skipped"
                rec.note = "switched off in the project file" if name != "crm" else "no CRM file in the project"
                continue
            if self.progress:
                self.progress(f"Stage {i + 1}/{total}: {name}", i, total)
            t0 = time.perf_counter()
            try:
                fn(rec)
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
                values[opt.name] = self._path(opt.output)
        options = Options(values)
        if stage.skip is not None:
            reason = stage.skip(self.state, options)
            if reason:
                rec.status, rec.note = "skipped", reason
                return
        result = stage.run(self.state, options)
        self.state.update(result.provides)
        self.results[stage.name] = result.value
        if stage.json_file:
            self._json(rec, stage.json_file, _relative(result.to_dict(), self.out))
        rec.outputs.extend(str(p) for p in result.outputs.values())
        rec.rows_in, rec.rows_out = result.rows_in, result.rows_out
        rec.excluded.update(result.excluded)
        rec.note = result.note or rec.note
        if result.status != "done":
            rec.status = result.status

    def _path(self, name: str) -> Path:
        return self.out / name

    def _json(self, rec: StageRecord, name: str, obj: Any) -> None:
        rec.outputs.append(str(_write_json(self._path(name), obj, self.inputs)))

    # -------------------------------------------------------------- stages
    def import_(self, rec: StageRecord) -> None:
        from .io import import_survey
        from .questionnaire import load_questionnaire

        q = load_questionnaire(self.p.questionnaire)
        s = self.p.stage("data")
        results = [import_survey(e, q, sheet=s.get("sheet"), unknown_labels=s.get("unknown_labels", "error"))
                   for e in self.p.exports]
        survey = results[0].survey if len(results) == 1 else _stack([r.survey for r in results])
        self.survey = survey
        rows_in = sum(int(r.report.rows_in) for r in results)
        rec.rows_in, rec.rows_out = rows_in, survey.n
        if rows_in != survey.n:
            rec.excluded["not imported"] = rows_in - survey.n
        self.results["import"] = results[0] if len(results) == 1 else {
            "waves": [r.to_dict() for r in results], "rows_in": rows_in, "rows_out": survey.n}
        self._json(rec, "import.json", self.results["import"])

    def factor(self, rec: StageRecord) -> None:
        from .factor.model import FactorModel

        s = self.p.stage("factor")
        names = s.get("names")
        if isinstance(names, Mapping):
            names = [names[k] for k in sorted(names, key=lambda x: int(str(x).lstrip("Ff")))]
        model = FactorModel(n_factors=s.get("n_factors", "auto"), method=s.get("method", "minres"),
                            rotation=s.get("rotation", "oblimin"), cor=s.get("cor", "pearson"),
                            kaiser=s.get("kaiser"), seed=self.p.seed, factor_names=names)
        model.fit(self.survey, items=s.get("items"), progress=self.progress)
        self.factor_scores = model.transform(self.survey)
        self.results["factor"] = model.result_
        self._json(rec, "factor.json", model.result_)
        rec.outputs.append(str(model.save(self._path("factor_model.json"), inputs=self.inputs)))
        from .io.tables import write_table

        rec.outputs.append(str(write_table(self.factor_scores.rename_axis(self.survey.id_name).reset_index(),
                                           self._path("factor_scores.csv"), inputs=self.inputs,
                                           sheet="factor scores", what="factor scores")))
        rec.rows_in, rec.rows_out = self.survey.n, int(self.factor_scores.notna().all(axis=1).sum())

    def typing_tool(self, rec: StageRecord) -> None:
        from .typing_tool import TypingTool

        s = self.p.stage("typing_tool")
        kept, seg, _ = self.state.segments.align(self.survey)
        tool = TypingTool(items=s.get("items"), max_items=s.get("max_items", 12), seed=self.p.seed)
        tool.fit(kept, seg)
        res = tool.result_
        self.results["typing_tool"] = res
        self._json(rec, "typing_tool.json", res)
        rec.outputs.append(str(tool.save(self._path("typing_tool_model.json"), inputs=self.inputs)))
        from .typing_tool.exports import write_calculator

        rec.outputs.append(str(write_calculator(tool, self._path("typing_tool.xlsx"), inputs=self.inputs,
                                                lang=self.p.language)))
        sql = self._path("typing_tool.sql")
        with _atomic(sql, self.inputs) as tmp:
            tmp.write_text(tool.to_sql("respondents") + "\n", encoding="utf-8")
        rec.outputs.append(str(sql))
        rec.rows_in, rec.rows_out = kept.n, kept.n

    def profile(self, rec: StageRecord) -> None:
        from .profile import profile_segments

        s = self.p.stage("report")
        res = profile_segments(self.survey, self.state.segments, basis=self.factor_scores,
                               scale_scores=self.scale_scores if self.scale_scores is not None else None,
                               fdr=bool(s.get("fdr")), names=self.segment_names, lang=self.p.language)
        self.results["profile"] = res
        self._json(rec, "profile.json", res)
        rec.rows_in = self.survey.n
        rec.rows_out = len(self.state.segments.align(self.survey)[1])

    def crm(self, rec: StageRecord) -> None:
        from .crm import hmac_key_from_env, join_crm

        s = self.p.stage("crm")
        table = self._survey_table()
        key = hmac_key_from_env() if s.get("pseudonymize") else None
        ext = s.get("extend")
        # with crm.extend the join is an intermediate (respondents only carry segments) and the extended list,
        # with a segment or an explicit none for every customer, is customers_segmented.parquet
        out = self._path("customers_joined.parquet" if ext else "customers_segmented.parquet")
        res = join_crm(table, s["file"], out, on=s.get("on"), kind=s.get("key_type"),
                       gmail_dots=bool(s.get("gmail_dots")), default_country=s.get("default_country"),
                       order_by=s.get("order_by"), pseudonymize_key=key)
        self.results["crm"] = res
        self.joined = out
        self._json(rec, "crm.json", res)
        rec.outputs.append(str(out))
        rec.rows_in, rec.rows_out = res.crm_rows_in, res.rows_out
        if ext:
            from .crm_extend import extend_crm

            seg_out = self._path("customers_segmented.parquet")
            ext_res = extend_crm(out, seg_out, features=ext["features"], as_of=ext["as_of"],
                                 min_probability=float(ext["min_probability"]), model=ext["model"])
            self.results["crm_extend"] = ext_res
            self._json(rec, "crm_extend.json", ext_res)
            rec.outputs.append(str(seg_out))
            rec.rows_out = ext_res.customers

    def _survey_table(self) -> pd.DataFrame:
        from .io import clean_frame

        frame = clean_frame(self.survey)
        seg = self.state.segments.to_frame()[["segment"] + (["segment_name"] if self.segment_names else [])]
        frame[self.survey.id_name] = frame[self.survey.id_name].astype(str)
        frame = frame.merge(seg, left_on=self.survey.id_name, right_index=True, how="left")
        if self.survey.id_name != "respondent_id":
            frame = frame.rename(columns={self.survey.id_name: "respondent_id"})
        return frame

    def voc(self, rec: StageRecord) -> None:
        from .voc import voc_by_segment

        s = self.p.stage("voc")
        q = self.survey.questionnaire
        has_nps = bool(s.get("nps") or q.items_of_type("nps"))
        if not (has_nps or s.get("csat") or q.items_of_type("text") or self.joined is not None):
            rec.status = "skipped"
            rec.note = "no NPS, CSAT, comment item or CRM file"
            return
        drivers = None
        spec = s.get("drivers", "scales")
        if spec == "scales":
            drivers = self.scale_scores
        elif spec == "factors":
            drivers = self.factor_scores
        elif spec and spec != "none":
            drivers = self.survey.item_frame(spec, reverse=True)
        crm = pd.read_parquet(self.joined) if self.joined is not None else None
        kept, seg, _ = self.state.segments.align(self.survey)
        res = voc_by_segment(kept, seg, nps_item=s.get("nps"), csat_item=s.get("csat"),
                             csat_definition=s.get("csat_definition", "top2"), drivers=drivers,
                             driver_outcome=s.get("drivers_outcome"), text_item=s.get("text"), crm=crm,
                             as_of=s.get("as_of"), names=self.segment_names, codeframe=s.get("codeframe"),
                             discover_themes=s.get("discover_themes"), text_language=s.get("text_language"))
        self.results["voc"] = res
        self._json(rec, "voc.json", res)
        if res.codeframe is not None:  # discovered themes: the draft code frame to edit and reuse
            from .io.atomic import atomic_write
            from .text.codeframe import DRAFT_HEADER

            path = self._path("codeframe_draft.yaml")
            with atomic_write(path, self.inputs) as tmp:
                tmp.write_text(res.codeframe.to_yaml(DRAFT_HEADER), encoding="utf-8")
            rec.outputs.append(str(path))
        rec.rows_in, rec.rows_out = self.survey.n, kept.n

    def report(self, rec: StageRecord) -> None:
        from .report import write_report

        s = self.p.stage("report")
        for fmt in s.get("formats", ["xlsx", "html", "pptx"]):
            rec.outputs.append(str(write_report(self.results, self._path(f"report.{fmt}"), lang=self.p.language,
                                                inputs=self.inputs, title=self.p.title)))


def _atomic(path: Path, inputs: list[Path]) -> Any:
    from .io.atomic import atomic_write

    return atomic_write(path, inputs)


def _stack(surveys: list[Any]) -> Any:
    """Stack survey waves (same questionnaire) into one survey; ids must stay unique."""
    from dataclasses import replace

    first = surveys[0]
    responses = pd.concat([s.responses for s in surveys])
    weights = None if any(s.weights is None for s in surveys) else pd.concat([s.weights for s in surveys])
    meta = None if any(s.metadata is None for s in surveys) else pd.concat([s.metadata for s in surveys])
    return replace(first, responses=responses, weights=weights, metadata=meta)
