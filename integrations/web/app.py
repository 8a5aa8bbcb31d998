"""The web host: one ASGI app built from the routes it is given, served by uvicorn.

It knows no platform and no feature. The wiring (`bot/wiring.py`) collects the routes — `/healthz`, Slack's
endpoints when a workspace is served over HTTP (`integrations/slack/http.py`), and whatever a feature mounts (an
iCalendar feed, the pages) — and hands them here; `serve` runs the app until cancelled.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from starlette.applications import Starlette
from starlette.routing import BaseRoute

log = logging.getLogger(__name__)


def build_web_app(routes: Sequence[BaseRoute]) -> Starlette:
    """The ASGI app of the web process: exactly `routes`, in order (the first that matches answers)."""
    return Starlette(routes=list(routes))


async def serve(app: Starlette, *, host: str, port: int, log_level: str = "info") -> None:
    """Run `app` with uvicorn until cancelled (then shut down gracefully, finishing work in progress)."""
    import uvicorn

    config = uvicorn.Config(app, host=host, port=port, log_level=log_level.lower(), access_log=False,
                            proxy_headers=True, forwarded_allow_ips="*", lifespan="off")
    server = uvicorn.Server(config)
    log.info("web: listening on http://%s:%s", host, port)
    await server.serve()
