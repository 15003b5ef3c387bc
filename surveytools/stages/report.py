"""Stage ``report`` (``surveytools run`` only): the Excel, HTML and PowerPoint reports of the stages' results."""

from __future__ import annotations

from typing import Any

from ._base import Inputs, Option, Options, Stage, StageResult

FORMATS = ("xlsx", "html", "pptx")


def _formats(value: Any) -> list[str]:
    values = [value] if isinstance(value, str) else list(value)
    for f in values:
        if f not in FORMATS:
            raise ValueError(f"unknown format {f!r}; use xlsx, html and/or pptx")
    return values


OPTIONS = (
    Option("formats", "list", ["xlsx", "html", "pptx"], parse=_formats, example=["html"],
           help="Report formats: xlsx, html and/or pptx."),
    Option("language", "choice", None, choices=(None, "en", "es"), example="es",
           project_only="deprecated: the top-level 'language' of the project file",
           help="Report language (deprecated here: use the top-level 'language')."),
    Option("fdr", "flag", False, example=True, project_only="deprecated: profile.fdr",
           help="Mark profile differences by Benjamini-Hochberg adjusted p-values (deprecated here: profile.fdr)."),
    Option("xlsx", "path", None, output="report.xlsx", cli_only="output: a project run writes report.xlsx",
           help="The Excel report."),
    Option("html", "path", None, output="report.html", cli_only="output: a project run writes report.html",
           help="The HTML report."),
    Option("pptx", "path", None, output="report.pptx", cli_only="output: a project run writes report.pptx",
           help="The PowerPoint deck."),
)


def run(inputs: Inputs, options: Options) -> StageResult:
    """Render the results of the earlier stages the reports have sections for (the others are named)."""
    from ..report import write_report
    from ..summary._data import STAGES

    results = inputs.results
    left_out = [k for k in results if k not in STAGES]
    out = StageResult("report")
    if left_out:
        out.note = f"not in the report (see their JSON files): {', '.join(left_out)}"
    for fmt in FORMATS:
        path = options[fmt]
        if fmt in options.formats and path is not None:
            out.outputs[fmt] = write_report(results, path, lang=inputs.language, inputs=list(inputs.files),
                                            title=inputs.title)
    out.notes += [f"wrote {p}" for p in out.outputs.values()]
    return out


STAGE = Stage(name="report", options=OPTIONS, run=run, needs=("results",), json_file=None,
              help="The Excel, HTML and PowerPoint reports of a project run.")
