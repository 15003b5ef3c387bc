"""CRM join: key normalization, duplicates, counts, pseudonymization, bad input."""

from __future__ import annotations

import hashlib
import hmac
import json

import pandas as pd
import pytest

from surveytools.crm import join_crm, redact
from surveytools.exceptions import DataError, InputFileError

SURVEY = """respondent_id,email,phone,segment,submitted
r1, Ana.Lopez@Gmail.com ,600 111 222,1,2024-01-01
r2,bob@x.com,,2,2024-01-02
r3,BOB@x.com,,3,2024-01-05
r4,,,1,2024-01-01
r5,nobody@x.com,,2,2024-01-01
r6,carl@y.org,+34 600 999 888,1,2024-01-01
r7,ana.lopez+shop@gmail.com,,2,2023-12-01
"""
CRM = """customer_id,email,orders,revenue,phone
c1,analopez@gmail.com,3,120.5,600 111 222
c2,bob@x.com,1,10,+34 600-333-444
c3,Bob@X.com ,5,50,0034600555666
c4,carl@y.org,2,20,0034 600 999 888
c5,dora@z.net,1,5,612345678
c6,,1,1,
"""


@pytest.fixture()
def files(tmp_path):
    s = tmp_path / "survey.csv"
    c = tmp_path / "crm.csv"
    s.write_text(SURVEY)
    c.write_text(CRM)
    return s, c, tmp_path


def test_email_join_counts_and_duplicates(files):
    s, c, tmp = files
    r = join_crm(s, c, tmp / "out.csv", on="email", order_by="submitted")
    # survey: 7 rows; r4 has no key; bob@x.com twice (r2, r3) -> latest (r3) kept
    assert r.survey_rows_in == 7
    assert r.survey_excluded == {"no-key": 1, "duplicate-key": 1}
    # keys after normalization: ana.lopez@gmail.com (r1), bob@x.com (r3), nobody (r5), carl (r6), ana.lopez+shop (r7)
    assert r.matched == 2  # bob -> c2 (first customer), carl -> c4; ana's dotted address needs the Gmail rule
    assert r.unmatched_survey == 3
    assert r.crm_rows_in == 6 and r.rows_out == 6
    text = r.summary()  # the crm section of the Summary document, with where the joined file went
    assert text.splitlines()[-1] == f"-> {tmp / 'out.csv'}" and f"{r.match_rate:.1%}" in text
    assert "Tasa de cruce" in r.summary(lang="es")
    assert r.unmatched_crm == 4
    assert r.duplicates == {"survey": 1, "crm": 1}
    assert r.match_rate == pytest.approx(2 / 5)
    out = pd.read_csv(tmp / "out.csv", dtype=str)
    assert len(out) == 6  # duplicates never multiply rows
    assert set(out["segment"].dropna()) == {"1", "3"}  # whole numbers, not 3.0
    assert out.set_index("customer_id").loc["c2", "respondent_id"] == "r3"
    assert pd.isna(out.set_index("customer_id").loc["c3", "respondent_id"])  # second customer with bob's key
    assert r.survey_rows_in == r.matched + r.unmatched_survey + sum(r.survey_excluded.values())


def test_gmail_rule_and_latest_response(files):
    s, c, tmp = files
    r = join_crm(s, c, tmp / "out.csv", on="email", gmail_dots=True, order_by="submitted")
    # r1 and r7 now share analopez@gmail.com: r1 (2024-01-01) is later than r7 (2023-12-01)
    assert r.survey_excluded["duplicate-key"] == 2
    assert r.matched == 3
    out = pd.read_csv(tmp / "out.csv", dtype=str).set_index("customer_id")
    assert out.loc["c1", "respondent_id"] == "r1"


def test_phone_e164(files):
    s, c, tmp = files
    r = join_crm(s, c, tmp / "out.parquet", on="phone", default_country="34")
    out = pd.read_parquet(tmp / "out.parquet").set_index("customer_id")
    assert out.loc["c1", "respondent_id"] == "r1"  # 600 111 222 -> +34600111222 on both sides
    assert out.loc["c4", "respondent_id"] == "r6"  # +34 600 999 888 == 0034 600 999 888
    assert r.matched == 2


def test_sha256_side(files, tmp_path):
    s, c, tmp = files
    crm = pd.read_csv(c, dtype=str)
    crm["email_sha256"] = [hashlib.sha256(e.strip().lower().encode()).hexdigest().upper() if isinstance(e, str) else None
                           for e in crm["email"]]
    crm = crm.drop(columns=["email"])
    crm.to_csv(tmp / "crm_hashed.csv", index=False)
    r = join_crm(s, tmp / "crm_hashed.csv", tmp / "out.csv", on="email=email_sha256", order_by="submitted")
    assert r.key.kind == "sha256" and r.key.hashed_side == "crm"
    assert r.matched == 2


