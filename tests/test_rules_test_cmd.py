"""`warnd rules test`: the bundled rules pass their tests, and failures read as a diff with lines."""

from __future__ import annotations

import io
import textwrap
from pathlib import Path

import pytest
import yaml

from warnd.cli import main
from warnd.config import load_rules
from warnd.rulestest import run_rule_tests
from warnd.types import Casualty, CasualtyKind, Item, Signals

ROOT = Path(__file__).resolve().parent.parent
RULES_DIR = ROOT / "rules"
RULE_FILES = sorted(p for p in RULES_DIR.rglob("*.yaml") if not p.name.endswith(".test.yaml"))
TEST_FILES = sorted(RULES_DIR.rglob("*.test.yaml"))


@pytest.mark.parametrize("rule_file", RULE_FILES, ids=lambda p: str(p.relative_to(RULES_DIR)))
def test_every_bundled_rule_is_tested(rule_file: Path) -> None:
    test_file = rule_file.with_name(rule_file.name.replace(".yaml", ".test.yaml"))
    assert test_file.exists(), f"{rule_file} has no rule unit tests ({test_file.name})"
    ids = {r.rule.id for r in load_rules([rule_file]).rules}
    spec = yaml.safe_load(test_file.read_text())
    expected = {a["rule"] for case in spec["tests"] for e in case["expect"] for a in e.get("alerts", ())}
    assert ids <= expected, f"rules never expected to fire in {test_file.name}: {sorted(ids - expected)}"


@pytest.mark.parametrize("test_file", TEST_FILES, ids=lambda p: str(p.relative_to(RULES_DIR)))
def test_bundled_rule_tests_pass(test_file: Path) -> None:
    out = io.StringIO()
    assert run_rule_tests([test_file], out, settings=None) == 0, out.getvalue()
    assert out.getvalue().startswith("ok: ")


RULES = """
rules:
  - id: toll
    kind: threshold
    match: {kind: killed}
    group_by: [region]
    condition: {at_least: 100}
"""

ITEM = "{at: 1h, feed: monitor, id: a, title: 150 killed, signals: {region: Latakia, casualties: [{kind: killed, count: 150}]}}"


def write_case(tmp_path: Path, body: str, rules: str = RULES) -> Path:
    (tmp_path / "r.yaml").write_text(textwrap.dedent(rules))
    path = tmp_path / "r.test.yaml"
    path.write_text(textwrap.dedent(body).lstrip("\n"))
    return path


BROKEN = [
    pytest.param(f"""
        tests:
          - name: wrong value
            start: 2025-03-07T00:00:00Z
            input: [{ITEM}]
            expect:
              - at: 1h
                alerts: [{{rule: toll, labels: {{region: Latakia}}, value: 140}}]
        """, ["FAIL", "r.test.yaml:2: wrong value", "line 6: at 2025-03-07T01:00:00+00:00:",
              "- expected toll {region=Latakia} value=140", "+ got      toll {region=Latakia} value=150",
              "FAILED: 0 passed, 1 failed"], id="wrong-value"),
    pytest.param(f"""
        tests:
          - name: nothing expected
            start: 2025-03-07T00:00:00Z
            input: [{ITEM}]
            expect: [{{at: 1h, alerts: []}}]
        """, ["+ got      toll {region=Latakia} value=150 sources=1"], id="unexpected-alert"),
    pytest.param(f"""
        tests:
          - name: expected but quiet
            start: 2025-03-07T00:00:00Z
            input: [{ITEM}]
            expect: [{{at: 2h, alerts: [{{rule: toll}}]}}]
        """, ["- expected toll {}", "(no alert fired at this time)"], id="missing-alert"),
    pytest.param("""
        tests:
          - name: typo
            start: 2025-03-07T00:00:00Z
            input: [{at: 1h, id: a, titel: x}]
            expect: [{at: 1h, alerts: []}]
        """, ["r.test.yaml:4:29: tests[0].input[0]: unknown key 'titel'; did you mean 'title'?"], id="unknown-key"),
    pytest.param("""
        rule_files: [nope.yaml]
        tests:
          - name: x
            expect: [{at: 2025-03-07T00:00:00Z}]
        """, ["r.test.yaml:1:", "rule file not found"], id="missing-rule-file"),
    pytest.param("""
        tests:
          - name: relative without start
            input: [{at: 1h, id: a, title: x}]
            expect: [{at: 1h}]
        """, ["'1h' is relative: give the test a 'start' time"], id="relative-time-without-start"),
]


