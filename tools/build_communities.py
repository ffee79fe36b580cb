"""Build warnd's generated community list (warnd/extract/data/communities.tsv) from ISO 639-3.

Source: pycountry (PyPI, LGPL-2.1), which ships the ISO 639-3 code tables (maintained by SIL International,
https://iso639-3.sil.org/, via Debian's iso-codes). Most ethnic groups that conflict reporting names are
ethnolinguistic and share their language's English name (Zande, Murle, Igbo, Chakma, Tzotzil), so the
living individual languages give a broad, maintained list that no one has to type.

What is kept: living individual languages and macrolanguages (type L, scope I or M); a name's qualifier is dropped ("Zande
(individual language)" -> Zande, "Northwest Gbaya" -> Gbaya). What is dropped: sign languages, creoles
and pidgins; names of more than two words; nationality-shaped names (-ese, -ish, -ian, -ic: "Burmese",
"Turkish" are nationalities, and the guide says nationalities are not communities); names that are
ordinary lower-case English words in /usr/share/dict/words (Debian package `wamerican`: "Even",
"Are", "Mono") so that a capitalised common word never reads as a community.

Names ISO 639-3 lacks (clans, faiths, peoples named otherwise than their language: Haratine, Mozabite,
Habar Gidir) come from the hand-made tools/data/peoples.tsv, merged here with the same caution.

Language names are not always what reporters call the people (Fulah / Fulani / Peul, Panjabi / Punjabi):
the hand-curated communities in warnd/extract/data/lexicon.yaml name those, and win over this file.

Rerun after upgrading pycountry:
    .venv/bin/pip install '.[communities]' && .venv/bin/python tools/build_communities.py
"""

from __future__ import annotations

import re
from pathlib import Path

import pycountry

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "warnd" / "extract" / "data" / "communities.tsv"
DICTIONARY = Path("/usr/share/dict/words")
# hand-made: peoples, clans and faiths ISO 639-3 lacks or names otherwise (written for warnd)
SUPPLEMENT = ROOT / "tools" / "data" / "peoples.tsv"
GAZETTEER = ROOT / "warnd" / "extract" / "data" / "gazetteer.tsv"
# Given names and name particles that are also ISO 639-3 names: "Ali" and "Abu" are far more often a person
# or a place ("Abu Shouk") in the news than the language's speakers.
_PERSON_NAMES = frozenset({"ali", "abu", "adam", "mori", "noone", "omar", "said", "hassan", "musa", "maria",
                           "sara", "yom", "dan", "ben", "tom", "kim", "lee", "ana", "eli", "ida", "ada", "bob",
                           "gen", "col", "don", "ron", "jan", "pal", "mia", "sam", "shi", "tai", "lou", "kwa",
                           "awa", "fatou", "mariam", "amina", "aisha",
                           # capitalised dictionary words that are people, places or brands before a people
                           "adele", "alabama", "alta", "ashe", "berta", "cara", "che", "chung", "colorado",
                           "dem", "eton", "gail", "ila", "ito", "kari", "laura", "lola", "luna", "mae", "pam",
                           "pei", "rama", "salas", "serrano", "sonia", "thompson", "thur", "torricelli", "wanda",
                           "yale", "yong", "dakota", "seneca", "mari", "koch", "karo", "toto", "sui", "tami",
                           "ono", "babar", "dido", "saxon", "scots", "delaware"})
# nationalities whose name is also a language (the guide: nationalities are not communities)
_NATIONALITIES = frozenset({"czech", "dutch", "german", "slovak", "filipino", "kazakh", "uzbek", "samoan",
                            "azerbaijani", "montenegrin", "afrikaans", "thai", "lao", "khmer", "nepali",
                            "somali", "mongol", "swahili", "tagalog", "hebrew", "greek", "french", "english",
                            "spanish", "portuguese", "japanese", "chinese", "korean", "danish", "polish", "irish",
                            "welsh", "finnish", "swedish", "norwegian", "icelandic", "maltese", "turkmen",
                            "malagasy", "yiddish", "sanskrit", "persian", "arabic", "mongolian",
                            "albanian", "estonian", "latvian"})

