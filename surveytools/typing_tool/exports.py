"""Exports of a fitted typing tool: the Excel calculator and a SQL scoring query.

Both compute exactly what :meth:`surveytools.typing_tool.TypingTool.predict` computes:

1. an answer that is a valid code of the item's answer scale is used as it is; a blank, "no answer" or
   invalid answer is replaced by the item's training mean and counted;
2. score of segment k = constant_k + sum over items of coefficient_jk * answer_j;
3. a row with more than ``max_missing`` replaced answers gets no segment; otherwise the segment is the
   one with the highest score (the lowest-numbered segment wins an exact tie) and its probability is
   1 / sum_l exp(score_l - score_max).

Survey text (question wording, answer labels, segment names) is always written to Excel as text, never
as a formula (see :mod:`surveytools.report.xlsx_safe`).
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover
    from .model import TypingTool

__all__ = ["to_sql", "write_calculator", "sql_number", "quote_identifier"]

_SIMPLE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def sql_number(x: float) -> str:
    """A float literal that reads back to the same double: 17 significant digits in exponent form.

    The exponent form makes DuckDB and others read a DOUBLE rather than an exact DECIMAL.
    """
    return f"{float(x):.17e}"


def quote_identifier(name: str) -> str:
    """Double-quote an identifier (standard SQL), doubling embedded quotes."""
    return '"' + str(name).replace('"', '""') + '"'


def _table(name: str) -> str:
    # schema.table or a simple name stays as typed; anything else is quoted
    parts = name.split(".")
    if all(_SIMPLE.fullmatch(p) for p in parts):
        return name
    return quote_identifier(name)


def _code(c: float) -> str:
    f = float(c)
    return str(int(f)) if f.is_integer() else repr(f)


def to_sql(tool: TypingTool, table: str = "respondents", *, id_column: str = "respondent_id",
           probability: bool = True) -> str:
    """A standard SQL query scoring every row of ``table``.

    Output columns: the id, ``segment`` (NULL when too many answers are missing), ``probability``
    (optional: uses ``EXP``, available in PostgreSQL, DuckDB, SQLite >= 3.35, MySQL, SQL Server, Oracle,
    BigQuery) and ``n_imputed``. Only CTEs, CASE, IN, +, * and comparisons are used otherwise. Columns
    are the item ids, double-quoted (ANSI; MySQL needs ``ANSI_QUOTES``, BigQuery backticks).

    Parameters
    ----------
    tool
        A fitted typing tool.
    table
        Table (or view) with one row per respondent or customer.
    id_column
        Its id column.
    probability
        Include the posterior probability of the segment.
    """
    from .. import __version__

    items = tool.item_info_
    segs = [int(s) for s in tool.segments_]
    coef = tool.coef_.to_numpy()
    xs = [f"x_{j + 1}" for j in range(len(items))]
    lines = [
        f"-- Segment typing tool (surveytools {__version__}): "
        f"{len(items)} golden questions, {len(segs)} segments, cross-validated accuracy {tool.accuracy_:.4f}).",
        f"-- Scores the table {table}: one row per respondent or customer, a column per question holding the "
        "answer code.",
        "-- Blank, 'no answer' or invalid answers take the item's training mean (counted in n_imputed); rows with",
        f"-- more than {tool.max_missing_} of {len(items)} imputed answers get segment NULL.",
        "-- Golden questions (column: valid codes; mean used when missing):",
    ]
    for it in items:
        codes = ", ".join(_code(c) for c in it.valid_codes) if it.codes else "any number"
        text = (it.text or "").replace("\n", " ").replace("\r", " ")
        lines.append(f"--   {it.id}: {codes}; mean {it.mean:.6g}  {text[:80]}")
    lines.append("WITH typing_input AS (")
    lines.append("  SELECT")
    lines.append(f"    {quote_identifier(id_column)} AS {quote_identifier(id_column)},")
    valid_exprs = []
    for it, x in zip(items, xs, strict=True):
        col = quote_identifier(it.id)
        if it.codes:
            cond = f"{col} IN ({', '.join(_code(c) for c in it.valid_codes)})"
        else:
            cond = f"{col} IS NOT NULL"
        valid_exprs.append(cond)
        lines.append(f"    CASE WHEN {cond} THEN {col} ELSE {sql_number(it.mean)} END AS {x},")
    n_imp = " + ".join(f"CASE WHEN {c} THEN 0 ELSE 1 END" for c in valid_exprs)
    lines.append(f"    {n_imp} AS n_imputed")
    lines.append(f"  FROM {_table(table)}")
    lines.append("),")
    lines.append("typing_scores AS (")
    lines.append(f"  SELECT {quote_identifier(id_column)}, n_imputed,")
    score_lines = []
    for k, s in enumerate(segs):
        terms = [f"({sql_number(coef[-1, k])})"] + [f"({sql_number(coef[j, k])}) * {x}" for j, x in enumerate(xs)]
        score_lines.append("    " + " + ".join(terms) + f" AS score_{s}")
    lines.append(",\n".join(score_lines))
    lines.append("  FROM typing_input")
    lines.append("),")
    lines.append("typing_best AS (")
    lines.append("  SELECT typing_scores.*,")
    lines.append("    CASE")
    for k, s in enumerate(segs[:-1]):
        cond = " AND ".join(f"score_{s} >= score_{t}" for t in segs[k + 1:])
        lines.append(f"      WHEN {cond} THEN {s}")
    lines.append(f"      ELSE {segs[-1]}")
    lines.append("    END AS best")
    lines.append("  FROM typing_scores")
    lines.append(")")
    lines.append("SELECT")
    lines.append(f"  {quote_identifier(id_column)},")
    lines.append(f"  CASE WHEN n_imputed > {tool.max_missing_} THEN NULL ELSE best END AS segment,")
    if probability:
        top = "CASE best " + " ".join(f"WHEN {s} THEN score_{s}" for s in segs) + " END"
        denom = " + ".join(f"EXP(score_{s} - {top})" for s in segs)
        lines.append(f"  CASE WHEN n_imputed > {tool.max_missing_} THEN NULL ELSE 1.0 / ({denom}) END AS probability,")
    lines.append("  n_imputed")
    lines.append("FROM typing_best;")
    return "\n".join(lines) + "\n"


# ============================================================================================ Excel

def _col(n: int) -> str:
    """1-based column number -> letters."""
    s = ""
    while n:
        n, r = divmod(n - 1, 26)
        s = chr(65 + r) + s
    return s


def _sheet_ref(name: str) -> str:
    """A sheet name as formulas cite it (quoted, inner quotes doubled)."""
    return "'" + name.replace("'", "''") + "'"


def _coefficients_sheet(ws: Any, tool: TypingTool, T: Callable[..., str]) -> None:  # noqa: N803
    """Coefficients: golden questions down, the constant last, segments across."""
    from openpyxl.styles import Font

    from ..report.xlsx_safe import set_cell

    items = tool.item_info_
    p = len(items)
    segs = [int(s) for s in tool.segments_]
    k = len(segs)
    names = tool.segment_names_
    bold = Font(bold=True)
    coef = tool.coef_.to_numpy()
    set_cell(ws, 1, 1, T("item")).font = bold
    for c, s in enumerate(segs):
        set_cell(ws, 1, c + 2, T("segment", number=s) + (f": {names[s]}" if s in names else "")).font = bold
    for j, it in enumerate(items):
        set_cell(ws, j + 2, 1, it.id)
        for c in range(k):
            ws.cell(row=j + 2, column=c + 2, value=float(coef[j, c]))
    set_cell(ws, p + 2, 1, T("constant")).font = bold
    for c in range(k):
        ws.cell(row=p + 2, column=c + 2, value=float(coef[-1, c]))
    ws.column_dimensions["A"].width = 16
    for c in range(k):
        ws.column_dimensions[_col(c + 2)].width = 18


def _options_sheet(ws: Any, tool: TypingTool, T: Callable[..., str]) -> tuple[str, str, str]:  # noqa: N803
    """Options: item, code, label and key (``item|code``) of every answer; returns the code, label and key ranges."""
    from openpyxl.styles import Font

    from ..report.xlsx_safe import set_cell

    items = tool.item_info_
    bold = Font(bold=True)
    for c, h in enumerate((T("item"), T("code"), T("label"), T("key")), start=1):
        set_cell(ws, 1, c, h).font = bold
    r = 2
    for it in items:
        for code, label in sorted(it.codes.items()):
            set_cell(ws, r, 1, it.id)
            ws.cell(row=r, column=2, value=code)
            set_cell(ws, r, 3, label)
            set_cell(ws, r, 4, f"{it.id}|{_code(code)}")
            r += 1
    last_opt = max(r - 1, 2)
    ref = _sheet_ref(ws.title)
    opt_codes = f"{ref}!$B$2:$B${last_opt}"
    opt_labels = f"{ref}!$C$2:$C${last_opt}"
    opt_keys = f"{ref}!$D$2:$D${last_opt}"
    ws.column_dimensions["C"].width = 30
    ws.column_dimensions["D"].width = 20
    return opt_codes, opt_labels, opt_keys

def _answer_rows(calc: Any, tool: TypingTool, options: tuple[str, str, str], T: Callable[..., str]  # noqa: N803
                 ) -> tuple[int, int, str]:
    """Calculator, top: one row per golden question (answer cell with a drop-down, its label, the value used, a missing flag); returns the first and last rows and the cell counting missing answers."""
    from openpyxl.styles import Font, PatternFill
    from openpyxl.worksheet.datavalidation import DataValidation

    from ..report.xlsx_safe import set_cell

    opt_codes, opt_labels, opt_keys = options
    yellow = PatternFill("solid", start_color="FFF2CC", end_color="FFF2CC")
    items = tool.item_info_
    p = len(items)
    bold = Font(bold=True)
    set_cell(calc, 1, 1, T("title")).font = Font(bold=True, size=14)
    set_cell(calc, 2, 1, T("instructions", max_missing=tool.max_missing_, p=p))
    heads = (T("item"), T("question"), T("options"), T("answer"), T("answer_label"), T("value_used"), T("missing"),
             T("average"))
    top = 4
    for c, h in enumerate(heads, start=1):
        set_cell(calc, top, c, h).font = bold
    first, last = top + 1, top + p
    for j, it in enumerate(items):
        r = first + j
        set_cell(calc, r, 1, it.id)
        set_cell(calc, r, 2, it.text or "")
        set_cell(calc, r, 3, it.options_text() or T("a_number"))
        ans = calc.cell(row=r, column=4)
        ans.fill = yellow
        calc.cell(row=r, column=8, value=float(it.mean))
        if it.codes:
            key = f'$A{r}&"|"&D{r}'
            ok = f"AND(ISNUMBER(D{r}),ISNUMBER(MATCH({key},{opt_keys},0)))"
            calc.cell(row=r, column=5, value=f'=IF(D{r}="","{T("no_answer")}",IF({ok},INDEX({opt_labels},'
                                             f'MATCH({key},{opt_keys},0)),"{T("not_valid")}"))')
            calc.cell(row=r, column=6, value=f"=IF({ok},INDEX({opt_codes},MATCH({key},{opt_keys},0)),H{r})")
            calc.cell(row=r, column=7, value=f"=IF({ok},0,1)")
            codes = ",".join(_code(c) for c in it.valid_codes)
            if len(codes) <= 250:
                dv = DataValidation(type="list", formula1=f'"{codes}"', allow_blank=True, showDropDown=False)
            else:
                dv = DataValidation(type="list", formula1=opt_codes, allow_blank=True)
            dv.errorTitle = T("not_valid_title")[:32]
            dv.error = T("choose_code", item=it.id)[:255]
            dv.promptTitle = it.id[:32]
            dv.prompt = it.options_text()[:255]
            dv.showErrorMessage = True
            dv.showInputMessage = True
            calc.add_data_validation(dv)
            dv.add(ans.coordinate)
        else:
            calc.cell(row=r, column=5, value=f'=IF(D{r}="","{T("no_answer")}","")')
            calc.cell(row=r, column=6, value=f"=IF(ISNUMBER(D{r}),D{r},H{r})")
            calc.cell(row=r, column=7, value=f"=IF(ISNUMBER(D{r}),0,1)")
            dv = DataValidation(type="decimal", operator="between", formula1="-1E+300", formula2="1E+300",
                                allow_blank=True)
            calc.add_data_validation(dv)
            dv.add(ans.coordinate)
    r = last + 1
    set_cell(calc, r, 6, T("missing_answers")).font = bold
    calc.cell(row=r, column=7, value=f"=SUM(G{first}:G{last})")
    n_missing_cell = f"$G${r}"
    return first, last, n_missing_cell

def _segment_rows(calc: Any, tool: TypingTool, first: int, last: int, n_missing_cell: str, coef_title: str,
                  T: Callable[..., str]) -> None:  # noqa: N803
    """Calculator, below the answers: each segment's score, exp(score - max) and probability, then the winner."""
    from openpyxl.styles import Alignment, Font, PatternFill

    from ..report.xlsx_safe import set_cell

    grey = PatternFill("solid", start_color="EDEDED", end_color="EDEDED")
    items = tool.item_info_
    p = len(items)
    segs = [int(s) for s in tool.segments_]
    k = len(segs)
    names = tool.segment_names_
    bold = Font(bold=True)
    seg_top = last + 3
    for c, h in enumerate((T("segment_head"), T("name"), T("score"), T("exp_score"), T("probability")), start=1):
        set_cell(calc, seg_top, c, h).font = bold
    s_first, s_last = seg_top + 1, seg_top + k
    for c, s in enumerate(segs):
        r = s_first + c
        calc.cell(row=r, column=1, value=s)
        set_cell(calc, r, 2, names.get(s, ""))
        col = _col(c + 2)
        ref = _sheet_ref(coef_title)
        calc.cell(row=r, column=3, value=f"={ref}!${col}${p + 2}+SUMPRODUCT({ref}!${col}$2:${col}"
                                         f"${p + 1},$F${first}:$F${last})")
        calc.cell(row=r, column=4, value=f"=EXP(C{r}-MAX($C${s_first}:$C${s_last}))")
        calc.cell(row=r, column=5, value=f"=D{r}/SUM($D${s_first}:$D${s_last})")
        calc.cell(row=r, column=5).number_format = "0.0%"
    res = s_last + 2
    scores = f"$C${s_first}:$C${s_last}"
    winner = f"INDEX($A${s_first}:$A${s_last},MATCH(MAX({scores}),{scores},0))"
    set_cell(calc, res, 1, T("segment_head")).font = Font(bold=True, size=13)
    cell = calc.cell(row=res, column=3, value=f'=IF({n_missing_cell}>{tool.max_missing_},"{T("too_many_missing")}",'
                                              f"{winner})")
    cell.font = Font(bold=True, size=13)
    cell.fill = grey
    set_cell(calc, res + 1, 1, T("name")).font = bold
    calc.cell(row=res + 1, column=3, value=f'=IF({n_missing_cell}>{tool.max_missing_},"",'
                                           f"INDEX($B${s_first}:$B${s_last},MATCH(MAX({scores}),{scores},0)))")
    set_cell(calc, res + 2, 1, T("probability")).font = bold
    pc = calc.cell(row=res + 2, column=3, value=f'=IF({n_missing_cell}>{tool.max_missing_},"",'
                                                f"INDEX($E${s_first}:$E${s_last},MATCH(MAX({scores}),{scores},0)))")
    pc.number_format = "0.0%"
    for col, width in zip("ABCDEFGH", (12, 50, 40, 10, 24, 12, 10, 14), strict=True):
        calc.column_dimensions[col].width = width
    for row in calc.iter_rows(min_row=first, max_row=last, min_col=2, max_col=3):
        for c in row:
            c.alignment = Alignment(wrap_text=True, vertical="top")
    calc.freeze_panes = calc.cell(row=first, column=1)


