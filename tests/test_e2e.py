"""End to end: feeds on a real HTTP server → `warnd run --once` → a real SMTP server and webhook receiver."""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from tests.fixtures.httpserver import LocalHTTPServer, Response
from tests.fixtures.smtp import SmtpServer

ROOT = Path(__file__).resolve().parent.parent
SECRET = "e2e-webhook-secret"


def warnd(*args: str, cwd: Path, env: dict[str, str] | None = None, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    full_env = {**os.environ, "PYTHONPATH": str(ROOT), **(env or {})}
    return subprocess.run([sys.executable, "-m", "warnd.cli", *args], cwd=cwd, env=full_env, text=True,
                          capture_output=True, timeout=timeout)


@pytest.fixture
def e2e_config(tmp_path: Path, http_server: LocalHTTPServer, smtp_server: SmtpServer) -> Path:
    for name in ("coast-monitor.rss", "coast-wire.rss"):
        http_server.route(f"/{name}", Response(200, (ROOT / "demo" / name).read_bytes(),
                                               {"Content-Type": "application/rss+xml"}))
    http_server.route("/hook", Response(200, b"ok"))
    config = tmp_path / "warnd.yaml"
    config.write_text(textwrap.dedent(f"""
        database: sqlite:///{tmp_path / 'warnd.db'}
        feeds:
          - {{name: monitor, url: "{http_server.url('/coast-monitor.rss')}", replay: true, tags: [syria]}}
          - {{name: wire, url: "{http_server.url('/coast-wire.rss')}", replay: true, tags: [syria]}}
          - {{name: broken, url: "{http_server.url('/missing.rss')}"}}
        rules: ["{ROOT / 'rules' / 'syria-coast.yaml'}"]
        templates: {ROOT / 'templates'}
        channels:
          desk-email:
            type: email
            to: [desk@example.org]
            from: warnd@example.org
            smtp: {{host: 127.0.0.1, port: {smtp_server.port}}}
          partner: {{type: webhook, url: "{http_server.url('/hook')}", secret_env: E2E_HOOK_SECRET}}
        routing: {{default: [desk-email, partner]}}
    """))
    return config


def test_feed_items_become_alerts_in_an_inbox_and_a_signed_webhook(
        e2e_config: Path, tmp_path: Path, http_server: LocalHTTPServer, smtp_server: SmtpServer) -> None:
    env = {"E2E_HOOK_SECRET": SECRET}
    up = warnd("db", "upgrade", "--config", str(e2e_config), cwd=tmp_path, env=env)
    assert up.returncode == 0, up.stderr
    run = warnd("run", "--once", "--config", str(e2e_config), cwd=tmp_path, env=env)
    assert run.returncode == 0, run.stderr

    subjects = smtp_server.inbox.subjects()
    # The monitor's running toll rose from 745 (the day before) to 1,018: the alert says so, it does
    # not read as 1,018 deaths today (issue 15).
    jump = [s for s in subjects if "rises to 1,018" in s]
    # The toll covers Latakia, Tartus and Homs provinces: it is the country's, not the dateline's.
    assert jump and jump[0].startswith("[CRITICAL] Syria: death toll since "), subjects
    assert "+273 since 745" in jump[0] and not any("1,018 killed in 24h" in s for s in subjects), subjects
    assert any("Alawite" in s for s in subjects), subjects
    assert not any("Cairo" in s or "Amman" in s for s in subjects)
    msg = next(m for m in smtp_server.inbox.messages if "rises to 1,018" in str(m["Subject"]))
    text = msg.get_body(("plain",)).get_content()
    html = msg.get_body(("html",)).get_content()
    assert "https://monitor.example.org/reports/lrm-0309-toll" in text
    assert "warnd silence add --rule coast-deaths-jump" in text
    assert "<table" in html and msg["Message-ID"] and msg["List-Id"]

    hooks = [r for r in http_server.requests if r.path == "/hook"]
    assert len(hooks) == len(subjects)
    for req in hooks:
        ts = req.headers["x-warnd-timestamp"]
        expected = hmac.new(SECRET.encode(), f"{ts}.".encode() + req.body, hashlib.sha256).hexdigest()
        assert req.headers["x-warnd-signature"].endswith(expected)
        body = json.loads(req.body)
        assert body["schema_version"] and body["alert"]["rule"] and "evidence" in body["alert"]
        if body["alert"]["rule"] == "coast-deaths-jump":
            assert (body["alert"]["measure"], body["alert"]["previous"], body["alert"]["increment"]) == ("new", 745, 273)
            # 9 of the 273 were the Baniyas attack, reported the evening before as an incident.
            assert body["alert"]["value"] == 264 and body["alert"]["toll"]["source"].startswith("Syrian Observatory")
            # the level before the window, the rise, and the wire's "more than 1,000" that repeats it
            assert [p["value"] for p in body["alert"]["series"]] == [745, 1018, 1000]
            assert not any(p["conflicting"] for p in body["alert"]["series"])

    # The broken feed failed on its own; the run still succeeded and says so in status.
    status = warnd("status", "--json", "--config", str(e2e_config), cwd=tmp_path, env=env)
    feeds = {f["name"]: f for f in json.loads(status.stdout)["feeds"]}
    assert feeds["broken"]["consecutive_failures"] == 1 and feeds["monitor"]["items_seen"] == 12

    # A second pass over the same feeds sends nothing again.
    again = warnd("run", "--once", "--config", str(e2e_config), cwd=tmp_path, env=env)
    assert again.returncode == 0, again.stderr
    assert len(smtp_server.inbox.messages) == len(subjects)


def test_run_refuses_an_invalid_config_with_its_line(tmp_path: Path) -> None:
    bad = tmp_path / "warnd.yaml"
    bad.write_text("feeds:\n  - {name: a, url: x, interval: soon}\n")
    run = warnd("run", "--once", "--config", str(bad), cwd=tmp_path)
    assert run.returncode == 1
    assert f"{bad}:2:" in run.stderr and "'soon' is not a duration" in run.stderr
    assert "Traceback" not in run.stderr


def test_run_refuses_a_database_that_is_behind(tmp_path: Path) -> None:
    from warnd.store._engine import make_engine
    from warnd.store.migrate import upgrade
    engine = make_engine(f"sqlite:///{tmp_path / 'x.db'}")
    upgrade(engine, "0001")     # an older warnd's database: a new file would just get its schema
    engine.dispose()
    cfg = tmp_path / "warnd.yaml"
    cfg.write_text(f"database: sqlite:///{tmp_path / 'x.db'}\nrules: []\n")
    run = warnd("run", "--once", "--config", str(cfg), cwd=tmp_path)
    assert run.returncode == 3 and "warnd db upgrade" in run.stderr and "Traceback" not in run.stderr
    assert warnd("run", "--once", "--migrate", "--config", str(cfg), cwd=tmp_path).returncode == 0


def test_a_routing_tree_reaches_every_channel_kind_once(tmp_path: Path, http_server: LocalHTTPServer,
                                                        smtp_server: SmtpServer) -> None:
    """The demo feeds through a two-desk tree with grouping and inhibition, to a real SMTP server, a
    webhook receiver (Standard Webhooks + CAP body), an Alertmanager API and an apprise json:// target."""
    for name in ("coast-monitor.rss", "coast-wire.rss"):
        http_server.route(f"/{name}", Response(200, (ROOT / "demo" / name).read_bytes(),
                                               {"Content-Type": "application/rss+xml"}))
    for path in ("/hook", "/am/api/v2/alerts", "/chat"):
        http_server.route(path, Response(200, b"{}"))
    (tmp_path / "chat-url").write_text(http_server.url("/chat").replace("http://", "json://", 1) + "\n")
    config = tmp_path / "warnd.yaml"
    config.write_text(textwrap.dedent(f"""
        database: sqlite:///{tmp_path / 'warnd.db'}
        base_dir: {tmp_path}
        feeds:
          - {{name: monitor, url: "{http_server.url('/coast-monitor.rss')}", replay: true, tags: [syria]}}
          - {{name: wire, url: "{http_server.url('/coast-wire.rss')}", replay: true, tags: [syria]}}
        rules: ["{ROOT / 'rules' / 'syria-coast.yaml'}"]
        templates: {ROOT / 'templates'}
        channels:
          coast-desk:
            type: email
            to: [coast@example.org]
            from: warnd@example.org
            smtp: {{host: 127.0.0.1, port: {smtp_server.port}}}
          partner: {{type: webhook, url: "{http_server.url('/hook')}", secret_env: E2E_HOOK_SECRET, body: cap,
                    standard_webhooks: true}}
          prom: {{type: alertmanager, url: "{http_server.url('/am')}"}}
          chat: {{type: apprise, url_file: chat-url, min_severity: critical}}
        route:
          receiver: [prom]
          routes:
            - {{receiver: [partner], continue: true}}
            - matchers: ['region=~"Latakia|Tartus"']
              receiver: [coast-desk]
              group_by: [country]
              group_wait: 0s
            - matchers: [severity="critical"]
              receiver: [chat, prom]
        inhibit:
          - source_matchers: ['rule="mass-casualty-corroborated"']
            target_matchers: ['rule="coast-deaths-jump"']
            equal: [country]
    """))
    env = {"E2E_HOOK_SECRET": SECRET}
    assert warnd("db", "upgrade", "--config", str(config), cwd=tmp_path, env=env).returncode == 0
    run = warnd("run", "--once", "--config", str(config), cwd=tmp_path, env=env)
    assert run.returncode == 0, run.stderr
    by_path: dict[str, list[bytes]] = {}
    for req in http_server.requests:
        if req.method == "POST":
            by_path.setdefault(req.path, []).append(req.body)
    # The region jump repeats the country toll: inhibited everywhere. Four alerts go out.
    hooks = by_path["/hook"]
    assert len(hooks) == 4 and all(b.startswith(b"<?xml") and b"urn:oasis:names:tc:emergency:cap:1.2" in b
                                   for b in hooks)
    assert not any(b"coast-deaths-jump" in b for b in hooks)
    (mail,) = smtp_server.inbox.messages                     # the coast desk: one grouped email
    assert "and 2 more alerts" in str(mail["Subject"])
    (am,) = by_path["/am/api/v2/alerts"]                      # only the critical country alert reaches prom
    assert [a["labels"]["alertname"] for a in json.loads(am)] == ["mass-casualty-corroborated"]
    (chat,) = by_path["/chat"]
    # The monitor's running toll since Thursday, stated as what it is (issue 15).
    assert json.loads(chat)["title"].startswith("[CRITICAL] Syria: death toll since ")
    assert "rises to 1,018" in json.loads(chat)["title"]
    again = warnd("run", "--once", "--config", str(config), cwd=tmp_path, env=env)
    assert again.returncode == 0 and len(smtp_server.inbox.messages) == 1   # nothing sent twice
