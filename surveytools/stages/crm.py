"""Stage ``crm`` (command ``crm join``): survey respondents and their segments onto a customer list."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ._base import Inputs, Option, Options, Stage, StageResult

if TYPE_CHECKING:  # pandas is imported when the stage runs, not for --help
    import pandas as pd

OPTIONS = (
    Option("survey", "path", None, flags=("--survey",), required=True,
           cli_only="input: a project run passes its survey (after quality) with the segments",
           help="Survey table with the key column (e.g. clean data from 'surveytools import')."),
    Option("file", "path", None, flags=("--crm",), required=True, exists=False, example="customers.csv",
           help="Customer list (.csv or .parquet), any size. In a project file: crm.file (the stage runs when "
                "it is given)."),
    Option("segments", "path", None, flags=("--segments",),
           cli_only="input: a project run passes the segment stage's Segments",
           help="Segment assignments to attach by respondent_id."),
    Option("on", "str", None, metavar="KEY[=CRMKEY]", example="email=EmailAddress",
           help="Key column, or SURVEYCOL=CRMCOL. Default: a common customer id, e-mail or phone column."),
    Option("key_type", "choice", None, choices=(None, "email", "phone", "id", "sha256"), example="email",
           help="How keys are normalized (default: from the column names). sha256 = one side holds "
                "SHA-256 digests of normalized e-mails."),
    Option("gmail_dots", "flag", False, example=True,
           help="Apply the Gmail rule (dots and +tags ignored) to e-mails."),
    Option("default_country", "str", None, metavar="CODE", example="34",
           help="Calling code for phone numbers without one (e.g. 34)."),
    Option("order_by", "str", None, metavar="COLUMN", example="EndDate",
           help="Survey date column: with duplicate keys the latest response is kept (default: last row)."),
    Option("pseudonymize", "flag", False, example=True,
           help="Write HMAC-SHA256 digests instead of e-mails and phones (key from --key-env)."),
    Option("key_env", "str", "SURVEYTOOLS_HMAC_KEY", example="MY_HMAC_KEY",
           help="Environment variable holding the pseudonymization key."),
    Option("output", "path", None, flags=("-o", "--output"), required=True, output="customers_segmented.parquet",
           cli_only="output: a project run writes customers_segmented.parquet", example="joined.parquet",
           help="Joined customer list to write (.csv or .parquet): every customer, with segment columns."),
)


def _survey_table(inputs: Inputs) -> pd.DataFrame:
    """The survey side from the run's survey and segments (what the command reads from --survey/--segments)."""
    from ..io import clean_frame

    survey = inputs.survey
    frame = clean_frame(survey)
    seg = inputs.segments.to_frame()
    seg = seg[[c for c in ("segment", "segment_name") if c in seg.columns]]
    frame[survey.id_name] = frame[survey.id_name].astype(str)
    frame = frame.merge(seg, left_on=survey.id_name, right_index=True, how="left")
    if survey.id_name != "respondent_id":
        frame = frame.rename(columns={survey.id_name: "respondent_id"})
    return frame


def run(inputs: Inputs, options: Options) -> StageResult:
    """Join; provides the joined customer list as ``crm`` (for voc). In a project run that extends it (a
    ``crm_extend`` section), the join is written to ``customers_joined.parquet`` and the ``crm_extend`` stage
    writes every customer to the output, ``customers_segmented.parquet``."""
    from ..crm import _read_table, hmac_key_from_env, join_crm

    key = hmac_key_from_env(options.key_env) if options.pseudonymize else None
    if options.survey is not None:
        survey: Any = options.survey
        segments = options.segments
    else:
        survey, segments = _survey_table(inputs), None
    joined = options.output
    if inputs.project and "crm_extend" in inputs.plan and options.output is not None:
        from .crm_extend import JOINED_FILE

        joined = options.output.with_name(JOINED_FILE)
    res = join_crm(survey, options.file, joined, on=options.on, kind=options.key_type, segments=segments,
                   gmail_dots=options.gmail_dots, default_country=options.default_country,
                   order_by=options.order_by, pseudonymize_key=key, progress=inputs.progress)
    out = StageResult("crm", value=res, json=res.to_dict(), text=res.summary(lang=inputs.language), rows_in=res.crm_rows_in,
                      rows_out=res.rows_out)
    if res.examples_unmatched:
        out.notes.append(f"  unmatched (redacted): {', '.join(res.examples_unmatched)}")
    if joined is not None:
        out.outputs["output"] = joined
        out.provides["crm"] = _read_table(joined)
    return out


def _skip(inputs: Inputs, options: Options) -> str | None:
    if options.file is None:
        return "no CRM file in the project"
    return "no segments (the segment stage is off)" if inputs.segments is None else None


def _load(values: Any) -> Inputs:
    from pathlib import Path

    return Inputs(files=tuple(Path(values[k]) for k in ("survey", "file", "segments") if values.get(k) is not None))


STAGE = Stage(
    name="crm", command="crm join", options=OPTIONS, run=run, needs=("survey", "segments"), skip=_skip, load=_load,
    help="""Attach survey respondents and their segments to a customer list.

    Every customer is kept. Duplicate keys never multiply rows: the latest survey response per key is
    kept, and a key matches the first customer that has it. Unmatched keys are shown redacted.

    \b
    Examples:
      surveytools crm join --survey clean.csv --segments segments.csv --crm customers.csv -o joined.parquet
      SURVEYTOOLS_HMAC_KEY=... surveytools crm join --survey clean.csv --crm customers.csv --pseudonymize -o out.csv
    """)
