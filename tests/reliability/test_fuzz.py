"""Bad input fuzzing: feeds, rule files, config files, item text and alert templates.

* `parse_feed` on random XML / JSON / bytes, deep nesting and huge attributes: only `ParseError`
  comes out, and each body is parsed within a bounded time.
* `load_rules` / `load_settings` on random files: each loads or raises `ConfigError` whose every line
  is `path:line[:col]: message` — never another exception, never a traceback.
* the extractor on random text: nothing raises.
* email / Slack / webhook rendering of alerts with hostile titles and labels: nothing raises, HTML is
  escaped, no CR/LF in a header, Slack `<!channel>` / `<@U…>` / `<url|text>` neutralised.

Example counts are moderate (the suite stays within minutes); under CI=true the runs are derandomized.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
import time
from datetime import UTC, datetime, timedelta
from functools import cache
from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from tests.fixtures.deliver_alerts import FIRED_AT, latakia
from warnd.config import load_rules, load_settings
from warnd.config.settings import EmailChannelConfig, FeedSettings, FieldMapping
from warnd.deliver import render_email, render_slack, render_webhook
from warnd.errors import ConfigError, ParseError
from warnd.extract import load_extractor
from warnd.parse import parse_feed
from warnd.types import Evidence

ROOT = Path(__file__).resolve().parents[2]
TEMPLATES = ROOT / "templates"
PARSE_BUDGET_S = 5.0

settings.register_profile("reliability-ci", derandomize=True, deadline=None, print_blob=True,
                          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
settings.register_profile("reliability", deadline=None,
                          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
FUZZ = settings.get_profile("reliability-ci" if os.environ.get("CI") == "true" else "reliability")


def fuzz(n: int):  # type: ignore[no-untyped-def]
    return settings(FUZZ, max_examples=n)


# ---- feeds -------------------------------------------------------------------------------------

RSS = FeedSettings(name="fuzz", url="http://127.0.0.1/feed")
JSON_API = FeedSettings(name="fuzz-api", url="http://127.0.0.1/api", format="json",
                        mapping=FieldMapping(records="data", id="id", title="title", summary="body",
                                             published="date", fatalities="deaths", region="where.admin1"))
FEEDS = st.sampled_from([RSS, JSON_API, FeedSettings(name="fuzz-jf", url="http://x/", format="jsonfeed")])
NOW = datetime(2026, 2, 11, 12, 0, tzinfo=UTC)

names = st.sampled_from(["rss", "channel", "item", "title", "description", "link", "guid", "pubDate", "feed",
                         "entry", "content", "summary", "rdf:RDF", "a", "p", "script", "x:y"])
texts = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=40)


def _xml_element(children: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    def build(name: str, attrs: list[tuple[str, str]], body: list[str]) -> str:
        attr = "".join(f' {k}="{v.replace(chr(34), "&quot;").replace("<", "&lt;")}"' for k, v in attrs)
        return f"<{name}{attr}>{''.join(body)}</{name}>"
    return st.builds(build, names, st.lists(st.tuples(st.sampled_from(["href", "version", "type", "rel"]), texts),
                                            max_size=3),
                     st.lists(children, max_size=4))


xml_docs = st.recursive(
    texts.map(lambda t: t.replace("<", "&lt;").replace("&", "&amp;")) | st.sampled_from(
        ["<![CDATA[x]]>", "&amp;", "&#13;&#10;", "&bogus;", "<!-- c -->", "<", "&"]),
    _xml_element, max_leaves=30,
).map(lambda body: ('<?xml version="1.0" encoding="utf-8"?>' + body).encode())

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | texts,
    lambda inner: st.lists(inner, max_size=5) | st.dictionaries(
        st.sampled_from(["version", "items", "data", "id", "title", "body", "date", "deaths", "where", "admin1",
                         "content_text", "url", "date_published", "x"]), inner, max_size=6),
    max_leaves=40,
)
json_docs = st.one_of(
    json_values.map(lambda v: json.dumps(v).encode()),
    json_values.map(lambda v: json.dumps({"version": "https://jsonfeed.org/version/1.1", "items": [v, v]}).encode()),
    json_values.map(lambda v: json.dumps({"data": [v, {"id": v, "title": v, "deaths": v, "where": v}]},
                                         default=str).encode()),
)


def deep(depth: int, kind: str) -> bytes:
    if kind == "xml":
        return b'<?xml version="1.0"?><rss version="2.0"><channel>' + b"<a>" * depth + b"</a>" * depth + \
            b"</channel></rss>"
    if kind == "json":
        return b'{"version": "https://jsonfeed.org/version/1.1", "items": ' + b"[" * depth + b"]" * depth + b"}"
    return b'{"data": [{"id": 1, "title": ' + b'{"a":' * depth + b"1" + b"}" * depth + b"}]}"


def huge_attribute(size: int) -> bytes:
    return (b'<?xml version="1.0"?><rss version="2.0"><channel><title>t</title><item><title>x</title>'
            b'<link href="' + b"A" * size + b'">l</link><guid isPermaLink="' + b"&amp;" * (size // 5) +
            b'">g</guid></item></channel></rss>')


def parse_within_budget(body: bytes, feed: FeedSettings) -> None:
    started = time.monotonic()
    try:
        parsed = parse_feed(body, feed=feed, url=feed.url, fetched_at=NOW, content_type=None, max_items=200)
    except ParseError:
        pass
    else:
        assert len(parsed.items) <= 200
    elapsed = time.monotonic() - started
    assert elapsed < PARSE_BUDGET_S, f"parsing {len(body)} bytes took {elapsed:.1f}s"


@fuzz(150)
@given(body=st.one_of(st.binary(max_size=2000), xml_docs, json_docs), feed=FEEDS)
def test_parse_feed_only_raises_parse_error(body: bytes, feed: FeedSettings) -> None:
    parse_within_budget(body, feed)


@pytest.mark.parametrize("depth", [100, 5_000, 100_000])
@pytest.mark.parametrize("kind", ["xml", "json", "json-api"])
def test_deep_nesting_is_parsed_or_refused_in_bounded_time(kind: str, depth: int) -> None:
    parse_within_budget(deep(depth, kind), JSON_API if kind == "json-api" else RSS)


@pytest.mark.parametrize("size", [10_000, 1_000_000, 8_000_000])
def test_huge_attributes_are_parsed_or_refused_in_bounded_time(size: int) -> None:
    parse_within_budget(huge_attribute(size), RSS)


@fuzz(40)
@given(prefix=st.binary(max_size=64), cut=st.integers(0, 4000), flip=st.integers(0, 4000), byte=st.integers(0, 255))
def test_mangled_real_feeds_only_raise_parse_error(prefix: bytes, cut: int, flip: int, byte: int) -> None:
    for body in _real_feeds():
        mangled = bytearray(prefix + body[:cut] + body[cut + 1:])
        if mangled:
            mangled[flip % len(mangled)] = byte
        parse_within_budget(bytes(mangled), RSS)


@cache
def _real_feeds() -> tuple[bytes, ...]:
    shared = ROOT.parent / "shared" / "data" / "feeds"
    paths = sorted(p for p in shared.glob("**/*") if p.suffix in {".xml", ".rss", ".json", ".html"}) \
        if shared.is_dir() else []
    return tuple(p.read_bytes()[:6000] for p in paths) or ((ROOT / "demo" / "coast-monitor.rss").read_bytes(),)


# ---- rule and config files ---------------------------------------------------------------------

LOCATED = re.compile(r"^(?P<path>.+?):(?P<line>\d+)(?::\d+)?: \S.*$")

yaml_scalars = st.one_of(
    st.sampled_from(["threshold", "jump", "new_value", "frequency", "keyword", "feed_silence", "critical", "high",
                     "24h", "3 dayz", "-1", "1e999", "null", "~", "yes", "[", "{", "'", "\"", "*a", "&a x",
                     "!!python/object:os.system", "{{ labels.region }}", "{% for x in () %}", "{{ ''.__class__ }}",
                     ":", "- -", "\t", "@", "%TAG", "0x10", "..."]),
    st.integers(-10, 10**6).map(str),
    st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=20).map(json.dumps),
)
RULE_KEYS = ["id", "kind", "severity", "match", "group_by", "condition", "window", "realert", "title",
             "annotations", "notify", "aggregate", "baseline", "sources", "kind ", "ID", "lookback", "extra"]
SETTINGS_KEYS = ["database", "feeds", "fetch", "rules", "templates", "channels", "routing", "outbox",
                 "evaluate_interval", "http", "retention", "base_dir", "timezone", "name", "url", "interval",
                 "type", "to", "from", "smtp", "port", "secret_env", "url_env", "default", "timeout_s", "typo"]


def yaml_tree(keys: list[str]) -> st.SearchStrategy[str]:
    def block(level: int) -> st.SearchStrategy[str]:
        pad = "  " * level
        if level >= 3:
            return yaml_scalars.map(lambda v: " " + v)
        entry = st.tuples(st.sampled_from(keys), st.one_of(yaml_scalars.map(lambda v: " " + v), block(level + 1)))
        mapping = st.lists(entry, min_size=1, max_size=4).map(
            lambda es: "\n" + "".join(f"{pad}  {k}:{v}\n" for k, v in es))
        seq = st.lists(block(level + 1), min_size=1, max_size=3).map(
            lambda vs: "\n" + "".join(f"{pad}  -{v if not v.startswith(chr(10)) else ' x:' + v}\n" for v in vs))
        return st.one_of(mapping, seq)
    return block(0)


RULE_FILES = st.one_of(
    yaml_tree(RULE_KEYS).map(lambda t: "rules:" + t),
    st.lists(st.tuples(st.sampled_from(RULE_KEYS), yaml_scalars), max_size=8).map(
        lambda kv: "rules:\n  - " + "\n    ".join(f"{k}: {v}" for k, v in kv) + "\n"),
    st.text(max_size=200),
    st.binary(max_size=200).map(lambda b: b.decode("latin-1")),
)
SETTINGS_FILES = st.one_of(
    yaml_tree(SETTINGS_KEYS).map(lambda t: t.lstrip("\n").replace("\n  ", "\n", 1) if t.startswith("\n  ") else t),
    st.lists(st.tuples(st.sampled_from(SETTINGS_KEYS), yaml_scalars), max_size=8).map(
        lambda kv: "".join(f"{k}: {v}\n" for k, v in kv)),
    st.text(max_size=200),
)


# PyYAML's reader refuses these before any parsing; see test_non_printable_characters_give_path_line_message.
NON_PRINTABLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x84\x86-\x9f\ud800-\udfff\ufffe\uffff]")


def assert_located(e: ConfigError, path: Path) -> None:
    """Each problem — what `warnd check` and `warnd run` print — is one line `path:line[:col]: message`.

    (`str(e)` also carries the library cause, as every WarndError does; the CLI prints the problems.)
    """
    assert e.problems, "a ConfigError with no problem"
    for problem in e.problems:
        line = str(problem)
        m = LOCATED.match(line)
        assert "\n" not in line and "\r" not in line, f"a problem spans lines: {line!r}"
        assert m is not None, f"not 'path:line: message': {line!r}"
        assert m["path"] == str(path), line


def _write(text: str, suffix: str) -> Path:
    fd, name = tempfile.mkstemp(suffix=suffix, prefix="warnd-fuzz-")
    with os.fdopen(fd, "w", encoding="utf-8", errors="surrogateescape") as f:
        f.write(text)
    return Path(name)


@fuzz(200)
@given(text=RULE_FILES)
def test_random_rule_files_load_or_give_path_line_message(text: str) -> None:
    assume(not NON_PRINTABLE.search(text))
    path = _write(text, ".yaml")
    try:
        load_rules([path], channels={"desk": None})
    except ConfigError as e:
        assert_located(e, path)
    finally:
        path.unlink()


@fuzz(200)
@given(text=SETTINGS_FILES)
def test_random_config_files_load_or_give_path_line_message(text: str) -> None:
    assume(not NON_PRINTABLE.search(text))
    path = _write(text, ".yaml")
    try:
        load_settings(path, env={"HOME": "/nonexistent"})
    except ConfigError as e:
        assert_located(e, path)
    finally:
        path.unlink()


@pytest.mark.parametrize("text", [
    pytest.param("", id="empty"),
    pytest.param("rules: 3\n", id="not-a-list"),
    pytest.param("rules:\n  - id: a\n    kind: threshold\n    window: 3 dayz\n", id="bad-duration"),
    pytest.param("rules:\n  - !!python/object/apply:os.system ['true']\n", id="python-tag"),
    pytest.param("rules: &x [*x]\n", id="recursive-alias"),
    pytest.param((ROOT / "tests" / "data" / "yaml" / "billion_laughs.yaml").read_text(), id="billion-laughs",
                 marks=pytest.mark.timeout(10)),
    pytest.param("x: &x 1\nrules: [" + ", ".join(["*x"] * 100_001) + "]\n", id="too-many-aliases",
                 marks=pytest.mark.timeout(10)),
    pytest.param("rules:\n\t- id: tab\n", id="tab-indent"),
    pytest.param("rules: [\n", id="unclosed-flow"),
])
def test_known_bad_rule_files_give_path_line_message(text: str) -> None:
    path = _write(text, ".yaml")
    try:
        load_rules([path])
    except ConfigError as e:
        assert_located(e, path)
    finally:
        path.unlink()


@pytest.mark.parametrize("loader", ["rules", "settings"])
def test_non_printable_characters_give_path_line_message(loader: str) -> None:
    path = _write("rules:\n  - id: a\x1f\n", ".yaml")
    try:
        if loader == "rules":
            load_rules([path])
        else:
            load_settings(path, env={})
    except ConfigError as e:
        assert_located(e, path)
    finally:
        path.unlink()


# ---- item text through the extractor -------------------------------------------------------------

@cache
def _extractor():  # type: ignore[no-untyped-def]
    return load_extractor()


item_text = st.one_of(
    st.text(max_size=400),
    st.lists(st.sampled_from(["at least", "killed", "1,018", "12", "civilians", "in", "Latakia", "Lattakia",
                              "Alawite", "٣٤", "million", "-", "nearly", "wounded", "Tartus", "'s", ".", "\n",
                              "9" * 40, "1.5e308", "twenty-one", "\u202e", "\u200b", "<b>", "&amp;"]),
             max_size=60).map(" ".join),
)


@fuzz(200)
@given(text=item_text)
def test_extractor_never_raises_on_random_text(text: str) -> None:
    _extractor().extract_text(text)


# ---- templates with hostile titles and labels -------------------------------------------------------

HOSTILE = ["<!channel>", "<!here>", "<@U0123ABC>", "<!subteam^S1>", "<https://evil.example/x|Official>",
           "<script>alert(1)</script>", "<img src=x onerror=alert(1)>", "\r\nBcc: victim@example.org",
           "\nX-Injected: 1", "\r", "\u2028", "\u0085", "&", "\"'", "{{ 7*7 }}", "\u202e", "@channel"]
hostile_text = st.lists(st.one_of(st.sampled_from(HOSTILE), st.text(max_size=15)), min_size=1, max_size=6).map("".join)
EMAIL = EmailChannelConfig.model_validate({"type": "email", "to": ["desk@example.org"], "from": "warnd@example.org"})
INJECTED = re.compile(r"^(bcc|x-injected):", re.IGNORECASE | re.MULTILINE)


def mrkdwn_texts(node: object) -> list[str]:
    if isinstance(node, dict):
        own = [str(node["text"])] if node.get("type") == "mrkdwn" else []
        return own + [t for v in node.values() for t in mrkdwn_texts(v)]
    if isinstance(node, list):
        return [t for v in node for t in mrkdwn_texts(v)]
    return []


@fuzz(120)
@given(title=hostile_text, region=hostile_text, evidence=hostile_text, feed=hostile_text, note=hostile_text)
def test_templates_escape_hostile_titles_and_labels(title: str, region: str, evidence: str, feed: str,
                                                    note: str) -> None:
    alert = latakia(title=title, labels=(("region", region), ("country", "Syria")),
                    evidence=(Evidence(evidence, feed, "https://example.org/e", FIRED_AT - timedelta(hours=1), 12),),
                    annotations=(("note", note),), dedup_key=f"k|region={region}")

    msg = render_email(alert, channel="desk", config=EMAIL, templates_dir=TEMPLATES, delivery_id=9, now=FIRED_AT)
    for name, value in msg.items():
        assert "\r" not in str(value) and "\n" not in str(value), (name, value)
    wire = msg.as_bytes()
    headers = wire.split(b"\r\n\r\n", 1)[0] if b"\r\n\r\n" in wire else wire.split(b"\n\n", 1)[0]
    assert not INJECTED.search(headers.decode("utf-8", "replace")), headers
    html = msg.get_body(("html",)).get_content()
    for raw in ("<script", "<img", "<!channel>", "<@U0123ABC>"):
        assert raw not in html, raw

    payload = render_slack(alert, templates_dir=TEMPLATES, channel="slack-ops")
    # Slack parses mentions and links in mrkdwn and in the top-level `text`; plain_text (the header) is shown as is.
    slack_text = "\n".join([str(payload["text"]), *mrkdwn_texts(payload["blocks"])])
    for raw in ("<!channel>", "<!here>", "<@U0123ABC>", "<!subteam", "<https://evil.example/x|"):
        assert raw not in slack_text, raw
    assert not re.search(r"(?<![\w\u2060])@(channel|here|everyone)\b", slack_text)

    body = json.loads(render_webhook(alert, channel="partner", delivery_id=9))
    assert "\r" not in body["alert"]["title"] and "\n" not in body["alert"]["title"]
    assert body["alert"]["labels"]["region"] is not None
