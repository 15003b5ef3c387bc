"""benchmarks/run_all.py reads the benchmark scripts' result lines (real output, captured from a full run)."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
_spec = importlib.util.spec_from_file_location("run_all", ROOT / "benchmarks" / "run_all.py")
run_all = importlib.util.module_from_spec(_spec)
sys.modules["run_all"] = run_all  # dataclasses look their module up while the module runs
_spec.loader.exec_module(run_all)

IMPORT_OUT = """\
export: 50,000 respondents x 60 items + 17 metadata columns, 13.1 MB (written in 4.3 s)
load average before: 3.0 on 2 cores (wall times grow with it; the ratios are measured back to back)
                                                              wall     cpu    peak
surveytools import (read, code, quality, write .parquet)     4.44s   4.43s   609MB  codes checked
pandas.read_excel(engine='calamine') (read only)             6.20s   6.07s   822MB  surveytools is 1.4x faster (cpu 1.4x)
pandas.read_excel(engine='openpyxl') (read only)            51.16s  47.13s   609MB  surveytools is 11.5x faster (cpu 10.6x)
"""

FACTOR_OUT = """\
data: tests/data/spi/responses.csv.gz: 4000 respondents x 135 items, 33265 missing answers
surveytools  EFA 5 factors (minres, oblimin):              0.089 s
surveytools  --n-factors auto (parallel 20 + MAP + fit):    1.220 s   -> parallel FA 25, PC 21, MAP 27, 25 factors fitted
factor-analyzer fails: TypeError: check_array() got an unexpected keyword argument 'force_all_finite'
R psych      fa(x, 5) (minres, oblimin):                   0.578 s
R psych      fa.parallel(x, n.iter = 20) alone:            6.004 s   -> nfact 25, ncomp 21
ratio EFA (psych fa / surveytools):                           6.5x   (target > 1)
ratio auto (psych fa.parallel / surveytools auto):            4.9x   (target >= 3)
"""

POLY_OUT = """\
polychoric matrix, 4000 respondents, six-point items, 0% missing
   135 items: surveytools    0.49 s | psych  114.27 s | ratio psych/surveytools  234.1x | max |rho diff| 2.0e-05
        semopy not available (ModuleNotFoundError)
    30 items: surveytools    0.02 s | psych    3.01 s | ratio psych/surveytools  190.6x | max |rho diff| 2.0e-05
