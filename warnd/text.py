"""Plain text from hostile feed text: HTML to text, control and bidi characters, whitespace.

Every stage that shows or matches feed text uses these functions, so they are general and
total (they never raise on any `str`) and idempotent (running one twice changes nothing more):

* :func:`html_to_text` — an HTML fragment to plain text. Entities are decoded **once**; tags
  are dropped; the content of ``script``, ``style``, ``iframe``, ``noscript``, ``template``,
  ``object``, ``svg`` and ``math`` is dropped with them; block elements become line breaks.
* :func:`strip_tags` — the same for text that is *already decoded* (an RSS ``<title>`` that
  feedparser unescaped): tags go, but ``&lt;`` stays the four characters ``&lt;``. Decoding a
  second time would turn ``&amp;lt;script&amp;gt;`` into a live ``<script>``.
* :func:`clean_text` — removes control characters (C0 except tab/newline, C1), bidi
  embedding/override/isolate marks and invisible zero-width characters, then NFC-normalises.
  Bidi overrides (U+202E …) are how a title shows "aikaqitaL" as "Latakia"; an alert a desk
  officer trusts at a glance must not render differently from what was matched. ZWJ/ZWNJ
  (U+200D/U+200C) are kept: Persian and Arabic orthography need them.
* :func:`one_line` — :func:`clean_text` plus every run of whitespace (CR/LF included) folded
  into one space: for titles, log fields and email headers (no header injection).
* :func:`normalize_whitespace` — spaces folded per line, lines trimmed, blank lines removed
  (block elements open and close lines, so "</li><li>" must not leave an empty line).
* :func:`truncate` — cut to a number of characters, on a word boundary when one is near.

Escaping for a sink (HTML autoescape, Slack mrkdwn, email headers) is the sink's job; these
functions produce the plain text that sinks then escape.
"""

from __future__ import annotations

import re
import unicodedata
from html.parser import HTMLParser

__all__ = [
    "clean_text",
    "html_to_text",
    "normalize_whitespace",
    "one_line",
    "strip_tags",
    "truncate",
]

# Elements whose content is never text a reader should see.
_DROP_CONTENT = frozenset({"script", "style", "iframe", "noscript", "template", "object", "svg", "math", "head"})
# Elements that start a new line in rendered text.
_BLOCK = frozenset({
    "address", "article", "aside", "blockquote", "br", "dd", "div", "dl", "dt", "figcaption", "figure",
    "footer", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hr", "li", "main", "nav", "ol", "p", "pre",
    "section", "table", "tbody", "td", "th", "thead", "tr", "ul",
})

# C0 controls except \t \n \r (handled as whitespace), DEL, C1 controls.
_CONTROL = "".join(chr(c) for c in [*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20), *range(0x7F, 0xA0)])
# Bidi embeddings/overrides/isolates and marks (Unicode TR9), invisible joiners that are not
# needed by any script (ZWSP, word joiner, BOM, soft hyphen, invisible operators).
_BIDI = "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
_INVISIBLE = "\u00ad\u180e\u200b\u2060\u2061\u2062\u2063\u2064\ufeff"
_REMOVE = str.maketrans("", "", _CONTROL + _BIDI + _INVISIBLE)
# Unicode line and paragraph separators behave as newlines in most renderers.
_NEWLINES = str.maketrans({"\r": "\n", "\u2028": "\n", "\u2029": "\n", "\x85": "\n", "\t": " "})

_SPACES = re.compile(r"[^\S\n]+")
_ANY_SPACE = re.compile(r"\s+")
_BLANK_LINES = re.compile(r"\n{2,}")
_NOT_A_TAG = re.compile(r"<(?!/?[A-Za-z][A-Za-z0-9-]*(?:[\s/>]|$)|!--)")


class _TextExtractor(HTMLParser):
    """Collects the text of an HTML fragment; tags dropped, entities decoded by HTMLParser."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._dropping: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _DROP_CONTENT:
            self._dropping.append(tag)
        elif tag in _BLOCK and not self._dropping:
            self.parts.append("\n")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        # <br/>, <hr/>, <svg/>: a self-closed element has no content to drop.
        if tag in _BLOCK and not self._dropping:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in _DROP_CONTENT:
            if tag in self._dropping:
                # Close up to the matching open tag: browsers recover from misnesting the same way.
                while self._dropping and self._dropping.pop() != tag:
                    pass
        elif tag in _BLOCK and not self._dropping:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self._dropping:
            self.parts.append(data)


def _extract(markup: str) -> str:
    parser = _TextExtractor()
    parser.feed(markup)
    parser.close()
    return "".join(parser.parts)


def clean_text(text: str) -> str:
    """Remove control, bidi and invisible characters and NFC-normalise; newlines are kept."""
    text = text.translate(_NEWLINES).translate(_REMOVE)
    return unicodedata.normalize("NFC", text)


def normalize_whitespace(text: str) -> str:
    """Fold runs of spaces within each line, trim lines, drop blank lines."""
    text = text.translate(_NEWLINES)
    if "\n" not in text:
        return _SPACES.sub(" ", text).strip()
    lines = [_SPACES.sub(" ", line).strip() for line in text.split("\n")]
    return _BLANK_LINES.sub("\n", "\n".join(lines)).strip()


def one_line(text: str) -> str:
    """Clean text folded onto one line: safe for titles, log fields and email headers."""
    return _ANY_SPACE.sub(" ", clean_text(text)).strip()


def html_to_text(markup: str) -> str:
    """Plain text of an HTML fragment: entities decoded once, tags and script/style content gone."""
    return normalize_whitespace(clean_text(_extract(markup)))


def strip_tags(text: str) -> str:
    """Plain text of already-decoded text that may still hold tags; entities are *not* decoded."""
    if "<" not in text:
        return normalize_whitespace(clean_text(text))
    # Escaping '&' first makes HTMLParser's single decoding pass give back the original '&'.
    # A '<' that does not open a real-looking tag or comment ('<!channel>', '<@U1>',
    # '<https://x|text>', 'a < b') is text the author wrote, so it is kept as text.
    escaped = _NOT_A_TAG.sub("&lt;", text.replace("&", "&amp;"))
    return normalize_whitespace(clean_text(_extract(escaped)))


def truncate(text: str, max_chars: int) -> str:
    """`text` cut to at most `max_chars` characters, ending with '…' when something was cut."""
    if len(text) <= max_chars:
        return text
    if max_chars <= 1:
        return text[:max_chars]
    cut = text[: max_chars - 1]
    space = cut.rfind(" ", max(0, len(cut) - 40))
    if space > 0:
        cut = cut[:space]
    return cut.rstrip() + "…"
