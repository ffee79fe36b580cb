"""Frozen values that cross stage boundaries: fetch → parse → extract → store → evaluate → deliver."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from enum import StrEnum


class CasualtyKind(StrEnum):
    KILLED = "killed"
    INJURED = "injured"
    MISSING = "missing"
    KIDNAPPED = "kidnapped"
    DISPLACED = "displaced"
    ARRESTED = "arrested"


class Qualifier(StrEnum):
    EXACT = "exact"
    AT_LEAST = "at_least"
    MORE_THAN = "more_than"
    ABOUT = "about"
    UP_TO = "up_to"
    RANGE = "range"


class Severity(StrEnum):
    INFO = "info"
    WARNING = "warning"
    HIGH = "high"
    CRITICAL = "critical"

    @property
    def rank(self) -> int:
        return list(Severity).index(self)


@dataclass(frozen=True, slots=True)
class FetchResult:
    """What one poll of one feed brought back."""

    feed: str
    url: str                        # the final URL after redirects
    status: int                     # HTTP status (200 for files); 304 means not modified
    fetched_at: datetime
    body: bytes | None = None       # None when not modified
    etag: str | None = None
    last_modified: str | None = None
    content_type: str | None = None
    content_hash: str | None = None  # sha256 of body, to skip parsing an unchanged body
    elapsed_s: float = 0.0

    @property
    def not_modified(self) -> bool:
        return self.status == 304 or self.body is None


@dataclass(frozen=True, slots=True)
class Casualty:
    """One casualty figure stated in an item."""

    kind: CasualtyKind
    count: int
    qualifier: Qualifier = Qualifier.EXACT
    victims: str = "people"
    cumulative: bool = False
    location: str | None = None     # the most specific named place the figure refers to
    part_of: int | None = None      # index, in the item's casualty list, of the total this figure breaks down
    historical: bool = False        # background history ("the 1995 massacre killed 8,000"): listed, not counted
    estimate: bool = False          # a projection or modal figure ("could exceed 500"): listed, not counted
    since: date | None = None       # the day a running toll starts ("since Thursday"), resolved against the item's date
    scope: str | None = None        # the place a running toll covers, at the level the text states (gazetteer name)
    attributed_to: str | None = None  # the named source of the figure ("the Syrian Observatory for Human Rights")


@dataclass(frozen=True, slots=True)
class Place:
    """A gazetteer place resolved from text, with its hierarchy."""

    name: str                       # canonical English name
    level: str                      # locality | district | region | country
    region: str | None = None       # first-level admin area (governorate/state/province)
    country: str | None = None


@dataclass(frozen=True, slots=True)
class Signals:
    """What extraction found in one item."""

    casualties: tuple[Casualty, ...] = ()
    places: tuple[Place, ...] = ()
    targeted_groups: tuple[str, ...] = ()
    region: str | None = None       # the item's main first-level region, for grouping
    country: str | None = None
    actors: tuple[str, ...] = ()
    event_type: str | None = None
    language: str | None = None     # the language the item was read in (None: structured, not read from text)
    read: bool = True               # False: a language warnd does not read; no figures were looked for

    @property
    def is_casualty_report(self) -> bool:
        # an item whose only figures are background history reports no casualties now
        return any(not c.historical for c in self.casualties) or bool(self.targeted_groups)


@dataclass(frozen=True, slots=True)
class Item:
    """One feed item, in one model whatever the feed format."""

    feed: str
    key: str                        # dedup key: guid, else link, else content hash
    title: str = ""
    summary: str = ""               # plain text
    link: str | None = None
    published_at: datetime | None = None
    updated_at: datetime | None = None
    language: str | None = None
    guid: str | None = None
    author: str | None = None
    content_hash: str = ""          # hash of title+summary: a new hash under the same key is a revision
    signals: Signals | None = None  # set by parse for structured sources (field mapping): no text parsing
    notes: tuple[str, ...] = ()     # quality flags from parsing (bad date, encoding fallback, ...)

    @property
    def text(self) -> str:
        return f"{self.title}\n{self.summary}" if self.summary else self.title


@dataclass(frozen=True, slots=True)
class ParsedFeed:
    """A parsed feed body: its items and what was odd about it."""

    items: tuple[Item, ...]
    title: str = ""
    warnings: tuple[str, ...] = ()
    next_url: str | None = None


@dataclass(frozen=True, slots=True)
class Observation:
    """One stored signal of one item revision, as rules see it."""

    item_id: int
    feed: str
    observed_at: datetime           # published time, clamped to first seen
    metric: str                     # casualty kind, or "mention"
    value: int
    region: str | None = None
    country: str | None = None
    location: str | None = None
    victims: str | None = None
    qualifier: str | None = None
    cumulative: bool = False
    targeted_group: str | None = None
    id: int = 0
    title: str = ""                 # the item's, for evidence
    link: str | None = None
    reported: int | None = None     # the figure as stated, when `value` is what it newly reports (measure new)
    series_id: int | None = None    # the running toll it is a point of
    incident_id: int | None = None  # the incident it reports
    source: str | None = None       # who stated it: the attributed source, else the feed
    conflict: bool = False          # lower than its series' level, from another source


@dataclass(frozen=True, slots=True)
class ObservationFilter:
    """Which observations a rule looks at: every given filter must hold; empty means any."""

    metrics: tuple[str, ...] = ()
    feeds: tuple[str, ...] = ()
    countries: tuple[str, ...] = ()
    regions: tuple[str, ...] = ()
    victims: tuple[str, ...] = ()
    qualifiers: tuple[str, ...] = ()
    targeted_groups: tuple[str, ...] = ()
    group: tuple[tuple[str, str | None], ...] = ()   # exact values of the group_by fields
    # `total`: each figure as stated (the highest running total); `new`: what each figure newly
    # reports (a toll's rise, an incident's first count), so repeats add nothing (docs/rules.md#tolls).
    measure: str = "total"

    def matches(self, obs: Observation) -> bool:
        checks = (
            (self.metrics, obs.metric), (self.feeds, obs.feed), (self.countries, obs.country),
            (self.regions, obs.region), (self.victims, obs.victims), (self.qualifiers, obs.qualifier),
            (self.targeted_groups, obs.targeted_group),
        )
        if any(allowed and value not in allowed for allowed, value in checks):
            return False
        return all(getattr(obs, OBSERVATION_ATTR.get(name, name)) == value for name, value in self.group)


# Rule field names that are spelled differently on an Observation.
OBSERVATION_ATTR = {"kind": "metric"}


@dataclass(frozen=True, slots=True)
class Evidence:
    """An item that contributed to an alert's value."""

    title: str
    feed: str
    link: str | None
    published_at: datetime
    value: int | None = None


