"""Computing the KPIs in DuckDB: reading the files, per-customer measures, group moments.

Nothing is loaded whole into pandas: DuckDB scans the transactions once to aggregate them per customer
(plus one light scan for the latest date and the channels, and one per custom-KPI set), joins the
aggregates to the customer list, scores the customers with window functions, writes the per-customer file
with ``COPY`` and returns only per-group sums to Python.
"""

from __future__ import annotations

import decimal
import math
import shutil
import tempfile
from collections.abc import Callable, Sequence
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from ..exceptions import DataError, InputFileError, KpiMapError
from .mapping import KpiMap
from .parse import amount_sql, date_sql, discount_sql, quote

__all__ = ["Engine", "RFM_NO_PURCHASE", "EXCLUSION_REASONS"]

ProgressCallback = Callable[[str, int, int], None]

#: RFM group of customers who never bought (no recency).
RFM_NO_PURCHASE = "No purchases"
#: Why a transaction row is left out, in the order the reasons are checked.
EXCLUSION_REASONS = ("missing-customer", "missing-date", "bad-date", "missing-amount", "bad-amount", "bad-discount",
                     "missing-margin", "bad-margin", "after-as-of", "unknown-customer")
MAX_CHANNELS = 24
_INT_TYPES = ("TINYINT", "SMALLINT", "INTEGER", "BIGINT", "UTINYINT", "USMALLINT", "UINTEGER", "UBIGINT")


def _lit(value: Any) -> str:
    if isinstance(value, date):
        return f"DATE '{value.isoformat()}'"
    return "'" + str(value).replace("'", "''") + "'"


def _reader(path: Path, what: str, varchar: Sequence[str] = ()) -> str:
    s = str(path).replace("'", "''")
    name = path.name.lower()
    if name.endswith(".parquet"):
        return f"read_parquet('{s}')"
    if name.endswith((".csv", ".csv.gz", ".txt", ".tsv", ".tsv.gz")):
        types = ""
        if varchar:
            types = ", types={" + ", ".join(f"{_lit(c)}: 'VARCHAR'" for c in varchar) + "}"
        return f"read_csv('{s}', header=true, sample_size=20480, encoding='utf-8'{types})"
    raise InputFileError(f"{what} file {path}: use .csv, .csv.gz or .parquet")


