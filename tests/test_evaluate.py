"""Pure evaluation: aggregates, daily baselines, conditions."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from warnd.config.rules import JumpRule, NewValueRule, ThresholdRule
from warnd.evaluate import aggregate, baseline_stat, daily_buckets, jump, new_value, threshold
from warnd.types import Observation

T0 = datetime(2025, 3, 9, 12, 0, tzinfo=UTC)


def obs(value: int, *, feed: str = "a", item: int = 1, hours_ago: float = 1, oid: int = 0) -> Observation:
    return Observation(item_id=item, feed=feed, observed_at=T0 - timedelta(hours=hours_ago), metric="killed",
                       value=value, region="Latakia", id=oid or item, title=f"item {item}")


REPEATS = [obs(1018, feed=f"outlet-{i}", item=i) for i in range(10)]


@pytest.mark.parametrize("how, expected", [
    pytest.param("max", 1018, id="max-is-one-toll-not-ten"),
    pytest.param("sum", 10180, id="sum"),
    pytest.param("count", 10, id="count-items"),
    pytest.param("distinct_sources", 10, id="distinct-sources"),
])
def test_aggregate_of_ten_outlets_repeating_one_toll(how: str, expected: float) -> None:
    assert aggregate(REPEATS, how) == expected  # type: ignore[arg-type]


def test_aggregate_of_nothing_is_zero() -> None:
    assert aggregate([], "max") == 0


def test_daily_buckets_count_empty_days_as_zero_and_exclude_the_window() -> None:
    history = [obs(10, hours_ago=30, item=1), obs(4, hours_ago=40, item=2), obs(7, hours_ago=80, item=3),
               obs(99, hours_ago=0, item=4)]
    # window starts at T0 - 24h: bucket 0 is 24-48h ago, bucket 1 is 48-72h ago, bucket 2 is 72-96h ago
    assert daily_buckets(history, T0 - timedelta(hours=24), 4, "max") == [10, 0, 7, 0]


@pytest.mark.parametrize("series, stat, expected", [
    ([0, 0, 0, 5, 100], "median", 0), ([0, 0, 0, 5, 100], "mean", 21), ([0, 0, 0, 5, 100], "max", 100),
    (list(range(1, 11)), "p90", 9), ([], "median", 0),
])
def test_baseline_stat(series: list[float], stat: str, expected: float) -> None:
    assert baseline_stat(series, stat) == expected  # type: ignore[arg-type]


def jump_rule(**kw: object) -> JumpRule:
    data: dict[str, object] = {"id": "j", "kind": "jump", "measure": "total", "condition": {"increase_at_least": 50, "ratio_at_least": 3}}
    data.update(kw)
    return JumpRule.model_validate(data)


def test_jump_with_no_history_fires_on_a_zero_baseline() -> None:
    cand = jump(jump_rule(), [obs(745)], [], T0 - timedelta(hours=24))
    assert cand.met and cand.value == 745 and cand.baseline == 0 and cand.sources == 1


def test_jump_needs_both_increase_and_ratio() -> None:
    history = [obs(100, hours_ago=24 + 24 * d + 1, item=100 + d) for d in range(14)]
    start = T0 - timedelta(hours=24)
    assert not jump(jump_rule(), [obs(200)], history, start).met      # +100 but only 2x
    assert jump(jump_rule(), [obs(300)], history, start).met          # +200 and 3x
    assert not jump(jump_rule(condition={"ratio_at_least": 3}), [obs(120)], history, start).met


def test_jump_min_sources_counts_feeds_whose_figures_meet_the_condition() -> None:
    window = [obs(1018, feed="a", item=1), obs(12, feed="b", item=2)]
    cand = jump(jump_rule(min_sources=2), window, [], T0 - timedelta(hours=24))
    assert not cand.met and "1 source(s), rule needs 2" in cand.reason
    window.append(obs(1000, feed="c", item=3))
    cand = jump(jump_rule(min_sources=2), window, [], T0 - timedelta(hours=24))
    assert cand.met and cand.sources == 2
    assert [e.feed for e in cand.evidence] == ["c", "a"]  # same time: the later-stored first


def test_jump_waits_for_min_baseline_days_of_history() -> None:
    rule = jump_rule(baseline={"lookback": "14d", "min_baseline_days": 7})
    start = T0 - timedelta(hours=24)
    assert not jump(rule, [obs(500)], [obs(1, hours_ago=24 + 48)], start).met
    assert jump(rule, [obs(500)], [obs(1, hours_ago=24 + 24 * 8)], start).met


def test_threshold_at_least_and_at_most() -> None:
    at_least = ThresholdRule.model_validate({"id": "t", "kind": "threshold", "condition": {"at_least": 100}})
    assert threshold(at_least, [obs(100)]).met and not threshold(at_least, [obs(99)]).met
    assert not threshold(at_least, []).met
    at_most = ThresholdRule.model_validate({"id": "t", "kind": "threshold", "condition": {"at_most": 5},
                                            "aggregate": "count"})
    assert threshold(at_most, [obs(1)]).met


def test_evidence_is_one_entry_per_item_newest_first() -> None:
    rule = ThresholdRule.model_validate({"id": "t", "kind": "threshold", "condition": {"at_least": 1}})
    cand = threshold(rule, [obs(5, item=1, hours_ago=5), obs(9, item=2, hours_ago=1), obs(5, item=1, hours_ago=5)])
    assert [e.title for e in cand.evidence] == ["item 2", "item 1"]


def test_new_value_fires_only_when_not_seen_before() -> None:
    rule = NewValueRule.model_validate({"id": "n", "kind": "new_value"})
    window = [obs(1, item=1)]
    assert new_value(rule, window, []).met
    assert not new_value(rule, window, [obs(1, item=0, hours_ago=200)]).met
    two = NewValueRule.model_validate({"id": "n", "kind": "new_value", "min_sources": 2})
    assert not new_value(two, window, []).met
    assert new_value(two, [*window, obs(1, item=2, feed="b")], []).met
