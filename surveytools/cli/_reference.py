"""Render the CLI reference (``docs/cli.md``) from the commands' own ``--help``.

Run ``python -m surveytools.cli._reference > docs/cli.md`` after changing a command; a test fails when
the committed reference drifts from ``--help``.
"""

from __future__ import annotations

import click

from . import cli


def _walk(command: click.Command, ctx: click.Context, path: list[str]) -> list[tuple[list[str], str]]:
    out = [(path, command.get_help(ctx))]
    if isinstance(command, click.Group):
        for name in command.list_commands(ctx):
            sub = command.get_command(ctx, name)
            if sub is None or sub.hidden:
                continue
            sub_ctx = sub.make_context(name, [], parent=ctx, resilient_parsing=True, terminal_width=100,
                                       max_content_width=100)
            out.extend(_walk(sub, sub_ctx, path + [name]))
    return out


def render_reference() -> str:
    """The whole CLI reference as Markdown."""
    ctx = cli.make_context("surveytools", [], resilient_parsing=True, terminal_width=100, max_content_width=100)
    parts = ["# Command-line reference", "",
             "Generated from `--help` by `python -m surveytools.cli._reference > docs/cli.md`; do not edit by hand.",
             ""]
    for path, text in _walk(cli, ctx, ["surveytools"]):
        parts += [f"## `{' '.join(path)}`", "", "```text", text.rstrip(), "```", ""]
    return "\n".join(parts)


if __name__ == "__main__":  # pragma: no cover
    click.echo(render_reference(), nl=False)
