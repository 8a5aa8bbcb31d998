"""The Slack fake itself: its state, its lifecycle and its addresses."""

from __future__ import annotations

import asyncio
import itertools
import time
from collections import defaultdict, deque
from collections.abc import Iterable
from typing import Any

from aiohttp import web

from .assertions import AssertionsMixin
from .faults import FaultsMixin
from .methods import MethodsMixin
from .socket_mode import SocketModeMixin
from .web_api import WebApiMixin
from .wire import (
    DEFAULT_APP_ID,
    DEFAULT_BOT_ID,
    DEFAULT_BOT_USER_ID,
    DEFAULT_CHANNEL_ID,
    DEFAULT_TEAM_DOMAIN,
    DEFAULT_TEAM_ID,
    DEFAULT_TEAM_NAME,
    Call,
    Handler,
    ResponseUrlPost,
)
from .world import WorldMixin


class FakeSlackWebAPI(
    WorldMixin, FaultsMixin, AssertionsMixin, SocketModeMixin, WebApiMixin, MethodsMixin
):
    """Loopback fake of ``https://slack.com/api/`` plus Socket Mode and response_url endpoints.

    Use as ``async with FakeSlackWebAPI() as slack:`` (or ``await start()`` / ``await stop()``).
    """

    def __init__(
        self,
        *,
        team_id: str = DEFAULT_TEAM_ID,
        team_name: str = DEFAULT_TEAM_NAME,
        team_domain: str = DEFAULT_TEAM_DOMAIN,
        bot_user_id: str = DEFAULT_BOT_USER_ID,
        bot_id: str = DEFAULT_BOT_ID,
        bot_name: str = "icc-bot",
        app_id: str = DEFAULT_APP_ID,
        enterprise_id: str | None = None,
        valid_tokens: Iterable[str] | None = None,
        strict: bool = False,
        client_id: str | None = None,
        client_secret: str | None = None,
    ) -> None:
        self.app_id = app_id
        self.bot_name = bot_name
        self.strict = strict
        #: ``None`` accepts any token; a set restricts to those (tokens issued by oauth.v2.access
        #: are added automatically).
        self.valid_tokens: set[str] | None = set(valid_tokens) if valid_tokens is not None else None
        #: When set, oauth.v2.access checks the client credentials against these.
        self.client_id = client_id
        self.client_secret = client_secret

        self.calls: list[Call] = []
        self.responses: list[ResponseUrlPost] = []
        self.socket_received: list[dict[str, Any]] = []
        self.socket_connection_count = 0
        #: (time.monotonic(), "open" or "closed", connection number): when each Socket Mode connection lived.
        self.socket_events: list[tuple[float, str, int]] = []
        self.views: dict[str, dict[str, Any]] = {}
        self.home_views: dict[str, dict[str, Any]] = {}
        self.issued_tokens: list[str] = []

        self.teams: dict[str, dict[str, Any]] = {}
        self._token_teams: dict[str, str] = {}
        self.primary_team_id = team_id
        self.add_team(
            team_id,
            name=team_name,
            domain=team_domain,
            bot_user_id=bot_user_id,
            bot_id=bot_id,
            enterprise_id=enterprise_id,
        )
        self._revoked: dict[str, str] = {}
        self._failures: dict[str, deque[tuple[str, dict[str, Any]]]] = defaultdict(deque)
        self._rate_limits: dict[str, deque[int]] = defaultdict(deque)
        self._handlers: dict[str, Handler] = {}

        self.users: dict[str, dict[str, Any]] = {}
        self.channels: dict[str, dict[str, Any]] = {}
        self._members: dict[str, list[str]] = {}
        self._ims: dict[str, str] = {}
        self._messages: dict[str, list[dict[str, Any]]] = defaultdict(list)
        self._ephemerals: list[dict[str, Any]] = []
        self._used_triggers: set[str] = set()
        self._used_codes: set[str] = set()
        self._oauth_install: dict[str, Any] = {}

        self._ids = itertools.count(1)
        self._ts_base = int(time.time())
        self._ts_counter = itertools.count(1)

        self._tickets: set[str] = set()
        self._sockets: list[web.WebSocketResponse] = []
        self._acks: dict[str, asyncio.Future[dict[str, Any]]] = {}
        self._call_event: asyncio.Event | None = None

        self._runner: web.AppRunner | None = None
        self.host = "127.0.0.1"
        self.port: int | None = None

        for team in list(self.teams.values()):
            self._add_bot_user(team)
        self.add_channel("general", channel_id=DEFAULT_CHANNEL_ID, members=[bot_user_id])

    # ---------------------------------------------------------------- lifecycle

    async def __aenter__(self) -> FakeSlackWebAPI:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    async def start(self) -> None:
        app = web.Application()
        app.router.add_route("*", "/api/{method}", self._api_handler)
        app.router.add_get("/link/", self._ws_handler)
        app.router.add_post("/response_url/{rid}", self._response_url_handler)
        self._runner = web.AppRunner(app, shutdown_timeout=0.5, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, 0)
        await site.start()
        self.port = self._runner.addresses[0][1]
        self._call_event = asyncio.Event()

    async def stop(self) -> None:
        for ws in list(self._sockets):
            await ws.close()
        for fut in self._acks.values():
            if not fut.done():
                fut.cancel()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    @property
    def root_url(self) -> str:
        """``http://127.0.0.1:<port>/``."""
        if self.port is None:
            raise RuntimeError("FakeSlackWebAPI is not started")
        return f"http://{self.host}:{self.port}/"

    @property
    def base_url(self) -> str:
        """Web API base URL for ``AsyncWebClient(base_url=...)``; ends in ``/api/``."""
        return self.root_url + "api/"

    @property
    def bot_user_id(self) -> str:
        return self.teams[self.primary_team_id]["bot_user_id"]

    @property
    def bot_id(self) -> str:
        return self.teams[self.primary_team_id]["bot_id"]

    @property
    def team_id(self) -> str:
        return self.primary_team_id

