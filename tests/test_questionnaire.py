"""Questionnaire specs: loading, validation with every problem listed, label matching, round trips."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from surveytools import QuestionnaireError, load_questionnaire
from surveytools.exceptions import InputFileError
from surveytools.questionnaire import Questionnaire, dump_questionnaire, load_yaml, normalize_label

ROOT = Path(__file__).resolve().parents[1]

SPANISH = """
title: Estudio de fidelización
language: es
respondent_id: id
option_sets:
  acuerdo5:
    codes: {1: Totalmente en desacuerdo, 2: En desacuerdo, 3: Ni de acuerdo ni en desacuerdo,
            4: De acuerdo, 5: Totalmente de acuerdo}
    missing: [9, "No sé"]
items:
  P1: {text: Comparo precios antes de comprar, options: acuerdo5}
  P2: {text: Me fijo en las ofertas, options: acuerdo5}
  P3: {text: El precio me da igual, options: acuerdo5}
  canal: {text: Canal preferido, type: multi, codes: {1: Tienda, 2: Web, 3: App}}
  nps: {text: "¿Recomendaría la tienda?", type: nps}
scales:
  precio: [P1, P2, -P3]
"""


def write(tmp_path: Path, text: str, name: str = "q.yaml") -> Path:
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


def test_bfi_spec_loads(bfi_questionnaire):
    q = bfi_questionnaire
    assert len(q.likert_items) == 25
    assert q.scales["agreeableness"].keys == ["-A1", "A2", "A3", "A4", "A5"]
    assert q.reverse_bounds("A1") == (1.0, 6.0)
    assert q.items["gender"].type == "categorical"


def test_spanish_labels_and_missing(tmp_path):
    q = load_questionnaire(write(tmp_path, SPANISH))
    opts = q.option_set("P1")
    m = opts.label_map()
    assert m[normalize_label("  totalmente DE acuerdo ")] == 5
    assert m[normalize_label("No se")] is None  # accent-insensitive missing label
    assert opts.valid_codes == (1, 2, 3, 4, 5)
    assert q.scales["precio"].reversed == frozenset({"P3"})
    assert q.output_columns("canal") == ["canal_1", "canal_2", "canal_3"]
    assert q.option_set("nps").valid_codes == tuple(range(11))


def test_normalize_label_folds_accents_case_space_quotes():
    assert normalize_label("Ni de acuerdo  ni en DESACUERDO") == "ni de acuerdo ni en desacuerdo"
    assert normalize_label("Está") == normalize_label("esta")
    assert normalize_label("Don\u2019t know") == "don't know"


def test_resolve_items_and_scales(bfi_questionnaire):
    q = bfi_questionnaire
    assert q.resolve("agreeableness,C1") == ["A1", "A2", "A3", "A4", "A5", "C1"]
    assert q.resolve(None) == q.likert_items
    with pytest.raises(QuestionnaireError, match="unknown item or scale: Z9"):
        q.resolve("A1,Z9")


def test_every_problem_is_reported_with_line(tmp_path):
    bad = """
option_sets:
  agree: {codes: {1: No, 2: Yes, 3: yes}}
items:
  A1: {options: agree7}
  A2: {type: categorical, codes: {1: Male, 2: male}}
  A3: {type: text}
  A4: {type: sometype}
  A5: {options: agree}
scales:
  s1: [A1, A5, A5, -A3, Z1]
