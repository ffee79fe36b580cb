"""The English vocabulary of casualty reporting: which words make a number a casualty figure, of what kind,
and who the victims are. Word sets hold folded (lower-case, accent-free) single tokens.

Victim classes follow shared/data/EXTRACT_FORMAT.md: soldiers/police/guards are security forces,
militants/rebels/gunmen are fighters, residents/villagers/farmers/workers/students/patients/refugees are
civilians, and everyone else (worshippers, passengers, "others") is people.
"""

from __future__ import annotations

from warnd.types import CasualtyKind

K = CasualtyKind

# Verbs that take the figure as their object: "gunmen killed three", "killing 31 villagers".
ACTIVE_VERBS: dict[str, CasualtyKind] = {
    **dict.fromkeys(["killed", "killing", "kill", "kills", "executed", "executing", "execute", "massacred",
                     "massacring", "slaughtered", "slaughtering", "murdered", "murdering", "slew", "slaying",
                     "shot", "shooting", "beheaded", "claimed", "claiming", "martyred", "cost", "costing",
                     "hanged", "hanging", "lynched", "assassinated",
                     # military usage: "troops neutralised 12 terrorists" (a person noun is needed, below)
                     "neutralised", "neutralized", "neutralising", "neutralizing",
                     "deaths", "death",
                     # nominals before "of": "the killing of 11", "the summary execution of at least 12"
                     "execution", "executions", "murder", "murders", "massacre", "slaughter"], K.KILLED),
    **dict.fromkeys(["wounded", "wounding", "wound", "wounds", "injured", "injuring", "injure", "injures",
                     "hurt", "hurting", "maimed"], K.INJURED),
    **dict.fromkeys(["abducted", "abducting", "abduct", "abducts", "kidnapped", "kidnapping", "kidnap",
                     "kidnaps", "kidnaped", "seized", "seizing", "abduction", "kidnapping"], K.KIDNAPPED),
    # nominals before "of", like "the killing of 11": "the disappearance of 43 students"
    **dict.fromkeys(["disappearance", "disappearances"], K.MISSING),
    # "the flood swept away 12 people" (the object must be people: "swept away 40 homes" is not)
    **dict.fromkeys(["swept", "washed"], K.MISSING),
    # not "jailed"/"imprisoned": a sentence passed on someone already held, not a new detention
    **dict.fromkeys(["arrested", "arresting", "arrest", "arrests", "detained", "detaining", "detain",
                     "detains", "apprehended", "apprehending"], K.ARRESTED),
    **dict.fromkeys(["displaced", "displacing", "displace", "displaces", "uprooted", "uprooting",
                     "evacuated", "evacuating", "expelled", "expelling", "expel", "evacuation",
                     "displacement"], K.DISPLACED),
}
# Verbs that need a person noun after the figure to count ("lost 15 men", "shot 3 protesters"),
# because "lost 15 kg" and "shot 20 rounds" are not casualties.
NEEDS_PERSON = frozenset({"shot", "shooting", "seized", "seizing", "claimed", "claiming", "lost", "losing", "cost",
                          "costing", "neutralised", "neutralized", "neutralising", "neutralizing", "swept",
                          "washed"})
ACTIVE_NEEDS_PERSON: dict[str, CasualtyKind] = {"lost": K.KILLED, "losing": K.KILLED, "buried": K.KILLED,
                                                "burying": K.KILLED, "buries": K.KILLED}

# Words after the figure that say what happened to it: "three were killed", "25 fighters dead".
STATE_WORDS: dict[str, CasualtyKind] = {
    **dict.fromkeys(["killed", "dead", "died", "die", "dies", "executed", "slain", "murdered", "massacred",
                     "perished", "beheaded", "drowned", "lynched", "fatalities", "deaths", "bodies",
                     "corpses", "dying", "killing", "martyred", "martyrs", "electrocuted", "incinerated",
                     "asphyxiated", "suffocated", "hanged", "assassinated", "executions", "neutralised",
                     "neutralized"], K.KILLED),
    **dict.fromkeys(["injured", "wounded", "hurt", "injuries", "maimed", "hospitalised", "hospitalized"],
                    K.INJURED),
    **dict.fromkeys(["missing", "unaccounted", "disappeared"], K.MISSING),
    **dict.fromkeys(["abducted", "kidnapped", "kidnaped", "hostage", "hostages", "abductees", "captive",
                     "captivity", "captives"], K.KIDNAPPED),
    **dict.fromkeys(["arrested", "detained", "arrests", "apprehended", "custody", "recaptured"], K.ARRESTED),
    **dict.fromkeys(["displaced", "fled", "flee", "fleeing", "evacuated", "uprooted", "homeless"],
                    K.DISPLACED),
}
# Places that have a population: "a state of 20 million people" counts residents, not victims.
TERRITORY_NOUNS = frozenset({"state", "city", "country", "province", "region", "town", "district", "county",
                             "nation", "territory", "island", "area", "governorate", "municipality", "village",
                             "capital", "enclave", "metropolis", "prefecture", "department", "strip"})
