"""`warnd` command line: argument parsing and exit codes; each command calls into its stage.

Exit codes: 0 success, 1 an operator's mistake was found (invalid config/rules, bad input lines) or
the run failed, 2 wrong usage, 3 the database is unreachable, behind or locked.
"""

from __future__ import annotations

import argparse
import asyncio
import getpass
import json
import logging
import os
import sys
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any, TextIO

from warnd import __version__, crashpoints
from warnd.clock import SystemClock, utc
from warnd.config import (
    DEFAULT_CONFIG,
    RuleSet,
    Settings,
    crash_spec,
    load_rules,
    load_settings,
    rule_paths,
    secrets_needed,
)
from warnd.config.durations import format_duration, parse_duration
from warnd.deployment import find_config, init_site
from warnd.errors import ConfigError, Problem, StoreError, WarndError
from warnd.logs import setup_logging

log = logging.getLogger("warnd")

EXIT_OK, EXIT_PROBLEMS, EXIT_USAGE, EXIT_STORE = 0, 1, 2, 3


def _global_options(parser: argparse.ArgumentParser, *, defaults: bool) -> None:
    # The same options before and after the command (`warnd --config X status` = `warnd status --config X`):
    # after it they default to SUPPRESS, or argparse would reset a value given before it to the default.
    parser.add_argument("--config", "-c", default=None if defaults else argparse.SUPPRESS,
                        help=f"config file (default: $WARND_CONFIG, ./{DEFAULT_CONFIG}, "
                             "$XDG_CONFIG_HOME/warnd/warnd.yaml, /etc/warnd/warnd.yaml: the first that exists)")
    parser.add_argument("--log-level", choices=["DEBUG", "INFO", "WARNING", "ERROR"],
                        default=os.environ.get("WARND_LOG_LEVEL", "INFO") if defaults else argparse.SUPPRESS)


