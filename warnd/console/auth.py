"""Who is asking, and may they: sign-ins, signed session cookies, bearer tokens, CSRF tokens.

* On a loopback listen with no `http.users`, the console is open to the machine's own users (as the
  health endpoints are): everyone there is an operator named `local`.
* Any other listen, or any listen with `http.users`, requires a sign-in (argon2-hashed passwords in
  the config) or, for the JSON API, a bearer token (only its SHA-256 is configured). A non-loopback
  listen without users or tokens serves no console page at all: every request is told to sign in.
* Roles: a viewer reads; an operator also creates and expires silences, gives feedback and
  acknowledges alerts.
* A session is a cookie signed with HMAC-SHA256 (`http.session_secret`, else a random key per
  start): user name, expiry and a random session id. The role is read from the config on every
  request, so a user removed from the config is signed out at once.
* Every form carries a CSRF token, HMAC of the session id; a POST without the right one is refused
  (as is a POST whose Origin is another site). Bearer-token requests carry no ambient credentials
  and need none.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import ipaddress
import json
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from warnd.config.settings import HttpSettings

__all__ = ["Gate", "Identity", "Role", "hash_password", "new_token"]

SESSION_COOKIE = "warnd_session"
_HASHER = PasswordHasher()
# Sign-in failures per user name before it is refused for a while (a password-guessing brake).
_MAX_FAILURES = 5
_LOCKOUT = timedelta(minutes=15)


class Role(StrEnum):
    VIEWER = "viewer"
    OPERATOR = "operator"


@dataclass(frozen=True, slots=True)
class Identity:
    name: str
    role: Role
    via: str                 # local | session | token
    session_id: str = ""     # for the CSRF token; empty for bearer tokens

    @property
    def may_write(self) -> bool:
        return self.role is Role.OPERATOR


@dataclass(frozen=True, slots=True)
class Session:
    user: str | None         # None: an anonymous session (loopback, or before signing in)
    session_id: str
    expires_at: datetime


def hash_password(password: str) -> str:
    """An argon2id hash for `http.users[].password_hash`."""
    return _HASHER.hash(password)


def new_token() -> tuple[str, str]:
    """A new bearer token and the SHA-256 to configure for it."""
    token = secrets.token_urlsafe(32)
    return token, hashlib.sha256(token.encode()).hexdigest()


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class Gate:
    """The console's authentication and CSRF decisions for one listener."""

    def __init__(self, settings: HttpSettings, *, host: str, now: Callable[[], datetime]) -> None:
        self.settings = settings
        self._now = now
        secret = settings.session_secret.get_secret_value() if settings.session_secret else None
        self._key = hashlib.sha256(secret.encode()).digest() if secret else secrets.token_bytes(32)
        self._users = {u.name: u for u in settings.users}
        self._tokens = [(t.sha256.get_secret_value(), t) for t in settings.tokens]
        self.open_local = is_loopback(host) and not settings.users
        self.sign_in_possible = bool(settings.users)
        self._failures: dict[str, list[datetime]] = {}

    # ---- sessions --------------------------------------------------------------------------------

    def new_session(self, user: str | None) -> tuple[Session, str]:
        """A fresh session and its cookie value."""
        session = Session(user, secrets.token_urlsafe(16), self._now() + self.settings.session_ttl)
        body = json.dumps({"u": session.user, "s": session.session_id,
                           "e": int(session.expires_at.timestamp())}, separators=(",", ":")).encode()
        payload = base64.urlsafe_b64encode(body).decode().rstrip("=")
        return session, f"{payload}.{self._sign(payload)}"

    def read_session(self, cookie: str | None) -> Session | None:
        """The session a cookie holds, or None when it is missing, forged or expired."""
        if not cookie or "." not in cookie:
            return None
        payload, _, signature = cookie.rpartition(".")
        if not hmac.compare_digest(signature, self._sign(payload)):
            return None
        try:
            data = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
            expires_at = datetime.fromtimestamp(int(data["e"]), tz=self._now().tzinfo)
            session = Session(data["u"], str(data["s"]), expires_at)
        except (ValueError, KeyError, TypeError):
            return None
        return session if session.expires_at > self._now() else None

    def identify(self, session: Session | None, authorization: str | None) -> Identity | None:
        """Who a request is: a bearer token, a signed-in session, the loopback user, or nobody."""
        if authorization is not None:
            scheme, _, token = authorization.partition(" ")
            if scheme.lower() != "bearer" or not token:
                return None
            digest = hashlib.sha256(token.strip().encode()).hexdigest()
            for known, cfg in self._tokens:
                if hmac.compare_digest(digest, known):
                    return Identity(cfg.name, Role(cfg.role), "token")
            return None
        if session is not None and session.user is not None:
            user = self._users.get(session.user)
            if user is not None:
                return Identity(user.name, Role(user.role), "session", session.session_id)
        if self.open_local:
            return Identity("local", Role.OPERATOR, "local", session.session_id if session else "")
        return None

    def sign_in(self, name: str, password: str) -> bool:
        """Check a user's password (argon2; slow on purpose: call it off the event loop)."""
        now = self._now()
        recent = [t for t in self._failures.get(name, []) if now - t < _LOCKOUT]
        if len(recent) >= _MAX_FAILURES:
            return False
        user = self._users.get(name)
        try:
            ok = user is not None and _HASHER.verify(user.password_hash.get_secret_value(), password)
        except (VerificationError, InvalidHashError):
            ok = False
        if not ok:
            self._failures[name] = [*recent, now]
            return False
        self._failures.pop(name, None)
        return True

    # ---- CSRF --------------------------------------------------------------------------------------

    def csrf_token(self, session_id: str) -> str:
        return self._sign(f"csrf:{session_id}")

    def csrf_ok(self, identity: Identity | None, session: Session | None, token: str | None) -> bool:
        """Whether a state-changing request carries the CSRF token of its session."""
        if identity is not None and identity.via == "token":
            return True
        if session is None or not token:
            return False
        return hmac.compare_digest(token, self.csrf_token(session.session_id))

    def _sign(self, text: str) -> str:
        mac = hmac.new(self._key, text.encode(), hashlib.sha256).digest()
        return base64.urlsafe_b64encode(mac).decode().rstrip("=")
