"""Alerts as OASIS Common Alerting Protocol 1.2 messages, and an Atom feed of them.

CAP is what GDACS, national warning systems and many humanitarian platforms exchange. One warnd
alert is one CAP `<alert>` with one `<info>`: the severity maps onto CAP's (critical → Extreme, high →
Severe, warning → Moderate, info → Minor), the certainty is Observed when two or more sources back the
figure and Likely with one, the category is Security (conflict casualties, targeted communities) or
Other (feed health), the headline is warnd's headline, the description its sentence with the
evidence, `<parameter>`s carry the numbers (value, baseline, sources, window, rule, labels) and
`<area><areaDesc>` the place. A resolved notice of a grouped route is a `Cancel` referencing the
alert it ends. Text is cleaned of characters XML cannot carry before it is written.

`cap_feed` is the Atom feed the HTTP listener serves at `/cap/alerts.atom`: one entry per alert,
its CAP message inline (`type="application/cap+xml"`) and linked at `/cap/alerts/<id>.xml`.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from datetime import datetime

from warnd.clock import utc
from warnd.config.durations import format_duration
from warnd.config.settings import CapSettings
from warnd.deliver.render import alert_context
from warnd.deliver.sanitize import clean_block, clean_line, safe_url
from warnd.types import Alert, Notification, Severity

CAP_NS = "urn:oasis:names:tc:emergency:cap:1.2"
ATOM_NS = "http://www.w3.org/2005/Atom"
CAP_CONTENT_TYPE = "application/cap+xml"
ATOM_CONTENT_TYPE = "application/atom+xml"

_SEVERITY = {Severity.CRITICAL: "Extreme", Severity.HIGH: "Severe", Severity.WARNING: "Moderate",
             Severity.INFO: "Minor"}
_URGENCY = {Severity.CRITICAL: "Immediate", Severity.HIGH: "Immediate", Severity.WARNING: "Expected",
            Severity.INFO: "Future"}
# XML 1.0 allows only these characters (and no surrogates): anything else is dropped.
_NOT_XML = re.compile("[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
# An identifier or sender must not hold spaces, commas or restricted characters (CAP 1.2, 3.2.1).
_NOT_ID = re.compile(r"[\s,<&]")


def xml_text(value: object, *, block: bool = False, limit: int | None = None) -> str:
    text = clean_block(value) if block else clean_line(value, limit=limit)
    return _NOT_XML.sub("", text)


def cap_time(when: datetime) -> str:
    """`2025-03-08T12:00:00+00:00`: CAP's dateTime has no fraction and no `Z`."""
    return utc(when).replace(microsecond=0).isoformat()


def cap_identifier(alert: Alert, settings: CapSettings) -> str:
    return _NOT_ID.sub("_", f"{settings.identifier_prefix}{alert.id if alert.id is not None else alert.dedup_key}")


def _sub(parent: ET.Element, tag: str, text: str | None = None) -> ET.Element:
    el = ET.SubElement(parent, f"{{{CAP_NS}}}{tag}")
    if text is not None:
        el.text = text
    return el


