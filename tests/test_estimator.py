"""The estimator contract (:mod:`surveytools.estimator`), checked for every surveytools model, in the manner of
scikit-learn's ``check_estimator``: ``__init__`` stores its parameters unchanged, ``get_params``/``set_params``
round trip, ``sklearn.base.clone`` works, ``fit`` returns self, an unfitted model raises ``NotFittedError``, a
saved model predicts exactly as the original, and a bad parameter raises ``InvalidParameterError`` at ``fit``
naming the parameter. Also: the one model-file header, and model files written before it still load.

A new model joins by adding a :class:`Case` to ``CASES`` and its bad parameters to ``BAD_PARAMS``.
"""

from __future__ import annotations

import inspect
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from _typing_data import make_survey  # noqa: I001  (tests/ helper)
from synthetic import make_segmented_survey

import surveytools
from surveytools import estimator as est
from surveytools.crm_extend import CrmSegmentModel
from surveytools.exceptions import (
    DataError,
    EstimationError,
    InputFileError,
    InvalidParameterError,
    NotFittedError,
    SurveyToolsError,
)
from surveytools.factor import FactorModel
from surveytools.segment import Segmenter
from surveytools.typing_tool import TypingTool

MODELS = Path(__file__).parent / "data" / "models"


@dataclass(frozen=True)
class Case:
    """How to exercise one estimator: non-default parameters, data, fit and predict."""

    cls: type
    params: dict[str, Any]
    data: Callable[[], tuple[Any, Any]]
    fit: Callable[[Any, Any, Any], Any]
    predict: Callable[[Any, Any], pd.DataFrame]


def _segmented() -> tuple[Any, Any]:
    survey, _ = make_segmented_survey(n=240, k=3, seed=4)
    return survey, None


def _typing() -> tuple[Any, Any]:
    return make_survey(300, seed=3)


def _crm() -> tuple[Any, Any]:
    from _crm_sim import simulate  # tests/ helper

    frame, _ = simulate(n=1500, n_respondents=600, seed=5)
    resp = frame[frame["segment"].notna()]
    return resp.drop(columns=["segment", "segment_name"]), resp["segment"]


CASES = {
    "FactorModel": Case(FactorModel, {"n_factors": 3, "rotation": "varimax", "n_iter": 0},
                        _segmented, lambda m, x, y: m.fit(x), lambda m, x: m.transform(x)),
    "Segmenter": Case(Segmenter, {"k": 3, "basis": "scales", "bootstrap": 0},
                      _segmented, lambda m, x, y: m.fit(x), lambda m, x: m.predict(x)),
    "TypingTool": Case(TypingTool, {"max_items": 4, "n_folds": 3},
                       _typing, lambda m, x, y: m.fit(x, y), lambda m, x: m.predict(x).to_frame()),
    "CrmSegmentModel": Case(CrmSegmentModel, {"model": "logistic", "n_folds": 3, "min_probability": 0.3},
                            _crm, lambda m, x, y: m.fit(x, y), lambda m, x: m.predict(x)),
}

_DATA: dict[str, tuple[Any, Any]] = {}
_FITTED: dict[str, Any] = {}


def data_of(name: str) -> tuple[Any, Any]:
    if name not in _DATA:
        _DATA[name] = CASES[name].data()
    return _DATA[name]


def fitted(name: str) -> Any:
    if name not in _FITTED:
        case = CASES[name]
        x, y = data_of(name)
        _FITTED[name] = case.fit(case.cls(**case.params), x, y)
    return _FITTED[name]


names = pytest.mark.parametrize("name", list(CASES))


# ------------------------------------------------------------------------------------------ parameters
@names
def test_init_stores_every_parameter_unchanged(name):
    case = CASES[name]
    sig = inspect.signature(case.cls.__init__)
    values = {p: object() for p in sig.parameters if p != "self"}   # sentinels: anything is stored as given
    model = case.cls(**values)
    assert all(getattr(model, p) is v for p, v in values.items())
    assert not model.__sklearn_is_fitted__()
    assert list(model.get_params()) == list(values)


