"""Structured sources by field mapping (no code per source): JSON APIs and GDACS RSS extensions.

**JSON APIs** (ReliefWeb-, ACLED-style) are read through a `FieldMapping` from config. Each
mapping value is a *path*:

* dotted keys, with list indexes as numbers: ``fields.date.created``, ``fields.language.0.code``;
* alternatives separated by ``|``, first non-empty wins: ``fields.body-html|fields.body``
  (ReliefWeb reports carry one, the other or both);
* ``records`` points at the list of records (``data``); ``next`` at the next page URL
  (``links.next.href``), which ends up in `ParsedFeed.next_url` (absent = last page).

Values are read leniently: numbers may arrive as strings (ACLED) or ints, ``""`` and ``null``
mean "none" (never zero), ids may be strings or ints and are always compared as strings.
``summary`` is treated as HTML (decoded once, tags dropped); plain text passes through
unchanged. ``published`` is read with ``published_format`` (``iso``: RFC 3339 with offset;
``epoch``: Unix seconds; ``date``: ``YYYY-MM-DD`` taken as 00:00 UTC); ``updated`` is read
by shape (a number is epoch seconds, ``YYYY-MM-DD`` a date, anything else ISO 8601).

When the mapping names any of ``fatalities``, ``event_type`` or ``actors`` the source is an
*event* source and each item gets `Signals` straight from the fields, without text parsing:
``fatalities`` → ``Casualty(killed, n, exact, location=<location>)`` (omitted when empty or 0),
``region`` (e.g. ACLED ``admin1``), ``country``, ``event_type``, ``actors`` (each path may hold
``"A; B"``), and a locality `Place` from ``location``. A report source (ReliefWeb) maps none of
these and gets ``signals=None`` so that extraction reads its text. A record without a title
gets one composed from its event type and place (``Explosions/Remote violence: El Fasher,
North Darfur, Sudan``).

**GDACS** (https://www.gdacs.org/xml/rss.xml) is RSS that feedparser reads; its ``gdacs:``
elements arrive as ``gdacs_*`` keys. `gdacs_alert` reads them into a `GdacsAlert` (severity
and population from the ``@value`` attribute, since feedparser keeps only the attributes of
those two elements; coordinates from ``geo:Point``), and `gdacs_signals` turns that into
`Signals` (event type code, country, a country `Place`). The alert level is in the GDACS title
("Red flood alert in …").
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Literal

from warnd.errors import ParseError
from warnd.parse.feed import (
    check_date,
    finish,
    item_dates,
    make_item,
    parse_iso,
    plain_body,
    plain_title,
    safe_link,
)
from warnd.text import one_line
from warnd.types import Casualty, CasualtyKind, Item, ParsedFeed, Place, Signals

if TYPE_CHECKING:
    # Only for annotations: parse workers must not import pydantic and the config package
    # (~25 MB per process); they receive a `MappingView` instead.
    from warnd.config.settings import FieldMapping

__all__ = ["GdacsAlert", "MappingView", "gdacs_alert", "gdacs_signals", "parse_jsonapi", "resolve_path"]

@dataclass(frozen=True, slots=True)
class MappingView:
    """The fields of `FieldMapping` as a plain value, for parse worker processes.

    Built with ``MappingView(**mapping.model_dump())``: a key added to `FieldMapping` and not
    here fails loudly (TypeError) instead of being ignored.
    """

    id: str
    records: str = "data"
    title: str | None = None
    summary: str | None = None
    link: str | None = None
    published: str | None = None
    published_format: Literal["iso", "epoch", "date"] = "iso"
    updated: str | None = None
    language: str | None = None
    country: str | None = None
    region: str | None = None
    location: str | None = None
    fatalities: str | None = None
    event_type: str | None = None
    actors: tuple[str, ...] = ()
    next: str | None = None


_DATE_ONLY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_MISSING = object()


def resolve_path(doc: Any, path: str | None) -> Any:
    """The value at a dotted path (``a.b.0.c``; ``x|y`` = first non-empty), or None."""
    if not path:
        return None
    for alternative in path.split("|"):
        value: Any = doc
        for part in alternative.strip().split("."):
            if isinstance(value, Mapping):
                value = value.get(part, _MISSING)
            elif isinstance(value, list) and part.isdigit() and int(part) < len(value):
                value = value[int(part)]
            else:
                value = _MISSING
            if value is _MISSING:
                break
        if value is not _MISSING and value is not None and value != "" and value != [] and value != {}:
            return value
    return None


def _text(value: Any) -> str:
    if value is None or isinstance(value, dict | list):
        return ""
    return str(value)


def _count(value: Any, what: str) -> tuple[int | None, str | None]:
    if value is None or isinstance(value, bool):
        return None, None
    try:
        number = float(str(value).strip())
    except ValueError:
        return None, f"{what} is not a number: {one_line(_text(value))[:40]!r}"
    if number < 0 or number != int(number):
        return None, f"{what} is not a whole non-negative number: {value!r}"
    return int(number), None


def _parse_date(value: Any, fmt: str | None, what: str, fetched_at: datetime) -> tuple[datetime | None, tuple[str, ...]]:
    if value is None:
        return None, ()
    raw = _text(value).strip()
    if fmt is None:  # by shape
        fmt = "epoch" if raw.isdigit() else "date" if _DATE_ONLY.match(raw) else "iso"
    parsed: datetime | None = None
    try:
        if fmt == "epoch":
            parsed = datetime.fromtimestamp(float(raw), tz=UTC)
        elif fmt == "date":
            parsed = datetime.strptime(raw, "%Y-%m-%d").replace(tzinfo=UTC)
        else:
            parsed = parse_iso(raw)
            if parsed is not None and parsed.tzinfo is None:
                return None, (f"{what} date has no time zone (ambiguous): {one_line(raw)[:60]!r}",)
    except (ValueError, OverflowError, OSError):
        parsed = None
    return check_date(parsed, raw, what=what, fetched_at=fetched_at, needs_zone=False)


def _actors(record: Any, paths: Sequence[str]) -> tuple[str, ...]:
    names: list[str] = []
    for path in paths:
        for name in _text(resolve_path(record, path)).split(";"):
            name = one_line(name)
            if name and name not in names:
                names.append(name)
    return tuple(names)


def _signals(record: Any, mapping: FieldMapping | MappingView, notes: list[str]) -> Signals | None:
    if not (mapping.fatalities or mapping.event_type or mapping.actors):
        return None
    location = one_line(_text(resolve_path(record, mapping.location))) or None
    region = one_line(_text(resolve_path(record, mapping.region))) or None
    country = one_line(_text(resolve_path(record, mapping.country))) or None
    killed, note = _count(resolve_path(record, mapping.fatalities), "fatalities")
    if note:
        notes.append(note)
    casualties = (Casualty(CasualtyKind.KILLED, killed, location=location or region),) if killed else ()
    places = (Place(name=location, level="locality", region=region, country=country),) if location else ()
    return Signals(
        casualties=casualties, places=places, region=region, country=country,
        actors=_actors(record, mapping.actors),
        event_type=one_line(_text(resolve_path(record, mapping.event_type))) or None,
    )


def _record_item(record: Any, *, mapping: FieldMapping | MappingView, feed_name: str, url: str,
                 fetched_at: datetime) -> Item | None:
    guid = _text(resolve_path(record, mapping.id)).strip()
    if not guid:
        return None
    notes: list[str] = []
    signals = _signals(record, mapping, notes)
    title = plain_title(_text(resolve_path(record, mapping.title)), is_html=True)
    if not title and signals is not None:
        place = ", ".join(p for p in (signals.places[0].name if signals.places else None,
                                      signals.region, signals.country) if p)
        title = ": ".join(p for p in (signals.event_type, place) if p)
    summary = plain_body(_text(resolve_path(record, mapping.summary)), is_html=True)
    link, note = safe_link(_text(resolve_path(record, mapping.link)) or None, url)
    if note:
        notes.append(note)
    published, updated = item_dates(
        _parse_date(resolve_path(record, mapping.published), mapping.published_format, "published", fetched_at),
        _parse_date(resolve_path(record, mapping.updated), None, "updated", fetched_at), notes)
    language = one_line(_text(resolve_path(record, mapping.language))) or None
    return make_item(feed_name, guid=guid, title=title, summary=summary, link=link, published_at=published,
                     updated_at=updated, language=language, signals=signals, notes=notes)


def parse_jsonapi(doc: Any, *, mapping: FieldMapping | MappingView, feed_name: str, url: str, fetched_at: datetime,
                  max_items: int = 1000) -> ParsedFeed:
    """Items from a decoded JSON API response, read through `mapping`.

    Raises:
        ParseError: "not a feed" when `mapping.records` does not lead to a list.
    """
    records = doc if isinstance(doc, list) and mapping.records in ("", ".") else resolve_path(doc, mapping.records)
    if records is None and isinstance(doc, Mapping) and isinstance(doc.get(mapping.records.split("|")[0]), list):
        records = []  # an empty page: the key is there, with no records in it
    if not isinstance(records, list):
        raise ParseError(feed_name, f"not a feed: no list of records at {mapping.records!r}")
    warnings: list[str] = []
    items: list[Item] = []
    skipped = 0
    for record in records[:max_items]:
        item = _record_item(record, mapping=mapping, feed_name=feed_name, url=url, fetched_at=fetched_at)
        if item is None:
            skipped += 1
        else:
            items.append(item)
    if skipped:
        warnings.append(f"{skipped} records without an id at {mapping.id!r} skipped")
    if len(records) > max_items:
        warnings.append(f"{len(records)} records, kept the first {max_items}")
    next_url, _ = safe_link(_text(resolve_path(doc, mapping.next)) or None, url)
    return finish(items, title="", warnings=warnings, next_url=next_url, max_items=max_items)


# ---------------------------------------------------------------------------------------------
# GDACS


@dataclass(frozen=True, slots=True)
class GdacsAlert:
    """The GDACS extension fields of one RSS item."""

    event_type: str                  # EQ, FL, TC, VO, DR, WF
    alert_level: str | None          # Green | Orange | Red
    episode_alert_level: str | None
    severity: float | None           # from gdacs:severity/@value (magnitude, km/h, ...)
    severity_unit: str | None
    population: int | None           # from gdacs:population/@value
    country: str | None
    iso3: str | None
    lat: float | None
    lon: float | None
    event_id: str | None


def _attr_number(value: Any) -> tuple[float | None, str | None]:
    if not isinstance(value, Mapping):
        return None, None
    try:
        number = float(str(value.get("value", "")).strip())
    except ValueError:
        number = None
    unit = one_line(_text(value.get("unit"))) or None
    return number, unit


def gdacs_alert(entry: Mapping[str, Any]) -> GdacsAlert | None:
    """The GDACS fields of a feedparser entry, or None when it has none."""
    event_type = one_line(_text(entry.get("gdacs_eventtype")))
    if not event_type:
        return None
    severity, severity_unit = _attr_number(entry.get("gdacs_severity"))
    population, _ = _attr_number(entry.get("gdacs_population"))
    lat = lon = None
    where = entry.get("where")
    # feedparser gives geo:Point as GeoJSON, which is (lon, lat), not (lat, lon).
    if isinstance(where, Mapping) and where.get("type") == "Point":
        coords: Sequence[Any] = where.get("coordinates") or ()
        if len(coords) >= 2:
            lon, lat = float(coords[0]), float(coords[1])
    return GdacsAlert(
        event_type=event_type,
        alert_level=one_line(_text(entry.get("gdacs_alertlevel"))) or None,
        episode_alert_level=one_line(_text(entry.get("gdacs_episodealertlevel"))) or None,
        severity=severity,
        severity_unit=severity_unit,
        population=int(population) if population is not None and population >= 0 else None,
        country=one_line(_text(entry.get("gdacs_country"))) or None,
        iso3=one_line(_text(entry.get("gdacs_iso3"))) or None,
        lat=lat,
        lon=lon,
        event_id=one_line(_text(entry.get("gdacs_eventid"))) or None,
    )


def gdacs_signals(entry: Mapping[str, Any]) -> Signals | None:
    """Signals from a GDACS item's extension fields (no text parsing), or None for other feeds."""
    alert = gdacs_alert(entry)
    if alert is None:
        return None
    # GDACS lists every affected country in one element ("Democratic Republic of the Congo,
    # Rwanda"); the first is the primary one (the one gdacs:iso3 names).
    countries = [c.strip() for c in (alert.country or "").split(",") if c.strip()]
    places = tuple(Place(name=c, level="country", country=c) for c in countries)
    return Signals(places=places, country=countries[0] if countries else None, event_type=alert.event_type)
