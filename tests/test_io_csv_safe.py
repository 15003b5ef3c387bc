"""CSV formula injection (issue 18): every CSV surveytools writes neutralises formula-like text cells."""

from __future__ import annotations

import csv
import io

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from surveytools.io.csv_safe import FORMULA_PREFIXES, neutral_text, neutralize_formulas, write_csv
from surveytools.io.tables import write_table

HOSTILE = ["=HYPERLINK(\"http://x\",\"y\")", "+1+cmd|' /C calc'!A0", "-2+3+cmd|' /C calc'!A0", "@SUM(A1:A9)",
           "\t=1+1", "\r=1+1", "fine", "-", "=", "-3", "+34600111222", "-0.5"]


def _cells(path) -> list[list[str]]:
    with open(path, newline="", encoding="utf-8") as fh:
        return list(csv.reader(fh))


def _dangerous(cell: str) -> bool:
    return cell.startswith(FORMULA_PREFIXES) and neutral_text(cell) != cell


def test_text_cells_get_an_apostrophe_numbers_stay_numbers(tmp_path):
    frame = pd.DataFrame({"comment": HOSTILE, "score": np.arange(len(HOSTILE)) - 5.5,
                          "count": np.arange(len(HOSTILE)) - 3, "=name": ["x"] * len(HOSTILE)})
    out = write_table(frame, tmp_path / "t.csv")
    rows = _cells(out)
    assert rows[0] == ["comment", "score", "count", "'=name"]
    comments = [r[0] for r in rows[1:]]
    assert comments[:6] == ["'" + h for h in HOSTILE[:6]]
    assert comments[6:] == ["fine", "'-", "'=", "-3", "+34600111222", "-0.5"]
    assert not any(_dangerous(c) for r in rows for c in r)
    back = pd.read_csv(out)
    assert back["score"].tolist() == (np.arange(len(HOSTILE)) - 5.5).tolist()  # negative numbers stay numbers
    assert back["count"].dtype.kind == "i" and back["count"].min() == -3


def test_string_dtype_and_mixed_columns():
    frame = pd.DataFrame({"s": pd.array(["=1", None, "ok"], dtype="string"), "m": [1, "=x", -2]})
    out = neutralize_formulas(frame)
    assert out["s"].tolist()[0] == "'=1" and pd.isna(out["s"].tolist()[1])
    assert out["m"].tolist() == [1, "'=x", -2]
    clean = pd.DataFrame({"a": ["x", "y"], "b": [1, 2]})
    assert neutralize_formulas(clean) is clean  # nothing to change: no copy


@settings(max_examples=60, deadline=None)
@given(st.lists(st.one_of(st.text(max_size=8), st.integers(-1000, 1000), st.none()), min_size=1, max_size=30))
def test_property_no_cell_starts_a_formula_and_the_text_survives(values):
    frame = pd.DataFrame({"v": pd.Series(values, dtype=object)})
    buf = io.StringIO()
    write_csv(frame, buf)
    rows = list(csv.reader(io.StringIO(buf.getvalue())))[1:]
    cells = [r[0] if r else "" for r in rows]
    assert not any(_dangerous(c) for c in cells)
    for v, c in zip(values, neutralize_formulas(frame)["v"].tolist(), strict=True):
        if isinstance(v, str) and v != c:
            assert c == "'" + v and v.startswith(FORMULA_PREFIXES)
        elif not isinstance(v, str):
            assert c is v or (v is None and pd.isna(c)) or c == v


def test_segment_assignments_csv(tmp_path):
    from surveytools.segments import Segments

    seg = Segments.from_labels(pd.Series([1, 2], index=["r1", "@r2"]), names={1: "=cmd|'/C calc'!A0", 2: "Savers"})
    rows = _cells(seg.write(tmp_path / "seg.csv"))
    assert rows[1] == ["r1", "1", "'=cmd|'/C calc'!A0"] and rows[2] == ["'@r2", "2", "Savers"]


def test_crm_join_csv_written_by_duckdb(tmp_path):
    from surveytools.crm import join_crm

    (tmp_path / "s.csv").write_text("respondent_id,email,segment_name\nr1,a@x.com,=1+2\nr2,b@x.com,ok\n")
    (tmp_path / "c.csv").write_text("customer_id,email,note,balance\nc1,a@x.com,\"@SUM(A1)\",-5.5\n"
                                    "c2,b@x.com,-cmd,3\nc3,z@x.com,+x,-1\n")
    join_crm(tmp_path / "s.csv", tmp_path / "c.csv", tmp_path / "o.csv", on="email",
             survey_columns=["respondent_id", "segment_name"])
    rows = _cells(tmp_path / "o.csv")
    assert rows[0] == ["customer_id", "email", "note", "balance", "respondent_id", "segment_name"]
    assert [r[2] for r in rows[1:]] == ["'@SUM(A1)", "'-cmd", "'+x"]
    assert [r[3] for r in rows[1:]] == ["-5.5", "3.0", "-1.0"]
    assert [r[5] for r in rows[1:]] == ["'=1+2", "ok", ""]


@pytest.mark.parametrize("command", ["import"])
def test_clean_data_from_the_cli(tmp_path, invoke, command):
    spec = tmp_path / "q.yaml"
    spec.write_text("items:\n  q1: {type: numeric}\n  c: {type: text}\n", encoding="utf-8")
    (tmp_path / "e.csv").write_text("q1,c\n-3,=1+1\n4,@x\n", encoding="utf-8")
    res = invoke("import", tmp_path / "e.csv", "-q", spec, "-o", tmp_path / "clean.csv", "--quiet")
    assert res.exit_code == 0, res.stderr
    rows = _cells(tmp_path / "clean.csv")
    assert rows[1][1:3] == ["-3.0", "'=1+1"] and rows[2][2] == "'@x"


def test_arrow_tables_written_by_assign(tmp_path):
    """``surveytools assign`` writes its CSV with pyarrow: ids and segment names are neutralised there too."""
    from surveytools.io.csv_safe import neutralize_arrow_table
    from surveytools.typing_tool.assign import _write_assignments

    frame = pd.DataFrame({"segment": [1, 2, 2], "segment_name": ["=cmd|' /C calc'!A0", "Savers", "-x"],
                          "probability": [0.9, -0.0, 0.5]}, index=pd.Index(["c1", "@c2", "-3"]))
    out = tmp_path / "assigned.csv"
    _write_assignments(frame, out, "customer_id", inputs=())
    rows = _cells(out)
    assert rows[0] == ["customer_id", "segment", "segment_name", "probability"]
    assert [r[0] for r in rows[1:]] == ["c1", "'@c2", "-3"]
    assert [r[2] for r in rows[1:]] == ["'=cmd|' /C calc'!A0", "Savers", "'-x"]
    import pyarrow as pa

    t = pa.table({"a": ["x", None]})
    assert neutralize_arrow_table(t).equals(t)
