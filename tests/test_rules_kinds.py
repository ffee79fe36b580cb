"""Every rule kind on the simulated clock, through the daemon's own Pipeline, on SQLite and PostgreSQL.

Window edges, time zones, daylight-saving days, late items, edited items, duplicate reports from many
outlets, baselines with no history; frequency, keyword and feed_silence; and the batched evaluation
(one aggregate query per rule for all touched groups) against a naive per-group reference.
"""

from __future__ import annotations

import hashlib
import random
import textwrap
from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from warnd import evaluate
from warnd.config import Settings, load_rules
from warnd.config.rules import FrequencyRule, JumpRule, NewValueRule, ThresholdRule
from warnd.evaluate import phrase_matcher
from warnd.pipeline import Pipeline, group_of
from warnd.rulestest import PresetExtractor
from warnd.store import Store
from warnd.types import Casualty, CasualtyKind, FeedState, Item, Signals

T0 = datetime(2025, 3, 9, 12, 0, tzinfo=UTC)
SETTINGS = Settings.model_validate({
    "channels": {"mail": {"type": "file", "format": "eml", "dir": "x"}},
    "routing": {"default": ["mail"]},
})
FEEDS = {"monitor": ("syria",), "wire": ("syria",), "blog": ("other",)} | {f"outlet-{i}": ("syria",)
                                                                          for i in range(10)}


def make_item(key: str, *, killed: int = 0, injured: int = 0, region: str | None = "Latakia",
              feed: str = "monitor", at: datetime = T0, groups: tuple[str, ...] = (), title: str = "",
              summary: str = "") -> Item:
    title = title or f"{key}: {killed} killed in {region}"
    casualties = tuple(Casualty(k, n) for k, n in ((CasualtyKind.KILLED, killed), (CasualtyKind.INJURED, injured))
                       if n)
    signals = Signals(casualties=casualties, region=region, country="Syria", targeted_groups=groups)
    return Item(feed=feed, key=key, title=title, summary=summary, link=f"https://{feed}.example.org/{key}",
                published_at=at, content_hash=hashlib.sha256(f"{title}\n{summary}\n{killed}".encode()).hexdigest(),
                signals=signals)


def make_pipeline(store: Store, tmp_path: Path, rules_yaml: str) -> Pipeline:
    path = tmp_path / "rules.yaml"
    path.write_text(textwrap.dedent(rules_yaml))
    return Pipeline(store, PresetExtractor(), SETTINGS, load_rules([path]), feed_tags=dict(FEEDS))


def feed_in(p: Pipeline, now: datetime, *items: Item) -> list[str]:
    """Ingest items at `now`, evaluate, return 'rule:labels:value' of the alerts fired."""
    for it in items:
        p.ingest(it.feed, [it], None, now)
    return [f"{a.rule}:{','.join(v for _, v in a.labels)}:{a.value:g}" for a in p.evaluate(now)]


# ---- frequency --------------------------------------------------------------------------------------

FREQUENCY = """
rules:
  - id: burst
    kind: frequency
    match: {kind: killed}
    group_by: [region]
    window: 6h
    condition: {at_least: 3}
    realert: 0s
"""


def test_frequency_counts_items_in_the_window_and_its_edges(store: Store, tmp_path: Path) -> None:
    p = make_pipeline(store, tmp_path, FREQUENCY)
    now = T0
    # Exactly 6h old is inside the window; 6h + 1µs is outside.
    edge = make_item("edge", killed=1, at=now - timedelta(hours=6))
    out = make_item("out", killed=1, at=now - timedelta(hours=6, microseconds=1))
    assert feed_in(p, now, edge, out) == []
    assert feed_in(p, now, make_item("b", killed=2)) == []
    assert feed_in(p, now, make_item("c", killed=2)) == ["burst:Latakia:3"]


def test_frequency_duplicates_from_many_outlets_are_many_reports_but_an_edit_is_one(
        store: Store, tmp_path: Path) -> None:
    p = make_pipeline(store, tmp_path, FREQUENCY)
    first = make_item("toll", killed=745, title="745 killed")
    assert feed_in(p, T0, first) == []
    edited = make_item("toll", killed=1018, title="toll rises to 1,018")
    assert feed_in(p, T0 + timedelta(minutes=5), edited) == []          # one item, two revisions: 1 report
    copies = [make_item(f"copy{i}", killed=1018, feed=f"outlet-{i}") for i in range(2)]
    assert feed_in(p, T0 + timedelta(minutes=10), *copies) == ["burst:Latakia:3"]