@dataclass(frozen=True, slots=True)
class SeriesPoint:
    """One report of a running toll."""

    at: datetime
    value: int
    source: str                     # the attributed source, else the feed
    feed: str
    conflict: bool = False          # lower than the series' level, from another source
    victims: str | None = None      # whom it counts ("civilians", "people")


@dataclass(frozen=True, slots=True)
class SeriesFacts:
    """A running toll as the store holds it: its key and its newest points."""

    kind: str
    scope: str
    since: date | None
    source: str
    points: tuple[SeriesPoint, ...]     # oldest first, at most MAX_POINTS, none after the read's end


@dataclass(frozen=True, slots=True)
class IncidentFacts:
    """An incident as the store holds it: its highest count and each report of it."""

    kind: str
    place: str
    count: int
    absorbed: int
    reports: tuple[tuple[datetime, int, str], ...]   # (observed_at, count, feed), oldest first


@dataclass(frozen=True, slots=True)
class TollView:
    """The running toll behind an alert: where it stood before the window, where it stands now."""

    kind: str
    scope: str
    since: date | None
    source: str
    value: int                      # its highest level in the window
    previous: int | None            # its level before the window (None: first reported in it)
    previous_at: datetime | None
    points: tuple[SeriesPoint, ...] = ()   # the points up to the alert, oldest first (the one before the window too)
    new: int | None = None          # what its reports in the window newly reported (`new` rules): its rise less
                                    # what earlier reports (incidents, narrower tolls) had already counted

    @property
    def increment(self) -> int:
        return self.value - (self.previous or 0)


@dataclass(frozen=True, slots=True)
class IncidentView:
    """One incident behind an alert: its highest credible count and every report of it."""

    kind: str
    place: str
    count: int
    at: datetime
    counts: tuple[int, ...] = ()    # each report's count, oldest first
    sources: tuple[str, ...] = ()   # the feeds that reported it
    within_toll: bool = False       # already inside a running toll's rise: not counted again


@dataclass(frozen=True, slots=True)
class Tally:
    """What an alert's value counts: its measure, and the tolls and incidents that make it."""

    measure: str                    # new | total
    tolls: tuple[TollView, ...] = ()        # largest increment first
    incidents: tuple[IncidentView, ...] = ()  # largest count first

    @property
    def toll(self) -> TollView | None:
        return self.tolls[0] if self.tolls else None


