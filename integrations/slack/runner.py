"""Slack Socket Mode (Procfile `worker`): the adapter's listeners over Slack's websocket, no public address."""

from __future__ import annotations

import asyncio
import logging

from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler

from integrations.slack.app import SlackAdapter
from integrations.slack.chat import make_web_client

log = logging.getLogger(__name__)


async def run_socket_mode(adapter: SlackAdapter, *, ping_interval: float = 10) -> None:
    """Hold a Socket Mode connection (reconnecting as Slack asks) until cancelled."""
    settings = adapter.settings
    if settings.slack_app_token is None:
        raise ValueError("Socket Mode needs SLACK_APP_TOKEN")
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
        log.info("Slack Socket Mode closed")
