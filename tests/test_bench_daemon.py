"""bench/daemon.py writes a config and rules that warnd accepts, and its farm speaks conditional GET."""

from __future__ import annotations

import argparse
import importlib.util
import sys
from pathlib import Path

import aiohttp
import pytest

from warnd.config import load_rules, load_settings, rule_paths

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def bench():
    spec = importlib.util.spec_from_file_location("bench_daemon", ROOT / "bench" / "daemon.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while the class is made
    spec.loader.exec_module(module)
    return module


def args(**kw) -> argparse.Namespace:
    defaults = dict(feeds=12, rules=5, interval=30, concurrency=50, per_host=50, database=None)
    return argparse.Namespace(**{**defaults, **kw})


def test_generated_config_and_rules_load(bench, tmp_path: Path) -> None:
    farm = bench.Farm(12, 1_700_000_000.0)
    config = bench.write_config(tmp_path, farm, 2525, args())
    settings = load_settings(config, env={})
    assert len(settings.feeds) == 12
    assert settings.feeds[0].interval.total_seconds() == 30
    rules = load_rules(rule_paths(settings), channels=settings.channels)
    assert len(rules.rules) == 5
    # Every feed is matched by exactly one rule, so one published item makes one alert.
    matched = [f for r in rules.rules for f in r.rule.match.feeds]
    assert sorted(matched) == sorted(f.name for f in settings.feeds)


async def test_farm_serves_rss_with_etags(bench) -> None:
    farm = bench.Farm(3, 1_700_000_000.0)
    await farm.start()
    try:
        url = farm.url(farm.feeds[1])
        async with aiohttp.ClientSession() as session:
            async with session.get(url) as resp:
                assert resp.status == 200
                etag = resp.headers["ETag"]
                assert b"<rss" in await resp.read()
            async with session.get(url, headers={"If-None-Match": etag}) as resp:
                assert resp.status == 304
            farm.publish(1, 1_700_000_100.0)
            async with session.get(url, headers={"If-None-Match": etag}) as resp:
                assert resp.status == 200
                assert bench.TRIGGER.encode() in await resp.read()
    finally:
        await farm.stop()
