"""Theme shares per segment against known themes, the z test against statsmodels, masked quotes, discovery."""

from __future__ import annotations

import numpy as np
import pytest

from surveytools.datasets.spanish_comments import CODEFRAME_YAML, THEME_P, THEMES, simulate_comments
from surveytools.exceptions import DataError
from surveytools.questionnaire import load_yaml
from surveytools.text.codeframe import parse_codeframe
from surveytools.text.corpus import build_corpus
from surveytools.text.themes import discover_themes, theme_table, two_proportion_z


@pytest.fixture(scope="module")
def sim():
    d = simulate_comments(8000, seed=11, pii_rate=0.05)
    corpus = build_corpus(d["comment"], "es")
    frame = parse_codeframe(load_yaml(CODEFRAME_YAML))
    return d, corpus, frame, frame.code(corpus)


def test_shares_per_segment_match_the_truth(sim):
    d, corpus, frame, coding = sim
    w = d["weight"].to_numpy()
    tab = theme_table(corpus, coding, d["segment"].to_numpy(), w)
    ok = corpus.answered
    for t in frame.names:
        truth = d[f"theme_{t}"].to_numpy()
        total = 100 * np.sum(w[ok] * truth[ok]) / np.sum(w[ok])
        assert tab["themes"][t]["share"] == pytest.approx(total, abs=2)
        for k in range(1, 6):
            m = ok & (d["segment"].to_numpy() == k)
            want = 100 * np.sum(w[m] * truth[m]) / np.sum(w[m])
            assert tab["segments"][k]["themes"][t]["share"] == pytest.approx(want, abs=2), (t, k)
            # and close to the design probability the comments were drawn with
            design = 100 * THEME_P[k - 1, list(THEMES).index(t)]
            assert abs(tab["segments"][k]["themes"][t]["share"] - design) < 6
    none = ~d[[f"theme_{t}" for t in frame.names]].to_numpy().any(axis=1)
    assert tab["uncoded"]["share"] == pytest.approx(100 * np.sum(w[ok] * none[ok]) / np.sum(w[ok]), abs=2)
    assert tab["base"]["n"] == int(ok.sum())
    # the segment with a theme's highest design probability is marked higher, the lowest lower
    assert tab["segments"][1]["themes"]["precio"]["mark"] == "higher"
    assert tab["segments"][2]["themes"]["digital"]["mark"] == "lower"


def test_unweighted_z_equals_statsmodels(sim):
    from statsmodels.stats.proportion import proportions_ztest

    d, corpus, frame, coding = sim
    tab = theme_table(corpus, coding, d["segment"].to_numpy(), None, n_quotes=0)
    ok = corpus.answered
    hits = coding.hits[corpus.doc_of_row]
    seg = d["segment"].to_numpy()
    for k in (1, 4):
        for ti, t in enumerate(frame.names):
            s, r = ok & (seg == k), ok & (seg != k)
            z, p = proportions_ztest([hits[s, ti].sum(), hits[r, ti].sum()], [s.sum(), r.sum()])
            cell = tab["segments"][k]["themes"][t]
            assert cell["z"] == pytest.approx(z, rel=1e-9) and cell["p"] == pytest.approx(p, rel=1e-9, abs=1e-300)


def test_weighted_z_uses_kish_n_eff():
    z, p = two_proportion_z(np.array([0.5]), np.array(20.0), np.array([0.25]), np.array(30.0))
    pool = (20 * 0.5 + 30 * 0.25) / 50
    assert z[0] == pytest.approx(0.25 / np.sqrt(pool * (1 - pool) * (1 / 20 + 1 / 30)))


def test_quotes_are_on_theme_and_masked(sim):
    d, corpus, frame, coding = sim
    tab = theme_table(corpus, coding, d["segment"].to_numpy(), None, n_quotes=3)
    all_quotes = [q for t in tab["themes"].values() for q in t["quotes"]]
    all_quotes += [q for s in tab["segments"].values() for c in s["themes"].values() for q in c["quotes"]]
    assert len(all_quotes) > 30
    for q in all_quotes:
        assert "@" not in q and "612 345 678" not in q and "4111" not in q and "+34" not in q
    # some simulated comments with PII are quoted, masked
    raw = [t for t in corpus.texts if "@" in t or "612" in t]
    assert raw
    seg1 = tab["segments"][1]["themes"]["precio"]["quotes"]
    assert len(seg1) == 3 and len(set(seg1)) == 3


