"""Segmenter on surveys with known segments: recovery, choice of k, determinism, row-order invariance,
save/load, weights, and clear errors for bad input.

The synthetic survey (tests/synthetic.py) has five segments on six attitudes, each measured by four 5-point
Likert items with one reverse-keyed; k-means (k = 5) on its reverse-keyed scale scores reaches an adjusted
Rand index of about 0.94 with the truth.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from synthetic import make_segmented_survey

from surveytools.exceptions import DataError, InputFileError, NotFittedError
from surveytools.segment import Segmenter, evaluate_segments, parse_k, segment
from surveytools.segment._util import adjusted_rand


def ari(result, truth) -> float:
    seg = result.segment
    return adjusted_rand(seg.to_numpy(), truth.loc[seg.index].to_numpy())


@pytest.fixture(scope="module")
def survey5():
    return make_segmented_survey(n=2000, k=5, seed=0)


@pytest.fixture(scope="module")
def fitted5(survey5):
    survey, _ = survey5
    return Segmenter(basis="scales", seed=11).fit(survey)  # all defaults: k auto 2..8, k-means, 50 replicates


# ----------------------------------------------------------------------------- recovery and choice of k
def test_auto_k_picks_five_and_recovers_truth(survey5, fitted5):
    survey, truth = survey5
    res = fitted5.result_
    assert res.k == 5
    assert res.k_chosen
    assert ari(res, truth) >= 0.90
    crit = res.criteria
    assert list(crit.index) == list(range(2, 9))
    assert crit.loc[5, "votes"] == 4 and crit.loc[5, "rank_sum"] == 4.0 and bool(crit.loc[5, "admissible"])
    assert crit.loc[5, "stability_ari"] > 0.95 and crit.loc[5, "jaccard_min"] > 0.9
    assert crit.loc[5, "reproducibility"] > 0.95
    assert res.stability["replicates"] == 50
    assert set(res.stability["jaccard"]) == {"1", "2", "3", "4", "5"}
    assert res.explanation.startswith("k = 5 has the best rank sum over 4 criteria (4")


@pytest.mark.parametrize("seed", [1, 2])
def test_recovery_other_samples(seed):
    survey, truth = make_segmented_survey(n=1500, k=5, seed=seed)
    res = segment(survey, basis="scales", seed=seed, bootstrap=10)
    assert res.k == 5
    assert ari(res, truth) >= 0.90


@pytest.mark.parametrize("k_true", [3, 4])
def test_auto_k_other_segment_counts(k_true):
    survey, truth = make_segmented_survey(n=1200, k=k_true, seed=5)
    res = segment(survey, basis="scales", seed=3, bootstrap=10)
    assert res.k == k_true
    assert ari(res, truth) >= 0.9


@pytest.mark.parametrize("method,options", [("gmm", {"n_init": 2}), ("ward", {}), ("ensemble", {"n_runs": 20})])
def test_other_methods_recover_truth(survey5, method, options):
    survey, truth = survey5
    res = segment(survey, k="4-6", method=method, basis="scales", seed=2, bootstrap=5, **options)
    assert res.k == 5
    assert ari(res, truth) >= 0.85
    if method == "gmm":
        p = res.assignments["probability"]
        assert p.between(1 / 5, 1.0).all() and p.median() > 0.95
        assert np.isfinite(res.criteria["bic"]).all()
    if method == "ensemble":
        assert res.assignments["consensus"].between(0, 1).all()


def test_items_basis_recovers_truth(survey5):
    survey, truth = survey5
    res = segment(survey, k=5, basis="items", seed=1, bootstrap=0)
    assert not res.k_chosen and res.k == 5
    assert len(res.basis_columns) == 24
    assert ari(res, truth) >= 0.85


def test_segments_numbered_by_size(fitted5):
    sizes = fitted5.result_.sizes
    assert list(sizes.index) == [1, 2, 3, 4, 5]
    assert sizes["n"].is_monotonic_decreasing
    assert sizes["n"].sum() == 2000 and sizes["share"].sum() == pytest.approx(1.0)
    counts = fitted5.result_.segment.value_counts()
    assert counts.to_dict() == sizes["n"].to_dict()


def test_centroids_are_weighted_means(survey5, fitted5):
    from surveytools.scoring import score_scales

    survey, _ = survey5
    scores = score_scales(survey).scores
    means = scores.groupby(fitted5.labels_).mean()
    np.testing.assert_allclose(fitted5.result_.centroids.to_numpy(), means.to_numpy(), atol=1e-12)


# ----------------------------------------------------------------------------- determinism and invariance
def test_same_seed_same_result_and_shuffled_rows_same_assignments(survey5, fitted5):
    survey, _ = survey5
    rng = np.random.default_rng(0)
    shuffled = survey.subset(survey.ids[rng.permutation(survey.n)])
    again = Segmenter(basis="scales", seed=11).fit(shuffled).result_
    a = fitted5.result_.segment
    pd.testing.assert_series_equal(again.segment.loc[a.index], a)
    # everything else too, to the last digit
    pd.testing.assert_frame_equal(again.criteria, fitted5.result_.criteria)
    assert again.explanation == fitted5.result_.explanation
    # output follows the input order
    assert list(again.assignments.index) == list(shuffled.ids)


@settings(max_examples=6, deadline=None)
@given(st.integers(0, 2**31 - 1), st.sampled_from(["kmeans", "gmm", "ward", "ensemble"]))
def test_row_order_invariance_property(perm_seed, method):
    survey, _ = make_segmented_survey(n=300, k=3, seed=4)
    opts = {"n_runs": 10} if method == "ensemble" else ({"n_init": 2} if method == "gmm" else {})
    base = segment(survey, k="2-4", method=method, basis="scales", seed=9, bootstrap=3, **opts)
    perm = np.random.default_rng(perm_seed).permutation(survey.n)
    other = segment(survey.subset(survey.ids[perm]), k="2-4", method=method, basis="scales", seed=9, bootstrap=3,
                    **opts)
    pd.testing.assert_frame_equal(other.assignments.loc[base.assignments.index], base.assignments)
    pd.testing.assert_frame_equal(other.criteria, base.criteria)


def test_different_seed_same_segments_on_clear_structure(survey5, fitted5):
    survey, _ = survey5
    other = segment(survey, basis="scales", seed=12345, bootstrap=5)
    assert other.k == 5
    assert adjusted_rand(other.segment.to_numpy(), fitted5.labels_.loc[other.segment.index].to_numpy()) > 0.99


# ----------------------------------------------------------------------------- predict, save, load
@pytest.mark.parametrize("method", ["kmeans", "gmm", "ward", "ensemble"])
def test_save_load_predict(tmp_path, survey5, method):
    survey, _ = survey5
    opts = {"n_runs": 10} if method == "ensemble" else ({"n_init": 2} if method == "gmm" else {})
    seg = Segmenter(k=5, method=method, basis="scales", seed=3, bootstrap=0, **opts).fit(survey)
    pred = seg.predict(survey)
    if method != "ward":  # Ward's training labels are the tree cut; predict is nearest centroid
        np.testing.assert_array_equal(pred["segment"].to_numpy(dtype=int), seg.labels_.to_numpy())
    else:
        assert (pred["segment"].to_numpy(dtype=int) == seg.labels_.to_numpy()).mean() > 0.95
    path = seg.save(tmp_path / "seg.json")
    data = json.loads(path.read_text())
    assert data["format"] == "surveytools.segmenter" and data["k"] == 5 and data["method"] == method
    loaded = Segmenter.load(path)
    pd.testing.assert_frame_equal(loaded.predict(survey), pred)
    new, _ = make_segmented_survey(n=200, k=5, seed=99)
    pd.testing.assert_frame_equal(loaded.predict(new), seg.predict(new))
    pd.testing.assert_frame_equal(loaded.centroids_, seg.centroids_, check_dtype=False)


def test_predict_marks_missing_basis(survey5, fitted5):
    survey, _ = survey5
    resp = survey.responses.copy()
    resp.iloc[0, 0:3] = np.nan  # respondent 1 answers 1 of 4 items of att1: no scale score
    from dataclasses import replace

    pred = fitted5.predict(replace(survey, responses=resp))
    assert pd.isna(pred["segment"].iloc[0])
    assert pred["segment"].iloc[1:].notna().all()


def test_predict_dataframe_basis_needs_the_columns(fitted5):
    with pytest.raises(DataError, match="att6"):
        fitted5.predict(pd.DataFrame({"att1": [1.0]}))


def test_not_fitted_and_bad_model_file(tmp_path):
    with pytest.raises(NotFittedError):
        Segmenter().predict(pd.DataFrame({"a": [1.0]}))
    bad = tmp_path / "x.json"
    bad.write_text('{"format": "other"}')
    with pytest.raises(InputFileError, match="not a surveytools segmentation"):
        Segmenter.load(bad)
    with pytest.raises(InputFileError, match="not found"):
        Segmenter.load(tmp_path / "missing.json")


def test_get_set_params_roundtrip():
    seg = Segmenter(k=4, method="gmm")
    assert seg.get_params()["k"] == 4
    assert seg.set_params(k="2-5") is seg and seg.k == "2-5"
    with pytest.raises(ValueError, match="unknown parameter"):
        seg.set_params(bogus=1)
    assert "method='gmm'" in repr(seg)


# ----------------------------------------------------------------------------- weights
def test_survey_weights_shift_the_solution():
    survey, truth = make_segmented_survey(n=1500, k=4, seed=6, weighted=True)
    res = segment(survey, k=4, basis="scales", seed=1, bootstrap=0)
    assert res.weighted
    # weighted and unweighted shares differ, and weighted shares use the weights
    w = survey.weights.loc[res.segment.index]
    expected = w.groupby(res.segment).sum() / w.sum()
    np.testing.assert_allclose(res.sizes["weighted_share"].to_numpy(), expected.to_numpy(), rtol=1e-12)
    # an extreme weight on one segment pulls the ordering: up-weight the smallest true segment
    w2 = pd.Series(np.where(truth == 4, 20.0, 1.0), index=survey.ids)
    heavy = Segmenter(k=4, basis="scales", seed=1, bootstrap=0).fit(survey, sample_weight=w2).result_
    top = heavy.segment[heavy.segment == 1].index
    assert (truth.loc[top] == 4).mean() > 0.9
    unweighted = segment(survey, k=4, basis="scales", seed=1, bootstrap=0, weights=False)
    assert not unweighted.weighted


# ----------------------------------------------------------------------------- reporting
def test_summary_is_the_document_in_both_languages(fitted5):
    """summary() renders the segment section of the Summary document: sizes, criteria and centroids are the
    result's (centroids with ``digits`` decimals); Spanish renders without raw keys."""
    from surveytools.report.i18n import STRINGS
    from surveytools.summary.sections import summary_document, summary_text

    res = fitted5.result_
    assert res.summary() == summary_text("segment", res, digits=2)
    text = res.summary(digits=3)
    for s, row in res.sizes.iterrows():
        assert f"{int(row['n']):,}" in text and f"{row['share']:.1%}" in text
        assert " ".join(f"{v:.3f}" for v in res.centroids.loc[s]) in " ".join(text.split())
    for _, r in res.criteria.iterrows():
        assert f"{r['silhouette']:.3f}" in text and f"{r['davies_bouldin']:.3f}" in text
    for lang in ("en", "es"):
        doc = summary_document("segment", res, lang=lang, digits=2)
        assert {m.key for m in doc.msgs()} <= set(STRINGS["en"]) & set(STRINGS["es"])
    es = res.summary(lang="es")
    assert "Elección de k" in es and "Centroides de los segmentos" in es
    assert "Segment sizes" not in es


