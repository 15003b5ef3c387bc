"""``surveytools reliability``: alpha, omega and item analysis per scale, as R psych."""

from __future__ import annotations

import warnings
from pathlib import Path

import click

from ..exceptions import SurveyToolsWarning
from ._common import (
    ClickProgress,
    emit_json,
    json_option,
    load_data,
    note,
    questionnaire_option,
    quiet_option,
    seed_option,
    sheet_option,
)


def _scale_names(values: tuple[str, ...]) -> list[str] | None:
    names = [p.strip() for v in values for p in v.split(",") if p.strip()]
    return names or None


@click.command(name="reliability")
@click.argument("data", type=click.Path(dir_okay=False, path_type=Path))
@questionnaire_option()
@click.option("--scale", "scales", multiple=True, metavar="S",
              help="Scale to analyse (repeat or comma-separate; default: every scale of the questionnaire).")
@click.option("--omega-factors", type=click.IntRange(min=1), default=None, metavar="K",
              help="Also omega hierarchical and omega total from a K-factor Schmid-Leiman solution (psych omega).")
@click.option("--missing", type=click.Choice(["pairwise", "listwise"]), default="pairwise", show_default=True,
              help="Missing answers: pairwise covariances (psych default) or complete respondents only.")
@click.option("--bootstrap", "n_boot", type=click.IntRange(min=0), default=0, metavar="N",
              help="Bootstrap resamples for percentile intervals of alpha and omega (0: none).")
@seed_option
@click.option("--confidence", type=click.FloatRange(0, 1, min_open=True, max_open=True), default=0.95,
              show_default=True, help="Level of the Feldt and bootstrap intervals.")
@click.option("--min-alpha", type=float, default=0.7, show_default=True,
              help="Flag scales whose alpha is below this.")
@click.option("--deletion-gain", type=float, default=0.02, show_default=True,
              help="Flag items whose deletion raises alpha by more than this.")
@click.option("--unweighted", is_flag=True, help="Ignore the survey weights set in the questionnaire.")
@click.option("--scores", "scores_out", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Also write per-respondent scale scores (.csv, .parquet or .xlsx); see 'surveytools scores'.")
@click.option("--min-answered", type=click.FloatRange(0, 1), default=0.5, show_default=True,
              help="With --scores: minimum share of a scale's items answered to get a score.")
@sheet_option
@json_option
@quiet_option
def command(data: Path, questionnaire: Path, scales: tuple[str, ...], omega_factors: int | None, missing: str,
            n_boot: int, seed: int, confidence: float, min_alpha: float, deletion_gain: float, unweighted: bool,
            scores_out: Path | None, min_answered: float, sheet: str | None, as_json: bool, quiet: bool) -> None:
    """Reliability of each scale: alpha, omega and item analysis, as R psych alpha and omega.

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
    """
    from ..reliability import reliability

    survey = load_data(data, questionnaire, sheet)
    names = _scale_names(scales)
    with ClickProgress(quiet or as_json) as progress, warnings.catch_warnings():
        # the library's warnings reappear as the result's diagnostics, printed below
        warnings.simplefilter("ignore", SurveyToolsWarning)
        result = reliability(survey, names, missing=missing, omega_factors=omega_factors, bootstrap=n_boot,
                             seed=seed, confidence=confidence, weights=False if unweighted else None,
                             min_alpha=min_alpha, deletion_gain=deletion_gain, progress=progress)
    written = None
    if scores_out is not None:
        from ..scoring import score_scales

        sc = score_scales(survey, names, min_answered=min_answered, weights=False if unweighted else None)
        written = sc.write(scores_out, inputs=[data, questionnaire], id_name=survey.id_name)
    if as_json:
        out = result.to_dict()
        if written is not None:
            out["scores_file"] = str(written)
        emit_json(out)
        return
    click.echo(result.summary())
    if written is not None:
        note(f"Scale scores written to {written}", quiet)
