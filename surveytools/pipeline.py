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

import numpy as np
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
        reports = [o for s in self.stages for o in s.outputs if o.endswith(("report.xlsx", "report.html"))]
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


def _write_csv(path: Path, frame: pd.DataFrame, inputs: list[Path], index_label: str | None = None) -> Path:
    from .io.atomic import atomic_write
    from .io.csv_safe import write_csv

    with atomic_write(path, inputs) as tmp:
        write_csv(frame, tmp, index=index_label is not None, index_label=index_label, float_format="%.10g")
    return path


def _names(spec: Any) -> dict[int, str] | None:
    """Segment names from the project file: a list (segment 1 first) or a mapping segment number -> name."""
    if spec is None:
        return None
    if isinstance(spec, list):
        return {i + 1: str(n) for i, n in enumerate(spec)}
    try:
        return {int(key): str(v) for key, v in spec.items()}
    except ValueError:
        raise PipelineError("segment.names: keys are segment numbers (1, 2, ...); or give a list of names") from None


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
        "seed": project.stage("segment").get("seed"),
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
                 "voc.json", "report.xlsx", "report.html", "manifest.json"}


class _Run:
    """State of one run: the survey as it flows, results, and the stage records."""

    def __init__(self, project: Project, out: Path, inputs: list[Path], progress: ProgressCallback | None) -> None:
        self.p = project
        self.out = out
        self.inputs = inputs
        self.progress = progress
        self.records: list[StageRecord] = []
        self.results: dict[str, Any] = {}
        self.survey: Any = None
        self.segments: pd.Series | None = None
        self.factor_scores: pd.DataFrame | None = None
        self.scale_scores: pd.DataFrame | None = None
        self.joined: Path | None = None
        self.segment_names: dict[int, str] | None = None

    # -------------------------------------------------------------- driver
    def all(self) -> None:
        stages: list[tuple[str, Callable[[StageRecord], None]]] = [
            ("import", self.import_), ("quality", self.quality), ("reliability", self.reliability),
            ("factor", self.factor), ("segment", self.segment), ("typing_tool", self.typing_tool),
            ("profile", self.profile), ("crm", self.crm), ("voc", self.voc), ("report", self.report),
        ]
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

    def quality(self, rec: StageRecord) -> None:
        from .quality import apply_exclusions, check_quality

        s = self.p.stage("quality")
        report = check_quality(self.survey)
        kept, excl = apply_exclusions(self.survey, report, s.get("exclude") or None)
        rec.rows_in, rec.rows_out = self.survey.n, kept.n
        if excl.rows_excluded:
            rec.excluded["quality flags"] = int(excl.rows_excluded)
            rec.note = "excluded for " + ", ".join(f"{c} ({n:,})" for c, n in excl.by_reason.items() if n)
        self.results["quality"] = report
        self._json(rec, "quality.json", {**report.to_dict(), "exclusions": excl.to_dict()})
        rec.outputs.append(str(_write_csv(self._path("quality_flags.csv"), report.to_frame(), self.inputs,
                                          index_label=self.survey.id_name)))
        self.survey = kept
        from .io import write_survey

        rec.outputs.append(str(write_survey(kept, self._path("clean.csv"), inputs=self.inputs)))

    def reliability(self, rec: StageRecord) -> None:
        from .reliability import reliability
        from .scoring import score_scales

        q = self.survey.questionnaire
        if not q.scales:
            rec.status = "skipped"
            rec.note = "the questionnaire defines no scales"
            return
        s = self.p.stage("reliability")
        res = reliability(self.survey, s.get("scales"), missing=s.get("missing", "pairwise"),
                          omega_factors=s.get("omega_factors"), seed=self.p.stage("segment").get("seed"))
        self.results["reliability"] = res
        self._json(rec, "reliability.json", res)
        scores = score_scales(self.survey, s.get("scales"))
        self.scale_scores = scores.scores
        rec.rows_in = self.survey.n
        rec.rows_out = int(scores.scores.notna().all(axis=1).sum())
        rec.outputs.append(str(_write_csv(self._path("scale_scores.csv"), scores.scores, self.inputs,
                                          index_label=self.survey.id_name)))

    def factor(self, rec: StageRecord) -> None:
        from .factor.model import FactorModel

        s = self.p.stage("factor")
        names = s.get("names")
        if isinstance(names, Mapping):
            names = [names[k] for k in sorted(names, key=lambda x: int(str(x).lstrip("Ff")))]
        model = FactorModel(n_factors=s.get("n_factors", "auto"), method=s.get("method", "minres"),
                            rotation=s.get("rotation", "oblimin"), cor=s.get("cor", "pearson"),
                            kaiser=s.get("kaiser"), seed=self.p.stage("segment").get("seed"), factor_names=names)
        model.fit(self.survey, items=s.get("items"), progress=self.progress)
        self.factor_scores = model.transform(self.survey)
        self.results["factor"] = model.result_
        self._json(rec, "factor.json", model.result_)
        rec.outputs.append(str(model.save(self._path("factor_model.json"), inputs=self.inputs)))
        rec.outputs.append(str(_write_csv(self._path("factor_scores.csv"), self.factor_scores, self.inputs,
                                          index_label=self.survey.id_name)))
        rec.rows_in, rec.rows_out = self.survey.n, int(self.factor_scores.notna().all(axis=1).sum())

    def segment(self, rec: StageRecord) -> None:
        from .assignments import write_assignments
        from .segment import Segmenter

        s = self.p.stage("segment")
        basis = s.get("basis", "factors")
        if basis == "factors" and self.factor_scores is None:
            basis = "scales"
        k = s.get("k", "auto")
        if isinstance(k, str) and "-" in k:
            lo, hi = (int(v) for v in k.split("-", 1))
            k = (lo, hi)
        seg = Segmenter(k=k, method=s.get("method", "kmeans"), basis=basis, seed=s.get("seed"),
                        bootstrap=s.get("bootstrap", 20), min_size=s.get("min_size", 0.05))
        seg.fit(self.survey, factor_scores=self.factor_scores, progress=self.progress)
        res = seg.result_
        self.results["segment"] = res
        self._json(rec, "segment.json", res)
        assignments = res.assignments.copy()
        self.segment_names = _names(s.get("names"))
        if self.segment_names:
            assignments["segment_name"] = assignments["segment"].map(self.segment_names)
        rec.outputs.append(str(write_assignments(assignments, self._path("segments.csv"), inputs=tuple(map(str, self.inputs)))))
        rec.outputs.append(str(seg.save(self._path("segment_model.json"), inputs=self.inputs)))
        self.segments = assignments["segment"]
        rec.rows_in, rec.rows_out = self.survey.n, len(assignments)
        if self.survey.n != len(assignments):
            rec.excluded["no segment (missing basis)"] = self.survey.n - len(assignments)

    def typing_tool(self, rec: StageRecord) -> None:
        from .typing_tool import TypingTool

        s = self.p.stage("typing_tool")
        from .assignments import align_assignments, read_assignments

        kept, seg, _ = align_assignments(self.survey, read_assignments(self._path("segments.csv")))
        tool = TypingTool(items=s.get("items"), max_items=s.get("max_items", 12),
                          seed=self.p.stage("segment").get("seed"))
        tool.fit(kept, seg)
        res = tool.result_
        self.results["typing_tool"] = res
        self._json(rec, "typing_tool.json", res)
        rec.outputs.append(str(tool.save(self._path("typing_tool_model.json"), inputs=self.inputs)))
        from .typing.exports import write_calculator

        rec.outputs.append(str(write_calculator(tool, self._path("typing_tool.xlsx"), inputs=self.inputs)))
        sql = self._path("typing_tool.sql")
        with _atomic(sql, self.inputs) as tmp:
            tmp.write_text(tool.to_sql("respondents") + "\n", encoding="utf-8")
        rec.outputs.append(str(sql))
        rec.rows_in, rec.rows_out = kept.n, kept.n

    def profile(self, rec: StageRecord) -> None:
        from .profile import profile_segments

        s = self.p.stage("report")
        res = profile_segments(self.survey, self.segments, basis=self.factor_scores,
                               scale_scores=self.scale_scores if self.scale_scores is not None else None,
                               fdr=bool(s.get("fdr")), names=self.segment_names, lang=self.p.language)
        self.results["profile"] = res
        self._json(rec, "profile.json", res)
        rec.rows_in = self.survey.n
        rec.rows_out = int(self.segments.notna().sum())

    def crm(self, rec: StageRecord) -> None:
        from .crm import hmac_key_from_env, join_crm

        s = self.p.stage("crm")
        table = self._survey_table()
        key = hmac_key_from_env() if s.get("pseudonymize") else None
        out = self._path("customers_segmented.parquet")
        res = join_crm(table, s["file"], out, on=s.get("on"), kind=s.get("key_type"),
                       gmail_dots=bool(s.get("gmail_dots")), default_country=s.get("default_country"),
                       order_by=s.get("order_by"), pseudonymize_key=key)
        self.results["crm"] = res
        self.joined = out
        self._json(rec, "crm.json", res)
        rec.outputs.append(str(out))
        rec.rows_in, rec.rows_out = res.crm_rows_in, res.rows_out

    def _survey_table(self) -> pd.DataFrame:
        from .io import clean_frame

        frame = clean_frame(self.survey)
        seg = pd.DataFrame({"segment": self.segments})
        if self.segment_names:
            seg["segment_name"] = seg["segment"].map(self.segment_names)
        seg.index = seg.index.astype(str)
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
        seg = self.segments.dropna().astype(int)
        kept = self.survey.subset(np.asarray(self.survey.ids.isin(seg.index)))
        res = voc_by_segment(kept, seg, nps_item=s.get("nps"), csat_item=s.get("csat"),
                             csat_definition=s.get("csat_definition", "top2"), drivers=drivers,
                             driver_outcome=s.get("drivers_outcome"), text_item=s.get("text"), crm=crm,
                             as_of=s.get("as_of"), names=self.segment_names)
        self.results["voc"] = res
        self._json(rec, "voc.json", res)
        rec.rows_in, rec.rows_out = self.survey.n, kept.n

    def report(self, rec: StageRecord) -> None:
        from .report.html import write_html_report
        from .report.xlsx import write_xlsx_report

        s = self.p.stage("report")
        formats = s.get("formats", ["xlsx", "html"])
        if "xlsx" in formats:
            rec.outputs.append(str(write_xlsx_report(self.results, self._path("report.xlsx"), lang=self.p.language,
                                                     inputs=self.inputs, title=self.p.title)))
        if "html" in formats:
            rec.outputs.append(str(write_html_report(self.results, self._path("report.html"), lang=self.p.language,
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
