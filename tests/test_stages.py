"""The stage contract: one options table per stage generates its command's options and its project section;
a stage run from the command line and from a project file with the same options writes the same files with the
same numbers."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click
import pandas as pd
import pytest
from click.testing import CliRunner

from surveytools.cli import COMMANDS, cli
from surveytools.datasets import write_retail_loyalty
from surveytools.pipeline import run_project
from surveytools.project import load_project
from surveytools.stages import STAGE_MODULES, Option, OptionError, Stage, all_stages, get_stage
from surveytools.stages.common import DEFAULT_SEED

STAGES = all_stages()
IDS = [s.name for s in STAGES]


def _commands() -> list[tuple[list[str], click.Command]]:
    ctx = click.Context(cli)
    out = []
    for name in COMMANDS:
        cmd = cli.get_command(ctx, name)
        out.append(([name], cmd))
        if isinstance(cmd, click.Group):
            out += [([name, s], cmd.get_command(ctx, s)) for s in cmd.list_commands(ctx)]
    return out


def _command(stage: Stage) -> tuple[list[str], click.Command] | None:
    """The command generated from a stage (its path, e.g. ['crm', 'join'])."""
    return next(((path, cmd) for path, cmd in _commands() if getattr(cmd, "stage", None) is stage), None)


def test_every_declared_command_is_registered():
    for module in STAGE_MODULES:
        stage = get_stage(module)
        found = _command(stage)
        assert (stage.command is None) == (found is None), stage.name
        if found is not None:  # where the command is: 'segment', or 'crm extend' (a sub-command of a group)
            assert " ".join(found[0]) == stage.command, stage.name


# ---------------------------------------------------------------------------------------------- the table
def test_option_conversion_is_shared_by_command_and_project():
    o = Option("n", "int", 3, min=1)
    assert o.convert(5) == 5 and o.convert("5") == 5
    for bad in (0, 2.5, True, "x"):
        with pytest.raises(OptionError):
            o.convert(bad)
    c = Option("m", "choice", "a", choices=("a", "b"))
    with pytest.raises(OptionError, match="must be one of a, b, not 'c'"):
        c.convert("c")
    with pytest.raises(OptionError, match="must be one of"):
        c.convert(3)
    lst = Option("items", "list", None)
    assert lst.convert("a, b,,c") == ["a", "b", "c"] == lst.convert(["a", "b", "c"])
    assert lst.finish(("a,b", "c")) == ["a", "b", "c"]  # a repeated command-line option
    assert lst.convert([]) is None
    f = Option("x", "flag", False)
    assert f.convert(True) is True
    with pytest.raises(OptionError, match="true or false"):
        f.convert("yes")
    p = Option("k", "str", "auto", parse=lambda v: int(v) if str(v).isdigit() else (_ for _ in ()).throw(
        ValueError("give a number")))
    assert p.convert("4") == 4
    with pytest.raises(OptionError, match="give a number"):
        p.convert("many")


def test_a_bad_table_is_refused():
    with pytest.raises(TypeError, match="unknown type"):
        Option("x", "number")
    with pytest.raises(TypeError, match="needs choices"):
        Option("x", "choice")
    with pytest.raises(TypeError, match="both"):
        Option("x", cli_only="a", project_only="b")
    with pytest.raises(TypeError, match="declared twice"):
        Stage("s", (Option("a"), Option("a")), run=lambda i, o: None, help="")  # type: ignore[arg-type,return-value]


@pytest.mark.parametrize("stage", STAGES, ids=IDS)
def test_every_option_is_documented(stage):
    for o in stage.options:
        assert o.help, f"{stage.name}.{o.name} has no help"
        assert o.in_cli or o.in_project
        if o.output:
            assert o.cli_only, f"{stage.name}.{o.name}: an output option is the command's (a project run names it)"
        if stage.section and o.in_project and o.in_cli and not o.argument:
            assert o.example is not None, f"{stage.name}.{o.name}: give an example value"
            assert o.convert(o.example) is not None or o.default is None


@pytest.mark.parametrize("stage", STAGES, ids=IDS)
def test_command_options_and_project_keys_agree(stage, tmp_path):
    """Every command option is a project key with the same default, and vice versa (except the documented
    CLI-only and project-only rows)."""
    if stage.section is None:
        pytest.skip(f"{stage.name} is a command only (no project section)")
    found = _command(stage)
    params = {p.name: p for p in found[1].params if p.name not in ("as_json", "quiet")} if found else {}
    cli_side = {o.name for o in stage.options if o.in_cli and found}
    assert set(params) == cli_side
    if stage.section is None:  # a command-only stage (init): no project section, every option the command's
        assert all(o.cli_only for o in stage.options), stage.name
        return
    (tmp_path / "q.yaml").write_text((Path(__file__).resolve().parents[1] / "questionnaires" / "bfi.yaml").read_text())
    (tmp_path / "d.csv").write_text("respondent_id,A1\nr1,2\n")
    (tmp_path / "p.yaml").write_text("questionnaire: q.yaml\ndata: {export: d.csv}\n")
    section = dict(load_project(tmp_path / "p.yaml").stage(stage.section))
    assert section.pop("enabled") is not stage.opt_in  # an opt-in stage runs only when the file has its section
    project_side = {o.name for o in stage.options if o.in_project}
    assert set(section) == project_side
    for name in cli_side & project_side:
        opt = stage.option(name)
        if opt.argument or opt.required:  # an input the command requires (given in this project file)
            continue
        param = params[name]
        unset = getattr(click.core, "UNSET", None)  # click >= 8.2: no default given
        cli_default = None if param.multiple or param.default is unset else param.default
        cli_default = opt.finish(cli_default) if cli_default is not None else None
        if opt.study is not None:  # the project's default is the study's (top-level seed or language)
            assert section[name] == {"seed": DEFAULT_SEED, "language": "en"}[opt.study], name
            assert cli_default == opt.default, name
            continue
        proj_default = section[name]
        assert cli_default == proj_default or (cli_default is None and proj_default == []), \
            f"{stage.name}.{name}: command default {cli_default!r}, project default {proj_default!r}"


def test_project_values_are_checked_by_the_table(tmp_path):
    (tmp_path / "q.yaml").write_text((Path(__file__).resolve().parents[1] / "questionnaires" / "bfi.yaml").read_text())
    (tmp_path / "d.csv").write_text("respondent_id,A1\nr1,2\n")
    (tmp_path / "p.yaml").write_text("questionnaire: q.yaml\ndata: {export: d.csv}\nseed: 7\n"
                                     "segment: {k: 2-5, bootstrap: -1, names: 'A,B', covariance: round}\n"
                                     "reliability: {scales: agreeableness, bootstrap: 10}\n"
                                     "quality: {exclude: [speeder, nonsense]}\n")
    from surveytools.exceptions import ProjectError

    with pytest.raises(ProjectError) as info:
        load_project(tmp_path / "p.yaml")
    text = "\n".join(info.value.problems)
    assert "segment.bootstrap" in text and "segment.covariance: must be one of full, diag" in text
    assert "quality.exclude" in text and "nonsense" in text
    assert len(info.value.problems) == 3
    (tmp_path / "p.yaml").write_text("questionnaire: q.yaml\ndata: {export: d.csv}\nseed: 7\n"
                                     "segment: {k: 2-5, names: 'A,B'}\nreliability: {scales: agreeableness}\n")
    proj = load_project(tmp_path / "p.yaml")
    assert proj.seed == 7 and proj.stage("segment")["seed"] == 7 and proj.stage("reliability")["seed"] == 7
    assert proj.stage("segment")["k"] == "2-5" and proj.stage("segment")["names"] == ["A", "B"]
    assert proj.stage("reliability")["scales"] == ["agreeableness"]


def test_segment_seed_is_the_study_seed_without_a_top_level_one(tmp_path):
    (tmp_path / "q.yaml").write_text((Path(__file__).resolve().parents[1] / "questionnaires" / "bfi.yaml").read_text())
    (tmp_path / "d.csv").write_text("respondent_id,A1\nr1,2\n")
    (tmp_path / "p.yaml").write_text("questionnaire: q.yaml\ndata: {export: d.csv}\nsegment: {seed: 11}\n")
    proj = load_project(tmp_path / "p.yaml")
    assert proj.seed == 11 and proj.stage("reliability")["seed"] == 11


# ------------------------------------------------------------------- the command and the project agree
@pytest.fixture(scope="module")
def study(tmp_path_factory) -> dict[str, Any]:
    """The example study run from its project file (the reference for every stage)."""
    folder = tmp_path_factory.mktemp("study")
    files = write_retail_loyalty(folder)
    project = load_project(files["project"])
    out = folder / "run"
    result = run_project(project, out)
    return {"project": project, "out": out, "result": result, "folder": folder}


def _cli_args(stage: Stage, values: dict[str, Any]) -> list[str]:
    """The command line that gives a stage these option values (the inverse of the generated parsing)."""
    args: list[str] = []
    for o in stage.options:
        if not (o.in_cli and o.in_project) or o.argument or o.name not in values:
            continue
        v = values[o.name]
        if v is None or v == o.default:
            continue
        flag = o.cli_flags[-1].split("/")[0]
        if o.type == "flag":
            args += [flag] if v else []
        elif o.type == "bool":
            args += [flag if v else "--no-" + flag[2:]]
        elif isinstance(v, (list, tuple)):
            args += [flag, ",".join(map(str, v))]
        elif isinstance(v, dict):
            args += [flag, ",".join(f"{k}={n}" for k, n in v.items())]
        else:
            args += [flag, str(v)]
    return args


def _data(out: Path) -> Path:
    """The survey the stages after quality (and weight) consumed: the weighted data when the study is weighted."""
    return out / "weighted.csv" if (out / "weighted.csv").exists() else out / "clean.csv"


#: stage -> (the data file its project run consumed, extra command-line inputs) given the run's output folder
#: the command-line inputs of each stage in the example study's run; stages after 'weight' read its weighted data
_INPUTS = {
    "quality": lambda st, out: [st["project"].exports[0]],
    "weight": lambda st, out: [out / "clean.csv"],
    "reliability": lambda st, out: [_data(out)],
    "factor": lambda st, out: [_data(out)],
    "tables": lambda st, out: [_data(out)],
    "segment": lambda st, out: [_data(out), "--factor-scores", out / "factor_scores.csv", "--factor-model",
                                out / "factor_model.json"],
    "typing_tool": lambda st, out: [_data(out), "--segments", out / "segments.csv"],
    "profile": lambda st, out: [_data(out), "--segments", out / "segments.csv", "--scores",
                                out / "factor_scores.csv"],
    "crm": lambda st, out: ["--survey", _data(out), "--segments", out / "segments.csv"],
    "crm_extend": lambda st, out: [out / "customers_joined.parquet"],
    "kpis": lambda st, out: ["--customers", out / "customers_segmented.parquet"],
    "voc": lambda st, out: [_data(out), "--segments", out / "segments.csv", "--crm",
                            out / "customers_segmented.parquet", "--factor-scores", out / "factor_scores.csv"],
}

#: JSON keys that hold where a file was written (the only allowed differences)
_PATH_KEYS = {"output", "model_output", "scores_file", "scores_output", "outputs"}


def _strip(obj: Any) -> Any:
    return {k: v for k, v in obj.items() if k not in _PATH_KEYS} if isinstance(obj, dict) else obj


RUN_COMMANDS = [s for s in STAGES if s.section and s.command]


@pytest.mark.parametrize("stage", RUN_COMMANDS, ids=[s.name for s in RUN_COMMANDS])
def test_command_and_project_run_write_the_same(stage, study, tmp_path):
    out: Path = study["out"]
    project = study["project"]
    settings = dict(project.stage(stage.section))
    settings.pop("enabled")
    path, _ = _command(stage)
    if stage.name == "import":  # one export: the command's argument; the project's data.export
        settings.pop("exports", None)
        args = [*path, str(settings.pop("export"))]
    else:
        args = [*path, *map(str, _INPUTS[stage.name](study, out))]
    if any(o.name == "questionnaire" and o.in_cli for o in stage.options):
        args += ["-q", str(project.questionnaire)]
    args += _cli_args(stage, settings)
    # every output file of the stage (voc's draft code frame only exists with --discover-themes, which the example
    # study does not use: the command refuses --codeframe-out without it)
    outputs = {o.name: o.output for o in stage.options if o.output and (stage.name, o.name) != ("voc", "codeframe_out")}
    for name, file in outputs.items():
        args += [stage.option(name).cli_flags[-1], str(tmp_path / file)]
    if stage.name == "import":  # the command writes the survey it passes on (the quality stage writes clean.csv)
        args += ["-o", str(tmp_path / "imported.csv")]
    try:
        runner = CliRunner(mix_stderr=False)
    except TypeError:
        runner = CliRunner()
    res = runner.invoke(cli, [*args, "--json", "--quiet"], catch_exceptions=False)
    assert res.exit_code == 0, res.stderr
    from_cli = json.loads(res.stdout)
    from_run = json.loads((out / stage.json_file).read_text())
    assert _strip(from_cli) == _strip(from_run)
    for file in outputs.values():
        ran = out / file
        if stage.name == "crm" and (out / "customers_joined.parquet").exists():
            # with a crm_extend section the project's join is the intermediate customers_joined.parquet and its
            # customers_segmented.parquet is what the crm_extend stage ('crm extend') makes of it
            ran = out / "customers_joined.parquet"
        _assert_same_file(ran, tmp_path / file, stage.name)


def _stamped(row: Any) -> bool:
    import re

    return len(row) > 1 and isinstance(row[1].value, str) and re.match(r"\d{4}-\d\d-\d\dT", row[1].value) is not None


def _assert_same_file(a: Path, b: Path, stage: str) -> None:
    """Same content: JSON (but where and when it was written), workbook cells, table values, or bytes."""
    what = f"{stage}: {a.name} differs between the command and run"
    if a.suffix == ".json":
        da, db = json.loads(a.read_text()), json.loads(b.read_text())
        for d in (da, db):
            d.pop("inputs", None), d.pop("created", None), d.pop("provenance", None)
        assert da == db, what
    elif a.suffix == ".xlsx":
        import openpyxl

        wa, wb = openpyxl.load_workbook(a), openpyxl.load_workbook(b)
        assert wa.sheetnames == wb.sheetnames, what
        for name in wa.sheetnames:
            # every cell but the time stamp (the 'Created'/'Creado' row)
            cells_a = [[c.value for c in row] for row in wa[name].iter_rows() if not _stamped(row)]
            cells_b = [[c.value for c in row] for row in wb[name].iter_rows() if not _stamped(row)]
            assert cells_a == cells_b, f"{what} (sheet {name})"
    elif a.suffix == ".parquet":
        pd.testing.assert_frame_equal(pd.read_parquet(a), pd.read_parquet(b), check_exact=True)
    else:
        assert a.read_bytes() == b.read_bytes(), what


def test_run_passes_segments_in_memory(study):
    """Later stages got the segment stage's Segments object, not a file read back."""
    from surveytools.segments import Segments, read_segments

    seg_file = read_segments(study["out"] / "segments.csv")
    assert isinstance(seg_file, Segments)
    prof = json.loads((study["out"] / "profile.json").read_text())
    assert len(prof["segments"]) == seg_file.k


def test_project_reference_matches_the_tables():
    from surveytools.stages.reference import render_reference

    committed = (Path(__file__).resolve().parents[1] / "docs" / "project-reference.md").read_text(encoding="utf-8")
    assert committed == render_reference(), (
        "docs/project-reference.md differs from the options tables; regenerate it with "
        "`python -m surveytools.stages.reference > docs/project-reference.md`")
