"""Per-rule evaluation progress: a rule that fails keeps its place and is retried; nothing is passed over.

The pipeline runs on a real store (SQLite and PostgreSQL); faults are injected by a proxy in front of
it that raises `StoreError` where a test says, as a dropped connection would.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.test_pipeline import T0, PresetSignals, item
from warnd import pipeline as pipeline_module
from warnd import progress as progress_module
from warnd.clock import FakeClock
from warnd.config import RuleSet, Settings, load_rules
from warnd.errors import StoreError
from warnd.pipeline import EVALUATE_CURSOR, Pipeline
from warnd.progress import RETRY_MAX, retry_delay
from warnd.store import RuleCatchUp, RuleFailure, Store
from warnd.types import Item

RULES = """
rules:
  - id: deaths-jump
    title: "Deaths jump in {{ labels.region }}"
    kind: jump
    match: {kind: killed, country: Syria}
    group_by: [region]
    window: 24h
    baseline: {lookback: 14d}
    condition: {increase_at_least: 20}
  - id: deaths-any
    kind: threshold
    match: {kind: killed}
    group_by: [region]
    window: 24h
    condition: {at_least: 1}
  - id: first-targeting
    kind: new_value
    field: targeted_group
    group_by: [region, targeted_group]
    window: 72h
    lookback: 30d
  - id: massacre-words
    kind: keyword
    phrases: [massacre]
    group_by: [feed]
    window: 24h