def test_frequency_counts_an_item_with_several_figures_once(store: Store, tmp_path: Path) -> None:
    p = make_pipeline(store, tmp_path, FREQUENCY.replace("match: {kind: killed}", "match: {kind: [killed, injured]}"))
    assert feed_in(p, T0, make_item("a", killed=3, injured=5), make_item("b", killed=1, injured=1)) == []
    assert feed_in(p, T0, make_item("c", injured=2)) == ["burst:Latakia:3"]


# ---- keyword ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("text, phrases, exclude, expected", [
    pytest.param("MASSACRE in Baniyas", ("massacre",), (), ("massacre",), id="case-insensitive"),
    pytest.param("massacres reported", ("massacre",), (), (), id="whole-word-only"),
    pytest.param("a massacre.", ("massacre",), (), ("massacre",), id="before-punctuation"),
    pytest.param("(massacre)", ("massacre",), (), ("massacre",), id="in-parentheses"),
    pytest.param("a mass\n  grave", ("mass grave",), (), ("mass grave",), id="phrase-spans-whitespace"),
    pytest.param("massgrave", ("mass grave",), (), (), id="phrase-needs-its-space"),
    pytest.param("ethnic cleansing and a massacre", ("massacre", "ethnic cleansing"), (),
                 ("ethnic cleansing", "massacre"), id="several"),
    pytest.param("anniversary of the massacre", ("massacre",), ("anniversary",), (), id="exclude-wins"),
    pytest.param("Massaker in Latakia", ("massacre",), (), (), id="other-language-is-not-matched"),
    pytest.param("U.N. says", ("u.n.",), (), ("u.n.",), id="phrase-ending-in-punctuation"),
    pytest.param("", ("massacre",), (), (), id="empty-text"),
    pytest.param("mass\u00a0grave", ("mass grave",), (), ("mass grave",), id="no-break-space"),
    pytest.param("massacreé", ("massacre",), (), (), id="accented-letter-is-a-word-character"),
    pytest.param("مجزرة في بانياس", ("مجزرة",), (), ("مجزرة",), id="arabic"),
    pytest.param("ÉPURATION ethnique", ("épuration ethnique",), (), ("épuration ethnique",),
                 id="non-ascii-phrase-folds-unicode-case"),
])
def test_phrase_matcher(text: str, phrases: tuple[str, ...], exclude: tuple[str, ...],
                        expected: tuple[str, ...]) -> None:
    assert phrase_matcher(phrases, exclude).matches(text) == expected


KEYWORD = """
rules:
  - id: words
    kind: keyword
    match: {tags: [syria]}
    group_by: [region]
    window: 24h
    phrases: [massacre, mass grave]
    exclude: [anniversary]
    condition: {at_least: 2}
    min_sources: 2
    realert: 0s
"""


def test_keyword_needs_two_items_from_two_feeds_in_the_window(store: Store, tmp_path: Path) -> None:
    p = make_pipeline(store, tmp_path, KEYWORD)
    assert feed_in(p, T0, make_item("a", title="Massacre in Baniyas", at=T0 - timedelta(hours=25))) == []
    assert feed_in(p, T0, make_item("b", title="Another massacre", feed="monitor")) == []   # a is too old
    assert feed_in(p, T0, make_item("c", title="massacre anniversary", feed="wire")) == []   # excluded
    assert feed_in(p, T0, make_item("d", title="Mass grave found", feed="blog")) == []       # untagged feed
    assert feed_in(p, T0, make_item("e", title="a", summary="Mass grave found", feed="wire")) == ["words:Latakia:2"]


def test_keyword_sees_an_item_edited_to_add_the_phrase(store: Store, tmp_path: Path) -> None:
    p = make_pipeline(store, tmp_path, KEYWORD.replace("at_least: 2", "at_least: 1").replace("min_sources: 2", ""))
    assert feed_in(p, T0, make_item("a", title="Clashes near Jableh")) == []
    later = T0 + timedelta(hours=1)
    assert feed_in(p, later, make_item("a", title="Clashes near Jableh; residents speak of a massacre")) \
        == ["words:Latakia:1"]
    (alert,) = store.alerts(rule="words")
    assert alert.evidence[0].title.endswith("massacre") and alert.evidence[0].link


