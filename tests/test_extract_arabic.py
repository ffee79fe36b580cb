"""Arabic extraction: normalisation, clitics, numbers, the glossary's reading, the output contract in
English, places in Arabic script, operator glossary files. Sentences written for these tests."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from warnd.errors import ConfigError
from warnd.extract import Extractor, eval_extract, load_extractor
from warnd.extract.arabic import normalise, place_key
from warnd.extract.language import item_language
from warnd.extract.tokens import tokenize

CORPUS = Path(__file__).parent / "data" / "extract_corpus"


@pytest.fixture(scope="module")
def extractor() -> Extractor:
    return load_extractor()


def glossed(extractor: Extractor, text: str) -> str:
    return " ".join(t.text for t in extractor.glossaries["ar"].apply(tokenize(text)))


@pytest.mark.parametrize(("word", "form"), [
    pytest.param("أطفال", "اطفال", id="alef-hamza-above"),
    pytest.param("إصابة", "اصابه", id="alef-hamza-below-and-taa-marbuta"),
    pytest.param("آلاف", "الاف", id="alef-madda"),
    pytest.param("قتلى", "قتلي", id="alef-maqsura"),
    pytest.param("مدنيًّا", "مدنيا", id="harakat-and-shadda"),
    pytest.param("قتـــلى", "قتلي", id="tatweel"),
    pytest.param("لاذقیه", "لاذقيه", id="persian-yeh"),
])
def test_normalisation_for_matching(word: str, form: str) -> None:
    assert normalise(word) == form


@given(st.text(alphabet=st.characters(min_codepoint=0x600, max_codepoint=0x6FF), max_size=30))
def test_normalisation_is_idempotent(text: str) -> None:
    assert normalise(normalise(text)) == normalise(text)


@given(st.text(alphabet=st.sampled_from(list("قتلمدنيأإآىةـًٌٍَُِّْ٠١٢٣٤٥٦٧٨٩۰۴٬٫،؛؟ -:0123والبك\n")), max_size=80))
@settings(max_examples=150, deadline=None)
def test_arabic_reading_never_raises(text: str) -> None:
    _shared().extract_text(text, language="ar")


_LOADED: list[Extractor] = []


def _shared() -> Extractor:
    """One extractor for the property test (hypothesis does not take function-scoped fixtures)."""
    if not _LOADED:
        _LOADED.append(load_extractor())
    return _LOADED[0]


def test_place_keys_drop_the_article_of_each_word() -> None:
    assert place_key("دير الزور") == "دير زور" and place_key("اللاذقية") == "لاذقيه"


@pytest.mark.parametrize(("text", "reading"), [
    pytest.param("قتل ثلاثة مدنيين", "killed 3 civilians", id="number-word"),
    pytest.param("خمسة وعشرون قتيلاً", "25 dead", id="unit-and-tens"),
    pytest.param("ثلاثة عشر جريحاً", "13 wounded", id="teen"),
    pytest.param("قتل ٢٤ مدنياً", "killed 24 civilians", id="arabic-indic-digits"),
    pytest.param("نزوح ۱۲۰ عائلة", "the displacement of 120 family", id="eastern-digits"),
    pytest.param("١٬٢٠٠ نازح", "1,200 displaced", id="arabic-thousands-separator"),
    pytest.param("12 ألف نازح", "12000 displaced", id="digits-and-scale"),
    pytest.param("3 آلاف شخص", "3000 people", id="digits-and-plural-scale"),
    pytest.param("45 ألفاً و300 قتيل", "45300 dead", id="scale-and-remainder"),
    pytest.param("قتيلان", "two dead", id="dual"),
    pytest.param("طفلين", "two children", id="dual-oblique"),
    pytest.param("عشرات القتلى", "dozens dead", id="vague-tens"),
    pytest.param("وبالموصل", "and in Mosul", id="clitics-before-a-place"),
    pytest.param("والأطفال", "and children", id="conjunction-and-article"),
    pytest.param("وزارة", "وزاره", id="a-word-that-starts-like-a-clitic-stays-whole"),
    pytest.param("الذكرى الأربعين", "anniversary الاربعين", id="an-ordinal-is-no-count"),
    pytest.param("قتل 24 مدنياً على الأقل", "killed at least 24 civilians", id="hedge-after-its-count"),
    pytest.param("قرابة 70", "nearly 70", id="hedge-before-a-number"),
    pytest.param("اعتقلت الشرطة 9 أشخاص", "الشرطه arrested 9 people", id="verb-subject-object"),
    pytest.param("مدنيين أكراد", "Kurdish civilians", id="adjective-after-its-noun"),
    pytest.param("قرية الكفير الدرزية", "the Druze village of الكفير", id="adjective-after-a-named-noun"),
    pytest.param("بلدة الكفير ذات الغالبية المسيحية", "the Christian town of الكفير", id="a-majority-town"),
    pytest.param("بيروت، الأحد؛ هل؟", "Beirut , Sunday ; هل ?", id="arabic-punctuation"),
])
def test_the_glossary_reads_arabic_as_the_shared_rules_do(extractor: Extractor, text: str, reading: str) -> None:
    assert glossed(extractor, text) == reading


def _cas(extractor: Extractor, text: str) -> list[tuple[str, int, str, str, bool, str | None]]:
    signals = extractor.extract_text(text, language="ar")
    return [(c.kind.value, c.count, c.qualifier.value, c.victims, c.cumulative, c.location) for c in signals.casualties]


@pytest.mark.parametrize(("text", "want"), [
    pytest.param("حمص - قُتل 11 مدنياً على الأقل في قصف على حي سكني.",
                 [("killed", 11, "at_least", "civilians", False, "Homs")], id="passive-hedge-after"),
    pytest.param("أصيب أكثر من 30 شخصاً بجروح في انفجار بمدينة كركوك.",
                 [("injured", 30, "more_than", "people", False, "Kirkuk")], id="injured-more-than"),
    pytest.param("نزح نحو 5 آلاف شخص من قرى ريف إدلب.",
                 [("displaced", 5000, "about", "people", False, "Idlib")], id="displaced-about-thousands"),
    pytest.param("خطف مسلحون 6 عمال قرب مدينة سبها.",
                 [("kidnapped", 6, "exact", "civilians", False, "Sebha")], id="verb-subject-object"),
    pytest.param("ارتفعت حصيلة القتلى في دير الزور إلى 77 قتيلاً منذ بداية الشهر.",
                 [("killed", 77, "exact", "people", True, "Deir ez-Zor")], id="running-toll"),
    pytest.param("استشهد 9 فلسطينيين، بينهم 4 أطفال، في غارة على رفح.",
                 [("killed", 9, "exact", "people", False, "Rafah"), ("killed", 4, "exact", "children", False, "Rafah")],
                 id="breakdown"),
    pytest.param("لقي جنديان حتفهما وفُقد 3 آخرون في هجوم قرب بيدوا.",
                 [("killed", 2, "exact", "security forces", False, "Baidoa"),
                  ("missing", 3, "exact", "people", False, "Baidoa")], id="dual-and-missing"),
    pytest.param("قُتل 10 أشخاص بينهم ثلاثة أطفال وأربع نساء في قصف على دوما.",
                 [("killed", 10, "exact", "people", False, "Douma"), ("killed", 3, "exact", "children", False, "Douma"),
                  ("killed", 4, "exact", "women", False, "Douma")], id="a-count-after-wa-is-not-joined-to-it"),
    pytest.param("ارتفعت الحصيلة في حمص إلى 20 قتيلاً و45 جريحاً.",
                 [("killed", 20, "exact", "people", True, "Homs"), ("injured", 45, "exact", "people", True, "Homs")],
                 id="a-conjunction-written-onto-a-figure"),
    # vague numbers give no figure, as "dozens" does not
    pytest.param("قتل عشرات المدنيين في حلب.", [], id="vague-dozens"),
    pytest.param("نزحت آلاف العائلات من الفاشر.", [], id="vague-thousands"),
    # not casualties
    pytest.param("دخلت 80 شاحنة مساعدات إلى غزة.", [], id="trucks"),
    pytest.param("وزعت منظمة 3000 سلة غذائية على النازحين في مأرب.", [], id="food-baskets"),
    pytest.param("فاز الفريق بثلاثة أهداف في تونس.", [], id="goals"),
])
def test_arabic_figures_come_out_in_english(extractor: Extractor, text: str,
                                            want: list[tuple[str, int, str, str, bool, str | None]]) -> None:
    assert _cas(extractor, text) == want


def test_places_and_communities_come_out_under_their_english_names(extractor: Extractor) -> None:
    signals = extractor.extract_text("مقتل 30 مدنياً من الطائفة العلوية في اللاذقية وطرطوس.", language="ar")
    assert {p.name for p in signals.places} == {"Latakia", "Tartus"} and signals.targeted_groups == ("Alawite",)
    signals = extractor.extract_text("قُتل 5 من الدروز في هجوم على بلدة في ريف السويداء.", language="ar")
    assert {p.name for p in signals.places} == {"Suwayda"} and signals.targeted_groups == ("Druze",)


@pytest.mark.parametrize(("text", "places"), [
    pytest.param("عرضت صور الهجوم على التلفزيون.", set(), id="pictures-not-tyre"),
    pytest.param("قُتل شخصان في غارة على مدينة صور.", {"Tyre"}, id="tyre-after-a-cue"),
    pytest.param("اجتمع المسؤولون في المدينة يوم الخميس.", set(), id="the-town-and-thursday-are-words"),
    pytest.param("أعلنت السلطات اعتقال 4 أشخاص.", set(), id="the-authorities-are-no-town"),
    pytest.param("تونس - غرق 3 مهاجرين.", {"Tunis"}, id="a-dateline-names-the-town"),
    pytest.param("تونس: غرق 3 مهاجرين.", {"Tunisia"}, id="a-headline-names-the-country"),
    pytest.param("قصف على حمص وحماة.", {"Homs", "Hama"}, id="a-list-of-places-goes-on-after-wa"),
])
def test_places_named_like_common_words_need_a_cue(extractor: Extractor, text: str, places: set[str]) -> None:
    assert {p.name for p in extractor.extract_text(text, language="ar").places} == places


def test_an_undeclared_arabic_item_is_detected_and_read(extractor: Extractor) -> None:
    from warnd.types import Item
    signals = extractor.extract(Item(feed="f", key="k", title="مقتل 7 مدنيين في قصف على مدينة حلب"))
    assert (signals.language, signals.read) == ("ar", True)
    assert [(c.kind.value, c.count, c.location) for c in signals.casualties] == [("killed", 7, "Aleppo")]
    # the detector's Moroccan and Egyptian Arabic classes, or a feed that declares them, are read as Arabic
    assert item_language("ary", "", extractor.detector) == "ar" and item_language("arz-EG", "", extractor.detector) == "ar"


def test_an_operator_glossary_adds_words(tmp_path: Path) -> None:
    extra = tmp_path / "ar.yaml"
    extra.write_text("language: ar\nwords:\n  ذبح: killed\nadjectives:\n  الأوغيك: Ogiek\n", encoding="utf-8")
    communities = tmp_path / "communities.yaml"
    communities.write_text("communities:\n  - {name: Ogiek, forms: [Ogiek, Ogieks]}\n", encoding="utf-8")
    ex = load_extractor(lexicon_files=[extra, communities])
    signals = ex.extract_text("ذبح 9 مدنيين الأوغيك في كركوك.", language="ar")
    assert [(c.kind.value, c.count, c.victims) for c in signals.casualties] == [("killed", 9, "civilians")]
    assert signals.targeted_groups == ("Ogiek",)


def test_a_mistake_in_an_operator_glossary_is_located(tmp_path: Path) -> None:
    bad = tmp_path / "ar.yaml"
    bad.write_text("language: ar\nwords:\n  ذبح: killed\n  حصيلة: [toll]\nأفعال: {}\n", encoding="utf-8")
    with pytest.raises(ConfigError) as e:
        load_extractor(lexicon_files=[bad])
    text = str(e.value)
    assert f"{bad}:4:" in text and f"{bad}:5:" in text


def test_eval_extract_reports_arabic_beside_english(extractor: Extractor, tmp_path: Path) -> None:
    mixed = tmp_path / "mixed.jsonl"
    lines = (CORPUS / "fold1.jsonl").read_text(encoding="utf-8").splitlines()[:2] \
        + (CORPUS / "ar1.jsonl").read_text(encoding="utf-8").splitlines()[:3]
    mixed.write_text("\n".join(lines) + "\n", encoding="utf-8")
    out = io.StringIO()
    assert eval_extract(mixed, extractor, out) == 0
    assert "\n=== language ar (3 items)\nitems: 3\n" in out.getvalue()


def test_the_arabic_folds_are_labelled_arabic() -> None:
    for name in ("ar1.jsonl", "ar2.jsonl"):
        rows = [json.loads(line) for line in (CORPUS / name).read_text(encoding="utf-8").splitlines()]
        assert len(rows) == 50 and {r["lang"] for r in rows} == {"ar"}
