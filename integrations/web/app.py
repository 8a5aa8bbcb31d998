"""The web host: one ASGI app built from the routes it is given, served by uvicorn.

It knows no platform and no feature. The wiring (`bot/wiring.py`) collects the routes — `/healthz`, Slack's
endpoints when a workspace is served over HTTP (`integrations/slack/http.py`), and whatever a feature mounts (an
iCalendar feed, the pages) — and hands them here; `serve` runs the app until cancelled.
"""

from __future__ import annotations

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


def build_web_app(routes: Sequence[BaseRoute], *, not_found: ExceptionHandler | None = None) -> Starlette:
    """The ASGI app of the web process: exactly `routes`, in order (the first that matches answers); `not_found`
    answers an address no route has, or a method its route does not take."""
    handlers: dict[Any, ExceptionHandler] = {404: not_found, 405: not_found} if not_found is not None else {}
    return Starlette(routes=list(routes), middleware=[Middleware(SecurityHeaders)], exception_handlers=handlers)


async def serve(app: Starlette, *, host: str, port: int, log_level: str = "info") -> None:
    """Run `app` with uvicorn until cancelled (then shut down gracefully, finishing work in progress)."""
    import uvicorn

    config = uvicorn.Config(app, host=host, port=port, log_level=log_level.lower(), access_log=False,
                            proxy_headers=True, forwarded_allow_ips="*", lifespan="off")
    server = uvicorn.Server(config)
    log.info("web: listening on http://%s:%s", host, port)
    await server.serve()
