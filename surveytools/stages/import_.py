"""Stage ``import`` (project section ``data``): survey export(s) -> a Survey coded per the questionnaire."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

from ._base import Inputs, Option, Options, Stage, StageResult
from .common import QUESTIONNAIRE


def _output(value: Any) -> Path:
    from ..io import OUTPUT_SUFFIXES

    p = Path(value)
    if p.suffix.lower() not in OUTPUT_SUFFIXES:
        raise ValueError(f"{p.name}: use a .csv, .parquet, .xlsx or .sav file name")
    return p


def _sheet(value: Any) -> str | int:
    return int(value) if isinstance(value, str) and value.isdigit() else value


OPTIONS = (
    Option("export", "path", None, argument=True, required=True, dir_okay=True, example="export.xlsx",
           help="The survey export (a project file: data.export, or data.exports for waves)."),
    Option("exports", "list", None, example=["wave1.xlsx", "wave2.xlsx"],
           project_only="waves: several exports stacked in order (the command imports one export)",
           help="Survey exports of several waves, stacked in order."),
    QUESTIONNAIRE,
    Option("output", "path", None, flags=("-o", "--output"), required=True, parse=_output,
           cli_only="output: a project run passes the survey on (the quality stage writes clean.csv)",
           help="Clean data to write: .csv, .parquet, .xlsx or a labelled SPSS .sav (never over an input)."),
    Option("sheet", "str", None, parse=_sheet, example="Data",
           help="Worksheet of a workbook (name or 0-based index)."),
    Option("unknown_labels", "choice", "error", choices=("error", "missing"), example="missing",
           help="An answer that is not a label or code of its item: stop with a list of them (error), or "
                "read it as a missing value and count it in the report (missing)."),
    Option("decimal", "choice", None, choices=(".", ","), example=",",
           help="Decimal mark of numbers written as text (',' for 1.234,56); default: detected from the file."),
    Option("thousands", "choice", None, choices=(".", ",", " ", "'", "none"), example=".",
           help="Digit-group separator of numbers written as text ('.' for 1.234,56; none for no groups); "
                "default: detected from the file."),
    Option("wave", "str", None, metavar="LABEL", example="2025",
           help="Label of the survey wave (e.g. 2025), written as a 'wave' column for 'compare-waves' (several "
                "exports of a project file: each is labelled by its file name unless this is given)."),
)


def run(inputs: Inputs, options: Options) -> StageResult:
    """Import the export(s) (several: waves stacked in order); provides ``survey``."""
    from ..io import check_output_path, import_survey, write_survey
    from ..quality import check_quality, with_flags
    from ..questionnaire import load_questionnaire

    exports = [Path(p) for p in (options.exports or [options.export])]
    files = tuple(str(p) for p in inputs.files)
    if options.output is not None:
        check_output_path(options.output, files)
    q = load_questionnaire(inputs.questionnaire)
    # import, then the quality flags (flags only: the quality stage decides exclusions)
    thousands = None if options.thousands is None else ("" if options.thousands == "none" else options.thousands)
    imported = [import_survey(e, q, sheet=options.sheet, unknown_labels=options.unknown_labels,
                              progress=inputs.progress, decimal=options.decimal, thousands=thousands)
                for e in exports]
    if options.wave is not None:
        imported = [r.with_wave(options.wave) for r in imported]
    elif len(imported) > 1:
        imported = [r.with_wave(e.stem) for r, e in zip(imported, exports, strict=True)]
    results = [r.with_quality(check_quality(r.survey)) for r in imported]
    # each respondent's flags go with the data (the 'quality_flags' column): later stages leave out the flagged
    flagged = [with_flags(r.survey, r.quality) for r in results]
    survey = flagged[0] if len(flagged) == 1 else _stack(flagged)
    rows_in = sum(int(r.report.rows_in) for r in results)
    if len(results) == 1:
        value: Any = results[0]
        json = results[0].to_dict()
        text = results[0].summary()
    else:
        value = json = {"waves": [r.to_dict() for r in results], "rows_in": rows_in, "rows_out": survey.n}
        text = "\n\n".join(r.summary() for r in results)
    out = StageResult("import", value=value, json=dict(json), text=text, rows_in=rows_in, rows_out=survey.n,
                      provides={"survey": survey})
    if rows_in != survey.n:
        out.excluded["not imported"] = rows_in - survey.n
    if options.output is not None:
        out.outputs["output"] = out.json["output"] = write_survey(survey, options.output, inputs=files)
        out.notes.append(f"{survey.n:,} respondents written to {out.outputs['output']}")
    return out


def _stack(surveys: list[Any]) -> Any:
    """Stack survey waves (same questionnaire) into one survey."""
    import pandas as pd

    first = surveys[0]
    responses = pd.concat([s.responses for s in surveys])
    weights = None if any(s.weights is None for s in surveys) else pd.concat([s.weights for s in surveys])
    meta = None if any(s.metadata is None for s in surveys) else pd.concat([s.metadata for s in surveys])
    return replace(first, responses=responses, weights=weights, metadata=meta)


def _load(values: Any) -> Inputs:
    export, q = Path(values["export"]), Path(values["questionnaire"])
    return Inputs(files=(export, q), questionnaire=q, data=export)


STAGE = Stage(
    name="import", command="import", section="data", options=OPTIONS, run=run, needs=(), load=_load,
    help="""Import a survey export: find the items, turn answer labels into codes, write clean data.

    The flavour is read from the file's content, not its name: Qualtrics (.csv/.xlsx, 3 header rows or
    the legacy 2; choice text or numeric values), SurveyMonkey (.xlsx/.csv, 2 header rows), Google Forms
    (.csv), SPSS (.sav), a plain .csv (any delimiter; UTF-8, UTF-16, Windows-1252 or Latin-1) or
    .xlsx/.xls table, or clean data written by this command.

    Each item is found by its 'column:' in the questionnaire, else by its id as a column name, else by its
    text (Qualtrics "Question - Sub-item", SurveyMonkey row 2, Google Forms "Question [Row]"), ignoring
    case, accents and spacing; answer labels map to codes the same way. Platform columns (duration,
    progress, dates...) are kept as metadata and written after the items. The data-quality checks of
    'surveytools quality' run on the result: nothing is dropped, each respondent's flags are written in
    a 'quality_flags' column, and the later commands leave out the flagged ones (--include-flagged keeps
    them).

    Numbers written the Spanish way (';'-separated CSV from Spanish-locale Excel, '1.234,56', dates as
    dd/mm/yyyy) are detected from the file and read exactly; --decimal and --thousands say it when the file
    cannot tell. --wave labels the respondents' survey wave for 'compare-waves'.

    \b
    Examples:
      surveytools import export.xlsx -q questionnaire.yaml -o clean.parquet
      surveytools import responses.csv -q q.yaml -o clean.csv --unknown-labels missing
      surveytools import workbook.xlsx -q q.yaml --sheet Data -o clean.xlsx --json
      surveytools import encuesta.csv -q cuestionario.yaml --decimal , --thousands . -o limpio.parquet
      surveytools import export_2025.xlsx -q questionnaire.yaml --wave 2025 -o w2025.parquet
    """)
