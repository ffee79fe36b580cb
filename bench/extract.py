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


def _number(rng: random.Random) -> str:
    roll = rng.random()
    if roll < 0.25:
        return rng.choice(NUMBER_WORDS)
    if roll < 0.35:
        return f"{rng.randint(1, 9)},{rng.randint(0, 999):03d}"
    if roll < 0.4:
        return f"{rng.randint(1, 5)}.{rng.randint(1, 9)} million"
    return str(rng.randint(2, 400))


def _hedge(rng: random.Random) -> str:
    return rng.choice(["", "", "at least ", "more than ", "about ", "some ", "up to ", "nearly "])


def _sentence(rng: random.Random) -> str:
    place = rng.choice(PLACES)
    day = rng.choice(DAYS)
    kind = rng.randrange(12)
    n, m = _number(rng), _number(rng)
    victims = rng.choice(VICTIMS)
    community = rng.choice(COMMUNITIES)
    source = rng.choice(SOURCES)
    if kind == 0:
        return f"Gunmen killed {_hedge(rng)}{n} {victims} and wounded {m} others in {place} on {day}, {source}."
    if kind == 1:
        return f"{_hedge(rng).capitalize()}{n} {victims} were killed in {place} since {day}, most of them {community}s."
    if kind == 2:
        return (f"The death toll from the attack in {place} rose to {n}, including {m} children, {source}.")
    if kind == 3:
        return f"Shelling of {place} forced {_hedge(rng)}{n} families from their homes this week."
    if kind == 4:
        return f"Armed men abducted {n} {community} villagers near {place}, {source}."
    if kind == 5:
        return f"Authorities in {place} said they had detained {n} people accused of looting."
    if kind == 6:
        return f"Aid agencies delivered {n} tents and {rng.randint(10, 300)} trucks of food to {place}."
    if kind == 7:
        return f"The council voted {rng.randint(5, 15)} to {rng.randint(0, 4)} to extend the mission in {place}."
    if kind == 8:
        return (f"Residents of {place} marked the anniversary of the {rng.randint(1980, 2016)} massacre, "
                f"in which {n} people were killed.")
    if kind == 9:
        return f"Donors pledged ${rng.randint(1, 900)} million for {place} at a conference on {day}."
    if kind == 10:
        return f"A {rng.randint(5, 17)}-year-old boy was among {n} {victims} injured in {place} at 9 a.m."
    return f"The {community}-led forces said the situation in {place} was calm on {day}."


FR_VICTIMS = ["personnes", "civils", "villageois", "soldats", "policiers", "combattants", "enfants",
              "femmes", "fidèles", "agriculteurs", "membres des forces de sécurité", "habitants", "élèves"]
FR_COMMUNITIES = ["alaouites", "chrétiens", "druzes", "kurdes", "peuls", "touaregs"]
FR_NUMBER_WORDS = ["deux", "trois", "cinq", "sept", "une douzaine", "vingt-cinq", "neuf", "onze",
                   "quatre-vingt-dix"]
FR_SOURCES = ["selon une ONG locale", "a indiqué la préfecture", "selon le ministère de la Santé",
              "selon des sources médicales", "a annoncé l'ONU", "ont raconté des habitants"]
FR_DAYS = ["lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche"]


def _fr_number(rng: random.Random) -> str:
    roll = rng.random()
    if roll < 0.25:
        return rng.choice(FR_NUMBER_WORDS)
    if roll < 0.35:
        return f"{rng.randint(1, 9)} {rng.randint(0, 999):03d}"
    if roll < 0.4:
        return f"{rng.randint(1, 5)},{rng.randint(1, 9)} million"
    return str(rng.randint(2, 400))


def _fr_sentence(rng: random.Random) -> str:
    """The French twin of `_sentence`: the same twelve shapes, in the way French reporting writes them."""
    place = rng.choice(PLACES)
    day = rng.choice(FR_DAYS)
    kind = rng.randrange(12)
    n, m = _fr_number(rng), _fr_number(rng)
    victims = rng.choice(FR_VICTIMS)
    hedge = rng.choice(["", "", "au moins ", "plus de ", "environ ", "près de ", "jusqu'à "])
    source = rng.choice(FR_SOURCES)
    if kind == 0:
        return f"Des hommes armés ont tué {hedge}{n} {victims} et en ont blessé {m} autres à {place} {day}, {source}."
    if kind == 1:
        return (f"{hedge.capitalize()}{n} {victims} ont été tués à {place} depuis {day}, pour la plupart "
                f"{rng.choice(FR_COMMUNITIES)}.")
    if kind == 2:
        return f"Le bilan de l'attaque de {place} s'est alourdi à {n} morts, dont {m} enfants, {source}."
    if kind == 3:
        return f"Les bombardements sur {place} ont contraint {hedge}{n} familles à fuir leurs maisons cette semaine."
    if kind == 4:
        return f"Des hommes armés ont enlevé {n} villageois {rng.choice(FR_COMMUNITIES)} près de {place}, {source}."
    if kind == 5:
        return f"Les autorités de {place} ont indiqué avoir interpellé {n} personnes accusées de pillage."
    if kind == 6:
        return f"Les agences humanitaires ont livré {n} tentes et {rng.randint(10, 300)} camions de vivres à {place}."
    if kind == 7:
        return f"Le conseil a voté par {rng.randint(5, 15)} voix contre {rng.randint(0, 4)} la prolongation de la mission à {place}."
    if kind == 8:
        return (f"Les habitants de {place} ont commémoré le massacre de {rng.randint(1980, 2016)}, "
                f"au cours duquel {n} personnes avaient été tuées.")
    if kind == 9:
        return f"Les bailleurs ont promis {rng.randint(1, 900)} millions de dollars pour {place} lors d'une conférence {day}."
    if kind == 10:
        return f"Un garçon de {rng.randint(5, 17)} ans figure parmi les {n} {victims} blessés à {place} à 9 heures."
    return f"Les forces dirigées par les {rng.choice(FR_COMMUNITIES)} ont affirmé que la situation à {place} était calme {day}."


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
    sentence = {"fr": _fr_sentence, "ar": _ar_sentence}.get(language, _sentence)
    items = []
    for i in range(count):
        sentences = [sentence(rng) for _ in range(rng.randint(2, 4))]
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
