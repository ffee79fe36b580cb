"""Store: what the console reads (alert lists and pages, a place's series, rule statistics) and the
few things it writes (feedback, acknowledgements, decisions that did not alert).
Mixed into `Store`; values out, never rows."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, bindparam, case, func, insert, or_, select, update
from sqlalchemy.exc import IntegrityError

from warnd.types import Alert, CasualtyKind, Delivery, Severity

from . import _convert as conv
from ._base import StoreBase
from .tables import (
    AcknowledgementRow,
    AlertDecisionRow,
    AlertRow,
    AlertStateRow,
    DeliveryRow,
    FeedbackRow,
    ItemRow,
    ObservationRow,
)

# Alerts counted past the page asked for; beyond, a list says "N+".
COUNT_CAP = 10_000
# The labels the console filters alerts on, copied into columns of their own.
_LABEL_COLUMNS = {"region": "region", "country": "country", "community": "targeted_group"}


def console_columns(labels: Sequence[tuple[str, str]]) -> dict[str, str | None]:
    """The region / country / community columns of an alert or decision row, from its labels."""
    found = dict(labels)
    return {column: found.get(label) or None for column, label in _LABEL_COLUMNS.items()}


class AlertOutcome(StrEnum):
    """What became of a decision, as the console filters it."""

    SENT = "sent"              # recorded and queued for its channels (see its deliveries)
    SILENCED = "silenced"      # recorded under a silence, not sent
    THROTTLED = "throttled"    # the condition held, realert had not passed: not recorded as an alert
    SUPPRESSED = "suppressed"  # the value was there, a guard held it back (min_sources, min_baseline_days)


class Verdict(StrEnum):
    """A desk's feedback on an alert."""

    CONFIRMED = "confirmed"
    FALSE_ALARM = "false_alarm"
    DUPLICATE = "duplicate"
    WRONG_FIGURE = "wrong_figure"


@dataclass(frozen=True, slots=True)
class DecisionRecord:
    """A decision that did not alert, for `Store.record_decisions` (one row per group, the last kept)."""

    dedup_key: str
    rule: str
    labels: tuple[tuple[str, str], ...]
    verdict: str
    value: float
    reason: str
    trace: Mapping[str, Any]
    severity: str


@dataclass(frozen=True, slots=True)
class AlertFilter:
    """Which alerts a console list shows; empty fields do not filter."""

    rule: str | None = None
    severity: Severity | None = None
    region: str | None = None
    country: str | None = None
    community: str | None = None
    since: datetime | None = None      # inclusive
    until: datetime | None = None      # exclusive
    state: AlertOutcome | None = None    # None: sent and silenced alerts (throttled/suppressed are asked for)


@dataclass(frozen=True, slots=True)
class Acknowledgement:
    alert_id: int
    author: str
    note: str
    acked_at: datetime


@dataclass(frozen=True, slots=True)
class FeedbackRecord:
    id: int
    alert_id: int
    rule: str
    verdict: Verdict
    note: str
    author: str
    created_at: datetime
    alert_title: str = ""


@dataclass(frozen=True, slots=True)
class AlertRecord:
    """An alert (or a decision that did not alert) as the console shows it."""

    alert: Alert
    state: AlertOutcome
    silence_id: int | None = None
    trace: Mapping[str, Any] | None = None
    deliveries: tuple[Delivery, ...] = ()
    acknowledgement: Acknowledgement | None = None
    feedback: tuple[FeedbackRecord, ...] = ()
    reason: str = ""                 # throttled / suppressed: why
    occurrences: int = 1             # throttled / suppressed: decisions like it since first_at
    first_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class AlertPage:
    records: tuple[AlertRecord, ...]
    total: int          # how many match (at most offset + COUNT_CAP: see `more`)
    offset: int
    limit: int
    more: bool = False  # more than `total` match


@dataclass(frozen=True, slots=True)
class SeriesPoint:
    """One day of one place's casualties of one kind."""

    day: date
    kind: str
    new: int            # sum of the day's incident figures (not running tolls)
    total: int | None   # the highest running toll reported that day, None when none was
    reports: int        # observations behind the numbers


@dataclass(frozen=True, slots=True)
class PlaceSeries:
    """A region's (or country's) days: casualties by kind, communities reported targeted, alerts."""

    points: tuple[SeriesPoint, ...]
    mentions: tuple[tuple[date, str, int], ...]          # (day, community, reports)
    alerts: tuple[Alert, ...]                            # the newest alerts fired for the place in the span
    alert_days: tuple[tuple[date, int], ...] = ()        # (day, alerts fired) over the whole span


