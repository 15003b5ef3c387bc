"""VoC metrics against hand computations and an independent relative-weights computation."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from surveytools.exceptions import DataError
from surveytools.voc import (
    crm_kpis,
    csat,
    distinctive_terms,
    nps,
    relative_weights,
    rfm_scores,
    tokenize,
)


def test_nps_hand_computation():
    x = [10, 10, 9, 8, 7, 6, 5, 0, np.nan, 9]
    r = nps(x)
    # 9 answers: promoters 4 (10, 10, 9, 9), passives 2, detractors 3
    assert r["n"] == 9
    assert r["promoters"] == pytest.approx(400 / 9)
    assert r["detractors"] == pytest.approx(300 / 9)
    assert r["passives"] == pytest.approx(200 / 9)
    assert r["nps"] == pytest.approx(100 / 9)
    pp, pd_ = 4 / 9, 3 / 9
    se = math.sqrt((pp + pd_ - (pp - pd_) ** 2) / 9)
    assert r["ci_high"] - r["nps"] == pytest.approx(100 * 1.959963984540054 * se)


def test_nps_weighted_uses_kish():
    x = np.array([10, 0, 10, 0])
    w = np.array([3.0, 1.0, 3.0, 1.0])
    r = nps(x, w)
    assert r["nps"] == pytest.approx(50.0)
    assert r["n_eff"] == pytest.approx(64 / 20)
    with pytest.raises(DataError, match="0 to 10"):
        nps([11, 3])


def test_csat_definitions():
    x = np.array([1, 2, 3, 4, 5, 5, 4, np.nan])
    r = csat(x, [1, 2, 3, 4, 5])
    assert r["csat"] == pytest.approx(100 * 4 / 7)
    assert "top 2 boxes (4, 5)" in r["definition"]
    assert csat(x, [1, 2, 3, 4, 5], "top1")["csat"] == pytest.approx(100 * 2 / 7)
    assert csat(x, [1, 2, 3, 4, 5], "mean")["csat"] == pytest.approx(np.nanmean(x))
    with pytest.raises(DataError, match="unknown CSAT definition"):
        csat(x, [1, 2, 3, 4, 5], "nps")


def test_rfm_scores_hand():
    frame = pd.DataFrame({
        "last": pd.to_datetime(["2024-01-31", "2024-01-01", "2023-06-01", "2023-12-15", "2024-01-20"]),
        "orders": [10, 1, 1, 4, 7],
        "revenue": [500.0, 20.0, 15.0, 150.0, 300.0],
    })
    r = rfm_scores(frame, recency="last", frequency="orders", monetary="revenue")
    assert r["recency_days"].tolist() == [0, 30, 244, 47, 11]
    # cume_dist of recency (less recent first): 244 ->1/5, 47 ->2/5, 30 ->3/5, 11 ->4/5, 0 ->5/5
    assert r["R"].tolist() == [5, 3, 1, 2, 4]
    # orders 1, 1 tie at cume_dist 2/5 -> score 2
    assert r["F"].tolist() == [5, 2, 2, 3, 4]
    assert r["M"].tolist() == [5, 2, 1, 3, 4]
    # rules in order: Champions R,F,M >= 4; Loyal F >= 4; New R >= 4, F <= 2; At risk R <= 2, F >= 3; ...
    assert r["rfm_segment"].tolist() == ["Champions", "Needs attention", "Hibernating", "At risk", "Champions"]


def test_crm_kpis_hand():
    f = pd.DataFrame({"orders": [2, 4, 0], "revenue": [100.0, 100.0, 0.0], "discounts_used": [0, 3, 1],
                      "loyalty_tier": ["Gold", "Silver", "Gold"], "preferred_channel": ["web", "store", "web"]})
    roles = {"orders": "orders", "revenue": "revenue", "discounts": "discounts_used", "tier": "loyalty_tier",
             "channel": "preferred_channel"}
    k = crm_kpis(f, roles)
    assert k["purchase_frequency"] == pytest.approx(2.0)
    assert k["average_order_value"] == pytest.approx(200 / 6)
    assert k["discount_users_pct"] == pytest.approx(200 / 3)
    assert k["loyalty_tier_mix"] == pytest.approx({"Gold": 200 / 3, "Silver": 100 / 3})


def test_crm_columns_are_found_in_spanish_and_named_by_the_user():
    from surveytools.voc import detect_crm_columns, missing_crm_roles

    cols = ["id_cliente", "Nº Pedidos", "Importe total", "Última compra", "Canal preferido", "Nivel fidelidad"]
    assert detect_crm_columns(["id_cliente", "pedidos", "Importe", "Última compra", "Canal preferido",
                               "Nivel fidelidad"]) == {
        "orders": "pedidos", "revenue": "Importe", "last_purchase": "Última compra", "channel": "Canal preferido",
        "tier": "Nivel fidelidad"}
    roles = detect_crm_columns(cols, {"orders": "Nº Pedidos"})
    assert roles["orders"] == "Nº Pedidos" and roles["revenue"] == "Importe total"
    assert missing_crm_roles(roles) == ["discounts"]
    with pytest.raises(DataError, match="no column 'compras'"):
        detect_crm_columns(cols, {"orders": "compras"})


def test_voc_crm_columns_option_and_the_missing_roles_warning(invoke, tmp_path):
    """--crm-columns names a column the names do not give; a KPI role without a column is a stated warning."""
    from surveytools.stages import get_stage

    opt = get_stage("voc").option("crm_columns")
    assert opt.convert("orders=Nº Pedidos, revenue=importe") == {"orders": "Nº Pedidos", "revenue": "importe"}
    assert opt.convert({"tier": "nivel"}) == {"tier": "nivel"}
    from surveytools.stages import OptionError

    with pytest.raises(OptionError, match="unknown CRM column role 'pedidos'"):
        opt.convert("pedidos=n")
    survey_ids = [f"r{i}" for i in range(40)]
    crm = pd.DataFrame({"respondent_id": survey_ids, "Nº Pedidos": np.arange(40) % 5 + 1,
                        "importe": np.linspace(10, 400, 40)})
    from surveytools.questionnaire import Questionnaire
    from surveytools.segments import Segments
    from surveytools.survey import Survey
    from surveytools.voc import voc_by_segment

    q = Questionnaire.from_dict({"items": {"nps": {"type": "nps"}}})
    survey = Survey(responses=pd.DataFrame({"nps": np.arange(40) % 11}, index=pd.Index(survey_ids)),
                    questionnaire=q)
    seg = Segments.from_labels(pd.Series([1, 2] * 20, index=survey_ids))
    from surveytools.exceptions import DataQualityWarning

    with pytest.warns(DataQualityWarning, match="CRM KPIs left out: no column found for last_purchase, tier, "
                                                "channel, discounts"):
        res = voc_by_segment(survey, seg.segment, crm=crm, crm_columns={"orders": "Nº Pedidos"})
    d = res.to_dict()
    assert d["settings"]["crm_columns"] == {"orders": "Nº Pedidos", "revenue": "importe"}
    k = d["segments"]["1"]["crm"]
    assert k["average_order_value"] == pytest.approx(crm["importe"][::2].sum() / crm["Nº Pedidos"][::2].sum())


def _johnson_by_svd(X: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Johnson (2000) from the data matrix: Z = P Q' from the SVD of standardized X."""
    Xs = (X - X.mean(0)) / X.std(0, ddof=1)
    ys = (y - y.mean()) / y.std(ddof=1)
    P, d, Qt = np.linalg.svd(Xs, full_matrices=False)
    Z = P @ Qt  # orthonormal columns, closest to Xs (scaled)
    Z = Z * math.sqrt(len(y) - 1)  # unit variance
    beta = np.linalg.lstsq(Z, ys, rcond=None)[0]
    lam = np.linalg.lstsq(Z, Xs, rcond=None)[0]  # regress each X on Z
    return (lam.T ** 2) @ (beta ** 2)