class Engine:
    """One DuckDB session over a customer file and a transactions file.

    Parameters
    ----------
    customers, transactions
        File paths (.csv, .csv.gz, .parquet).
    kmap
        The validated KPI map.
    threads, memory_limit
        DuckDB settings; past the memory limit DuckDB spills to a temporary folder removed on close.
    """

    def __init__(self, customers: Path, transactions: Path, kmap: KpiMap, *, threads: int | None = None,
                 memory_limit: str = "2GB") -> None:
        import duckdb

        self.kmap = kmap
        self.customers_path = customers
        self.transactions_path = transactions
        for p, what, opt in ((customers, "customer", "--customers"), (transactions, "transactions", "--transactions")):
            if not p.exists():
                raise InputFileError(f"{what} file {p} not found; check {opt}")
            if p.is_file() and p.stat().st_size == 0:
                raise InputFileError(f"{what} file {p} is empty")
        self.con = duckdb.connect()
        self.spill = tempfile.mkdtemp(prefix="surveytools-duckdb-")
        con = self.con
        if threads:
            con.execute(f"SET threads TO {int(threads)}")
        con.execute(f"SET memory_limit = '{memory_limit}'")
        con.execute(f"SET temp_directory = '{self.spill}'")
        con.execute("SET enable_progress_bar = false")
        con.execute("SET preserve_insertion_order = false")
        self.tx_cols = self._describe("tx_probe", transactions, "transactions")
        self.cu_cols = self._describe("cu_probe", customers, "customer")
        self._check_columns()
        tx, cu = kmap.transactions, kmap.customers
        text_roles = [tx[r] for r in ("customer", "date", "amount", "discount", "margin") if r in tx]
        # a CSV is parsed once into a table (it spills to disk past the memory limit): the detection of date and
        # amount formats and the later passes then read DuckDB's own storage, not the text again
        self._view("tx_raw", transactions, "transactions", text_roles if self._is_csv(transactions) else (),
                   table=self._is_csv(transactions))
        self._view("cu_raw", customers, "customer", [cu["id"]] if self._is_csv(customers) else ())
        self.tx_cols = dict(con.execute("SELECT column_name, column_type FROM (DESCRIBE tx_raw)").fetchall())
        self.cu_cols = dict(con.execute("SELECT column_name, column_type FROM (DESCRIBE cu_raw)").fetchall())

    # ------------------------------------------------------------------ files
    @staticmethod
    def _is_csv(p: Path) -> bool:
        return not p.name.lower().endswith(".parquet")

    def _describe(self, view: str, path: Path, what: str) -> dict[str, str]:
        import duckdb

        try:
            self.con.execute(f"CREATE OR REPLACE VIEW {view} AS SELECT * FROM {_reader(path, what)}")
            return dict(self.con.execute(f"SELECT column_name, column_type FROM (DESCRIBE {view})").fetchall())
        except duckdb.Error as exc:
            raise InputFileError(f"{what} file {path} cannot be read: {str(exc).splitlines()[0]}") from None

    def _view(self, view: str, path: Path, what: str, varchar: Sequence[str], table: bool = False) -> None:
        import duckdb

        kind = "TEMP TABLE" if table else "VIEW"
        try:
            self.con.execute(f"CREATE OR REPLACE {kind} {view} AS SELECT * FROM {_reader(path, what, varchar)}")
        except duckdb.Error as exc:
            raise InputFileError(f"{what} file {path} cannot be read: {str(exc).splitlines()[0]}") from None

    def _check_columns(self) -> None:
        problems = []
        for role, col in self.kmap.transactions.items():
            if col not in self.tx_cols:
                problems.append(f"transactions.{role}: the transactions file {self.transactions_path} has no column "
                                f"{col!r} (it has: {', '.join(list(self.tx_cols)[:30])})")
        for role, col in self.kmap.customers.items():
            if col not in self.cu_cols:
                problems.append(f"customers.{role}: the customer file {self.customers_path} has no column {col!r} "
                                f"(it has: {', '.join(list(self.cu_cols)[:30])})")
        if problems:
            raise KpiMapError(f"KPI map {self.kmap.source}: {len(problems)} column"
                              f"{'s' if len(problems) != 1 else ''} not found; fix the map", problems)

    def close(self) -> None:
        """Close the connection and remove the spill folder."""
        try:
            self.con.close()
        finally:
            shutil.rmtree(self.spill, ignore_errors=True)

    # ------------------------------------------------------------------ customers
    def _key_sql(self, col: str, dtype: str, both_int: bool) -> str:
        if both_int:
            return f"CAST({quote(col)} AS BIGINT)"
        return f"NULLIF(trim(CAST({quote(col)} AS VARCHAR)), '')"

    def load_customers(self, control: Path | None = None) -> dict[str, Any]:
        """Build table ``cust`` (one row per customer) and return its accounting.

        Raises
        ------
        DataError
            Duplicate customer ids (with examples), or no customers.
        """
        con, tx, cu = self.con, self.kmap.transactions, self.kmap.customers
        tid, cid = tx["customer"], cu["id"]
        self.both_int = (self.tx_cols[tid].upper() in _INT_TYPES and self.cu_cols[cid].upper() in _INT_TYPES)
        key = self._key_sql(cid, self.cu_cols[cid], self.both_int)
        extra = ""
        if "account" in cu:
            extra += f", NULLIF(trim(CAST({quote(cu['account'])} AS VARCHAR)), '') AS __acct"
        if "tier" in cu:
            extra += f", NULLIF(trim(CAST({quote(cu['tier'])} AS VARCHAR)), '') AS __tier"
        seg = quote(cu["segment"])
        con.execute(f"""CREATE TEMP TABLE cust0 AS SELECT {key} AS __id, {seg} AS __seg{extra},
                        row_number() OVER () AS __row FROM cu_raw""")
        rows_in, no_id = con.execute("SELECT count(*), count(*) FILTER (WHERE __id IS NULL) FROM cust0").fetchone()
        dups = con.execute("SELECT CAST(__id AS VARCHAR), count(*) FROM cust0 WHERE __id IS NOT NULL GROUP BY __id "
                           "HAVING count(*) > 1 ORDER BY min(__row) LIMIT 6").fetchall()
        if dups:
            n_dup = con.execute("SELECT count(*) FROM (SELECT __id FROM cust0 WHERE __id IS NOT NULL GROUP BY __id "
                                "HAVING count(*) > 1)").fetchone()[0]
            ex = ", ".join(f"{k!r} ({n} rows)" for k, n in dups[:5])
            raise DataError(f"customer file {self.customers_path}: column {cid!r} has {n_dup:,} duplicate id"
                            f"{'s' if n_dup != 1 else ''} (e.g. {ex}); keep one row per customer (e.g. the output of "
                            "'surveytools crm join') and run again")
        if rows_in - no_id == 0:
            raise DataError(f"customer file {self.customers_path} has no customers with an id in column {cid!r}")
        ctl = ""
        self.control_info: dict[str, Any] | None = None
        if control is not None:
            ctl = self._load_control(control, key_type_int=self.both_int)
        con.execute(f"CREATE TEMP TABLE cust AS SELECT c.*{ctl} FROM cust0 c "
                    f"{'LEFT JOIN ctl ON ctl.__k = c.__id' if control is not None else ''} WHERE c.__id IS NOT NULL")
        con.execute("DROP TABLE cust0")
        self.n_customers = rows_in - no_id
        return {"rows_in": int(rows_in), "customers": int(rows_in - no_id), "excluded": {"missing-id": int(no_id)}}

    def _load_control(self, control: Path, key_type_int: bool) -> str:
        import duckdb

        con = self.con
        if not control.exists():
            raise InputFileError(f"control file {control} not found; check --control")
        try:
            con.execute(f"CREATE VIEW ctl_raw AS SELECT * FROM {_reader(control, 'control')}")
            cols = dict(con.execute("SELECT column_name, column_type FROM (DESCRIBE ctl_raw)").fetchall())
        except duckdb.Error as exc:
            raise InputFileError(f"control file {control} cannot be read: {str(exc).splitlines()[0]}") from None
        col = next((c for c in (self.kmap.customers["id"], self.kmap.transactions["customer"]) if c in cols),
                   next(iter(cols)))
        both_int = key_type_int and cols[col].upper() in _INT_TYPES
        if key_type_int and not both_int:
            k = f"TRY_CAST(NULLIF(trim(CAST({quote(col)} AS VARCHAR)), '') AS BIGINT)"
        else:
            k = self._key_sql(col, cols[col], both_int)
        con.execute(f"CREATE TEMP TABLE ctl AS SELECT DISTINCT {k} AS __k FROM ctl_raw WHERE {k} IS NOT NULL")
        n = con.execute("SELECT count(*) FROM ctl").fetchone()[0]
        unknown = con.execute("SELECT count(*) FROM ctl WHERE __k NOT IN (SELECT __id FROM cust0 WHERE __id IS NOT "
                              "NULL)").fetchone()[0]
        if n == unknown:
            raise DataError(f"control file {control}: none of its {n:,} ids (column {col!r}) is in the customer file")
        self.control_info = {"file": str(control), "column": col, "ids": int(n), "unknown_ids": int(unknown)}
        return ", ctl.__k IS NOT NULL AS __ctl"

    # ------------------------------------------------------------------ transactions
    def prepare_transactions(self) -> dict[str, Any]:
        """Create view ``tx``: parsed columns, the exclusion reason, and the user's columns with parsed values."""
        con, tx, km = self.con, self.kmap.transactions, self.kmap
        where = f"the transactions file {self.transactions_path}"
        types = self.tx_cols
        tid = tx["customer"]
        if self.both_int:
            key = f"CAST({quote(tid)} AS BIGINT)"
        elif self.cu_cols and self.con.execute("SELECT typeof(__id) FROM cust LIMIT 1").fetchone()[0] == "BIGINT":
            key = f"TRY_CAST(NULLIF(trim(CAST({quote(tid)} AS VARCHAR)), '') AS BIGINT)"
        else:
            key = f"NULLIF(trim(CAST({quote(tid)} AS VARCHAR)), '')"
        d = date_sql(con, "tx_raw", tx["date"], types[tx["date"]], where, km.date_format)
        a = amount_sql(con, "tx_raw", tx["amount"], types[tx["amount"]], where, km.decimal)
        cols = [f"{key} AS __cust", f"{d} AS __date", f"{a} AS __amt"]
        def blank(c: str) -> str:
            if types[c].upper().startswith("VARCHAR"):
                return f"NULLIF(trim({quote(c)}), '') IS NULL"
            return f"{quote(c)} IS NULL"

        reason = [("missing-customer", "__cust IS NULL"), ("missing-date", blank(tx["date"])),
                  ("bad-date", "__date IS NULL"), ("missing-amount", blank(tx["amount"])),
                  ("bad-amount", "__amt IS NULL")]
        if "discount" in tx:
            cols.append(f"{discount_sql(con, 'tx_raw', tx['discount'], types[tx['discount']], where, km.decimal)} "
                        "AS __disc")
            reason.append(("bad-discount", "__disc IS NULL"))
        else:
            cols.append("false AS __disc")
        if "margin" in tx:
            m = amount_sql(con, "tx_raw", tx["margin"], types[tx["margin"]], where, km.decimal)
            cols.append(f"{m} AS __mg")
            reason += [("missing-margin", blank(tx["margin"])), ("bad-margin", "__mg IS NULL")]
        else:
            cols.append("CAST(0 AS DECIMAL(18,4)) AS __mg")
        if "channel" in tx:
            cols.append(f"coalesce(NULLIF(trim(CAST({quote(tx['channel'])} AS VARCHAR)), ''), '(missing)') AS __ch")
        case = "CASE " + " ".join(f"WHEN {c} THEN '{r}'" for r, c in reason) + " END"
        replace = [f"__date AS {quote(tx['date'])}", f"__amt AS {quote(tx['amount'])}"]
        if "margin" in tx:
            replace.append(f"__mg AS {quote(tx['margin'])}")
        con.execute(f"CREATE VIEW tx0 AS SELECT *, {', '.join(cols)} FROM tx_raw")
        con.execute(f"CREATE VIEW tx AS SELECT * REPLACE ({', '.join(replace)}), {case} AS __reason FROM tx0")
        return {}

    def prescan(self) -> tuple[date | None, list[tuple[str, int]]]:
        """One light scan: rows per exclusion reason, the latest valid order date, the channels by orders."""
        ch = "__ch" if "channel" in self.kmap.transactions else "NULL"
        rows = self.con.execute(f"""SELECT __reason, {ch} AS ch, count(*), count(*) FILTER (WHERE __amt >= 0),
                                           max(__date) FILTER (WHERE __amt >= 0)
                                    FROM tx GROUP BY ALL""").fetchall()
        self.reason_counts = {r: 0 for r in EXCLUSION_REASONS}
        self.rows_in = 0
        channels: dict[str, int] = {}
        last = None
        for reason, c, n, n_orders, mx in rows:
            self.rows_in += int(n)
            if reason is not None:
                self.reason_counts[reason] += int(n)
                continue
            if c is not None:
                channels[str(c)] = channels.get(str(c), 0) + int(n_orders)
            if mx is not None and (last is None or mx > last):
                last = mx
        return last, sorted(channels.items(), key=lambda kv: (-kv[1], kv[0]))

    def aggregate(self, as_of: date, channels: Sequence[str], periods: Sequence[tuple[date, date]]) -> None:
        """The main scan: table ``agg`` with one row per customer key found in the transactions."""
        start = as_of - timedelta(days=self.kmap.window_days)
        # the conditions once per row, as boolean columns the aggregates filter on
        flags = [f"__date <= {_lit(as_of)} AS __v", f"__date <= {_lit(as_of)} AND __date > {_lit(start)} AS __w",
                 "__amt >= 0 AS __o"]
        valid, win, order = "__v", "__w", "__o"
        has_margin = "margin" in self.kmap.transactions
        parts = [
            f"count(*) FILTER (WHERE {valid}) AS __valid",
            f"count(*) FILTER (WHERE NOT {valid}) AS __after",
            f"count(*) FILTER (WHERE {valid} AND {order}) AS orders_total",
            f"max(__date) FILTER (WHERE {valid} AND {order}) AS last_order",
            f"count(*) FILTER (WHERE {win} AND {order}) AS frequency",
            f"coalesce(sum(__amt) FILTER (WHERE {win}), 0) AS monetary",
            (f"count(*) FILTER (WHERE {win} AND {order} AND __disc) AS discount_orders"
             if "discount" in self.kmap.transactions else "0 AS discount_orders"),
            f"count(*) FILTER (WHERE {win} AND NOT {order}) AS returns",
            f"coalesce(sum(__amt) FILTER (WHERE {win} AND NOT {order}), 0) AS returns_amount",
            (f"coalesce(sum(__mg) FILTER (WHERE {win}), 0) AS margin" if has_margin else "0 AS margin"),
            f"count(*) FILTER (WHERE {win}) AS __in_window",
        ]
        top = list(channels[:MAX_CHANNELS]) if len(channels) <= MAX_CHANNELS else list(channels[:MAX_CHANNELS - 1])
        for i, ch in enumerate(top):
            parts.append(f"count(*) FILTER (WHERE {win} AND {order} AND __ch = {_lit(ch)}) AS __ch{i}")
        if len(channels) > len(top):
            parts.append(f"count(*) FILTER (WHERE {win} AND {order} AND __ch NOT IN ({', '.join(map(_lit, top))})) "
                         f"AS __ch{len(top)}")
            top.append("(other)")
        self.channels = top
        for j, (s, e) in enumerate(periods):
            ok = f"(__date <= {_lit(e)})"
            inp = f"({ok} AND __date >= {_lit(s)})"
            parts += [f"count(*) FILTER (WHERE {inp} AND {order}) AS p{j}_frequency",
                      f"coalesce(sum(__amt) FILTER (WHERE {inp}), 0) AS p{j}_monetary",
                      f"count(*) FILTER (WHERE {inp} AND {order} AND __disc) AS p{j}_discount_orders",
                      f"coalesce(sum(__mg) FILTER (WHERE {inp}), 0) AS p{j}_margin",
                      f"count(*) FILTER (WHERE {ok} AND {order}) AS p{j}_orders_total",
                      f"max(__date) FILTER (WHERE {ok} AND {order}) AS p{j}_last_order"]
        self.con.execute(f"CREATE TEMP TABLE agg AS SELECT __cust, {', '.join(parts)} FROM (SELECT *, {', '.join(flags)} "
                         "FROM tx WHERE __reason IS NULL) GROUP BY __cust")

    def accounting(self) -> dict[str, Any]:
        """Rows in = rows used + rows excluded (by reason), and the unknown customers."""
        con = self.con
        after, unknown_rows, unknown, used, in_window = con.execute("""
            SELECT coalesce(sum(__after), 0), coalesce(sum(__valid) FILTER (WHERE c.__id IS NULL), 0),
                   count(*) FILTER (WHERE c.__id IS NULL AND __valid > 0),
                   coalesce(sum(__valid) FILTER (WHERE c.__id IS NOT NULL), 0),
                   coalesce(sum(__in_window) FILTER (WHERE c.__id IS NOT NULL), 0)
            FROM agg a LEFT JOIN cust c ON a.__cust = c.__id""").fetchone()
        examples = [r[0] for r in con.execute(
            "SELECT CAST(a.__cust AS VARCHAR) FROM agg a WHERE a.__valid > 0 AND a.__cust NOT IN "
            "(SELECT __id FROM cust) ORDER BY a.__valid DESC, a.__cust LIMIT 5").fetchall()]
        excluded = dict(self.reason_counts)
        excluded["after-as-of"] = int(after)
        excluded["unknown-customer"] = int(unknown_rows)
        return {"rows_in": int(self.rows_in), "rows_used": int(used), "rows_in_window": int(in_window),
                "excluded": excluded, "unknown_customers": int(unknown), "unknown_customer_examples": examples}

    # ------------------------------------------------------------------ per customer
    def per_customer(self, as_of: date, periods: Sequence[tuple[date, date]]) -> None:
        """Table ``pc``: the customer list with frequency, monetary, recency, lapsed, VIP, RFM and tier."""
        con, km = self.con, self.kmap
        n = self.n_customers
        extra_cols = "".join(f", coalesce(a.__ch{i}, 0) AS __ch{i}" for i in range(len(self.channels)))
        for j in range(len(periods)):
            extra_cols += (f", coalesce(a.p{j}_frequency, 0) AS p{j}_frequency, coalesce(a.p{j}_monetary, 0) AS "
                           f"p{j}_monetary, coalesce(a.p{j}_discount_orders, 0) AS p{j}_discount_orders, "
                           f"CAST(coalesce(a.p{j}_margin, 0) AS DECIMAL(38,4)) AS p{j}_margin, coalesce(a.p{j}_orders_total, 0) AS "
                           f"p{j}_orders_total, date_diff('day', a.p{j}_last_order, {_lit(periods[j][1])}) AS "
                           f"p{j}_recency_days")
        pc0 = f"""SELECT c.*,
                coalesce(a.frequency, 0) AS frequency, CAST(coalesce(a.monetary, 0) AS DECIMAL(38,4)) AS monetary,
                date_diff('day', a.last_order, {_lit(as_of)}) AS recency_days,
                coalesce(a.orders_total, 0) AS orders_total, a.last_order AS last_purchase,
                coalesce(a.discount_orders, 0) AS discount_orders, coalesce(a.returns, 0) AS returns,
                CAST(coalesce(a.returns_amount, 0) AS DECIMAL(38,4)) AS returns_amount,
                CAST(coalesce(a.margin, 0) AS DECIMAL(38,4)) AS margin{extra_cols}
            FROM cust c LEFT JOIN agg a ON a.__cust = c.__id"""
        con.execute(f"CREATE TEMP TABLE pc0 AS {pc0}")
        n_rec = con.execute("SELECT count(recency_days) FROM pc0").fetchone()[0]
        lapsed = lambda tot, rec: (f"({tot} >= {km.lapsed_min_orders} AND coalesce({rec} > "  # noqa: E731
                                   f"{km.lapsed_inactive_days}, false))")
        # quintile score ceil(5 k / n) in integers, k = customers with a value at most as good (ties included).
        # Frequency and recency take few distinct values: k comes from a small table of cumulative counts;
        # monetary is recovered exactly from cume_dist = k / n.
        con.execute(f"""CREATE TEMP TABLE f_lookup AS SELECT frequency AS __v,
                CAST((5 * sum(n) OVER (ORDER BY frequency) + {n} - 1) // {n} AS INTEGER) AS f_score
                FROM (SELECT frequency, count(*) AS n FROM pc0 GROUP BY frequency)""")
        nr = max(n_rec, 1)
        con.execute(f"""CREATE TEMP TABLE r_lookup AS SELECT recency_days AS __v,
                CAST((5 * sum(n) OVER (ORDER BY recency_days DESC) + {nr} - 1) // {nr} AS INTEGER) AS r_score
                FROM (SELECT recency_days, count(*) AS n FROM pc0 WHERE recency_days IS NOT NULL GROUP BY recency_days)""")
        m_score = (f"CAST((5 * CAST(round(cume_dist() OVER (ORDER BY monetary) * {n}) AS BIGINT) + {n} - 1) // {n} "
                   "AS INTEGER)")
        rules = []
        from ..voc import DEFAULT_RFM_SEGMENTS

        for name, rule in DEFAULT_RFM_SEGMENTS.items():
            cond = " AND ".join(f"{letter.lower()}_score BETWEEN {lo} AND {hi}" for letter, (lo, hi) in rule.items())
            rules.append(f"WHEN {cond or 'true'} THEN {_lit(name)}")
        rfm = f"CASE WHEN r_score IS NULL THEN {_lit(RFM_NO_PURCHASE)} " + " ".join(rules) + " END"
        vip = self._vip_sql("monetary", "__pos")
        tier = "__tier" if "tier" in km.customers else self._tier_sql("monetary", "__pos")
        pcols = ""
        for j in range(len(periods)):
            pcols += (f", {lapsed(f'p{j}_orders_total', f'p{j}_recency_days')} AS p{j}_lapsed, "
                      f"{self._vip_sql(f'p{j}_monetary')} AS p{j}_vip")
        pc1 = f"""SELECT *,
                {lapsed('orders_total', 'recency_days')} AS lapsed, {vip} AS vip,
                {tier} AS tier{pcols}
            FROM (SELECT p.*, r.r_score, f.f_score, {m_score} AS m_score, {self._rank('monetary')} AS __pos
                  FROM pc0 p LEFT JOIN r_lookup r ON p.recency_days = r.__v LEFT JOIN f_lookup f ON p.frequency = f.__v)"""
        con.execute(f"CREATE TEMP TABLE pc AS SELECT * EXCLUDE (__pos), {rfm} AS rfm_group FROM ({pc1})")
        con.execute("DROP TABLE pc0; DROP TABLE f_lookup; DROP TABLE r_lookup")

    def _rank(self, col: str) -> str:
        return f"row_number() OVER (ORDER BY {col} DESC, __id)"

    def _vip_sql(self, col: str, pos: str | None = None) -> str:
        km = self.kmap
        if km.vip_min_monetary is not None:
            return f"({col} >= {km.vip_min_monetary!r})"
        k = math.floor(km.vip_top_share * self.n_customers + 1e-9)
        return f"({col} > 0 AND {pos or self._rank(col)} <= {k})"

    def _tier_sql(self, col: str, pos: str) -> str:
        n = self.n_customers
        parts = [f"WHEN {col} > 0 AND {pos} <= {math.floor(cum * n + 1e-9)} THEN {_lit(name)}"
                 for name, cum in self.kmap.tiers[:-1]]
        return "CASE " + " ".join(parts) + f" ELSE {_lit(self.kmap.tiers[-1][0])} END"

    # ------------------------------------------------------------------ moments
    def moments(self, table: str, group: str, prefix: str = "", lapsed: str = "lapsed", vip: str = "vip",
                recency: str = "recency_days", channels: bool = True) -> list[tuple[Any, int, dict[str, float]]]:
        """Sums over customers per group and overall: ``[(group value, is_total, {name: sum})]``."""
        # exact arithmetic (integers, decimals): the sums do not depend on the order threads add them in
        f, m, d, mg = (f"CAST({prefix}frequency AS BIGINT)", f"CAST({prefix}monetary AS DECIMAL(38,4))",
                       f"CAST({prefix}discount_orders AS BIGINT)", f"{prefix}margin")
        cols = [
            "count(*) AS n", f"count(*) FILTER (WHERE {prefix}frequency > 0) AS buyers",
            f"sum({f}) AS f", f"sum({f} * {f}) AS ff", f"sum({m}) AS m", f"sum({m} * {m}) AS mm",
            f"sum({f} * {m}) AS fm", f"sum({d}) AS d", f"sum({d} * {d}) AS dd", f"sum({f} * {d}) AS fd",
            f"count(*) FILTER (WHERE {lapsed}) AS lapsed", f"count(*) FILTER (WHERE {vip}) AS vip",
            f"median({recency}) AS recency_median", f"count({recency}) AS recency_n", f"sum({mg}) AS margin",
        ]
        if not prefix:
            cols += ["sum(returns) AS returns", "sum(returns_amount) AS returns_amount"]
        if channels:
            cols += [f"sum(__ch{i}) AS ch{i}" for i in range(len(self.channels))]
        rows = self.con.execute(f"SELECT {group} AS g, GROUPING({group}) AS total, {', '.join(cols)} FROM {table} "
                                f"GROUP BY GROUPING SETS (({group}), ()) ORDER BY total, g NULLS LAST").fetchall()
        names = ["n", "buyers", "f", "ff", "m", "mm", "fm", "d", "dd", "fd", "lapsed", "vip", "recency_median",
                 "recency_n", "margin"] + (["returns", "returns_amount"] if not prefix else []) + (
                     [f"ch{i}" for i in range(len(self.channels))] if channels else [])
        out = []
        for r in rows:
            vals = {k: (float(v) if v is not None else math.nan) for k, v in zip(names, r[2:], strict=True)}
            out.append((r[0], int(r[1]), vals))
        return out

    def custom_by_group(self, where: str, group: str = "c.__seg") -> list[tuple[Any, int, dict[str, Any]]]:
        """Custom KPIs per group over the transactions matching ``where``, and overall."""
        custom = self.kmap.custom
        exprs = ", ".join(f"{e} AS {quote(n)}" for n, e in custom.items())
        rows = self.con.execute(f"""SELECT {group} AS g, GROUPING({group}) AS total, {exprs}
            FROM tx t JOIN cust c ON t.__cust = c.__id WHERE {where}
            GROUP BY GROUPING SETS (({group}), ()) ORDER BY total, g NULLS LAST""").fetchall()
        def plain(v: Any) -> Any:
            return float(v) if isinstance(v, decimal.Decimal) else v

        return [(r[0], int(r[1]), {k: plain(v) for k, v in zip(custom, r[2:], strict=True)}) for r in rows]

    def window_filter(self, as_of: date) -> str:
        start = as_of - timedelta(days=self.kmap.window_days)
        return (f"t.__reason IS NULL AND t.__date <= {_lit(as_of)} AND t.__date > {_lit(start)}")

    # ------------------------------------------------------------------ accounts
    def accounts(self, as_of: date) -> dict[str, Any]:
        """Table ``acct``: contacts rolled up to accounts; the account segment holds most of its revenue."""
        con, km = self.con, self.kmap
        con.execute("""CREATE TEMP TABLE acct_seg AS SELECT __acct, __seg, sum(monetary) AS rev, count(*) AS contacts
                       FROM pc WHERE __acct IS NOT NULL GROUP BY __acct, __seg""")
        con.execute("""CREATE TEMP TABLE acct_top AS SELECT __acct, __seg FROM (SELECT *, row_number() OVER
                       (PARTITION BY __acct ORDER BY rev DESC, contacts DESC, __seg NULLS LAST) AS rn FROM acct_seg)
                       WHERE rn = 1""")
        n_acct = con.execute("SELECT count(*) FROM acct_top").fetchone()[0]
        self.n_accounts = int(n_acct)
        con.execute(f"""CREATE TEMP TABLE acct0 AS SELECT p.__acct AS __id, t.__seg AS __seg, count(*) AS contacts,
                sum(frequency) AS frequency, sum(monetary) AS monetary, sum(discount_orders) AS discount_orders,
                sum(orders_total) AS orders_total, max(last_purchase) AS last_purchase,
                date_diff('day', max(last_purchase), {_lit(as_of)}) AS recency_days, sum(returns) AS returns,
                sum(returns_amount) AS returns_amount, sum(margin) AS margin,
                count(DISTINCT p.__seg) + count(DISTINCT CASE WHEN p.__seg IS NULL THEN 1 END) AS segments_in_account
                {''.join(f', sum(__ch{i}) AS __ch{i}' for i in range(len(self.channels)))}
            FROM pc p JOIN acct_top t ON p.__acct = t.__acct GROUP BY p.__acct, t.__seg""")
        saved = self.n_customers
        self.n_customers = max(int(n_acct), 1)
        vip = self._vip_sql("monetary")
        self.n_customers = saved
        con.execute(f"""CREATE TEMP TABLE acct AS SELECT *, (orders_total >= {km.lapsed_min_orders} AND
                coalesce(recency_days > {km.lapsed_inactive_days}, false)) AS lapsed, {vip} AS vip FROM acct0""")
        no_acct, mixed = con.execute("SELECT (SELECT count(*) FROM pc WHERE __acct IS NULL), "
                                     "(SELECT count(*) FROM acct WHERE segments_in_account > 1)").fetchone()
        return {"accounts": int(n_acct), "contacts_without_account": int(no_acct), "mixed_accounts": int(mixed)}

    def account_mix(self) -> list[tuple[Any, Any, float]]:
        """(account segment, contact segment, revenue) over all accounts: the mix kept."""
        return self.con.execute("""SELECT t.__seg, s.__seg, sum(s.rev) FROM acct_seg s JOIN acct_top t USING (__acct)
                                   GROUP BY ALL ORDER BY 1 NULLS LAST, 2 NULLS LAST""").fetchall()

    def mixes(self, table: str, col: str) -> list[tuple[Any, Any, int]]:
        """(segment, value, customers) counts for a categorical per-customer column."""
        return self.con.execute(f"SELECT __seg, {col}, count(*) FROM {table} GROUP BY ALL "
                                "ORDER BY 1 NULLS LAST, 2 NULLS LAST").fetchall()

    # ------------------------------------------------------------------ output
    def write_customers(self, output: Path, inputs: Sequence[Path]) -> None:
        """COPY the per-customer table to ``output`` (.csv or .parquet), in customer-file order."""
        from ..io.atomic import atomic_write

        cu = self.kmap.customers
        name = output.name.lower()
        if not name.endswith((".csv", ".parquet")):
            raise InputFileError(f"cannot write {output}: use a .csv or .parquet file name")
        cols = [f"__id AS {quote(cu['id'])}", f"__seg AS {quote(cu['segment'])}"]
        if "account" in cu:
            cols.append(f"__acct AS {quote(cu['account'])}")
        cols += ["frequency", "CAST(monetary AS DOUBLE) AS monetary", "recency_days", "orders_total", "last_purchase", "discount_orders",
                 "lapsed", "vip", "r_score", "f_score", "m_score", "rfm_group", "tier"]
        if self.control_info is not None:
            cols.append("__ctl AS control")
        fmt = "PARQUET" if name.endswith(".parquet") else "CSV, HEADER true"
        with atomic_write(output, inputs=inputs) as tmp:
            t = str(tmp).replace("'", "''")
            self.con.execute(f"COPY (SELECT {', '.join(cols)} FROM pc ORDER BY __row) TO '{t}' (FORMAT {fmt})")

    def write_accounts(self, output: Path, inputs: Sequence[Path]) -> None:
        """COPY the account table (with each account's revenue mix over segments)."""
        from ..io.atomic import atomic_write

        segs = [r[0] for r in self.con.execute("SELECT DISTINCT __seg FROM acct_seg WHERE __seg IS NOT NULL ORDER BY 1"
                                               ).fetchall()]
        mix = ", ".join(f"coalesce(CAST(sum(s.rev) FILTER (WHERE s.__seg = {_lit(sg) if not isinstance(sg, (int, float)) else sg})"
                        f" AS DOUBLE) / nullif(CAST(a.monetary AS DOUBLE), 0), 0) AS {quote(f'revenue_share_{sg}')}"
                        for sg in segs)
        cu = self.kmap.customers
        fmt = "PARQUET" if output.name.lower().endswith(".parquet") else "CSV, HEADER true"
        q = f"""SELECT a.__id AS {quote(cu['account'])}, a.__seg AS {quote(cu['segment'])}, a.contacts, a.frequency,
                       CAST(a.monetary AS DOUBLE) AS monetary, a.recency_days, a.orders_total, a.lapsed, a.vip{', ' + mix if mix else ''}
                FROM acct a JOIN acct_seg s ON s.__acct = a.__id
                GROUP BY a.__id, a.__seg, a.contacts, a.frequency, a.monetary, a.recency_days, a.orders_total,
                         a.lapsed, a.vip ORDER BY a.__id"""
        with atomic_write(output, inputs=inputs) as tmp:
            t = str(tmp).replace("'", "''")
            self.con.execute(f"COPY ({q}) TO '{t}' (FORMAT {fmt})")