@dataclass(frozen=True, slots=True)
class RuleStats:
    alerts: int = 0
    silenced: int = 0
    last_fired_at: datetime | None = None
    feedback: Mapping[str, int] = field(default_factory=dict)

    @property
    def precision(self) -> float | None:
        """Confirmed among alerts judged confirmed or a false alarm; None before any such feedback."""
        good, bad = self.feedback.get(Verdict.CONFIRMED, 0), self.feedback.get(Verdict.FALSE_ALARM, 0)
        return good / (good + bad) if good + bad else None


_A = AlertRow.__table__.c
_D = AlertDecisionRow.__table__.c
_O = ObservationRow.__table__.c


class ConsoleReads(StoreBase):
    """The console's reads and writes of `Store`."""

    # ---- alert lists and pages -----------------------------------------------------------------

    def console_alerts(self, flt: AlertFilter, *, offset: int = 0, limit: int = 50) -> AlertPage:
        """A page of alerts (or of throttled / suppressed decisions), newest first, and how many match."""
        if flt.state in (AlertOutcome.THROTTLED, AlertOutcome.SUPPRESSED):
            return self._decision_page(flt, offset, limit)
        where = _alert_conditions(flt)
        # Counted up to COUNT_CAP past the page (a list says "10,000+" beyond): counting every one of
        # 100,000 alerts cost more than the page itself on PostgreSQL.
        cap = offset + COUNT_CAP
        counted = select(_A.id).where(*where).limit(cap + 1).subquery()
        # The page's ids first (the primary key index alone), then their rows: a deep offset skips
        # index entries, not whole rows with their evidence.
        page_ids = select(_A.id).where(*where).order_by(_A.id.desc()).offset(offset).limit(limit).scalar_subquery()
        with self._read() as conn:
            total = int(conn.scalar(select(func.count()).select_from(counted)) or 0)
            rows = conn.execute(select(AlertRow.__table__).where(_A.id.in_(page_ids)).order_by(_A.id.desc())).all()
            ids = [r.id for r in rows]
            deliveries = _deliveries_of(conn, ids)
            acks = _acks_of(conn, ids)
            feedback = _feedback_of(conn, ids)
        records = tuple(_record(r, deliveries.get(r.id, ()), acks.get(r.id), feedback.get(r.id, ())) for r in rows)
        return AlertPage(records, min(total, cap), offset, limit, more=total > cap)

    def console_alert(self, alert_id: int) -> AlertRecord | None:
        """One alert with its deliveries, acknowledgement and feedback."""
        with self._read() as conn:
            row = conn.execute(select(AlertRow.__table__).where(_A.id == alert_id)).first()
            if row is None:
                return None
            return _record(row, _deliveries_of(conn, [alert_id]).get(alert_id, ()),
                           _acks_of(conn, [alert_id]).get(alert_id), _feedback_of(conn, [alert_id]).get(alert_id, ()))

    def console_decision(self, dedup_key: str) -> AlertRecord | None:
        """The last throttled or suppressed decision of a group."""
        with self._read() as conn:
            row = conn.execute(select(AlertDecisionRow.__table__).where(_D.dedup_key == dedup_key)).first()
        return _decision(row) if row is not None else None

    def _decision_page(self, flt: AlertFilter, offset: int, limit: int) -> AlertPage:
        where: list[ColumnElement[bool]] = [_D.verdict == str(flt.state)]
        for column in ("rule", "severity", "region", "country", "community"):
            value = getattr(flt, column)
            if value:
                where.append(_D[column] == str(value))
        if flt.since:
            where.append(_D.decided_at >= flt.since)
        if flt.until:
            where.append(_D.decided_at < flt.until)
        with self._read() as conn:
            total = int(conn.scalar(select(func.count()).select_from(AlertDecisionRow.__table__).where(*where)) or 0)
            rows = conn.execute(select(AlertDecisionRow.__table__).where(*where)
                                .order_by(_D.decided_at.desc(), _D.dedup_key).offset(offset).limit(limit)).all()
        return AlertPage(tuple(_decision(r) for r in rows), total, offset, limit)

    def record_decisions(self, decisions: Sequence[DecisionRecord], now: datetime) -> None:
        """Keep, per group, the last decision that did not alert (and how many there were since the first)."""
        if not decisions:
            return
        last = {d.dedup_key: d for d in decisions}
        with self._begin() as conn:
            keys = list(last)
            known: dict[str, int] = {}
            for i in range(0, len(keys), 500):
                known.update(conn.execute(select(_D.dedup_key, _D.occurrences)
                                          .where(_D.dedup_key.in_(keys[i:i + 500]))).all())
            updates: list[dict[str, Any]] = []
            inserts: list[dict[str, Any]] = []
            for key, d in last.items():
                values: dict[str, Any] = {"rule": d.rule, "labels": dict(d.labels), "verdict": d.verdict,
                                          "value": d.value, "reason": d.reason[:2000], "trace": dict(d.trace),
                                          "severity": d.severity, "decided_at": now, **console_columns(d.labels)}
                if key in known:
                    updates.append({"b_key": key, "occurrences": known[key] + 1, **values})
                else:
                    inserts.append({"dedup_key": key, "first_at": now, "occurrences": 1, **values})
            # Two executemany statements, not one statement built per group: a cycle decides hundreds.
            if updates:
                conn.execute(_UPDATE_DECISION, updates)
            if inserts:
                conn.execute(insert(AlertDecisionRow), inserts)

    # ---- feedback and acknowledgements ----------------------------------------------------------

    def add_feedback(self, alert_id: int, verdict: Verdict, *, note: str, author: str, now: datetime) -> int:
        """Record a desk's feedback on an alert.

        Raises:
            LookupError: there is no such alert.
        """
        try:
            with self._tx() as s:
                if s.get(AlertRow, alert_id) is None:
                    raise LookupError(f"no alert #{alert_id}")
                row = FeedbackRow(alert_id=alert_id, verdict=str(verdict), note=note, author=author, created_at=now)
                s.add(row)
                s.flush()
                return row.id
        except IntegrityError as e:   # the alert was pruned meanwhile
            raise LookupError(f"no alert #{alert_id}") from e

    def acknowledge(self, alert_id: int, *, author: str, note: str, now: datetime) -> Acknowledgement:
        """Acknowledge an alert; an alert acknowledged before keeps its first acknowledgement (returned).

        Raises:
            LookupError: there is no such alert.
        """
        with self._tx() as s:
            if s.get(AlertRow, alert_id) is None:
                raise LookupError(f"no alert #{alert_id}")
            row = s.get(AcknowledgementRow, alert_id)
            if row is None:
                row = AcknowledgementRow(alert_id=alert_id, author=author, note=note, acked_at=now)
                s.add(row)
            return Acknowledgement(row.alert_id, row.author, row.note, row.acked_at)

    def feedback(self, *, rule: str | None = None, limit: int = 10000) -> list[FeedbackRecord]:
        """Feedback newest first, with the rule and title of its alert."""
        q = (select(FeedbackRow.__table__, _A.rule, _A.title).join(AlertRow.__table__, _A.id == FeedbackRow.alert_id)
             .order_by(FeedbackRow.id.desc()).limit(limit))
        if rule:
            q = q.where(_A.rule == rule)
        with self._read() as conn:
            return [_feedback(r) for r in conn.execute(q)]

    # ---- rules, feeds, places -------------------------------------------------------------------

    def rule_stats(self) -> dict[str, RuleStats]:
        """Per rule: alerts recorded, silenced, the last one, and the feedback they got by verdict."""
        with self._read() as conn:
            counts = conn.execute(select(_A.rule, func.count(), func.count(_A.silence_id), func.max(_A.fired_at))
                                  .group_by(_A.rule)).all()
            votes = conn.execute(select(_A.rule, FeedbackRow.verdict, func.count())
                                 .join(AlertRow.__table__, _A.id == FeedbackRow.alert_id)
                                 .group_by(_A.rule, FeedbackRow.verdict)).all()
        by_rule: dict[str, dict[str, int]] = {}
        for rule, verdict, n in votes:
            by_rule.setdefault(rule, {})[verdict] = int(n)
        out = {rule: RuleStats(int(n), int(silenced), last, by_rule.get(rule, {}))
               for rule, n, silenced, last in counts}
        for rule, fb in by_rule.items():
            out.setdefault(rule, RuleStats(feedback=fb))
        return out

    def evidence_summaries(self, evidence: Sequence[tuple[str, str | None, datetime]]) -> dict[tuple[str, str], str]:
        """The summaries of the items behind evidence, by (feed, link); found through the items'
        observed time, which evidence keeps as its time."""
        wanted = {(feed, link) for feed, link, _ in evidence if link}
        times = list({at for _, link, at in evidence if link})
        if not wanted:
            return {}
        q = (select(ItemRow.feed, ItemRow.link, ItemRow.summary)
             .where(ItemRow.observed_at.in_(times), ItemRow.current.is_(True)))
        with self._read() as conn:
            return {(feed, link or ""): summary for feed, link, summary in conn.execute(q) if (feed, link) in wanted}

    def rule_evaluated_at(self) -> dict[str, datetime]:
        """Per rule, the last time it decided any of its groups (from the groups' alert states)."""
        q = select(AlertStateRow.rule, func.max(AlertStateRow.last_evaluated_at)).group_by(AlertStateRow.rule)
        with self._read() as conn:
            return {rule: at for rule, at in conn.execute(q) if at is not None}

    def items_per_feed(self, since: datetime) -> dict[str, int]:
        """Items (new or revised) first seen since `since`, per feed."""
        with self._read() as conn:
            rows = conn.execute(select(ItemRow.feed, func.count()).where(ItemRow.first_seen_at >= since)
                                .group_by(ItemRow.feed)).all()
        return {feed: int(n) for feed, n in rows}

    def places(self) -> list[tuple[str | None, str, int]]:
        """(country, region, observations) of every region with observations, busiest first."""
        with self._read() as conn:
            rows = conn.execute(select(_O.country, _O.region, func.count()).where(_O.region.is_not(None))
                                .group_by(_O.country, _O.region).order_by(func.count().desc())).all()
        return [(country, region, int(n)) for country, region, n in rows]

    def place_series(self, level: str, name: str, start: datetime, end: datetime, *, alerts: int = 50) -> PlaceSeries:
        """A region's (`level` "region") or country's days between start and end (UTC days), with its
        newest `alerts` and the number fired each day.

        Raises:
            ValueError: `level` is neither "region" nor "country".
        """
        if level not in ("region", "country"):
            raise ValueError(f"level must be region or country, not {level!r}")
        # The metric list lets both databases walk the (metric, region|country, observed_at) index, one
        # range per metric, instead of scanning every observation for the place; the days are summed by
        # the database (a country's month is tens of thousands of observations).
        metrics = [*(str(k) for k in CasualtyKind), "mention"]
        day_of = _utc_day(_O.observed_at, self.dialect)
        # New casualties are what each report newly reported (docs/rules.md#tolls: a toll's rises, an
        # incident counted once, on every revision); the running toll is the highest current total.
        where = (_O.metric.in_(metrics), _O[level] == name, _O.observed_at >= start, _O.observed_at < end,
                 or_(_O.superseded.is_(False), _O.new_count > 0))
        current = and_(_O.superseded.is_(False), _O.cumulative.is_(True))
        q = (select(day_of, _O.metric, _O.targeted_group, func.sum(_O.new_count),
                    func.max(case((current, _O.value), else_=None)), func.count())
             .where(*where).group_by(day_of, _O.metric, _O.targeted_group))
        in_span = (_A[level] == name, _A.fired_at >= start, _A.fired_at < end)
        alerts_q: Select[Any] = select(AlertRow.__table__).where(*in_span).order_by(_A.id.desc()).limit(alerts)
        alert_day = _utc_day(_A.fired_at, self.dialect)
        with self._read() as conn:
            rows = conn.execute(q).all()
            alerts_shown = tuple(conv.alert(r) for r in conn.execute(alerts_q))
            per_day = conn.execute(select(alert_day, func.count()).where(*in_span).group_by(alert_day)).all()
        days: dict[tuple[date, str], list[int]] = {}    # (day, kind) -> [new, total or -1, reports]
        mentions: dict[tuple[date, str], int] = {}
        for day_value, metric, group, new_value, max_total, n in rows:
            day = _as_date(day_value)
            if metric == "mention":
                mentions[(day, group or "?")] = mentions.get((day, group or "?"), 0) + int(n)
                continue
            slot = days.setdefault((day, metric), [0, -1, 0])
            slot[0] += int(new_value or 0)
            if max_total is not None:
                slot[1] = max(slot[1], int(max_total))
            slot[2] += int(n)
        points = tuple(SeriesPoint(day, kind, new, total if total >= 0 else None, n)
                       for (day, kind), (new, total, n) in sorted(days.items()))
        return PlaceSeries(points, tuple((d, g, n) for (d, g), n in sorted(mentions.items())), alerts_shown,
                           tuple(sorted((_as_date(d), int(n)) for d, n in per_day)))


