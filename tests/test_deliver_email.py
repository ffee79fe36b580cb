"""Email channel against real SMTP servers on 127.0.0.1 (aiosmtpd, and raw sockets for broken servers)."""

from __future__ import annotations

import asyncio
import email
import email.policy
import shutil
import ssl
import subprocess
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword

from tests.fixtures.deliver_alerts import delivery, escalated, hostile, latakia
from warnd.config.settings import EmailChannelConfig
from warnd.deliver.email import EmailSender, render_email
from warnd.errors import PermanentDeliveryError, TransientDeliveryError

ROOT = Path(__file__).resolve().parent.parent
TEMPLATES = ROOT / "templates"


@dataclass
class Recorder:
    """An aiosmtpd handler that records messages and can answer scripted replies first."""

    data_replies: list[str] = field(default_factory=list)
    rcpt_reply: str | None = None
    messages: list[Any] = field(default_factory=list)
    protocols: list[SMTP] = field(default_factory=list)

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.rcpt_reply:
            return self.rcpt_reply
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.data_replies:
            return self.data_replies.pop(0)
        self.messages.append(envelope)
        return "250 2.0.0 queued"


@dataclass
class Server:
    port: int
    handler: Recorder

    def parsed(self, i: int = -1) -> email.message.EmailMessage:
        return email.message_from_bytes(self.handler.messages[i].content, policy=email.policy.default)


@pytest.fixture
async def smtp_server() -> AsyncIterator[Callable[..., Any]]:
    """Start aiosmtpd servers on 127.0.0.1:0 in this test's loop; all are closed afterwards."""
    servers: list[asyncio.Server] = []

    async def start(handler: Recorder | None = None, *, implicit_tls: ssl.SSLContext | None = None,
                    **smtp_kwargs: Any) -> Server:
        handler = handler or Recorder()
        loop = asyncio.get_running_loop()

        def factory() -> SMTP:
            proto = SMTP(handler, hostname="mx.test", loop=loop, **smtp_kwargs)
            handler.protocols.append(proto)
            return proto

        srv = await loop.create_server(factory, "127.0.0.1", 0, ssl=implicit_tls)
        servers.append(srv)
        return Server(srv.sockets[0].getsockname()[1], handler)

    yield start
    for srv in servers:
        srv.close()
    for srv in servers:
        await srv.wait_closed()


def config(port: int, **smtp: Any) -> EmailChannelConfig:
    return EmailChannelConfig.model_validate({
        "type": "email", "to": ["desk@example.org", "duty@example.org"], "from": "warnd <alerts@warnd.example.org>",
        "smtp": {"host": "127.0.0.1", "port": port, "timeout_s": 2, **smtp},
    })


def sender(port: int, clock, **smtp: Any) -> EmailSender:
    return EmailSender("desk", config(port, **smtp), clock=clock, templates_dir=TEMPLATES)


async def test_plain_smtp_delivers_multipart_with_threading_headers(smtp_server, clock):
    server = await smtp_server()
    s = sender(server.port, clock)
    try:
        await s.send(latakia(), delivery(7))
    finally:
        await s.aclose()
    env = server.handler.messages[0]
    assert env.mail_from == "alerts@warnd.example.org"
    assert env.rcpt_tos == ["desk@example.org", "duty@example.org"]
    msg = server.parsed()
    assert msg["Subject"] == "[CRITICAL] Latakia: 1,018 killed in 24h (baseline 0, 2 sources)"
    assert msg["Message-ID"] == "<warnd.delivery.7@warnd.example.org>"
    assert msg["In-Reply-To"] == msg["References"]
    assert msg["List-Id"] == "warnd alerts <alerts.warnd.local>"
    assert msg.get_content_type() == "multipart/alternative"
    assert "1,018" in msg.get_body(("plain",)).get_content()
    assert "<table" in msg.get_body(("html",)).get_content()


async def test_connection_is_reused_and_reopened_after_the_server_drops_it(smtp_server, clock):
    server = await smtp_server()
    s = sender(server.port, clock, connections=1)
    try:
        await s.send(latakia(), delivery(1))
        await s.send(latakia(), delivery(2))
        assert len(server.handler.protocols) == 1, "second send reused the open connection"
        server.handler.protocols[0].transport.close()   # the server times out an idle client
        await asyncio.sleep(0)
        await s.send(latakia(), delivery(3))
    finally:
        await s.aclose()
    assert len(server.handler.messages) == 3
    assert len(server.handler.protocols) == 2


async def test_connection_idle_too_long_is_replaced_not_reused(smtp_server, clock):
    server = await smtp_server()
    s = sender(server.port, clock, connections=1)
    try:
        await s.send(latakia(), delivery(1))
        clock.advance(seconds=61)          # past IDLE_MAX_S: the server may have dropped it
        await s.send(latakia(), delivery(2))
    finally:
        await s.aclose()
    assert len(server.handler.protocols) == 2 and len(server.handler.messages) == 2


