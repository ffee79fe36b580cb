"""Config, rules and their loading. Errors carry file:line:col and all of them are reported."""

from __future__ import annotations

import dataclasses
import difflib
import glob
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import jinja2
from pydantic import SecretStr, TypeAdapter, ValidationError

from warnd.config.durations import Duration, format_duration, parse_duration
from warnd.config.loader import LocatedYaml, located_problems, parse_yaml, read_yaml, validate
from warnd.config.routing import routing_problems
from warnd.config.rules import RULE_KINDS, Rule
from warnd.config.settings import (
    AlertmanagerChannelConfig,
    AppriseChannelConfig,
    ChannelConfig,
    EmailChannelConfig,
    FeedSettings,
    FetchSettings,
    FieldMapping,
    FileChannelConfig,
    Settings,
    SlackChannelConfig,
    WebhookChannelConfig,
)
from warnd.errors import ConfigError, Problem, RuleError
from warnd.templating import BoundedEnvironment

__all__ = [
    "AlertmanagerChannelConfig", "AppriseChannelConfig", "DEFAULT_CONFIG", "ChannelConfig", "ConfigError", "Duration", "EmailChannelConfig", "FeedSettings", "FetchSettings", "FieldMapping",
    "FileChannelConfig", "LoadedRule", "RULE_KINDS", "Rule", "RuleError", "RuleSet", "Settings", "SlackChannelConfig",
    "WebhookChannelConfig", "format_duration", "load_rules", "load_settings", "parse_duration", "parse_yaml",
    "crash_spec", "read_yaml", "rule_paths", "rule_templates", "secrets_needed", "validate",
]

DEFAULT_CONFIG = "config/warnd.yaml"
RULE_TEST_SUFFIX = ".test.yaml"
_RULE_ADAPTER: TypeAdapter[Rule] = TypeAdapter(Rule)
_ENV_PREFIX = "WARND_"


def load_settings(path: str | Path, *, env: Mapping[str, str] | None = None, secrets: bool = True) -> Settings:
    """Load and validate the config file; resolve `*_env` and `*_file` secrets and `WARND_DATABASE_URL`.

    With `secrets=False` (`warnd check`, `db`, `status` …: everything but `run`) the secrets are left
    unresolved, so a config can be linted and a database upgraded without them; `secrets_needed`
    says what the daemon will need.

    Raises:
        ConfigError: every problem in the file, each with file:line:col.
    """
    env = dict(os.environ) if env is None else dict(env)
    doc = read_yaml(Path(path), env=env, display=str(path))
    if doc.data is not None and not isinstance(doc.data, dict):
        raise ConfigError([doc.problem((), "the config file must be a mapping of keys")])
    settings = validate(doc, Settings)
    routing = routing_problems(settings.route, settings.inhibit, settings.time_intervals,
                               channels=set(settings.channels), problem=doc.problem,
                               legacy_given=bool(settings.routing.default or settings.routing.by_severity))
    if routing:
        raise ConfigError(routing)
    overrides: dict[str, Any] = {}
    if env.get(f"{_ENV_PREFIX}DATABASE_URL"):
        overrides["database"] = env[f"{_ENV_PREFIX}DATABASE_URL"]
    problems: list[Problem] = []
    channels = dict(settings.channels)
    if secrets:
        for name, channel in settings.channels.items():
            resolved = _resolve_channel_secrets(name, channel, _Secrets(env, settings, doc, problems, name))
            if resolved is not channel:
                channels[name] = resolved
    if problems:
        raise ConfigError(problems)
    if channels != settings.channels:
        overrides["channels"] = channels
    return settings.model_copy(update=overrides) if overrides else settings


