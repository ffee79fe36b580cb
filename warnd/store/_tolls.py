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

from sqlalchemy import ColumnElement, and_, false, or_, select, update
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


class Obs:
    """An observation row about to be inserted (a plain object: `Store.ingest` writes them with one
    multi-row insert). `series` / `incident` are set by `TollBook`; their ids exist after its flush."""

    __slots__ = ("item_id", "feed", "observed_at", "metric", "value", "region", "country", "location", "victims",
                 "qualifier", "cumulative", "targeted_group", "new_count", "source", "conflict", "series", "incident")

    def __init__(self, item_id: int, feed: str, observed_at: datetime, metric: str, value: int, region: str | None,
                 country: str | None, *, location: str | None = None, victims: str | None = None,
                 qualifier: str | None = None, cumulative: bool = False, targeted_group: str | None = None) -> None:
        self.item_id, self.feed, self.observed_at, self.metric, self.value = item_id, feed, observed_at, metric, value
        self.region, self.country, self.location, self.victims = region, country, location, victims
        self.qualifier, self.cumulative, self.targeted_group = qualifier, cumulative, targeted_group
        self.new_count = 0
        self.source: str | None = None
        self.conflict = False
        self.series: TollSeriesRow | None = None
        self.incident: IncidentRow | None = None

    def values(self) -> dict[str, object]:
        """The row's columns, for the insert (after the book's flush gave series and incidents their ids)."""
        return {"item_id": self.item_id, "feed": self.feed, "observed_at": self.observed_at, "metric": self.metric,
                "value": self.value, "region": self.region, "country": self.country, "location": self.location,
                "victims": self.victims, "qualifier": self.qualifier, "cumulative": self.cumulative,
                "targeted_group": self.targeted_group, "superseded": False, "new_count": self.new_count,
                "series_id": self.series.id if self.series is not None else None,
                "incident_id": self.incident.id if self.incident is not None else None,
                "source": self.source, "conflict": self.conflict}


@dataclass(frozen=True, slots=True)
class Figure:
    """One observation row of an item, with the figure it was made from."""

    row: Obs
    casualty: Casualty
    scope: str          # the place a toll covers / an incident happened (its most specific name)


