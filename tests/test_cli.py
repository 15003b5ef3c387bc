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


def test_startup_imports_no_heavy_library():
    """issue 18: ``surveytools --help``, every ``COMMAND --help`` and usage errors import neither pandas nor
    pyarrow, SciPy, scikit-learn, matplotlib or numpy (they cost most of a start-up); a subprocess, since this
    test session has them loaded already."""
    import subprocess
    import sys
    from pathlib import Path

    from surveytools.cli import COMMANDS

    code = (
        "import sys\n"
        "import surveytools, surveytools.cli\n"
        "from surveytools.cli import cli\n"
        f"for args in [['--help'], ['import'], ['crm', 'join', '--help']] + [[c, '--help'] for c in {sorted(COMMANDS)!r}]:\n"
        "    try:\n"
        "        cli.main(args, standalone_mode=False)\n"
        "    except BaseException:\n"
        "        pass\n"
        "heavy = ('pandas', 'pyarrow', 'scipy', 'sklearn', 'matplotlib', 'numpy', 'duckdb', 'openpyxl')\n"
        "print('LOADED:' + ','.join(m for m in heavy if m in sys.modules))\n"
    )
    root = Path(__file__).resolve().parents[1]
    out = subprocess.run([sys.executable, "-c", code], cwd=root, capture_output=True, text=True, check=True,
                         env={"PYTHONPATH": str(root), "PATH": "/usr/bin:/bin"}).stdout
    assert out.rsplit("LOADED:", 1)[1].strip() == ""


def test_lang_prints_the_summary_in_spanish(invoke, bfi_csv, bfi_yaml, monkeypatch):
    """'surveytools --lang es COMMAND' (or SURVEYTOOLS_LANG=es) prints the summary document in Spanish; the JSON does
    not change with the language."""
    import json

    en = invoke("reliability", bfi_csv, "-q", bfi_yaml, "--scale", "openness")
    es = invoke("--lang", "es", "reliability", bfi_csv, "-q", bfi_yaml, "--scale", "openness")
    assert en.exit_code == es.exit_code == 0
    assert "Scales" in en.stdout and "Escalas" in es.stdout and "Escalas" not in en.stdout
    monkeypatch.setenv("SURVEYTOOLS_LANG", "es")
    env = invoke("reliability", bfi_csv, "-q", bfi_yaml, "--scale", "openness")
    assert env.stdout == es.stdout
    a = json.loads(invoke("reliability", bfi_csv, "-q", bfi_yaml, "--scale", "openness", "--json").stdout)
    monkeypatch.delenv("SURVEYTOOLS_LANG")
    b = json.loads(invoke("reliability", bfi_csv, "-q", bfi_yaml, "--scale", "openness", "--json").stdout)
    assert a == b
    bad = invoke("--lang", "fr", "reliability", bfi_csv, "-q", bfi_yaml)
    assert bad.exit_code == 2
