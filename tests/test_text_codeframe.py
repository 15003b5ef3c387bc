"""Code frames: matching every inflection through the lemmatiser, phrases, negation, regex, exclusions, and
validation that lists every problem with its line."""

from __future__ import annotations

import numpy as np
import pytest

from surveytools.exceptions import CodeFrameError, InputFileError
from surveytools.text.codeframe import DRAFT_HEADER, load_codeframe, parse_codeframe
from surveytools.text.corpus import build_corpus


def _hits(frame, texts, lang="es"):
    c = build_corpus(texts, lang, min_count=99)
    coding = frame.code(c)
    return coding.hits[c.doc_of_row], coding


def test_keywords_match_every_inflection_and_ignore_accents():
    frame = parse_codeframe({"themes": {"precio": {"keywords": ["precio", "caro"]}}})
    hits, _ = _hits(frame, ["Los PRECIOS suben", "todo es caro", "productos caros", "la carne es cara",
                            "precio alto", "la calidad es buena"])
    assert hits[:, 0].tolist() == [True, True, True, True, True, False]


def test_phrases_negation_regex_exclusion_and_several_themes():
    frame = parse_codeframe({"themes": {
        "entrega": {"phrases": ["entrega a domicilio"], "exclude": ["entrega gratis"]},
        "abandono": {"keywords": ["no volver"]},
        "promo": {"regex": [r"\b\d+x\d+\b"], "keywords": ["oferta"]},
    }})
    texts = ["la entrega a domicilio tarda", "entregas a domicilio lentas", "domicilio y entrega",
             "no volveré", "volveré seguro", "promoción 3x2 y no volveré", "ofertas", "entrega gratis a domicilio"]
    hits, coding = _hits(frame, texts)
    assert hits[:, 0].tolist() == [True, True, False, False, False, False, False, False]
    assert hits[:, 1].tolist() == [False, False, False, True, False, True, False, False]
    assert hits[:, 2].tolist() == [False, False, False, False, False, True, True, False]
    assert coding.strength[hits].min() > 0


def test_languages_apply_to_their_own_comments():
    frame = parse_codeframe({"themes": {"precio": {"keywords": {"es": ["precio"], "en": ["price"]}}}})
    hits, _ = _hits(frame, ["el precio es alto", "the prices are high", "precio"], "auto")
    assert hits[:, 0].tolist() == [True, True, True]


def test_unused_keywords_are_reported():
    frame = parse_codeframe({"themes": {"precio": {"keywords": ["precio", "preszio"]}}})
    _, coding = _hits(frame, ["precio alto"])
    assert coding.unused == {"precio": ["preszio"]}


def test_validation_lists_every_problem_with_lines(tmp_path):
    p = tmp_path / "frame.yaml"
    p.write_text(
        "language: es\n"            # 1
        "colour: red\n"             # 2
        "themes:\n"                 # 3
        "  precio:\n"               # 4
        "    keywords: [el, precio]\n"  # 5
        "    regex: ['(']\n"        # 6
        "  vacio:\n"                # 7
        "    label: Vacío\n"        # 8
        "  raro:\n"                 # 9
        "    keywords: {fr: [prix]}\n"  # 10
        "    phrases: [precio]\n"   # 11
        "    colour: blue\n",       # 12
        encoding="utf-8")
    with pytest.raises(CodeFrameError) as exc:
        load_codeframe(p)
    text = str(exc.value)
    assert text.startswith(f"{p}: ") and "problems in the code frame" in text
    for expected in ("line 2, colour: unknown key",
                     "line 5, themes.precio.keywords.0: 'el' is a stop word",
                     "line 6, themes.precio.regex.0: invalid regular expression",
                     "line 8, themes.vacio: has no keywords, phrases or regex",
                     "line 10, themes.raro.keywords.fr: unknown language 'fr'",
                     "line 11, themes.raro.phrases.0: 'precio' is one word",
                     "line 12, themes.raro.colour: unknown key"):
        assert expected in text, expected


def test_yaml_errors_and_missing_file(tmp_path):
    p = tmp_path / "bad.yaml"
    p.write_text("themes:\n  a: [\n", encoding="utf-8")
    with pytest.raises(CodeFrameError, match="line .*YAML syntax error"):
        load_codeframe(p)
    with pytest.raises(InputFileError, match="not found"):
        load_codeframe(tmp_path / "nope.yaml")
    with pytest.raises(CodeFrameError, match="missing or empty"):
        parse_codeframe({"language": "es"})


def test_round_trip_through_yaml(tmp_path):
    frame = parse_codeframe({"language": "es", "themes": {
        "precio": {"label": "Precio", "keywords": ["precio", "marca propia"], "regex": ["3x2"],
                   "exclude": ["precio justo"]}}})
    assert frame.themes[0].phrases == {"es": ("marca propia",)}  # a multi-word keyword is a phrase
    p = tmp_path / "f.yaml"
    p.write_text(frame.to_yaml(DRAFT_HEADER), encoding="utf-8")
    again = load_codeframe(p)
    assert again.to_dict() == frame.to_dict()
    assert p.read_text(encoding="utf-8").startswith("# Draft code frame")


def test_simulated_comments_are_coded_exactly():
    from surveytools.datasets.spanish_comments import CODEFRAME_YAML, simulate_comments
    from surveytools.questionnaire import load_yaml

    d = simulate_comments(6000, seed=3)
    frame = parse_codeframe(load_yaml(CODEFRAME_YAML))
    c = build_corpus(d["comment"], "es")
    coding = frame.code(c)
    ok = c.answered
    hits = coding.hits[c.doc_of_row[ok]]
    truth = d.loc[ok, [f"theme_{t}" for t in frame.names]].to_numpy()
    # every inflection, unaccented spelling and negation of the simulated sentences is recognised
    assert np.array_equal(hits, truth)
    assert coding.unused == {}
