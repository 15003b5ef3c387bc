"""``surveytools segment``: psychographic segments, the choice of k, and their stability."""

from __future__ import annotations

from pathlib import Path
from typing import Any

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


def _k(ctx: click.Context, param: click.Parameter, value: str) -> str | int:
    from ..exceptions import DataError
    from ..segment import parse_k

    try:
        ks, _ = parse_k(value)
    except DataError as exc:
        raise click.BadParameter(exc.message) from None
    v = str(value).strip().lower()
    return v if (v == "auto" or len(ks) > 1) else ks[0]


@click.command(name="segment")
@click.argument("data", type=click.Path(dir_okay=False, path_type=Path))
@questionnaire_option()
@click.option("--basis", default="factors", show_default=True, metavar="factors|scales|items|IDS",
              help="What to cluster on: factor scores (standardized), scale scores, Likert items (reverse-keyed "
                   "per the scales), or scale names / item ids, comma-separated. latent-class also takes "
                   "categorical and multi-select items, and NAME:KIND forces a measurement model (categorical, "
                   "ordinal, binary, gaussian).")
@click.option("--k", "k", default="auto", show_default=True, callback=_k, metavar="auto|K|MIN-MAX",
              help="Number of segments: auto (choose from 2-8), a number, or a range to choose from.")
@click.option("--method", type=click.Choice(["kmeans", "gmm", "ward", "ensemble", "latent-class", "lca"]),
              default="kmeans", show_default=True,
              help="k-means (many starts), Gaussian mixture / latent profiles (BIC, probabilities), Ward, an "
                   "ensemble consensus of many k-means runs (as Sawtooth CCEA), or latent class analysis (lca) "
                   "of categorical, ordinal, binary and numeric items together.")
@click.option("--seed", type=int, default=20240601, show_default=True,
              help="Random seed (same seed, same segments; row order never matters).")
@click.option("--bootstrap", type=click.IntRange(min=0), default=50, show_default=True,
              help="Bootstrap replicates for stability (adjusted Rand, Jaccard); 0 skips them.")
@click.option("--n-init", type=click.IntRange(min=1), default=None,
              help="Random starts on the full data (default: k-means 20, gmm 5, latent-class 30).")
@click.option("--min-size", type=click.FloatRange(0, 0.5), default=0.05, show_default=True,
              help="Smallest acceptable segment share when choosing k.")
@click.option("--min-stability", type=click.FloatRange(-1, 1), default=0.75, show_default=True,
              help="Smallest acceptable mean bootstrap adjusted Rand index when choosing k.")
@click.option("--covariance", type=click.Choice(["full", "diag", "spherical", "tied"]), default="full",
              show_default=True, help="gmm: covariance structure (diag = latent profile analysis).")
@click.option("--standardize/--no-standardize", default=None,
              help="z-score the basis (default: factor scores yes; scales and items only when their answer "
                   "scales differ).")
@click.option("--missing", type=click.Choice(["exclude", "mean", "fiml"]), default=None,
              help="Respondents with a missing basis value: exclude them (reported; the default), fill the column "
                   "mean, or (latent-class; its default) keep them, the likelihood skipping the missing answer.")
@click.option("--covariates", default=None, metavar="IDS",
              help="latent-class: items or scales predicting class membership (multinomial logit; odds ratios).")
@click.option("--distal", default=None, metavar="IDS",
              help="latent-class: outcomes (e.g. nps, spend) compared across classes (BCH means, Wald tests).")
@click.option("--covariate-method", type=click.Choice(["ml", "bch", "one-step"]), default="ml", show_default=True,
              help="latent-class covariates: bias-adjusted three-step ML (Vermunt 2010), BCH, or one-step.")
@click.option("--prior", type=click.FloatRange(min=0), default=1.0, show_default=True,
              help="latent-class: pseudo-answers per item and class keeping probabilities off 0 (0 = plain ML).")
@click.option("--jobs", default="auto", show_default=True, metavar="auto|N",
              help="Processes for the bootstrap (auto: up to 4 cores on large data). Results do not depend on it.")
@click.option("--unweighted", is_flag=True, help="Ignore survey weights set in the questionnaire.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), default=None,
              metavar="ASSIGNMENTS", help="Write respondent_id, segment (1..k) [, probability] (.csv or .parquet).")
@click.option("--evaluate", type=click.Path(dir_okay=False, path_type=Path), default=None, metavar="ASSIGNMENTS",
              help="Do not segment: report sizes, centroids and criteria of existing segments (e.g. an earlier "
                   "wave's) on this data's basis.")
@click.option("--save-model", type=click.Path(dir_okay=False, path_type=Path), default=None, metavar="FILE",
              help="Save the segmentation (JSON) to assign new respondents with the library's Segmenter.load.")
