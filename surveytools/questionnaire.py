"""Questionnaire specs: items, answer scales, reverse keys, missing codes and scales.

A questionnaire is written in YAML (see ``docs/questionnaire.md``) and loaded with
:func:`load_questionnaire`. Validation collects every problem before failing and names the file, line
and key of each, so a spec is fixed in one pass. :meth:`Questionnaire.to_dict` and
:func:`dump_questionnaire` write a spec that loads back to an equal object.

Answer labels are matched case-, accent- and whitespace-insensitively (see :func:`normalize_label`):
"Totalmente de acuerdo", "totalmente  de ACUERDO" and "Totalmente de acuerdo " are one label.
"""

from __future__ import annotations

import math
import os
import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from .exceptions import InputFileError, QuestionnaireError

__all__ = [
    "ITEM_TYPES",
    "OptionSet",
    "Item",
    "Scale",
    "QualitySettings",
    "Questionnaire",
    "load_questionnaire",
    "dump_questionnaire",
    "load_yaml",
    "normalize_label",
]

#: Item types a questionnaire may declare.
ITEM_TYPES: tuple[str, ...] = (
    "likert",
    "numeric",
    "categorical",
    "multi",
    "nps",
    "text",
    "email",
    "id",
    "date",
)
#: Types whose answers are numeric codes.
CODED_TYPES = frozenset({"likert", "categorical", "multi", "nps"})

_WS = re.compile(r"\s+")
_QUOTES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u201c": '"', "\u201d": '"', "\u00a0": " "})


def normalize_label(text: Any) -> str:
    """Fold a label for matching: case, accents, typographic quotes and runs of white space.

    Parameters
    ----------
    text
        A label, column header or question text (non-strings are converted with ``str``).

    Returns
    -------
    str
        The folded text.

    Examples
    --------
    >>> normalize_label("  Totalmente  de ACUERDO ")
    'totalmente de acuerdo'
    >>> normalize_label("Está en desacuerdo") == normalize_label("esta en desacuerdo")
    True
    """
    s = str(text).translate(_QUOTES)
    s = unicodedata.normalize("NFKD", s)
    s = "".join(ch for ch in s if not unicodedata.combining(ch))
    return _WS.sub(" ", s).strip().casefold()


