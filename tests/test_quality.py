"""Data-quality checks: every flag on hand-made data, invariants, the bfi data, the example study, the CLI."""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from surveytools import load_questionnaire
from surveytools.cli._common import to_jsonable
from surveytools.exceptions import DataError, DataQualityWarning
from surveytools.quality import (
    FLAG_CODES,
    QualityReport,
    _row_groups,
    _run_lengths,
    apply_exclusions,
    check_quality,
    parse_codes,
)
from surveytools.questionnaire import Questionnaire, normalize_label
from surveytools.survey import SourceInfo, Survey

ROOT = Path(__file__).resolve().parents[1]
STUDY = ROOT / "examples" / "retail_loyalty"

AGREE5 = {"codes": {1: "a", 2: "b", 3: "c", 4: "d", 5: "e"}, "missing": [9]}


def make_survey(responses: dict, *, items: dict | None = None, scales: dict | None = None, quality: dict | None = None,
                metadata: dict | None = None, ids: list[str] | None = None) -> Survey:
    """A survey from columns; items default to 5-point Likert items named like the columns."""
    frame = pd.DataFrame(responses)
    index = pd.Index(ids or [f"r{i + 1}" for i in range(len(frame))], name="respondent_id")
    frame.index = index
    spec_items = items if items is not None else {c: {"options": "a5"} for c in frame.columns}
    q = Questionnaire.from_dict({"option_sets": {"a5": AGREE5}, "items": spec_items, "scales": scales or {},
                                 "quality": quality or {}})
    meta = pd.DataFrame(metadata, index=index) if metadata is not None else None
    return Survey(responses=frame, questionnaire=q, metadata=meta,
                  source=SourceInfo(path="test.csv", row_numbers=pd.Series(np.arange(2, len(frame) + 2), index=index)))


def flagged(report: QualityReport, code: str) -> list[str]:
    return report.flags.index[report.flags[code]].tolist()


# ============================================================================ each check

def test_speeders_use_the_median_of_complete_responses():
    # durations 100..500 for r1..r5; r6 is a break-off (Finished False) with 10 s
    s = make_survey({"a": [1, 2, 3, 4, 5, 3]}, quality={"duration": "secs", "speeder_fraction": 0.4},
                    metadata={"secs": [100, 200, 300, 400, 500, 10],
                              "Finished": [True, True, True, True, True, False]})
    r = check_quality(s)
    # median of the 5 complete durations is 300; cut 120 (strictly below)
    assert flagged(r, "speeder") == ["r1"]
    assert flagged(r, "partial") == ["r6"]
    assert r.detail["duration_ratio"].iloc[0] == pytest.approx(100 / 300)
    assert "120" in r.checks["speeder"].rule
    at_cut = make_survey({"a": [1, 2, 3]}, quality={"duration": "secs", "speeder_fraction": 0.5},
                         metadata={"secs": [50, 100, 150]})
    assert check_quality(at_cut).counts["speeder"] == 0  # 50 is not below 0.5 x 100


def test_speeder_duration_found_as_item_or_platform_column():
    items = {"a": {"options": "a5"}, "dur": {"type": "numeric"}}
    s = make_survey({"a": [1, 2, 3, 4], "dur": [10.0, 300, 320, 310]}, items=items, quality={"duration": "dur"})
    assert flagged(check_quality(s), "speeder") == ["r1"]
    auto = make_survey({"a": [1, 2, 3, 4]}, metadata={"Duration (in seconds)": [10, 300, 320, 310]})
    r = check_quality(auto)
    assert flagged(r, "speeder") == ["r1"] and "automatically" in r.checks["speeder"].rule


def test_declared_duration_column_missing_warns_and_skips():
    s = make_survey({"a": [1, 2, 3]}, quality={"duration": "Duration (in seconds)"})
    with pytest.warns(DataQualityWarning, match="Duration"):
        r = check_quality(s)
    assert not r.checks["speeder"].ran and r.counts["speeder"] == 0
    assert "not checked" in r.summary()


