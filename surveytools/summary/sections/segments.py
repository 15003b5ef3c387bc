"""Sections about the segments: choice of k, profiles (table, heat map, perceptual map, one card per
segment) and the typing tool."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd

from ...exceptions import DataError
from ..document import Chart, Column, Fact, Facts, Msg, Num, Paragraph, Point, Section, SegmentCard, Series, Table
from ._common import Context, col, num, term

__all__ = ["segment_section", "profile_section", "profile_brief", "typing_tool_section", "typing_assign_section",
           "segment_assign_section", "customer_assign_section",
           "segment_evaluate_section", "segment_sizes", "chart_rows", "STAT_FMT"]

#: How each profile statistic is shown.
STAT_FMT = {"mean": "num2", "proportion": "pct", "nps": "num1"}
_CRITERIA = ("silhouette", "calinski_harabasz", "davies_bouldin", "bic", "min_share", "stability_ari", "jaccard_min",
             "reproducibility", "rank_sum")
_LC_CRITERIA = ("loglik", "n_parameters", "bic", "aic", "caic", "sabic", "entropy_r2", "min_share", "stability_ari")
_CRITERION_FMT = {"loglik": "num2", "n_parameters": "int", "aic": "num1", "caic": "num1", "sabic": "num1",
                  "entropy_r2": "num3", "min_share": "pct", "rank_sum": "index", "bic": "num1", "calinski_harabasz": "num1"}
_STABILITY = ("replicates", "ari_mean", "ari_sd", "jaccard_min", "reproducibility")


def segment_sizes(ctx: Context) -> list[tuple[str, float, float | None]]:
    """``(segment, n, share)`` from the profile (respondents profiled), else the segment stage's sizes."""
    if "profile" in ctx.results:
        return [(k, float(s["n"]), num(s["share"])) for k, s in ctx.results["profile"]["segments"].items()]
    sizes = ctx.results["segment"]["sizes"]
    pairs = [(str(k), v["n"] if isinstance(v, Mapping) else v) for k, v in sizes.items()]
    total = sum(float(v) for _, v in pairs)
    return [(k, float(v), float(v) / total if total else None) for k, v in pairs]


def sizes_blocks(ctx: Context) -> list[Any]:
    sizes = segment_sizes(ctx)
    cats = [ctx.segment(k) for k, _, _ in sizes]
    # the weighted shares of the segment stage, when the segmentation used survey weights
    seg_sizes = ctx.results["segment"]["sizes"] if "segment" in ctx.results and "profile" not in ctx.results else {}
    wshare = {str(k): num(v["weighted_share"]) for k, v in seg_sizes.items()
              if isinstance(v, Mapping) and "weighted_share" in v} if ctx.results.get("segment", {}).get("weighted") \
        else {}
    return [
        Chart("bar", Msg("sizes"), cats, [Series(Msg("respondents"), [n for _, n, _ in sizes])],
              x_title=Msg("respondents"), fmt="int", id="sizes"),
        Table([col("segment"), col("n", "int"), col("share", "pct")] + ([col("weighted_share", "pct")] if wshare else []),
              [[ctx.segment(k), int(n) if float(n).is_integer() else n, s] + ([wshare.get(k)] if wshare else [])
               for k, n, s in sizes],
              title=Msg("sizes"), id="sizes"),
    ]


