"""Targeted communities on phrasings the corpus folds do not hold (issue 14, third pass): how reporters say
a community was the victim, and when it is not. Every sentence is invented for this test, in the shape of
wire and local reporting, across many regions and communities, so that a rule is tested on its structure
rather than on a known example."""

from __future__ import annotations

import pytest

from warnd.extract import Extractor, load_extractor


@pytest.fixture(scope="module")
def extractor() -> Extractor:
    return load_extractor()


def _rows(table: str) -> list[object]:
    out = []
    for line in table.strip().splitlines():
        groups, _, text = line.partition("|")
        out.append(pytest.param(text.strip(), [g for g in groups.split(",") if g], id=text.strip()[:60]))
    return out


VICTIMS = _rows("""
Fulani|The attack targeted Fulani herders grazing cattle near Djibo, killing 14.
Murle|Raiders singled out Murle elders at the water point and killed six.
Dinka|Attackers targeted the Dinka clan's cattle camp overnight, killing 11.
Hazara|Gunmen pulled 11 Hazara coal miners off a bus in Machh and shot them dead.
Yazidi|Nine Yazidi shepherds were found dead near Sinjar on Tuesday.
Coptic|Assailants opened fire on a bus carrying Coptic pilgrims to a monastery in Minya, killing seven.
Ahmadi|Two Ahmadis were stabbed to death in Peshawar on Friday.
Alawite|The victims, all Alawites, were taken from their homes in Baniyas and executed.
Alawite|The dead, mostly Alawite men, were buried in a mass grave.
Druze|Armed men shot dead 14 Druze villagers in the countryside of Sweida.
Shia|Sectarian attackers targeted Shi'ite pilgrims on the road to Karbala, killing nine.
Shia|Gunmen stopped the convoy and killed 42 passengers, most of them Shias from Parachinar.
Christian|Most of those killed in the attack on Yelwata were Christians, the local bishop said.
Hindu|Hindu homes were torched in the village after the rumour spread online.
Hindu|Attackers targeting Hindus set fire to 20 houses in Rangpur.
Muslim|Anti-Muslim violence in the town left three people dead and dozens of shops burned.
Muslim|Authorities demolished hundreds of homes of Bengali-speaking Muslims, leaving 4,000 families homeless.
Kurdish|The drone strike on a Kurdish-majority village near Kobani killed five children.
Tutsi|Militiamen went door to door hunting Tutsis, residents said, and at least 30 were killed.
Yazidi|Yazidis were singled out by the militants, who killed 80 men in the village.
Fulani|Villagers killed 15 Fulani herders in reprisal for the cattle raid.
Garre|The attack on the Garre community in Mandera left 11 people dead.
Jewish|A gunman opened fire at a synagogue during the Yom Kippur service, killing two.
Sikh|The attack on a Sikh temple in Kabul killed 25 worshippers.
Zaghawa|Raiders targeting the Zaghawa killed 12 people in the market.
Uyghur|Rights groups say more than a million Uyghurs have been detained in camps.
Sunni,Kurdish|Security forces arrested 40 Sunni Kurdish activists in a dawn sweep.
Christian|Mobs torched the houses of Christian families in the colony, injuring 9.
Tibetan|Police beat and detained 60 Tibetan monks after the protest.
Malay|Two Malay Muslim rubber tappers were shot dead in Narathiwat.
Hispanic|The gunman told police he had set out to kill Hispanics; 23 people died.
Kyrgyz,Tajik|Border clashes between Kyrgyz and Tajik villagers killed 41 people.
Haratine|Police fired tear gas at Haratine protesters, wounding 17.
Dalit|A Dalit man was beaten to death in Una for skinning a dead cow.
Dalit|Upper-caste villagers attacked a Dalit wedding procession, injuring 12.
Dalit|Police said 3 members of a Dalit family were hacked to death in Khairlanji.
Christian|A Christian pastor and his wife were shot dead in their home in Kaduna.
Falun Gong|Police detained 30 Falun Gong practitioners in Dalian.
Jehovah's Witness|Investigators raided the homes of Jehovah's Witnesses in Belgorod and detained 9 people.
Sunni,Arab|Gunmen killed 17 Sunni Arab tribesmen near Samarra.
Shia,Hazara|The bomb tore through a crowd of Shiite Hazaras in Quetta, killing 73.
Assyrian|Militants abducted 220 Assyrian Christians from villages along the Khabur river.
Ahmadi|Gunmen attacked two Ahmadiyya mosques in Lahore during Friday prayers, killing 86.
Christian|Nigeria: 40 Christians killed in Plateau attack
Christian|Attackers killed 40 people in the village. All of them were Christians, a church leader said.
Degodia|Militiamen from a rival clan killed 8 members of the Degodia sub-clan in Wajir.
Sufi|A suicide bomber struck a Sufi shrine during a dhikr ceremony, killing 83 devotees.
Armenian|Azerbaijani troops shelled Armenian villages in Syunik, killing a shepherd.
Christian|Jihadists stopped a bus, separated the non-Muslim passengers and executed 28 of them, all Christians.
Muslim|Hindu nationalist mobs lynched two Muslim cattle traders in Jharkhand.
Christian|Armed herders raided three mainly Christian villages in Bokkos, killing 113.
Hindu|The militants asked tourists their religion and shot the Hindu men, killing 26.
Bedouin|Clashes killed 30 Bedouin fighters, and Druze sheikhs negotiated a ceasefire.
Hazara|Gunmen kill 12 Hazara miners in Balochistan
Christian|12 Christians killed in Nigeria village attack
Alevi|Bomb kills 6 at Alevi funeral in Istanbul
Yazidi|Islamic State militants abduct 50 Yazidi women
Hazara|The Hazara community's main mosque was bombed during Friday prayers, killing 14.
Christian|Gunmen killed Christians and burned their homes in the raid.
Coptic|Islamic State claimed the bombing of a Coptic cathedral in Cairo that killed 29.
Druze|The persecution of Druze in the province has intensified, with 40 killed this month.
Muslim|Buddhist mobs burned Muslim-owned shops in Mandalay, killing two.
Sunni|The strike hit a Sunni-majority district of Baghdad, killing 11.
Shia|Shiite Muslims were the target of a rocket attack in Parachinar that killed 7.
Kurdish|Many of the dead were Kurds, according to local officials.
Alawite|Witnesses said most of the 31 people executed in the village were Alawites.
Yazidi|Among the victims were 12 Yazidi children.
Murle|Dinka Bor youths raided Murle cattle camps, killing 30.
Bedouin|Druze gunmen kidnapped 6 Bedouin shepherds.
Christian|Gunmen stormed a village in Kaura overnight, killing 30. The village is inhabited mostly by Christians.
Alawite|Militias raided the town of Al-Mukhtariya, killing 40. The town's residents are Alawites.
Hazara|A bomb exploded at a school in Dasht-e-Barchi, killing 24. The area is home to the Hazara minority.
Yazidi|Militants shelled the camp overnight, killing 6. Most residents of the camp are Yazidis.
Shia|Gunmen opened fire on a minibus in Kurram, killing 42 passengers from the Shia community.
Christian|Thirteen people, including 7 Christians, were killed in the raid.
Druze|Among those killed were a Druze cleric and two of his sons.
""")

