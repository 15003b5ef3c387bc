"""Sections about the data and the measures: overview, data quality, reliability, factors."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..document import Chart, Column, Fact, Facts, Msg, Num, Paragraph, Section, Series, Table
from ._common import Context, col, num, reading, term

__all__ = ["overview_section", "import_section", "draft_section", "quality_section", "exclusions_section", "exclusion_blocks", "reliability_section",
           "reliability_blocks", "scale_reliability_section", "short_col", "factor_section"]


def overview_section(ctx: Context) -> Section:
    """Key facts of every stage that ran, then the segments at a glance."""
    res = ctx.results
    sample: list[Fact] = []
    method: list[Fact] = []
    if "import" in res:
        with reading("import", "the summary"):
            imp = res["import"]
            sample.append(Fact(Msg("ov_format"), term("format_", imp["format"])))
            sample.append(Fact(Msg("ov_rows_in"), imp["rows_in"], "int"))
    if "quality" in res:
        with reading("quality", "the summary"):
            q = res["quality"]
            sample.append(Fact(Msg("ov_respondents"), q["respondents"], "int"))
            sample.append(Fact(Msg("ov_flagged"), q["flagged"], "int"))
            ex = q.get("exclusions")
            if isinstance(ex, Mapping):
                sample.append(Fact(Msg("ov_excluded"), ex["rows_excluded"], "int"))
    if "profile" in res:
        with reading("profile", "the summary"):
            prof = res["profile"]
            sample.append(Fact(Msg("ov_profiled"), prof["rows_used"], "int"))
            if prof["rows_excluded"]:
                sample.append(Fact(Msg("unassigned"), prof["rows_excluded"], "int"))
    if "crm" in res:
        with reading("crm", "the summary"):
            sample.append(Fact(Msg("ov_match_rate"), num(res["crm"]["match_rate"]), "pct"))
    if "reliability" in res:
        with reading("reliability", "the summary"):
            for name, s in res["reliability"]["scales"].items():
                method.append(Fact(Msg("ov_alpha", scale=ctx.label(name)), num(s["alpha"]), "num2"))
    if "factor" in res:
        with reading("factor", "the summary"):
            method.append(Fact(Msg("ov_factors"), res["factor"]["n_factors"], "int"))
    if "segment" in res:
        with reading("segment", "the summary"):
            seg = res["segment"]
            method.append(Fact(Msg("ov_k"), seg["k"], "int"))
            method.append(Fact(Msg("ov_method"), term("method_", seg["method"])))
    if "typing_tool" in res:
        with reading("typing_tool", "the summary"):
            tt = res["typing_tool"]
            method.append(Fact(Msg("ov_typing", n=len(tt["items"])), num(tt["accuracy"]), "pct"))
    blocks: list[Any] = []
    if sample:
        blocks.append(Facts(sample, title=Msg("deck_sample"), deck=True))
    if method:
        blocks.append(Facts(method, title=Msg("deck_method"), deck=True))
    return Section("summary", Msg("summary"), blocks)


# ---------------------------------------------------------------------- import

#: Unknown answer labels listed (the first ones; the JSON has them all).
_UNKNOWN_ROWS = 10


def import_section(ctx: Context) -> Section:
    """What the import read and mapped (``ImportReport.summary()``): the file, rows, id and weight columns,
    columns used, kept and left out, and the answers whose label the questionnaire does not know."""
    imp = ctx.results["import_report"]
    facts = [Fact(Msg("imp_file"), str(imp["path"]))]
    if imp.get("sheet"):
        facts.append(Fact(Msg("imp_sheet"), str(imp["sheet"])))
    facts += [Fact(Msg("ov_format"), term("format_", imp["format"])),
             Fact(Msg("imp_header_rows"), imp["header_rows"], "int"),
             Fact(Msg("ov_rows_in"), imp["rows_in"], "int"), Fact(Msg("imp_rows_out"), imp["rows_out"], "int")]
    blank = (imp.get("rows_excluded") or {}).get("blank")
    if blank:
        facts.append(Fact(Msg("imp_blank_rows"), blank, "int"))
    facts.append(Fact(Msg("imp_id"), imp["respondent_id"] or Msg("imp_row_number")))
    if imp.get("weight"):
        facts.append(Fact(Msg("imp_weight"), imp["weight"]))
    facts += [Fact(Msg("imp_items"), len(imp["columns"]), "int"), Fact(Msg("imp_metadata"), len(imp["metadata"]), "int"),
              Fact(Msg("imp_unused"), len(imp["unused_columns"]), "int")]
    blocks: list[Any] = [Facts(facts)]
    unknown = imp.get("unknown_labels") or {}
    labels = unknown.get("labels") or []
    if labels:
        blocks.append(Table([col("imp_column"), col("imp_first_row", "int"), col("imp_label"), col("item"),
                             col("count", "int")],
                            [[u["column"], u["first_row"], str(u["label"]), u["item"], u["count"]]
                             for u in labels[:_UNKNOWN_ROWS]],
                            title=Msg("imp_unknown", n=Num(unknown["count"], "int"), k=Num(len(labels), "int")),
                            id="import-unknown"))
    return Section("import", Msg("import"), blocks)


#: Guesses listed by the draft's summary (every one is marked '# guessed' in the file).
_GUESS_ROWS = 15


def draft_section(ctx: Context) -> Section:
    """A drafted questionnaire (``surveytools init``): what was read, the items by type, option sets, scales,
    columns left out and the guesses to check."""
    d = ctx.results["draft"]
    types: dict[str, int] = {}
    for it in d["items"].values():
        types[it["type"]] = types.get(it["type"], 0) + 1
    facts = [Fact(Msg("imp_file"), str(d["source"])), Fact(Msg("ov_format"), term("format_", d["format"])),
             Fact(Msg("draft_rows"), d["rows"], "int"), Fact(Msg("draft_language"), str(d["language"])),
             Fact(Msg("draft_items"), len(d["items"]), "int")]
    facts += [Fact(Msg("draft_items_of", type=str(t)), n, "int") for t, n in types.items()]
    facts += [Fact(Msg("draft_option_sets"), len(d["option_sets"]), "int"),
              Fact(Msg("draft_scales"), len(d["scales"]), "int"), Fact(Msg("draft_skipped"), len(d["skipped"]), "int"),
              Fact(Msg("draft_guesses"), len(d["guesses"]), "int")]
    blocks: list[Any] = [Facts(facts)]
    english = ctx.lang == "en"  # the notes and guesses are the library's English words (as in the file)
    if english:
        blocks += [Paragraph(str(n), "note") for n in d.get("notes") or []]
    guesses = d["guesses"]
    if guesses:
        blocks.append(Table([col("draft_where")] + ([col("message")] if english else []),
                            [[str(g["where"])] + ([str(g["message"])] if english else [])
                             for g in guesses[:_GUESS_ROWS]], title=Msg("draft_guesses_title"),
                            note=Msg("draft_more", n=Num(len(guesses) - _GUESS_ROWS, "int"))
                            if len(guesses) > _GUESS_ROWS else None, id="draft-guesses"))
    return Section("draft", Msg("draft_title"), blocks)


# ---------------------------------------------------------------------- quality

_FLAG_SETTINGS = {"speeder": "speeder_fraction", "high-missing": "max_missing", "partial": "min_answered",
                  "longstring": "longstring", "straightlining": "straightline_min_items"}


def _flag_definition(code: str, settings: Mapping[str, Any]) -> Msg | None:
    from ...report.i18n import STRINGS

    if f"flagdef_{code}" not in STRINGS["en"]:  # a check the report has no definition for
        return None
    key = _FLAG_SETTINGS.get(code)
    value = settings.get(key) if key else None
    if value is None:
        return Msg(f"flagdef_{code}", value="")
    fmt = "pct0" if key in ("max_missing", "min_answered") else "num2" if isinstance(value, float) else "int"
    return Msg(f"flagdef_{code}", value=Num(value, fmt))


def exclusion_blocks(ex: Mapping[str, Any]) -> list[Any]:
    """Who the quality stage dropped and why (an :class:`~surveytools.quality.Exclusions` as a dict)."""
    if not ex["codes"]:
        return [Paragraph(Msg("no_exclusions", n=Num(ex["rows_in"], "int")))]
    by_reason = ex["by_reason"]
    blocks: list[Any] = [
        Facts([Fact(Msg("rows_in"), ex["rows_in"], "int"), Fact(Msg("rows_out"), ex["rows_out"], "int"),
               Fact(Msg("rows_excluded"), ex["rows_excluded"], "int")], title=Msg("exclusions")),
        Table([col("flag"), col("count", "int")], [[term("flag_", c), v] for c, v in by_reason.items()],
              title=Msg("excluded_by_reason"), id="quality-exclusions")]
    if sum(by_reason.values()) > ex["rows_excluded"]:
        blocks.append(Paragraph(Msg("exclusion_note"), "note"))
    return blocks


#: Items listed in the out-of-range table (the most affected first).
_OUT_OF_RANGE_ROWS = 10


def quality_section(ctx: Context) -> Section:
    q = ctx.results["quality"]
    n = q["respondents"]
    flagged = q["flagged"]
    blocks: list[Any] = [Facts([Fact(Msg("respondents"), n, "int"), Fact(Msg("flagged"), flagged, "int"),
                                Fact(Msg("flagged_share"), flagged / n if n else None, "pct")])]
    settings = q.get("settings") or {}
    checks = q.get("checks") or {}
    rows, styles = [], []
    for code, cnt in q["flags"].items():
        check = checks.get(code)
        ran = check.get("ran", True) if isinstance(check, Mapping) else True
        share = num(q["rates"][code]) if "rates" in q else (cnt / n if n else None)
        if ran:
            definition = _flag_definition(code, settings)
        elif isinstance(check, Mapping) and check.get("rule") and ctx.lang == "en":  # the check's own words
            definition = Msg("flag_not_checked", reason=str(check["rule"]))
        else:
            definition = Msg("flag_not_run")
        rows.append([term("flag_", code), cnt if ran else None, share if ran else None, definition])
        styles.append([None, None, None, None])
    blocks.append(Table([col("flag"), col("count", "int"), col("share", "pct"), col("definition")], rows,
                        title=Msg("quality_flags"), id="quality-flags"))
    oor = q.get("out_of_range_items")
    if isinstance(oor, Mapping) and oor:
        top = sorted(oor.items(), key=lambda kv: -kv[1])[:_OUT_OF_RANGE_ROWS]
        blocks.append(Table([col("item"), col("count", "int")], [[str(k), v] for k, v in top],
                            title=Msg("out_of_range_items"), id="quality-out-of-range",
                            note=Msg("out_of_range_more", n=Num(len(top), "int"), total=Num(len(oor), "int"))
                            if len(oor) > len(top) else None))
    ex = q.get("exclusions", q.get("excluded"))
    if isinstance(ex, Mapping):
        blocks.extend(exclusion_blocks(ex))
    return Section("quality", Msg("quality"), blocks)


def exclusions_section(ctx: Context) -> Section:
    """``Exclusions.summary()``: who the quality stage drops and why."""
    return Section("quality-exclusions", Msg("exclusions"), exclusion_blocks(ctx.results["exclusions"]))


# ---------------------------------------------------------------------- reliability

_SCALE_KEYS = ("n", "n_items", "alpha", "alpha_ci", "std_alpha", "g6", "average_r", "median_r", "signal_noise", "mean",
               "sd", "omega_total", "omega_hierarchical", "omega_total_sl", "ecv")
_STRICT_SCALE_KEYS = ("n", "n_items", "alpha", "alpha_ci", "std_alpha", "g6", "average_r", "omega_total")
_SCALE_FMT = {"n": "int", "n_items": "int", "signal_noise": "num2", "mean": "num2", "sd": "num2"}
#: Item columns beside the corrected item-total r and alpha if deleted, shown when the result has them.
_ITEM_KEYS = (("n", "int"), ("mean", "num2"), ("sd", "num2"))
#: Diagnostics shown in the item table's check column (the rest are listed below it).
_ITEM_FINDINGS = ("negative-item-rest", "alpha-if-deleted")
#: Column headings of result keys whose own key is another text ("mean" is a word in running text).
_LABEL = {"mean": "mean_cap", "sd": "sd_cap"}
_BOOT_KEYS = ("alpha", "omega_total", "omega_hierarchical", "omega_total_sl")


def short_col(ctx: Context, key: str, fmt: str = "text") -> Column:
    """A column headed by ``key``, or by its short form ``<key>_short`` on a terminal when there is one."""
    from ...report.i18n import STRINGS

    short = f"{key}_short"
    return col(short if ctx.terminal and short in STRINGS["en"] else key, fmt)


def reliability_blocks(ctx: Context, rel: Mapping[str, Any]) -> list[Any]:
    """The blocks of the reliability section for ``rel`` (``scales`` -> scale dicts, and the settings and
    ``diagnostics`` when given): a stage result or one scale's."""
    digits = int(ctx.options.get("digits", 3))
    stat = f"num{digits}" if ctx.terminal else "num"
    scales = rel["scales"]
    blocks: list[Any] = [Paragraph(Msg("reliability_note"), "note")]
    facts = []
    if isinstance(rel.get("missing"), str):
        facts.append(Fact(Msg("missing_handling"), term("missing_", rel["missing"])))
    if isinstance(rel.get("weighted"), bool):
        facts.append(Fact(Msg("weighted"), rel["weighted"]))
    if facts:
        blocks.append(Facts(facts))
    # optional keys (omega_hierarchical needs --omega-factors) are columns only when some scale has them
    keys = [k for k in _SCALE_KEYS if k in ("n", "n_items", "alpha") or any(s.get(k) is not None
                                                                            for s in scales.values())]
    cols = [col("scale")]
    for k in keys:
        if k == "alpha_ci":
            cols += [short_col(ctx, "alpha_ci_low", stat), short_col(ctx, "alpha_ci_high", stat)]
        else:
            cols.append(short_col(ctx, _LABEL.get(k, k), _SCALE_FMT.get(k, stat)))
    rows = []
    for name, s in scales.items():
        row: list[Any] = [ctx.label(name)]
        for k in keys:
            if k == "alpha_ci":
                lo, hi = s[k] if isinstance(s[k], (list, tuple)) else (s[k]["low"], s[k]["high"])
                row += [num(lo), num(hi)]
            else:  # the contract keys strictly; the others (ECV needs an estimable Schmid-Leiman fit) when there
                row.append(s[k] if k in _STRICT_SCALE_KEYS else s.get(k))
        rows.append(row)
    blocks.append(Table(cols, rows, title=Msg("scales"), id="reliability-scales", deck=True))
    for name, s in scales.items():
        if s.get("rows_excluded"):
            why = s.get("excluded_reason") if ctx.lang == "en" else None  # the library's words are English
            blocks.append(Paragraph(Msg("rel_not_used", scale=ctx.label(name), n=Num(s["rows_excluded"], "int"),
                                        reason=f" ({why})" if why else "")))
    findings = [f for f in rel.get("diagnostics") or [] if isinstance(f, Mapping)]
    marks = {(str(f["scale"]), str(f["item"])): term("finding_", f["code"]) for f in findings
             if f.get("code") in _ITEM_FINDINGS and f.get("item") is not None}
    extra = [(k, fmt) for k, fmt in _ITEM_KEYS if all(k in it for s in scales.values() for it in s["items"].values())]
    raw = all("raw_r" in it for s in scales.values() for it in s["items"].values())
    texts = any(ctx.labels.get(str(iid)) for s in scales.values() for iid in s["items"])
    item_rows = []
    for name, s in scales.items():
        for iid, it in s["items"].items():
            item_rows.append([ctx.label(name), iid] + ([ctx.labels.get(iid)] if texts else [])
                             + [Msg("yes") if it["reversed"] else None]
                             + [it[k] for k, _ in extra] + [num(it["r_drop"])] + ([num(it["raw_r"])] if raw else [])
                             + [num(it["alpha_if_deleted"])] + ([marks.get((str(name), str(iid)))] if marks else []))
    item_cols = ([col("scale"), col("item")] + ([col("text")] if texts else []) + [short_col(ctx, "reversed")]
                 + [short_col(ctx, _LABEL.get(k, k), fmt) for k, fmt in extra] + [short_col(ctx, "r_drop", "num")]
                 + ([short_col(ctx, "raw_r", "num")] if raw else []) + [short_col(ctx, "alpha_if_deleted", "num")]
                 + ([col("check")] if marks else []))
    blocks.append(Table(item_cols, item_rows, title=Msg("items"), id="reliability-items", sticky=2))
    for name, s in scales.items():
        if s.get("dropped"):
            blocks.append(Paragraph(Msg("rel_dropped", scale=ctx.label(name), items=", ".join(map(str, s["dropped"])))))
        if s.get("omega_flipped"):
            blocks.append(Paragraph(Msg("rel_flipped", scale=ctx.label(name),
                                        items=", ".join(map(str, s["omega_flipped"]))), "note"))
    boot = [(name, s["bootstrap"]) for name, s in scales.items() if isinstance(s.get("bootstrap"), Mapping)]
    if boot:
        b0 = boot[0][1]
        brows = [[ctx.label(name), Msg(k), num(b[f"{k}_ci"][0]), num(b[f"{k}_ci"][1])]
                 for name, b in boot for k in _BOOT_KEYS if f"{k}_ci" in b]
        blocks.append(Table([col("scale"), col("statistic"), col("boot_low", stat), col("boot_high", stat)], brows,
                            title=Msg("rel_bootstrap", level=Num(b0["confidence"], "pct0"), n=Num(b0["n"], "int"),
                                      seed=str(b0["seed"])), id="reliability-bootstrap"))
    if findings:  # the message is the library's English sentence; other languages get the translated code
        english = ctx.lang == "en"
        blocks.append(Table([col("diagnostic"), col("scale"), col("item"), col("value", stat)]
                            + ([col("message")] if english else []),
                            [[term("finding_", f["code"]), ctx.label(f["scale"]) if f.get("scale") else None,
                              f.get("item"), num(f.get("value"))] + ([str(f["message"])] if english else [])
                             for f in findings],
                            title=Msg("diagnostics"), id="reliability-diagnostics"))
    return blocks


