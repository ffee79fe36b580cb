"""The console over real HTTP: the demo data loaded by a daemon pass, pages and their JSON twins,
filters, forms, sign-in, roles, tokens, CSRF, CSP, escaping and secrets (SQLite and PostgreSQL)."""

from __future__ import annotations

import csv
import email
import email.policy
import hashlib
import io
import re
from datetime import timedelta
from pathlib import Path

import pytest

from warnd.clock import FakeClock, SystemClock
from warnd.console import CSP, hash_password, new_token
from warnd.store import NewAlert
from warnd.types import Alert, Evidence, Severity

pytestmark = pytest.mark.timeout(120)

PAGES = ["/alerts", "/alerts/1", "/places", "/regions/Latakia", "/countries/Syria", "/feeds", "/rules", "/silences",
         "/feedback", "/alerts?state=suppressed", "/alerts?state=throttled", "/regions/Latakia?days=90"]
XSS = '<script>alert("x")</script><img src=x onerror=alert(1)>'
PASSWORD = "correct horse battery staple"


def csrf_of(html: str) -> str:
    match = re.search(r'name="csrf" value="([^"]+)"', html)
    assert match, "no CSRF field in the page"
    return match[1]


async def get(session, path: str, status: int = 200, **kwargs) -> str:
    async with session.get(path, allow_redirects=False, **kwargs) as resp:
        body = await resp.text()
        assert resp.status == status, f"{path}: {resp.status} {body[:500]}"
        return body


async def post(session, path: str, data, status: int = 303, **kwargs) -> str:
    async with session.post(path, data=data, allow_redirects=False, **kwargs) as resp:
        body = await resp.text()
        assert resp.status == status, f"{path}: {resp.status} {body[:500]}"
        return body


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
async def demo(request, console_at):
    database = request.getfixturevalue("pg_url") if request.param == "postgres" else None
    return await console_at(database=database)


async def test_every_page_and_its_json_twin_answer_with_the_demo_data(demo) -> None:
    async with demo.session() as s:
        for path in PAGES:
            html = await get(s, path)
            assert "<h1>" in html and "</html>" in html
            api = path.replace("/", "/api/v1/", 1) if not path.startswith("/alerts?") else \
                path.replace("/alerts", "/api/v1/alerts")
            async with s.get(api) as resp:
                assert resp.status == 200, api
                assert resp.content_type == "application/json"
                await resp.json()
        alerts = await (await s.get("/api/v1/alerts")).json()
        assert alerts["total"] >= 4
        rules = {a["rule"] for a in alerts["alerts"]}
        assert {"coast-deaths-jump", "mass-casualty-corroborated", "community-targeted-first-report"} <= rules
        index = await (await s.get("/api/v1")).json()
        assert "/api/v1/alerts" in index["endpoints"] and "/api/v1/silences" in index["endpoints"]


async def test_alert_page_shows_evidence_chart_trace_and_deliveries(demo) -> None:
    async with demo.session() as s:
        # The demo's jump is the monitor's toll for the whole country (no one governorate's).
        (jump,) = (await (await s.get("/api/v1/alerts?rule=coast-deaths-jump")).json())["alerts"]
        html = await get(s, f"/alerts/{jump['id']}")
        assert "1,018" in html and "<svg" in html and "<circle" in html
        quotes = re.findall(r"<blockquote>(.*?)</blockquote>", html)
        assert any("to 1,018, including 125 members" in q for q in quotes), quotes     # the sentence with the figure
        assert "Decision trace" in html and "rules/syria-coast.yaml:" in html and "median of" in html
        assert "local-mail" in html and "local-hook" in html
        data = await (await s.get(f"/api/v1/alerts/{jump['id']}")).json()
        assert data["trace"]["verdict"] == "send" and data["trace"]["baseline"]["stat"]
        assert {d["channel"] for d in data["deliveries"]} == {"local-mail", "local-hook"}
        # The country-wide alert states the same toll: this one's deliveries are recorded, inhibited.
        assert all(d["status"] == "inhibited" for d in data["deliveries"])
        assert data["evidence"] and all(e["feed"].startswith("demo-") for e in data["evidence"])