# Nouns that are the figure's head and its kind at once: "45 dead", "12 deaths", "68 bodies".
HEAD_KIND: dict[str, CasualtyKind] = {
    "dead": K.KILLED, "deaths": K.KILLED, "fatalities": K.KILLED, "bodies": K.KILLED, "corpses": K.KILLED,
    "injured": K.INJURED, "wounded": K.INJURED, "injuries": K.INJURED,
    "missing": K.MISSING, "arrests": K.ARRESTED, "detentions": K.ARRESTED, "abductions": K.KIDNAPPED,
}
# "killed" in "the number of people killed", "the number ... held": kinds named after a toll noun.
TOLL_NOUNS = frozenset({"toll", "tally", "count", "number", "figure", "total"})

# Words that may sit between a figure (or its noun) and the state word without breaking the link.
AUXILIARIES = frozenset({
    "were", "was", "are", "is", "be", "been", "being", "have", "has", "had", "reportedly", "also", "still",
    "later", "all", "confirmed", "believed", "feared", "thought", "presumed", "to", "now", "who", "allegedly",
    "summarily", "subsequently", "then", "either", "both", "reported", "said", "since", "remain", "remained",
    "remains", "left", "lay", "found", "among", "them", "of", "whom", "those", "more", "others",
    "further", "additional", "other", "initially", "shot", "hacked", "burned", "burnt", "beaten",
    "stabbed", "gunned", "crushed", "buried", "critically", "seriously", "severely", "slightly", "lightly",
    "badly", "fatally", "mortally", "gravely", "forcibly", "forced", "after", "listed", "as", "officially",
    "declared", "missing", "go", "gone", "went", "likely", "may", "might", "could", "would",
    "will", "people", "persons", "person", "already", "so", "far", "held",
})
# Adverb-like fillers allowed between the verb and its object: "killed at least", "detained 13 more".
VERB_FILLERS = frozenset({"a", "another", "further", "total", "of", "an", "additional", "some", "at", "least",
                          "more", "than", "nearly", "about", "up", "to", "over", "around", "roughly",
                          "almost", "as", "many", "estimated", "the", "lives", "between"})

CHILDREN = frozenset({"children", "child", "kids", "boys", "boy", "girls", "girl", "minors", "infants",
                      "babies", "toddlers", "schoolchildren", "teenagers", "teens", "schoolboys",
                      "schoolgirls", "youngsters", "newborns", "juveniles", "teenager", "teen", "schoolboy",
                      "schoolgirl", "toddler", "baby", "infant", "newborn", "juvenile", "minor"})
WOMEN = frozenset({"women", "woman", "mothers", "wives", "widows", "mother", "wife", "widow", "grandmother",
                   "sister", "daughter", "aunt", "niece", "grandmothers", "sisters", "daughters"})
# Singular relatives and occupations, for one victim named without a numeral ("wounded his brother").
RELATIVES = frozenset({"son", "brother", "father", "grandfather", "uncle", "nephew", "husband", "cousin",
                       "relative", "sons", "brothers", "fathers", "cousins", "youth", "goldsmith",
                       "driver", "priest", "pastor", "imam", "journalist", "reporter", "doctor", "nurse",
                       "teacher", "trader", "shopkeeper", "merchant", "fisherman", "herder", "miner",
                       "engineer", "official", "chief", "elder", "pilgrim", "worshipper", "monk", "nun",
                       "cleric", "activist", "lawyer", "judge", "mayor", "councillor", "politician",
                       "businessman", "contractor", "tourist", "passenger", "vendor", "guard", "commander",
                       "general", "colonel", "captain", "lieutenant", "sergeant", "bodyguard", "headman",
                       "headteacher", "schoolteacher", "midwife", "catechist", "seminarian", "bishop", "deacon",
                       "magistrate", "prosecutor", "senator", "governor", "commissioner", "lawmaker", "legislator",
                       "cameraman", "photographer", "lecturer", "professor", "surgeon", "physician", "pharmacist",
                       "ranger", "chairman", "chairwoman", "grandson", "stepson", "stepfather", "neighbour",
                       "neighbor", "farmhand", "labourer", "laborer", "rancher", "businesswoman", "suspect"})
