"""What the renderers read: stage results as plain dicts, and a few tolerant accessors.

Reports compute nothing. They take ``stage name -> result`` (a result object with ``to_dict()`` or its
dict, as ``--json`` prints it) and show what is there: a missing key hides a line, never fails a report.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from .._json import to_jsonable
from ..exceptions import DataError

__all__ = ["STAGES", "normalize_results", "plain", "get", "as_number", "as_list", "blocks", "table_blocks", "flatten",
           "nps_by_segment", "segment_sizes", "segment_blocks", "segment_explanation", "scree_series", "loadings_frame", "item_labels", "voc_parts"]

#: Stage names a report knows, in report order.
STAGES: tuple[str, ...] = ("import", "quality", "reliability", "factor", "segment", "profile", "typing_tool",
                           "crm", "voc")


#: JSON-like plain Python (dicts with str keys, lists, str, int, float with NaN/inf -> None, bool, None).
plain = to_jsonable


def normalize_results(results: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """``stage -> result`` as ``stage -> plain dict``, in report order (unknown stages after, as given).

    Raises
    ------
    DataError
        ``results`` is not a mapping, or a stage's result is neither a dict nor has ``to_dict()``.
    """
    if not isinstance(results, Mapping):
        raise DataError(f"a report takes a mapping of stage name -> result, not {type(results).__name__}")
    out: dict[str, dict[str, Any]] = {}
    order = [s for s in STAGES if s in results] + [s for s in results if s not in STAGES]
    for stage in order:
        res = results[stage]
        if res is None:
            continue
        d = plain(res)
        if not isinstance(d, dict):
            raise DataError(f"the {stage!r} result must be a dict or an object with to_dict(), not "
                            f"{type(res).__name__}")
        out[str(stage)] = d
    return out


def get(d: Any, *path: str, default: Any = None) -> Any:
    """``d[path[0]][path[1]]...`` or ``default`` when any step is missing."""
    cur = d
    for key in path:
        if isinstance(cur, Mapping) and key in cur:
            cur = cur[key]
        else:
            return default
    return cur


def as_number(v: Any) -> float | None:
    """A float, or None for anything that is not a finite number."""
    if isinstance(v, bool) or v is None:
        return None
    if isinstance(v, (int, float, np.integer, np.floating)):
        f = float(v)
        return None if math.isnan(f) or math.isinf(f) else f
    return None


def as_list(v: Any) -> list[float | None] | None:
    """A list of numbers from a list or a mapping of numbers (in key order); None otherwise."""
    if isinstance(v, Mapping):
        vals = list(v.values())
    elif isinstance(v, (list, tuple)):
        vals = list(v)
    else:
        return None
    if not vals or not all(as_number(x) is not None or x is None for x in vals):
        return None
    return [as_number(x) for x in vals]


def _is_scalar(v: Any) -> bool:
    return v is None or isinstance(v, (str, int, float, bool))


def flatten(d: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    """Nested mappings as one level with dotted keys; lists of scalars are joined with ', '."""
    out: dict[str, Any] = {}
    for k, v in d.items():
        key = f"{prefix}{k}"
        if isinstance(v, Mapping):
            out.update(flatten(v, key + "."))
        elif isinstance(v, (list, tuple)) and all(_is_scalar(x) for x in v):
            out[key] = ", ".join("" if x is None else (f"{x:.4g}" if isinstance(x, float) else str(x)) for x in v)
        elif isinstance(v, (list, tuple)):
            for i, x in enumerate(v):
                if isinstance(x, Mapping):
                    out.update(flatten(x, f"{key}.{i}."))
                else:
                    out[f"{key}.{i}"] = x
        else:
            out[key] = v
    return out


def _scalar_list(v: Any) -> bool:
    return isinstance(v, (list, tuple)) and all(_is_scalar(x) for x in v)


def _table(entries: list[tuple[str | None, Mapping[str, Any]]], title: str | None) -> dict[str, Any] | None:
    flat = [(k, flatten(v)) for k, v in entries]
    cols: list[str] = []
    for _, v in flat:
        cols.extend(c for c in v if c not in cols)
    if len(cols) > 30:
        return None
    keyed = any(k is not None for k, _ in flat)
    rows = [([k] if keyed else []) + [v.get(c) for c in cols] for k, v in flat]
    return {"kind": "table", "title": title, "columns": ([""] if keyed else []) + cols, "rows": rows}


def table_blocks(obj: Any, title: str | None = None) -> list[dict[str, Any]]:
    """Like :func:`blocks`, but a mapping of mappings is a table even with one entry (e.g. the choice-of-k
    criteria when a single k was tried)."""
    if isinstance(obj, Mapping) and obj and all(isinstance(v, Mapping) for v in obj.values()):
        tab = _table([(str(k), v) for k, v in obj.items()], title)
        if tab is not None:
            return [tab]
    return blocks(obj, title)


def blocks(obj: Any, title: str | None = None) -> list[dict[str, Any]]:
    """Turn any result fragment into display blocks.

    Returns a list of ``{"kind": "kv", "title", "rows": [(key, value)]}`` and
    ``{"kind": "table", "title", "columns": [...], "rows": [[...]]}``: a mapping of scalars is a key/value
    block; a mapping whose values are all mappings (or a list of mappings) is a table with one row per
    entry (nested keys dotted); anything else nests, with the key in the sub-title.
    """
    out: list[dict[str, Any]] = []
    if isinstance(obj, Mapping):
        if len(obj) > 1 and all(isinstance(v, Mapping) and any(_is_scalar(x) for x in v.values())
                                for v in obj.values()):
            tab = _table([(str(k), v) for k, v in obj.items()], title)
            if tab is not None:
                return [tab]
        scalars = [(str(k), flatten({"x": v})["x"] if _scalar_list(v) else v) for k, v in obj.items()
                   if _is_scalar(v) or _scalar_list(v)]
        if scalars:
            out.append({"kind": "kv", "title": title, "rows": scalars})
        for k, v in obj.items():
            if not (_is_scalar(v) or _scalar_list(v)):
                out.extend(blocks(v, f"{title} / {k}" if title else str(k)))
        return out
    if isinstance(obj, (list, tuple)):
        if obj and all(isinstance(x, Mapping) for x in obj):
            tab = _table([(None, x) for x in obj], title)
            if tab is not None:
                return [tab]
        for i, x in enumerate(obj):
            if _is_scalar(x):
                out.append({"kind": "kv", "title": title, "rows": [(str(i + 1), x)]})
            else:
                out.extend(blocks(x, f"{title} / {i + 1}" if title else str(i + 1)))
        return out
    return [{"kind": "kv", "title": title, "rows": [("", obj)]}]


# ---------------------------------------------------------------------- stage-specific accessors

def segment_sizes(results: Mapping[str, dict[str, Any]]) -> list[tuple[str, str, float, float | None]]:
    """``(segment number, name, n, share)`` from the profile stage, else the segment stage's ``sizes``."""
    prof = results.get("profile")
    segs = get(prof, "segments")
    if isinstance(segs, Mapping) and segs:
        out = []
        for key, s in segs.items():
            if isinstance(s, Mapping) and as_number(s.get("n")) is not None:
                out.append((str(key), str(s.get("name") or key), float(s["n"]), as_number(s.get("share"))))
        if out:
            return out
    seg = results.get("segment")
    sizes = get(seg, "sizes")
    names = get(seg, "names") or {}
    pairs: list[tuple[str, Any]] = []
    if isinstance(sizes, Mapping):
        pairs = [(str(k), v) for k, v in sizes.items()]
    elif isinstance(sizes, (list, tuple)):
        pairs = [(str(i + 1), v) for i, v in enumerate(sizes)]
    vals = []
    for key, v in pairs:
        n = as_number(v.get("n") if isinstance(v, Mapping) else v)
        if n is not None:
            share = as_number(v.get("share")) if isinstance(v, Mapping) else None
            vals.append((key, str(names.get(key) if isinstance(names, Mapping) and names.get(key) else key), n, share))
    total = sum(v[2] for v in vals)
    return [(k, nm, n, s if s is not None else (n / total if total else None)) for k, nm, n, s in vals]


