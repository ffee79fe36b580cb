"""French extraction: the glossary (elision, numbers, phrases, adjectives), the output contract in
English, operator glossary files, and eval-extract per language. Sentences written for these tests."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from warnd.errors import ConfigError
from warnd.extract import Extractor, eval_extract, load_extractor
from warnd.extract.tokens import tokenize

CORPUS = Path(__file__).parent / "data" / "extract_corpus"


@pytest.fixture(scope="module")
def extractor() -> Extractor:
    return load_extractor()


def glossed(extractor: Extractor, text: str) -> str:
    return " ".join(t.text for t in extractor.glossaries["fr"].apply(tokenize(text)))


@pytest.mark.parametrize(("text", "reading"), [
    ("l'attaque d’une position", "the attack of a position"),                 # elision, both apostrophes
    ("N'Djamena et Amoron'i Mania", "N'Djamena and Amoron'i Mania"),           # names keep theirs
    ("quatre-vingt-dix blessés", "90 injured"),
    ("soixante-dix-sept morts", "77 dead"),
    ("vingt et un disparus", "21 missing"),
    ("deux cents déplacés", "200 displaced"),
    ("trois mille personnes", "3000 people"),
    ("1,5 million de déplacés", "1.5 million of displaced"),                  # decimal comma
    ("1,200 déplacés", "1,200 displaced"),                                     # three digits: thousands
    ("près de Gao", "near Gao"),
    ("près de 40 fidèles", "nearly 40 worshippers"),                           # before a number: a hedge
    ("civils alaouites", "Alawite civilians"),                                 # adjective moves in front
    ("soldats maliens", "Malian soldiers"),
    ("Port-au-Prince et Croix-des-Bouquets", "Port - au - Prince and Croix - des - Bouquets"),
    ("la région de l'Est", "the region of the Est"),                           # a capitalised name stays
    ("ont trouvé la mort", "died"),
    ("A GAO, 3 TUES", "A GAO , 3 killed"),           # capitals lost their accents: à/a stays unread
])
def test_the_glossary_reads_french_as_the_shared_rules_do(extractor: Extractor, text: str, reading: str) -> None:
    assert glossed(extractor, text) == reading


def _cas(extractor: Extractor, text: str) -> list[tuple[str, int, str, str, bool, str | None]]:
    signals = extractor.extract_text(text, language="fr")
    assert signals.language == "fr" and signals.read
    return [(c.kind.value, c.count, c.qualifier.value, c.victims, c.cumulative, c.location)
            for c in signals.casualties]


@pytest.mark.parametrize(("text", "want"), [
    ("Au moins 30 civils ont été tués lors de l’attaque d’un village près de Djibo.",
     [("killed", 30, "at_least", "civilians", False, "Djibo")]),
    ("Plus de 200 familles ont fui les combats à Bambari.",
     [("displaced", 200, "more_than", "families", False, "Bambari")]),
    ("Trois gendarmes ont trouvé la mort dans une embuscade près de Bamenda.",
     [("killed", 3, "exact", "security forces", False, "Bamenda")]),
    ("Dix-sept soldats ont péri et 21 autres ont été blessés à Tillabéri.",
     [("killed", 17, "exact", "security forces", False, "Tillaberi"),
      ("injured", 21, "exact", "people", False, "Tillaberi")]),
    ("Des hommes armés ont enlevé cinq enseignants à Kaya.",
     [("kidnapped", 5, "exact", "people", False, "Kaya")]),
    ("Le bilan s'alourdit à 45 morts à Bunia.", [("killed", 45, "exact", "people", True, "Bunia")]),
    ("Une explosion a fait 12 morts, dont quatre enfants, à Kisangani.",
     [("killed", 12, "exact", "people", False, "Kisangani"),
      ("killed", 4, "exact", "children", False, "Kisangani")]),
    # vague numbers give no figure, as "dozens" does not
    ("Une trentaine de civils ont été tués à Ménaka.", []),
    ("Des dizaines de personnes ont été blessées à Gao.", []),
    # not casualties
    ("La distribution de vivres a touché 2 000 familles à Kaya.", []),
    ("Le conseil a voté un budget de 12 milliards de francs.", []),
])
def test_french_figures_come_out_in_english(extractor: Extractor, text: str,
                                            want: list[tuple[str, int, str, str, bool, str | None]]) -> None:
    assert _cas(extractor, text) == want


def test_places_and_communities_come_out_under_their_english_names(extractor: Extractor) -> None:
    signals = extractor.extract_text("Au moins 40 civils alaouites tués à Lattaquié, en Syrie.", language="fr")
    assert {p.name for p in signals.places} == {"Latakia", "Syria"} and signals.targeted_groups == ("Alawite",)
    signals = extractor.extract_text("Au Tchad, 12 fidèles chrétiens tués dans une église.", language="fr")
    assert {p.name for p in signals.places} == {"Chad"} and signals.targeted_groups == ("Christian",)
    signals = extractor.extract_text("Tombouctou : 5 villageois peuls tués.", language="fr")
    assert {p.name for p in signals.places} == {"Timbuktu"} and signals.targeted_groups == ("Fulani",)


@pytest.mark.parametrize(("text", "groups"), [
    # a community named by its post-nominal adjective, after a community noun or a people noun
    ("Des hommes armés ont tué 12 membres de la communauté peule dans le centre du Mali.", ("Fulani",)),
    ("Les miliciens ont ciblé des civils de l'ethnie mbororo, tuant 9 personnes.", ("Mbororo",)),
    ("Des assaillants ont pris pour cible des villageois haoussa, tuant 7 personnes.", ("Hausa",)),
    ("Deux fidèles coptes ont été tués devant une église.", ("Coptic",)),
    # a community that is no victim: members voting, a people named in no harm
    ("Les députés de la communauté peule ont voté le budget de 2025.", ()),
    ("Tous les habitants ont fui vers Kaya.", ()),
])
def test_a_community_named_by_its_french_adjective(extractor: Extractor, text: str, groups: tuple[str, ...]) -> None:
    assert extractor.extract_text(text, language="fr").targeted_groups == groups


def test_an_operator_glossary_adds_words(tmp_path: Path) -> None:
    extra = tmp_path / "fr.yaml"
    extra.write_text("language: fr\ninflected:\n  trucidé: killed\nadjectives:\n  ogiek: Ogiek\n", encoding="utf-8")
    communities = tmp_path / "communities.yaml"
    communities.write_text("communities:\n  - {name: Ogiek, forms: [Ogiek, Ogieks]}\n", encoding="utf-8")
    ex = load_extractor(lexicon_files=[extra, communities])
    signals = ex.extract_text("Neuf villageois ogieks ont été trucidés à Nakuru.", language="fr")
    assert [(c.kind.value, c.count, c.victims) for c in signals.casualties] == [("killed", 9, "civilians")]
    assert signals.targeted_groups == ("Ogiek",)


def test_a_mistake_in_an_operator_glossary_is_located(tmp_path: Path) -> None:
    bad = tmp_path / "fr.yaml"
    bad.write_text("language: fr\nwords:\n  tué: killed\n  bilan: [toll]\nverbes: {}\n", encoding="utf-8")
    with pytest.raises(ConfigError) as e:
        load_extractor(lexicon_files=[bad])
    text = str(e.value)
    assert f"{bad}:4:" in text and f"{bad}:5:" in text


def test_eval_extract_reports_each_language(extractor: Extractor, tmp_path: Path) -> None:
    mixed = tmp_path / "mixed.jsonl"
    lines = (CORPUS / "fold1.jsonl").read_text(encoding="utf-8").splitlines()[:3] \
        + (CORPUS / "fr1.jsonl").read_text(encoding="utf-8").splitlines()[:3]
    mixed.write_text("\n".join(lines) + "\n", encoding="utf-8")
    out = io.StringIO()
    assert eval_extract(mixed, extractor, out) == 0
    text = out.getvalue()
    assert text.startswith("items: 6\n")
    assert "\n=== language en (3 items)\nitems: 3\n" in text and "\n=== language fr (3 items)\nitems: 3\n" in text
    single = io.StringIO()
    assert eval_extract(CORPUS / "fr2.jsonl", extractor, single) == 0
    assert "=== language" not in single.getvalue()          # one language: the report as it always was


def test_the_french_folds_are_labelled_french() -> None:
    for name in ("fr1.jsonl", "fr2.jsonl"):
        rows = [json.loads(line) for line in (CORPUS / name).read_text(encoding="utf-8").splitlines()]
        assert len(rows) == 50 and {r["lang"] for r in rows} == {"fr"}