def reliability_section(ctx: Context) -> Section:
    return Section("reliability", Msg("reliability"), reliability_blocks(ctx, ctx.results["reliability"]))


def scale_reliability_section(ctx: Context) -> Section:
    """``ScaleReliability.summary()``: one scale (the dict of its ``to_dict()`` with its ``name``)."""
    s = ctx.results["scale_reliability"]
    rel = {"scales": {s["name"]: s}, "missing": s.get("missing"), "weighted": s.get("weighted")}
    return Section("reliability", Msg("reliability"), reliability_blocks(ctx, rel))


# ---------------------------------------------------------------------- factors

def _scree(fac: Mapping[str, Any]) -> tuple[list[float], list[Series]]:
    """Observed PC eigenvalues and the parallel-analysis series (observed FA, simulated PC/FA references)."""
    eig = fac["eigenvalues"]
    observed = [float(x) for x in (eig if isinstance(eig, list) else eig["pc"])]
    series = [Series(Msg("series_observed_pc"), observed)]
    ret = fac.get("retention")
    par = None
    if isinstance(ret, Mapping):
        par = ret["parallel"] if isinstance(ret.get("parallel"), Mapping) else (ret.get("details") or {}).get("parallel")
    if isinstance(par, Mapping):
        for key in ("observed_fa", "fa_observed", "simulated_pc", "pc_reference", "simulated_fa", "fa_reference",
                    "resampled_pc", "resampled_fa"):
            v = par.get(key)
            if isinstance(v, list) and len(v) == len(observed):
                series.append(Series(Msg(f"series_{key}"), [num(x) for x in v]))
    return observed, series