def _accuracy_sheet(ws: Any, tool: TypingTool, T: Callable[..., str]) -> None:  # noqa: N803
    """Accuracy: the cross-validated accuracy curve by number of items, with a chart."""
    from openpyxl.chart import LineChart, Reference
    from openpyxl.styles import Font

    from ..report.xlsx_safe import set_cell

    bold = Font(bold=True)
    for c, h in enumerate((T("n_items"), T("item_added"), T("items"), T("cv_accuracy"), T("selected_head")), 1):
        set_cell(ws, 1, c, h).font = bold
    curve = tool.curve_
    for i, (n, row) in enumerate(curve.iterrows()):
        ws.cell(row=i + 2, column=1, value=int(n))
        set_cell(ws, i + 2, 2, str(row["item"]))
        set_cell(ws, i + 2, 3, ", ".join(row["items"]))
        ws.cell(row=i + 2, column=4, value=float(row["accuracy"])).number_format = "0.0%"
        set_cell(ws, i + 2, 5, T("selected") if row["selected"] else "")
    ws.column_dimensions["C"].width = 60
    ws.column_dimensions["D"].width = 24
    if len(curve):
        chart = LineChart()
        chart.title = T("chart_title")
        chart.y_axis.title = T("cv_accuracy")
        chart.x_axis.title = T("n_items")
        chart.x_axis.delete = False  # Excel 365 hides axes left without an explicit delete=False
        chart.y_axis.delete = False
        chart.add_data(Reference(ws, min_col=4, min_row=1, max_row=len(curve) + 1), titles_from_data=True)
        chart.set_categories(Reference(ws, min_col=1, min_row=2, max_row=len(curve) + 1))
        chart.legend = None
        ws.add_chart(chart, "G2")