def _utc_day(column: Any, dialect: str) -> Any:
    """The UTC calendar day of a stored time, computed by the database."""
    if dialect == "postgresql":
        return func.date(func.timezone("UTC", column))
    return func.date(column)      # SQLite stores UTC as 'YYYY-MM-DD HH:MM:SS' text (tables.UTCDateTime)


def _as_date(value: Any) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value))


def _alert_conditions(flt: AlertFilter) -> list[ColumnElement[bool]]:
    where: list[ColumnElement[bool]] = []
    for column in ("rule", "severity", "region", "country", "community"):
        value = getattr(flt, column)
        if value:
            where.append(_A[column] == str(value))
    if flt.since:
        where.append(_A.fired_at >= flt.since)
    if flt.until:
        where.append(_A.fired_at < flt.until)
    if flt.state is AlertOutcome.SENT:
        where.append(_A.silence_id.is_(None))
    elif flt.state is AlertOutcome.SILENCED:
        where.append(_A.silence_id.is_not(None))
    return where


def _deliveries_of(conn: Any, ids: Sequence[int]) -> dict[int, tuple[Delivery, ...]]:
    if not ids:
        return {}
    out: dict[int, list[Delivery]] = {}
    q = select(DeliveryRow.__table__).where(DeliveryRow.alert_id.in_(ids)).order_by(DeliveryRow.channel)
    for r in conn.execute(q):
        out.setdefault(r.alert_id, []).append(conv.delivery(r))
    return {k: tuple(v) for k, v in out.items()}


