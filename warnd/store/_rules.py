"""Store reads for rule evaluation: per-rule aggregates over every group a cycle touched, and the
items and feeds keyword and feed_silence rules read. Mixed into `Store`; values out, never rows."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, case, distinct, exists, func, literal, or_, select, union_all

from warnd.types import OBSERVATION_ATTR, Observation, ObservationFilter

from ._base import StoreBase
from .tables import ItemRow, ObservationRow

# A rule group: the values of its `group_by` fields, in order, e.g. (("region", "Latakia"),).
Group = tuple[tuple[str, str | None], ...]


@dataclass(frozen=True, slots=True)
class StoredItem:
    """The current revision of a stored item, as keyword and feed-silence rules see it."""

    id: int
    feed: str
    title: str
    summary: str
    link: str | None
    observed_at: datetime
    first_seen_at: datetime
    region: str | None = None
    country: str | None = None


_I = ItemRow.__table__.c
# The columns of a StoredItem, in its field order: no signals JSON to decode for a keyword scan.
_ITEM = select(_I.id, _I.feed, _I.title, _I.summary, _I.link, _I.observed_at, _I.first_seen_at, _I.region,
               _I.country)


class RuleReads(StoreBase):
    """The evaluation reads of `Store` (one query per rule for all touched groups)."""

    # ---- rule evaluation reads: one query per rule for all the groups a cycle touched ---------

    def group_aggregates(self, flt: ObservationFilter, groups: Sequence[Group], start: datetime, end: datetime,
                         how: str, *, at_least: float | None = None) -> dict[Group, float]:
        """Per group, the aggregate (`max`, `sum`, `count` of items, `distinct_sources`) of the observations
        matching `flt` with start <= observed_at <= end. Groups without observations are absent.

        With `at_least`, only observations with value >= at_least count (the figures that meet a
        condition on their own).
        """
        if not groups:
            return {}
        agg = _aggregate_expr(how)
        extra = [ObservationRow.value >= at_least] if at_least is not None else []
        return self._per_group(flt, groups, agg, [ObservationRow.observed_at >= start,
                                                  ObservationRow.observed_at <= end, *extra])

    def group_times(self, flt: ObservationFilter, groups: Sequence[Group], start: datetime, end: datetime, *,
                    last: bool) -> dict[Group, datetime]:
        """Per group, the first (or last) observed_at of matching observations with start <= observed_at <= end."""
        if not groups:
            return {}
        col = ObservationRow.observed_at
        return self._per_group(flt, groups, func.max(col) if last else func.min(col), [col >= start, col <= end])

    def groups_seen_by(self, flt: ObservationFilter, groups: Sequence[Group], at: datetime) -> set[Group]:
        """The groups with a matching observation at or before `at` (history old enough for
        `min_baseline_days`). One EXISTS per group: the index finds the first such row, so the cost
        does not grow with the group's history, as `min(observed_at)` over all of it would."""
        out: set[Group] = set()
        groups = list(dict.fromkeys(groups))
        if not groups:
            return out
        col = ObservationRow.observed_at
        base = [*observation_conditions(flt), col <= at]
        with self._read() as conn:
            for i in range(0, len(groups), 100):     # SQLite allows 500 terms in a compound select
                chunk = groups[i:i + 100]
                q = union_all(*[
                    select(literal(n)).where(exists().where(*base, *_group_equals(g)))
                    for n, g in enumerate(chunk)])
                out.update(chunk[int(n)] for (n,) in conn.execute(q))
        return out

    def baseline_series(self, flt: ObservationFilter, groups: Sequence[Group], end: datetime, lookback: timedelta,
                        days: int, how: str) -> dict[Group, list[float]]:
        """Per group, the aggregate per 24-hour bucket counted back from `end` (bucket 0 is the day just
        before `end`), over observations in [end - lookback, end); a bucket with no report is 0.

        The same numbers as `evaluate.daily_buckets` on the rows, computed by the database in one query.
        """
        out: dict[Group, list[float]] = {g: [0.0] * days for g in groups}
        if not groups:
            return out
        col = ObservationRow.observed_at
        day = timedelta(days=1)
        # age = end - observed_at; bucket k holds ages in [k days, k+1 days): end-(k+1)d < observed_at <= end-kd.
        bucket = case(*[(col > end - (k + 1) * day, k) for k in range(days)], else_=days).label("bucket")
        fields = _group_columns(groups)
        q = (select(*fields, bucket, _aggregate_expr(how))
             .where(*observation_conditions(flt), *_group_conditions(groups), col >= end - lookback,
                    col > end - days * day, col < end)
             .group_by(*fields, bucket))
        with self._read() as conn:
            for row in conn.execute(q).all():
                key = _group_key(groups, row[:len(fields)])
                k = int(row[len(fields)])
                if key in out and 0 <= k < days:
                    out[key][k] = float(row[-1] or 0)
        return out

    def first_observed_at(self, flt: ObservationFilter) -> datetime | None:
        """The oldest current observation matching `flt` (a group's history age, for min_baseline_days)."""
        with self._tx() as s:
            first: datetime | None = s.scalar(select(func.min(ObservationRow.observed_at)).where(*observation_conditions(flt)))
            return first

    def _per_group(self, flt: ObservationFilter, groups: Sequence[Group], agg: Any,
                   where: list[Any]) -> dict[Group, Any]:
        fields = _group_columns(groups)
        wanted = set(groups)
        q = (select(*fields, agg).where(*observation_conditions(flt), *_group_conditions(groups), *where)
             .group_by(*fields))
        out: dict[Group, Any] = {}
        with self._read() as conn:
            for row in conn.execute(q).all():
                key = _group_key(groups, row[:len(fields)])
                if key in wanted and row[-1] is not None:
                    out[key] = float(row[-1]) if not isinstance(row[-1], datetime) else row[-1]
        return out

    def group_observations(self, flt: ObservationFilter, groups: Sequence[Group], start: datetime,
                           end: datetime) -> dict[Group, list[Observation]]:
        """Per group, its observations matching `flt` with start <= observed_at <= end, newest first
        (what `observations` returns for each group, in one query)."""
        if not groups:
            return {}
        wanted = set(groups)
        o = ObservationRow.__table__.c
        q = (select(*ObservationRow.__table__.c, ItemRow.__table__.c.title.label("item_title"),
                    ItemRow.__table__.c.link.label("item_link"))
             .join(ItemRow.__table__, ItemRow.__table__.c.id == o.item_id)
             .where(*observation_conditions(flt), *_group_conditions(groups), o.observed_at >= start, o.observed_at <= end)
             .order_by(o.observed_at.desc(), o.id.desc()))
        out: dict[Group, list[Observation]] = {}
        names = [OBSERVATION_ATTR.get(name, name) for name, _ in groups[0]]
        with self._read() as conn:
            for r in conn.execute(q).mappings():
                key = tuple((name, r[col]) for (name, _), col in zip(groups[0], names, strict=True))
                if key in wanted:
                    out.setdefault(key, []).append(Observation(
                        item_id=r["item_id"], feed=r["feed"], observed_at=r["observed_at"], metric=r["metric"],
                        value=r["value"], region=r["region"], country=r["country"], location=r["location"],
                        victims=r["victims"], qualifier=r["qualifier"], cumulative=r["cumulative"],
                        targeted_group=r["targeted_group"], id=r["id"], title=r["item_title"], link=r["item_link"]))
        return out

    # ---- items (keyword rules) and feeds (feed_silence rules) ---------------------------------

    def last_item_id(self) -> int:
        with self._read() as conn:
            return int(conn.scalar(select(func.max(ItemRow.id))) or 0)

    def items_after(self, after_id: int, limit: int = 10000) -> list[StoredItem]:
        """Current item revisions stored after `after_id`, oldest first (an edit is a new revision)."""
        q = _ITEM.where(_I.id > after_id, _I.current.is_(True)).order_by(_I.id).limit(limit)
        with self._read() as conn:
            return [StoredItem(*r) for r in conn.execute(q)]

    def items_in(self, flt: ObservationFilter, groups: Sequence[Group], start: datetime,
                 end: datetime, *, containing: Sequence[str] = ()) -> list[StoredItem]:
        """Current items with start <= observed_at <= end, in `groups` (region/country/feed; a superset
        when a group has several fields), filtered by the feeds, countries and regions of `flt`;
        newest first.

        With `containing` (phrases), only items whose title or summary contains one of them, as a
        case-insensitive substring with any text between the words: a superset of a keyword rule's
        whole-word matches that the database can check. Non-ASCII phrases are not pre-filtered
        (SQLite folds the case of ASCII letters only).
        """
        cond: list[Any] = [_I.current.is_(True), _I.observed_at >= start, _I.observed_at <= end]
        if containing and all(p.isascii() for p in containing):
            likes = []
            for phrase in containing:
                pattern = "%" + "%".join(w.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
                                         for w in phrase.lower().split()) + "%"
                likes.extend([func.lower(_I.title).like(pattern, escape="\\"),
                              func.lower(_I.summary).like(pattern, escape="\\")])
            cond.append(or_(*likes))
        for values, column in ((flt.feeds, _I.feed), (flt.countries, _I.country), (flt.regions, _I.region)):
            if values:
                cond.append(column.in_(values))
        cond.extend(_group_conditions(groups, table=ItemRow))
        q = _ITEM.where(*cond).order_by(_I.observed_at.desc(), _I.id.desc())
        with self._read() as conn:
            return [StoredItem(*r) for r in conn.execute(q)]

    def last_items(self, feeds: Sequence[str]) -> dict[str, StoredItem]:
        """Per feed, its most recently stored current item (by first-seen time)."""
        out: dict[str, StoredItem] = {}
        q = (_ITEM.where(_I.feed == bindparam("feed"), _I.current.is_(True))
             .order_by(_I.first_seen_at.desc(), _I.id.desc()).limit(1))
        with self._read() as conn:
            for feed in dict.fromkeys(feeds):
                row = conn.execute(q, {"feed": feed}).first()
                if row is not None:
                    out[feed] = StoredItem(*row)
        return out


