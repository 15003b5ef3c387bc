"""What the section builders read: stage results as plain dicts, in report order.

Reports compute nothing. They take ``stage name -> result`` (a result object with ``to_dict()`` or its
dict, as ``--json`` prints it); :mod:`surveytools.summary.sections` reads them strictly.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .._json import to_jsonable
from ..exceptions import DataError

__all__ = ["STAGES", "NOT_REPORTED", "normalize_results", "plain", "segment_explanation"]

#: Stage names a report knows, in report order.
STAGES: tuple[str, ...] = ("import", "quality", "weight", "reliability", "tables", "factor", "segment", "profile",
                           "typing_tool", "crm", "crm_extend", "kpis", "voc", "waves")

#: Stages of ``surveytools run`` the reports have no section for: their results are left out (their JSON files
#: hold them), not an error; any other unknown name is one (a typo). Every stage has a section today.
NOT_REPORTED: tuple[str, ...] = ()


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
    if seg.get("method") == "latent-class":  # chosen by the lowest BIC among the admissible k
        admissible = [str(kk) for kk, v in crit.items() if isinstance(v, Mapping) and v.get("admissible")]
        bics = sorted((float(v["bic"]), str(kk)) for kk, v in crit.items()
                      if isinstance(v, Mapping) and isinstance(v.get("bic"), (int, float)))
        own = next((b for b, kk in bics if kk == str(k)), None)
        if own is None:
            return None
        thousands = lambda x: f"{x:,.0f}".replace(",", "\u00a0")  # noqa: E731 - Spanish digit grouping
        others = "; ".join(f"k = {kk}: {thousands(b)}" for b, kk in bics if kk != str(k))[:200]
        return (f"k = {k}: el menor BIC ({thousands(own)}" + (f"; {others}" if others else "") + ")"
                + (f" entre los k admisibles ({', '.join(admissible)})" if admissible else "") + ".")
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
