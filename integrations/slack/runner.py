"""Starting Slack in a process: the web app (HTTP mode, Procfile `web`) and Socket Mode (Procfile `worker`)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler

from integrations.slack.app import SlackAdapter
from integrations.slack.chat import make_web_client

if TYPE_CHECKING:
    from bot.wiring import Core

log = logging.getLogger(__name__)

Starter = Callable[[], Awaitable[None]]


async def run_socket_mode(adapter: SlackAdapter, *, ping_interval: float = 10) -> None:
    """Hold a Socket Mode connection (reconnecting as Slack asks) until cancelled."""
    settings = adapter.settings
    assert settings.slack_app_token is not None, "Socket Mode needs SLACK_APP_TOKEN"
    app = adapter.build_app(socket_mode=True)
    handler = AsyncSocketModeHandler(
        app,
        app_token=settings.slack_app_token.get_secret_value(),
        web_client=make_web_client(None, base_url=settings.slack_api_url),
        ping_interval=ping_interval,
    )
    await handler.connect_async()
    log.info("Slack Socket Mode connected")
    try:
        await asyncio.Event().wait()
    finally:
        await handler.close_async()
        await adapter.close()


def slack_starters(core: Core, *, web: bool, worker: bool) -> list[tuple[str, Starter]]:
    """What this process runs for Slack: the web app when `web` (it also serves /healthz), Socket Mode when
    `worker` and an app-level token is set. Both share one adapter (one `slack` chat for the core)."""
    from integrations.web.app import build_web_app, serve

    settings = core.settings
    starters: list[tuple[str, Starter]] = []
    adapter: SlackAdapter | None = None
    if settings.slack_http_enabled or settings.slack_socket_mode_enabled:
        adapter = SlackAdapter(core)
    if web:
        app = build_web_app(core, slack=adapter if settings.slack_http_enabled else None)

        async def run_web() -> None:
            await serve(app, host=settings.host, port=settings.port, log_level=settings.log_level)

        starters.append(("web", run_web))
    if worker and settings.slack_socket_mode_enabled and adapter is not None:
        socket_adapter = adapter

        async def run_socket() -> None:
            await run_socket_mode(socket_adapter)

        starters.append(("slack-socket-mode", run_socket))
    return starters
