"""``surveytools factor``: exploratory factor analysis of survey items, as R psych ``fa``."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

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

_ROTATIONS = ["none", "varimax", "quartimax", "equamax", "geominT", "promax", "oblimin", "quartimin", "oblimax",
              "geominQ", "geomin"]

if TYPE_CHECKING:  # pandas is imported when a command runs, not for --help
    import pandas as pd


def _n_factors(ctx: click.Context, param: click.Parameter, value: str) -> int | str:
    v = str(value).strip().lower()
    if v == "auto":
        return "auto"
    try:
        k = int(v)
    except ValueError:
        raise click.BadParameter("give 'auto' or a whole number of factors, e.g. --n-factors 5") from None
    if k < 1:
        raise click.BadParameter("the number of factors must be at least 1")
    return k


def _write_scores(scores: pd.DataFrame, path: Path, id_name: str, inputs: list[Any]) -> Path:
    from ..io.tables import write_table

    frame = scores.rename_axis(id_name).reset_index()
    return write_table(frame, path, inputs=inputs, sheet="factor scores", what="factor scores")


@click.command(name="factor")
@click.argument("data", type=click.Path(dir_okay=False, path_type=Path))
@questionnaire_option()
@click.option("--items", default=None, metavar="IDS",
              help="Item ids and/or scale names, comma-separated (default: every Likert item but attention checks).")
@click.option("--n-factors", "n_factors", default="auto", show_default=True, callback=_n_factors, metavar="auto|K",
              help="Number of factors; auto = parallel analysis (psych fa.parallel, FA eigenvalues).")
@click.option("--method", type=click.Choice(["minres", "ml", "pa", "pc"]), default="minres", show_default=True,
              help="Extraction: minimum residual (psych default), maximum likelihood, principal axis, principal "
                   "components (psych principal).")
@click.option("--rotation", type=click.Choice(_ROTATIONS, case_sensitive=False), default="oblimin",
              show_default=True, help="Rotation (promax, oblimin, quartimin, oblimax, geominQ/geomin are oblique).")
@click.option("--gamma", type=float, default=0.0, show_default=True,
              help="Oblimin gamma (0 quartimin, 0.5 biquartimin, 1 covarimin).")
@click.option("--kaiser/--no-kaiser", default=None,
              help="Kaiser-normalize rows during the rotation (--kaiser: SPSS). Default: as R (varimax and promax "
                   "normalized, the others not).")
@click.option("--cor", type=click.Choice(["pearson", "polychoric"]), default="pearson", show_default=True,
              help="Correlations to factor.")
@click.option("--missing", type=click.Choice(["pairwise", "listwise"]), default="pairwise", show_default=True,
              help="Missing answers: pairwise correlations (psych default) or complete respondents only.")
@click.option("--score-method", type=click.Choice(["regression", "bartlett", "tenberge"]), default="regression",
              show_default=True, help="Factor score method for --scores.")
@click.option("--scores", "scores_out", type=click.Path(dir_okay=False, path_type=Path), default=None,
              metavar="OUT", help="Write factor scores by respondent id (.csv, .parquet or .xlsx).")
@click.option("--names", default=None, metavar="N1,N2,...",
              help="Factor names, comma-separated, in the reported order (run once without to see it).")
@click.option("--random-starts", type=click.IntRange(min=0), default=0, show_default=True,
              help="Extra random starts of the rotation (guards against local optima).")
@click.option("--n-iter", type=click.IntRange(min=0), default=20, show_default=True,
              help="Parallel analysis iterations (0 skips it; then give --n-factors K).")
@click.option("--seed", type=int, default=20240601, show_default=True,
              help="Random seed of parallel analysis and random starts (same seed, same result).")
@click.option("--cut", type=click.FloatRange(0, 1), default=0.0, show_default=True,
              help="Hide loadings below this in the printed table (never in --json).")
@click.option("--save-model", type=click.Path(dir_okay=False, path_type=Path), default=None, metavar="FILE",
              help="Save the fitted model (JSON) to score other respondents later with --model.")
@click.option("--model", "model_in", type=click.Path(dir_okay=False, exists=True, path_type=Path), default=None,
              metavar="FILE", help="Do not fit: score DATA with a model saved by --save-model (needs --scores).")
@click.option("--unweighted", is_flag=True, help="Ignore survey weights set in the questionnaire.")
@sheet_option
@json_option
@quiet_option
def command(data: Path, questionnaire: Path, items: str | None, n_factors: int | str, method: str, rotation: str,
            gamma: float, kaiser: bool | None, cor: str, missing: str, score_method: str, scores_out: Path | None,
            names: str | None, random_starts: int, n_iter: int, seed: int, cut: float, save_model: Path | None,
            model_in: Path | None, unweighted: bool, sheet: str | None, as_json: bool, quiet: bool) -> None:
    """Exploratory factor analysis of survey items, as R psych fa.

    Reports sampling adequacy (KMO, Bartlett), the number-of-factors criteria side by side (parallel
    analysis, Velicer's MAP, Kaiser), the loadings with communalities (h2), uniquenesses (u2) and
    complexity, variance explained, factor correlations (oblique rotations), fit (chi-square, RMSEA,
    TLI, BIC, RMSR) and each factor's top items with their text, for naming. Factors come in psych's
    order (by variance explained) and signs (loadings sum >= 0).

    Communalities under oblique rotations are diag(L Phi L'). Factor scores are z-scores (ddof 1) times
    the score weights; a missing answer counts as the item mean.

    \b
    Examples:
      surveytools factor clean.csv -q questionnaire.yaml
      surveytools factor clean.csv -q q.yaml --n-factors 5 --rotation promax --json
      surveytools factor clean.csv -q q.yaml --items agreeableness,openness --n-factors 2 --cor polychoric
      surveytools factor clean.csv -q q.yaml --n-factors 5 --names N,E,C,A,O --scores scores.csv --save-model efa.json
      surveytools factor new.csv -q q.yaml --model efa.json --scores new_scores.csv
    """
    from ..factor.model import FactorModel

    survey = load_data(data, questionnaire, sheet)
    inputs: list[Any] = [data, questionnaire]
    if model_in is not None:
        if scores_out is None:
            raise click.UsageError("--model scores data with a saved model: give --scores OUT as well")
        model = FactorModel.load(model_in)
        scores = model.transform(survey)
        written = _write_scores(scores, scores_out, survey.id_name, inputs + [model_in])
        scored = int(scores.notna().all(axis=1).sum())
        if as_json:
            emit_json({"model": str(model_in), "factors": list(scores.columns), "rows_in": int(len(scores)),
                       "scored": scored, "scores": str(written)})
            return
        note(f"{scored} of {len(scores)} respondents scored on {', '.join(scores.columns)}; written to {written}",
             quiet)
        return

    model = FactorModel(n_factors=n_factors, method=method, rotation=rotation, cor=cor, missing=missing,
                        gamma=gamma, kaiser=kaiser, scores=score_method, random_starts=random_starts, seed=seed,
                        factor_names=[n.strip() for n in names.split(",")] if names else None, n_iter=n_iter,
                        weights=not unweighted)
    with ClickProgress(quiet or as_json) as progress:
        model.fit(survey, items=items, progress=progress)
    result = model.result_
    out: dict[str, Any] = result.to_dict()
    if scores_out is not None:
        scores = model.transform(survey)
        out["scores_output"] = str(_write_scores(scores, scores_out, survey.id_name, inputs))
    if save_model is not None:
        out["model_output"] = str(model.save(save_model, inputs=inputs))
    if as_json:
        emit_json(out)
        return
    click.echo(result.summary(cut=cut))
    if scores_out is not None:
        note(f"Factor scores ({result.score_method}) written to {out['scores_output']}", quiet)
    if save_model is not None:
        note(f"Model saved to {out['model_output']}", quiet)