SECURITY = frozenset({"soldiers", "soldier", "troops", "servicemen", "police", "policemen", "policeman",
                      "policewomen", "officers", "officer", "guards", "guard", "gendarmes", "gendarme",
                      "peacekeepers", "peacekeeper", "marines", "conscripts", "recruits", "paratroopers",
                      "commandos", "sailors", "airmen", "guardsmen", "cadets", "servicemembers",
                      "personnel", "agents", "gendarmerie", "army", "military", "security", "troopers"})
FIGHTERS = frozenset({"fighters", "fighter", "militants", "militant", "rebels", "rebel", "gunmen", "gunman",
                      "militiamen", "militiaman", "militia", "militias", "insurgents", "insurgent",
                      "jihadists", "jihadist", "combatants", "combatant", "attackers", "attacker",
                      "assailants", "terrorists", "terrorist", "extremists", "bandits", "loyalists",
                      "mercenaries", "auxiliaries", "auxiliary", "faction", "paramilitaries", "guerrillas",
                      "guerrilla", "vigilantes", "dissidents", "raiders", "kidnappers"})
CIVILIANS = frozenset({"civilians", "civilian", "residents", "resident", "villagers", "villager", "farmers",
                       "farmer", "workers", "worker", "labourers", "laborers", "students", "student",
                       "pupils", "patients", "patient", "refugees", "refugee", "inhabitants",
                       "employees", "staffers", "volunteers"})
# Occupations the guide does not name as civilians: EXTRACT_FORMAT.md lists civilians, residents,
# villagers, farmers, workers, students, patients, refugees; everyone else is people.
OCCUPATIONS = frozenset({"fishermen", "herders", "herdsmen", "traders", "merchants", "vendors", "shopkeepers",
                         "miners", "teachers", "drivers", "nurses", "climbers", "porters", "hunters",
                         "engineers", "diggers", "shepherds", "loggers", "crewmen"})
# Armed groups named in reporting: "three members of the Kurdish-led SDF" are fighters.
ARMED_GROUPS = frozenset({"sdf", "rsf", "m23", "adf", "jnim", "iswap", "hamas", "hezbollah", "houthi", "houthis",
                          "wagner", "shabaab", "al-shabaab", "isis", "isil", "is", "hts", "pkk", "ypg", "fdlr",
                          "codeco", "fano", "tplf", "pdf", "aa", "olf", "ola", "sna", "fsa", "boko", "haram",
                          "ansarallah", "mai-mai", "wazalendo", "vdp", "jihadist", "taliban", "ttp", "bla",
                          "islamic", "qaeda", "al-qaeda", "pflp", "jihad", "qassam", "gangs", "gang"})
FAMILIES = frozenset({"families", "households", "family", "household"})
PEOPLE = frozenset({"people", "persons", "person", "others", "worshippers", "worshipers", "travellers",
                    "travelers", "passengers", "men", "man", "individuals", "journalists", "paramedics",
                    "doctors", "nurses", "medics", "migrants", "pilgrims", "mourners", "guests",
                    "protesters", "demonstrators", "staff", "prisoners", "detainees", "victims", "elders",
                    "relatives", "youths", "adults", "teachers", "priests", "clerics", "monks", "nuns",
                    "imams", "Christians", "christians", "muslims", "alawites", "druze", "kurds",
                    "yazidis", "rohingya", "hazaras", "amharas", "tutsis", "hutus", "fulani", "copts",
                    "shias", "sunnis", "bedouins", "masalit", "dogon", "shiites", "hindus", "jews",
                    "sikhs", "ahmadis", "tigrayans", "arabs", "ethiopians", "eritreans", "sudanese",
                    "syrians", "afghans", "asylum", "seekers", "fans", "spectators",
                    "shoppers", "customers", "commuters", "bystanders", "hostages", "captives", "aid",
                    "humanitarians", "officials", "lawmakers", "politicians", "leaders", "chiefs",
                    "ministers", "judges", "lawyers", "activists", "bloggers", "reporters", "diplomats",
                    "tourists", "foreigners", "nationals", "citizens", "locals", "survivors", "dozen",
                    "casualties", "humans", "lives", "souls", "suspects", "neighbours", "neighbors",
                    "firefighters", "rescuers"})