@names
def test_constraints_table_covers_exactly_the_init_parameters(name):
    cls = CASES[name].cls
    assert set(cls._parameter_constraints) == set(cls._param_names())
    cls()._validate_params()                      # the defaults are acceptable
    cls(**CASES[name].params)._validate_params()


@names
def test_get_set_params_round_trip_and_repr(name):
    case = CASES[name]
    a, b = case.cls(**case.params), case.cls()
    assert b.set_params(**a.get_params()) is b
    assert b.get_params() == a.get_params()
    for key, value in case.params.items():
        assert f"{key}={value!r}" in repr(b)
    assert repr(case.cls()) == f"{name}()"
    with pytest.raises(InvalidParameterError, match="unknown parameter 'bogus'") as err:
        b.set_params(bogus=1)
    assert isinstance(err.value, ValueError) and isinstance(err.value, SurveyToolsError)


@names
def test_sklearn_clone(name):
    from sklearn.base import clone

    case = CASES[name]
    model = fitted(name)
    copy = clone(model)
    assert type(copy) is case.cls and copy is not model
    assert copy.get_params() == model.get_params()
    assert not copy.__sklearn_is_fitted__()


@names
def test_fit_returns_self_and_sets_trailing_underscore_attributes(name):
    case = CASES[name]
    x, y = data_of(name)
    model = case.cls(**case.params)
    assert case.fit(model, x, y) is model
    assert model.__sklearn_is_fitted__()
    assert [k for k in vars(model) if k.endswith("_")]


@names
def test_unfitted_model_raises_not_fitted(name, tmp_path):
    case = CASES[name]
    x, _ = data_of(name)
    with pytest.raises(NotFittedError, match=f"this {name} is not fitted") as err:
        case.predict(case.cls(**case.params), x)
    assert isinstance(err.value, SurveyToolsError)
    with pytest.raises(NotFittedError):
        case.cls().save(tmp_path / "m.json")
    assert not (tmp_path / "m.json").exists()


@names
def test_save_load_round_trip_gives_identical_predictions(name, tmp_path):
    case = CASES[name]
    x, _ = data_of(name)
    model = fitted(name)
    path = model.save(tmp_path / "model.json")
    data = json.loads(path.read_text(encoding="utf-8"))
    assert list(data)[:4] == ["format", "version", "surveytools_version", "params"]
    assert data["format"] == case.cls._model_format and data["version"] == case.cls._model_version
    assert data["surveytools_version"] == surveytools.__version__
    loaded = case.cls.load(path)
    assert type(loaded) is case.cls and loaded.get_params() == model.get_params()
    pd.testing.assert_frame_equal(case.predict(loaded, x), case.predict(model, x), check_exact=True)
    # a loaded model saves again, with the same header and parameters
    again = json.loads(loaded.save(tmp_path / "again.json").read_text(encoding="utf-8"))
    assert {k: again[k] for k in list(again)[:4]} == {k: data[k] for k in list(data)[:4]}


@names
def test_model_file_errors(name, tmp_path):
    cls = CASES[name].cls
    with pytest.raises(InputFileError, match="no such model file"):
        cls.load(tmp_path / "missing.json")
    other = tmp_path / "other.json"
    other.write_text('{"format": "surveytools.something-else", "version": 1}')
    with pytest.raises(InputFileError, match=f"not {cls._model_what}"):
        cls.load(other)
    newer = fitted(name).to_model_dict()
    newer["version"] = cls._model_version + 1
    (tmp_path / "newer.json").write_text(json.dumps(newer))
    with pytest.raises(InputFileError, match="written by a newer surveytools.*upgrade surveytools"):
        cls.load(tmp_path / "newer.json")
    damaged = fitted(name).to_model_dict()
    damaged.pop("items" if "items" in damaged else "model")
    (tmp_path / "damaged.json").write_text(json.dumps(damaged))
    with pytest.raises(InputFileError, match="damaged model file"):
        cls.load(tmp_path / "damaged.json")