def test_result_to_dict_and_summary(fitted5):
    res = fitted5.result_
    d = res.to_dict()
    for key in ("k", "method", "sizes", "criteria", "stability"):
        assert key in d
    assert d["k"] == 5 and d["method"] == "kmeans"
    assert set(d["criteria"]) == {str(k) for k in range(2, 9)}
    assert d["rows_in"] == d["rows_segmented"] + d["rows_excluded"] == 2000
    json.dumps(d, allow_nan=False)
    text = res.summary()
    assert "k = 5" in text and "Choice of k" in text and "  5*  " in text


def test_exclusions_are_reported_with_reasons():
    survey, _ = make_segmented_survey(n=800, k=3, seed=7, missing=0.15)
    res = segment(survey, k=3, basis="items", seed=1, bootstrap=0)
    assert res.rows_in == 800 == res.rows_segmented + res.rows_excluded
    assert res.rows_excluded > 0
    assert res.excluded.str.startswith("no answer to att").all()
    assert set(res.excluded.index).isdisjoint(res.assignments.index)
    imputed = segment(survey, k=3, basis="items", seed=1, bootstrap=0, missing="mean")
    assert imputed.rows_segmented == 800 and imputed.imputed > 0


# ----------------------------------------------------------------------------- errors
def test_k_larger_than_the_data_allow():
    survey, _ = make_segmented_survey(n=12, k=2, seed=1)
    with pytest.raises(DataError, match="k = 9 is more segments than the data allow"):
        segment(survey, k=9, basis="scales", bootstrap=0)
    with pytest.raises(DataError, match="more segments than the data allow"):
        segment(survey, k="3-8", basis="scales", bootstrap=0)
    # the default range is trimmed to what the data allow, and the output says so
    res = segment(survey, basis="scales", bootstrap=0)
    assert res.criteria.index.max() == 6 and "was not tried" in res.explanation


