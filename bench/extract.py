"""Benchmark of the extract stage: start-up time, items/s on one core, peak memory.

    /work/main/.venv/bin/python bench/extract.py [--items 10000] [--seed 7] [--language fr|ar] [--detect]

Generates realistic feed items offline (title + a 2-4 sentence summary mixing casualty reports,
sub-counts, running tolls, places with their many spellings, targeted communities and negatives such
as aid deliveries, votes, anniversaries and money), then times `Extractor.extract` over all of them in
this process (one core). `--language fr` generates French items of the same shapes (declared French,
read through the French glossary), `--language ar` Arabic ones (arabic.py); `--detect` leaves the language undeclared, so each item also pays
for language detection. Start-up is measured in a fresh interpreter: `import warnd.extract` plus
`load_extractor()`. Peak memory is the process's maximum resident set size after the run.
"""

from __future__ import annotations

import argparse
import gc
import os
import random
import resource
import subprocess
import sys
import time
from pathlib import Path
from typing import NamedTuple

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from warnd.extract import load_extractor  # noqa: E402
from warnd.types import Item  # noqa: E402

PLACES = ["Latakia", "Lattakia", "Tartous", "Baniyas", "Jableh", "Homs", "Hama", "Idleb", "Deir ez-Zor",
          "Sweida", "Daraa", "Aleppo", "El Fasher", "Al-Fashir", "Omdurman", "Nyala", "El Geneina", "Goma",
          "Bunia", "Rutshuru territory", "Kharkiv", "Odesa", "Sumy", "Zaporizhzhia", "Kyiv", "Gaza City",
          "Rafah", "Khan Younis", "Jenin", "Sanaa", "Hodeidah", "Taiz", "Djibo", "Mopti", "Tillaberi",
          "Maiduguri", "Benue state", "Zamfara", "Sagaing region", "Maungdaw", "Port-au-Prince",
          "Cite Soleil", "Artibonite", "Tripoli", "Kurram", "Quetta"]
VICTIMS = ["people", "civilians", "villagers", "soldiers", "police officers", "fighters", "children",
           "women", "worshippers", "farmers", "members of the security forces", "residents", "students"]
COMMUNITIES = ["Alawite", "Christian", "Druze", "Kurdish", "Yazidi", "Masalit", "Rohingya", "Hazara", "Fulani"]
NUMBER_WORDS = ["two", "three", "five", "seven", "a dozen", "twenty-five", "nine", "eleven"]
SOURCES = ["a monitoring group said", "local officials said", "the health ministry said",
           "according to medics", "the UN said", "residents told reporters"]
DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]


# Twelve item shapes per language: casualty reports, sub-counts, running tolls, displacement, abductions,
# arrests, and negatives (aid, votes, anniversaries, money, ages, "X-led").
EN_TEMPLATES = (
    "Gunmen killed {hedge}{n} {victims} and wounded {m} others in {place} on {day}, {source}.",
    "{Hedge}{n} {victims} were killed in {place} since {day}, most of them {community}s.",
    "The death toll from the attack in {place} rose to {n}, including {m} children, {source}.",
    "Shelling of {place} forced {hedge}{n} families from their homes this week.",
    "Armed men abducted {n} {community} villagers near {place}, {source}.",
    "Authorities in {place} said they had detained {n} people accused of looting.",
    "Aid agencies delivered {n} tents and {trucks} trucks of food to {place}.",
    "The council voted {votes} to {against} to extend the mission in {place}.",
    "Residents of {place} marked the anniversary of the {year} massacre, in which {n} people were killed.",
    "Donors pledged ${money} million for {place} at a conference on {day}.",
    "A {age}-year-old boy was among {n} {victims} injured in {place} at 9 a.m.",
    "The {community}-led forces said the situation in {place} was calm on {day}.",
)
FR_TEMPLATES = (
    "Des hommes armés ont tué {hedge}{n} {victims} et en ont blessé {m} autres à {place} {day}, {source}.",
    "{Hedge}{n} {victims} ont été tués à {place} depuis {day}, pour la plupart {community}.",
    "Le bilan de l'attaque de {place} s'est alourdi à {n} morts, dont {m} enfants, {source}.",
    "Les bombardements sur {place} ont contraint {hedge}{n} familles à fuir leurs maisons cette semaine.",
    "Des hommes armés ont enlevé {n} villageois {community} près de {place}, {source}.",
    "Les autorités de {place} ont indiqué avoir interpellé {n} personnes accusées de pillage.",
    "Les agences humanitaires ont livré {n} tentes et {trucks} camions de vivres à {place}.",
    "Le conseil a voté par {votes} voix contre {against} la prolongation de la mission à {place}.",
    "Les habitants de {place} ont commémoré le massacre de {year}, au cours duquel {n} personnes avaient été tuées.",
    "Les bailleurs ont promis {money} millions de dollars pour {place} lors d'une conférence {day}.",
    "Un garçon de {age} ans figure parmi les {n} {victims} blessés à {place} à 9 heures.",
    "Les forces dirigées par les {community} ont affirmé que la situation à {place} était calme {day}.",
)


