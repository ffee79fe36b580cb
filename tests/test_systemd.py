"""sd_notify: READY, WATCHDOG and STOPPING reach a real datagram socket, from the module and from a
running `warnd run` under the environment systemd gives a Type=notify service."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from datetime import timedelta
from pathlib import Path

import pytest

from warnd.systemd import Notifier

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(params=["path", "abstract"])
def notify_socket(request: pytest.FixtureRequest, tmp_path: Path):
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    if request.param == "path":
        address = str(tmp_path / "notify.sock")
        sock.bind(address)
    else:
        address = f"@warnd-test-{uuid.uuid4().hex}"
        sock.bind("\0" + address[1:])
    sock.settimeout(20)
    yield sock, address
    sock.close()


def test_messages_reach_the_socket(notify_socket) -> None:
    sock, address = notify_socket
    assert Notifier(address).notify(ready=1, status="watching 2 feeds")
    assert sock.recv(4096) == b"READY=1\nSTATUS=watching 2 feeds"


@pytest.mark.parametrize("env, address, watchdog", [
    pytest.param({}, None, None, id="not-under-systemd"),
    pytest.param({"NOTIFY_SOCKET": "/run/x"}, "/run/x", None, id="notify-only"),
    pytest.param({"NOTIFY_SOCKET": "/run/x", "WATCHDOG_USEC": "30000000"}, "/run/x", timedelta(seconds=30),
                 id="watchdog"),
    pytest.param({"NOTIFY_SOCKET": "/run/x", "WATCHDOG_USEC": "30000000", "WATCHDOG_PID": "1"}, "/run/x", None,
                 id="watchdog-for-another-process"),
    pytest.param({"NOTIFY_SOCKET": "/run/x", "WATCHDOG_USEC": "soon"}, "/run/x", None, id="bad-watchdog-value"),
])
def test_environment(env: dict[str, str], address: str | None, watchdog: timedelta | None) -> None:
    n = Notifier.from_environment(env, pid=4242)
    assert (n.address, n.watchdog) == (address, watchdog)
    if watchdog:
        assert n.watchdog_interval == watchdog / 2


def test_outside_systemd_nothing_is_sent_and_nothing_fails(tmp_path: Path) -> None:
    assert Notifier(None).notify(ready=1) is False
    assert Notifier(str(tmp_path / "gone.sock")).notify(ready=1) is False   # logged, not raised


@pytest.mark.slow
def test_the_daemon_says_ready_pings_the_watchdog_and_says_stopping(notify_socket, tmp_path: Path) -> None:
    sock, address = notify_socket
    cfg = tmp_path / "warnd.yaml"
    cfg.write_text(f"database: sqlite:///{tmp_path / 'warnd.db'}\nrules: []\ntemplates: {ROOT / 'templates'}\n")
    env = {**os.environ, "PYTHONPATH": str(ROOT), "NOTIFY_SOCKET": address, "WATCHDOG_USEC": "2000000"}
    proc = subprocess.Popen([sys.executable, "-m", "warnd.cli", "run", "--config", str(cfg), "--log-json"],
                            cwd=tmp_path, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        seen: list[bytes] = []
        deadline = time.monotonic() + 30
        while not any(m.startswith(b"WATCHDOG=1") for m in seen) and time.monotonic() < deadline:
            seen.append(sock.recv(4096))
        assert seen[0].startswith(b"READY=1"), seen
        assert any(m == b"WATCHDOG=1" for m in seen), seen
        proc.send_signal(signal.SIGTERM)
        while not seen[-1].startswith(b"STOPPING=1"):
            seen.append(sock.recv(4096))
        assert proc.wait(timeout=15) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.communicate(timeout=10)