def cap_alert(alert: Alert, settings: CapSettings, *, public_url: str | None = None,
              notification: Notification | None = None, now: datetime | None = None) -> ET.Element:
    """The CAP 1.2 `<alert>` element of one alert (a `Cancel` for a resolved notice)."""
    ctx = alert_context(alert, public_url=public_url)
    resolved = notification is not None and notification.status == "resolved"
    sender = _NOT_ID.sub("_", settings.sender)
    root = ET.Element(f"{{{CAP_NS}}}alert")
    sent = now if resolved and now is not None else alert.fired_at
    _sub(root, "identifier", cap_identifier(alert, settings) + (f"-cancel-{notification.id}" if resolved and
                                                                 notification else ""))
    _sub(root, "sender", sender)
    _sub(root, "sent", cap_time(sent))
    _sub(root, "status", settings.status)
    _sub(root, "msgType", "Cancel" if resolved else "Alert")
    _sub(root, "scope", "Public")
    if resolved:
        _sub(root, "references", f"{sender},{cap_identifier(alert, settings)},{cap_time(alert.fired_at)}")
    info = _sub(root, "info")
    _sub(info, "language", "en-US")
    _sub(info, "category", "Other" if alert.kind == "feed_silence" else "Security")
    _sub(info, "event", xml_text(ctx["title"], limit=200))
    _sub(info, "urgency", "Past" if resolved else _URGENCY[alert.severity])
    _sub(info, "severity", _SEVERITY[alert.severity])
    _sub(info, "certainty", "Observed" if alert.sources >= 2 else "Likely")
    if ctx["first_report_at"] is not None:
        _sub(info, "onset", cap_time(ctx["first_report_at"]))
    _sub(info, "expires", cap_time(max(alert.fired_at + alert.window, sent)))
    _sub(info, "senderName", xml_text(settings.sender_name, limit=200))
    _sub(info, "headline", xml_text(("No longer holding: " if resolved else "") + ctx["headline"], limit=160))
    lines = [ctx["sentence"]]
    if notification is not None and len(notification.alerts) > 1:
        lines += ["", f"In this notification ({len(notification.alerts)} alerts):"]
        lines += [f"- [{a.severity.value.upper()}] {alert_context(a)['headline']}" for a in notification.alerts]
    if ctx["evidence"]:
        lines += ["", "Evidence:"]
        lines += [f"- {e.title} ({e.feed}{', ' + e.link if e.link else ''})" for e in ctx["evidence"]]
    _sub(info, "description", xml_text("\n".join(lines), block=True))
    web = safe_url(public_url) or next((e.link for e in ctx["evidence"] if e.link), None)
    if web:
        _sub(info, "web", xml_text(web))
    params = [("warnd_rule", alert.rule), ("warnd_kind", alert.kind), ("warnd_metric", ctx["metric"]),
              ("value", ctx["value"]), ("baseline", ctx["baseline"]), ("previous_value", ctx["previous_value"]),
              ("sources", alert.sources), ("window", format_duration(alert.window)),
              *((f"label_{k}", v) for k, v in ctx["labels"])]
    for name, value in params:
        if value is None or value == "":
            continue
        param = _sub(info, "parameter")
        _sub(param, "valueName", xml_text(name, limit=100))
        _sub(param, "value", xml_text(f"{value:g}" if isinstance(value, float) else value, limit=500))
    area = _sub(info, "area")
    _sub(area, "areaDesc", xml_text(", ".join(v for k, v in ctx["labels"] if k in ("region", "country", "location"))
                                    or ctx["place"], limit=200))
    return root


def render_cap(alert: Alert, settings: CapSettings, *, public_url: str | None = None,
               notification: Notification | None = None, now: datetime | None = None) -> bytes:
    """One CAP 1.2 document (UTF-8, with its XML declaration)."""
    ET.register_namespace("", CAP_NS)
    el = cap_alert(alert, settings, public_url=public_url, notification=notification, now=now)
    out: bytes = ET.tostring(el, encoding="utf-8", xml_declaration=True)
    return out


def cap_feed(alerts: Sequence[Alert], settings: CapSettings, *, base_url: str, now: datetime,
             public_url: str | None = None) -> bytes:
    """An Atom feed of CAP messages, newest first (the shape GDACS' and national CAP feeds have)."""
    ET.register_namespace("", ATOM_NS)
    ET.register_namespace("cap", CAP_NS)
    base = base_url.rstrip("/")

    def atom(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
        el = ET.SubElement(parent, f"{{{ATOM_NS}}}{tag}", attrs)
        if text is not None:
            el.text = text
        return el
    feed = ET.Element(f"{{{ATOM_NS}}}feed")
    atom(feed, "id", f"{base}/cap/alerts.atom")
    atom(feed, "title", xml_text(settings.feed_title, limit=200))
    atom(feed, "updated", cap_time(max((a.fired_at for a in alerts), default=now)))
    atom(feed, "link", rel="self", href=f"{base}/cap/alerts.atom", type=ATOM_CONTENT_TYPE)
    author = atom(feed, "author")
    atom(author, "name", xml_text(settings.sender_name, limit=200))
    for alert in alerts:
        ctx = alert_context(alert)
        href = f"{base}/cap/alerts/{alert.id}.xml"
        entry = atom(feed, "entry")
        atom(entry, "id", f"urn:warnd:cap:{cap_identifier(alert, settings)}")
        atom(entry, "title", xml_text(f"[{ctx['severity_upper']}] {ctx['headline']}", limit=200))
        atom(entry, "updated", cap_time(alert.fired_at))
        atom(entry, "summary", xml_text(ctx["sentence"], limit=1000))
        atom(entry, "link", rel="alternate", href=href, type=CAP_CONTENT_TYPE)
        content = atom(entry, "content", type=CAP_CONTENT_TYPE)
        content.append(cap_alert(alert, settings, public_url=public_url))
    out: bytes = ET.tostring(feed, encoding="utf-8", xml_declaration=True)
    return out
