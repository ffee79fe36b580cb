"""`warnd rules test FILE...`: rule unit tests, in the spirit of `promtool test rules`.

A test file names rule files and lists test cases. Each case feeds input items (and failed polls)
at given times through the daemon's own `Pipeline` — extract → store → evaluate → alert decisions —
on a throwaway SQLite database with a simulated clock, and compares the alerts fired at given times
with the ones expected. Items may carry preset `signals:` so a rule test does not depend on text
extraction; items with only text go through the extractor. See docs/rules.md#rule-unit-tests.

```yaml
rule_files: [syria-coast.yaml]          # relative to this file (default: the file without `.test`)
feeds: [{name: monitor, tags: [syria]}]  # feed names and tags (match.tags, feed_silence)
tests:
  - name: a toll repeated by two outlets is corroborated
    start: 2025-03-07T00:00:00Z
    input:
      - {at: 1h, feed: monitor, id: a, title: "745 killed", signals: {country: Syria, region: Latakia,
         casualties: [{kind: killed, count: 745}]}}
    expect:
      - at: 1h
        alerts: [{rule: coast-deaths-jump, labels: {region: Latakia}, value: 745}]
```
"""

from __future__ import annotations

import functools
import hashlib
import importlib
import shutil
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any, Literal, TextIO

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from warnd.clock import FakeClock, utc
from warnd.config import RuleSet, Settings, load_rules, parse_duration, read_yaml, validate
from warnd.config.loader import LocatedYaml
from warnd.errors import ConfigError, Problem
from warnd.pipeline import Extract, Pipeline
from warnd.store import Store, open_store
from warnd.types import Alert, Casualty, CasualtyKind, FeedState, Item, Qualifier, Signals

__all__ = ["PresetExtractor", "RuleTestFile", "run_rule_tests"]

EXIT_OK, EXIT_FAILED = 0, 1


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class CasualtyIn(_Model):
    kind: CasualtyKind
    count: int = Field(ge=0)
    qualifier: Qualifier = Qualifier.EXACT
    victims: str = "people"
    cumulative: bool = False
    location: str | None = None
    part_of: int | None = None
    historical: bool = False
    estimate: bool = False
    since: date | None = None
    scope: str | None = None
    attributed_to: str | None = None


class SignalsIn(_Model):
    """Preset signals of an input item: no text extraction."""

    casualties: tuple[CasualtyIn, ...] = ()
    region: str | None = None
    country: str | None = None
    targeted_groups: tuple[str, ...] = ()

    def signals(self) -> Signals:
        return Signals(
            casualties=tuple(Casualty(c.kind, c.count, c.qualifier, c.victims, c.cumulative, c.location,
                                      c.part_of, c.historical, c.estimate, c.since, c.scope, c.attributed_to)
                             for c in self.casualties),
            region=self.region, country=self.country, targeted_groups=self.targeted_groups)


# A time in a test file: an ISO 8601 time with a zone, or a duration after the test's `start` ("6h").
When = datetime | str


class InputIn(_Model):
    """An item seen at `at` (published at `published`, default `at`), a failed poll (`poll_error`), or a
    successful poll that brought nothing new (`poll: ok`)."""

    at: When
    feed: str = "test"
    id: str | None = None
    title: str = ""
    summary: str = ""
    text: str | None = None
    link: str | None = None
    published: When | None = None
    signals: SignalsIn | None = None
    poll_error: str | None = None
    poll: Literal["ok"] | None = None

    @model_validator(mode="after")
    def _item_or_poll(self) -> InputIn:
        is_item = bool(self.id or self.title or self.text or self.summary)
        if is_item + (self.poll_error is not None) + (self.poll is not None) != 1:
            raise ValueError("an input is one of: an item ('id' or 'title'), a failed poll ('poll_error'), "
                             "or a poll that brought nothing new ('poll: ok')")
        return self


class AlertIn(_Model):
    rule: str
    labels: dict[str, str] = {}
    value: float | None = None
    baseline: float | None = None
    sources: int | None = None
    escalation: bool | None = None
    silenced: bool | None = None


class ExpectIn(_Model):
    at: When
    rule: str | None = Field(None, description="check only this rule's alerts at this time")
    alerts: tuple[AlertIn, ...] = ()


