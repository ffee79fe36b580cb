"""SQLAlchemy 2 table models. Rows never leave `store/`: queries return `warnd.types` values."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

# Stable constraint names so Alembic migrations are the same on SQLite and PostgreSQL.
NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# SQLite has only 64-bit INTEGER PRIMARY KEY as rowid alias; BigInteger there would lose autoincrement.
Id = BigInteger().with_variant(Integer(), "sqlite")


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC in, timezone-aware UTC out, on every backend (SQLite keeps no zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the store; every time must be tz-aware UTC")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        when: datetime = value
        return when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)

    # On SQLite a time is a string ("2025-03-06 12:00:00.000000", SQLAlchemy's storage format). The
    # generic path parses it, then `replace(tzinfo=UTC)`s it: two Python calls per value, and
    # `datetime.replace` alone costs ~1 µs (four times the parse). Evaluation and ingest read and write
    # thousands of times a cycle, so SQLite gets one fused call each way with the same results.

    def bind_processor(self, dialect: Dialect) -> Any:
        if dialect.name != "sqlite":
            return super().bind_processor(dialect)

        def process(value: datetime | None) -> str | None:
            if value is None:
                return None
            if value.tzinfo is None:
                raise ValueError("naive datetime given to the store; every time must be tz-aware UTC")
            if value.tzinfo is not UTC:
                value = value.astimezone(UTC)
            # "YYYY-MM-DD HH:MM:SS.ffffff+00:00" less its offset: SQLAlchemy's SQLite storage format.
            return value.isoformat(" ", "microseconds")[:-6]

        return process

    def result_processor(self, dialect: Dialect, coltype: Any) -> Any:
        if dialect.name != "sqlite":
            return super().result_processor(dialect, coltype)
        generic = super().result_processor(dialect, coltype)
        fromiso = datetime.fromisoformat

        def process(value: Any) -> datetime | None:
            if isinstance(value, str):
                try:
                    return fromiso(value + "+00:00")  # stored without an offset: UTC
                except ValueError:
                    pass  # a value stored with an offset, or in another shape: the generic path
            return generic(value) if generic is not None else self.process_result_value(value, dialect)

        return process


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class FeedStateRow(Base):
    __tablename__ = "feed_state"

    feed: Mapped[str] = mapped_column(String(64), primary_key=True)
    etag: Mapped[str | None] = mapped_column(Text)
    last_modified: Mapped[str | None] = mapped_column(Text)
    content_hash: Mapped[str | None] = mapped_column(String(64))
    last_polled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_success_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_new_item_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(Text)
    consecutive_failures: Mapped[int] = mapped_column(Integer, default=0)
    items_seen: Mapped[int] = mapped_column(Integer, default=0)
    next_poll_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    latencies: Mapped[list[float]] = mapped_column(JSON, default=list)
    lease_owner: Mapped[str | None] = mapped_column(String(128))
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime)


class ItemRow(Base):
    """One revision of one item. A changed content hash under the same (feed, key) is a new revision."""

    __tablename__ = "items"
    __table_args__ = (
        UniqueConstraint("feed", "key", "revision", name="uq_items_feed_key_revision"),
        Index("ix_items_feed_key", "feed", "key"),
        Index("ix_items_first_seen_at", "first_seen_at"),
        # feed_silence: the newest item of a feed; keyword rules: the items of a window.
        Index("ix_items_feed_first_seen_at", "feed", "first_seen_at"),
        Index("ix_items_observed_at", "observed_at"),
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    feed: Mapped[str] = mapped_column(String(64))
    key: Mapped[str] = mapped_column(Text)
    revision: Mapped[int] = mapped_column(Integer, default=1)
    current: Mapped[bool] = mapped_column(Boolean, default=True)
    guid: Mapped[str | None] = mapped_column(Text)
    title: Mapped[str] = mapped_column(Text, default="")
    summary: Mapped[str] = mapped_column(Text, default="")
    link: Mapped[str | None] = mapped_column(Text)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    language: Mapped[str | None] = mapped_column(String(16))
    content_hash: Mapped[str] = mapped_column(String(64))
    first_seen_at: Mapped[datetime] = mapped_column(UTCDateTime)
    observed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    region: Mapped[str | None] = mapped_column(String(128))
    country: Mapped[str | None] = mapped_column(String(128))
    signals: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    notes: Mapped[list[str]] = mapped_column(JSON, default=list)


class ObservationRow(Base):
    """One signal of one item revision: a casualty figure or a mention of a targeted community."""

    __tablename__ = "observations"
    __table_args__ = (
        # Window and baseline queries filter on metric + group + time; these keep them off full scans.
        Index("ix_obs_metric_region_at", "metric", "region", "observed_at"),
        Index("ix_obs_metric_country_at", "metric", "country", "observed_at"),
        Index("ix_obs_group_at", "targeted_group", "region", "observed_at"),
        Index("ix_obs_item", "item_id"),
        Index("ix_obs_series_at", "series_id", "observed_at"),
        Index("ix_obs_incident", "incident_id"),
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id", ondelete="CASCADE"))
    feed: Mapped[str] = mapped_column(String(64))
    observed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    metric: Mapped[str] = mapped_column(String(32))
    value: Mapped[int] = mapped_column(BigInteger)
    region: Mapped[str | None] = mapped_column(String(128))
    country: Mapped[str | None] = mapped_column(String(128))
    location: Mapped[str | None] = mapped_column(String(128))
    victims: Mapped[str | None] = mapped_column(String(64))
    qualifier: Mapped[str | None] = mapped_column(String(32))
    cumulative: Mapped[bool] = mapped_column(Boolean, default=False)
    targeted_group: Mapped[str | None] = mapped_column(String(64))
    superseded: Mapped[bool] = mapped_column(Boolean, default=False)
    # What the figure newly reports (docs/rules.md#tolls): a running toll's rise over its series' last
    # level, an incident's first report (or a higher count of it); 0 for a repeat. Never revised, so
    # the `new` measure sums it over every revision (superseded rows too): an edit adds only its rise.
    new_count: Mapped[int] = mapped_column(BigInteger, default=0)
    # The running toll or incident the figure is a report of (no foreign key: SQLite adds none to a
    # table in place, and prune removes series and incidents with their last observation).
    series_id: Mapped[int | None] = mapped_column(BigInteger)
    incident_id: Mapped[int | None] = mapped_column(BigInteger)
    source: Mapped[str | None] = mapped_column(String(200))    # who stated it: attributed source, else the feed
    conflict: Mapped[bool] = mapped_column(Boolean, default=False)  # lower than its series from another source


class TollSeriesRow(Base):
    """A running toll: the points of one (kind, scope, since, source) over time; its high-water mark."""

    __tablename__ = "toll_series"
    __table_args__ = (Index("ix_toll_series_metric_scope", "metric", "scope", "last_at"),)

    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    metric: Mapped[str] = mapped_column(String(32))
    scope: Mapped[str] = mapped_column(String(128))         # the place the toll covers
    region: Mapped[str | None] = mapped_column(String(128))
    country: Mapped[str | None] = mapped_column(String(128))
    since: Mapped[date | None] = mapped_column(Date)
    source: Mapped[str] = mapped_column(String(200))        # attributed source, else the first feed
    attributed: Mapped[bool] = mapped_column(Boolean, default=False)
    level: Mapped[str] = mapped_column(String(16))           # country | region | local: what its scope is
    victims: Mapped[str | None] = mapped_column(String(64))  # of its highest point
    high: Mapped[int] = mapped_column(BigInteger)            # the highest value reported so far
    # Of its level, how much is accounted for as newly reported (by its points, or by the incidents and
    # narrower tolls its rises absorbed); of that, how much a wider toll's rise has taken since.
    counted: Mapped[int] = mapped_column(BigInteger, default=0)
    absorbed: Mapped[int] = mapped_column(BigInteger, default=0)  # of that, already inside a wider toll's rise
    high_at: Mapped[datetime] = mapped_column(UTCDateTime)
    first_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_at: Mapped[datetime] = mapped_column(UTCDateTime)


class IncidentRow(Base):
    """One incident (not a running toll) as several reports state it: its highest credible count."""

    __tablename__ = "incidents"
    __table_args__ = (Index("ix_incidents_metric_place_at", "metric", "place", "first_at"),)

    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    metric: Mapped[str] = mapped_column(String(32))
    place: Mapped[str] = mapped_column(String(128))          # location, else region, else country, else "?"
    region: Mapped[str | None] = mapped_column(String(128))
    country: Mapped[str | None] = mapped_column(String(128))
    event: Mapped[str | None] = mapped_column(String(64))    # the attack's type when the item states one
    count: Mapped[int] = mapped_column(BigInteger)            # the highest count reported
    first_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_at: Mapped[datetime] = mapped_column(UTCDateTime)
    reports: Mapped[int] = mapped_column(Integer, default=1)
    absorbed: Mapped[int] = mapped_column(BigInteger, default=0)  # of its count, already inside a toll's rise


class AlertStateRow(Base):
    """Per rule+group state: what was last alerted and when (realert, escalation)."""

    __tablename__ = "alert_state"

    dedup_key: Mapped[str] = mapped_column(String(512), primary_key=True)
    rule: Mapped[str] = mapped_column(String(80))
    labels: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    firing: Mapped[bool] = mapped_column(Boolean, default=False)
    last_value: Mapped[float | None] = mapped_column(Float)
    last_sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_evaluated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    alert_count: Mapped[int] = mapped_column(Integer, default=0)
    last_alert_id: Mapped[int | None] = mapped_column(BigInteger)


class AlertRow(Base):
    __tablename__ = "alerts"
    __table_args__ = (
        # Two instances evaluating the same group race to insert the same sequence number; one wins.
        UniqueConstraint("dedup_key", "seq", name="uq_alerts_dedup_key_seq"),
        Index("ix_alerts_fired_at", "fired_at"),
        Index("ix_alerts_rule", "rule"),
        Index("ix_alerts_region_id", "region", "id"),
        Index("ix_alerts_country_id", "country", "id"),
        Index("ix_alerts_rule_silence_fired", "rule", "silence_id", "fired_at"),   # the console's rule statistics
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    rule: Mapped[str] = mapped_column(String(80))
    dedup_key: Mapped[str] = mapped_column(String(512))
    seq: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(32))
    metric: Mapped[str] = mapped_column(String(32))
    severity: Mapped[str] = mapped_column(String(16))
    title: Mapped[str] = mapped_column(Text)
    labels: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    value: Mapped[float] = mapped_column(Float)
    baseline: Mapped[float | None] = mapped_column(Float)
    window_s: Mapped[int] = mapped_column(Integer)
    sources: Mapped[int] = mapped_column(Integer)
    fired_at: Mapped[datetime] = mapped_column(UTCDateTime)
    evidence: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    annotations: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    notify: Mapped[list[str]] = mapped_column(JSON, default=list)
    escalation: Mapped[bool] = mapped_column(Boolean, default=False)
    previous_value: Mapped[float | None] = mapped_column(Float)
    silence_id: Mapped[int | None] = mapped_column(BigInteger)
    # What the value counts (measure, the toll series and incidents behind it): see types.Tally.
    tally: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    # What the evaluator knew when it fired (rule as evaluated, window, baseline, decision): the console's trace.
    trace: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    # Copies of the grouping labels the console filters on (labels is JSON, not indexable on both databases).
    region: Mapped[str | None] = mapped_column(String(128))
    country: Mapped[str | None] = mapped_column(String(128))
    community: Mapped[str | None] = mapped_column(String(64))


class AlertDecisionRow(Base):
    """Per group, the last decision that met a rule's condition (or nearly) but did not alert."""

    __tablename__ = "alert_decisions"
    __table_args__ = (Index("ix_alert_decisions_decided_at", "decided_at"),)

    dedup_key: Mapped[str] = mapped_column(String(512), primary_key=True)
    rule: Mapped[str] = mapped_column(String(80))
    labels: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    verdict: Mapped[str] = mapped_column(String(16))          # throttled | suppressed
    value: Mapped[float] = mapped_column(Float)
    reason: Mapped[str] = mapped_column(Text, default="")
    trace: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    region: Mapped[str | None] = mapped_column(String(128))
    country: Mapped[str | None] = mapped_column(String(128))
    community: Mapped[str | None] = mapped_column(String(64))
    severity: Mapped[str] = mapped_column(String(16))
    first_at: Mapped[datetime] = mapped_column(UTCDateTime)
    decided_at: Mapped[datetime] = mapped_column(UTCDateTime)
    occurrences: Mapped[int] = mapped_column(Integer, default=1)


