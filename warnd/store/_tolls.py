"""What each casualty figure newly reports: running tolls kept as series, incidents counted once.

Called by `Store.ingest` inside its transaction, after an item's observation rows exist. Ingest
transactions are serialised (SQLite has one writer; PostgreSQL takes an advisory lock), so the
high-water mark a figure is compared with is never read by two ingests at once.

The rules (docs/rules.md#tolls says them for operators):

* A **running toll** (a cumulative figure) is a point of a series keyed by (kind, scope, since,
  source). A point joins the most recently active series of the same kind and scope whose `since`
  and source do not contradict its own: an unattributed repeat ("the toll rose to 1,018") joins the
  attributed series it repeats, rather than starting a series per outlet. A value above the series'
  high is an increment (it newly reports `value - high`); the same value corroborates (0); a lower
  value reported after the high is a conflicting report (0, flagged), an older one arriving late is
  just an older point (0).
* An **incident** figure (not cumulative) about an incident already reported — same kind and place,
  first reported within `INCIDENT_TOLERANCE`, counts close (`counts_close`), attack types not
  different — is another report of it: it newly reports only what it adds to the highest count so
  far. Two figures of one item are never one incident (an item lists separate attacks separately).
* A toll's rise **absorbs** the incidents in its scope reported since its previous point (or since
  its start): their casualties were counted when first reported, so the rise counts only the rest.
  The incident report still alerts early; the toll that later includes it does not count it twice.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from warnd.types import Casualty, IncidentFacts, SeriesFacts, SeriesPoint

from ._base import StoreBase
from .tables import IncidentRow, ObservationRow, TollSeriesRow

# A series with no point for this long is over: a figure with the same key starts a new one.
SERIES_IDLE = timedelta(days=21)
# Reports of one incident arrive within this span of its first report (the same day's follow-ups; a
# place with daily violence reports a new incident each day, which a wider span would swallow).
INCIDENT_TOLERANCE = timedelta(hours=20)
# A toll without a stated start absorbs the incidents of this span before its first point.
ABSORB_UNSTATED = timedelta(days=3)


def counts_close(a: int, b: int) -> bool:
    """Two counts of one incident: within 3, or the smaller at least 70 % of the larger (12 and 13;
    31 and 35; not 5 and 40). Early counts rise as bodies are found; far-apart counts are two events."""
    low, high = min(a, b), max(a, b)
    return high - low <= 3 or low >= 0.7 * high


@dataclass(frozen=True, slots=True)
class Figure:
    """One observation row of an item, with the figure it was made from."""

    row: ObservationRow
    casualty: Casualty
    scope: str          # the place a toll covers / an incident happened (its most specific name)


def count_new(s: Session, figures: Sequence[Figure], *, feed: str, event: str | None,
              revises: int | None = None) -> None:
    """Set `new_count`, `series_id` / `incident_id`, `source` and `conflict` on each figure's row.

    `revises` is the id of the item revision this one replaces: its incidents are this item's own
    (an edit from 745 to 1,200 is one incident that grew by 455, however far apart the counts).
    """
    matched: set[int] = set()
    own: dict[str, list[IncidentRow]] = {}
    if revises is not None:
        for inc in s.scalars(select(IncidentRow).join(ObservationRow, ObservationRow.incident_id == IncidentRow.id)
                             .where(ObservationRow.item_id == revises).order_by(ObservationRow.id)):
            own.setdefault(inc.metric, []).append(inc)
    # Incidents first: a toll stated in the same item then absorbs them.
    for f in figures:
        if not f.casualty.cumulative:
            _incident(s, f, event, matched, own.get(f.row.metric, []))
    # The item's largest toll first: a smaller one of the same series in the same item is a sub-count
    # the extractor did not tie to it ("including 148 fighters"), not a conflicting report.
    touched: set[int] = set()
    for f in sorted((f for f in figures if f.casualty.cumulative), key=lambda f: -f.casualty.count):
        _toll(s, f, feed, touched)


def _incident(s: Session, f: Figure, event: str | None, matched: set[int], own: Sequence[IncidentRow]) -> None:
    row, c = f.row, f.casualty
    at = row.observed_at
    row.source = c.attributed_to or row.feed
    mine = [i for i in own if i.id not in matched]
    if mine:
        inc = min(mine, key=lambda i: abs(i.count - c.count))
        row.new_count = max(0, c.count - inc.count)
        inc.count, inc.last_at = max(inc.count, c.count), max(inc.last_at, at)
        matched.add(inc.id)
        row.incident_id = inc.id
        return
    candidates = s.scalars(
        select(IncidentRow).where(
            IncidentRow.metric == row.metric, IncidentRow.place == f.scope,
            IncidentRow.first_at > at - INCIDENT_TOLERANCE, IncidentRow.first_at < at + INCIDENT_TOLERANCE)
    ).all()
    same = [i for i in candidates if i.id not in matched and counts_close(i.count, c.count)
            and not (event and i.event and event != i.event)]
    if same:
        inc = min(same, key=lambda i: (abs(i.count - c.count), abs((i.first_at - at).total_seconds())))
        row.new_count = max(0, c.count - inc.count)
        inc.count = max(inc.count, c.count)
        inc.first_at, inc.last_at = min(inc.first_at, at), max(inc.last_at, at)
        inc.reports += 1
        inc.event = inc.event or event
    else:
        inc = IncidentRow(metric=row.metric, place=f.scope, region=row.region, country=row.country, event=event,
                          count=c.count, first_at=at, last_at=at, reports=1, absorbed=0)
        s.add(inc)
        s.flush()
        row.new_count = c.count
    matched.add(inc.id)
    row.incident_id = inc.id


def _level(row: ObservationRow, scope: str) -> str:
    """What a toll's scope is: a whole country, one first-level region, or a place inside one."""
    if row.region is None:
        return "country"
    return "region" if scope == row.region else "local"


