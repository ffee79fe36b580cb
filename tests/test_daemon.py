"""The daemon's lifecycle: one instance per SQLite file, SIGHUP / rule-file reload keeps the last good
rules, SIGTERM drains and exits 0."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from warnd.config import load_settings
from warnd.daemon import build_daemon, lock_sqlite
from warnd.errors import StoreLockedError
from warnd.store import open_store

ROOT = Path(__file__).resolve().parent.parent
GOOD_RULE = """
rules:
  - id: any-killed
    kind: threshold
    match: {kind: killed}
    condition: {at_least: 1}
"""


def test_second_instance_on_the_same_sqlite_file_refuses(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'warnd.db'}"
    first = lock_sqlite(url)
    try:
        with pytest.raises(StoreLockedError, match="another warnd is running"):
            lock_sqlite(url)
    finally:
        assert first is not None
        first.close()
    again = lock_sqlite(url)
    assert again is not None
    again.close()


@pytest.fixture
def daemon_config(tmp_path: Path) -> Path:
    (tmp_path / "rules").mkdir()
    (tmp_path / "rules" / "r.yaml").write_text(GOOD_RULE)
    cfg = tmp_path / "warnd.yaml"
    cfg.write_text(textwrap.dedent(f"""
        database: sqlite:///{tmp_path / 'warnd.db'}
        base_dir: {tmp_path}
        rules: ["rules/*.yaml"]
        templates: {ROOT / 'templates'}
        channels:
          local-mail: {{type: file, format: eml, dir: mail}}
        routing: {{default: [local-mail]}}
    """))
    open_store(f"sqlite:///{tmp_path / 'warnd.db'}", migrate=True).close()
    return cfg


async def test_invalid_rule_reload_keeps_the_last_good_set(daemon_config: Path, tmp_path: Path) -> None:
    settings = load_settings(daemon_config, env={})
    daemon = await build_daemon(settings, parse_in_processes=False)
    try:
        assert [r.rule.id for r in daemon.rules.rules] == ["any-killed"]
        (tmp_path / "rules" / "r.yaml").write_text(GOOD_RULE.replace("at_least: 1", "at_least: lots"))
        assert await daemon.reload_rules("test") is False
        assert [r.rule.id for r in daemon.pipeline.rules.rules] == ["any-killed"]
        (tmp_path / "rules" / "r.yaml").write_text(GOOD_RULE.replace("any-killed", "renamed"))
        assert await daemon.reload_rules("test") is True
        assert [r.rule.id for r in daemon.pipeline.rules.rules] == ["renamed"]
    finally:
        await daemon.aclose()


async def test_sighup_config_reload_applies_feeds_and_channels_or_keeps_the_last_good(
        daemon_config: Path, tmp_path: Path) -> None:
    settings = load_settings(daemon_config, env={})
    daemon = await build_daemon(settings, parse_in_processes=False, config_path=daemon_config)
    try:
        good = daemon_config.read_text()
        daemon_config.write_text(good.replace("channels:\n", "channels:\n  hook: {type: file, format: json, dir: h}\n")
                                 + "feeds:\n  - {name: added, url: feeds/added.rss}\n")
        assert await daemon.reload_config("test") is True
        assert [f.name for f in daemon.settings.feeds] == ["added"] and set(daemon.senders) == {"hook", "local-mail"}
        assert daemon.pipeline.settings is daemon.settings
        daemon_config.write_text(good.replace("database:", "databse:"))
        assert await daemon.reload_config("test") is False
        assert set(daemon.senders) == {"hook", "local-mail"}       # the last good config keeps running
        daemon_config.write_text(good.replace("warnd.db", "other.db"))
        assert await daemon.reload_config("test") is False          # a new database needs a restart
    finally:
        await daemon.aclose()


@pytest.mark.slow
def test_sighup_reloads_and_sigterm_exits_0_within_10s(daemon_config: Path, tmp_path: Path) -> None:
    proc = subprocess.Popen([sys.executable, "-m", "warnd.cli", "run", "--config", str(daemon_config),
                             "--log-json"], cwd=tmp_path, text=True, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, env={**os.environ, "PYTHONPATH": str(ROOT)})
    try:
        time.sleep(3)
        assert proc.poll() is None
        # A second daemon on the same SQLite file is refused with a clear message.
        second = subprocess.run([sys.executable, "-m", "warnd.cli", "run", "--config", str(daemon_config)],
                                cwd=tmp_path, text=True, capture_output=True, timeout=60,
                                env={**os.environ, "PYTHONPATH": str(ROOT)})
        assert second.returncode == 3 and "another warnd is running" in second.stderr
        (tmp_path / "rules" / "r.yaml").write_text(GOOD_RULE.replace("window", "windw") + "    windw: 3h\n")
        proc.send_signal(signal.SIGHUP)
        time.sleep(1.5)
        started = time.monotonic()
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=15)
        assert time.monotonic() - started < 10
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, err
    assert "config reload rejected" in err and "did you mean 'window'" in err
    assert '"event": "daemon stopped"' in err and "Traceback" not in err


async def test_digests_go_out_per_period_and_catch_up_after_downtime(tmp_path: Path) -> None:
    from datetime import UTC, datetime, timedelta

    from warnd.clock import FakeClock
    from warnd.types import Alert, Severity

    (tmp_path / "rules").mkdir()
    (tmp_path / "rules" / "r.yaml").write_text(GOOD_RULE)
    cfg = tmp_path / "warnd.yaml"
    cfg.write_text(textwrap.dedent(f"""
        database: sqlite:///{tmp_path / 'warnd.db'}
        base_dir: {tmp_path}
        rules: ["rules/*.yaml"]
        templates: {ROOT / 'templates'}
        timezone: Europe/Zurich
        channels:
          digest-box: {{type: file, format: eml, dir: digests, digest: 24h, digest_at: "07:00"}}
    """))
    store = open_store(f"sqlite:///{tmp_path / 'warnd.db'}", migrate=True)
    clock = FakeClock(datetime(2025, 3, 8, 12, 0, tzinfo=UTC))
    daemon = await build_daemon(load_settings(cfg, env={}), clock=clock, store=store, parse_in_processes=False)
    try:
        assert await daemon.send_digests() == 0          # first start: the current period begins
        for hours in (2, 10):
            store.record_alert(Alert(rule="any-killed", dedup_key=f"k{hours}", severity=Severity.HIGH, title="",
                                     labels=(("region", "Latakia"),), value=745 + hours, baseline=None,
                                     window=timedelta(hours=24), sources=1,
                                     fired_at=clock.now() + timedelta(hours=hours)), [], clock.now())
        clock.advance(hours=20)                            # 2025-03-09 08:00 UTC, past 07:00 Zurich (06:00 UTC)
        assert await daemon.send_digests() == 1
        assert await daemon.send_digests() == 0          # the same period is not sent twice
        clock.advance(days=3)                              # down for three days: three digests owed
        assert await daemon.send_digests() == 3
        files = sorted((tmp_path / "digests").glob("digest-*.eml"))
        assert len(files) == 4
        assert "755" in files[0].read_text() or "747" in files[0].read_text()
    finally:
        await daemon.aclose()


async def test_housekeeping_keeps_what_rules_still_read(daemon_config: Path, tmp_path: Path) -> None:
    from datetime import UTC, datetime, timedelta

    from warnd.clock import FakeClock
    from warnd.types import Casualty, CasualtyKind, Item, ObservationFilter, Signals

    (tmp_path / "rules" / "r.yaml").write_text(GOOD_RULE + """
  - id: slow-baseline
    kind: jump
    match: {kind: killed}
    window: 24h
    baseline: {lookback: 90d}
    condition: {increase_at_least: 10}