class SilenceIn(_Model):
    rule: str | None = None
    labels: dict[str, str] = {}
    start: When
    end: When
    reason: str = "rule test"

    @model_validator(mode="after")
    def _names_something(self) -> SilenceIn:
        if not self.rule and not self.labels:
            raise ValueError("a silence must name a rule or at least one label (one that names nothing mutes everything)")
        return self


class CaseIn(_Model):
    name: str
    start: datetime | None = None
    tick: str | None = Field(None, description="also evaluate every tick (e.g. 1h): time-driven rules")
    input: tuple[InputIn, ...] = ()
    silences: tuple[SilenceIn, ...] = ()
    expect: tuple[ExpectIn, ...]

    @model_validator(mode="after")
    def _expects(self) -> CaseIn:
        if not self.expect:
            raise ValueError("a test needs at least one 'expect' entry")
        return self

    @field_validator("tick")
    @classmethod
    def _tick(cls, v: str | None) -> str | None:
        if v is not None and parse_duration(v) <= timedelta(0):
            raise ValueError("tick must be longer than 0s")
        return v


class FeedIn(_Model):
    name: str
    tags: tuple[str, ...] = ()


class RuleTestFile(_Model):
    rule_files: tuple[str, ...] = ()
    feeds: tuple[FeedIn, ...] = ()
    tests: tuple[CaseIn, ...]

    @model_validator(mode="after")
    def _tests(self) -> RuleTestFile:
        if not self.tests:
            raise ValueError("a rule test file needs at least one test under 'tests'")
        return self


class PresetExtractor:
    """Uses an item's preset signals; items without them go to `fallback` (the text extractor), which
    is built on first use only: loading the gazetteer takes a second or two."""

    def __init__(self, fallback: Extract | Callable[[], Extract | None] | None = None) -> None:
        self._fallback = fallback
        self._loaded = not callable(fallback) or hasattr(fallback, "extract")

    def extract(self, item: Item) -> Signals:
        if item.signals is not None:
            return item.signals
        if not self._loaded:
            assert callable(self._fallback)
            self._fallback = self._fallback()
            self._loaded = True
        if self._fallback is None or not hasattr(self._fallback, "extract"):
            raise ConfigError([Problem("(rule test)", None, None,
                                       f"item {item.key!r} has no 'signals' and no text extractor is available")])
        return self._fallback.extract(item)


@dataclass(frozen=True, slots=True)
class _Fired:
    at: datetime
    alert: Alert
    silenced: bool


def run_rule_tests(paths: list[Path], out: TextIO, *, settings: Settings | None,
                   extractor: Extract | None = None) -> int:
    """Run every test case of every file; print failures as a readable diff. Returns the exit code."""
    failed = passed = 0
    with tempfile.TemporaryDirectory(prefix="warnd-rules-test-") as tmp:
        # Migrate one empty database and copy it for each test case: cases never share state.
        template = Path(tmp) / "template.db"
        open_store(f"sqlite:///{template}", migrate=True).close()
        text = PresetExtractor(extractor if extractor is not None
                               else functools.partial(_default_extractor, settings or Settings()))
        for path in paths:
            p, f = _run_file(path, out, settings, text, template)
            passed, failed = passed + p, failed + f
    status = "ok" if not failed else "FAILED"
    print(f"{status}: {passed} passed, {failed} failed", file=out)
    return EXIT_OK if not failed else EXIT_FAILED


def _run_file(path: Path, out: TextIO, settings: Settings | None, extractor: Extract,
              template: Path) -> tuple[int, int]:
    """Run one test file; returns (passed, failed)."""
    failed = passed = 0
    try:
        doc, spec, rules = _load(path, settings)
    except ConfigError as e:
        for p in e.problems:
            print(p, file=out)
        return 0, 1
    for index, case in enumerate(spec.tests):
        loc_line = _line(doc, ("tests", index))
        try:
            problems = _run_case(path, doc, index, case, spec, rules, settings, extractor, template)
        except ConfigError as e:
            problems = [str(p) for p in e.problems]
        if problems:
            failed += 1
            print(f"FAIL {path}:{loc_line}: {case.name}", file=out)
            for line in problems:
                print(f"  {line}", file=out)
        else:
            passed += 1
    return passed, failed


