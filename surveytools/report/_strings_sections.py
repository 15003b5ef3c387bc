"""Texts of the report sections built from Summary documents (merged into :data:`i18n.STRINGS`)."""

from __future__ import annotations

EN: dict[str, str] = {
    # weight, banner tables, KPIs
    "weight": "Weighting", "w_efficiency": "Weighting efficiency (Kish)", "w_effective_n": "Effective sample size",
    "w_design_effect": "Design effect of the weights", "w_range": "Smallest and largest weight",
    "w_range_value": "{low} to {high}", "w_converged": "Raking converged", "w_cap": "Cap (x mean weight)",
    "w_note": "Raking (iterative proportional fitting, as R survey's rake) makes the weighted sample match the "
              "population shares below; later results use these weights.",
    "w_margins": "Targets, sample and weighted shares", "w_margin": "Variable", "w_cell": "Category",
    "w_target": "Target", "w_sample": "Sample", "w_achieved": "Weighted",
    "tables_title": "Banner tables", "mean_cap": "Mean",
    "letters_note_tables": "Column percentages or means; letters mark the columns a cell is significantly higher "
                           "than (z test for percentages, Welch t for means; {adjust}; alpha = {alpha}).",
    "kpis": "Customer KPIs by segment", "kpi_table": "KPIs per segment", "kpi_overall": "All customers",
    "kpi_customer_share": "Share of customers", "kpi_revenue_share": "Share of revenue",
    "kpi_value_per_customer": "Revenue per customer", "kpi_orders_per_customer": "Orders per customer",
    "kpi_aov": "Average order value", "kpi_discount_share": "Orders with a discount", "kpi_lapsed_share": "Lapsed",
    "kpi_vip_share": "VIP", "kpi_recency_days_median": "Median days since last purchase",
    "kpi_window": "Purchases in the {days} days up to {as_of}.",
    "kpi_value_chart": "Where the value is: share of customers and of revenue",
    "kpi_definitions": "Orders per customer = orders in the window / customers; average order value = revenue / "
                       "orders; revenue is net of returns (negative amounts, which are not orders); lapsed = at "
                       "least the minimum orders ever and no purchase for longer than the inactivity limit; VIP = "
                       "the top spenders.",
    "kpi_unassigned": "Customers without a segment", "kpi_rows_in": "Transactions read",
    "kpi_rows_used": "Transactions used", "kpi_excluded": "Transactions left out: {reason}",
    "kpi_reason_missing-customer": "no customer id", "kpi_reason_missing-date": "no date",
    "kpi_reason_bad-date": "a date that is not a date", "kpi_reason_missing-amount": "no amount",
    "kpi_reason_bad-amount": "an amount that is not a number", "kpi_reason_bad-discount": "a discount that is not a number",
    "kpi_reason_missing-margin": "no margin", "kpi_reason_bad-margin": "a margin that is not a number",
    "kpi_reason_after-as-of": "after the reference date", "kpi_reason_unknown-customer": "customer not in the list",
    "yes": "yes", "no": "no",
    # overview
    "ov_format": "Survey export", "ov_rows_in": "Rows in the export", "ov_respondents": "Respondents checked",
    "ov_flagged": "Respondents with a quality flag", "ov_excluded": "Respondents excluded from the analyses",
    "ov_alpha": "Cronbach's alpha: {scale}", "ov_factors": "Attitude factors", "ov_k": "Segments",
    "ov_method": "Segmentation method", "ov_profiled": "Respondents profiled",
    "ov_typing": "Typing tool accuracy ({n} questions, cross-validated)", "ov_match_rate": "Respondents found in the CRM",
    "format_qualtrics": "Qualtrics", "format_surveymonkey": "SurveyMonkey", "format_google_forms": "Google Forms",
    "format_spss": "SPSS (.sav)", "format_clean": "surveytools clean file", "format_csv": "CSV file",
    "format_excel": "Excel file",
    # quality
    "quality_flags": "Quality indicators", "definition": "Definition", "flag_not_run": "not checked (no data for it)",
    "flag_speeder": "Speeders", "flag_straightlining": "Straight-lining", "flag_longstring": "Long runs of one answer",
    "flag_out-of-range": "Answers out of range", "flag_duplicate-id": "Duplicate respondent id",
    "flag_duplicate-email": "Duplicate e-mail", "flag_duplicate-answers": "Duplicate answers",
    "flag_high-missing": "Many unanswered items", "flag_attention-check": "Failed attention check",
    "flag_partial": "Incomplete response",
    "flagdef_speeder": "interview duration below {value} times the median of complete responses",
    "flagdef_straightlining": "the same answer to every item of a grid that has reverse-worded items (grids of at "
                              "least {value} items)",
    "flagdef_longstring": "at least {value} identical answers in a row",
    "flagdef_out-of-range": "a code that is not a valid answer of the item{value}",
    "flagdef_duplicate-id": "respondent id seen in an earlier row{value}",
    "flagdef_duplicate-email": "e-mail seen in an earlier row (case and spaces ignored){value}",
    "flagdef_duplicate-answers": "the same answers as an earlier row to every answer column{value}",
    "flagdef_high-missing": "more than {value} of the answerable items left blank",
    "flagdef_attention-check": "an answer other than the one asked for in an attention-check item{value}",
    "flagdef_partial": "fewer than {value} of the answerable items answered, or the survey not finished",
    "exclusions": "Exclusions", "excluded_by_reason": "Respondents excluded, by reason",
    "exclusion_note": "A respondent with several flags counts once under each reason.",
    # waves
    "waves": "Wave over wave", "wv_row": "Measure", "wv_change": "Change {a} to {b}", "wv_p": "p",
    "wv_segments": "Segment sizes", "wv_means": "Means", "wv_kpis": "KPIs (NPS, -100 to 100)",
    "wv_table": "Each wave and the change from the previous wave", "wv_bases": "Respondents per wave ({column}): {bases}.",
    "wv_note": "Changes marked are significant at {alpha}: two-proportion z test for segment sizes, Welch t test for "
               "means, z test for NPS (variance (p+ + p- - NPS^2) / n); weighted with Kish effective sizes.",
    # reliability
    "scales": "Scales", "alpha_ci_low": "Alpha low (95% CI)", "alpha_ci_high": "Alpha high (95% CI)",
    # factors
    "bartlett_value": "chi-square {chi2}, df {df}, p {p}", "fa_method_minres": "minimum residual (minres)",
    "fa_method_ml": "maximum likelihood", "fa_method_pa": "principal axis",
    "rotation_none": "none", "rotation_varimax": "varimax", "rotation_quartimax": "quartimax",
    "rotation_equamax": "equamax", "rotation_geominT": "geomin (orthogonal)", "rotation_promax": "promax (oblique)",
    "rotation_oblimin": "oblimin (oblique)", "rotation_quartimin": "quartimin (oblique)",
    "rotation_geominQ": "geomin (oblique)",
    "suggest_parallel": "Factors suggested by parallel analysis", "suggest_map": "Factors suggested by Velicer's MAP",
    "suggest_kaiser": "Factors with eigenvalue above 1",
    "series_observed_pc": "Observed eigenvalues (components)", "series_observed_fa": "Observed eigenvalues (factors)",
    "series_fa_observed": "Observed eigenvalues (factors)",
    "series_simulated_pc": "Random data, components", "series_pc_reference": "Random data, components",
    "series_simulated_fa": "Random data, factors", "series_fa_reference": "Random data, factors",
    "series_resampled_pc": "Resampled data, components", "series_resampled_fa": "Resampled data, factors",
    "fit_rmsea": "RMSEA", "fit_tli": "Tucker-Lewis index", "fit_bic": "BIC", "fit_rmsr": "Root mean square residual",
    # segments
    "method_kmeans": "k-means", "method_gmm": "Gaussian mixture", "method_ward": "Ward hierarchical clustering",
    "method_ensemble": "consensus of k-means, Ward and Gaussian mixture", "method_latent-class": "latent classes",
    "basis_factors": "factor scores: {columns}", "basis_scales": "scale scores: {columns}",
    "basis_items": "item answers: {columns}", "basis_columns": "columns: {columns}",
    "criteria_note": "The chosen k is highlighted. Silhouette and Calinski-Harabasz: higher is better; "
                     "Davies-Bouldin and BIC: lower is better; the rank sum adds each k's rank on the four.",
    # profile
    "profile_table": "Segment profiles", "total_n": "n = {n}", "segment_n": "{segment} (n = {n})",
    "sig": "Sig.", "profile_legend": "\u25b2 significantly higher, \u25bc significantly lower than the rest of the "
                                     "sample; letters: segments this one is significantly higher than.",
    "profile_heatmap": "Profile heat map of all segments",
    "heatmap_note": "Colour: the segment's mean minus the total mean, in standard deviations of the total "
                    "(blue above, red below the total).",
    "perceptual_map": "Perceptual map of segments and attributes",
    "ca_dim": "Dimension {number} ({share} of inertia)",
    "ca_note": "Correspondence analysis of the segments x attributes table of means (symmetric map, principal "
               "coordinates): segments near an attribute score relatively higher on it. The two dimensions "
               "show {share} of the table's inertia.",
    "ca_not_drawn": "No perceptual map: it needs at least three segments and three attributes measured on a "
                    "positive scale.",
    "card_higher": "higher {label}: {value} vs {total} overall", "card_lower": "lower {label}: {value} vs {total} overall",
    "profile_chart_of": "Profile of {segment}",
    # typing tool
    "tt_items": "Questions in the typing tool", "tt_accuracy": "Accuracy (cross-validated)",
    "tt_resubstitution": "Accuracy on the respondents it was built on", "tt_rows_used": "Respondents used",
    "tt_imputed": "Missing answers imputed",
    "tt_note": "The typing tool assigns new respondents to a segment from a few questions (linear discriminant "
               "scores); accuracy is the share assigned to their own segment in cross-validation.",
    "tt_questions": "Questions, in order of selection", "tt_order": "Order",
    "tt_accuracy_after": "Accuracy with the questions so far", "tt_curve": "Accuracy by number of questions",
    "tt_n_items": "Questions", "tt_hit_rates": "Accuracy by segment", "tt_hit_rate": "Correctly assigned",
    "tt_confusion": "Actual segment (rows) by predicted segment (columns)", "tt_actual": "Actual segment",
    "tt_confusion_note": "Cross-validated counts of respondents (weighted when the survey has weights).",
    # crm
    "crm_key": "Matched on", "crm_key_email": "e-mail (trimmed, lower-case)", "crm_key_phone": "phone number (digits)",
    "crm_key_id": "customer id", "crm_key_sha256": "hashed key (SHA-256)",
    "crm_survey_rows_in": "Respondents in the survey", "crm_excluded_no-key": "Respondents without a key",
    "crm_excluded_duplicate-key": "Respondents with a repeated key (earlier answers dropped)",
    "crm_rows_in": "Customers in the CRM file", "crm_duplicates": "survey {survey}, CRM {crm}",
    "crm_rules": "A respondent who answered twice keeps the latest answer; a key that appears for several "
                 "customers matches the first of them.",
    "crm_pseudonymized": "Columns pseudonymized (HMAC-SHA256): {columns}",
    # crm extend
    "crm_extend": "Segments for every customer",
    "ext_customers": "Customers", "ext_from_survey": "Segment from the survey (respondents)",
    "ext_from_model": "Segment from the model", "ext_count_share": "{n} ({share} of the customers)",
    "ext_unassigned": "No segment", "ext_unassigned_value": "{n} (model probability below {p})",
    "ext_model": "Model", "ext_model_logistic": "multinomial logistic regression",
    "ext_model_boosting": "gradient boosting (calibrated)",
    "ext_cv_accuracy": "Accuracy on respondents the model did not see (cross-validated)",
    "ext_disagreements": "Respondents whose survey segment differs from the model's",
    "ext_intro": "The segment of customers who did not answer the survey comes from a model on their CRM fields. "
                 "On respondents it did not see, the model gives the survey segment {acc} of the time "
                 "({folds}-fold cross-validation on {n} respondents matched to the CRM).",
    "ext_reliability": "How reliable the model's segment is, by segment",
    "ext_respondents": "Respondents", "ext_recall": "Found by the model", "ext_precision": "Correct when assigned",
    "ext_customers_model": "Customers assigned by the model", "ext_mean_probability": "Mean probability",
    "ext_verdict": "Verdict", "ext_verdict_reliable": "reliable", "ext_verdict_care": "usable with care",
    "ext_verdict_weak": "rarely recovered",
    "ext_reliability_note": "Found by the model: share of a segment's respondents the model puts in it (recall); "
                            "correct when assigned: share of those it puts in a segment who belong there "
                            "(precision); both cross-validated. Reliable from 75% found; rarely recovered below "
                            "{threshold}.",
    "ext_weak": "Rarely recovered from CRM fields: {segments}. Do not act on the model's assignment to these "
                "segments alone.",
    "ext_features": "CRM fields the model uses", "ext_feature": "Field", "ext_kind": "Kind",
    "ext_kind_numeric": "number", "ext_kind_date": "date (days before the reference date)",
    "ext_kind_categorical": "category", "ext_importance": "Importance",
    "ext_importance_note": "Permutation importance: how much worse the model predicts the respondents' segments "
                           "when the field's values are shuffled among them (log loss).",
    "ext_limits": "The model only recovers what buying behaviour reveals about attitudes, and it is measured "
                  "against survey segments that carry their own error; respondents are not a random sample of "
                  "the customers. Personal data (e-mail, phone, name, address) is never a model input.",
    # voc
    "voc_headline": "NPS and satisfaction by segment", "ci_low": "NPS low (95% CI)", "ci_high": "NPS high (95% CI)",
    "csat_ci_low": "CSAT low (95% CI)", "csat_ci_high": "CSAT high (95% CI)",
    "nps_axis": "NPS (% promoters \u2212 % detractors)",
    "nps_definition": "NPS = % promoters (9-10) minus % detractors (0-6), from -100 to 100.",
    "csat_definition": "CSAT = {definition}.", "csat_def_top": "percentage answering the top {k} boxes ({codes})",
    "csat_def_mean": "mean satisfaction rating", "csat_def_other": "satisfaction as defined in the project",
    "driver_importance": "Key drivers of the NPS (share of explained variance)", "driver": "Driver",
    "driver_share": "Share of R\u00b2", "driver_share_axis": "Importance (% of explained variance)",
    "driver_weight": "Relative weight", "beta": "Standardized beta", "r": "Correlation",
    "driver_outcome": "the likelihood to recommend (0-10)",
    "drivers_total": "Drivers, all respondents (R\u00b2 = {r2})",
    "drivers_note": "Relative weights (Johnson 2000) of the regression of {outcome} on the drivers: each "
                    "driver's share of the explained variance.",
    "quadrant": "Importance x performance", "performance": "Performance (mean score)",
    "quadrant_note": "Lines at the mean importance and mean performance: top right, strengths to keep; bottom "
                     "right, priorities to improve.",
    "quadrant_not_drawn": "No importance x performance chart: the drivers' mean scores are not in the profile.",
    "drivers_by_segment": "Driver importance by segment (% of explained variance)",
    "voc_terms": "What each segment says (open-ended comments)", "comments": "Comments", "terms": "Distinctive terms",
    "examples": "Examples",
    "terms_note": "Lemmas, negations (no_...) and phrases used more in the segment than in the rest (weighted "
                  "log-odds with an informative prior); personal data in the examples masked.",
    "voc_themes": "Themes of the comments (% of respondents who commented)",
    "voc_themes_note": "Code frame: {source}. Base: the {n} respondents who commented; a comment can have several "
                       "themes. Marked (+ / -): significantly higher / lower than the rest of the sample "
                       "(two-proportion z test, Benjamini-Hochberg adjusted, 5%).",
    "voc_uncoded": "(uncoded)", "theme": "Theme", "quote": "Quote",
    "voc_quotes": "Quotes by theme and segment (personal data masked)",
    "voc_discovered": "Proposed themes (NMF on lemmas and phrases)", "top_terms": "Top terms",
    "voc_discovered_note": "Draft themes found without a code frame: edit their keywords and reuse them with "
                           "--codeframe.",
    "voc_kpis": "Customer KPIs by segment (CRM)", "kpis_note": "Customers matched to the CRM; percentages of customers.",
    "kpi_customers": "Customers", "kpi_purchase_frequency": "Orders per customer",
    "kpi_revenue_per_customer": "Revenue per customer", "kpi_average_order_value": "Average order value",
    "kpi_discounts_per_customer": "Discounts per customer", "kpi_discount_users_pct": "Customers using discounts",
    "kpi_mean_R": "Mean recency score (1-5)", "kpi_mean_F": "Mean frequency score (1-5)",
    "kpi_mean_M": "Mean monetary score (1-5)", "kpi_loyalty_tier_mix": "Loyalty tier (% of customers)",
    "kpi_channel_mix": "Preferred channel (% of customers)", "kpi_rfm_segment_mix": "RFM segment (% of customers)",
    "rfm_champions": "Champions", "rfm_loyal": "Loyal", "rfm_new_or_promising": "New or promising",
    "rfm_at_risk": "At risk", "rfm_hibernating": "Hibernating", "rfm_needs_attention": "Needs attention",
    # typing-tool calculator workbook
    "calc_sheet_calculator": "Calculator", "calc_sheet_coefficients": "Coefficients", "calc_sheet_accuracy": "Accuracy",
    "calc_sheet_options": "Options", "calc_sheet_model": "Model", "calc_item": "Item", "calc_segment": "Segment {number}",
    "calc_constant": "Constant", "calc_code": "Code", "calc_label": "Label", "calc_key": "Key",
    "calc_title": "Segment calculator",
    "calc_instructions": "Type the respondent's answer code in the yellow cells (column D). A blank or invalid answer "
                         "takes the item's average (column H); with more than {max_missing} of {p} answers missing "
                         "no segment is given.",
    "calc_question": "Question", "calc_options": "Answer options", "calc_answer": "Answer",
    "calc_answer_label": "Answer label", "calc_value_used": "Value used", "calc_missing": "Missing",
    "calc_average": "Average (used if missing)", "calc_a_number": "a number", "calc_no_answer": "(no answer)",
    "calc_not_valid": "(not a valid answer)", "calc_not_valid_title": "Not a valid answer",
    "calc_choose_code": "Choose one of the codes of {item}.", "calc_missing_answers": "Missing answers",
    "calc_segment_head": "Segment", "calc_name": "Name", "calc_score": "Score", "calc_exp_score": "exp(score - max)",
    "calc_probability": "Probability", "calc_too_many_missing": "too many missing answers",
    "calc_n_items": "Number of questions", "calc_item_added": "Question added", "calc_items": "Questions",
    "calc_cv_accuracy": "Cross-validated accuracy", "calc_selected_head": "Selected", "calc_selected": "selected",
    "calc_chart_title": "Cross-validated accuracy by number of golden questions",
    "calc_classifier": "Classifier",
    "calc_classifier_text": "Linear discriminant analysis: Fisher's classification functions (pooled within-segment "
                            "covariance, divisor n - K)",
    "calc_score_k": "Score of segment k",
    "calc_score_text": "constant(k) + sum over questions j of coefficient(j, k) x answer(j); the segment is the "
                       "highest score",
    "calc_probability_text": "exp(score(k) - highest score), divided by its sum over the segments",
    "calc_missing_text": "replaced by the item's training mean; more than {max_missing} of {p} missing: no segment",
    "calc_golden": "Golden questions", "calc_n_train": "Respondents used to fit", "calc_folds": "Cross-validation folds",
    "calc_seed": "Random seed", "calc_created": "Created", "calc_version": "surveytools version", "calc_prior": "Prior",
    "calc_respondents": "Respondents", "calc_hit_rate": "Correctly assigned (cross-validated)",
    "profile_head": "Segment profiles: {n} respondents in {k} segments{excluded}{flagged}{weighted}",
    "profile_head_excluded": " ({n} without a segment excluded)",
    "profile_head_flagged": " ({n} left out for quality flags)",
    "profile_base": "Base: {n} of {total} respondents{excluded}{flagged}.", "profile_head_weighted": "; weighted (Kish n_eff)",
    "profile_marks": "+/- significantly higher/lower than the rest of the sample ({pname} < {alpha}); Welch t for "
                     "means, z for proportions",
    "profile_letters": "letters: segments a cell is significantly higher than (pairwise tests, {adjust}, alpha "
                       "{alpha})",
    # deck
    "deck_method": "Method", "deck_sample": "Sample", "deck_segments": "The segments",
    "deck_method_text": "Survey of {n} respondents; {factors} attitude factors; {k} segments by {method}; profiles "
                        "tested against the rest of the sample.",
    "deck_share": "{share} of the sample", "deck_more": "{n} more columns in the report",
}

