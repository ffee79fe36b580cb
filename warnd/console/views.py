"""The console's pages (docs/console.md): each returns a `Page`, rendered as HTML or as its JSON twin."""

from __future__ import annotations

import asyncio
import csv
import io
import re
from collections.abc import Iterable, Sequence
from dataclasses import fields
from datetime import UTC, date, datetime, time, timedelta
from statistics import median
from typing import Any
from urllib.parse import quote, urlencode

from aiohttp import web

from warnd.config.durations import format_duration, parse_duration
from warnd.deliver.render import TITLE_MAX, alert_context, default_headline
from warnd.deliver.sanitize import clean_line
from warnd.logs import redact_url, redact_urls
from warnd.store import AlertFilter, AlertPage, AlertRecord, FeedbackRecord, Store
from warnd.store._console import AlertOutcome, PlaceSeries, RuleStats, Verdict
from warnd.trace import rule_source
from warnd.types import Alert, Severity

from .app import IDENTITY, ConsoleApp, ConsoleError, Page, json_response
from .auth import SESSION_COOKIE, Identity
from .charts import Line, Marker, line_chart

PER_PAGE = 50
# The decision trace's keys (warnd/trace.py) the alert page lays out; others are listed as they are.
_TRACE_KEYS = ("rule", "kind", "source", "decided_at", "window", "window_s", "window_start", "window_end", "aggregate",
               "condition", "match", "group_by", "value", "met", "reason", "min_sources", "sources", "realert",
               "escalate_ratio", "prior", "verdict", "silence_id", "channels", "baseline", "lookback")
PLACE_LEVELS = {"regions": "region", "countries": "country"}
SPANS = (7, 30, 90)
_CSV_BATCH = 1000
_CSV_MAX = 100_000
# Alert fields the alert page lays out itself; any other field (a newer warnd's) goes in "more fields".
_SHOWN = {"rule", "dedup_key", "severity", "title", "labels", "value", "baseline", "window", "sources", "fired_at",
          "evidence", "annotations", "escalation", "previous_value", "notify", "metric", "kind", "id"}


def install(c: ConsoleApp, app: web.Application) -> None:
    v = _Views(c)
    c.raw(app, "/", v.home)
    c.raw(app, "/login", v.login_form)
    c.raw(app, "/login", v.login, method="POST")
    c.raw(app, "/logout", v.logout, method="POST")
    c.page(app, "/alerts", v.alerts, api="/alerts")
    c.raw(app, "/alerts.csv", v.alerts_csv)
    c.page(app, "/alerts/{id:\\d+}", v.alert, api="/alerts/{id:\\d+}")
    c.page(app, "/alerts/{id:\\d+}/feedback", v.give_feedback, api="/alerts/{id:\\d+}/feedback", method="POST")
    c.page(app, "/alerts/{id:\\d+}/ack", v.acknowledge, api="/alerts/{id:\\d+}/ack", method="POST")
    c.page(app, "/decision", v.decision, api="/decision")
    c.page(app, "/places", v.places, api="/places")
    for plural in PLACE_LEVELS:
        c.page(app, f"/{plural}/{{name}}", v.place, api=f"/{plural}/{{name}}")
        c.raw(app, f"/{plural}/{{name}}/series.csv", v.place_csv)
    c.page(app, "/feeds", v.feeds, api="/feeds")
    c.page(app, "/rules", v.rules_page, api="/rules")
    c.page(app, "/silences", v.silences, api="/silences")
    c.page(app, "/silences", v.add_silence, api="/silences", method="POST")
    c.page(app, "/silences/{id:\\d+}/expire", v.expire_silence, api="/silences/{id:\\d+}/expire", method="POST")
    c.page(app, "/feedback", v.feedback, api="/feedback")
    c.raw(app, "/feedback.csv", v.feedback_csv)
    c.raw(app, "/api/v1", v.api_index)


def _param(request: web.Request, name: str, limit: int = 200) -> str | None:
    value = request.query.get(name, "").strip()
    return value[:limit] or None


