"""Stage ``factor``: exploratory factor analysis of survey items (as R psych ``fa``); factor scores."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

from ._base import Inputs, Option, Options, Stage, StageResult
from .common import INCLUDE_FLAGGED, SEED, SURVEY_INPUTS, UNWEIGHTED

ROTATIONS = ("none", "varimax", "quartimax", "equamax", "geominT", "promax", "oblimin", "quartimin", "oblimax",
             "geominQ", "geomin")


def _n_factors(value: Any) -> int | str:
    v = str(value).strip().lower()
    if v == "auto":
        return "auto"
    try:
        k = int(v)
    except ValueError:
        raise ValueError("give 'auto' or a whole number of factors, e.g. --n-factors 5") from None
    if k < 1:
        raise ValueError("the number of factors must be at least 1")
    return k


def _names(value: Any) -> list[str]:
    """Factor names: a list in the reported order, or a mapping F1: name (project files)."""
    if isinstance(value, Mapping):
        try:
            keys = sorted(value, key=lambda x: int(str(x).lstrip("Ff")))
        except ValueError:
            raise ValueError("must be a list of names or a mapping F1: name") from None
        return [str(value[k]) for k in keys]
    if isinstance(value, (list, tuple)):
        return [str(v).strip() for v in value]
    raise ValueError("must be a list of names or a mapping F1: name")


OPTIONS = (
    *SURVEY_INPUTS,
    INCLUDE_FLAGGED,
    Option("items", "list", None, metavar="IDS", example=["agreeableness", "openness"],
           help="Item ids and/or scale names, comma-separated (default: every Likert item but attention checks)."),
    Option("n_factors", "str", "auto", metavar="auto|K", parse=_n_factors, example=5,
           help="Number of factors; auto = parallel analysis (psych fa.parallel, FA eigenvalues)."),
    Option("method", "choice", "minres", choices=("minres", "ml", "pa", "pc"), example="ml",
           help="Extraction: minimum residual (psych default), maximum likelihood, principal axis, principal "
                "components (psych principal)."),
    Option("rotation", "choice", "oblimin", choices=ROTATIONS, case_sensitive=False, example="promax",
           help="Rotation (promax, oblimin, quartimin, oblimax, geominQ/geomin are oblique)."),
    Option("gamma", "float", 0.0, example=0.5, help="Oblimin gamma (0 quartimin, 0.5 biquartimin, 1 covarimin)."),
    Option("kaiser", "bool", None, example=True,
           help="Kaiser-normalize rows during the rotation (--kaiser: SPSS). Default: as R (varimax and promax "
                "normalized, the others not)."),
    Option("cor", "choice", "pearson", choices=("pearson", "polychoric"), example="polychoric",
           help="Correlations to factor."),
    Option("missing", "choice", "pairwise", choices=("pairwise", "listwise"), example="listwise",
           help="Missing answers: pairwise correlations (psych default) or complete respondents only."),
    Option("score_method", "choice", "regression", choices=("regression", "bartlett", "tenberge"),
           example="bartlett", help="Factor score method for --scores."),
    Option("scores", "path", None, metavar="OUT", output="factor_scores.csv", example="scores.csv",
           cli_only="output: a project run writes factor_scores.csv",
           help="Write factor scores by respondent id (.csv, .parquet or .xlsx)."),
    Option("names", "list", None, metavar="N1,N2,...", parse=_names, example=["Price", "Loyalty"],
           help="Factor names, comma-separated, in the reported order (run once without to see it)."),
    Option("random_starts", "int", 0, min=0, example=10,
           help="Extra random starts of the rotation (guards against local optima)."),
    Option("n_iter", "int", 20, min=0, example=50,
           help="Parallel analysis iterations (0 skips it; then give --n-factors K)."),
    replace(SEED, help="Random seed of parallel analysis and random starts (same seed, same result)."),
    Option("cut", "float", 0.0, min=0, max=1, example=0.3,
           cli_only="display only: the printed table (never the JSON or the files)",
           help="Hide loadings below this in the printed table (never in --json)."),
    Option("save_model", "path", None, metavar="FILE", output="factor_model.json", example="efa.json",
           cli_only="output: a project run writes factor_model.json",
           help="Save the fitted model (JSON) to score other respondents later with --model."),
    Option("model", "path", None, metavar="FILE", exists=True, example="efa.json",
           cli_only="a different action of the command (score with a saved model), not an analysis setting",
           help="Do not fit: score DATA with a model saved by --save-model (needs --scores)."),
    replace(UNWEIGHTED, help="Ignore survey weights set in the questionnaire."),
)


def _write_scores(scores: Any, path: Path, id_name: str, inputs: Any) -> Path:
    from ..io.tables import write_table

    frame = scores.rename_axis(id_name).reset_index()
    return write_table(frame, path, inputs=inputs, sheet="factor scores", what="factor scores")


def run(inputs: Inputs, options: Options) -> StageResult:
    """Fit the factor model; provides ``factor_scores`` (written at full precision with ``scores``)."""
    from ..exceptions import OptionUsageError
    from ..factor.model import FactorModel

    survey = inputs.survey
    files = list(inputs.files)
    if options.model is not None:
        if options.scores is None:
            raise OptionUsageError("--model scores data with a saved model: give --scores OUT as well")
        model = FactorModel.load(options.model)
        scores = model.transform(survey)
        written = _write_scores(scores, options.scores, survey.id_name, files + [options.model])
        scored = int(scores.notna().all(axis=1).sum())
        return StageResult("factor", json={"model": str(options.model), "factors": list(scores.columns),
                                           "rows_in": int(len(scores)), "scored": scored, "scores": written},
                           notes=[f"{scored} of {len(scores)} respondents scored on {', '.join(scores.columns)}; "
                                  f"written to {written}"], outputs={"scores": written},
                           provides={"factor_scores": scores}, rows_in=survey.n, rows_out=scored)
    model = FactorModel(n_factors=options.n_factors, method=options.method, rotation=options.rotation,
                        cor=options.cor, missing=options.missing, gamma=options.gamma, kaiser=options.kaiser,
                        scores=options.score_method, random_starts=options.random_starts, seed=options.seed,
                        factor_names=options.names, n_iter=options.n_iter, weights=not options.unweighted)
    model.fit(survey, items=options.items, progress=inputs.progress)
    result = model.result_
    scores = model.transform(survey)
    out = StageResult("factor", value=result, json=result.to_dict(), text=result.summary(cut=options.cut),
                      provides={"factor_scores": scores}, rows_in=survey.n,
                      rows_out=int(scores.notna().all(axis=1).sum()))
    if out.rows_out != survey.n:
        out.excluded["no factor score"] = survey.n - out.rows_out
    if options.scores is not None:
        out.outputs["scores"] = out.json["scores_output"] = _write_scores(scores, options.scores, survey.id_name,
                                                                          files)
        out.notes.append(f"Factor scores ({result.score_method}) written to {out.outputs['scores']}")
    if options.save_model is not None:
        out.outputs["save_model"] = out.json["model_output"] = model.save(options.save_model, inputs=files)
        out.notes.append(f"Model saved to {out.outputs['save_model']}")
    return out


STAGE = Stage(
    name="factor", command="factor", options=OPTIONS, run=run,
    help="""Exploratory factor analysis of survey items, as R psych fa.

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
    """)
