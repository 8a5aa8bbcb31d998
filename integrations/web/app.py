"""The web app factory: `/healthz`, Slack's endpoints when Slack is configured over HTTP, and extra routes.

`build_web_app(core, extra_routes=[...])` is how a feature adds pages (an iCalendar feed, a dashboard); `serve`
runs the app with uvicorn on the settings' host and port until cancelled.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from typing import TYPE_CHECKING

from sqlalchemy import text
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

if TYPE_CHECKING:
    from bot.core import Core
    from integrations.slack.app import SlackAdapter

log = logging.getLogger(__name__)


def build_web_app(
    core: Core,
    *,
    extra_routes: Sequence[BaseRoute] = (),
    slack: SlackAdapter | None = None,
) -> Starlette:
    """The ASGI app of the web process.

    Args:
        core: the platform-neutral bot.
        extra_routes: routes other features mount (checked after the built-in ones).
        slack: the Slack adapter to serve over HTTP; by default one is built when the settings enable Slack's
            HTTP mode (a signing secret, and a bot token or OAuth credentials). Reachable as `app.state.slack`.
    """
    routes: list[BaseRoute] = [Route("/healthz", _healthz(core), methods=["GET", "HEAD"])]
    if slack is None and core.settings.slack_http_enabled:
        from integrations.slack.app import SlackAdapter

        slack = SlackAdapter(core)
    if slack is not None:
        from integrations.slack.http import SlackEndpoints

        secret = core.settings.slack_signing_secret
        assert secret is not None, "Slack over HTTP needs SLACK_SIGNING_SECRET"
        routes += SlackEndpoints(slack.build_app(), secret.get_secret_value(), replays=slack.replays).routes()
    routes += list(extra_routes)
    app = Starlette(routes=routes)
    app.state.core = core
    app.state.slack = slack
    return app


def _healthz(core: Core):
    async def healthz(request: Request) -> Response:
        """200 when the database answers; 503 otherwise (the platform restarts or stops routing to us)."""
        try:
            await asyncio.to_thread(_ping, core)
        except Exception as exc:
            log.warning("health check: database unreachable (%s)", type(exc).__name__)
            return JSONResponse({"status": "unavailable", "database": "unreachable"}, status_code=503)
        return JSONResponse({"status": "ok", "platforms": core.settings.platforms})

    return healthz


def _ping(core: Core) -> None:
    with core.engine.connect() as connection:
        connection.execute(text("SELECT 1"))


async def serve(app: Starlette, *, host: str, port: int, log_level: str = "info") -> None:
    """Run `app` with uvicorn until cancelled (then shut down gracefully, finishing work in progress)."""
    import uvicorn

    config = uvicorn.Config(app, host=host, port=port, log_level=log_level.lower(), access_log=False,
                            proxy_headers=True, forwarded_allow_ips="*", lifespan="off")
    server = uvicorn.Server(config)
    try:
        await server.serve()
    finally:
        slack = getattr(app.state, "slack", None)
        if slack is not None:
            await slack.close()
