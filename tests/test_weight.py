"""Raking weights (issue 16 item 2) against R survey's rake() and against the definitions."""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from surveytools.exceptions import DataError
from surveytools.weight import WeightingWarning, load_targets, parse_targets, rake

REF = json.loads((Path(__file__).parent / "data" / "weight" / "reference.json").read_text())

MARGINS = {
    "targets": {
        "gender": {"Male": 0.49, "Female": 0.51},
        "education": {1: 0.10, 2: 0.25, 3: 0.30, 4: 0.20, 5: 0.15},
        "age": {"bins": [0, 25, 35, 50, 120], "shares": [0.20, 0.30, 0.30, 0.20]},
    }
}
INTERLOCKED = {
    "targets": {"age": {"bins": [0, 25, 35, 50, 120], "shares": [20, 30, 30, 20]}},   # counts work as shares
    "interlocked": [{"variables": ["gender", "education"],
                     "targets": {1: {1: 0.06, 2: 0.12, 3: 0.14, 4: 0.09, 5: 0.08},
                                 2: {1: 0.04, 2: 0.13, 3: 0.16, 4: 0.11, 5: 0.07}}}],
}


@pytest.fixture(scope="module")
def answered(bfi_survey):
    keep = bfi_survey.responses["education"].notna()
    return bfi_survey.subset(bfi_survey.responses.index[keep.to_numpy()])


def test_margins_match_r_survey_rake(answered):
    # R: rake(svydesign(ids=~1, data=d), list(~gender, ~education, ~ageb), list(pg, pe, pa),
    #         control=list(maxit=1000, epsilon=1e-13))   (tests/data/weight/make_reference.R)
    res = rake(answered, MARGINS)
    assert list(answered.ids) == REF["respondent_id"]
    np.testing.assert_allclose(res.weights.to_numpy(), REF["margins"], rtol=1e-8)
    assert res.converged and res.weights.sum() == pytest.approx(answered.n)
    np.testing.assert_allclose(res.margins["achieved"], res.margins["target"], atol=1e-8)
    gender = res.margins[res.margins["margin"] == "gender"]
    assert list(gender["cell"]) == ["Male", "Female"]


def test_interlocked_cells_match_r_survey_rake(answered):
    # R: rake(svydesign(ids=~1, data=d), list(~gender+education, ~ageb), list(ge, pa), control=...)
    res = rake(answered, INTERLOCKED)
    np.testing.assert_allclose(res.weights.to_numpy(), REF["interlocked"], rtol=1e-8)
    cells = res.margins[res.margins["margin"] == "gender x education"]
    assert len(cells) == 10 and "Male x Some high school" in set(cells["cell"])


def test_diagnostics_are_kish(answered):
    res = rake(answered, MARGINS)
    w = res.weights.to_numpy()
    eff = w.sum() ** 2 / (len(w) * (w ** 2).sum())
    d = res.to_dict()
    assert d["efficiency"] == pytest.approx(eff, rel=1e-12)
    assert d["design_effect"] == pytest.approx(1 + (w.std() / w.mean()) ** 2, rel=1e-12)
    assert d["max_weight"] == pytest.approx(w.max()) and d["min_weight"] == pytest.approx(w.min())
    assert d["margins"]["education"]["College graduate"]["target"] == pytest.approx(0.20)
    json.dumps(d, allow_nan=False)
    assert "efficiency" in res.summary()


def test_cap_limits_weights_and_keeps_margins(answered):
    skewed = {"targets": {"gender": {1: 0.8, 2: 0.2}, "education": {1: 0.4, 2: 0.3, 3: 0.1, 4: 0.1, 5: 0.1}}}
    free = rake(answered, skewed)
    assert free.weights.max() > 9
    capped = rake(answered, skewed, cap=8)
    w = capped.weights.to_numpy()
    assert capped.converged and w.max() <= 8 * w.mean() * (1 + 1e-9)
    np.testing.assert_allclose(capped.margins["achieved"], capped.margins["target"], atol=1e-7)
    with pytest.warns(WeightingWarning, match="cap"):
        # women with little education would need more than the women's whole target share: infeasible
        impossible = rake(answered, skewed, cap=4, max_iter=200)
    assert not impossible.converged and not impossible.to_dict()["converged"]


def test_total_and_base_weights(answered):
    res = rake(answered, {**MARGINS, "total": 1_000_000})
    assert res.weights.sum() == pytest.approx(1_000_000)
    with pytest.raises(DataError, match="names no weight column"):
        rake(answered, MARGINS, base_weights=True)


def test_rows_are_never_dropped_missing_answers(bfi_survey):
    with pytest.raises(DataError, match=r"have no answer to education.*missing: ignore"):
        rake(bfi_survey, MARGINS)
    res = rake(bfi_survey, {**MARGINS, "missing": "ignore"})
    assert len(res.weights) == bfi_survey.n and res.weights.notna().all()
    edu = res.margins[res.margins["margin"] == "education"]
    np.testing.assert_allclose(edu["achieved"], edu["target"], atol=1e-8)


