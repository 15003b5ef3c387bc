"""Label -> code converters: normalization invariants (Hypothesis), multi-select splitting, flags."""

from __future__ import annotations

import math

from hypothesis import given
from hypothesis import strategies as st

from surveytools.io.codes import UNKNOWN, CodeConverter, MultiConverter, NumberConverter, selected_flag
from surveytools.questionnaire import OptionSet

AGREE = OptionSet("acuerdo", {1: "Totalmente en desacuerdo", 2: "En desacuerdo", 3: "Ni de acuerdo ni en desacuerdo",
                              4: "De acuerdo", 5: "Totalmente de acuerdo"},
                  missing=("No sé", 9), aliases={"Strongly agree": 5})
CHANNELS = OptionSet("ch", {1: "Email", 2: "Phone, landline or mobile", 3: "Chat", 4: "Store", 5: "Café"})

ACCENTED = {"a": "á", "e": "é", "i": "í", "o": "ó", "u": "ú", "n": "ñ"}


@st.composite
def variant(draw, label: str) -> str:
    """The label with random case, accents added, doubled inner spaces and outer white space."""
    out = []
    for ch in label:
        if ch.isalpha() and draw(st.booleans()):
            ch = ch.upper() if ch.islower() else ch.lower()
        if ch.lower() in ACCENTED and ch.lower() != "n" and draw(st.booleans()):
            ch = ACCENTED[ch.lower()]
        if ch == " " and draw(st.booleans()):
            ch = "  "
        out.append(ch)
    return draw(st.sampled_from(["", " ", "\t"])) + "".join(out) + draw(st.sampled_from(["", " ", "\u00a0"]))


@given(st.data())
def test_labels_match_case_accent_and_space_insensitively(data):
    conv = CodeConverter(AGREE)
    code = data.draw(st.sampled_from(sorted(AGREE.codes)))
    text = data.draw(variant(AGREE.codes[code]))
    assert conv(text) == code


def test_codes_missing_aliases_and_unknowns():
    conv = CodeConverter(AGREE)
    assert conv(4) == 4 and conv(4.0) == 4 and conv("4") == 4 and conv(" 4 ") == 4
    assert conv("strongly AGREE") == 5
    assert conv("no se") is None and conv(9) is None and conv("9") is None
    assert conv("") is None and conv(None) is None and conv(float("nan")) is None
    assert conv("Somewhat agree") is UNKNOWN and conv(6) is UNKNOWN and conv(True) is UNKNOWN
    assert conv("4 = De acuerdo") == 4 and conv("4 - de ACUERDO") == 4
    assert conv("4 = Totalmente de acuerdo") is UNKNOWN  # code and label disagree


def test_nps_anchor_labels():
    nps = CodeConverter(OptionSet("nps", {i: str(i) for i in range(11)}), nps=True)
    assert nps("0 - Not at all likely") == 0 and nps("10 - Extremely likely") == 10 and nps("7") == 7
    assert nps("10 (Extremely likely)") == 10 and nps("11 - Beyond") is UNKNOWN


def test_spss_value_labels_first():
    conv = CodeConverter(AGREE, value_labels={1.0: "Totalmente de acuerdo", 2.0: "Something else"})
    assert conv(1.0) == 5 and conv(2.0) == 2 and conv(3.0) == 3


@given(st.lists(st.sampled_from(sorted(CHANNELS.codes)), unique=True, min_size=1),
       st.sampled_from([",", ", "]), st.booleans())
def test_multi_select_round_trip(codes, sep, as_codes):
    conv = MultiConverter(CHANNELS)
    text = sep.join(str(c) if as_codes else CHANNELS.codes[c] for c in codes)
    chosen, unknown = conv(text)
    assert chosen == set(codes) and unknown == []


def test_multi_select_unknown_pieces():
    conv = MultiConverter(CHANNELS)
    assert conv("Email, Fax, Phone, landline or mobile") == ({1, 2}, ["Fax"])
    assert conv("") is None
    assert conv("cafe") == ({5}, [])


def test_numbers():
    conv = NumberConverter(missing=(-99, "n/a"))
    assert conv("41") == 41.0 and conv(41) == 41.0 and conv("3,5") == 3.5
    assert conv(-99) is None and conv("N/A") is None and conv(" ") is None
    assert conv("forty") is UNKNOWN


def test_selected_flag():
    assert [selected_flag(v) for v in ("Email", 1, 1.0, "1", True, 0, "0", "0.0", False, "No")] == \
        [1, 1, 1, 1, 1, 0, 0, 0, 0, 0]
    assert math.isnan(selected_flag("")) and math.isnan(selected_flag(None))
