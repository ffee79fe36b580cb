"""Settings: the pydantic models of `config/warnd.yaml`. `docs/configuration.md` documents every key."""

from __future__ import annotations

import ipaddress
import re
from datetime import timedelta
from pathlib import Path
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator, model_validator

from warnd.config.durations import Duration, PositiveDuration, Seconds
from warnd.config.routing import InhibitRule, NamedTimeIntervals, Route
from warnd.types import Severity

_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _check_name(value: str, what: str) -> str:
    if not _NAME.match(value):
        raise ValueError(f"{what} {value!r} must be 1-64 letters, digits, '-', '_' or '.'")
    return value


class FieldMapping(_Model):
    """How a structured JSON source maps onto items and signals (dotted paths into each record)."""

    records: str = Field("data", description="dotted path to the list of records")
    id: str
    title: str | None = None
    summary: str | None = None
    link: str | None = None
    published: str | None = None
    published_format: Literal["iso", "epoch", "date"] = "iso"
    updated: str | None = None
    language: str | None = None
    country: str | None = None
    region: str | None = None
    location: str | None = None
    fatalities: str | None = None
    event_type: str | None = None
    actors: tuple[str, ...] = ()
    next: str | None = Field(None, description="dotted path to the next page URL")


class FeedSettings(_Model):
    name: str
    url: str = Field(description="http(s)://, file:// or a local path")
    format: Literal["auto", "rss", "jsonfeed", "json"] = "auto"
    interval: PositiveDuration = timedelta(minutes=5)
    tags: tuple[str, ...] = ()
    enabled: bool = True
    mapping: FieldMapping | None = None
    replay: bool = Field(False, description="shift item dates so the newest item is 'now' (demos, path tests)")
    language: str | None = Field(None, pattern=r"^[A-Za-z]{2,3}([-_][A-Za-z0-9]{1,8})*$",
                                 description="the language of the feed's items (fr, ar-SY): overrides the "
                                             "feed's own; without either, each item's language is detected")
    headers: dict[str, str] = {}

    @field_validator("name")
    @classmethod
    def _name(cls, v: str) -> str:
        return _check_name(v, "feed name")

    @model_validator(mode="after")
    def _mapping_for_json(self) -> FeedSettings:
        if self.format == "json" and self.mapping is None:
            raise ValueError("format 'json' needs a 'mapping' (see docs/configuration.md#json-sources)")
        return self


class FetchSettings(_Model):
    timeout_s: Seconds = Field(20.0, gt=0)
    connect_timeout_s: Seconds = Field(10.0, gt=0)
    max_body_bytes: int = Field(10 * 1024 * 1024, gt=0)
    max_redirects: int = Field(5, ge=0)
    concurrency: int = Field(50, ge=1)
    per_host: int = Field(4, ge=1)
    user_agent: str = "warnd/0.1 (+https://github.com/warnd/warnd; humanitarian early warning)"
    jitter: float = Field(0.1, ge=0, le=1, description="fraction of the interval added at random")
    backoff_max: Duration = timedelta(hours=1)
    max_items_per_feed: int = Field(1000, ge=1)
    allow_file_dirs: tuple[str, ...] = Field((), description="directories file:// feeds may read; '.' by default")
    allow_networks: tuple[str, ...] = Field(
        (), description="networks (CIDR) a feed may redirect to besides public addresses, e.g. 10.20.0.0/16")

    @field_validator("allow_networks")
    @classmethod
    def _networks(cls, v: tuple[str, ...]) -> tuple[str, ...]:
        for n in v:
            try:
                ipaddress.ip_network(n, strict=False)
            except ValueError as e:
                raise ValueError(f"{n!r} is not a network (e.g. 10.20.0.0/16 or 127.0.0.1/32)") from e
        return v


class SmtpSettings(_Model):
    host: str = "127.0.0.1"
    port: int = Field(25, ge=1, le=65535)
    starttls: bool = False
    tls: bool = False
    username: str | None = None
    username_env: str | None = None
    username_file: str | None = None
    password: SecretStr | None = None
    password_env: str | None = None
    password_file: str | None = None
    timeout_s: Seconds = Field(30.0, gt=0)
    validate_certs: bool = Field(True, description="verify the server certificate for STARTTLS/TLS")
    ca_file: str | None = Field(None, description="PEM bundle to trust instead of the system's (self-signed relays)")
    connections: int = Field(2, ge=1, le=32, description="SMTP connections kept open and reused per channel")

    @model_validator(mode="after")
    def _one_tls_mode(self) -> SmtpSettings:
        if self.starttls and self.tls:
            raise ValueError("give at most one of 'starttls' (upgrade, port 587) or 'tls' (implicit TLS, port 465)")
        _at_most_one(self, "username")
        _at_most_one(self, "password")
        return self