def test_targets_are_validated_all_at_once(bfi_questionnaire):
    bad = {"targets": {"gender": {"Martians": 0.5, 1: 0.5}, "nope": {1: 1}, "A1": {1: "x"},
                       "age": {"bins": [10, 5], "shares": [1]}},
           "cap": 0.5, "colour": 1}
    with pytest.raises(DataError) as err:
        parse_targets(bad, bfi_questionnaire, path="t.yaml")
    problems = "\n".join(err.value.problems)
    for text in ("'Martians' is neither a code nor a label of 'gender'", "'nope' is not an item",
                 "targets must be numbers", "targets.age.bins", "cap:", "unknown key(s) colour"):
        assert text in problems


def test_category_without_target_and_empty_cell(answered):
    with pytest.raises(DataError, match="category that has no target"):
        rake(answered, {"targets": {"education": {1: 0.5, 2: 0.5}}})
    with pytest.raises(DataError, match="outside the bands"):
        rake(answered, {"targets": {"age": {"bins": [20, 120], "shares": [1]}}})


def test_load_targets_file(tmp_path, bfi_questionnaire):
    p = tmp_path / "t.yaml"
    p.write_text("targets:\n  gender: {Male: 49, Female: 51}\ncap: 4\n", encoding="utf-8")
    t = load_targets(p, bfi_questionnaire)
    assert t.cap == 4 and t.margins[0].cells == {(1,): 0.49, (2,): 0.51}
    p.write_text("targets: [unclosed\n", encoding="utf-8")
    with pytest.raises(DataError, match="line 2: YAML syntax error"):
        load_targets(p, bfi_questionnaire)
    with pytest.raises(Exception, match="not found"):
        load_targets(tmp_path / "missing.yaml", bfi_questionnaire)


def test_row_order_does_not_change_weights(answered):
    res = rake(answered, MARGINS)
    perm = np.random.default_rng(3).permutation(answered.n)
    shuffled = answered.subset(answered.ids[perm])
    res2 = rake(shuffled, MARGINS)
    pd.testing.assert_series_equal(res2.weights.sort_index(), res.weights.sort_index(), rtol=1e-10)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        rake(answered, MARGINS)  # no warning when it converges


# ---------------------------------------------------------------------- command

def test_weight_command(invoke, tmp_path, bfi_csv, bfi_yaml):
    t = tmp_path / "targets.yaml"
    t.write_text("targets:\n  gender: {Male: 0.49, Female: 0.51}\n  age: {bins: [0, 30, 200], shares: [0.4, 0.6]}\n",
                 encoding="utf-8")
    out = tmp_path / "weighted.csv"
    res = invoke("weight", bfi_csv, "-q", bfi_yaml, "--include-flagged", "--targets", t, "-o", out, "--json")
    assert res.exit_code == 0, res.stderr
    d = json.loads(res.stdout)
    assert set(d) >= {"efficiency", "design_effect", "min_weight", "max_weight", "converged", "iterations", "margins"}
    assert d["converged"] and d["weight_column"] == "weight"
    data = pd.read_csv(out)
    assert len(data) == 2800 and data["weight"].sum() == pytest.approx(2800)
    male = data["gender"] == 1
    assert data.loc[male, "weight"].sum() / 2800 == pytest.approx(0.49, abs=1e-8)
    text = invoke("weight", bfi_csv, "-q", bfi_yaml, "--include-flagged", "--targets", t, "-o", tmp_path / "w2.csv")
    assert "efficiency" in text.stdout and "add 'weight: weight' to the questionnaire" in text.stderr


def test_weight_command_errors(invoke, tmp_path, bfi_csv, bfi_yaml):
    res = invoke("weight", bfi_csv, "-q", bfi_yaml, "--targets", tmp_path / "none.yaml")
    assert res.exit_code == 1 and res.stderr.startswith("Error: targets file") and "Traceback" not in res.stderr
    bad = tmp_path / "bad.yaml"
    bad.write_text("targets:\n  gender: {Martian: 1}\n", encoding="utf-8")
    res = invoke("weight", bfi_csv, "-q", bfi_yaml, "--targets", bad)
    assert res.exit_code == 1 and "'Martian' is neither a code nor a label of 'gender'" in res.stderr
    res = invoke("weight", bfi_csv, "-q", bfi_yaml, "--targets", bad, "-o", tmp_path / "x.txt")
    assert res.exit_code == 2
    res = invoke("weight", bfi_csv, "-q", bfi_yaml, "--targets", bad, "-o", bfi_csv)
    assert res.exit_code == 1 and bfi_csv.exists()