OCCUPATIONS = OCCUPATIONS | frozenset({"shoemakers", "tailors", "butchers", "mechanics", "carpenters",
                                       "cooks", "cleaners", "barbers", "masons", "bakers", "labourers", "weavers",
                                       "artisans", "truckers", "boatmen", "ferrymen", "woodcutters"})


def _singular(word: str) -> str | None:
    """The singular of a plural person noun, by the regular English rules, or None."""
    if word.endswith("men") and len(word) > 4:
        return word[:-3] + "man"           # fishermen -> fisherman, herdsmen -> herdsman
    if word.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"             # paramilitaries -> paramilitary
    if word.endswith("s") and not word.endswith("ss") and len(word) > 3:
        return word[:-1]                   # shepherds -> shepherd, nurses -> nurse
    return None


# Every plural person noun names one victim in the singular too ("killed a shepherd", "wounded a
# nurse"): lists are written in the plural, news names single victims in the singular (class C4).
_NO_SINGULAR = frozenset({"others", "lives", "souls", "hostages", "captives", "prisoners", "detainees", "casualties", "seekers", "humans", "dozen", "security",
                          "military", "army", "personnel", "police", "gangs", "nationals", "locals"})


def is_plural_person(word: str) -> bool:
    """A plural person noun ("children", "drivers", "policemen"): never one victim after "his"/"their"."""
    if word in {"children", "men", "women", "people", "police", "personnel", "staff", "crew", "youths"}:
        return True
    singular = _singular(word)
    return singular is not None and singular in VICTIM_CLASS


def _with_singulars(words: frozenset[str]) -> frozenset[str]:
    extra = {_singular(w) for w in words if w not in _NO_SINGULAR}
    return words | frozenset(w for w in extra if w is not None)


OCCUPATIONS = _with_singulars(OCCUPATIONS)
PEOPLE = _with_singulars(PEOPLE)
CIVILIANS = _with_singulars(CIVILIANS)
FIGHTERS = _with_singulars(FIGHTERS)
SECURITY = _with_singulars(SECURITY)
VICTIM_CLASS: dict[str, str] = {
    **dict.fromkeys(PEOPLE | OCCUPATIONS | RELATIVES, "people"),
    **dict.fromkeys(FAMILIES, "families"),
    **dict.fromkeys(CIVILIANS, "civilians"),
    **dict.fromkeys(FIGHTERS, "fighters"),
    **dict.fromkeys(SECURITY, "security forces"),
    **dict.fromkeys(WOMEN, "women"),
    **dict.fromkeys(CHILDREN, "children"),
}

