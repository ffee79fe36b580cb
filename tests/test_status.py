"""`warnd status`: what an operator sees of a rule that fails (issue 21: a bounded, visible retry)."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta
from pathlib import Path

from warnd.config import Settings, load_rules
from warnd.status import collect_status, print_status
from warnd.store import RuleFailure, Store

T0 = datetime(2025, 3, 9, 12, 0, tzinfo=UTC)


def test_a_failing_rule_is_listed_with_its_error_and_what_waits(store: Store, tmp_path: Path) -> None:
    rules_file = tmp_path / "rules.yaml"
    rules_file.write_text("rules:\n  - {id: deaths, kind: threshold, condition: {at_least: 1}}\n")
    rules = load_rules([rules_file])
    store.save_progress({}, [RuleFailure("deaths", "evaluate", 0, "StoreError: database unavailable", "f",
                                         T0 + timedelta(minutes=2)),
                             RuleFailure("gone", "evaluate", 0, "KeyError: 'x'", "f", T0)], [], T0)
    status = collect_status(Settings.model_validate({}), store, T0 + timedelta(minutes=1), rules)
    by_rule = {r["rule"]: r for r in status["rules_lagging"]}
    assert by_rule["deaths"]["state"] == "failing" and by_rule["deaths"]["failures"] == 1
    assert by_rule["deaths"]["waiting"] == 0 and by_rule["deaths"]["loaded"]
    assert not by_rule["gone"]["loaded"]
    out = io.StringIO()
    print_status(status, out)
    text = out.getvalue()
    assert "RULES FAILING OR CATCHING UP (2)" in text and "nothing is skipped" in text
    assert "deaths" in text and "StoreError: database unavailable" in text and "retry=12:02:00" in text
    assert "(not in the loaded rules)" in text


def test_open_groups_are_listed_with_their_next_flush(store: Store) -> None:
    from tests.fixtures.deliver_alerts import latakia
    from warnd.store import GroupTarget, NewAlert
    target = GroupTarget("root.1|k", "root.1", (("country", "Syria"),), ("desk",), timedelta(minutes=10),
                         timedelta(minutes=5), timedelta(hours=4), True)
    store.record_alerts([NewAlert(latakia(fired_at=T0), (), groups=(target,))], T0)
    status = collect_status(Settings.model_validate({}), store, T0)
    (group,) = status["groups"]
    assert group["route"] == "root.1" and group["members"] == 1 and group["flush_at"] == T0 + timedelta(minutes=10)
    out = io.StringIO()
    print_status(status, out)
    assert "GROUPS (1 open)" in out.getvalue() and "country=Syria" in out.getvalue() and "next=12:10:00" in out.getvalue()
