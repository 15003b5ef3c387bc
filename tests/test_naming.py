"""Automatic names of factors and segments (issue 12 item 2)."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from surveytools.exceptions import DataError
from surveytools.factor.model import FactorModel
from surveytools.naming import basis_labels, name_factors, name_segments, short_text
from surveytools.questionnaire import Scale
from surveytools.segment import Segmenter


def test_bfi_factors_take_the_names_of_their_scales(bfi_survey):
    """psych's five bfi factors (minres, oblimin) each collect one Big Five scale: the names say which."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fm = FactorModel(n_factors=5).fit(bfi_survey, items=[f"{t}{i}" for t in "ACENO" for i in range(1, 6)])
    names = fm.result_.names
    assert sorted(names.values()) == ["Agreeableness", "Conscientiousness", "Extraversion", "Neuroticism",
                                      "Openness"]
    L = fm.result_.loadings
    for f, name in names.items():  # the named factor is where the scale's first non-reversed item loads most
        scale = bfi_survey.questionnaire.scales[name.lower()]
        item = next(i for i in scale.items if i not in scale.reversed)
        assert L.loc[item].abs().idxmax() == f
    assert fm.result_.to_dict()["names"] == names


def test_given_factor_names_are_kept(bfi_survey):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fm = FactorModel(n_factors=2, factor_names="uno,dos").fit(bfi_survey, items=["A1", "A2", "A3", "C1", "C2",
                                                                                      "C3"])
    assert fm.result_.names == {"uno": "uno", "dos": "dos"}


def test_factor_named_after_top_item_text_without_a_scale():
    L = pd.DataFrame({"F1": [0.8, 0.7, 0.1], "F2": [0.1, 0.0, -0.9]}, index=["q1", "q2", "q3"])
    text = {"q1": "I always compare prices before buying anything at all in any shop", "q3": "I love new gadgets"}
    names = name_factors(L, None, text)
    assert names == {"F1": "I always compare prices before buying\u2026",
                     "F2": "I love new gadgets (reversed)"}
    assert name_factors(L, None, text, lang="es")["F2"] == "I love new gadgets (inverso)"


def test_a_scale_needs_half_its_items_and_names_one_factor():
    L = pd.DataFrame({"F1": [0.8, 0.7, 0.6, 0.1], "F2": [0.1, 0.2, 0.1, 0.7]}, index=["a", "b", "c", "d"])
    scales = {"price": Scale("price", ("a", "b", "c"), label="Price sensitivity"),
              "also_price": Scale("also_price", ("a", "b"), label="Price again"),
              "mixed": Scale("mixed", ("c", "d", "a", "b"))}
    names = name_factors(L, scales, {"d": "Likes novelty"})
    # 'price' and 'also_price' both have every item on F1: the first in the spec wins, each scale names one factor;
    # 'mixed' has 1 of 4 items on F2 (< half), so F2 is named after its top item
    assert names == {"F1": "Price sensitivity", "F2": "Likes novelty"}
    rev = name_factors(-L, {"price": scales["price"]}, {})
    assert rev["F1"] == "Price sensitivity (reversed)"


def test_name_segments_en_es_average_and_ties():
    cz = pd.DataFrame({"F1": [1.2, -0.9, 0.05, 1.2], "F2": [-0.6, 0.3, -0.1, -0.6], "F3": [0.0, 0.0, 0.1, 0.4]},
                      index=pd.Index([1, 2, 3, 4], name="segment"))
    labels = {"F1": "Price sensitivity", "F2": "Brand loyalty", "F3": "NPS"}
    en = name_segments(cz, labels)
    assert en[1] == "High price sensitivity, low brand loyalty"
    assert en[2] == "Low price sensitivity, high brand loyalty"
    assert en[3] == "Average profile"
    assert en[4] == "High price sensitivity, low brand loyalty, high NPS"  # a third dimension breaks the tie
    es = name_segments(cz, {"F1": "Sensibilidad al precio", "F2": "Lealtad a la marca"}, lang="es")
    assert es[1] == "Más sensibilidad al precio, menos lealtad a la marca" and es[3] == "Perfil medio"
    same = pd.DataFrame({"F1": [1.0, 1.0]}, index=[1, 2])
    assert name_segments(same) == {1: "High F1", 2: "High F1 (2)"}
    with pytest.raises(DataError, match="segment names"):
        name_segments(cz, lang="fr")


