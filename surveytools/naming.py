"""Readable names for factors and segments, in English and Spanish.

Reports read better with "Price sensitivity" than "F1", and with "High price sensitivity, low brand
loyalty" than "Segment 3". These functions propose such names from the results; users override them
(``--names``, ``factor_names``, the project file).

* :func:`name_factors`: a factor takes the label of the questionnaire scale whose items load on it
  (the scale with the largest share of its items having their highest loading, at least ``min_loading``,
  on this factor; at least half of its items; each scale names one factor). A factor that no scale
  claims is named after the text of its highest-loading item.
* :func:`name_segments`: a segment is named after the one or two basis dimensions on which its mean
  stands furthest from the sample's (in standard deviations of the basis, at least ``threshold``):
  "High price sensitivity, low brand loyalty" / "Más sensibilidad al precio, menos lealtad a la marca".
  A segment close to the mean on every dimension is the "Average profile" / "Perfil medio".
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from .exceptions import DataError

__all__ = ["name_factors", "name_segments", "short_text", "basis_labels"]

_WORDS = {
    "en": {"high": "High {label}", "low": "Low {label}", "and_high": "high {label}", "and_low": "low {label}",
           "average": "Average profile", "reversed": "{label} (reversed)"},
    "es": {"high": "Más {label}", "low": "Menos {label}", "and_high": "más {label}", "and_low": "menos {label}",
           "average": "Perfil medio", "reversed": "{label} (inverso)"},
}


def short_text(text: str, limit: int = 40) -> str:
    """``text`` in at most ``limit`` characters, cut at a word boundary with an ellipsis."""
    clean = " ".join(str(text).split()).rstrip(" .:;,")
    if len(clean) <= limit:
        return clean
    cut = clean[: limit - 1]
    if " " in cut[limit // 2:]:
        cut = cut[: cut.rindex(" ")]
    return cut.rstrip(" .:;,") + "\u2026"


def _lower_first(label: str) -> str:
    """Lower-case the first letter of a label used inside a phrase, unless it looks like an acronym."""
    if len(label) > 1 and label[0].isupper() and label[1].islower():
        return label[0].lower() + label[1:]
    return label


def _dedupe(names: dict[Any, str]) -> dict[Any, str]:
    seen: dict[str, int] = {}
    out = {}
    for key, name in names.items():
        count = seen.get(name.casefold(), 0) + 1
        seen[name.casefold()] = count
        out[key] = name if count == 1 else f"{name} ({count})"
    return out


def name_factors(loadings: pd.DataFrame, scales: Mapping[str, Any] | None = None,
                 item_text: Mapping[str, str] | None = None, *, min_loading: float = 0.3,
                 lang: str = "en") -> dict[str, str]:
    """Propose a name for each factor.

    Parameters
    ----------
    loadings
        Pattern loadings, items x factors (factor ids as columns).
    scales
        Scale name -> :class:`~surveytools.questionnaire.Scale` (``items``, ``reversed``, ``label``).
    item_text
        Item id -> question text, to name factors no scale claims.
    min_loading
        Smallest absolute loading for an item to count as marking a factor.
    lang
        Language of the "(reversed)" suffix of a factor that measures a scale backwards.

    Returns
    -------
    dict
        Factor id -> name, in the order of the columns; names are distinct.
    """
    words = _WORDS.get(lang, _WORDS["en"])
    L = loadings.to_numpy(dtype=float)
    items = [str(i) for i in loadings.index]
    factors = [str(f) for f in loadings.columns]
    if L.size == 0:
        return {}
    absL = np.abs(L)
    primary = absL.argmax(axis=1)
    strong = absL[np.arange(len(items)), primary] >= min_loading
    row = {item: i for i, item in enumerate(items)}
    # share of each scale's items marking each factor
    candidates: list[tuple[float, int, str, int]] = []
    for s_order, (sname, scale) in enumerate((scales or {}).items()):
        members = [row[i] for i in getattr(scale, "items", ()) if i in row]
        if len(members) < 2:
            continue
        for f in range(len(factors)):
            hits = [i for i in members if strong[i] and primary[i] == f]
            share = len(hits) / len(members)
            if share >= 0.5:
                candidates.append((share, -s_order, sname, f))
    names: dict[int, str] = {}
    used: set[str] = set()
    for _share, _, sname, f in sorted(candidates, key=lambda c: (-c[0], -c[1], c[3])):
        if f in names or sname in used:
            continue
        scale = scales[sname]  # type: ignore[index]
        label = getattr(scale, "label", None) or sname.replace("_", " ").capitalize()
        reversed_items = set(getattr(scale, "reversed", ()))
        keyed = sum((-1.0 if items[i] in reversed_items else 1.0) * L[i, f]
                    for i in (row[m] for m in scale.items if m in row))
        names[f] = label if keyed >= 0 else words["reversed"].format(label=label)
        used.add(sname)
    text = item_text or {}
    for f in range(len(factors)):
        if f in names:
            continue
        order = np.argsort(-absL[:, f], kind="stable")
        top = items[int(order[0])]
        label = short_text(text.get(top) or top)
        names[f] = label if L[int(order[0]), f] >= 0 else words["reversed"].format(label=label)
    return _dedupe({factors[f]: names[f] for f in range(len(factors))})


def name_segments(centroids_z: pd.DataFrame, labels: Mapping[str, str] | None = None, *, lang: str = "en",
                  threshold: float = 0.25, max_dims: int = 2) -> dict[int, str]:
    """Propose a short descriptive name for each segment from its standardized centroid.

    Parameters
    ----------
    centroids_z
        Segments (index 1..k) x basis dimensions: segment means in standard deviations from the sample mean.
    labels
        Dimension -> display label (factor names, scale labels); the column name otherwise.
    lang
        ``en`` or ``es``.
    threshold
        Smallest absolute standardized mean for a dimension to enter a name.
    max_dims
        Dimensions per name (the most distinctive first).

    Returns
    -------
    dict
        Segment number -> name; names are distinct (a further dimension, else a number, breaks ties).
    """
    if lang not in _WORDS:
        raise DataError(f"segment names can be written in {', '.join(_WORDS)}, not {lang!r}")
    words = _WORDS[lang]
    labels = labels or {}
    Z = centroids_z.to_numpy(dtype=float)
    cols = [str(c) for c in centroids_z.columns]

    def phrase(values: np.ndarray, dims: int) -> str:
        order = [j for j in np.argsort(-np.abs(values), kind="stable") if np.isfinite(values[j])
                 and abs(values[j]) >= threshold][:dims]
        if not order:
            return words["average"]
        parts = []
        for n, j in enumerate(order):
            label = str(labels.get(cols[j], cols[j]))
            key = ("high" if values[j] > 0 else "low") if n == 0 else ("and_high" if values[j] > 0 else "and_low")
            parts.append(words[key].format(label=_lower_first(label)))
        return ", ".join(parts)

    names = {int(s): phrase(Z[i], max_dims) for i, s in enumerate(centroids_z.index)}
    clash = {n for n in names.values() if list(names.values()).count(n) > 1}
    if clash:
        for i, s in enumerate(centroids_z.index):
            if names[int(s)] in clash:
                names[int(s)] = phrase(Z[i], max_dims + 1)
    return _dedupe(names)


def basis_labels(sources: Mapping[str, Mapping[str, Any]], questionnaire: Any = None,
                 factor_names: Mapping[str, str] | None = None) -> dict[str, str]:
    """Display labels of segmentation basis columns: factor names, scale labels, item text.

    Parameters
    ----------
    sources
        Column -> how it was built (``{"type": "factor" | "scale" | "item" | "column", ...}``), as
        :class:`~surveytools.segment.basis.Basis` records it.
    questionnaire
        The questionnaire (scale labels, item text), if any.
    factor_names
        Factor id -> name (:attr:`FactorResult.names <surveytools.factor.model.FactorResult.names>`).
    """
    out: dict[str, str] = {}
    for col, src in sources.items():
        kind = src.get("type")
        label = str(col)
        if kind == "factor" and factor_names:
            label = factor_names.get(str(col), label)
        elif kind == "scale" and questionnaire is not None:
            scale = questionnaire.scales.get(src.get("scale", col))
            if scale is not None and scale.label:
                label = scale.label
        elif kind == "item" and questionnaire is not None:
            item = questionnaire.items.get(src.get("item", col))
            if item is not None and item.text:
                label = short_text(item.text)
        out[str(col)] = label
    return out