class TollBook:
    """The series and incidents one ingest transaction reads and changes, read once per key.

    Rows (`Obs`) point to the series and incidents as objects; the caller flushes the session once
    after counting, which gives new ones their ids, then inserts the rows. Reads do not autoflush.
    Only a toll's rise, which must see every incident in its scope, flushes first.
    """

    def __init__(self, s: Session) -> None:
        self.s = s
        self._series: dict[tuple[str, str | None], list[TollSeriesRow]] = {}
        self._incidents: dict[tuple[str, str], list[IncidentRow]] = {}
        # Per (kind, country): the incidents first reported since a floor time, for a toll's rise to absorb.
        self._recent: dict[tuple[str, str | None], tuple[datetime, list[IncidentRow]]] = {}
        # This transaction's points of each series (by the series object), not yet inserted.
        self._pending: dict[int, list[Obs]] = {}

    def prefetch(self, figures: Sequence[Figure]) -> None:
        """Read, in two queries, what the figures of an ingest will compare with: the active series of
        its tolls and the incidents near its incident figures."""
        if not figures:
            return
        ats = [f.row.observed_at for f in figures]
        low, high = min(ats), max(ats)
        conditions: list[ColumnElement[bool]] = []
        incidents = [f for f in figures if not f.casualty.cumulative]
        near_metrics, places = {f.row.metric for f in incidents}, {f.scope for f in incidents}
        # Every figure of the ingest lies in [low, high]: what any of them can match lies in this span.
        after, before = low - INCIDENT_TOLERANCE, high + INCIDENT_TOLERANCE
        if incidents:
            for key in {(f.row.metric, f.scope) for f in incidents}:
                self._incidents[key] = []
            conditions.append(and_(IncidentRow.metric.in_(near_metrics), IncidentRow.place.in_(places),
                                   IncidentRow.first_at > after, IncidentRow.first_at < before))
        tolls = [f for f in figures if f.casualty.cumulative]
        with self.s.no_autoflush:
            if tolls:
                keys = {(f.row.metric, f.row.country) for f in tolls}
                for where in keys:
                    self._series[where] = []
                countries = {country for _, country in keys if country is not None}
                toll_metrics = {metric for metric, _ in keys}
                unplaced = any(country is None for _, country in keys)
                for t in self.s.scalars(select(TollSeriesRow).where(
                        TollSeriesRow.metric.in_(toll_metrics),
                        or_(TollSeriesRow.country.in_(countries), TollSeriesRow.country.is_(None) if unplaced
                            else false()),
                        TollSeriesRow.last_at >= low - SERIES_IDLE - _MARGIN)):
                    self._series.setdefault((t.metric, t.country), []).append(t)
            # The incidents a toll's rise may absorb are read when a rise needs them (`_absorbable`):
            # most toll figures repeat a known value and absorb nothing, and a busy country's recent
            # incidents are hundreds of ORM rows.
            if not conditions:
                return
            for inc in self.s.scalars(select(IncidentRow).where(or_(*conditions)).order_by(IncidentRow.id)):
                self._incidents.setdefault((inc.metric, inc.place), []).append(inc)

    def count(self, figures: Sequence[Figure], *, feed: str, event: str | None, revises: int | None = None) -> None:
        """Set `new_count`, the series or incident, `source` and `conflict` on each figure's row.

        `revises` is the id of the item revision this one replaces: its incidents are this item's own
        (an edit from 745 to 1,200 is one incident that grew by 455, however far apart the counts).
        """
        with self.s.no_autoflush:
            matched: set[int] = set()
            own: dict[str, list[IncidentRow]] = {}
            if revises is not None:
                for inc in self.s.scalars(
                        select(IncidentRow).join(ObservationRow, ObservationRow.incident_id == IncidentRow.id)
                        .where(ObservationRow.item_id == revises).order_by(ObservationRow.id)):
                    own.setdefault(inc.metric, []).append(inc)
            # Incidents first: a toll stated in the same item then absorbs them.
            for f in figures:
                if not f.casualty.cumulative:
                    self._incident(f, event, matched, own.get(f.row.metric, []))
            # The item's largest toll first: a smaller one of the same series in the same item is a
            # sub-count the extractor did not tie to it ("including 148 fighters"), not a conflict.
            touched: set[int] = set()
            for f in sorted((f for f in figures if f.casualty.cumulative), key=lambda f: -f.casualty.count):
                self._toll(f, feed, touched)

    # ---- incidents

    def _nearby_incidents(self, metric: str, place: str, at: datetime) -> list[IncidentRow]:
        key = (metric, place)
        if key not in self._incidents:
            # Read once per (kind, place) with a margin: an ingest's items span hours, not weeks.
            self._incidents[key] = list(self.s.scalars(select(IncidentRow).where(
                IncidentRow.metric == metric, IncidentRow.place == place,
                IncidentRow.first_at > at - INCIDENT_TOLERANCE - _MARGIN,
                IncidentRow.first_at < at + INCIDENT_TOLERANCE + _MARGIN)))
        return [i for i in self._incidents[key]
                if at - INCIDENT_TOLERANCE < i.first_at < at + INCIDENT_TOLERANCE]

    def _incident(self, f: Figure, event: str | None, matched: set[int], own: Sequence[IncidentRow]) -> None:
        row, c = f.row, f.casualty
        at = row.observed_at
        row.source = c.attributed_to or row.feed
        mine = [i for i in own if id(i) not in matched]
        if mine:
            inc = min(mine, key=lambda i: abs(i.count - c.count))
            row.new_count = max(0, c.count - inc.count)
            inc.count, inc.last_at = max(inc.count, c.count), max(inc.last_at, at)
        else:
            same = [i for i in self._nearby_incidents(row.metric, f.scope, at)
                    if id(i) not in matched and counts_close(i.count, c.count)
                    and not (event and i.event and event != i.event)]
            if same:
                inc = min(same, key=lambda i: (abs(i.count - c.count), abs((i.first_at - at).total_seconds())))
                row.new_count = max(0, c.count - inc.count)
                inc.count = max(inc.count, c.count)
                inc.first_at, inc.last_at = min(inc.first_at, at), max(inc.last_at, at)
                inc.reports += 1
                inc.event = inc.event or event
            else:
                inc = IncidentRow(metric=row.metric, place=f.scope, region=row.region, country=row.country,
                                  event=event, count=c.count, first_at=at, last_at=at, reports=1, absorbed=0)
                self.s.add(inc)
                self._incidents.setdefault((row.metric, f.scope), []).append(inc)
                if (recent := self._recent.get((row.metric, row.country))) is not None:
                    recent[1].append(inc)
                row.new_count = c.count
        matched.add(id(inc))
        row.incident = inc

    # ---- running tolls

    def _active(self, metric: str, country: str | None, at: datetime) -> list[TollSeriesRow]:
        key = (metric, country)
        if key not in self._series:
            where = TollSeriesRow.country.is_(None) if country is None else TollSeriesRow.country == country
            self._series[key] = list(self.s.scalars(select(TollSeriesRow).where(
                TollSeriesRow.metric == metric, where, TollSeriesRow.last_at >= at - SERIES_IDLE - _MARGIN)))
        return [t for t in self._series[key] if t.last_at >= at - SERIES_IDLE]

    def _toll(self, f: Figure, feed: str, touched: set[int]) -> None:
        row, c = f.row, f.casualty
        at = row.observed_at
        source = c.attributed_to or feed
        level = _level(row, f.scope)
        row.source = source
        # The tolls of this kind in this country with a recent point, whose start does not contradict it.
        active = [t for t in self._active(row.metric, row.country, at)
                  if c.since is None or t.since is None or t.since == c.since]
        candidates = [t for t in active if t.scope == f.scope and _compatible(t, c, source)]
        if not candidates:
            series = TollSeriesRow(metric=row.metric, scope=f.scope, region=row.region, country=row.country,
                                   since=c.since, source=source, attributed=c.attributed_to is not None,
                                   level=level, victims=c.victims, high=0, counted=0, absorbed=0, high_at=at,
                                   first_at=at, last_at=at)
            self.s.add(series)
            self._series.setdefault((row.metric, row.country), []).append(series)
            previous, absorb_from = 0, _start(c, at)
        else:
            # Prefer the series of the same source, then of the same start, then the nearest level.
            series = min(candidates, key=lambda t: (t.source != source, t.since != c.since, abs(t.high - c.count)))
            previous, absorb_from = series.high, series.high_at
            if c.attributed_to and not series.attributed:
                series.source, series.attributed = source, True   # an outlet's series turns out to be a monitor's
            if series.since is None and c.since is not None:
                series.since = c.since
        if id(series) in touched and c.count < previous:
            # A smaller toll beside this item's own larger one: a sub-count ("including 148 fighters")
            # the extractor did not tie to its total. It is no point of the series, and adds nothing.
            row.new_count = 0
            return
        if candidates and at < series.last_at and series.id is not None:
            self._backdated(row, series, c, at, level, f.scope, active)
            touched.add(id(series))
            return
        row.series = series
        self._pending.setdefault(id(series), []).append(row)
        series.first_at, series.last_at = min(series.first_at, at), max(series.last_at, at)
        touched.add(id(series))
        if c.count <= previous:
            row.new_count = 0
            # A lower level after the high, claiming to be the level ("exactly"/"about", not "more
            # than"), from another source, of the same victims: a conflicting report.
            row.conflict = (c.count < previous and at >= series.high_at and source != series.source
                            and c.victims == series.victims and str(c.qualifier) in ("exact", "about"))
            return
        series.high, series.high_at, series.victims = c.count, max(series.high_at, at), c.victims
        # Another source's toll of the same place, or a wider toll already covering it (the country's, for
        # a governorate's), sets a floor: what it already reported is not new here. (A wider toll's later
        # rise absorbs what this one counts.)
        others = [t for t in active if t is not series and (t.scope == f.scope or _inside(row, level, t))]
        floor = max((t.high for t in others), default=0)
        rise = c.count - max(previous, floor)
        if rise <= 0:
            row.new_count = 0
            row.conflict = any(t.scope == f.scope and c.count < t.high and t.victims == c.victims for t in others) \
                and str(c.qualifier) in ("exact", "about")
            return
        new = rise - self._absorb(row, series, level, f.scope, active, absorb_from, at, rise)
        row.new_count = new
        # All of the rise is now accounted for: newly reported here, or already by what it absorbed.
        series.counted += rise

    def _backdated(self, row: Obs, series: TollSeriesRow, c: Casualty, at: datetime, level: str, scope: str,
                   active: Sequence[TollSeriesRow]) -> None:
        """A report older than the series' newest point (a feed polled late, a cold start of many feeds).

        What each report newly reported must not depend on the order reports arrive in: this one newly
        reports its rise over the reports before it in time, and the later reports that had counted
        that range against a lower level give it back, oldest first. The series' total is unchanged
        unless this report is its new high. Its rise absorbs, as any rise does, what the incidents and
        narrower tolls since the report before it had already counted.
        """
        row.series = series
        o = ObservationRow.__table__.c
        stored: list[tuple[datetime, int, int, int, Obs | None]] = [
            (r.observed_at, r.id, int(r.value), int(r.new_count), None) for r in self.s.execute(
                select(o.observed_at, o.id, o.value, o.new_count).where(o.series_id == series.id))]
        pending: list[tuple[datetime, int, int, int, Obs | None]] = [
            (p.observed_at, 1 << 62, p.value, p.new_count, p) for p in self._pending.get(id(series), [])]
        points = sorted(stored + pending, key=lambda p: (p[0], p[1]))
        before = max((p[2] for p in points if p[0] <= at), default=0)
        self._pending.setdefault(id(series), []).append(row)
        series.first_at = min(series.first_at, at)
        gain = max(0, c.count - before)
        since = max((p[0] for p in points if p[0] <= at), default=None)
        row.new_count = gain - (self._absorb(row, series, level, scope, active, since or _start(c, at), at, gain)
                                if gain else 0)
        if gain == 0:
            return
        if c.count > series.high:
            series.high, series.high_at, series.victims = c.count, at, c.victims
        level_before = before     # the running level of the later reports, without this one
        returned = 0
        for p_at, p_id, value, new, obj in points:
            if p_at <= at:
                continue
            lost = max(0, min(value, c.count) - level_before) if value > level_before else 0
            level_before = max(level_before, value)
            take = min(lost, new, gain - returned)
            if take <= 0:
                continue
            returned += take
            if obj is not None:
                obj.new_count -= take
            else:
                self.s.execute(update(ObservationRow).where(ObservationRow.id == p_id)
                               .values(new_count=new - take))
            if returned >= gain:
                break
        series.counted += gain - returned

    def _absorb(self, row: Obs, series: TollSeriesRow, level: str, scope: str,
                active: Sequence[TollSeriesRow], start: datetime, end: datetime, rise: int) -> int:
        """Take, from what the narrower tolls and the incidents in this toll's scope counted since
        `start` and no wider toll has taken yet, up to `rise`; returns how many."""
        taken = 0
        for inner in sorted((t for t in active if t is not series and _inside(t, t.level, series)
                             and t.last_at >= start), key=lambda t: t.first_at):
            part = min(inner.counted - inner.absorbed, rise - taken)
            if part > 0:
                inner.absorbed += part
                taken += part
        for inc in self._absorbable(row.metric, row.country, start):
            if taken >= rise:
                break
            if not start <= inc.first_at <= end or inc.absorbed >= inc.count:
                continue
            if (level == "region" and inc.region != row.region) or (level == "local" and inc.place != scope):
                continue
            part = min(inc.count - inc.absorbed, rise - taken)
            inc.absorbed += part
            taken += part
        return taken


    def _absorbable(self, metric: str, country: str | None, start: datetime) -> list[IncidentRow]:
        """The incidents of a kind in a country first reported since `start`, oldest first (this
        transaction's new ones too)."""
        key = (metric, country)
        floor, known = self._recent.get(key, (None, []))
        if floor is None or start < floor:
            # A toll since long ago (its `since`), or a key not prefetched: read it, with what this
            # transaction added so far.
            self.s.flush()
            where = IncidentRow.country.is_(None) if country is None else IncidentRow.country == country
            known = list(self.s.scalars(select(IncidentRow).where(
                IncidentRow.metric == metric, where, IncidentRow.first_at >= start)))
            self._recent[key] = (start, known)
        return sorted(known, key=lambda i: i.first_at)