def build_parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    _global_options(common, defaults=False)
    p = argparse.ArgumentParser(
        prog="warnd", description="Humanitarian early-warning alert daemon: feeds in, casualty signals, rules, "
                                  "alerts out by email, Slack and signed webhooks.")
    p.add_argument("--version", action="version", version=f"warnd {__version__}")
    _global_options(p, defaults=True)
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")

    run = sub.add_parser("run", parents=[common], help="run the daemon")
    run.add_argument("--once", action="store_true", help="poll every feed once, evaluate, deliver, exit")
    run.add_argument("--migrate", action=argparse.BooleanOptionalAction, default=None,
                     help="bring the schema to head first (default: only a new SQLite file gets its schema)")
    run.add_argument("--log-json", action=argparse.BooleanOptionalAction, default=None,
                     help="JSON log lines (default: when stderr is not a terminal)")

    check = sub.add_parser("check", parents=[common], help="validate config, rules and templates")
    check.add_argument("--rules", nargs="+", metavar="FILE", help="check these rule files instead of the config's")

    ini = sub.add_parser("init", help="write a starter deployment (config, rules, templates, demo feeds) into DIR")
    ini.add_argument("dir", help="the new deployment's directory (created if missing)")
    ini.add_argument("--force", action="store_true", help="overwrite files that exist")

    ex = sub.add_parser("extract", parents=[common], help="extract signals from JSON Lines items")
    ex.add_argument("file", nargs="?", default="-", help="input JSON Lines ('-' for stdin)")

    ev = sub.add_parser("eval-extract", parents=[common], help="score the extractor on a labeled JSON Lines file")
    ev.add_argument("gold", help="labeled JSON Lines (see docs/extraction.md)")
    ev.add_argument("--errors", action="store_true",
                    help="also list every item's missed and spurious figures and field errors, and scores per class")

    bt = sub.add_parser("backtest", parents=[common], help="replay items through the rules with a simulated clock")
    bt.add_argument("--items", required=True, help="JSON Lines: {id, feed, published, title, summary, link}")
    bt.add_argument("--rules", nargs="+", metavar="FILE", help="rule files (default: the config's)")
    bt.add_argument("--from", dest="start", help="report alerts from this time (ISO 8601); earlier items build baselines")
    bt.add_argument("--to", dest="end", help="stop at this time (ISO 8601)")
    bt.add_argument("--tick", help="also evaluate every DURATION of simulated time (e.g. 5m): feed_silence, realert")

    ru = sub.add_parser("rules", help="rule tooling")
    rusub = ru.add_subparsers(dest="rules_command", required=True, metavar="ACTION")
    rt = rusub.add_parser("test", parents=[common], help="run rule unit tests (promtool-style YAML files)")
    rt.add_argument("files", nargs="+", metavar="FILE", help="rule test files, e.g. rules/syria-coast.test.yaml")

    ro = sub.add_parser("routes", help="the routing tree: show it, test labels against it")
    rosub = ro.add_subparsers(dest="routes_command", required=True, metavar="ACTION")
    rot = rosub.add_parser("test", parents=[common], help="print the channels an alert with these labels reaches")
    rot.add_argument("--labels", nargs="+", required=True, metavar="K=V",
                     help="the alert's labels, e.g. severity=critical region=Latakia rule=coast-toll tags=syria")
    rot.add_argument("--tree", action="store_true", help="also print the route nodes that take it, with grouping")
    rot.add_argument("--verify", metavar="CH,CH", help="exit 1 unless exactly these channels are reached")
    rosub.add_parser("show", parents=[common], help="print the routing tree")

    db = sub.add_parser("db", help="database schema")
    dbsub = db.add_subparsers(dest="db_command", required=True, metavar="ACTION")
    dbsub.add_parser("upgrade", parents=[common], help="apply Alembic migrations (idempotent)")
    dbsub.add_parser("current", parents=[common], help="print the schema revision")

    st = sub.add_parser("status", parents=[common], help="feeds, outbox and silences at a glance")
    st.add_argument("--json", action="store_true")

    ob = sub.add_parser("outbox", help="see and resend deliveries")
    obsub = ob.add_subparsers(dest="outbox_command", required=True, metavar="ACTION")
    ol = obsub.add_parser("list", parents=[common], help="list deliveries (newest first)")
    ol.add_argument("--dead", action="store_true", help="only dead letters")
    ol.add_argument("--json", action="store_true")
    orr = obsub.add_parser("retry", parents=[common], help="queue deliveries again")
    orr.add_argument("ids", nargs="*", type=int)
    orr.add_argument("--all-dead", action="store_true")

    si = sub.add_parser("silence", help="mute alerts for a while")
    sisub = si.add_subparsers(dest="silence_command", required=True, metavar="ACTION")
    sa = sisub.add_parser("add", parents=[common], help="add a silence")
    sa.add_argument("--rule", help="rule id (default: any rule)")
    sa.add_argument("--label", action="append", default=[], metavar="K=V", help="label matcher (repeatable)")
    sa.add_argument("--for", dest="duration", required=True, help="how long, e.g. 6h, 2d")
    sa.add_argument("--reason", required=True)
    sl = sisub.add_parser("list", parents=[common], help="list silences")
    sl.add_argument("--all", action="store_true", help="include expired ones")
    sl.add_argument("--json", action="store_true")
    se = sisub.add_parser("expire", parents=[common], help="end a silence now")
    se.add_argument("id", type=int)

    co = sub.add_parser("console", help="credentials for the console (docs/console.md)")
    cosub = co.add_subparsers(dest="console_command", required=True, metavar="ACTION")
    cosub.add_parser("hash-password", help="read a password (prompt or stdin), print its argon2 hash for http.users")
    cosub.add_parser("token", help="make a bearer token for the JSON API; print it and the sha256 for http.tokens")
    return p


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return _dispatch(args)
    except ConfigError as e:
        _print_problems(e.problems, sys.stderr)
        return EXIT_PROBLEMS
    except StoreError as e:
        print(f"warnd: {e}", file=sys.stderr)
        return EXIT_STORE
    except WarndError as e:
        print(f"warnd: {e}", file=sys.stderr)
        return EXIT_PROBLEMS
    except KeyboardInterrupt:
        return 130


