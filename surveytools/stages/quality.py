"""Stage ``quality``: data-quality flags per respondent; the chosen flags exclude respondents."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ._base import Inputs, Option, Options, Stage, StageResult
from .common import SURVEY_INPUTS

_TABLE_SUFFIXES = (".csv", ".parquet", ".xlsx")


def _codes(value: Any) -> list[str]:
    from ..quality import parse_codes

    given = [value] if isinstance(value, str) else list(value)
    codes = parse_codes(given)
    if not codes and not any(str(v).strip().lower() == "none" for v in given):
        raise ValueError("give at least one flag code (or 'all', or 'none' to keep everyone)")
    return codes


def _table(value: Any) -> Path:
    p = Path(value)
    if p.suffix.lower() not in _TABLE_SUFFIXES:
        raise ValueError(f"{p.name}: use a .csv, .parquet or .xlsx file name")
    return p


OPTIONS = (
    *SURVEY_INPUTS,
    Option("exclude", "list", None, metavar="CODES", parse=_codes, show_default=False,
           example=["speeder", "straightlining"],
           help="Drop respondents with any of these flags (comma-separated codes, 'all', or 'none' to keep "
                "everyone); reports how many and why. Default: the questionnaire's quality.exclude, else speeder, "
                "straightlining, duplicate-id, duplicate-email, attention-check, partial (the codes every later "
                "stage leaves out)."),
    Option("output", "path", None, flags=("-o", "--output"), parse=_table, output="clean.csv",
           cli_only="output: a project run writes clean.csv", example="clean.parquet",
           help="Write the kept respondents as clean data (.csv, .parquet or .xlsx)."),
    Option("flags_out", "path", None, parse=_table, output="quality_flags.csv",
           cli_only="output: a project run writes quality_flags.csv", example="flags.csv",
           help="Write the per-respondent flag table with the numbers behind each flag (.csv, .parquet, .xlsx)."),
    Option("max_missing", "float", None, min=0, max=1, metavar="SHARE", example=0.3,
           help="Share of answerable items that may be blank before 'high-missing'  [default: 0.2]."),
    Option("longstring", "int", None, min=2, metavar="N", example=10,
           help="Run of identical consecutive answers that sets 'longstring'  [default: half the battery "
                "items]."),
)


def run(inputs: Inputs, options: Options) -> StageResult:
    """Flag respondents; drop those with the ``exclude`` flags; provides the kept ``survey``."""
    from ..io import write_survey
    from ..io.tables import write_table
    from ..quality import apply_exclusions, check_quality, exclusion_codes, with_flags

    survey = inputs.survey
    codes = list(exclusion_codes(survey, options.exclude))
    report = check_quality(survey, exclude=codes, max_missing=options.max_missing, longstring=options.longstring)
    kept, exclusions = apply_exclusions(survey, report, codes)
    # the kept respondents carry their flags (the 'quality_flags' column of clean data) for the later stages
    kept = with_flags(kept, report)
    out = StageResult("quality", value=report, text=report.summary(), rows_in=survey.n, rows_out=kept.n)
    if exclusions.rows_excluded:
        out.excluded["quality flags"] = int(exclusions.rows_excluded)
        out.note = "excluded for " + ", ".join(f"{c} ({n:,})" for c, n in exclusions.by_reason.items() if n)
    files: dict[str, Any] = {}
    if options.flags_out is not None:
        frame = report.to_frame().rename_axis(survey.id_name).reset_index()
        files["flags"] = out.outputs["flags_out"] = write_table(frame, options.flags_out, inputs=inputs.files,
                                                                 sheet="quality", what="the flags")
        out.notes.append(f"Flag table written to {files['flags']}")
    if options.output is not None:
        files["clean"] = out.outputs["output"] = write_survey(kept, options.output,
                                                              inputs=tuple(str(p) for p in inputs.files))
        out.notes.append(f"{exclusions.rows_out:,} respondents written to {files['clean']}"
                         + (f" ({exclusions.rows_excluded:,} excluded)" if codes else
                            " (no exclusions: --exclude none)"))
    # 'exclusions' is the documented key; 'excluded' its deprecated alias (the command's first name for it)
    out.json = {**report.to_dict(), "exclusions": exclusions.to_dict(), "excluded": exclusions.to_dict(),
                "outputs": files}
    out.provides["survey"] = kept
    out.provides["exclude_flags"] = tuple(codes)
    return out


STAGE = Stage(
    name="quality", command="quality", options=OPTIONS, run=run,
    help="""Data-quality flags per respondent: flags, not deletions.

    \b
    Flag codes:
      speeder            duration < speeder_fraction x median (complete responses)
      straightlining     one answer to a whole battery that has reverse-keyed items
      longstring         long run of identical consecutive answers (Johnson 2005)
      out-of-range       code not in the item's codes, or number outside its range
      duplicate-id       id item seen in an earlier row
      duplicate-email    e-mail seen in an earlier row (case and spaces ignored)
      duplicate-answers  same answers as an earlier row to every coded item
      high-missing       more than --max-missing of the answerable items blank
      attention-check    answer other than an item's 'expect'
      partial            Finished false / Progress < 100, or under min_answered

    Thresholds come from the questionnaire's 'quality' section (duration column, speeder_fraction,
    min_answered, straightline_min_items, batteries). The respondents carrying any of the --exclude
    codes are dropped (default: the questionnaire's quality.exclude, else speeder, straightlining,
    duplicate-id, duplicate-email, attention-check, partial; --exclude none keeps everyone); rows in =
    rows out + rows excluded, with counts per reason. -o writes the kept respondents with their flags
    in a 'quality_flags' column; every later stage leaves out the same codes (--include-flagged keeps
    them).

    \b
    Examples:
      surveytools quality export.xlsx -q questionnaire.yaml
      surveytools quality clean.parquet -q q.yaml --flags-out flags.csv
      surveytools quality export.xlsx -q q.yaml --exclude speeder,straightlining,partial -o clean.parquet
      surveytools quality export.xlsx -q q.yaml --exclude none -o all.csv
      surveytools quality clean.csv -q q.yaml --exclude all --json
    """)
