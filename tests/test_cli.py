"""The command line as an operator uses it: exit codes, messages, no tracebacks."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest

from warnd.cli import main

ROOT = Path(__file__).resolve().parent.parent
COAST = ROOT / "tests" / "data" / "backtest" / "coast.jsonl"


def write_config(tmp_path: Path, *, name: str = "warnd.yaml", database: str | None = None,
                 templates: Path = ROOT / "templates", channel: str | None = None) -> Path:
    """A config on the bundled rules with one channel (a local .eml sink unless `channel` is given)."""
    cfg = tmp_path / name
    channel = channel or f"local-mail: {{type: file, format: eml, dir: {tmp_path / 'mail'}}}"
    cfg.write_text(textwrap.dedent(f"""
        database: "{database or f'sqlite:///{tmp_path / "warnd.db"}'}"
        rules: ["{ROOT / 'rules' / '*.yaml'}"]
        templates: {templates}
        channels:
          {channel}
        routing: {{default: [{channel.split(':')[0]}]}}
    """))
    return cfg


@pytest.fixture
def config(tmp_path: Path) -> Path:
    return write_config(tmp_path)


def test_check_accepts_the_bundled_config(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    assert main(["check"]) == 0
    assert capsys.readouterr().out.startswith("ok: config config/warnd.yaml")


def test_check_lists_every_problem_and_exits_1(tmp_path: Path, config: Path,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("rules:\n  - id: a\n    kind: jump\n    window: 3 dayz\n    condition: {ratio_at_least: 2}\n"
                   "  - id: b\n    kind: threshold\n    notify: [nowhere]\n    condition: {at_least: 1}\n")
    assert main(["check", "--config", str(config), "--rules", str(bad)]) == 1
    out = capsys.readouterr().out
    assert f"{bad}:4:13: rule 'a': window: '3 dayz' is not a duration" in out
    assert f"{bad}:8:14: rule 'b': notify: unknown channel 'nowhere'" in out
    assert "2 problem(s) found" in out and "Traceback" not in out


@pytest.mark.timeout(20)
@pytest.mark.parametrize("where", ["config", "rules"])
def test_check_refuses_a_yaml_alias_bomb_with_its_line(tmp_path: Path, config: Path, where: str,
                                                       capsys: pytest.CaptureFixture[str]) -> None:
    bomb = tmp_path / "bomb.yaml"
    bomb.write_text((ROOT / "tests" / "data" / "yaml" / "billion_laughs.yaml").read_text())
    args = ["--config", str(bomb)] if where == "config" else ["--config", str(config), "--rules", str(bomb)]
    assert main(["check", *args]) == 1
    out = capsys.readouterr().out
    assert f"{bomb}:8:14: alias *lol5 (anchor &lol5 at line 7): the aliases expand the file" in out, out


def test_missing_config_is_a_clear_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", "--config", str(tmp_path / "nope.yaml")]) == 1
    assert "nope.yaml: file not found" in capsys.readouterr().out


def test_db_upgrade_is_idempotent(config: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["db", "upgrade", "--config", str(config)]) == 0
    assert "database upgraded: empty →" in capsys.readouterr().out
    assert main(["db", "upgrade", "--config", str(config)]) == 0
    assert "already at" in capsys.readouterr().out


def test_silence_add_list_expire(config: Path, capsys: pytest.CaptureFixture[str]) -> None:
    main(["db", "upgrade", "--config", str(config)])
    capsys.readouterr()
    assert main(["silence", "add", "--config", str(config), "--rule", "coast-deaths-jump", "--label",
                 "region=Latakia", "--for", "6h", "--reason", "known"]) == 0
    assert "silence #1 added" in capsys.readouterr().out
    assert main(["silence", "list", "--config", str(config), "--json"]) == 0
    (s,) = json.loads(capsys.readouterr().out)
    assert s["rule"] == "coast-deaths-jump" and s["labels"] == {"region": "Latakia"} and s["active"]
    assert main(["silence", "add", "--config", str(config), "--for", "soon", "--reason", "x"]) == 2
    assert "is not a duration" in capsys.readouterr().err
    assert main(["silence", "expire", "--config", str(config), "1"]) == 0
    assert main(["silence", "expire", "--config", str(config), "1"]) == 1


def test_outbox_commands_on_an_empty_outbox(config: Path, capsys: pytest.CaptureFixture[str]) -> None:
    main(["db", "upgrade", "--config", str(config)])
    capsys.readouterr()
    assert main(["outbox", "list", "--config", str(config), "--dead"]) == 0
    assert "no dead letters" in capsys.readouterr().out
    assert main(["outbox", "retry", "--config", str(config)]) == 2
    assert main(["outbox", "retry", "--config", str(config), "--all-dead"]) == 0
    assert "0 deliveries queued again" in capsys.readouterr().out


def test_commands_on_an_unmigrated_database_say_how_to_fix_it(config: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["status", "--config", str(config)]) == 3
    assert "run `warnd db upgrade`" in capsys.readouterr().err


def test_backtest_replays_the_coast_in_simulated_time(config: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["backtest", "--config", str(config), "--items", str(COAST)]) == 0
    captured = capsys.readouterr()
    alerts = [json.loads(line) for line in captured.out.splitlines()]
    for a in alerts:
        assert set(a) >= {"rule", "fired_at", "severity", "labels", "value", "baseline", "sources", "evidence"}
    jumps = [a for a in alerts if a["rule"] == "coast-deaths-jump" and a["labels"].get("region") == "Latakia"]
    assert jumps, alerts
    # Replayed in time order: the first jump fires on the day the killings began, not at the end.
    assert jumps[0]["fired_at"] < "2025-03-09"
    assert any(a["rule"] == "community-targeted-first-report" for a in alerts)
    assert "backtest: 22 item(s)" in captured.err


def test_backtest_reports_bad_lines_and_goes_on(tmp_path: Path, config: Path,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    items = tmp_path / "items.jsonl"
    items.write_text('{"id": "1", "published": "yesterday", "title": "x"}\nnot json\n'
                     '{"id": "2", "feed": "f", "published": "2025-03-08T10:00:00Z", "title": "ok"}\n')
    assert main(["backtest", "--config", str(config), "--items", str(items)]) == 1
    err = capsys.readouterr().err
    assert f"{items}:1:" in err and f"{items}:2:" in err and "backtest: 1 item(s)" in err


def test_extract_writes_one_line_per_input(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    src = tmp_path / "in.jsonl"
    src.write_text(json.dumps({"id": "a", "text": "At least 12 civilians were killed in Jableh on Friday."}) + "\n"
                   + json.dumps({"id": "b", "title": "Ministers meet in Cairo", "summary": "Talks on aid."}) + "\n")
    assert main(["extract", str(src)]) == 0
    a, b = (json.loads(line) for line in capsys.readouterr().out.splitlines())
    assert a["id"] == "a" and {"kind": "killed", "count": 12} .items() <= a["casualties"][0].items()
    assert b["id"] == "b" and b["casualties"] == []


def test_version_and_help(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main(["--help"])
    assert info.value.code == 0
    out = capsys.readouterr().out
    for command in ("run", "check", "extract", "eval-extract", "backtest", "db", "status", "outbox", "silence"):
        assert command in out


@pytest.mark.parametrize("argv, message", [
    pytest.param(["backtest", "--items", str(COAST), "--tick", "soon"], "--tick: 'soon' is not a duration",
                 id="backtest-tick"),
    pytest.param(["backtest", "--items", str(COAST), "--from", "last week"], "--from: 'last week' is not an ISO 8601",
                 id="backtest-from"),
    pytest.param(["silence", "add", "--for", "a while", "--reason", "x"], "is not a duration", id="silence-for"),
    pytest.param(["silence", "add", "--for", "6h", "--reason", "x"], "would mute every alert", id="silence-of-nothing"),
])
def test_bad_arguments_are_a_message_not_a_traceback(config: Path, capsys: pytest.CaptureFixture[str],
                                                     argv: list[str], message: str) -> None:
    main(["db", "upgrade", "--config", str(config)])
    capsys.readouterr()
    code = main([argv[0], *([argv[1]] if argv[0] == "silence" else []), "--config", str(config),
                 *argv[(2 if argv[0] == "silence" else 1):]])
    captured = capsys.readouterr()
    assert code in (1, 2) and message in captured.err + captured.out and "Traceback" not in captured.err


RULE_TEXTS = [
    pytest.param("title: \"{{ (value / baseline) | round(1) }}x the baseline\"", "title: ZeroDivisionError",
                 "with baseline 0", id="divides-by-a-zero-baseline"),
    pytest.param("title: \"{% for i in range(99999) %}{% for j in range(99999) %}.{% endfor %}{% endfor %}\"",
                 "title: TemplateBudgetError", "", id="loops-for-ever"),
    pytest.param("annotations: {change: \"{{ (value / previous_value) | round }}\"}", "annotations.change: TypeError",
                 "no previous value", id="needs-a-previous-value"),
    pytest.param("labels: {desk: \"{{ 'x' * 10**9 }}\"}", "labels.desk: TemplateBudgetError", "", id="huge-label"),
    pytest.param("title: \"Deaths in {{ labels.regoin }}\"", "title: UndefinedError", "", id="misspelt-name"),
    # A casualty rule's first sample is a toll first reported: it has no previous level.
    pytest.param("title: \"{{ increment / previous }}\"", "title: TypeError", "rendered for a first alert",
                 id="no-previous-level"),
]


@pytest.mark.timeout(60)
@pytest.mark.parametrize("text, message, sample", RULE_TEXTS)
def test_check_renders_every_rule_text_for_sample_alerts(tmp_path: Path, config: Path, text: str, message: str,
                                                         sample: str, capsys: pytest.CaptureFixture[str]) -> None:
    rule = tmp_path / "texts.yaml"
    rule.write_text("rules:\n  - id: jump\n    kind: jump\n    match: {kind: killed}\n    group_by: [region]\n"
                    f"    condition: {{increase_at_least: 10}}\n    {text}\n")
    assert main(["check", "--config", str(config), "--rules", str(rule)]) == 1
    out = capsys.readouterr().out
    assert f"{rule}:7:" in out and f"rule 'jump': {message}" in out, out
    assert sample in out and "Traceback" not in out


def test_check_warns_where_a_jump_compares_a_running_total_with_daily_figures(
        tmp_path: Path, config: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rule = tmp_path / "total.yaml"
    rule.write_text("rules:\n  - id: ok\n    kind: jump\n    condition: {increase_at_least: 10}\n"
                    "  - id: level\n    kind: jump\n    measure: total\n    condition: {increase_at_least: 10}\n"
                    "  - id: words\n    kind: threshold\n    measure: total\n    signal: mentions\n"
                    "    condition: {at_least: 1}\n")
    assert main(["check", "--config", str(config), "--rules", str(rule)]) == 1   # mentions have no measure
    out = capsys.readouterr().out
    assert "measure: applies to casualties signals only" in out, out
    rule.write_text("\n".join(rule.read_text().splitlines()[:8]) + "\n")
    assert main(["check", "--config", str(config), "--rules", str(rule)]) == 0   # a warning, not a refusal
    out = capsys.readouterr().out
    assert f"warning: {rule}:5: rule 'level': a jump with measure: total" in out and "'ok'" not in out, out
    assert "Traceback" not in out


def test_check_renders_the_channel_templates_for_sample_alerts(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import shutil
    templates = tmp_path / "templates"
    shutil.copytree(ROOT / "templates", templates)
    (templates / "email" / "subject.txt.j2").write_text("{{ (value / baseline) | round }} times normal\n")
    cfg = write_config(tmp_path, templates=templates)
    assert main(["check", "--config", str(cfg)]) == 1
    out = capsys.readouterr().out
    assert "channel 'local-mail'" in out and "ZeroDivisionError" in out and "baseline 0" in out, out


@pytest.mark.parametrize("before", [True, False], ids=["before-the-command", "after-the-command"])
def test_global_options_go_before_or_after_the_command(config: Path, capsys: pytest.CaptureFixture[str],
                                                       before: bool) -> None:
    main(["db", "upgrade", "--config", str(config)])
    capsys.readouterr()
    argv = ["--config", str(config), "status", "--json"] if before else ["status", "--json", "--config", str(config)]
    assert main(argv) == 0
    assert json.loads(capsys.readouterr().out)["database"] == "sqlite"


def test_python_dash_m_warnd_is_the_command(tmp_path: Path) -> None:
    import subprocess
    import sys
    done = subprocess.run([sys.executable, "-m", "warnd", "--version"], capture_output=True, text=True, timeout=60,
                          cwd=ROOT)
    assert done.returncode == 0 and done.stdout.startswith("warnd "), done.stderr


def test_run_once_on_a_new_sqlite_file_creates_its_schema(config: Path, tmp_path: Path) -> None:
    assert not (tmp_path / "warnd.db").exists()
    assert main(["run", "--once", "--config", str(config)]) == 0
    assert main(["db", "current", "--config", str(config)]) == 0


@pytest.mark.postgres
def test_run_refuses_a_postgresql_schema_behind_unless_asked_to_migrate(
        pg_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    cfg = write_config(tmp_path, name="pg.yaml", database=pg_url)
    assert main(["run", "--once", "--config", str(cfg)]) == 3
    assert "run `warnd db upgrade`" in capsys.readouterr().err
    assert main(["run", "--once", "--migrate", "--config", str(cfg)]) == 0


def test_check_and_db_upgrade_need_no_secret(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("WARND_TEST_HOOK_SECRET", raising=False)
    cfg = write_config(tmp_path, channel='partner: {type: webhook, url: "https://partner.example.org/in", '
                                        'secret_env: WARND_TEST_HOOK_SECRET}')
    assert main(["check", "--config", str(cfg)]) == 0
    out = capsys.readouterr().out
    assert "note: warnd run will need environment variable WARND_TEST_HOOK_SECRET (channels.partner.secret_env)" in out
    assert main(["db", "upgrade", "--config", str(cfg)]) == 0
    capsys.readouterr()
    # The daemon, which sends, still refuses to start without it, at its line.
    assert main(["run", "--once", "--config", str(cfg)]) == 1
    assert "environment variable WARND_TEST_HOOK_SECRET (secret_env) is not set" in capsys.readouterr().err
