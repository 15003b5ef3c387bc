"""The command line as a whole: every command documented, the reference in docs/ current, error style."""

from __future__ import annotations

import click
import pytest

from surveytools.cli import COMMANDS, cli

CONTRACT_COMMANDS = {"import", "quality", "reliability", "correlate", "factor", "segment", "profile", "typing-tool",
                     "assign", "crm", "voc", "run", "demo"}


def _all_commands():
    ctx = click.Context(cli)
    out = []
    for name in cli.list_commands(ctx):
        cmd = cli.get_command(ctx, name)
        out.append(([name], cmd))
        if isinstance(cmd, click.Group):
            sub_ctx = click.Context(cmd, parent=ctx)
            out += [([name, s], cmd.get_command(sub_ctx, s)) for s in cmd.list_commands(sub_ctx)]
    return out


def test_every_contract_command_exists():
    ctx = click.Context(cli)
    names = set(cli.list_commands(ctx))
    assert CONTRACT_COMMANDS <= names
    assert names == set(COMMANDS)


@pytest.mark.parametrize("path,cmd", _all_commands(), ids=lambda v: " ".join(v) if isinstance(v, list) else "")
def test_every_command_has_help_with_examples(path, cmd, invoke):
    res = invoke(*path, "--help")
    assert res.exit_code == 0
    assert "Examples:" in res.stdout, f"surveytools {' '.join(path)} --help shows no examples"
    assert "surveytools " + path[0] in res.stdout
    for param in cmd.params:
        if isinstance(param, click.Option) and not param.hidden:
            assert param.help, f"option {param.opts} of {' '.join(path)} has no help"


def test_analysis_commands_take_json():
    ctx = click.Context(cli)
    for name in CONTRACT_COMMANDS - {"crm"}:
        cmd = cli.get_command(ctx, name)
        assert any("--json" in p.opts for p in cmd.params if isinstance(p, click.Option)), name


def test_version_and_usage_errors(invoke):
    res = invoke("--version")
    assert res.exit_code == 0 and "surveytools" in res.stdout
    res = invoke("nosuchcommand")
    assert res.exit_code == 2
    res = invoke("reliability")
    assert res.exit_code == 2 and "Missing argument" in res.stderr


def test_missing_file_is_one_error_line(invoke, tmp_path, bfi_yaml):
    res = invoke("reliability", tmp_path / "nope.csv", "-q", bfi_yaml)
    assert res.exit_code == 1
    assert res.stderr.startswith("Error: ") and "nope.csv" in res.stderr
    assert "Traceback" not in res.stderr
    res = invoke("reliability", tmp_path / "nope.csv", "-q", tmp_path / "nope.yaml")
    assert res.exit_code == 1 and "nope.yaml" in res.stderr and "Traceback" not in res.stderr