class FeedbackRow(Base):
    """A desk's verdict on an alert: confirmed, false alarm, duplicate, wrong figure."""

    __tablename__ = "feedback"
    __table_args__ = (Index("ix_feedback_alert_id", "alert_id"),)

    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    alert_id: Mapped[int] = mapped_column(ForeignKey("alerts.id", ondelete="CASCADE"))
    verdict: Mapped[str] = mapped_column(String(16))
    note: Mapped[str] = mapped_column(Text, default="")
    author: Mapped[str] = mapped_column(String(128))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class AcknowledgementRow(Base):
    __tablename__ = "acknowledgements"

    alert_id: Mapped[int] = mapped_column(ForeignKey("alerts.id", ondelete="CASCADE"), primary_key=True)
    author: Mapped[str] = mapped_column(String(128))
    note: Mapped[str] = mapped_column(Text, default="")
    acked_at: Mapped[datetime] = mapped_column(UTCDateTime)


class DeliveryRow(Base):
    """The outbox: one row per (alert, channel), committed with the alert, sent and marked on its own.

    A grouped route's notification is one row per (notification, channel): `notification` is the
    notifications row and `alert_id` its lead alert; a row sent as its alert fired has notification 0.
    """

    __tablename__ = "deliveries"
    __table_args__ = (
        UniqueConstraint("alert_id", "channel", "notification", name="uq_deliveries_alert_channel_notification"),
        Index("ix_deliveries_status_next", "status", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    alert_id: Mapped[int] = mapped_column(ForeignKey("alerts.id", ondelete="CASCADE"))
    channel: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    lease_owner: Mapped[str | None] = mapped_column(String(128))
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    notification: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")


class NotificationGroupRow(Base):
    """One group of a grouped route (route node + group_by values): when it is next flushed, and how often
    it has notified. The row stays when the group empties (flush_at NULL) and is reused when it refills."""

    __tablename__ = "notification_groups"
    __table_args__ = (
        UniqueConstraint("key", name="uq_notification_groups_key"),
        Index("ix_notification_groups_flush_at", "flush_at"),
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    key: Mapped[str] = mapped_column(String(200))
    route: Mapped[str] = mapped_column(String(200))
    labels: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    channels: Mapped[list[str]] = mapped_column(JSON, default=list)
    group_wait_s: Mapped[int] = mapped_column(Integer)
    group_interval_s: Mapped[int] = mapped_column(Integer)
    repeat_interval_s: Mapped[int] = mapped_column(Integer)
    send_resolved: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    flush_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_notified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    notifications: Mapped[int] = mapped_column(Integer, default=0)
    last_note: Mapped[str | None] = mapped_column(Text)      # why the last flush sent nothing (muted, inhibited)


class GroupMemberRow(Base):
    """An alert group (rule + labels, by dedup key) in a notification group, with its latest alert."""

    __tablename__ = "group_members"
    __table_args__ = (UniqueConstraint("group_id", "dedup_key", name="uq_group_members_group_id"),)

    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("notification_groups.id", ondelete="CASCADE"))
    dedup_key: Mapped[str] = mapped_column(String(512))
    alert_id: Mapped[int] = mapped_column(ForeignKey("alerts.id", ondelete="CASCADE"))
    notified_alert_id: Mapped[int | None] = mapped_column(BigInteger)   # in the last firing notification
    inhibited: Mapped[str | None] = mapped_column(Text)                 # why it was left out, last flush
    added_at: Mapped[datetime] = mapped_column(UTCDateTime)


class NotificationRow(Base):
    """One notification of a group: the alerts it lists, firing and resolved. Unique per (group, seq)."""

    __tablename__ = "notifications"
    __table_args__ = (UniqueConstraint("group_id", "seq", name="uq_notifications_group_id_seq"),)

    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("notification_groups.id", ondelete="CASCADE"))
    seq: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16))          # firing | resolved
    alert_ids: Mapped[list[int]] = mapped_column(JSON, default=list)
    resolved_ids: Mapped[list[int]] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class SilenceRow(Base):
    __tablename__ = "silences"

    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    rule: Mapped[str | None] = mapped_column(String(80))
    matchers: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    reason: Mapped[str] = mapped_column(Text, default="")
    created_by: Mapped[str | None] = mapped_column(String(128))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class CursorRow(Base):
    """Named positions: the last observation id each evaluation has seen, and similar."""

    __tablename__ = "cursors"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    position: Mapped[int] = mapped_column(BigInteger, default=0)
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class RuleProgressRow(Base):
    """A rule that failed: where its evaluation stands, and why and when it is retried.

    A rule without a row has evaluated everything up to the `evaluate` / `evaluate-items` cursors
    (the head). A row keeps the position after which the rule has not yet evaluated successfully,
    so the rule is never passed over what it failed on (docs/reliability.md); it is deleted once
    the rule has caught up with the head.
    """

    __tablename__ = "rule_progress"

    rule: Mapped[str] = mapped_column(String(80), primary_key=True)
    cursor: Mapped[str] = mapped_column(String(32))          # evaluate | evaluate-items | none (feed_silence)
    position: Mapped[int | None] = mapped_column(BigInteger)  # last id evaluated; None: reads no cursor
    failures: Mapped[int] = mapped_column(Integer, default=0)  # consecutive
    first_failed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_failed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    retry_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(Text)
    fingerprint: Mapped[str | None] = mapped_column(String(64))  # of the rule that failed: an edit retries at once
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
