"""Benchmark: theming 1,000,000 Spanish comments with a code frame (target: <= 60 s on a 2-core machine),
against the per-comment loop a user would otherwise write (pandas ``apply``: lower-case, fold accents, regex
tokens, ``simplemma.lemmatize`` on every word, keyword-set lookups per theme).

surveytools: :func:`surveytools.text.build_corpus` (distinct comments once, PII masked, every distinct word
classified and lemmatised once, negation and phrases by numpy), :meth:`CodeFrame.code` and
:func:`theme_table` (shares per segment with z tests, BH, quotes). The comments are
:func:`surveytools.datasets.spanish_comments.simulate_comments` (known themes, so agreement is checked).
The loop is timed on ``--baseline-rows`` comments and scaled linearly to the full size (it is linear:
one pass per comment). On a shared machine wall times depend on the load: the CPU times and their ratio are
the stable numbers.

    python benchmarks/bench_voc_text.py [--rows 1000000] [--baseline-rows 50000] [--distinct]

The simulated comments repeat (a few dozen thousand distinct texts in a million), which surveytools exploits
by processing each distinct comment once; ``--distinct`` appends a respondent number (``#123456``, not a
word) to every comment so all are distinct: the worst case, as in real open ends.
"""

from __future__ import annotations

import argparse
import re
import resource
import sys
import time
import unicodedata
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from surveytools.datasets.spanish_comments import CODEFRAME_YAML, simulate_comments  # noqa: E402
from surveytools.questionnaire import load_yaml  # noqa: E402
from surveytools.text.codeframe import parse_codeframe  # noqa: E402
from surveytools.text.corpus import build_corpus  # noqa: E402
from surveytools.text.themes import theme_table  # noqa: E402


def _fold(s: str) -> str:
    return "".join(ch for ch in unicodedata.normalize("NFKD", s.lower()) if not unicodedata.combining(ch))


def naive(comments, frame) -> np.ndarray:
    """The per-comment loop: tokens, a lemma per word occurrence, keyword sets per theme."""
    import simplemma

    lemmatizer = simplemma.Lemmatizer()
    keys = [{_fold(lemmatizer.lemmatize(w, "es")) for w in t.keywords.get("es", ())} for t in frame.themes]
    token = re.compile(r"[^\W\d_]+")

    def code(text):
        if text is None or text != text:
            return [False] * len(keys)
        lemmas = {_fold(lemmatizer.lemmatize(w, "es")) for w in token.findall(str(text).lower())}
        return [bool(lemmas & k) for k in keys]

    return np.array(comments.apply(code).tolist(), dtype=bool)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--baseline-rows", type=int, default=50_000)
    ap.add_argument("--distinct", action="store_true", help="make every comment distinct (worst case)")
    args = ap.parse_args()
    t0 = time.perf_counter()
    d = simulate_comments(args.rows, seed=7)
    if args.distinct:
        has = d["comment"].notna()
        d.loc[has, "comment"] = d.loc[has, "comment"] + " #" + d.index[has].astype(str)
    print(f"data: {args.rows:,} comments (Spanish, 6 themes, 3% with PII{', all distinct' if args.distinct else ''}), "
          f"generated in {time.perf_counter() - t0:.1f} s")
    frame = parse_codeframe(load_yaml(CODEFRAME_YAML))
    t0, c0 = time.perf_counter(), time.process_time()
    corpus = build_corpus(d["comment"], "es")
    t1 = time.perf_counter()
    coding = frame.code(corpus)
    tab = theme_table(corpus, coding, d["segment"].to_numpy(), d["weight"].to_numpy())
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    ok = corpus.answered
    truth = d.loc[ok, [f"theme_{t}" for t in frame.names]].to_numpy()
    agree = float((coding.hits[corpus.doc_of_row[ok]] == truth).mean())
    print(f"surveytools themes (corpus {t1 - t0:.1f} s + code frame, shares, tests, quotes): {wall:8.2f} s wall, "
          f"{cpu:8.2f} s CPU, peak {peak:7.0f} MB; agreement with the truth {agree:.4f}; "
          f"{corpus.n_docs:,} distinct comments, {len(tab['themes'])} themes")
    nb = min(args.baseline_rows, args.rows)
    sub = d["comment"].iloc[:nb]
    t0, c0 = time.perf_counter(), time.process_time()
    hits = naive(sub, frame)
    tb, cb = time.perf_counter() - t0, time.process_time() - c0
    scaled, scaled_cpu = tb * args.rows / nb, cb * args.rows / nb
    ok_b = sub.notna().to_numpy()
    agree_b = float((hits[ok_b] == d.loc[:nb - 1, [f"theme_{t}" for t in frame.names]].to_numpy()[ok_b]).mean())
    print(f"naive per-comment loop: {tb:8.2f} s on {nb:,} comments -> {scaled:8.2f} s scaled to {args.rows:,} "
          f"({scaled_cpu:.2f} s CPU); agreement with the truth {agree_b:.4f}")
    print(f"ratio (naive / surveytools): {scaled / wall:.1f}x wall, {scaled_cpu / cpu:.1f}x CPU")
    if args.rows >= 1_000_000:
        print(f"target <= 60 s: {'met' if wall <= 60 else 'NOT met'}")


if __name__ == "__main__":
    main()
