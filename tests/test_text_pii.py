"""PII masking of comments: e-mails, phone numbers (Spanish and international), long digit runs."""

from __future__ import annotations

import re

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from surveytools.text.pii import mask_pii, mask_series


@pytest.mark.parametrize("text, es, en", [
    ("escribidme a ana.lopez+voc@correo.es ya", "escribidme a [email] ya", "escribidme a [email] ya"),
    ("Mi móvil: 612 345 678.", "Mi móvil: [teléfono].", "Mi móvil: [phone]."),
    ("+34 612345678", "[teléfono]", "[phone]"),
    ("llamad al +34 612 34 56 78, gracias", "llamad al [teléfono], gracias", "llamad al [phone], gracias"),
    ("0034 612345678", "[teléfono]", "[phone]"),
    ("fijo 91 123 45 67", "fijo [teléfono]", "fijo [phone]"),
    ("612345678", "[teléfono]", "[phone]"),
    ("Call (555) 123-4567 now", "Call [teléfono] now", "Call [phone] now"),
    ("555-123-4567", "[teléfono]", "[phone]"),
    ("tarjeta 4111 1111 1111 1111", "tarjeta [número]", "tarjeta [number]"),
    ("IBAN ES91 2100 0418 4502 0005 1332", "IBAN [número]", "IBAN [number]"),
    ("DNI 12345678Z", "DNI [número]", "DNI [number]"),
    ("pedido 20231234567", "pedido [número]", "pedido [number]"),
])
def test_masks_each_kind(text, es, en):
    assert mask_pii(text) == es
    assert mask_pii(text, lang="en") == en


@pytest.mark.parametrize("text", ["3x2 por 12,50 € en 2024", "fecha 12/03/2024", "código postal 28001",
                                  "llegó a las 10:30", "1.234 puntos", "sin datos", ""])
def test_keeps_short_numbers_and_plain_text(text):
    assert mask_pii(text) == text


def test_none_and_series():
    assert mask_pii(None) is None
    s = pd.Series(["ok", None, "a@b.com", "612 345 678", float("nan")], dtype="object")
    out = mask_series(s)
    assert out.tolist()[:4] == ["ok", None, "[email]", "[teléfono]"]
    assert pd.isna(out.iloc[4])
    assert s.iloc[2] == "a@b.com"  # input untouched


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("ab @.+-()0123456789 ñé")), max_size=60))
def test_masking_is_idempotent_and_leaves_no_long_digit_run(text):
    once = mask_pii(text)
    assert mask_pii(once) == once
    assert not re.search(r"\d{8,}", once)
    assert "@" not in once or not re.search(r"[\w.+-]+@[\w-]+\.[\w-]+", once)
