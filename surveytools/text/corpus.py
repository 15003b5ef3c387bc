"""Comments as a matrix of lemmas, negated lemmas and phrases, built once and vectorised.

:func:`build_corpus` turns a column of comments into a :class:`Corpus`:

1. Distinct comments are processed once ("Nada", "ok" and repeated answers cost nothing extra); personal
   data are masked first (:func:`~surveytools.text.pii.mask_pii`) so no e-mail or phone number becomes a term.
2. Tokens are words (letters, inner apostrophes), punctuation and PII tags; punctuation and tags end a
   clause. Every distinct token is classified once per language (stop word, negator, content word) and every
   distinct content word is lemmatised once (:class:`~surveytools.text.normalize.Lemmatizer`); the per-token
   work is numpy indexing.
3. **Negation**: a content word whose nearest preceding kept token is a negator of the same clause, at most
   two stop words away, becomes the term ``no_<lemma>`` ("no volvería" -> ``no_volver``, "no me gusta" ->
   ``no_gustar``, "not worth it" -> ``no_worth``).
4. **Phrases** (collocations): two content words of one clause with at most one stop word between them
   ("entrega a domicilio") form a candidate bigram. With ``N`` candidate positions, ``c(ab)`` the bigram's
   count and ``c(a.)``, ``c(.b)`` its words' counts in first and second place, the bigram is kept when
   ``c(ab) >= min_count``, its pointwise mutual information ``log2(c(ab) N / (c(a.) c(.b)))`` is positive and
   Dunning's log-likelihood ratio ``G2 = 2 sum O log(O / E)`` over the 2x2 table exceeds 10.83 (p < 0.001,
   1 df). A trigram is kept when it occurs ``min_count`` times and both of its bigrams are kept.

Terms are keyed by the folded lemma (``atencion``) and shown in their most frequent written lemma
(``atención``); phrases are shown as respondents most often wrote them ("entrega a domicilio").

References
----------
Dunning, T. (1993). Accurate methods for the statistics of surprise and coincidence. *Computational
Linguistics* 19(1), 61-74.
Church, K. W. & Hanks, P. (1990). Word association norms, mutual information, and lexicography.
*Computational Linguistics* 16(1), 22-29.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from itertools import chain
from typing import Any

import numpy as np
import pandas as pd
from scipy import sparse

from .normalize import KEEP_WORDS, LANGUAGES, Lemmatizer, check_language, fold, is_negator, stop_words
from .pii import mask_series

__all__ = ["Corpus", "build_corpus", "G2_CRITICAL"]

#: Dunning's G2 above which a bigram is a collocation (chi-square, 1 df, p < 0.001).
G2_CRITICAL = 10.828

_TOKEN = re.compile(r"\[[^\W\d_]+\]|[^\W\d_]+(?:['\u2019][^\W\d_]+)*|[.,;:!?¡¿()\[\]\"/\n]")
_CHUNK = 200_000
_NEG_WINDOW = 3     # a negator reaches a content word at most this many tokens on (two stop words between)
_PHRASE_GAP = 2     # words of a phrase are at most this many tokens apart (one stop word between)

CONTENT, NEGATOR, BOUNDARY, STOP = 0, 1, 2, 3


@dataclass
class Corpus:
    """Distinct comments as a sparse matrix of terms (lemmas, negated lemmas, phrases).

    Attributes
    ----------
    texts
        Distinct comments as written (not masked; mask with :func:`~surveytools.text.pii.mask_pii` before
        showing one).
    doc_of_row
        For each input row, the index of its distinct comment, or -1 (no comment).
    lang
        Language code of each distinct comment (``es``/``en``).
    X
        Distinct comments x terms, occurrence counts (CSR).
    terms
        One row per column of ``X``: ``key`` (folded lemmas, ``no_`` prefix for a negated lemma, words joined
        by a space for a phrase), ``lemma`` (the same with accents: ``atención``, ``no_volver``, ``entrega
        domicilio``), ``kind`` (``lemma``, ``negation``, ``phrase``), ``form`` (as most often written),
        ``n_words``.
    lemma_keys
        Folded lemma of each lemma id (the ids used by ``tok_lemma``).
    """

    texts: np.ndarray
    doc_of_row: np.ndarray
    lang: np.ndarray
    X: sparse.csr_matrix
    terms: pd.DataFrame
    lemma_keys: list[str]
    lemma_forms: list[str]
    # content tokens in text order: distinct comment, lemma id, negated, clause id, token position
    tok_doc: np.ndarray = field(repr=False)
    tok_lemma: np.ndarray = field(repr=False)
    tok_neg: np.ndarray = field(repr=False)
    tok_clause: np.ndarray = field(repr=False)
    tok_pos: np.ndarray = field(repr=False)
    settings: dict[str, Any] = field(default_factory=dict)
    _lemmatizers: dict[str, Lemmatizer] = field(default_factory=dict, repr=False)

    @property
    def n_docs(self) -> int:
        """Number of distinct comments."""
        return len(self.texts)

    @property
    def n_rows(self) -> int:
        """Number of input rows (respondents)."""
        return len(self.doc_of_row)

    @property
    def answered(self) -> np.ndarray:
        """Boolean per input row: has a (non-blank) comment."""
        return self.doc_of_row >= 0

    def lemma_id(self, key: str) -> int:
        """Lemma id of a folded lemma, -1 if no comment uses it."""
        return self._lemma_index.get(key, -1)

    @property
    def _lemma_index(self) -> dict[str, int]:
        idx = self.__dict__.get("_lemma_index_cache")
        if idx is None:
            idx = {k: i for i, k in enumerate(self.lemma_keys)}
            self.__dict__["_lemma_index_cache"] = idx
        return idx

    def lemmatizer(self, lang: str) -> Lemmatizer:
        """The cached lemmatiser of a language (the one that built the corpus)."""
        lang = check_language(lang)
        if lang not in self._lemmatizers:
            self._lemmatizers[lang] = Lemmatizer(lang)
        return self._lemmatizers[lang]

    def row_matrix(self, binary: bool = False) -> sparse.csr_matrix:
        """Input rows x terms (rows without a comment are empty)."""
        X = self.X.sign() if binary else self.X
        rows = np.flatnonzero(self.doc_of_row >= 0)
        P = sparse.csr_matrix((np.ones(len(rows)), (rows, self.doc_of_row[rows])),
                              shape=(self.n_rows, self.n_docs))
        return (P @ X).tocsr()

    def doc_weights(self, row_weights: np.ndarray | None = None, rows: np.ndarray | None = None) -> np.ndarray:
        """Sum of row weights (or counts) per distinct comment, over ``rows`` (boolean mask) if given."""
        ok = self.doc_of_row >= 0
        if rows is not None:
            ok &= np.asarray(rows, dtype=bool)
        w = np.ones(self.n_rows) if row_weights is None else np.asarray(row_weights, dtype=float)
        return np.bincount(self.doc_of_row[ok], weights=w[ok], minlength=self.n_docs)


def _tokenize_chunk(texts: pd.Series) -> tuple[list[str], np.ndarray]:
    # tokens as written: lower-casing and the typographic apostrophe are applied to distinct tokens later
    lists = texts.str.findall(_TOKEN)
    lens = lists.str.len().to_numpy(dtype=np.int64)
    return list(chain.from_iterable(lists)), lens


def _g2(k11: np.ndarray, k12: np.ndarray, k21: np.ndarray, k22: np.ndarray) -> np.ndarray:
    """Dunning's log-likelihood ratio G2 of 2x2 tables (vectorised), ``2 sum O log(O/E)``."""
    n = k11 + k12 + k21 + k22
    r1, r2, c1, c2 = k11 + k12, k21 + k22, k11 + k21, k12 + k22
    out = np.zeros(len(k11))
    for o, r, c in ((k11, r1, c1), (k12, r1, c2), (k21, r2, c1), (k22, r2, c2)):
        with np.errstate(divide="ignore", invalid="ignore"):
            term = np.where(o > 0, o * np.log(o * n / (r * c)), 0.0)
        out += term
    return 2 * out


