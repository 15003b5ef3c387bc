"""Benchmark: joining survey segments onto a 10,000,000-row customer list.

Compares ``surveytools crm join`` (DuckDB, streaming) with what an analyst would otherwise write in pandas
(read the whole list, normalize e-mails, drop duplicates, merge, write). Each side runs in its own
process so that peak memory (max RSS) is measured separately.

Targets (issue 7): 10M rows in 30 s or less, peak memory under 4 GB.

Usage::

    python benchmarks/bench_crm_join.py [--rows 10000000] [--respondents 100000] [--skip-pandas]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

GEN_SQL = """
COPY (
  SELECT 'C' || lpad(CAST(i AS VARCHAR), 9, '0') AS customer_id,
         CASE WHEN i % 7 = 0 THEN '  ' ELSE '' END
           || CASE WHEN i % 3 = 0 THEN upper('user' || CAST(i AS VARCHAR)) ELSE 'user' || CAST(i AS VARCHAR) END
           || '@Example.com' AS email,
         CAST(1 + hash(i) % 40 AS BIGINT) AS orders,
         round(10 + (hash(i * 7) % 500000) / 100.0, 2) AS revenue,
         DATE '2024-12-31' - CAST(hash(i * 13) % 900 AS INTEGER) AS last_purchase_date,
         ['Bronze', 'Silver', 'Gold', 'Platinum'][1 + CAST(hash(i * 3) % 4 AS BIGINT)] AS loyalty_tier,
         ['web', 'app', 'store'][1 + CAST(hash(i * 5) % 3 AS BIGINT)] AS preferred_channel,
         CAST(hash(i * 11) % 12 AS BIGINT) AS discounts_used
  FROM range({rows}) t(i)
) TO '{path}' (FORMAT CSV, HEADER true)
"""

PANDAS_JOB = """
import sys, time, resource, pandas as pd
survey, crm, out = sys.argv[1:4]
t = time.perf_counter()
s = pd.read_csv(survey, dtype=str)
c = pd.read_csv(crm, dtype={"customer_id": str, "email": str})
s["key"] = s["email"].str.strip().str.lower()
c["key"] = c["email"].str.strip().str.lower()
s = s.dropna(subset=["key"]).drop_duplicates("key", keep="last")
first = c.dropna(subset=["key"]).drop_duplicates("key", keep="first")[["customer_id", "key"]]
m = first.merge(s[["key", "respondent_id", "segment"]], on="key")
res = c.drop(columns="key").merge(m[["customer_id", "respondent_id", "segment"]], on="customer_id", how="left")
res.to_parquet(out, index=False)
print(time.perf_counter() - t, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
"""

ST_JOB = """
import sys, time, resource
from surveytools.crm import join_crm
survey, crm, out = sys.argv[1:4]
t = time.perf_counter()
r = join_crm(survey, crm, out, on="email")
print(time.perf_counter() - t, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, r.matched)
"""


def run(job: str, *args: str) -> list[float]:
    out = subprocess.run([sys.executable, "-c", job, *args], capture_output=True, text=True, check=True)
    return [float(v) for v in out.stdout.split()]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=10_000_000)
    ap.add_argument("--respondents", type=int, default=100_000)
    ap.add_argument("--skip-pandas", action="store_true", help="only time surveytools")
    ap.add_argument("--json", action="store_true", help="print one JSON object")
    a = ap.parse_args()
    import duckdb
    import numpy as np
    import pandas as pd

    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        crm = tmp / "customers.csv"
        t0 = time.perf_counter()
        duckdb.sql(GEN_SQL.format(rows=a.rows, path=str(crm)))
        gen = time.perf_counter() - t0
        rng = np.random.default_rng(1)
        ids = rng.choice(a.rows, size=a.respondents, replace=False)
        emails = [f"USER{i}@example.com " if i % 2 else f"user{i}@example.com" for i in ids]
        n_un = a.respondents // 10  # 10% are not customers
        emails[:n_un] = [f"prospect{i}@other.org" for i in range(n_un)]
        survey = tmp / "survey.csv"
        pd.DataFrame({"respondent_id": [f"R{i}" for i in range(a.respondents)], "email": emails,
                      "segment": rng.integers(1, 6, a.respondents)}).to_csv(survey, index=False)
        st_time, st_mem, matched = run(ST_JOB, str(survey), str(crm), str(tmp / "st.parquet"))
        result = {"rows": a.rows, "respondents": a.respondents, "generate_s": gen, "surveytools_s": st_time,
                  "surveytools_peak_mb": st_mem, "matched": int(matched)}
        if not a.skip_pandas:
            pd_time, pd_mem = run(PANDAS_JOB, str(survey), str(crm), str(tmp / "pd.parquet"))
            result.update(pandas_s=pd_time, pandas_peak_mb=pd_mem, speedup=pd_time / st_time,
                          memory_ratio=pd_mem / st_mem)
    if a.json:
        print(json.dumps(result))
        return
    print(f"CRM join, {a.rows:,} customers x {a.respondents:,} respondents (e-mail key)")
    print(f"  surveytools (DuckDB): {result['surveytools_s']:7.1f} s   peak {result['surveytools_peak_mb']:7.0f} MB"
          f"   matched {result['matched']:,}")
    if "pandas_s" in result:
        print(f"  pandas read+merge:    {result['pandas_s']:7.1f} s   peak {result['pandas_peak_mb']:7.0f} MB")
        print(f"  ratio: {result['speedup']:.1f}x faster, {result['memory_ratio']:.1f}x less memory")
    print("  target: <= 30 s and < 4096 MB for 10M rows")


if __name__ == "__main__":
    main()