"""


class Faulty:
    """The store, with `StoreError` raised from the calls `fail(method, args)` picks."""

    def __init__(self, store: Store, fail: Callable[[str, tuple[Any, ...]], bool],
                 error: Callable[[], Exception] | None = None) -> None:
        self._store, self.fail, self.raised = store, fail, 0
        self.error = error or (lambda: StoreError(
            "database unavailable: server closed the connection unexpectedly (injected)"))

    def __getattr__(self, name: str) -> Any:
        real = getattr(self._store, name)
        if not callable(real) or name == "reading":
            return real

        def call(*args: Any, **kwargs: Any) -> Any:
            if self.fail(name, args):
                self.raised += 1
                raise self.error()
            return real(*args, **kwargs)
        return call


def rules_from(tmp_path: Path, text: str = RULES) -> RuleSet:
    path = tmp_path / "rules.yaml"
    path.write_text(text)
    return load_rules([path], channels={"mail": None})


def make_pipeline(store: Any, rules: RuleSet) -> Pipeline:
    settings = Settings.model_validate({"channels": {"mail": {"type": "file", "format": "eml", "dir": "x"}},
                                        "routing": {"default": ["mail"]}})
    return Pipeline(store, PresetSignals(), settings, rules)


def cycle(p: Pipeline, clock: FakeClock, *items: Item) -> list[str]:
    for it in items:
        p.ingest(it.feed, [it], None, clock.now())
    return sorted(f"{a.rule}:{a.label_dict.get('region', a.label_dict.get('feed'))}:{a.value:g}"
                  for a in p.evaluate(clock.now()))


def jump_reads(name: str, args: tuple[Any, ...]) -> bool:
    """Every aggregate read of the jump rule (the only rule matching country Syria)."""
    return name == "group_aggregates" and args[0].countries == ("Syria",)


@pytest.mark.parametrize("error, text", [
    pytest.param(None, "StoreError", id="database-error"),
    pytest.param(lambda: KeyError("region"), "KeyError", id="a-bug"),
])
def test_a_failing_rule_keeps_its_place_and_fires_when_it_recovers(store: Store, tmp_path: Path,
                                                                   caplog: pytest.LogCaptureFixture,
                                                                   error: Callable[[], Exception] | None,
                                                                   text: str) -> None:
    clock = FakeClock(T0)
    faulty = Faulty(store, jump_reads, error)
    p = make_pipeline(faulty, rules_from(tmp_path))
    with caplog.at_level(logging.INFO):
        first = cycle(p, clock, item("a", killed=745))
    # The other rules go on; the jump rule's failure is recorded with the place it had.
    assert first == ["deaths-any:Latakia:745"]
    lag = store.rule_lags()["deaths-jump"]
    assert (lag.failures, lag.position, lag.retry_at) == (1, 0, clock.now())
    assert (lag.last_error or "").startswith(text)
    assert store.cursor(EVALUATE_CURSOR) == store.last_observation_id() > 0
    assert p.last_cycle.failed == ("deaths-jump",) and p.last_cycle.lagging == 1
    failed = [r for r in caplog.records if r.getMessage().startswith("rule evaluation failed")]
    assert failed and failed[0].levelno == logging.ERROR and failed[0].exc_info  # the traceback, once

    clock.advance(minutes=1)
    assert cycle(p, clock, item("b", killed=80, region="Tartus")) == ["deaths-any:Tartus:80"]
    lag = store.rule_lags()["deaths-jump"]
    assert lag.failures == 2 and lag.position == 0 and lag.retry_at == clock.now() + timedelta(minutes=1)

    # Before its retry is due the rule is not tried (a broken rule does not hammer the database).
    clock.advance(seconds=30)
    before = faulty.raised
    assert cycle(p, clock) == []
    assert faulty.raised == before and store.rule_lags()["deaths-jump"].failures == 2

    # Fixed: it evaluates everything it missed, both regions, and leaves the lagging rules.
    faulty.fail = lambda name, args: False
    clock.advance(minutes=1)
    with caplog.at_level(logging.INFO):
        assert cycle(p, clock) == ["deaths-jump:Latakia:745", "deaths-jump:Tartus:80"]
    assert store.rule_lags() == {}
    assert p.last_cycle.recovered == ("deaths-jump",) and p.last_cycle.lagging == 0
    assert any(r.getMessage() == "rule evaluation recovered" for r in caplog.records)
    # And it is not evaluated on them again.
    clock.advance(minutes=1)
    assert cycle(p, clock) == []


def test_a_lagging_rule_catches_up_in_batches_without_holding_the_others(
        store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pipeline_module, "BATCH", 2)
    monkeypatch.setattr(progress_module, "BATCH", 2)
    clock = FakeClock(T0)
    faulty = Faulty(store, jump_reads)
    p = make_pipeline(faulty, rules_from(tmp_path))
    regions = ["Latakia", "Tartus", "Homs", "Hama", "Idlib"]
    for i, region in enumerate(regions):
        assert cycle(p, clock, item(f"x{i}", killed=30 + i, region=region)) == [f"deaths-any:{region}:{30 + i}"]
        clock.advance(minutes=10)
    assert store.rule_lags()["deaths-jump"].position == 0
    faulty.fail = lambda name, args: False
    fired: list[str] = []
    for _ in range(3):            # 5 observations, 2 a batch: three cycles to catch up
        fired += cycle(p, clock)
        clock.advance(minutes=1)
    assert sorted(fired) == sorted(f"deaths-jump:{r}:{30 + i}" for i, r in enumerate(regions))
    assert store.rule_lags() == {}
    # Meanwhile new observations go to the other rules at once.
    assert cycle(p, clock, item("y", killed=5, region="Daraa")) == ["deaths-any:Daraa:5"]


def test_an_edited_rule_is_retried_at_once(store: Store, tmp_path: Path) -> None:
    clock = FakeClock(T0)
    faulty = Faulty(store, jump_reads)
    p = make_pipeline(faulty, rules_from(tmp_path))
    cycle(p, clock, item("a", killed=745))
    clock.advance(minutes=1)
    cycle(p, clock)
    assert store.rule_lags()["deaths-jump"].retry_at > clock.now()
    faulty.fail = lambda name, args: False
    p.rules = rules_from(tmp_path, RULES.replace("Deaths jump in", "Killings jump in"))
    assert cycle(p, clock) == ["deaths-jump:Latakia:745"]


def test_a_rule_that_changes_kind_starts_again_from_the_head(store: Store, tmp_path: Path) -> None:
    clock = FakeClock(T0)
    faulty = Faulty(store, lambda name, args: name == "items_in")
    p = make_pipeline(faulty, rules_from(tmp_path))
    cycle(p, clock, item("a", killed=3, title="a massacre in Latakia: 3 killed"))
    assert store.rule_lags()["massacre-words"].cursor == "evaluate-items"
    faulty.fail = lambda name, args: False
    p.rules = rules_from(tmp_path, RULES.replace("kind: keyword\n    phrases: [massacre]\n    group_by: [feed]",
                                                 "kind: threshold\n    match: {kind: killed}\n    group_by: [region]"
                                                 "\n    condition: {at_least: 2}"))
    clock.advance(minutes=1)
    cycle(p, clock, item("b", killed=4, region="Tartus"))
    assert store.rule_lags() == {}


def test_database_errors_anywhere_in_a_cycle_lose_no_alert(db_url: str, tmp_path: Path) -> None:
    """The outside probe's case: a connection dropped mid-cycle. Every group that alerts without
    faults alerts with them too, once the faults stop; none alerts twice."""
    from warnd.store import open_store
    rng = random.Random(21)
    regions = ["Latakia", "Tartus", "Homs", "Hama", "Idlib", "Aleppo", "Daraa", "Suwayda"]
    rounds = [[item(f"r{n}-{i}", killed=rng.randint(1, 90), region=rng.choice(regions),
                    feed=rng.choice(["monitor", "wire"]), groups=(rng.choice(["Alawite", "Druze", "Kurdish"]),),
                    title=f"r{n}-{i}: {'massacre' if rng.random() < 0.3 else 'attack'} reported")
               for i in range(6)] for n in range(8)]

    raised: list[int] = []

    def run(store: Any, fault: Callable[[], bool] | None) -> list[tuple[str, str]]:
        clock = FakeClock(T0)
        target = Faulty(store, lambda name, args: fault is not None and name not in ("ingest", "unseen") and fault())
        p = make_pipeline(target, rules_from(tmp_path))
        for batch in rounds:
            for it in batch:
                p.ingest(it.feed, [it], None, clock.now())
            try:
                p.evaluate(clock.now())
            except StoreError:
                pass    # the cycle's own reads or its progress write failed: the daemon retries the cycle
            clock.advance(minutes=5)
        raised.append(target.raised)
        target.fail = lambda name, args: False
        for _ in range(12):        # faults over: retries until every rule has caught up
            p.evaluate(clock.now())
            clock.advance(minutes=RETRY_MAX.total_seconds() / 60)
        assert store.rule_lags() == {}
        return [(a.rule, a.dedup_key) for a in store.alerts(limit=10_000)]

    clean = open_store(f"sqlite:///{tmp_path / 'clean.db'}", migrate=True)
    faulty = open_store(db_url, migrate=True)
    try:
        expected = run(clean, None)
        got = run(faulty, lambda: rng.random() < 0.15)
    finally:
        clean.close()
        faulty.close()
    assert len(expected) > 20 and raised[1] >= 5
    assert {k for _, k in got} >= {k for _, k in expected}
    assert len(got) == len(set(got)), "an alert was recorded twice"


def test_retry_delay_grows_and_is_bounded() -> None:
    minute = timedelta(minutes=1)
    assert [retry_delay(n, minute) for n in (1, 2, 3, 4)] == [timedelta(0), minute, 2 * minute, 4 * minute]
    assert retry_delay(50, minute) == RETRY_MAX


# ---- the store's part: concurrent cycles of several instances only ever err towards re-evaluating ----

def test_heads_only_move_forward(store: Store) -> None:
    store.save_progress({"evaluate": 10}, [], [], T0)
    store.save_progress({"evaluate": 7}, [], [], T0)   # a slower instance's older view
    assert store.cursor("evaluate") == 10


def test_a_failure_only_moves_a_rule_back(store: Store) -> None:
    fail = RuleFailure("r", "evaluate", 50, "StoreError: x", "f1", T0)
    store.save_progress({}, [fail], [], T0)
    store.save_progress({}, [RuleFailure("r", "evaluate", 80, "StoreError: y", "f1", T0)], [], T0)
    lag = store.rule_lags()["r"]
    assert (lag.position, lag.failures, lag.last_error) == (50, 2, "StoreError: y")


def test_a_catch_up_applies_only_to_the_position_it_read(store: Store) -> None:
    store.save_progress({}, [RuleFailure("r", "evaluate", 50, "e", "f", T0)], [], T0)
    # Another instance failed the rule further back meanwhile: this instance's catch-up from 60 is void.
    store.save_progress({}, [], [RuleCatchUp("r", 60, 90, caught_up=True)], T0)
    assert store.rule_lags()["r"].position == 50
    store.save_progress({}, [], [RuleCatchUp("r", 50, 70, caught_up=False)], T0)
    lag = store.rule_lags()["r"]
    assert (lag.position, lag.failures) == (70, 0)
    store.save_progress({}, [], [RuleCatchUp("r", 70, 90, caught_up=True)], T0)
    assert store.rule_lags() == {}


@pytest.mark.postgres
def test_postgresql_connections_killed_mid_cycle_lose_no_alert(pg_url: str, tmp_path: Path) -> None:
    """The probe's case on a real server: 100 rules, the store's connections terminated by the server
    (`pg_terminate_backend`) at random moments while cycles run. Compared with the same items and
    rules on a database nobody disturbs, no alerting group is missing and no alert is recorded twice."""
    import threading

    import sqlalchemy as sa

    from warnd.store import open_store
    text = "rules:\n" + "".join(
        f"  - {{id: t{i}, kind: threshold, match: {{kind: killed}}, group_by: [region], condition: {{at_least: {i}}}}}\n"
        f"  - {{id: f{i}, kind: frequency, match: {{kind: killed}}, group_by: [feed], condition: {{at_least: {1 + i % 4}}}}}\n"
        for i in range(50))
    rules = rules_from(tmp_path, text)
    rng = random.Random(7)
    regions = ["Latakia", "Tartus", "Homs", "Hama", "Idlib"]
    rounds = [[item(f"r{n}-{i}", killed=rng.randint(1, 60), region=rng.choice(regions),
                    feed=rng.choice(["monitor", "wire", "local"])) for i in range(5)] for n in range(8)]

    def run(url: str, disturb: bool) -> list[str]:
        store = open_store(url, migrate=True)
        admin = sa.create_engine(pg_url)
        busy, done = threading.Event(), threading.Event()
        killed: list[int] = []

        def terminate() -> None:
            while not done.is_set():
                if busy.wait(0.05) and not done.wait(rng.uniform(0.005, 0.05)) and busy.is_set():
                    with admin.begin() as conn:
                        killed.append(len(conn.execute(sa.text(
                            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                            "WHERE application_name = 'warnd-victim' AND pid <> pg_backend_pid()")).all()))
        killer = threading.Thread(target=terminate, daemon=True)
        if disturb:
            killer.start()
        failed_rules = failed_cycles = 0
        try:
            clock = FakeClock(T0)
            p = make_pipeline(store, rules)
            for batch in rounds:
                for it in batch:
                    for attempt in range(5):   # ingest is not under test: the daemon's poll would retry it
                        try:
                            p.ingest(it.feed, [it], None, clock.now())
                            break
                        except StoreError:
                            continue
                busy.set()
                try:
                    p.evaluate(clock.now())
                    failed_rules += len(p.last_cycle.failed)
                except StoreError:
                    failed_cycles += 1  # the cycle's own reads failed: the daemon runs the next one
                busy.clear()
                clock.advance(minutes=5)
            done.set()
            if disturb:
                killer.join()    # the faults are over: what follows is the retries
            for _ in range(12):
                p.evaluate(clock.now())
                clock.advance(minutes=RETRY_MAX.total_seconds() / 60)
            assert store.rule_lags() == {}
            if disturb:
                assert sum(killed) >= 3 and failed_rules + failed_cycles >= 3, (killed, failed_rules, failed_cycles)
            return [a.dedup_key for a in store.alerts(limit=100_000)]
        finally:
            done.set()
            store.close()
            admin.dispose()

    victim = f"{pg_url}&application_name=warnd-victim"
    expected = run(f"sqlite:///{tmp_path / 'calm.db'}", False)
    got = run(victim, True)
    assert len(expected) > 100
    assert set(got) >= set(expected)
    assert len(got) == len(set(got)), "an alert was recorded twice"
