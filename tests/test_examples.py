"""The bundled example study (examples/retail_loyalty): reproducible, valid, and shaped like a Qualtrics export."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from surveytools import load_questionnaire
from surveytools.questionnaire import normalize_label

ROOT = Path(__file__).resolve().parents[1]
STUDY = ROOT / "examples" / "retail_loyalty"
EXPORT = STUDY / "export_qualtrics.xlsx"
QUESTIONNAIRE = STUDY / "questionnaire.yaml"
CUSTOMERS = STUDY / "customers.csv"
TRUTH = STUDY / "truth.csv"

QUALTRICS_META = ["StartDate", "EndDate", "Status", "IPAddress", "Progress", "Duration (in seconds)", "Finished",
                  "RecordedDate", "ResponseId", "RecipientLastName", "RecipientFirstName", "RecipientEmail",
                  "ExternalReference", "LocationLatitude", "LocationLongitude", "DistributionChannel",
                  "UserLanguage"]


def _load_generator():
    name = "surveytools_example_retail_loyalty_generate"
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, STUDY / "generate.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses need the module registered while it executes
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def generator():
    return _load_generator()


@pytest.fixture(scope="module")
def regenerated(generator, tmp_path_factory):
    """The study generated afresh, with the default seed, into a temporary folder."""
    return generator.generate(tmp_path_factory.mktemp("retail_loyalty"), seed=generator.SEED)


@pytest.fixture(scope="module")
def sheet() -> pd.DataFrame:
    """The export's cells as text/number values, header rows included (no interpretation)."""
    return pd.read_excel(EXPORT, header=None, engine="calamine", dtype=object)


def _cells(path: Path) -> pd.DataFrame:
    return pd.read_excel(path, header=None, engine="calamine", dtype=object)


# ----------------------------------------------------------------------------- reproducibility

@pytest.mark.parametrize("key", ["questionnaire", "customers", "truth", "readme", "kpi_map"])
def test_text_files_regenerate_byte_for_byte(regenerated, key):
    committed = STUDY / regenerated[key].name
    assert regenerated[key].read_bytes() == committed.read_bytes(), (
        f"{committed.name} differs from what generate.py writes; run python {STUDY / 'generate.py'} and commit")


def test_workbook_regenerates_with_the_same_cells(regenerated):
    # cell contents, not zip bytes: compressed bytes may differ between zlib builds
    new, old = _cells(regenerated["export"]), _cells(EXPORT)
    assert new.shape == old.shape
    pd.testing.assert_frame_equal(new, old)


@pytest.fixture(scope="module")
def sim(generator):
    return generator.simulate(generator.SEED)


def test_transactions_regenerate_and_match_the_crm(regenerated):
    """The gzip stream is compared decompressed (compressed bytes may differ between zlib builds); the
    purchases in the window reproduce the CRM's orders, revenue net of returns aside, and discounts."""
    import gzip

    committed = STUDY / "transacciones.csv.gz"
    assert gzip.decompress(regenerated["transactions"].read_bytes()) == gzip.decompress(committed.read_bytes())
    assert committed.stat().st_size < 3_000_000
    tx = pd.read_csv(committed, sep=";", decimal=",", dtype={"id_cliente": str})
    tx["fecha"] = pd.to_datetime(tx["fecha"], format="%d/%m/%Y")
    crm = pd.read_csv(CUSTOMERS).set_index("customer_id")
    win = (tx.fecha > pd.Timestamp("2024-05-31") - pd.Timedelta(days=365)) & (tx.importe >= 0)
    orders = tx[win].groupby("id_cliente").size().reindex(crm.index, fill_value=0)
    assert (orders == crm.orders).all()
    revenue = tx[win].groupby("id_cliente").importe.sum().reindex(crm.index, fill_value=0)
    np.testing.assert_allclose(revenue, crm.revenue, atol=0.006)
    disc = tx[win & (tx.descuento > 0)].groupby("id_cliente").size().reindex(crm.index, fill_value=0)
    assert (disc == crm.discounts_used).all()
    last = tx[tx.importe >= 0].groupby("id_cliente").fecha.max().reindex(crm.index)
    # duplicate accounts with no orders but a recent last purchase contradict themselves: their purchases go
    # before the window
    odd = (crm.orders == 0) & (pd.to_datetime(crm.last_purchase_date) > pd.Timestamp("2023-06-01"))
    assert 0 < odd.sum() <= 36
    assert (last.dt.strftime("%Y-%m-%d") == crm.last_purchase_date)[~odd].all()