def test_keyword_database_prefilter_never_drops_a_match(store: Store, tmp_path: Path) -> None:
    rules = KEYWORD.replace("at_least: 2", "at_least: 1").replace("min_sources: 2", "") \
        .replace("[massacre, mass grave]", "[massacre, mass grave, 100%_sure, épuration ethnique]")
    p = make_pipeline(store, tmp_path, rules)
    texts = ["MASS\u00a0GRAVE", "Mass\ngrave", "100%_SURE", "ÉPURATION ETHNIQUE", "Massacre"]
    for n, text in enumerate(texts):
        region = f"R{n}"
        assert feed_in(p, T0, make_item(f"k{n}", title=text, region=region)) == [f"words:{region}:1"], text


def test_keyword_groups_items_without_a_region_together(store: Store, tmp_path: Path) -> None:
    p = make_pipeline(store, tmp_path, KEYWORD.replace("at_least: 2", "at_least: 1").replace("min_sources: 2", ""))
    assert feed_in(p, T0, make_item("a", title="Massacre reported", region=None)) == ["words::1"]


# ---- feed_silence -----------------------------------------------------------------------------------

SILENCE = """
rules:
  - id: quiet
    kind: feed_silence
    match: {tags: [syria]}
    silent_for: 12h
    failing_for: 2h
    realert: 24h
"""


def test_feed_silence_fires_without_new_items_and_clears_when_the_feed_speaks(store: Store, tmp_path: Path) -> None:
    p = replace(make_pipeline(store, tmp_path, SILENCE), feed_tags={"monitor": ("syria",), "blog": ("other",)})
    assert feed_in(p, T0, make_item("a")) == []
    assert feed_in(p, T0 + timedelta(hours=11, minutes=59)) == []
    assert feed_in(p, T0 + timedelta(hours=12)) == ["quiet:monitor:12"]
    assert feed_in(p, T0 + timedelta(hours=13)) == []                              # realert
    assert feed_in(p, T0 + timedelta(hours=14), make_item("b", at=T0 + timedelta(hours=14))) == []
    (state,) = [s for s in [store.alert_state(a.dedup_key) for a in store.alerts(rule="quiet")] if s]
    assert not state.firing                                                        # cleared by the new item


def test_feed_silence_counts_a_never_heard_feed_from_when_warnd_started_watching(
        store: Store, tmp_path: Path) -> None:
    p = replace(make_pipeline(store, tmp_path, SILENCE), feed_tags={"monitor": ("syria",)})
    assert feed_in(p, T0) == []
    assert feed_in(p, T0 + timedelta(hours=12)) == ["quiet:monitor:12"]


def test_feed_silence_failing_polls_count_from_the_last_success(store: Store, tmp_path: Path) -> None:
    p = replace(make_pipeline(store, tmp_path, SILENCE), feed_tags={"monitor": ("syria",)})
    assert feed_in(p, T0, make_item("a")) == []
    ok = FeedState(feed="monitor", last_success_at=T0 + timedelta(hours=1), last_polled_at=T0 + timedelta(hours=1))
    store.save_feed_state(ok)
    failing = replace(ok, consecutive_failures=3, last_error="HTTP 503", last_error_at=T0 + timedelta(hours=3))
    store.save_feed_state(failing)
    assert feed_in(p, T0 + timedelta(hours=2, minutes=59)) == []
    assert feed_in(p, T0 + timedelta(hours=3)) == ["quiet:monitor:2"]
    (alert,) = store.alerts(rule="quiet")
    assert "HTTP 503" in dict(alert.annotations)["reason"]


def test_feed_silence_names_feeds_explicitly(store: Store, tmp_path: Path) -> None:
    p = make_pipeline(store, tmp_path, SILENCE.replace("match: {tags: [syria]}", "match: {feeds: [blog]}"))
    assert feed_in(p, T0) == []
    assert feed_in(p, T0 + timedelta(hours=12)) == ["quiet:blog:12"]


# ---- jump: baselines ---------------------------------------------------------------------------------

JUMP = """
rules:
  - id: jump
    kind: jump
    match: {kind: killed}
    group_by: [region]
    window: 24h
    baseline: {lookback: 7d, stat: median, min_baseline_days: 10}
    condition: {increase_at_least: 50}
    realert: 0s
"""


def test_jump_min_baseline_days_looks_past_the_lookback(store: Store, tmp_path: Path) -> None:
    p = make_pipeline(store, tmp_path, JUMP)
    assert feed_in(p, T0 - timedelta(days=12), make_item("old", killed=1, at=T0 - timedelta(days=12))) == []
    assert feed_in(p, T0 - timedelta(days=9), make_item("tartus-old", killed=1, region="Tartus",
                                                        at=T0 - timedelta(days=9))) == []
    # Latakia has 11 days of history before the window (more than the 7-day lookback); Tartus 8.
    fired = feed_in(p, T0, make_item("now", killed=300), make_item("tartus", killed=300, region="Tartus"))
    assert fired == ["jump:Latakia:300"]


