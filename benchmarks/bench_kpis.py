"""Benchmark: KPIs per segment from 100,000,000 transactions of 10,000,000 customers (Parquet).

Compares ``surveytools kpis`` (DuckDB over the files, memory capped at 2 GB with spilling) with what an
analyst would otherwise write in pandas (read both files, merge, groupby customer, then groupby segment)
at the size pandas can hold, and times surveytools at that size too, so the ratio compares equal work.
Each run is a separate process so that peak memory (max RSS) is measured separately. The data are made
by DuckDB itself into a temporary folder (Spanish column names, as in the example study).

Targets (issue 15): 100M transactions in <= 90 s on a 2-core machine, < 4 GB peak memory.

Usage::

    python benchmarks/bench_kpis.py [--transactions 100000000] [--customers 10000000]
                                    [--pandas-transactions 10000000] [--skip-pandas] [--json]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

GEN_CUSTOMERS = """
COPY (SELECT i AS id_cliente, 1 + CAST(hash(i * 17) % 5 AS INTEGER) AS segmento FROM range({n}) t(i))
TO '{path}' (FORMAT PARQUET)
"""
GEN_TRANSACTIONS = """
COPY (SELECT CAST(hash(i) % {n} AS BIGINT) AS id_cliente,
             DATE '2024-12-31' - CAST(hash(i * 3) % 1095 AS INTEGER) AS fecha,
             round(5 + (hash(i * 7) % 20000) / 100.0, 2) * CASE WHEN hash(i * 11) % 50 = 0 THEN -1 ELSE 1 END AS importe,
             ['Tienda', 'Online', 'App'][1 + CAST(hash(i * 13) % 3 AS INTEGER)] AS canal,
             hash(i * 19) % 4 = 0 AS descuento
      FROM range({m}) t(i))
TO '{path}' (FORMAT PARQUET, ROW_GROUP_SIZE 1000000)
"""
MAP = """transactions: {customer: id_cliente, date: fecha, amount: importe, channel: canal, discount: descuento}
customers: {id: id_cliente, segment: segmento}
as_of: 2024-12-31
window_days: 365
lapsed: {min_orders: 2, inactive_days: 180}
vip: {top_share: 0.10}
"""

ST_JOB = """
import sys, time, resource
from surveytools.kpis import compute_kpis
cu, tx, kmap, out = sys.argv[1:5]
t = time.perf_counter()
r = compute_kpis(cu, tx, kmap, out, memory_limit="2GB")
u = resource.getrusage(resource.RUSAGE_SELF)
print(time.perf_counter() - t, u.ru_maxrss / 1024, r.overall["revenue"], u.ru_utime + u.ru_stime)
"""

PANDAS_JOB = """
import sys, time, resource, pandas as pd, numpy as np
cu, tx, out = sys.argv[1:4]
t = time.perf_counter()
as_of = pd.Timestamp("2024-12-31")
c = pd.read_parquet(cu)
x = pd.read_parquet(tx)
x["fecha"] = pd.to_datetime(x["fecha"])
x = x[x.id_cliente.isin(c.id_cliente) & (x.fecha <= as_of)]
order = x.importe >= 0
win = x.fecha > as_of - pd.Timedelta(days=365)
g = pd.DataFrame(index=pd.Index(c.id_cliente))
g["frequency"] = x[order & win].groupby("id_cliente").size()
g["monetary"] = x[win].groupby("id_cliente").importe.sum()
g["orders_total"] = x[order].groupby("id_cliente").size()
g["recency_days"] = (as_of - x[order].groupby("id_cliente").fecha.max()).dt.days
g["discount_orders"] = x[order & win & x.descuento].groupby("id_cliente").size()
g = g.fillna({"frequency": 0, "monetary": 0, "orders_total": 0, "discount_orders": 0})
g["lapsed"] = (g.orders_total >= 2) & (g.recency_days > 180)
k = int(0.10 * len(g))
top = g.reset_index().sort_values(["monetary", "id_cliente"], ascending=[False, True]).id_cliente.iloc[:k]
g["vip"] = g.index.isin(top) & (g.monetary > 0)
for col, s in (("r_score", -g.recency_days), ("f_score", g.frequency), ("m_score", g.monetary)):
    g[col] = np.ceil(5 * s.rank(method="max", pct=True))
g["segmento"] = c.set_index("id_cliente").segmento
mix = x[order & win].merge(c, on="id_cliente").groupby(["segmento", "canal"]).size()
seg = g.groupby("segmento").agg(customers=("frequency", "size"), orders=("frequency", "sum"),
                                revenue=("monetary", "sum"), lapsed=("lapsed", "mean"), vip=("vip", "mean"),
                                rec=("recency_days", "median"), disc=("discount_orders", "sum"))
