"""What an alert's value counts: the running tolls and incidents behind a casualty rule's window.

Pure: the store reads the series points and incident reports (`Store.toll_facts`) for the groups
that fire; this turns them, with the window's observations, into the `Tally` an alert carries.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import UTC, datetime

from warnd.types import IncidentFacts, IncidentView, Observation, SeriesFacts, Tally, TollView

MAX_TOLLS = 5
MAX_INCIDENTS = 10


def ids_behind(measure: str, window: Sequence[Observation]) -> tuple[set[int], set[int]]:
    """The series and incidents a window's value rests on: under `new`, those that newly reported
    something in it; under `total`, every one it holds."""
    counted = [o for o in window if o.value > 0] if measure == "new" else list(window)
    return ({o.series_id for o in counted if o.series_id is not None},
            {o.incident_id for o in counted if o.incident_id is not None})


def build_tally(measure: str, window: Sequence[Observation], start: datetime,
                series: Mapping[int, SeriesFacts], incidents: Mapping[int, IncidentFacts]) -> Tally:
    series_ids, incident_ids = ids_behind(measure, window)
    views = [(sid, view) for sid in series_ids if sid in series
             if (view := _toll_view(series[sid], start)) is not None]
    if measure == "new":
        counted: dict[int, int] = {}
        for o in window:
            if o.series_id is not None:
                counted[o.series_id] = counted.get(o.series_id, 0) + o.value
        views = [(sid, replace(view, new=counted.get(sid, 0))) for sid, view in views]
    tolls = [view for _, view in views]
    if measure == "new":
        tolls.sort(key=lambda t: (-t.increment, -t.value, t.scope))
    else:
        tolls.sort(key=lambda t: (-t.value, t.scope))
    reported = [_incident_view(incidents[iid]) for iid in incident_ids if iid in incidents]
    reported.sort(key=lambda i: (i.within_toll, -i.count, i.at, i.place))
    return Tally(measure, tuple(tolls[:MAX_TOLLS]), tuple(reported[:MAX_INCIDENTS]))


def _toll_view(facts: SeriesFacts, start: datetime) -> TollView | None:
    before = [p for p in facts.points if p.at < start and not p.conflict]
    inside = [p for p in facts.points if p.at >= start]
    if not inside:
        return None
    previous = max(before, key=lambda p: (p.value, p.at)) if before else None
    level = [p for p in inside if not p.conflict] or inside
    value = max(p.value for p in level)
    # The level before the window, then the window's points: "745 → 1,018".
    shown = ([previous] if previous else []) + inside
    return TollView(kind=facts.kind, scope=facts.scope, since=facts.since, source=facts.source,
                    value=value, previous=previous.value if previous else None,
                    previous_at=previous.at if previous else None, points=tuple(shown))


def _incident_view(facts: IncidentFacts) -> IncidentView:
    reports = facts.reports
    return IncidentView(kind=facts.kind, place=facts.place, count=facts.count,
                        at=min((r[0] for r in reports), default=datetime.min.replace(tzinfo=UTC)),
                        counts=tuple(r[1] for r in reports),
                        sources=tuple(dict.fromkeys(r[2] for r in reports)),
                        within_toll=facts.count > 0 and facts.absorbed >= facts.count)