def test_duplicate_rows_limit_k():
    frame = pd.DataFrame({"a": [1.0, 1, 1, 1, 2, 2, 2, 2], "b": [0.0] * 4 + [1.0] * 4},
                         index=[f"r{i}" for i in range(8)])
    with pytest.raises(DataError, match="2 distinct basis rows"):
        Segmenter(k=3, bootstrap=0).fit(frame)


@pytest.mark.parametrize("k,message", [(1, "at least 2"), ("5-3", "empty"), ("lots", "auto"), ("x-3", "auto")])
def test_bad_k(k, message):
    with pytest.raises(DataError, match=message):
        parse_k(k)


def test_bad_parameters(survey5):
    survey, _ = survey5
    with pytest.raises(DataError, match="unknown segmentation method"):
        Segmenter(method="dbscan").fit(survey)
    with pytest.raises(DataError, match="min_size"):
        Segmenter(basis="scales", min_size=0.9).fit(survey)
    with pytest.raises(DataError, match="bootstrap"):
        Segmenter(basis="scales", bootstrap=-1).fit(survey)


def test_basis_with_missing_or_unknown_columns(survey5):
    survey, _ = survey5
    with pytest.raises(DataError, match="unknown scale or item 'att9'"):
        segment(survey, basis="att1,att9", bootstrap=0)
    dropped = survey.responses.drop(columns=["att2_3"])
    from dataclasses import replace

    with pytest.raises(DataError, match="att2_3"):
        segment(replace(survey, responses=dropped), basis="att1_1,att2_3", bootstrap=0)
    with pytest.raises(DataError, match="no column 'zz'"):
        Segmenter(basis="a,zz", bootstrap=0).fit(pd.DataFrame({"a": np.arange(10.0)}))
    with pytest.raises(DataError, match="categorical|same value"):
        frame = pd.DataFrame({"a": np.arange(10.0), "b": 1.0}, index=[str(i) for i in range(10)])
        Segmenter(k=2, bootstrap=0).fit(frame)


