"""Commands generated from stage declarations: parse -> ``stage.run`` -> render.

:func:`make_command` turns a :class:`~surveytools.stages.Stage` into a click command whose options are its
options table plus ``--json`` and ``--quiet``: load the inputs (:func:`surveytools.stages.common.load_inputs`),
``stage.run``, then print the result's JSON or its text and notes.
"""

from __future__ import annotations

import inspect
from collections.abc import Mapping
from typing import Any

import click

from ..stages._base import Options, Stage, StageResult
from ..stages.common import load_inputs

__all__ = ["make_command", "stage_group", "render"]

_JSON = click.option("--json", "as_json", is_flag=True,
                     help="Print one JSON object on stdout (NaN as null) and nothing else.")
_QUIET = click.option("--quiet", is_flag=True, help="No progress bars or notes on stderr.")


def make_command(stage: Stage, name: str | None = None) -> click.Command:
    """The click command of a stage: its options table, ``--json``, ``--quiet``; parse -> run -> render."""
    from ..cli._common import ClickProgress

    def callback(as_json: bool, quiet: bool, **values: Any) -> None:
        with ClickProgress(quiet or as_json) as progress:
            inputs = (stage.load or (lambda v: load_inputs(stage, v)))(values)
            inputs.progress = progress
            root = click.get_current_context().find_root()
            inputs.language = root.params.get("lang") or inputs.language
            result = stage.execute(inputs, _options(stage, values))
        render(result, as_json, quiet)

    params_cb = callback
    for opt in reversed(stage.cli_options):
        params_cb = opt.click_decorator()(params_cb)
    params_cb = _JSON(_QUIET(params_cb))
    # click lists options in declaration order: inputs and the table first, then --sheet, --json and --quiet
    name = name or (stage.command or stage.name).split()[-1]  # "crm join": the sub-command "join" of "crm"
    cmd = click.command(name=name, help=inspect.cleandoc(stage.help))(params_cb)
    last = ("sheet", "as_json", "quiet")
    cmd.params = [p for p in cmd.params if p.name not in last] + \
        sorted((p for p in cmd.params if p.name in last), key=lambda p: last.index(p.name or ""))
    cmd.stage = stage  # type: ignore[attr-defined]
    return cmd


class _StageGroup(click.Group):
    """A group whose sub-commands are generated from stages, each loaded when it is used."""

    def __init__(self, *args: Any, stages: Mapping[str, str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.stages = dict(stages)

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*self.stages, *self.commands})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in self.commands and cmd_name in self.stages:
            from ..stages import get_stage

            stage = get_stage(self.stages[cmd_name])
            if stage.command != f"{self.name} {cmd_name}":
                raise TypeError(f"stage {stage.name} declares command {stage.command!r}, not "
                                f"'{self.name} {cmd_name}'")
            self.add_command(make_command(stage, name=cmd_name))
        return self.commands.get(cmd_name)


def stage_group(name: str, stages: Mapping[str, str], help: str) -> click.Group:
    """A command group (e.g. ``crm``) whose sub-commands are stages: sub-command -> stage name, each stage
    declaring ``command="<group> <sub-command>"``."""
    return _StageGroup(name=name, stages=stages, help=inspect.cleandoc(help))


def _options(stage: Stage, values: Mapping[str, Any]) -> Options:
    out = stage.defaults()
    for o in stage.cli_options:
        if o.name in values:
            out[o.name] = values[o.name]
    return Options(out)


def render(result: StageResult, as_json: bool, quiet: bool) -> None:
    """Print a stage result: the JSON object, or the text and the notes."""
    from ..cli._common import emit_json, note

    if result.stdout is not None:
        if as_json:
            raise click.UsageError("--json prints the summary on stdout; give a file with -o to write the data")
        click.echo(result.stdout, nl=False)
        for line in result.notes:
            note(line, quiet)
        return
    if as_json:
        emit_json(result.to_dict())
        return
    if result.text:
        click.echo(result.text)
    for line in result.notes:
        note(line, quiet)
