"""Segments: id -> segment 1..k with names, probabilities and provenance; read/write/align; names parsed once."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from surveytools.exceptions import DataError, InputFileError
from surveytools.segments import Segments, as_segments, parse_names, read_segments


def test_from_labels_validates_once():
    s = Segments.from_labels(pd.Series([1, 2, 2, None], index=["a", "b", "c", "d"]), names=["One", "Two"],
                             source="test")
    assert s.k == 2 and list(s.ids) == ["a", "b", "c"] and s.names == {1: "One", 2: "Two"}
    assert s.sizes() == {1: 1, 2: 2} and s.name_of(2) == "Two" and s.source == "test"
    for bad in ([0, 1], [1.5, 1], ["x", 1]):
        with pytest.raises(DataError, match="whole number"):
            Segments.from_labels(bad, ids=["a", "b"])
    with pytest.raises(DataError, match="more than once"):
        Segments.from_labels([1, 2], ids=["a", "a"])
    with pytest.raises(DataError, match="names given for segment 3"):
        Segments.from_labels([1, 2], ids=["a", "b"], names={3: "Three"})


def test_write_read_round_trip(tmp_path):
    s = Segments.from_labels([2, 1, 3], ids=[10, 11, 12], names="1=Uno,3=Tres", probability=[0.9, 0.8, 0.7])
    for name in ("seg.csv", "seg.parquet"):
        back = read_segments(s.write(tmp_path / name))
        assert back.segment.equals(s.segment) and back.names == {1: "Uno", 3: "Tres"}
        assert np.allclose(back.probability.to_numpy(), [0.9, 0.8, 0.7])
        assert back.source == str(tmp_path / name)
    assert list(pd.read_csv(tmp_path / "seg.csv").columns) == ["respondent_id", "segment", "probability",
                                                               "segment_name"]
    with pytest.raises(InputFileError, match=".csv, .parquet or .sav"):
        s.write(tmp_path / "seg.txt")
    with pytest.raises(InputFileError, match="not found"):
        read_segments(tmp_path / "nope.csv")
    (tmp_path / "bad.csv").write_text("respondent_id,segment\na,1\nb,zero\n")
    with pytest.raises(DataError, match="row 3"):
        read_segments(tmp_path / "bad.csv")


def test_align_reports_unassigned_and_refuses_strangers(bfi_survey):
    ids = bfi_survey.ids.astype(str)
    s = Segments.from_labels(np.arange(len(ids) - 5) % 3 + 1, ids=ids[5:])
    kept, seg, unassigned = s.align(bfi_survey)
    assert kept.n == len(seg) == bfi_survey.n - 5 and list(unassigned) == list(bfi_survey.ids[:5])
    assert seg.index.equals(kept.ids)
    with pytest.raises(DataError, match="not in .*ZZZ"):
        Segments.from_labels([1, 2], ids=[ids[0], "ZZZ"]).align(bfi_survey)


def test_names_are_parsed_in_one_place(tmp_path):
    assert parse_names(["A", "B"]) == parse_names({1: "A", "2": "B"}) == parse_names("1=A, 2 = B ,") == {1: "A", 2: "B"}
    (tmp_path / "n.yaml").write_text("names: [A, B]\n")
    (tmp_path / "n.json").write_text('{"1": "A", "2": "B"}')
    assert parse_names(tmp_path / "n.yaml") == parse_names(str(tmp_path / "n.json")) == {1: "A", 2: "B"}
    for bad, msg in (("A,B", "has no number"), ({0: "A"}, "not a segment number"), ({1: " "}, "empty name")):
        with pytest.raises(DataError, match=msg):
            parse_names(bad)


def test_typing_tool_predictions_and_old_names_become_segments():
    frame = pd.DataFrame({"segment": pd.array([1, None, 2], dtype="Int64"), "probability": [0.6, None, 0.8],
                          "n_imputed": [0, 3, 1]}, index=pd.Index(["x", "y", "z"], name="customer_id"))
    s = Segments.from_frame(frame, source="typing tool")
    assert list(s.ids) == ["x", "z"] and s.k == 2 and list(s.probability) == [0.6, 0.8]
    assert as_segments(s) is s and as_segments(pd.Series([1, 2], index=["a", "b"])).k == 2
    import importlib
    import sys

    sys.modules.pop("surveytools.assignments", None)
    with pytest.warns(DeprecationWarning, match="surveytools.assignments is deprecated; use surveytools.segments"):
        deprecated = importlib.import_module("surveytools.assignments")
    Assignments, align_assignments, read_assignments = (deprecated.Assignments, deprecated.align_assignments,
                                                        deprecated.read_assignments)

    a = Assignments(segment=pd.Series([1, 2], index=["a", "b"]), extra=pd.DataFrame({"segment_name": ["P", "Q"]},
                                                                                     index=["a", "b"]), path="f.csv")
    assert isinstance(a, Segments) and a.names == {1: "P", 2: "Q"} and a.path == "f.csv"
    assert read_assignments is not None and align_assignments is not None


@given(st.lists(st.integers(1, 6), min_size=1, max_size=40))
def test_row_order_never_changes_the_membership(labels):
    ids = [f"r{i}" for i in range(len(labels))]
    s = Segments.from_labels(labels, ids=ids)
    r = Segments.from_labels(labels[::-1], ids=ids[::-1])
    assert s.segment.sort_index().equals(r.segment.sort_index()) and s.k == r.k == max(labels)