# Head nouns that make a number not a casualty count: "4,500 tents", "120 aid trucks", "12 votes".
NOT_PEOPLE = frozenset({
    "tents", "tent", "trucks", "truck", "lorries", "vehicles", "vehicle", "cars", "buses", "homes", "houses",
    "buildings", "shelters", "schools", "hospitals", "villages", "towns", "cities", "blankets", "tonnes",
    "tons", "tonne", "rockets", "missiles", "drones", "shells", "bombs", "rounds", "votes", "vote", "seats",
    "percent", "per", "km", "kilometres", "kilometers", "miles", "metres", "meters", "dollars", "euros",
    "pounds", "points", "goals", "acres", "hectares", "cattle", "livestock", "animals", "sheep", "goats",
    "cows", "camels", "aircraft", "planes", "helicopters", "tanks", "weapons", "guns", "rifles", "mines",
    "sites", "locations", "positions", "attacks", "strikes", "airstrikes", "raids", "incidents", "cases",
    "doses", "meals", "bags", "litres", "liters", "calls", "articles", "countries", "states", "provinces",
    "districts", "nations", "times", "occasions", "years", "year", "months", "month", "weeks", "week",
    "days", "day", "hours", "hour", "minutes", "minute", "seconds", "decades", "centuries", "am", "pm",
    "gmt", "kg", "kilograms", "grams", "degrees", "magnitude", "storeys", "floors", "rooms", "beds",
    "shops", "stores", "markets", "mosques", "churches", "bridges", "roads", "kilometre", "kilometer",
    "mile", "metre", "meter", "barrels", "gallons", "boats", "ships", "vessels", "containers",
    "crossings", "checkpoints", "bases", "posts", "outposts", "flights", "projectiles", "mortars",
    "grenades", "munitions", "explosives", "devices", "ieds", "units", "battalions",
    "brigades", "companies", "deputies", "senators", "mps", "lawmakers", "members", "ballots",
    "signatures", "words", "pages", "episodes", "matches", "games", "wins", "runs", "wickets",
    "laps", "steps", "shots", "bullets", "million", "billion", "thousand", "hundred", "dozens",
    "crore", "lakh", "rupees", "naira", "shillings", "francs", "birr", "hryvnias", "riyals",
    "dinars", "yuan", "yen", "cents", "usd", "eur", "gbp", "nautical", "feet", "foot",
    "inches", "square", "cubic", "mm", "cm", "celsius", "fahrenheit", "mph", "kph", "hectare",
    "jobs", "projects", "schemes", "programmes", "programs", "resolutions", "clauses",
    "abstentions", "calories", "litre", "liter", "packages", "parcels", "kits", "rations",
    "sacks", "tablets", "vials", "cartons", "loads", "convoys", "pallets", "generators", "wells",
    "latrines", "classrooms", "clinics", "ambulances", "fires", "blazes", "wildfires", "earthquakes",
    "aftershocks", "tremors", "floods", "storms", "homesteads", "dwellings", "huts", "farms", "fields",
})
# "members" is a person noun in "125 members of the security forces" but not in "12 of its 15 members"
# of a committee; it counts only with a casualty word, which the patterns already require.
NOT_PEOPLE_UNLESS_KIND = frozenset({"members", "deputies", "lawmakers"})

UNITS_AFTER = frozenset({
    "percent", "per", "%", "km", "kilometres", "kilometers", "kilometre", "kilometer", "miles", "mile",
    "metres", "meters", "metre", "meter", "years", "year", "months", "month", "weeks", "week", "days", "day",
    "hours", "hour", "minutes", "minute", "seconds", "second", "decades", "am", "pm", "gmt", "utc", "kg",
    "tonnes", "tons", "degrees", "magnitude", "o'clock", "dollars", "euros", "pounds", "usd", "eur", "gbp",
    "st", "nd", "rd", "th", "mm", "cm", "ft", "feet", "mph", "kph", "times", "bn", "acres", "hectares",
    "centuries", "century", "nights", "night", "votes", "seats", "points", "goals", "sq", "cubic", "km2",
    "naira", "shillings", "francs", "birr", "hryvnias", "riyals", "dinars", "rupees", "yuan", "yen",
})
UNITS_BEFORE = frozenset({
    "$", "€", "£", "¥", "us$", "usd", "eur", "gbp", "rs", "aged", "age", "ages", "resolution", "no",
    "number", "article", "route", "highway", "brigade", "division", "flight", "battalion", "unit", "block",
    "sector", "level", "phase", "grade", "page", "chapter", "section", "room", "gate", "camp", "hotline",
    "km", "kilometre", "kilometer", "mile", "paragraph", "clause", "law", "decree", "year", "the", "in",
    "#", "+", "tel", "phone", "call", "dial", "sms", "code", "zone", "line", "platform", "bus", "lane",
    "district", "ward", "plot", "road", "street", "avenue", "square", "building", "apartment", "floor",
    "gmt", "utc", "covid", "magnitude", "category", "class", "tier", "item", "cell", "wing", "hall",
    "terminal", "kilo", "mark", "model", "version", "v", "ch", "channel", "vol", "volume",
})
# "in 2014", "the 12 members": only some of UNITS_BEFORE block every number; these two block only years.
YEAR_ONLY_BEFORE = frozenset({"the", "in", "year"})
MONTHS = frozenset({"january", "february", "march", "april", "may", "june", "july", "august", "september",
                    "october", "november", "december", "jan", "feb", "mar", "apr", "jun", "jul", "aug",
                    "sep", "sept", "oct", "nov", "dec"})

# Words after which a figure continues the previous one in the same sentence (a sub-count or the same
# tally): "including nine children", "among them 11 health workers", "with 4,715 injured".
SUBCOUNT_BEFORE = (("including",), ("included",), ("includes",), ("including", "those", "of"),
                   ("included", "those", "of"), ("includes", "those", "of"), ("among", "them", "those", "of"), ("among", "them"), ("among", "whom"),
                   ("among", "those"), ("among", "the", "dead"), ("among", "the", "victims"),
                   ("of", "which"), ("of", "whom"), ("of", "them"), ("most", "of", "them"), ("with",))