@dataclass(frozen=True, slots=True)
class Alert:
    """A rule fired for a group."""

    rule: str
    dedup_key: str
    severity: Severity
    title: str
    labels: tuple[tuple[str, str], ...]
    value: float
    baseline: float | None
    window: timedelta
    sources: int
    fired_at: datetime
    evidence: tuple[Evidence, ...] = ()
    annotations: tuple[tuple[str, str], ...] = ()
    escalation: bool = False
    previous_value: float | None = None
    notify: tuple[str, ...] = ()
    metric: str = ""
    kind: str = ""
    id: int | None = None           # set once stored
    tally: Tally | None = None      # casualty rules: what the value counts (None for other rules)

    @property
    def measure(self) -> str:
        return self.tally.measure if self.tally is not None else ""

    @property
    def label_dict(self) -> dict[str, str]:
        return dict(self.labels)


class DeliveryStatus(StrEnum):
    PENDING = "pending"
    SENT = "sent"
    DEAD = "dead"
    SILENCED = "silenced"
    INHIBITED = "inhibited"   # an inhibit rule held it back; last_error says which and by which alert
    MUTED = "muted"           # a route's time interval muted it; last_error says which


@dataclass(frozen=True, slots=True)
class Notification:
    """One notification of a grouped route: the group's alerts that hold (`alerts`, most severe and
    newest first; the delivery's alert is the first) and those that stopped holding (`resolved`)."""

    id: int
    group: tuple[tuple[str, str], ...]          # the group_by labels and their values
    route: str                                  # the route node, e.g. root.1
    status: str                                 # firing | resolved
    seq: int
    alerts: tuple[Alert, ...] = ()
    resolved: tuple[Alert, ...] = ()


@dataclass(frozen=True, slots=True)
class Delivery:
    """One (alert, channel) row of the outbox; for a grouped route, one (notification, channel) row."""

    id: int
    alert_id: int
    channel: str
    status: DeliveryStatus
    attempts: int = 0
    next_attempt_at: datetime | None = None
    last_error: str | None = None
    created_at: datetime | None = None
    sent_at: datetime | None = None
    notification: Notification | None = None


@dataclass(frozen=True, slots=True)
class RenderedMessage:
    """A channel-ready message."""

    subject: str = ""
    text: str = ""
    html: str | None = None
    payload: dict[str, object] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class FeedState:
    """What warnd remembers about one feed between polls: validators, health, schedule."""

    feed: str
    etag: str | None = None
    last_modified: str | None = None
    content_hash: str | None = None       # of the last parsed body: an unchanged body is not parsed again
    last_polled_at: datetime | None = None
    last_success_at: datetime | None = None
    last_new_item_at: datetime | None = None
    last_error_at: datetime | None = None
    last_error: str | None = None
    consecutive_failures: int = 0
    items_seen: int = 0
    next_poll_at: datetime | None = None
    latencies_s: tuple[float, ...] = ()   # recent poll latencies, newest last (for the median)


# ---- grouped routes: a group as a flush sees it, and what the flush sends (warnd/grouping.py) ----

@dataclass(frozen=True, slots=True)
class Member:
    """A grouped route's group member: an alert group (rule + labels): its latest alert, and whether it still holds."""

    dedup_key: str
    alert: Alert
    notified_alert_id: int | None
    holds: bool


@dataclass(frozen=True, slots=True)
class GroupSnapshot:
    id: int
    key: str
    route: str
    labels: tuple[tuple[str, str], ...]
    channels: tuple[str, ...]
    group_interval: timedelta
    repeat_interval: timedelta
    send_resolved: bool
    last_notified_at: datetime | None
    notifications: int
    members: tuple[Member, ...]


@dataclass(frozen=True, slots=True)
class FlushPlan:
    status: str | None                   # firing | resolved | None: nothing is sent
    firing: tuple[Alert, ...] = ()       # listed, lead first
    resolved: tuple[Alert, ...] = ()
    channels: tuple[str, ...] = ()
    notified: tuple[str, ...] = ()       # members whose alert this notification lists as firing
    drop: tuple[str, ...] = ()           # members that leave the group
    inhibited: tuple[tuple[str, str], ...] = ()   # (member, reason) left out of this flush
    next_flush_at: datetime | None = None
    note: str | None = None