def test_relative_weights_match_independent_svd_computation():
    rng = np.random.default_rng(3)
    n = 400
    base = rng.normal(size=(n, 1))
    X = np.column_stack([base[:, 0] + rng.normal(size=n) * s for s in (0.5, 0.8, 1.2)] + [rng.normal(size=n)])
    y = 0.6 * X[:, 0] + 0.3 * X[:, 1] - 0.4 * X[:, 3] + rng.normal(size=n)
    rw = relative_weights(pd.DataFrame(X, columns=list("abcd")), y)
    ref = _johnson_by_svd(X, y)
    assert rw["weight"].to_numpy() == pytest.approx(ref, abs=1e-10)
    # weights sum to the OLS R^2
    Xc = np.column_stack([np.ones(n), X])
    fitted = Xc @ np.linalg.lstsq(Xc, y, rcond=None)[0]
    r2 = 1 - np.sum((y - fitted) ** 2) / np.sum((y - y.mean()) ** 2)
    assert rw["weight"].sum() == pytest.approx(r2, abs=1e-10)
    assert rw.attrs["r2"] == pytest.approx(r2, abs=1e-10)
    assert rw.loc["d", "sign"] == -1 and rw.loc["a", "sign"] == 1
    assert rw["share"].sum() == pytest.approx(100)