def test_straightlining_needs_a_reverse_keyed_item_and_enough_answers():
    cols = {
        "x1": [4, 4, 4, 3, 2, 4], "x2": [4, 4, 4, 3, 3, np.nan], "x3": [4, 4, np.nan, 3, 4, np.nan],
        "x4": [4, 4, 4, 3, 5, 4], "x5": [4, 2, 4, 3, 1, np.nan],
    }
    rev = make_survey(cols, scales={"s": ["x1", "x2", "x3", "-x4", "x5"]})
    r = check_quality(rev)
    # r1: all five 4s; r3: four answered, all 4; r4: all 3s (identical, midpoint included);
    # r6: only three answered (< straightline_min_items 4)
    assert flagged(r, "straightlining") == ["r1", "r3", "r4"]
    assert r.batteries["s"]["straightlining"] == 3
    assert r.detail.loc["r1", "straightlined_batteries"] == 1
    fwd = make_survey(cols, scales={"s": ["x1", "x2", "x3", "x4", "x5"]})
    r2 = check_quality(fwd)
    assert r2.counts["straightlining"] == 0 and not r2.checks["straightlining"].ran
    assert r2.batteries["s"]["straightlining"] is None


def test_batteries_from_the_spec_override_the_scales():
    cols = {f"x{i}": [3, 3, 1 + i % 5] for i in range(1, 9)}
    s = make_survey(cols, scales={"a": ["x1", "x2", "-x3", "x4"], "b": ["x5", "x6", "x7", "-x8"]},
                    quality={"batteries": {"grid": ["x1", "x2", "x3", "x4", "x5", "x6", "x7", "x8"]}})
    r = check_quality(s)
    assert list(r.batteries) == ["grid"] and r.batteries["grid"]["reversed"] == ["x3", "x8"]
    assert flagged(r, "straightlining") == ["r1", "r2"]


def test_longstring_counts_runs_in_questionnaire_order():
    cols = {f"x{i}": v for i, v in enumerate([[1, 2], [2, 2], [2, 2], [2, 2], [2, 2], [3, 1],
                                               [3, np.nan], [3, 1]], start=1)}
    s = make_survey(cols, scales={"s": [f"x{i}" for i in range(1, 9)]})
    r = check_quality(s)  # 8 items -> threshold max(4, 4) = 4
    assert r.detail["longest_run"].tolist() == [4, 5]
    assert flagged(r, "longstring") == ["r1", "r2"]
    assert check_quality(s, longstring=5).counts["longstring"] == 1
    with pytest.raises(DataError):
        check_quality(s, max_missing=1.5)


def _runs_reference(row: np.ndarray) -> int:
    best = run = 0
    prev = None
    for v in row:
        if np.isnan(v):
            run, prev = 0, None
            continue
        run = run + 1 if (prev is not None and v == prev) else 1
        prev = v
        best = max(best, run)
    return best


@given(arrays(np.float64, st.tuples(st.integers(1, 12), st.integers(1, 10)),
              elements=st.sampled_from([1.0, 2.0, 3.0, np.nan])))
def test_run_lengths_match_a_loop(x):
    assert _run_lengths(x).tolist() == [_runs_reference(r) for r in x]


def test_out_of_range_codes_missing_codes_ranges_and_text():
    items = {"a": {"options": "a5"}, "b": {"options": "a5"}, "age": {"type": "numeric", "range": [18, 99]},
             "n": {"type": "nps"}, "m": {"type": "multi", "codes": {1: "x", 2: "y"}},
             "c": {"type": "categorical", "codes": {1: "x", 2: "y"}}}
    s = make_survey({"a": [1, 6, 9, np.nan], "b": [5, 5, 0, 2.5], "age": [17, 18, 99, 99.5],
                     "n": [0, 10, 11, np.nan], "m_1": [0, 1, 2, np.nan], "m_2": [1, 1, 0, np.nan],
                     "c": ["1", "2", "x", None]}, items=items)
    r = check_quality(s)
    # r1: age 17; r2: a=6; r3: b=0, n=11, m_1=2, c='x'; r4: b=2.5, age 99.5   (a=9 is a missing code)
    assert r.detail["n_out_of_range"].tolist() == [1, 1, 4, 2]
    assert r.out_of_range_items.to_dict() == {"a": 1, "b": 2, "age": 2, "n": 1, "m_1": 1, "c": 1}
    assert "age in [18, 99]" in r.checks["out-of-range"].rule


