"""Store reads for rule evaluation: per-rule aggregates over every group a cycle touched, and the
items and feeds keyword and feed_silence rules read. Mixed into `Store`; values out, never rows."""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, case, distinct, exists, func, literal, or_, select, tuple_

from warnd.types import OBSERVATION_ATTR, Observation, ObservationFilter

from ._base import StoreBase
from ._fast import rows
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


_ITEMS_AFTER = (_ITEM.where(_I.id > bindparam("after"), _I.current.is_(True)).order_by(_I.id)
                .limit(bindparam("limit")))


class RuleReads(StoreBase):
    """The evaluation reads of `Store` (one query per rule for all touched groups)."""

    # ---- rule evaluation reads: one query per rule for all the groups a cycle touched ---------
    # Statements are built once per rule shape and cached (see _Shape); the times and the touched
    # group values are parameters. Building a statement cost several times more than running it.

    def group_aggregates(self, flt: ObservationFilter, groups: Sequence[Group], start: datetime, end: datetime,
                         how: str, *, at_least: float | None = None) -> dict[Group, float]:
        """Per group, the aggregate (`max`, `sum`, `count` of items, `distinct_sources`) of the observations
        matching `flt` with start <= observed_at <= end. Groups without observations are absent.

        With `at_least`, only observations with value >= at_least count (the figures that meet a
        condition on their own).
        """
        if not groups:
            return {}
        shape, params = _Shape.of(groups)
        stmt = _aggregate_stmt(flt, shape, how, at_least is not None)
        return {g: float(v) for g, v in self._per_group(stmt, shape, groups,
                                                          start=start, end=end, at_least=at_least, **params).items()}

    def group_times(self, flt: ObservationFilter, groups: Sequence[Group], start: datetime, end: datetime, *,
                    last: bool) -> dict[Group, datetime]:
        """Per group, the first (or last) observed_at of matching observations with start <= observed_at <= end."""
        if not groups:
            return {}
        shape, params = _Shape.of(groups)
        stmt = _aggregate_stmt(flt, shape, "last_at" if last else "first_at", False)
        return self._per_group(stmt, shape, groups, start=start, end=end, **params)

    def first_reports(self, flt: ObservationFilter, groups: Sequence[Group], start: datetime, end: datetime,
                      since: datetime) -> dict[Group, tuple[datetime, datetime | None]]:
        """Per group with a matching observation in [start, end]: its first one there, and its last one
        in [since, start) (None without one) — what new_value asks, in one query.

        The last one before is a correlated subquery per group, which the (group, observed_at) index
        answers without reading the group's other reports.
        """
        if not groups:
            return {}
        shape, params = _Shape.of(groups)
        wanted = set(groups)
        key = shape.keyer()
        out: dict[Group, tuple[datetime, datetime | None]] = {}
        with self._read() as conn:
            for row in self._shared(conn, _first_reports_stmt(flt, shape), {"start": start, "end": end, "since": since, **params},
                            named=False):
                group = key(row)
                if group in wanted:
                    out[group] = (row[-2], row[-1])
        return out

    def groups_seen_by(self, flt: ObservationFilter, groups: Sequence[Group], at: datetime) -> set[Group]:
        """The groups with a matching observation at or before `at` (history old enough for
        `min_baseline_days`).

        One EXISTS per group: the index finds the first such row, so the cost does not grow with the
        group's history, as `min(observed_at)` over all of it would."""
        out: set[Group] = set()
        with self._read() as conn:
            for group in dict.fromkeys(groups):
                stmt = _seen_stmt(flt, tuple((name, value is None) for name, value in group))
                params = {f"v{i}": value for i, (_, value) in enumerate(group)}
                if self._shared(conn, stmt, {"at": at, **params}, named=False):
                    out.add(group)
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
        shape, params = _Shape.of(groups)
        day = timedelta(days=1)
        # age = end - observed_at; bucket k holds ages in [k days, k+1 days): end-(k+1)d < observed_at <= end-kd.
        params |= {f"b{k}": end - (k + 1) * day for k in range(days)}
        n = len(shape.fields)
        key = shape.keyer()
        with self._read() as conn:
            for row in self._shared(conn, _baseline_stmt(flt, shape, how, days),
                            {"since": end - lookback, "after": end - days * day, "end": end, **params}, named=False):
                group = key(row)
                k = int(row[n])
                if group in out and 0 <= k < days:
                    out[group][k] = float(row[-1] or 0)
        return out

    def first_observed_at(self, flt: ObservationFilter) -> datetime | None:
        """The oldest current observation matching `flt` (a group's history age, for min_baseline_days)."""
        with self._read() as conn:
            first: datetime | None = conn.scalar(
                select(func.min(ObservationRow.observed_at)).where(*observation_conditions(flt)))
            return first

    def _shared(self, conn: Any, stmt: Any, params: dict[str, Any], *, named: bool = True) -> Sequence[Any]:
        """`rows`, shared by the rules of one evaluation cycle: rules of the same shape (a warning and
        a critical threshold on one signal, jumps that differ only in their condition) ask the same
        question of the history, and nothing writes observations or items while a cycle reads them."""
        memo: dict[Any, tuple[Any, Sequence[Any]]] | None = getattr(self._local, "memo", None)
        if memo is None:
            return rows(conn, stmt, params, named=named)
        key = (id(stmt), named, tuple(sorted((k, tuple(v) if isinstance(v, list) else v) for k, v in params.items())))
        hit = memo.get(key)
        if hit is not None and hit[0] is stmt:    # the statement is kept with its rows: its id is not reused
            return hit[1]
        found = rows(conn, stmt, params, named=named)
        memo[key] = (stmt, found)
        return found

    def _per_group(self, stmt: Any, shape: _Shape, groups: Sequence[Group], **params: Any) -> dict[Group, Any]:
        wanted = set(groups)
        key = shape.keyer()
        out: dict[Group, Any] = {}
        with self._read() as conn:
            for row in self._shared(conn, stmt, params, named=False):
                group = key(row)
                if row[-1] is not None and group in wanted:
                    out[group] = row[-1]
        return out

    def group_observations(self, flt: ObservationFilter, groups: Sequence[Group], start: datetime,
                           end: datetime) -> dict[Group, list[Observation]]:
        """Per group, its observations matching `flt` with start <= observed_at <= end, newest first
        (what `observations` returns for each group, in one query)."""
        if not groups:
            return {}
        wanted = set(groups)
        shape, params = _Shape.of(groups)
        names = shape.fields
        out: dict[Group, list[Observation]] = {}
        with self._read() as conn:
            for r in self._shared(conn, _observations_stmt(flt, shape), {"start": start, "end": end, **params}):
                o = _observation(r, flt.measure)
                group = tuple((name, getattr(o, OBSERVATION_ATTR.get(name, name))) for name in names)
                if group in wanted:
                    out.setdefault(group, []).append(o)
        return out

    # ---- items (keyword rules) and feeds (feed_silence rules) ---------------------------------

    def last_item_id(self) -> int:
        with self._read() as conn:
            return int(conn.scalar(select(func.max(ItemRow.id))) or 0)

    def items_after(self, after_id: int, limit: int = 10000) -> list[StoredItem]:
        """Current item revisions stored after `after_id`, oldest first (an edit is a new revision)."""
        with self._read() as conn:
            return [StoredItem(*r) for r in rows(conn, _ITEMS_AFTER, {"after": after_id, "limit": limit}, named=False)]

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
        if not groups:
            return []
        shape, params = _Shape.of(groups)
        ascii_only = tuple(containing) if containing and all(p.isascii() for p in containing) else ()
        stmt = _items_stmt(flt.feeds, flt.countries, flt.regions, ascii_only, shape)
        with self._read() as conn:
            return [StoredItem(*r) for r in self._shared(conn, stmt, {"start": start, "end": end, **params}, named=False)]

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


