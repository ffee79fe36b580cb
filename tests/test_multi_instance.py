"""Three `warnd run` processes share one PostgreSQL: feed polls and outbox rows are leased, alerts are
deduplicated by a unique key. One instance is SIGKILLed in the middle; every alert still arrives
exactly once at a real SMTP server."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from email.utils import format_datetime
from pathlib import Path

import pytest

from tests.fixtures.httpserver import LocalHTTPServer, Response
from tests.fixtures.smtp import SmtpServer
from warnd.clock import SystemClock
from warnd.store import open_store

ROOT = Path(__file__).resolve().parent.parent
REGIONS = ["Latakia", "Tartus", "Homs", "Aleppo", "Idlib", "Hama", "Daraa", "Raqqa"]
pytestmark = [pytest.mark.postgres, pytest.mark.slow]


def rss(region: str, n: int) -> bytes:
    now = format_datetime(SystemClock().now(), usegmt=True)
    return textwrap.dedent(f"""\
        <?xml version="1.0" encoding="utf-8"?>
        <rss version="2.0"><channel><title>{region} monitor</title><link>https://example.org/</link>
        <description>test</description>
        <item><title>{n} civilians killed in shelling of {region}</title>
        <description>At least {n} civilians were killed when shells hit a market in {region} on Monday.</description>
        <link>https://example.org/{region.lower()}</link><guid>{region}-1</guid><pubDate>{now}</pubDate></item>
        </channel></rss>""").encode()


def wait_for(predicate, timeout: float) -> bool:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.2)
    return predicate()


def start_cluster(tmp_path: Path, pg_url: str, http_server: LocalHTTPServer, smtp_server: SmtpServer, *,
                  routing: str) -> list[subprocess.Popen[str]]:
    """Quiet feeds for every region, the config, the schema, and three `warnd run` processes."""
    empty = b'<?xml version="1.0"?><rss version="2.0"><channel><title>quiet</title></channel></rss>'
    for region in REGIONS:
        http_server.route(f"/{region}.rss", Response(200, empty, {"Content-Type": "application/rss+xml"}))
    (tmp_path / "rules.yaml").write_text(textwrap.dedent("""
        rules:
          - id: killed-over-10
            kind: threshold
            severity: critical
            match: {kind: killed}
            group_by: [region]
            condition: {at_least: 10}
    """))
    feeds = "\n".join(f'  - {{name: {r.lower()}, url: "{http_server.url(f"/{r}.rss")}", interval: 2s}}'
                      for r in REGIONS)
    cfg = tmp_path / "warnd.yaml"
    cfg.write_text(textwrap.dedent(f"""
        database: "{pg_url}"
        rules: ["{tmp_path / 'rules.yaml'}"]
        templates: {ROOT / 'templates'}
        fetch: {{jitter: 0}}
        channels:
          desk: {{type: email, to: [desk@example.org], from: warnd@example.org,
                  smtp: {{host: 127.0.0.1, port: {smtp_server.port}}}}}
        outbox: {{interval: 1s, lease: 5s, backoff_base: 1s}}
        evaluate_interval: 1s
    """) + routing + "\nfeeds:\n" + feeds + "\n")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    up = subprocess.run([sys.executable, "-m", "warnd.cli", "db", "upgrade", "--config", str(cfg)], env=env,
                        capture_output=True, text=True, timeout=60)
    assert up.returncode == 0, up.stderr
    return [subprocess.Popen([sys.executable, "-m", "warnd.cli", "run", "--config", str(cfg), "--log-json"],
                             env=env, cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
            for _ in range(3)]


def stop_cluster(procs: list[subprocess.Popen[str]]) -> None:
    """SIGTERM the survivors (the first was killed); each drains and exits 0 without a traceback."""
    for p in procs[1:]:
        if p.poll() is None:
            p.send_signal(signal.SIGTERM)
    errors = [p.communicate(timeout=20)[1] for p in procs[1:]]
    for p, err in zip(procs[1:], errors, strict=True):
        assert p.returncode == 0, err
        assert "Traceback" not in err


def test_three_instances_deliver_every_alert_exactly_once(tmp_path: Path, pg_url: str, http_server: LocalHTTPServer,
                                                          smtp_server: SmtpServer) -> None:
    procs = start_cluster(tmp_path, pg_url, http_server, smtp_server, routing="routing: {default: [desk]}")
    try:
        time.sleep(3)
        assert all(p.poll() is None for p in procs)
        # First half of the regions report: the three instances share the polls and the sends.
        for i, region in enumerate(REGIONS[:4]):
            http_server.route(f"/{region}.rss", Response(200, rss(region, 20 + i)))
        # Kill between sends, not inside one: a send interrupted after the server accepted it but
        # before it was marked is the one repeat at-least-once allows (tests/reliability covers it).
        store = open_store(pg_url)
        try:
            assert wait_for(lambda: store.outbox_counts().get("sent", 0) >= 4, 60), smtp_server.inbox.subjects()
        finally:
            store.close()
        procs[0].send_signal(signal.SIGKILL)          # one instance dies in the middle
        procs[0].wait(timeout=10)
        for i, region in enumerate(REGIONS[4:]):
            http_server.route(f"/{region}.rss", Response(200, rss(region, 30 + i)))
        assert wait_for(lambda: len(smtp_server.inbox.messages) >= len(REGIONS), 60), smtp_server.inbox.subjects()
        time.sleep(4)   # room for a duplicate to show up, if there were one
    finally:
        stop_cluster(procs)
    subjects = smtp_server.inbox.subjects()
    for region in REGIONS:
        assert sum(1 for s in subjects if s.startswith(f"[CRITICAL] {region}:")) == 1, (region, subjects)
    assert len(subjects) == len(REGIONS)


def test_three_instances_send_each_notification_of_a_group_once(tmp_path: Path, pg_url: str,
                                                                http_server: LocalHTTPServer,
                                                                smtp_server: SmtpServer) -> None:
    procs = start_cluster(tmp_path, pg_url, http_server, smtp_server, routing=(
        "route: {receiver: [desk], group_by: [rule], group_wait: 2s, group_interval: 2s, repeat_interval: 24h}"))
    store = open_store(pg_url)
    try:
        time.sleep(3)
        assert all(p.poll() is None for p in procs)
        for i, region in enumerate(REGIONS[:4]):
            http_server.route(f"/{region}.rss", Response(200, rss(region, 20 + i)))
        assert wait_for(lambda: store.outbox_counts().get("sent", 0) >= 1, 60), smtp_server.inbox.subjects()
        procs[0].send_signal(signal.SIGKILL)          # one instance dies in the middle
        procs[0].wait(timeout=10)
        for i, region in enumerate(REGIONS[4:]):
            http_server.route(f"/{region}.rss", Response(200, rss(region, 30 + i)))

        def every_alert_notified() -> bool:
            alerts = {a.id for a in store.alerts(limit=1000)}
            listed = {a.id for n in (store.notification(i) for i in range(1, 200)) if n for a in n.alerts}
            return len(alerts) == len(REGIONS) and listed >= alerts and store.outbox_counts() == {
                "sent": len(smtp_server.inbox.messages)}
        assert wait_for(every_alert_notified, 90), smtp_server.inbox.subjects()
        time.sleep(4)   # room for a duplicate to show up, if there were one
        notes = [n for n in (store.notification(i) for i in range(1, 200)) if n]
    finally:
        store.close()
        stop_cluster(procs)
    # One email per notification, each once: the message ids are the deliveries', one per notification.
    ids = [str(m["Message-ID"]) for m in smtp_server.inbox.messages]
    assert len(ids) == len(set(ids)) == len(notes), (ids, [n.seq for n in notes])
    assert sorted(n.seq for n in notes) == list(range(1, len(notes) + 1))
    # Far fewer messages than alerts: the burst was grouped, and the last one lists every region.
    assert len(notes) < len(REGIONS)
    assert {a.label_dict["region"] for a in notes[-1].alerts} == set(REGIONS)
