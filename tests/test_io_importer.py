"""Import invariants (Hypothesis): labels written from any codes import back to exactly those codes."""

from __future__ import annotations

import csv
import tempfile
from pathlib import Path

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from surveytools import Questionnaire
from surveytools.io import import_survey

LABELS = {1: "Strongly disagree", 2: "Somewhat disagree", 3: "Neither agree nor disagree", 4: "Somewhat agree",
          5: "Strongly agree"}
Q = Questionnaire.from_dict({
    "respondent_id": "id",
    "option_sets": {"agree5": {"codes": LABELS, "missing": ["Don't know"]}},
    "items": {f"q{j}": {"options": "agree5", "text": f"Statement {j}"} for j in range(1, 4)},
})

cell = st.one_of(st.integers(1, 5), st.just(0), st.just(-1))  # 0: blank, -1: "Don't know"


def _render(code: int, case: int, as_number: bool) -> str:
    if code == 0:
        return ""
    if code == -1:
        return "DON'T KNOW" if case else "Don't know"
    if as_number:
        return str(code)
    label = LABELS[code]
    return [label, label.upper(), f"  {label.lower()} "][case % 3]


@settings(max_examples=25, deadline=None)
@given(st.lists(st.tuples(cell, cell, cell, st.integers(0, 2), st.booleans()), min_size=1, max_size=25),
       st.sampled_from([",", ";", "\t"]), st.booleans(), st.randoms(use_true_random=False))
def test_labels_import_back_to_their_codes(rows, delimiter, by_text, rnd):
    header = ["id"] + [f"Statement {j}" if by_text else f"q{j}" for j in range(1, 4)]
    order = list(range(3))
    rnd.shuffle(order)  # column order does not matter
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / "export.csv"
        with open(path, "w", newline="", encoding="utf-8") as fh:
            w = csv.writer(fh, delimiter=delimiter)
            w.writerow([header[0]] + [header[1 + k] for k in order])
            for i, (a, b, c, case, as_number) in enumerate(rows):
                codes = (a, b, c)
                w.writerow([f"r{i}"] + [_render(codes[k], case, as_number) for k in order])
        s = import_survey(path, Q).survey
    expected = np.array([[np.nan if v <= 0 else v for v in r[:3]] for r in rows], dtype=float)
    got = s.responses[["q1", "q2", "q3"]].to_numpy()
    np.testing.assert_array_equal(got, expected)  # rows without any answer keep their id and stay
    assert list(s.ids) == [f"r{i}" for i in range(len(rows))]
    assert [s.source.row_of(f"r{i}") for i in range(len(rows))] == list(range(2, len(rows) + 2))


def test_import_does_not_run_the_quality_stage_the_caller_chains_it(tmp_path):
    import pytest

    from surveytools.quality import QualityReport, check_quality

    path = tmp_path / "export.csv"
    path.write_text("id,q1,q2,q3\nr1,1,2,3\nr2,3,3,3\nr3,5,4,2\n", encoding="utf-8")
    result = import_survey(path, Q)
    assert result.quality is None and result.to_dict()["quality"] is None
    chained = result.with_quality(check_quality(result.survey))
    assert isinstance(chained.quality, QualityReport) and result.quality is None
    assert chained.to_dict()["quality"] == check_quality(result.survey).to_dict()
    assert "Data quality" in chained.summary() and chained.survey is result.survey
    with pytest.warns(DeprecationWarning, match="chain it"):
        old = import_survey(path, Q, check_quality=True)
    assert old.to_dict() == chained.to_dict()
