"""RSS 0.9x/1.0/2.0 and Atom through feedparser, JSON Feed 1.1 by hand; one `Item` model out.

Pure: bytes in, `ParsedFeed` out. What it does beyond feedparser, and why:

* **Encoding.** A body that declares (or defaults to) UTF-8 but is not valid UTF-8 is decoded
  with a fallback before feedparser sees it: mostly-valid UTF-8 with a few bad bytes is decoded
  with U+FFFD replacements; otherwise windows-1256 when that yields mostly Arabic letters, else
  windows-1252. Every item then carries an ``encoding:`` note and the feed a warning.
  feedparser alone decodes such bodies as windows-1252, which turns Arabic into Latin
  mojibake (``ÇááÇÐÞíÉ``) while reporting success (shared/data/feeds/README.md).
* **Entities.** feedparser's strict parser is expat with external entities off; an internal
  entity DTD (billion laughs) or an external one (XXE) makes it fall back to its loose parser,
  which leaves ``&lol9;`` / ``&xxe;`` unexpanded. We add a warning and never decode those
  strings a second time (`warnd.text.strip_tags` keeps ``&`` literal).
* **Text.** Titles become one line of plain text (HTML titles decoded once; tags, scripts,
  CR/LF, bidi controls gone); summaries are plain text from the richest body (``content``
  over ``summary``), capped at `MAX_SUMMARY_CHARS`; authors likewise. Atom entries without an
  author inherit the feed author (feedparser does not copy it).
* **Links.** Only absolute http(s) links are kept (relative ones are resolved against the
  feed URL); ``javascript:``, ``java\\tscript:``, ``data:`` … are dropped with a note.
* **Dates.** ``published_at`` is the published date, else the updated date (RSS 1.0 ``dc:date``
  and Atom entries without ``published`` only have the latter). When both exist and disagree,
  published wins (d16 in hostile/dates_weird.rss). A date is dropped, with a note, when it is
  missing, unparseable, has no time zone (``2026-02-11 10:00:00`` is ambiguous; feedparser
  would silently call it UTC), lies more than `FUTURE_TOLERANCE` after the fetch, or is before
  `EARLIEST_PLAUSIBLE` (``1970-01-01`` is a placeholder, not a date). The store then uses the
  first-seen time. A wrong weekday or non-ASCII digits keep the date and add a note.
* **Not a feed.** An empty body, an HTML page (feedparser ``version == ''`` with no entries)
  or JSON that is not a JSON Feed raise `ParseError` so the poller keeps the feed's previous
  state; an HTML page that advertises a feed has that URL in the message.
* **Malformed.** Items that feedparser's loose parser recovers are kept, with a warning; the
  feed title of a malformed body is not trusted (feedparser can put swallowed item text in it).
* **Limits.** At most `max_items` items; titles `MAX_TITLE_CHARS`, summaries
  `MAX_SUMMARY_CHARS`; HTML longer than `MAX_HTML_CHARS` is cut before it is converted.
"""

from __future__ import annotations

import calendar
import html.entities
import json
import re
import time
import xml.etree.ElementTree as ET
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Any
from urllib.parse import urljoin, urlsplit

import feedparser
from feedparser.datetimes import _parse_date as _feedparser_date
from feedparser.mixin import _FeedParserMixin
from feedparser.urls import _urljoin as _feedparser_urljoin

from warnd.errors import ParseError
from warnd.parse.dedup import content_hash, dedup_items, item_key
from warnd.text import html_to_text, one_line, strip_tags, truncate
from warnd.types import Item, ParsedFeed, Signals

__all__ = [
    "EARLIEST_PLAUSIBLE",
    "FUTURE_TOLERANCE",
    "MAX_HTML_CHARS",
    "MAX_SUMMARY_CHARS",
    "MAX_TITLE_CHARS",
    "check_date",
    "decode_legacy",
    "fast_rss",
    "implausible_dates",
    "make_item",
    "parse_jsonfeed",
    "parse_xml",
    "safe_link",
]

