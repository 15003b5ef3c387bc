"""Drafting a questionnaire from an export: item types, ordered answer scales, option sets, scales.

:func:`draft_questionnaire` reads an export of any supported flavour (Qualtrics 3-row and legacy 2-row,
SurveyMonkey, Google Forms, SPSS ``.sav``, plain CSV/xlsx) and proposes the questionnaire that
``surveytools import`` needs: one item per answer column, typed from its answers, with the answer labels as
codes. Known answer scales (agreement, frequency, satisfaction, likelihood, importance, ratings; Spanish and
English, :mod:`surveytools.io.answer_scales`) are ordered; "don't know" labels become missing; items with
the same labels share one option set; grids (Qualtrics ``Q5_1..Q5_n``, SurveyMonkey and Google Forms grid
blocks) become proposed scales, with reverse-keyed candidates where an item correlates negatively with the
rest of its grid. Every guess is listed (:attr:`QuestionnaireDraft.guesses`) and written as a
``# guessed: ...`` comment in the YAML.
"""

from __future__ import annotations

import os
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml

from ..exceptions import InputFileError
from ..questionnaire import Questionnaire, _as_code, normalize_label
from .answer_scales import KnownScale, is_missing_label, match_scale
from .layout import ID_NAMES, META_NAMES, Layout, SourceColumn, cell_text, detect_layout
from .locale_numbers import NumberFormat, detect_number_format, parse_number
from .sources import Table, open_table

__all__ = ["Guess", "QuestionnaireDraft", "draft_questionnaire", "detect_language"]