g.reset_index().to_parquet(out, index=False)
u = resource.getrusage(resource.RUSAGE_SELF)
print(time.perf_counter() - t, u.ru_maxrss / 1024, g.monetary.sum(), u.ru_utime + u.ru_stime)
"""


def run(job: str, *args: str) -> list[float]:
    out = subprocess.run([sys.executable, "-c", job, *args], capture_output=True, text=True)
    if out.returncode != 0:
        raise SystemExit(f"benchmark job failed:\n{out.stderr[-3000:]}")
    return [float(v) for v in out.stdout.split()]


def make(tmp: Path, tag: str, customers: int, transactions: int) -> tuple[Path, Path, float]:
    import duckdb

    cu, tx = tmp / f"customers_{tag}.parquet", tmp / f"transactions_{tag}.parquet"
    t0 = time.perf_counter()
    con = duckdb.connect()
    con.execute(f"SET temp_directory = '{tmp}'")
    con.execute(GEN_CUSTOMERS.format(n=customers, path=cu))
    con.execute(GEN_TRANSACTIONS.format(n=customers, m=transactions, path=tx))
    con.close()
    return cu, tx, time.perf_counter() - t0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--transactions", type=int, default=100_000_000)
    ap.add_argument("--customers", type=int, default=10_000_000)
    ap.add_argument("--pandas-transactions", type=int, default=10_000_000,
                    help="size of the pandas comparison (customers scale with it)")
    ap.add_argument("--skip-pandas", action="store_true", help="only time surveytools at the full size")
    ap.add_argument("--json", action="store_true", help="print one JSON object")
    a = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-kpis-") as d:
        tmp = Path(d)
        kmap = tmp / "map.yaml"
        kmap.write_text(MAP)
        cu, tx, gen = make(tmp, "full", a.customers, a.transactions)
        st_s, st_mb, st_rev, st_cpu = run(ST_JOB, str(cu), str(tx), str(kmap), str(tmp / "pc_full.parquet"))
        cu.unlink()
        tx.unlink()
        result = {"transactions": a.transactions, "customers": a.customers, "generate_s": gen, "surveytools_s": st_s,
                  "surveytools_peak_mb": st_mb, "surveytools_cpu_s": st_cpu}
        if not a.skip_pandas:
            m = a.pandas_transactions
            n = max(a.customers * m // a.transactions, 1)
            cu2, tx2, _ = make(tmp, "small", n, m)
            s2, s2_mb, rev_st, s2_cpu = run(ST_JOB, str(cu2), str(tx2), str(kmap), str(tmp / "pc_st.parquet"))
            p2, p2_mb, rev_pd, p2_cpu = run(PANDAS_JOB, str(cu2), str(tx2), str(tmp / "pc_pd.parquet"))
            if abs(rev_st - rev_pd) > 1e-6 * max(abs(rev_pd), 1):
                raise SystemExit(f"revenue differs: surveytools {rev_st} vs pandas {rev_pd}")
            result.update(pandas_transactions=m, pandas_customers=n, surveytools_small_s=s2,
                          surveytools_small_peak_mb=s2_mb, pandas_s=p2, pandas_peak_mb=p2_mb, speedup=p2 / s2,
                          memory_ratio=p2_mb / s2_mb, surveytools_small_cpu_s=s2_cpu, pandas_cpu_s=p2_cpu)
    if a.json:
        print(json.dumps(result))
        return
    print(f"KPIs per segment, {a.transactions:,} transactions of {a.customers:,} customers (Parquet)")
    print(f"  surveytools (DuckDB): {st_s:7.1f} s   peak {st_mb:7.0f} MB   (CPU {st_cpu:.1f} s: on a busy machine "
          "CPU / cores bounds the wall time)")
    print("  target: <= 90 s and < 4096 MB at 100M transactions")
    if "pandas_s" in result:
        print(f"  at {result['pandas_transactions']:,} transactions of {result['pandas_customers']:,} customers:")
        print(f"    surveytools: {result['surveytools_small_s']:7.1f} s   peak "
              f"{result['surveytools_small_peak_mb']:7.0f} MB")
        print(f"    pandas groupby: {result['pandas_s']:7.1f} s   peak {result['pandas_peak_mb']:7.0f} MB   "
              f"(CPU {result['pandas_cpu_s']:.1f} s vs {result['surveytools_small_cpu_s']:.1f} s)")
        print(f"    ratio: {result['speedup']:.1f}x faster, {result['memory_ratio']:.1f}x less memory")


if __name__ == "__main__":
    main()