def nps_by_segment(results: Mapping[str, dict[str, Any]]) -> list[tuple[str, str, float]]:
    """``(segment, name, NPS)`` from the voc stage (``segments.<k>.nps``), else from the profile's NPS rows."""
    names = {k: nm for k, nm, _, _ in segment_sizes(results)}
    voc = results.get("voc")
    segs = get(voc, "segments")
    out: list[tuple[str, str, float]] = []
    if isinstance(segs, Mapping):
        for key, m in segs.items():
            v = get(m, "nps")
            if isinstance(v, Mapping):
                v = v.get("nps", v.get("score", v.get("value")))
            num = as_number(v)
            if num is not None:
                name = get(m, "name") or names.get(str(key), str(key))
                out.append((str(key), str(name), num))
    if out:
        return out
    for var in get(results.get("profile"), "variables", default=[]) or []:
        if isinstance(var, Mapping) and var.get("stat") == "nps":
            for key, cell in (var.get("segments") or {}).items():
                num = as_number(get(cell, "value"))
                if num is not None:
                    out.append((str(key), names.get(str(key), str(key)), num))
            break
    return out


_SERIES_WORDS = {"pc": "PC", "fa": "FA"}


def _series_label(key: str) -> str:
    text = " ".join(_SERIES_WORDS.get(w, w) for w in str(key).replace("_", " ").split())
    return text[:1].upper() + text[1:]


