"""The Discord fake itself: state, lifecycle, and pointing discord.py at it."""

from __future__ import annotations

import asyncio
import contextlib
import re
import time
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

from aiohttp import web

from .assertions import AssertionsMixin
from .channels import ChannelsMixin
from .faults import FaultsMixin
from .gateway import GatewayMixin, _GatewayConnection
from .interactions import InteractionsMixin
from .rest import RestMixin
from .webhooks import WebhooksMixin
from .wire import (
    _ROUTES,
    API_PREFIX,
    Handler,
    Permissions,
    Request,
    _Bucket,
    _Fault,
    _Interaction,
    _route_regex,
    _Snowflakes,
)
from .world import WorldMixin


class FakeDiscord(
    GatewayMixin, RestMixin, ChannelsMixin, WebhooksMixin, InteractionsMixin, WorldMixin, FaultsMixin, AssertionsMixin
):
    """Loopback Discord: ``async with FakeDiscord() as fake:`` then :func:`point_discord_at`."""

    def __init__(
        self,
        *,
        token: str | None = "fake-bot-token",
        bot_name: str = "ICC Bot",
        bot_id: int | None = None,
        heartbeat_interval_ms: int = 41250,
        enforce_intents: bool = True,
        echo_events: bool = True,
        rate_limit: int = 50,
        rate_limit_window: float = 1.0,
        bot_permissions: int = Permissions.BOT_DEFAULT,
        now: Callable[[], float] = time.time,
    ) -> None:
        """``token=None`` accepts any token.  ``echo_events`` sends the gateway events Discord sends for REST
        actions (MESSAGE_CREATE for the bot's own messages, CHANNEL_CREATE, ...).  ``rate_limit`` requests per
        ``rate_limit_window`` seconds are allowed per route bucket before a real 429."""
        self.token = token
        self.heartbeat_interval_ms = heartbeat_interval_ms
        self.enforce_intents = enforce_intents
        self.echo_events = echo_events
        self.rate_limit = rate_limit
        self.rate_limit_window = rate_limit_window
        self.bot_permissions = bot_permissions
        #: Seconds since the epoch for the rate-limit buckets and their reset times: a test passes
        #: `now=clock.seconds` to move through a window without waiting for it.
        self.now = now
        self._ids = _Snowflakes()

        self.bot_user: dict[str, Any] = self._user_payload(bot_id or self._ids.next(), bot_name, bot=True)
        self.bot_user.update(verified=True, mfa_enabled=False, email=None, flags=0, premium_type=0)
        self.application_id = int(self.bot_user["id"])
        self.owner_user = self._user_payload(self._ids.next(), "app-owner")

        # recorded traffic
        self.requests: list[Request] = []
        self.identify_payloads: list[dict[str, Any]] = []
        self.resume_payloads: list[dict[str, Any]] = []
        self.presence_updates: list[dict[str, Any]] = []
        self.gateway_queries: list[dict[str, str]] = []
        self.identify_count = 0
        self.resume_count = 0
        self.heartbeat_count = 0

        # world state
        self.users: dict[int, dict[str, Any]] = {int(self.bot_user["id"]): self.bot_user}
        self._user_locales: dict[int, str] = {}
        self.guilds: dict[int, dict[str, Any]] = {}
        self.channels: dict[int, dict[str, Any]] = {}
        self.members: dict[int, dict[int, dict[str, Any]]] = {}
        self.messages: dict[int, dict[str, Any]] = {}
        self.webhooks: dict[int, dict[str, Any]] = {}
        self.commands: dict[int | None, list[dict[str, Any]]] = {}
        self.attachments: dict[int, bytes] = {}
        self._deleted_channels: set[int] = set()
        self._deleted_webhooks: set[int] = set()
        self._dm_channels: dict[int, int] = {}
        self._blocked_dms: set[int] = set()
        self._interactions: dict[str, _Interaction] = {}
        self._modals_sent: dict[str, dict[str, Any]] = {}
        self._reactions: dict[tuple[int, str], set[int]] = {}
        self._faults: list[_Fault] = []
        self._buckets: dict[tuple[str, str], _Bucket] = {}
        self._extra_routes: list[tuple[str, re.Pattern[str], Handler, bool]] = []
        self._routes = [(m, _route_regex(t), t, getattr(self, name), auth) for m, t, name, auth in _ROUTES]

        # gateway session
        self._conn: _GatewayConnection | None = None
        self._connections: set[_GatewayConnection] = set()
        self._session_id: str | None = None
        self._intents = 0
        self._seq = 0
        self._history: list[dict[str, Any]] = []
        self._gw_lock = asyncio.Lock()
        self._live = asyncio.Event()
        self._bg_tasks: set[asyncio.Task[Any]] = set()

        self._runner: web.AppRunner | None = None
        self.port = 0

    # ------------------------------------------------------------------ lifecycle

    async def start(self) -> FakeDiscord:
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_route("*", API_PREFIX + "/{tail:.*}", self._handle_rest)
        app.router.add_get("/attachments/{channel_id}/{attachment_id}/{filename}", self._handle_cdn)
        app.router.add_get("/", self._handle_gateway)
        self._runner = web.AppRunner(app, handle_signals=False, access_log=None, shutdown_timeout=1.0)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = int(self._runner.addresses[0][1])
        return self

    async def close(self) -> None:
        for task in list(self._bg_tasks):
            with contextlib.suppress(Exception, asyncio.CancelledError):
                await asyncio.wait_for(task, 1.0)
        for conn in list(self._connections):
            conn.live = False
            with contextlib.suppress(Exception):
                await asyncio.wait_for(conn.ws.close(code=1001, message=b"fake shutting down"), 1.0)
        self._live.clear()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> FakeDiscord:
        return await self.start()

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()

    @property
    def http_base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def api_base(self) -> str:
        """What ``discord.http.Route.BASE`` must be."""
        return f"{self.http_base}{API_PREFIX}"

    @property
    def gateway_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/"

    @contextlib.asynccontextmanager
    async def run_client(
        self, client: Any, *, token: str | None = None, timeout: float = 5.0, wait_ready: bool = True
    ) -> AsyncIterator[Any]:
        """Log ``client`` in, run ``client.connect()`` in a task, wait for ``on_ready``; close it on exit."""
        await client.login(token or self.token or "fake-bot-token")
        task = asyncio.create_task(client.connect(reconnect=True), name="fake-discord-client-connect")
        try:
            if wait_ready:
                ready = asyncio.create_task(client.wait_until_ready())
                done, _ = await asyncio.wait({ready, task}, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
                if ready not in done:
                    ready.cancel()
                    with contextlib.suppress(asyncio.CancelledError):
                        await ready
                    if task.done():
                        task.result()
                    raise TimeoutError(f"discord client not ready after {timeout}s")
            yield client
        finally:
            await client.close()
            try:
                await asyncio.wait_for(task, timeout)
            except (Exception, asyncio.CancelledError):
                if not task.done():
                    task.cancel()
                    with contextlib.suppress(BaseException):
                        await task
            for _ in range(3):  # let callbacks scheduled by close() run
                await asyncio.sleep(0)


@contextlib.contextmanager
def point_discord_at(fake: FakeDiscord) -> Iterator[FakeDiscord]:
    """Point discord.py's REST base (``Route.BASE``) and default gateway at the fake; restore on exit.

    discord.py's ``Client`` (unlike ``AutoShardedClient``) never calls ``GET /gateway/bot``: it connects to
    ``DiscordWebSocket.DEFAULT_GATEWAY`` directly, so both URLs have to be pointed at the fake."""
    import yarl
    from discord.gateway import DiscordWebSocket
    from discord.http import Route

    if not fake.port:
        raise RuntimeError("start the fake first (async with FakeDiscord() as fake)")
    old_base, old_gateway = Route.BASE, DiscordWebSocket.DEFAULT_GATEWAY
    Route.BASE = fake.api_base
    DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(fake.gateway_url)
    try:
        yield fake
    finally:
        Route.BASE = old_base
        DiscordWebSocket.DEFAULT_GATEWAY = old_gateway
