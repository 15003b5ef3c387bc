"""Stage ``init`` (command only): draft the questionnaire YAML from an export, before the first import."""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ._base import Inputs, Option, Options, Stage, StageResult


def _yaml_name(value: Any) -> Path:
    p = Path(value)
    if p.suffix.lower() not in (".yaml", ".yml"):
        raise ValueError(f"{p.name}: the questionnaire is YAML; use a .yaml file name")
    return p


def _lang(value: Any) -> str:
    text = str(value).strip()
    if not re.fullmatch(r"[A-Za-z]{2,3}([-_][A-Za-z0-9]+)?", text):
        raise ValueError(f"{text!r} is not a language code; use es, en, pt-BR...")
    return text


OPTIONS = (
    Option("export", "path", argument=True, required=True, cli_only="input: the survey export to draft from",
           help="The survey export (Qualtrics, SurveyMonkey, Google Forms, SPSS .sav, CSV or xlsx)."),
    Option("output", "path", None, flags=("-o", "--output"), parse=_yaml_name, output="questionnaire.yaml",
           cli_only="output: the drafted questionnaire", example="questionnaire.yaml",
           help="Write the draft here (.yaml); without it the YAML is printed."),
    Option("lang", "str", None, parse=_lang, metavar="CODE", example="es", cli_only="the draft's own setting",
           help="Language of the questionnaire (default: detected from the question texts and answer labels)."),
    Option("sheet", "str", flags=("--sheet",), cli_only="input: the worksheet to read",
           help="Worksheet of a workbook (name or 0-based index)."),
)


def run(inputs: Inputs, options: Options) -> StageResult:
    """Draft the questionnaire; write it (or return its YAML as the text)."""
    from ..io.draft import draft_questionnaire

    sheet = options.sheet
    sheet = int(sheet) if isinstance(sheet, str) and sheet.isdigit() else sheet
    draft = draft_questionnaire(options.export, sheet=sheet, lang=options.lang)
    q = draft.questionnaire
    out = StageResult("init", value=draft, json=draft.to_dict(), rows_in=draft.rows, rows_out=draft.rows)
    if options.output is None:
        out.text = draft.to_yaml().rstrip("\n")
        out.notes.append(draft.summary(lang=inputs.language))
        return out
    written = draft.write(options.output, inputs=inputs.files)
    out.outputs["output"] = Path(written)
    out.json["output"] = written
    out.text = draft.summary(lang=inputs.language)
    out.notes.append(f"questionnaire draft ({len(q.items)} items, {len(draft.guesses)} guesses marked "
                     f"'# guessed') written to {written}")
    out.notes.append(f"next: surveytools import {options.export} -q {written} -o clean.parquet")
    return out


def _load(values: Mapping[str, Any]) -> Inputs:
    return Inputs(files=(Path(values["export"]),))


STAGE = Stage(
    name="init", command="init", options=OPTIONS, run=run, section=None, needs=(), load=_load, json_file=None,
    help="""Draft the questionnaire (YAML) from a survey export: the first step of a study.

    Reads any export 'import' reads (Qualtrics with 3 or 2 header rows, SurveyMonkey, Google Forms, SPSS
    .sav with its variable and value labels and user-missing codes, plain CSV/xlsx) and writes a complete,
    valid questionnaire: one item per answer column, typed from its answers (Likert, categorical,
    multiple choice, NPS 0-10, numeric, open text, e-mail, date, id); known answer scales in Spanish and
    English ordered (agreement, frequency, satisfaction, likelihood, importance, ratings), "No sé" / "Don't
    know" / "NS/NC" as no answer, one option set shared by the items with the same labels; grids proposed
    as scales, with reverse-keyed candidates where an item correlates negatively with the rest of its grid;
    attention checks and the respondent id, weight and duration columns found. Every guess is marked
    '# guessed: ...' in the file: check those lines, then import with it.

    \b
    Examples:
      surveytools init export.xlsx -o questionnaire.yaml
      surveytools init encuesta.sav -o cuestionario.yaml --lang es
      surveytools init responses.csv --json -o questionnaire.yaml
      surveytools init export.xlsx > questionnaire.yaml
    """)