def test_duplicates_keep_the_first_row():
    items = {"a": {"options": "a5"}, "b": {"options": "a5"}, "c": {"options": "a5"},
             "mail": {"type": "email"}, "pid": {"type": "id"}}
    s = make_survey({"a": [1, 1, 3, 1, 2, 2], "b": [2, 2, 3, 2, 2, 2], "c": [3, 3, 3, 3, 2, 2],
                     "mail": [" Ana@Example.com", "x@example.com", "ana@example.COM ", None, "", "y@example.com"],
                     "pid": ["7", "8", "9", "7 ", None, "10"]}, items=items)
    r = check_quality(s)
    assert flagged(r, "duplicate-email") == ["r3"]
    assert flagged(r, "duplicate-id") == ["r4"]
    # r2 and r4 repeat r1's answers; r6 repeats r5's constant answers, which are not counted
    assert flagged(r, "duplicate-answers") == ["r2", "r4"]
    assert r.detail["duplicate_of"].tolist() == ["", "r1", "r1", "r1", "", ""]


def test_row_groups_are_exact_even_when_hashes_collide(monkeypatch):
    rng = np.random.default_rng(3)
    x = rng.integers(1, 3, size=(300, 4)).astype(float)
    x[rng.random(x.shape) < 0.1] = np.nan
    rows = np.ones(300, dtype=bool)
    rows[::7] = False
    expected = pd.DataFrame(x[rows]).groupby([0, 1, 2, 3], dropna=False, sort=False).ngroup().to_numpy()
    assert (_row_groups(x, rows)[rows] == expected).all()
    assert (_row_groups(x, rows)[~rows] == -1).all()
    import surveytools.quality.arrays as quality  # where the row hashing lives

    monkeypatch.setattr(quality, "_MIX1", np.uint64(0))  # every row hashes to the same value
    monkeypatch.setattr(quality, "_MIX2", np.uint64(0))
    assert (quality._row_groups(x, rows)[rows] == expected).all()


def test_missing_partial_and_attention_checks():
    items = {f"x{i}": {"options": "a5"} for i in range(1, 5)}
    items["att"] = {"options": "a5", "expect": [4, 5]}
    cols = {"x1": [1, 2, np.nan, np.nan, 3], "x2": [1, 2, 3, np.nan, 3], "x3": [1, 2, 3, np.nan, 3],
            "x4": [1, 2, 3, np.nan, 3], "att": [4, 3, 5, np.nan, 9]}
    s = make_survey(cols, items=items, metadata={"Finished": ["True", "True", "TRUE", "False", "1"],
                                                  "Progress": [100, 100, 100, 40, 90]})
    r = check_quality(s)
    assert r.detail["missing_rate"].tolist() == pytest.approx([0, 0, 0.2, 1.0, 0.2])  # code 9 is declared missing
    assert flagged(r, "high-missing") == ["r4"]  # 0.2 is not more than 0.2
    assert flagged(r, "partial") == ["r4", "r5"]  # r4: unfinished and blank; r5: progress 90
    assert flagged(r, "attention-check") == ["r2"]  # blank (r4) and missing code 9 (r5) are not failures
    assert check_quality(s, max_missing=0.1).counts["high-missing"] == 3


def test_checks_that_cannot_run_say_why():
    r = check_quality(make_survey({"a": [1, 2], "b": [2, 3]}))
    for code in ("speeder", "straightlining", "duplicate-id", "duplicate-email", "attention-check"):
        assert not r.checks[code].ran and r.checks[code].rule
        assert r.counts[code] == 0


# ============================================================================ report and exclusions

def test_report_shapes_and_json():
    s = make_survey({"a": [1, 1, 3], "b": [2, 2, 1], "c": [3, 3, 2]}, quality={"duration": "t"},
                    metadata={"t": [10, 300, 320]})
    r = check_quality(s, exclude="speeder")
    assert list(r.flags.columns) == list(FLAG_CODES) and r.flags.index.equals(s.ids)
    assert r.flags.dtypes.eq(bool).all()
    frame = r.to_frame()
    assert frame.columns.is_unique and frame["n_flags"].tolist() == [1, 1, 0]
    assert frame["row"].tolist() == [2, 3, 4]
    d = json.loads(json.dumps(to_jsonable(r.to_dict()), allow_nan=False))
    assert d["respondents"] == 3 and d["flagged"] == 2
    assert d["flags"] == {c: int(r.counts[c]) for c in FLAG_CODES}
    assert d["excluded"] == {"codes": ["speeder"], "rows_in": 3, "rows_out": 2, "rows_excluded": 1,
                             "by_reason": {"speeder": 1}}
    assert "speeder" in r.summary() and "Excluded 1 of 3" in r.summary()