def scree_series(factor: Mapping[str, Any]) -> tuple[list[float], dict[str, list[float]]]:
    """Observed eigenvalues and the other series of parallel analysis (whatever the factor stage gives).

    The observed eigenvalues are ``eigenvalues`` (a list, or a mapping with ``pc``/``observed`` lists), else
    ``retention.scree``. The other series are the equal-length lists found under ``retention.parallel``
    (when it is a mapping) or ``retention.details.parallel``: observed FA eigenvalues, simulated and
    resampled reference eigenvalues. Series equal to the observed eigenvalues are left out.
    """
    eig = factor.get("eigenvalues")
    observed: list[float] = []
    refs: dict[str, list[float]] = {}
    lst = as_list(eig)
    if lst is None and isinstance(eig, Mapping):
        for key in ("pc", "observed", "pc_observed", "values"):
            lst = as_list(eig.get(key))
            if lst:
                break
    if lst is None:
        lst = as_list(get(factor, "retention", "scree"))
    if lst:
        observed = [x for x in lst if x is not None]
    par = get(factor, "retention", "parallel")
    if not isinstance(par, Mapping):
        par = get(factor, "retention", "details", "parallel")

    def walk(obj: Any, prefix: str) -> None:
        if isinstance(obj, Mapping):
            for k, v in obj.items():
                cand = as_list(v) if not isinstance(v, Mapping) else None
                if cand is not None and len(cand) > 1:
                    refs[_series_label(f"{prefix}{k}")] = [x if x is not None else float("nan") for x in cand]
                elif isinstance(v, Mapping):
                    walk(v, f"{prefix}{k} ")

    walk(par, "")
    if not observed:
        for name in list(refs):
            if "Observed" in name and "PC" in name or name == "Observed":
                observed = [x for x in refs.pop(name) if not math.isnan(x)]
                break
    if observed:
        obs = np.asarray(observed, dtype=float)
        refs = {k: v for k, v in refs.items()
                if not (len(v) == len(obs) and np.allclose(np.asarray(v, dtype=float), obs, rtol=1e-8, atol=1e-10))}
    return observed, refs


def item_labels(factor: Mapping[str, Any]) -> dict[str, str]:
    """Item id -> text, from ``labels`` or the ``text`` of ``top_items`` entries, when the factor stage gives them."""
    out: dict[str, str] = {}
    lab = factor.get("labels")
    if isinstance(lab, Mapping):
        out.update({str(k): str(v) for k, v in lab.items() if v})
    top = factor.get("top_items")
    if isinstance(top, Mapping):
        for entries in top.values():
            for e in entries if isinstance(entries, list) else []:
                if isinstance(e, Mapping) and e.get("item") is not None and e.get("text"):
                    out.setdefault(str(e["item"]), str(e["text"]))
    return out


