"""Feed text is hostile: cleaning and escaping it for each place it goes (headers, HTML, mrkdwn, logs).

See `shared/data/feeds/README.md` (`hostile/html_injection.rss`) for what arrives: script tags, CR/LF
header injection, Slack mentions and `<url|text>` links, `javascript:`/`data:` links, bidi overrides,
zero-width characters, 10,000-character titles. Everything here is pure and total: it never raises on
any input (property-tested in `tests/test_deliver_render.py`).
"""

from __future__ import annotations

import re
import unicodedata
from urllib.parse import urlsplit

from markupsafe import Markup, escape

# Embeddings, overrides and isolates (Trojan Source, CVE-2021-42574). LRM/RLM/ALM are kept: they are
# ordinary marks in Arabic and Hebrew text. ZWNJ/ZWJ are kept: Persian and Indic scripts need them.
_BIDI_CONTROLS = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
_INVISIBLE = "\u200b\u2060\ufeff"  # zero-width space, word joiner, BOM: only ever used to hide or split words
_DROP = {ord(c): None for c in _BIDI_CONTROLS + _INVISIBLE}
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_WS = re.compile(r"\s+")
_RTL = re.compile(r"[\u0590-\u08ff\ufb1d-\ufdff\ufe70-\ufeff]")
_FSI, _PDI = "\u2068", "\u2069"


def clean_line(value: object, *, limit: int | None = None) -> str:
    """Feed text as one safe line: no CR/LF/tabs, control or bidi-override characters; truncated.

    Safe for an email header once encoded, for a log line, and (once escaped) for HTML or mrkdwn.
    """
    text = str(value).translate(_DROP)
    text = _CONTROL.sub(" ", text)
    text = _WS.sub(" ", text).strip()
    return truncate(text, limit) if limit is not None else text


def clean_block(value: object) -> str:
    """Feed text that may keep its line breaks (CRLF → LF), without control or bidi-override characters."""
    text = str(value).replace("\r\n", "\n").replace("\r", "\n").translate(_DROP)
    return _CONTROL.sub(" ", text).strip()


def truncate(text: str, limit: int, *, ellipsis: str = "…") -> str:
    """Cut `text` to at most `limit` characters, at a word boundary when one is near, ending in `…`."""
    if len(text) <= limit:
        return text
    cut = text[: max(limit - len(ellipsis), 0)]
    space = cut.rfind(" ")
    if space >= len(cut) * 0.8:
        cut = cut[:space]
    while cut and unicodedata.combining(cut[-1]):  # never strand a mark without its base letter
        cut = cut[:-1]
    return cut.rstrip(" ,;:-–—") + ellipsis


def isolate(text: str) -> str:
    """Wrap right-to-left text in FSI…PDI so it cannot reorder the text around it (plain-text sinks)."""
    return f"{_FSI}{text}{_PDI}" if _RTL.search(text) else text


def has_rtl(text: str) -> bool:
    return bool(_RTL.search(text))


def safe_url(value: object) -> str | None:
    """`value` if it is an absolute http(s) URL with no whitespace or control characters, else None.

    `javascript:`, `data:`, `java\\tscript:` and scheme-relative links are refused, not repaired.
    """
    if value is None:
        return None
    url = str(value).strip()
    if not url or len(url) > 2048 or any(ch.isspace() or ord(ch) < 0x20 or 0x7F <= ord(ch) <= 0x9F for ch in url):
        return None
    if any(c in url for c in _BIDI_CONTROLS + _INVISIBLE):
        return None
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc or parts.netloc.startswith("@"):
        return None
    return url


class Mrkdwn(str):
    """Text already safe for Slack mrkdwn (built by our filters); the mrkdwn finalizer leaves it alone."""

    __slots__ = ()


_BARE_MENTION = re.compile(r"@(?=(?:channel|here|everyone)\b)", re.IGNORECASE)


def escape_mrkdwn(value: object) -> str:
    """Escape `&`, `<`, `>` for Slack mrkdwn; this also defuses `<!channel>`, `<@U…>` and `<url|text>`.

    Bare `@channel`/`@here`/`@everyone` get an invisible word joiner after the `@`, so no Slack
    setting (`link_names`, automatic parsing) can turn feed text into a mention.
    """
    if isinstance(value, Mrkdwn):
        return value
    text = str(value).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _BARE_MENTION.sub("@\u2060", text)


def mrkdwn_link(url: object, text: object) -> str:
    """`<url|text>` for an http(s) URL, else the escaped text alone."""
    label = escape_mrkdwn(clean_line(text))
    href = safe_url(url)
    if href is None:
        return Mrkdwn(label)
    href = href.replace("&", "&amp;").replace("<", "%3C").replace(">", "%3E").replace("|", "%7C")
    return Mrkdwn(f"<{href}|{label}>")


def html_link(url: object, text: object) -> Markup:
    """`<a href>` for an http(s) URL, else the escaped text alone."""
    href = safe_url(url)
    label = escape(clean_line(text))
    if href is None:
        return Markup(label)
    return Markup('<a href="{}" rel="noopener noreferrer" style="color:#0b57d0">{}</a>').format(href, label)
