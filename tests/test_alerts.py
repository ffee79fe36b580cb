"""Alert decisions: dedup keys, realert, escalation, silences, routing, rule text."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest

from warnd.alerts import Verdict, decide, dedup_key, render_rule_text, route
from warnd.types import Alert, Severity

T0 = datetime(2025, 3, 9, 12, 0, tzinfo=UTC)


@dataclass
class Prior:
    last_value: float | None
    last_sent_at: datetime | None


@dataclass
class FakeSilence:
    id: int
    rule: str | None
    labels: dict[str, str]
    until: datetime

    def active(self, now: datetime) -> bool:
        return now < self.until

    def covers(self, rule: str, labels: dict[str, str]) -> bool:
        return (self.rule in (None, rule)) and all(labels.get(k) == v for k, v in self.labels.items())


def test_dedup_key_is_stable_and_order_independent() -> None:
    a = dedup_key("r", (("region", "Latakia"), ("targeted_group", "Alawite")))
    b = dedup_key("r", (("targeted_group", "Alawite"), ("region", "Latakia")))
    assert a == b and a.startswith("r|region=Latakia,targeted_group=Alawite|")
    assert dedup_key("r", (("region", "Tartus"),)) != dedup_key("r", (("region", "Latakia"),))
    assert dedup_key("r", (("region", None),)) == dedup_key("r", (("region", ""),))
    # Keys are stored with alert states: a change of format would re-alert every group once.
    assert dedup_key("coast-jump", (("region", "Latakia"), ("targeted_group", "Alawite"))) \
        == "coast-jump|region=Latakia,targeted_group=Alawite|3803170d99bcef7a"
    assert dedup_key("r", (("region", "اللاذقية"),)) == "r|region=اللاذقية|145d60a8857a1441"


CASES = [
    pytest.param(None, 100, Verdict.SEND, id="first-alert"),
    pytest.param(Prior(100, T0 - timedelta(hours=2)), 120, Verdict.THROTTLED, id="within-realert"),
    pytest.param(Prior(100, T0 - timedelta(hours=2)), 150, Verdict.ESCALATE, id="escalates-at-ratio"),
    pytest.param(Prior(100, T0 - timedelta(hours=24)), 100, Verdict.SEND, id="realert-passed"),
    pytest.param(Prior(0, T0 - timedelta(hours=2)), 100, Verdict.THROTTLED, id="zero-previous-no-escalation"),
]


@pytest.mark.parametrize("prior, value, verdict", CASES)
def test_decide(prior: Prior | None, value: float, verdict: Verdict) -> None:
    d = decide(value=value, prior=prior, realert=timedelta(hours=24), escalate_ratio=1.5, now=T0, rule="r",
               labels={"region": "Latakia"}, silences=[])
    assert d.verdict is verdict


def test_silence_records_instead_of_sending() -> None:
    s = FakeSilence(7, "r", {"region": "Latakia"}, T0 + timedelta(hours=1))
    d = decide(value=1, prior=None, realert=timedelta(hours=1), escalate_ratio=None, now=T0, rule="r",
               labels={"region": "Latakia"}, silences=[s])
    assert d.verdict is Verdict.SILENCED and d.silence_id == 7
    other = decide(value=1, prior=None, realert=timedelta(hours=1), escalate_ratio=None, now=T0, rule="r",
                   labels={"region": "Tartus"}, silences=[s])
    assert other.verdict is Verdict.SEND


def test_route_by_notify_severity_and_channel_minimum() -> None:
    kw = dict(default=("mail",), by_severity={Severity.CRITICAL: ("slack",)}, min_severity={"slack": Severity.HIGH})
    assert route(notify=None, severity=Severity.CRITICAL, **kw) == ("slack", "mail")  # type: ignore[arg-type]
    assert route(notify=None, severity=Severity.INFO, **kw) == ("mail",)  # type: ignore[arg-type]
    assert route(notify=("slack",), severity=Severity.WARNING, **kw) == ()  # type: ignore[arg-type]


def test_rule_text_renders_sandboxed_and_survives_errors() -> None:
    alert = Alert(rule="r", dedup_key="k", severity=Severity.HIGH, title="", labels=(("region", "Latakia"),),
                  value=1018, baseline=0, window=timedelta(hours=24), sources=2, fired_at=T0)
    assert render_rule_text("Deaths jump in {{ labels.region }} ({{ window }})", alert, rule_id="r") == \
        "Deaths jump in Latakia (24h)"
    # The sandbox refuses attribute access to internals: no text (the caller falls back), nothing leaks.
    hostile = "{{ labels.__class__.__mro__[1].__subclasses__() }}"
    assert render_rule_text(hostile, alert, rule_id="r") is None
