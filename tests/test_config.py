"""Config and rule loading: every operator mistake is reported as path:line:col: message, all at once."""

from __future__ import annotations

import textwrap
from datetime import timedelta
from pathlib import Path

import pytest

from warnd.config import (
    ConfigError,
    EmailChannelConfig,
    SlackChannelConfig,
    load_rules,
    load_settings,
    parse_duration,
    rule_paths,
)
from warnd.config.durations import format_duration

ROOT = Path(__file__).resolve().parent.parent
BILLION_LAUGHS = (ROOT / "tests" / "data" / "yaml" / "billion_laughs.yaml").read_text()
LAUGHS_REFUSED = ("8:14: alias *lol5 (anchor &lol5 at line 7): the aliases expand the file to more than 1,000,000 "
                  "values (an alias bomb?)")
# Thirty levels inside thirty levels inside thirty: each alias is small, the expansion is 90 deep.
NESTING_ALIASES = "".join(f"n{i}: &n{i} " + "[" * 30 + (f"*n{i - 1}" if i else "x") + "]" * 30 + "\n" for i in range(3))


def write(tmp_path: Path, name: str, text: str) -> Path:
    p = tmp_path / name
    p.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return p


@pytest.mark.parametrize("text, seconds", [
    pytest.param("72h", 72 * 3600, id="hours"), pytest.param("3d", 3 * 86400, id="days"),
    pytest.param("1h30m", 5400, id="compound"), pytest.param("2w", 14 * 86400, id="weeks"),
    pytest.param(90, 90, id="bare-seconds"), pytest.param("500ms", 0.5, id="millis"),
])
def test_parse_duration(text: object, seconds: float) -> None:
    assert parse_duration(text).total_seconds() == seconds


@pytest.mark.parametrize("text", ["3 dayz", "", "h", "-5m", "1y", True, "1h1h", "1m30m", "30m1h", "2d3w"])
def test_parse_duration_rejects_with_example(text: object) -> None:
    with pytest.raises(ValueError, match="duration"):
        parse_duration(text)


@pytest.mark.parametrize("td, text", [(timedelta(hours=24), "24h"), (timedelta(days=14), "14d"),
                                       (timedelta(minutes=90), "1h30m"), (timedelta(days=7), "7d"),
                                       (timedelta(seconds=90), "1m30s"), (timedelta(hours=48), "48h"),
                                       (timedelta(days=3), "3d"), (timedelta(hours=25), "25h"),
                                       (timedelta(0), "0s")])
def test_format_duration(td: timedelta, text: str) -> None:
    assert format_duration(td) == text
    assert parse_duration(text) == td


