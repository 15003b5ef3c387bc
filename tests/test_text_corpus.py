"""Normalisation and the comment corpus: folding, stop words, lemmas, negation, phrases, language detection."""

from __future__ import annotations

import numpy as np
import pytest

from surveytools.exceptions import DataError
from surveytools.text.corpus import G2_CRITICAL, _g2, build_corpus
from surveytools.text.normalize import KEEP_WORDS, Lemmatizer, check_language, fold, stop_words


def test_fold_and_language_codes():
    assert fold("Atención PERSONAL") == "atencion personal"
    assert check_language("es-ES") == "es" and check_language("EN") == "en"
    with pytest.raises(DataError, match="not supported"):
        check_language("fr")


def test_stop_words_come_from_stopwordsiso_minus_content_words():
    import stopwordsiso

    es = stop_words("es")
    assert "de" in es and "que" in es and "tambien" in es
    assert "bueno" in {fold(w) for w in stopwordsiso.stopwords("es")} and "bueno" not in es
    assert not KEEP_WORDS["es"] & es and "no" not in es  # negators are handled, not dropped
    assert "the" in stop_words("en") and "good" not in stop_words("en")


def test_lemmatizer_inflections_accents_and_cache():
    lem = Lemmatizer("es")
    assert [lem(w) for w in ("precios", "caros", "volvería", "volveria", "volvere", "comprando")] == [
        "precio", "caro", "volver", "volver", "volver", "comprar"]
    assert "precios" in lem.cache  # each distinct word once
    assert Lemmatizer("en")("prices") == "price"


def _terms(corpus, doc):
    row = corpus.X[doc]
    return {corpus.terms.at[j, "key"]: int(v) for j, v in zip(row.indices, row.data, strict=True)}


def test_negation_attaches_to_the_next_content_word():
    c = build_corpus(["No volvería a esta tienda", "no me gusta nada la app", "Nunca vuelvo, es caro",
                      "I would not recommend it"], "auto", min_count=99)
    assert "no_volver" in _terms(c, 0) and "volver" not in _terms(c, 0)
    assert "no_gustar" in _terms(c, 1) and "app" in _terms(c, 1)
    t2 = _terms(c, 2)
    assert "no_volver" in t2 and "caro" in t2  # the comma ends the negation's reach
    assert c.lang.tolist() == ["es", "es", "es", "en"]
    assert "no_recommend" in _terms(c, 3)


def test_distinct_comments_once_and_rows_kept():
    texts = ["Precio alto", None, "  ", "precio alto", "Precio alto", "ok"]
    c = build_corpus(texts, "es", min_count=99)
    assert c.n_rows == 6 and c.answered.tolist() == [True, False, False, True, True, True]
    assert c.n_docs == 3  # "Precio alto" once, "precio alto", "ok"
    assert c.doc_of_row[0] == c.doc_of_row[4]
    assert c.row_matrix().shape == (6, c.X.shape[1])


def test_phrases_need_counts_and_association():
    texts = (["la entrega a domicilio llega tarde"] * 6 + ["entrega rápida"] * 3 + ["domicilio nuevo"] * 3
             + ["precio alto"] * 2)
    c = build_corpus(texts, "es", min_count=5)
    phrases = c.terms[c.terms.kind == "phrase"]
    keys = set(phrases.key)
    assert "entrega domicilio" in keys
    form = phrases.set_index("key").at["entrega domicilio", "form"]
    assert form == "entrega a domicilio"  # shown as written, the stop word included
    assert "precio alto" not in keys  # 2 < min_count


def test_g2_matches_a_hand_computation():
    # 2x2 table [[10, 5], [3, 82]]: G2 = 2 sum O ln(O / E)
    o = np.array([[10.0, 5.0], [3.0, 82.0]])
    e = o.sum(1, keepdims=True) * o.sum(0, keepdims=True) / o.sum()
    ref = 2 * np.sum(o * np.log(o / e))
    got = _g2(np.array([10.0]), np.array([5.0]), np.array([3.0]), np.array([82.0]))[0]
    assert got == pytest.approx(ref, rel=1e-12)
    assert G2_CRITICAL == pytest.approx(10.828, abs=1e-3)


def test_pii_never_becomes_a_term():
    c = build_corpus(["escribid a juan.perez@gmail.com por favor"] * 6, "es")
    assert not {"juan", "perez", "gmail", "com"} & set(c.terms.key)


from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

_WORDS = ["precio", "Precios", "CAROS", "caro", "no", "volvería", "nunca", "vuelvo", "la", "entrega", "a",
          "domicilio", "llegó", "tarde", "atención", "atencion", "amable", ",", "."]


@settings(max_examples=40, deadline=None)
@given(st.lists(st.lists(st.sampled_from(_WORDS), min_size=1, max_size=8).map(" ".join), min_size=1, max_size=12),
       st.randoms(use_true_random=False))
def test_terms_do_not_depend_on_row_order_or_case(texts, rnd):
    """Each comment's terms are the same whatever the order of the rows, and upper-casing changes nothing."""
    a = build_corpus(texts, "es", min_count=99)
    order = list(range(len(texts)))
    rnd.shuffle(order)
    b = build_corpus([texts[i] for i in order], "es", min_count=99)
    c = build_corpus([t.upper() for t in texts], "es", min_count=99)
    for pos, i in enumerate(order):
        ta = _terms(a, a.doc_of_row[i]) if a.doc_of_row[i] >= 0 else {}
        tb = _terms(b, b.doc_of_row[pos]) if b.doc_of_row[pos] >= 0 else {}
        tc = _terms(c, c.doc_of_row[i]) if c.doc_of_row[i] >= 0 else {}
        assert ta == tb == tc
