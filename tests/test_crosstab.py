"""Banner tables (issue 16 item 3): percentages against pandas crosstabs, letters against statsmodels and
SciPy pairwise tests with the Bonferroni correction within each row."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from statsmodels.stats.multitest import multipletests
from statsmodels.stats.proportion import proportions_ztest

from surveytools.crosstab import banner_tables, table_frames
from surveytools.exceptions import DataError


@pytest.fixture(scope="module")
def tables(bfi_survey):
    return banner_tables(bfi_survey, "education", ["A1", "age", "gender"], weights=False)


def _table(res, row, banner):
    return next(t for t in res.tables if t.row == row and t.banner == banner)


def test_percentages_and_bases_match_pandas(bfi_survey, tables):
    r = bfi_survey.responses
    t = _table(tables, "A1", "education")
    ct = pd.crosstab(r["A1"], r["education"], normalize="columns")
    labels = dict(bfi_survey.questionnaire.option_set("A1").codes)
    edu = dict(bfi_survey.questionnaire.option_set("education").codes)
    for code, lab in labels.items():
        for e, elab in edu.items():
            cell = t.cells[(t.cells["row_label"] == lab) & (t.cells["column_label"] == elab)].iloc[0]
            assert cell["value"] == pytest.approx(ct.loc[code, e], rel=1e-12)
            assert cell["base"] == int(((r["education"] == e) & r["A1"].notna()).sum())
        total = t.cells[(t.cells["row_label"] == lab) & (t.cells["column_label"] == "Total")].iloc[0]
        assert total["value"] == pytest.approx((r["A1"] == code).sum() / r["A1"].notna().sum(), rel=1e-12)
    assert list(t.columns["letter"]) == [None, "A", "B", "C", "D", "E"]
    assert list(t.columns["base"])[1:] == [int(((r["education"] == e) & r["A1"].notna()).sum()) for e in edu]
    top2 = t.cells[(t.cells["row_label"] == "Top 2 box") & (t.cells["column_label"] == "Total")].iloc[0]
    assert top2["value"] == pytest.approx((r["A1"] >= 5).sum() / r["A1"].notna().sum(), rel=1e-12)
    bottom = t.cells[(t.cells["row_label"] == "Bottom 2 box") & (t.cells["column_label"] == "Total")].iloc[0]
    assert bottom["value"] == pytest.approx((r["A1"] <= 2).sum() / r["A1"].notna().sum(), rel=1e-12)


def test_letters_match_statsmodels_and_scipy_with_bonferroni(bfi_survey, tables):
    r = bfi_survey.responses
    edu = list(bfi_survey.questionnaire.option_set("education").codes)
    checked = 0
    for row, code in (("gender", 2), ("A1", 6), ("age", None), ("A1", None)):
        t = _table(tables, row, "education")
        if code is None:
            label = "Mean"
            x = r[row].astype(float)
        else:
            label = dict(bfi_survey.questionnaire.option_set(row).codes)[code]
            x = (r[row] == code).astype(float).where(r[row].notna())
        pv, pairs = [], []
        for i in range(5):
            for j in range(i + 1, 5):
                a = x[r["education"] == edu[i]].dropna()
                b = x[r["education"] == edu[j]].dropna()
                if code is None:
                    p = stats.ttest_ind(a, b, equal_var=False).pvalue
                else:
                    p = proportions_ztest([a.sum(), b.sum()], [len(a), len(b)])[1]
                pv.append(p)
                pairs.append((i, j, a.mean() - b.mean()))
        adj = multipletests(pv, method="bonferroni")[1]
        expected = ["" for _ in range(5)]
        for (i, j, d), q in zip(pairs, adj, strict=True):
            if q < 0.05:
                hi, lo = (i, j) if d > 0 else (j, i)
                expected[hi] += "ABCDE"[lo]
        got = t.cells[t.cells["row_label"] == label]["letters"].tolist()[1:]
        assert got == ["".join(sorted(e)) for e in expected], (row, code)
        checked += sum(len(e) for e in expected)
    assert checked > 0


def test_json_contract(tables):
    d = tables.to_dict()
    json.dumps(d, allow_nan=False)
    t = d["tables"][0]
    assert set(t) >= {"row", "banner", "columns", "cells"}
    assert set(t["columns"][1]) >= {"label", "letter", "base"}
    cell = t["cells"][0]
    assert set(cell) >= {"row_label", "column_label", "base", "letters"} and ("pct" in cell or "mean" in cell)
    assert 0 <= cell["pct"] <= 1
    assert any("mean" in c for c in t["cells"])


def test_weighted_percentages(bfi_survey):
    import dataclasses

    rng = np.random.default_rng(5)
    w = pd.Series(rng.uniform(0.5, 2, bfi_survey.n), index=bfi_survey.responses.index, name="w")
    q = dataclasses.replace(bfi_survey.questionnaire, weight="w")
    ws = dataclasses.replace(bfi_survey, questionnaire=q, weights=w)
    res = banner_tables(ws, ["gender"], ["education"])
    assert res.weighted
    t = res.tables[0]
    r = bfi_survey.responses
    ok = r["education"].notna() & (r["gender"] == 1)
    expect = w[ok & (r["education"] == 3)].sum() / w[ok].sum()
    cell = t.cells[(t.cells["row_label"] == "Some college") & (t.cells["column_label"] == "Male")].iloc[0]
    assert cell["value"] == pytest.approx(expect, rel=1e-12)


def test_bad_variables_are_listed(bfi_survey):
    with pytest.raises(DataError) as err:
        banner_tables(bfi_survey, "age,nope", ["A1", "zzz"])
    problems = "\n".join(err.value.problems)
    assert "banner variable 'age' is a numeric item" in problems and "'nope' is not an item" in problems
    assert "'zzz' is neither an item nor a scale" in problems
    with pytest.raises(DataError, match="adjustment"):
        banner_tables(bfi_survey, "gender", ["A1"], adjust="scheffe")


def test_scales_as_rows_and_text_frames(bfi_survey):
    res = banner_tables(bfi_survey, "gender", ["agreeableness"], lang="es")
    t = res.tables[0]
    assert list(t.cells["row_label"].unique()) == ["Media"]
    frames = table_frames(res)
    title, frame = frames[0]
    assert frame.iloc[0, 0] == "Base" and "Male (A)" in frame.columns
    text = res.summary()
    assert "agreeableness" in text and "Male (A)" in text and "Media" in text and "Base" in text
    media = next(ln.split() for ln in text.splitlines() if ln.startswith("  Media"))
    assert media == ["Media"] + [f"{v:.2f}".replace(".", ",") for v in t.cells["value"]] + ["A"]  # letters after


def test_tables_command_writes_xlsx_html_csv(invoke, tmp_path, bfi_csv, bfi_yaml):
    from openpyxl import load_workbook

    res = invoke("tables", bfi_csv, "-q", bfi_yaml, "--banner", "gender", "--rows", "A1,education",
                 "-o", tmp_path / "t.xlsx", "--json")
    assert res.exit_code == 0, res.stderr
    d = json.loads(res.stdout)
    assert [t["row"] for t in d["tables"]] == ["A1", "education"] and d["tests"]["adjust"] == "bonferroni"
    ws = load_workbook(tmp_path / "t.xlsx").active
    values = [c.value for row in ws.iter_rows() for c in row if c.value is not None]
    assert "Male" in values and "Base" in values and any(isinstance(v, float) and 0 < v < 1 for v in values)
    assert invoke("tables", bfi_csv, "-q", bfi_yaml, "--banner", "gender", "--rows", "A1", "-o",
                  tmp_path / "t.html").exit_code == 0
    page = (tmp_path / "t.html").read_text(encoding="utf-8")
    assert "<table>" in page and "Male (A)" in page
    assert invoke("tables", bfi_csv, "-q", bfi_yaml, "--banner", "gender", "--rows", "A1", "-o",
                  tmp_path / "t.csv").exit_code == 0
    long = pd.read_csv(tmp_path / "t.csv")
    assert set(long.columns) >= {"row", "banner", "row_label", "column_label", "value", "base", "letters"}


def test_tables_command_errors(invoke, tmp_path, bfi_csv, bfi_yaml):
    res = invoke("tables", bfi_csv, "-q", bfi_yaml, "--banner", "age")
    assert res.exit_code == 1 and "Error:" in res.stderr and "banner variable 'age' is a numeric item" in res.stderr
    res = invoke("tables", bfi_csv, "-q", bfi_yaml, "--banner", "gender", "-o", tmp_path / "t.pdf")
    assert res.exit_code == 2
    res = invoke("tables", bfi_csv, "-q", bfi_yaml)
    assert res.exit_code in (1, 2) and "--banner" in res.stderr and "Traceback" not in res.stderr
