"""Masking of personal data in respondents' comments: e-mail addresses, phone numbers, long digit runs.

One function, :func:`mask_pii`, is used wherever a comment leaves the library (example verbatims, theme
quotes, distinctive-term examples, reports and ``--json``), so no report shows a respondent's e-mail or
phone number. Masking replaces the match by a bracketed tag in the report language:

=============================  ===============  ===============
what                           ``lang="es"``    ``lang="en"``
=============================  ===============  ===============
e-mail address                 ``[email]``      ``[email]``
phone number                   ``[teléfono]``   ``[phone]``
8+ digits (cards, IBAN, ids)   ``[número]``     ``[number]``
=============================  ===============  ===============

Phone numbers: an international prefix (``+34 612345678``, ``0034 612 34 56 78``), a parenthesised area code
(``(555) 123-4567``), Spanish numbers of nine digits starting 6-9 written together or in groups
(``612 345 678``, ``91 123 45 67``), and North-American ``555-123-4567``. Any other run of eight or more
digits, possibly grouped by spaces, dots or hyphens (card numbers, IBANs such as ``ES91 2100 0418 4502 0005
1332``, customer or order ids, DNI ``12345678Z``) becomes the number tag. Shorter numbers (prices, dates,
"3x2") are kept.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

import pandas as pd

__all__ = ["mask_pii", "mask_series", "PII_TAGS"]

#: Tags by language: ``email``, ``phone``, ``number``.
PII_TAGS: dict[str, dict[str, str]] = {
    "es": {"email": "[email]", "phone": "[teléfono]", "number": "[número]"},
    "en": {"email": "[email]", "phone": "[phone]", "number": "[number]"},
}

_EMAIL = re.compile(r"[\w.+'-]+@[\w-]+(?:\.[\w-]+)+", re.UNICODE)
_IBAN = re.compile(r"\b[A-Za-z]{2}\d{2}(?:[ ]?[0-9A-Za-z]{4}){3,7}(?:[ ]?[0-9A-Za-z]{1,3})?\b")
# a run of digits that may be grouped by single spaces, dots or hyphens, optionally after "+" or "00" and
# with a parenthesised group, wherever it stands (also glued to letters: "ref12345678"); one letter closing it
# (the DNI letter) is taken too
_DIGITS = re.compile(r"(?<![\d+])(?:\+\s?)?(?:\(\d{1,4}\)[\s.-]?)?\d(?:[\s.-]?\d)*(?:[A-Za-z](?![A-Za-z]))?")


# anything worth a closer look: an "@" or seven digits separated by at most two of " ().+-" each (shorter
# digit runs are never masked)
_RISK = re.compile(r"@|\d(?:[\s().+-]{0,2}\d){6}")
_DIGITS7 = re.compile(r"\d(?:[\s().+-]{0,2}\d){6}")


def _tags(lang: str) -> dict[str, str]:
    return PII_TAGS.get(str(lang).lower()[:2], PII_TAGS["en"])


def _classify(match: str) -> str | None:
    """``phone``, ``number`` or None (leave as written) for a digit run."""
    digits = re.sub(r"\D", "", match)
    nd = len(digits)
    intl = match.lstrip().startswith("+") or (digits.startswith("00") and nd >= 11)
    paren = "(" in match
    if (intl or paren) and 7 <= nd <= 15:
        return "phone"
    if nd == 9 and digits[0] in "6789" and not match[-1].isalpha():
        return "phone"  # Spanish landline and mobile numbers
    if nd == 10 and re.fullmatch(r"\d{3}[\s.-]\d{3}[\s.-]\d{4}", match.strip()):
        return "phone"  # North-American 555-123-4567
    if nd >= 8:
        return "number"
    return None


def mask_pii(text: str | None, lang: str = "es") -> str | None:
    """Replace e-mail addresses, phone numbers and long digit runs in a comment by tags.

    Parameters
    ----------
    text
        A comment (None/NaN is returned unchanged).
    lang
        Language of the tags (``es`` or ``en``).

    Returns
    -------
    str or None
        The comment with personal data masked.

    Examples
    --------
    >>> mask_pii("Llamadme al 612 345 678 o a ana.lopez@correo.es")
    'Llamadme al [teléfono] o a [email]'
    >>> mask_pii("Call (555) 123-4567, card 4111 1111 1111 1111", lang="en")
    'Call [phone], card [number]'
    """
    if text is None or (isinstance(text, float) and text != text):
        return text
    s = str(text)
    if not _RISK.search(s):
        return s
    tags = _tags(lang)
    if "@" in s:
        s = _EMAIL.sub(tags["email"], s)
    if not _DIGITS7.search(s):
        return s
    s = _IBAN.sub(lambda m: tags["number"] if sum(c.isdigit() for c in m.group(0)) >= 8 else m.group(0), s)

    def repl(m: re.Match[str]) -> str:
        raw = m.group(0)
        stripped = raw.rstrip(" .-")
        kind = _classify(stripped)
        if kind is None:
            return raw
        return tags[kind] + raw[len(stripped):]

    return _DIGITS.sub(repl, s)


def mask_series(texts: pd.Series | Iterable[str | None], lang: str = "es") -> pd.Series:
    """:func:`mask_pii` over many comments; only comments holding ``@`` or a digit are rewritten."""
    s = texts if isinstance(texts, pd.Series) else pd.Series(list(texts), dtype="object")
    out = s.copy()
    strs = s.astype("string")
    risky = strs.str.contains(_RISK.pattern, regex=True).fillna(False).to_numpy(dtype=bool)
    if risky.any():
        out[risky] = [mask_pii(v, lang) for v in s[risky]]
    return out