BAD_RULES = [
    pytest.param("""
        rules:
          - id: r1
            kind: jump
            window: 3 dayz
            condition: {increase_at_least: 5}
        """, ["4:13: rule 'r1': window: '3 dayz' is not a duration (e.g. 72h, 3d)"], id="bad-duration"),
    pytest.param("""
        rules:
          - id: r1
            kind: threshold
            window: 0s
            condition: {at_least: 5}
        """, ["4:13: rule 'r1': window: '0s' must be longer than 0s"], id="empty-window"),
    pytest.param("""
        rules:
          - id: r1
            kind: threshold
            window: 1h1h
            condition: {at_least: 5}
        """, ["4:13: rule 'r1': window: '1h1h' is not a duration: each unit once, largest first (e.g. 1h30m)"],
        id="unit-twice"),
    pytest.param("""
        rules:
          - id: r1
            kind: threshold
            windw: 3h
            condition: {at_least: 5}
        """, ["4:5: rule 'r1': unknown key 'windw'; did you mean 'window'?"], id="typo-did-you-mean"),
    pytest.param("""
        rules:
          - id: r1
            kind: thresh
        """, ["3:11: rule 'r1': kind: 'thresh' is not a rule kind (threshold | jump | new_value | frequency | keyword | feed_silence)"], id="unknown-kind"),
    pytest.param("""
        rules:
          - id: r1
            kind: threshold
            condition: {at_least: 5}
            notify: [desk-mail]
          - id: r1
            kind: threshold
            condition: {at_least: 5}
        """, ["5:14: rule 'r1': notify: unknown channel 'desk-mail' (defined: desk-email)",
              "6:9: rule 'r1': duplicate id (also in"], id="unknown-channel-and-duplicate-id"),
    pytest.param("""
        rules:
          - id: r1
            kind: threshold
            title: "Deaths in {{ labels.region"
            condition: {at_least: 5}
        """, ["4:12: rule 'r1': title: template syntax"], id="jinja-syntax"),
    pytest.param("""
        rules:
          - id: r1
            kind: threshold
            group_by: [regoin]
            condition: {at_least: 5}
        """, ["rule 'r1': group_by: 'regoin' is not a field of casualties signals"], id="group-by-unknown-field"),
    pytest.param("""
        rules:
          - id: r1
            kind: threshold
            signal: mentions
            match: {victims: civilians}
            condition: {at_least: 1}
        """, ["rule 'r1': match: 'victims' does not apply to mentions signals"], id="match-field-no-signal-has"),
    pytest.param("""
        rules:
          - id: r1
            kind: threshold
            condition: {}
          - id: r2
            kind: jump
            condition: {increase_at_least: -1}
            severity: urgent
        """, ["4:16: rule 'r1': condition: give 'at_least' or 'at_most'",
              "7:36: rule 'r2': condition.increase_at_least: Input should be greater than or equal to 0",
              "8:15: rule 'r2': severity: Input should be 'info', 'warning', 'high' or 'critical'"],
        id="every-error-reported"),
    pytest.param("""
        rules:
          - id: r1
            kind: threshold
            condition: {at_least: 5
        """, ["YAML syntax"], id="yaml-syntax"),
    pytest.param("""
        rules:
          - id: Bad Id!
            kind: threshold
            condition: {at_least: 5}
        """, ["2:9: rule 'Bad Id!': id: rule id 'Bad Id!' must be lower-case"], id="bad-id"),
    pytest.param("""
        rulez: []
        """, ["1:1: unknown key 'rulez'; a rule file has only 'rules'"], id="top-level-typo"),
    pytest.param("""
        rules:
          - id: r1
            kind: new_value
            group_by: [region]
        """, ["rule 'r1': group_by must include the field 'targeted_group'"], id="new-value-field-not-grouped"),
    pytest.param("""
        rules:
          - id: r1
            kind: keywords
            phrases: [massacre]
        """, ["3:11: rule 'r1': kind: 'keywords' is not a rule kind (threshold | jump | new_value | frequency | "
              "keyword | feed_silence); did you mean 'keyword'?"],
        id="kind-typo-did-you-mean"),
    pytest.param("""
        rules:
          - id: r1
            kind: frequency
            window: 6h
          - id: r2
            kind: frequency
            condition: {at_least: 0}
        """, ["2:5: rule 'r1': missing required key 'condition'",
              "7:27: rule 'r2': condition.at_least: Input should be greater than or equal to 1"],
        id="frequency-condition"),
    pytest.param("""
        rules:
          - id: r1
            kind: keyword
            match: {kind: killed}
          - id: r2
            kind: keyword
            phrases: [massacre, ""]
          - id: r3
            kind: keyword
            phrase: [massacre]
        """, ["2:5: rule 'r1': missing required key 'phrases'",
              "7:14: rule 'r2': phrases: a phrase must not be empty",
              "10:5: rule 'r3': unknown key 'phrase'; did you mean 'phrases'?",
              "8:5: rule 'r3': missing required key 'phrases'"],
        id="keyword-phrases"),
    pytest.param("""
        rules:
          - id: r1
            kind: keyword
            phrases: [massacre]
            match: {kind: killed}
          - id: r2
            kind: keyword
            phrases: [massacre]
            group_by: [targeted_group]
        """, ["5:13: rule 'r1': match: 'kind' does not apply to keyword rules (filters: country, regions, feeds, tags)",
              "9:16: rule 'r2': group_by: 'targeted_group' is not a field of keyword rules (fields: region, country, feed)"],
        id="keyword-fields-items-do-not-have"),
    pytest.param("""
        rules:
          - id: r1
            kind: feed_silence
            match: {tags: [syria]}
          - id: r2
            kind: feed_silence
            silent_for: 12 hours
            silent_fro: 3h
          - id: r3
            kind: feed_silence
            failing_for: 2h
            match: {regions: [Latakia]}
        """, ["2:5: rule 'r1': give 'silent_for', 'failing_for' or both",
              "7:17: rule 'r2': silent_for: '12 hours' is not a duration (e.g. 72h, 3d)",
              "8:5: rule 'r2': unknown key 'silent_fro'; did you mean 'silent_for'?",
              "12:13: rule 'r3': match: 'regions' does not apply to feed_silence rules (filters: feeds, tags)"],
        id="feed-silence"),
    # Refused while composing, in linear time: without the bound this took 40 s and 2.86 GB (issue 21).
    pytest.param(BILLION_LAUGHS, [LAUGHS_REFUSED], id="billion-laughs", marks=pytest.mark.timeout(10)),
    pytest.param(NESTING_ALIASES, ["3:39: alias *n1 (anchor &n1 at line 2): the aliases nest the file more than "
                                   "64 levels deep"], id="aliases-nest-too-deep", marks=pytest.mark.timeout(10)),
]


