"""The console's aiohttp wiring: routes, the security middleware, rendering HTML or its JSON twin.

Every page has a JSON twin under `/api/v1/` built from the same data by the same handler, with the
same permissions (datasette's `.json` pages). The pages themselves are in `views.py`.
"""

from __future__ import annotations

import dataclasses
import json
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date, datetime
from enum import Enum
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import jinja2
from aiohttp import web
from aiohttp.typedefs import Handler
from markupsafe import Markup

from warnd.clock import Clock
from warnd.config import RuleSet
from warnd.config.settings import HttpSettings, Settings
from warnd.store import Store

from .auth import SESSION_COOKIE, Gate, Identity, Session

log = logging.getLogger(__name__)

_HERE = Path(__file__).resolve().parent
# No inline script or style anywhere: charts are SVG with presentation attributes, filters submit by
# a small same-origin script. 'none' by default, so anything new must be allowed on purpose.
CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; "
       "form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
_SECURITY_HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}
_STATIC = {"console.css": "text/css", "console.js": "text/javascript", "favicon.svg": "image/svg+xml"}

# Keys the console keeps on a request.
IDENTITY: web.RequestKey[Identity | None] = web.RequestKey("console_identity", Identity)
SESSION: web.RequestKey[Session | None] = web.RequestKey("console_session", Session)

StoreCall = Callable[..., Awaitable[Any]]


@dataclass(frozen=True, slots=True)
class Page:
    """What a view returns: a template and its context, and the JSON twin of the same data."""

    template: str
    context: dict[str, Any]
    data: Any
    status: int = 200


class ConsoleError(web.HTTPException):
    """A request the console refuses, with a sentence for the page or the API's JSON."""

    def __init__(self, status: int, message: str) -> None:
        self.status_code = status
        super().__init__(text=message)
        self.message = message


def _jsonable(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, tuple | set | frozenset):
        return list(value)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return dataclasses.asdict(value)   # e.g. an alert's tally: its tolls, their points, its incidents
    raise TypeError(f"not JSON: {type(value).__name__}")


def json_response(data: Any, status: int = 200) -> web.Response:
    return web.Response(status=status, text=json.dumps(data, default=_jsonable, ensure_ascii=False, indent=1),
                        content_type="application/json")