def _dispatch(args: argparse.Namespace) -> int:
    command = args.command
    if command == "init":
        return _init(args)
    if command == "console":
        return _console(args)
    choice = find_config(getattr(args, "config", None), os.environ, home=Path.home(), cwd=Path.cwd())
    args.config, args.config_source, args.config_tried = str(choice.path), choice.source, choice.tried
    if command == "run":
        setup_logging(level=args.log_level, json_lines=args.log_json, env=os.environ)
        return _run(args)
    setup_logging(level=args.log_level if hasattr(args, "log_level") else "WARNING", json_lines=False)
    if command == "check":
        return _check(args)
    if command == "extract":
        return _extract(args)
    if command == "eval-extract":
        return _eval_extract(args)
    if command == "backtest":
        return _backtest(args)
    if command == "rules":
        return _rules_test(args)
    if command == "routes":
        return _routes(args)
    if command == "db":
        return _db(args)
    if command == "status":
        return _status(args)
    if command == "outbox":
        return _outbox(args)
    if command == "silence":
        return _silence(args)
    raise AssertionError(command)


def _print_problems(problems: Sequence[Problem], out: TextIO) -> None:
    for p in problems:
        print(p, file=out)
    print(f"{len(problems)} problem(s) found", file=out)


def _settings(args: argparse.Namespace, *, secrets: bool = False) -> Settings:
    """The config; its channel secrets are resolved only for `run`, the one command that sends."""
    return load_settings(args.config, secrets=secrets)


def _routes(args: argparse.Namespace) -> int:
    from warnd.routetest import parse_labels, show_tree, test_routes
    settings = _settings(args)
    if args.routes_command == "show":
        print(show_tree(settings))
        return 0
    try:
        channels, text = test_routes(settings, parse_labels(args.labels), tree=args.tree)
    except ValueError as e:
        print(f"warnd: {e}", file=sys.stderr)
        return EXIT_USAGE
    print(text)
    if args.verify is not None:
        expected = tuple(c.strip() for c in args.verify.split(",") if c.strip())
        if set(expected) != set(channels):
            print(f"warnd: expected {','.join(expected) or '(no channel)'}, got {','.join(channels) or '(no channel)'}",
                  file=sys.stderr)
            return 1
    return 0


# ---- run --------------------------------------------------------------------------------------------

def _run(args: argparse.Namespace) -> int:
    from warnd.daemon import SignalHandlers, build_daemon
    from warnd.rlimits import raise_open_files_limit
    from warnd.systemd import Notifier

    try:
        crashpoints.arm(crash_spec())
    except ValueError as e:
        print(f"warnd: {e}", file=sys.stderr)
        return EXIT_USAGE

    async def main_async() -> int:
        stop = asyncio.Event()
        # Before anything slow (config, gazetteer, store): SIGTERM during start-up is an orderly stop.
        # `--once` keeps the default disposition: nothing there would watch `stop`.
        signals = None if args.once else SignalHandlers(asyncio.get_running_loop(), stop)
        log.info("daemon starting", extra={"config": args.config, "once": args.once})
        settings = _settings(args, secrets=True)
        raise_open_files_limit()   # before build_daemon: the health listener sizes its cap from it
        daemon = await build_daemon(settings, config_path=Path(args.config), migrate=args.migrate)
        daemon.notifier = Notifier.from_environment(os.environ)
        try:
            if signals is None:
                report = await daemon.run_once()
                log.info("run finished", extra={
                    "feeds": report.feeds_polled, "failed": report.feeds_failed, "new_items": report.items_new,
                    "alerts": report.alerts, "sent": report.sent, "pending": report.pending, "dead": report.dead})
                return EXIT_OK
            signals.attach(daemon)
            await daemon.run_forever(stop)
            return EXIT_OK
        finally:
            await daemon.aclose()
            log.info("daemon stopped")

    return asyncio.run(main_async())


# ---- init -------------------------------------------------------------------------------------------

