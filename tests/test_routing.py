"""The routing tree, matchers, time intervals and inhibition (pure), and `warnd routes test`."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from warnd.alerts import route as legacy_route
from warnd.cli import main
from warnd.config import Settings, load_settings
from warnd.config.routing import InhibitRule, Matcher, NamedTimeIntervals, Route
from warnd.config.settings import RoutingSettings
from warnd.routing import (
    build_tree,
    channels_for,
    group_key,
    group_labels,
    inhibition,
    interval_holds,
    match_routes,
    muted_by,
)
from warnd.types import Severity

TREE = {
    "receiver": ["all"],
    "group_by": ["rule"],
    "routes": [
        {"receiver": ["hook"], "continue": True},
        {"matchers": ['region=~"Latakia|Tartus"'], "receiver": ["coast"], "group_wait": "1m",
         "routes": [{"matchers": ["severity=critical"], "receiver": ["coast-pager"], "group_by": ["region"]}]},
        {"matchers": ['tags="sudan"'], "receiver": ["sudan"]},
        {"matchers": ['country!="Syria"', 'severity!~"info|warning"'], "receiver": ["elsewhere"]},
    ],
}


def tree():
    return build_tree(Route.model_validate(TREE), RoutingSettings())


@pytest.mark.parametrize("labels, nodes", [
    pytest.param({"region": "Latakia", "severity": "high", "country": "Syria"}, ["root.0", "root.1"],
                 id="continue-then-first-match"),
    pytest.param({"region": "Latakia", "severity": "critical"}, ["root.0", "root.1.0"], id="nested"),
    pytest.param({"region": "Lat", "severity": "high", "country": "Syria"}, ["root.0"],
                 id="regex-is-anchored-and-no-child-leaves-it-with-the-continue-node"),
    pytest.param({"tags": "demo,sudan", "country": "Sudan"}, ["root.0", "root.2"], id="tags-is-a-set"),
    pytest.param({"severity": "critical"}, ["root.0", "root.3"], id="a-missing-label-is-empty"),
])
def test_match_routes(labels: dict[str, str], nodes: list[str]) -> None:
    assert [n.id for n in match_routes(tree(), labels)] == nodes


def test_a_node_inherits_its_parents_settings_and_overrides_them() -> None:
    root = tree()
    coast, pager = root.children[1], root.children[1].children[0]
    assert coast.group_by == ("rule",) and coast.group_wait == timedelta(minutes=1)
    assert pager.group_by == ("region",) and pager.group_wait == timedelta(minutes=1)
    assert pager.repeat_interval == timedelta(hours=4) and pager.channels == ("coast-pager",)
    assert group_labels(pager, {"region": "Latakia", "rule": "x"}) == (("region", "Latakia"),)
    assert group_key(pager, {"region": "Latakia"}) == group_key(pager, {"region": "Latakia", "rule": "y"})
    assert group_key(pager, {"region": "Latakia"}) != group_key(coast, {"region": "Latakia"})


def test_a_node_keeps_the_alert_only_when_no_child_takes_it() -> None:
    # As in Alertmanager: a matching `continue` child counts as taking it; the parent gets it alone.
    assert [n.id for n in match_routes(tree(), {"country": "Syria", "severity": "info"})] == ["root.0"]
    only_coast = build_tree(Route.model_validate({"receiver": ["all"], "routes": [TREE["routes"][1]]}),
                            RoutingSettings())
    assert [n.id for n in match_routes(only_coast, {"region": "Hama"})] == ["root"]


@pytest.mark.parametrize("severity", list(Severity))
@pytest.mark.parametrize("notify_default, by_severity", [
    (("mail",), {}),
    (("mail",), {Severity.CRITICAL: ("slack",), Severity.HIGH: ("slack", "pager")}),
    ((), {Severity.WARNING: ("slack",)}),
])
def test_legacy_routing_is_the_same_as_its_implicit_tree(severity, notify_default, by_severity) -> None:
    min_severity = {"pager": Severity.CRITICAL}
    legacy = RoutingSettings(default=notify_default, by_severity=by_severity)
    root = build_tree(None, legacy)
    via_tree = channels_for(match_routes(root, {"severity": str(severity)}), severity, min_severity)
    assert via_tree == legacy_route(notify=None, severity=severity, default=notify_default,
                                    by_severity=by_severity, min_severity=min_severity)
    assert not any(n.grouped for n in root.walk())


@pytest.mark.parametrize("text, holds, fails", [
    ('severity="critical"', {"severity": "critical"}, {"severity": "high"}),
    ("severity=critical", {"severity": "critical"}, {}),
    ('region!="Latakia"', {}, {"region": "Latakia"}),
    ('region=~"Lat.*|Tar.*"', {"region": "Tartus"}, {"region": "Hama"}),
    ('region!~"Lat.*"', {"region": "Hama"}, {"region": "Latakia"}),
    (r'title="say \"hi\""', {"title": 'say "hi"'}, {"title": "say hi"}),
])
def test_matchers(text: str, holds: dict[str, str], fails: dict[str, str]) -> None:
    from warnd.routing import matcher_holds
    m = Matcher.parse(text)
    assert matcher_holds(m, holds) and not matcher_holds(m, fails)


# ---- time intervals ---------------------------------------------------------------------------------

NIGHT = NamedTimeIntervals.model_validate({"name": "night", "time_intervals": [
    {"times": [{"start_time": "20:00", "end_time": "24:00"}, {"start_time": "00:00", "end_time": "07:00"}]}]})
WEEKEND = NamedTimeIntervals.model_validate({"name": "weekend", "time_intervals": [
    {"weekdays": ["saturday:sunday"], "location": "Asia/Damascus"}]})
LAST_DAY = NamedTimeIntervals.model_validate({"name": "last", "time_intervals": [
    {"days_of_month": ["-1"], "months": ["february"], "years": ["2024:2025"]}]})


@pytest.mark.parametrize("interval, at, expected", [
    (NIGHT, datetime(2025, 3, 8, 23, 30, tzinfo=UTC), True),
    (NIGHT, datetime(2025, 3, 8, 6, 59, tzinfo=UTC), True),
    (NIGHT, datetime(2025, 3, 8, 7, 0, tzinfo=UTC), False),
    (WEEKEND, datetime(2025, 3, 7, 22, 0, tzinfo=UTC), True),      # Saturday 01:00 in Damascus
    (WEEKEND, datetime(2025, 3, 9, 22, 0, tzinfo=UTC), False),     # Monday in Damascus
    (LAST_DAY, datetime(2024, 2, 29, 12, 0, tzinfo=UTC), True),
    (LAST_DAY, datetime(2025, 2, 28, 12, 0, tzinfo=UTC), True),
    (LAST_DAY, datetime(2025, 2, 27, 12, 0, tzinfo=UTC), False),
    (LAST_DAY, datetime(2026, 2, 28, 12, 0, tzinfo=UTC), False),
])
def test_time_intervals(interval: NamedTimeIntervals, at: datetime, expected: bool) -> None:
    assert any(interval_holds(i, at, "UTC") for i in interval.time_intervals) is expected


def test_mute_and_active_intervals_of_a_node() -> None:
    root = build_tree(Route.model_validate({"receiver": ["a"], "routes": [
        {"matchers": ["severity!=critical"], "receiver": ["a"], "mute_time_intervals": ["night"]},
        {"receiver": ["b"], "active_time_intervals": ["weekend"]}]}), RoutingSettings())
    night, day = datetime(2025, 3, 10, 23, tzinfo=UTC), datetime(2025, 3, 10, 12, tzinfo=UTC)
    muted, weekend_only = root.children
    assert muted_by(muted, night, (NIGHT, WEEKEND), "UTC") == "mute time interval 'night'"
    assert muted_by(muted, day, (NIGHT, WEEKEND), "UTC") is None
    assert "outside active time intervals 'weekend'" in (muted_by(weekend_only, day, (NIGHT, WEEKEND), "UTC") or "")
    assert muted_by(weekend_only, datetime(2025, 3, 8, 12, tzinfo=UTC), (NIGHT, WEEKEND), "UTC") is None


# ---- inhibition -------------------------------------------------------------------------------------

COUNTRY_COVERS_REGIONS = InhibitRule.model_validate({
    "name": "country toll", "source_matchers": ['rule="country-toll"'],
    "target_matchers": ['rule="region-jump"'], "equal": ["country"]})


@pytest.mark.parametrize("source, target, inhibited", [
    pytest.param({"rule": "country-toll", "country": "Syria"}, {"rule": "region-jump", "country": "Syria"}, True,
                 id="same-country"),
    pytest.param({"rule": "country-toll", "country": "Sudan"}, {"rule": "region-jump", "country": "Syria"}, False,
                 id="other-country"),
    pytest.param({"rule": "country-toll"}, {"rule": "region-jump"}, False, id="missing-on-both-is-not-equal-507"),
    pytest.param({"rule": "country-toll", "country": ""}, {"rule": "region-jump", "country": ""}, False,
                 id="empty-on-both-is-not-equal"),
    pytest.param({"rule": "country-toll", "country": "Syria"}, {"rule": "region-jump"}, False,
                 id="missing-on-the-target"),
    pytest.param({"rule": "other", "country": "Syria"}, {"rule": "region-jump", "country": "Syria"}, False,
                 id="not-a-source"),
])
def test_inhibition(source: dict[str, str], target: dict[str, str], inhibited: bool) -> None:
    found = inhibition(target, [(7, source)], [COUNTRY_COVERS_REGIONS])
    assert (found is not None) is inhibited
    if found:
        assert found.source_alert_id == 7 and "country toll" in found.reason and "country=Syria" in found.reason


def test_an_alert_does_not_inhibit_itself() -> None:
    rule = InhibitRule.model_validate({"source_matchers": ["severity=critical"], "target_matchers": ["severity=critical"]})
    me = {"severity": "critical", "__dedup_key": "k1"}
    assert inhibition({"severity": "critical"}, [(1, me)], [rule], target_key="k1") is None
    assert inhibition({"severity": "critical"}, [(1, me)], [rule], target_key="k2") is not None


# ---- config problems --------------------------------------------------------------------------------

CHANNELS = """
channels:
  a: {type: file, format: json, dir: x}
  b: {type: file, format: json, dir: y}