def test_relative_weights_errors():
    with pytest.raises(DataError, match="no variance"):
        relative_weights(pd.DataFrame({"a": [1.0] * 10, "b": np.arange(10.0)}), np.arange(10.0))
    with pytest.raises(DataError, match="at least 4"):
        relative_weights(pd.DataFrame({"a": [1.0, 2.0], "b": [2.0, 1.0]}), [1.0, 2.0])


def test_tokenize_folds_accents_and_drops_stop_words():
    assert tokenize("La atención del PERSONAL es excelente, y el envío rápido") == [
        "atencion", "personal", "excelente", "envio", "rapido"]


def test_distinctive_terms_known_answer():
    texts = (["precio barato oferta"] * 6 + ["calidad precio"] * 2
             + ["entrega rapida envío"] * 6 + ["calidad envío"] * 2 + [None, ""])
    groups = [1] * 8 + [2] * 8 + [1, 2]
    res = distinctive_terms(texts, groups, top=4, prior=10, min_count=2, subsume=2.0)  # keep every term
    top1 = [t["term"] for t in res[1]["terms"]]
    top2 = [t["term"] for t in res[2]["terms"]]
    # terms used only by one group rank by their count there: precio (8), then barato, oferta and the phrase
    # "precio barato" (6 each); terms are lemmas shown with their accents ("rapida" -> "rápido")
    assert top1[0] == "precio" and set(top1[1:4]) == {"barato", "oferta", "precio barato"}
    assert top2[0] == "envío" and set(top2[1:4]) == {"entrega", "rápido", "entrega rápido"}
    kinds = {t["term"]: t["kind"] for t in res[2]["terms"]}
    assert kinds["entrega rápido"] == "phrase" and kinds["envío"] == "lemma"
    forms = {t["term"]: t["form"] for t in res[2]["terms"]}
    assert forms["entrega rápido"] == "entrega rapida"  # the phrase as respondents wrote it
    assert "calidad" not in top1 and "calidad" not in top2  # used equally by both
    assert res[1]["comments"] == 8 and res[2]["comments"] == 8
    assert res[1]["examples"] and "oferta" in res[1]["examples"][0]
    # counts, respondents and an example comment of the group for each term
    t1 = {t["term"]: t for t in res[1]["terms"]}
    assert t1["precio"]["count"] == 8 and t1["precio"]["comments"] == 8
    assert t1["barato"]["example"] == "precio barato oferta"
    # the z statistic of a term used only by group 1 is clearly positive for 1
    assert t1["barato"]["z"] > 1.5 and t1["precio"]["z"] > t1["barato"]["z"]
    # by default a phrase that covers its words' uses replaces them: "barato", "oferta" and "precio barato"
    # only occur inside "precio barato oferta"; "precio" also occurs alone (8 > 6 / 0.9) and stays
    res = distinctive_terms(texts, groups, top=4, prior=10, min_count=2)
    assert [t["term"] for t in res[1]["terms"]] == ["precio", "precio barato oferta"]
    assert [t["term"] for t in res[2]["terms"]] == ["envío", "entrega rápido envío"]


