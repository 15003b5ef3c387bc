"""Stage ``report`` (``surveytools run`` only): the Excel and HTML reports of every stage's results."""

from __future__ import annotations

from typing import Any

from ._base import Inputs, Option, Options, Stage, StageResult

FORMATS = ("xlsx", "html")


def _formats(value: Any) -> list[str]:
    values = [value] if isinstance(value, str) else list(value)
    for f in values:
        if f not in FORMATS:
            raise ValueError(f"unknown format {f!r}; use xlsx and/or html")
    return values


OPTIONS = (
    Option("formats", "list", ["xlsx", "html"], parse=_formats, example=["html"],
           help="Report formats: xlsx and/or html."),
    Option("language", "choice", None, choices=(None, "en", "es"), example="es",
           project_only="deprecated: the top-level 'language' of the project file",
           help="Report language (deprecated here: use the top-level 'language')."),
    Option("fdr", "flag", False, example=True, project_only="deprecated: profile.fdr",
           help="Mark profile differences by Benjamini-Hochberg adjusted p-values (deprecated here: profile.fdr)."),
    Option("xlsx", "path", None, output="report.xlsx", cli_only="output: a project run writes report.xlsx",
           help="The Excel report."),
    Option("html", "path", None, output="report.html", cli_only="output: a project run writes report.html",
           help="The HTML report."),
)


def run(inputs: Inputs, options: Options) -> StageResult:
    """Render the results of the earlier stages."""
    from ..report.html import write_html_report
    from ..report.xlsx import write_xlsx_report

    out = StageResult("report")
    files = list(inputs.files)
    if "xlsx" in options.formats and options.xlsx is not None:
        out.outputs["xlsx"] = write_xlsx_report(inputs.results, options.xlsx, lang=inputs.language, inputs=files,
                                                title=inputs.title)
    if "html" in options.formats and options.html is not None:
        out.outputs["html"] = write_html_report(inputs.results, options.html, lang=inputs.language, inputs=files,
                                                title=inputs.title)
    out.notes += [f"wrote {p}" for p in out.outputs.values()]
    return out


STAGE = Stage(name="report", options=OPTIONS, run=run, needs=("results",), json_file=None,
              help="The Excel and HTML reports of a project run.")