def test_parse_codes():
    assert parse_codes("speeder, Straightlining,speeder") == ["speeder", "straightlining"]
    assert parse_codes(["out_of_range"]) == ["out-of-range"]
    assert parse_codes("all") == list(FLAG_CODES)
    with pytest.raises(DataError, match="bogus"):
        parse_codes("speeder,bogus")


@given(st.lists(st.lists(st.booleans(), min_size=len(FLAG_CODES), max_size=len(FLAG_CODES)), min_size=0, max_size=40),
       st.sets(st.sampled_from(FLAG_CODES)))
def test_rows_in_equal_rows_out_plus_excluded(table, codes):
    idx = pd.Index([f"r{i}" for i in range(len(table))])
    flags = pd.DataFrame(np.array(table, dtype=bool).reshape(len(table), len(FLAG_CODES)), index=idx,
                         columns=list(FLAG_CODES))
    report = QualityReport(flags=flags, detail=pd.DataFrame(index=idx), checks={}, out_of_range_items=pd.Series(),
                           batteries={}, settings={})
    ex = report.exclusions(sorted(codes))
    assert ex.rows_in == ex.rows_out + ex.rows_excluded == len(table)
    expected = flags[sorted(codes)].any(axis=1) if codes else pd.Series(False, index=idx)
    assert ex.rows_excluded == int(expected.sum())
    assert list(ex.reasons.index) == list(idx[expected.to_numpy()])
    for c in codes:
        assert ex.by_reason[c] == int(flags[c].sum())


def test_apply_exclusions_keeps_order_and_checks_the_report():
    s = make_survey({"a": [1, 2, 3, 4, 5]}, quality={"duration": "t"}, metadata={"t": [300, 5, 310, 6, 320]})
    r = check_quality(s)
    kept, ex = apply_exclusions(s, r, "speeder")
    assert kept.ids.tolist() == ["r1", "r3", "r5"] and kept.metadata.index.equals(kept.ids)
    assert (ex.rows_in, ex.rows_out, ex.rows_excluded) == (5, 3, 2)
    assert ex.reasons.to_dict() == {"r2": "speeder", "r4": "speeder"}
    same, none = apply_exclusions(s, r)
    assert same is s and none.rows_excluded == 0
    with pytest.raises(DataError, match="other respondents"):
        apply_exclusions(s.subset(["r1", "r2"]), r, "speeder")


# ============================================================================ real data

def test_bfi_straightlining_matches_a_direct_count(bfi_survey):
    r = check_quality(bfi_survey)
    q = bfi_survey.questionnaire
    expected = pd.Series(False, index=bfi_survey.ids)
    for scale in q.scales.values():
        if not scale.reversed:
            continue  # neuroticism has no reverse-keyed item
        x = bfi_survey.responses[list(scale.items)]
        answered = x.notna()
        both = answered[list(scale.reversed)].any(axis=1) & answered.drop(columns=list(scale.reversed)).any(axis=1)
        expected |= (x.nunique(axis=1) == 1) & (answered.sum(axis=1) >= 4) & both
    assert flagged(r, "straightlining") == expected.index[expected].tolist()
    assert r.counts["straightlining"] == 64
    missing = bfi_survey.responses.isna().mean(axis=1)
    assert flagged(r, "high-missing") == missing.index[missing > 0.2].tolist()
    assert r.counts["out-of-range"] == 0 and r.checks["out-of-range"].ran


def _example_survey() -> tuple[Survey, pd.DataFrame]:
    """The example export coded with the questionnaire's labels (independently of the importer)."""
    q = load_questionnaire(STUDY / "questionnaire.yaml")
    raw = pd.read_excel(STUDY / "export_qualtrics.xlsx", header=0, skiprows=[1, 2], engine="calamine", dtype=object)
    cols = {}
    for iid, item in q.items.items():
        s = raw[item.column]
        if item.type in ("likert", "categorical"):
            lm = q.option_set(iid).label_map()
            cols[iid] = pd.Series([np.nan if pd.isna(v) or lm[normalize_label(v)] is None else lm[normalize_label(v)]
                                   for v in s], dtype=float)
        elif item.type in ("nps", "numeric"):
            cols[iid] = pd.to_numeric(s).astype(float)
        else:
            cols[iid] = s.astype("str").where(s.notna())
    idx = pd.Index(raw["ResponseId"].astype(str), name="ResponseId")
    meta = raw[["Progress", "Duration (in seconds)", "Finished"]].set_axis(idx)
    survey = Survey(responses=pd.DataFrame(cols).set_axis(idx), questionnaire=q, metadata=meta)
    truth = pd.read_csv(STUDY / "truth.csv", dtype=str, keep_default_na=False).set_index("ResponseId")
    return survey, truth.loc[idx]