"""


@pytest.mark.parametrize("text, expected", [
    pytest.param("route:\n  receiver: [a, nowhere]\n", ["5:17: route.receiver: unknown channel 'nowhere'"],
                 id="unknown-receiver"),
    pytest.param("route:\n  receiver: [a]\n  routes:\n    - {matchers: ['region=~\"(\"'], receiver: b}\n",
                 ["7:18: route.routes[0].matchers: 'region=~\"(\"': '(' is not a regular expression"], id="bad-regex"),
    pytest.param("route:\n  receiver: [a]\n  routes:\n    - {matchers: ['region Latakia']}\n",
                 ["route.routes[0].matchers: 'region Latakia' is not a matcher"], id="not-a-matcher"),
    pytest.param("route:\n  receiver: [a]\n  routes:\n    - {mute_time_intervals: [night]}\n",
                 ["7:30: route.routes[0].mute_time_intervals: unknown time interval 'night'"], id="unknown-interval"),
    pytest.param("route:\n  matchers: [severity=critical]\n  receiver: [a]\n",
                 ["route: the root route takes every alert; it has no matchers"], id="root-matchers"),
    pytest.param("route:\n  group_by: [region]\n", ["route: the root route needs a 'receiver'"], id="root-receiver"),
    pytest.param("route: {receiver: [a], group_by: [region, '...']}\n", ["'...'"], id="every-label-alone"),
    pytest.param("routing: {default: [a]}\nroute: {receiver: [a]}\n", ["4:1: give 'route'"], id="both-trees"),
    pytest.param("time_intervals:\n  - {name: n, time_intervals: [{times: [{start_time: '20:00', end_time: '07:00'}]}]}\n",
                 ["start_time 20:00 must be before end_time 07:00"], id="backwards-times"),
    pytest.param("time_intervals:\n  - {name: n, time_intervals: [{weekdays: [funday]}]}\n",
                 ["'funday' is not a weekday (monday"], id="bad-weekday"),
    pytest.param("inhibit:\n  - {source_matchers: [severity=critical]}\n", ["5:5: inhibit[0]: missing required key 'target_matchers'"],
                 id="inhibit-without-target"),
])
def test_bad_routing_config_is_a_located_problem(tmp_path: Path, text: str, expected: list[str]) -> None:
    from warnd.errors import ConfigError
    path = tmp_path / "warnd.yaml"
    path.write_text(CHANNELS.lstrip() + text)
    with pytest.raises(ConfigError) as info:
        load_settings(path, env={})
    lines = [str(p) for p in info.value.problems]
    for want in expected:
        assert any(want in line and line.startswith(str(path)) for line in lines), lines


# ---- warnd routes test ------------------------------------------------------------------------------

def test_routes_test_prints_the_channels_and_verifies(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "warnd.yaml"
    channels = "".join(f"  {c}: {{type: file, format: json, dir: {c}}}\n"
                       for c in ("all", "hook", "coast", "coast-pager", "sudan", "elsewhere"))
    import yaml
    path.write_text("channels:\n" + channels + yaml.safe_dump({"route": TREE}))
    args = ["routes", "test", "-c", str(path), "--labels", "region=Latakia", "severity=critical"]
    assert main(args) == 0
    assert capsys.readouterr().out.splitlines() == ["hook,coast-pager"]
    assert main([*args, "--tree"]) == 0
    out = capsys.readouterr().out
    assert "root.1.0  receiver [coast-pager]" in out and "group region=Latakia" in out
    assert main([*args, "--verify", "coast-pager,hook"]) == 0
    capsys.readouterr()
    assert main([*args, "--verify", "coast"]) == 1
    assert "expected coast, got hook,coast-pager" in capsys.readouterr().err
    assert main(["routes", "test", "-c", str(path), "--labels", "severity"]) == 2
    assert "is not a label" in capsys.readouterr().err
    assert main(["routes", "show", "-c", str(path)]) == 0
    assert "  root.1  receiver [coast]" in capsys.readouterr().out


def test_the_bundled_config_routes_the_coast_to_its_desk(capsys: pytest.CaptureFixture[str],
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(Path(__file__).resolve().parent.parent)
    assert main(["routes", "test", "--labels", "region=Tartus", "severity=high"]) == 0
    assert capsys.readouterr().out.split()[0] == "local-hook,coast-desk-mail"
    assert main(["routes", "test", "--labels", "region=Hama", "severity=high"]) == 0
    assert capsys.readouterr().out.split()[0] == "local-hook,local-mail"


def test_settings_accept_a_tree_without_channels_checks() -> None:
    assert Settings.model_validate({"route": {"receiver": []}}).route is not None


def test_send_resolved_without_group_by_keeps_each_alert_on_its_own_sent_at_once() -> None:
    root = build_tree(Route.model_validate({"receiver": ["a"], "send_resolved": True, "routes": [
        {"matchers": ["severity=critical"], "group_wait": "10s"}]}), RoutingSettings())
    assert root.group_by == ("...",) and root.group_wait == timedelta(0) and root.grouped
    assert root.children[0].group_wait == timedelta(seconds=10) and root.children[0].send_resolved
    assert group_labels(root, {"b": "2", "a": "1"}) == (("a", "1"), ("b", "2"))
