"""The deliver stage API: exported names, the channel registry, and build_senders."""

from __future__ import annotations

from pathlib import Path

import aiohttp
import pytest

import warnd.deliver
from warnd.config.settings import Settings, WebhookChannelConfig
from warnd.deliver import (
    CHANNELS,
    AlertmanagerSender,
    AppriseSender,
    EmailSender,
    FileSender,
    SlackSender,
    WebhookSender,
    build_senders,
)
from warnd.errors import ConfigError

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"


def test_exported_members():
    assert sorted(warnd.deliver.__all__) == sorted([
        "AlertmanagerSender", "AppriseSender", "CHANNELS", "DigestFigure", "EmailSender", "FileSender", "SCHEMA_VERSION", "Sender", "SlackSender",
        "TemplateSet", "WebhookPayload", "WebhookSender", "alert_context", "build_senders", "digest_figures",
        "digest_filename", "next_digest_at", "render_alertmanager", "render_apprise", "render_digest", "render_email", "render_slack", "render_webhook", "sign_webhook",
        "verify_webhook",
    ])
    for name in warnd.deliver.__all__:
        assert hasattr(warnd.deliver, name), name


def test_registry():
    assert CHANNELS == {"email": EmailSender, "slack": SlackSender, "webhook": WebhookSender, "file": FileSender,
                        "alertmanager": AlertmanagerSender, "apprise": AppriseSender}


def settings(tmp_path: Path, **channel_overrides) -> Settings:
    channels = {
        "desk-email": {"type": "email", "to": ["desk@example.org"], "from": "warnd@example.org"},
        "slack-ops": {"type": "slack", "url": "http://127.0.0.1:9/slack"},
        "partner": {"type": "webhook", "url": "http://127.0.0.1:9/hook", "secret": "s"},
        "outbox-files": {"type": "file", "format": "eml", "dir": "out"},
        **channel_overrides,
    }
    return Settings.model_validate({"base_dir": str(tmp_path), "channels": channels})


async def test_build_senders_one_per_channel(tmp_path, clock):
    async with aiohttp.ClientSession() as http:
        senders = build_senders(settings(tmp_path), http=http, clock=clock, templates_dir=TEMPLATES)
        assert {k: type(v) for k, v in senders.items()} == {
            "desk-email": EmailSender, "slack-ops": SlackSender, "partner": WebhookSender, "outbox-files": FileSender}
        assert senders["outbox-files"].directory == tmp_path / "out", "relative dirs resolve against base_dir"
        for s in senders.values():
            await s.aclose()


async def test_build_senders_reports_broken_channel_templates(tmp_path, clock):
    (tmp_path / "tpl").mkdir()
    (tmp_path / "tpl" / "subject.txt.j2").write_text("{{ oops")
    s = settings(tmp_path, **{"desk-email": {"type": "email", "to": ["d@example.org"], "from": "w@example.org",
                                             "templates": "tpl"}})
    async with aiohttp.ClientSession() as http:
        with pytest.raises(ConfigError) as info:
            build_senders(s, http=http, clock=clock, templates_dir=TEMPLATES)
    assert info.value.problems[0].path.endswith("tpl/subject.txt.j2") and info.value.problems[0].line == 1


async def test_unresolved_env_secret_is_a_config_error(tmp_path, clock):
    s = settings(tmp_path, **{"slack-ops": {"type": "slack", "url_env": "SLACK_URL"}})
    async with aiohttp.ClientSession() as http:
        with pytest.raises(ConfigError, match="SLACK_URL"):
            build_senders(s, http=http, clock=clock, templates_dir=TEMPLATES)


# ------------------------------------------------------------------ docs/delivery.md is tested

DOC = Path(__file__).resolve().parent.parent / "docs" / "delivery.md"


def doc_blocks(lang: str) -> list[str]:
    import re
    return re.findall(rf"```{lang}\n(.*?)```", DOC.read_text(encoding="utf-8"), flags=re.S)


@pytest.mark.parametrize("index", range(2))
def test_doc_yaml_examples_are_valid_settings(index):
    import yaml
    block = doc_blocks("yaml")[index]
    Settings.model_validate({"channels": yaml.safe_load(block)["channels"]})


def test_doc_webhook_example_matches_the_real_body():
    import json

    from tests.fixtures.deliver_alerts import toll_rise
    from warnd.deliver import render_webhook
    documented = json.loads(doc_blocks("json")[0])
    actual = json.loads(render_webhook(toll_rise(), channel="partner", delivery_id=7))
    assert set(documented) == set(actual)
    assert set(documented["alert"]) == set(actual["alert"])
    assert set(documented["alert"]["evidence"][0]) == set(actual["alert"]["evidence"][0])
    for key in ("severity", "title", "summary", "window", "labels", "fired_at", "first_report_at", "measure",
                "previous", "increment", "toll", "series", "incidents"):
        assert documented["alert"][key] == actual["alert"][key], key
    assert documented["silence_command"] == actual["silence_command"]


def test_doc_receiver_verifies_real_requests(clock):
    from tests.fixtures.deliver_alerts import delivery, latakia
    namespace: dict = {}
    exec(compile(doc_blocks("python")[0], str(DOC), "exec"), namespace)
    verify = namespace["verify_warnd_webhook"]
    cfg = WebhookChannelConfig.model_validate({"type": "webhook", "url": "http://127.0.0.1:9/", "secret": "k"})
    body, headers = WebhookSender("partner", cfg, http=None, clock=clock).request(latakia(), delivery(7))
    now = clock.now().timestamp()
    assert verify(headers, body, b"k", now=now)
    assert not verify(headers, body, b"k", now=now), "a replay is refused"
    _, fresh = WebhookSender("partner", cfg, http=None, clock=clock).request(latakia(), delivery(8))
    assert not verify(fresh, body, b"k", now=now), "a signature for another body is refused"
    assert not verify(headers, body, b"k", now=now + 3600), "a stale timestamp is refused"