def _inside(inner: TollSeriesRow | ObservationRow, inner_level: str, outer: TollSeriesRow) -> bool:
    """Whether a toll of `inner_level` at `inner`'s place lies inside `outer`'s scope."""
    if outer.country is None or inner.country != outer.country:
        return False
    if outer.level == "country":
        return inner_level != "country"
    return outer.level == "region" and inner_level == "local" and inner.region == outer.region


def _compatible(series: TollSeriesRow, c: Casualty, source: str) -> bool:
    """Whether a point may be of `series`: the same source, or one of them unattributed (an outlet
    repeating a monitor's toll without naming it). Its start was checked with `active`."""
    return series.source == source or not (series.attributed and c.attributed_to)


def _toll(s: Session, f: Figure, feed: str, touched: set[int]) -> None:
    row, c = f.row, f.casualty
    at = row.observed_at
    source = c.attributed_to or feed
    level = _level(row, f.scope)
    row.source = source
    # The tolls of this kind in this country with a recent point, whose start does not contradict it.
    active = [t for t in s.scalars(
        select(TollSeriesRow).where(TollSeriesRow.metric == row.metric,
                                    TollSeriesRow.country.is_(None) if row.country is None
                                    else TollSeriesRow.country == row.country,
                                    TollSeriesRow.last_at >= at - SERIES_IDLE)).all()
              if c.since is None or t.since is None or t.since == c.since]
    candidates = [t for t in active if t.scope == f.scope and _compatible(t, c, source)]
    if not candidates:
        series = TollSeriesRow(metric=row.metric, scope=f.scope, region=row.region, country=row.country,
                               since=c.since, source=source, attributed=c.attributed_to is not None, level=level,
                               victims=c.victims, high=0, counted=0, absorbed=0, high_at=at, first_at=at, last_at=at)
        s.add(series)
        s.flush()
        previous, absorb_from = 0, _start(c, at)
    else:
        # Prefer the series of the same source, then of the same start, then the nearest level.
        series = min(candidates, key=lambda t: (t.source != source, t.since != c.since, abs(t.high - c.count)))
        previous, absorb_from = series.high, series.high_at
        if c.attributed_to and not series.attributed:
            series.source, series.attributed = source, True   # an outlet's series turns out to be a monitor's
        if series.since is None and c.since is not None:
            series.since = c.since
    if series.id in touched and c.count < previous:
        # A smaller toll beside this item's own larger one: a sub-count ("including 148 fighters")
        # the extractor did not tie to its total. It is no point of the series, and adds nothing.
        row.new_count = 0
        return
    row.series_id = series.id
    series.first_at, series.last_at = min(series.first_at, at), max(series.last_at, at)
    if c.count <= previous:
        row.new_count = 0
        # A lower level after the high, claiming to be the level ("exactly"/"about", not "more than"),
        # from another source, of the same victims, in another item: a conflicting report.
        row.conflict = (c.count < previous and at >= series.high_at and source != series.source and c.victims == series.victims
                        and str(c.qualifier) in ("exact", "about"))
        touched.add(series.id)
        return
    touched.add(series.id)
    series.high, series.high_at, series.victims = c.count, max(series.high_at, at), c.victims
    # Another source's toll of the same place, or a wider toll already covering it (the country's, for a
    # governorate's), sets a floor: what it already reported is not new here. (A wider toll's later
    # rise absorbs what this one counts.)
    others = [t for t in active if t.id != series.id and (t.scope == f.scope or _inside(row, level, t))]
    floor = max((t.high for t in others), default=0)
    rise = c.count - max(previous, floor)
    if rise <= 0:
        row.new_count = 0
        row.conflict = any(t.scope == f.scope and c.count < t.high and t.victims == c.victims for t in others) \
            and str(c.qualifier) in ("exact", "about")
        return
    new = rise - _absorb(s, row, series, level, f.scope, active, absorb_from, at, rise)
    row.new_count = new
    series.counted += new