def p_value(p: Any) -> Any:
    """A p value in running text: 3 significant digits, ``< 1e-16`` below (as R prints them)."""
    v = num(p)
    if v is None:
        return Msg("not_available")
    return Msg("p_below", limit="1e-16") if v < 1e-16 else Msg("p_equals", p=Num(v, "g3"))


_VARIANCE = ("ss_loadings", "proportion", "cumulative", "proportion_explained", "cumulative_explained")
_TOP_ITEMS = 4


def _factor_facts(ctx: Context, fac: Mapping[str, Any]) -> list[Fact]:
    facts = [Fact(Msg("n"), fac["n"], "int")]
    if fac.get("rows_in") is not None:
        facts = [Fact(Msg("seg_rows_in"), fac["rows_in"], "int"), Fact(Msg("fa_rows_used"), fac["n"], "int")]
        excluded = fac.get("excluded") or {}
        facts.append(Fact(Msg("rows_excluded"), sum(int(v) for v in excluded.values()), "int"))
        if ctx.lang == "en":  # the reasons are the library's English words
            facts += [Fact(Msg("fa_excluded_reason", reason=str(k)), v, "int") for k, v in excluded.items() if v]
    if isinstance(fac.get("items"), list):
        facts.append(Fact(Msg("n_items"), len(fac["items"]), "int"))
    facts.append(Fact(Msg("n_factors"), fac["n_factors"], "int"))
    rule = fac.get("n_factors_rule")
    if isinstance(rule, str):
        # the automatic rule in the library's (English) words, with the count it found when another was used
        facts.append(Fact(Msg("fa_rule"), Msg("fa_rule_user") if rule == "user" else rule if ctx.lang == "en"
                          else Msg("fa_rule_auto")))
    if isinstance(fac.get("method"), str):
        facts.append(Fact(Msg("method"), term("fa_method_", fac["method"])))
    if isinstance(fac.get("rotation"), str):
        facts.append(Fact(Msg("rotation"), term("rotation_", fac["rotation"])))
        if fac["rotation"] == "oblimin" and fac.get("gamma"):
            facts.append(Fact(Msg("fa_gamma"), Num(fac["gamma"], "num2")))
        if fac.get("kaiser_normalized") and fac["rotation"] != "none":
            facts.append(Fact(Msg("fa_kaiser_normalized"), True))
    if isinstance(fac.get("cor"), str):
        facts.append(Fact(Msg("fa_cor"), term("cor_", fac["cor"])))
    if isinstance(fac.get("missing"), str):
        facts.append(Fact(Msg("missing_handling"), term("missing_", fac["missing"])))
    if isinstance(fac.get("weighted"), bool):
        facts.append(Fact(Msg("weighted"), fac["weighted"]))
    if fac.get("kmo") is not None:
        facts.append(Fact(Msg("kmo"), num(fac["kmo"]["overall"]), "num"))
    b = fac.get("bartlett")
    if b is not None:
        facts.append(Fact(Msg("bartlett"), Msg("bartlett_value", chi2=Num(b["chi2"], "num1"), df=Num(b["df"], "int"),
                                               p=Num(b["p"], "p"))))
    ret = fac.get("retention")
    if isinstance(ret, Mapping):
        for key in ("parallel", "parallel_components", "map", "kaiser"):
            v = ret.get(key)
            if isinstance(v, Mapping):
                v = v.get("n_factors")
            if isinstance(v, int):
                facts.append(Fact(Msg(f"suggest_{key}"), v, "int"))
    return facts