SUBCOUNT_AFTER = (("of", "them"), ("of", "whom"), ("of", "those"), ("of", "the", "dead"),
                  ("of", "the", "victims"), ("of", "the", "dead"))

# Verbs of growth, in every form: a toll that "soared", "has swelled", "keeps climbing" is a running total.
_GROWTH_STEMS = ("soar", "swell", "surge", "climb", "mount", "rise", "jump", "grow", "increase", "double",
                 "spike", "balloon", "escalate", "reach", "pass", "top", "exceed", "surpass", "stand")
_GROWTH_IRREGULAR = ("swollen", "rose", "risen", "grew", "grown", "stood", "tops", "topped", "topping")
GROWTH_VERBS = frozenset(
    {f"{stem}{end}" for stem in _GROWTH_STEMS for end in ("", "s", "ed", "ing")}
    | {stem[:-1] + end for stem in _GROWTH_STEMS if stem.endswith("e") for end in ("ed", "ing", "es")}
    | set(_GROWTH_IRREGULAR)
)
# Running totals (EXTRACT_FORMAT.md: "since Thursday", "so far this year", "bringing the toll to").
CUMULATIVE_WORDS = GROWTH_VERBS | frozenset({"since", "tally", "cumulative", "overall", "bringing", "brings", "raising",
                              "raised", "risen", "rose", "climbed", "climbs", "rises", "jumped",
                              "increased", "stood", "stands", "updated", "revised", "mounted", "mounting",
                              "reached", "reaches", "passed", "passes", "topped", "tops", "surpassed",
                              "exceeded", "putting", "altogether", "cumulatively"})
# Verbs that make a running total only with a toll noun beside them ("the toll reached 35").
THRESHOLD_VERBS = GROWTH_VERBS | {"putting"}   # "putting the number of dead at 13", not "putting 12 in hospital"
CUMULATIVE_PAIRS = frozenset({("so", "far"), ("to", "date"), ("in", "total"), ("thus", "far"),
                              ("up", "to", "now"), ("this", "year"), ("year", "alone"), ("this", "season"),
                              ("have", "already"), ("has", "already"), ("had", "already"),
                              ("have", "now"), ("has", "now"), ("had", "now"), ("in", "all"), ("as", "of"),
                              ("rainy", "season"), ("monsoon", "season"),
                              *((adj, noun) for adj in ("new", "previous", "official", "latest", "updated", "overall",
                                                        "revised", "earlier", "cumulative")
                                for noun in ("toll", "tally", "count", "figure", "total"))})
# Sentences that look back at past events: their figures are history, not new casualties.
HISTORY_WORDS = frozenset({"anniversary", "anniversaries", "commemoration", "commemorate", "commemorated",
                           "commemorating", "commemorates", "memorial", "remembrance", "remembered", "remember"})
HISTORY_EVENT_NOUNS = frozenset({"massacre", "war", "genocide", "attack", "attacks", "bombing", "bombings",
                                 "siege", "earthquake", "uprising", "invasion", "famine", "conflict",
                                 "offensive", "crisis", "riots", "coup", "pogrom", "tsunami", "floods",
                                 "killings"})

# Every word without which no pattern can make a figure: a sentence with none of them is skipped whole.
CASUALTY_VOCABULARY = frozenset(
    set(ACTIVE_VERBS) | set(STATE_WORDS) | set(HEAD_KIND) | set(ACTIVE_NEEDS_PERSON) | TOLL_NOUNS
    | {"death", "lives", "victims", "dead", "forced", "forcing", "forces", "force", "drove", "driving", "drive",
       "driven", "chased", "hostage", "hostages", "held", "left", "abandoned", "homes", "rounded", "picked",
       "casualties", "victim", "captured", "capturing", "capture", "searching", "treated", "hospital",
       "recaptured", "expelled", "crossed", "crossing", "took", "take", "takes", "taking", "away",
       # "sustained injuries", "rushed to hospital", "sought refuge", "gunned down": see attachment.state_after
       "sustained", "suffered", "refuge", "shelter", "gunned", "mowed", "burns", "wounds", "sheltering", "hands", "taken", "grabbed", "snatched",
       "pushed", "pushing", "swept", "washed", "carried", "remains"}
)