@pytest.mark.parametrize("body, expected", BROKEN)
def test_failures_print_a_located_diff_and_exit_1(tmp_path: Path, body: str, expected: list[str]) -> None:
    path = write_case(tmp_path, body)
    out = io.StringIO()
    assert run_rule_tests([path], out, settings=None) == 1
    text = out.getvalue()
    for want in expected:
        assert want in text, text


def test_broken_rules_under_test_are_reported_with_their_lines(tmp_path: Path) -> None:
    path = write_case(tmp_path, """
        tests: [{name: x, expect: [{at: 2025-03-07T00:00:00Z}]}]
        """, rules="rules:\n  - {id: toll, kind: threshold, condition: {at_leest: 1}}\n")
    out = io.StringIO()
    assert run_rule_tests([path], out, settings=None) == 1
    assert "r.yaml:2:" in out.getvalue() and "did you mean 'at_least'" in out.getvalue()


class FakeTextExtractor:
    """Stands in for warnd.extract: 'N killed' → a killed figure in Latakia."""

    def extract(self, item: Item) -> Signals:
        n = int(item.text.split()[0])
        return Signals(casualties=(Casualty(CasualtyKind.KILLED, n),), region="Latakia", country="Syria")


def test_text_only_items_go_through_the_extractor_passed_in(tmp_path: Path) -> None:
    path = write_case(tmp_path, """
        tests:
          - name: text item
            start: 2025-03-07T00:00:00Z
            input:
              - {at: 1h, feed: monitor, id: t, title: "150 killed in Jableh"}
              - {at: 2h, feed: monitor, id: p, title: "no signals needed", signals: {region: Tartus, casualties: [{kind: killed, count: 120}]}}
            expect:
              - {at: 1h, alerts: [{rule: toll, labels: {region: Latakia}, value: 150}]}
              - {at: 2h, alerts: [{rule: toll, labels: {region: Tartus}, value: 120}]}
        """)
    out = io.StringIO()
    assert run_rule_tests([path], out, settings=None, extractor=FakeTextExtractor()) == 0, out.getvalue()


def test_silences_in_a_test_record_the_alert_as_silenced(tmp_path: Path) -> None:
    path = write_case(tmp_path, f"""
        tests:
          - name: silenced
            start: 2025-03-07T00:00:00Z
            silences: [{{rule: toll, labels: {{region: Latakia}}, start: 0h, end: 6h}}]
            input: [{ITEM}]
            expect: [{{at: 1h, alerts: [{{rule: toll, silenced: true}}]}}]
        """)
    out = io.StringIO()
    assert run_rule_tests([path], out, settings=None) == 0, out.getvalue()


def test_a_silence_that_names_nothing_is_a_located_error(tmp_path: Path) -> None:
    path = write_case(tmp_path, f"""
        tests:
          - name: mutes everything
            start: 2025-03-07T00:00:00Z
            silences: [{{start: 0h, end: 6h}}]
            input: [{ITEM}]
            expect: [{{at: 1h, alerts: []}}]
        """)
    out = io.StringIO()
    assert run_rule_tests([path], out, settings=None) == 1
    assert "must name a rule or at least one label" in out.getvalue() and "Traceback" not in out.getvalue()


def test_cli_rules_test_exit_codes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    good = ROOT / "rules" / "syria-coast.test.yaml"
    assert main(["rules", "test", "--config", str(tmp_path / "none.yaml"), str(good)]) == 0
    assert "ok: " in capsys.readouterr().out
    bad = write_case(tmp_path, f"""
        tests:
          - name: wrong
            start: 2025-03-07T00:00:00Z
            input: [{ITEM}]
            expect: [{{at: 1h, alerts: []}}]
        """)
    assert main(["rules", "test", "--config", str(tmp_path / "none.yaml"), str(bad)]) == 1
    assert "FAIL" in capsys.readouterr().out