MAX_TITLE_CHARS = 1_000
MAX_SUMMARY_CHARS = 20_000
MAX_HTML_CHARS = 200_000
MAX_AUTHOR_CHARS = 200
FUTURE_TOLERANCE = timedelta(minutes=15)
EARLIEST_PLAUSIBLE = datetime(1990, 1, 1, tzinfo=UTC)
# The notes `check_date` writes for a date it drops as implausible; `implausible_dates` finds them.
_TOO_OLD = f"date implausibly old (before {EARLIEST_PLAUSIBLE:%Y-%m-%d})"
_TOO_NEW = f"date in the future (more than {FUTURE_TOLERANCE.total_seconds() / 60:g} min after the fetch)"

EntrySignals = Callable[[Mapping[str, Any]], Signals | None]

_XML_DECL = re.compile(rb"^\s*<\?xml[^>]*?encoding\s*=\s*[\"']([A-Za-z0-9._-]+)[\"']", re.I)
_ENTITY_DECL = re.compile(rb"<!ENTITY", re.I)
_ALTERNATE = re.compile(
    rb"<link\b(?=[^>]*\brel\s*=\s*[\"']?alternate)(?=[^>]*\btype\s*=\s*[\"']?application/(?:rss|atom)\+xml)"
    rb"[^>]*\bhref\s*=\s*[\"']?([^\"'\s>]+)",
    re.I,
)
_ZONE_AT_END = re.compile(r"(?:[zZ]|[+-]\d{2}:?\d{2}|\b[A-Z]{1,5})\s*$")
_HAS_TIME = re.compile(r"\d{1,2}:\d{2}")
_RFC822_DAY = re.compile(r"^\s*(Mon|Tue|Wed|Thu|Fri|Sat|Sun)[a-z]*,?\s+(\d{1,2})\s+([A-Za-z]{3})[a-z]*\s+(\d{2,4})\b")
_MONTHS = {m.lower(): i for i, m in enumerate(calendar.month_abbr) if m}
_WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_HTML_TYPES = ("text/html", "application/xhtml+xml", "html", "xhtml")
_SAFE_SCHEMES = ("http", "https")
_URL_NOISE = re.compile(r"[\x00-\x20\x7f]")


# ---------------------------------------------------------------------------------------------
# Shared item building (also used by jsonapi.py)


def safe_link(raw: str | None, base_url: str) -> tuple[str | None, str | None]:
    """An absolute http(s) link, or None and a note saying why it was dropped."""
    if raw is None:
        return None, None
    # Browsers ignore ASCII whitespace and controls anywhere in a URL ("java\tscript:"),
    # so we judge the scheme after removing them, exactly as a browser would read it.
    cleaned = _URL_NOISE.sub("", raw) if _URL_NOISE.search(raw) else raw
    if not cleaned:
        return None, None
    if base_url.startswith(("http://", "https://")) and not cleaned.startswith(("http://", "https://")):
        cleaned = urljoin(base_url, cleaned)
    try:
        parts = urlsplit(cleaned)
    except ValueError:
        return None, "link dropped: not a valid URL"
    if parts.scheme.lower() not in _SAFE_SCHEMES or not parts.netloc:
        scheme = parts.scheme.lower() or "relative"
        return None, f"link dropped: scheme {scheme!r} is not http(s)"
    return cleaned, None


def item_dates(published: tuple[datetime | None, Sequence[str]], updated: tuple[datetime | None, Sequence[str]],
               notes: list[str]) -> tuple[datetime | None, datetime | None]:
    """An item's (published, updated): published falls back to updated; with neither, a note says the
    first-seen time will be used. The notes of the dates that count are added to `notes`."""
    (pub, pub_notes), (upd, upd_notes) = published, updated
    notes += pub_notes
    if pub is None:
        notes += upd_notes
        pub = upd
    if pub is None:
        notes.append("no usable date: the first-seen time will be used")
    return pub, upd


