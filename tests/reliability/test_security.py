"""Security: nothing in a feed can break warnd or reach through it, and warnd leaks nothing.

* XXE and entity expansion refused (the hostile files of shared/data/feeds);
* `file://` feeds only from the directories the config allows (symlinks and `..` resolved first);
* a feed that redirects to 127.0.0.1:5432, to a link-local address or to a non-http scheme is refused,
  also through a name that rebinds between lookups;
* header and mrkdwn injection from feed text, through the real daemon to real receivers;
* operator-written rule titles cannot reach Python internals (Jinja2 sandbox);
* secrets (SMTP password, webhook secret, Slack URL token) never reach a log line;
* the health/metrics port binds 127.0.0.1 by default.
"""

from __future__ import annotations

import json
import re
import signal
import socket
import textwrap
import threading
import time
import urllib.request
from collections.abc import AsyncIterator, Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import aiohttp
import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from tests.fixtures.deliver_alerts import latakia
from tests.fixtures.httpserver import LocalHTTPServer, Response
from tests.fixtures.resolver import ScriptedResolver
from tests.reliability.conftest import (
    FarmItem,
    FeedFarm,
    Mailbox,
    Warnd,
    WebhookReceiver,
    free_port,
    killed_item,
    wait_for,
    write_config,
)
from warnd.alerts import render_rule_text
from warnd.clock import SystemClock
from warnd.config.settings import FeedSettings, FetchSettings, HttpSettings
from warnd.errors import FetchError, ParseError, PermanentDeliveryError
from warnd.fetch import Fetcher, make_http_session
from warnd.health import parse_listen
from warnd.parse import parse_feed
from warnd.types import FeedState

ROOT = Path(__file__).resolve().parents[2]
HOSTILE = ROOT.parent / "shared" / "data" / "feeds" / "hostile"
NOW = datetime(2026, 2, 11, 12, 0, tzinfo=UTC)


def hostile(name: str) -> bytes:
    path = HOSTILE / name
    if not path.is_file():
        pytest.skip(f"shared hostile feed {path} not found")
    return path.read_bytes()


# ---- XML entities ------------------------------------------------------------------------------

def test_billion_laughs_is_not_expanded() -> None:
    feed = FeedSettings(name="laughs", url="http://127.0.0.1/x")
    started = time.monotonic()
    try:
        parsed = parse_feed(hostile("billion_laughs.xml"), feed=feed, url=feed.url, fetched_at=NOW)
    except ParseError:
        return
    assert time.monotonic() - started < 2
    for item in parsed.items:
        assert len(item.title) + len(item.summary) < 10_000, "entities were expanded"
        assert "lollollol" not in item.title + item.summary


def test_external_entities_read_no_file_and_open_no_url(http_server: LocalHTTPServer) -> None:
    # The hostile file's SSRF entity points at the discard port; point it at a server that records requests.
    body = hostile("external_entity.xml").replace(b"http://127.0.0.1:9/", http_server.url("/ssrf").encode())
    assert http_server.url("/ssrf").encode() in body
    feed = FeedSettings(name="xxe", url="http://127.0.0.1/x")
    try:
        parsed = parse_feed(body, feed=feed, url=feed.url, fetched_at=NOW)
    except ParseError:
        parsed = None
    if parsed is not None:
        text = " ".join(i.title + " " + i.summary for i in parsed.items)
        assert "root:" not in text and "/bin/" not in text, "XXE read /etc/passwd"
    assert not http_server.requests, "an external entity opened a URL"


# ---- fetch: files and redirects ----------------------------------------------------------------

@pytest.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    async with make_http_session(FetchSettings()) as s:
        yield s


def fetcher(session: aiohttp.ClientSession, tmp_path: Path, **fetch: object) -> Fetcher:
    settings = FetchSettings.model_validate({"timeout_s": 3, "connect_timeout_s": 1, **fetch})
    return Fetcher(settings, session=session, clock=SystemClock(), base_dir=tmp_path)


async def fetch(f: Fetcher, url: str):  # type: ignore[no-untyped-def]
    return await f.fetch(FeedSettings(name="f", url=url), FeedState(feed="f"))