async def test_451_is_transient_then_250_delivers(smtp_server, clock):
    server = await smtp_server(Recorder(data_replies=["451 4.3.0 try again later"]))
    s = sender(server.port, clock)
    try:
        with pytest.raises(TransientDeliveryError, match="451"):
            await s.send(latakia(), delivery(7))
        await s.send(latakia(), delivery(7))
    finally:
        await s.aclose()
    assert len(server.handler.messages) == 1


@pytest.mark.parametrize("handler, match", [
    pytest.param(Recorder(data_replies=["554 5.7.1 rejected as spam"]), "554", id="data-554"),
    pytest.param(Recorder(rcpt_reply="550 5.1.1 no such user"), "550", id="rcpt-550"),
])
async def test_5xx_is_permanent(smtp_server, clock, handler, match):
    server = await smtp_server(handler)
    s = sender(server.port, clock)
    try:
        with pytest.raises(PermanentDeliveryError, match=match):
            await s.send(latakia(), delivery(7))
    finally:
        await s.aclose()


async def test_rcpt_4xx_is_transient(smtp_server, clock):
    server = await smtp_server(Recorder(rcpt_reply="450 4.2.1 mailbox busy"))
    s = sender(server.port, clock)
    with pytest.raises(TransientDeliveryError, match="450"):
        await s.send(latakia(), delivery(7))
    await s.aclose()


@pytest.fixture
async def raw_server() -> AsyncIterator[Callable[..., Any]]:
    """A TCP server on 127.0.0.1:0 running `behaviour(reader, writer)` per connection."""
    servers: list[asyncio.Server] = []
    writers: list[asyncio.StreamWriter] = []

    async def start(behaviour) -> int:
        async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            writers.append(writer)
            try:
                await behaviour(reader, writer)
            except (ConnectionError, asyncio.CancelledError):
                pass

        srv = await asyncio.start_server(handle, "127.0.0.1", 0)
        servers.append(srv)
        return srv.sockets[0].getsockname()[1]

    yield start
    for w in writers:
        w.close()
    for srv in servers:
        srv.close()
        await srv.wait_closed()


