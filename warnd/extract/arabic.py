"""Arabic text normalised for matching: the groundwork of Arabic extraction (issue 20).

Arabic news writes one word in several ways: with or without short vowels (diacritics), with a
stretched letter (tatweel, "مقتـــل"), with hamza on the alef or not ("أكثر" / "اكثر"), with alef
maksura or yeh at the end ("على" / "علي"), with taa marbuta or heh ("مدينة" / "مدينه"), and with
Western, Arabic-Indic ("٢٤") or Eastern Arabic-Indic ("۲۴", as Persian and Urdu keyboards type)
digits. Lexicons and the gazetteer are matched against one form:

- diacritics (fathatan to sukun, the superscript alef, Quranic marks) and tatweel are removed;
- alef with hamza above or below, alef madda and alef wasla become bare alef (ا);
- alef maksura (ى) and the Persian yeh (ی) become yeh (ي); the Persian keheh (ک) becomes kaf (ك);
- taa marbuta (ة) becomes heh (ه), and heh with yeh above (ۀ) heh;
- both Arabic-Indic digit sets become ASCII digits, the Arabic decimal and thousands separators
  (٫ ٬) "." and ",", and the Arabic comma, semicolon and question mark (، ؛ ؟) their Latin marks, so
  the shared tokeniser reads "٢٤٬٥٠٠" as one number, 24,500.

Hamza on waw or yeh (ؤ ئ) is kept: folding it changes words ("مسؤول" official) more often than it
helps. Text in other scripts passes through unchanged (a French or English item is not altered).

`normalise` is one `str.translate` (linear in the text, ~1 µs per short item); `normalise_offsets`
also says where each character of the result came from, for extractors that must point back into
the original text.
"""

from __future__ import annotations

_DIACRITICS = [*range(0x064B, 0x0660), 0x0670, *range(0x06D6, 0x06DD), *range(0x06DF, 0x06E5),
               0x06E7, 0x06E8, *range(0x06EA, 0x06EE)]
_TATWEEL = 0x0640
_LETTERS = {
    "أ": "ا", "إ": "ا", "آ": "ا", "ٱ": "ا",     # alef with hamza above/below, madda, wasla
    "ى": "ي", "ی": "ي",                        # alef maksura, Persian yeh
    "ک": "ك",                                   # Persian keheh
    "ة": "ه", "ۀ": "ه",                         # taa marbuta, heh with yeh above
}
_MARKS = {"٫": ".", "٬": ",", "،": ",", "؛": ";", "؟": "?"}
_DIGITS = {**{chr(0x0660 + d): str(d) for d in range(10)}, **{chr(0x06F0 + d): str(d) for d in range(10)}}

_TABLE: dict[int, str | None] = {
    **dict.fromkeys(_DIACRITICS), _TATWEEL: None,
    **{ord(k): v for k, v in (_LETTERS | _MARKS | _DIGITS).items()},
}


def normalise(text: str) -> str:
    """`text` with Arabic letter forms, diacritics, tatweel, digits and marks normalised (see above)."""
    if text.isascii():
        return text
    return text.translate(_TABLE)


def normalise_offsets(text: str) -> tuple[str, list[int]]:
    """The normalised text and, for each of its characters, the index of the character of `text` it
    comes from (removed characters have none; every kept one maps to exactly one)."""
    out: list[str] = []
    where: list[int] = []
    for i, c in enumerate(text):
        mapped = _TABLE.get(ord(c), c)
        if mapped is None:
            continue
        out.append(mapped)
        where.extend([i] * len(mapped))
    return "".join(out), where


def is_arabic_script(text: str, *, share: float = 0.5) -> bool:
    """True when at least `share` of the letters of `text` are in the Arabic script (U+0600–U+06FF,
    U+0750–U+077F, the presentation forms): a cheap first look before a detector."""
    letters = arabic = 0
    for c in text:
        if c.isalpha():
            letters += 1
            o = ord(c)
            if 0x0600 <= o <= 0x06FF or 0x0750 <= o <= 0x077F or 0xFB50 <= o <= 0xFDFF or 0xFE70 <= o <= 0xFEFF:
                arabic += 1
    return letters > 0 and arabic >= share * letters