async def test_filters_paging_and_bad_parameters(demo) -> None:
    async with demo.session() as s:
        every = await (await s.get("/api/v1/alerts")).json()
        one = await (await s.get("/api/v1/alerts?per_page=1&page=2")).json()
        assert one["pages"] == every["total"] and one["alerts"][0]["id"] == every["alerts"][1]["id"]
        critical = await (await s.get("/api/v1/alerts?severity=critical")).json()
        assert critical["total"] and all(a["severity"] == "critical" for a in critical["alerts"])
        assert (await (await s.get("/api/v1/alerts?region=Nowhere")).json())["total"] == 0
        communities = await (await s.get("/api/v1/alerts?community=Alawite")).json()
        assert communities["total"] and all(a["labels"]["targeted_group"] == "Alawite" for a in communities["alerts"])
        assert (await (await s.get("/api/v1/alerts?until=2000-01-01")).json())["total"] == 0
        assert (await (await s.get("/api/v1/alerts?state=sent")).json())["total"] == every["total"]
        html = await get(s, "/alerts?rule=coast-deaths-jump")
        assert "coast-deaths-jump</option>" in html and "mass-casualty-corroborated</small>" not in html
        for bad, message in [("severity=loud", "severity: 'loud' is not one of"), ("since=yesterday", "since:"),
                             ("page=0", "page:"), ("state=lost", "state:")]:
            body = await get(s, f"/api/v1/alerts?{bad}", status=400)
            assert message in body
            assert message.split(":")[0] in await get(s, f"/alerts?{bad}", status=400)
        await get(s, "/alerts/999999", status=404)
        await get(s, "/api/v1/decision?key=nope", status=404)


async def test_csv_exports(demo) -> None:
    async with demo.session() as s:
        async with s.get("/alerts.csv?rule=coast-deaths-jump") as resp:
            assert resp.content_type == "text/csv" and "attachment" in resp.headers["Content-Disposition"]
            rows = list(csv.DictReader(io.StringIO(await resp.text())))
        assert rows and {r["rule"] for r in rows} == {"coast-deaths-jump"}
        assert rows[0]["headline"] and rows[0]["state"] == "sent"
        series = list(csv.DictReader(io.StringIO(await get(s, "/regions/Latakia/series.csv?days=30"))))
        assert any(r["kind"] == "killed" for r in series) and all(r["day"] for r in series)
        assert any(r["kind"].startswith("targeted:") for r in series)


async def test_silence_created_and_expired_with_the_form(demo) -> None:
    async with demo.session() as s:
        html = await get(s, "/silences")
        token = csrf_of(html)
        await post(s, "/silences", {"csrf": token, "rule": "coast-deaths-jump", "matchers": "region=Latakia",
                                    "duration": "3h", "reason": "known offensive", "author": "amal"})
        (silence,) = (await (await s.get("/api/v1/silences")).json())["silences"]
        assert silence["matchers"] == {"region": "Latakia"} and silence["active"] and silence["created_by"] == "amal"
        assert "known offensive" in await get(s, "/silences")
        await post(s, f"/silences/{silence['id']}/expire", {"csrf": token})
        (silence,) = (await (await s.get("/api/v1/silences")).json())["silences"]
        assert not silence["active"]
        await post(s, f"/silences/{silence['id']}/expire", {"csrf": token}, status=404)
        for bad, message in [({"matchers": "region"}, "not label=value"), ({"duration": "soon"}, "duration"),
                             ({"reason": ""}, "reason"), ({"rule": "", "matchers": ""}, "must name a rule")]:
            form = {"csrf": token, "rule": "coast-deaths-jump", "duration": "1h", "reason": "r", **bad}
            assert message in await post(s, "/silences", form, status=400)


async def test_feedback_and_acknowledgement_with_the_forms_and_precision(demo) -> None:
    async with demo.session() as s:
        html = await get(s, "/alerts/1")
        token = csrf_of(html)
        await post(s, "/alerts/1/feedback", {"csrf": token, "verdict": "false_alarm", "note": "old toll", "author": "ben"})
        await post(s, "/alerts/1/ack", {"csrf": token, "note": "seen", "author": "ben"})
        page = await get(s, "/alerts/1")
        assert "false alarm" in page and "old toll" in page and "Acknowledged by <strong>ben</strong>" in page
        assert "is not one of" in await post(s, "/alerts/1/feedback", {"csrf": token, "verdict": "bogus"}, status=400)
        await post(s, "/alerts/999999/feedback", {"csrf": token, "verdict": "confirmed"}, status=404)
        rule = (await (await s.get("/api/v1/alerts/1")).json())["rule"]
        rules = {r["id"]: r for r in (await (await s.get("/api/v1/rules")).json())["rules"]}
        assert rules[rule]["precision"] == 0.0 and rules[rule]["feedback"] == {"false_alarm": 1}
        assert rules[rule]["source"].startswith("rules/") and rules[rule]["alerts"] >= 1
        exported = list(csv.DictReader(io.StringIO(await get(s, "/feedback.csv"))))
        assert [(r["alert_id"], r["verdict"], r["author"]) for r in exported] == [("1", "false_alarm", "ben")]


