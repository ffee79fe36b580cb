"""Rendering: golden files for every template and channel, and properties of the hostile-text filters.

Regenerate the golden files after an intended template change, then review the diff:

    WARND_REGEN_GOLDEN=1 /work/main/.venv/bin/python -m pytest tests/test_deliver_render.py -q
"""

from __future__ import annotations

import json
import os
from datetime import timedelta
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.fixtures.deliver_alerts import ARABIC_TITLE, SAMPLES, latakia
from warnd.config.settings import EmailChannelConfig
from warnd.deliver.render import TemplateSet, format_change, format_window
from warnd.deliver.sanitize import clean_line, escape_mrkdwn, mrkdwn_link, safe_url, truncate
from warnd.deliver.slack import render_slack
from warnd.deliver.tally_text import format_number
from warnd.deliver.webhook import render_webhook
from warnd.errors import ConfigError, PermanentDeliveryError

ROOT = Path(__file__).resolve().parent.parent
TEMPLATES = ROOT / "templates"
GOLDEN = Path(__file__).resolve().parent / "data" / "golden"
REGEN = os.environ.get("WARND_REGEN_GOLDEN") == "1"
EMAIL = TemplateSet.for_channel("email", TEMPLATES)
SLACK = TemplateSet.for_channel("slack", TEMPLATES)
CONFIG = EmailChannelConfig.model_validate({"type": "email", "to": ["desk@example.org"], "from": "alerts@warnd.example.org"})


def check_golden(name: str, actual: str) -> None:
    path = GOLDEN / name
    if REGEN:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(actual, encoding="utf-8")
        return
    if not path.exists():
        pytest.fail(f"{path} is missing: run with WARND_REGEN_GOLDEN=1 to create it, then review it")
    assert actual == path.read_text(encoding="utf-8"), f"{name} differs from its golden file (see module docstring)"


def render_all(sample: str) -> dict[str, str]:
    from warnd.deliver.render import alert_context
    alert = SAMPLES[sample]()
    ctx = alert_context(alert, public_url="https://warnd.example.org/")
    return {
        "subject.txt": EMAIL.render("subject.txt.j2", ctx, rule=alert.rule).strip() + "\n",
        "body.txt": EMAIL.render("body.txt.j2", ctx, rule=alert.rule) + "\n",
        "body.html": EMAIL.render("body.html.j2", ctx, rule=alert.rule) + "\n",
        "slack.json": json.dumps(render_slack(alert, templates=SLACK), ensure_ascii=False, indent=2) + "\n",
        "webhook.json": json.dumps(json.loads(render_webhook(alert, channel="partner", delivery_id=7)),
                                   ensure_ascii=False, indent=2) + "\n",
    }


@pytest.mark.parametrize("sample", sorted(SAMPLES))
def test_golden(sample):
    for part, text in render_all(sample).items():
        check_golden(f"{sample}.{part}", text)


def test_subject_example_from_the_issue():
    text = render_all("latakia")["subject.txt"].strip()
    assert text == "[CRITICAL] Latakia: 1,018 killed in 24h (baseline 0, 2 sources)"


def test_body_opens_with_one_sentence_then_the_table():
    body = render_all("latakia")["body.txt"].splitlines()
    assert body[2] == "1,018 killed reported in Latakia within 24h, by 2 sources, against a usual 0."
    assert body[4].startswith("Value") and "1,018 killed" in body[4]


def test_escalation_says_so_and_shows_previous_value():
    parts = render_all("escalated")
    assert "ESCALATED" in parts["subject.txt"] and "was 745" in parts["subject.txt"]
    assert "Previous      745 (last alert)" in parts["body.txt"]
    assert "up from 745 at the last alert" in parts["body.html"]


def test_hostile_html_is_escaped():
    html = render_all("hostile")["body.html"]
    assert "<script>" not in html and "<img src=x" not in html and "<b>not bold" not in html
    assert "&lt;script&gt;" in html
    assert 'href="javascript' not in html.lower() and 'href="data:' not in html and "java\tscript" not in html
    hrefs = [chunk.split('"', 1)[0] for chunk in html.split('href="')[1:]]
    assert hrefs and all(h.startswith(("https://", "http://")) for h in hrefs)
    assert "\u202e" not in html and "\u200b" not in html


def test_arabic_stays_readable():
    html = render_all("latakia")["body.html"]
    assert ARABIC_TITLE in html and 'dir="auto"' in html
    text = render_all("latakia")["body.txt"]
    assert f"\u2068{ARABIC_TITLE}\u2069" in text, "isolated so it cannot reorder the list numbering"


def test_ten_thousand_character_titles_are_cut():
    parts = render_all("long_title")
    assert len(parts["subject.txt"]) < 260
    assert max(len(line) for line in parts["body.txt"].splitlines()) < 320


