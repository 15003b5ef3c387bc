"""Options and helpers shared by the commands: data loading, ``--json`` output, progress bars."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

if TYPE_CHECKING:  # the library (pandas, numpy, yaml) is imported when a command runs, not for --help
    from ..questionnaire import Questionnaire
    from ..survey import Survey

F = TypeVar("F", bound=Callable[..., Any])

__all__ = [
    "questionnaire_option",
    "json_option",
    "quiet_option",
    "sheet_option",
    "seed_option",
    "load_data",
    "to_jsonable",
    "emit_json",
    "ClickProgress",
]


def questionnaire_option(required: bool = True) -> Callable[[F], F]:
    """``-q/--questionnaire FILE``: the YAML spec."""
    return click.option("-q", "--questionnaire", "questionnaire", required=required,
                        type=click.Path(dir_okay=False, path_type=Path),
                        help="Questionnaire spec (YAML): items, answer labels, scales.")


json_option = click.option("--json", "as_json", is_flag=True,
                           help="Print one JSON object on stdout (NaN as null) and nothing else.")
quiet_option = click.option("--quiet", is_flag=True, help="No progress bars or notes on stderr.")
sheet_option = click.option("--sheet", default=None, help="Worksheet of a workbook (name or 0-based index).")
seed_option = click.option("--seed", type=int, default=20240601, show_default=True,
                           help="Random seed (same seed, same result).")


def _sheet(value: str | None) -> str | int | None:
    if value is None:
        return None
    return int(value) if value.isdigit() else value


def load_data(data: Path | str, questionnaire: Path | str | Questionnaire, sheet: str | None = None) -> Survey:
    """Load the questionnaire and the DATA file (an export or clean data) into a Survey."""
    from ..io import load_survey
    from ..questionnaire import Questionnaire, load_questionnaire

    q = questionnaire if isinstance(questionnaire, Questionnaire) else load_questionnaire(questionnaire)
    return load_survey(data, q, sheet=_sheet(sheet))


def to_jsonable(obj: Any) -> Any:
    """:func:`surveytools._json.to_jsonable`, imported on first use."""
    from .._json import to_jsonable as convert

    return convert(obj)


def emit_json(obj: Any) -> None:
    """Print exactly one JSON object on stdout."""
    click.echo(json.dumps(to_jsonable(obj), ensure_ascii=False, allow_nan=False))


class ClickProgress:
    """A progress callback for the library: ``progress(label, done, total)`` drawn as a bar on stderr.

    Hidden with ``--quiet`` or when stderr is not a terminal.
    """

    def __init__(self, quiet: bool = False) -> None:
        self.enabled = not quiet and sys.stderr.isatty()
        self._bar: Any = None
        self._label: str | None = None
        self._done = 0

    def __call__(self, label: str, done: int, total: int) -> None:
        if not self.enabled:
            return
        if self._bar is None or label != self._label:
            self.close()
            self._bar = click.progressbar(length=max(int(total), 1), label=label, file=sys.stderr)
            self._bar.__enter__()
            self._label = label
            self._done = 0
        step = int(done) - self._done
        if step > 0:
            self._bar.update(step)
            self._done = int(done)
        if done >= total:
            self.close()

    def close(self) -> None:
        """Finish the current bar."""
        if self._bar is not None:
            self._bar.__exit__(None, None, None)
            self._bar = None
            self._label = None

    def __enter__(self) -> ClickProgress:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def note(message: str, quiet: bool = False) -> None:
    """A line for the user on stderr (suppressed by --quiet)."""
    if not quiet:
        click.echo(message, err=True)
