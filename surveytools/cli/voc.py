"""``surveytools voc``: voice-of-the-customer metrics by segment."""

from __future__ import annotations

from pathlib import Path

import click

from ._common import (
    ClickProgress,
    emit_json,
    json_option,
    load_data,
    note,
    questionnaire_option,
    quiet_option,
    sheet_option,
)


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
@click.option("--codeframe", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Code frame YAML: themes by lemma keywords, phrases, regex, exclusions (see docs/voc.md).")
@click.option("--discover-themes", "discover", type=click.IntRange(min=1), default=None, metavar="K",
              help="Without a code frame: propose K themes (NMF on lemmas and phrases) and code the comments.")
@click.option("--codeframe-out", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="With --discover-themes: write the draft code frame here (YAML) to edit and reuse.")
@click.option("--text-language", type=click.Choice(["es", "en", "auto"]), default=None,
              help="Language of the comments (default auto: told per comment by its stop words, ties going to the "
                   "questionnaire's language).")
@click.option("--quotes", type=click.IntRange(min=0), default=3, show_default=True,
              help="Representative quotes per theme and segment (personal data masked).")
@click.option("--seed", type=int, default=0, show_default=True, help="Seed of theme discovery.")
@sheet_option
@json_option
@quiet_option
def command(data: Path, questionnaire: Path, segments: Path, crm: Path | None, nps_item: str | None,
            csat_item: str | None, csat_definition: str, drivers: str, drivers_outcome: str | None,
            text_item: str | None, as_of, codeframe: Path | None, discover: int | None, codeframe_out: Path | None,
            text_language: str | None, quotes: int, seed: int, sheet: str | None, as_json: bool, quiet: bool) -> None:
    """NPS, CSAT, CRM KPIs and RFM, key drivers, comment terms and themes, per segment.

    \b
    NPS: promoters 9-10, detractors 0-6, with a 95% interval.
    CSAT: top-2-box share by default (the definition is printed beside it).
    RFM: quintile scores over every customer of the joined CRM file, with named RFM segments.
    Drivers: Johnson's relative weights (sum to R-squared), overall and per segment.
    Comments: distinctive lemmas, negations ("no_volver") and phrases per segment (weighted log-odds with
    an informative Dirichlet prior), in Spanish or English.
    Themes: --codeframe FRAME.yaml codes every comment into themes (a comment can have several); shares per
    segment are tested against the rest (z test, Kish n_eff with weights, Benjamini-Hochberg) with quotes.
    --discover-themes K proposes K themes and --codeframe-out writes them as a draft code frame.
    E-mails, phone numbers and long digit runs are masked in every quote and example.

    \b
    Examples:
      surveytools voc clean.parquet -q questionnaire.yaml --segments segments.csv
      surveytools voc clean.parquet -q q.yaml --segments segments.csv --crm joined.parquet --csat satisf --json
      surveytools voc clean.parquet -q q.yaml --segments segments.csv --codeframe frame.yaml
      surveytools voc clean.parquet -q q.yaml --segments segments.csv --discover-themes 6 --codeframe-out draft.yaml
    """
    from ..assignments import align_assignments, read_assignments
    from ..voc import voc_by_segment

    if codeframe is not None and discover is not None:
        raise click.UsageError("give either --codeframe or --discover-themes, not both")
    if codeframe_out is not None and discover is None:
        raise click.UsageError("--codeframe-out writes the themes of --discover-themes K; add --discover-themes")
    frame = None
    if codeframe is not None:
        from ..text.codeframe import load_codeframe

        frame = load_codeframe(codeframe)  # checked before the data are read
    if codeframe_out is not None:
        from ..io.atomic import check_output_path

        check_output_path(codeframe_out, [data, questionnaire, segments])
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
                                names=assignments.names, progress=progress, codeframe=frame,
                                discover_themes=discover, text_language=text_language, seed=seed, quotes=quotes)
    if codeframe_out is not None and result.codeframe is not None:
        from ..io.atomic import atomic_write
        from ..text.codeframe import DRAFT_HEADER

        with atomic_write(codeframe_out, [data, questionnaire, segments]) as tmp:
            tmp.write_text(result.codeframe.to_yaml(DRAFT_HEADER), encoding="utf-8")
    out = result.to_dict()
    out["rows"]["excluded"]["no-segment"] = int(len(unassigned))
    out["rows"]["respondents"] = int(survey.n)
    if codeframe_out is not None:
        out["settings"]["codeframe_out"] = str(codeframe_out)
    if as_json:
        emit_json(out)
    else:
        click.echo(result.summary())
        if codeframe_out is not None:
            note(f"Draft code frame written to {codeframe_out}: edit it and run again with --codeframe", quiet)
