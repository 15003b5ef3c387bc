"""Stage ``voc``: NPS, CSAT, CRM KPIs and RFM, key drivers and distinctive comment words, per segment."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Any

from ._base import Inputs, Option, Options, Stage, StageResult
from .common import FACTOR_SCORES, INCLUDE_FLAGGED, SEED, SEGMENTS, SURVEY_INPUTS


def _as_of(value: Any) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    try:
        return datetime.strptime(str(value).strip(), "%Y-%m-%d").date()
    except ValueError:
        raise ValueError(f"{value!r} is not a date; write it as YYYY-MM-DD") from None


def _codeframe(value: Any) -> Path:
    """A code frame file (read and validated, every problem listed with its line, when the stage runs)."""
    return Path(value)


def _check_codeframe(value: Any) -> None:
    """A project file's code frame is read when the project loads, so its problems stop the run before it starts."""
    from ..text.codeframe import load_codeframe

    load_codeframe(value)


def _crm_columns(value: Any) -> dict[str, str]:
    """``role=column`` pairs (or a YAML mapping) -> {role: column}; the roles are checked here."""
    from ..voc import CRM_ROLES

    pairs: dict[str, str] = {}
    items = value.items() if isinstance(value, dict) else [str(v).partition("=")[::2] for v in value]
    for role, column in items:
        role, column = str(role).strip(), str(column).strip()
        if role not in CRM_ROLES:
            raise ValueError(f"unknown CRM column role {role!r}; use {', '.join(CRM_ROLES)} (as role=column)")
        if not column:
            raise ValueError(f"give the column of {role} as {role}=column")
        pairs[role] = column
    return pairs


def _drivers(value: Any) -> str:
    return ",".join(map(str, value)) if isinstance(value, (list, tuple)) else str(value)


OPTIONS = (
    *SURVEY_INPUTS,
    INCLUDE_FLAGGED,
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
    Option("crm_columns", "list", None, metavar="ROLE=COLUMN,...", parse=_crm_columns,
           example=["orders=n_pedidos", "revenue=importe"],
           help="CRM columns of the KPI roles (orders, revenue, last_purchase, tier, channel, discounts) when "
                "their names are not recognised; English and Spanish names (importe, pedidos, ultima_compra, "
                "canal...) are found without it."),
    Option("as_of", "str", None, metavar="YYYY-MM-DD", parse=_as_of, example="2024-06-30",
           help="Reference date for recency (default: the latest purchase in the CRM file)."),
    Option("codeframe", "path", None, parse=_codeframe, check=_check_codeframe, example="codeframe.yaml",
           help="Code frame YAML: themes by lemma keywords, phrases, regex, exclusions (see docs/voc.md)."),
    Option("discover_themes", "int", None, min=1, metavar="K", example=6,
           help="Without a code frame: propose K themes (NMF on lemmas and phrases) and code the comments."),
    Option("codeframe_out", "path", None, output="codeframe_draft.yaml", example="draft.yaml",
           cli_only="output: a project run writes codeframe_draft.yaml when it discovers themes",
           help="With --discover-themes: write the draft code frame here (YAML) to edit and reuse."),
    Option("text_language", "choice", None, choices=(None, "es", "en", "auto"), example="es",
           help="Language of the comments (default auto: told per comment by its stop words, ties going to the "
                "questionnaire's language)."),
    Option("quotes", "int", 3, min=0, example=5,
           help="Representative quotes per theme and segment (personal data masked)."),
    SEED,
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
    from ..exceptions import OptionUsageError
    from ..voc import voc_by_segment

    if options.codeframe is not None and options.discover_themes is not None:
        raise OptionUsageError("give either --codeframe or --discover-themes, not both")
    draft_out = options.codeframe_out
    if draft_out is not None and options.discover_themes is None:
        if not inputs.project:
            raise OptionUsageError("--codeframe-out writes the themes of --discover-themes K; add --discover-themes")
        draft_out = None  # a project run writes the draft only when it discovers themes
    frame = None
    if options.codeframe is not None:
        from ..text.codeframe import load_codeframe

        frame = load_codeframe(options.codeframe)
    survey = inputs.survey
    kept, seg, unassigned = inputs.segments.align(survey)
    crm = load_crm(options.crm) if options.crm is not None else inputs.crm
    result = voc_by_segment(kept, seg, nps_item=options.nps, csat_item=options.csat,
                            csat_definition=options.csat_definition,
                            drivers=_drivers_frame(inputs, kept, options.drivers),
                            driver_outcome=options.drivers_outcome, text_item=options.text, crm=crm,
                            as_of=options.as_of, names=dict(inputs.segments.names) or None,
                            crm_columns=options.crm_columns,
                            progress=inputs.progress, codeframe=frame, discover_themes=options.discover_themes,
                            text_language=options.text_language, seed=options.seed, quotes=options.quotes)
    out = result.to_dict()
    out["rows"]["excluded"]["no-segment"] = int(len(unassigned))
    out["rows"]["respondents"] = int(survey.n)
    res = StageResult("voc", value=result, json=out, text=result.summary(), rows_in=survey.n, rows_out=kept.n)
    if draft_out is not None and result.codeframe is not None:
        from ..io.atomic import atomic_write
        from ..text.codeframe import DRAFT_HEADER

        with atomic_write(draft_out, inputs.files) as tmp:
            tmp.write_text(result.codeframe.to_yaml(DRAFT_HEADER), encoding="utf-8")
        res.outputs["codeframe_out"] = Path(draft_out)
        out["settings"]["codeframe_out"] = Path(draft_out)
        res.notes.append(f"Draft code frame written to {draft_out}: edit it and run again with --codeframe")
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
      surveytools voc clean.parquet -q q.yaml --segments segments.csv --drivers factors --factor-scores fs.csv
      surveytools voc clean.parquet -q q.yaml --segments segments.csv --codeframe frame.yaml
      surveytools voc clean.parquet -q q.yaml --segments segments.csv --discover-themes 6 --codeframe-out draft.yaml
    """)
