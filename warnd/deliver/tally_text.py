"""Saying what a casualty alert's number is: a toll's rise, one incident, or newly reported casualties.

A desk officer reads "Latakia: 1,018 killed in 24h" as 1,018 deaths today. When 1,018 is a monitor's
running toll since Thursday and 745 of it was reported the day before, the alert must say so:
`Latakia: death toll since 6 Mar rises to 1,018 (+273 since 745, 10h earlier; 2 sources)`. These
functions build those phrases from the alert's `Tally` (docs/delivery.md#what-the-number-counts);
every piece of feed text in them is cleaned by the caller's rules (clean_line).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from warnd.clock import utc
from warnd.config.durations import format_duration
from warnd.deliver.sanitize import clean_line
from warnd.types import Alert, IncidentView, SeriesPoint, Tally, TollView

# What a count of each kind counts, as a noun.
COUNT_NOUN = {"killed": "deaths", "injured": "injuries", "missing": "people missing", "kidnapped": "abductions",
              "displaced": "people displaced", "arrested": "arrests"}
# The name of a running toll of each kind.
TOLL_NOUN = {"killed": "death toll", "injured": "toll of injured", "missing": "count of missing",
             "kidnapped": "count of abducted", "displaced": "count of displaced", "arrested": "count of arrests"}


def format_number(value: float | int | None) -> str:
    """`1018` → `1,018`; `2.5` → `2.5`; None → `—` (every message's numbers; render re-exports it)."""
    if value is None:
        return "—"
    if float(value).is_integer():
        return f"{int(value):,}"
    return f"{value:,.1f}"




def _since(toll: TollView) -> str:
    return f" since {toll.since.day} {toll.since.strftime('%b')}" if toll.since else ""


def _ago(earlier: datetime | None, later: datetime) -> str:
    if earlier is None:
        return ""
    span = max(utc(later) - utc(earlier), timedelta(0))
    if span < timedelta(hours=1):
        return f"{max(int(span.total_seconds() // 60), 1)}m earlier"
    span = timedelta(hours=round(span / timedelta(hours=1))) if span < timedelta(days=2) \
        else timedelta(days=round(span / timedelta(days=1)))
    return f"{format_duration(span)} earlier"


def _first_point(toll: TollView) -> SeriesPoint | None:
    return next((p for p in toll.points if not p.conflict), None)


def counted_incidents(tally: Tally) -> list[IncidentView]:
    """The incidents that add to a `new` value: those not already inside a toll's rise."""
    return [i for i in tally.incidents if not i.within_toll]


def leads_with_toll(alert: Alert) -> bool:
    """Whether the alert's story is a running toll (its rise is most of the value), not incidents."""
    tally = alert.tally
    if tally is None or tally.toll is None:
        return False
    if tally.measure == "total":
        return tally.toll.value >= alert.value
    return tally.toll.increment >= sum(i.count for i in counted_incidents(tally))


def toll_phrase(toll: TollView, measure: str = "new") -> str:
    """`death toll since 6 Mar rises to 1,018` / `… reported at 745` (its first report) / `… stands at
    1,018` (a `total` rule, which reads the level, however it got there)."""
    noun = TOLL_NOUN.get(toll.kind, f"{toll.kind} toll") + _since(toll)
    if measure == "total":
        return f"{noun} stands at {format_number(toll.value)}"
    if toll.previous is None:
        first = _first_point(toll)
        if first is not None and first.value < toll.value:
            return f"{noun} rises to {format_number(toll.value)}"      # first reported lower, within the window
        return f"{noun} reported at {format_number(toll.value)}"
    if toll.value > toll.previous:
        return f"{noun} rises to {format_number(toll.value)}"
    return f"{noun} stands at {format_number(toll.value)}"


def tally_figure(alert: Alert) -> str | None:
    """What happened, for a casualty alert with a tally; None to keep the generic phrase."""
    tally = alert.tally
    if tally is None:
        return None
    metric = clean_line(alert.metric, limit=40)
    if leads_with_toll(alert) and tally.toll is not None:
        rest = counted_incidents(tally) if tally.measure == "new" else []
        extra = f" and {len(rest)} separate {'incident' if len(rest) == 1 else 'incidents'}" if rest else ""
        return toll_phrase(tally.toll, tally.measure) + extra
    if tally.measure == "new":
        incidents = counted_incidents(tally)
        if len(incidents) == 1 and not tally.tolls and incidents[0].count == alert.value:
            return f"{format_number(alert.value)} {metric} in one incident"
        if incidents and not tally.tolls:
            return f"{format_number(alert.value)} {metric} in {len(incidents)} incidents"
        return f"{format_number(alert.value)} newly reported {metric}"
    return None


def tally_comparison(alert: Alert) -> str | None:
    """`+273 since 745, 10h earlier` for a toll that rose; None when there is nothing to compare."""
    tally = alert.tally
    if tally is None or tally.toll is None or not leads_with_toll(alert):
        return None
    toll = tally.toll
    if toll.previous is None:
        first = _first_point(toll)
        if first is not None and first.value < toll.value:
            reached = next((p for p in toll.points if p.value == toll.value and not p.conflict), None)
            ago = _ago(first.at, reached.at if reached else alert.fired_at)
            return f"first reported at {format_number(first.value)}" + (f", {ago}" if ago else "")
        return "first report of this toll"
    reached = next((p for p in toll.points if p.value == toll.value and not p.conflict), None)
    ago = _ago(toll.previous_at, reached.at if reached else alert.fired_at)
    before = next((p for p in toll.points if p.at == toll.previous_at and p.value == toll.previous), None)
    # "since 745 civilians" when the earlier figure counted other victims than the new level does.
    whom = f" {clean_line(before.victims, limit=40)}" if before and reached and before.victims \
        and before.victims != reached.victims else ""
    return f"{'+' if toll.increment >= 0 else '−'}{format_number(abs(toll.increment))} since {format_number(toll.previous)}{whom}" + \
        (f", {ago}" if ago else "")


def tally_sentence(alert: Alert, place: str) -> str | None:
    """The opening sentence of a casualty alert with a tally (None: keep the generic one)."""
    tally = alert.tally
    if tally is None:
        return None
    window = format_duration(alert.window)
    sources = f"{alert.sources} {'source' if alert.sources == 1 else 'sources'}"
    metric = clean_line(alert.metric, limit=40)
    parts: list[str] = []
    toll = tally.toll
    if toll is not None and leads_with_toll(alert):
        # A named source ("the Observatory"), or the feed that reported it without naming one.
        named = toll.source and toll.source not in {p.feed for p in toll.points}
        who = f" (source: {clean_line(toll.source, limit=120)})" if named else \
            f" (reported by {clean_line(toll.source, limit=120)})" if toll.source else ""
        scope = clean_line(toll.scope, limit=80)
        first = _first_point(toll)
        noun = TOLL_NOUN.get(toll.kind, "toll") + _since(toll)
        if toll.previous is None and first is not None and first.value < toll.value:
            told = f"A running {noun} for {scope}, first reported at {format_number(first.value)} within the window, rose to " \
                   f"{format_number(toll.value)}{who}"
        elif toll.previous is None:
            told = f"A running {noun} for {scope} was first reported at {format_number(toll.value)}{who}, with no earlier " \
                   f"figure of it"
        else:
            told = f"The {noun} for {scope} rose from {format_number(toll.previous)} to {format_number(toll.value)}{who}"
        rise = toll.increment
        if toll.new is not None and tally.measure == "new":
            known = rise - toll.new
            # What the rise holds that earlier reports (incidents, a narrower toll) had already counted.
            told += f": {format_number(toll.new)} newly reported" + (
                f", {format_number(known)} of it already counted in earlier reports" if known > 0 else "")
        parts.append(told)
    incidents = counted_incidents(tally) if tally.measure == "new" else list(tally.incidents)
    if incidents:
        listed = ", ".join(f"{format_number(i.count)} in {clean_line(i.place, limit=60)}" for i in incidents[:3])
        more = f" and {len(incidents) - 3} more" if len(incidents) > 3 else ""
        word = "incident" if len(incidents) == 1 else "incidents"
        parts.append(f"{len(incidents)} {word} reported ({listed}{more})")
    if not parts:
        return None
    if tally.measure == "new":
        noun = COUNT_NOUN.get(alert.metric, metric)
        head = f"{format_number(alert.value)} {noun} newly reported in {place} within {window}, by {sources}"
    else:
        head = f"The highest running total of {metric} in {place} within {window} is {format_number(alert.value)}, by {sources}"
    if alert.baseline is not None:
        head += f", against a usual {format_number(alert.baseline)} a day"
    text = head + ". " + "; ".join(parts) + "."
    within = [i for i in tally.incidents if i.within_toll]
    if within and tally.measure == "new":
        text += f" {len(within)} incident{'s' if len(within) != 1 else ''} inside the toll's rise counted once."
    return text


def tally_lines(alert: Alert) -> list[str]:
    """Plain lines for a message body: each toll with its points, each incident with its reports."""
    tally = alert.tally
    if tally is None:
        return []
    lines: list[str] = []
    for toll in tally.tolls:
        points = " → ".join(f"{format_number(p.value)}{' (conflicting, ' + clean_line(p.source, limit=60) + ')' if p.conflict else ''}"
                            f" {utc(p.at).strftime('%d %b %H:%M')}" for p in toll.points[-6:])
        change = f"+{format_number(toll.increment)}" if toll.previous is not None else "first report"
        lines.append(f"Toll{_since(toll)} · {clean_line(toll.scope, limit=80)} · {clean_line(toll.source, limit=80)}: "
                     f"{format_number(toll.value)} {toll.kind} ({change}); points: {points}")
    for inc in tally.incidents:
        reports = ", ".join(format_number(c) for c in inc.counts[:8])
        note = " · inside a toll's rise, counted once" if inc.within_toll else ""
        lines.append(f"Incident · {clean_line(inc.place, limit=80)} · {utc(inc.at).strftime('%d %b %H:%M')}: "
                     f"{format_number(inc.count)} {inc.kind} ({len(inc.counts)} report{'s' if len(inc.counts) != 1 else ''}: "
                     f"{reports}; {len(inc.sources)} source{'s' if len(inc.sources) != 1 else ''}){note}")
    return lines


def tally_json(alert: Alert) -> dict[str, Any]:
    """The webhook / backtest fields: measure, previous, increment, series, incidents (null/empty when
    the alert is not a casualty alert). `value` itself is the alert's own field."""
    tally = alert.tally
    toll = tally.toll if tally is not None else None
    return {
        "measure": tally.measure if tally is not None else None,
        "previous": toll.previous if toll is not None else None,
        "increment": (toll.increment if toll.previous is not None else toll.value) if toll is not None else None,
        "toll": {"kind": toll.kind, "scope": clean_line(toll.scope, limit=128),
                 "since": toll.since.isoformat() if toll.since else None,
                 "source": clean_line(toll.source, limit=200), "value": toll.value} if toll is not None else None,
        "series": [{"at": utc(p.at).isoformat(), "value": p.value, "source": clean_line(p.source, limit=200),
                    "feed": clean_line(p.feed, limit=64), "conflicting": p.conflict}
                   for p in (toll.points if toll is not None else ())],
        "incidents": [{"at": utc(i.at).isoformat(), "kind": i.kind, "place": clean_line(i.place, limit=128),
                       "count": i.count, "counts": list(i.counts),
                       "sources": [clean_line(s, limit=64) for s in i.sources], "within_toll": i.within_toll}
                      for i in (tally.incidents if tally is not None else ())],
    }
