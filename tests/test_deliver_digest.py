"""Digest: pure rendering of a period's alerts and the top figures per region."""

from __future__ import annotations

import email
import email.policy
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests.fixtures.deliver_alerts import FIRED_AT, escalated, first_report, hostile, latakia, with_title
from tests.test_deliver_render import check_golden
from warnd.config.settings import EmailChannelConfig
from warnd.deliver.digest import digest_figures, next_digest_at, render_digest
from warnd.types import Severity

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
CONFIG = EmailChannelConfig.model_validate({"type": "email", "to": ["desk@example.org"], "from": "alerts@warnd.example.org",
                                            "digest": "24h", "digest_at": "07:00"})
START, END = FIRED_AT - timedelta(hours=23), FIRED_AT + timedelta(hours=1)


def alerts():
    return [latakia(), escalated(), first_report(), with_title(),
            latakia(value=745.0, id=40, fired_at=FIRED_AT - timedelta(hours=10), severity=Severity.HIGH)]


def test_figures_are_the_highest_per_region_and_metric_never_summed():
    regions = digest_figures(alerts(), top=5)
    latakia_region = next(r for r in regions if r.name == "Latakia")
    killed = [f for f in latakia_region.figures if f.metric == "killed"]
    assert len(killed) == 1 and killed[0].value == 1018, "1,018 + 1,018 + 745 is one toll of 1,018"
    assert regions[0].name == "Latakia", "the region with the most severe figure comes first"


def test_top_limits_figures_per_region():
    many = [latakia(metric=m, value=float(i), id=i) for i, m in enumerate(["killed", "injured", "missing", "displaced"])]
    assert len(digest_figures(many, top=2)[0].figures) == 2


def test_digest_golden_and_headers():
    msg = render_digest(alerts(), channel="desk", config=CONFIG, templates_dir=TEMPLATES,
                        period_start=START, period_end=END, tz="Asia/Damascus")
    assert msg["Subject"].startswith("[warnd digest] 11 Feb 2026: 5 alerts, 2 critical — Latakia 1,018 killed; Tartus first report of Alawite targeted")
    assert msg["X-Warnd-Digest"] == "desk" and msg["Message-ID"].startswith("<warnd.digest.")
    text = msg.get_body(("plain",)).get_content()
    html = msg.get_body(("html",)).get_content()
    assert "times in Asia/Damascus" in text and "10 Feb 2026 10:30 to 11 Feb 2026 10:30" in text
    check_golden("digest.subject.txt", msg["Subject"] + "\n")
    check_golden("digest.body.txt", text)
    check_golden("digest.body.html", html)


def test_same_period_same_message_id():
    a = render_digest(alerts(), channel="desk", config=CONFIG, templates_dir=TEMPLATES, period_start=START, period_end=END)
    b = render_digest(alerts()[:2], channel="desk", config=CONFIG, templates_dir=TEMPLATES, period_start=START,
                      period_end=END)
    c = render_digest(alerts(), channel="desk", config=CONFIG, templates_dir=TEMPLATES, period_start=END,
                      period_end=END + timedelta(days=1))
    assert a["Message-ID"] == b["Message-ID"] != c["Message-ID"]


def test_empty_digest_says_so():
    msg = render_digest([], channel="desk", config=CONFIG, templates_dir=TEMPLATES, period_start=START, period_end=END)
    assert "No alerts in this period." in msg.get_body(("plain",)).get_content()
    assert msg["Subject"].startswith("[warnd digest] 11 Feb 2026: 0 alerts")


def test_hostile_digest_is_escaped():
    msg = render_digest([hostile()], channel="desk", config=CONFIG, templates_dir=TEMPLATES, period_start=START,
                        period_end=END)
    raw = msg.as_bytes(policy=email.policy.SMTP)
    parsed = email.message_from_bytes(raw, policy=email.policy.default)
    assert parsed["X-Injected-Header"] is None
    html = parsed.get_body(("html",)).get_content()
    assert "<!channel>" not in html and "&lt;!channel&gt;" in html


@pytest.mark.parametrize("after, every, at, tz, expected", [
    pytest.param(datetime(2026, 2, 11, 3, 0, tzinfo=UTC), timedelta(hours=24), "07:00", "UTC",
                 datetime(2026, 2, 11, 7, 0, tzinfo=UTC), id="later-today"),
    pytest.param(datetime(2026, 2, 11, 8, 0, tzinfo=UTC), timedelta(hours=24), "07:00", "UTC",
                 datetime(2026, 2, 12, 7, 0, tzinfo=UTC), id="tomorrow"),
    pytest.param(datetime(2026, 2, 11, 8, 0, tzinfo=UTC), timedelta(hours=6), "07:00", "UTC",
                 datetime(2026, 2, 11, 13, 0, tzinfo=UTC), id="every-6h"),
    pytest.param(datetime(2026, 2, 11, 3, 0, tzinfo=UTC), timedelta(hours=24), "07:00", "Asia/Damascus",
                 datetime(2026, 2, 11, 4, 0, tzinfo=UTC), id="local-time-utc+3"),
    pytest.param(datetime(2026, 2, 11, 7, 0, tzinfo=UTC), timedelta(hours=24), "07:00", "UTC",
                 datetime(2026, 2, 12, 7, 0, tzinfo=UTC), id="exactly-at-is-not-after"),
])
def test_next_digest_at(after, every, at, tz, expected):
    assert next_digest_at(every=every, at=at, tz=tz, after=after) == expected


def test_digest_config_validates_time():
    with pytest.raises(ValueError, match="HH:MM"):
        EmailChannelConfig.model_validate({"type": "email", "to": ["a@b"], "from": "c@d", "digest_at": "7am"})


async def test_file_channel_writes_digest_once_per_period(tmp_path, clock):
    from warnd.config.settings import FileChannelConfig
    from warnd.deliver.digest import digest_filename
    from warnd.deliver.filesink import FileSender
    cfg = FileChannelConfig.model_validate({"type": "file", "format": "eml", "dir": str(tmp_path), "digest": "24h"})
    files = FileSender("outbox-files", cfg, clock=clock, templates_dir=TEMPLATES)
    for _ in range(2):
        msg = render_digest(alerts(), channel="outbox-files", config=cfg, templates_dir=TEMPLATES,
                            period_start=START, period_end=END)
        await files.send_message(msg, name=digest_filename("outbox-files", END))
    assert [p.name for p in tmp_path.iterdir()] == ["digest-outbox-files-20260211T0730Z.eml"]