def test_rule_override_wins_over_channel_override_over_default(tmp_path):
    channel = tmp_path / "channel"
    (channel / "rules" / "coast-killed-jump").mkdir(parents=True)
    (channel / "subject.txt.j2").write_text("channel: {{ title }}")
    (channel / "rules" / "coast-killed-jump" / "subject.txt.j2").write_text("rule: {{ place }}")
    tset = TemplateSet.for_channel("email", TEMPLATES, channel)
    from warnd.deliver.render import alert_context
    assert tset.render("subject.txt.j2", alert_context(latakia()), rule="coast-killed-jump") == "rule: Latakia"
    assert tset.render("subject.txt.j2", alert_context(latakia()), rule="other") == "channel: Latakia: 1,018 killed in 24h"
    assert tset.render("body.txt.j2", alert_context(latakia()), rule="other").startswith("CRITICAL")


def test_broken_operator_template_fails_at_startup_with_line(tmp_path):
    (tmp_path / "rules" / "r1").mkdir(parents=True)
    (tmp_path / "body.txt.j2").write_text("ok\n{% if %}\n")
    (tmp_path / "rules" / "r1" / "subject.txt.j2").write_text("{{ title ")
    tset = TemplateSet.for_channel("email", TEMPLATES, tmp_path)
    with pytest.raises(ConfigError) as info:
        tset.check(["subject.txt.j2", "body.txt.j2", "body.html.j2"])
    lines = {(Path(p.path).name, p.line) for p in info.value.problems}
    assert ("body.txt.j2", 2) in lines and ("subject.txt.j2", 1) in lines


def test_sandbox_blocks_python_internals(tmp_path):
    (tmp_path / "subject.txt.j2").write_text("{{ alert.__class__.__mro__[1].__subclasses__() }}")
    tset = TemplateSet.for_channel("email", TEMPLATES, tmp_path)
    from warnd.deliver.render import alert_context
    with pytest.raises(PermanentDeliveryError, match="template"):
        tset.render("subject.txt.j2", alert_context(latakia()))


def test_undefined_names_are_errors_not_blanks(tmp_path):
    (tmp_path / "subject.txt.j2").write_text("{{ titel }}")
    tset = TemplateSet.for_channel("email", TEMPLATES, tmp_path)
    from warnd.deliver.render import alert_context
    with pytest.raises(PermanentDeliveryError, match="titel"):
        tset.render("subject.txt.j2", alert_context(latakia()))


@pytest.mark.parametrize("value, expected", [
    pytest.param(1018, "1,018", id="thousands"), pytest.param(0, "0", id="zero"),
    pytest.param(2.5, "2.5", id="fraction"), pytest.param(None, "—", id="none"),
    pytest.param(1_234_567.0, "1,234,567", id="float-int"),
])
def test_format_number(value, expected):
    assert format_number(value) == expected


@pytest.mark.parametrize("window, expected", [
    pytest.param(timedelta(hours=24), "24h", id="24h"), pytest.param(timedelta(hours=48), "48h", id="48h"),
    pytest.param(timedelta(days=3), "3d", id="3d"), pytest.param(timedelta(days=14), "14d", id="14d"),
    pytest.param(timedelta(minutes=90), "1h30m", id="90m"), pytest.param(timedelta(minutes=30), "30m", id="30m"),
])
def test_format_window(window, expected):
    assert format_window(window) == expected


@pytest.mark.parametrize("value, baseline, expected", [
    pytest.param(1018, 0, "+1,018", id="from-zero"), pytest.param(12, 3, "+9 (+300%)", id="ratio"),
    pytest.param(2, 4, "−2 (−50%)", id="drop"), pytest.param(5, None, "—", id="no-baseline"),
])
def test_format_change(value, baseline, expected):
    assert format_change(value, baseline) == expected


@pytest.mark.parametrize("url, ok", [
    pytest.param("https://reliefweb.int/report/1", True, id="https"),
    pytest.param("http://example.org/a?b=1", True, id="http"),
    pytest.param("javascript:alert(1)", False, id="javascript"),
    pytest.param("JaVaScRiPt:alert(7)", False, id="javascript-case"),
    pytest.param("  java\tscript:alert(2)", False, id="javascript-tab"),
    pytest.param("data:text/html;base64,xx", False, id="data"),
    pytest.param("//evil.example/x", False, id="scheme-relative"),
    pytest.param("https://exa\u202emple.org", False, id="bidi"),
    pytest.param("https://ok.example/a b", False, id="space"),
    pytest.param("ftp://example.org/f", False, id="ftp"),
    pytest.param("https://", False, id="no-host"),
    pytest.param(None, False, id="none"),
])
def test_safe_url(url, ok):
    assert (safe_url(url) is not None) is ok