async def test_api_writes_with_json(demo) -> None:
    async with demo.session() as s:
        async with s.post("/api/v1/silences", json={"matchers": {"region": "Tartus"}, "duration": "1h",
                                                    "reason": "drill"}) as resp:
            assert resp.status == 201, await resp.text()
            sid = (await resp.json())["id"]
        async with s.post(f"/api/v1/silences/{sid}/expire", json={}) as resp:
            assert resp.status == 201
        async with s.post("/api/v1/alerts/1/feedback", json={"verdict": "confirmed"}) as resp:
            assert resp.status == 201 and (await resp.json())["verdict"] == "confirmed"
        async with s.post("/api/v1/alerts/1/feedback", data="{not json", headers={"Content-Type":
                                                                                  "application/json"}) as resp:
            assert resp.status == 400 and "not JSON" in (await resp.json())["error"]


async def test_forged_posts_are_refused_and_change_nothing(demo) -> None:
    async with demo.session() as s:
        await get(s, "/silences")          # the session cookie exists: only the token is missing
        forged = {"rule": "coast-deaths-jump", "duration": "3h", "reason": "forged"}
        assert "CSRF" in await post(s, "/silences", forged, status=403)
        assert "CSRF" in await post(s, "/silences", {**forged, "csrf": "guess"}, status=403)
        assert "CSRF" in await post(s, "/alerts/1/feedback", {"verdict": "false_alarm"}, status=403)
        token = csrf_of(await get(s, "/silences"))
        assert "cross-site" in await post(s, "/silences", {**forged, "csrf": token}, status=403,
                                          headers={"Origin": "https://evil.example"})
        # A form posted as text/plain from another site (no preflight) is refused as well.
        async with s.post("/api/v1/silences", data='{"rule": "x", "reason": "y"}',
                          headers={"Content-Type": "text/plain"}) as resp:
            assert resp.status == 403
    async with demo.session() as other:     # another browser's token does not fit this session
        assert "CSRF" in await post(other, "/silences", {**forged, "csrf": token}, status=403)
    assert demo.store.silences() == []
    assert demo.store.feedback() == []


async def test_security_headers_on_every_console_response(demo) -> None:
    async with demo.session() as s:
        for path in [*PAGES, "/api/v1/alerts", "/alerts.csv", "/nowhere", "/static/console.css"]:
            async with s.get(path, allow_redirects=False) as resp:
                assert resp.headers["Content-Security-Policy"] == CSP, path
                assert resp.headers["X-Content-Type-Options"] == "nosniff"
                assert resp.headers["X-Frame-Options"] == "DENY"
                text = await resp.text()
                if resp.content_type == "text/html":
                    assert "<script>" not in text and " style=" not in text and "onclick" not in text, path
        assert "script-src 'self'" in CSP and "unsafe-inline" not in CSP and "default-src 'none'" in CSP
        async with s.get("/healthz") as resp:     # the health endpoints keep their own behaviour
            assert resp.status == 200 and "Content-Security-Policy" not in resp.headers