ES: dict[str, str] = {
    # crm extend
    "crm_extend": "Segmentos para todos los clientes",
    "ext_customers": "Clientes", "ext_from_survey": "Segmento de la encuesta (encuestados)",
    "ext_from_model": "Segmento del modelo", "ext_count_share": "{n} ({share} de los clientes)",
    "ext_unassigned": "Sin segmento", "ext_unassigned_value": "{n} (probabilidad del modelo inferior a {p})",
    "ext_model": "Modelo", "ext_model_logistic": "regresión logística multinomial",
    "ext_model_boosting": "gradient boosting (calibrado)",
    "ext_cv_accuracy": "Acierto en encuestados que el modelo no vio (validación cruzada)",
    "ext_disagreements": "Encuestados cuyo segmento de la encuesta difiere del del modelo",
    "ext_intro": "El segmento de los clientes que no respondieron la encuesta procede de un modelo sobre sus datos "
                 "del CRM. En encuestados que no vio, el modelo acierta el segmento de la encuesta el {acc} de las "
                 "veces (validación cruzada en {folds} partes con {n} encuestados cruzados con el CRM).",
    "ext_reliability": "Fiabilidad del segmento del modelo, por segmento",
    "ext_respondents": "Encuestados", "ext_recall": "Encontrados por el modelo", "ext_precision": "Acierto al asignar",
    "ext_customers_model": "Clientes asignados por el modelo", "ext_mean_probability": "Probabilidad media",
    "ext_verdict": "Valoración", "ext_verdict_reliable": "fiable", "ext_verdict_care": "usar con cautela",
    "ext_verdict_weak": "rara vez se recupera",
    "ext_reliability_note": "Encontrados por el modelo: parte de los encuestados de un segmento que el modelo pone "
                            "en él (sensibilidad); acierto al asignar: parte de los que pone en un segmento que "
                            "pertenecen a él (precisión); ambos por validación cruzada. Fiable desde el 75 % "
                            "encontrado; rara vez se recupera por debajo del {threshold}.",
    "ext_weak": "Rara vez se recuperan con los datos del CRM: {segments}. No actúe solo con la asignación del modelo "
                "a estos segmentos.",
    "ext_features": "Datos del CRM que usa el modelo", "ext_feature": "Dato", "ext_kind": "Tipo",
    "ext_kind_numeric": "número", "ext_kind_date": "fecha (días antes de la fecha de referencia)",
    "ext_kind_categorical": "categoría", "ext_importance": "Importancia",
    "ext_importance_note": "Importancia por permutación: cuánto empeora la predicción del segmento de los "
                           "encuestados al barajar los valores del dato entre ellos (log loss).",
    "ext_limits": "El modelo solo recupera lo que el comportamiento de compra revela de las actitudes, y se mide "
                  "contra segmentos de encuesta que tienen su propio error; los encuestados no son una muestra "
                  "aleatoria de los clientes. Los datos personales (correo, teléfono, nombre, dirección) nunca "
                  "entran en el modelo.",
    # weight, banner tables, KPIs
    "weight": "Ponderación", "w_efficiency": "Eficiencia de la ponderación (Kish)",
    "w_effective_n": "Tamaño muestral efectivo", "w_design_effect": "Efecto de diseño de las ponderaciones",
    "w_range": "Ponderación mínima y máxima", "w_range_value": "de {low} a {high}",
    "w_converged": "El ajuste (raking) convergió", "w_cap": "Tope (x ponderación media)",
    "w_note": "El raking (ajuste proporcional iterativo, como rake de R survey) hace que la muestra ponderada "
              "reproduzca los porcentajes de la población; los resultados posteriores usan estas ponderaciones.",
    "w_margins": "Objetivos, muestra y porcentajes ponderados", "w_margin": "Variable", "w_cell": "Categoría",
    "w_target": "Objetivo", "w_sample": "Muestra", "w_achieved": "Ponderado",
    "tables_title": "Tablas cruzadas", "mean_cap": "Media",
    "letters_note_tables": "Porcentajes de columna o medias; las letras indican las columnas respecto a las que la "
                           "celda es significativamente mayor (prueba z para porcentajes, t de Welch para medias; "
                           "{adjust}; alfa = {alpha}).",
    "kpis": "Indicadores de cliente por segmento", "kpi_table": "Indicadores por segmento",
    "kpi_overall": "Todos los clientes", "kpi_customer_share": "% de clientes",
    "kpi_revenue_share": "% de la facturación", "kpi_value_per_customer": "Facturación por cliente",
    "kpi_orders_per_customer": "Pedidos por cliente", "kpi_aov": "Ticket medio",
    "kpi_discount_share": "Pedidos con descuento", "kpi_lapsed_share": "Inactivos", "kpi_vip_share": "VIP",
    "kpi_recency_days_median": "Mediana de días desde la última compra",
    "kpi_window": "Compras de los {days} días hasta el {as_of}.",
    "kpi_value_chart": "Dónde está el valor: % de clientes y de facturación",
    "kpi_definitions": "Pedidos por cliente = pedidos en la ventana / clientes; ticket medio = facturación / "
                       "pedidos; la facturación es neta de devoluciones (importes negativos, que no son pedidos); "
                       "inactivo = al menos el mínimo de pedidos y sin compras durante más del límite de "
                       "inactividad; VIP = los clientes que más gastan.",
    "kpi_unassigned": "Clientes sin segmento", "kpi_rows_in": "Transacciones leídas",
    "kpi_rows_used": "Transacciones usadas", "kpi_excluded": "Transacciones excluidas: {reason}",
    "kpi_reason_missing-customer": "sin id de cliente", "kpi_reason_missing-date": "sin fecha",
    "kpi_reason_bad-date": "fecha no válida", "kpi_reason_missing-amount": "sin importe",
    "kpi_reason_bad-amount": "importe no numérico", "kpi_reason_bad-discount": "descuento no numérico",
    "kpi_reason_missing-margin": "sin margen", "kpi_reason_bad-margin": "margen no numérico",
    "kpi_reason_after-as-of": "posteriores a la fecha de referencia",
    "kpi_reason_unknown-customer": "cliente que no está en la lista",
    "yes": "sí", "no": "no",
    "ov_format": "Exportación de la encuesta", "ov_rows_in": "Filas de la exportación",
    "ov_respondents": "Encuestados revisados", "ov_flagged": "Encuestados con algún indicador de calidad",
    "ov_excluded": "Encuestados excluidos de los análisis", "ov_alpha": "Alfa de Cronbach: {scale}",
    "ov_factors": "Factores actitudinales", "ov_k": "Segmentos", "ov_method": "Método de segmentación",
    "ov_profiled": "Encuestados perfilados",
    "ov_typing": "Exactitud de la herramienta de clasificación ({n} preguntas, validación cruzada)",
    "ov_match_rate": "Encuestados encontrados en el CRM",
    "format_qualtrics": "Qualtrics", "format_surveymonkey": "SurveyMonkey", "format_google_forms": "Formularios de Google",
    "format_spss": "SPSS (.sav)", "format_clean": "archivo limpio de surveytools", "format_csv": "archivo CSV",
    "format_excel": "archivo Excel",
    "quality_flags": "Indicadores de calidad", "definition": "Definición",
    "flag_not_run": "no comprobado (faltan datos)",
    "flag_speeder": "Respuestas demasiado rápidas", "flag_straightlining": "Respuesta en línea recta",
    "flag_longstring": "Series largas de la misma respuesta", "flag_out-of-range": "Respuestas fuera de rango",
    "flag_duplicate-id": "Identificador de encuestado repetido", "flag_duplicate-email": "Correo electrónico repetido",
    "flag_duplicate-answers": "Respuestas duplicadas", "flag_high-missing": "Muchas preguntas sin responder",
    "flag_attention-check": "Control de atención fallido", "flag_partial": "Respuesta incompleta",
    "flagdef_speeder": "duración de la entrevista inferior a {value} veces la mediana de las respuestas completas",
    "flagdef_straightlining": "la misma respuesta a todos los ítems de una batería con ítems invertidos (baterías de "
                              "al menos {value} ítems)",
    "flagdef_longstring": "al menos {value} respuestas idénticas seguidas",
    "flagdef_out-of-range": "un código que no es una respuesta válida del ítem{value}",
    "flagdef_duplicate-id": "identificador visto en una fila anterior{value}",
    "flagdef_duplicate-email": "correo visto en una fila anterior (sin distinguir mayúsculas ni espacios){value}",
    "flagdef_duplicate-answers": "las mismas respuestas que una fila anterior en todas las columnas{value}",
    "flagdef_high-missing": "más del {value} de las preguntas aplicables sin responder",
    "flagdef_attention-check": "una respuesta distinta de la pedida en un ítem de control de atención{value}",
    "flagdef_partial": "menos del {value} de las preguntas aplicables respondidas, o encuesta sin terminar",
    "exclusions": "Exclusiones", "excluded_by_reason": "Encuestados excluidos, por motivo",
    "exclusion_note": "Un encuestado con varios indicadores cuenta una vez en cada motivo.",
    "waves": "Evolución entre oleadas", "wv_row": "Medida", "wv_change": "Cambio {a} a {b}", "wv_p": "p",
    "wv_segments": "Tamaño de los segmentos", "wv_means": "Medias", "wv_kpis": "Indicadores (NPS, de -100 a 100)",
    "wv_table": "Cada oleada y el cambio respecto a la anterior", "wv_bases": "Encuestados por oleada ({column}): {bases}.",
    "wv_note": "Los cambios marcados son significativos al {alpha}: prueba z de dos proporciones para el tamaño de los "
               "segmentos, t de Welch para las medias, z para el NPS (varianza (p+ + p- - NPS^2) / n); ponderado con "
               "tamaños efectivos de Kish.",
    "scales": "Escalas", "alpha_ci_low": "Alfa mín. (IC 95 %)", "alpha_ci_high": "Alfa máx. (IC 95 %)",
    "bartlett_value": "chi cuadrado {chi2}, gl {df}, p {p}", "fa_method_minres": "residuos mínimos (minres)",
    "fa_method_ml": "máxima verosimilitud", "fa_method_pa": "ejes principales",
    "rotation_none": "ninguna", "rotation_varimax": "varimax", "rotation_quartimax": "quartimax",
    "rotation_equamax": "equamax", "rotation_geominT": "geomin (ortogonal)", "rotation_promax": "promax (oblicua)",
    "rotation_oblimin": "oblimin (oblicua)", "rotation_quartimin": "quartimin (oblicua)",
    "rotation_geominQ": "geomin (oblicua)",
    "suggest_parallel": "Factores según el análisis paralelo", "suggest_map": "Factores según el MAP de Velicer",
    "suggest_kaiser": "Factores con autovalor mayor que 1",
    "series_observed_pc": "Autovalores observados (componentes)", "series_observed_fa": "Autovalores observados (factores)",
    "series_fa_observed": "Autovalores observados (factores)",
    "series_simulated_pc": "Datos aleatorios, componentes", "series_pc_reference": "Datos aleatorios, componentes",
    "series_simulated_fa": "Datos aleatorios, factores", "series_fa_reference": "Datos aleatorios, factores",
    "series_resampled_pc": "Datos remuestreados, componentes", "series_resampled_fa": "Datos remuestreados, factores",
    "fit_rmsea": "RMSEA", "fit_tli": "Índice de Tucker-Lewis", "fit_bic": "BIC",
    "fit_rmsr": "Raíz del residuo cuadrático medio",
    "method_kmeans": "k-medias", "method_gmm": "mezcla gaussiana", "method_ward": "conglomerados jerárquicos de Ward",
    "method_ensemble": "consenso de k-medias, Ward y mezcla gaussiana", "method_latent-class": "clases latentes",
    "basis_factors": "puntuaciones factoriales: {columns}", "basis_scales": "puntuaciones de escala: {columns}",
    "basis_items": "respuestas a los ítems: {columns}", "basis_columns": "columnas: {columns}",
    "criteria_note": "Se resalta el k elegido. Silueta y Calinski-Harabasz: mejor cuanto más altos; Davies-Bouldin "
                     "y BIC: mejor cuanto más bajos; la suma de rangos suma el puesto de cada k en los cuatro.",
    "profile_table": "Perfiles de los segmentos", "total_n": "n = {n}", "segment_n": "{segment} (n = {n})",
    "sig": "Sig.", "profile_legend": "\u25b2 significativamente mayor, \u25bc significativamente menor que el resto "
                                     "de la muestra; letras: segmentos a los que este supera significativamente.",
    "profile_heatmap": "Mapa de calor de los perfiles de todos los segmentos",
    "heatmap_note": "Color: la media del segmento menos la media total, en desviaciones típicas del total (azul por "
                    "encima, rojo por debajo del total).",
    "perceptual_map": "Mapa perceptual de segmentos y atributos",
    "ca_dim": "Dimensión {number} ({share} de la inercia)",
    "ca_note": "Análisis de correspondencias de la tabla segmentos x atributos de medias (mapa simétrico, "
               "coordenadas principales): un segmento cerca de un atributo puntúa relativamente más en él. Las dos "
               "dimensiones recogen el {share} de la inercia de la tabla.",
    "ca_not_drawn": "Sin mapa perceptual: necesita al menos tres segmentos y tres atributos medidos en una escala "
                    "positiva.",
    "card_higher": "mayor {label}: {value} frente a {total} en total",
    "card_lower": "menor {label}: {value} frente a {total} en total",
    "profile_chart_of": "Perfil de {segment}",
    "tt_items": "Preguntas de la herramienta de clasificación", "tt_accuracy": "Exactitud (validación cruzada)",
    "tt_resubstitution": "Exactitud sobre los encuestados con que se construyó", "tt_rows_used": "Encuestados usados",
    "tt_imputed": "Respuestas que faltaban, imputadas",
    "tt_note": "La herramienta asigna nuevos encuestados a un segmento a partir de unas pocas preguntas "
               "(puntuaciones discriminantes lineales); la exactitud es la proporción asignada a su propio "
               "segmento en validación cruzada.",
    "tt_questions": "Preguntas, en orden de selección", "tt_order": "Orden",
    "tt_accuracy_after": "Exactitud con las preguntas hasta aquí", "tt_curve": "Exactitud según el número de preguntas",
    "tt_n_items": "Preguntas", "tt_hit_rates": "Exactitud por segmento", "tt_hit_rate": "Bien asignados",
    "tt_confusion": "Segmento real (filas) por segmento asignado (columnas)", "tt_actual": "Segmento real",
    "tt_confusion_note": "Recuentos de encuestados en validación cruzada (ponderados si la encuesta tiene pesos).",
    "crm_key": "Cruce por", "crm_key_email": "correo electrónico (sin espacios, en minúsculas)",
    "crm_key_phone": "teléfono (solo dígitos)", "crm_key_id": "identificador de cliente",
    "crm_key_sha256": "clave cifrada (SHA-256)",
    "crm_survey_rows_in": "Encuestados de la encuesta", "crm_excluded_no-key": "Encuestados sin clave",
    "crm_excluded_duplicate-key": "Encuestados con clave repetida (se descartan las respuestas anteriores)",
    "crm_rows_in": "Clientes del archivo CRM", "crm_duplicates": "encuesta {survey}, CRM {crm}",
    "crm_rules": "Si un encuestado respondió dos veces se conserva la última respuesta; una clave que aparece en "
                 "varios clientes se cruza con el primero.",
    "crm_pseudonymized": "Columnas seudonimizadas (HMAC-SHA256): {columns}",
    "voc_headline": "NPS y satisfacción por segmento", "ci_low": "NPS mín. (IC 95 %)",
    "ci_high": "NPS máx. (IC 95 %)", "csat_ci_low": "CSAT mín. (IC 95 %)",
    "csat_ci_high": "CSAT máx. (IC 95 %)", "nps_axis": "NPS (% promotores \u2212 % detractores)",
    "nps_definition": "NPS = % de promotores (9-10) menos % de detractores (0-6), de -100 a 100.",
    "csat_definition": "CSAT = {definition}.",
    "csat_def_top": "porcentaje que responde en las {k} categorías más altas ({codes})",
    "csat_def_mean": "valoración media de la satisfacción", "csat_def_other": "satisfacción según la definición del proyecto",
    "driver_importance": "Factores clave del NPS (proporción de la varianza explicada)", "driver": "Factor clave",
    "driver_share": "Proporción de R\u00b2", "driver_share_axis": "Importancia (% de la varianza explicada)",
    "driver_weight": "Peso relativo", "beta": "Beta estandarizada", "r": "Correlación",
    "driver_outcome": "la probabilidad de recomendar (0-10)",
    "drivers_total": "Factores clave, todos los encuestados (R\u00b2 = {r2})",
    "drivers_note": "Pesos relativos (Johnson 2000) de la regresión de {outcome} sobre los factores: la parte de "
                    "la varianza explicada que corresponde a cada uno.",
    "quadrant": "Importancia x desempeño", "performance": "Desempeño (puntuación media)",
    "quadrant_note": "Líneas en la importancia media y el desempeño medio: arriba a la derecha, fortalezas que "
                     "mantener; abajo a la derecha, prioridades de mejora.",
    "quadrant_not_drawn": "Sin gráfico de importancia x desempeño: las medias de los factores no están en el perfil.",
    "drivers_by_segment": "Importancia de los factores por segmento (% de la varianza explicada)",
    "voc_terms": "Lo que dice cada segmento (comentarios abiertos)", "comments": "Comentarios",
    "terms": "Términos distintivos", "examples": "Ejemplos",
    "terms_note": "Lemas, negaciones (no_...) y expresiones más usados en el segmento que en el resto (log-odds "
                  "ponderados con una distribución a priori informativa); datos personales ocultos en los ejemplos.",
    "voc_themes": "Temas de los comentarios (% de quienes comentaron)",
    "voc_themes_note": "Libro de códigos: {source}. Base: los {n} encuestados que comentaron; un comentario puede "
                       "tener varios temas. Marcados (+ / -): significativamente mayor / menor que el resto de la "
                       "muestra (prueba z de dos proporciones, ajuste de Benjamini-Hochberg, 5 %).",
    "voc_uncoded": "(sin codificar)", "theme": "Tema", "quote": "Cita",
    "voc_quotes": "Citas por tema y segmento (datos personales ocultos)",
    "voc_discovered": "Temas propuestos (NMF sobre lemas y expresiones)", "top_terms": "Términos principales",
    "voc_discovered_note": "Temas provisionales hallados sin libro de códigos: edite sus palabras clave y "
                           "reutilícelos con --codeframe.",
    "voc_kpis": "Indicadores de cliente por segmento (CRM)",
    "kpis_note": "Clientes cruzados con el CRM; porcentajes de clientes.",
    "kpi_customers": "Clientes", "kpi_purchase_frequency": "Pedidos por cliente",
    "kpi_revenue_per_customer": "Ingresos por cliente", "kpi_average_order_value": "Importe medio del pedido",
    "kpi_discounts_per_customer": "Descuentos por cliente", "kpi_discount_users_pct": "Clientes que usan descuentos",
    "kpi_mean_R": "Puntuación media de recencia (1-5)", "kpi_mean_F": "Puntuación media de frecuencia (1-5)",
    "kpi_mean_M": "Puntuación media de valor (1-5)", "kpi_loyalty_tier_mix": "Nivel de fidelización (% de clientes)",
    "kpi_channel_mix": "Canal preferido (% de clientes)", "kpi_rfm_segment_mix": "Segmento RFM (% de clientes)",
    "rfm_champions": "Campeones", "rfm_loyal": "Fieles", "rfm_new_or_promising": "Nuevos o prometedores",
    "rfm_at_risk": "En riesgo", "rfm_hibernating": "Inactivos", "rfm_needs_attention": "Necesitan atención",
    "calc_sheet_calculator": "Calculadora", "calc_sheet_coefficients": "Coeficientes", "calc_sheet_accuracy": "Exactitud",
    "calc_sheet_options": "Opciones", "calc_sheet_model": "Modelo", "calc_item": "Ítem",
    "calc_segment": "Segmento {number}", "calc_constant": "Constante", "calc_code": "Código", "calc_label": "Etiqueta",
    "calc_key": "Clave", "calc_title": "Calculadora de segmentos",
    "calc_instructions": "Escriba el código de la respuesta del encuestado en las celdas amarillas (columna D). Una "
                         "respuesta en blanco o no válida toma la media del ítem (columna H); si faltan más de "
                         "{max_missing} de {p} respuestas no se asigna segmento.",
    "calc_question": "Pregunta", "calc_options": "Opciones de respuesta", "calc_answer": "Respuesta",
    "calc_answer_label": "Etiqueta de la respuesta", "calc_value_used": "Valor usado", "calc_missing": "Falta",
    "calc_average": "Media (si falta la respuesta)", "calc_a_number": "un número", "calc_no_answer": "(sin respuesta)",
    "calc_not_valid": "(respuesta no válida)", "calc_not_valid_title": "Respuesta no válida",
    "calc_choose_code": "Elija uno de los códigos de {item}.", "calc_missing_answers": "Respuestas que faltan",
    "calc_segment_head": "Segmento", "calc_name": "Nombre", "calc_score": "Puntuación",
    "calc_exp_score": "exp(puntuación - máx.)", "calc_probability": "Probabilidad",
    "calc_too_many_missing": "faltan demasiadas respuestas",
    "calc_n_items": "Número de preguntas", "calc_item_added": "Pregunta añadida", "calc_items": "Preguntas",
    "calc_cv_accuracy": "Exactitud en validación cruzada", "calc_selected_head": "Elegida", "calc_selected": "elegida",
    "calc_chart_title": "Exactitud en validación cruzada según el número de preguntas clave",
    "calc_classifier": "Clasificador",
    "calc_classifier_text": "Análisis discriminante lineal: funciones de clasificación de Fisher (covarianza "
                            "intragrupo combinada, divisor n - K)",
    "calc_score_k": "Puntuación del segmento k",
    "calc_score_text": "constante(k) + suma sobre las preguntas j de coeficiente(j, k) x respuesta(j); el segmento "
                       "es el de mayor puntuación",
    "calc_probability_text": "exp(puntuación(k) - mayor puntuación), dividido por su suma sobre los segmentos",
    "calc_missing_text": "se sustituye por la media del ítem en el entrenamiento; si faltan más de {max_missing} de "
                         "{p}: sin segmento",
    "calc_golden": "Preguntas clave", "calc_n_train": "Encuestados usados para ajustar",
    "calc_folds": "Particiones de la validación cruzada", "calc_seed": "Semilla aleatoria", "calc_created": "Creado",
    "calc_version": "versión de surveytools", "calc_prior": "Probabilidad a priori", "calc_respondents": "Encuestados",
    "calc_hit_rate": "Bien asignados (validación cruzada)",
    "profile_head": "Perfiles de los segmentos: {n} encuestados en {k} segmentos{excluded}{flagged}{weighted}",
    "profile_head_excluded": " (se excluyen {n} sin segmento)",
    "profile_head_flagged": " (se excluyen {n} con indicadores de calidad)",
    "profile_base": "Base: {n} de {total} encuestados{excluded}{flagged}.", "profile_head_weighted": "; ponderado (n efectivo de Kish)",
    "profile_marks": "+/- significativamente mayor/menor que el resto de la muestra ({pname} < {alpha}); t de Welch "
                     "para medias, z para proporciones",
    "profile_letters": "letras: segmentos a los que una celda supera significativamente (pruebas por pares, {adjust}, "
                       "alfa {alpha})",
    "deck_method": "Método", "deck_sample": "Muestra", "deck_segments": "Los segmentos",
    "deck_method_text": "Encuesta a {n} personas; {factors} factores actitudinales; {k} segmentos por {method}; "
                        "perfiles comparados con el resto de la muestra.",
    "deck_share": "{share} de la muestra", "deck_more": "{n} columnas más en el informe",
}