"""
    with pytest.raises(QuestionnaireError) as info:
        load_questionnaire(write(tmp_path, bad))
    err = info.value
    text = str(err)
    assert "q.yaml" in err.message
    assert len(err.problems) >= 6
    assert any("duplicate label 'yes'" in p for p in err.problems)
    assert any("unknown option set 'agree7'" in p and p.startswith("line 5") for p in err.problems)
    assert any("duplicate label 'male'" in p for p in err.problems)
    assert any("bad type 'sometype'" in p for p in err.problems)
    assert any("'A5' is in the scale twice" in p for p in err.problems)
    assert any("'A3' is reverse-keyed but is a text item" in p for p in err.problems)
    assert any("unknown item 'Z1'" in p for p in err.problems)
    assert "line" in text


def test_duplicate_keys_are_reported(tmp_path):
    with pytest.raises(QuestionnaireError) as info:
        load_questionnaire(write(tmp_path, "items:\n  g: {type: categorical, codes: {1: Male, 1.0: Female}}\n"
                                           "  g: {type: numeric}\n"))
    assert any("line 2, items.g.codes.1.0: duplicate key" in p for p in info.value.problems)
    assert any("line 3, items.g: duplicate key" in p for p in info.value.problems)


def test_yes_no_labels_stay_text(tmp_path):
    q = load_questionnaire(write(tmp_path, "items:\n  b: {type: categorical, codes: {1: No, 2: Yes}}\n"))
    assert dict(q.items["b"].codes) == {1: "No", 2: "Yes"}


def test_yaml_syntax_error_has_line(tmp_path):
    with pytest.raises(QuestionnaireError, match=r"line 3.*YAML syntax error"):
        load_questionnaire(write(tmp_path, "items:\n  A1: {options: x\n  A2: [\n"))


def test_missing_and_empty_files(tmp_path):
    with pytest.raises(InputFileError, match="not found"):
        load_questionnaire(tmp_path / "nope.yaml")
    with pytest.raises(QuestionnaireError, match="empty"):
        load_questionnaire(write(tmp_path, ""))
    with pytest.raises(QuestionnaireError, match="needs an 'items' section"):
        load_questionnaire(write(tmp_path, "title: x\n"))


def test_unknown_keys_are_problems(tmp_path):
    with pytest.raises(QuestionnaireError) as info:
        load_questionnaire(write(tmp_path, "itemz: {}\nitems:\n  A1: {type: numeric, colour: red}\n"))
    assert any("itemz: unknown key" in p for p in info.value.problems)
    assert any("items.A1.colour: unknown key" in p for p in info.value.problems)


def test_dump_round_trip_file(tmp_path):
    q = load_questionnaire(write(tmp_path, SPANISH))
    out = tmp_path / "out.yaml"
    dump_questionnaire(q, out)
    assert load_questionnaire(out) == q
    assert load_questionnaire(ROOT / "questionnaires" / "bfi.yaml") == Questionnaire.from_dict(
        load_yaml(load_questionnaire(ROOT / "questionnaires" / "bfi.yaml").to_yaml()))


_label = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), min_size=1, max_size=12
                 ).filter(lambda s: normalize_label(s) != "")
_ident = st.from_regex(r"[A-Za-z][A-Za-z0-9_]{0,6}", fullmatch=True)


@st.composite
def questionnaires(draw):
    n_codes = draw(st.integers(2, 7))
    labels = draw(st.lists(_label, min_size=n_codes, max_size=n_codes, unique_by=normalize_label))
    start = draw(st.integers(0, 1))
    codes = {start + i: lab for i, lab in enumerate(labels)}
    item_ids = draw(st.lists(_ident, min_size=1, max_size=8, unique=True))
    items = {i: {"text": draw(st.none() | _label), "options": "opts"} for i in item_ids}
    extra = draw(st.sampled_from(["numeric", "text", "email", "nps"]))
    items["zz_extra"] = {"type": extra}
    scales = {}
    if len(item_ids) >= 2:
        members = draw(st.lists(st.sampled_from(item_ids), min_size=2, max_size=len(item_ids), unique=True))
        scales["s"] = [("-" + m) if draw(st.booleans()) else m for m in members]
    missing = draw(st.lists(st.integers(90, 99), max_size=2, unique=True))
    spec = {"title": draw(st.none() | _label), "language": draw(st.sampled_from(["en", "es", "pt-BR"])),
            "option_sets": {"opts": {"codes": codes, "missing": missing}}, "items": items, "scales": scales}
    return spec


@given(questionnaires())
def test_round_trip_property(spec):
    q = Questionnaire.from_dict(spec)
    again = Questionnaire.from_dict(load_yaml(q.to_yaml()))
    assert again == q
    assert again.to_dict() == q.to_dict()


@given(questionnaires())
def test_reverse_twice_is_identity(spec):
    q = Questionnaire.from_dict(spec)
    for iid in q.likert_items:
        lo, hi = q.reverse_bounds(iid)
        for code in q.option_set(iid).valid_codes:
            assert lo + hi - (lo + hi - code) == code


def test_attention_checks_are_not_analysis_items(tmp_path):
    text = SPANISH.replace("  P3: {text: El precio me da igual, options: acuerdo5}\n",
                           "  P3: {text: El precio me da igual, options: acuerdo5}\n"
                           "  check: {text: Marque De acuerdo, options: acuerdo5, expect: 4}\n")
    q = load_questionnaire(write(tmp_path, text))
    assert q.attention_items == ["check"]
    assert "check" in q.likert_items and "check" not in q.analysis_items
    assert q.resolve(None) == ["P1", "P2", "P3"]
    assert q.resolve("check,P1") == ["check", "P1"]  # named explicitly, it is analysed


# ---------------------------------------------------------------------- issue 18: YAML alias bombs

def _bomb(levels: int = 9, width: int = 9) -> str:
    lines = ['l0: &l0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for i in range(1, levels):
        lines.append(f"l{i}: &l{i} [{', '.join([f'*l{i - 1}'] * width)}]")
    return "\n".join(lines) + "\n"


def test_alias_bomb_under_an_unknown_key_is_refused_fast(tmp_path, invoke):
    from surveytools.exceptions import InputLimitError

    spec = tmp_path / "q.yaml"
    spec.write_text("items:\n  q1: {type: numeric}\nextra:\n" + "".join("  " + ln + "\n"
                                                                           for ln in _bomb().splitlines()),
                    encoding="utf-8")
    with pytest.raises(InputLimitError, match=r"questionnaire .*q.yaml: YAML anchors and aliases .* expand to more "
                                              r"nodes than the limit of 100,000.*SURVEYTOOLS_MAX_YAML_NODES"):
        load_questionnaire(spec)
    # nothing is expanded: 9^40 nodes (more than any machine could hold) are refused just the same
    spec.write_text("items:\n  q1: {type: numeric}\nextra:\n" + "".join("  " + ln + "\n"
                                                                           for ln in _bomb(levels=40).splitlines()),
                    encoding="utf-8")
    with pytest.raises(InputLimitError):
        load_questionnaire(spec)
    (tmp_path / "e.csv").write_text("q1\n1\n", encoding="utf-8")
    res = invoke("import", tmp_path / "e.csv", "-q", spec, "-o", tmp_path / "c.csv", "--quiet")
    assert res.exit_code == 1 and res.stderr.startswith("Error: ") and len(res.stderr.strip().splitlines()) == 1


def test_alias_bomb_in_a_project_file(tmp_path):
    from surveytools.exceptions import InputLimitError
    from surveytools.project import load_project

    p = tmp_path / "project.yaml"
    p.write_text("questionnaire: q.yaml\ndata: {export: e.csv}\n" + _bomb(), encoding="utf-8")
    with pytest.raises(InputLimitError, match="project file .*project.yaml: YAML anchors"):
        load_project(p)


def test_recursive_alias_is_refused(tmp_path):
    from surveytools.exceptions import InputLimitError
    from surveytools.questionnaire import load_yaml

    with pytest.raises(InputLimitError, match="expand to more nodes"):
        load_yaml("a: &a [1, *a]\n")


def test_ordinary_aliases_still_work(tmp_path, monkeypatch):
    from surveytools.exceptions import InputLimitError
    from surveytools.questionnaire import load_yaml

    spec = tmp_path / "q.yaml"
    spec.write_text("option_sets:\n  s: {codes: &c {1: 'No', 2: 'Yes'}}\n  t: {codes: *c}\n"
                    "items:\n  q1: {options: s}\n  q2: {options: t}\n", encoding="utf-8")
    q = load_questionnaire(spec)
    assert dict(q.option_sets["t"].codes) == {1: "No", 2: "Yes"}
    monkeypatch.setenv("SURVEYTOOLS_MAX_YAML_NODES", "1000000000")  # raised: the bomb of 9^9 is still over
    with pytest.raises(InputLimitError, match="1,000,000,000"):
        load_yaml(_bomb(levels=10))
    monkeypatch.setenv("SURVEYTOOLS_MAX_YAML_NODES", "20")
    with pytest.raises(InputLimitError):
        load_questionnaire(spec)


def test_alias_bomb_in_segment_names_and_weight_targets(tmp_path):
    from surveytools.exceptions import InputLimitError
    from surveytools.segments import parse_names

    p = tmp_path / "names.yaml"
    p.write_text("names: [a, b]\n" + _bomb(), encoding="utf-8")
    with pytest.raises(InputLimitError, match="segment names file .*names.yaml: YAML anchors"):
        parse_names(str(p))