# Where each channel type keeps its secrets: (path to the model holding them, key).
def _secret_keys(channel: Any) -> list[tuple[tuple[str, ...], str]]:
    if isinstance(channel, SlackChannelConfig):
        return [((), "url")]
    if isinstance(channel, WebhookChannelConfig):
        return [((), "url"), ((), "secret")]
    if isinstance(channel, EmailChannelConfig):
        return [(("smtp",), "username"), (("smtp",), "password")]
    if isinstance(channel, AlertmanagerChannelConfig):
        return [((), "url"), ((), "bearer_token")]
    if isinstance(channel, AppriseChannelConfig):
        return [((), "url")]
    return []


def secrets_needed(settings: Settings) -> list[str]:
    """What the running daemon will read for the channels' secrets, e.g.
    `environment variable WARND_SLACK_URL (channels.ops.url_env)`; `warnd check` prints them as notes."""
    out: list[str] = []
    for name, channel in settings.channels.items():
        for sub, key in _secret_keys(channel):
            model = channel
            for part in sub:
                model = getattr(model, part)
            where = ".".join(("channels", name, *sub))
            if getattr(model, f"{key}_env", None):
                out.append(f"environment variable {getattr(model, f'{key}_env')} ({where}.{key}_env)")
            if getattr(model, f"{key}_file", None):
                out.append(f"file {getattr(model, f'{key}_file')} ({where}.{key}_file)")
    return out


@dataclass
class _Secrets:
    env: Mapping[str, str]
    settings: Settings
    doc: LocatedYaml
    problems: list[Problem]
    channel: str

    def value(self, model: Any, key: str, loc: tuple[str | int, ...]) -> str | None:
        """The secret `key` from `<key>_env` or `<key>_file`; None (a problem recorded) when unreadable."""
        var, file = getattr(model, f"{key}_env", None), getattr(model, f"{key}_file", None)
        if var is not None:
            if not self.env.get(var):
                self.problems.append(self.doc.problem((*loc, f"{key}_env"),
                                                      f"channels.{self.channel}: environment variable {var} ({key}_env) is not set"))
                return None
            return self.env[var]
        if file is not None:
            # Docker/Kubernetes secret files, or systemd credentials (LoadCredential=): a relative name is
            # looked up in $CREDENTIALS_DIRECTORY when systemd set it, else beside the config (base_dir).
            base = Path(self.env["CREDENTIALS_DIRECTORY"]) if self.env.get("CREDENTIALS_DIRECTORY") \
                else Path(self.settings.base_dir)
            path = Path(file) if Path(file).is_absolute() else base / file
            try:
                text = path.read_text(encoding="utf-8").strip()
            except (OSError, UnicodeDecodeError) as e:
                self.problems.append(self.doc.problem((*loc, f"{key}_file"),
                                                      f"channels.{self.channel}: cannot read {key}_file {path}: "
                                                      f"{type(e).__name__}"))
                return None
            if not text:
                self.problems.append(self.doc.problem((*loc, f"{key}_file"),
                                                      f"channels.{self.channel}: {key}_file {path} is empty"))
                return None
            return text
        return None


def _resolve_channel_secrets(name: str, channel: Any, secrets: _Secrets) -> Any:
    """Fill `url`/`secret`/`username`/`password` from their `*_env` variables or `*_file` files."""
    update: dict[str, Any] = {}
    loc: tuple[str | int, ...] = ("channels", name)
    for sub, key in _secret_keys(channel):
        model = channel.smtp if sub == ("smtp",) else channel
        value = secrets.value(model, key, (*loc, *sub))
        if value is None:
            continue
        secret = key != "username" and not (key == "url" and isinstance(channel, WebhookChannelConfig
                                                                         | AlertmanagerChannelConfig))
        if sub:
            update.setdefault("smtp", {})[key] = SecretStr(value) if secret else value
        else:
            update[key] = SecretStr(value) if secret else value
    if "smtp" in update:
        update["smtp"] = channel.smtp.model_copy(update=update["smtp"])
    return channel.model_copy(update=update) if update else channel


def crash_spec(env: Mapping[str, str] | None = None) -> str | None:
    """The test-only crash injection spec (`WARND_CRASH_AT`, see warnd/crashpoints.py)."""
    env = os.environ if env is None else env
    return env.get("WARND_CRASH_AT") or None