def test_distinctive_terms_are_lemmas_never_two_inflections():
    texts = (["Los precios son caros", "el precio es caro", "precios caros", "PRECIO muy caro"] * 3
             + ["no volvería", "No volveré nunca", "no vuelvo"] * 3
             + ["la entrega llegó tarde", "entregas tarde"] * 3)
    groups = [1] * 12 + [2] * 9 + [3] * 6
    res = distinctive_terms(texts, groups, top=6, prior=10, min_count=3, subsume=2.0)
    for g in res:
        terms = [t["term"] for t in res[g]["terms"]]
        assert len(terms) == len(set(terms))
    assert {"precio", "caro", "precio caro"} <= {t["term"] for t in res[1]["terms"]}
    assert not {"precios", "caros"} & {t["term"] for t in res[1]["terms"]}
    t2 = {t["term"]: t for t in res[2]["terms"]}
    assert "no_volver" in t2 and t2["no_volver"]["kind"] == "negation" and t2["no_volver"]["count"] == 9
    assert "volver" not in t2
    assert "entrega" in {t["term"] for t in res[3]["terms"]}
    # by default the phrase "precio caro", used in all 12 comments, stands for its two words
    res = distinctive_terms(texts, groups, top=6, prior=10, min_count=3)
    assert [t["term"] for t in res[1]["terms"]] == ["precio caro"]


def test_distinctive_term_examples_are_masked():
    texts = ["precio caro, llamadme al 612 345 678"] * 4 + ["entrega tarde, ana@correo.es"] * 4
    res = distinctive_terms(texts, [1] * 4 + [2] * 4, top=3, prior=5, min_count=2)
    shown = [t["example"] for g in res for t in res[g]["terms"]] + [e for g in res for e in res[g]["examples"]]
    assert shown and all("612" not in e and "@" not in e for e in shown)
    assert any("[teléfono]" in e for e in shown) and any("[email]" in e for e in shown)
    # the masked parts never become terms
    assert not {"correo", "es", "ana"} & {t["term"] for g in res for t in res[g]["terms"]}


# ----------------------------------------------------------------------------- the command on the example study

from pathlib import Path  # noqa: E402

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "retail_loyalty"


@pytest.fixture(scope="module")
def example_inputs(tmp_path_factory):
    """The example study's true segments as an assignments file, and its CRM list joined to the survey."""
    from surveytools.crm import join_crm
    from surveytools.io import clean_frame, load_survey
    from surveytools.questionnaire import load_questionnaire

    tmp = tmp_path_factory.mktemp("voc")
    q = load_questionnaire(EXAMPLE / "questionnaire.yaml")
    survey = load_survey(EXAMPLE / "export_qualtrics.xlsx", q)
    truth = pd.read_csv(EXAMPLE / "truth.csv", dtype={"ResponseId": str})
    seg = truth[["ResponseId", "segment"]].rename(columns={"ResponseId": "respondent_id"})
    seg = seg[seg["respondent_id"].isin(survey.ids)]
    seg.to_csv(tmp / "segments.csv", index=False)
    table = clean_frame(survey).rename(columns={"ResponseId": "respondent_id"})
    join_crm(table, EXAMPLE / "customers.csv", tmp / "joined.parquet", on="email", segments=tmp / "segments.csv")
    return tmp, survey


def test_voc_command_on_example(example_inputs, invoke):
    import json

    tmp, survey = example_inputs
    # every respondent, as the direct computation below (by default the flagged ones are left out)
    res = invoke("voc", EXAMPLE / "export_qualtrics.xlsx", "-q", EXAMPLE / "questionnaire.yaml", "--include-flagged",
                 "--segments", tmp / "segments.csv", "--crm", tmp / "joined.parquet", "--csat", "csat", "--json")
    assert res.exit_code == 0, res.stderr
    d = json.loads(res.stdout)
    assert set(d["segments"]) == {"1", "2", "3", "4", "5"}
    seg1 = d["segments"]["1"]
    # NPS per segment equals a direct computation on the same respondents
    seg = pd.read_csv(tmp / "segments.csv", dtype={"respondent_id": str}).set_index("respondent_id")["segment"]
    x = survey.responses["nps"].reindex(seg.index[seg == 1])
    w = survey.weights.reindex(seg.index[seg == 1]).to_numpy()
    assert seg1["nps"]["nps"] == pytest.approx(nps(x.to_numpy(), w)["nps"])
    assert "top 2 boxes" in d["settings"]["csat_definition"]
    assert d["segments"]["2"]["crm"]["customers"] > 0 and "rfm_segment_mix" in d["segments"]["2"]["crm"]
    assert d["total"]["drivers"]["r2"] == pytest.approx(sum(v["weight"] for v in d["total"]["drivers"]["weights"].values()))
    assert d["segments"]["1"]["terms"]["terms"], "distinctive words for segment 1"
    assert d["rows"]["respondents"] == survey.n
    # a bad segment file is one clear error
    bad = tmp / "bad.csv"
    bad.write_text("respondent_id,segment\nnobody,1\n")
    res = invoke("voc", EXAMPLE / "export_qualtrics.xlsx", "-q", EXAMPLE / "questionnaire.yaml", "--segments", bad)
    assert res.exit_code == 1 and res.stderr.startswith("Error: ") and "not in" in res.stderr


