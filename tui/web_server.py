"""The browser gateway of ``drill web``, built on ``textual-serve`` (the ``[web]`` extra,
imported only by :func:`gateway_class`, so this module imports without it).

Pages:

- ``GET /`` a form where a participant pastes their invitation. A link
  ``/#invite=…`` fills and sends the form by itself: the part after ``#`` never
  leaves the browser, so the token is in no request line. ``GET /?invite=…`` works
  too, but the token is then in the address (history, proxies' logs).
- ``POST /`` takes the invitation, keeps its token under a one-time random key for a
  short while and answers with ``textual-serve``'s terminal page, whose WebSocket is
  ``/ws/KEY``.
- ``GET /ws/KEY`` spends the key and runs the session's process
  (:func:`tui.web.session_command`) with the invitation in its environment.

The gateway keeps no access log (request lines could hold a token), joins only the
drill server it was given, and runs at most ``max_sessions`` processes at a time.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import html
import logging
import secrets
import ssl
import time
from collections.abc import Callable
from typing import Any

from .web import WebError, session_command, session_environment, session_invite, token_of

log = logging.getLogger("acid-drill.web")

KEY_LIFETIME = 120.0  # seconds between sending the form and the page opening its WebSocket
MAX_PENDING = 256
MAX_FORM = 16 * 1024
_HEADERS = {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer",
            "X-Content-Type-Options": "nosniff"}

_FORM = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>ACID drill: join</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>body{{font-family:sans-serif;max-width:40em;margin:3em auto;padding:0 1em}}
input{{width:100%;font-family:monospace;padding:.4em}}button{{margin-top:1em;padding:.5em 2em}}
.error{{color:#a00}}</style></head>
<body><h1>Join the drill</h1>
<p>Paste the invitation you were given (<code>ws://…</code> or <code>wss://…</code>).
It opens your seat's view of the drill in this page.</p>
{error}
<form method="post" action="/" autocomplete="off">
<input type="password" name="invite" id="invite" aria-label="invitation" autofocus>
<button type="submit">Join</button></form>
<script>
(function () {{
  var h = window.location.hash;
  if (h.indexOf("#invite=") === 0) {{
    document.getElementById("invite").value = decodeURIComponent(h.slice(8));
    history.replaceState(null, "", window.location.pathname);
    document.forms[0].submit();
  }}
}})();
</script></body></html>
"""


def form_page(error: str = "") -> str:
    """The form; ``error`` is the product's own one-line message, never the visitor's text."""
    note = f'<p class="error">{html.escape(error)}</p>' if error else ""
    return _FORM.format(error=note)