def segment_section(ctx: Context) -> Section:
    """The segmentation: k and method, sizes, why this k, the criteria by k, stability, centroids and the
    basis. On a terminal the centroids take ``digits`` decimals and the chosen k is starred."""
    from .._data import segment_explanation

    seg = ctx.results["segment"]
    facts = [Fact(Msg("k"), seg["k"], "int"), Fact(Msg("method"), term("method_", seg["method"]))]
    if isinstance(seg.get("weighted"), bool):
        facts.append(Fact(Msg("weighted"), seg["weighted"]))
    blocks: list[Any] = [Facts(facts, deck=True)]
    blocks.extend(sizes_blocks(ctx))
    explanation = segment_explanation(seg, ctx.lang) if "explanation" in seg else None
    if explanation:
        blocks.append(Paragraph(explanation))
    lc = seg.get("latent_class") if isinstance(seg.get("latent_class"), Mapping) else None
    if lc is not None:
        blocks.extend(_latent_class_blocks(ctx, lc))
    crit = seg["criteria"]
    cols = [c for c in (_LC_CRITERIA if lc is not None else _CRITERIA) if any(c in v for v in crit.values())]
    chosen = str(seg["k"])
    star = ctx.terminal
    rows = [[f"{k}*" if star and str(k) == chosen else str(k)] + [v.get(c) for c in cols] for k, v in crit.items()]
    replic = lc is not None and all("replicated" in v and "n_final" in v for v in crit.values())
    if replic:  # how many final-stage starts reached the best log-likelihood
        rows = [r + [f"{v['replicated']}/{v['n_final']}"] for r, v in zip(rows, crit.values(), strict=True)]
    styles = [["strong" if str(k) == chosen else None] * (1 + len(cols) + replic) for k in crit]
    note = Msg("criteria_note_lc" if lc is not None else "criteria_note")
    if star:
        note = Msg("criteria_note_star_lc" if lc is not None else "criteria_note_star")
    blocks.append(Table([Column("k", "int")] + [col(c, _CRITERION_FMT.get(c, "num")) for c in cols]
                        + ([col("lc_replicated")] if replic else []), rows,
                        title=Msg("criteria"), styles=styles, id="criteria", note=note))
    if lc is not None:
        blocks.extend(_covariate_blocks(ctx, lc))
    stab = seg.get("stability")
    if isinstance(stab, Mapping):
        facts = [Fact(Msg(f"stab_{k}"), stab[k], "int" if k == "replicates" else "num") for k in _STABILITY
                 if k in stab]
        blocks.append(Facts(facts, title=Msg("stability")))
        jac = stab.get("jaccard")
        if isinstance(jac, Mapping):
            blocks.append(Table([col("segment"), Column("Jaccard", "num2" if ctx.terminal else "num")],
                                [[ctx.segment(k), v] for k, v in jac.items()], title=Msg("stab_jaccard"), id="jaccard"))
    cen = seg.get("centroids")
    if isinstance(cen, Mapping) and cen:
        dims = list(next(iter(cen.values())))
        fmt = f"num{int(ctx.options.get('digits', 2))}"
        blocks.append(Table([col("segment")] + [Column(str(d) if ctx.terminal else ctx.label(d), fmt) for d in dims],
                            [[ctx.segment(k)] + [v[d] for d in dims] for k, v in cen.items()],
                            title=Msg("centroids"), id="centroids"))
    basis = seg.get("basis")
    facts = []
    if isinstance(basis, Mapping):
        facts.append(Fact(Msg("basis"), term("basis_", basis["kind"], columns=", ".join(ctx.label(c) for c in
                                                                                      basis["columns"]))))
        if basis.get("standardized") is not None:
            facts.append(Fact(Msg("standardized"), bool(basis["standardized"])))
    for key in ("rows_in", "rows_segmented", "rows_excluded"):
        if key in seg:
            facts.append(Fact(Msg("seg_rows_in" if key == "rows_in" else key), seg[key], "int"))
    excluded = seg.get("excluded")
    if isinstance(excluded, Mapping) and ctx.lang == "en":  # the reasons are the library's English words
        facts += [Fact(Msg("fa_excluded_reason", reason=str(r)), n, "int") for r, n in excluded.items() if n]
    if seg.get("imputed"):
        facts.append(Fact(Msg("seg_imputed"), seg["imputed"], "int"))
    if seg.get("seed") is not None:
        facts.append(Fact(Msg("seed"), str(seg["seed"])))
    if facts:
        blocks.append(Facts(facts, title=Msg("segment_details")))
    return Section("segments", Msg("segments"), blocks)