def test_jump_on_a_group_with_no_history_at_all(store: Store, tmp_path: Path) -> None:
    p = make_pipeline(store, tmp_path, JUMP.replace(", min_baseline_days: 10", ""))
    assert feed_in(p, T0, make_item("first", killed=60)) == ["jump:Latakia:60"]
    (alert,) = store.alerts(rule="jump")
    assert alert.baseline == 0


def test_jump_waits_with_min_baseline_days_on_a_group_with_no_history(store: Store, tmp_path: Path) -> None:
    p = make_pipeline(store, tmp_path, JUMP)
    assert feed_in(p, T0, make_item("first", killed=600)) == []


# ---- time zones, daylight saving, late items -----------------------------------------------------------

THRESHOLD = """
rules:
  - id: toll
    kind: threshold
    match: {kind: killed}
    group_by: [region]
    window: 24h
    condition: {at_least: 100}
    realert: 0s
"""


@pytest.mark.parametrize("published, inside", [
    pytest.param(datetime(2025, 3, 9, 15, 0, tzinfo=timezone(timedelta(hours=3))), True, id="utc+3-same-instant-edge"),
    pytest.param(datetime(2025, 3, 9, 14, 59, 59, tzinfo=timezone(timedelta(hours=3))), False,
                 id="utc+3-one-second-early"),
    pytest.param(datetime(2025, 3, 9, 7, 0, tzinfo=timezone(timedelta(hours=-5))), True, id="utc-5"),
])
def test_windows_compare_instants_whatever_the_published_zone(store: Store, tmp_path: Path, published: datetime,
                                                              inside: bool) -> None:
    p = make_pipeline(store, tmp_path, THRESHOLD)
    now = T0 + timedelta(hours=24)          # window starts at T0 = 12:00 UTC = 15:00 UTC+3
    fired = feed_in(p, now, make_item("a", killed=150, at=published))
    assert fired == (["toll:Latakia:150"] if inside else [])


def test_daylight_saving_day_has_24_hour_windows_and_baseline_buckets(store: Store, tmp_path: Path) -> None:
    berlin = ZoneInfo("Europe/Berlin")        # 2025-03-30 02:00 → 03:00 local: a 23-hour calendar day
    p = make_pipeline(store, tmp_path, JUMP.replace(", min_baseline_days: 10", "").replace("7d", "2d"))
    # One report per UTC day (10:00, then 11:00: more than 24h apart, so a sum window never holds both)
    # for the two days before the window.
    for day in (28, 29):
        at = datetime(2025, 3, day, 10 + day - 28, 0, tzinfo=UTC)
        feed_in(p, at, make_item(f"d{day}", killed=40, at=at))
    now = datetime(2025, 3, 31, 0, 30, tzinfo=berlin)            # 2025-03-30 22:30 UTC
    # 2025-03-30 00:00 Berlin (CET, UTC+1) is 23:30 UTC on the 29th: 23 hours before `now`; in the window.
    fired = feed_in(p, now, make_item("dst", killed=100, at=datetime(2025, 3, 30, 0, 0, tzinfo=berlin)))
    assert fired == ["jump:Latakia:100"]
    (alert,) = store.alerts(rule="jump")
    assert alert.baseline == 40                 # both baseline buckets (24h each, UTC) held a 40


def test_a_late_item_counts_at_its_published_time_and_a_future_date_at_first_seen(
        store: Store, tmp_path: Path) -> None:
    p = make_pipeline(store, tmp_path, THRESHOLD)
    assert feed_in(p, T0, make_item("late", killed=150, at=T0 - timedelta(hours=25))) == []
    assert feed_in(p, T0, make_item("late2", killed=160, region="Tartus", at=T0 - timedelta(hours=23))) \
        == ["toll:Tartus:160"]
    future = make_item("future", killed=170, region="Homs", at=T0 + timedelta(days=2))
    assert feed_in(p, T0, future) == ["toll:Homs:170"]       # a bogus future date counts as seen now


def test_edited_item_raising_a_toll_is_not_summed(store: Store, tmp_path: Path) -> None:
    p = make_pipeline(store, tmp_path, THRESHOLD.replace("at_least: 100", "at_least: 1000")
                      .replace("kind: threshold", "kind: threshold\n    aggregate: sum"))
    assert feed_in(p, T0, make_item("toll", killed=745, title="745 killed")) == []
    # Summing both revisions would give 1,763; the edit replaces the figure: 800.
    assert feed_in(p, T0, make_item("toll", killed=800, title="800 killed")) == []


