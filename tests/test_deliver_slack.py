"""Slack channel: Block Kit limits, mrkdwn escaping, and a local receiver standing in for Slack."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest

from tests.fixtures.deliver_alerts import (
    HOSTILE_TITLES,
    delivery,
    escalated,
    first_report,
    hostile,
    latakia,
    long_title,
)
from tests.fixtures.httpserver import Response
from warnd.config.settings import SlackChannelConfig
from warnd.deliver.render import TemplateSet
from warnd.deliver.slack import SlackSender, render_slack
from warnd.errors import PermanentDeliveryError, TransientDeliveryError

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
SLACK = TemplateSet.for_channel("slack", TEMPLATES)


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


def slack(url: str, http, clock, **kw) -> SlackSender:
    cfg = SlackChannelConfig.model_validate({"type": "slack", "url": url, "timeout_s": 2, **kw})
    return SlackSender("slack-ops", cfg, http=http, clock=clock, templates_dir=TEMPLATES)


def all_texts(payload: dict) -> list[tuple[str, str]]:
    """(type, text) of every text object, plus the fallback."""
    out = [("mrkdwn", payload["text"])]
    for block in payload["blocks"]:
        if "text" in block:
            out.append((block["text"]["type"], block["text"]["text"]))
        for f in block.get("fields", []):
            out.append((f["type"], f["text"]))
        for e in block.get("elements", []):
            out.append((e["type"], e["text"]))
    return out


def check_limits(payload: dict) -> None:
    blocks = payload["blocks"]
    assert len(blocks) <= 50
    for block in blocks:
        if block["type"] == "header":
            assert block["text"]["type"] == "plain_text" and len(block["text"]["text"]) <= 150
        if "text" in block and block["type"] == "section":
            assert len(block["text"]["text"]) <= 3000
        assert len(block.get("fields", [])) <= 10
        assert all(len(f["text"]) <= 2000 for f in block.get("fields", []))


@pytest.mark.parametrize("make", [latakia, escalated, first_report, hostile, long_title])
def test_block_kit_limits(make):
    check_limits(render_slack(make(), templates=SLACK))


def test_message_shape():
    p = render_slack(latakia(), templates=SLACK)
    assert p["text"] == "[CRITICAL] Latakia: 1,018 killed in 24h (baseline 0, 2 sources)"
    assert [b["type"] for b in p["blocks"]] == ["header", "section", "section", "section", "context"]
    assert p["blocks"][0]["text"]["text"] == "🔴 CRITICAL · Latakia: 1,018 killed in 24h"
    evidence = p["blocks"][3]["text"]["text"]
    assert "<https://monitor-a.example.org/reports/1018|Death toll in Latakia rises to at least 1,018, monitor says>" in evidence
    assert "warnd silence add --rule coast-killed-jump" in p["blocks"][4]["elements"][0]["text"]


def test_hostile_text_cannot_ping_or_link():
    p = render_slack(hostile(), templates=SLACK)
    for kind, text in all_texts(p):
        if kind != "mrkdwn":
            continue
        for token in ("<!channel>", "<!here>", "<@U00000000>", "<https://evil.example.invalid/phish|", "<script>"):
            assert token not in text, (token, text)
        # every '<' left opens one of our links to an http(s) URL
        for i in [i for i, ch in enumerate(text) if ch == "<"]:
            assert text.startswith(("<https://", "<http://"), i), text[i:i + 40]
    joined = json.dumps(p, ensure_ascii=False)
    assert "&lt;!channel&gt;" in joined
    assert "<javascript:" not in joined and "<data:" not in joined and "\u202e" not in joined
    assert "\r" not in p["text"] and "\n" not in p["text"]


def test_link_with_pipe_and_brackets_stays_one_link():
    p = render_slack(hostile(), templates=SLACK)
    evidence = p["blocks"][3]["text"]["text"]
    assert "<https://warnd.example.org/ok/5?a=1&amp;b=%3C2%3E%7Cx|" in evidence


def test_escape_is_by_template_name_so_operator_templates_are_safe(tmp_path):
    (tmp_path / "summary.mrkdwn.j2").write_text("Look: {{ title }} {{ '<!channel>' }}")
    tset = TemplateSet.for_channel("slack", TEMPLATES, tmp_path)
    p = render_slack(latakia(title=HOSTILE_TITLES[0]), templates=tset)
    summary = p["blocks"][1]["text"]["text"]
    assert summary.startswith("Look: Sudan alert") and "<!" not in summary and "&lt;!channel&gt;" in summary


async def test_delivers_json(http_server, http, clock):
    http_server.route("/services/T000/B000/XXXX", Response(200, b"ok"))
    await slack(http_server.url("/services/T000/B000/XXXX"), http, clock).send(latakia(), delivery(7))
    req = http_server.requests[0]
    assert req.headers["content-type"].startswith("application/json")
    assert json.loads(req.body)["blocks"][0]["type"] == "header"


STATUSES = [
    pytest.param(Response(429, b"rate_limited", {"Retry-After": "7"}), TransientDeliveryError, 7.0, id="429"),
    pytest.param(Response(500, b"internal_error"), TransientDeliveryError, None, id="500"),
    pytest.param(Response(400, b"invalid_payload"), PermanentDeliveryError, None, id="400"),
    pytest.param(Response(403, b"action_prohibited"), PermanentDeliveryError, None, id="403"),
    pytest.param(Response(404, b"channel_not_found"), PermanentDeliveryError, None, id="404"),
]


@pytest.mark.parametrize("response, error, retry_after", STATUSES)
async def test_status_classification(http_server, http, clock, response, error, retry_after):
    http_server.route("/services/T000/B000/SECRETTOKEN", response)
    with pytest.raises(error) as info:
        await slack(http_server.url("/services/T000/B000/SECRETTOKEN"), http, clock).send(latakia(), delivery(7))
    message = str(info.value)
    assert "SECRETTOKEN" not in message, "the webhook URL is a secret"
    assert response.body.decode() in message
    if error is TransientDeliveryError:
        assert info.value.retry_after_s == retry_after


async def test_hanging_slack_times_out(http_server, http, clock):
    http_server.route("/services/x", Response(200, b"ok", delay_s=3))
    with pytest.raises(TransientDeliveryError, match="did not answer"):
        await slack(http_server.url("/services/x"), http, clock, timeout_s=0.2).send(latakia(), delivery(7))


def test_bare_mentions_cannot_ping():
    p = render_slack(latakia(title="@here @Channel @everyone: shelling reported"), templates=SLACK)
    for kind, text in all_texts(p):
        if kind == "mrkdwn":
            low = text.lower()
            assert "@here" not in low and "@channel" not in low and "@everyone" not in low, text
    assert all(b["text"].get("verbatim") for b in p["blocks"] if b["type"] == "section" and "text" in b)