def _latent_class_blocks(ctx: Context, lc: Mapping[str, Any]) -> list[Any]:
    """The chosen latent class model: fit, starts, average posteriors and the class profiles."""
    digits = int(ctx.options.get("digits", 2))
    st = lc.get("starts") or {}
    facts = [Fact(Msg("lc_loglik"), num(lc["loglik"]), "num3"), Fact(Msg("n_parameters"), lc["n_parameters"], "int"),
             Fact(Msg("bic"), num(lc["bic"]), "num1"), Fact(Msg("entropy_r2"), num(lc.get("entropy_r2")), "num3")]
    if st:
        facts.append(Fact(Msg("lc_starts"), Msg("lc_starts_value", replicated=Num(st["replicated"], "int"),
                                                n_final=Num(st["n_final"], "int"), n_init=Num(st["n_init"], "int"))))
    blocks: list[Any] = [Facts(facts, title=Msg("lc_model")), Paragraph(Msg("lc_missing_note"), "note")]
    post = lc.get("average_posterior")
    if isinstance(post, Mapping):
        blocks.append(Table([col("segment"), col("lc_avg_post", "num3")], [[ctx.segment(k), num(v)]
                                                                          for k, v in post.items()],
                            title=Msg("lc_avg_post_title"), id="lc-posterior"))
    for name, par in (lc.get("parameters") or {}).items():
        if par["kind"] == "gaussian":
            fmt = f"num{digits}"
            back = "back_transformed" in par
            blocks.append(Table([col("segment"), col("mean_cap", fmt), col("sd_cap", fmt)]
                                + ([col("lc_back", fmt)] if back else []),
                                [[ctx.segment(c), num(par["mean"][c]), num(par["sd"][c])]
                                 + ([num(par["back_transformed"][c])] if back else []) for c in par["mean"]],
                                title=Msg("lc_numeric_profile", item=ctx.label(name),
                                          scale=Msg("lc_log_scale") if par.get("transform") == "log1p" else ""),
                                id=f"lc-{name}"))
        else:
            levels = [str(x) for x in (par.get("labels") or par["levels"])]
            blocks.append(Table([col("segment")] + [Column(lv, "pct0") for lv in levels],
                                [[ctx.segment(c)] + [num(x) for x in probs] for c, probs in par["probabilities"].items()],
                                title=Msg("lc_answer_profile", item=ctx.label(name), kind=term("lc_kind_", par["kind"])),
                                id=f"lc-{name}"))
    return blocks


def _covariate_blocks(ctx: Context, lc: Mapping[str, Any]) -> list[Any]:
    """Covariates of class membership (odds ratios against class 1) and distal outcomes (class means)."""
    digits = int(ctx.options.get("digits", 2))
    blocks: list[Any] = []
    cov = lc.get("covariates")
    if isinstance(cov, Mapping) and cov.get("effects"):
        ref = cov.get("reference_class", 1)
        rows = [[ctx.segment(c), str(t), num(e["odds_ratio"]), num(e["ci_low"]), num(e["ci_high"]), num(e["p"])]
                for c, terms in cov["effects"].items() for t, e in terms.items() if t != "(intercept)"]
        blocks.append(Table([col("segment"), col("lc_term"), col("lc_odds_ratio", "num2"), col("lc_ci_low", "num2"),
                             col("lc_ci_high", "num2"), col("p", "g3")], rows,
                            title=Msg("lc_covariates", method=str(cov.get("method", "")).upper(),
                                      reference=ctx.segment(ref)), id="lc-covariates"))
        tests = cov.get("tests") or {}
        if tests:
            blocks.append(Table([col("lc_covariate"), col("lc_wald", "num2"), col("lc_df", "int"), col("p", "g3")],
                                [[str(k), num(t["wald"]), t["df"], num(t["p"])] for k, t in tests.items()],
                                title=Msg("lc_covariate_tests"), id="lc-covariate-tests"))
    dist = (lc.get("distal") or {}).get("outcomes") if isinstance(lc.get("distal"), Mapping) else None
    if dist:
        rows, classes = [], []
        for name, d in dist.items():
            entries = [(ctx.label(name), d)] if d["kind"] == "numeric" else [
                (f"{ctx.label(name)}: {lev}", e) for lev, e in d["levels"].items()]
            for label, e in entries:
                classes = classes or list(e["mean"])
                rows.append([label] + [Msg("lc_mean_se", mean=Num(e["mean"][c], f"num{digits}"),
                                           se=Num(e["se"][c], f"num{digits}")) for c in classes]
                            + [num(e["wald"]), e["df"], num(e["p"])])
        blocks.append(Table([col("lc_outcome")] + [Column(ctx.segment(c)) for c in classes]
                            + [col("lc_wald", "num2"), col("lc_df", "int"), col("p", "g3")], rows,
                            title=Msg("lc_distal"), id="lc-distal"))
    return blocks