@pytest.mark.parametrize("text, expected", BAD_RULES)
def test_bad_rule_files_report_every_problem_with_its_line(tmp_path: Path, text: str, expected: list[str]) -> None:
    path = write(tmp_path, "rules.yaml", text)
    with pytest.raises(ConfigError) as info:
        load_rules([path], channels={"desk-email": object()})
    lines = [str(p) for p in info.value.problems]
    assert len(lines) == len(expected), lines
    for line in lines:
        assert line.startswith(str(path) + ":"), line
    for want in expected:
        assert any(want in line for line in lines), (want, lines)


def test_good_rules_load_with_defaults(tmp_path: Path) -> None:
    path = write(tmp_path, "rules.yaml", """
        rules:
          - id: darfur-deaths-jump
            title: "Deaths jump in {{ labels.region }}"
            severity: critical
            kind: jump
            signal: casualties
            match: {kind: killed, country: Sudan, regions: [North Darfur]}
            group_by: [region]
            window: 24h
            aggregate: max
            baseline: {lookback: 14d, stat: median}
            condition: {increase_at_least: 50, ratio_at_least: 3}
            min_sources: 1
            realert: 24h
            escalate_ratio: 1.5
            notify: [desk-email]
          - id: new-community-targeted
            kind: new_value
            signal: mentions
            field: targeted_group
            group_by: [region, targeted_group]
            lookback: 30d
        """)
    rules = load_rules([path], channels={"desk-email": object()})
    jump, new = rules.enabled()
    assert jump.match.country == ("Sudan",) and jump.window == timedelta(hours=24)
    assert jump.baseline.lookback == timedelta(days=14)
    assert new.kind == "new_value" and new.lookback == timedelta(days=30)
    assert rules.rules[1].line == 17