def test_pseudonymize_writes_hmac(files):
    s, c, tmp = files
    key = b"a-long-enough-secret-key"
    r = join_crm(s, c, tmp / "out.csv", on="email", pseudonymize_key=key)
    assert set(r.pseudonymized) == {"email", "phone"}
    out = pd.read_csv(tmp / "out.csv", dtype=str)
    expected = hmac.new(key, b"bob@x.com", hashlib.sha256).hexdigest()
    assert out.loc[out.customer_id == "c2", "email"].iloc[0] == expected
    assert not out["email"].dropna().str.contains("@").any()


def test_redact():
    assert redact("jane.doe@mail.com") == "j***@m***.com"
    assert "111" not in redact("+34600111222")[3:-3]


def test_bad_input(files, tmp_path):
    s, c, tmp = files
    with pytest.raises(DataError, match="no column 'mail'"):
        join_crm(s, c, tmp / "o.csv", on="mail")
    other = tmp / "other.csv"
    other.write_text("x,y\n1,2\n")
    with pytest.raises(DataError, match="no common key column"):
        join_crm(other, c, tmp / "o.csv")
    empty = tmp / "empty.csv"
    empty.write_text("customer_id,email\n")
    with pytest.raises(DataError, match="no customers"):
        join_crm(s, empty, tmp / "o.csv", on="email")
    with pytest.raises(InputFileError, match="not found"):
        join_crm(s, tmp / "nope.csv", tmp / "o.csv")
    with pytest.raises(InputFileError, match="also an input"):
        join_crm(s, c, c, on="email")
    assert not (tmp / "o.csv").exists()


def test_cli_join(files, invoke, monkeypatch):
    s, c, tmp = files
    res = invoke("crm", "join", "--survey", s, "--crm", c, "--on", "email", "-o", tmp / "j.csv", "--json")
    assert res.exit_code == 0, res.stderr
    d = json.loads(res.stdout)
    assert {"matched", "unmatched_survey", "unmatched_crm", "duplicates", "match_rate"} <= set(d)
    res = invoke("crm", "join", "--survey", s, "--crm", c, "-o", tmp / "j2.csv", "--pseudonymize")
    assert res.exit_code == 1 and "SURVEYTOOLS_HMAC_KEY" in res.stderr and "Traceback" not in res.stderr
    monkeypatch.setenv("SURVEYTOOLS_HMAC_KEY", "0123456789abcdef-secret")
    res = invoke("crm", "join", "--survey", s, "--crm", c, "-o", tmp / "j2.csv", "--pseudonymize")
    assert res.exit_code == 0, res.stderr
    assert "pseudonymized" in res.stdout
    res = invoke("crm", "join", "--survey", s, "--crm", tmp / "missing.csv", "-o", tmp / "j3.csv")
    assert res.exit_code == 1 and res.stderr.startswith("Error: ")


def test_segments_attach_by_the_surveys_own_id_column(files):
    # clean data keep the questionnaire's id name (Qualtrics' ResponseId), assignments say respondent_id
    s, c, tmp = files
    survey = pd.read_csv(s, dtype=str).drop(columns="segment").rename(columns={"respondent_id": "ResponseId"})
    survey.to_csv(tmp / "clean.csv", index=False)
    pd.DataFrame({"respondent_id": ["r3", "r6"], "segment": [2, 1]}).to_csv(tmp / "seg.csv", index=False)
    r = join_crm(tmp / "clean.csv", c, tmp / "out.csv", on="email", segments=tmp / "seg.csv", order_by="submitted")
    out = pd.read_csv(tmp / "out.csv", dtype={"respondent_id": str}).set_index("customer_id")
    assert r.matched == 2 and out.loc["c2", "respondent_id"] == "r3" and out.loc["c2", "segment"] == 2
    assert out.loc["c4", "segment"] == 1 and out["segment"].notna().sum() == 2
    pd.DataFrame({"respondent_id": ["r3", "zz"], "segment": [2, 1]}).to_csv(tmp / "bad.csv", index=False)
    with pytest.raises(DataError, match="no column holds every respondent id"):
        join_crm(tmp / "clean.csv", c, tmp / "out2.csv", on="email", segments=tmp / "bad.csv")


@pytest.mark.parametrize("id_name", ["ResponseId", "Respondent ID", "respondent_id"])
def test_join_without_segments_shows_which_customers_matched(files, id_name):
    # issue 18: clean data whose id column is ResponseId, no --segments: matched customers get respondent_id
    s, c, tmp = files
    survey = pd.read_csv(s, dtype=str).drop(columns="segment").rename(columns={"respondent_id": id_name})
    survey.to_csv(tmp / "clean.csv", index=False)
    r = join_crm(tmp / "clean.csv", c, tmp / "out.csv", on="email", order_by="submitted")
    out = pd.read_csv(tmp / "out.csv", dtype=str).set_index("customer_id")
    assert r.matched == 2
    assert out["respondent_id"].notna().sum() == r.matched
    assert out.loc["c2", "respondent_id"] == "r3" and out.loc["c4", "respondent_id"] == "r6"
