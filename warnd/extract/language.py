"""The language of an item: the one its feed declares, else the one a detector reads in its text.

Declared first: an operator's `language:` on the feed in warnd.yaml, else the feed's own (`<language>`
in RSS, `xml:lang` in Atom, `language` in JSON Feed), which `warnd.parse` puts on each item. A
declared code is reduced to its primary subtag ("fr-FR", "fr_CA" -> "fr").

Detected otherwise, with py3langid (chosen by measurement, bench/langid.py and bench/README.md:
the best accuracy on short en/fr/ar news items of the detectors whose model ships in the package;
it is loaded on the first item that needs it, so start-up does not pay its 0.7 s). News headlines
are short and detectors are unsure on them; warnd read only English until French came, so when
the detector is unsure and English is among its near answers (or English function words make up a
third of the text), the item is English; a text in ASCII letters an eighth of whose words (two at least)
are English words no other language writes ("the", "killed", "were") is English without asking the
model at all (most undeclared items): an English headline is never turned into "not read" by a
shaky guess. Capitalised words (names) are left out of what the detector sees.
"""

from __future__ import annotations

import re
import threading
from typing import Any

ENGLISH = "en"
UNDETERMINED = "und"    # ISO 639-2 "undetermined": no letters to read a language from
_CODE = re.compile(r"[A-Za-z]{2,3}(?=$|[-_])")
_SAMPLE = 300           # characters read: a title and the start of a summary say the language
_SURE = 0.5             # the normalised probability above which a detector's answer stands alone
_NEAR = 3               # English within the detector's first three answers wins an unsure call
# The model's Nigerian Pidgin class takes some short English headlines, sometimes with probability
# above 0.5; Pidgin's words are English ones, so the English rules are the right reading of both
# ("Gunmen kill 3" is called Pidgin, English 8th).
_ENGLISH_LIKE = frozenset({"pcm"})
# English function words and the commonest harm words: on an unsure call, a text a third of whose
# common words are these is English ("A tornado struck Tulsa, OK, on Monday" is called Portuguese,
# probability 0.2, English 12th). Words other languages share in the same sense are fine: the
# third is what counts ("Ataque a aldeia deixa oito vitimas" has one "a" in six words).
_ENGLISH_CUES = frozenset({"the", "a", "an", "of", "in", "on", "at", "to", "and", "for", "with", "by", "from",
                           "after", "as", "is", "was", "were", "are", "has", "have", "had", "been", "said",
                           "says", "killed", "kill", "kills", "dead", "wounded", "injured", "people", "over",
                           "near", "into", "amid", "their", "his", "her", "its", "they", "who"})
# the cues that are words in no other language warnd meets (Hausa "a", "an"; French "on"; Dutch "in")
_STRONG_CUES = _ENGLISH_CUES - {"a", "an", "in", "on", "at", "to", "is", "as", "by", "for", "over", "her", "had"}


def language_code(value: str | None) -> str | None:
    """The primary language subtag of a declared language ("fr-FR" -> "fr"), or None if it names none."""
    if not value:
        return None
    m = _CODE.match(value.strip())
    return m.group(0).lower() if m else None


class Detector:
    """Detects the language of a text; the model is loaded once, on first use, by whichever thread
    asks first (the daemon extracts in worker threads)."""

    def __init__(self) -> None:
        self._identifier: Any = None
        self._lock = threading.Lock()

    @property
    def loaded(self) -> bool:
        """Whether the model has been loaded (an item needed it)."""
        return self._identifier is not None

    def _model(self) -> Any:
        if self._identifier is None:
            with self._lock:
                if self._identifier is None:
                    # imported here: numpy and the model cost ~0.7 s, paid only when a feed declares no language
                    from py3langid.langid import MODEL_FILE, LanguageIdentifier  # type: ignore[import-untyped]
                    self._identifier = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
        return self._identifier

    def detect(self, text: str) -> str:
        """The ISO 639-1 code of `text`'s language; English when unsure and English is a near answer."""
        text = text[:_SAMPLE]
        if not any(c.isalpha() for c in text):
            return UNDETERMINED
        common = _common_words(text)
        lows = [w.lower() for w in common]
        cues = sum(w in _ENGLISH_CUES for w in lows)
        strong = sum(w in _STRONG_CUES for w in lows)
        if strong >= 2 and 8 * strong >= len(common) and all(c.isascii() for c in text if c.isalpha()):
            # most undeclared items are English: ASCII letters, an eighth of them English words that no
            # other language writes, settles it without the model (~0.3 ms an item, 100 MB once)
            return ENGLISH
        ranked = self._model().rank(" ".join(common))
        best, probability = ranked[0]
        if best == ENGLISH or best in _ENGLISH_LIKE:
            return ENGLISH
        if probability >= _SURE:
            return str(best)
        if any(code == ENGLISH for code, _ in ranked[:_NEAR]) or 3 * cues >= len(common):
            return ENGLISH
        return str(best)


_WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)?")


def _common_words(text: str) -> list[str]:
    """The text without its capitalised words: names of places and people ("Dayr az-Zawr", "Jableh")
    say nothing of the language around them and sway a detector on a headline. The first word of the
    text is kept, and the whole text when fewer than two words would be left (a title-case headline)."""
    words = _WORD.findall(text)
    common = [w for k, w in enumerate(words) if k == 0 or not w[0].isupper()]
    return common if len(common) >= 2 else words


# The detector's Moroccan and Egyptian Arabic classes take short MSA items from those countries (one of
# the 100 Arabic corpus items came out "ary"); warnd reads Arabic script and MSA vocabulary as "ar".
_ARABIC_VARIETIES = frozenset({"ary", "arz"})


def item_language(declared: str | None, text: str, detector: Detector) -> str:
    """The language an item is read in: its declared language, else the detected one."""
    code = language_code(declared) or detector.detect(text)
    return "ar" if code in _ARABIC_VARIETIES else code