BAD_CONFIGS = [
    pytest.param("""
        feeds:
          - {name: a, url: "http://x/feed", interval: 5 minutes}
        """, ["2:47: feeds[0].interval: '5 minutes' is not a duration"], id="feed-interval"),
    pytest.param("""
        feeds:
          - {name: a, url: "http://x/feed"}
          - {name: a, url: "http://y/feed"}
        """, ["feed names must be unique; repeated: a"], id="duplicate-feed"),
    pytest.param("""
        channels:
          desk: {type: email, to: [d@example.org], from: w@example.org, smtp: {host: x, prot: 25}}
        """, ["channels.desk.smtp: unknown key 'prot'; did you mean 'port'?"], id="smtp-typo"),
    pytest.param("""
        channels:
          desk: {type: pigeon}
        """, ["channels.desk"], id="unknown-channel-type"),
    pytest.param("""
        channels:
          ops: {type: slack, url_env: WARND_TEST_UNSET_SLACK_URL}
        """, ["2:31: channels.ops: environment variable WARND_TEST_UNSET_SLACK_URL (url_env) is not set"],
        id="missing-env-secret"),
    pytest.param("""
        database: ${WARND_TEST_UNSET_DB}
        """, ["1:11: environment variable WARND_TEST_UNSET_DB is not set"], id="missing-env-reference"),
    pytest.param("""
        databse: sqlite:///x.db
        """, ["1:1: unknown key 'databse'; did you mean 'database'?"], id="top-level-typo"),
    pytest.param("""
        routing: {default: [nowhere]}
        """, ["routing.default: unknown channel 'nowhere'"], id="routing-unknown-channel"),
    pytest.param("""
        feeds: {name: a}
        """, ["1:8: feeds: Input should be a valid"], id="feeds-not-a-list"),
    pytest.param("""
        timezone: Europe/Geneva
        """, ["1:11: timezone: 'Europe/Geneva' is not an IANA time zone"], id="unknown-time-zone"),
    pytest.param(BILLION_LAUGHS, [LAUGHS_REFUSED], id="billion-laughs", marks=pytest.mark.timeout(10)),
]


@pytest.mark.parametrize("text, expected", BAD_CONFIGS)
def test_bad_config_files_report_line_and_message(tmp_path: Path, text: str, expected: list[str]) -> None:
    path = write(tmp_path, "warnd.yaml", text)
    with pytest.raises(ConfigError) as info:
        load_settings(path, env={})
    lines = [str(p) for p in info.value.problems]
    for want in expected:
        assert any(want in line and line.startswith(str(path)) for line in lines), lines


def test_secrets_come_from_env_and_never_show_in_repr(tmp_path: Path) -> None:
    path = write(tmp_path, "warnd.yaml", """
        channels:
          ops: {type: slack, url_env: SLACK_URL}
          desk: {type: email, to: [d@example.org], from: w@example.org,
                 smtp: {host: 127.0.0.1, port: 1025, username_env: SMTP_USER, password_env: SMTP_PW}}
        """)
    settings = load_settings(path, env={"SLACK_URL": "https://hooks.slack.com/services/T/B/sekrit",
                                        "SMTP_USER": "u", "SMTP_PW": "hunter2",
                                        "WARND_DATABASE_URL": "sqlite:///other.db"})
    ops, desk = settings.channels["ops"], settings.channels["desk"]
    assert isinstance(ops, SlackChannelConfig) and ops.url is not None
    assert ops.url.get_secret_value().endswith("sekrit")
    assert isinstance(desk, EmailChannelConfig) and desk.smtp.password is not None
    assert desk.smtp.password.get_secret_value() == "hunter2"
    assert "sekrit" not in repr(settings) and "hunter2" not in repr(settings)
    assert settings.database == "sqlite:///other.db"


def test_bundled_config_and_every_rule_file_load() -> None:
    settings = load_settings(ROOT / "config" / "warnd.yaml", env={})
    paths = rule_paths(settings.model_copy(update={"base_dir": str(ROOT)}))
    assert paths, "the bundled config names no rule file"
    rules = load_rules(paths, channels=settings.channels)
    assert {r.rule.kind for r in rules.rules} >= {"threshold", "jump", "new_value"}


@pytest.mark.slow
def test_ten_thousand_feeds_sharing_anchors_stay_under_the_alias_bounds(tmp_path: Path) -> None:
    # bench/daemon.py's 10,000 feeds (70,000 values), each also naming two anchored values: 20,000 aliases.
    first = '  - {name: f00000, url: "http://127.0.0.1:1/f0.rss", interval: &every 60s, tags: &tags [bench, load]}\n'
    feeds = "".join(f'  - {{name: f{i:05d}, url: "http://127.0.0.1:1/f{i}.rss", interval: *every, tags: *tags}}\n'
                    for i in range(1, 10_000))
    settings = load_settings(write(tmp_path, "warnd.yaml", "feeds:\n" + first + feeds), env={})
    assert len(settings.feeds) == 10_000 and settings.feeds[-1].tags == ("bench", "load")