def _model_sheet(ws: Any, tool: TypingTool, T: Callable[..., str]) -> None:  # noqa: N803
    """Model: how scores, probabilities and missing answers work, the settings, and per segment its prior, size and hit rate."""
    from openpyxl.styles import Font

    from ..report.xlsx_safe import set_cell

    items = tool.item_info_
    p = len(items)
    segs = [int(s) for s in tool.segments_]
    names = tool.segment_names_
    bold = Font(bold=True)
    rows: list[tuple[str, Any]] = [
        (T("classifier"), T("classifier_text")),
        (T("score_k"), T("score_text")),
        (T("probability"), T("probability_text")),
        (T("missing_answers"), T("missing_text", max_missing=tool.max_missing_, p=p)),
        (T("golden"), p),
        (T("cv_accuracy"), float(tool.accuracy_)),
        (T("n_train"), int(getattr(tool, "n_train_", 0))),
        (T("folds"), int(tool.n_folds)),
        (T("seed"), int(getattr(tool, "seed_", tool.seed))),
        (T("created"), str(getattr(tool, "created_", ""))),
    ]
    from .. import __version__

    rows.append((T("version"), __version__))
    for i, (label, value) in enumerate(rows, start=1):
        set_cell(ws, i, 1, label).font = bold
        c = set_cell(ws, i, 2, value)
        if label == T("cv_accuracy"):
            c.number_format = "0.0%"
    r = len(rows) + 2
    for c, h in enumerate((T("segment_head"), T("name"), T("prior"), T("respondents"), T("hit_rate")), 1):
        set_cell(ws, r, c, h).font = bold
    res_obj = getattr(tool, "result_", None)
    for i, s in enumerate(segs, start=1):
        ws.cell(row=r + i, column=1, value=s)
        set_cell(ws, r + i, 2, names.get(s, ""))
        ws.cell(row=r + i, column=3, value=float(tool.priors_[s]))
        if res_obj is not None and s in res_obj.sizes.index:
            ws.cell(row=r + i, column=4, value=int(res_obj.sizes[s]))
        if res_obj is not None and s in res_obj.hit_rates.index:
            ws.cell(row=r + i, column=5, value=float(res_obj.hit_rates[s])).number_format = "0.0%"
    ws.column_dimensions["A"].width = 26
    ws.column_dimensions["B"].width = 90


