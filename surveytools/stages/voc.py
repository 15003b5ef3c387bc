"""Stage ``voc``: NPS, CSAT, CRM KPIs and RFM, key drivers and distinctive comment words, per segment."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Any

from ._base import Inputs, Option, Options, Stage, StageResult
from .common import FACTOR_SCORES, SEGMENTS, SURVEY_INPUTS


def _as_of(value: Any) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    try:
        return datetime.strptime(str(value).strip(), "%Y-%m-%d").date()
    except ValueError:
        raise ValueError(f"{value!r} is not a date; write it as YYYY-MM-DD") from None


def _drivers(value: Any) -> str:
    return ",".join(map(str, value)) if isinstance(value, (list, tuple)) else str(value)


OPTIONS = (
    *SURVEY_INPUTS,
    SEGMENTS,
    Option("crm", "path", None, example="joined.parquet",
           cli_only="input: a project run passes its crm stage's joined customer list",
           help="Joined customer list from 'surveytools crm join' (CRM KPIs and RFM per segment)."),
    Option("nps", "str", None, example="nps", help="NPS item (default: the questionnaire's nps item)."),
    Option("csat", "str", None, example="csat", help="Satisfaction item for CSAT."),
    Option("csat_definition", "choice", "top2", choices=("top1", "top2", "top3", "mean"), example="top1",
           help="CSAT definition: top1, top2, top3 (share in the top boxes) or mean."),
    Option("drivers", "str", "scales", parse=_drivers, example="factors",
           help="Key-driver predictors: scales, factors, none, or item ids/scale names (comma-separated). "
                "factors: the scores of --factor-scores (a project run: its factor stage's); without them, a "
                "factor model with 'surveytools factor' defaults fitted on the segmented respondents."),
    FACTOR_SCORES,
    Option("drivers_outcome", "str", None, example="nps",
           help="Outcome of the driver analysis (default: the NPS item)."),
    Option("text", "str", None, example="comment",
           help="Open-ended item (default: the questionnaire's text item)."),
    Option("as_of", "str", None, metavar="YYYY-MM-DD", parse=_as_of, example="2024-06-30",
           help="Reference date for recency (default: the latest purchase in the CRM file)."),
)


def _drivers_frame(inputs: Inputs, kept: Any, spec: str) -> Any:
    """Driver scores per respondent: scale scores (default), factor scores, or listed items."""
    if spec == "none":
        return None
    if spec == "scales":
        if inputs.scale_scores is not None:
            return inputs.scale_scores
        if not kept.questionnaire.scales:
            return None
        from ..scoring import score_scales

        return score_scales(kept).scores
    if spec == "factors":
        if inputs.factor_scores is not None:
            return inputs.factor_scores
        from ..factor.model import FactorModel

        return FactorModel(n_factors="auto").fit(kept).transform(kept)
    return kept.item_frame(spec, reverse=True)


def load_crm(path: Path | str) -> Any:
    """The joined customer list (as 'surveytools crm join' wrote it)."""
    from ..crm import _read_table
    from ..exceptions import InputFileError

    p = Path(path)
    if not p.exists():
        raise InputFileError(f"CRM file {p} not found; write it with 'surveytools crm join'")
    return _read_table(p)


def run(inputs: Inputs, options: Options) -> StageResult:
    """VoC metrics by segment (respondents without a segment are counted as excluded)."""
    from ..voc import voc_by_segment

    survey = inputs.survey
    kept, seg, unassigned = inputs.segments.align(survey)
    crm = load_crm(options.crm) if options.crm is not None else inputs.crm
    result = voc_by_segment(kept, seg, nps_item=options.nps, csat_item=options.csat,
                            csat_definition=options.csat_definition,
                            drivers=_drivers_frame(inputs, kept, options.drivers),
                            driver_outcome=options.drivers_outcome, text_item=options.text, crm=crm,
                            as_of=options.as_of, names=dict(inputs.segments.names) or None,
                            progress=inputs.progress)
    out = result.to_dict()
    out["rows"]["excluded"]["no-segment"] = int(len(unassigned))
    out["rows"]["respondents"] = int(survey.n)
    res = StageResult("voc", value=result, json=out, text=result.summary(), rows_in=survey.n, rows_out=kept.n)
    if len(unassigned):
        res.excluded["no segment"] = int(len(unassigned))
    return res


def _skip(inputs: Inputs, options: Options) -> str | None:
    if inputs.segments is None:
        return "no segments (the segment stage is off)"
    q = inputs.survey.questionnaire
    if not (options.nps or q.items_of_type("nps") or options.csat or q.items_of_type("text")
            or inputs.crm is not None):
        return "no NPS, CSAT, comment item or CRM file"
    return None


STAGE = Stage(
    name="voc", command="voc", options=OPTIONS, run=run, needs=("survey", "segments", "crm"), skip=_skip,
    help="""NPS, CSAT, CRM KPIs and RFM, key drivers and distinctive comment words, per segment.

    \b
    NPS: promoters 9-10, detractors 0-6, with a 95% interval.
    CSAT: top-2-box share by default (the definition is printed beside it).
    RFM: quintile scores over every customer of the joined CRM file, with named RFM segments.
    Drivers: Johnson's relative weights (sum to R-squared), overall and per segment.
    Comments: weighted log-odds with an informative Dirichlet prior (English and Spanish stop words).

    \b
    Examples:
      surveytools voc clean.parquet -q questionnaire.yaml --segments segments.csv
      surveytools voc clean.parquet -q q.yaml --segments segments.csv --crm joined.parquet --csat satisf --json
      surveytools voc clean.parquet -q q.yaml --segments segments.csv --drivers factors --factor-scores fs.csv
    """)