def test_example_study_planted_problems_are_found():
    survey, truth = _example_survey()
    r = check_quality(survey)
    kind = truth["careless"]
    f = r.flags
    careful = kind == ""
    assert f.loc[kind == "speeder", "speeder"].all()
    assert f.loc[kind == "straightliner", "straightlining"].all() and f.loc[kind == "straightliner", "longstring"].all()
    assert f.loc[kind == "partial", "partial"].all()
    assert f.loc[kind == "duplicate-copy", ["duplicate-answers", "duplicate-email"]].all().all()
    assert f.loc[kind == "duplicate-retake", "duplicate-email"].all()
    assert r.counts["out-of-range"] == 2 and r.out_of_range_items.to_dict() == {"age": 2}
    # careful respondents: no speeder, straightlining, longstring, duplicate or partial flags
    for code in ("speeder", "straightlining", "longstring", "duplicate-email", "duplicate-answers", "partial"):
        assert not f.loc[careful, code].any(), code
    assert f.loc[careful, "attention-check"].mean() < 0.02  # the planted slips
    kept, ex = apply_exclusions(survey, r, "speeder,straightlining,partial,duplicate-email")
    assert ex.rows_in == len(survey) == kept.n + ex.rows_excluded


def test_check_quality_on_100k_by_60():
    """A large survey goes through every check (speed is shown by the benchmarks, not asserted here)."""
    rng = np.random.default_rng(0)
    n, p = 100_000, 60
    x = rng.integers(1, 6, size=(n, p)).astype(float)
    x[rng.random((n, p)) < 0.02] = np.nan
    cols = {f"i{j}": x[:, j] for j in range(p)}
    items = {f"i{j}": {"options": "a5"} for j in range(p)}
    items["mail"] = {"type": "email"}
    cols["mail"] = [f"u{i % 90_000}@example.com" for i in range(n)]
    scales = {f"s{k}": [("-" if j == 0 else "") + f"i{6 * k + j}" for j in range(6)] for k in range(10)}
    s = make_survey(cols, items=items, scales=scales, quality={"duration": "t"},
                    metadata={"t": rng.lognormal(6, 0.5, n), "Finished": rng.random(n) > 0.02})
    r = check_quality(s)
    assert r.counts["duplicate-email"] == 10_000
    assert r.to_frame().shape[0] == n


# ============================================================================ CLI

@pytest.fixture()
def small_study(tmp_path):
    q = tmp_path / "q.yaml"
    q.write_text("respondent_id: id\noption_sets:\n  a5: {codes: {1: a, 2: b, 3: c, 4: d, 5: e}}\n"
                 "items:\n" + "".join(f"  x{i}: {{options: a5}}\n" for i in range(1, 6))
                 + "  dur: {type: numeric}\n  mail: {type: email}\n"
                 "scales:\n  s: [x1, x2, x3, x4, -x5]\nquality: {duration: dur}\n", encoding="utf-8")
    data = tmp_path / "data.csv"
    pd.DataFrame({
        "id": ["a", "b", "c", "d", "e", "f"],
        "x1": [1, 3, 2, 4, 4, 5], "x2": [2, 3, 2, 4, 5, 4], "x3": [3, 3, 1, 3, 4, 5], "x4": [1, 3, 2, 4, 4, 5],
        "x5": [5, 3, 4, 2, 1, 1], "dur": [300, 310, 20, 305, 290, 295],
        "mail": ["a@x.org", "b@x.org", "c@x.org", "A@X.org ", "e@x.org", "f@x.org"],
    }).to_csv(data, index=False)
    return data, q


def test_cli_text_report(invoke, small_study):
    data, q = small_study
    res = invoke("quality", data, "-q", q)
    assert res.exit_code == 0, res.stderr
    assert "Data quality: 6 respondents" in res.stdout and "speeder" in res.stdout


