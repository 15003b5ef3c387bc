"""Score a file of new respondents or customers with a saved segmentation model (``surveytools assign``).

``segment --save-model`` writes a :class:`~surveytools.segment.model.Segmenter` as JSON; this module reads a
data file, puts its rows on the model's basis and writes their segments (``Segmenter.predict``): the most
probable class for a latent class model (with its posterior ``probability``), the nearest center or most
probable component for the other methods.

Two ways to read the data:

- with a questionnaire (``-q``): the file is read as a survey (clean data or an export; answer labels become
  codes), so any basis works, also scales and factor scores;
- without: a table with one column per basis column (item ids, multi-select options ``<id>_<code>``, or the
  DataFrame columns the model was fitted on) holding codes or numbers, plus an id column. Scales and
  factor scores need the questionnaire.

Rows in = rows assigned + rows excluded (no basis value at all for a latent class model; any basis value
missing for the other methods), each excluded row with its reason.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from ..exceptions import DataError, InputFileError
from ..questionnaire import Questionnaire
from .model import Segmenter

__all__ = ["SegmentAssignResult", "assign_segments", "is_segmentation_model"]


@dataclass(frozen=True)
class SegmentAssignResult:
    """Segments of scored rows: ``frame`` (id index; ``segment``, ``probability``), counts and reasons."""

    frame: pd.DataFrame
    rows_in: int
    excluded: pd.Series
    model: str
    method: str
    id_name: str
    output: str | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def rows_assigned(self) -> int:
        return int(self.frame["segment"].notna().sum())

    @property
    def rows_excluded(self) -> int:
        return int(len(self.excluded))

    def sizes(self) -> dict[str, int]:
        seg = self.frame["segment"].dropna().astype(int)
        return {str(k): int(v) for k, v in seg.value_counts().sort_index().items()}

    def to_dict(self) -> dict[str, Any]:
        return {"model": self.model, "method": self.method, "rows_in": self.rows_in,
                "rows_assigned": self.rows_assigned, "rows_excluded": self.rows_excluded,
                "excluded": {str(k): int(v) for k, v in self.excluded.value_counts().sort_index().items()},
                "sizes": self.sizes(), "output": self.output, "notes": list(self.notes)}

    def summary(self, lang: str = "en") -> str:
        """Text for the terminal: rows assigned and segment sizes (a Summary document rendered by the one
        text renderer)."""
        from ..summary.sections import summary_text

        return summary_text("segment_assign", self, lang=lang)


def _table(data: Path, seg: Segmenter, id_column: str | None, sheet: str | int | None
           ) -> tuple[pd.DataFrame, str]:
    from ..typing_tool.scoring import read_columns

    sources = seg.basis_spec_["sources"]
    needs_q = sorted({src.get("scale", c) for c, src in sources.items() if src["type"] in ("scale", "factor")})
    if needs_q:
        raise DataError(f"the segmentation model's basis uses scale or factor scores ({', '.join(needs_q)}); give "
                        "the questionnaire with -q so they can be scored from the answers")
    candidates = [id_column] if id_column else ["respondent_id", "id", "customer_id"]
    cols, id_found, n = read_columns(data, seg.columns_, id_candidates=candidates, sheet=sheet)
    absent = [c for c in seg.columns_ if c not in cols]
    if absent:
        raise DataError(f"{data}: no column for basis column(s) {', '.join(absent)}; the model needs one column per "
                        "basis column (or give the questionnaire with -q to read a survey export)")
    if id_column and id_found is None:
        raise DataError(f"{data}: no id column {id_column!r}")
    frame = pd.DataFrame({c: cols[c].to_pandas() for c in seg.columns_})
    if id_found is not None:
        frame.index = pd.Index(cols[id_found].to_pandas().astype(str), name=id_found)
    else:
        frame.index = pd.Index([str(i + 1) for i in range(n)], name="row")
    if not frame.index.is_unique:
        dup = frame.index[frame.index.duplicated()].unique()[:5]
        raise DataError(f"{data}: ids are not unique ({', '.join(map(str, dup))}); fix the id column")
    for c in seg.columns_:
        if sources.get(c, {}).get("labels") is not None or pd.api.types.is_numeric_dtype(frame[c]):
            continue
        num = pd.to_numeric(frame[c], errors="coerce")
        bad = frame[c].notna() & num.isna()
        if bad.any():
            raise DataError(f"{data}: column {c!r} holds text ({frame[c][bad].iloc[0]!r}, row id "
                            f"{frame.index[bad][0]}); give the questionnaire with -q to map answer labels to codes")
        frame[c] = num
    return frame, str(frame.index.name)


def assign_segments(data: str | os.PathLike[str], model: str | os.PathLike[str] | Segmenter,
                    output: str | os.PathLike[str] | None = None, *, questionnaire: Questionnaire | None = None,
                    id_column: str | None = None, sheet: str | int | None = None,
                    excluded_output: str | os.PathLike[str] | None = None) -> SegmentAssignResult:
    """Segments of the rows of ``data`` under a saved segmentation model (module notes).

    Raises
    ------
    InputFileError
        Unreadable data or model, an output that would overwrite an input, an unsupported output suffix.
    DataError
        Basis columns missing from the data, text where codes are needed (without ``-q``), duplicate ids.
    """
    from ..io.atomic import check_output_path
    from ..io.tables import write_table

    seg = model if isinstance(model, Segmenter) else Segmenter.load(model)
    data_p = Path(data)
    model_s = "(in memory)" if isinstance(model, Segmenter) else str(model)
    inputs = [str(data_p)] + ([] if isinstance(model, Segmenter) else [str(model)])
    for out in (output, excluded_output):
        if out is not None:
            check_output_path(out, inputs)
            if Path(out).suffix.lower() not in (".csv", ".parquet", ".xlsx"):
                raise InputFileError(f"cannot write {out}: use a .csv, .parquet or .xlsx file name")
    if questionnaire is not None:
        from ..io import load_survey

        survey = load_survey(data_p, questionnaire, sheet=sheet)
        pred = seg.predict(survey)
        id_name = survey.id_name
    else:
        frame, id_name = _table(data_p, seg, id_column, sheet)
        pred = seg.predict(frame)
    method = seg.method_.name
    missing = pred["segment"].isna().to_numpy()
    reason = "no answer to any basis item" if method == "latent-class" else "a basis value is missing"
    excluded = pd.Series(reason, index=pred.index[missing], name="reason", dtype=object)
    assigned = pred[~missing].copy()
    assigned["segment"] = assigned["segment"].astype(int)
    notes: list[str] = []
    if method == "latent-class":
        notes.append("answer codes the model never saw count as missing answers")
    out_s = None
    if output is not None:
        table = assigned.copy()
        table.index = table.index.astype(str)
        table.index.name = id_name
        out_s = str(write_table(table.reset_index(), output, inputs=inputs, what="the segments"))
    if excluded_output is not None:
        ex = excluded.rename_axis(id_name).reset_index()
        write_table(ex, excluded_output, inputs=inputs, what="the excluded rows")
    return SegmentAssignResult(frame=pred, rows_in=int(len(pred)), excluded=excluded, model=model_s, method=method,
                               id_name=id_name, output=out_s, notes=notes)


def is_segmentation_model(path: str | os.PathLike[str]) -> bool:
    """Whether a model file is a saved segmentation (rather than a typing tool)."""
    import json

    p = Path(path)
    try:
        head = json.loads(p.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        return False
    return isinstance(head, dict) and head.get("format") == "surveytools.segmenter"