def build_corpus(texts: Sequence[Any] | pd.Series, language: str = "es", *, default_language: str = "es",
                 min_count: int = 5, phrases: bool = True) -> Corpus:
    """Tokenise, lemmatise and index comments.

    Parameters
    ----------
    texts
        One comment per respondent (None/NaN/blank = no comment).
    language
        ``es``, ``en``, or ``auto`` to detect each comment's language from its stop words.
    default_language
        Language of comments whose language cannot be told (``auto``): the questionnaire's.
    min_count
        Fewest occurrences of a phrase (bigram or trigram) to keep it.
    phrases
        Whether to find phrases at all.

    Returns
    -------
    Corpus
    """
    auto = str(language).lower() == "auto"
    default = check_language(default_language)
    fixed = None if auto else check_language(language)
    s = texts.reset_index(drop=True) if isinstance(texts, pd.Series) else pd.Series(list(texts), dtype="object")
    s = s.astype("object")
    valid = s.notna().to_numpy().copy()
    if valid.any():
        sv = s[valid].astype(str)
        valid[np.flatnonzero(valid)[sv.str.strip().eq("").to_numpy()]] = False
    doc_of_row = np.full(len(s), -1, dtype=np.int64)
    codes, uniq = pd.factorize(s[valid].astype(str), sort=False)
    doc_of_row[valid] = codes
    uniq_texts = np.asarray(uniq, dtype=object)
    nd = len(uniq_texts)
    masked = mask_series(pd.Series(uniq_texts, dtype="object"), default)

    # ---- tokens: chunked factorisation into one global vocabulary of lower-case tokens
    vocab: dict[str, int] = {}
    tok_codes: list[np.ndarray] = []
    lens_all: list[np.ndarray] = []
    for start in range(0, nd, _CHUNK):
        flat, lens = _tokenize_chunk(masked.iloc[start:start + _CHUNK])
        lens_all.append(lens)
        if not flat:
            tok_codes.append(np.zeros(0, dtype=np.int64))
            continue
        local, luniq = pd.factorize(np.asarray(flat, dtype=object), sort=False)
        gid = np.fromiter((vocab.setdefault(u, len(vocab)) for u in luniq), dtype=np.int64, count=len(luniq))
        tok_codes.append(gid[local])
    ucode = np.concatenate(tok_codes) if tok_codes else np.zeros(0, dtype=np.int64)
    lens = np.concatenate(lens_all) if lens_all else np.zeros(0, dtype=np.int64)
    tok_doc_all = np.repeat(np.arange(nd, dtype=np.int64), lens)
    # distinct written tokens -> distinct lower-case tokens ("Precio", "PRECIO" -> "precio")
    lower_of = pd.factorize(np.array([u.lower().replace("\u2019", "'") for u in vocab], dtype=object))
    ucode = lower_of[0][ucode] if len(ucode) else ucode
    utok = np.asarray(lower_of[1], dtype=object)
    ufold = [fold(u) for u in utok]
    nu = len(utok)
    is_bound = np.fromiter((not (u[:1].isalpha()) for u in utok), dtype=bool, count=nu)

    # ---- language of each distinct comment
    if auto:
        cover = []
        for lang in LANGUAGES:
            sw = stop_words(lang)
            hit = np.fromiter(((f in sw or is_negator(f, lang)) for f in ufold), dtype=float, count=nu)
            cover.append(np.bincount(tok_doc_all, weights=hit[ucode], minlength=nd))
        es, en = cover[0], cover[1]
        lang_idx = np.where(es > en, 0, np.where(en > es, 1, LANGUAGES.index(default)))
    else:
        lang_idx = np.full(nd, LANGUAGES.index(fixed))
    tok_lang = lang_idx[tok_doc_all]
    present = sorted(set(np.unique(lang_idx).tolist())) if nd else []

    # ---- classify and lemmatise each distinct token once per language present
    lemmatizers: dict[str, Lemmatizer] = {}
    lemma_index: dict[str, int] = {}
    lemma_form_counts: dict[str, dict[str, float]] = {}
    kind = np.full(len(ucode), STOP, dtype=np.int8)
    tok_lemma_all = np.full(len(ucode), -1, dtype=np.int64)
    for li in present:
        lang = LANGUAGES[li]
        sw = stop_words(lang)
        keep_words = KEEP_WORDS[lang]
        k_u = np.full(nu, STOP, dtype=np.int8)
        lem_u = np.full(nu, -1, dtype=np.int64)
        in_lang = tok_lang == li
        used = np.bincount(ucode[in_lang], minlength=nu)
        lem = lemmatizers[lang] = Lemmatizer(lang)
        for u in np.flatnonzero(used):
            f = ufold[u]
            if is_bound[u]:
                k_u[u] = BOUNDARY
            elif is_negator(f, lang):
                k_u[u] = NEGATOR
            elif len(f) < 2:
                continue
            else:
                lemma = lem(utok[u])
                key = fold(lemma)
                # a stop word or an inflection of one ("estaría" -> "estar"), unless its lemma is a kept
                # content word ("llegó" is on the list, "llegar" is kept)
                if (f in sw or key in sw) and key not in keep_words:
                    continue
                k_u[u] = CONTENT
                lem_u[u] = lemma_index.setdefault(key, len(lemma_index))
                forms = lemma_form_counts.setdefault(key, {})
                forms[lemma] = forms.get(lemma, 0.0) + float(used[u])
        kind[in_lang] = k_u[ucode[in_lang]]
        tok_lemma_all[in_lang] = lem_u[ucode[in_lang]]
    lemma_keys = list(lemma_index)
    lemma_forms = [max(lemma_form_counts[k].items(), key=lambda kv: (kv[1], kv[0]))[0] for k in lemma_keys]

    # ---- negation and clauses on the kept tokens
    pos_all = np.arange(len(ucode), dtype=np.int64)
    keep = kind != STOP
    k_kind, k_doc, k_pos, k_lemma = kind[keep], tok_doc_all[keep], pos_all[keep], tok_lemma_all[keep]
    prev_neg = np.zeros(len(k_kind), dtype=bool)
    if len(k_kind) > 1:
        prev_neg[1:] = ((k_kind[:-1] == NEGATOR) & (k_doc[:-1] == k_doc[1:])
                        & (k_pos[1:] - k_pos[:-1] <= _NEG_WINDOW))
    clause = np.cumsum((k_kind == BOUNDARY) | (k_kind == NEGATOR))
    content = k_kind == CONTENT
    c_doc, c_lemma, c_pos = k_doc[content], k_lemma[content], k_pos[content]
    c_neg, c_clause = prev_neg[content], clause[content]

    # ---- unigram terms: lemma or negated lemma
    tcode = c_lemma * 2 + c_neg
    t_uniq, c_term = np.unique(tcode, return_inverse=True) if len(tcode) else (np.zeros(0, np.int64),
                                                                                np.zeros(0, np.int64))
    c_term = c_term.astype(np.int64)
    t_lemma, t_neg = t_uniq // 2, (t_uniq % 2).astype(bool)
    F1 = len(t_uniq)
    keys = [("no_" if ng else "") + lemma_keys[lm] for lm, ng in zip(t_lemma, t_neg, strict=True)]
    forms = [("no_" if ng else "") + lemma_forms[lm] for lm, ng in zip(t_lemma, t_neg, strict=True)]
    kinds = ["negation" if ng else "lemma" for ng in t_neg]
    lemmas = list(forms)
    n_words = [1] * F1
    rows_parts, cols_parts = [c_doc], [c_term]

    # ---- phrases
    n_bi = n_tri = 0
    mult = np.bincount(doc_of_row[doc_of_row >= 0], minlength=nd).astype(float)
    if phrases and len(c_term) > 1:
        ok2 = ((c_doc[1:] == c_doc[:-1]) & (c_clause[1:] == c_clause[:-1])
               & (c_pos[1:] - c_pos[:-1] <= _PHRASE_GAP) & (c_term[1:] != c_term[:-1]))
        a, b = c_term[:-1][ok2], c_term[1:][ok2]
        wb = mult[c_doc[:-1][ok2]]  # occurrences count once per respondent who wrote the comment
        bcode = a * F1 + b
        b_uniq, b_inv = np.unique(bcode, return_inverse=True)
        b_cnt = np.bincount(b_inv, weights=wb, minlength=len(b_uniq))
        if len(b_uniq):
            N = float(wb.sum())
            ca = np.bincount(a, weights=wb, minlength=F1)
            cb = np.bincount(b, weights=wb, minlength=F1)
            ua, ub = b_uniq // F1, b_uniq % F1
            k11 = b_cnt
            k12, k21 = ca[ua] - k11, cb[ub] - k11
            k22 = N - k11 - k12 - k21
            pmi = np.log2(k11 * N / (ca[ua] * cb[ub]))
            g2 = _g2(k11, k12, k21, k22)
            accept = (b_cnt >= min_count) & (pmi > 0) & (g2 > G2_CRITICAL)
            acc_idx = np.flatnonzero(accept)
            n_bi = len(acc_idx)
            feat_of_b = np.full(len(b_uniq), -1, dtype=np.int64)
            feat_of_b[acc_idx] = F1 + np.arange(n_bi)
            bfeat = feat_of_b[b_inv]
            pos2 = np.flatnonzero(ok2)  # index i of the first word in the content arrays
            sel = bfeat >= 0
            rows_parts.append(c_doc[pos2[sel]])
            cols_parts.append(bfeat[sel])
            for j in acc_idx:
                keys.append(keys[ua[j]] + " " + keys[ub[j]])
                forms.append(forms[ua[j]] + " " + forms[ub[j]])
                lemmas.append(lemmas[ua[j]] + " " + lemmas[ub[j]])
                kinds.append("phrase")
                n_words.append(2)
            # trigrams: two overlapping kept bigrams
            flag = np.zeros(len(c_term), dtype=bool)
            flag[pos2[sel]] = True
            tri_ok = flag[:-2] & flag[1:-1] if len(c_term) > 2 else np.zeros(0, dtype=bool)
            if tri_ok.any():
                i3 = np.flatnonzero(tri_ok)
                tcode3 = (c_term[i3] * F1 + c_term[i3 + 1]) * F1 + c_term[i3 + 2]
                u3, inv3 = np.unique(tcode3, return_inverse=True)
                cnt3 = np.bincount(inv3, weights=mult[c_doc[i3]], minlength=len(u3))
                acc3 = np.flatnonzero(cnt3 >= min_count)
                n_tri = len(acc3)
                feat3 = np.full(len(u3), -1, dtype=np.int64)
                feat3[acc3] = F1 + n_bi + np.arange(n_tri)
                f3 = feat3[inv3]
                s3 = f3 >= 0
                rows_parts.append(c_doc[i3[s3]])
                cols_parts.append(f3[s3])
                for j in acc3:
                    x, y, z = u3[j] // (F1 * F1), (u3[j] // F1) % F1, u3[j] % F1
                    keys.append(f"{keys[x]} {keys[y]} {keys[z]}")
                    forms.append(f"{forms[x]} {forms[y]} {forms[z]}")
                    lemmas.append(f"{lemmas[x]} {lemmas[y]} {lemmas[z]}")
                    kinds.append("phrase")
                    n_words.append(3)
            phrase_occ = _phrase_occurrences(c_term, c_pos, pos2[sel], bfeat[sel],
                                             (i3[s3], f3[s3]) if tri_ok.any() and n_tri else None)
            for feat, (p0, p1) in phrase_occ.items():
                forms[feat] = _surface(utok, ucode, p0, p1) or forms[feat]
    F = len(keys)
    rows = np.concatenate(rows_parts) if rows_parts else np.zeros(0, np.int64)
    cols = np.concatenate(cols_parts) if cols_parts else np.zeros(0, np.int64)
    X = sparse.csr_matrix((np.ones(len(rows)), (rows, cols)), shape=(nd, F))
    X.sum_duplicates()
    terms = pd.DataFrame({"key": keys, "lemma": lemmas, "kind": kinds, "form": forms, "n_words": n_words})
    return Corpus(texts=uniq_texts, doc_of_row=doc_of_row, lang=np.asarray(LANGUAGES, dtype=object)[lang_idx],
                  X=X, terms=terms, lemma_keys=lemma_keys, lemma_forms=lemma_forms,
                  tok_doc=c_doc.astype(np.int64), tok_lemma=c_lemma.astype(np.int64), tok_neg=c_neg,
                  tok_clause=c_clause.astype(np.int64), tok_pos=c_pos.astype(np.int64),
                  settings={"language": "auto" if auto else fixed, "default_language": default,
                            "min_count": min_count, "bigrams": n_bi, "trigrams": n_tri},
                  _lemmatizers=lemmatizers)