def test_evaluate_segments_and_mismatched_assignments(survey5, fitted5):
    survey, _ = survey5
    report = evaluate_segments(survey, fitted5.labels_, basis="scales", seed=11)
    crit = fitted5.result_.criteria.loc[5]
    assert report["k"] == 5 and report["rows_evaluated"] == 2000
    assert report["criteria"]["silhouette"] == pytest.approx(crit["silhouette"], rel=1e-12)
    assert report["criteria"]["calinski_harabasz"] == pytest.approx(crit["calinski_harabasz"], rel=1e-12)
    bad = pd.Series([1, 2], index=["R00001", "nobody"])
    with pytest.raises(DataError, match="not in synthetic"):
        evaluate_segments(survey, bad, basis="scales")


def test_factor_scores_given_to_fit(survey5):
    survey, truth = survey5
    from surveytools.scoring import score_scales

    scores = score_scales(survey).scores  # any per-respondent scores can stand in for factor scores
    seg = Segmenter(k=5, basis="factors", seed=1, bootstrap=0).fit(survey, factor_scores=scores)
    assert seg.result_.standardized and seg.result_.basis == "factors"
    assert ari(seg.result_, truth) > 0.85
    with pytest.raises(DataError, match="factor scores as a DataFrame"):
        seg.predict(survey)
    stray = scores.rename(index={"R00001": "ghost"})
    with pytest.raises(DataError, match="not in synthetic"):
        Segmenter(k=5, basis="factors", bootstrap=0).fit(survey, factor_scores=stray)


def test_bootstrap_in_worker_processes_gives_the_same_result():
    survey, _ = make_segmented_survey(n=400, k=3, seed=8)
    one = segment(survey, k="2-4", basis="scales", seed=5, bootstrap=6, n_jobs=1)
    two = segment(survey, k="2-4", basis="scales", seed=5, bootstrap=6, n_jobs=2)
    pd.testing.assert_frame_equal(one.criteria, two.criteria)
    assert one.stability == two.stability
    with pytest.raises(DataError, match="n_jobs"):
        segment(survey, k=3, basis="scales", n_jobs=0)