BOTH_SIDES = _rows("""
Nuer,Dinka|Fighting between Nuer and Dinka youths in Jonglei left 34 people dead.
Nuer,Dinka|Clashes between the Nuer and the Dinka have killed 60 people in the past month.
Lendu,Hema|Clashes between Lendu and Hema communities in Djugu have killed 41 people.
Hema,Lendu|Renewed Hema-Lendu violence in Djugu has killed 40 people this month.
Hema,Lendu|Communal violence between the Hema and Lendu has claimed 50 lives.
Pokot,Turkana|Clashes pitting Pokot against Turkana herders left 12 dead.
Christian,Muslim|Fighting between Christian and Muslim communities in Bangui has left 25 dead.
Nandi,Kipsigis|Fighting between Nandi and Kipsigis communities killed 5.
""")

# names the generated list holds (ISO 639-3 and tools/data/peoples.tsv), some of them also place names
GENERATED = _rows("""
Konkomba|Gunmen killed 14 Konkomba villagers near Bimbilla.
Konkomba|The victims were Konkomba farmers, police said.
Konkomba|At least 20 people, most of them Konkomba, were killed.
Konkomba|Attackers targeted the Konkomba, killing 12.
Konkomba|Konkomba settlements were attacked and 30 people killed.
Kabyle|Police shot dead 12 Kabyle protesters in Tizi Ouzou.
Mandinka|Militiamen burned Mandinka villages in the Casamance, killing six.
Turkana|Raiders killed 11 Turkana herders and drove away 2,000 cattle.
Turkana|Pokot raiders killed 11 Turkana people in Kapedo.
Samburu|Bandits attacked a Samburu village, killing 4 children.
Lunda|The attack on Lunda homesteads left 7 dead.
Warao|Thirty Warao migrants drowned when their boat capsized.
Herero|Police fired on Herero marchers, wounding 9.
Mozabite|Rioters burned the shops of Mozabite traders in Ghardaia, killing two.
Habar Gidir|Clan militias killed 17 Habar Gidir herders near Galkayo.
Afar|Gunmen killed 14 Afar pastoralists near Semera.
Afar|Fighting in the Afar region displaced 20,000 Afar villagers.
""")