def _init(args: argparse.Namespace) -> int:
    target = Path(args.dir)
    try:
        written = init_site(target, force=args.force)
    except FileExistsError as e:
        print(f"warnd init: {e}", file=sys.stderr)
        return EXIT_PROBLEMS
    print(f"wrote a starter deployment to {target} ({len(written)} files): config/warnd.yaml, rules/, "
          "templates/, demo/ (two replayed demo feeds), var/")
    print(f"next: cd {target} && warnd check && warnd run --once   (alerts land in var/outbox/)")
    return EXIT_OK


# ---- check ------------------------------------------------------------------------------------------

def _check(args: argparse.Namespace) -> int:
    problems: list[Problem] = []
    settings: Settings | None = None
    try:
        settings = _settings(args)
    except ConfigError as e:
        problems.extend(e.problems)
    paths: list[Path] = [Path(p) for p in args.rules] if args.rules else (rule_paths(settings) if settings else [])
    rules: RuleSet | None = None
    if settings is not None and not args.rules and not paths:
        problems.append(Problem(args.config, None, None, "rules: the patterns match no rule file"))
    try:
        rules = load_rules(paths, channels=settings.channels if settings else None)
    except ConfigError as e:
        problems.extend(e.problems)
    warnings: list[Problem] = []
    if rules is not None:
        from warnd.alerts import check_rule_texts, rule_warnings
        problems.extend(check_rule_texts(rules))
        warnings = rule_warnings(rules)
    for warning in warnings:
        print(f"warning: {warning}")
    if settings is not None:
        from warnd.deliver.templates_check import check_templates
        problems.extend(check_templates(settings, [r.rule.id for r in rules.rules] if rules else ()))
        problems.extend(_check_extract_files(settings))
    if problems:
        if args.config_tried and not Path(args.config).exists():
            print(f"no config found; looked for {', '.join(map(str, args.config_tried))} "
                  "(start one with `warnd init DIR`)", file=sys.stdout)
        _print_problems(problems, sys.stdout)
        return EXIT_PROBLEMS
    n_rules = len(rules.rules) if rules else 0
    print(f"ok: config {args.config} ({args.config_source}), {n_rules} rule(s) in {len(paths)} file(s), "
          f"{len(settings.feeds) if settings else 0} feed(s), {len(settings.channels) if settings else 0} channel(s)")
    if settings is not None:
        # check never reads a secret (so it runs in CI and pull requests); it says what `run` will read.
        for need in secrets_needed(settings):
            print(f"note: warnd run will need {need}")
    return EXIT_OK


def _check_extract_files(settings: Settings) -> list[Problem]:
    from warnd.extract import load_extractor
    try:
        load_extractor([settings.path(p) for p in settings.extract.gazetteer],
                       [settings.path(p) for p in settings.extract.lexicons])
    except ConfigError as e:
        return list(e.problems)
    return []


# ---- extract ----------------------------------------------------------------------------------------

def _extractor(args: argparse.Namespace) -> Any:
    from warnd.extract import load_extractor
    gaz: list[Path] = []
    lex: list[Path] = []
    if Path(args.config).exists():
        settings = _settings(args)
        gaz = [settings.path(p) for p in settings.extract.gazetteer]
        lex = [settings.path(p) for p in settings.extract.lexicons]
    return load_extractor(gaz, lex)


def _extract(args: argparse.Namespace) -> int:
    from warnd.extract import extract_jsonl
    extractor = _extractor(args)
    if args.file == "-":
        return extract_jsonl(sys.stdin, sys.stdout, extractor)
    with _open_input(args.file) as src:
        return extract_jsonl(src, sys.stdout, extractor)


def _eval_extract(args: argparse.Namespace) -> int:
    from warnd.extract import eval_extract
    if not Path(args.gold).is_file():
        raise ConfigError([Problem(args.gold, None, None, "file not found")])
    return eval_extract(Path(args.gold), _extractor(args), sys.stdout, errors=args.errors)


def _open_input(path: str) -> TextIO:
    try:
        return open(path, encoding="utf-8")
    except OSError as e:
        raise ConfigError([Problem(path, None, None, f"cannot read: {e.strerror}")]) from e


# ---- backtest ---------------------------------------------------------------------------------------

