"""``surveytools run``: the whole study from a project file."""

from __future__ import annotations

from pathlib import Path

import click

from ._common import ClickProgress, emit_json, json_option, note, quiet_option


@click.command(name="run")
@click.argument("project", type=click.Path(dir_okay=False, path_type=Path))
@click.option("-o", "--output", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Output folder (default: 'output' in the project file, relative to it).")
@json_option
@quiet_option
def command(project: Path, output: Path | None, as_json: bool, quiet: bool) -> None:
    """Run every stage of a study from a project file.

    Import, quality, reliability, factor analysis, segmentation, typing tool, profiles, CRM join,
    voice of the customer and the Excel, HTML and PowerPoint reports, with one JSON result per stage and a
    manifest.json (package versions, seed, SHA-256 of every input and output, timings, rows per stage).
    A stage that fails stops the run and leaves the finished stages' outputs in place.

    \b
    Examples:
      surveytools run examples/retail_loyalty/project.yaml -o mercavista
      surveytools run project.yaml --json
    """
    from ..pipeline import run_project
    from ..project import load_project

    proj = load_project(project)
    with ClickProgress(quiet or as_json) as progress:
        result = run_project(proj, output, progress=progress)
    if as_json:
        emit_json(result.to_dict())
    else:
        note(result.summary(), quiet=False)
