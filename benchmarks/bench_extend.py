"""Benchmark: segments for every customer of a 10,000,000-row base (``surveytools crm extend``).

surveytools trains on the matched respondents and scores every customer inside DuckDB (the logistic
regression as one SQL expression, streamed from Parquet to Parquet with COPY). The alternative is what an
analyst would otherwise write: pandas reads the whole list, builds the same features and calls scikit-learn's
``predict_proba``, then writes Parquet. pandas holds the whole list in memory, so the head-to-head runs at
``--pandas-rows`` (both sides, same data, each in a fresh process for its peak memory); the target run is
surveytools alone at ``--rows``.

Targets (issue 14): 10M customers in 60 s or less and under 4 GB peak memory, on a 2-core machine.

Usage::

    python benchmarks/bench_extend.py [--rows 10000000] [--respondents 5000] [--pandas-rows 2000000] [--json]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

# CRM behaviour depends on a hidden segment s = 1..4; every (rows / respondents)-th customer answered the survey
GEN_SQL = """
COPY (
  WITH base AS (
    SELECT i, 1 + CAST(hash(i) % 4 AS INTEGER) AS s,
           (hash(i * 7) % 1000003) / 1000003.0 AS u1, (hash(i * 11) % 1000003) / 1000003.0 AS u2,
           (hash(i * 13) % 1000003) / 1000003.0 AS u3, (hash(i * 17) % 1000003) / 1000003.0 AS u4,
           (hash(i * 19) % 1000003) / 1000003.0 AS u5
    FROM range({rows}) t(i)
  ), kpi AS (
    SELECT *, CAST(floor(-ln(1 - u1) * [4.0, 12.0, 6.0, 1.5][s]) AS BIGINT) AS orders FROM base
  )
  SELECT 'C' || lpad(CAST(i AS VARCHAR), 9, '0') AS customer_id,
         'user' || CAST(i AS VARCHAR) || '@example.com' AS email,
         orders,
         round(orders * [25.0, 60.0, 45.0, 35.0][s] * exp(0.7 * (u2 - 0.5)), 2) AS revenue,
         DATE '2024-12-31' - CAST(floor(-ln(1 - u3) * [60.0, 20.0, 45.0, 250.0][s]) AS INTEGER) AS last_purchase_date,
         CASE WHEN u4 < [0.55, 0.10, 0.30, 0.75][s] THEN 'Bronce'
              WHEN u4 < [0.85, 0.40, 0.70, 0.95][s] THEN 'Plata'
              WHEN u4 < [0.97, 0.80, 0.92, 0.99][s] THEN 'Oro' ELSE 'Platino' END AS loyalty_tier,
         CASE WHEN u5 < [0.55, 0.60, 0.10, 0.50][s] THEN 'Tienda'
              WHEN u5 < [0.90, 0.85, 0.45, 0.90][s] THEN 'Online' ELSE 'App' END AS preferred_channel,
         CAST(floor(orders * [0.6, 0.15, 0.25, 0.3][s] * u1) AS BIGINT) AS discounts_used,
         CASE WHEN i % {step} = 0 THEN 'R' || CAST(i AS VARCHAR) END AS respondent_id,
         CASE WHEN i % {step} = 0 THEN s END AS segment
  FROM kpi
) TO '{path}' (FORMAT PARQUET)
"""

ST_JOB = """
import sys, time, resource, warnings
warnings.simplefilter("ignore")
from surveytools.crm_extend import extend_crm
src, out = sys.argv[1:3]
t = time.perf_counter()
r = extend_crm(src, out, model="logistic", as_of="2024-12-31", min_probability=0.4)
print(time.perf_counter() - t, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, r.customers, r.cv_accuracy
      if hasattr(r, "cv_accuracy") else r.model.cv_accuracy_)
