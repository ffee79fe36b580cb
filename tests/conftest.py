from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from warnd.clock import FakeClock

pytest_plugins = ["tests.fixtures.httpserver", "tests.fixtures.db", "tests.fixtures.smtp", "tests.fixtures.aioserver",
                  "tests.fixtures.console"]

ROOT = Path(__file__).resolve().parent.parent
SHARED_DATA = ROOT.parent / "shared" / "data"


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(datetime(2025, 3, 8, 12, 0, tzinfo=UTC))


@pytest.fixture
def shared_data() -> Path:
    if not SHARED_DATA.is_dir():
        pytest.skip(f"shared data not found at {SHARED_DATA}")
    return SHARED_DATA
