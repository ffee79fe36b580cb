"""The parse stage (pure): feed bytes in, `Item`s out.

`parse_feed` picks the reader from the feed's ``format`` (``auto`` sniffs the body):

* JSON with a ``mapping`` in config → `warnd.parse.jsonapi` (ReliefWeb-, ACLED-style APIs);
* JSON Feed 1.1 (``version`` is a jsonfeed.org URL) → `warnd.parse.feed.parse_jsonfeed`;
* anything else → feedparser (RSS 0.9x/1.0/2.0, Atom), with GDACS extension fields turned into
  signals by `warnd.parse.jsonapi.gdacs_signals`.

Items come out deduplicated (`dedup_items`); `replay_shift` is applied by the poller for
``replay: true`` feeds. See each module's docstring for the exact rules.
"""

from __future__ import annotations

import os
import signal
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Literal

from warnd.errors import ParseError
from warnd.parse.dedup import content_hash, dedup_items, item_key
from warnd.parse.feed import implausible_dates, is_jsonfeed, load_json, parse_jsonfeed, parse_xml
from warnd.parse.jsonapi import MappingView, gdacs_signals, parse_jsonapi
from warnd.parse.replay import replay_shift
from warnd.types import ParsedFeed

if TYPE_CHECKING:
    # Annotations only: this package is what parse workers import, and pydantic plus the
    # config package would add ~25 MB to every worker.
    from warnd.config.settings import FeedSettings

__all__ = ["FeedView", "content_hash", "dedup_items", "implausible_dates", "init_parse_worker", "item_key", "parse_feed",
           "parse_job", "replay_shift"]


@dataclass(frozen=True, slots=True)
class FeedView:
    """What parsing needs of a feed's settings, as a plain value a worker can unpickle cheaply."""

    name: str
    format: Literal["auto", "rss", "jsonfeed", "json"] = "auto"
    replay: bool = False
    mapping: MappingView | None = None

    @classmethod
    def of(cls, feed: FeedSettings) -> FeedView:
        mapping = MappingView(**feed.mapping.model_dump()) if feed.mapping is not None else None
        return cls(name=feed.name, format=feed.format, replay=feed.replay, mapping=mapping)


def parse_job(body: bytes, feed: FeedView, url: str, fetched_at: datetime, content_type: str | None,
              max_items: int) -> ParsedFeed | str:
    """`parse_feed` for a worker process: the parsed feed, or the ParseError's message.

    The error travels as a string because exceptions with extra constructor arguments do not
    survive pickling between processes intact.
    """
    try:
        return parse_feed(body, feed=feed, url=url, fetched_at=fetched_at, content_type=content_type,
                          max_items=max_items)
    except ParseError as e:
        return str(e)

_WHITESPACE = b" \t\r\n\x0b\x0c"
_REPLAY_HORIZON = datetime(9000, 1, 1, tzinfo=UTC)


def parse_feed(body: bytes, *, feed: FeedSettings | FeedView, url: str, fetched_at: datetime,
               content_type: str | None = None, max_items: int = 1000) -> ParsedFeed:
    """Parse one fetched body of `feed` into deduplicated items.

    `content_type` (the HTTP header) only helps sniffing; the body decides.

    Raises:
        ParseError: "not a feed: …" for an empty body, an HTML page, JSON that is neither a
            JSON Feed nor readable through the feed's mapping, or a body no reader accepts.
    """
    try:
        return _parse(body, feed=feed, url=url, fetched_at=fetched_at, content_type=content_type,
                      max_items=max_items)
    except ParseError:
        raise
    except Exception as e:
        # The parse edge: a library surprise on hostile bytes (feedparser, json, html.parser)
        # becomes this feed's ParseError instead of a crash of the poll.
        raise ParseError(feed.name, f"parser failed on this body: {type(e).__name__}") from e


def _parse(body: bytes, *, feed: FeedSettings | FeedView, url: str, fetched_at: datetime, content_type: str | None,
           max_items: int) -> ParsedFeed:
    if feed.replay:
        # A recording is shifted to "now" afterwards (replay_shift), so its dates must not be
        # judged against the fetch time: a backtest clock may lie before the recording.
        fetched_at = _REPLAY_HORIZON
    head = body.lstrip(_WHITESPACE)
    if head.startswith(b"\xef\xbb\xbf"):
        head = head[3:].lstrip(_WHITESPACE)
    if not head:
        raise ParseError(feed.name, "not a feed: the body is empty")
    mime = (content_type or "").split(";")[0].strip().lower()
    looks_json = head[:1] in (b"{", b"[") or (mime.endswith("json") and head[:1] != b"<")
    kind = feed.format
    if kind == "auto":
        kind = "json" if looks_json and feed.mapping is not None else "jsonfeed" if looks_json else "rss"
    if kind == "rss":
        return parse_xml(body, feed_name=feed.name, url=url, fetched_at=fetched_at, max_items=max_items,
                         entry_signals=gdacs_signals)
    doc = load_json(head, feed.name)
    if kind == "json":
        assert feed.mapping is not None  # FeedSettings validates that format 'json' has a mapping
        return parse_jsonapi(doc, mapping=feed.mapping, feed_name=feed.name, url=url, fetched_at=fetched_at,
                             max_items=max_items)
    if not is_jsonfeed(doc):
        raise ParseError(feed.name, "not a feed: JSON that is not a JSON Feed (add a 'mapping' for JSON APIs)")
    return parse_jsonfeed(doc, feed_name=feed.name, url=url, fetched_at=fetched_at, max_items=max_items)


def init_parse_worker(nice: int) -> None:
    """Set up a parse worker process: lower priority, and deaf to Ctrl-C.

    A terminal's Ctrl-C reaches the whole process group; the daemon drains and shuts its pool down
    itself, so a worker that died on SIGINT would only print a traceback and lose a parse.
    """
    os.nice(nice)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