@pytest.mark.parametrize("where", ["absolute", "beside-the-config", "systemd-credentials"])
def test_secrets_come_from_files(tmp_path: Path, where: str) -> None:
    creds = tmp_path / "creds"
    creds.mkdir()
    secret_dir = creds if where == "systemd-credentials" else tmp_path
    (secret_dir / "hook.secret").write_text("s3cret-from-a-file\n")
    (secret_dir / "slack.url").write_text("https://hooks.slack.com/services/T/B/x\n")
    name = str(secret_dir / "hook.secret") if where == "absolute" else "hook.secret"
    path = write(tmp_path, "warnd.yaml", f"""
        base_dir: {tmp_path}
        channels:
          partner: {{type: webhook, url: "https://partner.example.org/in", secret_file: {name}}}
          ops: {{type: slack, url_file: slack.url}}
        """)
    env = {"CREDENTIALS_DIRECTORY": str(creds)} if where == "systemd-credentials" else {}
    settings = load_settings(path, env=env)
    assert settings.channels["partner"].secret.get_secret_value() == "s3cret-from-a-file"   # type: ignore[union-attr]
    assert settings.channels["ops"].url.get_secret_value() == "https://hooks.slack.com/services/T/B/x"  # type: ignore[union-attr]
    assert "s3cret" not in repr(settings)


@pytest.mark.parametrize("setup, expected", [
    pytest.param(None, "3:80: channels.partner: cannot read secret_file", id="missing-file"),
    pytest.param("", "3:80: channels.partner: secret_file", id="empty-file"),
])
def test_an_unreadable_secret_file_is_a_located_problem(tmp_path: Path, setup: str | None, expected: str) -> None:
    if setup is not None:
        (tmp_path / "hook.secret").write_text(setup)
    path = write(tmp_path, "warnd.yaml", f"""
        base_dir: {tmp_path}
        channels:
          partner: {{type: webhook, url: "https://partner.example.org/in", secret_file: hook.secret}}
        """)
    with pytest.raises(ConfigError) as info:
        load_settings(path, env={})
    assert any(expected in str(p) for p in info.value.problems), info.value.problems


def test_a_secret_given_twice_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path, "warnd.yaml", """
        channels:
          ops: {type: slack, url_env: WARND_SLACK_URL, url_file: /run/secrets/slack}
        """)
    with pytest.raises(ConfigError, match="exactly one of 'url', 'url_env' or 'url_file'"):
        load_settings(path, env={"WARND_SLACK_URL": "https://hooks.slack.com/services/T/B/x"})


def test_without_secrets_nothing_is_read_and_the_needs_are_listed(tmp_path: Path) -> None:
    from warnd.config import secrets_needed
    path = write(tmp_path, "warnd.yaml", """
        channels:
          ops: {type: slack, url_env: WARND_TEST_UNSET_SLACK_URL}
          partner: {type: webhook, url: "https://partner.example.org/in", secret_file: /run/secrets/hook}
          desk: {type: email, to: [a@example.org], from: w@example.org, smtp: {password_env: WARND_TEST_SMTP_PW}}
        """)
    settings = load_settings(path, env={}, secrets=False)
    assert secrets_needed(settings) == [
        "environment variable WARND_TEST_UNSET_SLACK_URL (channels.ops.url_env)",
        "file /run/secrets/hook (channels.partner.secret_file)",
        "environment variable WARND_TEST_SMTP_PW (channels.desk.smtp.password_env)",
    ]


@pytest.mark.parametrize("value, seconds", [(20, 20.0), ("20s", 20.0), ("1m30s", 90.0), (2.5, 2.5)])
def test_timeouts_take_seconds_or_a_duration(value: object, seconds: float) -> None:
    from warnd.config.settings import FetchSettings
    assert FetchSettings.model_validate({"timeout_s": value}).timeout_s == seconds


def test_a_timeout_that_is_not_a_duration_is_refused() -> None:
    from pydantic import ValidationError

    from warnd.config.settings import FetchSettings
    with pytest.raises(ValidationError, match="is not a duration"):
        FetchSettings.model_validate({"timeout_s": "soon"})