@dataclass(frozen=True, slots=True)
class LoadedRule:
    """A validated rule and where it was written."""

    rule: Rule
    path: str
    line: int | None
    # Where each of the rule's templates (title, annotations.K, labels.K) is written: (key, line, col).
    texts_at: tuple[tuple[tuple[str, ...], int | None, int | None], ...] = ()

    def text_position(self, key: tuple[str, ...]) -> tuple[int | None, int | None]:
        """The line and column of one of the rule's templates (the rule's own line if unknown)."""
        return next(((line, col) for k, line, col in self.texts_at if k == key), (self.line, None))


@dataclass(frozen=True, slots=True)
class RuleSet:
    rules: tuple[LoadedRule, ...]
    files: tuple[str, ...]

    def enabled(self) -> tuple[Rule, ...]:
        return tuple(r.rule for r in self.rules if r.rule.enabled)

    def history_needed(self) -> timedelta:
        """How far back the enabled rules read: window plus baseline or new-value lookback."""
        need = timedelta(0)
        for rule in self.enabled():
            span: timedelta = rule.window
            baseline = getattr(rule, "baseline", None)
            if baseline is not None:
                span += baseline.lookback
            lookback = getattr(rule, "lookback", None)
            if isinstance(lookback, timedelta):
                span += lookback
            need = max(need, span)
        return need

    def by_id(self, rule_id: str) -> Rule | None:
        return next((r.rule for r in self.rules if r.rule.id == rule_id), None)


def rule_paths(settings: Settings) -> list[Path]:
    """The rule files the config names, in a stable order."""
    out: list[Path] = []
    for pattern in settings.rules:
        full = settings.path(pattern)
        if glob.has_magic(str(full)):
            # Rule unit tests live beside the rules (`x.test.yaml`, `warnd rules test`); they are not rules.
            matches = [m for m in sorted(glob.glob(str(full))) if not m.endswith(RULE_TEST_SUFFIX)]
        else:
            matches = [str(full)]
        out.extend(Path(m) for m in matches if Path(m) not in out)
    return out


def load_rules(paths: list[Path] | tuple[Path, ...], *, channels: Mapping[str, Any] | None = None,
               env: Mapping[str, str] | None = None) -> RuleSet:
    """Load every rule file and check each rule; all problems are reported together.

    Raises:
        RuleError: every problem in every file, each with file:line:col.
    """
    problems: list[Problem] = []
    loaded: list[LoadedRule] = []
    seen: dict[str, str] = {}
    jinja = BoundedEnvironment()
    for path in paths:
        try:
            doc = read_yaml(Path(path), env=env or {}, display=str(path))
        except ConfigError as e:
            problems.extend(e.problems)
            continue
        for index, lr, problem_list in _rules_of(doc):
            problems.extend(problem_list)
            if lr is None:
                continue
            rule = lr.rule
            index_loc: tuple[str | int, ...] = ("rules", index)
            if rule.id in seen:
                problems.append(doc.problem((*index_loc, "id"), f"rule {rule.id!r}: duplicate id (also in {seen[rule.id]})"))
            seen.setdefault(rule.id, f"{lr.path}:{lr.line}")
            if channels is not None:
                for i, name in enumerate(rule.notify or ()):
                    if name not in channels:
                        problems.append(doc.problem(
                            (*index_loc, "notify", i),
                            f"rule {rule.id!r}: notify: unknown channel {name!r} "
                            f"(defined: {', '.join(sorted(channels)) or 'none'})"))
            texts_at = []
            for key, text in rule_templates(rule):
                pos = doc.position((*index_loc, *key))
                texts_at.append((key, pos.line if pos else None, pos.col if pos else None))
                try:
                    jinja.parse(text)
                except jinja2.TemplateSyntaxError as e:
                    problems.append(doc.problem((*index_loc, *key),
                                                f"rule {rule.id!r}: {'.'.join(map(str, key))}: template syntax: {e.message}"))
            loaded.append(dataclasses.replace(lr, texts_at=tuple(texts_at)))
    if problems:
        raise RuleError(problems)
    return RuleSet(tuple(loaded), tuple(str(p) for p in paths))


