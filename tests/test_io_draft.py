"""Drafting a questionnaire from an export (surveytools init): every flavour, ordered scales, shared option sets,
types, proposed scales with reverse-keyed candidates, and the round trip draft -> import."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pyreadstat
import pytest
from survey_exports import (
    AGREE,
    CHANNELS,
    GENDER,
    expected_frame,
    google_forms_rows,
    make_answers,
    qualtrics_rows,
    surveymonkey_rows,
    write_csv,
    write_xlsx,
)

from surveytools import load_questionnaire
from surveytools.io import import_survey
from surveytools.io.answer_scales import match_scale
from surveytools.io.draft import detect_language, draft_questionnaire

EXAMPLE = "examples/retail_loyalty"


def _roundtrip(draft, tmp_path):
    """Write the draft, load it back: the same questionnaire."""
    path = tmp_path / "draft.yaml"
    draft.write(path)
    q = load_questionnaire(path)
    assert q == draft.questionnaire
    return q


def _decoded(survey, item):
    """An item's answers as labels (codes of categorical items are arbitrary, their labels are not)."""
    opts = survey.questionnaire.option_set(item)
    return pd.Series([None if pd.isna(x) else opts.codes[int(x)] for x in survey.responses[item]], dtype=object)


# ---------------------------------------------------------------------- the bundled example

def test_retail_example_imports_as_with_the_hand_written_questionnaire(tmp_path):
    draft = draft_questionnaire(f"{EXAMPLE}/export_qualtrics.xlsx")
    q = _roundtrip(draft, tmp_path)
    assert draft.format == "qualtrics" and q.language == "es"
    assert q.respondent_id == "ResponseId" and q.weight == "weight"
    assert q.quality.duration == "Duration (in seconds)"
    hand = load_questionnaire(f"{EXAMPLE}/questionnaire.yaml")
    ours = import_survey(f"{EXAMPLE}/export_qualtrics.xlsx", q).survey       # unknown labels would raise
    ref = import_survey(f"{EXAMPLE}/export_qualtrics.xlsx", hand).survey
    assert list(ours.ids) == list(ref.ids)
    pd.testing.assert_series_equal(ours.weights, ref.weights, check_names=False)
    by_column = {(it.column or iid): iid for iid, it in q.items.items()}
    for hid, hit in hand.items.items():
        did = by_column[hit.column]
        assert q.items[did].type == hit.type, hid
        if hit.type in ("likert", "nps", "numeric"):   # ordered: the codes themselves agree
            np.testing.assert_array_equal(ours.responses[did].to_numpy(), ref.responses[hid].to_numpy(), err_msg=hid)
        elif hit.type == "categorical":                 # unordered: the labels agree
            pd.testing.assert_series_equal(_decoded(ours, did), _decoded(ref, hid), check_names=False)
        else:
            pd.testing.assert_series_equal(ours.responses[did], ref.responses[hid], check_names=False)
    # the agreement scale is shared by the 25 grid items, ordered, with "No sé" as no answer
    assert q.option_sets["acuerdo5"].codes == hand.option_sets["agree5"].codes
    assert q.option_sets["acuerdo5"].missing == ("No sé",)
    assert sum(1 for it in q.items.values() if it.options == "acuerdo5") == 25
    assert q.items["Q2_7"].expect == (4,)                       # the attention check
    assert list(q.option_set("Q9").codes.values())[:2] == ["Menos de 1.500 €", "De 1.500 a 2.499 €"]
    assert q.items["Q3"].type == "nps" and q.items["Q10"].type == "email" and q.items["Q5"].type == "text"
    assert "Q3_NPS_GROUP" in draft.skipped
    assert set(q.quality.batteries) == {"Q1", "Q2"}


def test_yaml_marks_guesses_and_json_keys(tmp_path):
    draft = draft_questionnaire(f"{EXAMPLE}/export_qualtrics.xlsx")
    text = draft.to_yaml()
    assert "acuerdo5:  # guessed: ordered as a known agree scale" in text
    assert "# guessed: attention check" in text
    d = draft.to_dict()
    assert {"items", "option_sets", "guesses"} <= set(d)
    assert d["items"]["Q1_1"] == {"type": "likert", "column": "Q1_1", "options": "acuerdo5",
                                  "text": "Comparo precios entre tiendas antes de comprar"}
    assert all({"where", "message"} == set(g) for g in d["guesses"])
    summary = draft.summary()  # a Summary document: every guess, the counts of the draft
    assert all(g["message"] in summary for g in d["guesses"][:15])
    lines = [ln.split() for ln in summary.splitlines()]
    assert ["Items", str(len(d["items"]))] in lines and ["Guesses", "to", "check", str(len(d["guesses"]))] in lines
    es = draft.summary(lang="es")
    assert ["Ítems", str(len(d["items"]))] in [ln.split() for ln in es.splitlines()] and "Guesses" not in es


# ---------------------------------------------------------------------- the other flavours