async def _greet_then_drop(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    writer.write(b"220 mx.test ESMTP\r\n")
    await writer.drain()
    await reader.readline()  # EHLO
    writer.close()


async def _never_greet(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    await reader.read(1)  # returns when the client gives up


async def _drop_during_data(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    writer.write(b"220 mx.test ESMTP\r\n")
    while line := await reader.readline():
        verb = line[:4].upper()
        if verb == b"EHLO":
            writer.write(b"250 mx.test\r\n")
        elif verb == b"DATA":
            writer.write(b"354 go ahead\r\n")
            await writer.drain()
            await reader.readline()
            writer.close()   # mid-message: we cannot know whether it was delivered
            return
        else:
            writer.write(b"250 OK\r\n")
        await writer.drain()


@pytest.mark.parametrize("behaviour, match", [
    pytest.param(_greet_then_drop, "closed the connection", id="drop-after-greeting"),
    pytest.param(_drop_during_data, "closed the connection", id="drop-during-data"),
    pytest.param(_never_greet, "did not answer in time", id="hang"),
])
async def test_dropped_or_hanging_server_is_transient(raw_server, clock, behaviour, match):
    port = await raw_server(behaviour)
    s = sender(port, clock, timeout_s=0.3)
    with pytest.raises(TransientDeliveryError, match=match):
        await s.send(latakia(), delivery(7))
    await s.aclose()


async def test_connection_refused_is_transient(clock):
    probe = await asyncio.start_server(lambda r, w: None, "127.0.0.1", 0)
    port = probe.sockets[0].getsockname()[1]
    probe.close()
    await probe.wait_closed()
    s = sender(port, clock)
    with pytest.raises(TransientDeliveryError, match="could not reach"):
        await s.send(latakia(), delivery(7))
    await s.aclose()


# ------------------------------------------------------------------ STARTTLS + AUTH


@pytest.fixture(scope="module")
def certificate(tmp_path_factory) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1: `cryptography` if installed, else the openssl CLI."""
    d = tmp_path_factory.mktemp("tls")
    cert, key = d / "cert.pem", d / "key.pem"
    try:
        _cert_with_cryptography(cert, key)
    except ImportError:
        if shutil.which("openssl") is None:
            pytest.skip("neither the 'cryptography' package nor the openssl CLI is available to make a test certificate")
        subprocess.run(
            ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key), "-out", str(cert),
             "-days", "2", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost"],
            check=True, capture_output=True)
    return cert, key


def _cert_with_cryptography(cert: Path, key: Path) -> None:
    import datetime as dt
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    pk = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    start = dt.datetime(2020, 1, 1, tzinfo=dt.UTC)
    crt = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(pk.public_key())
           .serial_number(x509.random_serial_number()).not_valid_before(start)
           .not_valid_after(start + dt.timedelta(days=36500))
           .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), False)
           .add_extension(x509.BasicConstraints(ca=True, path_length=None), True)
           .sign(pk, hashes.SHA256()))
    cert.write_bytes(crt.public_bytes(serialization.Encoding.PEM))
    key.write_bytes(pk.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                     serialization.NoEncryption()))


def _authenticator(server, session, envelope, mechanism, auth_data):
    ok = isinstance(auth_data, LoginPassword) and auth_data.login == b"warnd" and auth_data.password == b"s3cret"
    return AuthResult(success=ok, handled=False)  # handled=False: aiosmtpd answers 535 itself


@pytest.fixture
async def tls_server(smtp_server, certificate):
    cert, key = certificate
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ctx.load_cert_chain(cert, key)
    return await smtp_server(tls_context=ctx, require_starttls=True, auth_required=True, auth_require_tls=True,
                             authenticator=_authenticator)


async def test_starttls_and_auth(tls_server, certificate, clock):
    s = sender(tls_server.port, clock, starttls=True, ca_file=str(certificate[0]), username="warnd",
               password="s3cret")
    try:
        await s.send(escalated(), delivery(9))
    finally:
        await s.aclose()
    assert tls_server.parsed()["Subject"].startswith("[CRITICAL, ESCALATED]")


@pytest.mark.parametrize("smtp, error, match", [
    pytest.param({"starttls": True, "username": "warnd", "password": "wrong"}, PermanentDeliveryError, "535",
                 id="bad-password"),
    pytest.param({"username": "warnd", "password": "s3cret"}, PermanentDeliveryError, "starttls",
                 id="plain-where-starttls-required"),
    pytest.param({"starttls": True, "username": "warnd", "password": "s3cret", "ca_file": None},
                 PermanentDeliveryError, "certificate", id="untrusted-certificate"),
])
async def test_tls_and_auth_mismatches_are_permanent(tls_server, certificate, clock, smtp, error, match):
    smtp = {"ca_file": str(certificate[0]), **smtp}
    s = sender(tls_server.port, clock, **smtp)
    with pytest.raises(error, match=match) as info:
        await s.send(latakia(), delivery(9))
    await s.aclose()
    assert "s3cret" not in str(info.value) and "wrong" not in str(info.value)


async def test_hostile_text_cannot_inject_headers(smtp_server, clock):
    server = await smtp_server()
    s = sender(server.port, clock)
    await s.send(hostile(), delivery(11))
    await s.aclose()
    raw = server.handler.messages[0].content
    msg = server.parsed()
    assert msg["X-Injected-Header"] is None and msg["X-Evil"] is None and msg["Bcc"] is None
    assert b"\r\nX-Injected-Header" not in raw
    assert "\n" not in msg["Subject"] and "\r" not in msg["Subject"]
    assert server.handler.messages[0].rcpt_tos == ["desk@example.org", "duty@example.org"]


def test_render_email_is_stable_per_delivery(clock):
    cfg = config(25)
    a = render_email(latakia(), channel="desk", config=cfg, templates_dir=TEMPLATES, delivery_id=5)
    b = render_email(latakia(), channel="desk", config=cfg, templates_dir=TEMPLATES, delivery_id=5)
    c = render_email(escalated(), channel="desk", config=cfg, templates_dir=TEMPLATES, delivery_id=6)
    assert a["Message-ID"] == b["Message-ID"] != c["Message-ID"]
    assert a["References"] == c["References"], "one rule+group is one thread"


def test_utf8_subject_is_encoded_for_the_wire():
    alert = latakia(labels=(("region", "اللاذقية"), ("country", "Syria")))
    msg = render_email(alert, channel="desk", config=config(25), templates_dir=TEMPLATES, delivery_id=5)
    raw = msg.as_bytes(policy=email.policy.SMTP)
    head = raw.split(b"\r\n\r\n", 1)[0]
    assert head.isascii(), "non-ASCII subjects go out as RFC 2047 encoded-words"
    assert b"Subject: [CRITICAL] =?utf-8?" in head
    parsed = email.message_from_bytes(raw, policy=email.policy.default)
    assert "اللاذقية" in parsed["Subject"]


async def test_implicit_tls(smtp_server, certificate, clock):
    cert, key = certificate
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ctx.load_cert_chain(cert, key)
    server = await smtp_server(implicit_tls=ctx)
    s = sender(server.port, clock, tls=True, ca_file=str(cert))
    try:
        await s.send(latakia(), delivery(3))
    finally:
        await s.aclose()
    assert len(server.handler.messages) == 1


def test_starttls_and_implicit_tls_are_exclusive():
    with pytest.raises(ValueError, match="at most one"):
        config(25, starttls=True, tls=True)