async def test_file_feeds_only_from_allowed_directories(session: aiohttp.ClientSession, tmp_path: Path) -> None:
    allowed = tmp_path / "feeds"
    allowed.mkdir()
    (allowed / "ok.rss").write_bytes(b"<rss/>")
    secret = tmp_path / "secret.txt"
    secret.write_text("s3cr3t")
    (allowed / "link.rss").symlink_to(secret)
    f = fetcher(session, tmp_path, allow_file_dirs=[str(allowed)])
    assert (await fetch(f, (allowed / "ok.rss").as_uri())).body == b"<rss/>"
    assert (await fetch(f, "feeds/ok.rss")).body == b"<rss/>"
    for url in ("file:///etc/passwd", "/etc/passwd", secret.as_uri(), str(allowed / ".." / "secret.txt"),
                "feeds/../secret.txt", (allowed / "link.rss").as_uri(), "file://evil.example/etc/passwd"):
        with pytest.raises(FetchError):
            await fetch(f, url)


class Listener:
    """A TCP port that records who connected: stands in for an internal service (PostgreSQL, metadata)."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.sock.settimeout(0.2)
        self.connections = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    @property
    def port(self) -> int:
        return int(self.sock.getsockname()[1])

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            self.connections += 1
            conn.close()

    def close(self) -> None:
        self._stop.set()
        self._thread.join(2)
        self.sock.close()


@pytest.fixture
def internal() -> Iterator[Listener]:
    listener = Listener()
    yield listener
    listener.close()


async def test_redirect_to_a_loopback_service_is_refused(session: aiohttp.ClientSession, tmp_path: Path,
                                                         http_server: LocalHTTPServer, internal: Listener) -> None:
    # 127.0.0.1:5432 is the shared PostgreSQL; a listener on another loopback port lets the test see the request.
    http_server.route("/feed", Response(302, headers={"Location": f"http://127.0.0.1:{internal.port}/"}))
    with pytest.raises(FetchError):
        await fetch(fetcher(session, tmp_path), http_server.url("/feed"))
    assert internal.connections == 0, "warnd connected to an address the config does not allow"


async def test_redirect_to_a_link_local_address_is_refused(session: aiohttp.ClientSession, tmp_path: Path,
                                                           http_server: LocalHTTPServer) -> None:
    http_server.route("/feed", Response(302, headers={"Location": "http://169.254.169.254/latest/meta-data/"}))
    started = time.monotonic()
    with pytest.raises(FetchError) as e:
        await fetch(fetcher(session, tmp_path), http_server.url("/feed"))
    # Refused before connecting, with a reason; not "connection failed" after the connect timeout.
    assert time.monotonic() - started < 0.9
    assert re.search(r"not allowed|refused|forbidden", str(e.value)), str(e.value)


@pytest.mark.parametrize("location", ["ftp://127.0.0.1/feed", "file:///etc/passwd", "gopher://127.0.0.1:5432/_x"])
async def test_redirect_to_a_non_http_scheme_is_refused(session: aiohttp.ClientSession, tmp_path: Path,
                                                        http_server: LocalHTTPServer, location: str) -> None:
    http_server.route("/feed", Response(302, headers={"Location": location}))
    with pytest.raises(FetchError):
        await fetch(fetcher(session, tmp_path), http_server.url("/feed"))


# DNS rebinding (issue 21): a name that answers an allowed address to one lookup and 127.0.0.1 to the next.
# 127.0.0.2, allowed by fetch.allow_networks, stands in for the public address: nothing leaves the machine,
# and nothing listens there, so a connection to it fails at once.

async def test_a_rebinding_redirect_target_never_reaches_the_local_server(tmp_path: Path,
                                                                           http_server: LocalHTTPServer) -> None:
    local = LocalHTTPServer().start()
    try:
        local.route("/", Response(200, b"<rss/>"))
        http_server.route("/feed", Response(302, headers={"Location": f"http://rebind.test:{local.port}/"}))
        resolver = ScriptedResolver(["127.0.0.2"], ["127.0.0.1"])
        settings = FetchSettings(timeout_s=3, connect_timeout_s=1, allow_networks=("127.0.0.2/32",))
        async with make_http_session(settings, resolver=resolver) as session:
            f = Fetcher(settings, session=session, clock=SystemClock(), base_dir=tmp_path)
            with pytest.raises(FetchError, match="connection failed"):  # to 127.0.0.2, the answer checked
                await fetch(f, http_server.url("/feed"))
            assert resolver.calls == ["rebind.test"], "one lookup per connection: the one checked is the one used"
            assert session.connector is not None
            session.connector.clear_dns_cache()  # aiohttp keeps an answer 300 s; as if that had passed
            with pytest.raises(FetchError, match=r"redirect to rebind\.test \(127\.0\.0\.1\) is not allowed"):
                await fetch(f, http_server.url("/feed"))
        assert resolver.calls == ["rebind.test"] * 2
        assert local.requests == [], "warnd connected to 127.0.0.1 through a rebinding name"
    finally:
        local.stop()


@pytest.mark.parametrize("answers", [
    pytest.param(["127.0.0.1"], id="loopback"),
    pytest.param(["93.184.215.14", "127.0.0.1"], id="public-and-loopback"),
    pytest.param(["::ffff:127.0.0.1"], id="v4-mapped-loopback"),
])
async def test_a_redirect_to_a_name_answering_a_local_address_is_refused(
        tmp_path: Path, http_server: LocalHTTPServer, internal: Listener, answers: list[str]) -> None:
    http_server.route("/feed", Response(302, headers={"Location": f"http://db.test:{internal.port}/"}))
    settings = FetchSettings(timeout_s=3, connect_timeout_s=1)
    async with make_http_session(settings, resolver=ScriptedResolver(answers)) as session:
        with pytest.raises(FetchError, match=r"redirect to db\.test \(.*\) is not allowed: a loopback"):
            await fetch(Fetcher(settings, session=session, clock=SystemClock(), base_dir=tmp_path),
                        http_server.url("/feed"))
    assert internal.connections == 0


async def test_a_configured_name_on_loopback_is_trusted_with_its_own_redirects(
        tmp_path: Path, http_server: LocalHTTPServer) -> None:
    # The operator's URL is trusted whatever it resolves to (the demo and tests poll 127.0.0.1).
    http_server.route("/old", Response(301, headers={"Location": f"http://feeds.test:{http_server.port}/new"}))
    http_server.route("/new", Response(200, b"<rss/>"))
    settings = FetchSettings(timeout_s=3, connect_timeout_s=1)
    async with make_http_session(settings, resolver=ScriptedResolver(["127.0.0.1"])) as session:
        f = Fetcher(settings, session=session, clock=SystemClock(), base_dir=tmp_path)
        assert (await fetch(f, f"http://feeds.test:{http_server.port}/old")).body == b"<rss/>"


async def test_allow_networks_opens_a_redirect_to_a_name_in_them(tmp_path: Path, http_server: LocalHTTPServer) -> None:
    # The resolver judges a name by the same policy as a literal, fetch.allow_networks included.
    other = LocalHTTPServer().start()
    try:
        other.route("/feed", Response(200, b"<rss/>"))
        http_server.route("/feed", Response(302, headers={"Location": f"http://mirror.test:{other.port}/feed"}))
        settings = FetchSettings(timeout_s=3, connect_timeout_s=1, allow_networks=("127.0.0.0/8",))
        async with make_http_session(settings, resolver=ScriptedResolver(["127.0.0.1"])) as session:
            f = Fetcher(settings, session=session, clock=SystemClock(), base_dir=tmp_path)
            assert (await fetch(f, http_server.url("/feed"))).body == b"<rss/>"
        assert [r.path for r in other.requests] == ["/feed"]
    finally:
        other.stop()


async def test_the_fetcher_refuses_a_session_that_does_not_check_redirects(tmp_path: Path) -> None:
    async with aiohttp.ClientSession() as plain:
        with pytest.raises(TypeError, match="make_http_session"):
            Fetcher(FetchSettings(), session=plain, clock=SystemClock(), base_dir=tmp_path)


# ---- template sandbox --------------------------------------------------------------------------

ESCAPES = [
    "{{ ''.__class__.__mro__[1].__subclasses__() }}",
    "{{ labels.__class__.__init__.__globals__ }}",
    "{{ cycler.__init__.__globals__.os.popen('id').read() }}",
    "{{ lipsum.__globals__['os'].environ }}",
    "{{ self.__init__.__globals__.__builtins__ }}",
    "{% for c in [].__class__.__base__.__subclasses__() %}{{ c }}{% endfor %}",
    "{{ value.__class__.__base__.__subclasses__() }}",
    "{{ ().__class__.__base__.__subclasses__()[0].__init__.__globals__ }}",
]


@pytest.mark.parametrize("template", ESCAPES)
def test_rule_titles_cannot_reach_python_internals(template: str) -> None:
    out = render_rule_text(template, latakia(), rule_id="evil")
    if out is None:
        return  # refused by the sandbox: no text (the caller falls back) and the failure logged
    for leak in ("<class", "<module", "<function", "<built-in", "uid=", "PATH", "__builtins__"):
        assert leak not in out, out


def test_a_rule_title_cannot_change_the_alert_it_renders() -> None:
    alert = latakia()
    render_rule_text("{{ labels.update({'region': 'Elsewhere'}) }}{{ labels.clear() }}", alert, rule_id="evil")
    assert alert.label_dict["region"] == "Latakia"


@pytest.mark.parametrize("template", ESCAPES[:4])
def test_operator_message_templates_are_sandboxed(tmp_path: Path, template: str) -> None:
    from warnd.config.settings import EmailChannelConfig
    from warnd.deliver import render_email
    (tmp_path / "subject.txt.j2").write_text(template)
    cfg = EmailChannelConfig.model_validate({"type": "email", "to": ["d@example.org"], "from": "w@example.org",
                                             "templates": str(tmp_path)})
    try:
        msg = render_email(latakia(), channel="desk", config=cfg, templates_dir=ROOT / "templates")
    except PermanentDeliveryError:
        return
    assert "<class" not in str(msg["Subject"]) and "uid=" not in str(msg["Subject"])


# ---- health port -----------------------------------------------------------------------------

def test_health_port_binds_loopback_by_default() -> None:
    assert parse_listen(HttpSettings().listen)[0] == "127.0.0.1"
    assert parse_listen(":9108")[0] == "127.0.0.1"


# ---- YAML alias bombs saved while the daemon runs ------------------------------------------------

BILLION_LAUGHS = (ROOT / "tests" / "data" / "yaml" / "billion_laughs.yaml").read_text()


@pytest.mark.parametrize("bomb, hup, rejected", [
    pytest.param("rules.yaml", False, "rule reload rejected", id="rule-file-seen-by-the-watcher"),
    pytest.param("warnd.yaml", True, "config reload rejected", id="config-file-and-sighup"),
])
def test_an_alias_bomb_saved_under_the_daemon_is_rejected_and_the_old_rules_keep_running(
        tmp_path: Path, farm: FeedFarm, hooks: WebhookReceiver, make_warnd: Callable[..., Warnd],
        bomb: str, hup: bool, rejected: str) -> None:
    farm.set("coast", [killed_item("coast-latakia", "Latakia", 14)])
    health_port = free_port()
    cfg = write_config(tmp_path, database=f"sqlite:///{tmp_path / 'warnd.db'}", feeds={"coast": farm.url("coast")},
                       hook_url=hooks.url, extra=f'http: {{listen: "127.0.0.1:{health_port}"}}\n')
    warnd = make_warnd(cfg)
    warnd.upgrade()
    warnd.start()
    warnd.wait_started()
    wait_for(lambda: len(hooks.accepted) == 1, 30, "the first alert delivered")
    (tmp_path / bomb).write_text(BILLION_LAUGHS)
    if hup:
        assert warnd.proc is not None
        warnd.proc.send_signal(signal.SIGHUP)
    problems = wait_for(lambda: [r["problem"] for r in warnd.events() if r.get("event") == rejected], 30,
                        f"{rejected} in the log")
    assert problems == [f"{tmp_path / bomb}:8:14: alias *lol5 (anchor &lol5 at line 7): the aliases expand the file "
                        "to more than 1,000,000 values (an alias bomb?)"], problems
    with urllib.request.urlopen(f"http://127.0.0.1:{health_port}/healthz", timeout=5) as resp:
        assert resp.status == 200
    with urllib.request.urlopen(f"http://127.0.0.1:{health_port}/metrics", timeout=5) as resp:
        assert 'warnd_rule_reloads_total{outcome="rejected"} 1.0' in resp.read().decode()
    # The last good rules keep judging new items.
    farm.set("coast", [*farm.feeds["coast"], killed_item("coast-homs", "Homs", 30)])
    wait_for(lambda: len(hooks.accepted) == 2, 30, "an alert from the old rules after the rejected reload")
    assert warnd.stop() == 0, warnd.log_tail()


# ---- the daemon: hostile feed text, secrets, health bind ----------------------------------------

SMTP_USER, SMTP_PASSWORD = "warnd-relay", "smtp-pw-Zq8#relay"
SLACK_TOKEN = "xoxb-SLACKTOKEN-9f8e7d"
HOOK_SECRET_VALUE = "whsec-7c1d-secret-value"
HOSTILE_TITLE = "14 civilians killed in Latakia <!channel> <@U0BADBAD> <https://evil.example/x|click>"


class AuthMailbox(Mailbox):
    """SMTP with AUTH LOGIN/PLAIN over plain TCP (test only), accepting one user."""

    def start(self) -> AuthMailbox:
        def check(server, session, envelope, mechanism, data):  # type: ignore[no-untyped-def]
            ok = isinstance(data, LoginPassword) and data.login.decode() == SMTP_USER \
                and data.password.decode() == SMTP_PASSWORD
            return AuthResult(success=ok)
        self._controller = Controller(self, hostname="127.0.0.1", port=self.port, authenticator=check,
                                      auth_require_tls=False, auth_required=True)
        self._controller.start()
        return self


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS:UserWarning")
def test_hostile_feed_text_and_secrets_through_the_daemon(tmp_path: Path, farm: FeedFarm, hooks: WebhookReceiver,
                                                          make_warnd: Callable[..., Warnd]) -> None:
    mailbox = AuthMailbox().start()
    try:
        slack = hooks.server
        slack_path = f"/services/T0000/B0000/{SLACK_TOKEN}"
        slack_posts: list[bytes] = []
        slack.route(slack_path, lambda req: (slack_posts.append(req.body), Response(200, b"ok"))[1])
        farm.set("hostile", [FarmItem("inj-1", HOSTILE_TITLE + "\r\nBcc: victim@example.org\r\nX-Injected: 1",
                                      "At least 14 civilians were killed in Latakia. <script>alert(1)</script>")])
        health_port = free_port()
        cfg = write_config(
            tmp_path, database=f"sqlite:///{tmp_path / 'warnd.db'}", feeds={"hostile": farm.url("hostile")},
            mailbox=None, hook_url=None,
            channels_extra=(
                f"  desk: {{type: email, to: [desk@example.org], from: warnd@example.org, smtp: {{host: 127.0.0.1, "
                f"port: {mailbox.port}, username: {SMTP_USER}, password_env: REL_SMTP_PASSWORD, timeout_s: 5}}}}\n"
                f'  partner: {{type: webhook, url: "{hooks.url}", secret_env: REL_SECRET}}\n'
                "  ops: {type: slack, url_env: REL_SLACK_URL}\n"),
            extra=f'http: {{listen: ":{health_port}"}}\n')
        cfg.write_text(cfg.read_text().replace("routing: {default: []}", "routing: {default: [desk, partner, ops]}"))
        warnd = make_warnd(cfg, env={"REL_SMTP_PASSWORD": SMTP_PASSWORD, "REL_SECRET": HOOK_SECRET_VALUE,
                                     "REL_SLACK_URL": slack.url(slack_path), "WARND_LOG_LEVEL": "DEBUG"})
        warnd.upgrade()
        warnd.start()
        warnd.wait_started()
        wait_for(lambda: mailbox.messages and hooks.accepted and slack_posts, 40,
                 f"an email, a webhook and a Slack post\n{warnd.log_tail()}")

        # The health endpoint listens on loopback only.
        listening = [r for r in warnd.events() if r.get("event") == "health and metrics listening"]
        assert listening and listening[0]["listen"] == f"127.0.0.1:{health_port}", listening
        with socket.create_connection(("127.0.0.1", health_port), timeout=2):
            pass
        assert warnd.stop() == 0, warnd.log_tail()
    finally:
        mailbox.stop()

    # Email: the CR/LF in the feed title did not become headers.
    msg = mailbox.messages[0]
    assert msg["Bcc"] is None and msg["X-Injected"] is None, msg.items()
    for name, value in msg.items():
        assert "\r" not in str(value) and "\n" not in str(value), (name, value)
    html = msg.get_body(("html",)).get_content()
    assert "<script>" not in html and "<!channel>" not in html
    # Slack: the mentions and the link are escaped in every mrkdwn text.
    payload = json.loads(slack_posts[0])
    texts = [payload["text"]] + [b["text"]["text"] for b in payload["blocks"]
                                 if isinstance(b.get("text"), dict) and b["text"].get("type") == "mrkdwn"]
    texts += [e["text"] for b in payload["blocks"] for e in b.get("elements", []) + b.get("fields", [])]
    for text in texts:
        for raw in ("<!channel>", "<@U0BADBAD>", "<https://evil.example/x|"):
            assert raw not in text, text
    # Webhook: the title is one line.
    body = json.loads(hooks.accepted[0].body)
    assert "\n" not in body["alert"]["title"] and "\r" not in body["alert"]["title"]

    # Secrets never reach a log line.
    lines = warnd.log_lines()
    assert len(lines) > 10
    for secret in (SMTP_PASSWORD, SLACK_TOKEN, HOOK_SECRET_VALUE):
        leaked = [line for line in lines if secret in line]
        assert not leaked, f"secret in the log: {leaked[:3]}"


LOOPING_TITLE = textwrap.dedent("""
    rules:
      - id: killed-over-10
        kind: threshold
        match: {kind: killed}
        group_by: [region]
        condition: {at_least: 10}
        # Passes `warnd check` (its sample alerts are 12 and 30), then loops for ever on a real toll.
        title: "Deaths in {{ labels.region }}{% if value > 100 %}{% for i in range(99999) %}{% for j in range(99999) %}.{% endfor %}{% endfor %}{% endif %}"