def write_calculator(tool: TypingTool, path: str | os.PathLike[str], *,
                     inputs: Sequence[str | os.PathLike[str]] = (), lang: str = "en") -> Path:
    """Write the Excel calculator: answers in, segment out, with live formulas.

    Sheets
    ------
    Calculator
        One row per golden question: item, question, answer options, the answer cell (yellow; a drop-down
        of the valid codes), the answer's label, the value used (the answer, or the item mean when blank
        or invalid) and a missing flag. Below: per segment its score, exp(score - max) and probability;
        then the winning segment (INDEX/MATCH on MAX) and its name.
    Coefficients
        Classification-function coefficients: rows = golden questions, then the constant in the last row;
        columns = segments.
    Accuracy
        The cross-validated accuracy curve by number of items, with a chart.
    Options
        Valid codes and labels per golden question (the drop-downs and label look-ups use it).
    Model
        Settings, sizes, priors, how missing answers are handled.

    Every sheet name, heading, instruction and message is in ``lang`` (``en`` or ``es``), from
    :mod:`surveytools.report.i18n`.
    """
    from openpyxl import Workbook

    from ..io.atomic import atomic_write
    from ..report.i18n import check_lang, tr

    lang = check_lang(lang)

    def T(key: str, **fields: Any) -> str:  # noqa: N802 - the calculator's texts in its language
        return tr("calc_" + key, lang, **fields)

    wb = Workbook()
    calc = wb.active
    calc.title = T("sheet_calculator")
    coef_ws = wb.create_sheet(T("sheet_coefficients"))
    acc_ws = wb.create_sheet(T("sheet_accuracy"))
    opt_ws = wb.create_sheet(T("sheet_options"))
    model_ws = wb.create_sheet(T("sheet_model"))
    _coefficients_sheet(coef_ws, tool, T)
    options = _options_sheet(opt_ws, tool, T)
    first, last, n_missing_cell = _answer_rows(calc, tool, options, T)
    _segment_rows(calc, tool, first, last, n_missing_cell, coef_ws.title, T)
    _accuracy_sheet(acc_ws, tool, T)
    _model_sheet(model_ws, tool, T)
    out = Path(path)
    with atomic_write(out, inputs) as tmp:
        wb.save(os.fspath(tmp))
    return out
