"""Model features from CRM columns: which columns may be features, their kinds and their transforms.

One :class:`FeatureSpec` per CRM column says how its values become numbers, identically in Python
(:func:`contributions_frame`) and in SQL (:mod:`surveytools.crm_sql`):

``numeric``
    ``t = number`` (text that is not a number counts as missing). Skewed amounts (no negative values and
    sample skewness above 1 among the respondents) are log-scaled: ``u = ln(1 + max(t, 0))``; else ``u = t``.
``date``
    ``t = as_of - date`` in whole days (recency; text that is not a date counts as missing), then as
    ``numeric`` (log-scaled when skewed).
``categorical``
    text, trimmed; levels held by fewer than ``max(10, 1%)`` of the respondents are pooled into one
    *other* level, which also takes levels never seen in training; blank is its own *missing* level when
    the respondents have blanks (else it joins *other*). Booleans are the levels ``true`` / ``false``.

Missing numbers take the respondents' median of ``t`` plus a missing indicator. Personal data (e-mail,
phone, name, address and identity-document columns, recognised by the column name or by the values) is
never a feature, nor are keys (ids, the survey's segment columns).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import numpy as np
import pandas as pd

from .exceptions import DataError

__all__ = ["FeatureSpec", "resolve_features", "pii_reason", "key_reason", "RARE_SHARE", "RARE_MIN", "OTHER",
           "MISSING", "SKEW_LOG", "to_recency_days"]

#: a level held by fewer than max(RARE_MIN, RARE_SHARE * respondents) respondents is pooled into OTHER
RARE_SHARE = 0.01
RARE_MIN = 10
#: numeric features whose respondent values are all >= 0 with skewness above this are log-scaled
SKEW_LOG = 1.0
OTHER = "(other)"
MISSING = "(missing)"

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_PHONE = re.compile(r"^\+?[\d\s().\-/]{7,22}$")
# name tokens (accents folded, camelCase split) that mark personal data
_PII_TOKENS = {
    "email": "an e-mail", "mail": "an e-mail", "correo": "an e-mail", "emailaddress": "an e-mail",
    "phone": "a phone number", "telephone": "a phone number", "tel": "a phone number",
    "telefono": "a phone number", "mobile": "a phone number", "movil": "a phone number",
    "celular": "a phone number", "cell": "a phone number", "fax": "a phone number",
    "name": "a name", "firstname": "a name", "lastname": "a name", "surname": "a name", "fullname": "a name",
    "nombre": "a name", "apellido": "a name", "apellidos": "a name",
    "address": "an address", "street": "an address", "direccion": "an address", "calle": "an address",
    "domicilio": "an address", "zip": "an address", "zipcode": "an address", "postcode": "an address",
    "postal": "an address", "ip": "an IP address",
    "ssn": "an identity document", "passport": "an identity document", "dni": "an identity document",
    "nif": "an identity document", "nie": "an identity document", "iban": "a bank account",
    "card": "a card number", "tarjeta": "a card number",
}
_KEY_NAMES = {"respondent_id", "customer_id", "segment", "segment_name", "probability", "segment_source",
              "model_segment", "model_probability", "id", "key", "uuid", "guid", "external_reference"}


def _tokens(name: str) -> list[str]:
    s = unicodedata.normalize("NFKD", str(name)).encode("ascii", "ignore").decode()
    s = re.sub(r"([a-z])([A-Z])", r"\1_\2", s).lower()
    parts = [p for p in re.split(r"[^a-z0-9]+", s) if p]
    joined = "".join(parts)
    return parts + ([joined] if len(parts) > 1 else [])


def pii_reason(name: str, values: pd.Series | None = None) -> str | None:
    """Why a column holds personal data (by its name, else by its values), or None.

    By name: a token such as ``email``, ``phone``/``telefono``/``movil``, ``name``/``nombre``/``apellido``,
    ``address``/``direccion``/``zip``, ``dni``/``passport``, ``iban``. By values: more than half of the
    non-blank values look like e-mail addresses, or like phone numbers (7 to 15 digits with separators, not
    a plain number or date).
    """
    for tok in _tokens(name):
        if tok in _PII_TOKENS:
            return f"its name says it holds {_PII_TOKENS[tok]}"
    lname = str(name).lower()
    if "mail" in lname:
        return "its name says it holds an e-mail"
    if "phone" in lname:
        return "its name says it holds a phone number"
    if values is None:
        return None
    if pd.api.types.is_numeric_dtype(values.dtype) or pd.api.types.is_datetime64_any_dtype(values.dtype) \
            or pd.api.types.is_bool_dtype(values.dtype):
        return None
    v = values.dropna().astype(str).str.strip()
    v = v[v != ""].head(5000)
    if not len(v):
        return None
    if v.str.match(_EMAIL).mean() > 0.5:
        return "its values are e-mail addresses"
    digits = v.str.count(r"\d")
    phone_like = v.str.match(_PHONE) & digits.between(7, 15) & ~v.str.fullmatch(r"\d+(\.\d+)?") \
        & ~v.str.fullmatch(r"\d{4}-\d{2}-\d{2}")
    if phone_like.mean() > 0.5:
        return "its values are phone numbers"
    return None


def key_reason(name: str) -> str | None:
    """Why a column is a key or a survey column rather than a feature, or None.

    Ids (``id``, ``..._id``, ``id_...``, ``key``, ``uuid``), the survey side of ``crm join`` (``respondent_id``,
    ``segment``, ``segment_name``, ``probability``, ``survey_...``) and the columns ``crm extend`` writes.
    """
    low = str(name).strip().lower()
    if low in _KEY_NAMES:
        return "a key or survey column"
    if low.startswith("survey_"):
        return "a survey column carried by 'crm join'"
    toks = _tokens(name)
    if toks and (toks[-1] in ("id", "key", "uuid", "guid") or toks[0] == "id"):
        return "an id column"
    return None


@dataclass(frozen=True)
class FeatureSpec:
    """How one CRM column becomes model inputs.

    Attributes
    ----------
    name
        The column.
    kind
        ``numeric``, ``date`` (recency in days) or ``categorical``.
    log
        Numeric/date: ``u = ln(1 + max(t, 0))`` instead of ``u = t``.
    fill
        Numeric/date: the respondents' median of ``t``, used for missing values.
    levels
        Categorical: levels kept as their own column (others pooled into :data:`OTHER`).
    has_missing
        The respondents have missing values: a missing indicator (numeric/date) or :data:`MISSING` level.
    boolean
        Categorical made from a true/false column (levels ``true``, ``false``).
    """

    name: str
    kind: str
    log: bool = False
    fill: float = 0.0
    levels: tuple[str, ...] = ()
    has_missing: bool = False
    boolean: bool = False

    @property
    def columns(self) -> list[str]:
        """Names of the design columns this feature contributes."""
        if self.kind == "categorical":
            return [f"{self.name}={lv}" for lv in self.levels] + [f"{self.name}={OTHER}"] + (
                [f"{self.name}={MISSING}"] if self.has_missing else [])
        return [self.name] + ([f"{self.name}:missing"] if self.has_missing else [])

    @property
    def transform(self) -> str:
        """The transform in words."""
        if self.kind == "categorical":
            return (f"one column per level ({len(self.levels)} kept, rare and unseen levels pooled into "
                    f"'{OTHER}'" + (", blanks as their own level" if self.has_missing else "") + ")")
        base = "days before the as-of date" if self.kind == "date" else "value"
        t = f"ln(1 + {base})" if self.log else base
        return t + (f"; missing -> {self.fill:g} plus a missing indicator" if self.has_missing else "")

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "kind": self.kind, "log": self.log, "fill": self.fill,
                "levels": list(self.levels), "has_missing": self.has_missing, "boolean": self.boolean}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> FeatureSpec:
        return cls(name=str(d["name"]), kind=str(d["kind"]), log=bool(d.get("log", False)),
                   fill=float(d.get("fill", 0.0)), levels=tuple(str(v) for v in d.get("levels", [])),
                   has_missing=bool(d.get("has_missing", False)), boolean=bool(d.get("boolean", False)))

    # ------------------------------------------------------------------ values in Python
    def raw_numbers(self, values: pd.Series, as_of: date | None) -> np.ndarray:
        """``t``: the number (numeric) or recency in days (date); NaN when missing or unreadable."""
        if self.kind == "date":
            return to_recency_days(values, as_of)
        if pd.api.types.is_bool_dtype(values.dtype):
            return values.astype(float).to_numpy()
        return pd.to_numeric(values, errors="coerce").to_numpy(dtype=float)

    def numeric_u(self, t: np.ndarray) -> np.ndarray:
        """``u`` from ``t`` with missing values filled (see the module docstring)."""
        u = np.where(np.isnan(t), self.fill, t)
        return np.log1p(np.maximum(u, 0.0)) if self.log else u

    def level_codes(self, values: pd.Series) -> np.ndarray:
        """Index into :attr:`columns` of each value's level (kept level, other, missing)."""
        text = _as_text(values)
        lookup = {lv: i for i, lv in enumerate(self.levels)}
        other = len(self.levels)
        codes = text.map(lookup).to_numpy(dtype=float, na_value=np.nan)
        codes = np.where(np.isnan(codes), other, codes).astype(np.int64)
        if self.has_missing:
            codes[text.isna().to_numpy()] = other + 1
        return codes