class Vocabulary(NamedTuple):
    templates: tuple[str, ...]
    victims: list[str]
    communities: list[str]
    number_words: list[str]
    sources: list[str]
    days: list[str]
    hedges: list[str]
    group: str          # thousands separator
    point: str          # decimal separator


LANGUAGES = {
    "en": Vocabulary(EN_TEMPLATES, VICTIMS, COMMUNITIES, NUMBER_WORDS, SOURCES, DAYS,
                     ["", "", "at least ", "more than ", "about ", "some ", "up to ", "nearly "], ",", "."),
    "fr": Vocabulary(FR_TEMPLATES,
                     ["personnes", "civils", "villageois", "soldats", "policiers", "combattants", "enfants",
                      "femmes", "fidèles", "agriculteurs", "membres des forces de sécurité", "habitants", "élèves"],
                     ["alaouites", "chrétiens", "druzes", "kurdes", "peuls", "touaregs"],
                     ["deux", "trois", "cinq", "sept", "une douzaine", "vingt-cinq", "neuf", "onze",
                      "quatre-vingt-dix"],
                     ["selon une ONG locale", "a indiqué la préfecture", "selon le ministère de la Santé",
                      "selon des sources médicales", "a annoncé l'ONU", "ont raconté des habitants"],
                     ["lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche"],
                     ["", "", "au moins ", "plus de ", "environ ", "près de ", "jusqu'à "], " ", ","),
}


def _number(rng: random.Random, v: Vocabulary) -> str:
    roll = rng.random()
    if roll < 0.25:
        return rng.choice(v.number_words)
    if roll < 0.35:
        return f"{rng.randint(1, 9)}{v.group}{rng.randint(0, 999):03d}"
    if roll < 0.4:
        return f"{rng.randint(1, 5)}{v.point}{rng.randint(1, 9)} million"
    return str(rng.randint(2, 400))


def _sentence(rng: random.Random, v: Vocabulary) -> str:
    hedge = rng.choice(v.hedges)
    template = v.templates[rng.randrange(len(v.templates))]
    return template.format(
        place=rng.choice(PLACES), day=rng.choice(v.days), n=_number(rng, v), m=_number(rng, v),
        victims=rng.choice(v.victims), community=rng.choice(v.communities), source=rng.choice(v.sources),
        hedge=hedge, Hedge=hedge.capitalize(), trucks=rng.randint(10, 300), votes=rng.randint(5, 15),
        against=rng.randint(0, 4), year=rng.randint(1980, 2016), money=rng.randint(1, 900), age=rng.randint(5, 17))


AR_PLACES = ["اللاذقية", "طرطوس", "بانياس", "جبلة", "حمص", "حماة", "إدلب", "دير الزور", "السويداء", "درعا",
             "حلب", "الفاشر", "أم درمان", "نيالا", "الجنينة", "رفح", "خان يونس", "جنين", "صنعاء", "الحديدة",
             "تعز", "مأرب", "الموصل", "كركوك", "سنجار", "بنغازي", "طرابلس", "درنة", "مقديشو", "بيدوا"]