def _given(model: BaseModel, key: str) -> int:
    return sum(getattr(model, k) is not None for k in (key, f"{key}_env", f"{key}_file"))


def _at_most_one(model: BaseModel, key: str) -> None:
    if _given(model, key) > 1:
        raise ValueError(f"give at most one of '{key}', '{key}_env' or '{key}_file'")


def _exactly_one(model: BaseModel, key: str) -> None:
    if _given(model, key) != 1:
        raise ValueError(f"give exactly one of '{key}', '{key}_env' or '{key}_file'")


class _ChannelBase(_Model):
    templates: str | None = Field(None, description="a template directory overriding templates/<type>/")
    min_severity: Severity = Severity.INFO


_HHMM = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")


def _check_hhmm(value: str) -> str:
    if not _HHMM.match(value):
        raise ValueError(f"{value!r} is not a local time of day (HH:MM, e.g. 07:00)")
    return value


class EmailChannelConfig(_ChannelBase):
    type: Literal["email"]
    to: tuple[str, ...] = Field(min_length=1)
    from_: str = Field(alias="from")
    smtp: SmtpSettings = SmtpSettings()
    list_id: str = "warnd alerts <alerts.warnd.local>"
    digest: Duration | None = Field(None, description="send a digest of the alerts every this long (e.g. 24h); off if unset")
    digest_at: str = Field("07:00", description="local time (Settings.timezone) of the first digest of the day")
    digest_top: int = Field(5, ge=1, le=50, description="top figures listed per region in a digest")

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    @field_validator("digest_at")
    @classmethod
    def _digest_at(cls, v: str) -> str:
        return _check_hhmm(v)


class SlackChannelConfig(_ChannelBase):
    type: Literal["slack"]
    url: SecretStr | None = None
    url_env: str | None = None
    url_file: str | None = None
    timeout_s: Seconds = Field(10.0, gt=0)

    @model_validator(mode="after")
    def _one_url(self) -> SlackChannelConfig:
        _exactly_one(self, "url")
        return self


class WebhookChannelConfig(_ChannelBase):
    type: Literal["webhook"]
    url: str | None = None
    url_env: str | None = None
    url_file: str | None = None
    secret: SecretStr | None = None
    secret_env: str | None = None
    secret_file: str | None = None
    timeout_s: Seconds = Field(10.0, gt=0)
    headers: dict[str, str] = {}
    standard_webhooks: bool = Field(False, description="also sign with the Standard Webhooks headers "
                                                       "(webhook-id, webhook-timestamp, webhook-signature)")
    body: Literal["json", "cap"] = Field("json", description="warnd's JSON body, or the alert as a CAP 1.2 message")

    @model_validator(mode="after")
    def _one_url(self) -> WebhookChannelConfig:
        _exactly_one(self, "url")
        if _given(self, "secret") == 0:
            raise ValueError("give 'secret', 'secret_env' or 'secret_file': receivers verify X-Warnd-Signature with it")
        _at_most_one(self, "secret")
        return self


class AlertmanagerChannelConfig(_ChannelBase):
    """Alerts posted to an Alertmanager's API (`POST <url>/api/v2/alerts`), for its routing and UI."""

    type: Literal["alertmanager"]
    url: str | None = Field(None, description="the Alertmanager's base URL, e.g. http://alertmanager:9093")
    url_env: str | None = None
    url_file: str | None = None
    bearer_token: SecretStr | None = None
    bearer_token_env: str | None = None
    bearer_token_file: str | None = None
    headers: dict[str, str] = {}
    timeout_s: Seconds = Field(10.0, gt=0)
    generator_url: str | None = Field(None, description="`generatorURL` of each alert; public_url if unset")

    @model_validator(mode="after")
    def _one_url(self) -> AlertmanagerChannelConfig:
        _exactly_one(self, "url")
        _at_most_one(self, "bearer_token")
        if self.url is not None and not re.match(r"^https?://", self.url):
            raise ValueError(f"url {self.url!r} must start with http:// or https://")
        return self


