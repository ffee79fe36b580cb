"""The HTML email as a person sees it: rendered by headless Chromium, checked to be a real layout.

Skipped, with the reason, when `/usr/bin/chromium` is absent (`apt-get install -y chromium` adds it).
Set WARND_SCREENSHOT_DIR to keep the PNGs for a human look.
"""

from __future__ import annotations

import os
import shutil
import struct
import subprocess
import zlib
from pathlib import Path

import pytest

from tests.fixtures.deliver_alerts import escalated, hostile, latakia
from warnd.config.settings import EmailChannelConfig
from warnd.deliver.email import render_email

CHROMIUM = "/usr/bin/chromium"
TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--no-first-run", "--hide-scrollbars"]

pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(),
                                reason=f"{CHROMIUM} not found: install the system package 'chromium' to run this check")


def png_pixels(data: bytes) -> tuple[int, int, list[bytes]]:
    """Decode an 8-bit RGB/RGBA, non-interlaced PNG into rows of raw pixels (enough for Chromium's output)."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat, width = 8, b"", 0
    height = channels = 0
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        chunk = data[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            width, height, depth, colour, _c, _f, interlace = struct.unpack(">IIBBBBB", chunk)
            assert depth == 8 and interlace == 0 and colour in (2, 6)
            channels = 3 if colour == 2 else 4
        elif kind == b"IDAT":
            idat += chunk
        pos += 12 + length
    raw = zlib.decompress(idat)
    stride = width * channels
    rows: list[bytes] = []
    prev = bytearray(stride)
    for y in range(height):
        f = raw[y * (stride + 1)]
        line = bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):
            a = line[i - channels] if i >= channels else 0
            b = prev[i]
            c = prev[i - channels] if i >= channels else 0
            if f == 1:
                line[i] = (line[i] + a) & 255
            elif f == 2:
                line[i] = (line[i] + b) & 255
            elif f == 3:
                line[i] = (line[i] + (a + b) // 2) & 255
            elif f == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        rows.append(bytes(line))
        prev = line
    return width, channels, rows


def screenshot(html: str, out: Path, width: int = 700, height: int = 1100) -> bytes:
    page = out.with_suffix(".html")
    page.write_text(html, encoding="utf-8")
    profile = out.parent / "profile"
    subprocess.run([CHROMIUM, *FLAGS, f"--user-data-dir={profile}", f"--window-size={width},{height}",
                    f"--screenshot={out}", page.as_uri()], check=True, capture_output=True, timeout=60)
    return out.read_bytes()


@pytest.mark.parametrize("make", [latakia, escalated, hostile], ids=["latakia", "escalated", "hostile"])
def test_html_email_screenshot(tmp_path, make):
    cfg = EmailChannelConfig.model_validate({"type": "email", "to": ["desk@example.org"], "from": "alerts@warnd.example.org"})
    msg = render_email(make(), channel="desk", config=cfg, templates_dir=TEMPLATES, delivery_id=1)
    html = msg.get_body(("html",)).get_content()
    out = tmp_path / f"{make.__name__}.png"
    data = screenshot(html, out)
    keep = os.environ.get("WARND_SCREENSHOT_DIR")
    if keep:
        Path(keep).mkdir(parents=True, exist_ok=True)
        shutil.copy(out, Path(keep) / out.name)
    assert len(data) > 20_000, "a blank page compresses to a few KB"
    width, channels, rows = png_pixels(data)
    colours = {row[i:i + 3] for row in rows[::8] for i in range(0, width * channels, channels * 8)}
    assert len(colours) > 50, "text, table and the severity band give many distinct colours"
    # The severity band: a saturated red/orange row near the top of the card.
    band = [row for row in rows[:200] if row[350 * channels] > 150 and row[350 * channels + 1] < 120]
    assert band, "the coloured severity band is at the top"
    # No script ran: the hostile sample's <script> is text, so the page is not blank or replaced.
    dark = sum(1 for row in rows[::2] for i in range(0, width * channels, channels * 2) if row[i] < 100)
    assert dark > 1000, "there is dark text on the page"
