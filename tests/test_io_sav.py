"""Labelled SPSS output (issue 12 item 6): the questionnaire travels as SPSS metadata and reads back."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyreadstat
import pytest

from surveytools import load_questionnaire
from surveytools.exceptions import DataError
from surveytools.io import load_survey, write_survey
from surveytools.io.sav import SavMeta, spss_name, write_sav
from surveytools.io.tables import write_table

SPEC = """\
title: Estudio de prueba
language: es
respondent_id: id
weight: peso
option_sets:
  acuerdo:
    codes: {1: Totalmente en desacuerdo, 2: En desacuerdo, 3: Neutral, 4: De acuerdo, 5: Totalmente de acuerdo}
    missing: [9]
items:
  a1: {text: "Comparo precios antes de comprar", options: acuerdo}
  a2: {text: "Prefiero marcas conocidas", options: acuerdo}
  canal: {text: "¿Dónde compra?", type: multi, codes: {1: Tienda, 2: Online, 3: Teléfono}}
  region: {text: Región, type: categorical, codes: {1: Norte, 2: Sur}}
  edad: {text: Edad, type: numeric}
  nps: {text: "¿Recomendaría?", type: nps}
  comentario: {text: Comentario, type: text}
"""


@pytest.fixture
def survey(tmp_path):
    q = tmp_path / "q.yaml"
    q.write_text(SPEC, encoding="utf-8")
    data = tmp_path / "data.csv"
    pd.DataFrame({
        "id": ["r1", "r2", "r3", "r4"], "a1": [1, 5, 9, 4], "a2": [2, 3, 4, None],
        "canal_1": [1, 0, 1, 0], "canal_2": [0, 1, 1, 0], "canal_3": [0, 0, 0, 1],
        "region": [1, 2, 2, 1], "edad": [34.5, 51, None, 22], "nps": [10, 3, 7, 9],
        "comentario": ["bien", "=HYPERLINK(\"x\")", None, "caro"], "peso": [1.0, 0.5, 1.5, 1.0],
    }).to_csv(data, index=False)
    return load_survey(data, load_questionnaire(q))


def test_clean_sav_carries_labels_missing_codes_and_levels(tmp_path, survey):
    out = write_survey(survey, tmp_path / "clean.sav")
    df, meta = pyreadstat.read_sav(str(out), user_missing=True)
    assert meta.file_label == "Estudio de prueba"
    labels = meta.column_names_to_labels
    assert labels["a1"] == "Comparo precios antes de comprar" and labels["id"] == "Id del encuestado"
    assert labels["canal_2"] == "¿Dónde compra?: Online" and labels["peso"] == "Ponderación"
    assert meta.variable_value_labels["a1"] == {1.0: "Totalmente en desacuerdo", 2.0: "En desacuerdo",
                                                 3.0: "Neutral", 4.0: "De acuerdo", 5.0: "Totalmente de acuerdo"}
    assert meta.variable_value_labels["canal_1"] == {0.0: "No seleccionado", 1.0: "Seleccionado"}
    assert meta.variable_value_labels["region"] == {1.0: "Norte", 2.0: "Sur"}
    assert "nps" not in meta.variable_value_labels  # 0..10 labelled by themselves: nothing to add
    assert meta.missing_ranges["a1"] == [{"lo": 9.0, "hi": 9.0}]
    assert meta.variable_measure["a1"] == "ordinal" and meta.variable_measure["region"] == "nominal"
    assert meta.variable_measure["edad"] == "scale"
    # the answer "9" (no sé) was already missing in the survey; everything else reads back unchanged
    back = load_survey(out, survey.questionnaire)
    pd.testing.assert_frame_equal(back.responses, survey.responses, check_dtype=False)
    np.testing.assert_allclose(back.weights.to_numpy(), survey.weights.to_numpy())
    assert list(df["comentario"])[1] == '=HYPERLINK("x")'  # SPSS has no formulas: text stays as written


def test_sav_names_are_made_valid_and_unique(tmp_path):
    taken: set[str] = set()
    assert spss_name("Duration (in seconds)", taken) == "Duration__in_seconds_"
    assert spss_name("1st answer", taken) == "v_1st_answer"
    assert spss_name("AND", taken) == "AND_"
    assert spss_name("x.", taken) == "x"
    assert spss_name("X", taken) == "X_2"  # SPSS names ignore case
    long = spss_name("ñ" * 40, taken)
    assert len(long.encode("utf-8")) <= 64
    frame = pd.DataFrame({"Duration (in seconds)": [1.0, 2.0], "ok": ["a", None]})
    renamed = write_sav(frame, tmp_path / "t.sav", SavMeta(column_labels={"ok": "Fine"}))
    assert renamed == {"Duration (in seconds)": "Duration__in_seconds_"}
    df, meta = pyreadstat.read_sav(str(tmp_path / "t.sav"))
    assert meta.column_names_to_labels == {"Duration__in_seconds_": "Duration (in seconds)", "ok": "Fine"}
    assert list(df["ok"]) == ["a", ""]


def test_more_than_three_missing_codes(tmp_path):
    frame = pd.DataFrame({"q": [1.0, 2.0, 97.0]})
    meta = SavMeta(value_labels={"q": {1.0: "Sí", 2.0: "No"}}, missing={"q": [96.0, 97.0, 98.0, 99.0]})
    write_sav(frame, tmp_path / "r.sav", meta)
    _, m = pyreadstat.read_sav(str(tmp_path / "r.sav"), user_missing=True)
    assert m.missing_ranges["q"] == [{"lo": 96.0, "hi": 99.0}]
    meta.value_labels["q"][97.5] = "valid in between"
    with pytest.raises(DataError, match="at most three discrete missing codes"):
        write_sav(frame, tmp_path / "bad.sav", meta)
    assert not (tmp_path / "bad.sav").exists()


def test_write_table_sav_and_never_over_an_input(tmp_path):
    path = write_table(pd.DataFrame({"respondent_id": ["a", "b"], "segment": [1, 2]}), tmp_path / "seg.sav",
                       sav_meta=SavMeta(value_labels={"segment": {1: "Ahorradores", 2: "Fieles"}}))
    _, meta = pyreadstat.read_sav(str(path))
    assert meta.variable_value_labels["segment"] == {1.0: "Ahorradores", 2.0: "Fieles"}


def test_import_command_writes_sav(invoke, tmp_path, survey):
    src = tmp_path / "src.csv"
    write_survey(survey, src)
    res = invoke("import", src, "-q", tmp_path / "q.yaml", "-o", tmp_path / "clean.sav", "--json")
    assert res.exit_code == 0, res.stderr
    _, meta = pyreadstat.read_sav(str(tmp_path / "clean.sav"))
    assert meta.column_names_to_labels["a2"] == "Prefiero marcas conocidas"


def test_segments_sav_labels_segments_with_their_names(invoke, tmp_path, bfi_csv, bfi_yaml):
    out = tmp_path / "seg.sav"
    res = invoke("segment", bfi_csv, "-q", bfi_yaml, "--basis", "scales", "--k", "3", "--bootstrap", "0",
                 "--names", "1=Uno,2=Dos,3=Tres", "-o", out)
    assert res.exit_code == 0, res.stderr
    df, meta = pyreadstat.read_sav(str(out))
    assert meta.variable_value_labels["segment"] == {1.0: "Uno", 2.0: "Dos", 3.0: "Tres"}
    assert meta.column_names_to_labels["segment"] == "Segment" and len(df) > 2700
