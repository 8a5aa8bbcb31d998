"""The web host: one ASGI app built from the routes it is given, served by uvicorn.

It knows no platform and no feature. The wiring (`bot/wiring.py`) collects the routes — `/healthz`, Slack's
endpoints when a workspace is served over HTTP (`integrations/slack/http.py`), and whatever a feature mounts (an
iCalendar feed, the pages) — and hands them here; `serve` runs the app until cancelled.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from starlette.applications import Starlette
from starlette.datastructures import MutableHeaders
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from bot.shutdown import WorkInFlight
from integrations.web.drain import Draining

log = logging.getLogger(__name__)

#: Answers a request that raised an HTTP error (no route for it: 404; its route takes another method: 405).
ExceptionHandler = Callable[[Request, Exception], Awaitable[Response]]

#: Sent with every answer: pages run no script and load nothing from elsewhere, are never framed, and leak no
#: address (a sign-in link) to another site.
SECURITY_HEADERS = {
    "Content-Security-Policy": ("default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; "
                                "frame-ancestors 'none'; base-uri 'none'"),
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), interest-cohort=()",
    "Cross-Origin-Opener-Policy": "same-origin",
}


class SecurityHeaders:
    """Adds `SECURITY_HEADERS` to every HTTP answer (a route that sets one of them keeps its own)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in SECURITY_HEADERS.items():
                    if name not in headers:
                        headers[name] = value
            await send(message)

        await self.app(scope, receive, with_headers)


#: Seconds uvicorn waits for connections still open once told to exit (requests were drained before).
CLOSE_WITHIN = 2


def build_web_app(routes: Sequence[BaseRoute], *, not_found: ExceptionHandler | None = None,
                  work: WorkInFlight | None = None) -> Starlette:
    """The ASGI app of the web process: exactly `routes`, in order (the first that matches answers); `not_found`
    answers an address no route has, or a method its route does not take. With `work`, every request counts as
    work under way, and new ones get 503 while the process stops."""
    handlers: dict[Any, ExceptionHandler] = {404: not_found, 405: not_found} if not_found is not None else {}
    middleware = [Middleware(SecurityHeaders)]
    if work is not None:
        middleware.append(Middleware(Draining, work=work))
    return Starlette(routes=list(routes), middleware=middleware, exception_handlers=handlers)


async def serve(app: Starlette, *, host: str, port: int, log_level: str = "info") -> None:
    """Run `app` with uvicorn until cancelled, then close it: no new connections, open ones closed once their
    answer is out (the process's shutdown has waited for the requests under way before cancelling)."""
    import uvicorn

    config = uvicorn.Config(app, host=host, port=port, log_level=log_level.lower(), access_log=False,
                            proxy_headers=True, forwarded_allow_ips="*", lifespan="off",
                            timeout_graceful_shutdown=CLOSE_WITHIN)
    server = uvicorn.Server(config)
    # The process's shutdown (`bot.shutdown`) catches the signals and decides when to stop, not uvicorn.
    server.capture_signals = contextlib.nullcontext  # type: ignore[method-assign,assignment]
    log.info("web: listening on http://%s:%s", host, port)
    serving = asyncio.create_task(server.serve(), name="uvicorn")
    try:
        await asyncio.shield(serving)
    except asyncio.CancelledError:
        server.should_exit = True
        await asyncio.wait({serving}, timeout=CLOSE_WITHIN + 1)
        log.info("web: closed")
        raise