def observation_conditions(flt: ObservationFilter, table: Any = ObservationRow) -> list[Any]:
    """The conditions of `flt` on the observations table (or an alias of it)."""
    # `new` reads what each figure newly reported, on every revision: an edited item's earlier rise
    # stays counted (its rows are superseded, their new_count is not), and its new revision adds only
    # its own rise. `total` reads the current revisions' figures as stated.
    cond: list[Any] = [or_(table.superseded.is_(False), table.new_count > 0) if flt.measure == "new"
                       else table.superseded.is_(False)]
    for values, name in (
        (flt.metrics, "metric"), (flt.feeds, "feed"), (flt.countries, "country"), (flt.regions, "region"),
        (flt.victims, "victims"), (flt.qualifiers, "qualifier"), (flt.targeted_groups, "targeted_group"),
    ):
        if values:
            cond.append(getattr(table, name).in_(values))
    for name, value in flt.group:
        column = getattr(table, OBSERVATION_ATTR.get(name, name))
        cond.append(column.is_(None) if value is None else column == value)
    return cond


@dataclass(frozen=True, slots=True)
class _Shape:
    """What a per-rule statement depends on besides its parameters: the group_by fields, and per
    field whether the touched groups have values (`IN :g<i>`) and whether one has none (`IS NULL`)."""

    fields: tuple[str, ...]
    present: tuple[bool, ...]
    null: tuple[bool, ...]

    @staticmethod
    def of(groups: Sequence[Group]) -> tuple[_Shape, dict[str, Any]]:
        fields = tuple(name for name, _ in groups[0])
        params: dict[str, Any] = {}
        present, null = [], []
        for i in range(len(fields)):
            values = {g[i][1] for g in groups}
            params[f"g{i}"] = sorted(v for v in values if v is not None)
            present.append(bool(params[f"g{i}"]))
            null.append(None in values)
        shape = _Shape(fields, tuple(present), tuple(null))
        if shape.exact:
            params["exact_groups"] = [tuple(v for _, v in g) for g in groups]
        return shape, params

    @property
    def exact(self) -> bool:
        """Several fields, no NULL: the groups themselves are a parameter too (a row-value IN), so that
        the per-field INs' cross product (Latakia × Druze when only Latakia × Alawite was touched) is
        not read and returned."""
        return len(self.fields) > 1 and not any(self.null)

    def keyer(self) -> Callable[[Sequence[Any]], Group]:
        """A row's group, from the group columns that lead it."""
        if len(self.fields) == 1:
            (name,) = self.fields
            return lambda row: ((name, row[0]),)
        if len(self.fields) == 2:
            first, second = self.fields
            return lambda row: ((first, row[0]), (second, row[1]))
        fields = self.fields
        return lambda row: tuple(zip(fields, row, strict=False))

    def columns(self, table: Any = ObservationRow) -> list[Any]:
        """The group columns of the observations table, of an alias's columns, or of the items table."""
        return [getattr(table, n if table is ItemRow else OBSERVATION_ATTR.get(n, n)) for n in self.fields]

    def conditions(self, table: Any = ObservationRow) -> list[Any]:
        """Each group field IN the touched values (IS NULL when a group has no value): a superset of the
        groups, indexed; callers keep only the exact groups."""
        cond: list[Any] = []
        for i, column in enumerate(self.columns(table)):
            parts = [column.in_(bindparam(f"g{i}", expanding=True))] if self.present[i] else []
            if self.null[i]:
                parts.append(column.is_(None))
            cond.append(or_(*parts) if len(parts) > 1 else parts[0])
        if self.exact:
            cond.append(tuple_(*self.columns(table)).in_(bindparam("exact_groups", expanding=True)))
        return cond