def test_distinctive_terms_keep_the_written_accents():
    texts = ["Llevo muchos años aquí", "años de confianza", "Años y años", "precio barato", "precio bajo", "barato"]
    res = distinctive_terms(texts, [1, 1, 1, 2, 2, 2], top=2, prior=5, min_count=2)
    # matched accent-insensitively as the lemma "año", shown with its accent (and its written form)
    assert res[1]["terms"][0]["term"] == "año"
    assert res[1]["terms"][0]["form"] == "año"
    assert res[1]["terms"][0]["count"] == 4


# ----------------------------------------------------------------------------- themes on the example study

CODEFRAME = EXAMPLE / "codeframe.yaml"


def _demo_truth(comments: pd.Series) -> pd.DataFrame:
    """True themes of the example's comments: the generator writes fragments typical of each segment, and the
    example code frame has one theme per segment's fragments (in segment order)."""
    from surveytools.datasets.retail_loyalty import SEGMENTS

    themes = ["precio", "fidelidad", "digital", "sostenibilidad", "rapidez"]
    low = comments.fillna("").str.lower()
    return pd.DataFrame({t: np.logical_or.reduce([low.str.contains(w, regex=False).to_numpy()
                                                  for w in SEGMENTS[i].words])
                         for i, t in enumerate(themes)}, index=comments.index)


def test_voc_codeframe_on_example_matches_the_generator(example_inputs, invoke):
    import json

    tmp, survey = example_inputs
    res = invoke("voc", EXAMPLE / "export_qualtrics.xlsx", "-q", EXAMPLE / "questionnaire.yaml",
                 "--segments", tmp / "segments.csv", "--codeframe", CODEFRAME, "--drivers", "none", "--json")
    assert res.exit_code == 0, res.stderr
    d = json.loads(res.stdout)
    seg = pd.read_csv(tmp / "segments.csv", dtype={"respondent_id": str}).set_index("respondent_id")["segment"]
    comments = survey.responses["comment"].reindex(seg.index)
    answered = comments.notna() & comments.astype(str).str.strip().ne("")
    truth = _demo_truth(comments)
    w = survey.weights.reindex(seg.index).to_numpy()
    for t in truth.columns:
        want = 100 * np.sum(w[answered] * truth[t][answered]) / np.sum(w[answered])
        assert d["themes"][t]["share"] == pytest.approx(want, abs=2), t
        for k in range(1, 6):
            m = (answered & (seg == k)).to_numpy()
            want_k = 100 * np.sum(w[m] * truth[t].to_numpy()[m]) / np.sum(w[m])
            assert d["segments"][str(k)]["themes"][t]["share"] == pytest.approx(want_k, abs=2), (t, k)
    assert d["segments"]["1"]["themes"]["precio"]["mark"] == "higher"
    assert 0 < d["uncoded"]["share"] < 20
    assert d["settings"]["themes"]["weighted"] is True
    # distinctive terms are lemmas: never two inflections of one lemma, never an inflected form
    for k in d["segments"]:
        terms = [t["term"] for t in d["segments"][k]["terms"]["terms"]]
        assert len(terms) == len(set(terms))
        assert not {"precios", "comprando", "llevo", "cambiaría"} & set(terms)
    assert all(t["example"] for t in d["segments"]["1"]["terms"]["terms"])