def observation_conditions(flt: ObservationFilter) -> list[Any]:
    cond: list[Any] = [ObservationRow.superseded.is_(False)]
    for values, column in (
        (flt.metrics, ObservationRow.metric), (flt.feeds, ObservationRow.feed),
        (flt.countries, ObservationRow.country), (flt.regions, ObservationRow.region),
        (flt.victims, ObservationRow.victims), (flt.qualifiers, ObservationRow.qualifier),
        (flt.targeted_groups, ObservationRow.targeted_group),
    ):
        if values:
            cond.append(column.in_(values))
    for name, value in flt.group:
        column = getattr(ObservationRow, OBSERVATION_ATTR.get(name, name))
        cond.append(column.is_(None) if value is None else column == value)
    return cond


def _aggregate_expr(how: str) -> Any:
    if how == "max":
        return func.max(ObservationRow.value)
    if how == "sum":
        return func.sum(ObservationRow.value)
    if how == "count":
        return func.count(distinct(ObservationRow.item_id))
    if how == "distinct_sources":
        return func.count(distinct(ObservationRow.feed))
    raise ValueError(f"unknown aggregate {how!r}")


def _group_columns(groups: Sequence[Group], table: Any = ObservationRow) -> list[Any]:
    names = [name for name, _ in groups[0]] if groups else []
    return [getattr(table, OBSERVATION_ATTR.get(n, n) if table is ObservationRow else n) for n in names]


def _group_conditions(groups: Sequence[Group], table: Any = ObservationRow) -> list[Any]:
    """Each group field IN the touched values (IS NULL when a group has no value): a superset of the
    groups, indexed; callers keep only the exact groups."""
    if not groups:
        return []
    cond: list[Any] = []
    for i, column in enumerate(_group_columns(groups, table)):
        values = {g[i][1] for g in groups}
        present = sorted(v for v in values if v is not None)
        # One expanding parameter instead of a literal per value: building the IN clause of a 500-region
        # cycle is otherwise a measurable share of the evaluation time.
        parts = [column.in_(bindparam(f"group_{i}", present, expanding=True))] if present else []
        if None in values:
            parts.append(column.is_(None))
        cond.append(or_(*parts) if len(parts) > 1 else parts[0])
    return cond


def _group_equals(group: Group) -> list[Any]:
    """The conditions of one group (anonymous parameters, so many can share a statement)."""
    return [column.is_(None) if value is None else column == value
            for column, (_, value) in zip(_group_columns([group]), group, strict=True)]


def _group_key(groups: Sequence[Group], values: Sequence[Any]) -> Group:
    return tuple((name, value) for (name, _), value in zip(groups[0], values, strict=True))