@given(st.text())
def test_clean_line_property(text):
    out = clean_line(text, limit=200)
    assert len(out) <= 200
    assert not any(c in out for c in "\r\n\t\x00\u202e\u202d\u2066\u2067\u2068\u2069")
    assert clean_line(out) == out, "idempotent"


@given(st.text())
def test_escape_mrkdwn_property(text):
    out = escape_mrkdwn(text)
    assert "<" not in out and ">" not in out
    assert out.replace("\u2060", "").replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&") == text.replace("\u2060", "")
    assert "@here" not in out.lower() and "@channel" not in out.lower()


@given(st.text(), st.text())
def test_mrkdwn_link_property(url, text):
    out = mrkdwn_link(url, text)
    if out.startswith("<"):
        assert out.startswith(("<http://", "<https://")) and out.endswith(">") and out.count("<") == 1
    else:
        assert "<" not in out


@given(st.text(min_size=1), st.integers(min_value=2, max_value=500))
def test_truncate_property(text, limit):
    out = truncate(text, limit)
    assert len(out) <= limit
    assert out == text or out.endswith("…")


# ------------------------------------------------------------------ whole messages from arbitrary feed text

_text = st.text(alphabet=st.characters(codec="utf-8"), max_size=400) | st.sampled_from(
    ["<!channel>", "a\r\nBcc: x@example.org", "\u202eevil", "<script>x</script>", "اللاذقية", "x" * 12_000])
_link = st.one_of(st.none(), _text, st.sampled_from(["https://ok.example/a", "javascript:alert(1)", "data:x"]))


@st.composite
def hostile_alerts(draw):
    from datetime import UTC, datetime

    from warnd.types import Alert, Evidence, Severity
    at = datetime(2026, 2, 11, tzinfo=UTC)
    evidence = tuple(Evidence(draw(_text), draw(_text), draw(_link), at, draw(st.none() | st.integers(0, 10**6)))
                     for _ in range(draw(st.integers(0, 14))))
    return Alert(rule="r1", dedup_key=draw(_text), severity=draw(st.sampled_from(list(Severity))), title=draw(_text),
                 labels=((("region", draw(_text)),) if draw(st.booleans()) else ()) + (("targeted_group", draw(_text)),),
                 value=draw(st.floats(0, 1e7)), baseline=draw(st.none() | st.floats(0, 1e7)),
                 window=timedelta(hours=draw(st.integers(1, 2000))), sources=draw(st.integers(0, 50)), fired_at=at,
                 evidence=evidence, annotations=(("note", draw(_text)),), escalation=draw(st.booleans()),
                 previous_value=draw(st.none() | st.floats(0, 1e7)), metric=draw(st.sampled_from(["killed", "mention", ""])),
                 kind=draw(st.sampled_from(["jump", "threshold", "new_value"])), id=1)


@given(hostile_alerts())
def test_any_feed_text_renders_safely(alert):
    import email as email_lib
    import email.policy

    from warnd.deliver.email import POLICY, render_email
    msg = render_email(alert, channel="desk", config=CONFIG, templates_dir=TEMPLATES, delivery_id=1, templates=EMAIL)
    raw = msg.as_bytes(policy=POLICY)
    head = raw.split(b"\r\n\r\n", 1)[0]
    names = {line.split(b":", 1)[0] for line in head.split(b"\r\n") if line and line[:1] not in (b" ", b"\t")}
    assert names <= {b"Subject", b"From", b"To", b"Date", b"Message-ID", b"In-Reply-To", b"References", b"List-Id",
                     b"Auto-Submitted", b"X-Warnd-Rule", b"X-Warnd-Severity", b"X-Warnd-Alert-Id", b"MIME-Version",
                     b"Content-Type"}, names
    parsed = email_lib.message_from_bytes(raw, policy=email.policy.default)
    assert len(str(parsed["Subject"])) <= 250
    html = parsed.get_body(("html",)).get_content()
    assert "<script" not in html and "\u202e" not in html and 'href="javascript' not in html.lower()
    payload = render_slack(alert, templates=SLACK)
    blocks = payload["blocks"]
    assert len(blocks) <= 50 and len(blocks[0]["text"]["text"]) <= 150
    for block in blocks[1:]:
        texts = [block["text"]["text"]] if "text" in block else []
        texts += [f["text"] for f in block.get("fields", [])] + [e["text"] for e in block.get("elements", [])]
        assert all(len(t) <= 3000 for t in texts)
        for t in texts:
            assert "<!" not in t and "<@" not in t
    body = json.loads(render_webhook(alert, delivery_id=1))
    assert all(e["link"] is None or e["link"].startswith(("http://", "https://")) for e in body["alert"]["evidence"])
