"""bench/product.py: its warnd config loads, its farm items carry figures the extractor reads, and its
farm speaks conditional GET and changes feeds on request."""

from __future__ import annotations

import argparse
import importlib.util
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from datetime import UTC, datetime
from pathlib import Path

import pytest

from warnd.config import load_rules, load_settings, rule_paths
from warnd.extract import load_extractor
from warnd.parse import FeedView, parse_feed

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def bench():
    spec = importlib.util.spec_from_file_location("bench_product", ROOT / "bench" / "product.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def test_the_generated_config_loads(bench, tmp_path: Path) -> None:
    urls = [f"http://127.0.0.1:9/feed/{i}.xml" for i in range(5)]
    config = bench.warnd_config(tmp_path, urls, argparse.Namespace(database=None))
    settings = load_settings(config, env={})
    assert [f.url for f in settings.feeds] == urls
    assert load_rules(rule_paths(settings), channels=settings.channels).rules


def test_farm_items_have_figures_and_places(bench) -> None:
    at = datetime(2026, 3, 1, 12, tzinfo=UTC)
    parsed = parse_feed(bench._body(3, 0, 20, at), feed=FeedView(name="farm"), url="http://farm/", fetched_at=at)
    assert len(parsed.items) == 20
    assert all(400 <= len(bench._item(3, n, at)) <= 650 for n in range(20))   # ~450 bytes of XML an item
    extractor = load_extractor([ROOT / "config/gazetteer/aliases.yaml"], [ROOT / "config/lexicons/communities.yaml"])
    signals = [extractor.extract(i) for i in parsed.items]
    assert sum(1 for s in signals if s.casualties) >= 10
    assert sum(1 for s in signals if s.places) >= 15


def test_farm_conditional_get_and_change(bench) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    farm = subprocess.Popen([sys.executable, str(ROOT / "bench" / "product.py"), "--serve", "--port", str(port),
                             "--feeds", "4", "--items", "3", "--latency-ms", "0"])
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                bench.post(port, "reset")
                break
            except OSError:
                assert time.monotonic() < deadline and farm.poll() is None, "the farm did not start"
                time.sleep(0.1)
        url = f"http://127.0.0.1:{port}/feed/2.xml"
        with urllib.request.urlopen(url, timeout=10) as r:
            etag, body = r.headers["ETag"], r.read()
        assert body.count(b"<item>") == 3
        with pytest.raises(urllib.error.HTTPError) as unchanged:
            urllib.request.urlopen(urllib.request.Request(url, headers={"If-None-Match": etag}), timeout=10)
        assert unchanged.value.code == 304
        bench.post(port, "change", fraction=1.0, seed=1)
        with urllib.request.urlopen(urllib.request.Request(url, headers={"If-None-Match": etag}), timeout=10) as r:
            assert r.status == 200 and r.headers["ETag"] != etag
            assert b"f2-i5" in r.read()    # two new items on top
    finally:
        farm.terminate()
        farm.wait()