""")


def test_a_rule_title_that_loops_on_real_data_cannot_freeze_the_daemon(
        tmp_path: Path, farm: FeedFarm, hooks: WebhookReceiver, make_warnd: Callable[..., Warnd]) -> None:
    """The probe's looping title froze everything: nothing delivered, /healthz silent, SIGTERM ignored.
    Bounded, it costs the title only: the alert goes out with the default headline."""
    health_port = free_port()
    farm.set("coast", [killed_item("coast-latakia", "Latakia", 1018), killed_item("coast-tartus", "Tartus", 14)])
    cfg = write_config(tmp_path, database=f"sqlite:///{tmp_path / 'warnd.db'}", feeds={"coast": farm.url("coast")},
                       hook_url=hooks.url, rules=LOOPING_TITLE, extra=f'http: {{listen: "127.0.0.1:{health_port}"}}\n')
    warnd = make_warnd(cfg)
    check = warnd.cli("check")
    assert check.returncode == 0, check.stdout + check.stderr
    warnd.upgrade()
    warnd.start()
    warnd.wait_started()
    wait_for(lambda: len(hooks.accepted) == 2, 40, f"both alerts delivered\n{warnd.log_tail()}")
    titles = {json.loads(r.body)["alert"]["labels"]["region"]: json.loads(r.body)["alert"]["title"]
              for r in hooks.accepted}
    # The loop never runs for 14; for 1,018 (one incident) it spends its budget and the default headline stands in.
    assert titles == {"Latakia": "Latakia: 1,018 killed in one incident", "Tartus": "Deaths in Tartus"}, titles
    failed = [r for r in warnd.events() if r.get("event") == "rule text failed to render; the alert goes out without it"]
    assert failed and "TemplateBudgetError" in failed[0]["error"], failed
    conn = socket.create_connection(("127.0.0.1", health_port), timeout=2)
    conn.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    assert conn.recv(64).startswith(b"HTTP/1.1 200"), "the health port answers"
    conn.close()
    warnd.proc.send_signal(signal.SIGTERM)
    assert warnd.wait_exit(10) == 0, warnd.log_tail()