def test_cli_json_exclude_and_outputs(invoke, small_study, tmp_path):
    data, q = small_study
    clean, flags = tmp_path / "clean.csv", tmp_path / "flags.csv"
    res = invoke("quality", data, "-q", q, "--exclude", "speeder,straightlining,duplicate-email", "-o", clean,
                 "--flags-out", flags, "--json")
    assert res.exit_code == 0, res.stderr
    d = json.loads(res.stdout)
    assert d["respondents"] == 6
    assert d["flags"]["speeder"] == 1 and d["flags"]["straightlining"] == 1 and d["flags"]["duplicate-email"] == 1
    assert d["flagged"] == 3
    assert d["excluded"]["rows_in"] == 6 and d["excluded"]["rows_out"] == 3 and d["excluded"]["rows_excluded"] == 3
    assert set(d["outputs"]) == {"clean", "flags"}
    kept = pd.read_csv(clean, dtype={"id": str})
    assert kept["id"].tolist() == ["a", "e", "f"]
    table = pd.read_csv(flags, dtype={"id": str})
    assert table.columns.is_unique and table["id"].tolist() == list("abcdef")
    assert table.loc[table["id"] == "c", "speeder"].item()


def test_cli_errors(invoke, small_study, tmp_path):
    data, q = small_study
    bad = invoke("quality", data, "-q", q, "--exclude", "speedr")
    assert bad.exit_code == 2 and "speedr" in bad.stderr
    none = invoke("quality", data, "-q", q, "--exclude", "none", "--json")
    assert none.exit_code == 0 and json.loads(none.stdout)["exclusions"]["rows_excluded"] == 0
    suffix = invoke("quality", data, "-q", q, "-o", tmp_path / "out.txt")
    assert suffix.exit_code == 2 and ".csv" in suffix.stderr
    over = invoke("quality", data, "-q", q, "-o", data)
    assert over.exit_code == 1 and "Error:" in over.stderr and "input" in over.stderr
    assert pd.read_csv(data).shape == (6, 8)  # the input is intact
    missing = invoke("quality", tmp_path / "nope.csv", "-q", q)
    assert missing.exit_code == 1 and "Traceback" not in missing.stderr


def test_library_never_prints(capsys, small_study):
    from surveytools.io import load_survey

    data, q = small_study
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        check_quality(load_survey(data, load_questionnaire(q))).summary()
    assert capsys.readouterr() == ("", "")


# ------------------------------------------------------------------------------ the registry of checks
@pytest.fixture(scope="module")
def study_survey():
    from surveytools.io import import_survey

    return import_survey(STUDY / "export_qualtrics.xlsx", load_questionnaire(STUDY / "questionnaire.yaml")).survey


def test_registry_has_one_check_per_flag_code_in_report_order():
    from surveytools.quality import CHECKS, FLAG_DESCRIPTIONS

    assert tuple(CHECKS) == FLAG_CODES
    for code, check in CHECKS.items():
        assert check.code == code and check.description == FLAG_DESCRIPTIONS[code] and callable(check.run)


@pytest.mark.parametrize("code", FLAG_CODES)
def test_each_check_runs_alone_and_flags_as_in_the_full_run(study_survey, code):
    full = check_quality(study_survey)
    alone = check_quality(study_survey, select=code)
    pd.testing.assert_series_equal(alone.flags[code], full.flags[code])
    assert alone.checks[code] == full.checks[code]
    others = [c for c in FLAG_CODES if c != code]
    assert not alone.flags[others].to_numpy().any()
    assert all(alone.checks[c].rule == "not selected" and not alone.checks[c].ran for c in others)
    assert list(alone.detail.columns) == list(full.detail.columns)


def test_check_functions_are_testable_on_their_own(study_survey):
    from surveytools.quality import CHECKS, QualityContext

    ctx = QualityContext(study_survey, max_missing=0.2, longstring=None)
    out = CHECKS["longstring"].run(ctx)
    assert out.info.ran and out.settings["longstring"] >= 2
    assert (out.flag == (out.detail["longest_run"] >= out.settings["longstring"])).all()
    dup = CHECKS["duplicate-answers"].run(ctx)
    assert ((dup.duplicate_of >= 0) == dup.flag).all()


def test_unknown_selected_check_is_an_error(study_survey):
    with pytest.raises(DataError, match="unknown data-quality flag code"):
        check_quality(study_survey, select="speeder,sleepy")
