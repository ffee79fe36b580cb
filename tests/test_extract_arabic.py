"""Arabic normalisation (groundwork of Arabic extraction): letter forms, diacritics, tatweel, digits.
Phrases written for these tests."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from warnd.extract.arabic import is_arabic_script, normalise, normalise_offsets
from warnd.extract.tokens import tokenize


@pytest.mark.parametrize(("text", "want"), [
    ("مقتـــل", "مقتل"),                                   # tatweel
    ("قُتِلَ", "قتل"),                                      # short vowels
    ("مدنياً", "مدنيا"),                                    # tanween on the alef
    ("أكثر", "اكثر"), ("إصابة", "اصابه"), ("آلاف", "الاف"), ("ٱلله", "الله"),   # alef forms
    ("على", "علي"), ("مستشفی", "مستشفي"),                 # alef maksura, Persian yeh
    ("حصيلة", "حصيله"),                                    # taa marbuta
    ("کشته", "كشته"),                                      # Persian keheh
    ("مسؤول", "مسؤول"), ("رئيس", "رئيس"),                 # hamza on waw / yeh kept
    ("٢٤ مدنياً", "24 مدنيا"),                             # Arabic-Indic digits
    ("۲۴ نفر", "24 نفر"),                                   # Eastern Arabic-Indic digits
    ("٢٤٬٥٠٠", "24,500"), ("١٫٥ مليون", "1.5 مليون"),       # Arabic separators
    ("قتلى، جرحى؛ لماذا؟", "قتلي, جرحي; لماذا?"),          # Arabic marks
    ("Au moins 30 civils tués à Gao", "Au moins 30 civils tués à Gao"),   # other scripts unchanged
    ("Gunmen killed 12", "Gunmen killed 12"),
])
def test_normalise(text: str, want: str) -> None:
    assert normalise(text) == want


def test_one_spelling_whatever_the_writing() -> None:
    # one headline, written four ways: with vowels, tatweel, hamza and Eastern digits, or none of them
    forms = ["مَقْتَلُ ٢٤ مدنيّاً على الأقل في اللاذقية", "مقتـل 24 مدنيا علي الاقل في اللاذقيه",
             "مقتل ۲۴ مدنياً على الأقل في اللاذقية", "مقتل 24 مدنيا على الأقل في اللاذقية"]
    assert len({normalise(f) for f in forms}) == 1


def test_the_tokeniser_reads_normalised_digits_as_one_number() -> None:
    tokens = tokenize(normalise("ارتفاع الحصيلة إلى ١٬٠١٨ قتيلاً"))
    assert [t.text for t in tokens if t.kind == "num"] == ["1,018"]


def test_offsets_point_back_into_the_original() -> None:
    text = "قُتِلَ ٣ جنود"
    out, where = normalise_offsets(text)
    assert out == normalise(text) == "قتل 3 جنود"
    assert len(where) == len(out) and all(normalise(text[where[k]]) == out[k] for k in range(len(out)))
    assert text[where[out.index("3")]] == "٣"


@given(st.text(alphabet=st.characters(min_codepoint=0x0600, max_codepoint=0x06FF) | st.sampled_from(" 0123x")))
def test_normalising_is_idempotent_and_offsets_agree(text: str) -> None:
    once = normalise(text)
    assert normalise(once) == once
    out, where = normalise_offsets(text)
    assert out == once and len(where) == len(out) and where == sorted(where)


def test_arabic_script_share() -> None:
    assert is_arabic_script("مقتل 24 مدنيا في اللاذقية")
    assert not is_arabic_script("Au moins 30 civils tués")
    assert not is_arabic_script("12 345")
    assert is_arabic_script("کشته شدند")          # Persian is Arabic script too: the detector tells them apart