def _as_code(value: Any) -> int | float | None:
    """Return ``value`` as a numeric code (int when integral), or None when it is not a number."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        if math.isnan(value):
            return None
        return int(value) if value.is_integer() else value
    if isinstance(value, str):
        try:
            f = float(value.strip().replace(",", "."))
        except ValueError:
            return None
        if math.isnan(f):
            return None
        return int(f) if f.is_integer() else f
    return None


@dataclass(frozen=True)
class OptionSet:
    """A named answer scale: codes with their labels, plus codes or labels that mean "no answer".

    Parameters
    ----------
    name
        The option set's name (the key under ``option_sets``), or ``"<item>"`` for inline codes.
    codes
        Valid answer codes, in order, each with its label.
    missing
        Codes (numbers) or labels that mean "no answer" or "don't know"; imported as missing.
    aliases
        Extra labels for codes (another language, a platform's wording): label -> code.
    """

    name: str
    codes: Mapping[int | float, str]
    missing: tuple[Any, ...] = ()
    aliases: Mapping[str, int | float] = field(default_factory=dict)

    @property
    def text_codes(self) -> bool:
        """Whether the codes are text (``{F: Femenino, M: Masculino}``: categorical items only)."""
        return any(isinstance(c, str) for c in self.codes)

    @property
    def valid_codes(self) -> tuple[Any, ...]:
        """The valid codes in ascending order (missing codes excluded); text codes in the spec's order."""
        miss = set(self.missing_codes)
        if self.text_codes:
            return tuple(c for c in self.codes if c not in miss)
        return tuple(sorted(c for c in self.codes if c not in miss))

    @property
    def min(self) -> float:
        """Lowest valid code."""
        return float(min(self.valid_codes))

    @property
    def max(self) -> float:
        """Highest valid code."""
        return float(max(self.valid_codes))

    @property
    def missing_codes(self) -> tuple[Any, ...]:
        """The numeric entries of ``missing`` (numbers, or text that is a number); for text codes, the entries
        of ``missing`` that are codes."""
        if self.text_codes:
            return tuple(m for m in self.missing if isinstance(m, str) and m in self.codes)
        return tuple(c for c in (_as_code(m) for m in self.missing) if c is not None)

    @property
    def missing_labels(self) -> frozenset[str]:
        """The normalized text entries of ``missing`` plus labels of missing codes."""
        labels = {normalize_label(m) for m in self.missing
                  if isinstance(m, str) and _as_code(m) is None and m not in self.codes}
        for c in self.missing_codes:
            if c in self.codes:
                labels.add(normalize_label(self.codes[c]))
        return frozenset(labels)

    def label_map(self) -> dict[str, int | float | None]:
        """Normalized label -> code (None for labels that mean "no answer")."""
        out: dict[str, int | float | None] = {}
        for code, label in self.codes.items():
            out[normalize_label(label)] = code
        for label, code in self.aliases.items():
            out[normalize_label(label)] = code
        missing_codes = set(self.missing_codes)
        for key, code in list(out.items()):
            if code in missing_codes:
                out[key] = None
        for lab in self.missing_labels:
            out[lab] = None
        return out

    def to_dict(self) -> dict[str, Any]:
        """The option set as it is written in YAML."""
        d: dict[str, Any] = {"codes": dict(self.codes)}
        if self.missing:
            d["missing"] = list(self.missing)
        if self.aliases:
            d["aliases"] = dict(self.aliases)
        return d


@dataclass(frozen=True)
class Item:
    """One question (or one row of a grid question).

    Parameters
    ----------
    id
        The item's id: the column name in clean data.
    text
        The question text (used to find the column in exports and to label reports).
    type
        One of :data:`ITEM_TYPES`.
    options
        Name of the item's option set, for Likert items sharing a scale.
    codes
        Inline codes (categorical, multi, or a Likert item with its own scale).
    missing
        Inline missing codes or labels (added to those of the option set).
    column
        The column that holds the item in the export, when it is neither the id nor the text.
    expect
        For an attention check: the expected answer code (or codes).
    range
        For a numeric item: the valid ``(min, max)``.
    """

    id: str
    text: str | None = None
    type: str = "likert"
    options: str | None = None
    codes: Mapping[int | float, str] | None = None
    missing: tuple[Any, ...] = ()
    column: str | None = None
    expect: tuple[int | float, ...] | None = None
    range: tuple[float, float] | None = None

    def to_dict(self) -> dict[str, Any]:
        """The item as it is written in YAML."""
        d: dict[str, Any] = {}
        if self.text is not None:
            d["text"] = self.text
        if not (self.type == "likert" and self.options is not None):
            d["type"] = self.type
        for key in ("options", "column"):
            val = getattr(self, key)
            if val is not None:
                d[key] = val
        if self.codes is not None:
            d["codes"] = dict(self.codes)
        if self.missing:
            d["missing"] = list(self.missing)
        if self.expect is not None:
            d["expect"] = list(self.expect) if len(self.expect) > 1 else self.expect[0]
        if self.range is not None:
            d["range"] = list(self.range)
        return d


@dataclass(frozen=True)
class Scale:
    """A multi-item measure.

    Parameters
    ----------
    name
        The scale's name.
    items
        Item ids in spec order.
    reversed
        Ids of the reverse-keyed items (written with a leading ``-`` in YAML).
    label
        Optional display name.
    """

    name: str
    items: tuple[str, ...]
    reversed: frozenset[str] = frozenset()
    label: str | None = None

    @property
    def keys(self) -> list[str]:
        """psych-style keys: item ids with a leading ``-`` on reverse-keyed items."""
        return [("-" + i) if i in self.reversed else i for i in self.items]

    def to_yaml(self) -> Any:
        """The scale as written in YAML (a list of keys, or a mapping when it has a label)."""
        if self.label is None:
            return self.keys
        return {"items": self.keys, "label": self.label}


@dataclass(frozen=True)
class QualitySettings:
    """Data-quality rules declared in the spec (section ``quality``).

    Parameters
    ----------
    duration
        Column (in the export) or numeric item with the interview duration in seconds.
    speeder_fraction
        A respondent whose duration is under this fraction of the median is a speeder.
    min_answered
        A respondent who answered fewer than this share of the coded items is a partial response.
    straightline_min_items
        Batteries shorter than this are not checked for straightlining.
    batteries
        Named groups of items checked for straightlining (default: the scales).
    exclude
        Flag codes that leave a respondent out of every stage after ``quality`` (default None: the documented
        default codes, :data:`surveytools.quality.DEFAULT_EXCLUDE`; an empty list keeps everyone). The codes
        are checked by the quality stage.
    """

    duration: str | None = None
    speeder_fraction: float = 0.4
    min_answered: float = 0.5
    straightline_min_items: int = 4
    batteries: Mapping[str, tuple[str, ...]] | None = None
    exclude: tuple[str, ...] | None = None

    def to_dict(self) -> dict[str, Any]:
        """The settings as written in YAML (defaults left out)."""
        d: dict[str, Any] = {}
        default = QualitySettings()
        for key in ("duration", "speeder_fraction", "min_answered", "straightline_min_items"):
            if getattr(self, key) != getattr(default, key):
                d[key] = getattr(self, key)
        if self.batteries is not None:
            d["batteries"] = {k: list(v) for k, v in self.batteries.items()}
        if self.exclude is not None:
            d["exclude"] = list(self.exclude)
        return d


@dataclass(frozen=True)
class Questionnaire:
    """A validated questionnaire spec.

    Build one with :func:`load_questionnaire` (from YAML) or :meth:`from_dict`; both validate.

    Attributes
    ----------
    items
        Item id -> :class:`Item`, in spec order.
    option_sets
        Option-set name -> :class:`OptionSet`.
    scales
        Scale name -> :class:`Scale`.
    """

    title: str | None = None
    language: str = "en"
    respondent_id: str | None = None
    weight: str | None = None
    option_sets: Mapping[str, OptionSet] = field(default_factory=dict)
    items: Mapping[str, Item] = field(default_factory=dict)
    scales: Mapping[str, Scale] = field(default_factory=dict)
    quality: QualitySettings = field(default_factory=QualitySettings)
    path: str | None = field(default=None, compare=False)

    # ---------------------------------------------------------------- construction
    @classmethod
    def from_dict(cls, data: Mapping[str, Any], path: str | os.PathLike[str] | None = None,
                  lines: Mapping[tuple[Any, ...], int] | None = None) -> Questionnaire:
        """Validate a spec given as a mapping (as loaded from YAML) and build the questionnaire.

        Parameters
        ----------
        data
            The spec.
        path
            The file it came from (used in messages).
        lines
            Optional key path -> line number, to point messages at lines.

        Raises
        ------
        QuestionnaireError
            With every problem found in ``problems``.
        """
        return _Builder(data, path, lines or {}).build()

    # ---------------------------------------------------------------- queries
    def option_set(self, item_id: str) -> OptionSet | None:
        """The answer scale of an item: its named option set merged with inline codes and missing."""
        item = self.items[item_id]
        base = self.option_sets.get(item.options) if item.options else None
        if base is None and item.codes is None:
            if item.type == "nps":
                return OptionSet(name="nps", codes={i: str(i) for i in range(11)}, missing=item.missing)
            return None
        codes = dict(item.codes) if item.codes is not None else dict(base.codes)  # type: ignore[union-attr]
        missing = tuple(base.missing if base else ()) + tuple(item.missing)
        aliases = dict(base.aliases) if base else {}
        return OptionSet(name=base.name if base else item.id, codes=codes, missing=missing, aliases=aliases)

    def items_of_type(self, *types: str) -> list[str]:
        """Ids of the items of the given types, in spec order."""
        return [i for i, it in self.items.items() if it.type in types]

    @property
    def likert_items(self) -> list[str]:
        """Ids of the Likert items, in spec order."""
        return self.items_of_type("likert")

    @property
    def attention_items(self) -> list[str]:
        """Ids of the attention-check items (those with an ``expect`` answer)."""
        return [i for i, it in self.items.items() if it.expect is not None]

    @property
    def analysis_items(self) -> list[str]:
        """The default items of analyses: Likert items that are not attention checks.

        An attention check measures care, not an attitude, and is constant once failures are excluded.
        """
        return [i for i in self.likert_items if self.items[i].expect is None]

    def reverse_bounds(self, item_id: str) -> tuple[float, float]:
        """``(min, max)`` of the valid codes used to reverse an item: ``x' = min + max - x``."""
        opts = self.option_set(item_id)
        if opts is None or not opts.valid_codes:
            raise QuestionnaireError(f"item {item_id!r} has no answer codes, so it cannot be reverse-keyed")
        return opts.min, opts.max

    def output_columns(self, item_id: str) -> list[str]:
        """Columns an item occupies in clean data: its id, or ``<id>_<code>`` per option of a multi item."""
        item = self.items[item_id]
        if item.type == "multi":
            opts = self.option_set(item_id)
            codes = opts.valid_codes if opts is not None else ()
            return [f"{item_id}_{c}" for c in codes]
        return [item_id]

    def resolve(self, spec: str | Sequence[str] | None, *, default: Sequence[str] | None = None) -> list[str]:
        """Expand item ids and scale names (comma-separated or a list) into item ids.

        Parameters
        ----------
        spec
            ``"A1,A2,agreeableness"`` or ``["A1", "agreeableness"]``; None for ``default``.
        default
            Returned when ``spec`` is empty (default: :attr:`analysis_items`, the Likert items that are
            not attention checks).

        Raises
        ------
        QuestionnaireError
            Naming every unknown id or scale.
        """
        if spec is None or (isinstance(spec, str) and not spec.strip()) or (not isinstance(spec, str) and not spec):
            return list(default) if default is not None else self.analysis_items
        parts = [p.strip() for p in spec.split(",")] if isinstance(spec, str) else [str(p).strip() for p in spec]
        out: list[str] = []
        unknown: list[str] = []
        for part in parts:
            if not part:
                continue
            name = part.lstrip("-")
            if name in self.scales:
                out.extend(self.scales[name].items)
            elif name in self.items:
                out.append(name)
            else:
                unknown.append(part)
        if unknown:
            raise QuestionnaireError(
                f"{self._where()}unknown item or scale: {', '.join(unknown)}",
                [f"items: {', '.join(list(self.items)[:40])}{' ...' if len(self.items) > 40 else ''}",
                 f"scales: {', '.join(self.scales) or '(none)'}"],
            )
        seen: set[str] = set()
        return [i for i in out if not (i in seen or seen.add(i))]

    def _where(self) -> str:
        return f"{self.path}: " if self.path else ""

    # ---------------------------------------------------------------- serialization
    def to_dict(self) -> dict[str, Any]:
        """The spec as a plain mapping that :meth:`from_dict` turns back into an equal questionnaire."""
        d: dict[str, Any] = {}
        if self.title is not None:
            d["title"] = self.title
        d["language"] = self.language
        if self.respondent_id is not None:
            d["respondent_id"] = self.respondent_id
        if self.weight is not None:
            d["weight"] = self.weight
        if self.option_sets:
            d["option_sets"] = {k: v.to_dict() for k, v in self.option_sets.items()}
        d["items"] = {k: v.to_dict() for k, v in self.items.items()}
        if self.scales:
            d["scales"] = {k: v.to_yaml() for k, v in self.scales.items()}
        q = self.quality.to_dict()
        if q:
            d["quality"] = q
        return d

    def to_yaml(self) -> str:
        """The spec as YAML text."""
        return yaml.safe_dump(self.to_dict(), sort_keys=False, allow_unicode=True, width=100)


# ====================================================================== loading

def _line_map(node: yaml.Node, path: tuple[Any, ...] = (), out: dict[tuple[Any, ...], int] | None = None,
              duplicates: list[tuple[tuple[Any, ...], int]] | None = None) -> dict[tuple[Any, ...], int]:
    """Key path -> 1-based line number, from a composed YAML node tree.

    Keys repeated within one mapping (which YAML loaders silently collapse, and which make ``1`` and
    ``1.0`` one code) are appended to ``duplicates`` as (key path, line).
    """
    out = {} if out is None else out
    out[path] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        seen: set[Any] = set()
        for k, v in node.value:
            key = k.value
            canon = _as_code(key) if _as_code(key) is not None else key
            if duplicates is not None and canon in seen:
                duplicates.append((path + (key,), k.start_mark.line + 1))
            seen.add(canon)
            out[path + (key,)] = k.start_mark.line + 1
            _line_map(v, path + (key,), out, duplicates)
    elif isinstance(node, yaml.SequenceNode):
        for i, v in enumerate(node.value):
            _line_map(v, path + (i,), out, duplicates)
    return out


def located(lines: Mapping[tuple[Any, ...], int], keypath: tuple[Any, ...], message: str, *, top: str = "") -> str:
    """``line N, a.b.c: message``: a problem of a YAML file (questionnaire, project, code frame...) at its key path,
    with the line of the deepest key of the path that :func:`_line_map` knows."""
    line = None
    for n in range(len(keypath), -1, -1):
        line = lines.get(tuple(keypath[:n]))
        if line is not None:
            break
    where = ".".join(str(k) for k in keypath) or top
    return f"{'line ' + str(line) + ', ' if line is not None else ''}{where}: {message}"


class SpecLoader(yaml.SafeLoader):
    """A safe YAML loader with YAML 1.2 booleans: only ``true``/``false`` are booleans.

    YAML 1.1 reads ``Yes``, ``No``, ``On`` and ``Off`` as booleans, which would turn the answer labels
    "Yes" and "No" into True and False. Survey specs keep them as text.
    """


SpecLoader.yaml_implicit_resolvers = {
    key: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:bool"]
    for key, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
SpecLoader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF"))


def _expanded_nodes(node: yaml.Node, budget: int) -> int:
    """Nodes of the document once every alias is expanded, counted up to ``budget`` (+1 when over).

    Aliases make the composed graph share nodes, so the count is computed per distinct node (memoised,
    linear in the text) without expanding anything; a recursive alias counts as over the budget.
    """
    sizes: dict[int, int] = {}
    stack: list[tuple[yaml.Node, bool]] = [(node, False)]
    open_: set[int] = set()
    while stack:
        n, done = stack.pop()
        key = id(n)
        if done:
            open_.discard(key)
            children = _children(n)
            total = 1
            for c in children:
                total += sizes[id(c)]
                if total > budget:
                    break
            sizes[key] = min(total, budget + 1)
            continue
        if key in sizes:
            continue
        if key in open_:
            return budget + 1  # an alias to one of its own ancestors: infinite
        open_.add(key)
        stack.append((n, True))
        for c in _children(n):
            if id(c) in open_:
                return budget + 1
            if id(c) not in sizes:
                stack.append((c, False))
    return sizes[id(node)]


def _children(n: yaml.Node) -> list[yaml.Node]:
    if isinstance(n, yaml.MappingNode):
        return [x for kv in n.value for x in kv]
    if isinstance(n, yaml.SequenceNode):
        return list(n.value)
    return []


def compose_yaml(text: str, where: str = "YAML") -> yaml.Node | None:
    """Compose YAML text into its node graph and refuse alias bombs.

    A few lines of anchors and aliases (``a: &a [x, x, ...]``, ``b: &b [*a, *a, ...]``, ...) expand to
    billions of nodes. The node count once expanded is bounded by ``SURVEYTOOLS_MAX_YAML_NODES`` (default
    100,000; see :mod:`surveytools.io.limits`), checked on the composed graph before anything walks it.

    Raises
    ------
    yaml.YAMLError
        A syntax error.
    InputLimitError
        The aliases expand beyond the budget, or an alias refers to its own ancestor.
    """
    from .exceptions import InputLimitError
    from .io.limits import current_limits

    node = yaml.compose(text, Loader=SpecLoader)
    budget = current_limits().max_yaml_nodes
    if node is not None and budget:
        n = _expanded_nodes(node, budget)
        if n > budget:
            raise InputLimitError(
                f"{where}: YAML anchors and aliases (&name, *name) expand to more nodes than the limit of "
                f"{budget:,} (or refer to themselves); write the repeated parts out, or if the file is genuine "
                "raise the limit with the environment variable SURVEYTOOLS_MAX_YAML_NODES (see docs/security.md)")
    return node


def load_yaml(text: str, where: str = "YAML") -> Any:
    """Parse YAML text with :class:`SpecLoader` (safe; "Yes"/"No" stay text), refusing alias bombs
    (:func:`compose_yaml`)."""
    node = compose_yaml(text, where)
    if node is None:
        return None
    loader = SpecLoader("")
    try:
        return loader.construct_document(node)
    finally:
        loader.dispose()


def load_questionnaire(path: str | os.PathLike[str]) -> Questionnaire:
    """Load and validate a questionnaire spec from a YAML file.

    Parameters
    ----------
    path
        The YAML file.

    Returns
    -------
    Questionnaire

    Raises
    ------
    InputFileError
        The file is missing, unreadable or not UTF-8 text.
    QuestionnaireError
        YAML syntax error (with its line) or any invalid content (every problem, with lines).
    """
    p = Path(path)
    if not p.exists():
        raise InputFileError(f"questionnaire {p} not found; check the path given to -q/--questionnaire")
    if p.is_dir():
        raise InputFileError(f"questionnaire {p} is a folder; give the path of a .yaml file")
    try:
        text = p.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputFileError(f"questionnaire {p} is not UTF-8 text ({exc.reason} at byte {exc.start}); "
                             "save it as UTF-8") from None
    except OSError as exc:
        raise InputFileError(f"questionnaire {p} cannot be read: {exc.strerror}") from None
    try:
        node = compose_yaml(text, f"questionnaire {p}")
        data = SpecLoader("").construct_document(node) if node is not None else None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f", line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise QuestionnaireError(f"{p}{where}: YAML syntax error: {problem}; fix the indentation or quoting there") from None
    if data is None:
        raise QuestionnaireError(f"{p}: the questionnaire is empty; it needs at least an 'items' section")
    if not isinstance(data, dict):
        raise QuestionnaireError(f"{p}: a questionnaire is a mapping with 'items' (and 'option_sets', 'scales'); "
                                 f"found a {type(data).__name__}")
    duplicates: list[tuple[tuple[Any, ...], int]] = []
    lines = _line_map(node, duplicates=duplicates) if node is not None else {}
    if duplicates:
        raise QuestionnaireError(
            f"{p}: {len(duplicates)} key(s) appear twice in the same mapping; each code, item and scale must be "
            "unique", [f"line {line}, {'.'.join(map(str, kp))}: duplicate key" for kp, line in duplicates])
    return Questionnaire.from_dict(data, path=str(p), lines=lines)


def dump_questionnaire(questionnaire: Questionnaire, path: str | os.PathLike[str]) -> None:
    """Write a questionnaire to a YAML file (atomically)."""
    from .io.atomic import atomic_write

    with atomic_write(path) as tmp:
        Path(tmp).write_text(questionnaire.to_yaml(), encoding="utf-8")


_TOP_KEYS = {"title", "language", "respondent_id", "weight", "option_sets", "items", "scales", "quality",
             "description", "version"}
_ITEM_KEYS = {"text", "type", "options", "codes", "missing", "column", "expect", "range", "label"}
_OPTION_KEYS = {"codes", "missing", "aliases", "labels"}
_QUALITY_KEYS = {"duration", "speeder_fraction", "min_answered", "straightline_min_items", "batteries", "exclude"}


class _Builder:
    """Validates a spec mapping, collecting every problem with its place."""

    def __init__(self, data: Mapping[str, Any], path: str | os.PathLike[str] | None,
                 lines: Mapping[tuple[Any, ...], int]) -> None:
        self.data = data
        self.path = str(path) if path is not None else None
        self.lines = lines
        self.problems: list[str] = []

    def problem(self, keypath: tuple[Any, ...], message: str) -> None:
        self.problems.append(located(self.lines, keypath, message, top="(top level)"))

    # ------------------------------------------------------------------
    def build(self) -> Questionnaire:
        d = self.data
        if not isinstance(d, Mapping):
            raise QuestionnaireError(f"{self.path or 'questionnaire'}: a questionnaire is a mapping")
        for key in d:
            if key not in _TOP_KEYS:
                self.problem((key,), f"unknown key; expected one of {', '.join(sorted(_TOP_KEYS))}")
        option_sets = self._option_sets(d.get("option_sets") or {})
        items = self._items(d.get("items"), option_sets)
        scales = self._scales(d.get("scales") or {}, items, option_sets)
        quality = self._quality(d.get("quality") or {}, items, scales)
        for key in ("title", "respondent_id", "weight"):
            if d.get(key) is not None and not isinstance(d.get(key), str):
                self.problem((key,), "must be text")
        language = d.get("language", "en")
        if not isinstance(language, str) or not re.fullmatch(r"[A-Za-z]{2,3}([-_][A-Za-z0-9]+)?", language):
            self.problem(("language",), f"must be a language code such as en or es, not {language!r}")
            language = "en"
        if self.problems:
            name = self.path or "questionnaire"
            n = len(self.problems)
            raise QuestionnaireError(f"{name}: {n} problem{'s' if n != 1 else ''} in the questionnaire; fix "
                                     f"{'them' if n != 1 else 'it'} and run again", self.problems)
        return Questionnaire(
            title=d.get("title"), language=language, respondent_id=d.get("respondent_id"),
            weight=d.get("weight"), option_sets=option_sets, items=items, scales=scales, quality=quality,
            path=self.path,
        )

    # ------------------------------------------------------------------
    def _codes(self, raw: Any, keypath: tuple[Any, ...], text_ok: bool = False) -> dict[Any, str] | None:
        if isinstance(raw, list):  # a list of labels: codes 1..n
            raw = {i + 1: lab for i, lab in enumerate(raw)}
        if not isinstance(raw, Mapping) or not raw:
            self.problem(keypath, "codes must be a non-empty mapping of code: label (e.g. {1: Disagree, 2: Agree})")
            return None
        codes: dict[Any, str] = {}
        seen_labels: dict[str, Any] = {}
        # text codes (SPSS string variables, CRM fields: {F: Femenino, M: Masculino}, {ES: España, MX: México})
        # are kept as text; then every code of the set is text
        text = any(_as_code(k) is None and isinstance(k, str) and k.strip() for k in raw)
        if text and not text_ok:
            bad = next(k for k in raw if _as_code(k) is None)
            self.problem(keypath + (bad,), f"code {bad!r} is text; text codes are for categorical items (type: "
                         "categorical); codes of Likert, NPS and multi-select items are numbers")
            return None
        for k, v in raw.items():
            code = str(k).strip() if text else _as_code(k)
            if code is None or code == "":
                self.problem(keypath + (k,), f"code {k!r} is not a number; codes are numbers (or text, for "
                             "categorical items), labels are text")
                continue
            if code in codes:
                self.problem(keypath + (k,), f"duplicate code {code}")
                continue
            if v is None or (isinstance(v, str) and not v.strip()):
                self.problem(keypath + (k,), f"code {code} has an empty label")
                continue
            label = str(v)
            norm = normalize_label(label)
            if norm in seen_labels:
                self.problem(keypath + (k,), f"duplicate label {label!r} (also code {seen_labels[norm]}); "
                             "labels must differ to map answers to codes")
                continue
            seen_labels[norm] = code
            codes[code] = label
        return codes

    def _missing(self, raw: Any, keypath: tuple[Any, ...]) -> tuple[Any, ...]:
        if raw is None:
            return ()
        if not isinstance(raw, list):
            raw = [raw]
        out = []
        for m in raw:
            if isinstance(m, bool) or m is None or not isinstance(m, (int, float, str)):
                self.problem(keypath, f"missing entries are codes or labels, not {m!r}")
                continue
            out.append(m)
        return tuple(out)

    def _option_sets(self, raw: Any) -> dict[str, OptionSet]:
        if not isinstance(raw, Mapping):
            self.problem(("option_sets",), "must be a mapping of name: {codes: ..., missing: ...}")
            return {}
        out: dict[str, OptionSet] = {}
        for name, spec in raw.items():
            kp = ("option_sets", name)
            if isinstance(spec, (list, Mapping)) and not (isinstance(spec, Mapping) and "codes" in spec):
                spec = {"codes": spec}
            unknown = set(spec) - _OPTION_KEYS
            for key in sorted(unknown, key=str):
                self.problem(kp + (key,), f"unknown key; expected one of {', '.join(sorted(_OPTION_KEYS))}")
            codes = self._codes(spec.get("codes"), kp + ("codes",), text_ok=True)
            if codes is None:
                continue
            missing = self._missing(spec.get("missing"), kp + ("missing",))
            aliases = self._aliases(spec.get("aliases") or spec.get("labels"), codes, kp + ("aliases",))
            out[str(name)] = OptionSet(name=str(name), codes=codes, missing=missing, aliases=aliases)
        return out

    def _aliases(self, raw: Any, codes: Mapping[int | float, str], kp: tuple[Any, ...]
                 ) -> dict[str, int | float]:
        if raw is None:
            return {}
        if not isinstance(raw, Mapping):
            self.problem(kp, "aliases must be a mapping of label: code")
            return {}
        out: dict[str, int | float] = {}
        known = {normalize_label(v): c for c, v in codes.items()}
        text = any(isinstance(k, str) for k in codes)
        for label, code in raw.items():
            c = (str(code).strip() if code is not None else None) if text else _as_code(code)
            if c is None or c not in codes:
                self.problem(kp + (label,), f"alias {label!r} points to {code!r}, which is not one of the codes "
                             f"{', '.join(str(k) for k in codes)}")
                continue
            norm = normalize_label(label)
            if norm in known and known[norm] != c:
                self.problem(kp + (label,), f"alias {label!r} is already the label of code {known[norm]}")
                continue
            known[norm] = c
            out[str(label)] = c
        return out

    def _items(self, raw: Any, option_sets: Mapping[str, OptionSet]) -> dict[str, Item]:
        if raw is None:
            self.problem(("items",), "missing: a questionnaire needs an 'items' section")
            return {}
        if not isinstance(raw, Mapping) or not raw:
            self.problem(("items",), "must be a non-empty mapping of item id: {text, options, ...}")
            return {}
        out: dict[str, Item] = {}
        for iid, spec in raw.items():
            kp = ("items", iid)
            iid = str(iid)
            if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_.]*", iid):
                self.problem(kp, "item ids start with a letter or _ and hold letters, digits, _ or . only")
            if spec is None:
                spec = {}
            if isinstance(spec, str):
                spec = {"text": spec}
            if not isinstance(spec, Mapping):
                self.problem(kp, "an item is a mapping such as {text: ..., options: ...}")
                continue
            for key in spec:
                if key not in _ITEM_KEYS:
                    self.problem(kp + (key,), f"unknown key; expected one of {', '.join(sorted(_ITEM_KEYS))}")
            opts = spec.get("options")
            codes_raw = spec.get("codes")
            itype = spec.get("type")
            if itype is None:
                itype = "likert" if (opts is not None or codes_raw is not None) else None
            if itype is None:
                self.problem(kp, "give 'options' (a Likert item), 'codes', or a 'type' "
                             f"({', '.join(ITEM_TYPES)})")
                continue
            if itype not in ITEM_TYPES:
                self.problem(kp + ("type",), f"bad type {itype!r}; expected one of {', '.join(ITEM_TYPES)}")
                continue
            if opts is not None:
                if not isinstance(opts, str) or opts not in option_sets:
                    known = ", ".join(option_sets) or "(none defined)"
                    self.problem(kp + ("options",), f"unknown option set {opts!r}; defined: {known}")
                    opts = None
                elif itype not in CODED_TYPES:
                    self.problem(kp + ("options",), f"a {itype} item takes no option set")
            codes = (self._codes(codes_raw, kp + ("codes",), text_ok=itype == "categorical")
                     if codes_raw is not None else None)
            if opts is not None and itype != "categorical" and option_sets[opts].text_codes:
                self.problem(kp + ("options",), f"option set {opts!r} has text codes; text codes are for "
                             f"categorical items, not {itype} items")
            if itype in ("likert", "categorical", "multi") and opts is None and codes is None \
                    and spec.get("options") is None:
                self.problem(kp, f"a {itype} item needs 'options' (an option set) or 'codes'")
            if itype == "nps" and codes is not None:
                bad = [c for c in codes if not (isinstance(c, int) and 0 <= c <= 10)]
                if bad:
                    self.problem(kp + ("codes",), "NPS codes run from 0 to 10")
            text = spec.get("text", spec.get("label"))
            if text is not None and not isinstance(text, str):
                text = str(text)
            column = spec.get("column")
            if column is not None and not isinstance(column, (str, int)):
                self.problem(kp + ("column",), "must be a column name")
                column = None
            expect = spec.get("expect")
            expect_t: tuple[int | float, ...] | None = None
            if expect is not None:
                vals = expect if isinstance(expect, list) else [expect]
                conv = [_as_code(v) for v in vals]
                if any(c is None for c in conv):
                    self.problem(kp + ("expect",), "the expected answer of an attention check is a code")
                else:
                    expect_t = tuple(c for c in conv if c is not None)
            rng = spec.get("range")
            rng_t: tuple[float, float] | None = None
            if rng is not None:
                if (not isinstance(rng, list) or len(rng) != 2 or any(_as_code(v) is None for v in rng)
                        or float(rng[0]) > float(rng[1])):
                    self.problem(kp + ("range",), "range is [min, max] with min <= max")
                else:
                    rng_t = (float(rng[0]), float(rng[1]))
            out[iid] = Item(id=iid, text=text, type=itype, options=opts, codes=codes,
                            missing=self._missing(spec.get("missing"), kp + ("missing",)),
                            column=str(column) if column is not None else None, expect=expect_t, range=rng_t)
        # columns must be unique
        seen: dict[str, str] = {}
        for iid, it in out.items():
            col = it.column or iid
            if col in seen:
                self.problem(("items", iid, "column"), f"column {col!r} is already used by item {seen[col]!r}")
            seen[col] = iid
        return out

    def _scales(self, raw: Any, items: Mapping[str, Item], option_sets: Mapping[str, OptionSet]
                ) -> dict[str, Scale]:
        if not isinstance(raw, Mapping):
            self.problem(("scales",), "must be a mapping of scale name: [item, -reversed_item, ...]")
            return {}
        out: dict[str, Scale] = {}
        for name, spec in raw.items():
            kp = ("scales", name)
            label = None
            if isinstance(spec, Mapping):
                label = spec.get("label")
                spec = spec.get("items")
            if not isinstance(spec, list) or not spec:
                self.problem(kp, "a scale is a non-empty list of item ids (a leading '-' marks a reverse-keyed item)")
                continue
            ids: list[str] = []
            rev: set[str] = set()
            for pos, key in enumerate(spec):
                key = str(key).strip()
                iid = key[1:].strip() if key.startswith("-") else key
                if iid not in items:
                    self.problem(kp + (pos,), f"unknown item {iid!r}")
                    continue
                if iid in ids:
                    self.problem(kp + (pos,), f"item {iid!r} is in the scale twice")
                    continue
                it = items[iid]
                if key.startswith("-"):
                    if it.type != "likert":
                        self.problem(kp + (pos,), f"item {iid!r} is reverse-keyed but is a {it.type} item; only "
                                     "Likert items can be reversed")
                    rev.add(iid)
                if it.type not in ("likert", "numeric", "nps"):
                    self.problem(kp + (pos,), f"item {iid!r} is a {it.type} item; scales hold Likert or numeric items")
                ids.append(iid)
            if ids:
                out[str(name)] = Scale(name=str(name), items=tuple(ids), reversed=frozenset(rev),
                                       label=str(label) if label is not None else None)
        return out

    def _quality(self, raw: Any, items: Mapping[str, Item], scales: Mapping[str, Scale]) -> QualitySettings:
        if not isinstance(raw, Mapping):
            self.problem(("quality",), "must be a mapping")
            return QualitySettings()
        for key in raw:
            if key not in _QUALITY_KEYS:
                self.problem(("quality", key), f"unknown key; expected one of {', '.join(sorted(_QUALITY_KEYS))}")
        kw: dict[str, Any] = {}
        if raw.get("duration") is not None:
            kw["duration"] = str(raw["duration"])
        for key, lo, hi in (("speeder_fraction", 0.0, 1.0), ("min_answered", 0.0, 1.0)):
            if key in raw:
                v = raw[key]
                if not isinstance(v, (int, float)) or isinstance(v, bool) or not lo <= v <= hi:
                    self.problem(("quality", key), f"must be a number from {lo} to {hi}")
                else:
                    kw[key] = float(v)
        if "straightline_min_items" in raw:
            v = raw["straightline_min_items"]
            if not isinstance(v, int) or isinstance(v, bool) or v < 2:
                self.problem(("quality", "straightline_min_items"), "must be a whole number >= 2")
            else:
                kw["straightline_min_items"] = v
        if raw.get("batteries") is not None:
            b = raw["batteries"]
            if not isinstance(b, Mapping):
                self.problem(("quality", "batteries"), "must be a mapping of name: [items or scales]")
            else:
                bat: dict[str, tuple[str, ...]] = {}
                for name, members in b.items():
                    if not isinstance(members, list):
                        self.problem(("quality", "batteries", name), "must be a list of items or scales")
                        continue
                    ids: list[str] = []
                    for m in members:
                        m = str(m).lstrip("-")
                        if m in scales:
                            ids.extend(scales[m].items)
                        elif m in items:
                            ids.append(m)
                        else:
                            self.problem(("quality", "batteries", name), f"unknown item or scale {m!r}")
                    bat[str(name)] = tuple(ids)
                kw["batteries"] = bat
        if "exclude" in raw:
            ex = raw["exclude"]
            if isinstance(ex, str):
                ex = [p.strip() for p in ex.split(",") if p.strip()]
            if ex is None:
                ex = []
            if not isinstance(ex, list) or not all(isinstance(c, str) for c in ex):
                self.problem(("quality", "exclude"), "must be a list of flag codes (e.g. [speeder, partial]), "
                                                     "or [] to keep everyone")
            else:
                kw["exclude"] = tuple(c.strip() for c in ex)
        return QualitySettings(**kw)