@sheet_option
@json_option
@quiet_option
def command(data: Path, questionnaire: Path, basis: str, k: str | int, method: str, seed: int, bootstrap: int,
            n_init: int | None, min_size: float, min_stability: float, covariance: str, standardize: bool | None,
            missing: str | None, covariates: str | None, distal: str | None, covariate_method: str, prior: float,
            jobs: str, unweighted: bool, output: Path | None, evaluate: Path | None, save_model: Path | None,
            sheet: str | None, as_json: bool, quiet: bool) -> None:
    """Segment respondents on their attitudes and choose the number of segments.

    Fits the method at every k of the range and reports, per k, the silhouette, Calinski-Harabasz,
    Davies-Bouldin, BIC, the smallest segment, the bootstrap stability (mean adjusted Rand index with
    the full solution; per-segment Jaccard) and the agreement of random restarts. k is chosen by a
    documented rule: every segment >= --min-size, bootstrap ARI >= --min-stability, then the smallest
    rank sum over silhouette, Calinski-Harabasz, Davies-Bouldin and BIC; the output says why. Segments are numbered by size (1 = largest). Same seed, same
    segments; shuffled rows, same assignments. Survey weights are used when the questionnaire names them.

    latent-class (lca) segments categorical, Likert, multi-select and numeric items together (one
    measurement model per item type; missing answers stay in), reports BIC, AIC, CAIC, SABIC, entropy
    R2 and the average posterior per class, and chooses k by the lowest BIC among the k whose classes
    are large and stable enough. --covariates and --distal relate the classes to other variables.

    \b
    Examples:
      surveytools segment clean.csv -q questionnaire.yaml -o segments.csv
      surveytools segment clean.csv -q q.yaml --basis scales --k 3-6 --json -o segments.csv
      surveytools segment clean.csv -q q.yaml --basis price,quality,Q12 --k 4 --method gmm -o seg.csv
      surveytools segment clean.csv -q q.yaml --method ensemble --bootstrap 100 --seed 7 -o seg.parquet
      surveytools segment wave2.csv -q q.yaml --basis scales --evaluate wave1_segments.csv
      surveytools segment clean.csv -q q.yaml --method lca --basis region,income,age,price_sensitivity \
          --covariates gender --distal nps -o seg.csv --save-model seg.json
    """
    from ..assignments import write_assignments
    from ..exceptions import InputFileError
    from ..segment import Segmenter

    n_jobs: int | str = "auto" if str(jobs).strip().lower() == "auto" else 0
    if n_jobs == 0:
        try:
            n_jobs = int(jobs)
        except ValueError:
            n_jobs = 0
        if n_jobs < 1:
            raise click.BadParameter("give 'auto' or a whole number >= 1", param_hint="--jobs")
    if output is not None and output.suffix.lower() not in (".csv", ".parquet"):
        raise InputFileError(f"cannot write assignments to {output}: use a .csv or .parquet file name")
    survey = load_data(data, questionnaire, sheet)
    inputs: list[Any] = [str(data), str(questionnaire)]
    if evaluate is not None:
        _evaluate(survey, evaluate, basis, standardize, missing or "exclude", unweighted, seed, as_json)
        return
    seg = Segmenter(k=k, method=method, basis=basis, n_init=n_init, bootstrap=bootstrap, seed=seed,
                    min_size=min_size, min_stability=min_stability, standardize=standardize, missing=missing,
                    covariance=covariance, weights=not unweighted, n_jobs=n_jobs, covariates=covariates,
                    distal=distal, covariate_method=covariate_method, prior=prior)
    with ClickProgress(quiet or as_json) as progress:
        seg.fit(survey, progress=progress)
    result = seg.result_
    out: dict[str, Any] = result.to_dict()
    if output is not None:
        frame = result.assignments.copy()
        frame.index.name = survey.id_name
        out["output"] = str(write_assignments(frame, output, inputs=tuple(inputs)))
    if save_model is not None:
        out["model_output"] = str(seg.save(save_model, inputs=inputs))
    if as_json:
        emit_json(out)
        return
    click.echo(result.summary())
    if output is not None:
        note(f"{result.rows_segmented} respondents' segments written to {out['output']}", quiet)
    else:
        note("no assignments written; add -o ASSIGNMENTS to save them", quiet)
    if save_model is not None:
        note(f"Segmentation model saved to {out['model_output']}", quiet)


def _evaluate(survey: Any, path: Path, basis: str, standardize: bool | None, missing: str, unweighted: bool,
              seed: int, as_json: bool) -> None:
    from ..assignments import read_assignments
    from ..segment import evaluate_segments

    report = evaluate_segments(survey, read_assignments(path), basis, standardize=standardize, missing=missing,
                               weights=not unweighted, seed=seed)
    if as_json:
        emit_json(report)
        return
    c = report["criteria"]

    def f(v: Any, spec: str) -> str:
        return "n/a" if v is None else format(v, spec)

    lines = [f"Segments of {path} on {report['basis']['kind']} ({', '.join(report['basis']['columns'])})",
             f"respondents: {report['rows_in']} in, {report['rows_evaluated']} evaluated"
             + "".join(f"; {n} x {r}" for r, n in report["excluded"].items()),
             f"k = {report['k']}: silhouette {f(c['silhouette'], '.3f')}, Calinski-Harabasz "
             f"{f(c['calinski_harabasz'], '.1f')}, Davies-Bouldin {f(c['davies_bouldin'], '.3f')}, "
             f"BIC {f(c['bic'], '.1f')}, smallest segment {f(c['min_share'], '.1%')}", ""]
    cols = report["basis"]["columns"]
    lines.append(f"{'segment':>7}  {'n':>7}  {'share':>6}" + "".join(f"  {c:>8}" for c in cols))
    for s, size in report["sizes"].items():
        lines.append(f"{s:>7}  {size['n']:>7}  {size['share']:>6.1%}"
                     + "".join(f"  {report['centroids'][s][c]:>8.2f}" for c in cols))
    click.echo("\n".join(lines))