"""

SEGMENT_OUT = """\
segment target: n=100,000 x 6, k=2..8, 50 bootstrap replicates, k-means
surveytools segment: 24.3 s wall (23.6 s in fit), 24.1 s CPU, peak 391 MB; chose k=5, adjusted Rand with the truth 0.974
target <= 60 s and < 2 GB: met
head to head: n=20,000 x 6, k=2..8, 10 bootstrap replicates, full silhouette on both sides
surveytools Segmenter: 24.50 s CPU (chose k=5)
scikit-learn loop (KMeans n_init=10, silhouette_score, bootstrap refits): 98.39 s CPU
ratio scikit-learn / surveytools: 4.0x
"""

LATENT_CLASS_OUT = """\
latent class head to head: n=4,000 x 10 mixed items, k=4, 10 starts each, every start to convergence
surveytools latent class: 1.52 s CPU (log-likelihood -70123.456)
StepMix 3 latent class: 25.10 s CPU (log-likelihood -70123.456)
ratio StepMix / surveytools: 16.5x
latent class target: n=100,000 x 20 mixed items, k=2..8, 0 bootstrap replicates
surveytools segment --method latent-class: 48.2 s wall, 47.9 s CPU, peak 812 MB; chose k=5, adjusted Rand with the truth 0.991
target <= 60 s and < 2 GB: met
"""

ASSIGN_OUT = """\
data: 1,000,000 customers x 12 answers (codes, 3% missing), 35 MB, written in 2.7 s
surveytools assign :   2.68 s wall,   2.70 s CPU, peak     750 MB  (target <= 10 s, < 2048 MB); agreement 0.975
pandas + sklearn   :   4.58 s wall,   4.49 s CPU, peak     740 MB
ratio (alternative / surveytools): wall 1.71x, CPU 1.66x, memory 0.99x
PASS
"""


def test_import_rows_and_targets():
    rows = run_all.parse_import(IMPORT_OUT, quick=False)
    assert [r.alternative for r in rows] == ["pandas.read_excel(calamine), read only",
                                             "pandas.read_excel(openpyxl), read only"]
    assert rows[0].surveytools_s == 4.44 and rows[0].surveytools_mb == 609 and rows[0].met is True
    assert rows[1].ratio == 11.5 and rows[1].target == ">= 8x" and rows[1].met is True
    quick = run_all.parse_import(IMPORT_OUT, quick=True)
    assert [r.met for r in quick] == [None, None]  # targets hold at the full size only


def test_factor_rows_use_the_printed_ratios():
    efa, fa2, auto = run_all.parse_factor(FACTOR_OUT, quick=False)
    assert (efa.surveytools_s, efa.alternative_s, efa.ratio, efa.target, efa.met) == (0.089, 0.578, 6.5, "> 1x", True)
    assert fa2.alternative == "factor-analyzer" and fa2.alternative_s is None and "TypeError" in fa2.note
    assert (auto.ratio, auto.target, auto.met) == (4.9, ">= 3x", True)


def test_polychoric_targets():
    big, small = run_all.parse_polychoric(POLY_OUT, quick=False)
    assert big.benchmark == "polychoric matrix (4,000 x 135)" and big.target == "<= 5 s" and big.met is True
    assert small.ratio == 190.6 and small.target == ">= 10x" and small.met is True
    assert run_all.parse_polychoric(POLY_OUT, quick=True)[1].met is None


def test_segment_and_assign():
    target, h2h = run_all.parse_segment(SEGMENT_OUT, quick=False)
    assert target.surveytools_s == 24.3 and target.surveytools_mb == 391 and target.met is True
    assert (h2h.surveytools_s, h2h.alternative_s, h2h.ratio) == (24.5, 98.39, 4.0)
    (row,) = run_all.parse_assign(ASSIGN_OUT, quick=False)
    assert (row.surveytools_s, row.surveytools_mb, row.ratio, row.met) == (2.68, 750, 1.71, True)


VOC_TEXT_OUT = """\
data: 100,000 comments (Spanish, 6 themes, 3% with PII), generated in 1.5 s
surveytools themes (corpus 3.0 s + code frame, shares, tests, quotes):     3.28 s wall,     1.23 s CPU, peak     358 MB; agreement with the truth 1.0000; 8,734 distinct comments, 6 themes
naive per-comment loop:     0.87 s on 20,000 comments ->     4.33 s scaled to 100,000 (4.20 s CPU); agreement with the truth 0.9811
ratio (naive / surveytools): 1.3x wall, 3.4x CPU
"""


def test_voc_text_row():
    (row,) = run_all.parse_voc_text(VOC_TEXT_OUT, quick=True)
    assert (row.surveytools_s, row.alternative_s, row.surveytools_mb, row.ratio) == (3.28, 4.33, 358, 1.3)
    assert row.met is None  # 100,000 comments: the 1,000,000-comment target is not judged
    full = VOC_TEXT_OUT.replace("100,000", "1,000,000")
    assert run_all.parse_voc_text(full, quick=False)[0].met is True
    assert run_all.parse_voc_text("nothing", quick=False) == []
def test_latent_class_rows():
    h2h, target = run_all.parse_latent_class(LATENT_CLASS_OUT, quick=False)
    assert h2h.alternative == "StepMix 3" and h2h.ratio == 16.5 and h2h.met is True and h2h.target == "> 1x"
    assert "4,000 x 10" in h2h.benchmark
    assert target.surveytools_s == 48.2 and target.surveytools_mb == 812 and target.met is True
    quick = run_all.parse_latent_class(LATENT_CLASS_OUT.replace(": met", ": not met"), quick=True)
    assert quick[0].met is None and quick[1].met is None


def test_crm_json_and_generic_fallback():
    obj = json.loads('{"rows": 10000000, "respondents": 100000, "surveytools_s": 11.9, "surveytools_peak_mb": 3368.5,'
                     ' "pandas_s": 31.6, "pandas_peak_mb": 5097.4}')
    (row,) = run_all.parse_crm_join_json(obj, quick=False)
    assert row.met is True and row.ratio == pytest.approx(31.6 / 11.9)
    obj["surveytools_peak_mb"] = 5000
    assert run_all.parse_crm_join_json(obj, quick=False)[0].met is False
    notes = run_all.parse_generic("something\n  ratio new / old: 3.5x\n", quick=False)
    assert [r.note for r in notes] == ["ratio new / old: 3.5x"]


def test_extend_json():
    obj = {"rows": 10000000, "respondents": 5000, "surveytools_s": 41.2, "surveytools_peak_mb": 1900.0,
           "pandas_rows": 2000000, "surveytools_small_s": 9.0, "surveytools_small_peak_mb": 600.0, "pandas_s": 27.0,
           "pandas_peak_mb": 2500.0}
    target, h2h = run_all.parse_extend_json(obj, quick=False)
    assert target.met is True and target.surveytools_mb == 1900.0 and target.target == "<= 60 s, < 4 GB"
    assert h2h.ratio == pytest.approx(3.0) and h2h.alternative == "pandas + sklearn predict_proba"
    assert run_all.parse_extend_json(dict(obj, surveytools_s=61.0), quick=False)[0].met is False
    assert run_all.parse_extend_json(obj, quick=True)[0].met is None


def test_kpis_json_rows_and_target():
    obj = {"transactions": 100_000_000, "customers": 10_000_000, "surveytools_s": 70.0, "surveytools_peak_mb": 3000.0,
           "pandas_transactions": 10_000_000, "pandas_customers": 1_000_000, "surveytools_small_s": 8.0,
           "surveytools_small_peak_mb": 1200.0, "pandas_s": 40.0, "pandas_peak_mb": 6000.0}
    full, same = run_all.parse_kpis_json(obj, quick=False)
    assert full.met is True and full.surveytools_s == 70.0
    assert same.ratio == pytest.approx(5.0) and same.alternative == "pandas merge + groupby"
    obj["surveytools_s"] = 95.0
    assert run_all.parse_kpis_json(obj, quick=False)[0].met is False
    assert run_all.parse_kpis_json(obj, quick=True)[0].met is None


def test_options_a_script_does_not_take_are_dropped():
    assert run_all._filter(["--rows", "10", "--repeat", "1", "--no-r"], {"--rows", "--no-r"}) == ["--rows", "10", "--no-r"]


def test_table_lists_notes_and_failures():
    rows = [run_all.Row("a", 1.0, "b", 3.0, target=">= 2x", met=True),
            run_all.Row("bench_x", note="exit 1: boom", failed=True)]
    text = run_all.format_table(rows)
    assert "3.0x" in text and "yes" in text and "bench_x [1]" in text and "[1] exit 1: boom" in text


def test_every_benchmark_script_has_a_parser():
    scripts = sorted(p.stem for p in (ROOT / "benchmarks").glob("bench_*.py"))
    missing = [s for s in scripts if s not in run_all.BENCHES
               or (run_all.BENCHES[s].parse is None and s not in run_all.JSON_PARSERS)]
    assert not missing, f"benchmarks/run_all.py cannot read: {', '.join(missing)}; add a parser to BENCHES"


STARTUP_OUT = """heavy modules loaded by --help: none
bare click import: 410 ms (median of 15)
surveytools --help: 450 ms, 1.10x click
surveytools import --help: 470 ms, 1.15x click
surveytools import (usage error): 1700 ms, 4.15x click
slowest start-up / click: 4.15x (target < 4x): not met
"""


def test_startup_rows_and_target():
    rows = run_all.parse_startup(STARTUP_OUT, quick=True)
    assert [r.benchmark for r in rows] == ["start-up: surveytools --help (fresh process)",
                                           "start-up: surveytools import --help (fresh process)",
                                           "start-up: surveytools import (usage error) (fresh process)"]
    assert rows[0].surveytools_s == 0.45 and rows[0].alternative_s == 0.41
    assert [r.met for r in rows] == [True, True, False]
    loaded = run_all.parse_startup(STARTUP_OUT.replace("--help: none", "--help: pandas,numpy"), quick=False)
    assert loaded[0].met is False and "pandas" in loaded[0].note
