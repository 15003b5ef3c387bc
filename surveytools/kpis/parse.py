"""SQL that reads messy dates, amounts and discount flags, detected once per column.

Every function returns a DuckDB SQL expression over a column of the raw view; a value that cannot be read
becomes NULL, so the caller can count it as an excluded row with its reason.

Dates
    DATE / TIMESTAMP columns are used as they are; numbers are Excel serial dates (days since 1899-12-30);
    text may mix ISO ``2024-05-31`` (optionally with a time), Excel serials (``45443``) and one
    day/month order of ``31/05/2024`` (``/``, ``.`` or ``-``). The order is read from the column: a first
    part above 12 means day first, a second part above 12 month first; a column where neither happens is
    ambiguous and refused (name ``date_format:`` in the map).
Amounts
    Exact decimals with four places (:data:`AMOUNT_TYPE`; sums are then the same whatever order threads add
    them in). Numbers as they are; text with a decimal comma (``1.234,56``, ``12,5``) or point (``1,234.56``),
    spaces and currency signs (``€ $ £``, ``EUR``) removed. The separator is detected per column; a column
    with both kinds is refused (name ``decimal:`` in the map).
Discounts
    Numbers: non-zero means a discount; booleans as they are; text ``sí/si/yes/y/true/x/1`` (any case) is a
    discount, ``no/n/false/0`` and blanks are not, other text is read as an amount.
"""

from __future__ import annotations

from typing import Any

from ..exceptions import DataError

__all__ = ["quote", "date_sql", "amount_sql", "discount_sql", "is_numeric_type", "is_text_type"]

_NUMERIC = ("TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT", "UTINYINT", "USMALLINT", "UINTEGER", "UBIGINT",
            "UHUGEINT", "FLOAT", "DOUBLE", "DECIMAL", "REAL")
_ISO = r"^\d{4}-\d{1,2}-\d{1,2}([ T].*)?$"
_DMY = r"^\d{1,2}[/.-]\d{1,2}[/.-]\d{4}( .*)?$"
_SERIAL = r"^\d{5}(\.\d+)?$"
_EXCEL_EPOCH = "DATE '1899-12-30'"
#: Amounts are exact decimals with 4 places: sums then do not depend on the order DuckDB's threads add them in,
#: so the same files give the same KPIs to the last digit.
AMOUNT_TYPE = "DECIMAL(18,4)"
_TRUE = ("sí", "si", "s", "yes", "y", "true", "t", "x", "1", "verdadero")
_FALSE = ("no", "n", "false", "f", "0", "falso", "")


def quote(name: str) -> str:
    """Quote an SQL identifier."""
    return '"' + str(name).replace('"', '""') + '"'