def _as_text(values: pd.Series) -> pd.Series:
    """Values as trimmed text, blanks as NA (booleans as ``true``/``false``)."""
    if pd.api.types.is_bool_dtype(values.dtype):
        s = values.map({True: "true", False: "false"}).astype("string")
    else:
        s = values.astype("string").str.strip()
    return s.mask(s == "")


def to_recency_days(values: pd.Series, as_of: date | None) -> np.ndarray:
    """Whole days from each date to ``as_of`` (positive for past dates); NaN for blanks and non-dates."""
    if as_of is None:
        raise DataError("a date feature needs an as-of date; give --as-of YYYY-MM-DD")
    d = pd.to_datetime(values, errors="coerce", format="mixed") if values.dtype == object or \
        pd.api.types.is_string_dtype(values.dtype) else pd.to_datetime(values, errors="coerce")
    if getattr(d.dt, "tz", None) is not None:
        d = d.dt.tz_localize(None)
    days = (pd.Timestamp(as_of) - d.dt.normalize()).dt.days
    return days.to_numpy(dtype=float, na_value=np.nan)


def _looks_like_dates(v: pd.Series) -> bool:
    s = v.dropna().astype(str).str.strip()
    s = s[s != ""].head(2000)
    if not len(s) or not s.str.match(r"^\d{4}-\d{2}-\d{2}").all():
        return False
    return bool(pd.to_datetime(s, errors="coerce", format="mixed").notna().mean() >= 0.95)


