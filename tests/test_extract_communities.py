"""Targeted communities: victims and targets count; parties, the excluded and the protected do not."""

from __future__ import annotations

from pathlib import Path

import pytest

from warnd.errors import ConfigError
from warnd.extract import Extractor, load_extractor


@pytest.fixture(scope="module")
def extractor() -> Extractor:
    return load_extractor()


TARGETED = [
    pytest.param("At least 745 civilians were killed, most of them Alawites.", ["Alawite"], id="most-of-them"),
    pytest.param("Gunmen attacked two Alawite villages, killing 31.", ["Alawite"], id="villages"),
    pytest.param("Attacks on Alawite and Christian communities continued.", ["Alawite", "Christian"],
                 id="communities-pair"),
    pytest.param("A Christian village was attacked overnight.", ["Christian"], id="christian-village"),
    pytest.param("A suicide bomber struck a church during Sunday Mass, killing 25.", ["Christian"],
                 id="church-attacked"),
    pytest.param("Gunmen killed 12 worshippers at a church in Ondo.", ["Christian"], id="worshippers-at-church"),
    pytest.param("The church was torched overnight.", ["Christian"], id="church-torched"),
    pytest.param("Rights groups accused the army of killing Rohingya civilians.", ["Rohingya"],
                 id="army-of-killing-is-not-attackers-from"),
    pytest.param("Alawite-majority neighbourhoods were raided and 40 men detained.", ["Alawite"],
                 id="majority-neighbourhoods"),
    pytest.param("Most of the victims were Christians, local officials said.", ["Christian"],
                 id="victims-were"),
    pytest.param("Mainly Alawites were killed in the raids.", ["Alawite"], id="mainly"),
    pytest.param("Gunmen killed three Christians in the town.", ["Christian"], id="number-then-plural"),
    pytest.param("Druze civilians were executed at a checkpoint.", ["Druze"], id="druze-civilians"),
    pytest.param("Militias hunted Masalit men through the city.", ["Masalit"], id="masalit-men"),
    pytest.param("The fighting forced 45,000 Rohingya to flee.", ["Rohingya"], id="rohingya-displaced"),
    pytest.param("Gunmen singled out ethnic Amharas, killing 200.", ["Amhara"], id="ethnic-singled-out"),
    pytest.param("The bombing killed 42 people, most of them Shia Muslims.", ["Shia"], id="shia-muslims"),
    pytest.param("Two Kurdish farmers were shot dead in their fields.", ["Kurdish"], id="kurdish-farmers"),
    pytest.param("Attackers torched homes in a Yazidi village.", ["Yazidi"], id="yazidi-village"),
    pytest.param("Gunmen stormed the mostly Christian town, killing 100.", ["Christian"], id="mostly-christian-town"),
    pytest.param("Bombers struck a Hazara neighbourhood, killing 20.", ["Hazara"], id="hazara-neighbourhood"),
    pytest.param("Hazara miners were kidnapped and killed by militants.", ["Hazara"], id="miners-passive"),
    pytest.param("An attack on a Sufi shrine killed 20 worshippers.", ["Sufi"], id="sufi-shrine"),
    pytest.param("Hindu temples were vandalised after the fall of the government.", ["Hindu"], id="temples-vandalised"),
    pytest.param("Ethnic Tigrayans were detained in mass arrests.", ["Tigrayan"], id="ethnic-detained"),
    pytest.param("Gunmen from the Fulani community attacked a Christian village, killing 40.", ["Christian"],
                 id="attackers-from-community"),
]


@pytest.mark.parametrize("text, groups", TARGETED)
def test_targeted(extractor: Extractor, text: str, groups: list[str]) -> None:
    assert list(extractor.extract_text(text).targeted_groups) == groups


NOT_TARGETED = [
    pytest.param("The committee excluded Alawites, Druze and Kurds from decision-making.", id="excluded"),
    pytest.param("The Alawite-led insurgents attacked a checkpoint, killing 16 soldiers.", id="led-compound"),
    pytest.param("Fulani herders attacked the village, killing 12 farmers.", id="perpetrator-herders"),
    pytest.param("A local Yazidi armed group clashed with the army; two soldiers were killed.", id="armed-group"),
    pytest.param("Israel said it struck Damascus to protect the Druze, killing three.", id="protected"),
    pytest.param("Christian and Muslim clerics appealed for calm after 27 were killed.", id="clerics"),
    pytest.param("Rohingya community leaders met the envoy to discuss rations.", id="no-harm"),
    pytest.param("Kurdish forces captured the town after clashes that killed 25 fighters.", id="kurdish-forces"),
    pytest.param("Survivors marked the anniversary of the massacre in which 5,000 Yazidi men were killed.",
                 id="history"),
    pytest.param("A drone strike hit the North Shewa zone of Amhara region, killing 12.", id="place-name"),
    pytest.param("A bomb killed 20 people in Quetta's Hazara Town.", id="place-name-town"),
    pytest.param("Muslim and Christian youths clashed in the town, leaving 12 dead.", id="both-sides-clashed"),
    pytest.param("Armed Druze factions took control of the city after clashes that killed 9.", id="druze-factions"),
    pytest.param("The Kurdish-led SDF said 15 of its fighters were killed.", id="kurdish-led-sdf"),
    pytest.param("Yazidi families returned to Sinjar a decade after militants killed thousands of Yazidi men.",
                 id="decade-after"),
    pytest.param("Druze-majority Sweida saw renewed clashes that killed 15.", id="majority-compound"),
    pytest.param("Church leaders held a peace meeting after the attack on a mosque.", id="church-leaders-met"),
    pytest.param("Mourners gathered at a church for the funeral of 12 people killed in shelling.",
                 id="church-as-venue"),
    pytest.param("A church run by the diocese sheltered 300 displaced families.", id="church-as-shelter"),
]