NOT_VICTIMS = _rows("""
|Troops targeted Fulani militants in the forest, killing 14.
|Airstrikes targeted Fulani fighters in their camps, killing 20.
|Fulani herders targeted farmers in Benue, killing 14.
|Fulani herders killed 15 villagers in a reprisal raid near Bokkos.
|Hausa militiamen attacked the village, killing eight.
|The Kurdish-led administration said 12 of its fighters died in the clashes.
|Druze leaders condemned the killing of 20 people in the province.
|Christian groups in the capital held vigils for the 40 people killed in the floods.
|The Sunni-led government said 30 militants were killed in the operation.
|Copts celebrated Easter under heavy guard, a year after a bombing killed 29 people in Tanta.
|A Catholic charity said it had distributed food to 3,000 displaced families.
|Buddhist monks led a march after 30 people were killed in the riots.
|The Christian Association of Nigeria said 12 people were killed in Plateau.
|Meitei groups blocked the highway after 5 were killed in Bishnupur.
|Christian and Muslim militias clashed in Bangui, leaving 25 dead.
|Alawite gunmen ambushed a patrol, killing 16 soldiers.
|Shia militias shelled the town, killing nine civilians.
|Kurdish officials said 9 civilians were killed in the Turkish strike.
|Muslim clerics denounced the attack that killed 9 in the market.
|A Christian aid group said 200 people had fled the fighting.
|The Druze spiritual leader called for calm after 30 were killed.
|Hindu mobs attacked shops in the town, killing four.
|Turkana county officials said floods had killed 12 people in Lodwar.
|Police arrested 30 Kanuri smugglers after a shootout that left 2 dead.
|Kipsigis elders urged calm after cattle raiders killed 6 people in Kericho.
|Kurdish fighters killed 11 Islamic State militants in an ambush.
|A Hindu festival drew 2 million pilgrims; 30 people died in a stampede.
|Yazidi survivors testified at the trial about the 2014 genocide in which 5,000 people were killed.
|The Sunni Endowment said 14 mosques had been damaged by the floods.
|Hazara Democratic Party leaders said 14 people died in the blast.
|Christian Aid said 300,000 people had been displaced by floods.
|The Kurdish host communities in Dohuk received 20,000 displaced people fleeing the fighting.
|The Shia-led government said 40 protesters had been killed.
|The Hindu nationalist Bharatiya Janata Party said 12 people died in the violence.
|Druze villages hosted 3,000 families displaced by the shelling.
|Christian Democrats in parliament demanded an inquiry after 12 migrants drowned.
|Thousands of Sikh pilgrims celebrated Vaisakhi as police reported 3 deaths in a road accident nearby.
|Jewish and Muslim leaders prayed together for the 50 victims of the earthquake.
|Pashtun nationalist leaders said security forces killed 6 protesters.
|A Yazidi lawmaker said 200,000 people remain displaced in camps.
|The Alawite-dominated officer corps ordered the shelling that killed 40.
|Survivors of the 1994 genocide against the Tutsi gathered in Kigali to remember the 800,000 dead.
|Muslim volunteers helped rescue 30 people from the flood waters.
|Hindu priests performed last rites for the 12 victims of the bus crash.
|Kurdish authorities said 15 Islamic State suspects were detained.
|Gunmen killed 12 people in the market. The town is known for its Christian shrines.
|Fulani gunmen killed 20 farmers in Benue.
|Armed Fulani men attacked Yelwata, killing 100 people.
|Kurdish-led forces said they killed 12 Islamic State fighters.
|An Alawite armed group ambushed a patrol near Jableh, killing 16 security personnel.
|Houthi rebels shelled Taiz, killing 5 civilians.
|Hindu nationalist leaders said 3 people died in the riot.
|The Shia-led government announced that 40 protesters were killed.
|A Muslim cleric urged calm after 12 people were killed in the clashes.
|Sunni tribal fighters seized the town after clashes that killed 40 militants.
|A Christian militia known as anti-balaka killed 30 people in Bangui.
|Oromo Liberation Army fighters killed 15 civilians in Wollega.
|Arab militias allied with the RSF killed 120 people in the town.
|The Catholic bishop said 40 people were killed when gunmen attacked the village.
|A Jewish settler shot dead a Palestinian teenager near Nablus.
|Buddhist nationalist monks led protests as 12 people died in clashes.
|Police in the Hindu-majority state arrested 14 people after the riot.
|Yoruba traders reopened their shops a day after 9 people were killed in the market fire.
|The Hazara Town market reopened after the bombing that killed 20 people.
|The Igbo-led separatist group said its fighters killed 5 soldiers.
|Kachin Independence Army fighters killed 12 soldiers in an ambush.
|Karen National Union forces said 20 junta troops were killed.
|Tuareg rebels claimed they had killed 15 soldiers near Kidal.
|Members of the Chin National Front killed 6 soldiers.
|Amhara Fano militia fighters killed 10 federal troops.
|The Coptic pope condemned the killing of 20 migrants in Libya.
""")


@pytest.mark.parametrize("text, groups", VICTIMS + BOTH_SIDES + GENERATED + NOT_VICTIMS)
def test_targeted_communities(extractor: Extractor, text: str, groups: list[str]) -> None:
    assert list(extractor.extract_text(text).targeted_groups) == groups


PEOPLE_NOT_PLACES = [
    pytest.param("Raiders killed 11 Turkana herders near Lokichar.", "Turkana", id="people-noun-after"),
    pytest.param("Bandits attacked a Samburu village, killing 4 children.", "Samburu", id="a-village-of-a-people"),
    pytest.param("Fighting between Nandi and Kipsigis communities killed 5.", "Nandi", id="listed-before-communities"),
]


@pytest.mark.parametrize("text, name", PEOPLE_NOT_PLACES)
def test_a_people_named_like_a_place_is_no_location(extractor: Extractor, text: str, name: str) -> None:
    assert name not in [p.name for p in extractor.extract_text(text).places]


def test_a_place_named_like_a_people_stays_a_place(extractor: Extractor) -> None:
    places = [p.name for p in extractor.extract_text("Floods killed 12 people in Turkana county.").places]
    assert "Turkana" in places