def test_voc_discover_themes_writes_a_draft_frame(example_inputs, invoke, tmp_path):
    import json

    tmp, _ = example_inputs
    out = tmp_path / "draft.yaml"
    args = ["voc", EXAMPLE / "export_qualtrics.xlsx", "-q", EXAMPLE / "questionnaire.yaml", "--include-flagged",
            "--segments", tmp / "segments.csv", "--drivers", "none"]
    res = invoke(*args, "--discover-themes", "5", "--codeframe-out", out, "--json")
    assert res.exit_code == 0, res.stderr
    d = json.loads(res.stdout)
    assert len(d["themes"]) == 5 and d["settings"]["themes"]["discovery"]["k"] == 5
    assert set(d["discovered_themes"]) == set(d["themes"])
    assert out.exists()
    # the draft is a valid code frame that codes the same comments the same way
    res2 = invoke(*args, "--codeframe", out, "--json")
    assert res2.exit_code == 0, res2.stderr
    d2 = json.loads(res2.stdout)
    assert {t: v["share"] for t, v in d2["themes"].items()} == pytest.approx(
        {t: v["share"] for t, v in d["themes"].items()})
    # text output: the theme table and masked quotes
    res3 = invoke(*args, "--codeframe", CODEFRAME)
    assert res3.exit_code == 0 and "Themes of the comments" in res3.stdout and "(uncoded)" in res3.stdout
    assert "79.2%+" in res3.stdout  # segment 1's price share, marked higher than the rest


def test_voc_codeframe_errors(example_inputs, invoke, tmp_path):
    tmp, _ = example_inputs
    bad = tmp_path / "frame.yaml"
    bad.write_text("themes:\n  precio:\n    keywords: [el]\n    regex: ['(']\n", encoding="utf-8")
    args = ["voc", EXAMPLE / "export_qualtrics.xlsx", "-q", EXAMPLE / "questionnaire.yaml",
            "--segments", tmp / "segments.csv"]
    res = invoke(*args, "--codeframe", bad)
    assert res.exit_code == 1 and res.stderr.startswith("Error: ") and "3 problems" in res.stderr
    assert "line 3, themes.precio.keywords.0" in res.stderr and "Traceback" not in res.stderr
    res = invoke(*args, "--codeframe", tmp_path / "missing.yaml")
    assert res.exit_code == 1 and "not found" in res.stderr
    res = invoke(*args, "--codeframe", CODEFRAME, "--discover-themes", "3")
    assert res.exit_code == 2 and "not both" in res.stderr
    res = invoke(*args, "--codeframe-out", tmp_path / "x.yaml")
    assert res.exit_code == 2 and "--discover-themes" in res.stderr


def test_reports_show_the_theme_table_and_masked_quotes(example_inputs, tmp_path):
    """Quotes and examples in the HTML and Excel reports: personal data masked, the theme table per segment."""
    import dataclasses
    import warnings

    from openpyxl import load_workbook

    from surveytools.report.html import render_html_report
    from surveytools.report.xlsx import write_xlsx_report
    from surveytools.voc import voc_by_segment

    tmp, survey = example_inputs
    seg = pd.read_csv(tmp / "segments.csv", dtype={"respondent_id": str}).set_index("respondent_id")["segment"]
    resp = survey.responses.copy()
    ids = seg.index[seg == 1][:40]
    # a short comment dense in price keywords, written by 40 respondents: the most typical quote of the theme
    resp.loc[ids, "comment"] = "Precio, ofertas, descuentos, cupones: llamadme al 612 345 678 o a ana.lopez@correo.es, 4111 1111 1111 1111"
    noisy = dataclasses.replace(survey, responses=resp)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        voc = voc_by_segment(noisy, seg, codeframe=CODEFRAME)
    d = voc.to_dict()
    shown = json_dumps(d)
    assert "612 345 678" not in shown and "ana.lopez" not in shown and "4111" not in shown
    assert "[teléfono]" in shown
    assert d["segments"]["1"]["themes"]["precio"]["quotes"][0] == (
        "Precio, ofertas, descuentos, cupones: llamadme al [teléfono] o a [email], [número]")
    html = render_html_report({"voc": voc}, lang="es")
    assert "Temas de los comentarios" in html and "(sin codificar)" in html and "Precio y ofertas" in html
    assert "Citas por tema y segmento" in html
    assert "612 345 678" not in html and "ana.lopez" not in html and "[teléfono]" in html
    path = tmp_path / "r.xlsx"
    write_xlsx_report({"voc": voc}, path)
    cells = [str(c) for ws in load_workbook(path).worksheets for row in ws.iter_rows(values_only=True) for c in row
             if c is not None]
    assert any("Themes of the comments" in c for c in cells)
    assert not any("612 345 678" in c or "ana.lopez" in c for c in cells)


def json_dumps(obj):
    import json

    return json.dumps(obj, ensure_ascii=False, default=str)
