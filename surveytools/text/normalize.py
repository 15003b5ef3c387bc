"""Word-level normalisation of Spanish and English comments: folding, stop words, negators, lemmas.

* **Folding** (:func:`fold`): lower case without accents, for matching (``Atención`` and ``atencion`` are
  one word); the written form is kept for display.
* **Stop words**: the maintained ``stopwordsiso`` lists (ISO 639-1 codes), minus :data:`KEEP_WORDS`, the
  content words those lists include that carry meaning in customer comments (``bueno``, ``mal``, ``tiempo``,
  ``mejor``, ``nuevo``; ``good``, ``new``, ``long``, ``help``): "el tiempo de espera" is a theme, not noise.
* **Negators** (:data:`NEGATORS`): ``no``, ``nunca``, ``jamás``, ``tampoco``, ``ni``, ``sin``; ``not``, ``no``,
  ``never``, ``without``, ``nor`` and every ``-n't`` contraction. They attach to the next content word (see
  :mod:`surveytools.text.corpus`): "no volvería" is one term ``no_volver``.
* **Lemmas**: ``simplemma`` (pure Python, dictionaries shipped in the wheel, nothing downloaded at run time).
  A word simplemma does not know and that was written without accents gets its accents back when exactly
  one accented spelling is known (``volveria`` -> ``volvería`` -> ``volver``); pronominal verbs count with
  their base verb (``volverse`` -> ``volver``, which also catches the unaccented "volvere"). Every distinct
  word is lemmatised once (:class:`Lemmatizer` caches).
* **Language** (:func:`detect_languages`): per comment, the language whose stop words cover more of its
  words (ties and comments without stop words: the questionnaire's language).

References
----------
Barbaresi, A. (2023). simplemma: a simple multilingual lemmatizer for Python. Zenodo.
Diaz, G. (2016). stopwords-iso: the most comprehensive collection of stop words for multiple languages.
"""

from __future__ import annotations

import unicodedata
from functools import cache

__all__ = ["LANGUAGES", "fold", "stop_words", "KEEP_WORDS", "NEGATORS", "is_negator", "Lemmatizer",
           "check_language"]

#: Languages with stop words, negators and a lemmatiser.
LANGUAGES: tuple[str, ...] = ("es", "en")

#: Content words removed from the stop lists (folded): they name what customers talk about.
KEEP_WORDS: dict[str, frozenset[str]] = {
    "es": frozenset("""
        bueno buena buenos buenas buen mal mala malo malos malas mejor mejores peor peores nuevo nueva nuevos
        nuevas tiempo largo larga largos largas tarde temprano pronto cerca lejos gracias dia dias hora horas
        ano anos mes meses semana semanas trabajo trabaja trabajan trabajar casa gente lado fin final grande
        grandes pequeno pequena rapido rapida lento lenta nunca siempre demasiado demasiada caro cara barato
        primero primera ultimo ultima ultimos ultimas total igual mayor menor mismo bajo alta alto arriba
        abajo dentro fuera medio mitad parte partes veces vez manera modo forma sola solo claro poder puede
        pueden hacer hace hacen dar dan decir dicho dijo ver visto hablar llegar
        """.split()),
    "en": frozenset("""
        good bad better best worse worst new old long short late early time times day days year years week
        weeks month months home work works working help helpful helped need needs want wants like liked
        great big small fast slow quick quickly thanks thank service staff price prices cheap expensive
        place places right wrong problem problems open opened close closed end line lines order ordered
        orders give given find found keep kept use used useful easy hard high low less least little
        sure clear different important interest interesting come came coming back go going went gone buy
        bought shop shopping return returned pay paid
        """.split()),
}

#: Words that negate the next content word (folded).
NEGATORS: dict[str, frozenset[str]] = {
    "es": frozenset({"no", "nunca", "jamas", "tampoco", "ni", "sin"}),
    "en": frozenset({"not", "no", "never", "without", "nor", "cannot", "cant", "dont", "wont", "isnt"}),
}


