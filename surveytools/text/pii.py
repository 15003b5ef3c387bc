"""Masking personal data that respondents type into comments: e-mail addresses, phone numbers, digit runs.

"Contactadme en juan.perez@gmail.com o al 612 345 678" becomes "Contactadme en [email] o al [phone]".
Reports (HTML, Excel), ``voc.json`` and ``--json`` never show a comment unmasked, whether or not the CRM
join pseudonymises its keys: every example verbatim goes through :func:`mask_pii` (or the vectorised
:func:`mask_pii_series`) before it is returned by the library.

Rules (applied in this order):

=========================================================  =====================  =====================
what                                                       ``lang="en"``          ``lang="es"``
=========================================================  =====================  =====================
an e-mail address (``name@domain.tld``)                    ``[email]``            ``[email]``
7-15 digits after ``+``/``00`` or with an area code in     ``[phone]``            ``[teléfono]``
parentheses; 9-15 digits written together or grouped by
spaces, dots or hyphens (``612 345 678``, ``91-123-45-67``)
an IBAN; any other run of 7 or more digits (grouped or     ``[number]``           ``[número]``
not), with a letter glued to its end (DNI ``12345678Z``),
or over 15 digits (cards, customer ids)
=========================================================  =====================  =====================

Kept as written: shorter numbers (prices, ages, "3x2"), dates (``2024-05-01``, ``01/05/2024``), times, and
amounts with thousands separators of up to 8 digits (``1.250.000``).
"""

from __future__ import annotations

import re
from typing import Any

import pandas as pd

__all__ = ["mask_pii", "mask_pii_series", "PII_TAGS"]

#: Tags by language: ``email``, ``phone``, ``number``.
PII_TAGS: dict[str, dict[str, str]] = {
    "en": {"email": "[email]", "phone": "[phone]", "number": "[number]"},
    "es": {"email": "[email]", "phone": "[teléfono]", "number": "[número]"},
}

_EMAIL = re.compile(r"[\w.%+'-]+@[\w-]+(?:\.[\w-]+)+")
# an IBAN: country, check digits, then 11-30 letters or digits in groups of four
_IBAN = re.compile(r"\b[A-Z]{2}\d{2}(?: ?[0-9A-Z]{4}){3,7}(?: ?[0-9A-Z]{1,3})?\b")
# a digit run that may be grouped by single spaces, dots or hyphens, with a leading + (or 00), a
# parenthesised area code, and one letter glued to its end
_RUN = re.compile(r"(?<![\d+])(?:\+\s?)?(?:\d{1,4}\s?)?(?:\(\d{1,5}\)\s?)?\d(?:[ .-]?\d)*(?:[A-Za-z](?!\w))?")
_ISO_DATE = re.compile(r"\d{4}-\d{1,2}-\d{1,2}")
_THOUSANDS = re.compile(r"\d{1,3}(?:[.,]\d{3})+")
_HINT = re.compile(r"@|\d[ .()+-]?\d[ .()+-]?\d[ .()+-]?\d")  # rows worth looking at: an @ or 4+ digits


def _tags(lang: str) -> dict[str, str]:
    return PII_TAGS.get(str(lang).lower()[:2], PII_TAGS["en"])


def _kind(run: str) -> str | None:
    """``phone``, ``number`` or None (kept) for a digit run."""
    digits = sum(ch.isdigit() for ch in run)
    if digits < 7:
        return None
    if _ISO_DATE.fullmatch(run) or (digits <= 8 and _THOUSANDS.fullmatch(run)):
        return None
    if run[-1].isalpha():
        return "number"
    international = run.startswith("+") or (run.startswith("00") and digits >= 11)
    if digits <= 15 and (international or "(" in run or digits >= 9):
        return "phone"
    return "number"


def mask_pii(text: str, lang: str = "en") -> str:
    """``text`` with e-mail addresses, phone numbers and long digit runs replaced by tags.

    Parameters
    ----------
    text
        A comment; anything that is not text (None, NaN, numbers) is returned unchanged.
    lang
        Language of the tags, ``en`` (default) or ``es``.

    Examples
    --------
    >>> mask_pii("Contactadme en juan.perez@gmail.com o al 612 345 678")
    'Contactadme en [email] o al [phone]'
    >>> mask_pii("Mi DNI es 12345678Z, llamad al +34 912 345 678", lang="es")
    'Mi DNI es [número], llamad al [teléfono]'
    >>> mask_pii("Pagué 1.250 € el 2024-05-01 por 3 productos")
    'Pagué 1.250 € el 2024-05-01 por 3 productos'
    """
    if not isinstance(text, str) or not _HINT.search(text):
        return text
    tags = _tags(lang)
    out = _EMAIL.sub(tags["email"], text)
    out = _IBAN.sub(lambda m: tags["number"] if sum(ch.isdigit() for ch in m.group(0)) >= 7 else m.group(0), out)

    def digits(m: re.Match[str]) -> str:
        run = m.group(0)
        kind = _kind(run)
        return run if kind is None else tags[kind]

    return _RUN.sub(digits, out)


def mask_pii_series(texts: pd.Series | Any, lang: str = "en") -> pd.Series:
    """:func:`mask_pii` over a column of comments (missing values stay missing).

    Only the comments holding an ``@`` or four digits (found with one vectorised regex search) are looked
    at one by one; the rest are returned as they are.
    """
    s = texts if isinstance(texts, pd.Series) else pd.Series(list(texts), dtype=object)
    if len(s) == 0:
        return s.copy()
    try:
        hit = s.str.contains(_HINT, na=False)
    except AttributeError:  # no text at all
        return s.copy()
    hit = hit.fillna(False).astype(bool)
    out = s.copy()
    if hit.any():
        out.loc[hit] = [mask_pii(v, lang) for v in s[hit].tolist()]
    return out
