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
    # reliability
    "missing_handling": "Missing answers", "missing_pairwise": "pairwise (each correlation from the respondents "
    "who answered both items)", "missing_listwise": "listwise (respondents who answered every item)",
    "weighted": "Weighted", "sd_cap": "SD", "median_r": "Median inter-item r", "signal_noise": "Signal/noise",
    "ecv": "Explained common variance", "raw_r": "Item-total r", "check": "Check",
    "finding_negative-item-rest": "negative: reverse-keyed?", "finding_alpha-if-deleted": "raises alpha if dropped",
    "rel_not_used": "{scale}: {n} respondents not used{reason}.",
    "finding_low-alpha": "alpha below the minimum", "finding_zero-variance": "item without variance",
    "finding_no-answers": "item without answers", "finding_few-pairs": "few respondents for a correlation",
    "finding_omega-flipped": "items reversed for omega", "finding_omega-one-factor": "omega with one factor",
    "finding_omega-two-factors": "omega with two group factors",
    "finding_omega-not-estimable": "omega not estimable", "finding_heywood": "Heywood case",
    "finding_not-positive-definite": "correlations not positive definite",
    "finding_bootstrap-failures": "failed bootstrap resamples",
    "rel_dropped": "{scale}: dropped (no variance or no answers): {items}.",
    "rel_flipped": "{scale}: items reversed for omega (negative general-factor loadings): {items}.",
    "rel_bootstrap": "Bootstrap {level} percentile intervals ({n} resamples, seed {seed})",
    "boot_low": "Low", "boot_high": "High", "diagnostics": "Diagnostics", "diagnostic": "Diagnostic",
    "message": "Message",
    "n_items_short": "items", "alpha_short": "alpha", "alpha_ci_low_short": "Feldt CI low", "alpha_ci_high_short": "Feldt CI high",
    "std_alpha_short": "std.a", "g6_short": "G6", "average_r_short": "avg r", "median_r_short": "med r",
    "signal_noise_short": "S/N", "mean_cap_short": "mean", "sd_cap_short": "sd", "omega_total_short": "omega_t",
    "omega_hierarchical_short": "omega_h", "omega_total_sl_short": "omega_t(SL)", "ecv_short": "ECV",
    "reversed_short": "rev", "r_drop_short": "r_drop", "raw_r_short": "raw_r",
}

ES: dict[str, str] = {
    # quality
    "flagged_share": "Proporción marcada",
    "flag_not_checked": "no comprobado: {reason}",
    "out_of_range_items": "Respuestas fuera de rango por ítem",
    "out_of_range_more": "Se muestran los {n} ítems con más respuestas fuera de rango; {total} ítems tienen alguna.",
    "no_exclusions": "Sin exclusiones: se conservan los {n} encuestados.",
    # reliability
    "missing_handling": "Respuestas ausentes", "missing_pairwise": "por pares (cada correlación con quienes "
    "respondieron a ambos ítems)", "missing_listwise": "por casos completos (quienes respondieron a todos los ítems)",
    "weighted": "Ponderado", "sd_cap": "DE", "median_r": "Mediana de r entre ítems", "signal_noise": "Señal/ruido",
    "ecv": "Varianza común explicada", "raw_r": "r ítem-total", "check": "Revisión",
    "finding_negative-item-rest": "negativa: ¿ítem invertido?", "finding_alpha-if-deleted": "sube el alfa si se quita",
    "rel_not_used": "{scale}: {n} encuestados no usados{reason}.",
    "finding_low-alpha": "alfa por debajo del mínimo", "finding_zero-variance": "ítem sin varianza",
    "finding_no-answers": "ítem sin respuestas", "finding_few-pairs": "pocos encuestados para una correlación",
    "finding_omega-flipped": "ítems invertidos para omega", "finding_omega-one-factor": "omega con un factor",
    "finding_omega-two-factors": "omega con dos factores de grupo",
    "finding_omega-not-estimable": "omega no estimable", "finding_heywood": "caso Heywood",
    "finding_not-positive-definite": "correlaciones no definidas positivas",
    "finding_bootstrap-failures": "remuestras bootstrap fallidas",
    "rel_dropped": "{scale}: ítems descartados (sin varianza o sin respuestas): {items}.",
    "rel_flipped": "{scale}: ítems invertidos para omega (cargas negativas en el factor general): {items}.",
    "rel_bootstrap": "Intervalos bootstrap de percentiles al {level} ({n} remuestras, semilla {seed})",
    "boot_low": "Mín.", "boot_high": "Máx.", "diagnostics": "Diagnósticos", "diagnostic": "Diagnóstico",
    "message": "Mensaje",
    "n_items_short": "ítems", "alpha_short": "alfa", "alpha_ci_low_short": "IC Feldt mín.", "alpha_ci_high_short": "IC Feldt máx.",
    "std_alpha_short": "alfa est.", "g6_short": "G6", "average_r_short": "r media", "median_r_short": "r mediana",
    "signal_noise_short": "S/R", "mean_cap_short": "media", "sd_cap_short": "de", "omega_total_short": "omega_t",
    "omega_hierarchical_short": "omega_h", "omega_total_sl_short": "omega_t(SL)", "ecv_short": "VCE",
    "reversed_short": "inv.", "r_drop_short": "r_drop", "raw_r_short": "r_bruta",
}