# ---- batched evaluation against a naive per-group reference -------------------------------------------

MIXED = """
rules:
  - id: t-max
    kind: threshold
    match: {kind: killed}
    group_by: [region]
    window: 24h
    condition: {at_least: 60}
    min_sources: 2
    realert: 0s
  - id: t-sum-at-most
    kind: threshold
    aggregate: sum
    match: {kind: killed}
    group_by: [region, feed]
    window: 12h
    condition: {at_most: 40}
    realert: 0s
  - id: j
    kind: jump
    aggregate: count
    match: {kind: [killed, injured]}
    group_by: [region]
    window: 24h
    baseline: {lookback: 5d, stat: p90}
    condition: {ratio_at_least: 2}
    realert: 0s
  - id: j-min
    kind: jump
    match: {kind: killed}
    group_by: [country]
    window: 36h
    baseline: {lookback: 3d, stat: mean, min_baseline_days: 4}
    condition: {increase_at_least: 20}
    realert: 0s
  - id: f
    kind: frequency
    match: {kind: killed}
    group_by: [region]
    window: 8h
    condition: {at_least: 3}
    realert: 0s
  - id: nv
    kind: new_value
    group_by: [region, targeted_group]
    window: 48h
    lookback: 4d
    realert: 0s
"""


def test_batched_evaluation_matches_a_naive_per_group_evaluation(store: Store, tmp_path: Path) -> None:
    p = make_pipeline(store, tmp_path, MIXED)
    rng = random.Random(6)
    regions = ["Latakia", "Tartus", "Homs", "Hama", None]
    start = T0 - timedelta(days=10)
    n = 0
    checked = 0
    for cycle in range(40):
        now = start + timedelta(hours=6 * cycle)
        items = []
        for _ in range(rng.randint(0, 6)):
            n += 1
            at = now - timedelta(minutes=rng.randint(0, 60 * 30))     # some late, some out of the window
            items.append(make_item(f"i{n}", killed=rng.choice([0, 5, 30, 80, 200]), injured=rng.choice([0, 3]),
                                   region=rng.choice(regions), feed=rng.choice(["monitor", "wire", "blog"]), at=at,
                                   groups=tuple(rng.sample(["Alawite", "Druze", "Christian"], rng.randint(0, 1)))))
        fresh_from = store.last_observation_id()
        for it in items:
            p.ingest(it.feed, [it], None, now)
        fresh = store.observations_after(fresh_from)
        expected = sorted(_naive(p, store, fresh, now))
        got = sorted(f"{a.rule}|{a.dedup_key}|{a.value:g}|{a.sources}" for a in p.evaluate(now))
        assert got == expected, (cycle, now)
        checked += len(got)
    assert checked > 20   # the history exercised the rules


def _naive(p: Pipeline, store: Store, fresh: list, now: datetime) -> list[str]:
    """The reference: for each touched group, read its rows and call the pure evaluation functions."""
    from warnd.alerts import dedup_key

    out = []
    for rule in p.rules.enabled():
        base = p.base_filter(rule)
        for group in dict.fromkeys(group_of(rule, o) for o in fresh if base.matches(o)):
            flt = replace(base, group=group)
            start = now - rule.window
            window = store.observations(flt, start, now)
            if isinstance(rule, ThresholdRule):
                cand = evaluate.threshold(rule, window)
            elif isinstance(rule, FrequencyRule):
                cand = evaluate.frequency(rule, window)
            elif isinstance(rule, JumpRule):
                history = store.observations(flt, start - rule.baseline.lookback, start - timedelta(microseconds=1))
                cand = evaluate.jump(rule, window, history, start, first_seen_at=store.first_observed_at(flt))
            else:
                assert isinstance(rule, NewValueRule)
                first = min((o.observed_at for o in window), default=now)
                before = store.observations(flt, first - rule.lookback, first - timedelta(microseconds=1), limit=1)
                cand = evaluate.new_value(rule, window, before)
            key = dedup_key(rule.id, group)
            prior = store.alert_state(key)
            if isinstance(rule, NewValueRule) and cand.met and prior and prior.last_sent_at \
                    and prior.last_sent_at >= min(o.observed_at for o in window):
                continue   # new_value fires once per appearance
            if cand.met:
                out.append(f"{rule.id}|{dedup_key(rule.id, group)}|{cand.value:g}|{cand.sources}")
    return out