def check_language(lang: str) -> str:
    """``lang`` reduced to its ISO 639-1 code and checked (``es``/``en``; ``es-ES`` -> ``es``)."""
    from ..exceptions import DataError

    code = str(lang).strip().lower().replace("_", "-").split("-")[0]
    if code not in LANGUAGES:
        raise DataError(f"comment language {lang!r} is not supported; use one of {', '.join(LANGUAGES)} "
                        "(or auto to detect it per comment)")
    return code


def fold(text: str) -> str:
    """Lower case without accents or the typographic apostrophe (``Atención`` -> ``atencion``)."""
    s = unicodedata.normalize("NFKD", str(text).casefold().replace("\u2019", "'"))
    return "".join(ch for ch in s if not unicodedata.combining(ch))


@cache
def stop_words(lang: str) -> frozenset[str]:
    """Folded stop words of a language: stopwordsiso's list minus :data:`KEEP_WORDS` and the negators."""
    import stopwordsiso

    lang = check_language(lang)
    words = {fold(w) for w in stopwordsiso.stopwords(lang)}
    if lang == "en":  # contractions appear with the apostrophe and without it
        words |= {w.replace("'", "") for w in words if "'" in w}
    return frozenset(words - KEEP_WORDS[lang] - NEGATORS[lang])


def is_negator(folded: str, lang: str) -> bool:
    """Whether a folded word negates what follows (``-n't`` contractions included in English)."""
    return folded in NEGATORS[lang] or (lang == "en" and (folded.endswith("n't") or folded.endswith("nt")
                                                           and folded[:-2] in _EN_NT_STEMS))


_EN_NT_STEMS = frozenset({"don", "doesn", "didn", "isn", "aren", "wasn", "weren", "won", "wouldn", "couldn",
                          "shouldn", "haven", "hasn", "hadn", "ain", "mustn", "needn", "ca"})

_ACCENTS = {"a": "á", "e": "é", "i": "í", "o": "ó", "u": "úü", "n": "ñ"}


class Lemmatizer:
    """simplemma lemmas of distinct words, cached; accents restored on unknown unaccented words.

    Parameters
    ----------
    lang
        ``es`` or ``en``.

    Examples
    --------
    >>> lem = Lemmatizer("es")
    >>> [lem("precios"), lem("caros"), lem("volvería"), lem("volveria")]
    ['precio', 'caro', 'volver', 'volver']
    """

    def __init__(self, lang: str) -> None:
        self.lang = check_language(lang)
        self.cache: dict[str, str] = {}

    def __call__(self, word: str) -> str:
        """Lemma of one lower-case word (its written form when simplemma does not know it)."""
        hit = self.cache.get(word)
        if hit is None:
            hit = self.cache[word] = self._lemma(word)
        return hit

    def _lemma(self, word: str) -> str:
        import simplemma

        lang = self.lang
        if lang == "es" and word.isascii() and not simplemma.is_known(word, lang):
            known = {c for c in _accent_variants(word) if simplemma.is_known(c, lang)}
            if len(known) == 1:
                word = known.pop()
        lemma = simplemma.lemmatize(word, lang=lang)
        lemma = lemma.lower() if lemma else word
        if lang == "es" and lemma.endswith(("arse", "erse", "irse")) and simplemma.is_known(lemma[:-2], lang):
            lemma = lemma[:-2]  # pronominal verbs count with their base verb ("volverse" -> "volver")
        return lemma

    def many(self, words: list[str]) -> list[str]:
        """Lemmas of several words (each distinct word looked up once)."""
        return [self(w) for w in words]


def _accent_variants(word: str) -> list[str]:
    """Spellings of ``word`` with one accented vowel or one ``ñ`` (Spanish accent restoration)."""
    out = []
    for i, ch in enumerate(word):
        for acc in _ACCENTS.get(ch, ""):
            out.append(word[:i] + acc + word[i + 1:])
    return out