def _kind(values: pd.Series) -> str:
    if pd.api.types.is_bool_dtype(values.dtype):
        return "boolean"
    if pd.api.types.is_numeric_dtype(values.dtype):
        return "numeric"
    if pd.api.types.is_datetime64_any_dtype(values.dtype):
        return "date"
    nonnull = values.dropna()
    if len(nonnull) and all(isinstance(x, date) for x in nonnull.head(100)):
        return "date"
    if _looks_like_dates(values):
        return "date"
    text = nonnull.astype(str).str.strip()
    text = text[text != ""]
    if len(text) and pd.to_numeric(text, errors="coerce").notna().mean() >= 0.95:
        return "numeric"
    return "categorical"


@dataclass
class Resolved:
    """Features chosen, and columns left out with the reason."""

    specs: list[FeatureSpec]
    excluded: dict[str, str] = field(default_factory=dict)


def resolve_features(frame: pd.DataFrame, features: str | Sequence[str], *, as_of: date | None,
                     exclude: dict[str, str] | None = None, source: str = "the CRM file") -> Resolved:
    """Choose and describe the features from the respondents' rows.

    Parameters
    ----------
    frame
        The matched respondents' CRM rows (all columns).
    features
        ``"auto"`` (every column that is not a key, not personal data, not constant and not empty) or column
        names (a comma-separated string or a list).
    as_of
        Reference date for recency (date features).
    exclude
        Columns ``auto`` must leave out, with the reason (e.g. columns only survey respondents have).
    source
        The file, for messages.

    Raises
    ------
    DataError
        A named column is missing, holds personal data, is a key, is constant or empty among the respondents,
        or is text with as many values as rows (an id or free text); ``auto`` finds no usable column.
    """
    exclude = dict(exclude or {})
    n = len(frame)
    cols = [str(c) for c in frame.columns]
    excluded: dict[str, str] = {}
    if isinstance(features, str) and features.strip().lower() == "auto":
        named: list[str] | None = None
        candidates = cols
    else:
        named = [f.strip() for f in features.split(",")] if isinstance(features, str) else [str(f) for f in features]
        named = [f for f in dict.fromkeys(named) if f]
        if not named:
            raise DataError("no feature named; give --features COL1,COL2 or --features auto")
        missing = [f for f in named if f not in cols]
        if missing:
            raise DataError(f"{source}: no column {', '.join(repr(m) for m in missing)}; --features names CRM "
                            f"columns (the file has: {', '.join(cols[:40])})")
        candidates = named
    problems: list[str] = []
    specs: list[FeatureSpec] = []
    for c in candidates:
        values = frame[c]
        why = key_reason(c)
        if why is None:
            pii = pii_reason(c, values)
            if pii is not None:
                why = f"personal data ({pii}); personal data is never a model feature"
        if why is None and named is None and c in exclude:
            why = exclude[c]
        if why is None:
            spec, why = _describe(c, values, n, as_of)
            if spec is not None:
                specs.append(spec)
                continue
        if named is not None:
            problems.append(f"column {c!r}: {why}")
        else:
            excluded[c] = why  # type: ignore[assignment]
    if problems:
        raise DataError(f"{source}: {len(problems)} of the --features cannot be used; leave them out", problems)
    if not specs:
        raise DataError(f"{source}: no column can be a feature (every column is a key, personal data, constant or "
                        "empty among the matched respondents); name features with --features",
                        [f"{c}: {r}" for c, r in excluded.items()])
    return Resolved(specs=specs, excluded=excluded)


