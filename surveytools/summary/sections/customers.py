"""Sections about customers: the CRM match and the voice of the customer (NPS, CSAT, drivers, words,
customer KPIs by segment)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from ...text.pii import mask_pii
from ..document import Chart, Column, Fact, Facts, Msg, Num, Paragraph, Point, Section, Series, Table
from ._common import Context, col, num, term

__all__ = ["crm_section", "voc_section", "nps_chart"]


def crm_section(ctx: Context) -> Section:
    crm = ctx.results["crm"]
    facts = [Fact(Msg("crm_key"), term("crm_key_", crm["key"]["kind"]) if isinstance(crm.get("key"), Mapping)
                  else None)] if isinstance(crm.get("key"), Mapping) else []
    if "survey_rows_in" in crm:
        facts.append(Fact(Msg("crm_survey_rows_in"), crm["survey_rows_in"], "int"))
    for reason, n in (crm.get("survey_excluded") or {}).items():
        facts.append(Fact(term("crm_excluded_", reason), n, "int"))
    facts += [Fact(Msg("matched"), crm["matched"], "int"), Fact(Msg("match_rate"), num(crm["match_rate"]), "pct"),
              Fact(Msg("unmatched_survey"), crm["unmatched_survey"], "int"),
              Fact(Msg("unmatched_crm"), crm["unmatched_crm"], "int")]
    if "crm_rows_in" in crm:
        facts.append(Fact(Msg("crm_rows_in"), crm["crm_rows_in"], "int"))
    dup = crm["duplicates"]
    facts.append(Fact(Msg("duplicates"), Msg("crm_duplicates", survey=Num(dup["survey"], "int"),
                                             crm=Num(dup["crm"], "int"))))
    blocks: list[Any] = [Facts(facts, deck=True), Paragraph(Msg("crm_rules"), "note")]
    if crm.get("pseudonymized"):
        blocks.append(Paragraph(Msg("crm_pseudonymized", columns=", ".join(crm["pseudonymized"])), "note"))
    if ctx.terminal and crm.get("output"):  # where the joined file went
        blocks.append(Paragraph(f"-> {crm['output']}"))
    return Section("crm", Msg("crm"), blocks)


# ---------------------------------------------------------------------- crm extend

def crm_extend_section(ctx: Context) -> Section:
    """How reliable the segment of customers who did not answer is, per segment (``crm extend``)."""
    ext = ctx.results["crm_extend"]
    n = max(int(ext["customers"]), 1)
    facts = [Fact(Msg("ext_customers"), ext["customers"], "int"),
             Fact(Msg("ext_from_survey"), ext["from_survey"], "int"),
             Fact(Msg("ext_from_model"), Msg("ext_count_share", n=Num(ext["from_model"], "int"),
                                             share=Num(ext["from_model"] / n, "pct0"))),
             Fact(Msg("ext_unassigned"), Msg("ext_unassigned_value", n=Num(ext["unassigned"], "int"),
                                             p=Num(ext["min_probability"], "num2"))),
             Fact(Msg("ext_model"), term("ext_model_", ext["model"])),
             Fact(Msg("ext_cv_accuracy"), num(ext["cv_accuracy"]), "pct")]
    facts += [Fact(Msg(f"ext_{k}"), num(ext[k]), "num3") for k in ("cv_log_loss", "brier") if ext.get(k) is not None]
    facts.append(Fact(Msg("ext_disagreements"), ext["disagreements"], "int"))
    blocks: list[Any] = [Facts(facts, deck=True),
                         Paragraph(Msg("ext_intro", acc=Num(ext["cv_accuracy"], "pct0"), folds=ext["folds"],
                                       n=Num(ext["respondents"], "int")))]
    rel = ext["reliability"]["segments"]
    rows = [[ctx.segment(r["segment"]), r["respondents"], num(r["recall"]), num(r["precision"]),
             r["customers_from_model"], num(r["mean_probability"]), term("ext_verdict_", r["verdict_code"])]
            for r in rel]
    blocks.append(Table([col("segment"), col("ext_respondents", "int"), col("ext_recall", "pct"),
                         col("ext_precision", "pct"), col("ext_customers_model", "int"),
                         col("ext_mean_probability", "num2"), col("ext_verdict")], rows,
                        title=Msg("ext_reliability"), id="crm-extend", deck=True,
                        note=Msg("ext_reliability_note", threshold=Num(ext["recall_warning_below"], "pct0"))))
    weak = [ctx.segment(s) for s in ext["weak_segments"]]
    if weak:
        blocks.append(Paragraph(Msg("ext_weak", segments=", ".join(weak))))
    cands = ext.get("candidates")
    if isinstance(cands, Mapping) and len(cands) > 1:
        blocks.append(Table([col("ext_model"), col("ext_cv_accuracy", "pct"), col("ext_cv_log_loss", "num3"),
                             col("ext_brier", "num3")],
                            [[term("ext_model_", k), num(v["cv_accuracy"]), num(v["cv_log_loss"]), num(v.get("brier"))]
                             for k, v in cands.items()], title=Msg("ext_candidates"), id="crm-extend-candidates"))
    feats = ext["features"]
    blocks.append(Table([col("ext_feature"), col("ext_kind"), col("ext_importance", "num4" if ctx.terminal else "num")],
                        [[f["name"], term("ext_kind_", f["kind"]), num(f["importance"])] for f in feats],
                        title=Msg("ext_features"), id="crm-extend-features", note=Msg("ext_importance_note")))
    dropped = ext.get("excluded_columns")
    if isinstance(dropped, Mapping) and dropped:
        english = ctx.lang == "en"  # the reasons are the library's English words
        blocks.append(Table([col("ext_not_feature")] + ([col("reason")] if english else []),
                            [[str(c)] + ([str(why)] if english else []) for c, why in dropped.items()],
                            title=Msg("ext_not_features"), id="crm-extend-excluded"))
    blocks.append(Paragraph(Msg("ext_limits"), "note"))
    if ctx.terminal:  # where the files went
        files = [Fact(Msg(f"ext_{k}_file"), str(ext[k])) for k in ("output", "sql") if ext.get(k)]
        if files:
            blocks.append(Facts(files))
    return Section("crm_extend", Msg("crm_extend"), blocks)


# ---------------------------------------------------------------------- voc

def nps_chart(ctx: Context, values: list[tuple[str, float | None]]) -> Chart:
    return Chart("bar", Msg("nps_by_segment"), [ctx.segment(k) for k, _ in values],
                 [Series("NPS", [v for _, v in values])], x_title=Msg("nps_axis"), fmt="num1", id="nps")


def _csat_definition(text: str) -> Msg:
    m = re.search(r"top (\d+) box(?:es)? \(([^)]*)\)", text)
    if m:
        return Msg("csat_def_top", k=m.group(1), codes=m.group(2))
    return Msg("csat_def_mean") if "mean" in text else Msg("csat_def_other")


_KPIS = (("customers", "int"), ("purchase_frequency", "num1"), ("revenue_per_customer", "num1"),
         ("average_order_value", "num1"), ("discounts_per_customer", "num1"), ("discount_users_pct", "pct100"),
         ("mean_R", "num2"), ("mean_F", "num2"), ("mean_M", "num2"))


def voc_section(ctx: Context) -> Section:
    voc = ctx.results["voc"]
    segs = voc["segments"]
    keys = list(segs)
    total = voc.get("total") or {}
    entries = [(k, segs[k]) for k in keys] + ([("total", total)] if total else [])
    name = lambda k: Msg("total") if k == "total" else ctx.segment(k)  # noqa: E731
    blocks: list[Any] = []
    nps_vals = [(k, num(m["nps"]["nps"])) for k, m in segs.items() if isinstance(m.get("nps"), Mapping)]
    if nps_vals:
        blocks.append(nps_chart(ctx, nps_vals))
    cols = [col("segment"), col("n", "int")]
    has_nps = any(isinstance(m.get("nps"), Mapping) for _, m in entries)
    has_csat = any(isinstance(m.get("csat"), Mapping) for _, m in entries)
    if has_nps:
        cols += [Column("NPS", "num1"), col("ci_low", "num1"), col("ci_high", "num1"), col("promoters", "pct100"),
                 col("passives", "pct100"), col("detractors", "pct100")]
    if has_csat:
        cols += [Column("CSAT", "num1"), col("csat_ci_low", "num1"), col("csat_ci_high", "num1")]
    rows = []
    for k, m in entries:
        row: list[Any] = [name(k), m["n"]]
        if has_nps:
            n = m.get("nps") or {}
            row += [num(n.get("nps")), num(n.get("ci_low")), num(n.get("ci_high")), num(n.get("promoters")),
                    num(n.get("passives")), num(n.get("detractors"))]
        if has_csat:
            c = m.get("csat") or {}
            row += [num(c.get("csat")), num(c.get("ci_low")), num(c.get("ci_high"))]
        rows.append(row)
    blocks.append(Table(cols, rows, title=Msg("voc_headline"), id="voc-headline", deck=True))
    notes = []
    if has_nps:
        notes.append(Msg("nps_definition"))
    if has_csat:
        c = next(m["csat"] for _, m in entries if isinstance(m.get("csat"), Mapping))
        notes.append(Msg("csat_definition", definition=_csat_definition(str(c["definition"]))))
    blocks.extend(Paragraph(n, "note") for n in notes)
    blocks.extend(_drivers(ctx, voc, keys))
    blocks.extend(_terms(ctx, segs, keys))
    blocks.extend(_themes(ctx, voc, keys))
    blocks.extend(_kpis(ctx, entries, name))
    return Section("voc", Msg("voc"), blocks)


def _drivers(ctx: Context, voc: Mapping[str, Any], keys: list[str]) -> list[Any]:
    total = (voc.get("total") or {}).get("drivers")
    if not isinstance(total, Mapping):
        return []
    w = total["weights"]
    drivers = sorted(w, key=lambda d: -float(w[d]["share"]))
    out: list[Any] = [Chart("bar", Msg("driver_importance"), [ctx.label(d) for d in drivers],
                            [Series(Msg("driver_share"), [num(w[d]["share"]) for d in drivers])], fmt="num1",
                            x_title=Msg("driver_share_axis"), id="drivers")]
    rows = [[ctx.label(d), num(w[d]["share"]), num(w[d]["weight"]), num(w[d]["beta"]), num(w[d]["r"])] for d in drivers]
    out.append(Table([col("driver"), col("driver_share", "pct100"), col("driver_weight", "num"), col("beta", "num"),
                      col("r", "num")], rows, title=Msg("drivers_total", r2=Num(total["r2"], "num2")), id="drivers",
                     note=Msg("drivers_note", outcome=Msg("driver_outcome"))))
    # importance x performance: performance is the driver's total mean in the profile (scale scores)
    perf: dict[str, float] = {}
    if "profile" in ctx.results:
        for r in ctx.results["profile"]["variables"]:
            if r["stat"] == "mean" and r["variable"] in w and r["section"] in ("scale", "basis"):
                perf[r["variable"]] = num(r["total"]["value"])
    if perf and all(perf.get(d) is not None for d in drivers):
        pts = [Point(ctx.label(d), float(w[d]["share"]), float(perf[d]), "driver") for d in drivers]
        xs = [p.x for p in pts]
        ys = [p.y for p in pts]
        out.append(Chart("scatter", Msg("quadrant"), points=pts, x_title=Msg("driver_share_axis"),
                         y_title=Msg("performance"), fmt="num1", quadrant=(sum(xs) / len(xs), sum(ys) / len(ys)),
                         note=Msg("quadrant_note"), id="quadrant"))
    else:
        out.append(Paragraph(Msg("quadrant_not_drawn"), "note"))
    seg_w = {k: voc["segments"][k].get("drivers") for k in keys}
    if all(isinstance(v, Mapping) for v in seg_w.values()):
        out.append(Table([col("driver")] + [Column(ctx.segment(k), "pct100") for k in keys],
                         [[ctx.label(d)] + [num(seg_w[k]["weights"][d]["share"]) for k in keys] for d in drivers],
                         title=Msg("drivers_by_segment"), id="drivers-segments"))
    return out


def _terms(ctx: Context, segs: Mapping[str, Any], keys: list[str]) -> list[Any]:
    rows = []
    for k in keys:
        t = segs[k].get("terms")
        if isinstance(t, Mapping):
            # comments are masked again here (e-mails, phones), also when the results were written without it
            rows.append([ctx.segment(k), t["comments"], ", ".join(str(x["term"]) for x in t["terms"][:8]),
                         " \u2022 ".join(str(mask_pii(str(e if isinstance(e, str) else e.get("text", "")), ctx.lang))
                                         for e in (t.get("examples") or [])[:2])])
    if not rows:
        return []
    return [Table([col("segment"), col("comments", "int"), col("terms"), col("examples")], rows,
                  title=Msg("voc_terms"), note=Msg("terms_note"), id="voc-terms", deck=True)]


def _themes(ctx: Context, voc: Mapping[str, Any], keys: list[str]) -> list[Any]:
    """Theme shares (themes and the uncoded; total and segments, marked against the rest) and quotes."""
    themes = voc.get("themes")
    if not isinstance(themes, Mapping) or not themes:
        return []
    segs = voc["segments"]
    st = (voc.get("settings") or {}).get("themes") or {}
    rows, styles = [], []
    for key in [*themes, None]:
        overall = voc["uncoded"] if key is None else themes[key]
        cells = [(segs[k]["uncoded"] if key is None else segs[k]["themes"][key]) for k in keys]
        rows.append([Msg("voc_uncoded") if key is None else str(overall["label"]), num(overall["share"])]
                    + [num(c["share"]) for c in cells])
        styles.append([None, None] + [c.get("mark") for c in cells])  # shown as colour, or +/- in text
    source = str(st.get("source", ""))
    out: list[Any] = [Table([col("theme"), Column(Msg("total"), "pct100")] + [Column(ctx.segment(k), "pct100")
                                                                              for k in keys],
                            rows, title=Msg("voc_themes"), styles=styles, id="voc-themes",
                            deck=True, note=Msg("voc_themes_note", source=source,
                                                n=Num(st.get("comments", 0), "int")))]
    quotes = []
    for key, t in themes.items():
        quotes += [[str(t["label"]), Msg("total"), q] for q in t.get("quotes") or []]
        for k in keys:
            quotes += [[str(t["label"]), ctx.segment(k), q] for q in segs[k]["themes"][key].get("quotes") or []]
    if quotes:
        out.append(Table([col("theme"), col("segment"), col("quote")], quotes, title=Msg("voc_quotes"),
                         id="voc-quotes"))
    found = voc.get("discovered_themes")
    if isinstance(found, Mapping) and found:
        out.append(Table([col("theme"), col("top_terms")],
                         [[str(d["label"]), ", ".join(str(t["term"]) for t in d["terms"])] for d in found.values()],
                         title=Msg("voc_discovered"), note=Msg("voc_discovered_note"), id="voc-discovered"))
    return out


_DEFAULT_RFM = ("Champions", "Loyal", "New or promising", "At risk", "Hibernating", "Needs attention")


def _rfm_label(name: str) -> Any:
    """The default RFM segment names are translated; names a user gave stay as written."""
    return Msg("rfm_" + name.lower().replace(" ", "_")) if name in _DEFAULT_RFM else name


def _kpis(ctx: Context, entries: list[tuple[str, Mapping[str, Any]]], name: Any) -> list[Any]:
    with_crm = [(k, m["crm"]) for k, m in entries if isinstance(m.get("crm"), Mapping)]
    if not with_crm:
        return []
    kpis = [(k, f) for k, f in _KPIS if any(k in c for _, c in with_crm)]
    out: list[Any] = [Table([col("segment")] + [col(f"kpi_{k}", f) for k, f in kpis],
                            [[name(k)] + [num(c.get(kk)) for kk, _ in kpis] for k, c in with_crm],
                            title=Msg("voc_kpis"), note=Msg("kpis_note"), id="voc-kpis")]
    for mix in ("loyalty_tier_mix", "channel_mix", "rfm_segment_mix"):
        cats: list[str] = []
        for _, c in with_crm:
            cats.extend(x for x in (c.get(mix) or {}) if x not in cats)
        if not cats:
            continue
        label = _rfm_label if mix == "rfm_segment_mix" else str
        out.append(Table([col("segment")] + [Column(label(x), "pct100") for x in cats],
                         [[name(k)] + [num((c.get(mix) or {}).get(x)) for x in cats] for k, c in with_crm],
                         title=Msg(f"kpi_{mix}"), id=f"voc-{mix}"))
    return out