def _backtest(args: argparse.Namespace) -> int:
    from warnd.backtest import alert_json, format_summary, read_items, run_backtest, summarize
    from warnd.extract import load_extractor

    settings = _settings(args)
    paths = [Path(p) for p in args.rules] if args.rules else rule_paths(settings)
    rules = load_rules(paths, channels=settings.channels)
    start = _when(args.start, "--from") if args.start else None
    end = _when(args.end, "--to") if args.end else None
    try:
        tick = parse_duration(args.tick) if args.tick else None
    except ValueError as e:
        print(f"warnd backtest: --tick: {e}", file=sys.stderr)
        return EXIT_USAGE
    with _open_input(args.items) as src:
        items, problems = read_items(src, path=args.items)
    for p in problems:
        print(p, file=sys.stderr)
    extractor = load_extractor([settings.path(p) for p in settings.extract.gazetteer],
                               [settings.path(p) for p in settings.extract.lexicons])
    fired = []
    for alert in run_backtest(items, settings, rules, extractor, start=start, end=end, tick=tick):
        print(json.dumps(alert_json(alert), ensure_ascii=False), flush=True)
        fired.append(alert)
    print(f"backtest: {len(items)} item(s), {len(fired)} alert(s)", file=sys.stderr)
    print(format_summary(summarize(fired, rules)), file=sys.stderr)
    return EXIT_PROBLEMS if problems else EXIT_OK


def _rules_test(args: argparse.Namespace) -> int:
    from warnd.rulestest import run_rule_tests

    if args.log_level == "INFO":
        logging.getLogger("warnd").setLevel(logging.WARNING)  # a test run prints its diff, not every alert
    settings = load_settings(args.config) if Path(args.config).exists() else None
    return run_rule_tests([Path(f) for f in args.files], sys.stdout, settings=settings)


def _when(value: str, flag: str) -> datetime:
    try:
        return utc(datetime.fromisoformat(value.replace("Z", "+00:00")))
    except ValueError as e:
        raise ConfigError([Problem(flag, None, None, f"{value!r} is not an ISO 8601 time")]) from e


# ---- db ---------------------------------------------------------------------------------------------

def _db(args: argparse.Namespace) -> int:
    from warnd.store._engine import make_engine
    from warnd.store.migrate import current_revision, head_revision, upgrade

    settings = _settings(args)
    engine = make_engine(settings.database_url())
    try:
        if args.db_command == "upgrade":
            before, after = upgrade(engine)
            if before == after:
                print(f"database already at {after} (head)")
            else:
                print(f"database upgraded: {before or 'empty'} → {after}")
        else:
            current = current_revision(engine)
            print(f"{current or 'empty'} (head {head_revision()})")
    finally:
        engine.dispose()
    return EXIT_OK


# ---- status / outbox / silence ----------------------------------------------------------------------

def _open(args: argparse.Namespace) -> tuple[Settings, Any]:
    from warnd.store import open_store
    settings = _settings(args)
    return settings, open_store(settings.database_url())


def _status(args: argparse.Namespace) -> int:
    from warnd.status import collect_status, print_status
    settings, store = _open(args)
    try:
        try:
            rules: RuleSet | None = load_rules(rule_paths(settings), channels=settings.channels)
        except ConfigError:
            rules = None    # `warnd check` says why; status still shows the rest
        status = collect_status(settings, store, SystemClock().now(), rules)
    finally:
        store.close()
    if args.json:
        print(json.dumps(status, indent=2, default=str, ensure_ascii=False))
    else:
        print_status(status, sys.stdout)
    return EXIT_OK