def loadings_frame(factor: Mapping[str, Any]) -> pd.DataFrame | None:
    """Items x factors loadings from ``loadings.<id>`` (lists) with ``factors`` as column names."""
    lo = factor.get("loadings")
    if not isinstance(lo, Mapping) or not lo:
        return None
    rows = {}
    for item, v in lo.items():
        if isinstance(v, Mapping):
            vals = [as_number(x) for x in v.values()]
        else:
            vals = as_list(v)
        if vals is None:
            continue
        rows[str(item)] = [np.nan if x is None else x for x in vals]
    if not rows:
        return None
    m = max(len(v) for v in rows.values())
    names = factor.get("factors")
    first = next(iter(lo.values()))
    if isinstance(first, Mapping):
        cols = [str(c) for c in first.keys()]
    elif isinstance(names, (list, tuple)) and len(names) == m:
        cols = [str(c) for c in names]
    else:
        cols = [f"F{i + 1}" for i in range(m)]
    data = [v + [np.nan] * (m - len(v)) for v in rows.values()]
    return pd.DataFrame(data, index=list(rows), columns=cols[:m], dtype=float)


_VOC_DETAIL = ("terms", "drivers", "examples")
_QUOTE_KEYS = frozenset({"examples", "quotes", "verbatims"})


def _mask_quotes(obj: Any, quoted: bool = False) -> Any:
    """Respondents' comments (under ``examples``/``quotes``/``verbatims``) with personal data masked, so a
    report never shows an e-mail or phone number even from a results file written without masking."""
    if isinstance(obj, Mapping):
        return {k: _mask_quotes(v, quoted or k in _QUOTE_KEYS) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_mask_quotes(v, quoted) for v in obj]
    if quoted and isinstance(obj, str):
        from ..text.pii import mask_pii

        return mask_pii(obj)
    return obj


def voc_parts(voc: Mapping[str, Any]) -> tuple[dict[str, Any] | None, dict[str, Any]]:
    """The VoC headline table (one row per segment and the total: n, nps.*, csat.*, crm KPIs...) and the rest
    (comment terms, drivers, settings) for generic display."""
    segs = voc.get("segments")
    if not isinstance(segs, Mapping) or not segs:
        return None, dict(voc)
    entries = [(str(k), v) for k, v in segs.items() if isinstance(v, Mapping)]
    if isinstance(voc.get("total"), Mapping):
        entries.append(("total", voc["total"]))
    flat = []
    for key, m in entries:
        f = flatten({k: v for k, v in m.items() if k not in _VOC_DETAIL})
        flat.append((key, {c: v for c, v in f.items() if _is_scalar(v) and not any(d in c for d in _VOC_DETAIL)}))
    cols: list[str] = []
    for _, f in flat:
        cols.extend(c for c in f if c not in cols)
    table = {"kind": "table", "title": None, "columns": [""] + cols[:30],
             "rows": [[key] + [f.get(c) for c in cols[:30]] for key, f in flat]}
    detail: dict[str, Any] = {}
    for key, m in entries:
        d = {k: _mask_quotes(v) for k, v in m.items() if k in _VOC_DETAIL}
        if d:
            detail[key] = d
    rest = {k: v for k, v in voc.items() if k not in ("segments", "total")}
    if detail:
        rest = {"details": detail, **rest}
    return table, rest


#: Criteria of the choice of k shown in reports, in order (the segment stage reports more).
SEGMENT_CRITERIA: tuple[str, ...] = ("silhouette", "calinski_harabasz", "davies_bouldin", "bic", "min_share",
                                     "stability_ari", "jaccard_min", "reproducibility", "rank_sum")
_CRITERION_KIND = {"min_share": "pct", "rank_sum": "index", "bic": "index", "calinski_harabasz": "index"}
_STABILITY_KEYS: tuple[str, ...] = ("replicates", "ari_mean", "ari_sd", "jaccard_min", "reproducibility")


