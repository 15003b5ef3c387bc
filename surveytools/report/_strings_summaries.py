"""Texts of the Summary documents that ``summary()`` and the command line show beyond the report sections
(merged into :data:`i18n.STRINGS`; both languages define the same keys, a test checks it)."""

from __future__ import annotations

EN: dict[str, str] = {
    # quality
    "flagged_share": "Share flagged",
    "flag_not_checked": "not checked: {reason}",
    "out_of_range_items": "Out-of-range answers by item",
    "out_of_range_more": "The {n} items with the most out-of-range answers are shown; {total} items have some.",
    "no_exclusions": "No exclusions: {n} respondents kept.",
}

ES: dict[str, str] = {
    # quality
    "flagged_share": "Proporción marcada",
    "flag_not_checked": "no comprobado: {reason}",
    "out_of_range_items": "Respuestas fuera de rango por ítem",
    "out_of_range_more": "Se muestran los {n} ítems con más respuestas fuera de rango; {total} ítems tienen alguna.",
    "no_exclusions": "Sin exclusiones: se conservan los {n} encuestados.",
}