_OBS_AT = ObservationRow.observed_at


@functools.lru_cache(maxsize=1024)
def _aggregate_stmt(flt: ObservationFilter, shape: _Shape, what: str, at_least: bool) -> Any:
    agg = func.min(_OBS_AT) if what == "first_at" else func.max(_OBS_AT) if what == "last_at" \
        else _aggregate_expr(what, flt.measure)
    extra = [_value(flt.measure) >= bindparam("at_least")] if at_least else []
    fields = shape.columns()
    return (select(*fields, agg)
            .where(*observation_conditions(flt), *shape.conditions(), _OBS_AT >= bindparam("start"),
                   _OBS_AT <= bindparam("end"), *extra)
            .group_by(*fields))


@functools.lru_cache(maxsize=1024)
def _first_reports_stmt(flt: ObservationFilter, shape: _Shape) -> Any:
    before = ObservationRow.__table__.alias("before")
    same = [b.is_not_distinct_from(o) if null else b == o
            for b, o, null in zip(shape.columns(before.c), shape.columns(), shape.null, strict=True)]
    last_before = (select(func.max(before.c.observed_at))
                   .where(*observation_conditions(flt, before.c), *same, before.c.observed_at >= bindparam("since"),
                          before.c.observed_at < bindparam("start"))
                   .scalar_subquery())
    fields = shape.columns()
    return (select(*fields, func.min(_OBS_AT), last_before)
            .where(*observation_conditions(flt), *shape.conditions(), _OBS_AT >= bindparam("start"),
                   _OBS_AT <= bindparam("end"))
            .group_by(*fields))