def _acks_of(conn: Any, ids: Sequence[int]) -> dict[int, Acknowledgement]:
    if not ids:
        return {}
    q = select(AcknowledgementRow.__table__).where(AcknowledgementRow.alert_id.in_(ids))
    return {r.alert_id: Acknowledgement(r.alert_id, r.author, r.note, r.acked_at) for r in conn.execute(q)}


def _feedback_of(conn: Any, ids: Sequence[int]) -> dict[int, tuple[FeedbackRecord, ...]]:
    if not ids:
        return {}
    out: dict[int, list[FeedbackRecord]] = {}
    q = (select(FeedbackRow.__table__, _A.rule, _A.title).join(AlertRow.__table__, _A.id == FeedbackRow.alert_id)
         .where(FeedbackRow.alert_id.in_(ids)).order_by(FeedbackRow.id))
    for r in conn.execute(q):
        out.setdefault(r.alert_id, []).append(_feedback(r))
    return {k: tuple(v) for k, v in out.items()}


def _feedback(r: Any) -> FeedbackRecord:
    return FeedbackRecord(r.id, r.alert_id, r.rule, Verdict(r.verdict), r.note, r.author, r.created_at,
                          r.title)


def _record(row: Any, deliveries: tuple[Delivery, ...], ack: Acknowledgement | None,
            feedback: tuple[FeedbackRecord, ...]) -> AlertRecord:
    state = AlertOutcome.SILENCED if row.silence_id is not None else AlertOutcome.SENT
    return AlertRecord(conv.alert(row), state, row.silence_id, row.trace, deliveries, ack, feedback)


def _decision(row: Any) -> AlertRecord:
    trace: dict[str, Any] = row.trace or {}
    window = trace.get("window_s")
    baseline = (trace.get("baseline") or {}).get("value")
    alert = Alert(rule=row.rule, dedup_key=row.dedup_key, severity=Severity(row.severity), title="",
                  labels=tuple(sorted(row.labels.items())), value=row.value, baseline=baseline,
                  window=timedelta(seconds=window or 0), sources=int(trace.get("sources") or 0),
                  fired_at=row.decided_at, kind=str(trace.get("kind") or ""))
    return AlertRecord(alert, AlertOutcome(row.verdict), trace=trace, reason=row.reason, occurrences=row.occurrences,
                       first_at=row.first_at)


# The columns an update of a kept decision sets, from the parameters; the row is named by b_key.
_UPDATE_DECISION = update(AlertDecisionRow).where(AlertDecisionRow.dedup_key == bindparam("b_key"))
