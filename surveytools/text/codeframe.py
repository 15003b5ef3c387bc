"""Code frames: themes of open-ended comments defined by lemma keywords, phrases and regular expressions.

A code frame is a YAML file::

    language: es                    # language of keyword lists given without a language (default es)
    themes:
      precio:
        label: Precio y ofertas     # shown in reports (default: the theme's key)
        keywords: [precio, caro, barato, oferta, descuento, cupón]
        phrases: [marca propia]     # two or three words, matched on lemmas in order
        regex: ['\\b\\d+x\\d+\\b']   # optional, on the comment as written (case-insensitive)
        exclude: [precio justo]     # words or phrases that keep a comment out of this theme
      personal:
        label: Trato del personal
        keywords: {es: [personal, amable, dependiente, trato], en: [staff, friendly, rude]}

* Keywords and phrases are lemmatised with the comments' lemmatiser, so ``precio`` matches "precios" and
  ``caro`` matches "caros"; a Spanish keyword in -o also matches the -a lemma the lemmatiser gives some
  feminine forms ("cara", "caras", "baratas"). Matching ignores case and accents.
* A keyword whose first word is a negator (``no volver`` or ``no_volver``) matches only the negated word
  ("no volvería", "no vuelvo"); a plain keyword matches the word negated or not (a theme is a topic).
* Words of a phrase are consecutive content words of one clause, at most one stop word apart ("entrega a
  domicilio" is the phrase ``entrega domicilio``).
* Lists may be given per language (``{es: [...], en: [...]}``); a plain list is in the frame's ``language``.
  A comment is matched with the lists of its own language.
* A comment can belong to several themes; a comment in none is *uncoded*.

:func:`load_codeframe` reports every problem of a file at once, each with its line, as the questionnaire and
project loaders do.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from scipy import sparse

from ..exceptions import CodeFrameError, InputFileError
from .corpus import _PHRASE_GAP, Corpus
from .normalize import LANGUAGES, Lemmatizer, fold, is_negator, stop_words

__all__ = ["Theme", "CodeFrame", "Coding", "load_codeframe", "parse_codeframe", "DRAFT_HEADER"]

#: Comment block on top of a draft code frame written by theme discovery.
DRAFT_HEADER = """Draft code frame proposed by 'surveytools voc --discover-themes' (NMF on lemmas and phrases).
Edit it: rename the theme keys and labels, move or drop keywords, add phrases (two or three words),
regex and exclude lists; then code the comments with it: surveytools voc ... --codeframe THIS_FILE
Keywords are lemmas: 'precio' matches 'precios'; 'no volver' matches only the negated verb."""

_TOP_KEYS = {"language", "themes"}
_THEME_KEYS = {"label", "keywords", "phrases", "regex", "exclude", "exclude_regex"}
_NAME = re.compile(r"^[^\s].{0,79}$")


@dataclass(frozen=True)
class Theme:
    """One theme of a code frame (lists by language code)."""

    name: str
    label: str
    keywords: dict[str, tuple[str, ...]] = field(default_factory=dict)
    phrases: dict[str, tuple[str, ...]] = field(default_factory=dict)
    regex: tuple[str, ...] = ()
    exclude: dict[str, tuple[str, ...]] = field(default_factory=dict)
    exclude_regex: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """As written in a code frame file."""
        out: dict[str, Any] = {"label": self.label}
        for key in ("keywords", "phrases", "exclude"):
            val = getattr(self, key)
            if val:
                out[key] = {lang: list(words) for lang, words in val.items()}
        for key in ("regex", "exclude_regex"):
            if getattr(self, key):
                out[key] = list(getattr(self, key))
        return out


@dataclass(frozen=True)
class Coding:
    """Which distinct comment is in which theme.

    Attributes
    ----------
    names, labels
        Theme keys and labels, in frame order.
    hits
        Boolean, distinct comments x themes.
    strength
        Keyword and phrase matches per comment and theme over the square root of the comment's content words
        (regex-only matches count 1): the most typical comments of a theme have the highest values.
    unused
        Theme -> keywords and phrases that no comment uses (worth checking for typos).
    """

    names: list[str]
    labels: list[str]
    hits: np.ndarray
    strength: np.ndarray
    unused: dict[str, list[str]] = field(default_factory=dict)


@dataclass(frozen=True)
class CodeFrame:
    """Themes of a code frame (see the module docstring for the file format)."""

    themes: tuple[Theme, ...]
    language: str = "es"
    source: str | None = None

    @property
    def names(self) -> list[str]:
        """Theme keys in frame order."""
        return [t.name for t in self.themes]

    def to_dict(self) -> dict[str, Any]:
        """The frame as a code frame file holds it."""
        return {"language": self.language, "themes": {t.name: t.to_dict() for t in self.themes}}

    def to_yaml(self, header: str | None = None) -> str:
        """YAML text of the frame (``load_codeframe`` reads it back)."""
        import yaml

        text = yaml.safe_dump(self.to_dict(), allow_unicode=True, sort_keys=False, width=110)
        if header:
            text = "".join(f"# {line}\n" if line else "#\n" for line in header.splitlines()) + text
        return text

    def code(self, corpus: Corpus) -> Coding:
        """Code every distinct comment of ``corpus``: a comment is in a theme when it holds one of its keywords
        or phrases (in the comment's language) or matches one of its regexes, and none of its exclusions."""
        nd, T = corpus.n_docs, len(self.themes)
        score = np.zeros((nd, T))
        regex_hit = np.zeros((nd, T), dtype=bool)
        excluded = np.zeros((nd, T), dtype=bool)
        unused: dict[str, list[str]] = {}
        n_lem = len(corpus.lemma_keys)
        tok_lang = corpus.lang[corpus.tok_doc] if len(corpus.tok_doc) else np.zeros(0, dtype=object)
        doc_lang = corpus.lang
        content_len = np.bincount(corpus.tok_doc, minlength=nd).astype(float)
        texts = pd.Series(corpus.texts, dtype="object").astype(str)
        for lang in LANGUAGES:
            in_lang_tok = tok_lang == lang
            if not in_lang_tok.any():
                continue
            in_lang_doc = doc_lang == lang
            lem = corpus.lemmatizer(lang)
            d = corpus.tok_doc[in_lang_tok]
            lm = corpus.tok_lemma[in_lang_tok]
            ng = corpus.tok_neg[in_lang_tok]
            D_all = sparse.csr_matrix((np.ones(len(d)), (d, lm)), shape=(nd, n_lem))
            D_neg = sparse.csr_matrix((np.ones(int(ng.sum())), (d[ng], lm[ng])), shape=(nd, n_lem))
            for role in ("include", "exclude"):
                M_all = sparse.lil_matrix((n_lem, T))
                M_neg = sparse.lil_matrix((n_lem, T))
                phrase_specs: list[tuple[int, tuple[int, ...], bool]] = []
                for ti, theme in enumerate(self.themes):
                    entries = (list(theme.keywords.get(lang, ())) + list(theme.phrases.get(lang, ()))
                               if role == "include" else list(theme.exclude.get(lang, ())))
                    for entry in entries:
                        ids, negated = _entry_lemmas(entry, lang, lem, corpus)
                        if ids is None:
                            if role == "include":
                                unused.setdefault(theme.name, []).append(entry)
                            continue
                        if len(ids) == 1:
                            for i in _gender_variants(ids[0], lang, corpus):
                                (M_neg if negated else M_all)[i, ti] = 1
                        else:
                            phrase_specs.append((ti, ids, negated))
                H = (D_all @ M_all.tocsr() + D_neg @ M_neg.tocsr()).toarray()
                if phrase_specs:
                    H += _phrase_hits(corpus, in_lang_tok, phrase_specs, nd, T)
                H[~in_lang_doc] = 0
                if role == "include":
                    score += H
                else:
                    excluded |= H > 0
        for ti, theme in enumerate(self.themes):
            for pattern, target in [(p, regex_hit) for p in theme.regex] + [(p, excluded) for p in theme.exclude_regex]:
                m = texts.str.contains(pattern, flags=re.IGNORECASE, regex=True).to_numpy(dtype=bool)
                target[:, ti] |= m
        hits = ((score > 0) | regex_hit) & ~excluded
        strength = np.where(hits, np.maximum(score, regex_hit.astype(float)) / np.sqrt(np.maximum(content_len, 1.0))[:, None],
                            0.0)
        for name in unused:  # a phrase or word that some language did use is not unused
            unused[name] = sorted(set(unused[name]))
        return Coding(names=self.names, labels=[t.label for t in self.themes], hits=hits, strength=strength,
                      unused=unused)


def _entry_lemmas(entry: str, lang: str, lem: Lemmatizer, corpus: Corpus) -> tuple[tuple[int, ...] | None, bool]:
    """Lemma ids of a keyword or phrase (None when a word is not in the comments); negated if it starts with
    a negator."""
    words = [w for w in re.split(r"[\s_]+", entry.strip().lower()) if w]
    negated = False
    if len(words) > 1 and is_negator(fold(words[0]), lang):
        negated, words = True, words[1:]
    sw = stop_words(lang)
    content = [w for w in words if fold(w) not in sw] or words
    ids = []
    for w in content:
        i = corpus.lemma_id(fold(lem(w)))
        if i < 0:
            i = corpus.lemma_id(fold(w))
        if i < 0:
            return None, negated
        ids.append(i)
    return tuple(ids), negated


def _gender_variants(lemma_id: int, lang: str, corpus: Corpus) -> list[int]:
    """A Spanish adjective keyword in -o also matches the -a lemma simplemma gives feminine forms ("caro" ->
    "cara", "caras"; "barato" -> "baratas")."""
    out = [lemma_id]
    key = corpus.lemma_keys[lemma_id]
    if lang == "es" and key.endswith("o") and len(key) > 2:
        alt = corpus.lemma_id(key[:-1] + "a")
        if alt >= 0:
            out.append(alt)
    return out


def _phrase_hits(corpus: Corpus, in_lang: np.ndarray, specs: list[tuple[int, tuple[int, ...], bool]],
                 nd: int, T: int) -> np.ndarray:
    """Counts of phrase matches per distinct comment and theme (consecutive content words of one clause)."""
    d, lm, ng = corpus.tok_doc, corpus.tok_lemma, corpus.tok_neg
    cl, pos = corpus.tok_clause, corpus.tok_pos
    n = len(d)
    out = np.zeros((nd, T))
    n_lem = max(len(corpus.lemma_keys), 1)
    for length in (2, 3):
        group = [s for s in specs if len(s[1]) == length]
        if not group or n < length:
            continue
        m = n - length + 1
        ok = in_lang[:m].copy()
        code = lm[:m].astype(np.int64)
        for j in range(1, length):
            ok &= (d[j:j + m] == d[:m]) & (cl[j:j + m] == cl[:m]) & (pos[j:j + m] - pos[j - 1:j - 1 + m] <= _PHRASE_GAP)
            code = code * n_lem + lm[j:j + m]
        want = {}
        for ti, ids, negated in group:
            c = 0
            for i in ids:
                c = c * n_lem + i
            want.setdefault(c, []).append((ti, negated))
        found = np.flatnonzero(ok & np.isin(code, np.fromiter(want, dtype=np.int64, count=len(want))))
        fcode = code[found]
        for c, targets in want.items():
            at = found[fcode == c]
            for ti, negated in targets:
                sel = at[ng[at]] if negated else at
                np.add.at(out[:, ti], d[sel], 1.0)
    return out


# ====================================================================== loading and validation

def parse_codeframe(data: Any, *, lines: Mapping[tuple[Any, ...], int] | None = None, source: str = "code frame"
                    ) -> CodeFrame:
    """Validate a code frame already read from YAML; every problem is listed (with its line if known).

    Raises
    ------
    CodeFrameError
        Anything invalid: unknown keys, a theme with nothing to match, a bad regular expression, a keyword
        that is a stop word (it could never match), an unknown language.
    """
    lines = lines or {}
    problems: list[str] = []

    def problem(keypath: tuple[Any, ...], msg: str) -> None:
        from ..questionnaire import located

        problems.append(located(lines, keypath, msg))

    if not isinstance(data, Mapping):
        raise CodeFrameError(f"{source}: a code frame is a mapping with 'themes' (and optionally 'language')")
    for key in data:
        if key not in _TOP_KEYS:
            problem((key,), f"unknown key; expected {' or '.join(sorted(_TOP_KEYS))}")
    language = data.get("language", "es")
    if not isinstance(language, str) or language.strip().lower() not in LANGUAGES:
        problem(("language",), f"must be one of {', '.join(LANGUAGES)}")
        language = "es"
    language = language.strip().lower()
    raw = data.get("themes")
    themes: list[Theme] = []
    if not isinstance(raw, Mapping) or not raw:
        problem(("themes",), "missing or empty: give a mapping of theme key -> {label, keywords, phrases, ...}")
        raw = {}
    labels_seen: dict[str, str] = {}
    for name, spec in raw.items():
        path = ("themes", name)
        if not isinstance(name, str) or not _NAME.match(name):
            problem(path, "theme keys are short names (text of 1-80 characters)")
            continue
        if not isinstance(spec, Mapping):
            problem(path, "must be a mapping with keywords, phrases or regex")
            continue
        for key in spec:
            if key not in _THEME_KEYS:
                problem(path + (key,), f"unknown key; expected one of {', '.join(sorted(_THEME_KEYS))}")
        label = spec.get("label", name)
        if not isinstance(label, str) or not label.strip():
            problem(path + ("label",), "must be text")
            label = str(name)
        if label in labels_seen:
            problem(path + ("label",), f"label {label!r} is also the label of theme {labels_seen[label]!r}; give each "
                                       "theme its own label")
        labels_seen[label] = name
        lists = {}
        for key in ("keywords", "phrases", "exclude"):
            lists[key] = _word_lists(spec.get(key), path + (key,), language, problem, phrases_only=key == "phrases")
        regexes = {}
        for key in ("regex", "exclude_regex"):
            regexes[key] = _regexes(spec.get(key), path + (key,), problem)
        # keywords with several words are phrases
        kw: dict[str, list[str]] = {}
        ph: dict[str, list[str]] = {}
        for lang, words in lists["keywords"].items():
            for w in words:
                if len(re.split(r"[\s_]+", w.strip())) > 1:
                    ph.setdefault(lang, []).append(w)
                else:
                    kw.setdefault(lang, []).append(w)
        for lang, words in lists["phrases"].items():
            ph.setdefault(lang, []).extend(words)
        if not kw and not ph and not regexes["regex"]:
            problem(path, "has no keywords, phrases or regex: it would never match a comment")
        themes.append(Theme(name=name, label=label.strip(),
                            keywords={k: tuple(v) for k, v in kw.items()},
                            phrases={k: tuple(v) for k, v in ph.items()},
                            regex=tuple(regexes["regex"]),
                            exclude={k: tuple(v) for k, v in lists["exclude"].items()},
                            exclude_regex=tuple(regexes["exclude_regex"])))
    if problems:
        raise CodeFrameError(f"{source}: {len(problems)} problem{'s' if len(problems) > 1 else ''} in the code frame",
                             problems)
    return CodeFrame(themes=tuple(themes), language=language, source=source)


def _word_lists(value: Any, path: tuple[Any, ...], language: str, problem: Any, phrases_only: bool = False
                ) -> dict[str, list[str]]:
    if value is None:
        return {}
    if isinstance(value, (list, tuple)):
        by_lang: Mapping[Any, Any] = {language: value}
        nested = False
    elif isinstance(value, Mapping):
        by_lang, nested = value, True
    else:
        problem(path, "must be a list of words, or a mapping of language -> list")
        return {}
    out: dict[str, list[str]] = {}
    for lang, words in by_lang.items():
        lpath = path + (lang,) if nested else path
        if not isinstance(lang, str) or lang.lower() not in LANGUAGES:
            problem(lpath, f"unknown language {lang!r}; use {', '.join(LANGUAGES)}")
            continue
        lang = lang.lower()
        if not isinstance(words, (list, tuple)):
            problem(lpath, "must be a list")
            continue
        sw = stop_words(lang)
        for i, w in enumerate(words):
            if not isinstance(w, str) or not w.strip():
                problem(lpath + (i,), f"{w!r} is not a word or phrase")
                continue
            parts = [p for p in re.split(r"[\s_]+", w.strip().lower()) if p]
            content = [p for p in parts if fold(p) not in sw and not is_negator(fold(p), lang)]
            if len(content) > 3:
                problem(lpath + (i,), f"{w!r} has {len(content)} content words; phrases have two or three (stop "
                                      "words between them are allowed)")
                continue
            if phrases_only and len(parts) < 2:
                problem(lpath + (i,), f"{w!r} is one word; put it under keywords")
                continue
            if not content:
                problem(lpath + (i,), f"{w!r} is a stop word in {lang!r} and never matches; use a content word "
                                      "or a phrase around it")
                continue
            if any(not re.fullmatch(r"[^\W\d_]+(?:'[^\W\d_]+)*", p) for p in parts):
                problem(lpath + (i,), f"{w!r} holds characters other than letters; use regex for patterns")
                continue
            out.setdefault(lang, []).append(w.strip())
    return out


def _regexes(value: Any, path: tuple[Any, ...], problem: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, (list, tuple)):
        problem(path, "must be a list of regular expressions")
        return []
    out = []
    for i, pattern in enumerate(value):
        if not isinstance(pattern, str) or not pattern:
            problem(path + (i,), "must be a regular expression (text)")
            continue
        try:
            re.compile(pattern)
        except re.error as exc:
            problem(path + (i,), f"invalid regular expression {pattern!r}: {exc}")
            continue
        out.append(pattern)
    return out


def load_codeframe(path: str | os.PathLike[str]) -> CodeFrame:
    """Load and validate a code frame YAML file (every problem listed, with its line).

    Raises
    ------
    InputFileError
        Missing or unreadable file.
    CodeFrameError
        YAML syntax error or invalid content.
    """
    import yaml

    from ..questionnaire import SpecLoader, _line_map, load_yaml

    p = Path(path)
    if not p.exists():
        raise InputFileError(f"code frame {p} not found; check the path (write a draft with --discover-themes K "
                             "--codeframe-out FILE)")
    if p.is_dir():
        raise InputFileError(f"code frame {p} is a folder; give the path of a .yaml file")
    try:
        text = p.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputFileError(f"code frame {p} cannot be read: {exc}") from None
    try:
        data = load_yaml(text)
        node = yaml.compose(text, Loader=SpecLoader)
        lines = _line_map(node) if node is not None else {}
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f", line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""
        raise CodeFrameError(f"{p}{where}: YAML syntax error: {getattr(exc, 'problem', None) or exc}") from None
    return parse_codeframe(data, lines=lines, source=str(p))