# ------------------------------------------------------------------------------------------ bad parameters
BAD_PARAMS = [
    ("FactorModel", "n_factors", 0), ("FactorModel", "n_factors", "many"), ("FactorModel", "method", "alpha"),
    ("FactorModel", "rotation", "spin"), ("FactorModel", "cor", "kendall"), ("FactorModel", "missing", "drop"),
    ("FactorModel", "gamma", "x"), ("FactorModel", "kaiser", "yes"), ("FactorModel", "scores", "magic"),
    ("FactorModel", "random_starts", -1), ("FactorModel", "seed", 1.5), ("FactorModel", "factor_names", 3),
    ("FactorModel", "n_iter", True), ("FactorModel", "weights", None),
    ("Segmenter", "k", 1), ("Segmenter", "k", "5-3"), ("Segmenter", "method", "dbscan"), ("Segmenter", "basis", 7),
    ("Segmenter", "n_init", 0), ("Segmenter", "bootstrap", -1), ("Segmenter", "bootstrap_n_init", 0),
    ("Segmenter", "seed", -3), ("Segmenter", "min_size", 0.9), ("Segmenter", "min_stability", 2),
    ("Segmenter", "standardize", "yes"), ("Segmenter", "missing", "drop"), ("Segmenter", "min_answered", 1.5),
    ("Segmenter", "covariance", "weird"), ("Segmenter", "n_runs", 1), ("Segmenter", "linkage", "single"),
    ("Segmenter", "silhouette_sample", 2.5), ("Segmenter", "weights", 1), ("Segmenter", "factor_options", "x"),
    ("Segmenter", "n_jobs", 0), ("Segmenter", "covariates", 3), ("Segmenter", "distal", 2.5),
    ("Segmenter", "covariate_method", "two-step"), ("Segmenter", "prior", -1),
    ("TypingTool", "items", 5), ("TypingTool", "max_items", 0), ("TypingTool", "min_gain", 1.0),
    ("TypingTool", "n_items", 0), ("TypingTool", "n_folds", 1), ("TypingTool", "seed", "abc"),
    ("TypingTool", "priors", "flat"), ("TypingTool", "priors", [0.5, -0.5]), ("TypingTool", "backward", "no"),
    ("TypingTool", "max_missing", -0.1), ("TypingTool", "nested", None), ("TypingTool", "progress", 3),
    ("CrmSegmentModel", "features", 5), ("CrmSegmentModel", "as_of", "yesterday"),
    ("CrmSegmentModel", "model", "forest"), ("CrmSegmentModel", "min_probability", 1.5),
    ("CrmSegmentModel", "n_folds", 1), ("CrmSegmentModel", "seed", -1), ("CrmSegmentModel", "min_segment_size", 1),
    ("CrmSegmentModel", "exclude", 3),
]


def test_bad_params_cover_every_parameter():
    for name, case in CASES.items():
        assert {p for n, p, _ in BAD_PARAMS if n == name} == set(case.cls._param_names())


@pytest.mark.parametrize("name,param,value", BAD_PARAMS, ids=[f"{n}-{p}-{v!r}" for n, p, v in BAD_PARAMS])
def test_invalid_parameter_raises_at_fit_naming_it(name, param, value):
    case = CASES[name]
    x, y = data_of(name)
    model = case.cls(**{**case.params, param: value})      # init never checks
    assert getattr(model, param) is value
    with pytest.raises(InvalidParameterError) as err:
        case.fit(model, x, y)
    message = str(err.value)
    assert message.startswith(f"{param} ") or message.startswith(f"{param}:"), message
    assert repr(value) in message or str(value) in message
    assert isinstance(err.value, ValueError) and isinstance(err.value, SurveyToolsError)
    assert not model.__sklearn_is_fitted__()