def test_short_text():
    assert short_text("  Short   text. ") == "Short text"
    assert short_text("a" * 50) == "a" * 39 + "\u2026"


def test_basis_labels(bfi_questionnaire):
    sources = {"agreeableness": {"type": "scale", "scale": "agreeableness"}, "A1": {"type": "item", "item": "A1"},
               "F1": {"type": "factor"}, "x": {"type": "column"}}
    got = basis_labels(sources, bfi_questionnaire, {"F1": "Openness"})
    assert got["F1"] == "Openness" and got["x"] == "x" and got["A1"] == "Am indifferent to the feelings of others"


def test_segment_result_names_follow_the_factors():
    """On the example study the six factors are the six scales and each segment is named after its
    most distinctive dimensions, in the questionnaire's language (Spanish)."""
    from surveytools.io import load_survey
    from surveytools.questionnaire import load_questionnaire

    q = load_questionnaire("examples/retail_loyalty/questionnaire.yaml")
    s = load_survey("examples/retail_loyalty/export_qualtrics.xlsx", q)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        seg = Segmenter(k=5, bootstrap=0).fit(s)
    res = seg.result_
    assert set(res.basis_labels.values()) == {sc.label for sc in q.scales.values()}
    names = res.names
    assert len(set(names.values())) == 5 and all(n.startswith(("Más ", "Menos ")) for n in names.values())
    cz = res.centroids_z
    for s_, name in names.items():
        top = cz.loc[s_].abs().idxmax()
        assert res.basis_labels[top].lower() in name.lower()
    assert res.to_dict()["names"] == {str(k): v for k, v in names.items()}
    assert np.isfinite(cz.to_numpy()).all()


def test_segment_command_writes_automatic_names_and_overrides(invoke, tmp_path, bfi_csv, bfi_yaml):
    """segment names reach the segments file (segment_name) and --json; --names overrides some of them."""
    import json

    out = tmp_path / "seg.csv"
    res = invoke("segment", bfi_csv, "-q", bfi_yaml, "--basis", "scales", "--k", "3", "--bootstrap", "0",
                 "--names", "2=Mis favoritos", "-o", out, "--json")
    assert res.exit_code == 0, res.stderr
    d = json.loads(res.stdout)
    assert d["names"]["2"] == "Mis favoritos"
    assert d["names"]["1"].startswith(("High ", "Low ")) and d["names"]["3"].startswith(("High ", "Low "))
    frame = pd.read_csv(out)
    got = dict(zip(frame["segment"], frame["segment_name"], strict=True))
    assert got == {int(k): v for k, v in d["names"].items()}


def test_segment_stage_names_segments_after_the_factor_stage_names():
    """In a project run the segment stage gets the factor stage's scores: its names use the factor names
    ("Más sensibilidad al precio..."), not the codes F1..F6."""
    from surveytools.io import load_survey
    from surveytools.questionnaire import load_questionnaire
    from surveytools.stages import Inputs, get_stage

    q = load_questionnaire("examples/retail_loyalty/questionnaire.yaml")
    s = load_survey("examples/retail_loyalty/export_qualtrics.xlsx", q)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fm = FactorModel(n_factors="auto").fit(s)
        scores = fm.transform(s)
        stage = get_stage("segment")
        out = stage.run(Inputs(survey=s, factor_scores=scores, results={"factor": fm.result_}, project=True),
                        stage.make_options(k=5, bootstrap=0))
    names = out.json["names"]
    labels = {sc.label.lower() for sc in q.scales.values()}
    assert all(any(lab in n.lower() for lab in labels) for n in names.values()), names
    assert not any("F1" in n or "F2" in n for n in names.values())
