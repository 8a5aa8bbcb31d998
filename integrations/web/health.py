"""`/healthz`: 200 while the database answers, 503 otherwise (the platform then restarts us or stops routing here)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence

from sqlalchemy import text
from sqlalchemy.engine import Engine
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

log = logging.getLogger(__name__)


def health_routes(engine: Engine, platforms: Sequence[str]) -> list[BaseRoute]:
    """The health check of a process on `engine` that serves `platforms` (named in the answer)."""

    async def healthz(request: Request) -> Response:
        try:
            await asyncio.to_thread(_ping, engine)
        except Exception as exc:
            log.warning("health check: database unreachable (%s)", type(exc).__name__)
            return JSONResponse({"status": "unavailable", "database": "unreachable"}, status_code=503)
        return JSONResponse({"status": "ok", "platforms": list(platforms)})

    return [Route("/healthz", healthz, methods=["GET", "HEAD"])]


def _ping(engine: Engine) -> None:
    with engine.connect() as connection:
        connection.execute(text("SELECT 1"))