def rule_templates(rule: Rule) -> list[tuple[tuple[str, ...], str]]:
    """A rule's templates with their keys: `("title",)`, `("annotations", K)`, `("labels", K)`."""
    out: list[tuple[tuple[str, ...], str]] = []
    if rule.title:
        out.append((("title",), rule.title))
    out.extend((("annotations", k), v) for k, v in rule.annotations.items())
    out.extend((("labels", k), v) for k, v in rule.labels.items())
    return out


_FIELD_PROBLEM = re.compile(r"^(match|group_by): '([^']+)'")


def _relocate(doc: LocatedYaml, loc: tuple[str | int, ...], raw: dict[str, Any], subject: str,
              problem: Problem) -> Problem:
    """Point a whole-rule check ('match: X does not apply', 'group_by: X is not a field') at X's line."""
    m = _FIELD_PROBLEM.match(problem.message.removeprefix(f"{subject}: "))
    if m is None:
        return problem
    key, name = m.groups()
    if key == "match":
        target: tuple[str | int, ...] = (*loc, "match", name)
        pos = doc.position(target, key=True)
    else:
        values = raw.get("group_by")
        index = values.index(name) if isinstance(values, list) and name in values else None
        pos = doc.position((*loc, "group_by", index) if index is not None else (*loc, "group_by"))
    return Problem(problem.path, pos.line, pos.col, problem.message) if pos else problem


def _rules_of(doc: LocatedYaml) -> list[tuple[int, LoadedRule | None, list[Problem]]]:
    """Validate each rule of a file on its own, so one bad rule does not hide another's errors."""
    data = doc.data
    if data is None:
        return []
    if not isinstance(data, dict):
        return [(-1, None, [doc.problem((), "a rule file is a mapping with a 'rules' list")])]
    extra = [k for k in data if k != "rules"]
    out: list[tuple[int, LoadedRule | None, list[Problem]]] = []
    for key in extra:
        out.append((-1, None, [doc.problem((key,), f"unknown key {key!r}; a rule file has only 'rules'", key=True)]))
    raw_rules = data.get("rules")
    if raw_rules is None:
        return out
    if not isinstance(raw_rules, list):
        return [*out, (-1, None, [doc.problem(("rules",), "'rules' must be a list of rules")])]
    for i, raw in enumerate(raw_rules):
        loc: tuple[str | int, ...] = ("rules", i)
        pos = doc.position(loc)
        rid = raw.get("id") if isinstance(raw, dict) else None
        subject = f"rule {rid!r}" if isinstance(rid, str) else f"rule #{i + 1}"
        if not isinstance(raw, dict):
            out.append((i, None, [doc.problem(loc, f"{subject}: a rule is a mapping of keys")]))
            continue
        if "kind" not in raw:
            out.append((i, None, [doc.problem(loc, f"{subject}: missing required key 'kind' ({' | '.join(RULE_KINDS)})")]))
            continue
        if raw["kind"] not in RULE_KINDS:
            close = difflib.get_close_matches(str(raw["kind"]), RULE_KINDS, n=1, cutoff=0.6)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            out.append((i, None, [doc.problem((*loc, "kind"),
                                           f"{subject}: kind: {raw['kind']!r} is not a rule kind "
                                           f"({' | '.join(RULE_KINDS)}){hint}")]))
            continue
        try:
            rule = _RULE_ADAPTER.validate_python(raw)
        except ValidationError as e:
            problems = located_problems(doc, Rule, e, loc_prefix=loc, subject=subject)
            out.append((i, None, [_relocate(doc, loc, raw, subject, p) for p in problems]))
            continue
        out.append((i, LoadedRule(rule, doc.path, pos.line if pos else None), []))
    return out