def _phrase_occurrences(c_term: np.ndarray, c_pos: np.ndarray, i2: np.ndarray, f2: np.ndarray,
                        tri: tuple[np.ndarray, np.ndarray] | None, per_phrase: int = 25
                        ) -> dict[int, tuple[np.ndarray, np.ndarray]]:
    """Token spans (first, last position) of up to ``per_phrase`` occurrences of each kept phrase."""
    out: dict[int, tuple[np.ndarray, np.ndarray]] = {}
    parts = [(i2, f2, 1)]
    if tri is not None:
        parts.append((tri[0], tri[1], 2))
    for idx, feat, span in parts:
        if not len(idx):
            continue
        order = np.argsort(feat, kind="stable")
        fs = feat[order]
        starts = np.flatnonzero(np.r_[True, fs[1:] != fs[:-1]])
        ends = np.r_[starts[1:], len(fs)]
        for s0, e0 in zip(starts, ends, strict=True):
            take = order[s0:min(e0, s0 + per_phrase)]
            out[int(fs[s0])] = (c_pos[idx[take]], c_pos[idx[take] + span])
    return out


def _surface(utok: np.ndarray, ucode: np.ndarray, p0: np.ndarray, p1: np.ndarray) -> str | None:
    """The most frequent written form of a phrase over the given token spans."""
    counts: dict[str, int] = {}
    for a, b in zip(p0.tolist(), p1.tolist(), strict=True):
        s = " ".join(utok[ucode[a:b + 1]])
        counts[s] = counts.get(s, 0) + 1
    return max(counts.items(), key=lambda kv: (kv[1], kv[0]))[0] if counts else None
