"""Checking custom KPI expressions before they run.

A custom KPI is one SQL aggregate expression over the transactions (``median(importe)``,
``avg(importe) FILTER (WHERE canal = 'App')``, ``count(DISTINCT tienda) / count(*)``). Each is parsed by
DuckDB's own parser and accepted only when it is a single expression (no statement, no ``;``), with no
subquery, no table or file function and only scalar or aggregate functions known to DuckDB that cannot
reach files, the network or settings; it is then bound against the transactions' schema as an aggregate
(``SELECT expr FROM transactions GROUP BY ()``), which names a missing column and refuses an expression
that is not an aggregate.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from typing import Any

from ..exceptions import KpiMapError

__all__ = ["check_custom"]

_FORBIDDEN_FN = re.compile(r"read|write|glob|getenv|query|file|http|s3|copy|export|import|install|load|attach|"
                           r"setting|pragma|system|shell|env|secret|extension|sql_|checkpoint|sleep|parquet|csv|json_execute",
                           re.IGNORECASE)


def _walk(node: Any) -> Iterator[dict[str, Any]]:
    if isinstance(node, dict):
        yield node
        for v in node.values():
            yield from _walk(v)
    elif isinstance(node, list):
        for v in node:
            yield from _walk(v)


def check_custom(con: Any, view: str, custom: Mapping[str, str], where: str) -> None:
    """Validate every custom KPI expression against ``view``; raise with every problem found.

    Raises
    ------
    KpiMapError
        One line per refused expression, with the reason (missing column, not an aggregate, forbidden...).
    """
    import duckdb

    known = {r[0].lower(): r[1] for r in con.execute(
        "SELECT function_name, function_type FROM duckdb_functions() WHERE function_type IN ('scalar', 'aggregate')"
    ).fetchall()}
    problems = []
    for name, expr in custom.items():
        if ";" in expr:
            problems.append(f"custom.{name}: {expr!r}: one expression only, no ';'")
            continue
        raw = con.execute("SELECT json_serialize_sql(?)", [f"SELECT {expr}"]).fetchone()[0]
        tree = json.loads(raw)
        if tree.get("error"):
            problems.append(f"custom.{name}: {expr!r} is not valid SQL: {tree.get('error_message', '')}")
            continue
        statements = tree.get("statements", [])
        node = statements[0].get("node", {}) if len(statements) == 1 else {}
        if (len(statements) != 1 or node.get("type") != "SELECT_NODE" or len(node.get("select_list", [])) != 1
                or (node.get("from_table") or {}).get("type") != "EMPTY" or node.get("where_clause")
                or node.get("group_expressions") or node.get("having") or node.get("modifiers")
                or (node.get("cte_map") or {}).get("map")):
            problems.append(f"custom.{name}: {expr!r} must be one aggregate expression (no SELECT, FROM, WHERE, "
                            "GROUP BY, ORDER BY, LIMIT or WITH); filter with FILTER (WHERE ...)")
            continue
        bad = None
        for n in _walk(node["select_list"]):
            cls = n.get("class")
            if cls == "SUBQUERY" or n.get("type") == "SELECT_NODE":
                bad = "subqueries are not allowed"
                break
            if cls == "FUNCTION" and not n.get("is_operator"):
                fn = str(n.get("function_name", "")).lower()
                if fn not in known or _FORBIDDEN_FN.search(fn) or n.get("schema") or n.get("catalog"):
                    bad = f"function {fn}() is not allowed (only scalar and aggregate functions)"
                    break
        if bad:
            problems.append(f"custom.{name}: {expr!r}: {bad}")
            continue
        try:
            con.execute(f"DESCRIBE SELECT {expr} AS v FROM {view} GROUP BY ()").fetchall()
        except duckdb.Error as exc:
            msg = str(exc).splitlines()[0]
            if "must appear in the GROUP BY" in msg or "must be part of an aggregate" in msg:
                msg = "not an aggregate; wrap the columns in an aggregate such as sum(), avg() or median()"
            elif "not found" in msg.lower():
                msg = f"{msg} (columns of {where} only)"
            problems.append(f"custom.{name}: {expr!r}: {msg}")
    if problems:
        raise KpiMapError(f"custom KPIs of the KPI map: {len(problems)} cannot be computed; fix them", problems)
