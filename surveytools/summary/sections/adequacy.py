"""Sections of the factor-analysis helpers' own results: sampling adequacy (KMO), Bartlett's test and the
criteria for the number of factors (parallel analysis, Velicer's MAP, the retention summary)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..document import Fact, Facts, Msg, Num, Paragraph, Section, Table
from ._common import Context, col, num, term
from .study import p_value, short_col

__all__ = ["kmo_section", "bartlett_section", "parallel_section", "map_section", "retention_section"]

#: Kaiser's MSA below which an item is marked.
_MSA_LOW = 0.5
_EIGEN = ("observed_pc", "simulated_pc", "resampled_pc", "observed_fa", "simulated_fa", "resampled_fa")


def kmo_section(ctx: Context) -> Section:
    """Kaiser-Meyer-Olkin sampling adequacy: overall and per item, with Kaiser's words."""
    k = ctx.results["kmo"]
    rows = [[str(i), num(v), term("kmo_label_", _label(v)), Msg("kmo_low") if v is not None and v < _MSA_LOW else None]
            for i, v in k["items"].items()]
    return Section("kmo", Msg("kmo_title"), [
        Facts([Fact(Msg("kmo"), Msg("kmo_value", value=Num(k["overall"], "num3"),
                                    label=term("kmo_label_", k["label"])))]),
        Table([col("item"), col("msa", "num3"), col("kmo_word"), col("check")], rows, id="kmo-items")])


def _label(v: Any) -> str:
    """Kaiser's (1974) word for an MSA (as :func:`surveytools.factor.adequacy.kmo_label`)."""
    f = num(v)
    if f is None:
        return "undefined"
    for cut, word in ((0.9, "marvelous"), (0.8, "meritorious"), (0.7, "middling"), (0.6, "mediocre"),
                      (0.5, "miserable")):
        if f >= cut:
            return word
    return "unacceptable"


def bartlett_section(ctx: Context) -> Section:
    """Bartlett's test of sphericity."""
    b = ctx.results["bartlett"]
    facts = [Fact(Msg("bartlett"), Msg("fit_chi2_value", chi2=Num(b["chi2"], "num2"), df=Num(b["df"], "int"),
                                       p=p_value(b["p"]))), Fact(Msg("n"), b["n"], "int")]
    if b.get("n_items") is not None:
        facts.append(Fact(Msg("n_items"), b["n_items"], "int"))
    return Section("bartlett", Msg("bartlett"), [Facts(facts)])


def parallel_blocks(ctx: Context, p: Mapping[str, Any], rows: int = 10, *, counts: bool = True) -> list[Any]:
    facts = []
    if counts:  # the retention summary lists them beside the other criteria
        facts += [Fact(Msg("pa_factors"), p["n_factors"], "int"), Fact(Msg("pa_components"), p["n_components"], "int")]
        if p.get("n_factors_resampled") is not None:
            facts += [Fact(Msg("pa_factors_resampled"), p["n_factors_resampled"], "int"),
                      Fact(Msg("pa_components_resampled"), p["n_components_resampled"], "int")]
    facts += [Fact(Msg("pa_iterations"), p["n_iter"], "int"),
              Fact(Msg("pa_quantile"), Num(100 * float(p["quantile"]), "num0")),
              Fact(Msg("fa_cor"), term("cor_", p["cor"])), Fact(Msg("seed"), str(p["seed"]))]
    keys = [k for k in _EIGEN if isinstance(p.get(k), list)]
    n = min([len(p[k]) for k in keys] + [rows])
    table = Table([col("factor", "int")] + [short_col(ctx, f"series_{k}", "num3") for k in keys],
                  [[i + 1] + [num(p[k][i]) for k in keys] for i in range(n)], title=Msg("pa_eigenvalues"),
                  id="parallel")
    return [Facts(facts, title=Msg("pa_title")), table]


def parallel_section(ctx: Context) -> Section:
    """Parallel analysis: the suggested counts and the leading eigenvalues against their references."""
    p = ctx.results["parallel"]
    return Section("parallel", Msg("pa_title"), parallel_blocks(ctx, p, int(ctx.options.get("rows", 10))))


def _map_facts(m: Mapping[str, Any]) -> list[Fact]:
    k = int(m["n_factors"])
    return [Fact(Msg("suggest_map"), k, "int"),
            Fact(Msg("map_minimum", power=Msg(f"map_power_{m['power']}")), Num(m["values"][k - 1], "num5"))]


def map_section(ctx: Context) -> Section:
    """Velicer's MAP: the number of components with the smallest average partial correlation."""
    return Section("map", Msg("map_title"), [Facts(_map_facts(ctx.results["map"]))])


def retention_section(ctx: Context) -> Section:
    """Every criterion for the number of factors side by side, then parallel analysis and MAP."""
    r = ctx.results["retention"]
    p = r["parallel"]
    crit = [(Msg("crit_pa_fa"), p["n_factors"]), (Msg("crit_pa_pc"), p["n_components"])]
    if p.get("n_factors_resampled") is not None:
        crit += [(Msg("crit_pa_fa_resampled"), p["n_factors_resampled"]),
                 (Msg("crit_pa_pc_resampled"), p["n_components_resampled"])]
    crit += [(Msg("map_title"), r["map"]["n_factors"]), (Msg("crit_kaiser"), r["kaiser"]["n_factors"])]
    blocks: list[Any] = [
        Paragraph(Msg("retention_head", n=Num(r["n_factors"], "int"), criterion=term("criterion_", r["criterion"]))),
        Table([col("criterion"), col("fa_suggested", "int")], [[m, v] for m, v in crit], id="retention")]
    blocks += parallel_blocks(ctx, p, counts=False)
    blocks.append(Facts(_map_facts(r["map"]), title=Msg("map_title")))
    if ctx.lang == "en":  # the library's own remarks
        blocks += [Paragraph(str(n), "note") for n in r.get("notes") or []]
    return Section("retention", Msg("retention"), blocks)
