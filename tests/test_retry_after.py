"""The one Retry-After parser, for feeds and deliveries (issue 19: there were two, and they disagreed)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from warnd.retry_after import parse_retry_after

NOW = datetime(2025, 3, 8, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize("value, cap_s, expected", [
    pytest.param("30", None, 30.0, id="seconds"),
    pytest.param(" 120 ", None, 120.0, id="seconds-with-spaces"),
    pytest.param("Sat, 08 Mar 2025 12:01:00 GMT", None, 60.0, id="http-date"),
    pytest.param("Sat, 08 Mar 2025 12:01:00 -0000", None, 60.0, id="http-date-minus-zero-is-gmt"),
    pytest.param("Sat, 08 Mar 2025 14:01:00 +0200", None, 60.0, id="date-with-an-offset"),
    pytest.param("Sat, 08 Mar 2025 11:00:00 GMT", None, 0.0, id="past-date"),
    pytest.param("999999", 6 * 3600.0, 6 * 3600.0, id="capped"),
    pytest.param("-5", None, None, id="negative"),
    pytest.param("soon", None, None, id="garbage"),
    pytest.param("", None, None, id="empty"),
    pytest.param(None, None, None, id="absent"),
])
def test_parse_retry_after(value: str | None, cap_s: float | None, expected: float | None) -> None:
    assert parse_retry_after(value, now=NOW, cap_s=cap_s) == expected