class AppriseChannelConfig(_ChannelBase):
    """Teams, Telegram, Matrix, Signal, WhatsApp, SMS gateways … through one apprise URL."""

    type: Literal["apprise"]
    url: SecretStr | None = Field(None, description="an apprise URL, e.g. tgram://bottoken/ChatID (it holds secrets)")
    url_env: str | None = None
    url_file: str | None = None
    format: Literal["text", "markdown", "html"] = "text"
    timeout_s: Seconds = Field(30.0, gt=0)

    @model_validator(mode="after")
    def _one_url(self) -> AppriseChannelConfig:
        _exactly_one(self, "url")
        return self


class FileChannelConfig(_ChannelBase):
    type: Literal["file"]
    format: Literal["eml", "json"]
    dir: str
    to: tuple[str, ...] = ("desk@example.org",)
    from_: str = Field("warnd@localhost", alias="from")
    list_id: str = "warnd alerts <alerts.warnd.local>"
    digest: Duration | None = Field(None, description="write a digest .eml every this long (e.g. 24h); off if unset")
    digest_at: str = Field("07:00", description="local time (Settings.timezone) of the first digest of the day")
    digest_top: int = Field(5, ge=1, le=50, description="top figures listed per region in a digest")

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    @field_validator("digest_at")
    @classmethod
    def _digest_at(cls, v: str) -> str:
        return _check_hhmm(v)


ChannelConfig = Annotated[EmailChannelConfig | SlackChannelConfig | WebhookChannelConfig | FileChannelConfig
                          | AlertmanagerChannelConfig | AppriseChannelConfig, Field(discriminator="type")]


class OutboxSettings(_Model):
    interval: PositiveDuration = timedelta(seconds=5)
    max_attempts: int = Field(8, ge=1)
    backoff_base: Duration = timedelta(seconds=30)
    backoff_max: Duration = timedelta(hours=1)
    batch: int = Field(100, ge=1)
    lease: Duration = timedelta(minutes=2)


class RoutingSettings(_Model):
    default: tuple[str, ...] = Field((), description="channels for rules without 'notify'")
    by_severity: dict[Severity, tuple[str, ...]] = {}


class ConsoleUser(_Model):
    """A person who may sign in to the console (docs/console.md)."""

    name: str = Field(min_length=1, max_length=128)
    password_hash: SecretStr = Field(description="argon2 hash from `warnd console hash-password`")
    role: Literal["viewer", "operator"] = "viewer"

    @field_validator("password_hash")
    @classmethod
    def _argon2(cls, v: SecretStr) -> SecretStr:
        if not v.get_secret_value().startswith("$argon2"):
            raise ValueError("not an argon2 hash (make one with `warnd console hash-password`)")
        return v


class ConsoleToken(_Model):
    """A bearer token for the console's JSON API: only its SHA-256 is configured."""

    name: str = Field(min_length=1, max_length=128)
    sha256: SecretStr = Field(description="hex SHA-256 of the token, from `warnd console token`")
    role: Literal["viewer", "operator"] = "viewer"

    @field_validator("sha256")
    @classmethod
    def _hex(cls, v: SecretStr) -> SecretStr:
        if not re.fullmatch(r"[0-9a-f]{64}", v.get_secret_value()):
            raise ValueError("not a hex SHA-256 (64 characters 0-9a-f; make one with `warnd console token`)")
        return v


class HttpSettings(_Model):
    listen: str = "127.0.0.1:9108"
    max_connections: int = Field(64, ge=1, description="open connections at most; one more is closed at once")
    header_timeout_s: Seconds = Field(10, gt=0, description="a request's headers must be complete this soon")
    idle_timeout_s: Seconds = Field(30, gt=0, description="a keep-alive connection idle this long is closed")
    console: bool = Field(True, description="serve the console and its JSON API beside /healthz and /metrics")
    users: tuple[ConsoleUser, ...] = Field((), description="console sign-ins; required for a non-loopback listen")
    tokens: tuple[ConsoleToken, ...] = Field((), description="bearer tokens for /api/v1/")
    session_secret: SecretStr | None = Field(None, description="signs session cookies; random per start if unset")
    session_ttl: PositiveDuration = Field(timedelta(hours=12), description="a sign-in lasts this long")


