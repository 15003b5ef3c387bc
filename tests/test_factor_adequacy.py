"""KMO and Bartlett's test against R psych 2.2.9 (``KMO``, ``cortest.bartlett``)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from surveytools.correlation import correlation_matrix
from surveytools.exceptions import DataError, EstimationError
from surveytools.factor.adequacy import bartlett, kmo, kmo_label

DATA = Path(__file__).resolve().parent / "data"


@pytest.fixture(scope="module")
def bfi_R(bfi_survey):
    return correlation_matrix(bfi_survey.item_frame(), "pearson")


def test_kmo_matches_psych_on_bfi(bfi_R, bfi_reference):
    # R: R <- cor(bfi[, 1:25], use = "pairwise"); KMO(R)  (psych 2.2.9; tests/data/bfi/README.md)
    ref = bfi_reference["factor"]["kmo"]
    res = kmo(bfi_R)
    assert res.overall == pytest.approx(ref["overall"], abs=1e-6)
    for item, value in ref["items"].items():
        assert res.items[item] == pytest.approx(value, abs=1e-6), item
    assert list(res.items.index) == list(bfi_R.items)
    assert res.label == "meritorious"


def test_bartlett_matches_psych_on_bfi(bfi_R, bfi_reference):
    # R: cortest.bartlett(R, n = 2800)
    ref = bfi_reference["factor"]["bartlett"]
    res = bartlett(bfi_R, n=2800)
    assert res.chi2 == pytest.approx(ref["chi2"], rel=1e-6)
    assert res.df == ref["df"] == 300
    assert res.p == pytest.approx(ref["p"], abs=1e-300)


def test_small_matrix_against_psych():
    # R: R <- matrix(c(1,.5,.4,.5,1,.3,.4,.3,1), 3); KMO(R)$MSA; KMO(R)$MSAi; cortest.bartlett(R, n = 100)
    R = np.array([[1, .5, .4], [.5, 1, .3], [.4, .3, 1]])
    res = kmo(R)
    assert res.overall == pytest.approx(0.6278611324, abs=1e-9)
    b = bartlett(R, n=100)
    assert b.chi2 == pytest.approx(46.44914532, rel=1e-9)
    assert b.df == 3
    assert b.p == pytest.approx(4.551874509e-10, rel=1e-6)  # pchisq(46.44914532, 3, lower.tail = FALSE)


@pytest.fixture(scope="module")
def msq():
    frame = pd.read_csv(DATA / "msq75" / "responses.csv").set_index("respondent_id")
    ref = json.loads((DATA / "msq75" / "reference.json").read_text())
    return frame, ref


def test_kmo_bartlett_with_missing_answers_and_75_items(msq):
    # R: see tests/data/msq75/README.md; R <- cor(x, use = "pairwise"); KMO(R); cortest.bartlett(R, n = nrow(x))
    frame, ref = msq
    R = correlation_matrix(frame[ref["items"]], "pearson")
    res = kmo(R)
    assert res.overall == pytest.approx(ref["kmo"]["overall"], abs=1e-6)
    got = res.items.to_numpy()
    assert np.abs(got - np.array(ref["kmo"]["items"])).max() < 1e-6
    b = bartlett(R, n=len(frame))
    assert b.chi2 == pytest.approx(ref["bartlett"]["chi2"], rel=1e-6)
    assert b.df == ref["bartlett"]["df"]


def test_anti_image_diagonal_is_item_msa(bfi_R):
    res = kmo(bfi_R)
    assert np.allclose(np.diag(res.anti_image.to_numpy()), res.items.to_numpy())
    off = res.anti_image.to_numpy()[~np.eye(25, dtype=bool)]
    assert np.all(np.abs(off) < 1)


def test_singular_matrix_is_an_estimation_error():
    R = np.ones((3, 3))
    R[2, :2] = R[:2, 2] = 0.2
    with pytest.raises(EstimationError, match="singular"):
        kmo(pd.DataFrame(R, index=list("abc"), columns=list("abc")))
    with pytest.raises(EstimationError, match="singular"):
        bartlett(R, n=100)


def test_bad_inputs():
    with pytest.raises(DataError, match="square"):
        kmo(np.ones((2, 3)))
    with pytest.raises(DataError, match="missing values"):
        kmo(np.array([[1, np.nan], [np.nan, 1]]))
    with pytest.raises(DataError, match="more respondents"):
        bartlett(np.eye(3), n=2)


def test_results_render(bfi_R):
    k = kmo(bfi_R)
    b = bartlett(bfi_R, n=2800)
    assert set(k.to_dict()) >= {"overall", "items"}
    assert set(b.to_dict()) >= {"chi2", "df", "p"}
    assert f"{k.overall:.3f} ({k.label})" in k.summary() and "A1" in k.summary()
    assert all(f"{v:.3f}" in k.summary() for v in k.items)
    assert "df 300" in b.summary() and f"{b.chi2:,.2f}" in b.summary()
    es = k.summary(lang="es")
    assert "MSA" in es and f"{k.overall:.3f}".replace(".", ",") in es and "meritorious" not in es
    assert k.to_frame().shape == (25, 2)
    json.dumps(k.to_dict())
    json.dumps(b.to_dict())


@pytest.mark.parametrize("value,word", [(0.95, "marvelous"), (0.85, "meritorious"), (0.75, "middling"),
                                        (0.65, "mediocre"), (0.55, "miserable"), (0.3, "unacceptable")])
def test_kaiser_words(value, word):
    assert kmo_label(value) == word


@given(st.permutations(list(range(6))))
def test_kmo_and_bartlett_do_not_depend_on_item_order(perm):
    rng = np.random.default_rng(3)
    A = rng.normal(size=(200, 6)) @ rng.normal(size=(6, 6))
    R = np.corrcoef(A, rowvar=False)
    base_k = kmo(R)
    base_b = bartlett(R, 200)
    P = R[np.ix_(perm, perm)]
    k = kmo(P)
    assert k.overall == pytest.approx(base_k.overall, abs=1e-12)
    assert np.allclose(k.items.to_numpy(), base_k.items.to_numpy()[perm], atol=1e-12)
    assert bartlett(P, 200).chi2 == pytest.approx(base_b.chi2, rel=1e-12)


def test_kmo_bartlett_on_135_items_with_missing_answers():
    # R: tests/data/correlation/make_reference.R (spi block): R <- cor(sx, use = "pairwise"); KMO(R);
    #    cortest.bartlett(R, n = 4000)   (spi: 4,000 x 135, seeded missing answers and break-offs)
    ref = json.loads((DATA / "correlation" / "spi_reference.json").read_text())
    frame = pd.read_csv(DATA / "spi" / "responses.csv.gz").set_index("respondent_id")[ref["items"]]
    R = correlation_matrix(frame)
    res = kmo(R)
    assert res.overall == pytest.approx(ref["kmo"]["overall"], abs=1e-6)
    assert np.abs(res.items.to_numpy() - np.array(ref["kmo"]["items"])).max() < 1e-6
    b = bartlett(R, n=len(frame))
    assert b.chi2 == pytest.approx(ref["bartlett"]["chi2"], rel=1e-6)
    assert b.df == ref["bartlett"]["df"] == 9045