def _start(c: Casualty, at: datetime) -> datetime:
    if c.since is not None:
        return datetime(c.since.year, c.since.month, c.since.day, tzinfo=at.tzinfo)
    return at - ABSORB_UNSTATED


def _absorb(s: Session, row: ObservationRow, series: TollSeriesRow, level: str, scope: str,
            active: Sequence[TollSeriesRow], start: datetime, end: datetime, rise: int) -> int:
    """Take, from what the narrower tolls and the incidents in this toll's scope counted since `start`
    and no wider toll has taken yet, up to `rise`; returns how many."""
    taken = 0
    for inner in sorted((t for t in active if t.id != series.id and _inside(t, t.level, series)
                         and t.last_at >= start), key=lambda t: (t.first_at, t.id)):
        part = min(inner.counted - inner.absorbed, rise - taken)
        if part > 0:
            inner.absorbed += part
            taken += part
    where = [IncidentRow.metric == row.metric, IncidentRow.first_at >= start, IncidentRow.first_at <= end,
             IncidentRow.absorbed < IncidentRow.count]
    if level == "country":
        where.append(IncidentRow.country == row.country)
    elif level == "region":
        where.append(IncidentRow.region == row.region)
    else:
        where.append(IncidentRow.place == scope)
    for inc in s.scalars(select(IncidentRow).where(*where).order_by(IncidentRow.first_at, IncidentRow.id)):
        if taken >= rise:
            break
        part = min(inc.count - inc.absorbed, rise - taken)
        inc.absorbed += part
        taken += part
    return taken


# ---- reads: the series and incidents behind an alert ---------------------------------------------

POINTS_SPAN = timedelta(days=30)   # how far back an alert's series points are read
MAX_POINTS = 30                     # the newest points of a series an alert shows


class TollReads(StoreBase):
    """The reads that explain an alert's value (mixed into `Store`): only for alerts about to fire."""

    def toll_facts(self, series_ids: Iterable[int], incident_ids: Iterable[int], end: datetime
                   ) -> tuple[dict[int, SeriesFacts], dict[int, IncidentFacts]]:
        sids, iids = sorted(set(series_ids)), sorted(set(incident_ids))
        o = ObservationRow.__table__.c
        series: dict[int, SeriesFacts] = {}
        incidents: dict[int, IncidentFacts] = {}
        with self._read() as conn:
            if sids:
                points: dict[int, list[SeriesPoint]] = {}
                for r in conn.execute(
                        select(o.series_id, o.observed_at, o.value, o.source, o.feed, o.conflict, o.victims)
                        .where(o.series_id.in_(sids), o.observed_at <= end, o.observed_at >= end - POINTS_SPAN)
                        .order_by(o.observed_at, o.id)):
                    points.setdefault(r.series_id, []).append(
                        SeriesPoint(r.observed_at, int(r.value), r.source or r.feed, r.feed, bool(r.conflict),
                                    r.victims))
                t = TollSeriesRow.__table__.c
                for sid, metric, scope, since, source in conn.execute(
                        select(t.id, t.metric, t.scope, t.since, t.source).where(t.id.in_(sids))):
                    series[sid] = SeriesFacts(metric, scope, since, source, tuple(points.get(sid, ())[-MAX_POINTS:]))
            if iids:
                reports: dict[int, list[tuple[datetime, int, str]]] = {}
                for iid, at, value, feed in conn.execute(
                        select(o.incident_id, o.observed_at, o.value, o.feed)
                        .where(o.incident_id.in_(iids), o.observed_at <= end).order_by(o.observed_at, o.id)):
                    reports.setdefault(iid, []).append((at, int(value), feed))
                i = IncidentRow.__table__.c
                for iid, metric, place, count, absorbed in conn.execute(
                        select(i.id, i.metric, i.place, i.count, i.absorbed).where(i.id.in_(iids))):
                    incidents[iid] = IncidentFacts(metric, place, int(count), int(absorbed),
                                                   tuple(reports.get(iid, ())))
        return series, incidents