def format_figure(value: Any) -> str:
    """1018 → "1,018", 2.5 → "2.5", nothing → "—" (a template filter; a table cell per figure)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return "—"
    return f"{value:,.0f}" if value == int(value) else f"{value:,.1f}"


def format_when(value: Any) -> Markup:
    """A UTC time as a <time> element, or "—"."""
    if not isinstance(value, datetime):
        return Markup("—")
    return Markup('<time datetime="{}">{}</time>').format(value.isoformat(), value.strftime("%d %b %Y %H:%M"))


class ConsoleApp:
    """Routes, security and rendering; the pages are registered by `views.install`."""

    def __init__(self, *, store: Store, db: StoreCall, settings: Settings, rules: Callable[[], RuleSet],
                 clock: Clock, host: str) -> None:
        self.store = store
        self.db = db
        self.settings = settings
        self.http: HttpSettings = settings.http or HttpSettings()
        self.rules = rules
        self.clock = clock
        self.gate = Gate(self.http, host=host, now=clock.now)
        self.env = jinja2.Environment(loader=jinja2.FileSystemLoader(_HERE / "templates"), autoescape=True,
                                      undefined=jinja2.ChainableUndefined, trim_blocks=True, lstrip_blocks=True)
        self.env.filters.update(num=format_figure, when=format_when)
        self._paths: list[str] = []
        self._routes: set[web.AbstractRoute] = set()
        self._files = {name: (_HERE / "static" / name).read_bytes() for name in _STATIC}
        self._secure_cookie = (settings.public_url or "").startswith("https://")

    # ---- registration ------------------------------------------------------------------------------

    def install(self, app: web.Application) -> None:
        """Add the console's routes and middleware to the health server's application."""
        from . import views  # the pages need the app object; imported here to keep the modules acyclic
        app.middlewares.append(self._middleware)
        self.raw(app, "/static/{name}", self._static)
        views.install(self, app)

    def page(self, app: web.Application, path: str, view: Callable[[web.Request], Awaitable[Page]], *,
             api: str | None = None, method: str = "GET", name: str | None = None) -> None:
        """Serve `view` as HTML at `path` and as JSON at `/api/v1{api}` (None: no twin)."""
        async def html(request: web.Request) -> web.StreamResponse:
            result = await view(request)
            if method == "POST":
                raise web.HTTPSeeOther(result.context.get("redirect", path))
            return self.render(request, result.template, result.context, status=result.status)

        async def as_json(request: web.Request) -> web.StreamResponse:
            result = await view(request)
            return json_response(result.data, status=201 if method == "POST" and result.status == 200 else
                                 result.status)

        self._routes.add(app.router.add_route(method, path, html, name=name))
        self._paths.append(path)
        if api is not None:
            self._routes.add(app.router.add_route(method, f"/api/v1{api}", as_json))
            self._paths.append(f"/api/v1{api}")

    def raw(self, app: web.Application, path: str, handler: Handler, method: str = "GET") -> None:
        self._routes.add(app.router.add_route(method, path, handler))
        self._paths.append(path)

    # ---- rendering ------------------------------------------------------------------------------

    def render(self, request: web.Request, template: str, context: dict[str, Any], *, status: int = 200) -> web.Response:
        identity = request.get(IDENTITY)
        session = request.get(SESSION)
        base = {"identity": identity, "csrf": self.gate.csrf_token(session.session_id) if session else "",
                "path": request.path, "now": self.clock.now(), "sign_in_possible": self.gate.sign_in_possible}
        text = self.env.get_template(template).render({**base, **context})
        return web.Response(status=status, text=text, content_type="text/html", charset="utf-8")

    def public_link(self, path: str) -> str | None:
        base = (self.settings.public_url or "").rstrip("/")
        return f"{base}{path}" if base else None

    # ---- security -------------------------------------------------------------------------------

    def _is_console(self, request: web.Request) -> bool:
        # By route object: the health endpoints keep their own behaviour; an unknown path (404) and a
        # wrong method (405) get the console's headers too, so that no page of this listener lacks them.
        route = request.match_info.route
        return route in self._routes or route.resource is None

    @web.middleware
    async def _middleware(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        if not self._is_console(request):
            return await handler(request)
        try:
            response = await self._guarded(request, handler)
        except ConsoleError as e:
            response = self._refusal(request, e.status_code, e.message)
        except web.HTTPException as e:
            if e.status_code < 400:     # a redirect: raised on, with the headers every response gets
                for key, value in _SECURITY_HEADERS.items():
                    e.headers.setdefault(key, value)
                raise
            response = self._refusal(request, e.status_code, e.text or e.reason)
        except Exception:  # noqa: BLE001 - a request boundary: a clean 500 with the headers, the rest keeps serving
            log.exception("console page failed", extra={"path": request.path})
            response = self._refusal(request, 500, "the console failed to build this page (see warnd's log)")
        for key, value in _SECURITY_HEADERS.items():
            response.headers.setdefault(key, value)
        return response

    async def _guarded(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        api = request.path.startswith("/api/")
        session = self.gate.read_session(request.cookies.get(SESSION_COOKIE))
        fresh_cookie = None
        if session is None and not api and "Authorization" not in request.headers:
            # Every browser gets a session (anonymous until it signs in) so that its forms carry a token.
            session, fresh_cookie = self.gate.new_session(None)
        identity = self.gate.identify(session, request.headers.get("Authorization"))
        request[SESSION] = session
        request[IDENTITY] = identity
        public = request.path.startswith("/static/") or request.path == "/login"
        if identity is None and not public:
            if api:
                raise ConsoleError(401, "authentication required: a bearer token (Authorization: Bearer …) "
                                        "or a signed-in session")
            if not self.gate.sign_in_possible:
                raise ConsoleError(403, "this console listens beyond loopback and has no users: add http.users "
                                        "to the config (docs/console.md)")
            raise web.HTTPSeeOther(f"/login?next={request.path_qs}" if request.method == "GET" else "/login")
        if request.method == "POST":
            await self._check_post(request, identity, session)
            if identity is not None and not identity.may_write and request.path != "/login" \
                    and request.path != "/logout":
                raise ConsoleError(403, f"{identity.name} is a viewer: only operators may change this")
        response = await handler(request)
        if fresh_cookie is not None:
            self.set_session_cookie(response, fresh_cookie)
        return response

    async def _check_post(self, request: web.Request, identity: Identity | None, session: Session | None) -> None:
        origin = request.headers.get("Origin")
        if origin and origin != "null" and urlsplit(origin).netloc != request.host:
            raise ConsoleError(403, "cross-site request refused (its Origin is another site)")
        if identity is not None and identity.via == "token":
            return
        if request.path.startswith("/api/") and request.content_type == "application/json":
            # A JSON body cannot come from another site's form: a cross-origin fetch with it needs a
            # CORS preflight, which this server never grants (and the Origin check above refuses it).
            return
        token = request.headers.get("X-CSRF-Token")
        if token is None and request.content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
            value = (await request.post()).get("csrf")     # cached: the view reads the same form
            token = value if isinstance(value, str) else None
        if not self.gate.csrf_ok(identity, session, token):
            raise ConsoleError(403, "CSRF token missing or wrong: reload the page and submit the form again")

    def set_session_cookie(self, response: web.StreamResponse, value: str) -> None:
        response.set_cookie(SESSION_COOKIE, value, httponly=True, samesite="Strict", secure=self._secure_cookie,
                            path="/", max_age=int(self.http.session_ttl.total_seconds()))

    def _refusal(self, request: web.Request, status: int, message: str) -> web.StreamResponse:
        if request.path.startswith("/api/"):
            return json_response({"error": message, "status": status}, status=status)
        return self.render(request, "error.html.j2", {"status": status, "message": message}, status=status)

    async def _static(self, request: web.Request) -> web.StreamResponse:
        name = request.match_info["name"]
        if name not in _STATIC:
            raise ConsoleError(404, "no such file")
        return web.Response(body=self._files[name], content_type=_STATIC[name], headers={"Cache-Control": "max-age=3600"})