AR_VICTIMS = ["أشخاص", "مدنيين", "قرويين", "جنود", "عناصر الشرطة", "مسلحين", "أطفال", "نساء", "مصلين",
              "مزارعين", "عناصر من قوات الأمن", "سكان", "طلاب"]
AR_COMMUNITIES = ["العلوية", "الدرزية", "المسيحية", "الكردية", "الإيزيدية"]
AR_NUMBER_WORDS = ["ثلاثة", "خمسة", "سبعة", "تسعة", "خمسة وعشرون", "أحد عشر", "ثلاثين"]
AR_SOURCES = ["بحسب المرصد", "وفق مصادر طبية", "بحسب وزارة الصحة", "وفق ما أعلنت الأمم المتحدة",
              "بحسب شهود عيان", "وفق مصادر محلية"]
AR_DAYS = ["الاثنين", "الثلاثاء", "الأربعاء", "الخميس", "الجمعة", "السبت", "الأحد"]
AR_DIGITS = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")


def _ar_number(rng: random.Random) -> str:
    roll = rng.random()
    if roll < 0.25:
        return rng.choice(AR_NUMBER_WORDS)
    if roll < 0.35:
        return f"{rng.randint(2, 90)} ألف"
    if roll < 0.45:
        return str(rng.randint(2, 400)).translate(AR_DIGITS)      # Arabic-Indic digits
    return str(rng.randint(2, 400))


def _ar_sentence(rng: random.Random) -> str:
    """The Arabic twin of `_sentence`: the same twelve shapes, in the way Arabic reporting writes them."""
    place = rng.choice(AR_PLACES)
    day = rng.choice(AR_DAYS)
    kind = rng.randrange(12)
    n, m = _ar_number(rng), _ar_number(rng)
    victims = rng.choice(AR_VICTIMS)
    hedge = rng.choice(["", "", "ما لا يقل عن ", "أكثر من ", "نحو ", "قرابة ", "حوالي "])
    source = rng.choice(AR_SOURCES)
    if kind == 0:
        return f"قتل مسلحون {hedge}{n} {victims} وأصابوا {m} آخرين في {place} يوم {day}، {source}."
    if kind == 1:
        return f"قُتل {hedge}{n} {victims} في {place} منذ يوم {day}، معظمهم من الطائفة {rng.choice(AR_COMMUNITIES)}."
    if kind == 2:
        return f"ارتفعت حصيلة الهجوم على {place} إلى {n} قتيلاً، بينهم {m} أطفال، {source}."
    if kind == 3:
        return f"أجبر القصف على {place} {hedge}{n} عائلة على النزوح من منازلها هذا الأسبوع."
    if kind == 4:
        return f"اختطف مسلحون {n} من أبناء الطائفة {rng.choice(AR_COMMUNITIES)} قرب {place}، {source}."
    if kind == 5:
        return f"أعلنت السلطات في {place} اعتقال {n} أشخاص بتهمة النهب."
    if kind == 6:
        return f"سلمت وكالات الإغاثة {n} خيمة و{rng.randint(10, 300)} شاحنة مساعدات إلى {place}."
    if kind == 7:
        return f"صوت المجلس بأغلبية {rng.randint(5, 15)} أصوات مقابل {rng.randint(0, 4)} على تمديد البعثة في {place}."
    if kind == 8:
        return f"أحيا أهالي {place} ذكرى مجزرة عام {rng.randint(1980, 2016)} التي قُتل فيها {n} شخصاً."
    if kind == 9:
        return f"تعهد المانحون بتقديم {rng.randint(1, 900)} مليون دولار لـ{place} خلال مؤتمر يوم {day}."
    if kind == 10:
        return f"بين الجرحى الـ{n} في {place} طفل في الـ{rng.randint(5, 17)} من عمره أصيب عند الساعة 9 صباحاً."
    return f"قالت القوات التي يقودها الأكراد إن الوضع في {place} هادئ يوم {day}."


