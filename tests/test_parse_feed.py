"""parse_feed on every sample and hostile file (tests/data/feeds, copied from shared/data/feeds)."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime
from email.utils import format_datetime
from pathlib import Path

import pytest

import warnd.parse
from warnd.config.settings import FeedSettings, FieldMapping
from warnd.errors import ParseError
from warnd.parse import parse_feed

DATA = Path(__file__).parent / "data" / "feeds"
FETCHED_AT = datetime(2026, 2, 11, 12, 0, tzinfo=UTC)
URL = "https://warnd.example.org/feed"

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


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def parse(name: str, mapping: FieldMapping | None = None, **kw):
    feed = FeedSettings(name="t", url=URL, mapping=mapping, **kw)
    return parse_feed((DATA / name).read_bytes(), feed=feed, url=URL, fetched_at=FETCHED_AT)


def test_exported_members() -> None:
    assert warnd.parse.__all__ == ["FeedView", "content_hash", "dedup_items", "implausible_dates", "init_parse_worker", "item_key",
                                   "parse_feed", "parse_job",
                                   "replay_shift"]


# (file, mapping, expected [(key, title, published_at)])
SAMPLES = [
    pytest.param("un_news.rss", None, [
        ("guid:9900001 at https://news.un.org/en", "Sudan: aid convoy reaches Tawila as families keep arriving from El Fasher", utc(2026, 2, 11, 10, 30)),
        ("guid:9900002 at https://news.un.org/en", "Syria: health partners scale up support along the coast after week of unrest", utc(2026, 2, 10, 15, 12)),
        ("guid:9900003 at https://news.un.org/en", "DR Congo: \u2018We need the roads open\u2019 \u2013 aid chief on access in North Kivu", utc(2026, 2, 9, 8)),
    ], id="rss20-un-news"),
    pytest.param("atom.xml", None, [
        ("guid:tag:warnd.example.org,2026-02-11:/notes/latakia-fuel", "Latakia: fuel queues lengthen as deliveries slip", utc(2026, 2, 11, 5, 40)),
        ("guid:urn:uuid:5b0e6c52-8f1a-4a3e-9a43-1f0d2f6b7a11", "Sudan: market prices up again in El Obeid", utc(2026, 2, 10, 14)),
        ("guid:tag:warnd.example.org,2026-02-09:/notes/goma-ctu", "Goma: cholera treatment unit opens a second tent", utc(2026, 2, 9, 15, 30)),
    ], id="atom"),
    pytest.param("rss10_rdf.xml", None, [
        ("guid:https://warnd.example.org/rdf/alerts/101", "Baniyas: power cuts extend to twenty hours a day", utc(2026, 2, 11, 7, 30)),
        ("guid:https://warnd.example.org/rdf/alerts/102", "Kordofan: road to El Obeid closed after clashes", utc(2026, 2, 10, 22, 10)),
        ("guid:https://warnd.example.org/rdf/alerts/103", "Ituri: new displacement toward Bunia reported", utc(2026, 2, 9, 16)),
    ], id="rss10-rdf"),
    pytest.param("jsonfeed.json", None, [
        ("guid:https://warnd.example.org/digest/2026-02-11-tartus-water", "Tartus: water pumping station back on partial power", utc(2026, 2, 11, 5, 20)),
        ("guid:digest-2026-02-10-sudan-measles", "North Darfur: suspected measles cluster at a displacement site", utc(2026, 2, 10, 12)),
        ("guid:3", "", utc(2026, 2, 9, 14, 45)),
    ], id="jsonfeed"),
    pytest.param("gdacs.rss", None, [
        ("guid:EQ9000101", "Green earthquake alert (Magnitude 4.9M, Depth:12km) in Syria 11/02/2026 03:14 UTC, 640 thousand in MMI IV.", utc(2026, 2, 11, 3, 14, 22)),
        ("guid:FL9000202", "Orange flood alert in Sudan", utc(2026, 2, 10, 18)),
        ("guid:FL9000303", "Red flood alert in Democratic Republic of the Congo, Rwanda", utc(2026, 2, 9, 21, 45)),
    ], id="gdacs"),
    pytest.param("acled.json", ACLED, [
        ("guid:SDN90417", "Explosions/Remote violence: El Fasher, North Darfur, Sudan", utc(2026, 2, 8)),
        ("guid:SDN90402", "Violence against civilians: El Obeid, North Kordofan, Sudan", utc(2026, 2, 7)),
        ("guid:SYR155021", "Battles: Jableh, Lattakia, Syria", utc(2026, 2, 6)),
        ("guid:DRC38877", "Protests: Kibirizi, Nord-Kivu, Democratic Republic of Congo", utc(2026, 2, 5)),
    ], id="acled"),
    pytest.param("reliefweb_reports.json", RELIEFWEB, [
        ("guid:9100301", "Syrian Arab Republic: Coastal governorates - Flash Update No. 4 (fictional test data)", utc(2026, 2, 11, 9, 42, 17)),
        ("guid:9100288", "Sudan: El Fasher displacement snapshot, week 6 (fictional test data)", utc(2026, 2, 10, 16, 20, 51)),
        ("guid:9100275", "RD Congo : Nord-Kivu \u2013 note d\u2019information sur l\u2019acc\u00e8s humanitaire (donn\u00e9es de test fictives)", utc(2026, 2, 9, 7, 3, 12)),
    ], id="reliefweb"),
]


@pytest.mark.parametrize("name, mapping, expected", SAMPLES)
def test_parse_samples(name: str, mapping: FieldMapping | None, expected: list[tuple[str, str, datetime]]) -> None:
    parsed = parse(name, mapping)
    assert [(i.key, i.title, i.published_at) for i in parsed.items] == expected
    assert parsed.warnings == ()
    for item in parsed.items:
        assert item.feed == "t"
        assert item.content_hash and item.notes == ()
        assert item.link is None or item.link.startswith("https://")
        assert "<" not in item.summary and "&lt;" not in item.summary  # plain text, decoded once


FIELDS = [
    pytest.param("un_news.rss", None, 1, "author", "Example Reporter", id="rss-dc-creator"),
    pytest.param("un_news.rss", None, 0, "link", "https://news.un.org/en/story/2026/02/9900001", id="rss-link"),
    pytest.param("atom.xml", None, 1, "author", "Field Monitoring Desk", id="atom-inherits-feed-author"),
    pytest.param("atom.xml", None, 0, "language", "en", id="atom-xml-lang"),
    pytest.param("atom.xml", None, 0, "updated_at", utc(2026, 2, 11, 6, 15), id="atom-updated-utc"),
    pytest.param("atom.xml", None, 0, "summary",
                 "Drivers told our team they had waited over four hours. Bakeries in two neighbourhoods cut opening hours because generators lacked diesel.",
                 id="atom-content-over-summary"),
    pytest.param("jsonfeed.json", None, 1, "link", "https://warnd.example.org/digest/2026-02-10-sudan-measles", id="jsonfeed-url"),
    pytest.param("jsonfeed.json", None, 1, "author", "Health desk", id="jsonfeed-item-author"),
    pytest.param("jsonfeed.json", None, 2, "guid", "3", id="jsonfeed-opaque-id"),
    pytest.param("jsonfeed.json", None, 2, "summary", "Short untitled note: the Bukavu\u2013Uvira road reopened to light vehicles this afternoon.", id="jsonfeed-html"),
    pytest.param("rss10_rdf.xml", None, 2, "summary", "", id="rss10-no-description"),
    pytest.param("reliefweb_reports.json", RELIEFWEB, 2, "language", "fr", id="reliefweb-language"),
    pytest.param("reliefweb_reports.json", RELIEFWEB, 0, "signals", None, id="reliefweb-report-text-for-extraction"),
    pytest.param("acled.json", ACLED, 0, "link", None, id="acled-no-link"),
]


@pytest.mark.parametrize("name, mapping, index, field, expected", FIELDS)
def test_parse_fields(name: str, mapping: FieldMapping | None, index: int, field: str, expected: object) -> None:
    assert getattr(parse(name, mapping).items[index], field) == expected


@pytest.mark.parametrize("name, next_url", [
    pytest.param("atom.xml", "https://warnd.example.org/feeds/field-notes.atom?page=2", id="atom-rel-next"),
    pytest.param("jsonfeed.json", "https://warnd.example.org/digest/feed.json?page=2", id="jsonfeed-next-url"),
    pytest.param("un_news.rss", None, id="rss-none"),
])
def test_next_url(name: str, next_url: str | None) -> None:
    assert parse(name).next_url == next_url


def test_html_decoded_once_in_un_news() -> None:
    items = parse("un_news.rss").items
    assert all("&amp;" not in i.summary and "<p>" not in i.summary for i in items)
    assert items[0].summary.startswith("A convoy of twelve trucks")


# --- hostile files ---------------------------------------------------------------------------

def test_billion_laughs_unexpanded_and_fast() -> None:
    started = time.perf_counter()
    parsed = parse("hostile/billion_laughs.xml")
    assert time.perf_counter() - started < 2
    assert [i.title for i in parsed.items] == ["&lol9;"]
    assert any("entities" in w for w in parsed.warnings)
    assert all(len(i.summary) < 100 for i in parsed.items)


def test_external_entity_not_resolved() -> None:
    parsed = parse("hostile/external_entity.xml")
    assert [i.title for i in parsed.items] == ["Leak: &xxe;", "Probe: &ssrf;"]
    assert not any("root:" in i.summary for i in parsed.items)


def test_malformed_recovers_with_warning() -> None:
    parsed = parse("hostile/malformed.xml")
    assert [i.guid for i in parsed.items] == ["malformed-1", "malformed-2", "malformed-3"]
    assert any(w.startswith("malformed XML") for w in parsed.warnings)
    assert parsed.title == ""  # feed.title of a bozo feed is not trusted
    assert parsed.items[0].summary == "One of two bakeries is working again.\nFlour stocks last about a week."


def test_wrong_encoding_decoded_as_cp1256_with_flag() -> None:
    parsed = parse("hostile/wrong_encoding.xml")
    assert [i.title for i in parsed.items] == [
        "\u0627\u0644\u0644\u0627\u0630\u0642\u064a\u0629: \u0627\u0646\u0642\u0637\u0627\u0639 \u0627\u0644\u0645\u064a\u0627\u0647 \u0641\u064a \u0627\u0644\u0623\u062d\u064a\u0627\u0621 \u0627\u0644\u0634\u0645\u0627\u0644\u064a\u0629",
        "\u0637\u0631\u0637\u0648\u0633: \u0646\u0642\u0635 \u0641\u064a \u0623\u062f\u0648\u064a\u0629 \u0627\u0644\u0623\u0645\u0631\u0627\u0636 \u0627\u0644\u0645\u0632\u0645\u0646\u0629",
    ]
    assert all(any("windows-1256" in n for n in i.notes) for i in parsed.items)
    assert any("windows-1256" in w for w in parsed.warnings)


def test_latin1_declared_correctly() -> None:
    parsed = parse("hostile/latin1.xml")
    assert [(i.title, i.published_at) for i in parsed.items] == [
        ("Goma : r\u00e9ouverture partielle de la route vers Sak\u00e9", utc(2026, 2, 11, 7)),
        ("Bunia : afflux de d\u00e9plac\u00e9s pr\u00e8s de l'a\u00e9roport, besoins \u00e9lev\u00e9s en abri", utc(2026, 2, 10, 15, 30)),
    ]
    assert parsed.warnings == ()


@pytest.mark.parametrize("name, message", [
    pytest.param("hostile/empty.xml", "not a feed: the body is empty", id="empty"),
    pytest.param("hostile/not_a_feed.html", "https://warnd.example.org/feeds/alerts.rss", id="html-page-alternate"),
])
def test_not_a_feed(name: str, message: str) -> None:
    with pytest.raises(ParseError, match="not a feed") as info:
        parse(name)
    assert message in str(info.value)


@pytest.mark.parametrize("body", [
    pytest.param(b"   \n\t ", id="whitespace"),
    pytest.param(b'{"hello": "world"}', id="json-not-jsonfeed"),
    pytest.param(b'{"version": "https://jsonfeed.org/version/1.1"}', id="jsonfeed-without-items"),
    pytest.param(b"{not json", id="broken-json"),
    pytest.param(b"<html><body>Maintenance</body></html>", id="html"),
    pytest.param(b"\xef\xbb\xbf", id="bom-only"),
])
def test_not_a_feed_bodies(body: bytes) -> None:
    with pytest.raises(ParseError, match="not a feed"):
        parse_feed(body, feed=FeedSettings(name="t", url=URL), url=URL, fetched_at=FETCHED_AT)


# guid → (published_at, note fragment or None)
DATES = {
    "d01-rfc822-gmt": (utc(2026, 2, 11, 10), None),
    "d02-offset-plus0300": (utc(2026, 2, 11, 10), None),
    "d03-named-est": (utc(2026, 2, 11, 10), None),
    "d04-missing": (None, "no date"),
    "d05-future-2099": (None, "future"),
    "d06-iso8601-in-pubdate": (utc(2026, 2, 11, 8), None),
    "d07-naive-no-zone": (None, "no time zone"),
    "d08-ambiguous-ddmm": (None, "unparseable"),
    "d09-feb-31": (None, "unparseable"),
    "d10-wrong-weekday": (utc(2026, 2, 11, 10), "wrong weekday"),
    "d11-two-digit-year": (utc(2026, 2, 11, 10), None),
    "d12-free-text": (None, "unparseable"),
    "d13-arabic-digits": (utc(2026, 2, 11, 10), "non-ASCII digits"),
    "d14-empty-element": (None, "no date"),
    "d15-dcdate-only": (utc(2026, 2, 11, 10), None),
    "d16-pubdate-vs-dcdate": (utc(2026, 2, 11, 10), None),
    "d17-offset-plus0545": (utc(2026, 2, 11, 10), None),
    "d18-epoch-1970": (None, "implausibly old"),
    "d19-zone-Z": (utc(2026, 2, 11, 10), None),
}


@pytest.mark.parametrize("guid", list(DATES))
def test_weird_dates(guid: str) -> None:
    items = {i.guid: i for i in parse("hostile/dates_weird.rss").items}
    published_at, note = DATES[guid]
    item = items[guid]
    assert item.published_at == published_at
    if note is None:
        assert item.notes == ()
    else:
        assert any(note in n for n in item.notes), item.notes
    if published_at is None:
        assert any("first-seen" in n for n in item.notes)


def test_duplicate_guids_collapse_to_seven() -> None:
    parsed = parse("hostile/duplicate_guids.rss")
    assert [i.key for i in parsed.items] == [
        "guid:dup-A", "guid:dup-B", "guid:DUP-B", "link:https://warnd.example.org/dups/c?utm_source=rss",
        "guid:https://warnd.example.org/dups/a", "link:https://warnd.example.org/dups/e",
        "link:https://warnd.example.org/dups/f",
    ]
    assert parsed.items[0].title == "El Fasher: water point damaged (updated figures)"
    assert parsed.items[0].published_at == utc(2026, 2, 11, 11)
    assert "3 duplicate items merged" in parsed.warnings


# guid → (title, link, summary must not contain)
INJECTION = {
    "inj-1": ("Sudan alert X-Injected-Header: yes <!channel> <!here> <@U00000000> everyone look", None, "fetch("),
    "inj-2": ("Multi-line title with a literal newline and a tab", None, "password"),
    "inj-3": ("<https://evil.example.invalid/phish|ReliefWeb: official evacuation notice> and [click here](https://evil.example.invalid/md) *bold* _it_ `code`", None, "<"),
    "inj-4": ("Bidi spoof: Latakia and zerowidth and isolate", "https://warnd.example.org/ok/4", "refresh"),
    "inj-5": ("Plain safe item after the hostile ones", "https://warnd.example.org/ok/5", "<"),
}


@pytest.mark.parametrize("guid", list(INJECTION))
def test_html_injection(guid: str) -> None:
    items = {i.guid: i for i in parse("hostile/html_injection.rss").items}
    assert len(items) == 5
    title, link, forbidden = INJECTION[guid]
    item = items[guid]
    assert item.title == title
    assert item.link == link
    assert forbidden not in item.summary
    for text in (item.title, item.summary, item.author or ""):
        assert "\r" not in text and "\u202e" not in text and "\u200b" not in text
        assert "<script" not in text and "onerror" not in text
    if link is None:
        assert any("link dropped" in n for n in item.notes)


def test_html_injection_feed_title_plain() -> None:
    assert parse("hostile/html_injection.rss").title == "Injection test feed <!channel>"


def test_author_html_is_text() -> None:
    items = {i.guid: i for i in parse("hostile/html_injection.rss").items}
    assert items["inj-5"].author is None or "<img" not in items["inj-5"].author


def _huge(mode_items: int = 0, title_chars: int = 0, description_chars: int = 0) -> bytes:
    head = '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>huge</title>'
    parts = [head]
    if title_chars or description_chars:
        filler = "flood \u00e9 " * (description_chars // 8)
        parts.append(f"<item><title>{'T' * title_chars}</title><description>{filler}</description>"
                     "<guid>big</guid><pubDate>Wed, 11 Feb 2026 10:00:00 GMT</pubDate></item>")
    for n in range(mode_items):
        parts.append(f"<item><title>item {n}</title><guid>g{n}</guid></item>")
    parts.append("</channel></rss>")
    return "".join(parts).encode()


@pytest.mark.parametrize("body, max_items, count, warning", [
    pytest.param(_huge(mode_items=3000), 1000, 1000, "3000 items, kept the first 1000", id="many-items"),
    pytest.param(_huge(title_chars=2_000_000, description_chars=4_000_000), 1000, 1, None, id="huge-fields"),
])
def test_caps(body: bytes, max_items: int, count: int, warning: str | None) -> None:
    parsed = parse_feed(body, feed=FeedSettings(name="t", url=URL), url=URL, fetched_at=FETCHED_AT, max_items=max_items)
    assert len(parsed.items) == count
    assert all(len(i.title) <= 1000 and len(i.summary) <= 20_000 for i in parsed.items)
    if warning:
        assert warning in parsed.warnings


def test_relative_links_resolved_and_content_type_sniffing() -> None:
    body = b'<rss version="2.0"><channel><item><title>x</title><link>/a/b</link><guid>1</guid></item></channel></rss>'
    parsed = parse_feed(body, feed=FeedSettings(name="t", url=URL), url=URL, fetched_at=FETCHED_AT,
                        content_type="application/json")
    assert parsed.items[0].link == "https://warnd.example.org/a/b"


# --- the fast path must equal feedparser -----------------------------------------------------

from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from warnd.parse.feed import fast_rss, parse_xml  # noqa: E402

BENCH = Path(__file__).resolve().parent.parent / "bench"


def both_paths(body: bytes) -> tuple[object, object]:
    kw = dict(feed_name="t", url=URL, fetched_at=FETCHED_AT, max_items=50)
    try:
        slow: object = parse_xml(body, fast=False, **kw)
    except ParseError as e:
        slow = ("ParseError", str(e))
    try:
        fast: object = parse_xml(body, fast=True, **kw)
    except ParseError as e:
        fast = ("ParseError", str(e))
    return slow, fast


ALL_XML = sorted(p.relative_to(DATA).as_posix() for p in DATA.rglob("*") if p.suffix in (".xml", ".rss", ".html"))


@pytest.mark.parametrize("name", ALL_XML)
def test_fast_path_equals_feedparser_on_files(name: str) -> None:
    slow, fast = both_paths((DATA / name).read_bytes())
    assert fast == slow


def _farm_bodies() -> list[bytes]:
    import importlib.util
    import sys
    spec = importlib.util.spec_from_file_location("bench_feeds", BENCH / "feeds.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return [module._feed_body(i, v, 20) for i in range(20) for v in range(2)]


def test_fast_path_taken_and_equal_on_bench_feeds() -> None:
    for body in _farm_bodies():
        assert fast_rss(body, feed_name="t", url=URL, fetched_at=FETCHED_AT) is not None
        slow, fast = both_paths(body)
        assert fast == slow


_PIECES = ["plain", " ", "\n", "\t", "&amp;", "&lt;", "&gt;", "&amp;amp;", "&#8217;", "&#233;", "&nbsp;", "&quot;",
           "<p>", "</p>", "<b>x</b>", "<br>", "<br/>", "<a href='http://e.x/'>l</a>", "<script>s()</script>",
           "<!-- c -->", "a < b", "\u00e9", "\u0627\u0644", "\u202e", "\u200b", "\u00c3\u00a9", "&foo;", "Q&A",
           "<em>e</em>", "<iframe>i</iframe>", "<unknown>u</unknown>", "]]>", "\u2028", "<![CDATA[<p>c</p>]]>"]
_BENIGN = ["plain", " ", "\n", "&amp;", "&lt;", "&#8217;", "&nbsp;", "<p>", "</p>", "<b>x</b>", "<br>", "\u00e9",
           "\u0627\u0644", "Q&A", "<em>e</em>", "<a href='http://e.x/'>l</a>"]


def _text(pieces: list[str]) -> st.SearchStrategy[str]:
    return st.lists(st.sampled_from(pieces), max_size=8).map("".join)
_DATES = st.sampled_from(["Wed, 11 Feb 2026 10:00:00 GMT", "2026-02-11T10:00:00+02:00", "", "garbage",
                          "Wed, 11 Feb 2099 10:00:00 GMT", "2026-02-11 10:00:00", "Mon, 11 Feb 2026 10:00:00 GMT"])


def _xml_text(value: str, cdata: bool) -> str:
    if cdata:
        return "<![CDATA[" + value.replace("]]>", "") + "]]>"
    return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;") if "<![CDATA[" not in value else value


@st.composite
def rss_documents(draw: st.DrawFn, pieces: list[str] = _PIECES) -> bytes:
    _TEXT = _text(pieces)
    items = []
    for n in range(draw(st.integers(0, 4))):
        parts = []
        if draw(st.booleans()):
            parts.append(f"<title>{_xml_text(draw(_TEXT), draw(st.booleans()))}</title>")
        if draw(st.booleans()):
            parts.append(f"<description>{_xml_text(draw(_TEXT), draw(st.booleans()))}</description>")
        if draw(st.booleans()):
            parts.append(f"<content:encoded>{_xml_text(draw(_TEXT), True)}</content:encoded>")
        link = draw(st.sampled_from(["", "https://e.x/a?b=1&amp;c=2", "/rel/path", "javascript:x()", " https://e.x/s ", None]))
        if link is not None:
            parts.append(f"<link>{link}</link>")
        guid = draw(st.sampled_from(["", "g1", " g1 ", "https://e.x/g", "G1", None]))
        if guid is not None:
            attr = draw(st.sampled_from(["", ' isPermaLink="false"', ' isPermaLink="true"']))
            parts.append(f"<guid{attr}>{guid}</guid>")
        if draw(st.booleans()):
            parts.append(f"<pubDate>{draw(_DATES)}</pubDate>")
        if draw(st.booleans()):
            parts.append(f"<dc:creator>{draw(st.sampled_from(['Desk', 'A (b@c.d)', 'x@y.z', '']))}</dc:creator>")
        if draw(st.booleans()):
            parts.append("<category>c</category>")
        items.append("<item>" + "".join(draw(st.permutations(parts))) + "</item>")
    language = draw(st.sampled_from(["", "<language>en</language>", "<language>en_GB</language>"]))
    image = draw(st.sampled_from(["", "<image><title>Logo</title><url>https://e.x/l.png</url><link>https://e.x/</link></image>"]))
    title = f"<title>{_xml_text(draw(_TEXT), False)}</title>" if draw(st.booleans()) else ""
    channel = draw(st.permutations([title, language, image, *items]))
    return ('<?xml version="1.0" encoding="utf-8"?><rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/" '
            'xmlns:content="http://purl.org/rss/1.0/modules/content/"><channel>' + "".join(channel)
            + "</channel></rss>").encode()


@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(rss_documents(), rss_documents(_BENIGN)))
def test_fast_path_equals_feedparser_on_generated_feeds(body: bytes) -> None:
    slow, fast = both_paths(body)
    assert fast == slow


# --- properties: hostile bytes never raise anything but ParseError ----------------------------

_FEEDS = [FeedSettings(name="t", url=URL), FeedSettings(name="t", url=URL, format="json", mapping=ACLED),
          FeedSettings(name="t", url=URL, format="jsonfeed"), FeedSettings(name="t", url=URL, replay=True)]
_PREFIXES = [b"", b'<?xml version="1.0"?><rss version="2.0"><channel><item><title>', b"<feed xmlns='http://www.w3.org/2005/Atom'><entry>",
             b'{"version": "https://jsonfeed.org/version/1.1", "items": [', b'{"data": [{"event_id_cnty": ', b"\xef\xbb\xbf<rss>"]


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(_PREFIXES), st.binary(max_size=400), st.sampled_from(_FEEDS), st.sampled_from([None, "application/json", "text/html"]))
def test_random_bytes_only_raise_parse_error(prefix: bytes, tail: bytes, feed: FeedSettings, content_type: str | None) -> None:
    try:
        parsed = parse_feed(prefix + tail, feed=feed, url=URL, fetched_at=FETCHED_AT, content_type=content_type)
    except ParseError as e:
        assert str(e).startswith("feed 't': ")
        return
    for item in parsed.items:
        assert item.key and item.feed == "t"
        assert item.link is None or item.link.startswith(("http://", "https://"))
        assert "\r" not in item.title and "\n" not in item.title


_json_values = st.recursive(st.none() | st.booleans() | st.integers() | st.text(max_size=10),
                            lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.sampled_from(
                                ["data", "items", "id", "event_id_cnty", "fatalities", "version", "title", "event_date"]),
                                inner, max_size=5), max_leaves=20)


@settings(max_examples=300, deadline=None)
@given(_json_values, st.sampled_from(_FEEDS))
def test_random_json_only_raises_parse_error(doc: object, feed: FeedSettings) -> None:
    import json
    try:
        parse_feed(json.dumps(doc).encode(), feed=feed, url=URL, fetched_at=FETCHED_AT)
    except ParseError:
        pass


def test_billion_laughs_bounded_memory() -> None:
    import tracemalloc
    body = (DATA / "hostile" / "billion_laughs.xml").read_bytes()
    tracemalloc.start()
    try:
        for fast in (True, False):
            parse_xml(body, feed_name="t", url=URL, fetched_at=FETCHED_AT, fast=fast)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 5 * 1024 * 1024


@pytest.mark.parametrize("version", ["0.91", "0.92", "2.0"])
def test_rss_09x_versions(version: str) -> None:
    body = (f'<?xml version="1.0"?><rss version="{version}"><channel><title>Old</title><link>https://e.x/</link>'
            "<item><title>Kassala: flooding</title><link>https://e.x/1</link><description>Water rising.</description></item>"
            "</channel></rss>").encode()
    parsed = parse_feed(body, feed=FeedSettings(name="t", url=URL), url=URL, fetched_at=FETCHED_AT)
    assert [(i.key, i.title, i.summary) for i in parsed.items] == [("link:https://e.x/1", "Kassala: flooding", "Water rising.")]


# ---- implausible dates (issue 21) ---------------------------------------------------------------
# A date before 1990 (epoch 0 from a broken feed) or beyond the clock-skew tolerance after the fetch is
# treated as undated, so the store dates the item at first sight; an old date after the floor is a date
# (archives, backtest recordings). FETCHED_AT is 2026-02-11 12:00 UTC.

def _bodies(at: datetime) -> dict[str, tuple[bytes, FieldMapping | None]]:
    iso = at.strftime("%Y-%m-%dT%H:%M:%SZ")
    return {
        "rss": (f"<rss version='2.0'><channel><title>t</title><item><guid>g1</guid><title>Shelling in Jableh</title>"
                f"<pubDate>{format_datetime(at, usegmt=True)}</pubDate></item></channel></rss>".encode(), None),
        "atom": (f"<feed xmlns='http://www.w3.org/2005/Atom'><title>t</title><entry><id>g1</id>"
                 f"<title>Shelling in Jableh</title><updated>{iso}</updated></entry></feed>".encode(), None),
        "jsonfeed": (json.dumps({"version": "https://jsonfeed.org/version/1.1", "title": "t", "items": [
            {"id": "g1", "title": "Shelling in Jableh", "content_text": "x", "date_published": iso}]}).encode(), None),
        "json-epoch": (json.dumps({"data": [{"id": "g1", "title": "Shelling in Jableh",
                                             "ts": int(at.timestamp())}]}).encode(),
                       FieldMapping(id="id", title="title", published="ts", published_format="epoch")),
    }


PLAUSIBILITY = [
    pytest.param(utc(1970, 1, 1), False, "implausibly old (before 1990-01-01)", id="epoch-0"),
    pytest.param(utc(1985, 6, 1, 9), False, "implausibly old (before 1990-01-01)", id="decades-old"),
    pytest.param(utc(2027, 2, 11, 12), False, "in the future (more than 15 min after the fetch)", id="a-year-ahead"),
    pytest.param(utc(2026, 2, 11, 12, 16), False, "in the future", id="beyond-skew"),
    pytest.param(utc(2026, 2, 11, 12, 14), True, None, id="within-skew"),
    pytest.param(utc(2026, 2, 11, 10), True, None, id="normal"),
    pytest.param(utc(2011, 3, 15, 10), True, None, id="old-but-valid-backtest-date"),
    pytest.param(utc(1990, 1, 1), True, None, id="the-floor-itself"),
]


@pytest.mark.parametrize("fmt", ["rss", "atom", "jsonfeed", "json-epoch"])
@pytest.mark.parametrize("at, kept, note", PLAUSIBILITY)
def test_implausible_dates_are_treated_as_undated(fmt: str, at: datetime, kept: bool, note: str | None) -> None:
    body, mapping = _bodies(at)[fmt]
    feed = FeedSettings(name="t", url=URL, mapping=mapping, format="json" if mapping else "auto")
    (item,) = parse_feed(body, feed=feed, url=URL, fetched_at=FETCHED_AT).items
    if kept:
        assert (item.published_at, item.notes, warnd.parse.implausible_dates(item)) == (at, (), ())
    else:
        assert item.published_at is None and item.updated_at is None
        assert note is not None and any(note in n for n in warnd.parse.implausible_dates(item)), item.notes
        assert "no usable date: the first-seen time will be used" in item.notes


@pytest.mark.parametrize("at, undated", [
    pytest.param(utc(1970, 1, 1), True, id="epoch-0-still-undated"),
    pytest.param(utc(2027, 2, 11, 12), False, id="future-kept-for-the-shift"),
    pytest.param(utc(2011, 3, 15, 10), False, id="old-recording"),
])
def test_replay_recordings_keep_the_floor_but_not_the_future_check(at: datetime, undated: bool) -> None:
    # A replay recording is shifted to "now" after parsing, so only the floor applies to it: a backtest
    # clock may lie before the recording, but epoch 0 is no date in any recording.
    body, _ = _bodies(at)["rss"]
    (item,) = parse_feed(body, feed=FeedSettings(name="t", url=URL, replay=True), url=URL, fetched_at=FETCHED_AT).items
    assert (item.published_at is None) is undated
    assert bool(warnd.parse.implausible_dates(item)) is undated


def test_an_implausible_published_date_falls_back_to_a_plausible_updated_one() -> None:
    body = (b"<feed xmlns='http://www.w3.org/2005/Atom'><title>t</title><entry><id>g1</id><title>x</title>"
            b"<published>1970-01-01T00:00:00Z</published><updated>2026-02-11T10:00:00Z</updated></entry></feed>")
    (item,) = parse_feed(body, feed=FeedSettings(name="t", url=URL), url=URL, fetched_at=FETCHED_AT).items
    assert item.published_at == utc(2026, 2, 11, 10)
    assert warnd.parse.implausible_dates(item) == ("published date implausibly old (before 1990-01-01): "
                                                   "'1970-01-01T00:00:00Z'",)