def _load(path: Path, settings: Settings | None) -> tuple[LocatedYaml, RuleTestFile, RuleSet]:
    doc = read_yaml(path, display=str(path))
    spec = validate(doc, RuleTestFile)
    names = spec.rule_files or (path.name.replace(".test.yaml", ".yaml"),)
    rule_paths = [path.parent / n for n in names]
    missing = [p for p in rule_paths if not p.exists()]
    if missing:
        raise ConfigError([doc.problem(("rule_files",), f"rule file not found: {p}") for p in missing])
    rules = load_rules(rule_paths, channels=settings.channels if settings else None)
    return doc, spec, rules


def _line(doc: LocatedYaml, loc: tuple[str | int, ...]) -> int | str:
    pos = doc.position(loc)
    return pos.line if pos else "?"


def _resolve(when: When, start: datetime | None, where: str) -> datetime:
    if isinstance(when, datetime):
        if when.tzinfo is None:
            raise ConfigError([Problem(where, None, None, f"{when.isoformat()}: give a time zone (Z or +03:00)")])
        return utc(when)
    try:
        return utc(datetime.fromisoformat(when.replace("Z", "+00:00")))
    except ValueError:
        pass
    try:
        offset = parse_duration(when)
    except ValueError as e:
        raise ConfigError([Problem(where, None, None, f"{when!r} is neither a time nor a duration")]) from e
    if start is None:
        raise ConfigError([Problem(where, None, None, f"{when!r} is relative: give the test a 'start' time")])
    return start + offset


def _run_case(path: Path, doc: LocatedYaml, index: int, case: CaseIn, spec: RuleTestFile, rules: RuleSet,
              settings: Settings | None, extractor: Extract, template: Path) -> list[str]:
    where = f"{path}:{_line(doc, ('tests', index))}"
    start = _resolve(case.start, None, where) if case.start else None
    inputs = sorted(((_resolve(i.at, start, where), n, i) for n, i in enumerate(case.input)),
                    key=lambda t: (t[0], t[1]))
    expects = [(_resolve(e.at, start, where), n, e) for n, e in enumerate(case.expect)]
    times = sorted({t for t, _, _ in inputs} | {t for t, _, _ in expects})
    first = start or times[0]
    if case.tick:
        tick = parse_duration(case.tick)
        t = first
        ticks = set()
        while t <= times[-1]:
            ticks.add(t)
            t += tick
        times = sorted(set(times) | ticks)
    base = settings or Settings()
    feed_tags = {f.name: f.tags for f in spec.feeds} or {f.name: f.tags for f in base.feeds if f.enabled}
    fired: list[_Fired] = []
    with tempfile.TemporaryDirectory(prefix="warnd-rules-test-") as tmp:
        db = Path(tmp) / "rules-test.db"
        shutil.copyfile(template, db)
        store = open_store(f"sqlite:///{db}")
        try:
            clock = FakeClock(first)
            pipeline = Pipeline(store, extractor, base, rules,
                                feed_tags=dict(feed_tags) or {"test": ()})
            for s in case.silences:
                store.add_silence(rule=s.rule, matchers=dict(s.labels), starts_at=_resolve(s.start, start, where),
                                  ends_at=_resolve(s.end, start, where), reason=s.reason, created_by="rules test",
                                  now=first)
            pending = list(inputs)
            for at in times:
                clock.set(at)
                while pending and pending[0][0] <= at:
                    _, n, entry = pending.pop(0)
                    _feed_input(store, pipeline, entry, n, clock.now(), start)
                for alert in pipeline.evaluate(clock.now()):
                    fired.append(_Fired(at, alert, _is_silenced(store, alert)))
        finally:
            store.close()
    return _compare(doc, index, expects, fired)


def _default_extractor(settings: Settings) -> Extract | None:
    """The text extractor, when this warnd has one (`warnd.extract`); None otherwise.

    Raises:
        ConfigError: the config's gazetteer or lexicon files are invalid (reported as the test's failure).
    """
    try:
        # Imported by name: extraction is a sibling stage, and rule tests with preset signals need none.
        module = importlib.import_module("warnd.extract")
    except ImportError:
        return None
    load = getattr(module, "load_extractor", None)
    if load is None:
        return None
    extractor: Extract = load([settings.path(p) for p in settings.extract.gazetteer],
                              [settings.path(p) for p in settings.extract.lexicons])
    return extractor