def make_items(count: int, seed: int, language: str = "en", *, declared: bool = True) -> list[Item]:
    """`count` realistic items in `language` (en, fr, ar), reproducible from `seed`; `declared`: the
    item says its language (as a feed does), else the extractor detects it."""
    rng = random.Random(seed)
    # Arabic has its own word order (hedges and adjectives after the noun, verb first): its own shapes
    vocabulary = LANGUAGES.get(language)
    items = []
    for i in range(count):
        sentences = [_ar_sentence(rng) if vocabulary is None else _sentence(rng, vocabulary)
                     for _ in range(rng.randint(2, 4))]
        title = sentences[0].rstrip(".")
        items.append(Item(feed="bench", key=f"k{i}", title=title, summary=" ".join(sentences[1:]),
                          language=language if declared else None))
    return items


def startup_seconds(runs: int = 3) -> float:
    """The fastest of `runs` cold starts (fresh interpreter): import plus load_extractor()."""
    code = ("import time; t=time.perf_counter(); from warnd.extract import load_extractor; "
            "load_extractor(); print(time.perf_counter()-t)")
    root = Path(__file__).resolve().parent.parent
    best = float("inf")
    for _ in range(runs):
        out = subprocess.run([sys.executable, "-c", code], cwd=root, capture_output=True, text=True, check=True)
        best = min(best, float(out.stdout.strip()))
    return best


def reference_ms() -> float:
    """CPU time of a fixed pure-Python loop (best of 5): says how fast this machine is right now, so
    runs on a busy shared machine can be compared with runs on a quiet one."""
    best = float("inf")
    for _ in range(5):
        begin = time.process_time()
        total = 0
        for k in range(1_000_000):
            total += k & 7
        best = min(best, time.process_time() - begin)
    return best * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--freeze", action="store_true", help="gc.freeze() after loading, as a daemon may")
    parser.add_argument("--language", choices=["en", "fr", "ar"], default="en", help="the language of the items")
    parser.add_argument("--detect", action="store_true", help="items declare no language: detect it")
    args = parser.parse_args()

    startup = startup_seconds()
    reference = reference_ms()
    extractor = load_extractor()
    items = make_items(args.items, args.seed, args.language, declared=not args.detect)
    if args.detect:
        extractor.language_of("warm up")   # the detector's model loads on first use: not per item
    if args.freeze:
        gc.freeze()  # the gazetteer's ~100k long-lived objects leave the collector's full scans
    chars = sum(len(i.text) for i in items)
    # best of --rounds passes over the same items, as timeit does: on a shared machine the slower
    # passes measure the neighbours; CPU time of this process, and wall time beside it
    elapsed = cpu = float("inf")
    figures = 0
    for _ in range(args.rounds):
        begin, begin_cpu = time.perf_counter(), time.process_time()
        figures = 0
        for item in items:
            figures += len(extractor.extract(item).casualties)
        elapsed = min(elapsed, time.perf_counter() - begin)
        cpu = min(cpu, time.process_time() - begin_cpu)
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    rows = [
        ("items", f"{len(items):,} ({args.language}, language {'detected' if args.detect else 'declared'})"),
        ("mean item length", f"{chars / len(items):.0f} chars"),
        ("figures found", f"{figures:,}"),
        ("throughput (1 core, CPU time)", f"{len(items) / cpu:,.0f} items/s"),
        ("throughput (1 core, wall)", f"{len(items) / elapsed:,.0f} items/s"),
        ("CPU time per item", f"{cpu / len(items) * 1e6:.0f} µs"),
        ("start-up (import + load)", f"{startup:.2f} s"),
        ("peak memory (max RSS)", f"{peak_mib:.0f} MiB"),
        ("machine check (1M-step loop)", f"{reference:.0f} ms"),
        ("load average (1 min)", f"{os.getloadavg()[0]:.2f}"),
    ]
    width = max(len(k) for k, _ in rows)
    print(f"{'metric':<{width}}  value")
    print(f"{'-' * width}  {'-' * 16}")
    for key, value in rows:
        print(f"{key:<{width}}  {value}")


if __name__ == "__main__":
    main()
