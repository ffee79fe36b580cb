"""The language of an item: declared, else detected; a language warnd does not read gives no figures."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime

import pytest

from warnd.clock import FakeClock
from warnd.daemon import TimedExtractor
from warnd.extract import Extractor, extract_jsonl, load_extractor
from warnd.extract.language import Detector, item_language, language_code
from warnd.metrics import Metrics
from warnd.types import Item


@pytest.fixture(scope="module")
def extractor() -> Extractor:
    return load_extractor()


@pytest.fixture(scope="module")
def detector() -> Detector:
    return Detector()


@pytest.mark.parametrize(("declared", "code"), [
    ("fr", "fr"), ("fr-FR", "fr"), ("fr_CA", "fr"), ("AR-sy", "ar"), ("en-GB", "en"), ("fil", "fil"),
    ("", None), (None, None), ("french", None), ("12", None), (" de ", "de"),
])
def test_a_declared_language_is_its_primary_subtag(declared: str | None, code: str | None) -> None:
    assert language_code(declared) == code


@pytest.mark.parametrize(("text", "lang"), [
    ("Au moins 30 civils tués lors de l'attaque d'un village près de Djibo", "fr"),
    ("Le bilan provisoire s'alourdit à 45 morts à Bunia, selon la société civile", "fr"),
    ("مقتل 24 مدنيا من الطائفة العلوية في اللاذقية", "ar"),
    ("Mindestens 30 Zivilisten bei einem Angriff auf ein Dorf getötet", "de"),
    ("Al menos 20 muertos en un ataque armado contra una aldea", "es"),
    ("Gunmen killed 12 villagers near Jableh on Friday", "en"),
    # short English headlines the model is unsure of, or gives to English-lexified Pidgin: English
    ("Gunmen kill 3", "en"),
    ("Clashes in Jos", "en"),
    ("Boat capsize toll climbs to 40 in Kebbi", "en"),
    ("12 345", "und"),
])
def test_detection(detector: Detector, text: str, lang: str) -> None:
    assert detector.detect(text) == lang


def test_plain_english_needs_no_model() -> None:
    fresh = Detector()
    assert fresh.detect("Gunmen killed 12 villagers near Jableh and wounded the others, officials said.") == "en"
    assert not fresh.loaded            # settled by its English words: no 0.7 s, no 100 MB
    assert fresh.detect("An kashe mutane 12 a harin da aka kai") != "en"   # Hausa's "an", "a" are no such words
    assert fresh.loaded


def test_declared_language_wins_over_detection(detector: Detector) -> None:
    assert item_language("de", "Gunmen killed 12 villagers near Jableh", detector) == "de"
    assert item_language(None, "Gunmen killed 12 villagers near Jableh", detector) == "en"


def test_a_language_warnd_does_not_read_gives_no_figures(extractor: Extractor) -> None:
    # German with English-looking figures: English rules must not read "30 killed" here
    text = "Mindestens 30 Zivilisten getötet, 12 injured nach Angriff auf Dorf bei Jableh"
    signals = extractor.extract_text(text, language="de")
    assert (signals.language, signals.read, signals.casualties, signals.places) == ("de", False, (), ())
    item = Item(feed="f", key="k", title="Mindestens 30 Zivilisten bei einem Angriff auf ein Dorf getötet")
    detected = extractor.extract(item)
    assert (detected.language, detected.read, detected.casualties) == ("de", False, ())


def test_english_is_read_and_says_so(extractor: Extractor) -> None:
    signals = extractor.extract(Item(feed="f", key="k", title="Gunmen killed 12 villagers near Jableh",
                                     language="en-GB"))
    assert (signals.language, signals.read, [c.count for c in signals.casualties]) == ("en", True, [12])


def test_warnd_extract_says_which_language_and_whether_read(extractor: Extractor) -> None:
    src = io.StringIO(json.dumps({"id": "de", "text": "Zwei Soldaten bei Explosion verletzt", "lang": "de"}) + "\n"
                      + json.dumps({"id": "en", "text": "Two soldiers were wounded in a blast."}) + "\n"
                      + json.dumps({"id": "bad", "text": "x", "lang": 7}) + "\n")
    dst, err = io.StringIO(), io.StringIO()
    assert extract_jsonl(src, dst, extractor, err=err) == 1
    de, en = (json.loads(line) for line in dst.getvalue().splitlines())
    assert (de["language"], de["read"], de["casualties"], de["is_casualty_report"]) == ("de", False, [], False)
    assert (en["language"], en["read"], en["casualties"][0]["count"]) == ("en", True, 2)
    assert "line 3: 'lang' must be a language code" in err.getvalue()


def test_the_daemon_counts_items_by_language(extractor: Extractor) -> None:
    clock = FakeClock(datetime(2025, 3, 8, 12, 0, tzinfo=UTC))
    metrics = Metrics(clock=clock)
    timed = TimedExtractor(extractor, metrics, clock)
    timed.extract(Item(feed="f", key="1", title="Zwei Soldaten bei Explosion verletzt", language="de"))
    timed.extract(Item(feed="f", key="2", title="Two soldiers were wounded in a blast", language="en"))
    text = metrics.render().decode()
    assert 'warnd_items_by_language_total{language="de",read="false"} 1.0' in text
    assert 'warnd_items_by_language_total{language="en",read="true"} 1.0' in text