# individual languages and macrolanguages: a people is often named by the macrolanguage ("Kpelle",
# "Luyia", "Mandingo", "Malay"), its varieties by individual languages ("Guerze Kpelle")
_SCOPES = frozenset({"I", "M"})
_QUALIFIERS = frozenset({"north", "south", "east", "west", "northern", "southern", "eastern", "western", "central",
                         "northwest", "northeast", "southwest", "southeast", "northwestern", "northeastern",
                         "southwestern", "southeastern", "upper", "lower", "highland", "lowland", "coastal",
                         "standard", "plains", "river"})
_DROP_WORDS = re.compile(r"\b(sign|creole|pidgin|language|languages|jargon|cant|pidgin)\b", re.IGNORECASE)
_NATIONALITY_ENDINGS = ("ese", "ish", "ian", "ic", "ean")


def _head(name: str) -> str | None:
    """The group name inside an ISO 639-3 language name, or None when it is not one."""
    name = re.sub(r"\s*\(.*?\)", "", name).strip()
    if _DROP_WORDS.search(name) or "," in name:
        return None
    words = name.split()
    while len(words) > 1 and words[0].lower() in _QUALIFIERS:
        words = words[1:]
    if len(words) > 2 or not words:
        return None
    head = " ".join(words)
    if not re.fullmatch(r"[A-Z][A-Za-z'\-]*[a-z](?: [A-Z][A-Za-z'\-]*[a-z])?", head) or len(head) < 3:
        return None
    if head.lower().endswith(_NATIONALITY_ENDINGS):
        return None
    return head


def _common_words() -> frozenset[str]:
    if not DICTIONARY.exists():
        raise SystemExit(f"{DICTIONARY} is missing: install the Debian package wamerican")
    text = DICTIONARY.read_text(encoding="utf-8", errors="replace")
    return frozenset(w for w in text.split() if w.islower())


def _place_names() -> frozenset[str]:
    """Countries (with aliases) and towns of >= 50,000 people, lower-cased: never a generated community.

    Smaller places and districts stay ("Gedeo" is a zone and a people): at run time a name the place
    extractor has taken as a place is not a community anyway."""
    out: set[str] = set()
    for line in GAZETTEER.read_text(encoding="utf-8").splitlines():
        if line.startswith("#"):
            continue
        name, level, _region, _country, _parent, population, aliases = line.split("\t")[:7]
        if level == "country":
            out.add(name.lower())
            out.update(a.lower() for a in aliases.split("|") if a)
        elif level == "locality" and int(population or 0) >= 50_000:
            out.add(name.lower())
    return frozenset(out)


def build() -> list[tuple[str, list[str]]]:
    common = _common_words() | _PERSON_NAMES | _NATIONALITIES
    places = _place_names()
    names: dict[str, set[str]] = {}
    for lang in pycountry.languages:
        if getattr(lang, "type", "") != "L" or getattr(lang, "scope", "") not in _SCOPES:
            continue
        head = _head(lang.name)
        if head is None or any(w.lower() in common for w in head.split()) or head.lower() in places:
            continue
        _add(names, head, [head], places, common)
    for line in SUPPLEMENT.read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            name, _, forms = line.partition("\t")
            # checked by hand against common words; a country or a large town still wins
            _add(names, name, [f for f in forms.split("|") if f.lower() not in places], places, common)
    return sorted((name, sorted(forms)) for name, forms in names.items() if forms)


def _add(names: dict[str, set[str]], name: str, spellings: list[str], places: frozenset[str],
         common: frozenset[str]) -> None:
    forms = names.setdefault(name, set())
    for form in spellings:
        forms.add(form)
        plural = form + "s"  # the plural that "killed 20 Tamils" uses, unless it is a place ("Laos")
        if " " not in form and not form.endswith(("s", "'")) and plural.lower() not in places \
                and plural.lower() not in common:
            forms.add(plural)


def main() -> None:
    rows = build()
    header = ("# Generated by tools/build_communities.py from ISO 639-3 (pycountry, LGPL-2.1; tables by SIL\n"
              "# International). Do not edit: curated names go in lexicon.yaml. name<TAB>form|form...\n")
    OUT.write_text(header + "".join(f"{name}\t{'|'.join(forms)}\n" for name, forms in rows), encoding="utf-8")
    print(f"wrote {len(rows)} communities to {OUT.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
