"""The rule that chooses k (selection.choose_k) on hand-made criteria tables."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from surveytools.segment.selection import CRITERIA_COLUMNS, choose_k, criteria_frame


def table(rows: dict[int, dict]) -> pd.DataFrame:
    base = {"silhouette": 0.3, "calinski_harabasz": 100.0, "davies_bouldin": 1.0, "bic": 1000.0, "min_share": 0.2,
            "stability_ari": 0.9, "reproducibility": 0.9}
    return criteria_frame({k: {**base, **r} for k, r in rows.items()})


def test_criteria_frame_columns():
    assert list(table({2: {}, 3: {}}).columns) == list(CRITERIA_COLUMNS)


def test_rank_sum_picks_the_k_the_criteria_jointly_support():
    # silhouette and DB prefer 2 slightly, CH and BIC prefer 4 clearly: 4 has the best rank sum
    t = table({2: {"silhouette": 0.61, "davies_bouldin": 0.53, "calinski_harabasz": 3900, "bic": 51000},
               3: {"silhouette": 0.54, "davies_bouldin": 0.75, "calinski_harabasz": 4200, "bic": 46600},
               4: {"silhouette": 0.60, "davies_bouldin": 0.62, "calinski_harabasz": 5400, "bic": 41200},
               5: {"silhouette": 0.44, "davies_bouldin": 1.40, "calinski_harabasz": 4200, "bic": 41500}})
    c = choose_k(t)
    assert c.k == 4
    assert c.rank_sum == {2: 10.0, 3: 11.5, 4: 6.0, 5: 12.5}  # CH ties 3 and 5: average rank 2.5
    assert c.votes == {"silhouette": 2, "calinski_harabasz": 4, "davies_bouldin": 2, "bic": 4}
    assert c.explanation.startswith("k = 4 has the best rank sum over 4 criteria (6; k = 2: 10; k = 3: 11.5)")


def test_ties_go_to_the_more_stable_then_the_smaller_k():
    t = table({2: {"silhouette": 0.6, "davies_bouldin": 0.5, "calinski_harabasz": 100, "bic": 900},
               3: {"silhouette": 0.5, "davies_bouldin": 0.6, "calinski_harabasz": 200, "bic": 800}})
    c = choose_k(t)
    assert c.rank_sum == {2: 6.0, 3: 6.0}
    assert c.k == 2 and "tie broken" in c.explanation
    t.loc[3, "stability_ari"] = 0.95
    assert choose_k(t).k == 3


def test_size_and_stability_filters():
    t = table({2: {"silhouette": 0.2}, 3: {"silhouette": 0.5, "min_share": 0.03},
               4: {"silhouette": 0.45, "stability_ari": 0.6}, 5: {"silhouette": 0.3}})
    c = choose_k(t)
    assert c.admissible == [2, 5]
    assert c.k == 5 or c.k == 2
    assert "k = 3 leaves a segment under 5%" in c.explanation
    assert "k = 4 (0.6) has a bootstrap adjusted Rand index under 0.75" in c.explanation
    assert choose_k(t, min_size=0.02).admissible == [2, 3, 5]


def test_no_stable_k_falls_back_with_a_note():
    t = table({2: {"stability_ari": 0.5}, 3: {"stability_ari": 0.6, "silhouette": 0.4}})
    c = choose_k(t)
    assert c.k == 3 and c.admissible == [2, 3]
    assert "not stable" in c.explanation


def test_no_k_passes_size_check_warns():
    t = table({2: {"min_share": 0.01}, 3: {"min_share": 0.02}})
    c = choose_k(t)
    assert c.admissible == [2, 3] and "every k leaves a segment under 5%" in c.explanation


def test_restart_reproducibility_replaces_bootstrap_when_absent():
    t = table({2: {"stability_ari": np.nan, "reproducibility": 0.5, "silhouette": 0.9},
               3: {"stability_ari": np.nan, "reproducibility": 1.0}})
    assert choose_k(t, stability_source="restarts").admissible == [3]
    assert choose_k(t, stability_source="none").admissible == [2, 3]


def test_weak_structure_note_and_fixed_k():
    t = table({2: {"silhouette": 0.12}, 3: {"silhouette": 0.1}})
    assert "no strong segment structure" in choose_k(t).explanation
    one = choose_k(table({4: {}}))
    assert one.k == 4 and "was given" in one.explanation


@pytest.mark.parametrize("missing", ["silhouette", "bic"])
def test_missing_criterion_ranks_last(missing):
    t = table({2: {missing: np.nan, "silhouette": 0.5 if missing != "silhouette" else np.nan},
               3: {"silhouette": 0.3}})
    assert choose_k(t).k in (2, 3)
