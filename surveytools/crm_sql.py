"""The fitted CRM segment model as SQL: one canonical sqlglot expression tree, transpiled per dialect.

The same tree scores the customer list inside DuckDB (``crm extend``, ``assign``) and is exported with
``--sql`` for PostgreSQL, BigQuery, Snowflake, Spark SQL (and SQLite, used by the tests), so the warehouse
computes exactly what Python computes:

1. per feature a contribution to each segment's score (see :mod:`surveytools.crm_features`):
   numeric/date ``CASE WHEN t IS NULL THEN c_missing ELSE w * u(t) END`` with ``u(t) = t`` or
   ``LN(1 + GREATEST(t, 0))``, dates as ``t = DATE_DIFF(day, date, as_of)``; categorical
   ``CASE WHEN x IS NULL THEN w_missing WHEN x = 'level' THEN w_level ... ELSE w_other END`` on the trimmed text;
2. ``score_k = b_k + sum of contributions`` (the logistic regression with its standardization folded into
   the weights);
3. the segment with the highest score (the lowest-numbered segment wins an exact tie) and its probability
   ``1 / sum_l EXP(score_l - score_best)`` (the softmax); ``segment`` is NULL when the probability is
   below the model's minimum.

Only gradient-free pieces are used: CASE, arithmetic, LN, EXP, GREATEST, CAST and a date difference, all of
which sqlglot writes in each dialect's own spelling. Gradient boosting is not exported (see docs/crm.md).
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

import numpy as np

from .exceptions import DataError

if TYPE_CHECKING:  # pragma: no cover
    from sqlglot import exp as _exp

    from .crm_extend import CrmSegmentModel

__all__ = ["DIALECTS", "score_select", "to_sql"]

#: --sql-dialect choices (sqlglot dialect names)
DIALECTS = ("duckdb", "postgres", "bigquery", "snowflake", "spark", "sqlite")


def _num(x: float) -> _exp.Expression:
    from sqlglot import exp

    v = float(x)
    lit = exp.Literal.number(f"{abs(v):.17e}")  # 17 significant digits: reads back to the same double
    return exp.Neg(this=lit) if v < 0 else lit


def _col(name: str, alias: str | None = None) -> _exp.Column:
    from sqlglot import exp

    return exp.column(name, table=alias, quoted=True)


def _paren(e: _exp.Expression) -> _exp.Expression:
    from sqlglot import exp

    return exp.Paren(this=e)


def _raw_number(spec, as_of: date | None) -> _exp.Expression:
    """``t`` of a numeric or date feature (NULL when missing or unreadable)."""
    from sqlglot import exp

    col = _col(spec.name)
    if spec.kind == "date":
        if as_of is None:
            raise DataError("the model has a date feature but no as-of date")
        d = exp.TryCast(this=col, to=exp.DataType.build("date"))
        ref = exp.Cast(this=exp.Literal.string(as_of.isoformat()), to=exp.DataType.build("date"))
        return exp.DateDiff(this=ref, expression=d, unit=exp.var("DAY"))
    return exp.TryCast(this=col, to=exp.DataType.build("double"))


def _text(spec) -> _exp.Expression:
    from sqlglot import exp

    return exp.Nullif(this=exp.Trim(this=exp.Cast(this=_col(spec.name), to=exp.DataType.build("text"))),
                      expression=exp.Literal.string(""))


def _contribution(spec, weights: dict, k: int, as_of: date | None) -> _exp.Expression:
    """One feature's contribution to segment column ``k``'s score."""
    from sqlglot import exp

    if spec.kind == "categorical":
        x = _text(spec)
        ifs = []
        if spec.has_missing:
            ifs.append(exp.If(this=exp.Is(this=x.copy(), expression=exp.Null()), true=_num(weights["missing"][k])))
        else:  # blanks join the pooled level
            ifs.append(exp.If(this=exp.Is(this=x.copy(), expression=exp.Null()), true=_num(weights["other"][k])))
        for lv in spec.levels:
            ifs.append(exp.If(this=exp.EQ(this=x.copy(), expression=exp.Literal.string(lv)),
                              true=_num(weights["levels"][lv][k])))
        return exp.Case(ifs=ifs, default=_num(weights["other"][k]))
    t = _raw_number(spec, as_of)
    u: exp.Expression = t.copy()
    if spec.log:
        u = exp.Ln(this=exp.Add(this=exp.Literal.number(1),
                                expression=exp.Greatest(this=t.copy(), expressions=[exp.Literal.number(0)])))
    w = float(weights["value"][k])
    fill_u = float(np.log1p(max(spec.fill, 0.0))) if spec.log else float(spec.fill)
    c_missing = w * fill_u + (float(weights["missing"][k]) if spec.has_missing else 0.0)
    return exp.Case(ifs=[exp.If(this=exp.Is(this=t.copy(), expression=exp.Null()), true=_num(c_missing))],
                    default=exp.Mul(this=_num(w), expression=_paren(u)))


def score_select(model: CrmSegmentModel, source: str | _exp.Expression, keep: list[str], *,
                 prefix: str = "model_") -> _exp.Select:
    """The scoring query as a sqlglot tree.

    Output columns: ``keep`` (columns of ``source`` passed through), then ``<prefix>segment`` (the segment
    with the highest score, always set) and ``<prefix>probability``.

    Parameters
    ----------
    model
        A fitted logistic-regression :class:`~surveytools.crm_extend.CrmSegmentModel`.
    source
        Table name, or a table expression (e.g. DuckDB's ``read_parquet(...)``).
    """
    from sqlglot import exp

    model._check_linear()
    segs = [int(s) for s in model.segments_]
    K = len(segs)
    weights = model.weights_
    inner_sel: list[exp.Expression] = [_col(c) for c in keep]
    for k in range(K):
        terms: exp.Expression = _num(model.intercepts_[k])
        for spec in model.features_:
            terms = exp.Add(this=terms, expression=_contribution(spec, weights[spec.name], k, model.as_of_))
        inner_sel.append(exp.alias_(terms, f"__score_{k + 1}", quoted=True))
    src = exp.to_table(source) if isinstance(source, str) else source
    scores = exp.select(*inner_sel).from_(src)

    def sc(k: int) -> exp.Column:
        return _col(f"__score_{k + 1}")

    ifs = []
    for k in range(K - 1):
        cond: exp.Expression = exp.GTE(this=sc(k), expression=sc(k + 1))
        for j in range(k + 2, K):
            cond = exp.And(this=cond, expression=exp.GTE(this=sc(k), expression=sc(j)))
        ifs.append(exp.If(this=cond, true=exp.Literal.number(k + 1)))
    best_idx = exp.Case(ifs=ifs, default=exp.Literal.number(K))
    keep_cols = [_col(c) for c in keep]
    best = exp.select(*keep_cols, *[sc(k) for k in range(K)], exp.alias_(best_idx, "__best", quoted=True)) \
        .from_(exp.alias_(exp.Subquery(this=scores), "s", table=True))
    top = exp.Case(ifs=[exp.If(this=exp.EQ(this=_col("__best"), expression=exp.Literal.number(k + 1)), true=sc(k))
                        for k in range(K)])
    denom: exp.Expression = exp.Exp(this=exp.Sub(this=sc(0), expression=_paren(top.copy())))
    for k in range(1, K):
        denom = exp.Add(this=denom, expression=exp.Exp(this=exp.Sub(this=sc(k), expression=_paren(top.copy()))))
    prob = exp.Div(this=exp.Literal.number("1.0"), expression=_paren(denom))
    seg = exp.Case(ifs=[exp.If(this=exp.EQ(this=_col("__best"), expression=exp.Literal.number(k + 1)),
                               true=exp.Literal.number(s)) for k, s in enumerate(segs)])
    mid = exp.select(*[_col(c) for c in keep], exp.alias_(seg, f"{prefix}segment", quoted=True),
                     exp.alias_(prob, f"{prefix}probability", quoted=True)) \
        .from_(exp.alias_(exp.Subquery(this=best), "b", table=True))
    return mid


def to_sql(model: CrmSegmentModel, dialect: str = "duckdb", table: str = "customers", *,
           id_column: str | None = None, pretty: bool = True) -> str:
    """A query scoring every row of ``table`` in ``dialect``: the id, ``segment`` and ``probability``.

    ``segment`` is NULL when the probability is below the model's ``min_probability`` (the customer stays
    unassigned, as ``crm extend`` writes ``segment_source = none``); ``probability`` is always given.

    Parameters
    ----------
    model
        A fitted logistic-regression model.
    dialect
        One of :data:`DIALECTS`.
    table
        The customer table (``schema.table`` allowed).
    id_column
        The customers' id column (default: the model's).
    pretty
        Indent the SQL.

    Raises
    ------
    DataError
        Unknown dialect, or a model that SQL cannot express (gradient boosting).
    """
    from sqlglot import exp

    from . import __version__

    if dialect not in DIALECTS:
        raise DataError(f"unknown SQL dialect {dialect!r}; use one of {', '.join(DIALECTS)}")
    idc = id_column or model.id_column_
    if not idc:
        raise DataError("the SQL export needs the customers' id column; give --id COLUMN")
    inner = score_select(model, exp.to_table(table), [idc], prefix="model_")
    mp = float(model.min_probability_)
    ok = exp.GTE(this=_col("model_probability"), expression=_num(mp))
    outer = exp.select(
        _col(idc),
        exp.alias_(exp.Case(ifs=[exp.If(this=ok, true=_col("model_segment"))], default=exp.Null()), "segment",
                   quoted=True),
        exp.alias_(_col("model_probability"), "probability", quoted=True),
    ).from_(exp.alias_(exp.Subquery(this=inner), "m", table=True))
    names = ", ".join(f"{s} = {model.segment_names_.get(int(s), '')!r}" for s in model.segments_)
    head = [
        f"-- Segments for every customer (surveytools {__version__}, crm extend): multinomial logistic regression on",
        f"-- {len(model.features_)} CRM features; cross-validated accuracy {model.cv_accuracy_:.4f}. Dialect: {dialect}.",
        f"-- Segments: {names}.",
        f"-- segment is NULL when probability < {mp:g}. Recency is counted to {model.as_of_}."
        if model.as_of_ else f"-- segment is NULL when probability < {mp:g}.",
    ]
    text = outer.sql(dialect=dialect, pretty=pretty)
    return "\n".join(head) + "\n" + text + ";\n"