def factor_section(ctx: Context) -> Section:
    """The factor analysis: settings and adequacy, scree, loadings (with communality, uniqueness and
    complexity), variance explained, factor correlations, fit, score reliability and the items that name each
    factor. On a terminal the loadings take ``digits`` decimals and blank those under ``cut`` (psych
    ``print(fa, digits=, cut=)``)."""
    fac = ctx.results["factor"]
    blocks: list[Any] = [Facts(_factor_facts(ctx, fac), deck=True)]
    observed, series = _scree(fac)
    cats = [str(i + 1) for i in range(len(observed))]
    blocks.append(Chart("line", Msg("scree_title"), cats, series, x_title=Msg("factor"), y_title=Msg("eigenvalue"),
                        fmt="num2", id="scree", deck=False))
    factors = [str(f) for f in fac["factors"]]
    items = list(fac["loadings"])
    lo = [[num(x) for x in fac["loadings"][i]] for i in items]
    names = [ctx.label(f) for f in factors]
    heads = factors if ctx.terminal else names
    labels = [f"{i}  {ctx.labels[i]}" if ctx.labels.get(i) else i for i in items]
    blocks.append(Chart("heatmap", Msg("heatmap_title"), labels, [Series(n, [r[j] for r in lo]) for j, n in
                                                                  enumerate(names)],
                        fmt="num2", id="loadings", deck=False, note=Msg("loadings_note", threshold=Num(ctx.threshold,
                                                                                                        "num2"))))
    comm = fac["communalities"]
    uniq = fac.get("uniquenesses") if isinstance(fac.get("uniquenesses"), Mapping) else None
    cplx = fac.get("complexity") if isinstance(fac.get("complexity"), Mapping) else None
    heywood = set(map(str, fac.get("heywood") or ()))
    digits = int(ctx.options.get("digits", 2))
    cut = float(ctx.options.get("cut", 0.0))
    texts = not ctx.terminal
    cols = ([col("item")] + ([col("text")] if texts else []) + [Column(n, f"num{digits}") for n in heads]
            + [short_col(ctx, "communality", "num2")] + ([short_col(ctx, "uniqueness", "num2")] if uniq else [])
            + ([short_col(ctx, "complexity", "num1")] if cplx else []) + ([col("check")] if heywood else []))
    rows, styles = [], []
    for i, r in zip(items, lo, strict=True):
        shown = [v if v is None or abs(v) >= cut else None for v in r]
        rows.append([i] + ([ctx.labels.get(i)] if texts else []) + shown + [num(comm[i])]
                    + ([num(uniq[i])] if uniq else []) + ([num(cplx[i])] if cplx else [])
                    + ([Msg("heywood_case") if i in heywood else None] if heywood else []))
        styles.append([None] * (1 + texts)
                      + ["strong" if v is not None and abs(v) >= ctx.threshold else None for v in shown]
                      + [None] * (1 + bool(uniq) + bool(cplx) + bool(heywood)))
    note = Msg("loadings_note", threshold=Num(ctx.threshold, "num2"))
    if ctx.terminal:
        note = Msg("loadings_cut", cut=Num(cut, "num2")) if cut > 0 else None
    blocks.append(Table(cols, rows, title=Msg("loadings"), styles=styles, id="loadings", sticky=1, note=note))
    var = fac.get("variance")
    if isinstance(var, Mapping) and all(k in var for k in _VARIANCE):
        blocks.append(Table([col("fa_variance")] + [Column(n, "num2") for n in heads],
                            [[Msg(f"var_{k}")] + [num(x) for x in var[k]] for k in _VARIANCE],
                            title=Msg("fa_variance_title"), id="variance"))
    phi = fac.get("phi")
    oblique = isinstance(phi, list) and any(abs(num(x) or 0.0) > 1e-12 for i, r in enumerate(phi)
                                            for j, x in enumerate(r) if i != j)
    if isinstance(phi, list) and len(phi) > 1 and oblique:
        blocks.append(Table([col("factor")] + [Column(n, "num2") for n in heads],
                            [[heads[i]] + [num(x) for x in r] for i, r in enumerate(phi)], title=Msg("phi"), id="phi"))
    fit = fac.get("fit")
    if isinstance(fit, Mapping):
        facts = []
        if num(fit.get("chi2")) is not None:
            facts.append(Fact(Msg("fit_chi2"), Msg("fit_chi2_value", chi2=Num(fit["chi2"], "num2"),
                                                   df=Num(fit["df"], "int"), p=p_value(fit.get("p")))))
        elif fit.get("df") is not None:
            facts.append(Fact(Msg("fit_df"), fit["df"], "int"))
        if num(fit.get("rmsea")) is not None:
            interval = num(fit.get("rmsea_lower")) is not None and num(fit.get("rmsea_upper")) is not None
            facts.append(Fact(Msg("fit_rmsea"), Msg("fit_rmsea_value", rmsea=Num(fit["rmsea"], "num3"),
                                                    low=Num(fit["rmsea_lower"], "num3"),
                                                    high=Num(fit["rmsea_upper"], "num3")) if interval
                              else Num(fit["rmsea"], "num3")))
        facts += [Fact(Msg(f"fit_{k}"), num(fit[k]), "num1" if k == "bic" else "num3")
                  for k in ("tli", "bic", "rmsr") if num(fit.get(k)) is not None]
        blocks.append(Facts(facts, title=Msg("fit")))
    r2 = fac.get("score_r2")
    if isinstance(r2, Mapping):
        blocks.append(Table([col("factor"), col("score_r2", "num2")], [[heads[factors.index(str(k))]
                                                                       if str(k) in factors else str(k), num(v)]
                                                                      for k, v in r2.items()],
                            title=Msg("score_r2_title", method=term("score_", fac.get("score_method") or "")),
                            id="score-r2"))
    top = fac.get("top_items")
    if isinstance(top, Mapping):
        trows = []
        for f, lst in top.items():
            label = ctx.label(f)
            head = f"{f}  {label}" if label != str(f) else str(f)
            for j, r in enumerate(lst[:_TOP_ITEMS]):
                trows.append([head if j == 0 else None, num(r["loading"]), r["item"], r.get("text")])
        blocks.append(Table([col("factor"), col("loading", "+num2"), col("item"), col("text")], trows,
                            title=Msg("top_items"), id="top-items"))
    if heywood:
        blocks.append(Paragraph(Msg("heywood_note", items=", ".join(sorted(heywood))), "note"))
    if fac.get("converged") is False:
        blocks.append(Paragraph(Msg("not_converged")))
    return Section("factors", Msg("factors"), blocks)