def test_parameter_errors_keep_the_classes_they_had():
    # before the constraints table, FactorModel raised EstimationError and Segmenter DataError for bad parameters
    x, _ = data_of("FactorModel")
    with pytest.raises(EstimationError, match="unknown extraction method"):
        FactorModel(method="alpha").fit(x)
    with pytest.raises(DataError, match="unknown segmentation method"):
        Segmenter(method="dbscan").fit(x)


# ------------------------------------------------------------------------------------------ earlier files
def test_model_files_of_earlier_versions_load_and_predict_the_same():
    survey, _ = data_of("FactorModel")
    fm = FactorModel.load(MODELS / "legacy_factor_model.json")
    expected = pd.read_csv(MODELS / "legacy_factor_scores.csv", index_col=0)
    np.testing.assert_array_equal(fm.transform(survey).to_numpy(), expected.to_numpy())
    assert fm.get_params()["rotation"] == "varimax"

    seg = Segmenter.load(MODELS / "legacy_segmenter.json")
    expected = pd.read_csv(MODELS / "legacy_segmenter_predictions.csv", index_col=0)
    got = seg.predict(survey)
    np.testing.assert_array_equal(got["segment"].to_numpy(dtype=float), expected["segment"].to_numpy(dtype=float))
    assert seg.factor_model_ is not None

    tsurvey, _ = make_survey(300, seed=3)
    tool = TypingTool.load(MODELS / "legacy_typing_tool.json")
    expected = pd.read_csv(MODELS / "legacy_typing_tool_predictions.csv", index_col=0)
    got = tool.score(tsurvey).frame
    np.testing.assert_array_equal(got["segment"].to_numpy(dtype=float), expected["segment"].to_numpy(dtype=float))
    np.testing.assert_array_equal(got["probability"].to_numpy(), expected["probability"].to_numpy())
    assert tool.get_params()["max_items"] == 4 and tool.seed_ == 20240601


def test_legacy_typing_tool_header_is_read():
    legacy = json.loads((MODELS / "legacy_typing_tool.json").read_text(encoding="utf-8"))
    assert "format_version" in legacy and "version" not in legacy
    legacy["format_version"] = 99
    with pytest.raises(InputFileError, match="newer surveytools"):
        TypingTool.from_model_dict(legacy)


# ------------------------------------------------------------------------------------------ checks
@pytest.mark.parametrize("check,good,bad", [
    (est.whole(1), [1, np.int64(7)], [0, 1.0, True, None, "2"]),
    (est.whole(0, none=True), [0, None], [-1, 0.5]),
    (est.number(0, 1, hi_open=True), [0, 0.5, np.float64(0.9)], [1, -0.1, float("nan"), True, "0.5"]),
    (est.one_of("a", "b", aliases=("c",)), ["a", "c"], ["A", "d", None]),
    (est.one_of("a", ignore_case=True), ["A", "a"], ["b"]),
    (est.flag(none=True), [True, np.bool_(False), None], [0, "yes"]),
    (est.text_or_list(), [None, "a,b", ["a", "b"], ("a",)], [3, ["a", 1]]),
    (est.mapping(), [None, {"a": 1}], ["a", [1]]),
    (est.function(), [None, print], [3]),
    (est.either(est.one_of("auto"), est.whole(1)), ["auto", 3], [0, "many"]),
])
def test_checks(check, good, bad):
    for v in good:
        assert check("p", v) is None, v
    for v in bad:
        problem = check("p", v)
        assert problem is not None and problem.startswith("p "), (v, problem)
        assert check.words in problem


def test_parsed_by_uses_the_parser_message():
    from surveytools.segment import parse_k

    check = est.parsed_by(parse_k, "k")
    assert check("k", "2-5") is None
    assert check("k", 1) == "k must be at least 2 (one segment is no segmentation); got 1"
    assert est.whole(1)("n", 0) == "n must be a whole number >= 1, not 0"
