"""Stage ``reliability``: alpha, omega and item analysis per scale (as R psych); scale scores per respondent."""

from __future__ import annotations

import warnings

from ._base import Inputs, Option, Options, Stage, StageResult
from .common import INCLUDE_FLAGGED, MIN_ANSWERED, SEED, SURVEY_INPUTS, UNWEIGHTED

OPTIONS = (
    *SURVEY_INPUTS,
    INCLUDE_FLAGGED,
    Option("scales", "list", None, flags=("--scale",), multiple=True, metavar="S", example=["agreeableness"],
           help="Scale to analyse (repeat or comma-separate; default: every scale of the questionnaire)."),
    Option("omega_factors", "int", None, min=1, metavar="K", example=5,
           help="Also omega hierarchical and omega total from a K-factor Schmid-Leiman solution (psych omega)."),
    Option("missing", "choice", "pairwise", choices=("pairwise", "listwise"), example="listwise",
           help="Missing answers: pairwise covariances (psych default) or complete respondents only."),
    Option("bootstrap", "int", 0, min=0, flags=("--bootstrap",), metavar="N", show_default=False, example=200,
           help="Bootstrap resamples for percentile intervals of alpha and omega (0: none)."),
    SEED,
    Option("confidence", "float", 0.95, min=0, max=1, min_open=True, max_open=True, example=0.9,
           help="Level of the Feldt and bootstrap intervals."),
    Option("min_alpha", "float", 0.7, example=0.8, help="Flag scales whose alpha is below this."),
    Option("deletion_gain", "float", 0.02, example=0.05,
           help="Flag items whose deletion raises alpha by more than this."),
    UNWEIGHTED,
    Option("scores", "path", None, output="scale_scores.csv", example="scores.csv",
           cli_only="output: a project run writes scale_scores.csv",
           help="Also write per-respondent scale scores (.csv, .parquet or .xlsx); see 'surveytools scores'."),
    MIN_ANSWERED,
)


def run(inputs: Inputs, options: Options) -> StageResult:
    """Reliability of each scale; with ``scores`` also the scale scores (passed on as ``scale_scores``)."""
    from ..exceptions import SurveyToolsWarning
    from ..reliability import reliability
    from ..scoring import score_scales

    survey = inputs.survey
    weights = False if options.unweighted else None
    with warnings.catch_warnings():
        # the library's warnings reappear as the result's diagnostics
        warnings.simplefilter("ignore", SurveyToolsWarning)
        res = reliability(survey, options.scales, missing=options.missing, omega_factors=options.omega_factors,
                          bootstrap=options.bootstrap, seed=options.seed, confidence=options.confidence,
                          weights=weights, min_alpha=options.min_alpha, deletion_gain=options.deletion_gain,
                          progress=inputs.progress)
    out = StageResult("reliability", value=res, json=res.to_dict(), text=res.summary(), rows_in=survey.n,
                      rows_out=survey.n)
    sc = score_scales(survey, options.scales, min_answered=options.min_answered, weights=weights)
    out.provides["scale_scores"] = sc.scores
    out.rows_out = int(sc.scores.notna().all(axis=1).sum())
    if out.rows_out != survey.n:
        out.excluded["no scale score (too few items answered)"] = survey.n - out.rows_out
    if options.scores is not None:
        written = sc.write(options.scores, inputs=inputs.files, id_name=survey.id_name)
        out.outputs["scores"] = written
        out.json["scores_file"] = written
        out.notes.append(f"Scale scores written to {written}")
    return out


def _skip(inputs: Inputs, options: Options) -> str | None:
    return None if inputs.survey.questionnaire.scales else "the questionnaire defines no scales"


STAGE = Stage(
    name="reliability", command="reliability", options=OPTIONS, run=run, skip=_skip,
    help="""Reliability of each scale: alpha, omega and item analysis, as R psych alpha and omega.

    Reverse-keyed items (a leading '-' in the questionnaire's scales) are reversed first
    (x' = min + max - x of the option set). Per scale: n, raw alpha with Feldt's interval, standardized
    alpha, Guttman's lambda 6 (smc), average and median inter-item r, signal/noise, omega total from a
    one-factor minres model; per item: mean, sd, item-rest r (r_drop), item-total r, alpha if deleted.
    With --omega-factors K: psych omega's Schmid-Leiman omega hierarchical and omega total. Diagnostics
    flag mis-keyed items (negative item-rest r), low alpha, items whose deletion raises alpha and items
    without variance. Survey weights from the questionnaire enter every covariance (--unweighted: off).

    \b
    Examples:
      surveytools reliability clean.csv -q questionnaire.yaml
      surveytools reliability clean.csv -q q.yaml --scale agreeableness --scale openness --json
      surveytools reliability clean.csv -q q.yaml --scale big5 --omega-factors 5
      surveytools reliability clean.csv -q q.yaml --bootstrap 1000 --seed 7 --scores scores.csv
    """)
