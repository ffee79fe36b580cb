"""Structured sources by field mapping: ReliefWeb-, ACLED-style JSON and GDACS RSS extensions."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import feedparser
import pytest

from warnd.config.settings import FeedSettings, FieldMapping
from warnd.errors import ParseError
from warnd.parse import parse_feed
from warnd.parse.jsonapi import GdacsAlert, gdacs_alert, parse_jsonapi, resolve_path
from warnd.types import Casualty, CasualtyKind, Place, Qualifier, Signals

DATA = Path(__file__).parent / "data" / "feeds"
FETCHED_AT = datetime(2026, 2, 11, 12, 0, tzinfo=UTC)
URL = "https://api.example.org/v2/reports"

ACLED = FieldMapping(
    id="event_id_cnty", summary="notes", published="event_date", published_format="date", updated="timestamp",
    country="country", region="admin1", location="location", fatalities="fatalities", event_type="event_type",
    actors=("actor1", "assoc_actor_1", "actor2", "assoc_actor_2"),
)
RELIEFWEB = FieldMapping(
    id="id|fields.id", title="fields.title", summary="fields.body-html|fields.body", link="fields.url_alias|fields.url",
    published="fields.date.created", updated="fields.date.changed", language="fields.language.0.code",
    next="links.next.href",
)


def parse_json(doc: object, mapping: FieldMapping):
    return parse_jsonapi(doc, mapping=mapping, feed_name="t", url=URL, fetched_at=FETCHED_AT)


def sample(name: str) -> object:
    return json.loads((DATA / name).read_text())


@pytest.mark.parametrize("path, expected", [
    pytest.param("fields.title", "T", id="dotted"),
    pytest.param("fields.language.0.code", "en", id="list-index"),
    pytest.param("fields.missing|fields.title", "T", id="alternative"),
    pytest.param("fields.empty|fields.title", "T", id="empty-is-none"),
    pytest.param("fields.language.5.code", None, id="index-out-of-range"),
    pytest.param("fields.title.deeper", None, id="through-a-string"),
    pytest.param("", None, id="no-path"),
])
def test_resolve_path(path: str, expected: object) -> None:
    doc = {"fields": {"title": "T", "empty": "", "language": [{"code": "en"}]}}
    assert resolve_path(doc, path) == expected


def test_acled_fields_go_straight_into_signals() -> None:
    items = parse_json(sample("acled.json"), ACLED).items
    assert len(items) == 4
    first = items[0]
    assert first.signals == Signals(
        casualties=(Casualty(CasualtyKind.KILLED, 6, Qualifier.EXACT, "people", False, "El Fasher"),),
        places=(Place("El Fasher", "locality", "North Darfur", "Sudan"),),
        region="North Darfur", country="Sudan", event_type="Explosions/Remote violence",
        actors=("Example Armed Group A (fictional)", "Civilians (Sudan)"),
    )
    assert first.published_at == datetime(2026, 2, 8, tzinfo=UTC)
    assert first.updated_at == datetime.fromtimestamp(1770681600, tz=UTC)
    assert first.summary.startswith("Fictional test record. Shells landed")
    assert items[1].signals is not None and items[1].signals.casualties == ()  # fatalities "0": no casualty
    assert items[1].signals.actors == ("Unidentified Armed Group (Sudan)", "Civilians (Sudan)", "Aid Workers (Sudan)")


@pytest.mark.parametrize("fatalities, expected, note", [
    pytest.param("6", 6, None, id="string"),
    pytest.param(6, 6, None, id="int"),
    pytest.param("", None, None, id="empty-means-none"),
    pytest.param(None, None, None, id="null"),
    pytest.param("0", None, None, id="zero-no-casualty"),
    pytest.param("six", None, "not a number", id="text"),
    pytest.param("-3", None, "non-negative", id="negative"),
    pytest.param("2.5", None, "whole", id="fraction"),
])
def test_fatalities_cast(fatalities: object, expected: int | None, note: str | None) -> None:
    doc = {"data": [{"event_id_cnty": "X1", "fatalities": fatalities, "event_date": "2026-02-08", "location": "Jableh"}]}
    item = parse_json(doc, ACLED).items[0]
    assert item.signals is not None
    assert [c.count for c in item.signals.casualties] == ([expected] if expected else [])
    assert (note is None) == (not any("fatalities" in n for n in item.notes))
    if note:
        assert any(note in n for n in item.notes)


def test_reliefweb_reports() -> None:
    parsed = parse_json(sample("reliefweb_reports.json"), RELIEFWEB)
    assert [i.guid for i in parsed.items] == ["9100301", "9100288", "9100275"]
    assert parsed.next_url == "https://api.reliefweb.int/v2/reports?appname=warnd-dev&profile=full&limit=3&sort[]=date.created:desc&offset=3"
    first, second, third = parsed.items
    assert first.summary.startswith("Highlights\nPartners report that around 2,300 families")  # body-html wins
    assert second.summary.startswith("Movement out of El Fasher")  # only body (markdown-ish text)
    assert "<" not in third.summary and third.language == "fr"  # only body-html, French
    assert all(i.signals is None for i in parsed.items)  # report text goes to extraction


@pytest.mark.parametrize("record, published_format, expected, note", [
    pytest.param({"id": 1, "d": "2026-02-11T09:42:17+00:00"}, "iso", datetime(2026, 2, 11, 9, 42, 17, tzinfo=UTC), None, id="iso"),
    pytest.param({"id": 1, "d": "2026-02-11T09:42:17"}, "iso", None, "no time zone", id="iso-naive"),
    pytest.param({"id": 1, "d": 1770681600}, "epoch", datetime.fromtimestamp(1770681600, tz=UTC), None, id="epoch-int"),
    pytest.param({"id": 1, "d": "1770681600"}, "epoch", datetime.fromtimestamp(1770681600, tz=UTC), None, id="epoch-str"),
    pytest.param({"id": 1, "d": "2026-02-08"}, "date", datetime(2026, 2, 8, tzinfo=UTC), None, id="date"),
    pytest.param({"id": 1, "d": "08/02/2026"}, "date", None, "unparseable", id="date-wrong-shape"),
    pytest.param({"id": 1, "d": "2099-01-01"}, "date", None, "future", id="future"),
    pytest.param({"id": 1}, "iso", None, "first-seen", id="missing"),
])
def test_dates(record: dict[str, object], published_format: str, expected: datetime | None, note: str | None) -> None:
    mapping = FieldMapping(id="id", published="d", published_format=published_format)  # type: ignore[arg-type]
    item = parse_json({"data": [record]}, mapping).items[0]
    assert item.published_at == expected
    if note:
        assert any(note in n for n in item.notes), item.notes


def test_records_without_id_skipped_and_ids_as_strings() -> None:
    parsed = parse_json({"data": [{"id": 7}, {"id": ""}, {"x": 1}, "junk", {"id": "7b"}]}, FieldMapping(id="id"))
    assert [i.key for i in parsed.items] == ["guid:7", "guid:7b"]
    assert "3 records without an id at 'id' skipped" in parsed.warnings


@pytest.mark.parametrize("doc", [
    pytest.param({"status": 200, "data": []}, id="empty-page"),
    pytest.param({"status": 200, "data": [], "data_query_restrictions": {"date_recency": "12 months"}}, id="embargoed"),
])
def test_empty_pages_are_not_errors(doc: object) -> None:
    assert parse_json(doc, ACLED).items == ()


@pytest.mark.parametrize("doc", [{"records": []}, {"data": "nope"}, [1, 2], "text"])
def test_no_records_is_not_a_feed(doc: object) -> None:
    with pytest.raises(ParseError, match="not a feed: no list of records at 'data'"):
        parse_json(doc, ACLED)


def test_unsafe_link_dropped_and_title_html_stripped() -> None:
    mapping = FieldMapping(id="id", title="t", link="l")
    item = parse_json({"data": [{"id": 1, "t": "<b>Bold</b> &amp; <script>x()</script>", "l": "javascript:alert(1)"}]}, mapping).items[0]
    assert (item.title, item.link) == ("Bold &", None)
    assert any("link dropped" in n for n in item.notes)


def test_parse_feed_dispatches_json_by_mapping() -> None:
    feed = FeedSettings(name="acled", url=URL, format="json", mapping=ACLED)
    parsed = parse_feed((DATA / "acled.json").read_bytes(), feed=feed, url=URL, fetched_at=FETCHED_AT)
    assert len(parsed.items) == 4 and parsed.items[0].feed == "acled"


# --- GDACS ------------------------------------------------------------------------------------

GDACS = [
    pytest.param(0, GdacsAlert("EQ", "Green", "Green", 4.9, "M", 640000, "Syria", "SYR", 35.612, 35.441, "9000101"), id="green-eq-syria"),
    pytest.param(1, "Orange", id="orange-fl-sudan"),
    pytest.param(2, "Red", id="red-fl-cod"),
]


@pytest.mark.parametrize("index, expected", GDACS)
def test_gdacs_alert(index: int, expected: GdacsAlert | str) -> None:
    entry = feedparser.parse((DATA / "gdacs.rss").read_bytes()).entries[index]
    alert = gdacs_alert(entry)
    assert alert is not None
    if isinstance(expected, GdacsAlert):
        assert alert == expected  # severity from @value, not from "Magnitude 4.9M, Depth:12km"
    else:
        assert alert.alert_level == expected and alert.event_type == "FL"
        assert alert.lat is not None and alert.lon is not None


def test_gdacs_signals_through_parse_feed() -> None:
    feed = FeedSettings(name="gdacs", url="https://www.gdacs.org/xml/rss.xml")
    items = parse_feed((DATA / "gdacs.rss").read_bytes(), feed=feed, url=feed.url, fetched_at=FETCHED_AT).items
    assert [(i.signals.event_type, i.signals.country) for i in items if i.signals] == [
        ("EQ", "Syria"), ("FL", "Sudan"), ("FL", "Democratic Republic of the Congo")]
    assert [p.name for p in items[2].signals.places] == ["Democratic Republic of the Congo", "Rwanda"]  # type: ignore[union-attr]
    assert all(i.published_at and i.published_at.tzinfo == UTC for i in items)


def test_gdacs_absent_for_other_feeds() -> None:
    entry = feedparser.parse((DATA / "un_news.rss").read_bytes()).entries[0]
    assert gdacs_alert(entry) is None
