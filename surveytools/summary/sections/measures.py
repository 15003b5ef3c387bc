"""Sections of the command-only measurement stages: scale scores (``surveytools scores``) and correlation
matrices (``surveytools correlate``)."""

from __future__ import annotations

from typing import Any

from ..document import Column, Fact, Facts, Msg, Num, Paragraph, Section, Table
from ._common import Context, col, num, term

__all__ = ["scores_section", "correlate_section"]


def scores_section(ctx: Context) -> Section:
    """Scale scores: the scoring rule, respondents scored, and each scale's items, counts and distribution."""
    sc = ctx.results["scores"]
    rule = Msg("scores_rule", share=Num(sc["min_answered"], "pct0"), impute=term("impute_", sc["impute"]),
               weighted=Msg("scores_weighted") if sc["weighted"] else "")
    facts = [Fact(Msg("rows_in"), sc["rows_in"], "int"), Fact(Msg("scores_rows_out"), sc["rows_out"], "int"),
             Fact(Msg("scores_rows_excluded"), sc["rows_excluded"], "int")]
    rows = [[name, s["n_items"], s["n_scored"], s["n_excluded"], num(s["mean"]), num(s["sd"]), num(s["min"]),
             num(s["max"]), ", ".join(s["reversed"]) or None] for name, s in sc["scales"].items()]
    table = Table([col("scale"), col("n_items", "int"), col("scores_scored", "int"), col("scores_excluded", "int"),
                   col("mean_cap", "num3"), col("sd_cap", "num3"), col("min_cap", "num2"), col("max_cap", "num2"),
                   col("reversed")], rows, title=Msg("scales"), id="scores")
    return Section("scores", Msg("scores_title"), [Paragraph(rule), Facts(facts), table])


def correlate_section(ctx: Context) -> Section:
    """A correlation matrix: method, respondents (per pair), smoothing, and its lower triangle with ``digits``
    decimals (a summary line instead when it has more than ``max_items`` items), then the thresholds."""
    c = ctx.results["correlate"]
    digits = int(ctx.options.get("digits", 2))
    max_items = int(ctx.options.get("max_items", 30))
    items = [str(i) for i in c["items"]]
    p = len(items)
    method = Msg(f"cor_method_{c['method']}", missing=term("missing_word_", c["missing"]),
                 weighted=Msg("scores_weighted") if c["weighted"] else "")
    facts = [Fact(Msg("fa_cor"), method), Fact(Msg("n_items"), p, "int"), Fact(Msg("rows_in"), c["rows_in"], "int"),
             Fact(Msg("cor_rows_used"), c["n_obs"], "int")]
    if ctx.lang == "en":  # the reasons are the library's English words
        facts += [Fact(Msg("fa_excluded_reason", reason=str(k)), v, "int") for k, v in c["excluded"].items() if v]
    pn = [c["pairwise_n"][a][b] for a in range(p) for b in range(p) if a != b]
    if pn:
        facts.append(Fact(Msg("cor_pair_n"), Msg("w_range_value", low=Num(min(pn), "int"), high=Num(max(pn), "int"))))
    blocks: list[Any] = [Facts(facts)]
    if c["smoothed"]:
        blocks.append(Paragraph(Msg("cor_smoothed"), "note"))
    if c.get("corrected_cells"):
        blocks.append(Paragraph(Msg("cor_corrected", n=Num(c["corrected_cells"], "int"),
                                    method=term("cor_", c["method"])), "note"))
    m = c["matrix"]
    fmt = f"num{digits}"
    if p > max_items:
        low = [num(m[a][b]) for a in range(p) for b in range(a)]
        low = [v for v in low if v is not None]
        if low:
            blocks.append(Paragraph(Msg("cor_not_shown", p=Num(p, "int"), low=Num(min(low), fmt),
                                        high=Num(max(low), fmt), mean=Num(sum(abs(v) for v in low) / len(low), fmt))))
    else:
        blocks.append(Table([col("item")] + [Column(i) for i in items],
                            [[items[a]] + [Num(m[a][b], fmt) if b <= a and num(m[a][b]) is not None else
                                           (Msg("not_available") if b <= a else None) for b in range(p)]
                             for a in range(p)], title=Msg("cor_matrix"), id="correlations"))
    thr = c.get("thresholds")
    if thr:
        width = max(len(v) for v in thr.values())
        blocks.append(Table([col("item")] + [Column(str(j + 1), "num2") for j in range(width)],
                            [[k] + [num(t) for t in v] + [None] * (width - len(v)) for k, v in thr.items()],
                            title=Msg("cor_thresholds"), id="thresholds"))
    return Section("correlations", Msg("cor_title"), blocks)