async def test_feed_text_is_escaped_everywhere(demo) -> None:
    store = demo.store
    now = demo.daemon.clock.now()
    alert = Alert(rule="coast-deaths-jump", dedup_key="xss", severity=Severity.HIGH, title=XSS,
                  labels=(("region", XSS),), value=3, baseline=None, window=timedelta(hours=24), sources=1,
                  fired_at=now, annotations=(("note", XSS),), metric="killed", kind="threshold",
                  evidence=(Evidence(XSS, "demo-wire", "javascript:alert(1)", now, 3),))
    (alert_id,) = store.record_alerts([NewAlert(alert, ("local-mail",), trace={"rule": XSS, "extra": XSS})], now)
    async with demo.session() as s:
        token = csrf_of(await get(s, "/silences"))
        await post(s, "/silences", {"csrf": token, "matchers": f"region={XSS}", "duration": "1h", "reason": XSS,
                                    "author": XSS})
        await post(s, f"/alerts/{alert_id}/feedback", {"csrf": token, "verdict": "confirmed", "note": XSS,
                                                       "author": XSS})
        for path in [f"/alerts/{alert_id}", "/alerts", "/silences", "/feedback", "/rules",
                     f"/regions/{XSS.replace('/', '%2F')}"]:
            async with s.get(path) as resp:
                html = await resp.text()
            assert "<script>alert" not in html and "<img src=x" not in html, path
            assert 'href="javascript:' not in html
        assert "&lt;script&gt;" in await get(s, f"/alerts/{alert_id}")
        await post(s, f"/alerts/{alert_id}/feedback", {"csrf": token, "verdict": "duplicate",
                                                       "note": '=HYPERLINK("https://evil.example")'})
        exported = list(csv.DictReader(io.StringIO(await get(s, "/feedback.csv"))))
        # CSV is data, not markup: kept as written, except that a cell a spreadsheet would run is quoted.
        assert [r["note"] for r in exported] == ['\'=HYPERLINK("https://evil.example")', XSS]


async def test_no_secret_is_rendered(console_at) -> None:
    token, digest = new_token()
    secrets = ["hunter2", "s3cr3t-feed-token", "session-secret-value", digest, token]
    private = {"name": "private", "url": "https://reader:hunter2@127.0.0.1:9/feed?token=s3cr3t-feed-token"}
    c = await console_at(users=[{"name": "amal", "password_hash": hash_password(PASSWORD), "role": "operator"}],
                         tokens=[{"name": "ci", "sha256": digest}], session_secret="session-secret-value",
                         extra_feeds=(private,))
    assert c.store.feed_state("private").last_error      # polled in the pass: refused, and the error kept
    async with c.session(headers={"Authorization": f"Bearer {token}"}) as api:
        bodies = [await get(api, p.replace("/", "/api/v1/", 1)) for p in ["/feeds", "/rules", "/alerts", "/silences"]]
    async with c.session() as s:
        login = await get(s, "/login")
        await post(s, "/login", {"csrf": csrf_of(login), "name": "amal", "password": PASSWORD, "next": "/feeds"})
        bodies += [await get(s, p) for p in PAGES]
        assert "127.0.0.1:9/feed" in bodies[-7]          # the feeds page lists the feed, redacted
    for body in bodies:
        for secret in secrets:
            assert secret not in body


async def test_loopback_is_open_and_any_other_bind_requires_authentication(console_at) -> None:
    c = await console_at(listen="0.0.0.0:0")
    async with c.session() as s:
        assert "http.users" in await get(s, "/alerts", status=403)
        assert "authentication required" in await get(s, "/api/v1/alerts", status=401)
        await get(s, "/healthz")


