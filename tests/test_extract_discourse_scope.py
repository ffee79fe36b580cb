"""The cumulative flag on phrasings the corpus folds do not hold (issue 14, third pass; classes K1-K3):
whole-event totals, disaster-wide tolls, period cues, growth verbs, and continuation sentences after a
toll, against incident figures that must stay new. Every sentence is invented for this test."""

from __future__ import annotations

import pytest

from warnd.extract import extract_casualties


def _rows(table: str) -> list[object]:
    out = []
    for line in table.strip().splitlines():
        flags, _, text = line.partition("|")
        out.append(pytest.param(text.strip(), [f == "T" for f in flags.split(",")], id=text.strip()[:60]))
    return out


# T/F per figure, in text order
CASES = _rows("""
T|The three-year civil war has killed more than 80,000 people.
T,T|The conflict has left 3,000 dead and 9,000 wounded.
T|More than 40,000 people have died in the four-decade insurgency, officials said.
T|At least 12,000 people have been killed in the two-year war between the army and the RSF.
T|The war, which has displaced 11 million people, entered its third year.
T|Violence that has killed 250 people since May showed no sign of ending.
T|This year alone, 1,200 people have died in the violence.
T|So far this year, 340 migrants have drowned in the central Mediterranean.
T|The death toll has soared to 850.
T|The number of dead has swelled to 312, the ministry said.
T|The toll mounted to 97 on Thursday as rescuers pulled more bodies from the rubble.
T|The new toll of 214 was announced by the governor.
T|The official toll stands at 1,402.
T|The overall death toll from the floods is now 612.
T,T|Since January, 900 people have been killed. Another 2,100 have been injured.
T,T|The quake has killed 2,300 people, officials said. A further 4,000 were injured.
T,T|The toll from the floods has risen to 210. The dead include 61 children.
T,T,T|The war has killed 61,233 people, the ministry said. Another 152,000 have been wounded, and at least 11,000 are missing under the rubble.
T|Cholera has killed 400 people in the province since the outbreak began in August.
T|To date, 85 people have been confirmed dead.
T|The storm has now killed 48 people across the island.
T|Floods have killed at least 341 people since July.
T|The number of people killed in the fighting was now above 120.
T,T|The toll from the typhoon has climbed to 126. Of those, 41 died in Naga City.
F|A roadside bomb killed 12 soldiers on Monday.
F|Gunmen killed 9 villagers overnight in Zamfara.
F,F|At least 30 people were killed and 50 injured in the blast.
F|The war killed 9,000 people in 1998.
F|An airstrike on the market killed 19 people this week.
F|Nine people died in a road accident on the highway.
T,F|Since January, 500 people have been killed. On Sunday 9 people were killed.
T|The floods have displaced some 200,000 people this season.
T|Some 85,000 people have fled the fighting in Upper Nile since February, the agency said.
T|In total, 1,200 people have been arrested since the protests began.
T|The cumulative number of cholera deaths reached 412.
T,T|The offensive has claimed more than 1,100 lives since April. Children account for 290 of the dead.
T,T|The tally had reached 11 on Tuesday, and the remaining 54 passengers are missing.
T|The previous toll was 45.
T|Attacks by armed groups have killed 1,500 civilians in the region this year.
T|Overall, 3,400 people have been killed since the fighting began.
F|Fighting displaced 3,000 people on Tuesday.
F,T|Fighting in the region has displaced 300,000 people in the past year, bringing the total to 1.2 million.
T|The epidemic has infected 12,000 and killed 230 people.
F|Five soldiers were killed in the war on Tuesday.
F|Three people were killed in the fighting overnight.
T|Some 500,000 people have been displaced in the conflict, the UN said.
T|The decade-long conflict has forced 6 million people from their homes.
T|Around 5,000 people were killed during the two-year insurgency in the north.
F|Twelve people died in the 2004 tsunami anniversary stampede.
T,T|The hurricane has killed 48 people. Another 120 are missing.
T,T|Since the floods began, 87 people have died and 12 are missing.
T|The dengue outbreak has now claimed 214 lives.
T|The number of confirmed deaths stood at 1,400 on Friday.
T,T|The toll rose to 57. Thirty of the dead were children.
T|At least 1,000 people have died so far.
T|The death toll from the earthquake has risen to 3,100.
F,F|Gunmen killed 7 people; police arrested 3 suspects.
T|The health ministry said 3,500 people had been killed since the war began.
F|A boat carrying 80 migrants capsized; 12 are missing.
T,T|The conflict has killed 12,000 people and displaced 1.5 million.
T|Fighting since April has killed at least 150,000 people.
T|The landslides have left 71 people dead across three provinces.
T|More than 7,000 people have been detained since the protests began in September.
F,F|Eight people were killed and 12 are missing after the ferry capsized on Monday.
T|The months-long siege has killed 800 civilians.
T|As of 12 March, 1,234 people have been killed in the region.
T|As of Monday, the ministry had recorded 3,021 deaths.
T|A total of 4,500 people have been displaced since the rains started.
T|In all, 1,900 people have been arrested since the protests erupted.
T|Altogether 300 people have died this rainy season.
T|The latest deaths took the toll to 82.
T|The discovery pushed the toll to 145.
T|At least 1,300 people have now died, the ministry said.
T|Confirmed deaths have reached 2,000.
T|More than 2,000 people have lost their lives since the rains began in June.
T|The disease has claimed the lives of 1,200 people.
T|Since the beginning of the year, 512 civilians have been killed in the province.
T|Cumulatively, 76 people have died.
T|The national disaster agency said 92 people had died since the monsoon began.
T|Since the start of the rainy season in June, floods have killed 95 people.
T|At least 600 migrants have died crossing the desert since January.
T,T|The storm has killed 20 people; another 30 are unaccounted for.
T|The death toll from last week's earthquake climbed to 2,900 on Sunday.
F|A total of 12 people were killed in the attack on Tuesday.
F|Nine people were killed in an airstrike on the town of Kafr Nabl.
F|At least 20 civilians were killed when shells hit a market in the city.
F,F|Three people were killed on Tuesday; two others were wounded.
F|Rescuers pulled 14 bodies from the rubble overnight.
F|A landslide buried 30 homes and killed 11 people in the village.
F|Eight people drowned when the boat capsized near the shore.
T|Violence in the region has killed at least 2,500 people since the military took power.
T,T|Floods have killed 112 people across 15 states. The dead include 40 children.
F,F|Police said 4 people were killed and 11 were injured in Monday's blast.
T,T|The war has killed 9,000 people. Among them were 1,400 children.
T,T|The toll has climbed to 412. The toll includes 300 children.
T,T|Since March, 640 people have been killed. At least 40 of them were children.
T,F|Since January, 900 people have been killed. Three people are missing after a boat capsized.
T,T|The floods have killed 300 people. Some 20,000 remain homeless.
T,T|The conflict has displaced 2 million people. About 600,000 of them are children.
T,F|The war has killed 9,000 people. In a separate incident, 5 people were killed on Monday.
T,T|The death toll from the landslide rose to 64. Rescuers said 30 people are still unaccounted for.
T,T|Since the rains began, 120 people have died. A further 45 are missing.
T,T|The toll rose to 210 on Friday. Of the dead, 80 were women.
F,F|Gunmen killed 12 people in the village. Another 5 were wounded.
T|The outbreak, the country's worst in two decades, has killed 750 people.
T|Heavy rains that began on Friday have killed 40 people.
T|Hurricane Eta, which made landfall on Tuesday, has killed 30 people.
F|Officials said that the raid has killed 9 people.
F|The explosion, which happened at dawn, has killed 9 people.
T|Flash floods in the state of Rio Grande do Sul have killed 83 people.
F|The bomb, hidden in a cart, killed 9 people.
F|A storm killed 3 people in Ohio on Sunday.
F|The earthquake killed 12 people when it struck the village at dawn.
F|Airstrikes killed 30 people across the province on Tuesday.
F|Clashes across the city killed 14 people overnight.
F|The bombing killed 14 worshippers at the mosque.
F|At least 9 people were killed in the war-torn region on Monday.
F|Rescuers said 4 people are missing after the landslide.
F|Three people were killed in the violence that erupted after the match.
F|Police said 20 people had been arrested after the riot.
F|Five people have been killed in the latest attack on the village.
F|Gunmen have killed 11 people in an attack on a church.
F|The blast injured 30 people, putting 12 in hospital.
F|Gunmen killed 12 people in all three villages on Sunday.
T|Four more victims were buried, putting the number of dead at 13.
T|In all, 1,900 people have been arrested.
F|Gunmen killed 12 people in all three villages.
""")


@pytest.mark.parametrize("text, cumulative", CASES)
def test_cumulative_flag(text: str, cumulative: list[bool]) -> None:
    assert [c.cumulative for c in extract_casualties(text)] == cumulative


def test_a_later_sentence_breaks_down_the_toll_before_it() -> None:
    found = extract_casualties("Since March, 640 people have been killed. At least 40 of them were children. "
                               "About 300 of them are displaced.")
    assert [(c.kind.value, c.count, c.victims, c.cumulative, c.part_of) for c in found] == [
        ("killed", 640, "people", True, None), ("killed", 40, "children", True, 0),
        ("displaced", 300, "people", True, None)]  # its own state word: no part of the dead
