"""The ``surveytools`` command line.

A command is either generated from a stage declaration (``"stage:NAME"`` in :data:`COMMANDS`: the stage's
options table becomes its options, see :mod:`surveytools.stages` and ``docs/architecture.md``) or lives in its
own module of this package (``"module:attribute"``). Either is loaded only when it is used, so
``surveytools --help`` stays fast. Commands parse options, call the library once and render the result;
they compute nothing themselves.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
import warnings
from typing import Any

import click

from .. import __version__
from ..exceptions import OptionUsageError, SurveyToolsError

__all__ = ["main", "cli", "COMMANDS"]

#: command name -> "stage:MODULE" (a stage of surveytools.stages: the command is generated from it) or
#: "module:attribute" (a hand-written command; module relative to this package)
COMMANDS: dict[str, str] = {
    "init": "stage:init",
    "import": "stage:import_",
    "quality": "stage:quality",
    "weight": "stage:weight",
    "tables": "stage:tables",
    "reliability": "stage:reliability",
    "scores": "stage:scores",
    "correlate": "stage:correlate",
    "factor": "stage:factor",
    "segment": "stage:segment",
    "typing-tool": "stage:typing_tool",
    "assign": "stage:assign",
    "profile": "stage:profile",
    "crm": "crm:group",
    "voc": "stage:voc",
    "kpis": "stage:kpis",
    "compare-waves": "stage:compare_waves",
    "run": "run:command",
    "demo": "demo:command",
}


def _module(target: str) -> str:
    """The module a COMMANDS target is defined in."""
    module_name, attr = target.split(":")
    return f"{__package__.rsplit('.', 1)[0]}.stages.{attr}" if module_name == "stage" else f"{__name__}.{module_name}"


def _show_warning(message: Any, category: type[Warning], filename: str, lineno: int, file: Any = None,
                  line: str | None = None) -> None:
    click.echo(f"Warning: {message}", err=True)


class SurveyToolsGroup(click.Group):
    """A click group that loads commands lazily and turns library errors into ``Error: ...``, exit 1."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        names = [n for n, target in COMMANDS.items() if importlib.util.find_spec(_module(target)) is not None]
        return names + sorted(set(self.commands) - set(names))

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in self.commands:
            return self.commands[cmd_name]
        target = COMMANDS.get(cmd_name)
        if target is None:
            return None
        if importlib.util.find_spec(_module(target)) is None:
            return None
        module_name, attr = target.split(":")
        if module_name == "stage":
            from ..stages import get_stage
            from ._stage import make_command

            command = make_command(get_stage(attr), name=cmd_name)
            self.commands[cmd_name] = command
            return command
        return getattr(importlib.import_module(f"{__name__}.{module_name}"), attr)

    def invoke(self, ctx: click.Context) -> Any:
        with warnings.catch_warnings():
            warnings.showwarning = _show_warning
            try:
                return super().invoke(ctx)
            except OptionUsageError as exc:
                raise click.UsageError(str(exc), ctx=click.get_current_context(silent=True)) from None
            except SurveyToolsError as exc:
                raise click.ClickException(str(exc)) from None
            except MemoryError:
                raise click.ClickException("out of memory; try a smaller file, fewer items, or more memory") from None
            except (FileNotFoundError, IsADirectoryError, PermissionError) as exc:
                name = exc.filename or ""
                raise click.ClickException(f"{name}: {exc.strerror}; check the path and its permissions") from None


@click.group(cls=SurveyToolsGroup, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="surveytools")
@click.option("--lang", type=click.Choice(["en", "es"]), default=None, envvar="SURVEYTOOLS_LANG", show_envvar=True,
              help="Language of the summaries printed on the terminal (en or es; default en). Reports take their "
                   "own --lang.")
def cli(lang: str | None) -> None:
    """Survey-driven psychographic segmentation, from survey export to CRM.

    \b
    The path of a study:
      init         survey export -> draft questionnaire (YAML) to check and import with
      import       survey export (Qualtrics, SurveyMonkey, Google Forms, SPSS, CSV) -> clean data
      quality      data-quality flags (speeders, straightliners, duplicates...)
      weight       raking weights to population targets (as R survey rake)
      tables       banner tables with column letters (as SPSS CTABLES)
      reliability  alpha, omega and item analysis per scale (as R psych)
      factor       exploratory factor analysis (as R psych)
      segment      segments + choice of k + stability;  typing-tool / assign
      profile      segment profiles with significance tests; Excel, HTML, PowerPoint
      crm / voc    segments onto customer lists; NPS, CSAT, RFM, drivers by segment
      kpis         KPIs, loyalty and value per segment from customers and transactions
      compare-waves  segment sizes, means and NPS per survey wave, changes and significance
      run / demo   the whole study from a project file / on the bundled example

    \b
    Examples:
      surveytools demo
      surveytools init export.xlsx -o questionnaire.yaml
      surveytools import export.xlsx -q questionnaire.yaml -o clean.parquet
      surveytools reliability clean.parquet -q questionnaire.yaml --json

    Every analysis command takes --json (one JSON object on stdout) and -h/--help;
    'surveytools --lang es COMMAND' prints its summary in Spanish.
    """


def main(argv: list[str] | None = None) -> None:
    """Entry point of the ``surveytools`` console script."""
    cli.main(args=argv, prog_name="surveytools")


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