@pytest.mark.parametrize("text", NOT_TARGETED)
def test_not_targeted(extractor: Extractor, text: str) -> None:
    assert extractor.extract_text(text).targeted_groups == ()


# Victim evidence outranks the party noun that follows the name (design change 4).
VICTIM_EVIDENCE = [
    pytest.param("Thirty Kachin militiamen were among those killed when the depot was bombed.", ["Kachin"],
                 id="figure-governs-party-noun"),
    pytest.param("Six Pokot herders were lynched by a crowd at the market.", ["Pokot"],
                 id="passive-harm-after-party-noun"),
    pytest.param("Police said 14 traders were shot dead, most of whom were from the Luhya community.", ["Luhya"],
                 id="most-of-whom-were-from"),
    pytest.param("The 12 men murdered at the quarry all belonged to the Yarsani faith, relatives said.",
                 ["Yarsani"], id="belonged-to-faith"),
    pytest.param("Those abducted from the convoy were Tajik labourers, officials said.", ["Tajik"],
                 id="copula-after-victim-subject"),
    pytest.param("Raiders picked out Acholi passengers and killed four of them.", ["Acholi"], id="picked-out"),
    pytest.param("A week of fighting between Garre and Degodia clans has killed 23 people.", ["Garre", "Degodia"],
                 id="between-both-listed"),
    pytest.param("Mortar fire between Hawiye and Darod militias killed 8 people.", [], id="between-armed-sides"),
    pytest.param("Gunmen raided the grazing camps of the Marehan clan, killing 11.", ["Marehan"],
                 id="camps-of-the-clan"),
    pytest.param("The Irob clan came under repeated shelling this week and 5 died.", ["Irob"],
                 id="clan-came-under"),
    pytest.param("Health workers said the toll among Mundari families had climbed to 33.", ["Mundari"],
                 id="toll-among"),
    pytest.param("Settlers fired on Adivasi protesters, killing two.", ["Adivasi"], id="fired-on-protesters"),
]


@pytest.mark.parametrize("text, groups", VICTIM_EVIDENCE)
def test_victim_evidence(extractor: Extractor, text: str, groups: list[str]) -> None:
    assert list(extractor.extract_text(text).targeted_groups) == groups


# Stacked and multiword names are one unit; a branch drops the wider group it names.
NAMES = [
    pytest.param("A grenade hit a Sunni Baloch wedding, killing 7 guests.", ["Sunni", "Baloch"], id="sect-ethnic"),
    pytest.param("Snipers killed five Shia Muslim pilgrims on the road.", ["Shia"], id="sect-muslim"),
    pytest.param("Arsonists burned the homes of 20 Coptic Christians.", ["Coptic"], id="denomination-christians"),
    pytest.param("Gunmen killed 9 Sufi Muslims at a lodge.", ["Sufi"], id="sufi-muslims"),
    pytest.param("Thugs beat up 4 Tamil Hindus outside the temple.", ["Tamil", "Hindu"], id="ethnic-religion"),
    pytest.param("Attackers killed 17 Jikany Nuer fishermen on the river.", ["Nuer"], id="section-of-people"),
    pytest.param("An arson attack on Afro-Colombian homes left 30 families homeless.", ["Afro-Colombian"],
                 id="hyphenated-name"),
    pytest.param("Gunmen opened fire on a Baptist congregation, killing 6.", ["Baptist"], id="named-church"),
    pytest.param("Militants shelled the besieged Evangelical compound, wounding 12.", ["Evangelical"],
                 id="named-church-compound"),
    pytest.param("Arsonists attacked three vodou temples; 2 caretakers died.", ["Vodou"], id="practice-lower-case"),
    pytest.param("The mob killed 5 Mam and Tzeltal villagers.", ["Mam", "Tzeltal"], id="listed-names"),
]


@pytest.mark.parametrize("text, groups", NAMES)
def test_names(extractor: Extractor, text: str, groups: list[str]) -> None:
    assert list(extractor.extract_text(text).targeted_groups) == groups