class CapSettings(_Model):
    """How alerts read as CAP 1.2 messages (the /cap/alerts.atom feed and `body: cap` webhooks)."""

    sender: str = Field("warnd@localhost", description="CAP <sender>: who issues the alerts, e.g. warnd@desk.example.org")
    sender_name: str = "warnd early warning"
    identifier_prefix: str = Field("warnd-alert-", description="CAP <identifier> is this plus the alert id")
    status: Literal["Actual", "Exercise", "System", "Test", "Draft"] = "Actual"
    feed_title: str = "warnd alerts (CAP 1.2)"
    feed_size: int = Field(50, ge=1, le=1000, description="alerts in the Atom feed, newest first")

    @field_validator("sender", "identifier_prefix")
    @classmethod
    def _no_space(cls, v: str) -> str:
        if re.search(r"[\s,<&]", v):
            raise ValueError(f"{v!r} must not hold spaces, commas, '<' or '&' (CAP 1.2)")
        return v


class ExtractSettings(_Model):
    gazetteer: tuple[str, ...] = Field((), description="extra gazetteer/alias files (YAML) on top of the bundled one")
    lexicons: tuple[str, ...] = Field((), description="extra community lexicon files (YAML)")


class Settings(_Model):
    database: str = "sqlite:///var/warnd.db"
    timezone: str = "UTC"
    public_url: str | None = Field(None, description="the console's address as users reach it: alerts link to their page")
    feeds: tuple[FeedSettings, ...] = ()
    fetch: FetchSettings = FetchSettings()
    rules: tuple[str, ...] = ("rules/*.yaml",)
    templates: str = "templates"
    channels: dict[str, ChannelConfig] = {}
    routing: RoutingSettings = RoutingSettings()
    route: Route | None = Field(None, description="the routing tree (Alertmanager's shape); replaces `routing`")
    inhibit: tuple[InhibitRule, ...] = ()
    time_intervals: tuple[NamedTimeIntervals, ...] = ()
    outbox: OutboxSettings = OutboxSettings()
    evaluate_interval: PositiveDuration = timedelta(minutes=1)
    http: HttpSettings | None = None
    cap: CapSettings = CapSettings()
    extract: ExtractSettings = ExtractSettings()
    retention: Duration = timedelta(days=365)
    base_dir: str = Field(".", description="directory relative paths are resolved against")

    @field_validator("timezone")
    @classmethod
    def _zone(cls, v: str) -> str:
        try:
            ZoneInfo(v)
        except (ZoneInfoNotFoundError, ValueError) as e:
            raise ValueError(f"{v!r} is not an IANA time zone (e.g. UTC, Asia/Damascus, Africa/Khartoum)") from e
        return v

    @field_validator("channels")
    @classmethod
    def _channel_names(cls, v: dict[str, Any]) -> dict[str, Any]:
        for name in v:
            _check_name(name, "channel name")
        return v

    @model_validator(mode="after")
    def _cross_checks(self) -> Settings:
        names = [f.name for f in self.feeds]
        dupes = sorted({n for n in names if names.count(n) > 1})
        if dupes:
            raise ValueError(f"feed names must be unique; repeated: {', '.join(dupes)}")
        known = set(self.channels)
        for where, chans in [("routing.default", self.routing.default),
                             *[(f"routing.by_severity.{k}", v) for k, v in self.routing.by_severity.items()]]:
            for c in chans:
                if c not in known:
                    raise ValueError(f"{where}: unknown channel {c!r} (defined: {', '.join(sorted(known)) or 'none'})")
        return self

    def path(self, value: str | Path) -> Path:
        """Resolve a configured path against `base_dir`."""
        p = Path(value)
        return p if p.is_absolute() else Path(self.base_dir) / p

    def database_url(self) -> str:
        """The SQLAlchemy URL, with a relative SQLite path resolved against `base_dir`."""
        url = self.database
        prefix = "sqlite:///"
        if url.startswith(prefix) and not url.startswith("sqlite:////") and url != "sqlite:///:memory:":
            return prefix + str(self.path(url[len(prefix):]))
        return url
