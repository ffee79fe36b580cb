"""The embedded default (`make run`): SQLite in var/, the bundled replay feeds, local file sinks."""

from __future__ import annotations

import email
import email.policy
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A copy of the project's operator files, run from its own directory like a fresh clone."""
    for name in ("config", "rules", "templates"):
        (tmp_path / name).symlink_to(ROOT / name)
    # Copied, not linked: file feeds may only read inside base_dir, and a link pointing out is refused.
    shutil.copytree(ROOT / "demo", tmp_path / "demo")
    return tmp_path


def warnd(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "warnd.cli", *args], cwd=cwd, text=True, capture_output=True,
                          timeout=120, env={**os.environ, "PYTHONPATH": str(ROOT)})


def read_sinks(project: Path) -> tuple[list[email.message.EmailMessage], list[dict[str, object]]]:
    # The bundled routing tree has two desks: the coast desk (Latakia, Tartus) and the general one.
    mails = [email.message_from_bytes(p.read_bytes(), policy=email.policy.default)
             for desk in ("mail", "coast-desk") for p in sorted((project / "var/outbox" / desk).glob("*.eml"))]
    hooks = [json.loads(p.read_text()) for p in sorted((project / "var/outbox/webhook").glob("*.json"))]
    return mails, hooks  # type: ignore[return-value]


def test_demo_fires_today_into_the_file_sinks(project: Path) -> None:
    assert warnd("db", "upgrade", cwd=project).returncode == 0
    run = warnd("run", "--once", cwd=project)
    assert run.returncode == 0, run.stderr
    mails, hooks = read_sinks(project)
    subjects = [str(m["Subject"]) for m in mails]
    # The Latakia jump reports the same 1,018 as the country-wide alert: inhibited, recorded with why.
    assert not any(s.startswith("[CRITICAL] Latakia: 1,018 killed") for s in subjects), subjects
    listing = warnd("outbox", "list", cwd=project).stdout
    assert "inhibited" in listing and "country toll covers its regions" in listing, listing
    # The coast desk's route groups by country: the burst of coast alerts is one email listing them.
    coast = [m for m in mails if "coast-desk@" in str(m["To"])]
    assert len(coast) == 1 and "and 2 more alerts" in str(coast[0]["Subject"]), subjects
    coast_text = coast[0].get_body(("plain",)).get_content()
    assert "IN THIS NOTIFICATION: 3 alerts for country=Syria" in coast_text, coast_text
    assert "Alawite" in coast_text and "Christian" in coast_text, coast_text
    assert any(s.startswith("[CRITICAL] Syria: 1,018 killed in 24h (2 sources)") for s in subjects), subjects
    assert len(hooks) == 4         # the webhook sink is not grouped: each alert that went out
    assert all(h["schema_version"] and h["type"] == "alert" for h in hooks)
    assert {h["alert"]["rule"] for h in hooks} == {"mass-casualty-corroborated", "community-targeted-first-report"}
    assert len(list((project / "var/outbox/mail").glob("*.eml"))) == 1
    # Nothing from the negatives: meetings, appointments, trucks, the committee that excluded communities.
    assert not any(word in s for s in subjects for word in ("Cairo", "Amman", "Druze", "Kurd"))
    # Polling again finds nothing new: no duplicate alert lands in the sinks.
    assert warnd("run", "--once", cwd=project).returncode == 0
    assert len(read_sinks(project)[0]) == len(mails)


@pytest.mark.slow
def test_make_run_daemon_delivers_within_a_minute_and_stops_cleanly_on_ctrl_c(project: Path) -> None:
    assert warnd("db", "upgrade", cwd=project).returncode == 0
    proc = subprocess.Popen([sys.executable, "-m", "warnd.cli", "run"], cwd=project, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env={**os.environ, "PYTHONPATH": str(ROOT)})
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if len(read_sinks(project)[0]) >= 2 and len(read_sinks(project)[1]) >= 4:
                break
            time.sleep(0.5)
        assert len(read_sinks(project)[0]) >= 2 and len(read_sinks(project)[1]) >= 4
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=20)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, err
    assert "daemon stopped" in err and "Traceback" not in err
    # Nothing half-written: every sink file is complete and parses.
    assert not list((project / "var/outbox").rglob("*.tmp"))
    mails, hooks = read_sinks(project)
    assert all(m["Subject"] for m in mails) and all(h["alert"]["rule"] for h in hooks)
