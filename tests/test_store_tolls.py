"""Store: what each figure newly reports — running tolls as series, incidents counted once (issue 15).

Every test runs on SQLite and PostgreSQL (the `store` fixture). Observations are read back under the
`new` measure, whose value is what each figure newly reported.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, date, datetime, timedelta

from warnd.store import Store
from warnd.types import (
    Casualty,
    CasualtyKind,
    Item,
    Observation,
    ObservationFilter,
    Place,
    Qualifier,
    Signals,
)

T0 = datetime(2025, 3, 8, 10, 0, tzinfo=UTC)
SOHR = "Syrian Observatory for Human Rights"
THURSDAY = date(2025, 3, 6)
SYRIA = Place("Syria", "country", None, "Syria")
LATAKIA = Place("Latakia", "region", "Latakia", "Syria")
JABLEH = Place("Jableh", "locality", "Latakia", "Syria")
BANIYAS = Place("Baniyas", "locality", "Tartus", "Syria")


def ingest(store: Store, feed: str, key: str, *casualties: Casualty, at: datetime = T0,
           places: tuple[Place, ...] = (SYRIA, LATAKIA, JABLEH, BANIYAS), event: str | None = None,
           title: str | None = None) -> None:
    title = title or f"{key}: " + ", ".join(f"{c.count} {c.kind}" for c in casualties)
    it = Item(feed=feed, key=key, title=title, published_at=at, content_hash=hashlib.sha256(title.encode()).hexdigest())
    signals = Signals(casualties=casualties, places=places, region="Latakia", country="Syria", event_type=event)
    store.ingest(feed, [(it, signals)], None, at)


def toll(n: int, *, source: str | None = SOHR, since: date | None = THURSDAY, scope: str | None = "Syria",
         victims: str = "people", qualifier: Qualifier = Qualifier.EXACT) -> Casualty:
    return Casualty(CasualtyKind.KILLED, n, qualifier, victims, cumulative=True, location="Latakia", since=since,
                    scope=scope, attributed_to=source)


def attack(n: int, where: str = "Jableh") -> Casualty:
    return Casualty(CasualtyKind.KILLED, n, location=where)


def new(store: Store, end: datetime = T0 + timedelta(days=30)) -> list[Observation]:
    """Every killed observation as the `new` measure reads it, oldest first."""
    got = store.observations(ObservationFilter(metrics=("killed",), measure="new"), T0 - timedelta(days=30), end)
    return sorted(got, key=lambda o: o.id)


def values(store: Store) -> list[int]:
    return [o.value for o in new(store)]


# ---- running tolls --------------------------------------------------------------------------------

def test_a_toll_rising_counts_its_rises_and_repeats_count_nothing(store: Store) -> None:
    # The seed's week: 745 → 1,018 → 1,383 → 1,500, each repeated by two outlets that do not name the monitor.
    for day, level in enumerate((745, 1018, 1383, 1500)):
        at = T0 + timedelta(days=day)
        ingest(store, "monitor", f"m{day}", toll(level), at=at)
        ingest(store, "wire", f"w{day}", toll(level, source=None, since=None), at=at + timedelta(hours=1))
        ingest(store, "blog", f"b{day}", toll(level, source=None), at=at + timedelta(hours=2))
    assert values(store) == [745, 0, 0, 273, 0, 0, 365, 0, 0, 117, 0, 0]
    assert sum(values(store)) == 1500                        # never 10 x the toll, never the sum of levels
    assert len({o.series_id for o in new(store)}) == 1       # the repeats joined the monitor's series
    # Each report says who stated it: the monitor, else the outlet that did not name one.
    assert {o.source for o in new(store)} == {SOHR, "wire", "blog"}


def test_a_lower_report_from_another_source_is_a_conflict_never_a_negative_increment(store: Store) -> None:
    ingest(store, "monitor", "m1", toll(1018))
    ingest(store, "wire", "w1", toll(980, source=None), at=T0 + timedelta(hours=2))        # claims the level
    ingest(store, "wire", "w2", toll(1000, source=None, qualifier=Qualifier.MORE_THAN),    # a lower bound: agrees
           at=T0 + timedelta(hours=3))
    ingest(store, "wire", "w0", toll(745, source=None), at=T0 - timedelta(hours=20))       # an older point, late
    got = {o.reported: o for o in new(store)}
    # The 745, published the day before but stored last, newly reported 745 at its own time; the 1,018
    # gives that range back (what each report newly reported does not depend on arrival order).
    assert [o.value for o in new(store)] == [273, 0, 0, 745]
    assert got[980].conflict and not got[1000].conflict and not got[745].conflict


def test_another_monitor_s_lower_toll_is_its_own_series_and_adds_nothing(store: Store) -> None:
    ingest(store, "monitor", "m1", toll(1018))
    ingest(store, "wire", "w1", toll(900, source="Health Ministry"), at=T0 + timedelta(hours=1))
    ingest(store, "wire", "w2", toll(1200, source="Health Ministry"), at=T0 + timedelta(hours=5))
    obs = new(store)
    assert [o.value for o in obs] == [1018, 0, 182]         # the ministry adds what goes past the monitor
    assert len({o.series_id for o in obs}) == 2 and obs[1].conflict


def test_different_starts_are_different_series(store: Store) -> None:
    ingest(store, "monitor", "week", toll(1018))
    ingest(store, "monitor", "month", toll(1500, since=date(2025, 2, 1)), at=T0 + timedelta(hours=1))
    assert len({o.series_id for o in new(store)}) == 2


def test_an_edited_item_revises_its_point(store: Store) -> None:
    ingest(store, "monitor", "toll", toll(745), title="745 killed since Thursday")
    ingest(store, "monitor", "toll", toll(1018), title="toll rises to 1,018 since Thursday", at=T0 + timedelta(hours=3))
    ingest(store, "monitor", "toll", toll(1018), title="toll at 1,018 since Thursday (typo fixed)",
           at=T0 + timedelta(hours=4))
    # Each revision adds only its rise; the superseded rows keep what they counted.
    assert values(store) == [745, 273, 0]
    current = store.observations(ObservationFilter(metrics=("killed",)), T0 - timedelta(days=1), T0 + timedelta(days=1))
    assert [o.value for o in current] == [1018]           # `total` reads the current revision only


def test_a_sub_count_beside_its_total_is_no_point_of_the_series(store: Store) -> None:
    # "1,018 killed, including 148 fighters" where the extractor did not tie the 148 to the 1,018.
    ingest(store, "monitor", "m", toll(1018), toll(148, victims="fighters"))
    obs = new(store)
    assert [o.value for o in obs] == [1018, 0] and obs[1].series_id is None and not obs[1].conflict


def test_a_governorate_toll_inside_a_national_one_is_not_counted_twice(store: Store) -> None:
    ingest(store, "monitor", "national", toll(745))
    # "More than 600 civilians killed in Latakia province": inside the national 745 already.
    ingest(store, "wire", "latakia", toll(600, source=None, scope="Latakia", victims="civilians"),
           at=T0 + timedelta(hours=3))
    ingest(store, "wire", "latakia2", toll(800, source=None, scope="Latakia"), at=T0 + timedelta(hours=6))
    ingest(store, "monitor", "national2", toll(1018), at=T0 + timedelta(hours=23))
    # 745 + (800 - 745: past the national level) + (1,018 - 745 less the 55 already counted) = 1,018.
    assert values(store) == [745, 0, 55, 218]
    assert sum(values(store)) == 1018


# ---- incidents ------------------------------------------------------------------------------------

def test_one_attack_reported_by_three_outlets_is_one_incident_with_its_highest_count(store: Store) -> None:
    ingest(store, "a", "a1", attack(12))
    ingest(store, "b", "b1", attack(13), at=T0 + timedelta(hours=2))     # 12 vs 13: the same attack
    ingest(store, "c", "c1", attack(13), at=T0 + timedelta(hours=5))
    obs = new(store)
    assert [o.value for o in obs] == [12, 1, 0] and len({o.incident_id for o in obs}) == 1


def test_two_attacks_in_one_town_on_one_day_stay_two(store: Store) -> None:
    # Far-apart counts are two events; so are attacks of different types; so are two figures of one item.
    ingest(store, "a", "bomb", attack(5), event="car bomb")
    ingest(store, "a", "raid", attack(40), at=T0 + timedelta(hours=3))
    ingest(store, "b", "strike", attack(6), at=T0 + timedelta(hours=4), event="airstrike")
    ingest(store, "c", "both", attack(20), attack(21), at=T0 + timedelta(hours=6))
    obs = new(store)
    assert [o.value for o in obs] == [5, 40, 6, 20, 21]
    assert len({o.incident_id for o in obs}) == 5


def test_reports_a_day_apart_are_separate_incidents(store: Store) -> None:
    # A place with daily violence: the same count tomorrow is tomorrow's incident.
    ingest(store, "a", "d1", attack(12))
    ingest(store, "a", "d2", attack(12), at=T0 + timedelta(hours=24))
    assert values(store) == [12, 12]


def test_an_incident_grows_in_an_edit_however_far_the_counts(store: Store) -> None:
    ingest(store, "a", "story", attack(4), title="4 killed in Jableh")
    ingest(store, "a", "story", attack(31), title="31 killed in Jableh", at=T0 + timedelta(hours=6))
    assert values(store) == [4, 27]


def test_a_toll_s_rise_absorbs_the_incidents_it_holds(store: Store) -> None:
    ingest(store, "monitor", "t1", toll(745))
    ingest(store, "wire", "j", attack(31), at=T0 + timedelta(hours=4))           # reported first: counts now
    ingest(store, "wire", "b", attack(9, "Baniyas"), at=T0 + timedelta(hours=8))
    ingest(store, "monitor", "t2", toll(1018), at=T0 + timedelta(hours=23))      # 273 more, 40 of them known
    assert values(store) == [745, 31, 9, 233]
    assert sum(values(store)) == 1018


def test_a_governorate_toll_absorbs_only_its_own_incidents(store: Store) -> None:
    ingest(store, "monitor", "t1", toll(100, scope="Latakia"))
    ingest(store, "wire", "b", attack(9, "Baniyas"), at=T0 + timedelta(hours=2))     # Tartus: not inside
    ingest(store, "wire", "j", attack(10, "Jableh"), at=T0 + timedelta(hours=3))
    ingest(store, "monitor", "t2", toll(150, scope="Latakia"), at=T0 + timedelta(hours=5))
    assert values(store) == [100, 9, 10, 40]


def test_prune_drops_series_and_incidents_with_their_last_report(store: Store) -> None:
    ingest(store, "monitor", "t1", toll(745))
    ingest(store, "wire", "j", attack(31))
    store.prune(T0 + timedelta(days=1))
    ingest(store, "monitor", "t2", toll(1018), at=T0 + timedelta(days=2))
    assert values(store) == [1018]     # a new series: the old one went with its points


def test_the_migration_backfills_what_old_observations_newly_reported(db_url: str) -> None:
    import sqlalchemy as sa

    from warnd.store._engine import make_engine
    from warnd.store.migrate import upgrade
    engine = make_engine(db_url)
    upgrade(engine, "0003")           # a database written before tolls were series
    rows = [(1, "killed", "Latakia", 745, True), (2, "killed", "Latakia", 745, True),
            (3, "killed", "Latakia", 1018, True), (4, "killed", "Jableh", 31, False), (5, "mention", "Latakia", 1, False)]
    with engine.begin() as conn:
        for i, metric, region, value, cumulative in rows:
            conn.execute(sa.text(
                "INSERT INTO items (id, feed, key, revision, current, title, summary, content_hash, first_seen_at, "
                "observed_at, signals, notes) VALUES (:i, 'monitor', :k, 1, true, '', '', 'h', :t, :t, '{}', '[]')"),
                {"i": i, "k": f"k{i}", "t": T0})
            conn.execute(sa.text(
                "INSERT INTO observations (item_id, feed, observed_at, metric, value, region, country, cumulative, "
                "superseded) VALUES (:i, 'monitor', :t, :m, :v, :r, 'Syria', :c, false)"),
                {"i": i, "t": T0, "m": metric, "v": value, "r": region, "c": cumulative})
    upgrade(engine)
    with engine.connect() as conn:
        got = [r[0] for r in conn.execute(sa.text("SELECT new_count FROM observations ORDER BY id"))]
    engine.dispose()
    assert got == [745, 0, 273, 31, 0]     # a toll's rises, an incident's count, a mention nothing


def test_what_a_toll_s_reports_newly_report_does_not_depend_on_the_order_feeds_are_stored(store: Store) -> None:
    # A cold start: both feeds polled at once, the wire's reports stored before the monitor's older ones.
    ingest(store, "wire", "w600", toll(600, source=None, qualifier=Qualifier.MORE_THAN), at=T0 + timedelta(hours=3))
    ingest(store, "wire", "w1000", toll(1000, source=None, qualifier=Qualifier.MORE_THAN),
           at=T0 + timedelta(hours=25))
    ingest(store, "monitor", "m745", toll(745), at=T0)
    ingest(store, "monitor", "m1018", toll(1018), at=T0 + timedelta(hours=23))
    by_time = {o.observed_at - T0: o.value for o in new(store)}
    # In time order: 745, then 600 (repeats a lower bound), 1,018 (+273), 1,000 (repeats): as if stored in order.
    assert by_time == {timedelta(0): 745, timedelta(hours=3): 0, timedelta(hours=23): 273, timedelta(hours=25): 0}


def test_a_back_dated_rise_absorbs_the_incidents_it_holds(store: Store) -> None:
    # The wire's later repeat is stored first; the monitor's attack report and its toll's rise come after.
    ingest(store, "wire", "w1000", toll(1000, source=None, qualifier=Qualifier.MORE_THAN),
           at=T0 + timedelta(hours=25))
    ingest(store, "monitor", "m745", toll(745), at=T0)
    ingest(store, "monitor", "baniyas", attack(9, "Baniyas"), at=T0 + timedelta(hours=9))
    ingest(store, "monitor", "m1018", toll(1018), at=T0 + timedelta(hours=23))
    by_time = {o.observed_at - T0: o.value for o in new(store)}
    # As in time order: 745; the attack 9; the rise of 273 less the 9 it holds; the repeat nothing.
    assert by_time == {timedelta(0): 745, timedelta(hours=9): 9, timedelta(hours=23): 264, timedelta(hours=25): 0}
    assert sum(by_time.values()) == 1018