# Names that are parties, nationalities, places, politics or people, in sentences about harm.
DANGEROUS = [
    pytest.param("Hawiye fighters overran the base, killing 20 soldiers.", id="party-noun"),
    pytest.param("Kanuri gunmen abducted the 12 travellers at dawn.", id="attackers-named-by-community"),
    pytest.param("Urhobo youths stormed the oil station and killed two guards.", id="active-verb-subject"),
    pytest.param("The Hmong-led resistance said 8 of its men died.", id="led-compound"),
    pytest.param("Eleven Sudanese migrants drowned off the coast.", id="nationality"),
    pytest.param("The shelling of the Afar region killed 14 people.", id="region-name"),
    pytest.param("A bomb killed 3 people near Tigray's border with Eritrea.", id="place"),
    pytest.param("Zapotec leaders condemned the killing of 6 teachers.", id="leaders-condemn"),
    pytest.param("The ministry appointed Kalenjin elders to mediate after 15 were killed.", id="politics"),
    pytest.param("Hausa-language radio reported that 9 people were killed.", id="language-compound"),
    pytest.param("Police arrested 30 Kanuri smugglers after a shootout that left 2 dead.", id="arrested-party"),
    pytest.param("Thai police said 5 people died when a bus overturned.", id="nationality-police"),
    pytest.param("Karen Otieno, a teacher, said 11 pupils were hurt in the blast.", id="person-name"),
    pytest.param("Gunmen, most of whom were Chamba, killed 20 villagers.", id="membership-of-attackers"),
    pytest.param("The attackers were Bachama youths, police said after 9 were killed.", id="copula-of-attackers"),
    pytest.param("Soldiers guarding the army-protected Toposa road repelled an ambush; 3 rebels were killed.",
                 id="protected-compound-no-victims"),
    pytest.param("Forensic teams found 7 bodies in a field behind a Pentecostal chapel.", id="bodies-near-church"),
    pytest.param("Imams at a mosque appealed for calm after clashes killed 5.", id="mosque-not-in-service"),
]


@pytest.mark.parametrize("text", DANGEROUS)
def test_dangerous_negatives(extractor: Extractor, text: str) -> None:
    assert extractor.extract_text(text).targeted_groups == ()


def test_generated_names_need_more_than_a_targeting_word(extractor: Extractor) -> None:
    # "Gbaya-Bozoum" is in the generated ISO 639-3 list only: a victim noun makes it count, a bare
    # targeting word before a capitalised word does not
    assert extractor.extract_text("Raiders killed 4 Gbaya-Bozoum farmers.").targeted_groups == ("Gbaya-Bozoum",)
    assert extractor.extract_text("The attack against Gbaya-Bozoum killed 4.").targeted_groups == ()


def test_generated_list_is_attributed_and_parses() -> None:
    path = Path(__file__).parent.parent / "warnd" / "extract" / "data" / "communities.tsv"
    lines = path.read_text(encoding="utf-8").splitlines()
    assert lines[0].startswith("# Generated by tools/build_communities.py from ISO 639-3")
    rows = [line.split("\t") for line in lines if not line.startswith("#")]
    assert len(rows) > 3000 and all(len(r) == 2 and r[0] in r[1].split("|") for r in rows)


def test_operator_folds_branches_into_the_wider_group(tmp_path: Path) -> None:
    extra = tmp_path / "communities.yaml"
    extra.write_text("fold_into: [Christian]\n", encoding="utf-8")
    text = "Gunmen attacked a Catholic church during Mass, killing 8."
    assert load_extractor(lexicon_files=[extra]).extract_text(text).targeted_groups == ("Christian",)
    assert load_extractor().extract_text(text).targeted_groups == ("Catholic",)


def test_operator_lexicon_adds_community(tmp_path: Path) -> None:
    extra = tmp_path / "communities.yaml"
    extra.write_text("communities:\n  - {name: Ogiek, forms: [Ogiek]}\n", encoding="utf-8")
    signals = load_extractor(lexicon_files=[extra]).extract_text("Raiders attacked Ogiek villages, killing 30.")
    assert signals.targeted_groups == ("Ogiek",)


BAD_LEXICONS = [
    pytest.param("communities:\n  - {name: Murle, formz: [Murle]}\n", 2, "unknown key", id="unknown-key"),
    pytest.param("communities:\n  - {forms: [Murle]}\n", 2, "missing", id="missing-name"),
    pytest.param("victim_nouns: villagers\n", 1, "list", id="not-a-list"),
]


@pytest.mark.parametrize("content, line, message", BAD_LEXICONS)
def test_bad_operator_lexicon(tmp_path: Path, content: str, line: int, message: str) -> None:
    path = tmp_path / "lexicon.yaml"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_extractor(lexicon_files=[path])
    assert (info.value.path, info.value.line) == (str(path), line)
    assert message in str(info.value).lower()
