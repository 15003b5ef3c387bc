"""The segmentation basis: kinds, reverse keying, standardization, exclusions with reasons, imputation."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd
import pytest
from synthetic import make_segmented_survey

from surveytools.exceptions import DataError, ScaleError
from surveytools.scoring import score_scales
from surveytools.segment import build_basis


@pytest.fixture(scope="module")
def survey():
    return make_segmented_survey(n=300, k=3, seed=2, weighted=True)[0]


def test_scales_basis_is_score_scales(survey):
    b = build_basis(survey, "scales")
    pd.testing.assert_frame_equal(b.data, score_scales(survey).scores, check_names=False)
    assert b.kind == "scales" and not b.standardize  # one answer scale: kept in its units
    assert b.sources["att1"] == {"type": "scale", "scale": "att1"}
    np.testing.assert_allclose(b.matrix(), b.data.to_numpy())


def test_items_basis_reverses_reverse_keyed_items(survey):
    b = build_basis(survey, "items")
    assert b.columns == [f"att{a}_{j}" for a in range(1, 7) for j in range(1, 5)]
    np.testing.assert_array_equal(b.data["att1_4"], 6 - survey.responses["att1_4"])
    np.testing.assert_array_equal(b.data["att1_1"], survey.responses["att1_1"])
    assert b.sources["att1_4"]["reversed"] and not b.sources["att1_1"]["reversed"]
    # in a list, a reverse-keyed item is reversed too; '-' reverses any item
    c = build_basis(survey, "att1_4,-att1_1")
    np.testing.assert_array_equal(c.data["att1_4"], 6 - survey.responses["att1_4"])
    np.testing.assert_array_equal(c.data["att1_1"], 6 - survey.responses["att1_1"])


def test_auto_standardization_and_weighted_z(survey):
    b = build_basis(survey, "att1,age")
    assert b.standardize  # a scale and a numeric item: different units
    z = b.matrix()
    w = survey.weights.to_numpy() / survey.weights.sum()
    np.testing.assert_allclose(w @ z, 0.0, atol=1e-12)
    np.testing.assert_allclose(w @ z**2, 1.0, rtol=1e-12)
    assert not build_basis(survey, "att1,age", standardize=False).standardize


def test_rows_in_equal_used_plus_excluded_with_reasons(survey):
    resp = survey.responses.copy()
    resp.loc["R00003", ["att2_1", "att2_2", "att2_3"]] = np.nan  # one answer left: no att2 score
    resp.loc["R00007", "att5_2"] = np.nan  # 3 of 4 answered: still scored
    w = survey.weights.copy()
    w.loc["R00009"] = np.nan
    s = replace(survey, responses=resp, weights=w)
    b = build_basis(s, "scales")
    assert b.rows_in == 300 and b.rows_used == 298 and len(b.excluded) == 2
    assert b.excluded.loc["R00003"] == "no score on scale att2 (fewer than 2 of its 4 items answered)"
    assert b.excluded.loc["R00009"] == "no survey weight"
    assert b.exclusion_counts() == {"no score on scale att2 (fewer than 2 of its 4 items answered)": 1,
                                    "no survey weight": 1}
    m = build_basis(s, "scales", missing="mean")
    assert m.rows_used == 299 and m.imputed == 1  # the weightless respondent is still excluded
    ww = w.drop("R00009")
    kept = score_scales(s, weights=False).scores["att2"].drop("R00009")
    expected = float((kept * ww).sum() / ww[kept.notna()].sum())
    assert m.data.loc["R00003", "att2"] == pytest.approx(expected)


def test_errors(survey):
    with pytest.raises(DataError, match="unknown scale or item 'nope'"):
        build_basis(survey, "att1,nope")
    with pytest.raises(DataError, match="named twice"):
        build_basis(survey, "att1,att1")
    with pytest.raises(DataError, match="missing must be"):
        build_basis(survey, "scales", missing="drop")
    w = survey.weights.copy()
    w.iloc[0] = -1.0
    with pytest.raises(DataError, match="negative"):
        build_basis(replace(survey, weights=w), "scales")
    resp = survey.responses.drop(columns=["att3_1"])
    with pytest.raises(ScaleError, match="att3_1"):
        build_basis(replace(survey, responses=resp), "att3_1")
    empty = survey.responses.copy()
    empty.loc[:, "att1_1"] = np.nan
    with pytest.raises(DataError, match="no respondent has a complete basis"):
        build_basis(replace(survey, responses=empty), "att1_1")


def test_dataframe_basis():
    frame = pd.DataFrame({"a": [1.0, 2, np.nan, 4], "b": [0.5, 0.1, 0.2, 0.3], "c": list("wxyz")},
                         index=["p", "q", "r", "s"])
    b = build_basis(frame, "a,b")
    assert b.kind == "frame" and b.rows_used == 3 and b.excluded.to_dict() == {"r": "missing a"}
    with pytest.raises(DataError, match="not numeric"):
        build_basis(frame, "a,c")
    with pytest.raises(DataError, match="no column 'zz'"):
        build_basis(frame, "a,zz")