def _describe(name: str, values: pd.Series, n: int, as_of: date | None) -> tuple[FeatureSpec | None, str]:
    from scipy.stats import skew

    kind = _kind(values)
    if kind == "categorical" or kind == "boolean":
        text = _as_text(values)
        counts = text.value_counts(dropna=True)
        if len(counts) == 0:
            return None, "empty: no value among the matched respondents"
        if len(counts) == 1 and not text.isna().any():
            return None, f"constant: every matched respondent has {counts.index[0]!r}"
        if kind == "categorical" and len(counts) > 50 and len(counts) > 0.5 * counts.sum():
            return None, (f"text with {len(counts):,} different values among {n:,} respondents (an id or free text), "
                          "not a category")
        cut = max(RARE_MIN, RARE_SHARE * n)
        levels = tuple(sorted(str(v) for v in counts.index[counts >= cut]))
        spec = FeatureSpec(name=name, kind="categorical", levels=levels, has_missing=bool(text.isna().any()),
                           boolean=kind == "boolean")
        if len(levels) == 0 and not spec.has_missing:
            return None, f"every level is rare (fewer than {cut:g} respondents each)"
        return spec, ""
    probe = FeatureSpec(name=name, kind=kind)
    t = probe.raw_numbers(values, as_of)
    ok = t[~np.isnan(t)]
    if len(ok) == 0:
        return None, "empty: no readable value among the matched respondents"
    if np.all(ok == ok[0]) and len(ok) == len(t):
        return None, f"constant: every matched respondent has {ok[0]:g}"
    log = bool(ok.min() >= 0 and len(ok) > 2 and np.ptp(ok) > 0 and skew(ok) > SKEW_LOG)
    return FeatureSpec(name=name, kind=kind, log=log, fill=float(np.median(ok)),
                       has_missing=bool(len(ok) < len(t))), ""


def design_blocks(specs: Iterable[FeatureSpec], frame: pd.DataFrame, as_of: date | None) -> np.ndarray:
    """The unstandardized design matrix: per feature ``u`` (+ missing indicator), or one-hot levels."""
    blocks = []
    n = len(frame)
    for s in specs:
        if s.kind == "categorical":
            codes = s.level_codes(frame[s.name])
            m = np.zeros((n, len(s.columns)))
            m[np.arange(n), codes] = 1.0
            blocks.append(m)
        else:
            t = s.raw_numbers(frame[s.name], as_of)
            cols = [s.numeric_u(t)]
            if s.has_missing:
                cols.append(np.isnan(t).astype(float))
            blocks.append(np.column_stack(cols))
    return np.hstack(blocks) if blocks else np.empty((n, 0))