# Cached reads take this much more than a figure needs, for the other items of the same ingest.
_MARGIN = timedelta(days=2)


def _level(row: Obs, scope: str) -> str:
    """What a toll's scope is: a whole country, one first-level region, or a place inside one."""
    if row.region is None:
        return "country"
    return "region" if scope == row.region else "local"


def _inside(inner: TollSeriesRow | Obs, inner_level: str, outer: TollSeriesRow) -> bool:
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


def _start(c: Casualty, at: datetime) -> datetime:
    if c.since is not None:
        return datetime(c.since.year, c.since.month, c.since.day, tzinfo=at.tzinfo)
    return at - ABSORB_UNSTATED


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
                # One query: each incident with its reports (joined by incident id, the index an
                # incident's few reports are found by; the incidents are named by their primary key).
                i = IncidentRow.__table__.c
                facts: dict[int, tuple[str, str, int, int]] = {}
                reports: dict[int, list[tuple[datetime, int, str]]] = {}
                for iid, metric, place, count, absorbed, at, value, feed in conn.execute(
                        select(i.id, i.metric, i.place, i.count, i.absorbed, o.observed_at, o.value, o.feed)
                        .join(ObservationRow.__table__, o.incident_id == i.id)
                        .where(i.id.in_(iids)).order_by(o.observed_at, o.id)):
                    facts[iid] = (metric, place, int(count), int(absorbed))
                    if at <= end:
                        reports.setdefault(iid, []).append((at, int(value), feed))
                for iid, (metric, place, count, absorbed) in facts.items():
                    incidents[iid] = IncidentFacts(metric, place, count, absorbed, tuple(reports.get(iid, ())))
        return series, incidents
