"""``surveytools voc``: voice-of-the-customer metrics by segment."""

from __future__ import annotations

from pathlib import Path

import click

from ._common import ClickProgress, emit_json, json_option, load_data, questionnaire_option, quiet_option, sheet_option


def _drivers_frame(survey, spec: str):
    """Driver scores per respondent: scale scores (default), factor scores, or listed items."""
    if spec == "none":
        return None
    if spec == "scales":
        if not survey.questionnaire.scales:
            return None
        from ..scoring import score_scales

        return score_scales(survey).scores
    if spec == "factors":
        from ..factor.model import FactorModel

        model = FactorModel(n_factors="auto").fit(survey)
        return model.transform(survey)
    return survey.item_frame(spec, reverse=True)


@click.command(name="voc")
@click.argument("data", type=click.Path(dir_okay=False, path_type=Path))
@questionnaire_option()
@click.option("--segments", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="Segment assignments (respondent_id, segment).")
@click.option("--crm", "crm", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Joined customer list from 'surveytools crm join' (CRM KPIs and RFM per segment).")
@click.option("--nps", "nps_item", default=None, help="NPS item (default: the questionnaire's nps item).")
@click.option("--csat", "csat_item", default=None, help="Satisfaction item for CSAT.")
@click.option("--csat-definition", default="top2", show_default=True,
              help="CSAT definition: top1, top2, top3 (share in the top boxes) or mean.")
@click.option("--drivers", "drivers", default="scales", show_default=True,
              help="Key-driver predictors: scales, factors, none, or item ids/scale names (comma-separated).")
@click.option("--drivers-outcome", default=None, help="Outcome of the driver analysis (default: the NPS item).")
@click.option("--text", "text_item", default=None, help="Open-ended item (default: the questionnaire's text item).")
@click.option("--as-of", type=click.DateTime(formats=["%Y-%m-%d"]), default=None,
              help="Reference date for recency (default: the latest purchase in the CRM file).")
@sheet_option
@json_option
@quiet_option
def command(data: Path, questionnaire: Path, segments: Path, crm: Path | None, nps_item: str | None,
            csat_item: str | None, csat_definition: str, drivers: str, drivers_outcome: str | None,
            text_item: str | None, as_of, sheet: str | None, as_json: bool, quiet: bool) -> None:
    """NPS, CSAT, CRM KPIs and RFM, key drivers and distinctive comment words, per segment.

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
    """
    from ..assignments import align_assignments, read_assignments
    from ..voc import voc_by_segment

    survey = load_data(data, questionnaire, sheet)
    assignments = read_assignments(segments)
    kept, seg, unassigned = align_assignments(survey, assignments)
    crm_frame = None
    if crm is not None:
        from ..crm import _read_table
        from ..exceptions import InputFileError

        if not crm.exists():
            raise InputFileError(f"CRM file {crm} not found; write it with 'surveytools crm join'")
        crm_frame = _read_table(crm)
    with ClickProgress(quiet or as_json) as progress:
        result = voc_by_segment(kept, seg, nps_item=nps_item, csat_item=csat_item, csat_definition=csat_definition,
                                drivers=_drivers_frame(kept, drivers), driver_outcome=drivers_outcome,
                                text_item=text_item, crm=crm_frame,
                                as_of=as_of.date() if as_of is not None else None,
                                names=assignments.names, progress=progress)
    out = result.to_dict()
    out["rows"]["excluded"]["no-segment"] = int(len(unassigned))
    out["rows"]["respondents"] = int(survey.n)
    if as_json:
        emit_json(out)
    else:
        click.echo(result.summary())