""")
    cfg = daemon_config.read_text() + "retention: 30d\n"
    daemon_config.write_text(cfg)
    store = open_store(f"sqlite:///{tmp_path / 'warnd.db'}")
    clock = FakeClock(datetime(2025, 6, 1, tzinfo=UTC))
    daemon = await build_daemon(load_settings(daemon_config, env={}), clock=clock, store=store,
                                parse_in_processes=False)
    try:
        def item(key: str, days_ago: int) -> tuple[Item, Signals]:
            at = clock.now() - timedelta(days=days_ago)
            return (Item(feed="f", key=key, title=key, published_at=at, content_hash=key),
                    Signals(casualties=(Casualty(CasualtyKind.KILLED, 5),), region="Latakia", country="Syria"))
        for key, days in (("recent", 10), ("baseline", 60), ("ancient", 200)):
            it, sig = item(key, days)
            store.ingest("f", [(it, sig)], None, it.published_at)
        await daemon.housekeeping()
        # retention says 30 days, but the 90-day baseline still reads the 60-day-old item.
        kept = {o.title for o in store.observations(ObservationFilter(), clock.now() - timedelta(days=400),
                                                     clock.now())}
        assert kept == {"recent", "baseline"}
    finally:
        await daemon.aclose()


async def test_run_once_twice_polls_every_feed_both_times(tmp_path: Path, pg_url: str,
                                                          http_server) -> None:
    # On PostgreSQL no lock clears leases at start: a --once must not leave its feeds leased.
    from tests.fixtures.httpserver import Response

    http_server.route("/f.rss", Response(200, b'<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>'
                                              b'</channel></rss>', {"ETag": '"1"'}))
    (tmp_path / "rules").mkdir()
    (tmp_path / "rules" / "r.yaml").write_text(GOOD_RULE)
    cfg = tmp_path / "warnd.yaml"
    cfg.write_text(textwrap.dedent(f"""
        database: "{pg_url}"
        base_dir: {tmp_path}
        rules: ["rules/*.yaml"]
        templates: {ROOT / 'templates'}
        feeds: [{{name: f, url: "{http_server.url('/f.rss')}"}}]
    """))
    open_store(pg_url, migrate=True).close()
    for _ in range(2):
        daemon = await build_daemon(load_settings(cfg, env={}), parse_in_processes=False)
        try:
            await daemon.run_once()
        finally:
            await daemon.aclose()
    assert len([r for r in http_server.requests if r.path == "/f.rss"]) == 2