async def test_sign_in_roles_and_tokens(console_at) -> None:
    viewer_token, viewer_digest = new_token()
    operator_token, operator_digest = new_token()
    users = [{"name": "amal", "password_hash": hash_password(PASSWORD), "role": "operator"},
             {"name": "vic", "password_hash": hash_password(PASSWORD)}]
    c = await console_at(listen="0.0.0.0:0", users=users,
                         tokens=[{"name": "dash", "sha256": viewer_digest},
                                 {"name": "bot", "sha256": operator_digest, "role": "operator"}])
    async with c.session() as s:
        async with s.get("/alerts?rule=x", allow_redirects=False) as resp:
            assert resp.status == 303 and resp.headers["Location"] == "/login?next=/alerts?rule=x"
        login = await get(s, "/login")
        assert "Wrong name" in await post(s, "/login", {"csrf": csrf_of(login), "name": "vic", "password": "no"},
                                          status=401)
        assert "CSRF" in await post(s, "/login", {"name": "vic", "password": PASSWORD}, status=403)
        await post(s, "/login", {"csrf": csrf_of(login), "name": "vic", "password": PASSWORD,
                                 "next": "https://evil.example/"})
        page = await get(s, "/alerts/1")
        assert "vic" in page and "Send feedback" not in page        # a viewer sees no forms
        assert "viewer" in await post(s, "/alerts/1/feedback", {"csrf": csrf_of(page), "verdict": "confirmed"},
                                      status=403)
        await post(s, "/logout", {"csrf": csrf_of(page)})
        await get(s, "/alerts", status=303)
    async with c.session() as s:
        login = await get(s, "/login")
        await post(s, "/login", {"csrf": csrf_of(login), "name": "amal", "password": PASSWORD})
        page = await get(s, "/alerts/1")
        await post(s, "/alerts/1/feedback", {"csrf": csrf_of(page), "verdict": "confirmed", "author": "someone"})
        assert [f.author for f in c.store.feedback()] == ["amal"]     # a signed-in user cannot pose as another
    async with c.session(headers={"Authorization": f"Bearer {viewer_token}"}) as api:
        await get(api, "/api/v1/alerts")
        async with api.post("/api/v1/silences", json={"rule": "coast-deaths-jump", "reason": "x"}) as resp:
            assert resp.status == 403
    async with c.session(headers={"Authorization": f"Bearer {operator_token}"}) as api:
        async with api.post("/api/v1/silences", json={"rule": "coast-deaths-jump", "reason": "x"}) as resp:
            assert resp.status == 201
    async with c.session(headers={"Authorization": "Bearer wrong"}) as api:
        await get(api, "/api/v1/alerts", status=401)
    assert hashlib.sha256(operator_token.encode()).hexdigest() == operator_digest


async def test_a_forged_or_expired_session_cookie_is_no_session(console_at) -> None:
    users = [{"name": "amal", "password_hash": hash_password(PASSWORD), "role": "operator"}]
    clock = FakeClock(SystemClock().now())
    c = await console_at(listen="0.0.0.0:0", users=users, session_ttl="1h", clock=clock)
    _session, cookie = c.console.gate.new_session("amal")
    payload, _, _signature = cookie.rpartition(".")
    async with c.session(cookies={"warnd_session": f"{payload}.forged"}) as s:
        await get(s, "/alerts", status=303)
    async with c.session(cookies={"warnd_session": cookie}) as s:
        await get(s, "/alerts")
        clock.advance(hours=1, seconds=1)
        await get(s, "/alerts", status=303)


async def test_alert_links_in_emails_point_to_the_console(console_at) -> None:
    c = await console_at(public_url="https://warnd.example.org/")
    project = Path(c.daemon.settings.base_dir)
    bodies = [email.message_from_bytes(p.read_bytes(), policy=email.policy.default)
              for p in sorted((project / "var/outbox/mail").glob("*.eml"))]
    assert bodies
    ids = {a.id for a in c.store.alerts()}
    for message in bodies:
        text = message.get_body(("plain",)).get_content()
        match = re.search(r"Open this alert in the console: https://warnd\.example\.org/alerts/(\d+)", text)
        assert match and int(match[1]) in ids
        assert f'href="https://warnd.example.org/alerts/{match[1]}"' in message.get_body(("html",)).get_content()


def test_cli_makes_a_password_hash_and_a_token(monkeypatch, capsys) -> None:
    from warnd.cli import main
    from warnd.config.settings import HttpSettings
    from warnd.console.auth import Gate

    monkeypatch.setattr("sys.stdin", io.StringIO(PASSWORD + "\n"))
    assert main(["console", "hash-password"]) == 0
    hashed = capsys.readouterr().out.strip()
    assert main(["console", "token"]) == 0
    out = capsys.readouterr().out
    token = re.search(r"not stored\): (\S+)", out)[1]
    digest = re.search(r"sha256: ([0-9a-f]{64})", out)[1]
    settings = HttpSettings.model_validate({"users": [{"name": "amal", "password_hash": hashed}],
                                            "tokens": [{"name": "ci", "sha256": digest}]})
    gate = Gate(settings, host="0.0.0.0", now=SystemClock().now)
    assert gate.sign_in("amal", PASSWORD) and not gate.sign_in("amal", "wrong")
    assert gate.identify(None, f"Bearer {token}").name == "ci"
    monkeypatch.setattr("sys.stdin", io.StringIO("short\n"))
    assert main(["console", "hash-password"]) == 1
    assert "at least 10" in capsys.readouterr().err