@functools.lru_cache(maxsize=1024)
def _baseline_stmt(flt: ObservationFilter, shape: _Shape, how: str, days: int) -> Any:
    bucket = case(*[(_OBS_AT > bindparam(f"b{k}"), k) for k in range(days)], else_=days).label("bucket")
    fields = shape.columns()
    return (select(*fields, bucket, _aggregate_expr(how, flt.measure))
            .where(*observation_conditions(flt), *shape.conditions(), _OBS_AT >= bindparam("since"),
                   _OBS_AT > bindparam("after"), _OBS_AT < bindparam("end"))
            .group_by(*fields, bucket))


# The columns of an Observation, with its item's title and link.
OBSERVATION_COLUMNS = (*ObservationRow.__table__.c, ItemRow.__table__.c.title.label("item_title"),
                       ItemRow.__table__.c.link.label("item_link"))


def _observation(r: Any, measure: str = "total") -> Observation:
    """An observation as a rule of `measure` sees it: under `new`, its value is what it newly reported
    and `reported` the figure as stated."""
    new = measure == "new"
    return Observation(
        item_id=r.item_id, feed=r.feed, observed_at=r.observed_at, metric=r.metric,
        value=r.new_count if new else r.value, region=r.region,
        country=r.country, location=r.location, victims=r.victims, qualifier=r.qualifier, cumulative=r.cumulative,
        targeted_group=r.targeted_group, id=r.id, title=r.item_title, link=r.item_link,
        reported=r.value if new else None, series_id=r.series_id, incident_id=r.incident_id, source=r.source,
        conflict=bool(r.conflict))


@functools.lru_cache(maxsize=1024)
def _observations_stmt(flt: ObservationFilter, shape: _Shape) -> Any:
    o, i = ObservationRow.__table__.c, ItemRow.__table__.c
    return (select(*OBSERVATION_COLUMNS)
            .join(ItemRow.__table__, i.id == o.item_id)
            .where(*observation_conditions(flt), *shape.conditions(), o.observed_at >= bindparam("start"),
                   o.observed_at <= bindparam("end"))
            .order_by(o.observed_at.desc(), o.id.desc()))


@functools.lru_cache(maxsize=1024)
def _seen_stmt(flt: ObservationFilter, group: tuple[tuple[str, bool], ...]) -> Any:
    """Is there a matching observation in the group (:v<i>, or NULL) at or before :at?"""
    cond = [*observation_conditions(flt), _OBS_AT <= bindparam("at")]
    for i, (name, null) in enumerate(group):
        column = getattr(ObservationRow, OBSERVATION_ATTR.get(name, name))
        cond.append(column.is_(None) if null else column == bindparam(f"v{i}"))
    return select(literal(1)).where(exists().where(*cond))


@functools.lru_cache(maxsize=1024)
def _items_stmt(feeds: tuple[str, ...], countries: tuple[str, ...], regions: tuple[str, ...],
                phrases: tuple[str, ...], shape: _Shape) -> Any:
    cond: list[Any] = [_I.current.is_(True), _I.observed_at >= bindparam("start"), _I.observed_at <= bindparam("end")]
    if phrases:
        likes = []
        for phrase in phrases:
            pattern = "%" + "%".join(w.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
                                     for w in phrase.lower().split()) + "%"
            likes.extend([func.lower(_I.title).like(pattern, escape="\\"),
                          func.lower(_I.summary).like(pattern, escape="\\")])
        cond.append(or_(*likes))
    for values, column in ((feeds, _I.feed), (countries, _I.country), (regions, _I.region)):
        if values:
            cond.append(column.in_(values))
    return _ITEM.where(*cond, *shape.conditions(ItemRow)).order_by(_I.observed_at.desc(), _I.id.desc())


def _value(measure: str) -> Any:
    """The column a rule's measure reads: each figure as stated, or what it newly reported."""
    return ObservationRow.new_count if measure == "new" else ObservationRow.value


def _aggregate_expr(how: str, measure: str = "total") -> Any:
    if how == "max":
        return func.max(_value(measure))
    if how == "sum":
        return func.sum(_value(measure))
    if how == "count":
        return func.count(distinct(ObservationRow.item_id))
    if how == "distinct_sources":
        return func.count(distinct(ObservationRow.feed))
    raise ValueError(f"unknown aggregate {how!r}")