def _feed_input(store: Store, pipeline: Pipeline, entry: InputIn, n: int, now: datetime,
                start: datetime | None) -> None:
    states = store.feed_states()
    state = states.get(entry.feed) or FeedState(feed=entry.feed)
    if entry.poll_error is not None:
        state = replace(state, last_polled_at=now, last_error_at=now, last_error=entry.poll_error,
                        consecutive_failures=state.consecutive_failures + 1)
        store.save_feed_state(state)
        return
    if entry.poll is not None:
        store.save_feed_state(replace(state, last_polled_at=now, last_success_at=now, consecutive_failures=0,
                                      last_error=None))
        return
    published = _resolve(entry.published, start, "published") if entry.published is not None else now
    summary = entry.summary or (entry.text or "")
    title = entry.title
    key = entry.id or f"input-{n}"
    item = Item(feed=entry.feed, key=key, title=title, summary=summary, link=entry.link,
                published_at=published, guid=key,
                content_hash=hashlib.sha256(f"{title}\n{summary}\n{entry.signals!r}".encode()).hexdigest(),
                signals=entry.signals.signals() if entry.signals else None)
    state = replace(state, last_polled_at=now, last_success_at=now, consecutive_failures=0, last_error=None)
    pipeline.ingest(entry.feed, [item], state, now)


def _is_silenced(store: Store, alert: Alert) -> bool:
    return alert.id is not None and store.alert_silence(alert.id) is not None


def _show(rule: str, labels: dict[str, str], **fields: Any) -> str:
    lab = ", ".join(f"{k}={v}" for k, v in sorted(labels.items()))
    extra = " ".join(f"{k}={v:g}" if isinstance(v, float) else f"{k}={v}" for k, v in fields.items()
                     if v is not None)
    return f"{rule} {{{lab}}}" + (f" {extra}" if extra else "")


def _show_fired(f: _Fired) -> str:
    a = f.alert
    return _show(a.rule, a.label_dict, value=a.value, baseline=a.baseline, sources=a.sources,
                 escalation=a.escalation or None, silenced=f.silenced or None)


def _matches(want: AlertIn, got: _Fired) -> bool:
    a = got.alert
    if want.rule != a.rule or any(a.label_dict.get(k) != v for k, v in want.labels.items()):
        return False
    checks: Sequence[tuple[object, object]] = (
        (want.value, a.value), (want.baseline, a.baseline), (want.sources, a.sources),
        (want.escalation, a.escalation), (want.silenced, got.silenced))
    for expected, actual in checks:
        if expected is None:
            continue
        if isinstance(expected, float) and isinstance(actual, float | int):
            if abs(expected - actual) > 1e-9 * max(1.0, abs(expected)):
                return False
        elif expected != actual:
            return False
    return True


def _compare(doc: LocatedYaml, index: int, expects: list[tuple[datetime, int, ExpectIn]],
             fired: list[_Fired]) -> list[str]:
    problems: list[str] = []
    for at, n, exp in sorted(expects, key=lambda e: (e[0], e[1])):
        got = [f for f in fired if f.at == at and (exp.rule is None or f.alert.rule == exp.rule)]
        unmatched = list(got)
        missing: list[AlertIn] = []
        for want in exp.alerts:
            hit = next((f for f in unmatched if _matches(want, f)), None)
            if hit is None:
                missing.append(want)
            else:
                unmatched.remove(hit)
        if not missing and not unmatched:
            continue
        scope = f" (rule {exp.rule})" if exp.rule else ""
        problems.append(f"line {_line(doc, ('tests', index, 'expect', n))}: at {at.isoformat()}{scope}:")
        for want in missing:
            problems.append("  - expected " + _show(want.rule, want.labels, value=want.value, baseline=want.baseline,
                                                    sources=want.sources, escalation=want.escalation,
                                                    silenced=want.silenced))
        for f in unmatched:
            problems.append("  + got      " + _show_fired(f))
        if not got:
            problems.append("    (no alert fired at this time)")
    return problems