def segment_blocks(seg: Mapping[str, Any], lang: str) -> list[dict[str, Any]]:
    """The segment stage as report blocks a research team reads: the choice-of-k table (chosen k marked by
    ``chosen``), stability, per-segment Jaccard, centroids and the basis, with translated labels.
    Internal settings (start counts, sample sizes...) stay in segment.json."""
    from .i18n import tr

    out: list[dict[str, Any]] = []
    crit = seg.get("criteria")
    if isinstance(crit, Mapping) and crit:
        cols = [c for c in SEGMENT_CRITERIA if any(isinstance(v, Mapping) and c in v for v in crit.values())]
        rows = [[str(k)] + [v.get(c) if isinstance(v, Mapping) else None for c in cols] for k, v in crit.items()]
        kinds = [None] + [_CRITERION_KIND.get(c) for c in cols]
        out.append({"kind": "table", "title": tr("criteria", lang), "columns": ["k"] + [tr(c, lang) for c in cols],
                    "rows": rows, "kinds": kinds,
                    "chosen": str(seg.get("k")) if seg.get("k") is not None else None})
    stab = seg.get("stability")
    if isinstance(stab, Mapping) and stab:
        kv = [(tr(f"stab_{k}", lang), stab[k]) for k in _STABILITY_KEYS if k in stab]
        if kv:
            out.append({"kind": "kv", "title": tr("stability", lang), "rows": kv})
        jac = stab.get("jaccard")
        if isinstance(jac, Mapping) and jac:
            out.append({"kind": "table", "title": tr("stab_jaccard", lang),
                        "columns": [tr("segment", lang), "Jaccard"], "rows": [[str(k), v] for k, v in jac.items()]})
    cen = seg.get("centroids")
    if isinstance(cen, Mapping) and cen and all(isinstance(v, Mapping) for v in cen.values()):
        dims = list(next(iter(cen.values())))
        out.append({"kind": "table", "title": tr("centroids", lang), "columns": [tr("segment", lang)] + dims,
                    "rows": [[str(k)] + [v.get(d) for d in dims] for k, v in cen.items()]})
    basis = seg.get("basis")
    facts: list[tuple[str, Any]] = []
    if isinstance(basis, Mapping):
        cols = basis.get("columns")
        facts.append((tr("basis", lang), f"{basis.get('kind', '')}: {', '.join(map(str, cols))}"
                      if isinstance(cols, list) else str(basis.get("kind", ""))))
    for key in ("rows_in", "rows_segmented", "rows_excluded"):
        if key in seg:
            facts.append((tr("seg_" + key if key == "rows_in" else key, lang), seg[key]))
    if seg.get("seed") is not None:
        facts.append((tr("seed", lang), str(seg["seed"])))
    if facts:
        out.append({"kind": "kv", "title": tr("segment_details", lang), "rows": facts})
    return out


def segment_explanation(seg: Mapping[str, Any], lang: str) -> str | None:
    """The choice of k in words: the segment stage's own explanation in English; in Spanish, the same facts
    (chosen k, its rank sum against the runners-up, the admissible k and the rule) from the criteria table."""
    text = seg.get("explanation") if isinstance(seg.get("explanation"), str) else None
    if lang == "en" or text is None:
        return text
    crit = seg.get("criteria")
    k = seg.get("k")
    if seg.get("k_chosen") is False and k is not None:
        return f"k = {k}, fijado en el análisis (no elegido entre varios)."
    if not isinstance(crit, Mapping) or k is None or str(k) not in crit:
        return None
    opts = seg.get("options") if isinstance(seg.get("options"), Mapping) else {}
    min_size = float(opts.get("min_size", 0.05))
    min_stab = float(opts.get("min_stability", 0.75))
    admissible = [str(kk) for kk, v in crit.items() if isinstance(v, Mapping) and v.get("admissible")]
    ranked = sorted(((float(v["rank_sum"]), str(kk)) for kk, v in crit.items()
                     if isinstance(v, Mapping) and isinstance(v.get("rank_sum"), (int, float))))
    dec = lambda x: f"{x:g}".replace(".", ",")  # noqa: E731 - Spanish decimal comma
    parts = [f"k = {k}: la menor suma de rangos de silueta, Calinski-Harabasz, Davies-Bouldin y BIC"]
    if ranked:
        own = next((r for r, kk in ranked if kk == str(k)), None)
        others = [f"k = {kk}: {dec(r)}" for r, kk in ranked if kk != str(k)][:2]
        if own is not None:
            parts[0] += f" ({dec(own)}" + (f"; {'; '.join(others)}" if others else "") + ")"
    if admissible:
        parts.append(f"entre los k admisibles ({', '.join(admissible)}): todos los segmentos con al menos un "
                     f"{dec(100 * min_size)} % de la muestra y un índice de Rand ajustado bootstrap medio de al "
                     f"menos {dec(min_stab)}")
    sil = crit[str(k)].get("silhouette") if isinstance(crit[str(k)], Mapping) else None
    sentence = "; ".join(parts) + "."
    if isinstance(sil, (int, float)) and sil < 0.25:
        sentence += (f" La silueta ({dec(round(sil, 2))}) es inferior a 0,25: los datos no muestran una estructura "
                     "de segmentos fuerte; los segmentos dividen un continuo.")
    return sentence
