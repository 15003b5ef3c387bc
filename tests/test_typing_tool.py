"""Tests of the typing tool: LDA against R MASS, the cross-validation engine, golden-question quality,
scoring with missing answers and labels, and that predict, the SQL query and the Excel calculator agree."""

from __future__ import annotations

import json
import math
import re
import sqlite3

import numpy as np
import pandas as pd
import pytest
from _typing_data import ES5, LABELS5, make_survey, population, sample  # noqa: I001  (tests/ helper)
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from surveytools.exceptions import DataError, InputFileError, NotFittedError, QuestionnaireError
from surveytools.segments import Segments
from surveytools.survey import Survey
from surveytools.typing_tool import TypingTool, assign_file
from surveytools.typing_tool.lda import CVEngine, fit_lda, posterior_from_scores


@pytest.fixture(scope="module")
def pop0():
    return population(seed=0)


@pytest.fixture(scope="module")
def fitted(pop0):
    survey, seg = make_survey(2000, seed=0, missing=0.02, pop=pop0)
    return TypingTool(max_items=12).fit(survey, seg), survey, seg


# ============================================================================ LDA against R MASS

# R 4 / MASS: fit <- lda(Species ~ ., iris); options(digits=17)
#             predict(fit, iris)$posterior[c(1, 51, 71, 84, 101, 120, 134), ]
IRIS_ROWS = [0, 50, 70, 83, 100, 119, 133]
IRIS_POSTERIOR_R = [
    [1.0000000000000000e+00, 3.8963579276864796e-22, 2.6111682749481194e-42],
    [1.9697317550660627e-18, 9.9988941224098205e-01, 1.1058775901809808e-04],
    [7.4081175816248175e-28, 2.5322822473817858e-01, 7.4677177526182148e-01],
    [4.2419519447406584e-32, 1.4339190807875740e-01, 8.5660809192124254e-01],
    [7.5030753578733724e-52, 7.1273030452443804e-09, 9.9999999287269681e-01],
    [1.5985108900459556e-33, 2.2079898430531400e-01, 7.7920101569468614e-01],
    [1.2838906243207608e-28, 7.2938812803179631e-01, 2.7061187196820369e-01],
]


def test_lda_posteriors_match_r_mass_on_iris():
    from sklearn.datasets import load_iris

    d = load_iris()
    fit = fit_lda(d.data, d.target, 3)
    post = posterior_from_scores(d.data @ fit.coef.T + fit.const)
    np.testing.assert_allclose(post[IRIS_ROWS], IRIS_POSTERIOR_R, rtol=1e-9, atol=1e-300)


def test_lda_classification_functions_are_fishers_iris():
    # Fisher's classification functions (equal priors = proportional here: 50 per species); SPSS prints the same
    # coefficients for iris: setosa 23.544, 23.588, -16.431, -17.398; the constants here include ln(1/3).
    # R: S <- Reduce(`+`, lapply(split(iris[,1:4], iris$Species), function(d) cov(d) * 49)) / 147
    #    solve(S, t(aggregate(. ~ Species, iris, mean)[, -1]))
    from sklearn.datasets import load_iris

    d = load_iris()
    fit = fit_lda(d.data, d.target, 3)
    np.testing.assert_allclose(fit.coef[0], [23.544166722920274, 23.58787049558982, -16.43063902294391,
                                             -17.3984107815644], rtol=1e-10)
    np.testing.assert_allclose(fit.const[0] - math.log(1 / 3), -86.3084699736741 - math.log(1 / 3), rtol=1e-10)
    # the pooled covariance has divisor n - K (as MASS::lda and SPSS)
    groups = [d.data[d.target == g] for g in range(3)]
    pooled = sum(np.cov(g, rowvar=False) * (len(g) - 1) for g in groups) / (150 - 3)
    np.testing.assert_allclose(fit.covariance, pooled, rtol=1e-12)


def test_lda_weights_scale_free_and_unit_weights_equal_unweighted():
    rng = np.random.default_rng(3)
    x = rng.normal(size=(200, 4)) + np.repeat(np.eye(4)[:2] * 2, 100, axis=0)
    y = np.repeat([0, 1], 100)
    w = rng.uniform(0.2, 3, 200)
    a, b = fit_lda(x, y, 2, weights=w), fit_lda(x, y, 2, weights=w * 17.5)
    np.testing.assert_allclose(a.coef, b.coef, rtol=1e-12)
    np.testing.assert_allclose(a.const, b.const, rtol=1e-12)
    c, u = fit_lda(x, y, 2, weights=np.ones(200)), fit_lda(x, y, 2)
    np.testing.assert_allclose(c.coef, u.coef, rtol=1e-12)
    # weighted group means are the weighted averages
    np.testing.assert_allclose(a.means[0], np.average(x[:100], axis=0, weights=w[:100]), rtol=1e-12)


def test_lda_equal_priors_and_singular_covariance():
    rng = np.random.default_rng(1)
    x = rng.normal(size=(90, 3))
    y = np.repeat([0, 1, 2], 30)
    y[:10] = 1
    fit = fit_lda(x, y, 3, priors="equal")
    np.testing.assert_allclose(fit.priors, 1 / 3)
    from surveytools.exceptions import EstimationError

    with pytest.raises(EstimationError, match="singular"):
        fit_lda(np.column_stack([x, x[:, 0] * 2]), y, 3)