def test_discovery_finds_the_simulated_themes_and_writes_a_usable_frame(sim):
    d, corpus, frame, coding = sim
    draft, details = discover_themes(corpus, 6, seed=0)
    assert len(draft.themes) == 6 and details["_settings"]["seed"] == 0
    tops = [set(t.keywords.get("es", ())) | set(t.phrases.get("es", ())) for t in draft.themes]
    # each simulated theme's main keyword leads (is among the keywords of) some discovered theme
    for word in ("precio", "amable", "plástico"):
        assert any(word in top for top in tops), word
    # reproducible with the seed, and the draft codes comments
    again, _ = discover_themes(corpus, 6, seed=0)
    assert again.to_dict() == draft.to_dict()
    coded = draft.code(corpus)
    assert coded.hits.any(axis=0).all()
    for det in (v for k, v in details.items() if k != "_settings"):
        assert all("@" not in q for q in det["quotes"])
    with pytest.raises(DataError, match="theme discovery needs"):
        discover_themes(build_corpus(["precio"] * 3), 4)


def test_shares_and_tests_do_not_depend_on_row_order(sim):
    d, corpus, frame, coding = sim
    rng = np.random.default_rng(5)
    perm = rng.permutation(len(d))
    e = d.iloc[perm].reset_index(drop=True)
    c2 = build_corpus(e["comment"], "es")
    t1 = theme_table(corpus, coding, d["segment"].to_numpy(), d["weight"].to_numpy(), n_quotes=0)
    t2 = theme_table(c2, frame.code(c2), e["segment"].to_numpy(), e["weight"].to_numpy(), n_quotes=0)
    for t in frame.names:
        assert t2["themes"][t]["share"] == pytest.approx(t1["themes"][t]["share"], rel=1e-12)
        for k in range(1, 6):
            a, b = t1["segments"][k]["themes"][t], t2["segments"][k]["themes"][t]
            assert b["share"] == pytest.approx(a["share"], rel=1e-12) and b["z"] == pytest.approx(a["z"], rel=1e-9)
            assert b["mark"] == a["mark"]


def test_english_comments_terms_themes_and_tags():
    from surveytools.voc import distinctive_terms

    texts = ["The prices are too high, call me at (555) 123-4567", "Prices went up again",
             "Too expensive for what you get", "I would not come back", "Staff were rude and unhelpful",
             "The staff was friendly", "Delivery arrived late", "Late delivery again, I won't order again"] * 4
    groups = np.array([1, 1, 1, 1, 2, 2, 3, 3] * 4)
    res = distinctive_terms(texts, groups, top=5, prior=5, min_count=2, language="en")
    assert {"price", "expensive", "no_come"} <= {t["term"] for t in res[1]["terms"]}
    assert {"delivery", "late", "no_order"} <= {t["term"] for t in res[3]["terms"]}
    corpus = build_corpus(texts, "auto", default_language="en")
    assert set(corpus.lang) == {"en"}
    frame = parse_codeframe({"language": "en", "themes": {
        "price": {"keywords": ["price", "expensive"]}, "staff": {"keywords": ["staff", "rude", "friendly"]},
        "delivery": {"keywords": ["delivery", "late"]}, "churn": {"keywords": ["not come", "not order"]}}})
    tab = theme_table(corpus, frame.code(corpus), groups, None, lang="en")
    shares = {k: v["share"] for k, v in tab["themes"].items()}
    assert shares == pytest.approx({"price": 37.5, "staff": 25.0, "delivery": 25.0, "churn": 25.0})
    quotes = tab["themes"]["price"]["quotes"] + [e for g in res for e in res[g]["examples"]]
    assert any("[phone]" in q for q in quotes) and not any("4567" in q for q in quotes)