def _day_or_time(text: str | None, name: str, *, end: bool = False) -> datetime | None:
    """`2025-03-08` (a whole UTC day: an end date includes it) or an ISO time; None when empty."""
    if not text:
        return None
    try:
        if len(text) == 10:
            day = date.fromisoformat(text)
            return datetime.combine(day + timedelta(days=1 if end else 0), time(), tzinfo=UTC)
        when = datetime.fromisoformat(text)
    except ValueError as e:
        raise ConsoleError(400, f"{name}: {text!r} is not a date (YYYY-MM-DD) or an ISO time") from e
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def _enum(kind: Any, text: str | None, name: str) -> Any:
    if not text:
        return None
    try:
        return kind(text)
    except ValueError as e:
        allowed = ", ".join(m.value for m in kind)
        raise ConsoleError(400, f"{name}: {text!r} is not one of {allowed}") from e


def _int(text: str | None, name: str, default: int, *, low: int = 1, high: int = 10**9) -> int:
    if not text:
        return default
    if not text.isdigit() or not low <= int(text) <= high:
        raise ConsoleError(400, f"{name}: {text!r} is not a whole number from {low} to {high}")
    return int(text)


def _safe_cell(value: Any) -> Any:
    """A CSV cell a spreadsheet will not run: feed text starting with = + - @ is prefixed with '."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def _csv(rows: Iterable[Sequence[Any]], header: Sequence[str], filename: str) -> web.Response:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    for row in rows:
        writer.writerow([_safe_cell(v) for v in row])
    return web.Response(text=out.getvalue(), content_type="text/csv", charset="utf-8",
                        headers={"Content-Disposition": f'attachment; filename="{filename}"'})


def _days(end: date, n: int) -> list[date]:
    return [end - timedelta(days=n - 1 - i) for i in range(n)]


class _Views:
    def __init__(self, c: ConsoleApp) -> None:
        self.c = c

    @property
    def now(self) -> datetime:
        return self.c.clock.now()

    def who(self, request: web.Request) -> Identity:
        identity = request.get(IDENTITY)
        assert isinstance(identity, Identity)   # the middleware refused requests without one
        return identity

    async def form(self, request: web.Request) -> dict[str, Any]:
        """A form's fields, or a JSON object's (the API's POST bodies)."""
        if request.content_type == "application/json":
            try:
                data = await request.json()
            except ValueError as e:
                raise ConsoleError(400, "the body is not JSON") from e
            if not isinstance(data, dict):
                raise ConsoleError(400, "the body must be a JSON object")
            return {str(k): v if isinstance(v, dict) else str(v) for k, v in data.items()}
        form = await request.post()
        return {k: v for k, v in form.items() if isinstance(v, str)}

    # ---- sign-in ---------------------------------------------------------------------------------

    async def home(self, request: web.Request) -> web.StreamResponse:
        raise web.HTTPFound("/alerts")

    async def login_form(self, request: web.Request) -> web.StreamResponse:
        return self.c.render(request, "login.html.j2", {"next": _next(request.query.get("next")), "failed": False})

    async def login(self, request: web.Request) -> web.StreamResponse:
        form = await self.form(request)
        name, password = form.get("name", "")[:128], form.get("password", "")
        ok = await asyncio.to_thread(self.c.gate.sign_in, name, password)
        if not ok:
            return self.c.render(request, "login.html.j2", {"next": _next(form.get("next")), "failed": True},
                                 status=401)
        _session, cookie = self.c.gate.new_session(name)
        response = web.HTTPSeeOther(_next(form.get("next")))
        self.c.set_session_cookie(response, cookie)
        raise response

    async def logout(self, request: web.Request) -> web.StreamResponse:
        response = web.HTTPSeeOther("/login")
        response.del_cookie(SESSION_COOKIE, path="/")
        raise response

    async def api_index(self, request: web.Request) -> web.StreamResponse:
        return json_response({"version": 1, "docs": "docs/console.md",
                              "endpoints": sorted(p for p in self.c._paths if p.startswith("/api/v1/"))})

    # ---- alerts -----------------------------------------------------------------------------------

    def _filter(self, request: web.Request) -> AlertFilter:
        return AlertFilter(
            rule=_param(request, "rule", 80), severity=_enum(Severity, _param(request, "severity"), "severity"),
            region=_param(request, "region"), country=_param(request, "country"),
            community=_param(request, "community"),
            since=_day_or_time(_param(request, "since"), "since"),
            until=_day_or_time(_param(request, "until"), "until", end=True),
            state=_enum(AlertOutcome, _param(request, "state"), "state"))

    async def alerts(self, request: web.Request) -> Page:
        flt = self._filter(request)
        page = _int(_param(request, "page"), "page", 1)
        per_page = _int(_param(request, "per_page"), "per_page", PER_PAGE, high=500)
        result: AlertPage = await self.c.db(Store.console_alerts, self.c.store, flt, offset=(page - 1) * per_page,
                                            limit=per_page)
        query = {k: v for k, v in request.query.items() if k not in ("page", "per_page") and v}
        pages = max(1, -(-result.total // per_page)) + (1 if result.more else 0)
        rows = [self._row(r) for r in result.records]
        context = {
            "rows": rows, "total": result.total, "more": result.more, "page": page, "pages": pages, "flt": flt,
            "query": query,
            "prev": f"?{urlencode({**query, 'page': page - 1})}" if page > 1 else None,
            "next": f"?{urlencode({**query, 'page': page + 1})}" if page < pages else None,
            "csv": f"/alerts.csv?{urlencode(query)}",
            "rules": sorted(lr.rule.id for lr in self.c.rules().rules), "severities": [s.value for s in Severity],
            "states": [s.value for s in AlertOutcome],
        }
        data = {"total": result.total, "total_is_lower_bound": result.more, "page": page, "per_page": per_page,
                "pages": pages,
                "alerts": [self._alert_json(r) for r in result.records]}
        return Page("alerts.html.j2", context, data)

    def _row(self, r: AlertRecord) -> dict[str, Any]:
        statuses = sorted({str(d.status) for d in r.deliveries})
        return {"record": r, "headline": headline(r.alert),
                "href": f"/alerts/{r.alert.id}" if r.alert.id else f"/decision?key={quote(r.alert.dedup_key)}",
                "sources": r.alert.sources, "age": _age(self.now - r.alert.fired_at),
                "feeds": sorted({e.feed for e in r.alert.evidence}), "deliveries": statuses,
                "feedback": r.feedback[-1].verdict.value if r.feedback else None}

    def _alert_json(self, r: AlertRecord) -> dict[str, Any]:
        a = r.alert
        out: dict[str, Any] = {
            "id": a.id, "dedup_key": a.dedup_key, "rule": a.rule, "kind": a.kind, "metric": a.metric,
            "severity": a.severity, "state": r.state, "headline": headline(a), "title": a.title,
            "labels": dict(a.labels), "value": a.value, "baseline": a.baseline, "previous_value": a.previous_value,
            "escalation": a.escalation, "window_s": int(a.window.total_seconds()), "sources": a.sources,
            "fired_at": a.fired_at, "silence_id": r.silence_id, "annotations": dict(a.annotations),
            "evidence": [{"title": e.title, "feed": e.feed, "link": e.link, "published_at": e.published_at,
                          "value": e.value} for e in a.evidence],
            "deliveries": [{"channel": d.channel, "status": d.status, "attempts": d.attempts,
                            "last_error": redact_urls(d.last_error) if d.last_error else None,
                            "sent_at": d.sent_at, "next_attempt_at": d.next_attempt_at} for d in r.deliveries],
            "acknowledgement": None if r.acknowledgement is None else {
                "author": r.acknowledgement.author, "note": r.acknowledgement.note,
                "acked_at": r.acknowledgement.acked_at},
            "feedback": [_feedback_json(f) for f in r.feedback],
            "trace": r.trace,
            "url": self.c.public_link(f"/alerts/{a.id}") if a.id else None,
        }
        if r.state in (AlertOutcome.THROTTLED, AlertOutcome.SUPPRESSED):
            out |= {"reason": r.reason, "occurrences": r.occurrences, "first_at": r.first_at}
        out |= {f.name: getattr(a, f.name) for f in fields(Alert) if f.name not in _SHOWN}
        return out

    async def alerts_csv(self, request: web.Request) -> web.StreamResponse:
        flt = self._filter(request)
        rows: list[list[Any]] = []
        offset = 0
        while offset < _CSV_MAX:
            batch: AlertPage = await self.c.db(Store.console_alerts, self.c.store, flt, offset=offset,
                                               limit=_CSV_BATCH)
            for r in batch.records:
                a = r.alert
                rows.append([a.id or "", a.fired_at.isoformat(), a.rule, a.severity.value, r.state.value,
                             headline(a), a.metric, a.value, "" if a.baseline is None else a.baseline,
                             a.sources, a.label_dict.get("region", ""), a.label_dict.get("country", ""),
                             a.label_dict.get("targeted_group", ""), " ".join(sorted({e.feed for e in a.evidence})),
                             r.feedback[-1].verdict.value if r.feedback else "",
                             r.acknowledgement.author if r.acknowledgement else ""])
            offset += _CSV_BATCH
            if len(batch.records) < _CSV_BATCH:
                break
        return _csv(rows, ["id", "fired_at", "rule", "severity", "state", "headline", "metric", "value", "baseline",
                           "sources", "region", "country", "community", "feeds", "feedback", "acknowledged_by"],
                    "alerts.csv")

    async def alert(self, request: web.Request) -> Page:
        alert_id = int(request.match_info["id"])
        record: AlertRecord | None = await self.c.db(Store.console_alert, self.c.store, alert_id)
        if record is None:
            raise ConsoleError(404, f"no alert #{alert_id} (it may have been pruned)")
        return await self._alert_page(record)

    async def decision(self, request: web.Request) -> Page:
        key = _param(request, "key", 512)
        record = await self.c.db(Store.console_decision, self.c.store, key) if key else None
        if record is None:
            raise ConsoleError(404, "no throttled or suppressed decision for this group")
        return await self._alert_page(record)

    async def _alert_page(self, record: AlertRecord) -> Page:
        a = record.alert
        ctx = alert_context(a, public_url=None)
        chart, table = await self._alert_series(record)
        texts: dict[tuple[str, str], str] = await self.c.db(
            Store.evidence_summaries, self.c.store, [(e.feed, e.link, e.published_at) for e in a.evidence])
        quotes = [quote_of(texts.get((e.feed, e.link or "")), e.value) for e in a.evidence]
        # A trace from another warnd version may lack keys or hold more: missing ones show as "—".
        trace = {**dict.fromkeys(_TRACE_KEYS), **(record.trace or {})} if record.trace else {}
        if not isinstance(trace.get("baseline"), dict | None) or not isinstance(trace.get("prior"), dict | None):
            trace["baseline"] = trace["prior"] = None
        context = {"r": record, "a": a, "ctx": ctx, "trace": trace, "chart": chart, "table": table, "quotes": quotes,
                   "trace_more": sorted((k, v) for k, v in trace.items() if k not in _TRACE_KEYS),
                   "fields_more": [(f.name, getattr(a, f.name)) for f in fields(Alert) if f.name not in _SHOWN],
                   "verdicts": [v.value for v in Verdict], "link": self.c.public_link(f"/alerts/{a.id}"),
                   "silence_rule": a.rule, "silence_matchers": "\n".join(f"{k}={v}" for k, v in a.labels)}
        return Page("alert.html.j2", context, self._alert_json(record))

    async def _alert_series(self, record: AlertRecord) -> tuple[Any, list[tuple[date, float | None, float | None]]]:
        """The daily figures of the alert's place and kind around it (with its baseline days)."""
        a = record.alert
        labels = a.label_dict
        level, name = ("region", labels.get("region")) if labels.get("region") else ("country", labels.get("country"))
        if not name and a.tally is not None and a.tally.toll is not None:
            name = a.tally.toll.scope      # a toll for a whole country groups under no region
        if not name:
            return None, []
        end = a.fired_at.date()
        lookback = ((record.trace or {}).get("baseline") or {}).get("lookback")
        back = parse_duration(lookback).days if lookback else 0
        days = _days(end + timedelta(days=1), min(max(14, back + 3), 120))
        start = datetime.combine(days[0], time(), tzinfo=UTC)
        series: PlaceSeries = await self.c.db(Store.place_series, self.c.store, level, name, start,
                                              start + timedelta(days=len(days)))
        kinds = {a.metric} if a.metric and a.metric not in ("casualties", "mention") else None
        new: dict[date, float] = {}
        total: dict[date, float] = {}
        for p in series.points:
            if kinds is None or p.kind in kinds:
                new[p.day] = new.get(p.day, 0) + p.new
                if p.total is not None:
                    total[p.day] = max(total.get(p.day, 0), p.total)
        if a.metric == "mention":
            for day, group, n in series.mentions:
                if group == labels.get("targeted_group", group):
                    new[day] = new.get(day, 0) + n
        what = a.metric or "casualties"
        lines = [Line(f"{what}: newly reported", tuple(new.get(d) for d in days))]
        if total:
            lines.append(Line(f"{what}: highest running toll", tuple(total.get(d) for d in days)))
        chart = line_chart(days, lines, title=f"{what} in {name}, by day",
                           markers=[Marker(a.fired_at.date(), f"this alert: {a.value:g}")])
        return chart, [(d, new.get(d), total.get(d)) for d in days if d in new or d in total]

    async def give_feedback(self, request: web.Request) -> Page:
        alert_id = int(request.match_info["id"])
        form = await self.form(request)
        verdict = _enum(Verdict, form.get("verdict"), "verdict")
        if verdict is None:
            raise ConsoleError(400, f"verdict: choose one of {', '.join(v.value for v in Verdict)}")
        note = form.get("note", "").strip()[:2000]
        try:
            fid = await self.c.db(Store.add_feedback, self.c.store, alert_id, verdict, note=note,
                                  author=self._author(request, form), now=self.now)
        except LookupError as e:
            raise ConsoleError(404, str(e)) from e
        return Page("", {"redirect": f"/alerts/{alert_id}#feedback"}, {"id": fid, "alert_id": alert_id,
                                                                         "verdict": verdict})

    async def acknowledge(self, request: web.Request) -> Page:
        alert_id = int(request.match_info["id"])
        form = await self.form(request)
        try:
            ack = await self.c.db(Store.acknowledge, self.c.store, alert_id, author=self._author(request, form),
                                  note=form.get("note", "").strip()[:2000], now=self.now)
        except LookupError as e:
            raise ConsoleError(404, str(e)) from e
        return Page("", {"redirect": f"/alerts/{alert_id}"}, {"alert_id": alert_id, "author": ack.author,
                                                                "note": ack.note, "acked_at": ack.acked_at})

    def _author(self, request: web.Request, form: dict[str, Any]) -> str:
        """A signed-in user is who they signed in as; the loopback user may say who they are."""
        identity = self.who(request)
        if identity.via == "local" and str(form.get("author", "")).strip():
            return str(form["author"]).strip()[:128]
        return identity.name

    # ---- places ------------------------------------------------------------------------------------

    async def places(self, request: web.Request) -> Page:
        rows = await self.c.db(Store.places, self.c.store)
        countries: dict[str, int] = {}
        for country, _region, n in rows:
            if country:
                countries[country] = countries.get(country, 0) + n
        data = {"regions": [{"country": c, "region": r, "observations": n} for c, r, n in rows],
                "countries": [{"country": c, "observations": n} for c, n in sorted(countries.items())]}
        return Page("places.html.j2", {"regions": rows, "countries": sorted(countries.items())}, data)

    async def _series(self, request: web.Request) -> tuple[str, str, int, list[date], PlaceSeries]:
        level = PLACE_LEVELS[request.path.removeprefix("/api/v1").split("/")[1]]
        name = request.match_info["name"][:128]
        days_n = _int(_param(request, "days"), "days", 30, low=1, high=366)
        days = _days(self.now.date(), days_n)
        start = datetime.combine(days[0], time(), tzinfo=UTC)
        series: PlaceSeries = await self.c.db(Store.place_series, self.c.store, level, name, start,
                                              start + timedelta(days=days_n))
        return level, name, days_n, days, series

    async def place(self, request: web.Request) -> Page:
        level, name, days_n, days, series = await self._series(request)
        kinds = sorted({p.kind for p in series.points})
        by = {(p.day, p.kind): p for p in series.points}
        alerts_link = f"/alerts?{level}={quote(name)}"
        markers = [Marker(day, f"{n} alert{'s' if n != 1 else ''} fired on {day.isoformat()}",
                          f"{alerts_link}&since={day.isoformat()}&until={day.isoformat()}")
                   for day, n in series.alert_days]
        def new_of(day: date, kind: str) -> int | None:
            p = by.get((day, kind))
            # A day that reported only running tolls has no incident figure: no point, rather than a 0.
            return None if p is None or (p.new == 0 and p.total is not None) else p.new
        new_chart = line_chart(days, [Line(k, tuple(new_of(d, k) for d in days))
                                      for k in kinds], title=f"Newly reported casualties in {name} (incident "
                                                             f"figures, by day)", markers=markers)
        totals = [k for k in kinds if any(p.total is not None for p in series.points if p.kind == k)]
        total_chart = line_chart(days, [Line(k, tuple(by[(d, k)].total if (d, k) in by else None for d in days))
                                        for k in totals], title=f"Running tolls reported in {name} (highest per "
                                                                f"day)", markers=markers) if totals else None
        groups = sorted({g for _, g, _ in series.mentions})
        mentions = {(d, g): n for d, g, n in series.mentions}
        mention_chart = line_chart(days, [Line(g, tuple(mentions.get((d, g)) for d in days)) for g in groups],
                                   title=f"Reports of communities targeted in {name}", markers=markers,
                                   unit=" reports") if groups else None
        context = {"level": level, "name": name, "days_n": days_n, "spans": SPANS, "points": series.points,
                   "new_chart": new_chart, "total_chart": total_chart, "mention_chart": mention_chart,
                   "mentions": series.mentions, "alerts": [(a, headline(a)) for a in series.alerts],
                   "alerts_total": sum(n for _, n in series.alert_days), "alerts_link": alerts_link,
                   "csv": f"/{_plural(level)}/{quote(name)}/series.csv?days={days_n}"}
        data = {"level": level, "name": name, "days": days_n,
                "series": [{"day": p.day, "kind": p.kind, "new": p.new, "total": p.total, "reports": p.reports}
                           for p in series.points],
                "communities": [{"day": d, "community": g, "reports": n} for d, g, n in series.mentions],
                "alerts": [{"id": a.id, "fired_at": a.fired_at, "rule": a.rule, "severity": a.severity,
                            "headline": headline(a), "value": a.value} for a in series.alerts],
                "alerts_per_day": [{"day": d, "alerts": n} for d, n in series.alert_days]}
        return Page("place.html.j2", context, data)

    async def place_csv(self, request: web.Request) -> web.StreamResponse:
        level, name, _n, _days_, series = await self._series(request)
        rows: list[list[Any]] = [[p.day.isoformat(), p.kind, p.new, "" if p.total is None else p.total, p.reports]
                                 for p in series.points]
        rows += [[d.isoformat(), f"targeted:{g}", n, "", n] for d, g, n in series.mentions]
        safe = "".join(ch if ch.isalnum() else "-" for ch in name)
        return _csv(rows, ["day", "kind", "new", "total", "reports"], f"{level}-{safe}.csv")

    # ---- feeds and rules --------------------------------------------------------------------------

    async def feeds(self, request: web.Request) -> Page:
        states = await self.c.db(Store.feed_states, self.c.store)
        week = await self.c.db(Store.items_per_feed, self.c.store, self.now - timedelta(days=7))
        rows = []
        for f in self.c.settings.feeds:
            st = states.get(f.name)
            latencies = st.latencies_s if st else ()
            rows.append({
                "name": f.name, "url": redact_url(f.url), "enabled": f.enabled, "interval": format_duration(f.interval),
                "tags": list(f.tags), "last_success_at": st.last_success_at if st else None,
                "last_polled_at": st.last_polled_at if st else None,
                "last_error_at": st.last_error_at if st else None,
                "last_error": redact_urls(st.last_error)[:500] if st and st.last_error else None,
                "failures": st.consecutive_failures if st else 0,
                "latency_s": round(median(latencies), 3) if latencies else None,
                "items_per_day": round(week.get(f.name, 0) / 7, 1), "next_poll_at": st.next_poll_at if st else None,
                "backing_off": bool(st and st.consecutive_failures),
                "healthy": bool(st and st.last_success_at and not st.consecutive_failures)})
        return Page("feeds.html.j2", {"feeds": rows}, {"feeds": rows})

    async def rules_page(self, request: web.Request) -> Page:
        stats: dict[str, RuleStats] = await self.c.db(Store.rule_stats, self.c.store)
        evaluated: dict[str, datetime] = await self.c.db(Store.rule_evaluated_at, self.c.store)
        lags = await self.c.db(Store.rule_lags, self.c.store)
        rows = []
        for lr in self.c.rules().rules:
            rule, st, lag = lr.rule, stats.get(lr.rule.id, RuleStats()), lags.get(lr.rule.id)
            rows.append({
                "id": rule.id, "kind": getattr(rule, "kind", ""), "severity": rule.severity.value,
                "enabled": rule.enabled, "source": rule_source(lr.path, lr.line, self.c.settings.base_dir),
                "description": rule.description or "", "window": format_duration(rule.window),
                "last_evaluated_at": evaluated.get(rule.id), "alerts": st.alerts, "silenced": st.silenced,
                "last_fired_at": st.last_fired_at, "feedback": dict(st.feedback), "precision": st.precision,
                "failing": None if lag is None else {"failures": lag.failures, "last_error": lag.last_error,
                                                     "retry_at": lag.retry_at}})
        return Page("rules.html.j2", {"rules": rows, "verdicts": [v.value for v in Verdict]}, {"rules": rows})

    # ---- silences ---------------------------------------------------------------------------------

    async def silences(self, request: web.Request) -> Page:
        now = self.now
        every = await self.c.db(Store.silences, self.c.store)
        show_all = request.query.get("all") == "1"
        rows = [{"id": s.id, "rule": s.rule, "matchers": dict(s.matchers), "starts_at": s.starts_at,
                 "ends_at": s.ends_at, "reason": s.reason, "created_by": s.created_by, "created_at": s.created_at,
                 "active": s.active(now)} for s in reversed(every)
                if show_all or s.ends_at > now - timedelta(days=7)]
        context = {"silences": rows, "show_all": show_all, "rules": sorted(lr.rule.id for lr in self.c.rules().rules),
                   "prefill_rule": _param(request, "rule", 80) or "",
                   "prefill_matchers": request.query.get("matchers", "")[:1000]}
        return Page("silences.html.j2", context, {"silences": rows})

    async def add_silence(self, request: web.Request) -> Page:
        form = await self.form(request)
        rule = form.get("rule", "").strip()[:80] or None
        matchers: dict[str, str] = {}
        given = form.get("matchers", "")
        if isinstance(given, dict):
            matchers, given = {str(k)[:64]: str(v)[:200] for k, v in given.items()}, ""
        for line in given.replace(",", "\n").splitlines():
            if not line.strip():
                continue
            key, sep, value = line.partition("=")
            if not sep or not key.strip():
                raise ConsoleError(400, f"matchers: {line.strip()!r} is not label=value")
            matchers[key.strip()[:64]] = value.strip()[:200]
        try:
            duration = parse_duration(form.get("duration", "").strip() or "2h")
        except ValueError as e:
            raise ConsoleError(400, f"duration: {e}") from e
        if duration <= timedelta(0) or duration > timedelta(days=366):
            raise ConsoleError(400, "duration: must be more than 0 and at most 366d")
        reason = form.get("reason", "").strip()[:2000]
        if not reason:
            raise ConsoleError(400, "reason: say why these alerts are muted (it is shown to everyone)")
        now = self.now
        try:
            sid = await self.c.db(Store.add_silence, self.c.store, rule=rule, matchers=matchers, starts_at=now,
                                  ends_at=now + duration, reason=reason, created_by=self._author(request, form), now=now)
        except ValueError as e:
            raise ConsoleError(400, str(e)) from e
        return Page("", {"redirect": "/silences"}, {"id": sid, "rule": rule, "matchers": matchers,
                                                    "ends_at": now + duration})

    async def expire_silence(self, request: web.Request) -> Page:
        sid = int(request.match_info["id"])
        if not await self.c.db(Store.expire_silence, self.c.store, sid, self.now):
            raise ConsoleError(404, f"no active silence #{sid}")
        return Page("", {"redirect": "/silences"}, {"id": sid, "expired_at": self.now})

    # ---- feedback ----------------------------------------------------------------------------------

    async def feedback(self, request: web.Request) -> Page:
        rule = _param(request, "rule", 80)
        rows: list[FeedbackRecord] = await self.c.db(Store.feedback, self.c.store, rule=rule, limit=500)
        return Page("feedback.html.j2", {"rows": rows, "rule": rule},
                    {"feedback": [_feedback_json(f) for f in rows]})

    async def feedback_csv(self, request: web.Request) -> web.StreamResponse:
        rows: list[FeedbackRecord] = await self.c.db(Store.feedback, self.c.store, rule=_param(request, "rule", 80))
        return _csv([[f.id, f.alert_id, f.rule, f.verdict.value, f.author, f.created_at.isoformat(), f.note,
                      f.alert_title] for f in rows],
                    ["id", "alert_id", "rule", "verdict", "author", "created_at", "note", "alert_title"], "feedback.csv")


_SENTENCE = re.compile(r"[^.!?\n]*[.!?]?")


def quote_of(summary: str | None, value: int | None) -> str | None:
    """The sentence of an item's summary that states the evidence's figure ("…killed … to 1,018…"),
    cleaned and bounded; its first sentence when the figure is not in it; None without a summary."""
    if not summary:
        return None
    sentences = [m.group(0).strip() for m in _SENTENCE.finditer(summary) if m.group(0).strip()]
    if value is not None:
        spelled = {str(value), f"{value:,}", f"{value:,}".replace(",", ".")}
        hit = next((s for s in sentences if any(re.search(rf"(?<![\d,.]){re.escape(n)}(?![\d])", s)
                                                for n in spelled)), None)
        if hit is not None:
            return clean_line(hit, limit=300)
    return clean_line(sentences[0], limit=300) if sentences else None


def headline(alert: Alert) -> str:
    """The alert's title as the emails show it (cleaned, bounded), else their default headline."""
    return clean_line(alert.title, limit=TITLE_MAX) or default_headline(alert)


def _feedback_json(f: FeedbackRecord) -> dict[str, Any]:
    return {"id": f.id, "alert_id": f.alert_id, "rule": f.rule, "verdict": f.verdict, "note": f.note,
            "author": f.author, "created_at": f.created_at}


def _plural(level: str) -> str:
    return next(plural for plural, one in PLACE_LEVELS.items() if one == level)


def _next(target: str | None) -> str:
    """A local path to go back to after signing in; anything else (another site) is /alerts."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return "/alerts"


def _age(delta: timedelta) -> str:
    s = int(delta.total_seconds())
    if s < 0:
        return "just now"
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if s >= size:
            return f"{s // size}{unit} ago"
    return f"{s}s ago"