def _check_fixture(path, tmp_path, answers, *, multi=True):
    draft = draft_questionnaire(path)
    q = _roundtrip(draft, tmp_path)
    res = import_survey(path, q).survey
    r = res.responses
    exp = expected_frame(answers)
    by_text = {}
    for iid, it in q.items.items():
        by_text[it.text] = iid
    att = [by_text[t] for t in ("The brand is innovative", "The brand is good value for money", "I trust the brand")]
    for mine, ref in zip(att, ("att1", "att2", "att3"), strict=True):
        assert q.items[mine].type == "likert"
        np.testing.assert_array_equal(r[mine].to_numpy(), exp[ref].to_numpy(), err_msg=mine)
    gender = by_text["What is your gender?"]
    got = _decoded(res, gender).to_numpy()
    want = [None if math.isnan(x) else GENDER[int(x)] for x in exp["gender"]]
    assert list(got) == want
    assert q.items[by_text["What is your age?"]].type == "numeric"
    np.testing.assert_array_equal(r[by_text["What is your age?"]].to_numpy(), exp["age"].to_numpy())
    nps = by_text["How likely are you to recommend us to a friend or colleague?"]
    assert q.items[nps].type == "nps"
    np.testing.assert_array_equal(r[nps].to_numpy(), exp["nps"].to_numpy())
    assert q.items[by_text["Anything else you would like to tell us?"]].type == "text"
    if multi:
        ch = by_text["Which channels do you use to contact us?"]
        assert q.items[ch].type == "multi"
        opts = q.option_set(ch)
        for code, label in CHANNELS.items():
            mine = [c for c, lab in opts.codes.items() if lab == label][0]
            np.testing.assert_array_equal(r[f"{ch}_{mine}"].to_numpy(), exp[f"channels_{code}"].to_numpy(),
                                          err_msg=label)
    return draft, q


@pytest.mark.parametrize("kind", ["xlsx", "csv", "legacy"])
def test_qualtrics_choice_text(tmp_path, kind):
    a = make_answers(60)
    rows = qualtrics_rows(a, legacy=kind == "legacy")
    path = write_xlsx(rows, tmp_path / "q.xlsx") if kind != "csv" else write_csv(rows, tmp_path / "q.csv")
    draft, q = _check_fixture(path, tmp_path, a)
    assert draft.format == "qualtrics"
    assert q.option_sets["agree5"].codes == AGREE     # shared by the three grid items, ordered
    assert q.language == "en"


def test_surveymonkey(tmp_path):
    a = make_answers(60)
    path = write_xlsx(surveymonkey_rows(a), tmp_path / "sm.xlsx")
    draft, q = _check_fixture(path, tmp_path, a)
    assert draft.format == "surveymonkey" and q.respondent_id == "Respondent ID"


def test_google_forms(tmp_path):
    a = make_answers(60)
    path = write_csv(google_forms_rows(a), tmp_path / "gf.csv")
    draft, q = _check_fixture(path, tmp_path, a)
    assert draft.format == "google_forms"
    assert "Timestamp" in draft.skipped


def test_spss_labels_and_user_missing(tmp_path):
    n = 30
    rng = np.random.default_rng(3)
    att = rng.integers(1, 6, (n, 3)).astype(float)
    att[0, 0] = 9.0                            # user-missing "Don't know"
    df = pd.DataFrame({"ResponseId": [f"R{i}" for i in range(n)], "Q1_1": att[:, 0], "Q1_2": att[:, 1],
                       "Q1_3": att[:, 2], "age": rng.integers(18, 70, n).astype(float)})
    agree = {float(k): v for k, v in AGREE.items()} | {9.0: "Don't know"}
    path = tmp_path / "s.sav"
    pyreadstat.write_sav(df, str(path), column_labels=["Response ID", "Agree? - Innovative", "Agree? - Value",
                                                      "Agree? - Trust", "Age in years"],
                         variable_value_labels={c: agree for c in ("Q1_1", "Q1_2", "Q1_3")},
                         missing_ranges={"Q1_1": [9.0], "Q1_2": [9.0], "Q1_3": [9.0]})
    draft = draft_questionnaire(path)
    q = _roundtrip(draft, tmp_path)
    assert draft.format == "spss"
    name = q.items["Q1_1"].options
    assert q.option_sets[name].missing_codes == (9,)
    assert q.items["Q1_1"].text == "Innovative" and q.items["age"].type == "numeric"
    r = import_survey(path, q).survey.responses
    assert math.isnan(r["Q1_1"].iloc[0])
    np.testing.assert_array_equal(r["Q1_2"].to_numpy(), att[:, 1])


# ---------------------------------------------------------------------- plain files, scales, reverse keys

