"""Store: migrations, ingest with revisions, window queries, alerts + outbox in one transaction."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from warnd.errors import SchemaBehindError, StoreError
from warnd.store import Group, NewAlert, Store, observed_time, open_store
from warnd.store._engine import make_engine
from warnd.store.migrate import check_schema, upgrade
from warnd.types import (
    Alert,
    Casualty,
    CasualtyKind,
    DeliveryStatus,
    Evidence,
    FeedState,
    Item,
    ObservationFilter,
    Severity,
    Signals,
)

T0 = datetime(2025, 3, 8, 12, 0, tzinfo=UTC)


def item(key: str, title: str, *, feed: str = "f1", published: datetime | None = T0) -> Item:
    return Item(feed=feed, key=key, title=title, published_at=published,
                content_hash=hashlib.sha256(title.encode()).hexdigest())


def killed(n: int, region: str = "Latakia", groups: tuple[str, ...] = ()) -> Signals:
    return Signals(casualties=(Casualty(CasualtyKind.KILLED, n),), region=region, country="Syria",
                   targeted_groups=groups)


def test_upgrade_is_idempotent_and_schema_check_names_the_fix(db_url: str) -> None:
    engine = make_engine(db_url)
    with pytest.raises(SchemaBehindError, match="warnd db upgrade"):
        check_schema(engine)
    before, after = upgrade(engine)
    assert before is None and after
    assert upgrade(engine) == (after, after)
    check_schema(engine)
    engine.dispose()


def test_the_head_start_up_checks_is_the_newest_migration(db_url: str) -> None:
    # Start-up compares the schema with migrate.HEAD without loading Alembic: a new migration must
    # move HEAD, or every database would be refused (or a stale one accepted)
    from warnd.store.migrate import HEAD, current_revision, head_revision

    assert HEAD == head_revision()
    engine = make_engine(db_url)
    assert current_revision(engine) is None
    upgrade(engine)
    assert current_revision(engine) == HEAD
    engine.dispose()


def test_models_match_migrations(store: Store) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from warnd.store.tables import Base

    with store.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), Base.metadata)
    assert diff == []


def test_ingest_new_unchanged_and_revised(store: Store) -> None:
    state = FeedState("f1")
    r1 = store.ingest("f1", [(item("a", "745 killed"), killed(745))], state, T0)
    assert (r1.new, r1.revised, r1.observations) == (1, 0, 1)
    assert r1.state is not None and r1.state.items_seen == 1
    assert store.unseen("f1", [item("a", "745 killed")]) == []
    r2 = store.ingest("f1", [(item("a", "745 killed"), killed(745))], None, T0)
    assert (r2.new, r2.unchanged) == (0, 1)
    # The same guid with a raised toll is a revision; the old figure stops counting.
    edited = item("a", "toll rises to 1,018")
    assert store.unseen("f1", [edited]) == [edited]
    r3 = store.ingest("f1", [(edited, killed(1018))], None, T0 + timedelta(hours=1))
    assert (r3.new, r3.revised) == (0, 1)
    obs = store.observations(ObservationFilter(metrics=("killed",)), T0 - timedelta(days=1), T0 + timedelta(days=1))
    assert [o.value for o in obs] == [1018]


def test_window_query_filters_groups_and_times(store: Store) -> None:
    store.ingest("f1", [(item("a", "a", published=T0 - timedelta(hours=30)), killed(5)),
                        (item("b", "b"), killed(40)),
                        (item("c", "c"), killed(7, region="Tartus"))], None, T0)
    flt = ObservationFilter(metrics=("killed",), group=(("region", "Latakia"),))
    got = store.observations(flt, T0 - timedelta(hours=24), T0)
    assert [(o.value, o.region) for o in got] == [(40, "Latakia")]
    assert got[0].title == "b"


def test_observed_time_falls_back_to_first_seen_for_missing_or_future_dates() -> None:
    seen = T0
    assert observed_time(item("x", "x", published=None), seen) == seen
    assert observed_time(item("x", "x", published=T0 + timedelta(days=365)), seen) == seen
    assert observed_time(item("x", "x", published=T0 - timedelta(hours=3)), seen) == T0 - timedelta(hours=3)


def alert(key: str = "r|region=Latakia|x", value: float = 1018) -> Alert:
    return Alert(rule="r", dedup_key=key, severity=Severity.CRITICAL, title="t", labels=(("region", "Latakia"),),
                 value=value, baseline=0, window=timedelta(hours=24), sources=2, fired_at=T0,
                 evidence=(Evidence("e", "f1", "https://x/1", T0, 1018),), kind="jump", metric="killed")


def test_alert_and_outbox_rows_are_written_together_and_claimed_once(store: Store) -> None:
    alert_id = store.record_alert(alert(), ["mail", "hook"], T0)
    assert alert_id is not None
    state = store.alert_state("r|region=Latakia|x")
    assert state is not None and state.last_value == 1018 and state.last_sent_at == T0
    claimed = store.claim_deliveries(T0, "me", timedelta(minutes=2), 10)
    assert sorted(d.channel for d, _ in claimed) == ["hook", "mail"]
    assert claimed[0][1].evidence[0].link == "https://x/1"
    # Leased rows are not handed out again until the lease expires.
    assert store.claim_deliveries(T0, "other", timedelta(minutes=2), 10) == []
    mail = next(d for d, _ in claimed if d.channel == "mail")
    hook = next(d for d, _ in claimed if d.channel == "hook")
    store.mark_sent(mail.id, T0)
    store.mark_failed(hook.id, "HTTP 500", retry_at=T0 + timedelta(minutes=1))
    assert store.claim_deliveries(T0, "me", timedelta(minutes=2), 10) == []
    again = store.claim_deliveries(T0 + timedelta(minutes=1), "me", timedelta(minutes=2), 10)
    assert [d.channel for d, _ in again] == ["hook"] and again[0][0].attempts == 1
    store.mark_failed(hook.id, "HTTP 400", retry_at=None)
    dead = store.deliveries(status=DeliveryStatus.DEAD)
    assert [(d.channel, d.last_error) for d, _ in dead] == [("hook", "HTTP 400")]
    assert store.retry_deliveries(T0, all_dead=True) == 1
    assert store.outbox_counts() == {"sent": 1, "pending": 1}


def test_two_writers_of_the_same_alert_sequence_record_it_once(db_url: str) -> None:
    a = open_store(db_url, migrate=True)
    b = open_store(db_url)
    try:
        # Both instances read alert_count=0 and race to insert seq 1: the unique key lets one win.
        with a.engine.begin() as conn:
            conn.execute(sa.text("INSERT INTO alert_state (dedup_key, rule, labels, firing, alert_count) "
                                 "VALUES ('k', 'r', '{}', false, 0)"))
        first = a.record_alert(alert("k"), ["mail"], T0)
        with b.engine.begin() as conn:
            conn.execute(sa.text("UPDATE alert_state SET alert_count = 0 WHERE dedup_key = 'k'"))
        second = b.record_alert(alert("k"), ["mail"], T0)
        assert first is not None and second is None
        assert b.outbox_counts() == {"pending": 1}
    finally:
        a.close()
        b.close()


def test_silences_cover_rule_and_labels(store: Store) -> None:
    sid = store.add_silence(rule="r", matchers={"region": "Latakia"}, starts_at=T0, ends_at=T0 + timedelta(hours=6),
                            reason="known", created_by=None, now=T0)
    (s,) = store.silences(active_at=T0 + timedelta(hours=1))
    assert s.id == sid and s.covers("r", {"region": "Latakia", "x": "y"})
    assert not s.covers("r", {"region": "Tartus"}) and not s.covers("other", {"region": "Latakia"})
    assert store.expire_silence(sid, T0 + timedelta(hours=2))
    assert store.silences(active_at=T0 + timedelta(hours=3)) == []


def test_a_silence_that_names_nothing_is_refused(store: Store) -> None:
    with pytest.raises(ValueError, match="must name a rule or at least one label matcher"):
        store.add_silence(rule=None, matchers={}, starts_at=T0, ends_at=T0 + timedelta(hours=6), reason="oops",
                          created_by=None, now=T0)
    assert store.silences() == []


def test_prune_drops_old_items_and_their_observations(store: Store) -> None:
    store.ingest("f1", [(item("old", "old", published=T0 - timedelta(days=400)), killed(3))], None,
                 T0 - timedelta(days=400))
    store.ingest("f1", [(item("new", "new"), killed(4))], None, T0)
    assert store.prune(T0 - timedelta(days=365)) == 1
    obs = store.observations(ObservationFilter(), T0 - timedelta(days=1000), T0)
    assert [o.value for o in obs] == [4]


def test_each_figure_counts_for_the_region_of_its_own_place(store: Store) -> None:
    from warnd.types import Place
    signals = Signals(
        casualties=(Casualty(CasualtyKind.KILLED, 31, location="Qardaha"),
                    Casualty(CasualtyKind.KILLED, 9, location="Baniyas"),
                    Casualty(CasualtyKind.KILLED, 4)),
        places=(Place("Qardaha", "locality", "Latakia", "Syria"), Place("Baniyas", "locality", "Tartus", "Syria"),
                Place("Latakia", "region", "Latakia", "Syria")),
        region="Latakia", country="Syria")
    store.ingest("f1", [(item("a", "coast"), signals)], None, T0)
    got = store.observations(ObservationFilter(metrics=("killed",)), T0 - timedelta(hours=1), T0)
    assert sorted((o.value, o.region) for o in got) == [(4, "Latakia"), (9, "Tartus"), (31, "Latakia")]


def test_history_projections_and_parts_of_a_breakdown_are_not_observed(store: Store) -> None:
    # "40 died: 22 in one town, 18 in another"; a 1990s massacre recalled; a feared final count.
    # Only the total is a casualty now: a sum rule must not read 40 + 22 + 18, nor the history.
    signals = Signals(
        casualties=(Casualty(CasualtyKind.KILLED, 40),
                    Casualty(CasualtyKind.KILLED, 22, part_of=0),
                    Casualty(CasualtyKind.KILLED, 18, part_of=0),
                    Casualty(CasualtyKind.KILLED, 8000, historical=True),
                    Casualty(CasualtyKind.KILLED, 500, cumulative=True, estimate=True)),
        region="Latakia", country="Syria")
    report = store.ingest("f1", [(item("a", "toll"), signals)], None, T0)
    got = store.observations(ObservationFilter(metrics=("killed",)), T0 - timedelta(hours=1), T0)
    assert [o.value for o in got] == [40]
    assert report.observations == 1


def test_an_alert_decided_on_a_stale_state_is_refused(store: Store) -> None:
    # Two instances both saw no alert for the group and both decided to send: only the first records.
    assert store.record_alert(alert("k2"), ["mail"], T0, seen_count=0) is not None
    assert store.record_alert(alert("k2"), ["mail"], T0, seen_count=0) is None
    assert store.outbox_counts() == {"pending": 1}
    assert store.record_alert(alert("k2", value=2000), ["mail"], T0, seen_count=1) is not None


def test_groups_seen_by_finds_groups_with_a_report_at_or_before_a_time(store: Store) -> None:
    # min_baseline_days asks "is there history this old?": an EXISTS per group, not a min over all of it.
    for n, (region, days) in enumerate([("Latakia", 30), ("Latakia", 1), ("Tartus", 5), ("Homs", 2)]):
        at = T0 - timedelta(days=days)
        store.ingest("f1", [(item(f"i{n}", f"report {n}", published=at), killed(3, region))], None, at)
    groups: list[Group] = [(("region", r),) for r in ("Latakia", "Tartus", "Homs", "Idlib")]
    flt = ObservationFilter(metrics=("killed",))
    # Inclusive: Tartus's only report is exactly 5 days old.
    assert store.groups_seen_by(flt, groups, T0 - timedelta(days=5)) == {(("region", "Latakia"),),
                                                                        (("region", "Tartus"),)}
    assert store.groups_seen_by(flt, groups, T0 - timedelta(days=31)) == set()
    assert store.groups_seen_by(ObservationFilter(metrics=("injured",)), groups, T0) == set()
    assert store.groups_seen_by(flt, [(("region", None),)], T0) == set()


def test_a_batch_of_alerts_is_recorded_together_and_a_lost_race_refuses_only_its_own(store: Store) -> None:
    # Another instance already alerted for k2 (its count is 1, the decision saw 0); k1 and k3 are new.
    assert store.record_alert(alert("k2"), ["mail"], T0) is not None
    batch = [NewAlert(alert(k), ("mail", "hook"), seen_count=0, has_state=False) for k in ("k1", "k2", "k3")]
    ids = store.record_alerts(batch, T0)
    assert ids[0] is not None and ids[1] is None and ids[2] is not None
    assert store.outbox_counts() == {"pending": 5}
    assert {a.dedup_key for a in store.alerts()} == {"k1", "k2", "k3"} and len(store.alerts()) == 3
    # A batch without conflicts: ids in order, states moved from the counts the decision saw.
    k3_again = NewAlert(alert("k3", value=5000), ("mail",), seen_count=1)
    again = store.record_alerts([NewAlert(alert("k1", value=2000), ("mail",), seen_count=1), k3_again], T0)
    assert all(again) and again == sorted(again)
    assert [store.alert_state(k).alert_count for k in ("k1", "k2", "k3")] == [2, 1, 2]  # type: ignore[union-attr]
    assert store.alert(again[1]).value == 5000  # type: ignore[arg-type, union-attr]


def test_first_reports_gives_each_group_its_first_report_and_its_last_one_before(store: Store) -> None:
    reports = [("Latakia", 40), ("Latakia", 10), ("Latakia", 2), ("Latakia", 1), ("Tartus", 3), ("Homs", 20),
               (None, 1)]
    for n, (region, hours) in enumerate(reports):
        at = T0 - timedelta(hours=hours)
        store.ingest("f1", [(item(f"i{n}", f"report {n}", published=at), killed(3, region))], None, at)
    groups: list[Group] = [(("region", r),) for r in ("Latakia", "Tartus", "Homs", None, "Idlib")]
    got = store.first_reports(ObservationFilter(metrics=("killed",)), groups, T0 - timedelta(hours=5), T0,
                              since=T0 - timedelta(hours=30))
    assert got == {
        (("region", "Latakia"),): (T0 - timedelta(hours=2), T0 - timedelta(hours=10)),   # 40h is before `since`
        (("region", "Tartus"),): (T0 - timedelta(hours=3), None),
        (("region", None),): (T0 - timedelta(hours=1), None),
    }


def test_a_failed_read_inside_reading_does_not_fail_the_next_one(store: Store) -> None:
    # One rule's failing query must not take the rest of the cycle's reads with it (PostgreSQL aborts
    # the whole transaction after an error).
    store.ingest("f1", [(item("a", "coast"), killed(4))], None, T0)
    with store.reading():
        with pytest.raises(StoreError), store._read() as conn:
            conn.execute(sa.text("SELECT no_such_column FROM observations"))
        assert store.last_observation_id() == 1
        assert len(store.observations_after(0)) == 1


def test_an_evaluation_cycle_reads_each_question_of_the_history_once(store: Store, monkeypatch) -> None:
    # Rules of one shape ask the same aggregate: inside `reading()` (an evaluation cycle) it is read
    # once; the next cycle reads again and sees what was stored in between
    import warnd.store._rules as reads

    asked: list[object] = []
    real = reads.rows

    def counting(conn, stmt, params, **kw):
        asked.append(stmt)
        return real(conn, stmt, params, **kw)

    monkeypatch.setattr(reads, "rows", counting)
    store.ingest("f1", [(item("a", "a"), killed(5))], None, T0)
    flt, groups = ObservationFilter(metrics=("killed",)), [(("region", "Latakia"),)]
    window = (T0 - timedelta(hours=1), T0 + timedelta(hours=1))
    with store.reading():
        first = store.group_aggregates(flt, groups, *window, "sum")
        assert store.group_aggregates(flt, groups, *window, "sum") == first == {groups[0]: 5.0}
        assert store.group_aggregates(flt, groups, *window, "max") == first   # another question
    assert len(asked) == 2
    store.ingest("f1", [(item("b", "b"), killed(7))], None, T0)
    with store.reading():
        assert store.group_aggregates(flt, groups, *window, "sum") == {groups[0]: 12.0}
    assert len(asked) == 3
    store.group_aggregates(flt, groups, *window, "sum")     # outside a cycle: every call reads
    store.group_aggregates(flt, groups, *window, "sum")
    assert len(asked) == 5