def check_date(value: datetime | None, raw: str | None, *, what: str, fetched_at: datetime,
               needs_zone: bool = True) -> tuple[datetime | None, tuple[str, ...]]:
    """Accept `value` (parsed from `raw`) as a UTC date, or drop it with a note saying why."""
    raw_text = (raw or "").strip()
    shown = one_line(raw_text)[:60]
    if value is None:
        return None, ((f"{what} date unparseable: {shown!r}",) if raw_text else ())
    notes: list[str] = []
    if raw_text and needs_zone and _HAS_TIME.search(raw_text) and not _ZONE_AT_END.search(raw_text):
        return None, (f"{what} date has no time zone (ambiguous): {shown!r}",)
    value = value.astimezone(UTC)
    if value > fetched_at + FUTURE_TOLERANCE:
        return None, (f"{what} {_TOO_NEW}: {shown!r}",)
    if value < EARLIEST_PLAUSIBLE:
        # 1970-01-01 is epoch 0 from a broken feed, not a report from 1970: undated, so first seen.
        return None, (f"{what} {_TOO_OLD}: {shown!r}",)
    if raw_text and not raw_text.isascii() and any(c.isdigit() and not c.isascii() for c in raw_text):
        notes.append(f"{what} date written with non-ASCII digits: {shown!r}")
    weekday = _RFC822_DAY.match(raw_text)
    if weekday:
        day_name, day, month, year = weekday.groups()
        try:
            y = int(year) + (2000 if len(year) == 2 else 0)
            stated = date(y, _MONTHS[month.lower()], int(day))
            if _WEEKDAYS[stated.weekday()] != day_name.lower():
                notes.append(f"{what} date has the wrong weekday: {shown!r}")
        except (KeyError, ValueError):
            pass  # the date itself was judged above; this check is only a hint
    return value, tuple(notes)


def implausible_dates(item: Item) -> tuple[str, ...]:
    """The notes of `item` saying a date was dropped as implausible: before `EARLIEST_PLAUSIBLE`
    or more than `FUTURE_TOLERANCE` after the fetch (`check_date`)."""
    return tuple(n for n in item.notes if n.startswith(("published ", "updated ")) and (_TOO_OLD in n or _TOO_NEW in n))


def make_item(feed: str, *, guid: str | None, title: str, summary: str, link: str | None,
              published_at: datetime | None = None, updated_at: datetime | None = None,
              language: str | None = None, author: str | None = None,
              signals: Signals | None = None, notes: Sequence[str] = ()) -> Item:
    """An `Item` with its key and content hash computed from already-clean fields."""
    title = truncate(title, MAX_TITLE_CHARS)
    summary = truncate(summary, MAX_SUMMARY_CHARS)
    guid = guid.strip() if guid is not None else None
    return Item(
        feed=feed,
        key=item_key(guid, link, title, summary),
        title=title,
        summary=summary,
        link=link,
        published_at=published_at,
        updated_at=updated_at,
        language=language or None,
        guid=guid or None,
        author=author or None,
        content_hash=content_hash(title, summary),
        signals=signals,
        notes=tuple(dict.fromkeys(notes)),
    )


def finish(items: list[Item], *, title: str, warnings: list[str], next_url: str | None,
           max_items: int) -> ParsedFeed:
    """Cap, dedup and wrap items, with warnings for what was cut or merged."""
    if len(items) > max_items:
        warnings.append(f"{len(items)} items, kept the first {max_items}")
        items = items[:max_items]
    unique = dedup_items(items)
    if len(unique) < len(items):
        warnings.append(f"{len(items) - len(unique)} duplicate items merged")
    return ParsedFeed(items=unique, title=title, warnings=tuple(dict.fromkeys(warnings)), next_url=next_url)


def plain_title(value: str, *, is_html: bool) -> str:
    """A title as one line of plain text."""
    value = value[:MAX_HTML_CHARS]
    return truncate(one_line(html_to_text(value) if is_html else strip_tags(value)), MAX_TITLE_CHARS)


def plain_body(value: str, *, is_html: bool) -> str:
    """A body as plain text with line breaks."""
    value = value[:MAX_HTML_CHARS]
    return truncate(html_to_text(value) if is_html else strip_tags(value), MAX_SUMMARY_CHARS)


# ---------------------------------------------------------------------------------------------
# Encoding


