"""The whole study: `surveytools demo`, `surveytools run`, determinism, a failing stage, the manifest."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pandas as pd
import pytest

from surveytools.datasets import write_retail_loyalty
from surveytools.pipeline import PipelineError, run_project
from surveytools.project import load_project

STAGE_JSON = ["import.json", "quality.json", "reliability.json", "factor.json", "segment.json", "typing_tool.json",
              "profile.json", "crm.json", "kpis.json", "voc.json"]


@pytest.fixture(scope="module")
def study(tmp_path_factory) -> dict[str, Path]:
    return write_retail_loyalty(tmp_path_factory.mktemp("study"))


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory):
    """`surveytools demo OUTDIR` through the CLI, as a new user runs it."""
    from click.testing import CliRunner

    from surveytools.cli import cli

    out = tmp_path_factory.mktemp("demo")
    result = CliRunner().invoke(cli, ["demo", str(out), "--quiet"], catch_exceptions=False)
    return out, result


def test_demo_writes_reports_and_manifest(demo_run):
    out, result = demo_run
    assert result.exit_code == 0, result.output
    o = out / "output"
    for name in STAGE_JSON + ["report.xlsx", "report.html", "manifest.json", "segments.csv", "clean.csv",
                              "typing_tool.xlsx", "typing_tool.sql", "customers_segmented.parquet",
                              "customers_kpis.parquet"]:
        assert (o / name).is_file(), name
    assert "report.html" in result.output and "report.xlsx" in result.output
    manifest = json.loads((o / "manifest.json").read_text())
    assert manifest["status"] == "done"
    assert manifest["seed"] == 20240531
    assert {"surveytools", "numpy", "pandas", "scipy"} <= set(manifest["versions"])
    assert all(len(v["sha256"]) == 64 for v in manifest["inputs"].values())
    assert len(manifest["inputs"]) >= 4  # project, questionnaire, export, CRM
    stages = {s["stage"]: s for s in manifest["stages"]}
    assert all(s["status"] == "done" for s in stages.values()), stages
    # nothing silently dropped: rows in = rows out + excluded, stage by stage
    for s in stages.values():
        if "rows_in" in s and s["stage"] != "crm":
            assert s["rows_in"] == s["rows_out"] + sum(s.get("excluded", {}).values()), s
    q = json.loads((o / "quality.json").read_text())
    assert stages["quality"]["rows_out"] == q["exclusions"]["rows_out"]
    seg = pd.read_csv(o / "segments.csv")
    assert len(seg) == stages["segment"]["rows_out"]
    assert seg["segment"].min() == 1
    # KPIs run after the CRM join, on its segmented customer list and the example's Spanish transactions
    k = json.loads((o / "kpis.json").read_text())
    assert set(k["segments"]) == {str(s) for s in sorted(seg["segment"].unique())}
    assert stages["kpis"]["rows_in"] == k["transactions"]["rows_in"] > 100_000
    assert k["overall"]["customers"] == json.loads((o / "crm.json").read_text())["crm_rows_in"]
    assert len(pd.read_parquet(o / "customers_kpis.parquet")) == k["overall"]["customers"]


def test_run_twice_gives_identical_results(demo_run, tmp_path):
    out, _ = demo_run
    project = load_project(out / "inputs" / "project.yaml")  # the inputs the demo wrote, run again
    result = run_project(project, tmp_path / "again")
    assert result.manifest.is_file()
    for name in ["segments.csv", "clean.csv", "scale_scores.csv", "factor_scores.csv", "typing_tool.sql",
                 "quality_flags.csv"]:
        assert (out / "output" / name).read_bytes() == (tmp_path / "again" / name).read_bytes(), name
    for name in STAGE_JSON:
        first = json.loads((out / "output" / name).read_text())
        second = json.loads((tmp_path / "again" / name).read_text())
        first.pop("output", None), second.pop("output", None)  # where it was written
        assert first == second, f"{name} differs between two runs"
    m1 = json.loads((out / "output" / "manifest.json").read_text())
    m2 = json.loads(result.manifest.read_text())
    assert m1["inputs"] == m2["inputs"]
    assert {k: v["sha256"] for k, v in m1["outputs"].items() if k.endswith((".csv", ".sql"))} == \
        {k: v["sha256"] for k, v in m2["outputs"].items() if k.endswith((".csv", ".sql"))}


def test_failing_stage_keeps_finished_outputs(study, tmp_path):
    folder = tmp_path / "study"
    shutil.copytree(study["project"].parent, folder)
    (folder / "customers.csv").write_text("")  # an empty CRM export
    project = load_project(folder / "project.yaml")
    with pytest.raises(PipelineError) as info:
        run_project(project, tmp_path / "out")
    assert "stage 'crm' failed" in str(info.value) and "is empty" in str(info.value)
    assert (tmp_path / "out" / "segments.csv").is_file()
    assert (tmp_path / "out" / "profile.json").is_file()
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text())
    assert manifest["status"] == "failed"
    stages = {s["stage"]: s["status"] for s in manifest["stages"]}
    assert stages["segment"] == "done" and stages["crm"] == "failed"
    assert "voc" not in stages


def test_run_command_reports_broken_project(tmp_path, invoke):
    bad = tmp_path / "p.yaml"
    bad.write_text("questionnaire: nope.yaml\nfactor: {method: uls}\nsegment: {k: 1}\n")
    res = invoke("run", bad)
    assert res.exit_code == 1
    err = res.stderr
    assert err.startswith("Error: ") and "3 problems" in err or "4 problems" in err
    assert "questionnaire" in err and "factor.method" in err and "segment.k" in err and "data" in err
    assert "Traceback" not in err


def test_segment_names_from_the_project(study, tmp_path):
    folder = tmp_path / "study"
    shutil.copytree(study["project"].parent, folder)
    text = (folder / "project.yaml").read_text()
    text = text.replace("  k: 2-8\n", "  k: 5\n  names: [Uno, Dos, Tres, Cuatro, Cinco]\n")
    (folder / "project.yaml").write_text(text)
    project = load_project(folder / "project.yaml")
    assert project.stage("segment")["names"] == ["Uno", "Dos", "Tres", "Cuatro", "Cinco"]
    run_project(project, tmp_path / "out")
    seg = pd.read_csv(tmp_path / "out" / "segments.csv")
    assert dict(zip(seg["segment"], seg["segment_name"], strict=True)) == {
        1: "Uno", 2: "Dos", 3: "Tres", 4: "Cuatro", 5: "Cinco"}
    prof = json.loads((tmp_path / "out" / "profile.json").read_text())
    assert "Uno" in json.dumps(prof["segments"])
    joined = pd.read_parquet(tmp_path / "out" / "customers_joined.parquet")
    assert set(joined["segment_name"].dropna()) <= {"Uno", "Dos", "Tres", "Cuatro", "Cinco"}
    # crm.extend: every customer once, with a segment from the survey or the model, or an explicit none
    seg_all = pd.read_parquet(tmp_path / "out" / "customers_segmented.parquet")
    ext = json.loads((tmp_path / "out" / "crm_extend.json").read_text())
    assert len(seg_all) == len(joined) == ext["customers"]
    assert ext["from_survey"] + ext["from_model"] + ext["unassigned"] == ext["customers"]
    assert set(seg_all["segment_source"]) <= {"survey", "model", "none"}
    assert seg_all.loc[seg_all["segment_source"] == "none", "segment"].isna().all()
    assert seg_all.loc[seg_all["segment_source"] != "none", "segment"].notna().all()
    assert (seg_all.loc[seg_all["segment_source"] == "model", "probability"] >= 0.4).all()
    assert set(seg_all["segment_name"].dropna()) <= {"Uno", "Dos", "Tres", "Cuatro", "Cinco"}
    assert "email" not in {f["name"] for f in ext["features"]}
    assert ext["reliability"]["segments"] and ext["min_probability"] == 0.4


def test_voc_themes_from_the_project_file(study, tmp_path):
    """voc: {discover_themes: K} proposes themes, writes the draft frame; the draft then works as codeframe."""
    folder = tmp_path / "study"
    shutil.copytree(study["project"].parent, folder)
    text = (folder / "project.yaml").read_text()
    text = text.replace("  k: 2-8\n", "  k: 5\n").replace("  bootstrap: 20\n", "  bootstrap: 0\n")
    assert "\nvoc:\n" in text and "\nreport:\n" in text
    text = text.replace("\nreport:\n", "\nreport:\n  enabled: false\n")  # this test is about voc
    (folder / "project.yaml").write_text(text.replace("\nvoc:\n", "\nvoc:\n  discover_themes: 5\n"))
    run_project(load_project(folder / "project.yaml"), tmp_path / "out")
    draft = tmp_path / "out" / "codeframe_draft.yaml"
    assert draft.is_file() and draft.read_text(encoding="utf-8").startswith("# Draft code frame")
    voc = json.loads((tmp_path / "out" / "voc.json").read_text())
    assert len(voc["themes"]) == 5 and "uncoded" in voc and voc["settings"]["themes"]["source"] == "discovered"
    assert all("themes" in s for s in voc["segments"].values())
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text())
    voc_stage = next(s for s in manifest["stages"] if s["stage"] == "voc")
    assert any(o.endswith("codeframe_draft.yaml") for o in voc_stage["outputs"])
    # the draft, copied next to the project, is a code frame the project can use
    shutil.copy(draft, folder / "frame.yaml")
    (folder / "project.yaml").write_text(text.replace("\nvoc:\n", "\nvoc:\n  codeframe: frame.yaml\n"))
    run_project(load_project(folder / "project.yaml"), tmp_path / "out2")
    voc2 = json.loads((tmp_path / "out2" / "voc.json").read_text())
    assert {k: v["share"] for k, v in voc2["themes"].items()} == pytest.approx(
        {k: v["share"] for k, v in voc["themes"].items()})


def test_run_summary_is_a_document():
    """RunResult.summary(): one row per stage (status, seconds, rows, exclusions, note) and where the outputs are,
    rendered from a Summary document in English and Spanish."""
    from surveytools.pipeline import RunResult, StageRecord

    res = RunResult(Path("/tmp/out"), (
        StageRecord("import", "done", 1.234, 2006, 2006, {}, ["/tmp/out/clean.parquet"]),
        StageRecord("quality", "done", 0.5, 2006, 1864, {"quality flags": 142}, [], "excluded for speeder (57)"),
        StageRecord("voc", "skipped", 0.0),
        StageRecord("report", "done", 3.25, None, None, {}, ["/tmp/out/report.xlsx"])), Path("/tmp/out/manifest.json"))
    rows = [ln.split() for ln in res.summary().splitlines()]
    assert ["quality", "done", "0.5", "2,006", "1,864", "quality", "flags:", "142", "excluded", "for", "speeder",
            "(57)"] in rows
    assert ["voc", "skipped", "0.0"] in rows and ["Report", "/tmp/out/report.xlsx"] in rows
    assert ["Manifest", "/tmp/out/manifest.json"] in rows
    es = [ln.split(" ") for ln in res.summary(lang="es").splitlines()]  # split on spaces, not the NBSP of 2 006
    assert ["quality", "hecha", "0,5", "2\u00a0006", "1\u00a0864", "142"] in [[w for w in r if w] for r in es]