_ID = re.compile(r"^[A-Za-z_][A-Za-z0-9_.]*$")
_SPLIT = re.compile(r"^(.+)_(\d+)$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_LEADING = re.compile(r"^\s*(\d{1,2})\s*(?:[-=:.)\u2013\u2014]|\()\s*\S")
_NPS_TEXT = re.compile(r"recomend|recommend|0 (?:a|to|-) ?10|de 0 a 10|0-10", re.I)
_ATTENTION = re.compile(r"(?:marque|seleccione|elija|escoja|pulse|select|choose|mark|pick|click|tick)\b.*?"
                        r"[«\"“'‘]([^»\"”'’]+)[»\"”'’]", re.I | re.S)
_DURATION = re.compile(r"^(duration|duracion|tiempo|time taken|duration \(.*\)|duracion \(.*\))$")
_WEIGHT_NAMES = frozenset({"weight", "weights", "peso", "pesos", "ponderacion", "ponderador", "wt", "wgt", "pond",
                           "factor de ponderacion", "weighting"})
_ID_WORDS = re.compile(r"(^|[\s_])(id|identificador|codigo|code|uuid|token)($|[\s_])")
_DATE = re.compile(r"^\s*(\d{4}-\d{1,2}-\d{1,2}([ T]\d{1,2}:\d{2}(:\d{2})?)?|\d{1,2}[/.-]\d{1,2}[/.-]\d{2,4}"
                   r"( \d{1,2}:\d{2}(:\d{2})?( ?[AP]M)?)?)\s*$", re.I)
_MAX_CATEGORIES = 40
#: a grid is proposed as a scale when its items' correlations have one eigenvalue over 1 and their mean item-rest
#: correlation, reverse keys applied, reaches this; an item correlating negatively with the rest is reverse-keyed
#: (see _keying)
_MIN_ITEM_REST = 0.2


@dataclass(frozen=True)
class Guess:
    """A decision the draft made without certainty.

    Attributes
    ----------
    where
        ``items.<id>``, ``option_sets.<name>``, ``scales.<name>`` or a top-level key.
    message
        What was guessed and why (written as ``# guessed: <message>``).
    """

    where: str
    message: str

    def to_dict(self) -> dict[str, str]:
        """JSON-ready fields."""
        return {"where": self.where, "message": self.message}


@dataclass
class QuestionnaireDraft:
    """A drafted questionnaire and what it guessed.

    Attributes
    ----------
    questionnaire
        The validated draft.
    guesses
        The guesses, in the order of the spec.
    source
        The export read; ``format`` its flavour.
    skipped
        Export columns left out (platform metadata, derived columns), with the reason.
    """

    questionnaire: Questionnaire
    guesses: list[Guess]
    source: str
    format: str
    rows: int
    skipped: dict[str, str] = field(default_factory=dict)
    header_comment: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def comments(self) -> dict[str, list[str]]:
        """Place (``items.<id>``...) -> guess messages."""
        out: dict[str, list[str]] = {}
        for g in self.guesses:
            out.setdefault(g.where, []).append(g.message)
        return out

    def to_yaml(self) -> str:
        """The spec as YAML with ``# guessed: ...`` comments; loads back to :attr:`questionnaire`."""
        q = self.questionnaire
        d = q.to_dict()
        notes = self.comments()
        lines = [f"# {c}" if c else "#" for c in self.header_comment]

        def flow(value: Any) -> str:
            text = yaml.safe_dump(value, default_flow_style=True, allow_unicode=True, sort_keys=False,
                                  width=float("inf"))
            return text.removesuffix("\n...\n").strip()  # a scalar ends with the document-end marker

        def key(k: Any) -> str:
            return flow(k) if not isinstance(k, str) or not _ID.match(k) else k

        def comment(where: str) -> str:
            msgs = notes.get(where)
            return "  # guessed: " + "; ".join(msgs) if msgs else ""

        for top in ("title", "language", "respondent_id", "weight"):
            if top in d:
                lines.append(f"{top}: {flow(d[top])}{comment(top)}")
        if d.get("option_sets"):
            lines += ["", "option_sets:"]
            for name, spec in d["option_sets"].items():
                lines.append(f"  {key(name)}:{comment('option_sets.' + name)}")
                for k, v in spec.items():
                    lines.append(f"    {k}: {flow(v)}")
        lines += ["", "items:"]
        for iid, spec in d["items"].items():
            lines.append(f"  {key(iid)}: {flow(spec)}{comment('items.' + iid)}")
        if d.get("scales"):
            lines += ["", "# scales proposed from the question blocks (grids); a leading '-' marks a reverse-keyed item",
                      "scales:"]
            for name, spec in d["scales"].items():
                lines.append(f"  {key(name)}: {flow(spec)}{comment('scales.' + name)}")
        if d.get("quality"):
            lines += ["", "quality:"]
            for k, v in d["quality"].items():
                lines.append(f"  {k}: {flow(v)}{comment('quality.' + k)}")
        return "\n".join(lines) + "\n"

    def write(self, path: str | os.PathLike[str], inputs: Sequence[str | os.PathLike[str]] = ()) -> str:
        """Write the YAML atomically (never over an input); returns the path written."""
        from .atomic import atomic_write

        with atomic_write(path, inputs=[self.source, *inputs]) as tmp:
            Path(tmp).write_text(self.to_yaml(), encoding="utf-8")
        return str(path)

    def to_dict(self) -> dict[str, Any]:
        """The ``--json`` object: ``items``, ``option_sets``, ``guesses`` and the rest."""
        q = self.questionnaire
        items = {}
        for iid, it in q.items.items():
            entry: dict[str, Any] = {"type": it.type, "column": it.column or iid, "text": it.text}
            if it.options:
                entry["options"] = it.options
            items[iid] = entry
        return {
            "source": self.source, "format": self.format, "rows": self.rows, "language": q.language,
            "respondent_id": q.respondent_id, "weight": q.weight,
            "items": items,
            "option_sets": {k: v.to_dict() for k, v in q.option_sets.items()},
            "scales": {k: v.keys for k, v in q.scales.items()},
            "guesses": [g.to_dict() for g in self.guesses],
            "skipped": dict(self.skipped),
            "notes": list(self.notes),
        }

    def summary(self, lang: str = "en") -> str:
        """What was drafted and the guesses to check (a Summary document rendered by the one text renderer)."""
        from ..summary.sections import summary_text

        return summary_text("draft", self, lang=lang)


# ====================================================================== language

_ES_WORDS = frozenset("de la el en que los las por con una para su del se es muy acuerdo nunca siempre cual "
                      "usted hay mas algo donde como edad genero sexo nada poco bastante zona hombre mujer".split())
_EN_WORDS = frozenset("the of and to you your is in how what which with are this do agree never always very "
                      "much often gender age male female where would likely".split())


def detect_language(texts: Sequence[str]) -> str:
    """``es`` or ``en`` from the words (and ``¿``, ``ñ``) of question texts and answer labels."""
    es = en = 0
    for t in texts:
        if "¿" in t or "ñ" in t.lower():
            es += 2
        for w in re.findall(r"[a-z]+", normalize_label(t)):
            es += w in _ES_WORDS
            en += w in _EN_WORDS
    return "es" if es > en else "en"


# ====================================================================== helpers

def _slug(text: str, limit: int = 32) -> str:
    s = unicodedata.normalize("NFKD", text)
    s = "".join(ch for ch in s if not unicodedata.combining(ch)).lower()
    words = re.findall(r"[a-z0-9]+", s)
    out = ""
    for w in words:
        cand = f"{out}_{w}" if out else w
        if len(cand) > limit and out:
            break
        out = cand[:limit]
    if not out:
        out = "item"
    if not re.match(r"[a-z_]", out):
        out = "q" + out
    return out


def _number(v: Any) -> float | None:
    if isinstance(v, (bool, np.bool_)):
        return None
    if isinstance(v, (int, float, np.integer, np.floating)):
        f = float(v)
        return None if f != f else f
    if isinstance(v, str):
        c = _as_code(v)
        return None if c is None else float(c)
    return None


def _number_key(label: str) -> tuple[float, ...] | None:
    """Numbers in a label ("De 1.500 a 2.499 €" -> (1500, 2499)), thousands dots and commas removed."""
    nums = re.findall(r"\d+(?:[.,]\d{3})*(?:[.,]\d+)?", label)
    if not nums:
        return None
    out = []
    for n in nums:
        if re.fullmatch(r"\d{1,3}(?:[.,]\d{3})+", n):
            n = re.sub(r"[.,]", "", n)
        out.append(float(n.replace(",", ".")))
    return tuple(out)


@dataclass
class _Column:
    col: SourceColumn
    values: list[Any]          # distinct non-blank values
    counts: np.ndarray         # answers per value
    answered: int
    value_labels: dict[Any, str] | None
    missing_codes: list[float]


@dataclass
class _ItemDraft:
    id: str
    col: SourceColumn
    spec: dict[str, Any]
    block: str | None = None
    labels: dict[float, str] | None = None   # coded items: code -> label
    missing: tuple[Any, ...] = ()
    aliases: dict[str, float] = field(default_factory=dict)
    known: KnownScale | None = None
    guesses: list[str] = field(default_factory=list)
    block_cols: list[SourceColumn] = field(default_factory=list)


# ====================================================================== the drafter

class _Drafter:
    def __init__(self, table: Table, layout: Layout, lang: str | None) -> None:
        self.table = table
        self.layout = layout
        self.lang_override = lang
        self.guesses: list[Guess] = []
        self.skipped: dict[str, str] = {}
        self.ids: set[str] = set()
        self.incoherent: list[str] = []
        self.fmt = NumberFormat()

    # -------------------------------------------------------------- reading
    def read(self) -> tuple[list[_Column], Any, int]:
        from .importer import _read_cells

        width = self.table.width
        cells, n_rows = _read_cells(self.table, self.layout, list(range(width)))
        missing = _sav_missing(self.table) if self.table.kind == "sav" else {}
        if self.table.kind == "csv":
            self.fmt = detect_number_format(cells.uniques.tolist(), delimiter=self.table.delimiter)
        keep = ~cells.blank[cells.ids].all(axis=1) if width else np.ones(n_rows, dtype=bool)
        ids = cells.ids[keep]
        cols = []
        for c in self.layout.columns:
            col_ids = ids[:, cells.pos[c.index]]
            counts = np.bincount(col_ids + 1, minlength=len(cells.uniques) + 1)[1:]
            present = np.flatnonzero(counts[:-1])
            present = present[~cells.blank[present]]
            values = cells.uniques[present].tolist()
            cols.append(_Column(c, values, counts[present], int(counts[present].sum()),
                                self.table.value_labels.get(c.index), missing.get(c.index, [])))
        return cols, (cells, ids), int(keep.sum())

    def num(self, v: Any) -> float | None:
        """A cell as a number, in the file's number format ("1.234,56" in a Spanish-locale CSV)."""
        if self.fmt != NumberFormat() and isinstance(v, str):
            x = parse_number(v, self.fmt)
            if x is not None:
                return x
        return _number(v)

    def unique_id(self, base: str) -> str:
        iid = base
        k = 2
        while iid.casefold() in self.ids:
            iid = f"{base}_{k}"
            k += 1
        self.ids.add(iid.casefold())
        return iid

    def column_ref(self, c: SourceColumn) -> str:
        """How the spec names the column: its name when that is unique, else its full text."""
        cols = self.layout.columns
        if c.name and not (c.sub and c.name == c.question):
            if sum(1 for o in cols if o.name == c.name) == 1 and \
                    sum(1 for o in cols if o.name and normalize_label(o.name) == normalize_label(c.name)) == 1:
                return c.name
        return c.text

    # -------------------------------------------------------------- typing one column
    def item_id(self, c: SourceColumn) -> str:
        if c.name and _ID.match(c.name) and self.layout.flavour in ("qualtrics", "spss", "plain", "parquet") \
                and len(c.name) <= 40:
            return self.unique_id(c.name)
        return self.unique_id(_slug(c.sub or c.text or c.name))

    def classify(self, k: _Column, n: int) -> _ItemDraft | None:
        c = k.col
        text = c.sub or c.text or c.name
        iid = self.item_id(c)
        spec: dict[str, Any] = {"text": text} if text and text != iid else {}
        ref = self.column_ref(c)
        if ref != iid:
            spec["column"] = ref
        d = _ItemDraft(iid, c, spec, block=_block_key(c, self.layout))
        values = k.values
        if not values:
            spec["type"] = "text"
            d.guesses.append("no answers in the export: typed as open text")
            return d
        if k.value_labels:
            return self._labelled(d, k)
        nums = [self.num(v) for v in values]
        if all(x is not None for x in nums):
            return self._numeric(d, k, [float(x) for x in nums if x is not None], n)
        texts = [cell_text(v) for v in values]
        return self._textual(d, k, texts, nums, n)

    def _labelled(self, d: _ItemDraft, k: _Column) -> _ItemDraft:
        vl = {float(v): str(lab) for v, lab in k.value_labels.items() if _number(v) is not None}
        used = {float(x) for x in (_number(v) for v in k.values) if x is not None}
        unlabelled = sorted(used - set(vl))
        if unlabelled:
            for u in unlabelled:
                vl[u] = str(int(u)) if u.is_integer() else str(u)
            d.guesses.append(f"codes {', '.join(cell_text(u) for u in unlabelled)} have no value label: "
                             "labelled with their numbers")
        missing = list(k.missing_codes)   # SPSS user-missing codes
        missing += [c for c, lab in vl.items() if is_missing_label(lab) and c not in missing]
        d.labels = dict(sorted(vl.items()))
        d.missing = tuple(int(m) if float(m).is_integer() else m for m in missing)
        valid = [lab for c, lab in d.labels.items() if c not in set(missing)]
        d.known = match_scale(valid)
        d.spec["type"] = "likert" if d.known is not None else "categorical"
        return d

    def _numeric(self, d: _ItemDraft, k: _Column, nums: list[float], n: int) -> _ItemDraft:
        c = d.col
        ints = all(x.is_integer() for x in nums)
        lo, hi = min(nums), max(nums)
        text = c.text or ""
        if ints and 0 <= lo and hi <= 10 and (_NPS_TEXT.search(text) or (lo == 0 and hi == 10)):
            d.spec["type"] = "nps"
            if not _NPS_TEXT.search(text):
                d.guesses.append("whole numbers 0-10: read as an NPS question (0..10)")
            return d
        if ints and d.block is not None and 1 <= hi - lo + 1 <= 11 and lo >= 0 and len(nums) >= 2:
            d.labels = {float(x): str(int(x)) for x in range(int(lo), int(hi) + 1)}
            d.spec["type"] = "likert"
            d.guesses.append(f"whole numbers {int(lo)}-{int(hi)} in a grid: read as a Likert item coded "
                             f"{int(lo)}..{int(hi)}; add the answer labels")
            return d
        d.spec["type"] = "numeric"
        if ints and len(nums) <= 7:
            d.guesses.append(f"{len(nums)} whole numbers ({cell_text(lo)}-{cell_text(hi)}) without labels: "
                             "read as numeric; if it is a coded question give it codes")
        return d

    def _textual(self, d: _ItemDraft, k: _Column, texts: list[str], nums: list[float | None],
                 n: int) -> _ItemDraft:
        c = d.col
        stripped = [t.strip() for t in texts]
        # NPS with anchors: "0 - Not at all likely", "5", "10 - Extremely likely"
        lead = [x if x is not None else (float(m.group(1)) if (m := _LEADING.match(t)) else None)
                for x, t in zip(nums, stripped, strict=True)]
        if all(x is not None and x.is_integer() and 0 <= x <= 10 for x in lead) and \
                (_NPS_TEXT.search(c.text or "") or max(lead) == 10):  # type: ignore[type-var]
            d.spec["type"] = "nps"
            return d
        n_answers = k.answered
        if sum(1 for t in stripped if _EMAIL.match(t)) >= 0.9 * len(stripped):
            d.spec["type"] = "email"
            return d
        if all(_DATE.match(t) for t in stripped):
            d.spec["type"] = "date"
            return d
        name = normalize_label(c.name or c.text)
        if len(stripped) == n_answers and n_answers >= 5 and _ID_WORDS.search(name):
            d.spec["type"] = "id"
            return d
        multi = _multi_labels(stripped)
        if multi is not None:
            d.spec["type"] = "multi"
            d.labels = {float(i + 1): lab for i, lab in enumerate(multi)}
            d.guesses.append("answers joined by commas: read as a multiple-choice question")
            return d
        n_distinct = len(stripped)
        if n_distinct <= _MAX_CATEGORIES and (n_distinct <= max(2, 0.5 * n_answers)) \
                and max(len(t) for t in stripped) <= 120:
            return self._coded(d, stripped, k)
        d.spec["type"] = "text"
        return d

    def _coded(self, d: _ItemDraft, labels: list[str], k: _Column) -> _ItemDraft:
        missing = [lab for lab in labels if is_missing_label(lab)]
        valid = [lab for lab in labels if not is_missing_label(lab)]
        known = match_scale(valid)
        if known is not None:
            pos = known.position()
            by_point: dict[int, list[str]] = {}
            for lab in valid:
                by_point.setdefault(pos[normalize_label(lab)], []).append(lab)
            codes: dict[float, str] = {}
            for p, syn in enumerate(known.points):
                seen = by_point.get(p)
                codes[float(p + 1)] = seen[0] if seen else syn[0]
                for extra in (seen or [])[1:]:
                    d.aliases[extra] = float(p + 1)
            unseen = [syn[0] for p, syn in enumerate(known.points) if p not in by_point]
            if unseen:
                d.guesses.append(f"ordered as a {known.size}-point {known.family} scale; not chosen by anyone: "
                                 + ", ".join(unseen))
            d.known = known
            d.labels = codes
            d.spec["type"] = "likert"
        else:
            keys = [_number_key(lab) for lab in valid]
            if valid and all(x is not None for x in keys) and len(set(keys)) == len(keys):
                order = sorted(range(len(valid)), key=lambda i: keys[i])  # type: ignore[arg-type,return-value]
                d.guesses.append("categories ordered by the numbers in their labels")
            else:
                cnt = {cell_text(v).strip(): int(c) for v, c in zip(k.values, k.counts, strict=True)}
                order = sorted(range(len(valid)), key=lambda i: (-cnt.get(valid[i], 0), normalize_label(valid[i])))
            d.labels = {float(j + 1): valid[i] for j, i in enumerate(order)}
            d.spec["type"] = "categorical"
        d.missing = tuple(missing)
        return d

    # -------------------------------------------------------------- blocks of one-column-per-option
    def multi_blocks(self, cols: list[_Column]) -> dict[int, list[_Column]]:
        """Columns of split multiple-choice questions (each holds only its option label, or 1), by first index."""
        groups: dict[str, list[_Column]] = {}
        for k in cols:
            key = _block_key(k.col, self.layout)
            if key is not None and k.col.sub:
                groups.setdefault(key, []).append(k)
        out: dict[int, list[_Column]] = {}
        for members in groups.values():
            if len(members) < 2:
                continue
            flags = []
            for k in members:
                vals = {normalize_label(cell_text(v)) for v in k.values}
                sub = normalize_label(k.col.sub or "")
                is_other = bool(re.search(r"other|otro|otra|especifi", sub))
                flags.append(vals <= {sub, "1", "true", "0", "false", "selected"} or (is_other and bool(vals)))
            if all(flags) and sum(1 for k in members if k.values) >= 1 \
                    and any({normalize_label(cell_text(v)) for v in k.values} for k in members):
                out[members[0].col.index] = members
        return out

    # -------------------------------------------------------------- whole export
    def draft(self) -> QuestionnaireDraft:
        cols, _cells, n = self.read()
        table, layout = self.table, self.layout
        top: dict[str, Any] = {}
        quality: dict[str, Any] = {}
        respondent = None
        for k in cols:
            name = normalize_label(k.col.name)
            if name in ID_NAMES and respondent is None:
                respondent = k.col.name
        multi = self.multi_blocks(cols)
        in_multi = {m.col.index for ms in multi.values() for m in ms}
        drafts: list[_ItemDraft] = []
        texts_for_lang: list[str] = []
        for k in cols:
            c = k.col
            name = normalize_label(c.name)
            if c.index in in_multi:
                if c.index in multi:
                    drafts.append(self._multi_block(multi[c.index]))
                continue
            if not c.name and not c.text:
                if k.values:
                    self.skipped[c.letter] = "no header"
                continue
            if respondent is not None and c.name == respondent:
                continue
            if name in _WEIGHT_NAMES and all(self.num(v) is not None for v in k.values) and "weight" not in top:
                top["weight"] = self.column_ref(c)
                continue
            if (_DURATION.match(name) or name == "duration (in seconds)") and "duration" not in quality \
                    and all(self.num(v) is not None for v in k.values):
                quality["duration"] = c.name or c.text
                continue
            if name in META_NAMES:
                self.skipped[c.display()] = "platform column (kept as metadata by import)"
                continue
            if re.search(r"_NPS_GROUP$", c.name or "", re.I):
                self.skipped[c.display()] = "derived by the platform (NPS group of the NPS question)"
                continue
            if respondent is None and layout.flavour in ("plain", "spss", "parquet") and \
                    (_ID_WORDS.search(name) or name in ("id", "respondent", "encuestado")) and \
                    len(k.values) == n and n > 0:
                respondent = c.name
                top["respondent_id"] = c.name
                self.guesses.append(Guess("respondent_id", f"column {c.name!r} holds a different value per row"))
                continue
            d = self.classify(k, n)
            if d is not None:
                drafts.append(d)
                texts_for_lang.append(c.text or "")
                texts_for_lang += [lab for lab in (d.labels or {}).values()]
        if respondent is not None and "respondent_id" not in top:
            top["respondent_id"] = respondent
        lang = self.lang_override or detect_language(texts_for_lang)
        option_sets = self._share_option_sets(drafts, lang)
        self._attention(drafts, option_sets)
        items = {}
        for d in drafts:
            items[d.id] = d.spec
            for g in d.guesses:
                self.guesses.append(Guess(f"items.{d.id}", g))
        scales = self._scales(drafts, _cells, cols)
        spec: dict[str, Any] = {"title": f"Draft from {Path(str(table.path)).name}", "language": lang, **top}
        if option_sets:
            spec["option_sets"] = option_sets
        spec["items"] = items
        if scales:
            spec["scales"] = scales
        batteries = self._batteries(drafts)
        if batteries:
            quality["batteries"] = batteries
        if quality:
            spec["quality"] = quality
        if not items:
            raise InputFileError(f"{table.describe()}: no answer columns found (only platform columns); check that "
                                 "this is the export with the responses")
        q = Questionnaire.from_dict(spec, path=None)
        order = {f"items.{i}": j for j, i in enumerate(items)}
        self.guesses.sort(key=lambda g: (0 if not g.where.startswith(("option_sets", "items", "scales")) else
                                         1 if g.where.startswith("option_sets") else
                                         2 + order.get(g.where, len(order)) if g.where.startswith("items")
                                         else 3 + len(order)))
        header = [f"Questionnaire drafted by 'surveytools init' from {Path(str(table.path)).name} "
                  f"({layout.flavour}, {n:,} responses).",
                  "Check the lines marked 'guessed', then: surveytools import EXPORT -q THIS_FILE -o clean.parquet"]
        notes = []
        if self.incoherent:
            notes.append("grids not proposed as scales (their items measure several things, or barely correlate; "
                         "group the items into scales by hand): " + ", ".join(self.incoherent))
            header.append(notes[-1][0].upper() + notes[-1][1:])
        if self.skipped:
            header.append("Columns left out: " + ", ".join(list(self.skipped)[:12])
                          + (" ..." if len(self.skipped) > 12 else ""))
        return QuestionnaireDraft(q, self.guesses, str(table.path), layout.flavour, n, self.skipped, header, notes)

    def _multi_block(self, members: list[_Column]) -> _ItemDraft:
        first = members[0].col
        key = _block_key(first, self.layout) or first.name
        if self.layout.flavour == "qualtrics" and (m := _SPLIT.match(first.name)):
            iid = self.unique_id(m.group(1))
        else:
            iid = self.unique_id(_slug(first.question or first.text))
        labels = {float(j + 1): (k.col.sub or k.col.name) for j, k in enumerate(members)}
        spec: dict[str, Any] = {"text": first.question or key, "type": "multi"}
        d = _ItemDraft(iid, first, spec, labels=labels, block_cols=[k.col for k in members])
        d.guesses.append(f"{len(members)} columns, one per option: read as a multiple-choice question")
        return d

    def _share_option_sets(self, drafts: list[_ItemDraft], lang: str) -> dict[str, Any]:
        """Items with the same codes, missing labels and aliases share one named option set."""
        groups: dict[tuple[Any, ...], list[_ItemDraft]] = {}
        for d in drafts:
            if d.labels is None:
                continue
            # labels meaning "no answer" are pooled: an item where nobody said "No sé" shares the set
            numeric_missing = tuple(m for m in d.missing if not isinstance(m, str))
            key = (tuple(d.labels.items()), numeric_missing, tuple(sorted(d.aliases.items())), d.spec.get("type"))
            groups.setdefault(key, []).append(d)
        option_sets: dict[str, Any] = {}
        names: set[str] = set()
        for (_, _, _, itype), members in groups.items():
            first = members[0]
            codes = {(int(c) if float(c).is_integer() else c): lab for c, lab in first.labels.items()}  # type: ignore[union-attr]
            body: dict[str, Any] = {"codes": codes}
            missing: list[Any] = []
            for d in members:
                missing += [m for m in d.missing if m not in missing]
            if missing:
                body["missing"] = missing
            labels_missing = [m for m in missing if isinstance(m, str)]
            note = ("read as 'no answer': " + ", ".join(labels_missing)) if labels_missing else None
            if first.aliases:
                body["aliases"] = {a: int(c) for a, c in first.aliases.items()}
            if itype == "likert" and (len(members) > 1 or first.known is not None):
                base = first.known.name() if first.known is not None else \
                    ("escala" if lang == "es" else "scale") + str(len(codes))
                name = base
                j = 2
                while name in names:
                    name = f"{base}_{j}"
                    j += 1
                names.add(name)
                option_sets[name] = body
                if first.known is not None:
                    self.guesses.append(Guess(f"option_sets.{name}", f"ordered as a known {first.known.family} scale"
                                              f" ({first.known.size} points, lowest first)"))
                if note:
                    self.guesses.append(Guess(f"option_sets.{name}", note))
                for d in members:
                    d.spec["options"] = name
                    d.spec.pop("type", None)
            else:
                for d in members:
                    if note:
                        d.guesses.append(note)
                    d.spec["codes"] = dict(codes)
                    if "missing" in body:
                        d.spec["missing"] = list(body["missing"])
                    if itype == "multi" or itype == "categorical":
                        d.spec["type"] = itype
        return option_sets

    def _attention(self, drafts: list[_ItemDraft], option_sets: dict[str, Any]) -> None:
        for d in drafts:
            if d.labels is None or d.spec.get("type", "likert") != "likert":
                continue
            m = _ATTENTION.search(d.spec.get("text") or d.col.text or "")
            if not m:
                continue
            want = normalize_label(m.group(1))
            for code, lab in d.labels.items():
                if normalize_label(lab) == want:
                    d.spec["expect"] = int(code) if float(code).is_integer() else code
                    d.guesses.append(f"attention check: the text asks for {m.group(1)!r} (code {cell_text(code)})")
                    break

    def _batteries(self, drafts: list[_ItemDraft]) -> dict[str, list[str]]:
        """Grids of four or more Likert items, as respondents saw them (for the straightlining check)."""
        grids: dict[str, list[str]] = {}
        for d in drafts:
            if d.block is not None and d.spec.get("options") is not None:
                grids.setdefault(d.block, []).append(d.id)
        out = {}
        for block, ids in grids.items():
            if len(ids) >= 4:
                name = block if _ID.match(block) else _slug(block, 24)
                out[name] = ids
        return out

    def _scales(self, drafts: list[_ItemDraft], cells: Any, cols: list[_Column]) -> dict[str, Any]:
        """Grids of Likert items sharing an option set become proposed scales; negative item-rest correlations
        mark reverse-keyed candidates."""
        cells_obj, ids = cells
        blocks: dict[tuple[str, str], list[_ItemDraft]] = {}
        for d in drafts:
            if d.block is None or d.spec.get("options") is None or "expect" in d.spec:
                continue
            blocks.setdefault((d.block, d.spec["options"]), []).append(d)
        out: dict[str, Any] = {}
        used: set[str] = set()
        for (block, _opts), members in blocks.items():
            if len(members) < 3:
                continue
            name = _slug(block, 24) if not _ID.match(block) else block
            name = f"{name}_scale"
            while name in used or name in self.ids:
                name += "_2"
            used.add(name)
            x = np.column_stack([_codes_of(d, cells_obj, ids) for d in members])
            sign, r = _keying(x)
            n_big = _eigen_over_one(x)
            if n_big > 1 or float(np.mean(r)) < _MIN_ITEM_REST:
                why = f"{n_big} eigenvalues over 1" if n_big > 1 else \
                    f"mean item-rest r {float(np.mean(r)):.2f} with reverse keys"
                self.incoherent.append(f"{block} ({why})")
                used.discard(name)
                continue
            keys = []
            for d, rr, sg in zip(members, r, sign, strict=True):
                rr = rr * sg   # the item as answered, against the rest keyed
                if sg < 0:
                    keys.append("-" + d.id)
                    self.guesses.append(Guess(f"scales.{name}", f"{d.id} reverse-keyed: it correlates "
                                              f"{rr:.2f} with the rest of the grid"))
                else:
                    keys.append(d.id)
            question = members[0].col.question
            out[name] = {"items": keys, "label": question} if question else keys
            self.guesses.append(Guess(f"scales.{name}", "one scale per grid; split it if the grid measures "
                                      "several things"))
        return out


_LETTERS_DIGITS = re.compile(r"^(.*?[A-Za-z])[_.]?(\d+)$")


def _block_key(c: SourceColumn, layout: Layout) -> str | None:
    """The grid a column belongs to: ``Q5`` of ``Q5_1`` (``A`` of psych-style ``A1``, ``reason`` of ``reason.4``
    in plain and SPSS files), or the question of a SurveyMonkey / Google Forms grid row."""
    if layout.flavour in ("qualtrics", "spss", "plain", "parquet") and (m := _SPLIT.match(c.name or "")):
        return m.group(1)
    if layout.flavour in ("spss", "plain", "parquet") and (m := _LETTERS_DIGITS.match(c.name or "")):
        return m.group(1)
    if c.question and c.sub:
        return c.question
    return None


def _multi_labels(values: list[str]) -> list[str] | None:
    """Option labels of a column whose answers join several options with commas, else None."""
    if len(values) < 2 or not any("," in v for v in values):
        return None
    whole = {normalize_label(v): v for v in values}

    def split(v: str, known: dict[str, str]) -> list[str] | None:
        parts = [p.strip() for p in v.split(",")]
        out: list[str] = []
        i = 0
        while i < len(parts):
            for j in range(len(parts), i, -1):
                cand = ", ".join(parts[i:j])
                if normalize_label(cand) in known and not (i == 0 and j == len(parts)):
                    out.append(known[normalize_label(cand)])
                    i = j
                    break
            else:
                return None
        return out

    labels: dict[str, str] = {}
    joined = 0
    for v in values:
        if "," in v and split(v, whole) is not None:
            joined += 1
        else:
            labels[normalize_label(v)] = v
    if joined == 0:
        return None
    # pieces never chosen alone become labels too
    for v in values:
        if "," in v and split(v, labels) is None:
            for p in v.split(","):
                p = p.strip()
                if p and normalize_label(p) not in labels and split(v, labels) is None:
                    labels[normalize_label(p)] = p
    return list(labels.values())


def _codes_of(d: _ItemDraft, cells: Any, ids: np.ndarray) -> np.ndarray:
    """The item's codes per respondent (NaN for blank, missing or unknown)."""
    labels = {normalize_label(lab): c for c, lab in (d.labels or {}).items()}
    labels.update({normalize_label(a): c for a, c in d.aliases.items()})
    miss = {normalize_label(m) for m in d.missing if isinstance(m, str)}
    lut = np.full(len(cells.uniques), np.nan)
    col_ids = ids[:, cells.pos[d.col.index]]
    for g in np.unique(col_ids[col_ids >= 0]).tolist():
        v = cells.uniques[g]
        num = _number(v)
        if num is not None and num in (d.labels or {}):
            lut[g] = num
            continue
        key = normalize_label(cell_text(v))
        if key in labels and key not in miss:
            lut[g] = labels[key]
    out = lut[col_ids]
    out[col_ids < 0] = np.nan
    return out


def _eigen_over_one(x: np.ndarray) -> int:
    """Eigenvalues over 1 of the items' correlation matrix (pairwise complete): the number of dimensions by the
    Kaiser rule (Kaiser 1960); a grid is one scale when it is 1."""
    with np.errstate(invalid="ignore", divide="ignore"):
        corr = pd.DataFrame(x).corr().to_numpy()
    if np.isnan(corr).any():
        return x.shape[1]
    return int((np.linalg.eigvalsh(corr) > 1.0).sum())


def _keying(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Reverse keys of a grid: the item with the most negative item-rest correlation is reversed, one at a time,
    until none correlates negatively with the rest (at most one pass per item).

    Returns the signs (+1, -1 for reversed) and the final item-rest correlations of the keyed items.
    """
    sign = np.ones(x.shape[1])
    for _ in range(x.shape[1]):
        r = _item_rest(x * sign)
        worst = int(np.argmin(r))
        if r[worst] >= 0:
            break
        sign[worst] = -sign[worst]
    r = _item_rest(x * sign)
    if (sign < 0).sum() > x.shape[1] / 2:   # keep the majority as keyed: the reversed items are the minority
        sign = -sign
    return sign, r


def _item_rest(x: np.ndarray) -> np.ndarray:
    """Pearson correlation of each column with the mean of the other columns (pairwise complete rows).

    ``r_i = cor(x_i, mean_{j != i} x_j)`` over the rows where ``x_i`` and at least one other item are answered:
    the corrected item-total correlation of R psych's ``alpha`` (``r.drop``) up to the handling of missing data.
    """
    out = np.zeros(x.shape[1])
    for i in range(x.shape[1]):  # loop over items (a grid has a few dozen at most), vectorized over respondents
        rest = np.delete(x, i, axis=1)
        with np.errstate(invalid="ignore", divide="ignore"):
            m = np.nanmean(np.where(np.isnan(rest).all(axis=1)[:, None], 0.0, rest), axis=1)
        ok = ~np.isnan(x[:, i]) & ~np.isnan(rest).all(axis=1)
        if ok.sum() < 3 or np.std(x[ok, i]) == 0 or np.std(m[ok]) == 0:
            continue
        out[i] = float(np.corrcoef(x[ok, i], m[ok])[0, 1])
    return out


def _sav_missing(table: Table) -> dict[int, list[float]]:
    """User-missing codes of an SPSS file by column position (discrete codes; ranges of up to 20 codes)."""
    import pyreadstat

    try:
        _, meta = pyreadstat.read_sav(str(table.path), metadataonly=True)
    except Exception:  # pyreadstat raises its own ReadstatError; the data were read already
        return {}
    names = [cell_text(v) for v in table.head[0]]
    pos = {n: j for j, n in enumerate(names)}
    out: dict[int, list[float]] = {}
    for col, ranges in (meta.missing_ranges or {}).items():
        if col not in pos:
            continue
        codes: list[float] = []
        for r in ranges:
            lo, hi = r.get("lo"), r.get("hi")
            if isinstance(lo, (int, float)) and isinstance(hi, (int, float)) and hi - lo <= 20:
                codes += [float(v) for v in np.arange(lo, hi + 1)] if lo != hi else [float(lo)]
        out[pos[col]] = codes
    return out


def draft_questionnaire(path: str | os.PathLike[str], *, sheet: str | int | None = None,
                        lang: str | None = None) -> QuestionnaireDraft:
    """Draft a questionnaire from a survey export.

    Parameters
    ----------
    path
        Any export ``surveytools import`` reads (Qualtrics, SurveyMonkey, Google Forms, SPSS, CSV/xlsx).
    sheet
        Worksheet of a workbook.
    lang
        ``es``, ``en``...: the questionnaire's language (default: detected from the texts and labels).

    Returns
    -------
    QuestionnaireDraft
        The validated questionnaire, its guesses, and the YAML with ``# guessed`` comments (:meth:`to_yaml`).

    Raises
    ------
    InputFileError
        The file cannot be read, or holds no answer columns.
    """
    table = open_table(path, sheet)
    try:
        layout = detect_layout(table, Questionnaire())
        if layout.flavour == "plain" and layout.header_rows == 1 and table.kind != "parquet":
            layout = _plain_header(table, layout)
        drafter = _Drafter(table, layout, lang)
        return drafter.draft()
    finally:
        table.close()


def _plain_header(table: Table, layout: Layout) -> Layout:
    """For a plain table without a questionnaire: the header is the first row that fills most columns."""
    from .layout import _grid_columns

    rows = [[cell_text(v) for v in r] for r in table.head]
    filled = [sum(1 for v in r if v) for r in rows]
    if not filled:
        return layout
    best = max(filled)
    start = next(i for i, f in enumerate(filled) if f >= 0.8 * best)
    if start == layout.header_start:
        return layout
    return Layout("plain", start, 1, tuple(_grid_columns(rows[start])))
