"""warnd.text: plain text from hostile feed text."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from warnd.text import clean_text, html_to_text, normalize_whitespace, one_line, strip_tags, truncate

HTML = [
    pytest.param("<p>Before</p><script>fetch('x')</script><p>After</p>", "Before\nAfter", id="script-dropped"),
    pytest.param("<style>body{display:none}</style>Text", "Text", id="style-dropped"),
    pytest.param("<iframe src='x'>fallback</iframe>ok", "ok", id="iframe-dropped"),
    pytest.param("<svg onload='alert(3)'><text>x</text></svg>ok", "ok", id="svg-dropped"),
    pytest.param("A &amp;lt;b&amp;gt; tag", "A &lt;b&gt; tag", id="decoded-once"),
    pytest.param("caf&eacute; &#8216;q&#8217; &#x2013;", "caf\u00e9 \u2018q\u2019 \u2013", id="entities"),
    pytest.param("one<br>two<br/>three", "one\ntwo\nthree", id="br"),
    pytest.param("<ul><li>a</li><li>b</li></ul>", "a\nb", id="list"),
    pytest.param("  lots   of \t space  ", "lots of space", id="spaces"),
    pytest.param("<p>a</p>\n\n\n\n<p>b</p>", "a\nb", id="blank-lines"),
    pytest.param("<a href='javascript:x()'>read</a>", "read", id="link-text-kept"),
    pytest.param("<p>unclosed <b>bold", "unclosed bold", id="unclosed"),
    pytest.param("x &nbsp; y", "x y", id="nbsp"),
    pytest.param("<!-- hidden -->shown", "shown", id="comment"),
    pytest.param("<script>never closed", "", id="unclosed-script"),
    pytest.param("a < b and c > d", "a < b and c > d", id="bare-angles"),
]


@pytest.mark.parametrize("markup, expected", HTML)
def test_html_to_text(markup: str, expected: str) -> None:
    assert html_to_text(markup) == expected


STRIP = [
    pytest.param("<script>alert('channel')</script>Title", "Title", id="script"),
    pytest.param("&lt;b&gt; stays &amp;", "&lt;b&gt; stays &amp;", id="entities-not-decoded"),
    pytest.param("&lol9;", "&lol9;", id="unexpanded-entity"),
    pytest.param("<!channel> <@U123> <https://x|y>", "<!channel> <@U123> <https://x|y>", id="slack-syntax-kept-as-text"),
    pytest.param("Sudan <em>alert</em>", "Sudan alert", id="tag"),
    pytest.param("Q&A", "Q&A", id="bare-ampersand"),
]


@pytest.mark.parametrize("text, expected", STRIP)
def test_strip_tags(text: str, expected: str) -> None:
    assert strip_tags(text) == expected


CLEAN = [
    pytest.param("Bidi \u202eLatakia\u202c", "Bidi Latakia", id="bidi-override"),
    pytest.param("iso\u2066late\u2069", "isolate", id="bidi-isolate"),
    pytest.param("zero\u200bwidth\ufeff", "zerowidth", id="zero-width"),
    pytest.param("\u0645\u06cc\u200c\u062e\u0648\u0627\u0647\u0645", "\u0645\u06cc\u200c\u062e\u0648\u0627\u0647\u0645", id="zwnj-kept-for-persian"),
    pytest.param("bell\x07 esc\x1b nul\x00 c1\x85", "bell esc nul c1\n", id="controls"),
    pytest.param("e\u0301", "\u00e9", id="nfc"),
]


@pytest.mark.parametrize("text, expected", CLEAN)
def test_clean_text(text: str, expected: str) -> None:
    assert clean_text(text) == expected


@pytest.mark.parametrize("text, expected", [
    pytest.param("Sudan alert\r\nX-Injected-Header: yes\r\n", "Sudan alert X-Injected-Header: yes", id="crlf"),
    pytest.param("a\u2028b\u2029c\x85d", "a b c d", id="unicode-line-separators"),
    pytest.param("\t tabs \t", "tabs", id="tabs"),
])
def test_one_line(text: str, expected: str) -> None:
    assert one_line(text) == expected


@pytest.mark.parametrize("text, limit, expected", [
    pytest.param("short", 10, "short", id="fits"),
    pytest.param("one two three four", 10, "one two…", id="word-boundary"),
    pytest.param("abcdefghijkl", 5, "abcd…", id="no-space"),
    pytest.param("abc", 1, "a", id="tiny"),
])
def test_truncate(text: str, limit: int, expected: str) -> None:
    assert truncate(text, limit) == expected
    assert len(truncate(text, limit)) <= limit


@given(st.text())
def test_properties(text: str) -> None:
    for fn in (clean_text, normalize_whitespace, one_line, strip_tags):
        once = fn(text)
        assert fn(once) == once, fn.__name__  # idempotent
    line = one_line(text)
    assert "\n" not in line and "\r" not in line and "\u202e" not in line
    plain = html_to_text(text)
    assert "\u202e" not in plain and "\x00" not in plain


@given(st.text(), st.integers(min_value=0, max_value=50))
def test_truncate_never_longer(text: str, limit: int) -> None:
    assert len(truncate(text, limit)) <= max(limit, 0)
