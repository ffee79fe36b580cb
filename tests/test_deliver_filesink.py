"""File channel: one atomic file per delivery; a re-send overwrites, never duplicates."""

from __future__ import annotations

import email
import email.policy
import json
import os
from pathlib import Path

import pytest

from tests.fixtures.deliver_alerts import delivery, hostile, latakia
from warnd.config.settings import FileChannelConfig
from warnd.deliver.filesink import FileSender, write_atomically
from warnd.errors import PermanentDeliveryError

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"


def file_sender(tmp_path: Path, clock, fmt: str) -> FileSender:
    cfg = FileChannelConfig.model_validate({"type": "file", "format": fmt, "dir": str(tmp_path / "out"),
                                            "to": ["desk@example.org"], "from": "warnd@warnd.example.org"})
    return FileSender("outbox-files", cfg, clock=clock, templates_dir=TEMPLATES)


async def test_eml_is_rfc5322_with_crlf(tmp_path, clock):
    s = file_sender(tmp_path, clock, "eml")
    await s.send(latakia(), delivery(7, alert_id=42))
    files = sorted((tmp_path / "out").iterdir())
    assert [f.name for f in files] == ["alert-00000042-delivery-00000007.eml"]
    raw = files[0].read_bytes()
    assert b"\r\n" in raw and b"\n" not in raw.replace(b"\r\n", b"")
    msg = email.message_from_bytes(raw, policy=email.policy.default)
    assert msg["Subject"] == "[CRITICAL] Latakia: 1,018 killed in 24h (baseline 0, 2 sources)"
    assert msg["Message-ID"] == "<warnd.delivery.7@warnd.example.org>"
    assert msg.get_body(("html",)) is not None and msg.get_body(("plain",)) is not None


@pytest.mark.parametrize("fmt, suffix", [pytest.param("eml", ".eml", id="eml"), pytest.param("json", ".json", id="json")])
async def test_resend_overwrites(tmp_path, clock, fmt, suffix):
    s = file_sender(tmp_path, clock, fmt)
    await s.send(latakia(), delivery(7))
    clock.advance(minutes=5)
    await s.send(latakia(), delivery(7))
    await s.send(latakia(), delivery(8))
    names = sorted(p.name for p in (tmp_path / "out").iterdir())
    assert names == [f"alert-00000042-delivery-00000007{suffix}", f"alert-00000042-delivery-00000008{suffix}"]


async def test_json_is_the_webhook_body(tmp_path, clock):
    s = file_sender(tmp_path, clock, "json")
    await s.send(hostile(), delivery(3, alert_id=46))
    body = json.loads((tmp_path / "out" / "alert-00000046-delivery-00000003.json").read_text("utf-8"))
    assert body["schema_version"] == 1 and body["delivery_id"] == 3
    assert all(e["link"] is None or e["link"].startswith("https://") for e in body["alert"]["evidence"])


def test_atomic_write_leaves_no_partial_file(tmp_path, monkeypatch):
    target = tmp_path / "a.eml"
    target.write_bytes(b"old")

    def boom(fd: int) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", boom)
    with pytest.raises(OSError):
        write_atomically(target, b"new content")
    assert target.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["a.eml"], "the temp file is removed"


async def test_unwritable_directory_is_permanent(tmp_path, clock):
    (tmp_path / "out").write_text("a file where the directory should be")
    s = file_sender(tmp_path, clock, "eml")
    with pytest.raises(PermanentDeliveryError, match="cannot write"):
        await s.send(latakia(), delivery(7))