# ---------------------------------------------------------------------- profile

def chart_rows(prof: Mapping[str, Any], limit: int = 25) -> list[Mapping[str, Any]]:
    """The rows profile charts show: basis dimensions, else scale scores, else rating items (at most
    ``limit``)."""
    rows = prof["variables"]
    for section in ("basis", "scale", "likert"):
        sel = [r for r in rows if r["section"] == section]
        if sel:
            return sel[:limit]
    return [r for r in rows if r["stat"] == "mean"][:limit]


def _row_label(ctx: Context, r: Mapping[str, Any]) -> str:
    """The row's label; a bare code (a factor ``F1`` labelled by its id) takes the name the factor stage gave."""
    label = str(r["label"] or "")
    return label if label and label != str(r["variable"]) else ctx.label(r["variable"])


def _letters(cell: Mapping[str, Any]) -> str:
    v = cell.get("letters")
    if not v:
        return ""
    return "".join(map(str, v)) if isinstance(v, (list, tuple)) else str(v)


def _heatmap(ctx: Context, prof: Mapping[str, Any], keys: list[str]) -> Chart:
    rows = chart_rows(prof, limit=30)  # the segmentation dimensions, else the scales, else the rating items
    colors, series_vals = [], {k: [] for k in keys}
    for r in rows:
        sd = num(r["total"].get("sd"))
        tot = num(r["total"]["value"])
        line = []
        for k in keys:
            v = num(r["segments"][k]["value"])
            series_vals[k].append(v)
            line.append(None if v is None or tot is None or not sd else (v - tot) / sd)
        colors.append(line)
    # colours: the standardized difference from the total, per row and segment
    by_series = [[colors[i][j] for i in range(len(rows))] for j in range(len(keys))]
    return Chart("heatmap", Msg("profile_heatmap"), [_row_label(ctx, r) for r in rows],
                 [Series(ctx.segment(k), series_vals[k]) for k in keys], fmt="num2", colors=by_series,
                 note=Msg("heatmap_note"), id="profile-heatmap", y_title=Msg("mean"))


def _perceptual_map(ctx: Context, prof: Mapping[str, Any], keys: list[str]) -> list[Any]:
    """Correspondence analysis of segments x attributes (scale means, else rating-item means)."""
    from ...perceptual import correspondence_analysis

    for section in ("scale", "likert"):
        rows = [r for r in prof["variables"] if r["section"] == section and r["stat"] == "mean"]
        if len(rows) >= 3 and len(keys) >= 3:
            table = pd.DataFrame({_row_label(ctx, r): [num(r["segments"][k]["value"]) for k in keys] for r in rows},
                                 index=keys, dtype=float)
            if table.notna().all().all() and (table.to_numpy() > 0).all():
                break
    else:
        return [Paragraph(Msg("ca_not_drawn"), "note")]
    try:
        ca = correspondence_analysis(table)
    except DataError:
        return [Paragraph(Msg("ca_not_drawn"), "note")]
    pts = [Point(ctx.segment(k), float(ca.rows.at[k, "Dim1"]), float(ca.rows.at[k, "Dim2"]), "segment") for k in keys]
    pts += [Point(a, float(ca.columns.at[a, "Dim1"]), float(ca.columns.at[a, "Dim2"]), "attribute")
            for a in table.columns]
    ex = ca.explained
    return [Chart("scatter", Msg("perceptual_map"), points=pts,
                  x_title=Msg("ca_dim", number=1, share=Num(float(ex[0]), "pct")),
                  y_title=Msg("ca_dim", number=2, share=Num(float(ex[1]) if len(ex) > 1 else 0.0, "pct")),
                  fmt="num2", note=Msg("ca_note", share=Num(float(ex[:2].sum()), "pct")), id="perceptual-map")]


