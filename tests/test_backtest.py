"""`warnd backtest`: replay through the daemon's path, --from/--to, --tick for time-driven rules, summary."""

from __future__ import annotations

import io
import json
import textwrap
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from warnd.backtest import format_summary, read_items, run_backtest, summarize
from warnd.config import RuleSet, Settings, load_rules
from warnd.types import Casualty, CasualtyKind, Item, Signals

T0 = datetime(2025, 3, 6, 0, 0, tzinfo=UTC)

RULES = """
rules:
  - id: toll
    kind: threshold
    match: {kind: killed}
    group_by: [region]
    condition: {at_least: 100}
    realert: 6h
  - id: quiet
    kind: feed_silence
    match: {tags: [syria]}
    silent_for: 12h
    realert: 24h
  - id: never
    kind: threshold
    condition: {at_least: 1000000}
"""

SETTINGS = Settings.model_validate({"feeds": [{"name": "monitor", "url": "x.rss", "tags": ["syria"]}]})


class LeadingNumber:
    """'N killed …' → N killed in Latakia (a stand-in for the text extractor)."""

    def extract(self, item: Item) -> Signals:
        n = int(item.title.split()[0])
        return Signals(casualties=(Casualty(CasualtyKind.KILLED, n),), region="Latakia", country="Syria")


def lines(*hours_and_tolls: tuple[float, int]) -> io.StringIO:
    rows = [json.dumps({"id": f"i{n}", "feed": "monitor", "title": f"{toll} killed",
                        "published": (T0 + timedelta(hours=h)).isoformat().replace("+00:00", "Z")})
            for n, (h, toll) in enumerate(hours_and_tolls)]
    return io.StringIO("\n".join(rows) + "\n")


@pytest.fixture
def rules(tmp_path: Path) -> RuleSet:
    path = tmp_path / "rules.yaml"
    path.write_text(textwrap.dedent(RULES))
    return load_rules([path])


def fired(rules: RuleSet, src: io.StringIO, **kw: object) -> list[tuple[str, float, float]]:
    items, problems = read_items(src, path="items.jsonl")
    assert problems == []
    return [(a.rule, (a.fired_at - T0) / timedelta(hours=1), a.value)
            for a in run_backtest(items, SETTINGS, rules, LeadingNumber(), **kw)]  # type: ignore[arg-type]


def test_without_tick_rules_run_only_when_items_arrive(rules: RuleSet) -> None:
    assert fired(rules, lines((0, 150), (30, 5))) == [("toll", 0, 150)]


def test_tick_evaluates_between_items_so_silence_fires_on_time(rules: RuleSet) -> None:
    got = fired(rules, lines((0, 150), (30, 5)), tick=timedelta(hours=1))
    assert got == [("toll", 0, 150), ("quiet", 12, 12)]


def test_tick_runs_on_until_to(rules: RuleSet) -> None:
    got = fired(rules, lines((0, 150)), tick=timedelta(hours=1), end=T0 + timedelta(hours=40))
    assert got == [("toll", 0, 150), ("quiet", 12, 12), ("quiet", 36, 36)]


def test_from_builds_history_but_reports_only_later_alerts(rules: RuleSet) -> None:
    got = fired(rules, lines((0, 150), (2, 160), (7, 170)), start=T0 + timedelta(hours=1))
    assert got == [("toll", 7, 170)]          # the 2h one was throttled by the unreported 0h alert


def test_to_stops_the_replay(rules: RuleSet) -> None:
    assert fired(rules, lines((0, 150), (10, 300)), end=T0 + timedelta(hours=5)) == [("toll", 0, 150)]


def test_bad_lines_are_reported_with_their_line_numbers() -> None:
    src = io.StringIO('{"id": "a", "published": "2025-03-06T00:00:00Z", "title": "1 killed"}\n'
                      '{"id": "b"}\nnot json\n')
    items, problems = read_items(src, path="items.jsonl")
    assert len(items) == 1
    assert [str(p).split(":")[:2] for p in problems] == [["items.jsonl", "2"], ["items.jsonl", "3"]]


def test_an_epoch_0_date_is_a_bad_line_and_an_old_valid_date_replays(rules: RuleSet) -> None:
    # The parse floor (configuration.md, "Item dates") holds here too; a 2011 archive is history, not an error.
    src = io.StringIO('{"id": "a", "published": "2011-03-15T10:00:00Z", "title": "150 killed"}\n'
                      '{"id": "b", "published": "1970-01-01T00:00:00Z", "title": "1 killed"}\n')
    items, problems = read_items(src, path="items.jsonl")
    assert [str(p) for p in problems] == [
        "items.jsonl:2: published 1970-01-01 is before 1990-01-01: a placeholder, not a date"]
    alerts = list(run_backtest(items, SETTINGS, rules, LeadingNumber()))  # type: ignore[arg-type]
    assert [(a.rule, a.fired_at, a.value) for a in alerts] == [("toll", datetime(2011, 3, 15, 10, tzinfo=UTC), 150)]


def test_summary_table_lists_every_rule_with_alerts_first_fired_and_max(rules: RuleSet) -> None:
    items, _ = read_items(lines((0, 150), (7, 400), (8, 900)), path="x")
    alerts = list(run_backtest(items, SETTINGS, rules, LeadingNumber(), tick=timedelta(hours=1)))
    rows = {r.rule: r for r in summarize(alerts, rules)}
    # Three separate incidents (not running tolls): the rule counts what is newly reported in its 24h
    # window, 150 + 400 at the escalation (the 900 came in the realert's shadow).
    assert (rows["toll"].alerts, rows["toll"].max_value, rows["toll"].first_fired_at) == (2, 550, T0)
    assert rows["never"].alerts == 0 and rows["never"].first_fired_at is None
    table = format_summary(list(rows.values())).splitlines()
    assert table[0].split() == ["rule", "kind", "alerts", "escalations", "first", "fired", "(UTC)", "max", "value"]
    assert set(table[1]) <= {"-", " "}
    assert table[2].split()[:3] == ["never", "threshold", "0"] and table[2].split()[-1] == "-"
    assert "2025-03-06 00:00" in table[4] and table[4].split()[-1] == "550"