def test_workbook_bytes_are_deterministic(generator, sim, regenerated, tmp_path):
    again = tmp_path / "export_qualtrics.xlsx"
    generator.write_export(sim, again)  # a second, independent simulation and write
    assert again.read_bytes() == regenerated["export"].read_bytes()


def test_another_seed_gives_another_study(generator, sim):
    other = generator.simulate(generator.SEED + 1)["table"]
    assert not np.array_equal(np.nan_to_num(sim["table"]["X"][:50]), np.nan_to_num(other["X"][:50]))


# ----------------------------------------------------------------------------- the questionnaire

def test_questionnaire_validates_and_describes_the_study():
    q = load_questionnaire(QUESTIONNAIRE)
    assert q.language == "es"
    assert q.respondent_id == "ResponseId"
    assert q.weight == "weight"
    assert list(q.scales) == ["price_sensitivity", "brand_loyalty", "innovativeness", "environmental_concern",
                              "convenience", "social_influence"]
    for scale in q.scales.values():
        assert len(scale.items) == 4
        assert len(scale.reversed) == 1
    assert q.items["attention"].expect == (4,)
    assert q.items["nps"].type == "nps"
    assert q.items["email"].type == "email"
    assert q.items["comment"].type == "text"
    assert q.items["age"].range == (18.0, 99.0)
    assert q.quality.duration == "Duration (in seconds)"
    assert set(q.quality.batteries) == {"grid_q1", "grid_q2"}
    agree = q.option_sets["agree5"]
    assert agree.codes[1] == "Totalmente en desacuerdo" and agree.codes[5] == "Totalmente de acuerdo"
    assert agree.label_map()[normalize_label("No sé")] is None
    assert q == type(q).from_dict(q.to_dict())  # round-trips


# ----------------------------------------------------------------------------- the export

def test_export_has_the_qualtrics_layout(sheet):
    header = sheet.iloc[0].tolist()
    assert header[:len(QUALTRICS_META)] == QUALTRICS_META
    grid1 = [c for c in header if str(c).startswith("Q1_")]
    grid2 = [c for c in header if str(c).startswith("Q2_")]
    assert grid1 == [f"Q1_{k}" for k in range(1, 13)] and grid2 == [f"Q2_{k}" for k in range(1, 14)]
    texts = dict(zip(header, sheet.iloc[1], strict=True))
    assert texts["ResponseId"] == "Response ID"
    assert texts["Q1_1"].startswith("¿En qué medida está de acuerdo") and " - Comparo precios" in texts["Q1_1"]
    imports = [json.loads(v) for v in sheet.iloc[2]]
    assert all("ImportId" in v for v in imports)
    ids = dict(zip(header, (v["ImportId"] for v in imports), strict=True))
    assert ids["Q1_1"] == "QID1_1" and ids["Q5"] == "QID5_TEXT" and ids["ResponseId"] == "_recordId"
    assert EXPORT.stat().st_size < 2_000_000


def test_every_questionnaire_column_is_in_the_export_with_known_labels(sheet):
    q = load_questionnaire(QUESTIONNAIRE)
    header = sheet.iloc[0].tolist()
    data = pd.DataFrame(sheet.iloc[3:].to_numpy(), columns=header)
    assert data["ResponseId"].is_unique
    for iid, item in q.items.items():
        col = item.column or iid
        assert col in header, col
        opts = q.option_set(iid)
        if item.type in ("likert", "categorical"):
            labels = {normalize_label(v) for v in data[col].dropna()}
            unknown = labels - set(opts.label_map())
            assert not unknown, (iid, unknown)
    nps = pd.to_numeric(data["Q3"].dropna())
    assert nps.between(0, 10).all() and (nps == nps.round()).all()
    assert {"No sé"} <= set(data[[c for c in header if str(c).startswith("Q")]].stack().unique())