"""

PANDAS_JOB = """
import sys, time, resource, warnings
warnings.simplefilter("ignore")
import numpy as np, pandas as pd
from surveytools.crm_extend import CrmSegmentModel
from surveytools.crm_features import design_blocks
src, out = sys.argv[1:3]
t = time.perf_counter()
df = pd.read_parquet(src)
resp = df[df["segment"].notna()]
m = CrmSegmentModel("auto", as_of="2024-12-31", model="logistic", min_probability=0.4).fit(
    resp.drop(columns=["segment"]), resp["segment"])
X = (design_blocks(m.features_, df, m.as_of_) - m.center_) / m.scale_
p = m.estimator_.predict_proba(X)
best = p.argmax(axis=1)
df["model_segment"] = np.asarray(m.segments_)[best]
df["model_probability"] = p[np.arange(len(p)), best]
df.to_parquet(out, index=False)
print(time.perf_counter() - t, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, len(df), m.cv_accuracy_)
"""


def run(job: str, *args: str) -> list[float]:
    out = subprocess.run([sys.executable, "-c", job, *args], capture_output=True, text=True, check=True)
    return [float(v) for v in out.stdout.split()]


def generate(rows: int, respondents: int, path: Path) -> float:
    import duckdb

    t = time.perf_counter()
    duckdb.sql(GEN_SQL.format(rows=rows, step=max(rows // respondents, 1), path=str(path)))
    return time.perf_counter() - t


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=10_000_000, help="customers in the target run")
    ap.add_argument("--respondents", type=int, default=5_000, help="matched respondents (with a segment)")
    ap.add_argument("--pandas-rows", type=int, default=2_000_000, help="customers in the head-to-head with pandas")
    ap.add_argument("--skip-pandas", action="store_true", help="only time surveytools")
    ap.add_argument("--json", action="store_true", help="print one JSON object")
    a = ap.parse_args()
    result: dict[str, float | int] = {"rows": a.rows, "respondents": a.respondents}
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        if not a.skip_pandas:
            small = tmp / "small.parquet"
            generate(a.pandas_rows, a.respondents, small)
            st_s, st_mb, _, _ = run(ST_JOB, str(small), str(tmp / "st_small.parquet"))
            pd_s, pd_mb, _, _ = run(PANDAS_JOB, str(small), str(tmp / "pd_small.parquet"))
            result.update(pandas_rows=a.pandas_rows, surveytools_small_s=st_s, surveytools_small_peak_mb=st_mb,
                          pandas_s=pd_s, pandas_peak_mb=pd_mb, speedup=pd_s / st_s, memory_ratio=pd_mb / st_mb)
            small.unlink()
        big = tmp / "joined.parquet"
        result["generate_s"] = generate(a.rows, a.respondents, big)
        st_s, st_mb, n, acc = run(ST_JOB, str(big), str(tmp / "segmented.parquet"))
        result.update(surveytools_s=st_s, surveytools_peak_mb=st_mb, customers=int(n), cv_accuracy=acc)
    if a.json:
        print(json.dumps(result))
        return
    print(f"crm extend: {a.rows:,} customers, {a.respondents:,} matched respondents (Parquet in and out)")
    print(f"  surveytools (train + DuckDB SQL scoring): {result['surveytools_s']:7.1f} s   peak "
          f"{result['surveytools_peak_mb']:7.0f} MB   cv accuracy {result['cv_accuracy']:.3f}")
    print("  target: <= 60 s and < 4096 MB for 10M customers")
    if "pandas_s" in result:
        print(f"head to head at {a.pandas_rows:,} customers:")
        print(f"  surveytools:                     {result['surveytools_small_s']:7.1f} s   peak "
              f"{result['surveytools_small_peak_mb']:7.0f} MB")
        print(f"  pandas + scikit-learn predict_proba: {result['pandas_s']:7.1f} s   peak {result['pandas_peak_mb']:7.0f} MB")
        print(f"  ratio: {result['speedup']:.1f}x faster, {result['memory_ratio']:.1f}x less memory")


if __name__ == "__main__":
    main()