def _card(ctx: Context, prof: Mapping[str, Any], key: str) -> SegmentCard:
    s = prof["segments"][key]
    marked = []
    for r in prof["variables"]:
        c = r["segments"][key]
        eff = num(c.get("effect"))
        if c["mark"] in ("higher", "lower") and eff is not None and r["section"] != "basis":
            marked.append((abs(eff), r, c))
    marked.sort(key=lambda t: -t[0])
    highlights = []
    for _, r, c in marked[:5]:
        fmt = STAT_FMT[r["stat"]]
        label = _row_label(ctx, r) + (f": {r['level_label']}" if r.get("level_label") else "")
        highlights.append(Msg(f"card_{c['mark']}", label=label, value=Num(c["value"], fmt),
                              total=Num(r["total"]["value"], fmt)))
    return SegmentCard(key, str(s["name"]), float(s["n"]), num(s["share"]), s.get("description"),
                       s.get("letter"), highlights)


def _letters_note(prof: Mapping[str, Any]) -> Msg:
    let = prof["letters"]
    return Msg("letters_note", test=Msg("letters_test"), adjust=term("adjust_", let["adjust"]),
               alpha=Num(let["alpha"], "num2"))


def profile_section(ctx: Context) -> Section:
    prof = ctx.results["profile"]
    keys = list(prof["segments"])
    fdr = bool(prof["fdr"])
    has_letters = isinstance(prof.get("letters"), Mapping)
    note = Msg("profile_note", weighted=Msg("profile_note_weighted") if prof["weighted"] else "",
               marks="\u25b2/\u25bc", pname=Msg("p_bh" if fdr else "p_plain"), alpha=Num(prof["alpha"], "num2"))
    blocks: list[Any] = [Paragraph(note, "note")]
    if has_letters:
        blocks.append(Paragraph(_letters_note(prof), "note"))
    no_segment, flagged = prof["excluded"]["no_segment"], prof["excluded"].get("quality_flags", 0)
    if no_segment or flagged:  # the base, and who is not in it (a report handed on says so)
        blocks.append(Paragraph(Msg(
            "profile_base", n=Num(prof["rows_used"], "int"), total=Num(prof["rows_in"], "int"),
            excluded=Msg("profile_head_excluded", n=Num(no_segment, "int")) if no_segment else "",
            flagged=Msg("profile_head_flagged", n=Num(flagged, "int")) if flagged else ""), "note"))
    if "segment" not in ctx.results:
        blocks.extend(sizes_blocks(ctx))
    pkey = "p_adj" if fdr else "p"
    cols = [col("variable"), col("total")]
    groups: list[tuple[Any, int]] = [("", 1), (Msg("total_n", n=Num(prof["rows_used"], "int")), 1)]
    for k in keys:
        s = prof["segments"][k]
        letter = f" ({s['letter']})" if s.get("letter") else ""
        groups.append((Msg("segment_n", segment=ctx.segment(k) + letter, n=Num(s["n"], "int")), 4))
        cols += [col("value"), col("index", "index"), col(pkey, "p"), Column(Msg("sig"), nowrap=True)]
    rows, styles, sections = [], [], {}
    section = None
    for r in prof["variables"]:
        if r["section"] != section:
            section = r["section"]
            sections[len(rows)] = Msg(f"section_{section}")
        fmt = STAT_FMT[r["stat"]]
        label = _row_label(ctx, r) + (f": {r['level_label']}" if r.get("level_label") else "")
        row: list[Any] = [label, Num(r["total"]["value"], fmt)]
        st: list[str | None] = [None, None]
        for k in keys:
            c = r["segments"][k]
            mark = c["mark"]
            arrow = {"higher": "\u25b2", "lower": "\u25bc"}.get(mark, "")
            sig = " ".join(x for x in (arrow, _letters(c)) if x)
            row += [Num(c["value"], fmt), num(c["index"]), num(c[pkey]), sig or None]
            st += [mark if mark in ("higher", "lower") else None, None, None, None]
        rows.append(row)
        styles.append(st)
    blocks.append(Table(cols, rows, title=Msg("profile_table"), styles=styles, sections=sections, groups=groups,
                        sticky=1, id="profile"))
    blocks.append(Paragraph(Msg("profile_legend"), "note"))
    blocks.append(_heatmap(ctx, prof, keys))
    blocks.extend(_perceptual_map(ctx, prof, keys))
    rows_c = chart_rows(prof)
    labels = [_row_label(ctx, r) for r in rows_c]
    totals = [num(r["total"]["value"]) for r in rows_c]
    for k in keys:
        blocks.append(_card(ctx, prof, k))
        blocks.append(Chart("bar", Msg("profile_chart_of", segment=ctx.segment(k)), labels,
                            [Series(Msg("total"), totals), Series(ctx.segment(k),
                                                                 [num(r["segments"][k]["value"]) for r in rows_c])],
                            fmt="num2", x_title=Msg("mean"), id=f"profile-{k}"))
    return Section("profiles", Msg("profiles"), blocks)