@given(arrays(float, (40, 3), elements=st.floats(-5, 5, allow_nan=False, width=32)), st.randoms(use_true_random=False))
def test_lda_invariant_to_row_order(x, rnd):
    y = np.arange(40) % 2
    x = x + y[:, None] * np.array([1.0, -1.0, 0.5])
    sd = x[y == 0].std(axis=0) + x[y == 1].std(axis=0)
    if np.any(sd < 1e-3):
        return
    try:
        a = fit_lda(x, y, 2)
    except Exception:
        return
    order = list(range(40))
    rnd.shuffle(order)
    b = fit_lda(x[order], y[order], 2)
    np.testing.assert_allclose(a.coef, b.coef, rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(a.const, b.const, rtol=1e-6, atol=1e-6)


# ============================================================================ cross-validation engine

def test_cv_engine_equals_refitting_on_each_fold():
    rng = np.random.default_rng(5)
    n, p, k = 300, 6, 3
    y = rng.integers(0, k, n)
    x = rng.normal(size=(n, p)) + rng.normal(size=(k, p))[y] * 0.8
    w = rng.uniform(0.5, 2, n)
    folds = np.array_split(rng.permutation(n), 5)
    eng = CVEngine(x, y, k, folds, weights=w)
    subsets = np.array([[0, 1, 2], [3, 4, 5], [0, 5, 2], [1, 3, 4]])
    acc, ll, valid = eng.evaluate(subsets, chunk_elements=50)  # tiny chunks exercise the batching
    wn = w * n / w.sum()
    for s, a_engine, l_engine in zip(subsets, acc, ll, strict=True):
        hit = 0.0
        loglik = 0.0
        for test in folds:
            train = np.setdiff1d(np.arange(n), test)
            fit = fit_lda(x[train][:, s], y[train], k, weights=wn[train])
            scores = x[test][:, s] @ fit.coef.T + fit.const
            hit += ((scores.argmax(axis=1) == y[test]) * wn[test]).sum()
            loglik += (np.log(posterior_from_scores(scores)[np.arange(len(test)), y[test]]) * wn[test]).sum()
        assert a_engine == pytest.approx(hit / wn.sum(), abs=1e-12)
        assert l_engine == pytest.approx(loglik / wn.sum(), rel=1e-9)
    assert valid.all()
    # predictions agree with the engine's accuracy
    pred = eng.predictions([0, 1, 2])
    assert ((pred == y) * wn).sum() / wn.sum() == pytest.approx(acc[0], abs=1e-12)


def test_cv_engine_updating_formula_equals_refitting():
    """evaluate_additions (partitioned-inverse update) gives the accuracy of refitting each enlarged set."""
    rng = np.random.default_rng(8)
    n, p, k = 400, 8, 4
    y = rng.integers(0, k, n)
    x = rng.normal(size=(n, p)) + rng.normal(size=(k, p))[y] * 0.6
    x[:, 7] = x[:, 0] - x[:, 1]  # collinear with items 0 and 1
    eng = CVEngine(x, y, k, np.array_split(rng.permutation(n), 5), weights=rng.uniform(0.5, 2, n))
    for current in ([], [2], [0, 1], [3, 5, 6]):
        cands = [j for j in range(p) if j not in current]
        fast, ok = eng.evaluate_additions(current, cands, chunk_elements=300)
        full, _, valid = eng.evaluate(np.array([current + [j] for j in cands]))
        np.testing.assert_allclose(fast[ok], full[ok], atol=1e-12)
        if current == [0, 1]:
            assert not ok[cands.index(7)] and not valid[cands.index(7)]
        else:
            assert ok.all()


def test_cv_engine_flags_collinear_subsets():
    rng = np.random.default_rng(2)
    x = rng.normal(size=(100, 3))
    x = np.column_stack([x, x[:, 0] + x[:, 1]])
    y = np.arange(100) % 2
    eng = CVEngine(x, y, 2, np.array_split(np.arange(100), 4))
    acc, _, valid = eng.evaluate(np.array([[0, 1, 3], [0, 1, 2]]))
    assert list(valid) == [False, True]
    assert acc[0] == -1


# ============================================================================ golden questions: quality bar

@pytest.mark.parametrize("seed", [0, 2])
def test_at_most_12_golden_questions_classify_new_respondents_90pct(seed):
    pop = population(seed=seed)
    survey, seg = make_survey(2000, seed=seed, missing=0.02, pop=pop)
    tool = TypingTool(max_items=12).fit(survey, seg)
    assert 1 <= len(tool.items_) <= 12
    assert tool.accuracy_ >= 0.90
    # new respondents of the same population, never seen
    x_new, y_new = sample(pop, 4000, seed + 555, missing=0.02)
    new = pd.DataFrame(x_new, columns=[f"Q{j + 1}" for j in range(pop["p"])])
    pred = tool.score(new).frame
    assert pred["segment"].notna().all()
    assert (pred["segment"].to_numpy() == y_new).mean() >= 0.90


def test_quality_bar_on_the_shared_segmented_survey_generator():
    """tests/synthetic.py (six 4-item attitude scales, one item reverse-keyed): <= 12 items, >= 90% on new data."""
    synthetic = pytest.importorskip("synthetic")
    survey, truth = synthetic.make_segmented_survey(n=2000, k=5, seed=0)
    tool = TypingTool(max_items=12, nested=True).fit(survey, truth)
    assert len(tool.items_) <= 12 and tool.accuracy_ >= 0.90
    # nested CV reruns the selection inside each fold: an honest estimate, a little below the curve's figure
    nested = tool.result_.nested_accuracy
    assert 0.90 <= nested <= tool.accuracy_ + 0.01
    fresh, fresh_truth = synthetic.make_segmented_survey(n=3000, k=5, seed=41, missing=0.03)
    pred = tool.score(fresh).frame
    assert (pred["segment"].to_numpy(dtype=float) == fresh_truth.to_numpy()).mean() >= 0.90
    assert abs((pred["segment"].to_numpy(dtype=float) == fresh_truth.to_numpy()).mean() - nested) < 0.03


def test_nested_cv_needs_enough_respondents(pop0):
    survey, seg = make_survey(300, seed=0, pop=pop0)
    small = seg.copy()
    small.iloc[:7] = 6
    with pytest.raises(DataError, match="nested cross-validation needs at least 10"):
        TypingTool(max_items=3, nested=True).fit(survey, small)


def test_summary_is_the_document_in_both_languages(fitted):
    """summary() renders the typing-tool section of the Summary document: the accuracy of every step and
    the hit rates are the result's; Spanish renders without raw keys."""
    from surveytools.report.i18n import STRINGS
    from surveytools.summary.sections import summary_document, summary_text

    tool, *_ = fitted
    res = tool.result_
    text = res.summary()
    assert text == summary_text("typing_tool", res)
    for n, r in res.curve.iterrows():
        assert any(ln.split()[:2] == [str(n), r["item"]] and f"{r['accuracy']:.1%}" in ln for ln in text.splitlines())
    assert all(f"{v:.1%}" in text for v in res.hit_rates)
    for lang in ("en", "es"):
        doc = summary_document("typing_tool", res, lang=lang)
        assert {m.key for m in doc.msgs()} <= set(STRINGS["en"]) & set(STRINGS["es"])
    es = res.summary(lang="es")
    assert "Exactitud por segmento" in es and f"{res.accuracy:.1%}".replace(".", ",").replace("%", "\u00a0%") in es


def test_curve_selection_rule_and_result(fitted):
    tool, survey, seg = fitted
    res = tool.result_
    curve = res.curve
    assert list(curve.index) == list(range(1, 13))
    assert curve["selected"].sum() == 1
    chosen = int(curve.index[curve["selected"]][0])
    assert chosen == len(tool.items_)
    # the fewest items within min_gain of the best accuracy on the curve
    best = curve["accuracy"].max()
    assert curve.loc[chosen, "accuracy"] >= best - 0.002 - 1e-12
    assert (curve.loc[:chosen - 1, "accuracy"] < best - 0.002).all()
    # forward search: each set extends the previous one by the item added
    for n in range(2, 13):
        assert curve.loc[n, "items"][:-1] == curve.loc[n - 1, "items"]
        assert curve.loc[n, "items"][-1] == curve.loc[n, "item"]
    assert tuple(tool.items_) == curve.loc[chosen, "items"]
    assert res.accuracy == pytest.approx(curve.loc[chosen, "accuracy"])
    assert res.rows_in == res.rows_used + res.rows_excluded == 2000
    # the confusion table is cross-validated: its diagonal share is the accuracy
    conf = res.confusion.to_numpy()
    assert np.trace(conf) / conf.sum() == pytest.approx(res.accuracy, abs=1e-12)
    assert res.resubstitution_accuracy >= res.accuracy - 0.02
    d = res.to_dict()
    assert d["items"] == tool.items_ and d["accuracy"] == tool.accuracy_
    json.dumps(d, allow_nan=False)
    chosen = [ln.split() for ln in res.summary().splitlines() if ln.endswith("selected")]
    assert len(chosen) == 1 and chosen[0][:2] == [str(len(res.items)), res.items[-1]]
    assert chosen[0][2] == f"{res.accuracy:.1%}"
    # coefficients: items then the constant in the last row, segments as columns
    assert list(tool.coef_.index) == [*tool.items_, "constant"]
    assert list(tool.coef_.columns) == [1, 2, 3, 4, 5]
    assert "region" not in res.candidates  # categorical items are not candidates by default


def test_selection_is_seeded_and_n_items_exact(pop0):
    survey, seg = make_survey(800, seed=0, pop=pop0)
    a = TypingTool(max_items=5, seed=11).fit(survey, seg)
    b = TypingTool(max_items=5, seed=11).fit(survey, seg)
    assert a.items_ == b.items_ and a.accuracy_ == b.accuracy_
    none = TypingTool(max_items=5, seed=None).fit(survey, seg)  # None: the default seed, reproducible
    assert none.items_ == TypingTool(max_items=5).fit(survey, seg).items_
    assert none.to_model_dict()["settings"]["seed"] == 20240601
    c = TypingTool(max_items=5, n_items=3).fit(survey, seg)
    assert len(c.items_) == 3
    d = TypingTool(items="first", max_items=4).fit(survey, seg)
    assert set(d.items_) <= {f"Q{j + 1}" for j in range(0, 30, 2)}


def test_floating_search_never_worse_than_forward(pop0):
    survey, seg = make_survey(1000, seed=3, pop=population(seed=3, sep=0.9))
    fwd = TypingTool(max_items=8, min_gain=0).fit(survey, seg)
    flo = TypingTool(max_items=8, min_gain=0, backward=True).fit(survey, seg)
    assert (flo.curve_["accuracy"].to_numpy() >= fwd.curve_["accuracy"].to_numpy() - 1e-12).all()


def test_weighted_fit_uses_weights(pop0):
    survey, seg = make_survey(1000, seed=0, pop=pop0, weights=True)
    tool = TypingTool(max_items=4, n_items=4).fit(survey, seg)
    unweighted = TypingTool(max_items=4, n_items=4).fit(Survey(survey.responses, survey.questionnaire), seg)
    w = survey.weights.to_numpy()
    # proportional priors are the weighted segment shares
    y = seg.to_numpy()
    np.testing.assert_allclose(tool.priors_.to_numpy(), [w[y == s].sum() / w.sum() for s in range(1, 6)])
    assert not np.allclose(tool.priors_.to_numpy(), unweighted.priors_.to_numpy())


# ============================================================================ bad input

def test_assignments_with_unknown_respondents_are_an_error(pop0):
    survey, seg = make_survey(300, seed=0, pop=pop0)
    bad = pd.concat([seg, pd.Series([1, 2], index=["zz1", "zz2"])])
    with pytest.raises(DataError, match=r"2 respondent id\(s\) are not in"):
        TypingTool(max_items=3).fit(survey, bad)


def test_unassigned_respondents_are_reported(pop0):
    survey, seg = make_survey(500, seed=0, pop=pop0)
    tool = TypingTool(max_items=3).fit(survey, seg.iloc[:450])
    res = tool.result_
    assert res.rows_in == 500 and res.rows_used == 450 and res.rows_excluded == 50
    assert res.excluded == {"no segment in the assignments": 50}


def test_respondents_with_too_many_missing_answers_are_excluded(pop0):
    survey, seg = make_survey(500, seed=0, pop=pop0)
    resp = survey.responses.copy()
    resp.iloc[:7, :20] = np.nan  # 20 of 30 candidates missing: more than half
    tool = TypingTool(max_items=3).fit(Survey(resp, survey.questionnaire), seg)
    assert tool.result_.excluded == {"more than 15 of 30 candidate items unanswered": 7}
    assert tool.result_.rows_used == 493


def test_fit_errors(pop0):
    survey, seg = make_survey(300, seed=0, pop=pop0)
    with pytest.raises(DataError, match="at least two segments"):
        TypingTool().fit(survey, pd.Series(1, index=seg.index))
    tiny = seg.copy()
    tiny.iloc[:] = np.where(np.arange(300) < 3, 9, seg.to_numpy())
    with pytest.raises(DataError, match=r"segment 9 \(3\)"):
        TypingTool().fit(survey, tiny)
    with pytest.raises(QuestionnaireError, match="unknown item or scale: nope"):
        TypingTool(items="Q1,nope").fit(survey, seg)
    with pytest.raises(QuestionnaireError, match="categorical"):
        TypingTool(items="Q1,region").fit(survey, seg)
    with pytest.raises(ValueError, match="max_items"):
        TypingTool(max_items=0).fit(survey, seg)
    with pytest.raises(NotFittedError):
        TypingTool().predict(survey)


def test_constant_item_is_skipped(pop0):
    survey, seg = make_survey(400, seed=0, pop=pop0)
    resp = survey.responses.copy()
    resp["Q1"] = 3.0
    tool = TypingTool(max_items=3).fit(Survey(resp, survey.questionnaire), seg)
    assert tool.result_.skipped == {"Q1": "the same answer from everyone"}
    assert "Q1" not in tool.items_


# ============================================================================ scoring

def _new_answers(tool, pop, n=500, seed=77) -> pd.DataFrame:
    x, _ = sample(pop, n, seed, missing=0.1)
    frame = pd.DataFrame(x, columns=[f"Q{j + 1}" for j in range(pop["p"])],
                         index=pd.Index([f"c{i}" for i in range(n)], name="customer_id"))[tool.items_]
    frame.iloc[0, :] = np.nan  # every answer missing: excluded
    frame.iloc[1, 0] = 7  # not a valid code: imputed and counted as invalid
    frame.iloc[2, 0] = 9  # the "don't know" code: missing
    return frame


def test_predict_imputes_means_and_counts(fitted, pop0):
    tool, _, _ = fitted
    new = _new_answers(tool, pop0)
    res = tool.score(new)
    f = res.frame
    assert res.rows_in == res.rows_assigned + res.rows_excluded == 500
    assert pd.isna(f["segment"].iloc[0]) and np.isnan(f["probability"].iloc[0])
    assert f["n_imputed"].iloc[0] == len(tool.items_)
    assert res.excluded == {f"more than {tool.max_missing_} of {len(tool.items_)} golden questions unanswered":
                            int((f["n_imputed"] > tool.max_missing_).sum())}
    assert res.invalid_by_item.iloc[0] == 1
    expected_missing = new.isna().sum() + pd.Series({tool.items_[0]: 2}).reindex(new.columns, fill_value=0)
    assert list(res.imputed_by_item) == list(expected_missing)
    # imputation is the training mean: row 1 scores as if its first answer were the mean
    x = new.iloc[[1]].to_numpy(dtype=float).copy()
    x[0, 0] = tool.item_info_[0].mean
    x = np.where(np.isnan(x), [it.mean for it in tool.item_info_], x)
    scores = x @ tool.coef_.to_numpy()[:-1] + tool.coef_.to_numpy()[-1]
    assert f["segment"].iloc[1] == tool.segments_[int(scores.argmax())]
    post = posterior_from_scores(scores)
    assert f["probability"].iloc[1] == pytest.approx(post.max(), rel=1e-12)
    assert f["probability"].dropna().between(1 / 5, 1).all()
    # probabilities of all segments sum to one
    np.testing.assert_allclose(tool.predict_proba(new).sum(axis=1), 1.0, rtol=1e-12)


def test_predict_returns_segments_of_the_assigned_rows(fitted, pop0):
    """predict gives Segments: the assigned rows of score(...).frame with their probability, n_imputed and the
    model's names; the excluded rows (too many golden questions unanswered) have none."""
    import copy

    tool, _, _ = fitted
    new = _new_answers(tool, pop0)
    frame = tool.score(new).frame
    pred = tool.predict(new)
    assert isinstance(pred, Segments) and pred.source == "typing tool"
    kept = frame[frame["segment"].notna()]
    assert 0 < len(pred) == len(kept) < len(new)
    assert list(pred.ids) == [str(i) for i in kept.index]
    np.testing.assert_array_equal(pred.segment.to_numpy(), kept["segment"].to_numpy(dtype=int))
    np.testing.assert_array_equal(pred.probability.to_numpy(), kept["probability"].to_numpy())
    np.testing.assert_array_equal(pred.extra["n_imputed"].to_numpy(), kept["n_imputed"].to_numpy())
    named = copy.deepcopy(tool)
    named.segment_names_ = {s: f"Seg {s}" for s in tool.segments_}
    pred = named.predict(new)
    assert dict(pred.names) == {s: f"Seg {s}" for s in range(1, pred.k + 1)}
    assert (pred.to_frame()["segment_name"] == named.score(new).frame["segment_name"].dropna().to_numpy()).all()


def test_predict_maps_labels_english_and_spanish(fitted, pop0):
    tool, _, _ = fitted
    x, _ = sample(pop0, 50, 9)
    codes = pd.DataFrame(x, columns=[f"Q{j + 1}" for j in range(30)])[tool.items_]
    english = codes.apply(lambda c: c.map(lambda v: LABELS5[int(v)].upper() + " "))
    inv_es = {v: k for k, v in ES5.items()}
    spanish = codes.apply(lambda c: c.map(lambda v: inv_es[int(v)].lower()))
    base = tool.score(codes).frame
    pd.testing.assert_frame_equal(tool.score(english).frame, base)
    pd.testing.assert_frame_equal(tool.score(spanish).frame, base)  # aliases of the option set are stored
    bad = english.copy()
    bad.iloc[3, 0] = "Maybe"
    with pytest.raises(DataError, match=r"'Maybe' \(row 5\)"):
        tool.predict(bad)


def test_predict_order_of_columns_and_rows_does_not_matter(fitted, pop0):
    tool, _, _ = fitted
    new = _new_answers(tool, pop0, n=200)
    base = tool.score(new).frame
    shuffled = new.sample(frac=1.0, random_state=1)[list(reversed(new.columns))]
    pd.testing.assert_frame_equal(tool.score(shuffled).frame.loc[base.index], base)


def test_save_load_round_trip(fitted, pop0, tmp_path):
    tool, survey, _ = fitted
    path = tool.save(tmp_path / "model.json")
    d = json.loads(path.read_text())
    assert d["format"] == "surveytools.typing-tool" and d["surveytools_version"]
    assert [it["id"] for it in d["items"]] == tool.items_
    assert set(d["items"][0]) >= {"codes", "mean", "text", "missing_codes"}
    loaded = TypingTool.load(path)
    new = _new_answers(tool, pop0)
    pd.testing.assert_frame_equal(loaded.score(new).frame, tool.score(new).frame)
    pd.testing.assert_frame_equal(loaded.coef_, tool.coef_)
    assert loaded.result_.to_dict() == tool.result_.to_dict()
    # loaded models score without the questionnaire (labels come from the model)
    assert loaded.item_info_[0].codes[1] == "Strongly disagree"
    with pytest.raises(InputFileError, match="not a surveytools typing-tool model"):
        (tmp_path / "other.json").write_text('{"a": 1}')
        TypingTool.load(tmp_path / "other.json")
    with pytest.raises(InputFileError, match="not a JSON file"):
        (tmp_path / "bad.json").write_text("{")
        TypingTool.load(tmp_path / "bad.json")
    damaged = dict(d)
    damaged.pop("coefficients")
    (tmp_path / "damaged.json").write_text(json.dumps(damaged))
    with pytest.raises(InputFileError, match="damaged"):
        TypingTool.load(tmp_path / "damaged.json")


def test_assign_file_csv_parquet_and_accounting(fitted, pop0, tmp_path):
    tool, _, _ = fitted
    new = _new_answers(tool, pop0, n=300)
    new["extra"] = "x"
    src = tmp_path / "customers.csv"
    new.to_csv(src)
    model = tool.save(tmp_path / "m.json")
    out = tmp_path / "out.csv"
    res = assign_file(src, model, out, id_column="customer_id", excluded_output=tmp_path / "excluded.csv")
    expected = tool.score(new).frame
    assert res.rows_in == 300 == res.rows_assigned + res.rows_excluded
    written = pd.read_csv(out, dtype={"customer_id": str}).set_index("customer_id")
    kept = expected[expected["segment"].notna()]
    assert list(written.index) == list(kept.index)
    np.testing.assert_array_equal(written["segment"].to_numpy(), kept["segment"].to_numpy(dtype=int))
    np.testing.assert_allclose(written["probability"].to_numpy(), kept["probability"].to_numpy(), rtol=1e-14)
    np.testing.assert_array_equal(written["n_imputed"].to_numpy(), kept["n_imputed"].to_numpy())
    ex = pd.read_csv(tmp_path / "excluded.csv", dtype={"customer_id": str})
    assert len(ex) == res.rows_excluded and "c0" in set(ex["customer_id"])
    # parquet in and out; the default id column is respondent_id when --id is not given
    pq_src = tmp_path / "c.parquet"
    new.reset_index().rename(columns={"customer_id": "respondent_id"}).to_parquet(pq_src)
    res2 = assign_file(pq_src, tool, tmp_path / "out.parquet")
    back = pd.read_parquet(tmp_path / "out.parquet")
    assert list(back.columns[:4]) == ["respondent_id", "segment", "probability", "n_imputed"]
    assert res2.rows_assigned == res.rows_assigned
    # the output can be read back as an assignments file
    from surveytools.segments import read_segments

    assert read_segments(tmp_path / "out.parquet").segment.size == res.rows_assigned


def test_assign_file_errors(fitted, pop0, tmp_path):
    tool, _, _ = fitted
    new = _new_answers(tool, pop0, n=20)
    src = tmp_path / "c.csv"
    new.drop(columns=[tool.items_[1]]).to_csv(src)
    with pytest.raises(DataError, match=f"no column for golden question\\(s\\) {tool.items_[1]}"):
        assign_file(src, tool, tmp_path / "o.csv")
    new.to_csv(src)
    with pytest.raises(DataError, match="no id column 'cust'"):
        assign_file(src, tool, tmp_path / "o.csv", id_column="cust")
    with pytest.raises(InputFileError, match="also an input"):
        assign_file(src, tool, src)
    with pytest.raises(InputFileError, match="not found"):
        assign_file(tmp_path / "missing.csv", tool, tmp_path / "o.csv")
    dup = pd.concat([new.iloc[:3], new.iloc[:3]])
    dup.to_csv(src)
    with pytest.raises(DataError, match="not unique"):
        assign_file(src, tool, tmp_path / "o.csv", id_column="customer_id")


def test_assign_file_semicolon_labels_and_no_id(fitted, pop0, tmp_path):
    tool, _, _ = fitted
    x, _ = sample(pop0, 40, 5)
    codes = pd.DataFrame(x, columns=[f"Q{j + 1}" for j in range(30)])[tool.items_]
    inv_es = {v: k for k, v in ES5.items()}
    spanish = codes.apply(lambda c: c.map(lambda v: inv_es[int(v)]))
    src = tmp_path / "respuestas.csv"
    spanish.to_csv(src, sep=";", index=False, encoding="utf-8-sig")
    res = assign_file(src, tool, tmp_path / "o.csv")
    assert res.id_column is None and list(res.frame.index[:2]) == ["1", "2"]
    np.testing.assert_array_equal(res.frame["segment"].to_numpy(dtype=int),
                                  tool.score(codes).frame["segment"].to_numpy(dtype=int))


def test_assign_file_reads_spss_and_survey_exports(fitted, tmp_path):
    tool, survey, _ = fitted
    expected = tool.score(survey).frame
    frame = survey.responses.reset_index()
    pyreadstat = pytest.importorskip("pyreadstat")
    pyreadstat.write_sav(frame[["respondent_id", *tool.items_]], str(tmp_path / "wave.sav"))
    res = assign_file(tmp_path / "wave.sav", tool, tmp_path / "a.csv")
    np.testing.assert_array_equal(res.frame["segment"].to_numpy(dtype=float), expected["segment"].to_numpy(dtype=float))
    # an export whose headers are the question texts: read through the questionnaire (the importer)
    export = frame.rename(columns={f"Q{j + 1}": f"Statement {j + 1}" for j in range(30)})
    export.to_csv(tmp_path / "export.csv", index=False)
    with pytest.raises(DataError, match="pass -q with the questionnaire"):
        assign_file(tmp_path / "export.csv", tool, tmp_path / "b.csv")
    res = assign_file(tmp_path / "export.csv", tool, tmp_path / "b.csv", questionnaire=survey.questionnaire)
    assert list(res.frame.index) == list(survey.ids)
    np.testing.assert_array_equal(res.frame["segment"].to_numpy(dtype=float), expected["segment"].to_numpy(dtype=float))


# ============================================================================ SQL = predict

def _score_table(tool, pop) -> pd.DataFrame:
    new = _new_answers(tool, pop, n=400, seed=123)
    new.index.name = "respondent_id"
    return new


def _check_sql_result(rows: pd.DataFrame, expected: pd.DataFrame) -> None:
    rows = rows.set_index("respondent_id").loc[expected.index]
    seg_sql = rows["segment"].astype("Int64")
    pd.testing.assert_series_equal(seg_sql, expected["segment"], check_names=False, check_dtype=False)
    np.testing.assert_allclose(rows["probability"].to_numpy(dtype=float), expected["probability"].to_numpy(),
                               rtol=1e-12, equal_nan=True)
    np.testing.assert_array_equal(rows["n_imputed"].to_numpy(dtype=int), expected["n_imputed"].to_numpy())


def test_sql_in_sqlite_equals_predict(fitted, pop0):
    tool, _, _ = fitted
    data = _score_table(tool, pop0)
    expected = tool.score(data).frame
    con = sqlite3.connect(":memory:")
    data.reset_index().to_sql("respondents", con, index=False)
    sql = tool.to_sql("respondents")
    rows = pd.read_sql_query(sql, con)
    _check_sql_result(rows, expected)
    assert expected["segment"].isna().sum() >= 1


def test_sql_in_duckdb_equals_predict(fitted, pop0):
    duckdb = pytest.importorskip("duckdb")
    tool, _, _ = fitted
    data = _score_table(tool, pop0).reset_index()
    expected = tool.score(data.set_index("respondent_id")).frame
    con = duckdb.connect()
    con.register("survey_wave_2", data)
    rows = con.execute(tool.to_sql("survey_wave_2")).df()
    _check_sql_result(rows, expected)


def test_sql_ties_go_to_lowest_segment_like_argmax():
    # two segments with identical classification functions: every row ties
    tool = TypingTool.from_model_dict({
        "format": "surveytools.typing-tool", "format_version": 1,
        "items": [{"id": "a", "text": "A", "type": "likert", "column": None, "codes": {"1": "x", "2": "y"},
                   "mean": 1.5}],
        "segments": [1, 2, 3], "coefficients": {"1": [1.0], "2": [2.0], "3": [2.0]},
        "constants": {"1": 0.0, "2": -1.0, "3": -1.0}, "priors": {"1": 0.3, "2": 0.3, "3": 0.4},
        "means": {"1": [1.0], "2": [2.0], "3": [2.0]}, "covariance": [[1.0]], "max_missing": 0, "accuracy": 0.5,
    })
    data = pd.DataFrame({"respondent_id": ["p", "q", "r"], "a": [1.0, 2.0, None]})
    con = sqlite3.connect(":memory:")
    data.to_sql("respondents", con, index=False)
    rows = pd.read_sql_query(tool.to_sql(), con)
    expected = tool.score(data.set_index("respondent_id")).frame
    # a=1: scores 1, 1, 1 -> segment 1; a=2: 2, 3, 3 -> segment 2 (first of the tie); a missing: excluded
    assert list(expected["segment"].astype(object).where(expected["segment"].notna(), None)) == [1, 2, None]
    _check_sql_result(rows, expected)


# ============================================================================ Excel calculator = predict

class _Err:
    def __init__(self, code: str) -> None:
        self.code = code

    def __repr__(self) -> str:
        return self.code


class _V:
    """An Excel value for the tiny formula evaluator below: a scalar (None = blank), a list (range) or _Err."""

    def __init__(self, v):
        self.v = v

    @staticmethod
    def _num(v):
        if v is None:
            return 0.0
        if isinstance(v, bool):
            return float(v)
        if isinstance(v, (int, float)):
            return float(v)
        raise TypeError(f"#VALUE! {v!r}")

    def _bin(self, other, op):
        a, b = self.v, other.v
        if isinstance(a, _Err):
            return self
        if isinstance(b, _Err):
            return other
        try:
            return _V(op(self._num(a), self._num(b)))
        except TypeError:
            return _V(_Err("#VALUE!"))

    def __add__(self, o): return self._bin(o, lambda a, b: a + b)
    def __sub__(self, o): return self._bin(o, lambda a, b: a - b)
    def __mul__(self, o): return self._bin(o, lambda a, b: a * b)
    def __truediv__(self, o): return self._bin(o, lambda a, b: a / b)
    def __neg__(self): return _V(-self._num(self.v))

    @staticmethod
    def _text(v):
        if v is None:
            return ""
        if isinstance(v, float) and v.is_integer():
            return str(int(v))
        return str(v)

    def __and__(self, o):  # Excel's & (concatenation); Python's & has the same precedence slot
        return _V(self._text(self.v) + self._text(o.v))

    def _cmp(self, o, op):
        a, b = self.v, o.v
        if a is None and isinstance(b, str):
            a = ""
        if b is None and isinstance(a, str):
            b = ""
        if isinstance(a, str) and isinstance(b, str):
            return _V(op(a.lower(), b.lower()))
        if isinstance(a, str) or isinstance(b, str):
            return _V(op is _ne)
        return _V(op(self._num(a), self._num(b)))

    def __eq__(self, o): return self._cmp(o, _eq)  # noqa: E704
    def __ne__(self, o): return self._cmp(o, _ne)  # noqa: E704
    def __gt__(self, o): return self._cmp(o, lambda a, b: a > b)  # noqa: E704
    def __lt__(self, o): return self._cmp(o, lambda a, b: a < b)  # noqa: E704
    __hash__ = None


def _eq(a, b):
    return a == b


def _ne(a, b):
    return a != b


def _flat(v):
    return v.v if isinstance(v.v, list) else [v.v]


def _match(value, rng, kind):
    for i, x in enumerate(_flat(rng)):
        a, b = value.v, x
        if isinstance(a, str) and isinstance(b, str) and a.lower() == b.lower():
            return _V(i + 1)
        if isinstance(a, (int, float)) and isinstance(b, (int, float)) and not isinstance(a, bool) and a == b:
            return _V(i + 1)
    return _V(_Err("#N/A"))


def _index(rng, i):
    if isinstance(i.v, _Err):
        return i
    return _V(_flat(rng)[int(i.v) - 1])


_FALSE = _V(False)

FUNCS = {
    "IF": lambda c, a, b=_FALSE: a if (not isinstance(c.v, _Err) and bool(c.v)) else b,
    "ISNUMBER": lambda a: _V(isinstance(a.v, (int, float)) and not isinstance(a.v, bool)),
    "AND": lambda *xs: _V(all(bool(x.v) for x in xs)),
    "MATCH": _match,
    "INDEX": _index,
    "IFERROR": lambda a, b: b if isinstance(a.v, _Err) else a,
    "SUMPRODUCT": lambda a, b: _V(sum(_V._num(x) * _V._num(y) if isinstance(x, (int, float)) and
                                      isinstance(y, (int, float)) else 0.0 for x, y in zip(_flat(a), _flat(b),
                                                                                           strict=True))),
    "SUM": lambda a: _V(sum(float(x) for x in _flat(a) if isinstance(x, (int, float)))),
    "MAX": lambda a: _V(max(float(x) for x in _flat(a) if isinstance(x, (int, float)))),
    "EXP": lambda a: _V(math.exp(_V._num(a.v))),
}


class ExcelEvaluator:
    """Recompute the calculator's formulas in Python from the cells written (no Excel or LibreOffice here)."""

    def __init__(self, wb, default_sheet: str):
        from openpyxl.formula import Tokenizer
        from openpyxl.utils.cell import range_boundaries

        self.wb = wb
        self.default = default_sheet
        self.Tokenizer = Tokenizer
        self.range_boundaries = range_boundaries
        self.cache: dict = {}

    def cell(self, sheet: str, coord: str):
        key = (sheet, coord.replace("$", ""))
        if key not in self.cache:
            c = self.wb[sheet][key[1]]
            v = c.value
            if c.data_type == "f" or (isinstance(v, str) and v.startswith("=") and c.data_type != "s"):
                v = self.formula(v, sheet).v
            self.cache[key] = v
        return self.cache[key]

    def ref(self, text: str, sheet: str) -> _V:
        if "!" in text:
            sheet, text = text.rsplit("!", 1)
            sheet = sheet.strip("'")
        text = text.replace("$", "")
        if ":" not in text:
            return _V(self.cell(sheet, text))
        min_col, min_row, max_col, max_row = self.range_boundaries(text)
        from openpyxl.utils import get_column_letter

        return _V([self.cell(sheet, f"{get_column_letter(c)}{r}") for r in range(min_row, max_row + 1)
                   for c in range(min_col, max_col + 1)])

    def formula(self, text: str, sheet: str) -> _V:
        toks = self.Tokenizer(text).items
        py = []
        env = {"_V": _V, "_R": lambda t: self.ref(t, sheet), **{f"F_{k}": f for k, f in FUNCS.items()}}
        for t in toks:
            if t.type == "OPERAND":
                if t.subtype == "RANGE":
                    py.append(f"_R({t.value!r})")
                elif t.subtype == "TEXT":
                    py.append(f"_V({t.value[1:-1].replace(chr(34) * 2, chr(34))!r})")
                elif t.subtype == "NUMBER":
                    py.append(f"_V({float(t.value)!r})")
                elif t.subtype == "LOGICAL":
                    py.append(f"_V({t.value.upper() == 'TRUE'})")
                else:
                    raise AssertionError(f"operand {t.value}")
            elif t.type == "FUNC":
                py.append(f"F_{t.value[:-1].upper()}(" if t.subtype == "OPEN" else ")")
            elif t.type == "SEP":
                py.append(",")
            elif t.type == "OPERATOR-INFIX":
                py.append({"=": "==", "<>": "!=", "&": "&"}.get(t.value, t.value))
            elif t.type == "OPERATOR-PREFIX":
                py.append(t.value)
            elif t.type == "PAREN":
                py.append(t.value)
            elif t.type == "WHITE-SPACE":
                continue
            else:
                raise AssertionError(f"token {t.type} {t.value}")
        return eval("".join(py), env)  # noqa: S307 - formulas we wrote ourselves


def _calculator_outcome(wb, answers: list) -> tuple:
    """Type answers into the calculator (in memory) and recompute: segment, probability, missing count, label 1."""
    ws = wb["Calculator"]
    first = next(r for r in range(1, 20) if ws.cell(r, 1).value == "Item") + 1
    for j, a in enumerate(answers):
        ws.cell(first + j, 4).value = None if a is None or (isinstance(a, float) and math.isnan(a)) else a
    res = next(r for r in range(first, ws.max_row + 1) if ws.cell(r, 1).value == "Segment"
               and ws.cell(r, 3).data_type == "f")
    ev = ExcelEvaluator(wb, "Calculator")
    seg = ev.cell("Calculator", f"C{res}")
    prob = ev.cell("Calculator", f"C{res + 2}")
    n_missing = ev.cell("Calculator", f"G{first + len(answers)}")
    label = ev.cell("Calculator", f"E{first}")
    return seg, prob, n_missing, label


def test_excel_calculator_formulas_equal_predict(fitted, pop0, tmp_path):
    tool, _, _ = fitted
    from openpyxl import load_workbook

    wb = load_workbook(tool.to_excel(tmp_path / "calc.xlsx"))
    new = _new_answers(tool, pop0, n=40, seed=321)
    expected = tool.score(new).frame
    for i in range(len(new)):
        answers = [None if np.isnan(v) else int(v) for v in new.iloc[i].to_numpy()]
        seg, prob, n_missing, label = _calculator_outcome(wb, answers)
        e = expected.iloc[i]
        assert n_missing == e["n_imputed"]
        if pd.isna(e["segment"]):
            assert seg == "too many missing answers"
            continue
        assert seg == e["segment"], f"row {i}"
        assert prob == pytest.approx(e["probability"], rel=1e-12)
        if answers[0] in (1, 2, 3, 4, 5):
            assert label == LABELS5[answers[0]]
        elif answers[0] is None:
            assert label == "(no answer)"
        else:
            assert label == "(not a valid answer)"


def test_excel_calculator_layout_and_text_safety(pop0, tmp_path):
    survey, seg = make_survey(600, seed=0, pop=pop0, text='=HYPERLINK("http://x","{i}")')
    names = pd.DataFrame({"segment_name": seg.map({1: "=cmd|' /C calc'!A0", 2: "Two", 3: "Three", 4: "Four",
                                                   5: "Five"})}).set_axis(seg.index.astype(str))
    tool = TypingTool(max_items=4).fit(survey, Segments.from_labels(seg.set_axis(seg.index.astype(str)),
                                                                    names=dict(zip(seg, names["segment_name"], strict=True))))
    path = tool.to_excel(tmp_path / "calc.xlsx")
    from openpyxl import load_workbook

    wb = load_workbook(path)
    assert wb.sheetnames == ["Calculator", "Coefficients", "Accuracy", "Options", "Model"]
    co = wb["Coefficients"]
    p = len(tool.items_)
    assert [co.cell(r, 1).value for r in range(2, p + 3)] == [*tool.items_, "Constant"]
    assert co.cell(1, 2).value.startswith("Segment 1")
    got = np.array([[co.cell(r, c).value for c in range(2, 7)] for r in range(2, p + 3)])
    # openpyxl stores numbers with 16 significant digits ("%.16g"): equal to a few units in the last place
    np.testing.assert_allclose(got, tool.coef_.to_numpy(), rtol=2e-15, atol=0)
    # survey text and segment names are text cells, never formulas
    calc = wb["Calculator"]
    q_cells = [calc.cell(r, 2) for r in range(5, 5 + p)]
    assert all(c.data_type == "s" and c.value.startswith("=HYPERLINK") for c in q_cells)
    assert co.cell(1, 2).data_type == "s"
    name_cells = [c for row in calc.iter_rows() for c in row if c.value == "=cmd|' /C calc'!A0"]
    assert name_cells and all(c.data_type == "s" for c in name_cells)
    # answer cells have a drop-down of the valid codes
    dvs = calc.data_validations.dataValidation
    assert any(dv.formula1 == '"1,2,3,4,5"' for dv in dvs)
    acc = wb["Accuracy"]
    assert acc.cell(2, 1).value == 1 and acc.cell(2, 4).value == pytest.approx(tool.curve_["accuracy"].iloc[0])
    assert acc._charts


# ============================================================================ real data: bfi

def test_bfi_typing_tool_on_kmeans_segments(bfi_survey):
    """Real answers with missing data: segments from k-means on the five scale means, then golden questions."""
    from sklearn.cluster import KMeans

    q = bfi_survey.questionnaire
    scores = np.column_stack([bfi_survey.scale_frame(s).mean(axis=1).to_numpy() for s in q.scales])
    z = (scores - scores.mean(axis=0)) / scores.std(axis=0)
    from threadpoolctl import threadpool_limits

    with threadpool_limits(1):  # KMeans' OpenMP threads crawl on a shared 2-core machine
        km = KMeans(4, n_init=3, random_state=0).fit(z)
    seg = pd.Series(km.labels_ + 1, index=bfi_survey.ids).iloc[100:]  # 100 respondents left unassigned
    tool = TypingTool(max_items=12).fit(bfi_survey, seg)
    res = tool.result_
    assert res.rows_in == 2800 and res.rows_used + res.rows_excluded == 2800
    assert res.excluded["no segment in the assignments"] == 100
    assert res.imputed_answers > 0  # bfi has missing answers: imputed with the item means
    assert len(tool.items_) <= 12
    assert tool.accuracy_ >= 0.78  # 12 of 25 items; R-free check: all 25 items reach ~0.93
    # items come from at least three of the five scales (segments differ on several traits)
    assert len({i[0] for i in tool.items_}) >= 3
    assert re.fullmatch(r"[ACENO][1-5]", tool.items_[0])