@pytest.mark.parametrize("entry, message", [
    pytest.param({"users": [{"name": "a", "password_hash": "plain"}]}, "not an argon2 hash", id="plain-password"),
    pytest.param({"tokens": [{"name": "a", "sha256": "abc"}]}, "not a hex SHA-256", id="short-digest"),
    pytest.param({"users": [{"name": "a", "password_hash": "$argon2id$x", "role": "admin"}]}, "viewer", id="role"),
])
def test_bad_console_credentials_in_the_config_are_clear_errors(entry, message) -> None:
    from pydantic import ValidationError

    from warnd.config.settings import HttpSettings
    with pytest.raises(ValidationError, match=re.escape(message)):
        HttpSettings.model_validate(entry)


def test_too_many_wrong_passwords_lock_the_name_for_a_while() -> None:
    from warnd.config.settings import HttpSettings
    from warnd.console.auth import Gate
    clock = FakeClock(SystemClock().now())
    settings = HttpSettings.model_validate({"users": [{"name": "amal", "password_hash": hash_password(PASSWORD)}]})
    gate = Gate(settings, host="127.0.0.1", now=clock.now)
    for _ in range(5):
        assert not gate.sign_in("amal", "guess")
    assert not gate.sign_in("amal", PASSWORD)        # locked: even the right password is refused
    clock.advance(minutes=16)
    assert gate.sign_in("amal", PASSWORD)


async def test_a_throttled_decision_is_listed_and_has_its_page(demo) -> None:
    from urllib.parse import quote

    from warnd.store import DecisionRecord
    now = demo.daemon.clock.now()
    trace = {"rule": "coast-deaths-jump", "verdict": "throttled", "window": "24h", "window_s": 86400,
             "sources": 2, "prior": {"last_value": 1018, "last_sent_at": now.isoformat(), "alert_count": 1},
             "realert": "24h", "escalate_ratio": 1.5, "baseline": {"value": 0, "stat": "median", "daily": [0, 1]},
             "future_field": {"shown": "as it is"}}
    key = "coast-deaths-jump|region=Latakia|abc"
    record = DecisionRecord(key, "coast-deaths-jump", (("region", "Latakia"),), "throttled", 1100, "", trace, "critical")
    demo.store.record_decisions([record, record], now)
    demo.store.record_decisions([record], now)
    async with demo.session() as s:
        listed = await (await s.get("/api/v1/alerts?state=throttled&region=Latakia")).json()
        (row,) = listed["alerts"]
        assert row["value"] == 1100 and row["occurrences"] == 2 and row["id"] is None
        html = await get(s, "/alerts?state=throttled")
        assert f'/decision?key={quote(key)}' in html and "×2" in html
        page = await get(s, f"/decision?key={quote(key)}")
        assert "throttled" in page and "1,018" in page and "future_field" in page and "as it is" in page
        assert "Send feedback" not in page        # no alert was recorded: nothing to judge or acknowledge


@pytest.mark.parametrize("text, value, expected", [
    pytest.param("Clashes near Jableh. The toll rose to 1,018 since Thursday. More later.", 1018,
                 "The toll rose to 1,018 since Thursday.", id="thousands-separator"),
    pytest.param("At least 12 killed. Earlier 120 fled.", 12, "At least 12 killed.", id="not-inside-another-number"),
    pytest.param("Fighting in Latakia. No figure here.", 7, "Fighting in Latakia.", id="no-figure-first-sentence"),
    pytest.param(None, 3, None, id="no-item-text"),
])
def test_quote_of_finds_the_sentence_that_states_the_figure(text, value, expected) -> None:
    from warnd.console.views import quote_of
    assert quote_of(text, value) == expected


def test_slack_messages_link_to_the_alert_page() -> None:
    import json

    from warnd.deliver.slack import render_slack
    alert = Alert(rule="r", dedup_key="k", severity=Severity.HIGH, title="", labels=(("region", "Latakia"),), value=12,
                  baseline=None, window=timedelta(hours=24), sources=1, fired_at=SystemClock().now(),
                  metric="killed", id=42)
    linked = json.dumps(render_slack(alert, public_url="https://warnd.example.org/"))
    assert "<https://warnd.example.org/alerts/42|open in the console>" in linked
    assert "warnd.example.org" not in json.dumps(render_slack(alert))