def _grid_csv(tmp_path, n=200, labels=None, name="plain.csv"):
    """A plain CSV with a 6-point Spanish agreement grid of five items (item 4 reverse-keyed), an id,
    dates, durations, and a frequency question."""
    labels = labels or ["Muy en desacuerdo", "Bastante en desacuerdo", "Algo en desacuerdo", "Algo de acuerdo",
                        "Bastante de acuerdo", "Muy de acuerdo"]
    rng = np.random.default_rng(5)
    trait = rng.normal(size=n)
    rows = {"id_encuestado": [f"E{i:04d}" for i in range(n)],
            "fecha": [f"{1 + i % 28:02d}/0{1 + i % 9}/2024" for i in range(n)]}
    codes = {}
    for j in range(5):
        sign = -1 if j == 3 else 1
        x = np.clip(np.round(3.5 + 1.2 * sign * trait + rng.normal(scale=0.8, size=n)), 1, 6).astype(int)
        codes[j] = x
        rows[f"P5_{j + 1}"] = [labels[v - 1] for v in x]
    rows["P5_1"][0] = "No sé"
    freq = ["Nunca", "Casi nunca", "A veces", "Con frecuencia", "Siempre"]
    f = rng.integers(0, 5, n)
    f[f == 0] = 1                                 # nobody says "Nunca": the point still gets code 1
    rows["frecuencia"] = [freq[v] for v in f]
    pd.DataFrame(rows).to_csv(tmp_path / name, index=False, sep=";", encoding="cp1252")
    return tmp_path / name, codes, f


def test_plain_csv_grid_scale_reverse_key_and_unseen_points(tmp_path):
    path, codes, f = _grid_csv(tmp_path)
    draft = draft_questionnaire(path)
    q = _roundtrip(draft, tmp_path)
    assert q.language == "es" and q.respondent_id == "id_encuestado"
    assert q.items["fecha"].type == "date"
    opts = q.option_set("P5_1")
    assert opts.name == "acuerdo6" and list(opts.codes.values())[0] == "Muy en desacuerdo"
    assert q.option_set("frecuencia").codes == {1: "Nunca", 2: "Casi nunca", 3: "A veces", 4: "Con frecuencia",
                                                 5: "Siempre"}
    assert any("not chosen by anyone: Nunca" in g.message for g in draft.guesses)
    (scale,) = q.scales.values()
    assert scale.items == ("P5_1", "P5_2", "P5_3", "P5_4", "P5_5") and scale.reversed == {"P5_4"}
    r = import_survey(path, q).survey.responses
    np.testing.assert_array_equal(r["P5_2"].to_numpy(), codes[1])
    assert math.isnan(r["P5_1"].iloc[0])
    np.testing.assert_array_equal(r["frecuencia"].to_numpy(), f + 1)


def test_lang_overrides_detection(tmp_path):
    path, _, _ = _grid_csv(tmp_path)
    assert draft_questionnaire(path, lang="en").questionnaire.language == "en"


@pytest.mark.parametrize(("labels", "family", "size"), [
    (["Muy en desacuerdo", "Bastante en desacuerdo", "Algo de acuerdo", "Muy de acuerdo"], "agree", 6),
    (["Totalmente en desacuerdo", "De acuerdo", "Ni de acuerdo ni en desacuerdo"], "agree", 5),
    (["Nunca", "A menudo", "Siempre", "Casi nunca"], "frequency", 5),
    (["Never", "Sometimes", "Always"], "frequency", 5),
    (["Very dissatisfied", "Satisfied", "Very satisfied"], "satisfaction", 5),
    (["Very unlikely", "Very likely", "Don't know"], "likelihood", 5),
    (["Nada importante", "Muy importante"], "importance", 5),
])
def test_match_scale(labels, family, size):
    s = match_scale(labels)
    assert (s.family, s.size) == (family, size)


def test_match_scale_order_and_no_match():
    s = match_scale(["Siempre", "Nunca", "A veces"])
    pos = s.position()
    assert pos["nunca"] < pos["a veces"] < pos["siempre"]
    assert match_scale(["Rojo", "Verde", "Azul"]) is None
    assert match_scale(["No sé", "Nunca"]) is None   # one real label is not a scale


def test_detect_language():
    assert detect_language(["¿Con qué frecuencia compra?", "Nunca", "Siempre"]) == "es"
    assert detect_language(["How often do you buy?", "Never", "Always"]) == "en"


def test_psych_bfi_grids_become_its_scales_with_its_reverse_keys(tmp_path):
    """R psych's bfi (A1..O5 coded 1-6, no labels): the five grids are proposed as scales, reverse-keyed exactly as
    psych's bfi.keys (and questionnaires/bfi.yaml): -A1, -C4, -C5, -E1, -E2, -O2, -O5."""
    draft = draft_questionnaire("tests/data/bfi/responses.csv")
    q = _roundtrip(draft, tmp_path)
    ref = load_questionnaire("questionnaires/bfi.yaml")
    got = {s.items[0][0]: s.keys for s in q.scales.values()}
    want = {s.items[0][0]: s.keys for s in ref.scales.values()}
    assert got == want
    assert q.items["A1"].type == "likert" and q.option_set("A1").valid_codes == (1, 2, 3, 4, 5, 6)


def test_mixed_grids_are_not_one_scale():
    """The example's grids mix six constructs: several eigenvalues over 1, so no scale is proposed for them."""
    draft = draft_questionnaire(f"{EXAMPLE}/export_qualtrics.xlsx")
    assert not draft.questionnaire.scales
    assert any("Q1 (" in n and "eigenvalues over 1" in n for n in draft.notes)
