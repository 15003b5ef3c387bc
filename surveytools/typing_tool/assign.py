"""Scoring big files with a typing tool: :func:`assign_file` reads only the id and golden-question columns,
scores every row with one matrix product and writes the segments."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..exceptions import DataError, InputFileError
from ..questionnaire import Questionnaire
from .model import TypingTool, _extra_labels
from .results import AssignResult
from .scoring import codes_from_values, read_columns

__all__ = ["assign_file"]


def assign_file(data: str | os.PathLike[str], model: TypingTool | str | os.PathLike[str],
                output: str | os.PathLike[str] | None = None, *, id_column: str | None = None,
                questionnaire: Questionnaire | None = None, sheet: str | int | None = None,
                max_missing: int | None = None, excluded_output: str | os.PathLike[str] | None = None
                ) -> AssignResult:
    """Score a file of respondents or customers and write their segments.

    Reads only the id and golden-question columns (pyarrow: multi-threaded CSV, Parquet; or a
    workbook), maps answer labels to codes, imputes missing answers with the training means and scores
    every row with one matrix product. A million rows take a few seconds.

    Parameters
    ----------
    data
        .csv/.tsv/.txt, .parquet, .xlsx/.xls file with one column per golden question (the item id, or its
        export column) holding codes or answer labels.
    model
        A fitted :class:`TypingTool` or the path of its JSON model.
    output
        Where to write the assigned rows (.csv, .parquet or .xlsx): the id column, ``segment``,
        ``probability``, ``n_imputed`` (+ ``segment_name``). The id column is ``respondent_id`` (the
        assignments-file convention read by ``profile`` and ``crm``) unless ``id_column`` is given.
    id_column
        Name of the id column in ``data`` (default: the questionnaire's or the model's respondent id
        column, else ``respondent_id``, ``id``, ``customer_id``; row numbers when none is present).
    questionnaire
        Optional: more answer labels (its option sets and aliases) and the id column name.
    sheet
        Worksheet of a workbook.
    max_missing
        Most unanswered golden questions a row may have (default: the model's).
    excluded_output
        Optional file for the excluded rows (id, ``reason``, ``n_missing``).

    Returns
    -------
    AssignResult
        With ``rows_in == rows_assigned + rows_excluded``.

    Raises
    ------
    InputFileError
        Unreadable data or model, or an output that would overwrite an input.
    DataError
        Golden-question columns missing from the data, an id column given but absent, duplicate ids,
        answer text that is neither a code nor a known label.
    """
    tool = model if isinstance(model, TypingTool) else TypingTool.load(model)
    tool._check_fitted()
    data_p = Path(data)
    model_inputs = [] if isinstance(model, TypingTool) else [str(model)]
    if output is not None:
        from ..io.atomic import check_output_path

        check_output_path(output, [str(data_p), *model_inputs])
        if Path(output).suffix.lower() not in (".csv", ".parquet", ".xlsx"):
            raise InputFileError(f"cannot write {output}: use a .csv, .parquet or .xlsx file name")
    names_of = {it.id: [n for n in dict.fromkeys([
        it.id, it.column,
        questionnaire.items[it.id].column if questionnaire is not None and it.id in questionnaire.items else None,
    ]) if n] for it in tool.item_info_}
    wanted = list(dict.fromkeys(n for names in names_of.values() for n in names))
    if id_column:
        candidates = [id_column]
    else:
        candidates = [c for c in (questionnaire.respondent_id if questionnaire else None, tool.id_name_,
                                  "respondent_id", "id", "customer_id") if c]
    cols, id_found, n = read_columns(data_p, wanted, id_candidates=candidates, sheet=sheet)
    found = {iid: next((nm for nm in names if nm in cols), None) for iid, names in names_of.items()}
    missing = [iid for iid, nm in found.items() if nm is None]
    if missing and questionnaire is not None:
        # not a table of golden-question columns: read it as a survey export with the questionnaire
        from ..io import load_survey

        survey = load_survey(data_p, questionnaire, sheet=sheet)
        x, imputed_s, invalid_s = tool.answers(survey, questionnaire=questionnaire)
        ids = survey.ids.astype(str)
        ids.name = survey.id_name
        imputed, invalid, id_found = list(imputed_s), list(invalid_s), survey.id_name
    elif missing:
        raise DataError(f"{data_p}: no column for golden question(s) {', '.join(missing)}; the model needs a column "
                        f"per golden question ({', '.join(tool.items_)}), named by the item id (or pass -q with "
                        "the questionnaire to read a survey export)")
    else:
        if id_column and id_found is None:
            raise DataError(f"{data_p}: no id column {id_column!r}; check --id (the file's columns are read from "
                            "its header row)")
        extra = _extra_labels(questionnaire) if questionnaire is not None else {}
        x = np.empty((n, len(tool.items_)))
        imputed, invalid = [], []
        for j, it in enumerate(tool.item_info_):
            name = found[it.id]
            v = codes_from_values(cols[name], it, column=str(name), extra_labels=extra.get(it.id))
            x[:, j] = v.values
            imputed.append(v.n_blank + v.n_invalid)
            invalid.append(v.n_invalid)
        if id_found is not None:
            ids = pd.Index(cols[id_found].to_pandas(), dtype="str", name=id_found)
            if ids.hasnans:
                first = int(np.flatnonzero(ids.isna())[0]) + 2
                raise DataError(f"{data_p}, row {first}: empty id in column {id_found!r}; every row needs an id")
            if not ids.is_unique:
                dup = ids[ids.duplicated()].unique()[:5]
                raise DataError(f"{data_p}: ids in column {id_found!r} are not unique ({', '.join(map(str, dup))}); "
                                "keep one row per respondent or customer")
        else:
            ids = pd.Index(np.arange(1, n + 1).astype(str), name="row")
    out_id = id_column or "respondent_id"
    result = tool._result(ids, x, pd.Series(imputed, index=tool.items_, name="imputed"),
                          pd.Series(invalid, index=tool.items_, name="invalid"), max_missing=max_missing,
                          output=None if output is None else str(output), id_column=id_found)
    if output is not None:
        _write_assignments(result.frame, Path(output), out_id, inputs=[str(data_p), *model_inputs])
    if excluded_output is not None and result.rows_excluded:
        ex = result.frame[result.frame["segment"].isna()]
        reason = next(iter(result.excluded))
        frame = pd.DataFrame({"reason": reason, "n_missing": ex["n_imputed"].to_numpy()}, index=ex.index)
        _write_assignments(frame, Path(excluded_output), out_id, inputs=[str(data_p), *model_inputs])
    return result


def _write_assignments(frame: pd.DataFrame, path: Path, id_name: str, *, inputs: Sequence[str]) -> None:
    import pyarrow as pa

    from ..io.atomic import atomic_write

    assigned = frame[frame["segment"].notna()] if "segment" in frame else frame
    index = assigned.index if pd.api.types.is_string_dtype(assigned.index.dtype) else assigned.index.astype(str)
    try:
        ids = pa.array(index.array, type=pa.string())  # zero-copy for pyarrow-backed strings
    except (pa.ArrowException, TypeError):
        ids = pa.array(index.astype(str).to_numpy(dtype=object), type=pa.string())
    cols: dict[str, Any] = {id_name: ids}
    for c in assigned.columns:
        s = assigned[c]
        if c == "segment":
            cols[c] = pa.array(s.to_numpy(dtype=np.int64))
        elif c == "n_imputed" or c == "n_missing":
            cols[c] = pa.array(s.to_numpy(dtype=np.int64))
        elif c == "probability":
            cols[c] = pa.array(s.to_numpy(dtype=float))
        else:
            cols[c] = pa.array(s.astype(object).where(s.notna(), None).to_numpy(), type=pa.string())
    table = pa.table(cols)
    suffix = path.suffix.lower()
    with atomic_write(path, inputs) as tmp:
        if suffix == ".parquet":
            import pyarrow.parquet as pq

            pq.write_table(table, tmp)
        elif suffix == ".xlsx":
            if table.num_rows > 1_048_575:
                raise InputFileError(f"cannot write {path}: {table.num_rows} rows exceed Excel's limit; use .csv "
                                     "or .parquet")
            from ..report.xlsx_safe import write_frame_xlsx

            write_frame_xlsx(table.to_pandas(), tmp, sheet="segments")
        else:
            import pyarrow.csv as pcsv

            from ..io.csv_safe import neutralize_arrow_table

            pcsv.write_csv(neutralize_arrow_table(table), tmp)  # ids and names never become formulas