@functools.cache
def gateway_class() -> type[Any]:
    """The gateway's class. Raises :class:`ImportError` without the ``[web]`` extra (this
    module itself imports without it)."""
    import aiohttp_jinja2
    import jinja2
    from aiohttp import web
    from textual_serve.app_service import AppService
    from textual_serve.server import Server

    class _Session(AppService):  # type: ignore[misc]
        """One browser session's process, with its invitation in its environment."""

        def __init__(self, *args: Any, invite: str, **kw: Any):
            super().__init__(*args, **kw)
            self._invite = invite

        def _build_environment(self, width: int = 80, height: int = 24) -> dict[str, str]:
            env = super()._build_environment(width=width, height=height)
            return session_environment(env, self._invite)

    class Gateway(Server):  # type: ignore[misc]
        """``textual-serve``'s server, with a page to paste the invitation and one process
        per browser session for that invitation's seat."""

        def __init__(self, server: str, *, host: str = "127.0.0.1", port: int = 8080,
                     tls: ssl.SSLContext | None = None, public_url: str | None = None,
                     cafile: str | None = None, max_sessions: int = 64,
                     command: str | None = None):
            super().__init__(command or session_command(cafile=cafile), host=host, port=port,
                             title="ACID drill", public_url=public_url or "")
            self.server = server
            self.tls = tls
            self.given_public_url = public_url
            self.max_sessions = max_sessions
            self.sessions = 0
            self.pending: dict[str, tuple[str, float]] = {}
            self.bound_port: int | None = None
            self._stop = asyncio.Event()

        async def _make_app(self) -> web.Application:
            app = web.Application(client_max_size=MAX_FORM)
            aiohttp_jinja2.setup(app, loader=jinja2.FileSystemLoader(self.templates_path))
            app.add_routes([
                web.get("/", self.handle_form),
                web.post("/", self.handle_join),
                web.get("/ws/{key}", self.handle_session, name="websocket"),
                web.static("/static", self.statics_path, name="static"),
            ])
            return app

        # the pages -------------------------------------------------------------------

        async def handle_form(self, request: web.Request) -> web.StreamResponse:
            if "invite" in request.query:
                return self._open(request, request.query["invite"])
            return web.Response(text=form_page(), content_type="text/html", headers=_HEADERS)

        async def handle_join(self, request: web.Request) -> web.StreamResponse:
            try:
                form = await request.post()
            except web.HTTPRequestEntityTooLarge:  # more than MAX_FORM: no invitation is that long
                return self._refuse("not an invitation: it is far too long", 413)
            invite = form.get("invite")
            return self._open(request, invite if isinstance(invite, str) else "")

        def _refuse(self, message: str, status: int = 400) -> web.Response:
            return web.Response(text=form_page(message), status=status, content_type="text/html",
                                headers=_HEADERS)

        def _open(self, request: web.Request, invite: str) -> web.StreamResponse:
            try:
                token = token_of(invite)
            except WebError as exc:
                return self._refuse(str(exc))
            now = time.monotonic()
            self.pending = {k: v for k, v in self.pending.items() if v[1] > now}
            if len(self.pending) >= MAX_PENDING:
                return self._refuse("too many people are joining at once: try again in a minute", 503)
            key = secrets.token_urlsafe(24)
            self.pending[key] = (session_invite(self.server, token), now + KEY_LIFETIME)
            base = self.given_public_url or f"{request.scheme}://{request.host}"
            base = base.rstrip("/")
            ws_base = ("wss:" if base.startswith("https:") else "ws:") + base.split(":", 1)[1]
            context = {
                "font_size": 16,
                "app_websocket_url": f"{ws_base}/ws/{key}",
                "config": {"static": {"url": f"{base}/static/"}},
                "application": {"name": self.title},
            }
            response = aiohttp_jinja2.render_template("app_index.html", request, context)
            response.headers.update(_HEADERS)
            return response

        async def handle_session(self, request: web.Request) -> web.StreamResponse:
            entry = self.pending.pop(request.match_info["key"], None)
            if entry is None or entry[1] < time.monotonic():
                raise web.HTTPForbidden(text="this page has expired: open the drill's address again")
            if self.sessions >= self.max_sessions:
                raise web.HTTPServiceUnavailable(text="too many browser sessions at once")
            invite = entry[0]
            websocket = web.WebSocketResponse(heartbeat=15)
            width = _int(request.query.get("width", "80"), 80)
            height = _int(request.query.get("height", "24"), 24)
            service: _Session | None = None
            self.sessions += 1
            try:
                await websocket.prepare(request)
                service = _Session(self.command, write_bytes=websocket.send_bytes,
                                   write_str=websocket.send_str, close=websocket.close,
                                   download_manager=self.download_manager, invite=invite)
                await service.start(width, height)
                await self._process_messages(websocket, service)
            except asyncio.CancelledError:
                await websocket.close()
            except Exception as exc:  # one session's fault ends that session only
                log.warning("a browser session ended: %s", type(exc).__name__)
            finally:
                self.sessions -= 1
                if service is not None:
                    with contextlib.suppress(Exception):
                        await service.stop()
            return websocket

        # running ---------------------------------------------------------------------

        async def run(self, ready: Callable[[], None] | None = None) -> None:
            """Serve until :meth:`stop`. No access log: request lines may hold a token."""
            runner = web.AppRunner(await self._make_app(), access_log=None, handle_signals=False)
            await runner.setup()
            try:
                site = web.TCPSite(runner, self.host, self.port, ssl_context=self.tls)
                await site.start()
                self.bound_port = runner.addresses[0][1]
                if ready is not None:
                    ready()
                await self._stop.wait()
            finally:
                await runner.cleanup()

        def stop(self) -> None:
            self._stop.set()

    return Gateway


def _int(value: str, default: int) -> int:
    try:
        return max(1, min(int(value), 1000))
    except ValueError:
        return default


def serve(gateway: Any, ready: Callable[[], None]) -> None:
    """Run ``gateway`` until SIGINT or SIGTERM."""
    import signal

    async def main() -> None:
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(NotImplementedError, RuntimeError):
                loop.add_signal_handler(sig, gateway.stop)
        await gateway.run(ready)

    asyncio.run(main())