def decode_legacy(body: bytes) -> tuple[str, str]:
    """Decode bytes that claim UTF-8 but are not; returns (text, codec used)."""
    as_utf8 = body.decode("utf-8", "replace")
    bad = as_utf8.count("\ufffd")
    good = sum(1 for c in as_utf8 if ord(c) > 0x7F and c != "\ufffd")
    if good > bad:
        return as_utf8, "utf-8 with replacement characters"
    arabic = body.decode("cp1256", "replace")
    letters = [c for c in arabic if ord(c) > 0x7F and c.isalpha()]
    # cp1256 keeps the French accented letters at their Latin-1 places, so a Latin text decoded
    # as cp1256 still shows mostly Latin letters; only real Arabic comes out mostly Arabic.
    if letters and sum(1 for c in letters if "\u0600" <= c <= "\u06ff") * 2 > len(letters):
        return arabic, "windows-1256"
    return body.decode("cp1252", "replace"), "windows-1252"


def _fix_encoding(body: bytes) -> tuple[bytes, str | None]:
    """Re-encode a body that lies about being UTF-8; returns (body, note or None)."""
    if body.startswith((b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")):
        return body, None  # a BOM is authoritative and feedparser honours it
    declared = _XML_DECL.match(body[:512])
    name = declared.group(1).decode("ascii").lower() if declared else "utf-8"
    if name.replace("_", "-") not in ("utf-8", "utf8"):
        return body, None
    try:
        body.decode("utf-8")
    except UnicodeDecodeError:
        text, codec = decode_legacy(body)
        if declared:
            text = text.replace(declared.group(1).decode("ascii"), "utf-8", 1)
        return text.encode("utf-8"), f"encoding: declared UTF-8 but is not; decoded as {codec} (guessed)"
    return body, None


# ---------------------------------------------------------------------------------------------
# feedparser path


def _struct_to_dt(value: time.struct_time | None) -> datetime | None:
    if value is None:
        return None
    try:
        return datetime(*value[:6], tzinfo=UTC)
    except (TypeError, ValueError):
        return None


def _detail_is_html(detail: Mapping[str, Any] | None) -> bool:
    kind = str((detail or {}).get("type") or "")
    return any(t in kind for t in _HTML_TYPES)


def _entry_dates(entry: dict[str, Any], fetched_at: datetime) -> tuple[datetime | None, datetime | None, list[str]]:
    notes: list[str] = []
    # dict.get, not entry.get: FeedParserDict maps a missing `updated` to `published` (with a
    # DeprecationWarning, feedparser issue 310), which would report one date string twice.
    published, pub_notes = check_date(_struct_to_dt(dict.get(entry, "published_parsed")),
                                      dict.get(entry, "published"), what="published", fetched_at=fetched_at)
    updated, upd_notes = check_date(_struct_to_dt(dict.get(entry, "updated_parsed")),
                                    dict.get(entry, "updated"), what="updated", fetched_at=fetched_at)
    notes += pub_notes
    if published is None:
        notes += upd_notes
        published = updated
    if published is None and not notes:
        notes.append("no date: the first-seen time will be used")
    elif published is None:
        notes.append("no usable date: the first-seen time will be used")
    return published, updated, notes


def _entry_item(entry: dict[str, Any], *, feed_name: str, url: str, fetched_at: datetime,
                feed_author: str | None, feed_language: str | None, feed_notes: Sequence[str],
                entry_signals: EntrySignals | None) -> Item:
    notes = list(feed_notes)
    title_detail = entry.get("title_detail")
    title = plain_title(str(entry.get("title") or ""), is_html=_detail_is_html(title_detail))

    body_value, body_html = "", False
    for content in entry.get("content") or ():
        if content.get("value"):
            body_value, body_html = str(content["value"]), _detail_is_html(content)
            break
    if not body_value and entry.get("summary"):
        body_value, body_html = str(entry["summary"]), _detail_is_html(entry.get("summary_detail"))
    summary = plain_body(body_value, is_html=body_html)

    link, link_note = safe_link(entry.get("link"), url)
    if link_note:
        notes.append(link_note)
    published, updated, date_notes = _entry_dates(entry, fetched_at)
    notes += date_notes

    author = entry.get("author")
    author = truncate(one_line(strip_tags(str(author))), MAX_AUTHOR_CHARS) if author else feed_author
    language = (title_detail or {}).get("language") or feed_language
    guid = entry.get("id")
    return make_item(
        feed_name, guid=str(guid) if guid is not None else None, title=title, summary=summary, link=link,
        published_at=published, updated_at=updated, language=language, author=author,
        signals=entry_signals(entry) if entry_signals else None, notes=notes,
    )


def _not_a_feed(feed_name: str, body: bytes, why: str) -> ParseError:
    alternate = _ALTERNATE.search(body[:65536])
    if alternate:
        href = alternate.group(1).decode("ascii", "replace")
        why += f"; the page advertises a feed at {one_line(href)[:200]!r}"
    return ParseError(feed_name, f"not a feed: {why}")


def parse_xml(body: bytes, *, feed_name: str, url: str, fetched_at: datetime, max_items: int = 1000,
              entry_signals: EntrySignals | None = None, fast: bool = True) -> ParsedFeed:
    """Parse RSS/Atom bytes into items: `fast_rss` when it accepts the body, else feedparser.

    Raises:
        ParseError: "not a feed" for an empty body or a document feedparser cannot read as a feed.
    """
    if fast:
        quick = fast_rss(body, feed_name=feed_name, url=url, fetched_at=fetched_at, max_items=max_items)
        if quick is not None:
            return quick
    warnings: list[str] = []
    body, encoding_note = _fix_encoding(body)
    feed_notes = [encoding_note] if encoding_note else []
    warnings += feed_notes
    if _ENTITY_DECL.search(body[:65536]):
        warnings.append("document declares XML entities; they were not expanded")
    # No response headers on purpose: a Content-Type without charset would make feedparser
    # assume us-ascii (RFC 3023), and a Content-Location would turn relative guids into URLs.
    parsed = feedparser.parse(body, sanitize_html=True, resolve_relative_uris=False)
    entries = parsed.get("entries") or []
    version = parsed.get("version")
    if not version and not entries:
        raise _not_a_feed(feed_name, body, "no RSS or Atom document found")
    bozo = bool(parsed.get("bozo"))
    if bozo:
        exc = parsed.get("bozo_exception")
        kind = type(exc).__name__ if exc is not None else "error"
        if kind == "CharacterEncodingOverride" and not encoding_note:
            encoding_note = f"encoding: feedparser overrode the declared encoding ({exc})"
            feed_notes.append(encoding_note)
            warnings.append(encoding_note)
        elif kind != "CharacterEncodingOverride":
            warnings.append(f"malformed XML, recovered leniently: {kind}: {one_line(str(exc))[:200]}")
    channel: Mapping[str, Any] = parsed.get("feed") or {}
    # A malformed body can put swallowed item text into feed.title; only trust a clean parse.
    title = "" if bozo else plain_title(str(channel.get("title") or ""),
                                        is_html=_detail_is_html(channel.get("title_detail")))
    raw_author = channel.get("author")
    feed_author = truncate(one_line(strip_tags(str(raw_author))), MAX_AUTHOR_CHARS) if raw_author else None
    feed_language = channel.get("language") or (channel.get("title_detail") or {}).get("language")
    next_url = None
    for link in channel.get("links") or ():
        if link.get("rel") == "next":
            next_url, _ = safe_link(link.get("href"), url)
    items = [
        _entry_item(entry, feed_name=feed_name, url=url, fetched_at=fetched_at, feed_author=feed_author,
                    feed_language=feed_language, feed_notes=feed_notes, entry_signals=entry_signals)
        for entry in entries[:max_items]
    ]
    if len(entries) > max_items:
        warnings.append(f"{len(entries)} items, kept the first {max_items}")
    return finish(items, title=title, warnings=warnings, next_url=next_url, max_items=max_items)


# ---------------------------------------------------------------------------------------------
# Fast path for the common case: plain, well-formed UTF-8 RSS 2.0.
#
# feedparser costs ~5 ms per 20-item feed (about 4,300 items/s), which alone would put a cold
# round of 1000 feeds over its 4 s budget on 2 cores. `fast_rss` reads the common case with
# ElementTree (expat, in C) in a fraction of that and produces *identical* items: it reuses
# feedparser's own date parser and URL join, replays the text fix-ups feedparser applies
# (strip, latin-1/UTF-8 repair, link entity repair, "looks like HTML" for titles), and returns
# None — falling back to feedparser — for anything outside what it knows to be equal: a DTD,
# another encoding, a namespace or element it does not model, markup beyond a plain set of
# tags, C1 characters, an author that feedparser would split. tests/test_parse_feed.py
# checks the equality on every sample, hostile and generated feed.

_NS_CONTENT = "{http://purl.org/rss/1.0/modules/content/}encoded"
_NS_DC_CREATOR = "{http://purl.org/dc/elements/1.1/}creator"
_NS_ATOM_LINK = "{http://www.w3.org/2005/Atom}link"
_FAST_ITEM_TAGS = frozenset({"title", "link", "description", "guid", "pubDate", "category", "comments",
                             "enclosure", _NS_CONTENT, _NS_DC_CREATOR})
_FAST_REPEATABLE = frozenset({"category", "enclosure"})
# Channel elements that feedparser turns into something we read (authors, languages, titles).
_FAST_CHANNEL_BAIL = frozenset({"managingEditor", "author", "webMaster", _NS_DC_CREATOR,
                                "{http://purl.org/dc/elements/1.1/}language",
                                "{http://www.itunes.com/dtds/podcast-1.0.dtd}author"})
# Tags whose text html_to_text and feedparser's sanitizer both keep, and nothing else.
_FAST_HTML_TAGS = frozenset({
    "a", "abbr", "b", "blockquote", "br", "caption", "cite", "code", "dd", "del", "div", "dl", "dt", "em",
    "figcaption", "figure", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "i", "img", "ins", "li", "ol", "p",
    "pre", "q", "s", "small", "span", "strong", "sub", "sup", "table", "tbody", "td", "tfoot", "th",
    "thead", "tr", "u", "ul",
})
_TAG_NAME = re.compile(r"<(/?)([A-Za-z][A-Za-z0-9]*)")
_LT_NOT_TAG = re.compile(r"<(?!/?[A-Za-z])")
_C1 = re.compile(r"[\x80-\x9f]")
_SIMPLE_AUTHOR = re.compile(r"^[^@()<>&]*$")
_LINK_ENTITY = re.compile(r"&([A-Za-z0-9_]+);")
_NAMED_REF = re.compile(r"&(\w+);")


def _fp_text(text: str | None) -> str:
    """A text value as feedparser's `pop` leaves it: stripped, with its latin-1/UTF-8 repair."""
    out = (text or "").strip()
    if not out.isascii():
        try:
            out = out.encode("iso-8859-1").decode("utf-8")
        except (UnicodeEncodeError, UnicodeDecodeError):
            pass
    return out


def _plain_html(markup: str) -> bool:
    """Whether `markup` uses only tags both html_to_text and feedparser's sanitizer keep as text."""
    if "<!" in markup or "<?" in markup or _LT_NOT_TAG.search(markup):
        return False
    # feedparser's sanitizer rewrites an unknown named reference ("&foo;" → "&amp;foo").
    if "&" in markup and any(name not in html.entities.entitydefs for name in _NAMED_REF.findall(markup)):
        return False
    return all(name.lower() in _FAST_HTML_TAGS for _, name in _TAG_NAME.findall(markup))


def _fast_item(node: ET.Element, *, feed_name: str, url: str, fetched_at: datetime,
               language: str | None) -> Item | None:
    fields: dict[str, ET.Element] = {}
    for child in node:
        tag = child.tag
        if not isinstance(tag, str) or tag not in _FAST_ITEM_TAGS or len(child):
            return None
        if tag in fields and tag not in _FAST_REPEATABLE:
            return None
        fields[tag] = child
    title_raw = _fp_text(fields["title"].text) if "title" in fields else ""
    if _FeedParserMixin.looks_like_html(title_raw):
        return None
    body_raw = ""
    for tag in (_NS_CONTENT, "description"):
        if tag in fields:
            body_raw = _fp_text(fields[tag].text)
            if body_raw:
                break
    if not _plain_html(body_raw):
        return None
    guid: str | None = None
    permalink = False
    if "guid" in fields:
        permalink = fields["guid"].get("isPermaLink", "true") == "true"
        guid = _fp_text(fields["guid"].text)
        if permalink and guid:
            guid = _feedparser_urljoin("", guid)
    raw_link: str | None = None
    if "link" in fields:
        raw_link = _feedparser_urljoin("", _fp_text(fields["link"].text))
        raw_link = _LINK_ENTITY.sub(r"&\g<1>", raw_link.replace("&amp;", "&"))
    elif guid is not None and permalink:
        raw_link = guid  # RSS 2.0: a permalink guid is the link when there is no <link>
    author = None
    if _NS_DC_CREATOR in fields:
        author = _fp_text(fields[_NS_DC_CREATOR].text)
        if not _SIMPLE_AUTHOR.match(author):
            return None
        author = truncate(one_line(strip_tags(author)), MAX_AUTHOR_CHARS) if author else None
    notes: list[str] = []
    link, link_note = safe_link(raw_link, url)
    if link_note:
        notes.append(link_note)
    published: datetime | None = None
    date_notes: tuple[str, ...] = ()
    if "pubDate" in fields:
        raw_date = _fp_text(fields["pubDate"].text)
        published, date_notes = check_date(_struct_to_dt(_feedparser_date(raw_date)), raw_date,
                                           what="published", fetched_at=fetched_at)
        notes += date_notes
    if published is None:
        notes.append("no usable date: the first-seen time will be used" if date_notes
                     else "no date: the first-seen time will be used")
    return make_item(
        feed_name, guid=guid, title=plain_title(title_raw, is_html=False),
        summary=plain_body(body_raw, is_html=True), link=link, published_at=published,
        language=language, author=author, notes=notes,
    )


def fast_rss(body: bytes, *, feed_name: str, url: str, fetched_at: datetime,
             max_items: int = 1000) -> ParsedFeed | None:
    """Items of a plain UTF-8 RSS 2.0 body exactly as the feedparser path gives them, or None."""
    declared = _XML_DECL.match(body[:512])
    if declared and declared.group(1).lower().replace(b"_", b"-") not in (b"utf-8", b"utf8"):
        return None
    if body.startswith(b"\xef\xbb\xbf") or b"<!" in body.replace(b"<![CDATA[", b""):
        return None  # a BOM, a DOCTYPE/ENTITY or a comment: feedparser's business
    if b"xml:lang" in body or b"xml:base" in body:
        return None
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        return None
    if _C1.search(text):
        return None  # feedparser maps C1 controls to their cp1252 characters first
    try:
        root = ET.fromstring(body)
    except ET.ParseError:
        return None
    if root.tag != "rss" or root.get("version") != "2.0" or len(root) != 1 or root[0].tag != "channel":
        return None
    channel = root[0]
    title_raw, language = "", None
    nodes: list[ET.Element] = []
    for child in channel:
        tag = child.tag
        if tag == "item":
            nodes.append(child)
        elif tag in _FAST_CHANNEL_BAIL or (tag in ("title", "language") and len(child)):
            return None
        elif tag == "title":
            title_raw = _fp_text(child.text)
        elif tag == "language":
            language = _fp_text(child.text) or None
        elif tag == _NS_ATOM_LINK and child.get("rel") == "next":
            return None
    if _FeedParserMixin.looks_like_html(title_raw) or (language and "_" in language):
        return None
    items: list[Item] = []
    for node in nodes[:max_items]:
        item = _fast_item(node, feed_name=feed_name, url=url, fetched_at=fetched_at, language=language)
        if item is None:
            return None
        items.append(item)
    warnings = [f"{len(nodes)} items, kept the first {max_items}"] if len(nodes) > max_items else []
    return finish(items, title=plain_title(title_raw, is_html=False), warnings=warnings, next_url=None,
                  max_items=max_items)


# ---------------------------------------------------------------------------------------------
# JSON Feed 1.1 (https://www.jsonfeed.org/version/1.1/): feedparser does not read it.


def is_jsonfeed(doc: object) -> bool:
    """Whether a decoded JSON document is a JSON Feed."""
    return isinstance(doc, dict) and str(doc.get("version", "")).startswith("https://jsonfeed.org/version/")


def parse_iso(raw: object) -> datetime | None:
    """An RFC 3339 / ISO 8601 string as a datetime (naive if the string has no offset)."""
    if not isinstance(raw, str) or not raw.strip():
        return None
    try:
        return datetime.fromisoformat(raw.strip())
    except ValueError:
        return None


def _json_date(raw: object, what: str, fetched_at: datetime) -> tuple[datetime | None, tuple[str, ...]]:
    value = parse_iso(raw)
    if value is not None and value.tzinfo is None:
        return None, (f"{what} date has no time zone (ambiguous): {one_line(str(raw))[:60]!r}",)
    return check_date(value, raw if isinstance(raw, str) else None, what=what, fetched_at=fetched_at,
                      needs_zone=False)


def _json_authors(obj: Mapping[str, Any]) -> str | None:
    authors = obj.get("authors") or ([obj["author"]] if isinstance(obj.get("author"), dict) else [])
    names = [str(a.get("name")) for a in authors if isinstance(a, dict) and a.get("name")]
    return truncate(one_line(strip_tags(", ".join(names))), MAX_AUTHOR_CHARS) if names else None


def parse_jsonfeed(doc: Mapping[str, Any], *, feed_name: str, url: str, fetched_at: datetime,
                   max_items: int = 1000) -> ParsedFeed:
    """Parse a decoded JSON Feed document into items."""
    warnings: list[str] = []
    raw_items = doc.get("items")
    if not isinstance(raw_items, list):
        raise ParseError(feed_name, "not a feed: JSON Feed without an 'items' list")
    feed_author = _json_authors(doc)
    feed_language = doc.get("language") if isinstance(doc.get("language"), str) else None
    items: list[Item] = []
    skipped = 0
    for raw in raw_items[:max_items]:
        if not isinstance(raw, dict) or raw.get("id") in (None, ""):
            skipped += 1  # the spec makes 'id' required; without it the item has no identity
            continue
        notes: list[str] = []
        title = plain_title(str(raw.get("title") or ""), is_html=False)
        if raw.get("content_html"):
            summary = plain_body(str(raw["content_html"]), is_html=True)
        else:
            summary = plain_body(str(raw.get("content_text") or raw.get("summary") or ""), is_html=False)
        link, note = safe_link(raw.get("url") or raw.get("external_url"), url)
        if note:
            notes.append(note)
        published, updated = item_dates(_json_date(raw.get("date_published"), "published", fetched_at),
                                        _json_date(raw.get("date_modified"), "updated", fetched_at), notes)
        language = raw.get("language") if isinstance(raw.get("language"), str) else feed_language
        items.append(make_item(
            feed_name, guid=str(raw["id"]), title=title, summary=summary, link=link, published_at=published,
            updated_at=updated, language=language, author=_json_authors(raw) or feed_author, notes=notes,
        ))
    if skipped:
        warnings.append(f"{skipped} JSON Feed items without an id skipped")
    if len(raw_items) > max_items:
        warnings.append(f"{len(raw_items)} items, kept the first {max_items}")
    next_url, _ = safe_link(doc.get("next_url") if isinstance(doc.get("next_url"), str) else None, url)
    title = plain_title(str(doc.get("title") or ""), is_html=False)
    return finish(items, title=title, warnings=warnings, next_url=next_url, max_items=max_items)


def load_json(body: bytes, feed_name: str) -> Any:
    """Decode a JSON body.

    Raises:
        ParseError: "not a feed" when the body is not JSON.
    """
    try:
        return json.loads(body)
    except (ValueError, RecursionError) as e:
        raise ParseError(feed_name, "not a feed: invalid JSON") from e
