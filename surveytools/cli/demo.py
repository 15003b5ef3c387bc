"""``surveytools demo``: the bundled example study end to end."""

from __future__ import annotations

from pathlib import Path

import click

from ._common import ClickProgress, emit_json, json_option, note, quiet_option


@click.command(name="demo")
@click.argument("outdir", required=False, type=click.Path(file_okay=False, path_type=Path),
                default=Path("surveytools-demo"))
@json_option
@quiet_option
def command(outdir: Path, as_json: bool, quiet: bool) -> None:
    """Run the bundled example study end to end (about a minute).

    Writes the example inputs (a Qualtrics export of a Spanish retail loyalty survey, its questionnaire,
    a 20,000-customer CRM file and the project file) to OUTDIR/inputs, runs every stage, and ends by
    printing where the reports are. OUTDIR defaults to ./surveytools-demo.

    \b
    Examples:
      surveytools demo
      surveytools demo /tmp/demo --quiet
    """
    from ..datasets import write_retail_loyalty
    from ..pipeline import run_project
    from ..project import load_project

    inputs = write_retail_loyalty(outdir / "inputs")
    proj = load_project(inputs["project"])
    if not as_json:
        note(f"Example study written to {outdir / 'inputs'}; running every stage...", quiet)
    with ClickProgress(quiet or as_json) as progress:
        result = run_project(proj, outdir / "output", progress=progress)
    if as_json:
        emit_json(result.to_dict())
        return
    click.echo(result.summary())
    click.echo(f"\nOpen {outdir / 'output' / 'report.html'} in a browser, {outdir / 'output' / 'report.xlsx'} in Excel "
               f"or the deck {outdir / 'output' / 'report.pptx'}.")