def _outbox(args: argparse.Namespace) -> int:
    from warnd.types import DeliveryStatus
    _, store = _open(args)
    try:
        if args.outbox_command == "list":
            rows = store.deliveries(status=DeliveryStatus.DEAD if args.dead else None)
            if args.json:
                print(json.dumps([{
                    "id": d.id, "alert_id": d.alert_id, "channel": d.channel, "status": str(d.status),
                    "attempts": d.attempts, "next_attempt_at": d.next_attempt_at, "last_error": d.last_error,
                    "rule": a.rule, "title": a.title, "fired_at": a.fired_at} for d, a in rows],
                    indent=2, default=str, ensure_ascii=False))
                return EXIT_OK
            if not rows:
                print("no dead letters" if args.dead else "the outbox is empty")
            for d, a in rows:
                err = f"  last error: {d.last_error}" if d.last_error else ""
                print(f"#{d.id:<6} {d.status:<9} {d.channel:<14} attempts={d.attempts:<2} "
                      f"alert #{a.id} {a.rule} {dict(a.labels)}{err}")
            return EXIT_OK
        if not args.ids and not args.all_dead:
            print("warnd outbox retry: give delivery ids or --all-dead", file=sys.stderr)
            return EXIT_USAGE
        n = store.retry_deliveries(SystemClock().now(), ids=args.ids, all_dead=args.all_dead)
        print(f"{n} deliver{'y' if n == 1 else 'ies'} queued again")
        return EXIT_OK
    finally:
        store.close()


def _silence(args: argparse.Namespace) -> int:
    _, store = _open(args)
    now = SystemClock().now()
    try:
        if args.silence_command == "add":
            matchers = {}
            for raw in args.label:
                key, sep, value = raw.partition("=")
                if not sep or not key:
                    print(f"warnd silence add: --label {raw!r} must be K=V", file=sys.stderr)
                    return EXIT_USAGE
                matchers[key.strip()] = value.strip()
            try:
                duration = parse_duration(args.duration)
            except ValueError as e:
                print(f"warnd silence add: --for: {e}", file=sys.stderr)
                return EXIT_USAGE
            if not args.rule and not matchers:
                # Alertmanager refuses a silence without matchers too: one that names nothing mutes everything.
                print("warnd silence add: name a rule (--rule ID) or at least one --label K=V; "
                      "a silence that names nothing would mute every alert", file=sys.stderr)
                return EXIT_USAGE
            sid = store.add_silence(rule=args.rule, matchers=matchers, starts_at=now, ends_at=now + duration,
                                    reason=args.reason, created_by=os.environ.get("USER"), now=now)
            print(f"silence #{sid} added until {(now + duration).isoformat(timespec='minutes')} "
                  f"({format_duration(duration)})")
            return EXIT_OK
        if args.silence_command == "list":
            silences = store.silences(active_at=None if args.all else now)
            if args.json:
                print(json.dumps([{"id": s.id, "rule": s.rule, "labels": dict(s.matchers),
                                   "starts_at": s.starts_at, "ends_at": s.ends_at, "reason": s.reason,
                                   "active": s.active(now)} for s in silences], indent=2, default=str))
                return EXIT_OK
            if not silences:
                print("no active silences" if not args.all else "no silences")
            for s in silences:
                labels = ",".join(f"{k}={v}" for k, v in s.matchers) or "-"
                state = "active" if s.active(now) else "expired"
                print(f"#{s.id:<5} {state:<8} rule={s.rule or '*'} labels={labels} until "
                      f"{s.ends_at.isoformat(timespec='minutes')}  {s.reason}")
            return EXIT_OK
        if store.expire_silence(args.id, now):
            print(f"silence #{args.id} expired")
            return EXIT_OK
        print(f"warnd silence expire: no active silence #{args.id}", file=sys.stderr)
        return EXIT_PROBLEMS
    finally:
        store.close()


if __name__ == "__main__":
    sys.exit(main())


def _console(args: argparse.Namespace) -> int:
    from warnd.console import hash_password, new_token  # argon2 is loaded only for this command
    if args.console_command == "token":
        token, digest = new_token()
        print(f"token (give it to the API client; it is not stored): {token}")
        print(f"http.tokens entry: {{name: CLIENT, sha256: {digest}, role: viewer}}")
        return 0
    if sys.stdin.isatty():
        password = getpass.getpass("password: ")
        if getpass.getpass("again: ") != password:
            print("warnd console hash-password: the two passwords differ", file=sys.stderr)
            return EXIT_PROBLEMS
    else:
        password = sys.stdin.readline().rstrip("\n")
    if len(password) < 10:
        print("warnd console hash-password: use at least 10 characters", file=sys.stderr)
        return EXIT_PROBLEMS
    print(hash_password(password))
    return 0