def test_export_holds_the_planted_problems():
    truth = pd.read_csv(TRUTH, dtype=str, keep_default_na=False)
    counts = truth["careless"].value_counts()
    n_people = int((~truth["careless"].str.startswith("duplicate")).sum())
    assert n_people == 2000
    assert 0.03 <= (counts["speeder"] + counts["straightliner"]) / n_people <= 0.05
    assert counts["duplicate-copy"] == 3 and counts["duplicate-retake"] == 3
    assert 0.80 <= (truth["customer_id"] != "").mean() <= 0.90


# ----------------------------------------------------------------------------- the CRM file

def test_customers_need_normalized_keys_to_join(sheet):
    crm = pd.read_csv(CUSTOMERS, dtype={"customer_id": str})
    assert list(crm.columns) == ["customer_id", "email", "orders", "revenue", "last_purchase_date", "loyalty_tier",
                                 "preferred_channel", "discounts_used"]
    assert 19_000 <= len(crm) <= 21_000
    assert crm["customer_id"].is_unique
    key = crm["email"].str.replace(r"\s+", "", regex=True).str.lower()
    assert 10 <= key.duplicated().sum() <= 100  # a few duplicate accounts
    assert (crm["email"] != crm["email"].str.strip()).any() and (crm["email"] != crm["email"].str.lower()).any()
    header = sheet.iloc[0].tolist()
    survey_mail = pd.Series(sheet.iloc[3:, header.index("Q10")].dropna().astype(str))
    norm = survey_mail.str.replace(r"\s+", "", regex=True).str.lower()
    normalized_rate = norm.isin(set(key)).mean()
    raw_rate = survey_mail.isin(set(crm["email"])).mean()
    assert 0.80 <= normalized_rate <= 0.90
    assert raw_rate < normalized_rate - 0.3


def test_crm_kpis_follow_the_segments():
    crm = pd.read_csv(CUSTOMERS, dtype={"customer_id": str})
    truth = pd.read_csv(TRUTH, dtype=str, keep_default_na=False)
    truth = truth[(truth["customer_id"] != "") & ~truth["careless"].str.startswith("duplicate")]
    m = truth.merge(crm, on="customer_id")
    by = m.groupby("segment")[["orders", "discounts_used"]].mean()
    assert by["orders"].idxmax() == "2"          # loyal regulars buy most often
    share = (m["discounts_used"] / m["orders"].where(m["orders"] > 0)).groupby(m["segment"]).mean()
    assert share.idxmax() == "1"                 # bargain hunters use discounts most
    app = (m["preferred_channel"] == "App").groupby(m["segment"]).mean()
    assert app.idxmax() == "3"                   # connected trend-seekers prefer the app


# ----------------------------------------------------------------------------- through the importer

def test_load_survey_reads_the_codes_the_generator_wrote(generator, sim):
    from surveytools import load_survey

    q = load_questionnaire(QUESTIONNAIRE)
    survey = load_survey(EXPORT, q)
    t = sim["table"]
    assert survey.source.flavour == "qualtrics"
    assert survey.ids.tolist() == list(t["response_id"])
    r = survey.responses

    def same(column: str, expected: np.ndarray) -> None:
        np.testing.assert_array_equal(r[column].to_numpy(dtype=float), np.asarray(expected, dtype=float),
                                      err_msg=column)

    for j, (iid, *_rest) in enumerate(generator.ITEMS):
        same(iid, np.where(t["dk"][:, j] == 1, np.nan, t["X"][:, j]))  # "No sé" is declared missing
    same("attention", t["attention"])
    same("nps", t["nps"])
    same("csat", t["csat"])
    same("age", t["age"])
    for column in ("gender", "region", "income"):  # 0: "Prefiero no contestar" (missing), -1: not reached
        same(column, np.where(t[column] > 0, t[column], np.nan))
    typed = pd.Series(t["email"], dtype=object)
    read = r["email"].astype(object).where(r["email"].notna(), None)
    assert [None if v is None else v.strip() for v in read] == [None if v is None else v.strip() for v in typed]
    assert r["comment"].notna().sum() == sum(c is not None for c in t["comment"])
    np.testing.assert_allclose(survey.weights.to_numpy(), t["weight"])
    np.testing.assert_array_equal(survey.metadata["Duration (in seconds)"].to_numpy(dtype=float), t["duration"])
