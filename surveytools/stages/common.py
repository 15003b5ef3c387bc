"""Option rows shared by several stages (one definition, one default)."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ._base import Inputs, Option, Stage

__all__ = ["DEFAULT_SEED", "SEED", "UNWEIGHTED", "MIN_ANSWERED", "DATA", "QUESTIONNAIRE", "SHEET", "SURVEY_INPUTS",
           "SEGMENTS", "FACTOR_SCORES", "INCLUDE_FLAGGED", "load_inputs", "leave_out_flagged", "record_flagged"]

#: the one default seed of every stage (a project file's top-level ``seed`` sets it for the whole study)
DEFAULT_SEED = 20240601

SEED = Option("seed", "int", DEFAULT_SEED, example=7, study="seed",
              help="Random seed (same seed, same result).")
UNWEIGHTED = Option("unweighted", "flag", False, example=True,
                    help="Ignore the survey weights set in the questionnaire.")
MIN_ANSWERED = Option("min_answered", "float", 0.5, min=0, max=1, example=0.8,
                      help="With --scores: minimum share of a scale's items answered to get a score.")

DATA = Option("data", "path", argument=True, required=True, cli_only="input: a project run passes the survey",
              help="Survey file: an export or clean data.")
QUESTIONNAIRE = Option("questionnaire", "path", flags=("-q", "--questionnaire"), required=True,
                       cli_only="input: the project file's top-level 'questionnaire'",
                       help="Questionnaire spec (YAML): items, answer labels, scales.")
SHEET = Option("sheet", "str", flags=("--sheet",), cli_only="input: the project file's data.sheet",
               help="Worksheet of a workbook (name or 0-based index).")
#: DATA -q Q [--sheet S]: the inputs of every stage that reads a survey
SURVEY_INPUTS = (DATA, QUESTIONNAIRE, SHEET)
SEGMENTS = Option("segments", "path", flags=("--segments",), required=True,
                  cli_only="input: a project run passes the segment stage's Segments",
                  help="Segment assignments (respondent_id, segment).")
FACTOR_SCORES = Option("factor_scores", "path", flags=("--factor-scores",), metavar="FILE",
                       cli_only="input: a project run passes the factor stage's scores",
                       help="Factor scores by respondent id (from 'surveytools factor --scores'); a project run "
                            "uses its factor stage's scores.")
INCLUDE_FLAGGED = Option(
    "include_flagged", "flag", False,
    cli_only="a project run: the quality section's 'exclude' chooses who is left out ('exclude: []' keeps everyone)",
    help="Keep the respondents with data-quality flags. By default those flagged with the questionnaire's "
         "quality.exclude codes (default: speeder, straightlining, duplicate-id, duplicate-email, "
         "attention-check, partial) are left out and counted by reason; the flags come from the data's "
         "quality_flags column (written by 'import' and 'quality') or are computed.")


def leave_out_flagged(inputs: Inputs, options: Any) -> None:
    """Leave out of ``inputs`` the respondents with exclusion flags (every stage after ``quality`` does this).

    A command takes the flags from the data (or computes them) and the codes from the questionnaire, unless
    ``--include-flagged``; a project run uses the codes its quality stage excluded (none when the quality stage
    is switched off). The survey, the segments and the scores all lose the same respondents; who and why is
    kept in ``inputs.quality_exclusions`` for :func:`record_flagged`.
    """
    if inputs.survey is None or (not inputs.project and inputs.quality_exclusions is not None):
        return  # no survey, or a command whose loader already left them out (compare-waves, wave by wave)
    from ..quality import honour_flags

    if inputs.project:
        survey, ex, kept = honour_flags(inputs.survey, codes=inputs.exclude_flags or (), compute=False)
    else:
        survey, ex, kept = honour_flags(inputs.survey, include_flagged=bool(options.include_flagged))
    inputs.survey, inputs.quality_exclusions, inputs.flagged_kept = survey, ex, kept
    if not ex.rows_excluded:
        return
    gone = ex.reasons.index
    if inputs.segments is not None:
        inputs.segments = inputs.segments.without(gone)
    text_ids = gone.astype(str)
    for name in ("factor_scores", "scale_scores"):
        frame = getattr(inputs, name)
        if frame is not None:
            setattr(inputs, name, frame[~frame.index.astype(str).isin(text_ids)])


def record_flagged(inputs: Inputs, result: Any) -> None:
    """Put who was left out for quality flags into a stage's result: the JSON's ``quality_exclusions``, the rows
    (rows in = rows out + excluded) and a note."""
    ex = inputs.quality_exclusions
    if ex is None:
        return
    from ..report.i18n import fmt_number, tr

    lang = inputs.language
    result.json["quality_exclusions"] = {**ex.to_dict(), "flagged_kept": int(inputs.flagged_kept)}
    counted = isinstance(result.json.get("excluded"), dict) and "quality_flags" in result.json["excluded"]
    if ex.rows_excluded and not counted:  # (a stage that counted them itself says so in excluded.quality_flags)
        # rows in = rows used + rows excluded, counting those left out here: in the record and in the JSON's
        # own 'rows_in' / 'rows_excluded' keys (the reasons are in 'quality_exclusions')
        for key in ("rows_in", "rows_excluded"):
            if isinstance(result.json.get(key), int) and not isinstance(result.json.get(key), bool):
                result.json[key] += ex.rows_excluded
        if isinstance(result.json.get("excluded"), dict):  # the stage's reasons (e.g. voc's no-segment)
            result.json["excluded"]["quality_flags"] = ex.rows_excluded
    if ex.rows_excluded:
        if result.rows_in is not None:
            result.rows_in += ex.rows_excluded
        result.excluded["quality flags"] = result.excluded.get("quality flags", 0) + ex.rows_excluded
        reasons = ", ".join(f"{c} {fmt_number(n, 0, lang)}" for c, n in ex.by_reason.items() if n)
        result.notes.append(tr("flags_left_out", lang, n=fmt_number(ex.rows_excluded, 0, lang),
                               total=fmt_number(ex.rows_in, 0, lang), reasons=reasons))
    if inputs.flagged_kept:
        result.notes.append(tr("flags_kept", lang, n=fmt_number(inputs.flagged_kept, 0, lang),
                               codes=", ".join(ex.codes)))


def load_inputs(stage: Stage, values: Mapping[str, Any], progress: Any = None) -> Inputs:
    """The inputs of a command from its input options: survey, segments (aligned), factor scores."""
    from ..io import load_survey
    from ..questionnaire import load_questionnaire

    inputs = Inputs(progress=progress)
    files: list[Path] = []
    if values.get("data") is not None:
        inputs.data, inputs.questionnaire = Path(values["data"]), Path(values["questionnaire"])
        sheet = values.get("sheet")
        sheet = int(sheet) if isinstance(sheet, str) and sheet.isdigit() else sheet
        inputs.survey = load_survey(values["data"], load_questionnaire(values["questionnaire"]), sheet=sheet)
        files += [inputs.data, inputs.questionnaire]
    if values.get("segments") is not None:
        from ..segments import read_segments

        inputs.segments = read_segments(values["segments"])
        files.append(Path(values["segments"]))
    if values.get("factor_scores") is not None:
        from ..io.tables import read_scores

        id_name = inputs.survey.id_name if inputs.survey is not None else None
        inputs.factor_scores = read_scores(values["factor_scores"], id_name, what="factor scores")
        files.append(Path(values["factor_scores"]))
    if values.get("factor_model") is not None:  # read by the stage; never overwritten by its outputs
        files.append(Path(values["factor_model"]))
    inputs.files = tuple(files)
    return inputs