def _short_label(label: str, level: Any, width: int) -> str:
    """``label: level`` in at most ``width`` characters, shortening the label first (the level is what tells
    the rows of one question apart)."""
    lab = " ".join(label.split())
    if not level:
        return lab if len(lab) <= width else lab[: width - 1] + "\u2026"
    lev = " ".join(str(level).split())
    if len(lev) > width // 2:
        lev = lev[: width // 2 - 1] + "\u2026"
    room = width - len(lev) - 2
    if len(lab) > room:
        lab = lab[: max(room - 1, 1)] + "\u2026"
    return f"{lab}: {lev}"


def profile_brief(ctx: Context, width: int = 38) -> Section:
    """The profile for a terminal: one value per segment with + / - for significantly higher / lower."""
    prof = ctx.results["profile"]
    keys = list(prof["segments"])
    no_segment, flagged = prof["excluded"]["no_segment"], prof["excluded"].get("quality_flags", 0)
    head = Msg("profile_head", n=prof["rows_used"], k=prof["k"],
               excluded=Msg("profile_head_excluded", n=Num(no_segment, "int")) if no_segment else "",
               flagged=Msg("profile_head_flagged", n=Num(flagged, "int")) if flagged else "",
               weighted=Msg("profile_head_weighted") if prof["weighted"] else "")
    marks = Msg("profile_marks", pname=Msg("p_bh" if prof["fdr"] else "p_plain"), alpha=Num(prof["alpha"], "num2"))
    letter = {k: prof["segments"][k].get("letter") for k in keys}
    cols = [col("variable"), col("total")] + [Column(f"{k} ({letter[k]})" if letter[k] else str(k)) for k in keys]
    rows, styles, sections = [[Msg("n"), Num(prof["rows_used"], "int")] + [Num(prof["segments"][k]["n"], "int")
                                                                          for k in keys]], [[None] * len(cols)], {}
    suffixes: list[list[str | None]] = [[None] * len(cols)]
    section = None
    for r in prof["variables"]:
        if r["section"] != section:
            section = r["section"]
            sections[len(rows)] = Msg(f"section_{section}")
        fmt = STAT_FMT[r["stat"]]
        rows.append([_short_label(_row_label(ctx, r), r.get("level_label"), width),
                     Num(r["total"]["value"], fmt)] + [Num(r["segments"][k]["value"], fmt) for k in keys])
        styles.append([None, None] + [r["segments"][k]["mark"] for k in keys])
        suffixes.append([None, None] + [_letters(r["segments"][k]) or None for k in keys])
    notes = [Paragraph(head), Paragraph(marks, "note")]
    if isinstance(prof.get("letters"), Mapping):
        let = prof["letters"]
        notes.append(Paragraph(Msg("profile_letters", adjust=term("adjust_", let["adjust"]),
                                   alpha=Num(let["alpha"], "num2")), "note"))
    return Section("profiles", Msg("profile_table"), notes + [
        Table(cols, rows, styles=styles, sections=sections, suffixes=suffixes, id="profile-brief")])


# ---------------------------------------------------------------------- typing tool

def _excluded_facts(ctx: Context, excluded: Any) -> list[Fact]:
    """One fact per reason rows were left out, in English only (the reasons are the library's words)."""
    if not isinstance(excluded, Mapping) or ctx.lang != "en":
        return []
    return [Fact(Msg("fa_excluded_reason", reason=str(r)), n, "int") for r, n in excluded.items() if n]


def typing_tool_section(ctx: Context) -> Section:
    """The typing tool: accuracy (cross-validated, on the training data, nested), respondents, the questions
    with the accuracy curve, accuracy by segment and the confusion table."""
    tt = ctx.results["typing_tool"]
    facts = [Fact(Msg("tt_items"), len(tt["items"]), "int")]
    if isinstance(tt.get("segments"), list):
        facts.append(Fact(Msg("k"), len(tt["segments"]), "int"))
    facts.append(Fact(Msg("tt_accuracy"), num(tt["accuracy"]), "pct"))
    if tt.get("folds") is not None:
        facts.append(Fact(Msg("tt_folds"), tt["folds"], "int"))
    if tt.get("nested_accuracy") is not None:
        facts.append(Fact(Msg("tt_nested"), num(tt["nested_accuracy"]), "pct"))
    if tt.get("resubstitution_accuracy") is not None:
        facts.append(Fact(Msg("tt_resubstitution"), num(tt["resubstitution_accuracy"]), "pct"))
    if tt.get("rows_in") is not None:
        facts.append(Fact(Msg("seg_rows_in"), tt["rows_in"], "int"))
    if tt.get("rows_used") is not None:
        facts.append(Fact(Msg("tt_rows_used"), tt["rows_used"], "int"))
    if tt.get("rows_excluded") is not None:
        facts.append(Fact(Msg("rows_excluded"), tt["rows_excluded"], "int"))
        facts += _excluded_facts(ctx, tt.get("excluded"))
    if tt.get("imputed_answers"):
        facts.append(Fact(Msg("tt_imputed"), tt["imputed_answers"], "int"))
    if tt.get("seed") is not None:
        facts.append(Fact(Msg("seed"), str(tt["seed"])))
    blocks: list[Any] = [Facts(facts, deck=True), Paragraph(Msg("tt_note"), "note")]
    curve = [c for c in tt.get("curve") or [] if c.get("item") is not None]
    if curve:  # every step of the search, the chosen one marked
        marked = any("selected" in c for c in curve)
        rows = [[c["n_items"], c["item"], ctx.labels.get(c["item"]), num(c["accuracy"])]
                + ([Msg("tt_selected") if c.get("selected") else None] if marked else []) for c in curve]
    else:
        marked = False
        rows = [[i + 1, item, ctx.labels.get(item), None] for i, item in enumerate(tt["items"])]
    texts = any(r[2] for r in rows)
    rows = [r[:2] + r[3:] if not texts else r for r in rows]
    blocks.append(Table([col("tt_order", "int"), col("item")] + ([col("text")] if texts else [])
                        + [col("tt_accuracy_after", "pct")] + ([col("tt_chosen")] if marked else []), rows,
                        title=Msg("tt_questions"), id="typing-items", deck=True))
    if curve:
        blocks.append(Chart("line", Msg("tt_curve"), [str(c["n_items"]) for c in curve],
                            [Series(Msg("tt_accuracy"), [num(c["accuracy"]) for c in curve])], fmt="pct",
                            x_title=Msg("tt_n_items"), y_title=Msg("tt_accuracy"), id="typing-curve"))
    hit = tt.get("hit_rates")
    if isinstance(hit, Mapping):
        blocks.append(Table([col("segment"), col("tt_hit_rate", "pct")], [[ctx.segment(k), num(v)] for k, v in hit.items()],
                            title=Msg("tt_hit_rates"), id="typing-hits"))
    conf = tt.get("confusion")
    if isinstance(conf, Mapping):
        ks = list(conf)
        blocks.append(Table([col("tt_actual")] + [Column(ctx.segment(k), "num1") for k in ks],
                            [[ctx.segment(a)] + [num(conf[a][p]) for p in ks] for a in ks], title=Msg("tt_confusion"),
                            note=Msg("tt_confusion_note"), id="typing-confusion"))
    skipped = tt.get("skipped")
    if isinstance(skipped, Mapping) and skipped:
        english = ctx.lang == "en"  # the reasons are the library's words
        blocks.append(Table([col("item")] + ([col("reason")] if english else []),
                            [[str(k)] + ([str(v)] if english else []) for k, v in skipped.items()],
                            title=Msg("tt_skipped"), id="typing-skipped"))
    return Section("typing-tool", Msg("typing_tool"), blocks)


def _assigned_blocks(ctx: Context, res: Mapping[str, Any], rows_out: str) -> list[Any]:
    facts = [Fact(Msg("rows_in"), res["rows_in"], "int"), Fact(Msg("assigned"), res[rows_out], "int"),
             Fact(Msg("rows_excluded"), res["rows_excluded"], "int")]
    facts += _excluded_facts(ctx, res.get("excluded"))
    blocks: list[Any] = [Facts(facts)]
    sizes = res.get("sizes") or {}
    if sizes:
        blocks.append(Table([col("segment"), col("n", "int")], [[ctx.segment(k), v] for k, v in sizes.items()],
                            title=Msg("sizes"), id="assigned-sizes"))
    return blocks


def typing_assign_section(ctx: Context) -> Section:
    """A typing-tool scoring run (:class:`~surveytools.typing_tool.AssignResult`): rows assigned, sizes and
    the answers replaced by the training mean per golden question."""
    res = ctx.results["typing_assign"]
    blocks = _assigned_blocks(ctx, res, "rows_assigned")
    imp, bad = res.get("imputed_by_item") or {}, res.get("invalid_by_item") or {}
    if any(imp.values()):
        blocks.append(Table([col("item"), col("tt_imputed_item", "int"), col("tt_invalid_item", "int")],
                            [[str(k), v, bad.get(k, 0)] for k, v in imp.items() if v], title=Msg("tt_imputed_title"),
                            id="assigned-imputed"))
    return Section("assign", Msg("assign_title"), blocks)


def segment_assign_section(ctx: Context) -> Section:
    """Segments of new rows from a saved segmentation model (``surveytools assign``)."""
    res = ctx.results["segment_assign"]
    blocks = [Paragraph(Msg("assign_model", method=term("method_", res["method"]), model=str(res["model"])))]
    blocks += _assigned_blocks(ctx, res, "rows_assigned")
    if ctx.lang == "en":  # the library's own notes
        blocks += [Paragraph(str(n), "note") for n in res.get("notes") or []]
    return Section("assign", Msg("assign_title"), blocks)


def customer_assign_section(ctx: Context) -> Section:
    """Customers scored with a saved CRM segment model (``surveytools assign`` with a crm extend model)."""
    res = ctx.results["customer_assign"]
    blocks = _assigned_blocks(ctx, res, "rows_assigned")
    blocks.append(Paragraph(Msg("cust_assign_note", p=Num(res["min_probability"], "num2")), "note"))
    return Section("assign", Msg("cust_assign_title"), blocks)


def segment_evaluate_section(ctx: Context) -> Section:
    """Existing segments judged on a basis (``segment --evaluate FILE``): the criteria of the segment stage and
    each segment's size and centroid."""
    ev = ctx.results["segment_evaluate"]
    basis = ev["basis"]
    c = ev["criteria"]
    facts = [Fact(Msg("basis"), term("basis_", basis["kind"], columns=", ".join(map(str, basis["columns"])))),
             Fact(Msg("seg_rows_in"), ev["rows_in"], "int"), Fact(Msg("eval_rows"), ev["rows_evaluated"], "int")]
    if ctx.lang == "en":  # the reasons are the library's English words
        facts += [Fact(Msg("fa_excluded_reason", reason=str(r)), n, "int") for r, n in ev["excluded"].items() if n]
    facts.append(Fact(Msg("k"), ev["k"], "int"))
    facts += [Fact(Msg(k), num(c[k]), _CRITERION_FMT.get(k, "num")) for k in ("silhouette", "calinski_harabasz",
                                                                             "davies_bouldin", "bic", "min_share")
              if k in c]
    cols = [str(x) for x in basis["columns"]]
    rows = [[ctx.segment(k), size["n"], num(size["share"])] + [num(ev["centroids"][k][x]) for x in cols]
            for k, size in ev["sizes"].items()]
    table = Table([col("segment"), col("n", "int"), col("share", "pct")] + [Column(x, "num2") for x in cols], rows,
                  title=Msg("centroids"), id="evaluate")
    return Section("segments", Msg("eval_title", file=str(ev.get("path", ""))), [Facts(facts), table])
