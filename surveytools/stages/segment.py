"""Stage ``segment``: psychographic segments, the choice of k, their stability -> :class:`~surveytools.Segments`."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

from ._base import Inputs, Option, Options, Stage, StageResult
from .common import FACTOR_SCORES, INCLUDE_FLAGGED, SEED, SURVEY_INPUTS, UNWEIGHTED


def _k(value: Any) -> str | int:
    from ..segment import parse_k

    text = str(value).strip().lower()
    ks, _ = parse_k(text)  # DataError (a ValueError) with the message
    return text if (text == "auto" or len(ks) > 1) else ks[0]


def _basis(value: Any) -> str:
    return ",".join(map(str, value)) if isinstance(value, (list, tuple)) else str(value)


def _jobs(value: Any) -> int | str:
    text = str(value).strip().lower()
    if text == "auto":
        return "auto"
    try:
        n = int(text)
    except ValueError:
        n = 0
    if n < 1:
        raise ValueError("give 'auto' or a whole number >= 1")
    return n


def _names(value: Any) -> Any:
    """Validated segment names; text 'A,B' means segments 1, 2 (a list), '1=A,2=B' a mapping, or a file."""
    from ..segments import parse_names

    if isinstance(value, str) and "=" not in value and not value.lower().endswith((".yaml", ".yml", ".json")):
        value = [p.strip() for p in value.split(",") if p.strip()]
    parse_names(value)  # the one parser: raises DataError with the problem
    return value


OPTIONS = (
    *SURVEY_INPUTS,
    INCLUDE_FLAGGED,
    Option("basis", "str", "factors", metavar="factors|scales|items|IDS", parse=_basis, example="scales",
           help="What to cluster on: factor scores (standardized), scale scores, Likert items (reverse-keyed "
                "per the scales), or scale names / item ids, comma-separated. latent-class also takes "
                "categorical and multi-select items, and NAME:KIND forces a measurement model (categorical, "
                "ordinal, binary, gaussian)."),
    FACTOR_SCORES,
    Option("factor_model", "path", None, metavar="MODEL", exists=True,
           cli_only="input: a project run passes its factor stage's result",
           help="With --factor-scores: the factor model they came from ('surveytools factor --save-model'), whose "
                "factor names name the segments (without it the factors are called by their codes F1, F2...)."),
    Option("k", "str", "auto", metavar="auto|K|MIN-MAX", parse=_k, example="2-8",
           help="Number of segments: auto (choose from 2-8), a number, or a range to choose from."),
    Option("method", "choice", "kmeans", choices=("kmeans", "gmm", "ward", "ensemble", "latent-class", "lca"),
           example="gmm",
           help="k-means (many starts), Gaussian mixture / latent profiles (BIC, probabilities), Ward, an "
                "ensemble consensus of many k-means runs (as Sawtooth CCEA), or latent class analysis (lca) of "
                "categorical, ordinal, binary and numeric items together."),
    replace(SEED, help="Random seed (same seed, same segments; row order never matters)."),
    Option("bootstrap", "int", 50, min=0, example=20,
           help="Bootstrap replicates for stability (adjusted Rand, Jaccard); 0 skips them."),
    Option("n_init", "int", None, min=1, example=50,
           help="Random starts on the full data (default: k-means 20, gmm 5, latent-class 30)."),
    Option("min_size", "float", 0.05, min=0, max=0.5, example=0.1,
           help="Smallest acceptable segment share when choosing k."),
    Option("min_stability", "float", 0.75, min=-1, max=1, example=0.6,
           help="Smallest acceptable mean bootstrap adjusted Rand index when choosing k."),
    Option("covariance", "choice", "full", choices=("full", "diag", "spherical", "tied"), example="diag",
           help="gmm: covariance structure (diag = latent profile analysis)."),
    Option("standardize", "bool", None, example=True,
           help="z-score the basis (default: factor scores yes; scales and items only when their answer "
                "scales differ)."),
    Option("missing", "choice", None, choices=(None, "exclude", "mean", "fiml"), example="mean",
           help="Respondents with a missing basis value: exclude them (reported; the default), fill the column "
                "mean, or (latent-class; its default) keep them, the likelihood skipping the missing answer."),
    Option("covariates", "list", None, metavar="IDS", example=["age", "region"],
           help="latent-class: items or scales predicting class membership (multinomial logit; odds ratios)."),
    Option("distal", "list", None, metavar="IDS", example=["nps"],
           help="latent-class: outcomes (e.g. nps, spend) compared across classes (BCH means, Wald tests)."),
    Option("covariate_method", "choice", "ml", choices=("ml", "bch", "one-step"), example="bch",
           help="latent-class covariates: bias-adjusted three-step ML (Vermunt 2010), BCH, or one-step."),
    Option("prior", "float", 1.0, min=0, example=0.0,
           help="latent-class: pseudo-answers per item and class keeping probabilities off 0 (0 = plain ML)."),
    Option("jobs", "str", "auto", metavar="auto|N", parse=_jobs, example=2,
           help="Processes for the bootstrap (auto: up to 4 cores on large data). Results do not depend on it."),
    replace(UNWEIGHTED, help="Ignore survey weights set in the questionnaire."),
    Option("names", "str", None, metavar="N1,N2,...|1=N1,...|FILE", parse=_names,
           example=["Achievers", "Explorers"],
           help="Segment names: N1,N2,... (segment 1 first), '1=Achievers,2=Explorers' or a .yaml/.json file; "
                "written to the segment_name column."),
    Option("output", "path", None, flags=("-o", "--output"), metavar="ASSIGNMENTS", output="segments.csv",
           cli_only="output: a project run writes segments.csv", example="segments.csv",
           help="Write respondent_id, segment (1..k) [, probability, segment_name] (.csv, .parquet or a "
                "labelled SPSS .sav)."),
    Option("evaluate", "path", None, metavar="ASSIGNMENTS", example="wave1_segments.csv",
           cli_only="a different action of the command (evaluate existing segments), not a segmentation setting",
           help="Do not segment: report sizes, centroids and criteria of existing segments (e.g. an earlier "
                "wave's) on this data's basis."),
    Option("save_model", "path", None, metavar="FILE", output="segment_model.json", example="segment_model.json",
           cli_only="output: a project run writes segment_model.json",
           help="Save the segmentation (JSON) to assign new respondents with the library's Segmenter.load."),
)


def run(inputs: Inputs, options: Options) -> StageResult:
    """Fit the segmentation; provides ``segments`` (:class:`~surveytools.segments.Segments`)."""
    from ..exceptions import InputFileError
    from ..segment import Segmenter
    from ..segments import Segments

    survey = inputs.survey
    output = options.output
    if output is not None and Path(output).suffix.lower() not in (".csv", ".parquet", ".sav"):
        raise InputFileError(f"cannot write assignments to {output}: use a .csv, .parquet or .sav file name")
    if options.evaluate is not None:
        return _evaluate(inputs, options)
    basis = options.basis
    out = StageResult("segment")
    if basis == "factors" and inputs.factor_scores is None and inputs.project:
        basis = "scales"  # a project run with the factor stage switched off
        out.notes.append("no factor scores (factor stage off): segmenting on scale scores")
    seg = Segmenter(k=options.k, method=options.method, basis=basis, n_init=options.n_init,
                    bootstrap=options.bootstrap, seed=options.seed, min_size=options.min_size,
                    min_stability=options.min_stability, standardize=options.standardize, missing=options.missing,
                    covariance=options.covariance, weights=not options.unweighted, n_jobs=options.jobs,
                    covariates=options.covariates, distal=options.distal,
                    covariate_method=options.covariate_method, prior=options.prior)
    seg.fit(survey, factor_scores=inputs.factor_scores if basis == "factors" else None, progress=inputs.progress)
    res = seg.result_
    fac = inputs.results.get("factor")
    if fac is None and options.factor_model is not None:
        from ..factor import FactorModel

        fac = FactorModel.load(options.factor_model).result_
    if basis == "factors" and inputs.factor_scores is not None and getattr(fac, "labels", None):
        # factor scores passed in (a project run, or --factor-model): label the basis with the factor names
        import dataclasses

        res = dataclasses.replace(res, basis_labels={c: fac.labels.get(c, c) for c in res.basis_columns})
        seg.result_ = res
    a = res.assignments
    from ..segments import parse_names

    # automatic names from the centroids (surveytools.naming), overridden by the names given
    names = {**res.names, **(parse_names(options.names) if options.names is not None else {})}
    segments = Segments.from_labels(a["segment"], names=names or None,
                                    probability=a["probability"] if "probability" in a else None,
                                    source=f"segment: {res.method}, k={res.k}")
    out.value, out.json = res, res.to_dict()
    out.provides["segments"] = segments
    out.rows_in, out.rows_out = survey.n, len(segments)
    if survey.n != len(segments):
        out.excluded["no segment (missing basis)"] = survey.n - len(segments)
    if segments.names:
        out.json["names"] = {str(k): v for k, v in segments.names.items()}
    if options.names is not None:  # the summary shows the names given
        from ..summary.sections import summary_text

        out.text = summary_text("segment", out.json, lang=inputs.language)
    else:
        out.text = res.summary(lang=inputs.language)
    if output is not None:
        frame = segments.to_frame()
        frame.index.name = survey.id_name
        from ..segments import write_frame

        out.outputs["output"] = written = write_frame(frame, output, inputs.files)
        out.json["output"] = written
        out.notes.append(f"{res.rows_segmented} respondents' segments written to {written}")
    else:
        out.notes.append("no assignments written; add -o ASSIGNMENTS to save them")
    if options.save_model is not None:
        out.outputs["save_model"] = written = seg.save(options.save_model, inputs=list(inputs.files))
        out.json["model_output"] = written
        out.notes.append(f"Segmentation model saved to {written}")
    return out


def _evaluate(inputs: Inputs, options: Options) -> StageResult:
    from ..segment import evaluate_segments
    from ..segments import read_segments

    path = options.evaluate
    report = evaluate_segments(inputs.survey, read_segments(path), options.basis, standardize=options.standardize,
                               missing=options.missing or "exclude", weights=not options.unweighted,
                               seed=options.seed)
    from ..summary.sections import summary_document
    from ..summary.text import render_text

    text = render_text(summary_document("segment_evaluate", {**report, "path": str(path)}, lang=inputs.language))
    return StageResult("segment", value=report, json=report, text=text)


STAGE = Stage(
    name="segment", command="segment", options=OPTIONS, run=run,
    help="""Segment respondents on their attitudes and choose the number of segments.

    Fits the method at every k of the range and reports, per k, the silhouette, Calinski-Harabasz,
    Davies-Bouldin, BIC, the smallest segment, the bootstrap stability (mean adjusted Rand index with
    the full solution; per-segment Jaccard) and the agreement of random restarts. k is chosen by a
    documented rule: every segment >= --min-size, bootstrap ARI >= --min-stability, then the smallest
    rank sum over silhouette, Calinski-Harabasz, Davies-Bouldin and BIC; the output says why. Segments are numbered by size (1 = largest). Same seed, same
    segments; shuffled rows, same assignments. Survey weights are used when the questionnaire names them.
    With --factor-scores FILE (from 'surveytools factor --scores') the factor basis is those scores, as in a
    project run, which passes its factor stage's scores.

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
      surveytools segment clean.csv -q q.yaml --factor-scores factor_scores.csv --names A,B,C,D --k 4 -o seg.csv
      surveytools segment clean.csv -q q.yaml --factor-scores scores.csv --factor-model factor_model.json -o seg.csv
      surveytools segment wave2.csv -q q.yaml --basis scales --evaluate wave1_segments.csv
      surveytools segment clean.csv -q q.yaml --method lca --basis region,income,age,price_sensitivity \
          --covariates gender --distal nps -o seg.csv --save-model seg.json
    """)
