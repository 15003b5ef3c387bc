"""The stage contract: one options table and one ``run(inputs, options) -> StageResult`` per stage.

A stage module declares

- ``OPTIONS``: a tuple of :class:`Option` (name, type, choices, default, help, example). The click options of
  its command and the keys of its project-file section are generated from it (:mod:`surveytools.cli._stage`,
  :mod:`surveytools.project`), so a default or a choice exists once;
- ``run(inputs, options)``: computes, writes the files named by its output options, returns a
  :class:`StageResult` (whose ``to_dict()`` is both ``--json`` and the ``<stage>.json`` of a project run);
- ``STAGE = Stage(...)``: the declaration registered in :mod:`surveytools.stages`.

See ``docs/architecture.md``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

if TYPE_CHECKING:  # annotations only: --help of the generated commands must not import pandas (issue 18)
    import pandas as pd

from ..exceptions import SurveyToolsError

__all__ = ["Option", "OptionError", "Options", "Inputs", "StageResult", "Stage"]

ProgressCallback = Callable[[str, int, int], None]

_TYPES = ("str", "int", "float", "choice", "flag", "bool", "path", "list")


class OptionError(SurveyToolsError, ValueError):
    """A value of a stage option is invalid (a command-line value or a project-file setting)."""


def _message(exc: BaseException) -> str:
    return str(getattr(exc, "message", None) or exc)


@dataclass(frozen=True)
class Option:
    """One setting of a stage: the single source of its command-line option and its project-file key.

    Parameters
    ----------
    name
        The project-file key and the keyword of ``options`` (snake_case).
    type
        ``str``, ``int``, ``float`` (with ``min``/``max``), ``choice`` (with ``choices``), ``flag`` (on/off,
        default False), ``bool`` (``--x/--no-x``, default None = automatic), ``path`` (a file) or ``list``
        (comma-separated on the command line, a YAML list or comma-separated text in a project file).
    default
        The one default of the command and the project file.
    help
        Help text of the command option (and the project-file reference).
    example
        A value that works, for docs and tests.
    flags
        Click declarations (default ``--name-with-dashes``); for ``bool`` give ``("--x/--no-x",)``.
    parse
        Final conversion/validation of the value (after the type), used by both the command and the project
        file; raises ``ValueError`` (e.g. :class:`~surveytools.exceptions.DataError`) with the message.
    cli_only, project_only
        Why the option exists on one side only (an input or output file of the command, a project-level
        setting...). Everything else exists on both sides with the same default; a test checks it.
    output
        For an output-file option: the file name a project run writes it to in the output folder.
    argument
        A positional command-line argument (an input of the command), not an option.
    study
        In a project file, the default comes from this top-level key when the section does not set it
        (``seed``: the study's seed; ``language``: the report language).
    """

    name: str
    type: str = "str"
    default: Any = None
    help: str = ""
    example: Any = None
    choices: tuple[Any, ...] | None = None
    min: float | None = None
    max: float | None = None
    min_open: bool = False
    max_open: bool = False
    flags: tuple[str, ...] = ()
    metavar: str | None = None
    multiple: bool = False
    required: bool = False
    show_default: bool | None = None
    case_sensitive: bool = True
    parse: Callable[[Any], Any] | None = None
    cli_only: str | None = None
    project_only: str | None = None
    output: str | None = None
    argument: bool = False
    exists: bool = False
    check: Callable[[Any], Any] | None = None
    dir_okay: bool = False
    study: str | None = None

    def __post_init__(self) -> None:
        if self.type not in _TYPES:
            raise TypeError(f"option {self.name}: unknown type {self.type!r}; use one of {', '.join(_TYPES)}")
        if self.type == "choice" and not self.choices:
            raise TypeError(f"option {self.name}: a choice needs choices")
        if self.cli_only and self.project_only:
            raise TypeError(f"option {self.name}: cannot be both CLI-only and project-only")

    # ------------------------------------------------------------------ sides
    @property
    def in_cli(self) -> bool:
        """Whether the command has this option."""
        return self.project_only is None

    @property
    def in_project(self) -> bool:
        """Whether the project-file section accepts this key."""
        return self.cli_only is None

    @property
    def cli_flags(self) -> tuple[str, ...]:
        """The click declarations."""
        if self.flags:
            return self.flags
        dashed = "--" + self.name.replace("_", "-")
        return (f"{dashed}/--no-{dashed[2:]}",) if self.type == "bool" else (dashed,)

    # ------------------------------------------------------------------ types
    def click_type(self) -> click.ParamType | None:
        """The click type that converts (and, for the project file, validates) one value."""
        if self.type == "int":
            if self.min is None and self.max is None:
                return click.INT
            return click.IntRange(self.min, self.max, min_open=self.min_open, max_open=self.max_open)  # type: ignore[arg-type]
        if self.type == "float":
            if self.min is None and self.max is None:
                return click.FLOAT
            return click.FloatRange(self.min, self.max, min_open=self.min_open, max_open=self.max_open)
        if self.type == "choice":
            return click.Choice([c for c in self.choices or () if c is not None], case_sensitive=self.case_sensitive)
        if self.type == "path":
            return click.Path(dir_okay=self.dir_okay, path_type=Path, exists=self.exists)
        if self.type in ("flag", "bool"):
            return click.BOOL
        return None

    def finish(self, value: Any) -> Any:
        """After the type: split lists and apply ``parse``. Raises OptionError."""
        if isinstance(value, tuple):  # a repeated option
            value = ",".join(str(v) for v in value) if value else None
        if value is None:
            return None
        if self.type == "list":
            if isinstance(value, str):
                value = [p.strip() for p in value.split(",") if p.strip()]
            elif isinstance(value, (list, tuple)):
                value = [str(v).strip() if not isinstance(v, (Mapping, list)) else v for v in value]
            elif not isinstance(value, Mapping):
                raise OptionError("must be a list (or comma-separated text)")
            if len(value) == 0:
                value = None if self.default is None else []
        if self.parse is not None and value is not None:
            try:
                value = self.parse(value)
            except (ValueError, TypeError) as exc:
                raise OptionError(_message(exc)) from None
        return value

    def convert(self, value: Any) -> Any:
        """Convert and validate a value from a project file (or Python): the command's own checks.

        Raises
        ------
        OptionError
            With the message the command would give.
        """
        if value is None:
            if self.type == "choice" and None not in (self.choices or (None,)) and self.default is not None:
                raise OptionError(f"must be one of {', '.join(str(c) for c in self.choices or ())}, not None")
            return None
        if self.type == "flag" and not isinstance(value, bool):
            raise OptionError("must be true or false")
        if self.type == "int" and isinstance(value, bool):
            raise OptionError("must be a whole number")
        if self.type == "int" and isinstance(value, float) and value != int(value):
            raise OptionError("must be a whole number")
        ptype = self.click_type()
        if ptype is not None:
            if self.type == "choice" and not isinstance(value, str):
                raise OptionError(f"must be one of {', '.join(str(c) for c in self.choices or () if c is not None)}, "
                                  f"not {value!r}")
            try:
                value = ptype.convert(value, None, None)
            except click.BadParameter as exc:
                if self.type == "choice":
                    raise OptionError(f"must be one of {', '.join(str(c) for c in self.choices or () if c is not None)}"
                                      f", not {value!r}") from None
                raise OptionError(_message(exc).rstrip(".")) from None
        return self.finish(value)

    def click_decorator(self) -> Callable[[Any], Any]:
        """The click option (or argument) generated from this row."""

        def callback(ctx: click.Context, param: click.Parameter, value: Any) -> Any:
            try:
                return self.finish(value)
            except OptionError as exc:
                raise click.BadParameter(exc.message) from None

        if self.argument:
            return click.argument(self.name, type=self.click_type(), callback=callback, required=self.required)
        kwargs: dict[str, Any] = {"help": self.help, "callback": callback, "required": self.required}
        if self.metavar:
            kwargs["metavar"] = self.metavar
        if self.type == "flag":
            kwargs.update(is_flag=True, default=bool(self.default))
        else:
            if self.type != "bool":
                kwargs["type"] = self.click_type()
            kwargs["multiple"] = self.multiple
            if isinstance(self.default, list):
                if self.default:
                    kwargs["default"] = ",".join(map(str, self.default))
            elif (self.default is not None or self.type == "bool") and not self.multiple:
                # click 8.2+: an explicit None counts as given (so only a --x/--no-x switch, tri-state, gets one)
                kwargs["default"] = self.default
        show = self.show_default
        if show is None:
            show = not (self.default is None or self.default is False or self.default in ([], ())) \
                and self.type != "flag"
        kwargs["show_default"] = show
        return click.option(*self.cli_flags, self.name, **kwargs)


class Options:
    """The settings of one stage run: every option of its table, defaults filled in (read-only).

    Read as ``options.k`` or ``options["k"]`` (an option may be called ``items``: this is not a Mapping, so no
    method hides an option); ``to_dict()`` gives them all.
    """

    __slots__ = ("_values",)

    def __init__(self, values: Mapping[str, Any]) -> None:
        object.__setattr__(self, "_values", dict(values))

    def __getattr__(self, name: str) -> Any:
        try:
            return self._values[name]
        except KeyError:
            raise AttributeError(f"no option {name!r}") from None

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError("options are read-only; use replace()")

    def __getitem__(self, key: str) -> Any:
        return self._values[key]

    def __contains__(self, key: object) -> bool:
        return key in self._values

    def __iter__(self) -> Iterator[str]:
        return iter(self._values)

    def __len__(self) -> int:
        return len(self._values)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Options) and other._values == self._values

    def __repr__(self) -> str:
        return f"Options({self._values!r})"

    def to_dict(self) -> dict[str, Any]:
        """Option name -> value."""
        return dict(self._values)

    def replace(self, **changes: Any) -> Options:
        """A copy with some values changed."""
        return Options({**self._values, **changes})


@dataclass
class Inputs:
    """What flows between stages: the survey, segments, scores, the joined customer list, earlier results.

    A command fills the fields its stage needs from files; ``surveytools run`` passes what the earlier stages
    produced (:attr:`StageResult.provides`), in memory, and sets ``project`` (a stage may fall back when an
    earlier stage was switched off, e.g. segment on scales without factor scores) and ``plan`` (the names of
    the stages the run runs, in order: a stage may name its output differently when a later one refines it, as
    ``crm`` writes ``customers_joined.parquet`` for ``crm_extend``). ``files`` are the input files: outputs
    never overwrite them.
    """

    survey: Any = None
    segments: Any = None
    factor_scores: pd.DataFrame | None = None
    scale_scores: pd.DataFrame | None = None
    crm: pd.DataFrame | None = None
    results: dict[str, Any] = field(default_factory=dict)
    files: tuple[Path, ...] = ()
    progress: ProgressCallback | None = None
    language: str = "en"
    title: str | None = None
    data: Path | None = None
    questionnaire: Path | None = None
    project: bool = False
    plan: tuple[str, ...] = ()
    #: the flag codes the project's quality stage excluded (a project run: later stages use the same codes)
    exclude_flags: tuple[str, ...] | None = None
    #: who the current stage left out for quality flags (:class:`~surveytools.quality.Exclusions`), and how
    #: many flagged respondents ``--include-flagged`` kept
    quality_exclusions: Any = None
    flagged_kept: int = 0

    def update(self, provides: Mapping[str, Any]) -> None:
        """Take what a stage produced (survey, segments, scores...)."""
        for key, value in provides.items():
            if not hasattr(self, key):
                raise AttributeError(f"a stage provides {key!r}, which is not a field of Inputs")
            setattr(self, key, value)


@dataclass
class StageResult:
    """What a stage run returns.

    Attributes
    ----------
    stage
        Stage name.
    value
        The library's result object (e.g. ``ReliabilityResult``), or None.
    json
        The JSON object: ``--json`` prints it and a project run writes it to ``<stage>.json`` (paths of
        files inside the output folder become their names there).
    text
        Text for the terminal (the result's ``summary()``).
    outputs
        Output option name -> file written.
    notes
        Lines for stderr (files written...), hidden by ``--quiet``.
    rows_in, rows_out, excluded, note, status
        The stage record of a project run (rows in = rows out + excluded).
    provides
        Fields of :class:`Inputs` for the next stages (survey after exclusions, segments, scores...).
    stdout
        Data the command prints on stdout instead of ``text`` (e.g. ``scores -o -``); ``text`` then goes
        to stderr with the notes. Not allowed with ``--json``.
    """

    stage: str
    value: Any = None
    json: dict[str, Any] = field(default_factory=dict)
    text: str = ""
    outputs: dict[str, Path] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    rows_in: int | None = None
    rows_out: int | None = None
    excluded: dict[str, int] = field(default_factory=dict)
    note: str | None = None
    status: str = "done"
    provides: dict[str, Any] = field(default_factory=dict)
    stdout: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """The JSON object (what ``--json`` prints)."""
        return self.json

    def summary(self) -> str:
        """Text for the terminal."""
        return self.text


@dataclass(frozen=True)
class Stage:
    """The declaration of a stage.

    Attributes
    ----------
    name
        Stage name in manifests and ``<name>.json``.
    options
        The options table.
    run
        ``run(inputs, options) -> StageResult``.
    help
        The command's help (first line = summary; with an ``Examples:`` block).
    command
        Command path (None: the stage has no command of its own): ``"segment"``, or ``"crm join"`` for a
        sub-command of a group (the group lists it: see :func:`surveytools.cli._stage.stage_group`).
    section
        Project-file section (default: ``name``; None: not part of ``surveytools run``).
    opt_in
        A project run runs the stage only when the project file has its section (e.g. ``crm_extend:``); other
        stages run unless switched off.
    needs
        Fields of :class:`Inputs` the stage reads: the command loads them from its input options.
    skip
        ``skip(inputs, options) -> reason or None``: why a project run skips the stage.
    json_file
        File a project run writes the JSON to (default ``<name>.json``; None: none).
    load
        ``load(values) -> Inputs`` for a command whose inputs are not the standard DATA -q [--segments]
        (default: :func:`surveytools.stages.common.load_inputs`).
    """

    name: str
    options: tuple[Option, ...]
    run: Callable[[Inputs, Options], StageResult]
    help: str
    command: str | None = None
    section: str | None = ""
    opt_in: bool = False
    needs: tuple[str, ...] = ("survey",)
    skip: Callable[[Inputs, Options], str | None] | None = None
    json_file: str | None = ""
    load: Callable[[Mapping[str, Any]], Inputs] | None = None

    def __post_init__(self) -> None:
        if self.section == "":
            object.__setattr__(self, "section", self.name)
        if self.json_file == "":
            object.__setattr__(self, "json_file", f"{self.name}.json")
        names = [o.name for o in self.options]
        dup = {n for n in names if names.count(n) > 1}
        if dup:
            raise TypeError(f"stage {self.name}: options declared twice: {', '.join(sorted(dup))}")

    @property
    def honours_flags(self) -> bool:
        """Whether the stage leaves out respondents with quality flags (it declares ``include_flagged``)."""
        return any(o.name == "include_flagged" for o in self.options)

    def execute(self, inputs: Inputs, options: Options) -> StageResult:
        """Run the stage as both the command and ``surveytools run`` do: leave out the respondents with quality
        flags (a stage that :attr:`honours_flags`), ``run``, then record who was left out and why."""
        if not self.honours_flags:
            return self.run(inputs, options)
        from .common import leave_out_flagged, record_flagged

        leave_out_flagged(inputs, options)
        result = self.run(inputs, options)
        record_flagged(inputs, result)
        return result

    def option(self, name: str) -> Option:
        """The row of an option."""
        for o in self.options:
            if o.name == name:
                return o
        raise KeyError(name)

    @property
    def project_options(self) -> tuple[Option, ...]:
        """The options a project-file section accepts."""
        return tuple(o for o in self.options if o.in_project)

    @property
    def cli_options(self) -> tuple[Option, ...]:
        """The options (and arguments) of the command."""
        return tuple(o for o in self.options if o.in_cli)

    def defaults(self) -> dict[str, Any]:
        """Option name -> default."""
        return {o.name: (list(o.default) if isinstance(o.default, list) else o.default) for o in self.options}

    def make_options(self, values: Mapping[str, Any] | None = None, **more: Any) -> Options:
        """Options from Python values (converted and validated like a project file's), defaults filled in.

        Raises
        ------
        OptionError
            Naming the option.
        """
        given = {**(values or {}), **more}
        out = self.defaults()
        for key, value in given.items():
            try:
                opt = self.option(key)
            except KeyError:
                raise OptionError(f"{self.name}: unknown option {key!r}; expected one of "
                                  f"{', '.join(o.name for o in self.options)}") from None
            try:
                out[key] = opt.convert(value)
            except OptionError as exc:
                raise OptionError(f"{self.name}.{key}: {exc.message}") from None
        return Options(out)