def _lit(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def is_numeric_type(t: str) -> bool:
    """Whether a DuckDB type name is numeric."""
    return t.upper().split("(")[0] in _NUMERIC


def is_text_type(t: str) -> bool:
    """Whether a DuckDB type name is text."""
    return t.upper().startswith("VARCHAR")


def _text(col: str) -> str:
    return f"NULLIF(trim(CAST({quote(col)} AS VARCHAR)), '')"


def date_sql(con: Any, view: str, col: str, dtype: str, where: str, date_format: str | None = None) -> str:
    """SQL reading column ``col`` of ``view`` as a DATE (NULL where unreadable).

    Parameters
    ----------
    con
        DuckDB connection holding ``view``.
    view, col, dtype
        The raw view, the column and its DuckDB type.
    where
        The file's name, for messages.
    date_format
        strptime format forced by the map; then every text value must follow it.

    Raises
    ------
    DataError
        Text dates whose day/month order cannot be told (no part above 12), or that mix both orders.
    """
    t = dtype.upper()
    q = quote(col)
    if t.startswith("DATE") or t.startswith("TIMESTAMP"):
        return f"CAST({q} AS DATE)"
    if is_numeric_type(t):
        return (f"CASE WHEN {q} >= 1 AND {q} < 2958466 THEN {_EXCEL_EPOCH} + CAST(floor({q}) AS INTEGER) END")
    v = _text(col)
    if date_format is not None:
        return f"CAST(try_strptime({v}, {_lit(date_format)}) AS DATE)"
    first = r"TRY_CAST(regexp_extract(v, '^(\d{1,2})[/.-]', 1) AS INTEGER)"
    second = r"TRY_CAST(regexp_extract(v, '^\d{1,2}[/.-](\d{1,2})[/.-]', 1) AS INTEGER)"
    n_dmy, max1, max2, both = con.execute(f"""
        SELECT count(*), max({first}), max({second}), count(*) FILTER (WHERE {first} > 12 AND {second} > 12)
        FROM (SELECT {v} AS v FROM {view}) WHERE regexp_matches(v, '{_DMY}')
    """).fetchone()
    order = None
    if n_dmy:
        day_first, month_first = (max1 or 0) > 12, (max2 or 0) > 12
        if (day_first and month_first) or both:
            raise DataError(f"column {col!r} of {where} mixes day/month and month/day dates; make them one "
                            "order, or add date_format: '%d/%m/%Y' to the KPI map (unreadable dates are then "
                            "excluded and counted)")
        if not day_first and not month_first:
            raise DataError(f"column {col!r} of {where}: dates such as 03/04/2024 can be day/month or month/day "
                            "(no day above 12 tells); add date_format: '%d/%m/%Y' (or '%m/%d/%Y') to the KPI map")
        order = "%d/%m/%Y" if day_first else "%m/%d/%Y"
    parts = [
        f"WHEN regexp_matches({v}, '{_ISO}') THEN CAST(try_strptime(regexp_extract({v}, "
        rf"'^(\d{{4}}-\d{{1,2}}-\d{{1,2}})', 1), '%Y-%m-%d') AS DATE)",
        f"WHEN regexp_matches({v}, '{_SERIAL}') THEN {_EXCEL_EPOCH} + CAST(floor(CAST({v} AS DOUBLE)) AS INTEGER)",
    ]
    if order:
        parts.append(f"WHEN regexp_matches({v}, '{_DMY}') THEN CAST(try_strptime(regexp_replace(regexp_extract("
                     rf"{v}, '^(\d{{1,2}}[/.-]\d{{1,2}}[/.-]\d{{4}})', 1), '[.-]', '/', 'g'), '{order}') AS DATE)")
    return "CASE " + " ".join(parts) + " END"


def _clean_amount(col: str) -> str:
    return rf"regexp_replace(regexp_replace({_text(col)}, '(?i)eur|usd|gbp', '', 'g'), '[\s€$£]', '', 'g')"


def amount_sql(con: Any, view: str, col: str, dtype: str, where: str, decimal: str | None = None) -> str:
    """SQL reading column ``col`` as a DOUBLE amount (NULL where blank or unreadable).

    Raises
    ------
    DataError
        A text column holding both decimal commas and decimal points.
    """
    t = dtype.upper()
    if is_numeric_type(t):
        return f"TRY_CAST({quote(col)} AS {AMOUNT_TYPE})"
    if t == "BOOLEAN":
        raise DataError(f"column {col!r} of {where} holds true/false values, not amounts; check the KPI map")
    c = _clean_amount(col)
    if decimal is None:
        comma, point, only_thousands = con.execute(rf"""
            SELECT count(*) FILTER (WHERE regexp_matches(v, ',\d{{1,2}}$') OR regexp_matches(v, '\.\d{{3}},')
                                    OR regexp_matches(v, ',\d{{4,}}$')),
                   count(*) FILTER (WHERE regexp_matches(v, '\.\d{{1,2}}$') OR regexp_matches(v, ',\d{{3}}\.')
                                    OR regexp_matches(v, '\.\d{{4,}}$')),
                   count(*) FILTER (WHERE regexp_matches(v, '^[+-]?\d{{1,3}}([.,]\d{{3}})+$'))
            FROM (SELECT {c} AS v FROM {view}) WHERE v IS NOT NULL
        """).fetchone()
        if comma and point:
            raise DataError(f"column {col!r} of {where} holds amounts with decimal commas and with decimal points; "
                            "add decimal: ',' (or '.') to the KPI map (amounts that do not follow it are then "
                            "excluded and counted)")
        if not comma and not point and only_thousands:
            raise DataError(f"column {col!r} of {where}: amounts such as 1,234 or 1.234 can be thousands or "
                            "decimals; add decimal: ',' (or '.') to the KPI map")
        decimal = "," if comma else "."
    if decimal == ",":
        pattern = r"^[+-]?(\d+|\d{1,3}(\.\d{3})+)(,\d+)?$"
        num = f"replace(replace({c}, '.', ''), ',', '.')"
    else:
        pattern = r"^[+-]?(\d+|\d{1,3}(,\d{3})+)(\.\d+)?$|^[+-]?\.\d+$"
        num = f"replace({c}, ',', '')"
    return f"CASE WHEN regexp_matches({c}, '{pattern}') THEN TRY_CAST({num} AS {AMOUNT_TYPE}) END"


def discount_sql(con: Any, view: str, col: str, dtype: str, where: str, decimal: str | None = None) -> str:
    """SQL reading a discount column as BOOLEAN (blank = no discount; NULL where unreadable)."""
    t = dtype.upper()
    q = quote(col)
    if t == "BOOLEAN":
        return f"coalesce({q}, false)"
    if is_numeric_type(t):
        return f"coalesce({q} <> 0, false)"
    v = f"lower({_text(col)})"
    amount = amount_sql(con, f"(SELECT * FROM {view} WHERE lower({_text(col)}) NOT IN "
                             f"({', '.join(_lit(x) for x in _TRUE + _FALSE if x)}))", col, dtype, where, decimal)
    trues = ", ".join(_lit(x) for x in _TRUE)
    falses = ", ".join(_lit(x) for x in _FALSE if x)
    return (f"CASE WHEN {v} IS NULL THEN false WHEN {v} IN ({trues}) THEN true WHEN {v} IN ({falses}) THEN false "
            f"ELSE ({amount}) <> 0 END")
