"""raise_open_files_limit: on this process's own RLIMIT_NOFILE, restored after each test."""

from __future__ import annotations

import logging
import resource
from collections.abc import Iterator

import pytest

from warnd.rlimits import raise_open_files_limit


@pytest.fixture
def nofile() -> Iterator[tuple[int, int]]:
    before = resource.getrlimit(resource.RLIMIT_NOFILE)
    yield before
    resource.setrlimit(resource.RLIMIT_NOFILE, before)


def test_soft_limit_is_raised_to_the_hard_limit(nofile, caplog) -> None:
    soft, hard = nofile
    if hard == resource.RLIM_INFINITY or hard <= 512:
        pytest.skip(f"needs a finite hard limit above 512, not {hard}")
    caplog.set_level(logging.INFO, logger="warnd.rlimits")
    resource.setrlimit(resource.RLIMIT_NOFILE, (512, hard))
    expected = min(hard, 1_048_576)
    assert raise_open_files_limit() == expected
    assert resource.getrlimit(resource.RLIMIT_NOFILE) == (expected, hard)
    [record] = [r for r in caplog.records if r.getMessage() == "open-files limit raised"]
    assert (record.soft_before, record.soft, record.hard) == (512, expected, hard)


def test_a_soft_limit_at_the_hard_limit_is_left_alone(nofile, caplog) -> None:
    _soft, hard = nofile
    if hard == resource.RLIM_INFINITY or hard > 1_048_576:
        pytest.skip(f"needs a hard limit this process can set as its soft one, not {hard}")
    caplog.set_level(logging.INFO, logger="warnd.rlimits")
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    assert raise_open_files_limit() == hard
    assert resource.getrlimit(resource.RLIMIT_NOFILE) == (hard, hard)
    assert not caplog.records
