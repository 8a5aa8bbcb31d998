"""A loopback fake of Discord (gateway websocket + REST API) for tests.

A real ``discord.py`` client connects to it unchanged; only its URLs are pointed at the fake::

    async with FakeDiscord() as fake:
        guild = fake.add_guild(name="ICC", channels=["general"])
        with point_discord_at(fake):
            client = discord.Client(intents=intents, guild_ready_timeout=0.05)
            async with fake.run_client(client):
                await fake.dispatch("MESSAGE_CREATE", fake.message_create_payload(channel_id, user_id, "hi"))
                await fake.wait_until(lambda: fake.requests_to("POST", "/channels/{id}/messages"))

Everything binds to 127.0.0.1.  The fake behaves like Discord where a bot can tell the difference:

* gateway: HELLO, heartbeat ACKs, IDENTIFY -> READY (guilds unavailable) + one GUILD_CREATE per guild,
  RESUME -> replay of missed dispatches + RESUMED, op 8 member chunks, zlib-stream transport
  compression when asked, intents filtering (no MESSAGE_CONTENT intent -> empty ``content``);
* REST: JSON error bodies with Discord's codes, validation of message bodies (empty, > 2000 chars, webhook
  usernames), ``X-RateLimit-*`` headers on every answer, real 429s when a bucket is exhausted, and the
  gateway events Discord sends back for REST actions (a bot sees its own messages as MESSAGE_CREATE);
* fault injection: :meth:`FakeDiscord.rate_limit_next`, :meth:`FakeDiscord.forbid`,
  :meth:`FakeDiscord.fail_next`, :meth:`FakeDiscord.delete_channel`, :meth:`FakeDiscord.delete_webhook`,
  :meth:`FakeDiscord.drop_connection`, :meth:`FakeDiscord.block_dms`.

Every REST call is recorded in :attr:`FakeDiscord.requests` as a :class:`Request`.
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import datetime as dt
import hashlib
import importlib
import json
import math
import re
import secrets
import time
import zlib
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any

from aiohttp import WSMsgType, web

__all__ = [
    "FakeDiscord",
    "Request",
    "point_discord_at",
    "Intents",
    "Permissions",
    "ApiError",
]

API_PREFIX = "/api/v10"
DISCORD_EPOCH_MS = 1420070400000


class Intents:
    """Gateway intent bits (https://discord.com/developers/docs/topics/gateway#gateway-intents)."""

    GUILDS = 1 << 0
    GUILD_MEMBERS = 1 << 1
    GUILD_MODERATION = 1 << 2
    GUILD_EXPRESSIONS = 1 << 3
    GUILD_INTEGRATIONS = 1 << 4
    GUILD_WEBHOOKS = 1 << 5
    GUILD_INVITES = 1 << 6
    GUILD_VOICE_STATES = 1 << 7
    GUILD_PRESENCES = 1 << 8
    GUILD_MESSAGES = 1 << 9
    GUILD_MESSAGE_REACTIONS = 1 << 10
    GUILD_MESSAGE_TYPING = 1 << 11
    DIRECT_MESSAGES = 1 << 12
    DIRECT_MESSAGE_REACTIONS = 1 << 13
    DIRECT_MESSAGE_TYPING = 1 << 14
    MESSAGE_CONTENT = 1 << 15
    GUILD_SCHEDULED_EVENTS = 1 << 16
    GUILD_MESSAGE_POLLS = 1 << 24
    DIRECT_MESSAGE_POLLS = 1 << 25


class Permissions:
    """Permission bits used by the builders."""

    CREATE_INSTANT_INVITE = 1 << 0
    KICK_MEMBERS = 1 << 1
    BAN_MEMBERS = 1 << 2
    ADMINISTRATOR = 1 << 3
    MANAGE_CHANNELS = 1 << 4
    MANAGE_GUILD = 1 << 5
    ADD_REACTIONS = 1 << 6
    VIEW_CHANNEL = 1 << 10
    SEND_MESSAGES = 1 << 11
    MANAGE_MESSAGES = 1 << 13
    EMBED_LINKS = 1 << 14
    ATTACH_FILES = 1 << 15
    READ_MESSAGE_HISTORY = 1 << 16
    MENTION_EVERYONE = 1 << 17
    USE_EXTERNAL_EMOJIS = 1 << 18
    CHANGE_NICKNAME = 1 << 26
    MANAGE_ROLES = 1 << 28
    MANAGE_WEBHOOKS = 1 << 29
    USE_APPLICATION_COMMANDS = 1 << 31
    CREATE_PUBLIC_THREADS = 1 << 35
    SEND_MESSAGES_IN_THREADS = 1 << 38

    ALL = (1 << 51) - 1
    EVERYONE_DEFAULT = (
        CREATE_INSTANT_INVITE
        | ADD_REACTIONS
        | VIEW_CHANNEL
        | SEND_MESSAGES
        | EMBED_LINKS
        | ATTACH_FILES
        | READ_MESSAGE_HISTORY
        | USE_EXTERNAL_EMOJIS
        | CHANGE_NICKNAME
        | USE_APPLICATION_COMMANDS
        | CREATE_PUBLIC_THREADS
        | SEND_MESSAGES_IN_THREADS
    )
    BOT_DEFAULT = EVERYONE_DEFAULT | MANAGE_CHANNELS | MANAGE_MESSAGES | MANAGE_WEBHOOKS | MENTION_EVERYONE


# event name -> (intent needed in a guild, intent needed in DMs); events not listed are always sent
_EVENT_INTENTS: dict[str, tuple[int, int]] = {}
for _names, _guild_bit, _dm_bit in (
    (
        "GUILD_CREATE GUILD_UPDATE GUILD_DELETE GUILD_ROLE_CREATE GUILD_ROLE_UPDATE GUILD_ROLE_DELETE "
        "CHANNEL_CREATE CHANNEL_UPDATE CHANNEL_DELETE THREAD_CREATE THREAD_UPDATE THREAD_DELETE THREAD_LIST_SYNC "
        "THREAD_MEMBER_UPDATE STAGE_INSTANCE_CREATE STAGE_INSTANCE_UPDATE STAGE_INSTANCE_DELETE",
        Intents.GUILDS,
        Intents.GUILDS,
    ),
    ("CHANNEL_PINS_UPDATE", Intents.GUILDS, Intents.DIRECT_MESSAGES),
    ("GUILD_MEMBER_ADD GUILD_MEMBER_UPDATE GUILD_MEMBER_REMOVE THREAD_MEMBERS_UPDATE", Intents.GUILD_MEMBERS, 0),
    ("GUILD_BAN_ADD GUILD_BAN_REMOVE GUILD_AUDIT_LOG_ENTRY_CREATE", Intents.GUILD_MODERATION, 0),
    ("GUILD_EMOJIS_UPDATE GUILD_STICKERS_UPDATE", Intents.GUILD_EXPRESSIONS, 0),
    ("WEBHOOKS_UPDATE", Intents.GUILD_WEBHOOKS, 0),
    ("INVITE_CREATE INVITE_DELETE", Intents.GUILD_INVITES, 0),
    ("VOICE_STATE_UPDATE", Intents.GUILD_VOICE_STATES, 0),
    ("PRESENCE_UPDATE", Intents.GUILD_PRESENCES, 0),
    (
        "MESSAGE_CREATE MESSAGE_UPDATE MESSAGE_DELETE MESSAGE_DELETE_BULK",
        Intents.GUILD_MESSAGES,
        Intents.DIRECT_MESSAGES,
    ),
    (
        "MESSAGE_REACTION_ADD MESSAGE_REACTION_REMOVE MESSAGE_REACTION_REMOVE_ALL MESSAGE_REACTION_REMOVE_EMOJI",
        Intents.GUILD_MESSAGE_REACTIONS,
        Intents.DIRECT_MESSAGE_REACTIONS,
    ),
    ("TYPING_START", Intents.GUILD_MESSAGE_TYPING, Intents.DIRECT_MESSAGE_TYPING),
    (
        "GUILD_SCHEDULED_EVENT_CREATE GUILD_SCHEDULED_EVENT_UPDATE GUILD_SCHEDULED_EVENT_DELETE",
        Intents.GUILD_SCHEDULED_EVENTS,
        0,
    ),
    ("MESSAGE_POLL_VOTE_ADD MESSAGE_POLL_VOTE_REMOVE", Intents.GUILD_MESSAGE_POLLS, Intents.DIRECT_MESSAGE_POLLS),
):
    for _name in _names.split():
        _EVENT_INTENTS[_name] = (_guild_bit, _dm_bit)

_OPTION_TYPES = {
    "subcommand": 1,
    "subcommand_group": 2,
    "string": 3,
    "integer": 4,
    "boolean": 5,
    "user": 6,
    "channel": 7,
    "role": 8,
    "mentionable": 9,
    "number": 10,
    "attachment": 11,
}


# --------------------------------------------------------------------------------------------------------------
# records and helpers
# --------------------------------------------------------------------------------------------------------------


@dataclass
class Request:
    """One REST request the fake received (``path`` is relative to ``/api/v10`` and URL-decoded)."""

    method: str
    path: str
    json: Any
    headers: dict[str, str]
    query: dict[str, str] = field(default_factory=dict)
    files: list[dict[str, Any]] = field(default_factory=list)
    status: int = 0
    response: Any = None

    def matches(self, method: str | None, path_pattern: str) -> bool:
        return _method_matches(method, self.method) and _compile_pattern(path_pattern).fullmatch(self.path) is not None


def _method_matches(wanted: str | None, actual: str) -> bool:
    return wanted in (None, "*") or wanted.upper() == actual.upper()


_PATTERN_CACHE: dict[str, re.Pattern[str]] = {}


def _compile_pattern(pattern: str) -> re.Pattern[str]:
    """``/channels/{id}/messages`` -> regex; ``{name}`` matches one path segment, ``*`` anything."""
    compiled = _PATTERN_CACHE.get(pattern)
    if compiled is None:
        text = pattern.split("?", 1)[0]
        if text.startswith(API_PREFIX):
            text = text[len(API_PREFIX) :]
        parts = re.split(r"(\{[^}/]*\}|\*)", text)
        regex = "".join("[^/]+" if p.startswith("{") else ".*" if p == "*" else re.escape(p) for p in parts if p)
        compiled = _PATTERN_CACHE[pattern] = re.compile(regex)
    return compiled


def _route_regex(template: str) -> re.Pattern[str]:
    parts = re.split(r"(\{[a-z_]+\})", template)
    return re.compile("".join(f"(?P<{p[1:-1]}>[^/]+)" if p.startswith("{") else re.escape(p) for p in parts if p))


class ApiError(Exception):
    """Raised by route handlers; becomes Discord's JSON error body."""

    def __init__(self, status: int, code: int, message: str, errors: dict[str, Any] | None = None) -> None:
        super().__init__(f"{status} {code} {message}")
        self.status = status
        self.body: dict[str, Any] = {"message": message, "code": code}
        if errors:
            self.body["errors"] = errors


def _form_error(field_path: str, code: str, message: str) -> ApiError:
    errors: dict[str, Any] = {"_errors": [{"code": code, "message": message}]}
    for part in reversed(field_path.split(".")):
        errors = {part: errors}
    return ApiError(400, 50035, "Invalid Form Body", errors)


def _unknown(what: str, code: int) -> ApiError:
    return ApiError(404, code, f"Unknown {what}")


@dataclass
class _Fault:
    method: str | None
    pattern: str
    status: int
    body: Any
    headers: dict[str, str]
    remaining: int | None  # None: forever
    kind: str
    retry_after: float = 0.0


@dataclass
class _Interaction:
    id: int
    token: str
    payload: dict[str, Any]
    response_type: int | None = None
    response: dict[str, Any] | None = None
    original_message_id: int | None = None
    followup_ids: list[int] = field(default_factory=list)


@dataclass
class _Bucket:
    window_start: float
    count: int = 0


class _Snowflakes:
    def __init__(self) -> None:
        self._last_ms = 0
        self._increment = 0

    def next(self) -> int:
        now = int(time.time() * 1000)
        if now > self._last_ms:
            self._last_ms, self._increment = now, 0
        else:
            self._increment += 1
            if self._increment > 0xFFF:
                self._last_ms, self._increment = self._last_ms + 1, 0
        return ((self._last_ms - DISCORD_EPOCH_MS) << 22) | (1 << 17) | self._increment


def _snowflake_time(snowflake: int) -> str:
    ms = (int(snowflake) >> 22) + DISCORD_EPOCH_MS
    return dt.datetime.fromtimestamp(ms / 1000, dt.UTC).isoformat()


def _now_iso() -> str:
    return dt.datetime.now(dt.UTC).isoformat()


class _GatewayConnection:
    def __init__(self, ws: web.WebSocketResponse, request: web.Request, compress: str | None) -> None:
        self.ws = ws
        self.request = request
        self.compress = compress
        self._zlib = zlib.compressobj() if compress == "zlib-stream" else None
        self._zstd: Any = None
        if compress == "zstd-stream":
            try:
                zstandard: Any = importlib.import_module("zstandard")
            except ImportError:  # the client also accepts plain text frames
                self.compress = None
            else:
                self._zstd = (zstandard.ZstdCompressor().compressobj(), zstandard.COMPRESSOBJ_FLUSH_BLOCK)
        self.identified = False
        self.live = False
        self.lock = asyncio.Lock()

    async def send(self, payload: Mapping[str, Any]) -> None:
        text = json.dumps(payload, separators=(",", ":"), ensure_ascii=False)
        if self._zlib is not None:
            data = self._zlib.compress(text.encode()) + self._zlib.flush(zlib.Z_SYNC_FLUSH)
            await self.ws.send_bytes(data)
        elif self._zstd is not None:
            compressor, flush_mode = self._zstd
            await self.ws.send_bytes(compressor.compress(text.encode()) + compressor.flush(flush_mode))
        else:
            await self.ws.send_str(text)


_ROUTES: list[tuple[str, str, str, bool]] = []  # (method, template, handler name, needs bot auth)


def _route(method: str, template: str, *, auth: bool = True) -> Callable[[Any], Any]:
    def decorate(fn: Any) -> Any:
        _ROUTES.append((method, template, fn.__name__, auth))
        return fn

    return decorate


Handler = Callable[[Request, dict[str, str]], Awaitable[Any]]


# --------------------------------------------------------------------------------------------------------------
# the fake
# --------------------------------------------------------------------------------------------------------------


class FakeDiscord:
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

    # ------------------------------------------------------------------ waiting

    @property
    def connected(self) -> bool:
        return self._live.is_set()

    async def wait_connected(self, timeout: float = 5.0) -> None:
        """Wait until a client has identified (READY + GUILD_CREATEs sent) or resumed."""
        await asyncio.wait_for(self._live.wait(), timeout)

    async def wait_until(self, predicate: Callable[[], Any], timeout: float = 3.0, interval: float = 0.005) -> Any:
        """Poll ``predicate`` until it is truthy; returns its value, raises ``TimeoutError``."""
        deadline = asyncio.get_running_loop().time() + timeout
        while True:
            value = predicate()
            if value:
                return value
            if asyncio.get_running_loop().time() > deadline:
                raise TimeoutError(f"condition not met within {timeout}s")
            await asyncio.sleep(interval)

    async def wait_for_request(
        self, method: str | None, path_pattern: str, *, count: int = 1, timeout: float = 3.0
    ) -> Request:
        """Wait until ``count`` matching requests were answered; returns the last one."""
        await self.wait_until(
            lambda: len([r for r in self.requests_to(method, path_pattern) if r.status]) >= count, timeout
        )
        return [r for r in self.requests_to(method, path_pattern) if r.status][count - 1]

    # ------------------------------------------------------------------ recorded requests

    def requests_to(self, method: str | None, path_pattern: str) -> list[Request]:
        """Requests whose method and path match; ``{name}`` in the pattern matches one path segment."""
        return [r for r in self.requests if r.matches(method, path_pattern)]

    def callbacks(self, interaction: Mapping[str, Any] | int | str | None = None) -> list[dict[str, Any]]:
        """JSON bodies of ``POST /interactions/{id}/{token}/callback`` (``{"type": 4, "data": {...}}``)."""
        wanted = None
        if interaction is not None:
            wanted = str(interaction["id"] if isinstance(interaction, Mapping) else interaction)
        return [
            r.json
            for r in self.requests_to("POST", "/interactions/{id}/{token}/callback")
            if (wanted is None or r.path.split("/")[2] == wanted) and r.status and r.status < 300
        ]

    def messages_in(self, channel_id: int | str) -> list[dict[str, Any]]:
        """Messages stored in a channel (sent by the bot, by webhooks, or built by the payload builders)."""
        cid = str(channel_id)
        return [
            copy.deepcopy(m)
            for m in sorted(self.messages.values(), key=lambda m: int(m["id"]))
            if m["channel_id"] == cid
        ]

    def webhook_messages(self, webhook_id: int | str | None = None) -> list[dict[str, Any]]:
        return [
            copy.deepcopy(m)
            for m in sorted(self.messages.values(), key=lambda m: int(m["id"]))
            if m.get("webhook_id")
            and m.get("webhook_id") != str(self.application_id)
            and (webhook_id is None or m["webhook_id"] == str(webhook_id))
        ]

    # ------------------------------------------------------------------ fault injection

    def rate_limit_next(
        self, method: str | None, path_pattern: str, retry_after: float = 0.2, global_: bool = False, times: int = 1
    ) -> None:
        """Answer the next ``times`` matching requests with a 429 that discord.py honours and retries."""
        now = time.time()
        headers = {
            "X-RateLimit-Limit": str(self.rate_limit),
            "X-RateLimit-Remaining": "0",
            "X-RateLimit-Reset": f"{now + retry_after:.3f}",
            "X-RateLimit-Reset-After": f"{retry_after:.3f}",
            "X-RateLimit-Bucket": hashlib.sha1(path_pattern.encode()).hexdigest()[:32],
            "X-RateLimit-Scope": "global" if global_ else "user",
            "Retry-After": str(max(1, math.ceil(retry_after))),
            "Via": "1.1 google",
        }
        if global_:
            headers["X-RateLimit-Global"] = "true"
        body = {"message": "You are being rate limited.", "retry_after": retry_after, "global": global_}
        self._faults.append(_Fault(method, path_pattern, 429, body, headers, times, "ratelimit", retry_after))

    def forbid(self, method: str | None, path_pattern: str, times: int | None = None) -> None:
        """Answer matching requests with 403 ``Missing Permissions`` (code 50013) until :meth:`unforbid`."""
        body = {"message": "Missing Permissions", "code": 50013}
        self._faults.append(_Fault(method, path_pattern, 403, body, {}, times, "forbid"))

    def unforbid(self, method: str | None, path_pattern: str) -> None:
        self._faults = [
            f for f in self._faults if not (f.kind == "forbid" and f.method == method and f.pattern == path_pattern)
        ]

    def fail_next(
        self,
        method: str | None,
        path_pattern: str,
        status: int,
        body: Any = None,
        *,
        times: int | None = 1,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        """Answer matching requests with any status/body (note: discord.py sleeps 1s+ before retrying a 5xx)."""
        if body is None:
            try:
                phrase = HTTPStatus(status).phrase
            except ValueError:
                phrase = "Error"
            body = {"message": f"{status}: {phrase}", "code": 0}
        self._faults.append(_Fault(method, path_pattern, status, body, dict(headers or {}), times, "fail"))

    def clear_faults(self) -> None:
        self._faults.clear()

    def delete_channel(self, channel_id: int | str) -> dict[str, Any]:
        """Delete a channel: later requests to it get 404 code 10003.  Returns the payload (for CHANNEL_DELETE)."""
        cid = int(channel_id)
        channel = self.channels.pop(cid)
        self._deleted_channels.add(cid)
        return copy.deepcopy(channel)

    def delete_webhook(self, webhook_id: int | str) -> dict[str, Any]:
        """Delete a webhook: later requests to it get 404 code 10015."""
        wid = int(webhook_id)
        hook = self.webhooks.pop(wid)
        self._deleted_webhooks.add(wid)
        return copy.deepcopy(hook)

    def block_dms(self, user_id: int | str) -> None:
        """Sending to this user's DM channel fails with 403 code 50007, like a user who closed their DMs."""
        self._blocked_dms.add(int(user_id))

    def route(self, method: str, template: str, *, auth: bool = True) -> Callable[[Handler], Handler]:
        """Add or override a REST route: ``@fake.route("GET", "/guilds/{guild_id}/emojis")``.

        The handler gets ``(request: Request, params: dict[str, str])`` and returns the JSON body (``None`` for
        204) or raises :class:`ApiError`."""

        def decorate(fn: Handler) -> Handler:
            self._extra_routes.insert(0, (method.upper(), _route_regex(template), fn, auth))
            return fn

        return decorate

    # ------------------------------------------------------------------ builders: world state

    def add_user(
        self,
        user_id: int | str | None = None,
        name: str = "user",
        *,
        locale: str = "en-US",
        bot: bool = False,
        global_name: str | None = None,
        avatar: str | None = None,
    ) -> dict[str, Any]:
        uid = int(user_id) if user_id is not None else self._ids.next()
        user = self._user_payload(uid, name, bot=bot, global_name=global_name, avatar=avatar)
        self.users[uid] = user
        self._user_locales[uid] = locale
        return copy.deepcopy(user)

    def add_guild(
        self,
        guild_id: int | str | None = None,
        name: str = "Test Guild",
        owner_id: int | str | None = None,
        roles: Sequence[str | Mapping[str, Any]] | None = None,
        channels: Sequence[str | Mapping[str, Any]] | None = None,
        members: Sequence[int | str | Mapping[str, Any]] | None = None,
        *,
        locale: str = "en-US",
        features: Sequence[str] = (),
    ) -> dict[str, Any]:
        """Create a guild the bot is in; returns its GUILD_CREATE payload.

        ``roles``: names or ``{"name", "permissions", "id", ...}``; ``channels``: text-channel names or channel
        dicts (default ``["general"]``); ``members``: user ids, ``{"user_id", "name", "roles", "locale"}`` dicts
        or member payloads.  The bot (with a managed role) and the owner are always members.  Add guilds before
        the client connects, or dispatch ``GUILD_CREATE`` with :meth:`guild_payload` afterwards."""
        gid = int(guild_id) if guild_id is not None else self._ids.next()
        if owner_id is None:
            owner = self.add_user(None, "guild-owner")
            owner_id = owner["id"]
        oid = int(owner_id)
        if oid not in self.users:
            self.add_user(oid, f"user{oid}")
        everyone = self._role_payload(gid, "@everyone", Permissions.EVERYONE_DEFAULT, position=0)
        bot_role = self._role_payload(self._ids.next(), self.bot_user["username"], self.bot_permissions, position=1)
        bot_role.update(managed=True, tags={"bot_id": self.bot_user["id"]})
        self.guilds[gid] = {
            "id": str(gid),
            "name": name,
            "icon": None,
            "icon_hash": None,
            "splash": None,
            "discovery_splash": None,
            "owner_id": str(oid),
            "afk_channel_id": None,
            "afk_timeout": 300,
            "widget_enabled": False,
            "widget_channel_id": None,
            "verification_level": 1,
            "default_message_notifications": 1,
            "explicit_content_filter": 2,
            "roles": [everyone, bot_role],
            "emojis": [],
            "stickers": [],
            "features": list(features),
            "mfa_level": 0,
            "application_id": None,
            "system_channel_id": None,
            "system_channel_flags": 0,
            "rules_channel_id": None,
            "safety_alerts_channel_id": None,
            "max_presences": None,
            "max_members": 500000,
            "max_video_channel_users": 25,
            "max_stage_video_channel_users": 50,
            "vanity_url_code": None,
            "description": None,
            "banner": None,
            "premium_tier": 0,
            "premium_subscription_count": 0,
            "premium_progress_bar_enabled": False,
            "preferred_locale": locale,
            "public_updates_channel_id": None,
            "nsfw": False,
            "nsfw_level": 0,
            "incidents_data": None,
            "joined_at": _now_iso(),
            "lazy": True,
            "large": False,
        }
        self.members[gid] = {}
        for role in roles or ():
            if isinstance(role, str):
                self.add_role(gid, role)
            else:
                self.add_role(gid, **dict(role))
        for channel in channels if channels is not None else ["general"]:
            if isinstance(channel, str):
                self.add_text_channel(gid, channel)
            else:
                self._store_channel(gid, dict(channel))
        first_text = next((c for c in self._guild_channels(gid) if c["type"] == 0), None)
        if first_text is not None:
            self.guilds[gid]["system_channel_id"] = first_text["id"]
        self._add_member_payload(gid, self._member_payload(gid, int(self.bot_user["id"]), roles=[bot_role["id"]]))
        self.add_member(gid, oid, self.users[oid]["username"])
        for member in members or ():
            if isinstance(member, (int, str)):
                uid = int(member)
                self.add_member(gid, uid, self.users.get(uid, {}).get("username", f"user{uid}"))
            elif "user" in member:
                self._add_member_payload(gid, dict(member))
            else:
                self.add_member(gid, **dict(member))
        return self.guild_payload(gid)

    def add_role(
        self,
        guild_id: int | str,
        name: str,
        permissions: int | str = 0,
        *,
        role_id: int | str | None = None,
        id: int | str | None = None,
        color: int = 0,
        hoist: bool = False,
        mentionable: bool = False,
    ) -> dict[str, Any]:
        gid = int(guild_id)
        rid = int(role_id or id or self._ids.next())
        roles = self._guild(gid)["roles"]
        role = self._role_payload(
            rid, name, int(permissions), position=len(roles), color=color, hoist=hoist, mentionable=mentionable
        )
        roles.append(role)
        return copy.deepcopy(role)

    def role_id(self, guild_id: int | str, name: str) -> int:
        return int(next(r["id"] for r in self._guild(int(guild_id))["roles"] if r["name"] == name))

    def add_text_channel(
        self,
        guild_id: int | str,
        name: str,
        *,
        channel_id: int | str | None = None,
        topic: str | None = None,
        parent_id: int | str | None = None,
        nsfw: bool = False,
        type: int = 0,
    ) -> dict[str, Any]:
        """Add a text (type 0) channel; ``type=4`` makes a category, ``type=5`` an announcement channel."""
        gid = int(guild_id)
        data: dict[str, Any] = {"name": name, "type": type, "topic": topic, "nsfw": nsfw}
        if channel_id is not None:
            data["id"] = str(channel_id)
        if parent_id is not None:
            data["parent_id"] = str(parent_id)
        return copy.deepcopy(self._store_channel(gid, data))

    def add_member(
        self,
        guild_id: int | str,
        user_id: int | str | None = None,
        name: str = "member",
        roles: Sequence[int | str] = (),
        locale: str = "en-US",
        *,
        nick: str | None = None,
        bot: bool = False,
        global_name: str | None = None,
    ) -> dict[str, Any]:
        """Add a member (``roles`` are role ids or role names); returns the member payload (with ``user``)."""
        gid = int(guild_id)
        uid = int(user_id) if user_id is not None else self._ids.next()
        if uid not in self.users or self.users[uid]["username"] != name:
            self.add_user(uid, name, locale=locale, bot=bot, global_name=global_name)
        else:
            self._user_locales[uid] = locale
        role_ids = [str(self.role_id(gid, r)) if isinstance(r, str) and not r.isdigit() else str(r) for r in roles]
        member = self._member_payload(gid, uid, roles=role_ids, nick=nick)
        self._add_member_payload(gid, member)
        return copy.deepcopy(member)

    def add_webhook(self, channel_id: int | str, name: str = "Captain Hook", *, by_bot: bool = True) -> dict[str, Any]:
        """A webhook that already exists in a channel (``by_bot=False``: created by someone else, no token)."""
        channel = self._channel(int(channel_id))
        hook = self._new_webhook(channel, name)
        if not by_bot:
            hook["user"] = copy.deepcopy(self.owner_user)
            hook["application_id"] = None
        return copy.deepcopy(hook)

    def guild_payload(self, guild_id: int | str) -> dict[str, Any]:
        """The full GUILD_CREATE payload of a guild (channels, roles, members)."""
        gid = int(guild_id)
        guild = copy.deepcopy(self._guild(gid))
        members = [copy.deepcopy(m) for m in self.members[gid].values()]
        guild.update(
            unavailable=False,
            member_count=len(members),
            members=members,
            channels=[copy.deepcopy(c) for c in self._guild_channels(gid) if c["type"] not in (10, 11, 12)],
            threads=[copy.deepcopy(c) for c in self._guild_channels(gid) if c["type"] in (10, 11, 12)],
            voice_states=[],
            presences=[],
            stage_instances=[],
            guild_scheduled_events=[],
            soundboard_sounds=[],
        )
        for channel in guild["channels"]:
            channel.pop("guild_id", None)
        return guild

    def member_permissions(self, guild_id: int | str, user_id: int | str) -> int:
        gid, uid = int(guild_id), int(user_id)
        guild = self._guild(gid)
        if str(uid) == guild["owner_id"]:
            return Permissions.ALL
        member = self.members[gid].get(uid)
        roles = {r["id"]: int(r["permissions"]) for r in guild["roles"]}
        perms = roles[str(gid)]
        for rid in (member or {}).get("roles", []):
            perms |= roles.get(rid, 0)
        return Permissions.ALL if perms & Permissions.ADMINISTRATOR else perms

    # ------------------------------------------------------------------ builders: gateway event payloads

    def message_create_payload(
        self,
        channel_id: int | str,
        author_id: int | str,
        content: str,
        *,
        message_id: int | str | None = None,
        embeds: Sequence[Mapping[str, Any]] = (),
        attachments: Sequence[Mapping[str, Any]] = (),
        components: Sequence[Mapping[str, Any]] = (),
        reply_to: int | str | None = None,
        webhook_id: int | str | None = None,
        store: bool = True,
    ) -> dict[str, Any]:
        """A MESSAGE_CREATE payload from a user (or a webhook); stored so REST calls on it work."""
        channel = self._channel(int(channel_id))
        uid = int(author_id)
        author = copy.deepcopy(self.users.get(uid) or self._user_payload(uid, f"user{uid}"))
        body: dict[str, Any] = {"content": content, "embeds": list(embeds), "components": list(components)}
        if reply_to is not None:
            body["message_reference"] = {"message_id": str(reply_to), "channel_id": channel["id"]}
        message = self._build_message(channel, author, body, message_id=message_id, webhook_id=webhook_id)
        message["attachments"] = [dict(a) for a in attachments]
        if store:
            self.messages[int(message["id"])] = copy.deepcopy(message)
        return message

    async def user_message(self, channel_id: int | str, author_id: int | str, content: str, **kw: Any) -> dict:
        """Build a user's message with :meth:`message_create_payload` and dispatch it as MESSAGE_CREATE."""
        payload = self.message_create_payload(channel_id, author_id, content, **kw)
        await self.dispatch("MESSAGE_CREATE", payload)
        return payload

    def reaction_add_payload(
        self,
        channel_id: int | str,
        message_id: int | str,
        user_id: int | str,
        emoji: str = "\N{THUMBS UP SIGN}",
        *,
        emoji_id: int | str | None = None,
        animated: bool = False,
    ) -> dict[str, Any]:
        """A MESSAGE_REACTION_ADD payload (``emoji`` is a unicode emoji, or a custom emoji name with ``emoji_id``)."""
        channel = self._channel(int(channel_id))
        payload: dict[str, Any] = {
            "type": 0,
            "user_id": str(user_id),
            "channel_id": channel["id"],
            "message_id": str(message_id),
            "emoji": {
                "id": str(emoji_id) if emoji_id else None,
                "name": emoji,
                **({"animated": True} if animated else {}),
            },
            "burst": False,
            "burst_colors": [],
        }
        stored = self.messages.get(int(message_id))
        if stored is not None:
            payload["message_author_id"] = stored["author"]["id"]
        if channel.get("guild_id"):
            gid = int(channel["guild_id"])
            payload["guild_id"] = str(gid)
            member = self.members.get(gid, {}).get(int(user_id))
            if member is not None:
                payload["member"] = copy.deepcopy(member)
        self._reactions.setdefault((int(message_id), self._emoji_key(payload["emoji"])), set()).add(int(user_id))
        return payload

    def member_add_payload(self, guild_id: int | str, user_id: int | str, name: str = "newcomer", **kw: Any) -> dict:
        """Add a member and return its GUILD_MEMBER_ADD payload."""
        member = self.add_member(guild_id, user_id, name, **kw)
        member["guild_id"] = str(guild_id)
        return member

    # ------------------------------------------------------------------ builders: interactions

    def slash_command_interaction(
        self,
        name: str,
        options: Sequence[Mapping[str, Any]] | Mapping[str, Any] | None = None,
        user_id: int | str | None = None,
        guild_id: int | str | None = None,
        channel_id: int | str | None = None,
        locale: str | None = "fr",
        command_id: int | str | None = None,
        *,
        subcommand: str | None = None,
        subcommand_group: str | None = None,
        resolved: Mapping[str, Any] | None = None,
        autocomplete: bool = False,
    ) -> dict[str, Any]:
        """An APPLICATION_COMMAND (type 2) interaction for a chat-input command.

        ``options``: raw option dicts (``{"name", "type", "value"}``) or ``{name: value}`` (type inferred from
        the value).  ``subcommand``/``subcommand_group`` wrap them.  Options of type user/channel/role get their
        ``resolved`` entries from the fake's state.  ``command_id`` defaults to the id of the synced command.
        ``autocomplete=True`` makes an APPLICATION_COMMAND_AUTOCOMPLETE (type 4) interaction instead."""
        opts = self._build_options(options)
        if subcommand is not None:
            opts = [{"type": 1, "name": subcommand, "options": opts}]
        if subcommand_group is not None:
            opts = [{"type": 2, "name": subcommand_group, "options": opts}]
        guild_id, channel_id, user_id = self._interaction_defaults(guild_id, channel_id, user_id)
        data: dict[str, Any] = {"type": 1, "name": name, "options": opts}
        data.update(self._command_identity(name, 1, guild_id, command_id))
        auto = self._resolve_options(opts, guild_id)
        if resolved:
            for key, value in resolved.items():
                auto.setdefault(key, {}).update(value)
        if auto:
            data["resolved"] = auto
        return self._interaction(4 if autocomplete else 2, data, user_id, guild_id, channel_id, locale)

    def message_context_menu_interaction(
        self,
        name: str,
        target_message: Mapping[str, Any],
        user_id: int | str | None = None,
        guild_id: int | str | None = None,
        channel_id: int | str | None = None,
        locale: str | None = "fr",
        command_id: int | str | None = None,
    ) -> dict[str, Any]:
        """A message context-menu (command type 3) interaction targeting ``target_message``."""
        channel_id = channel_id or target_message["channel_id"]
        guild_id, channel_id, user_id = self._interaction_defaults(guild_id, channel_id, user_id)
        data: dict[str, Any] = {
            "type": 3,
            "name": name,
            "target_id": str(target_message["id"]),
            "resolved": {"messages": {str(target_message["id"]): copy.deepcopy(dict(target_message))}},
        }
        data.update(self._command_identity(name, 3, guild_id, command_id))
        return self._interaction(2, data, user_id, guild_id, channel_id, locale)

    def user_context_menu_interaction(
        self,
        name: str,
        target_user_id: int | str,
        user_id: int | str | None = None,
        guild_id: int | str | None = None,
        channel_id: int | str | None = None,
        locale: str | None = "fr",
        command_id: int | str | None = None,
    ) -> dict[str, Any]:
        """A user context-menu (command type 2) interaction targeting a user."""
        guild_id, channel_id, user_id = self._interaction_defaults(guild_id, channel_id, user_id)
        data: dict[str, Any] = {"type": 2, "name": name, "target_id": str(target_user_id)}
        data.update(self._command_identity(name, 2, guild_id, command_id))
        data["resolved"] = self._resolve_options(
            [{"type": 6, "name": "target", "value": str(target_user_id)}], guild_id
        )
        return self._interaction(2, data, user_id, guild_id, channel_id, locale)

    def component_interaction(
        self,
        custom_id: str,
        component_type: int = 2,
        values: Sequence[str] | None = None,
        message: Mapping[str, Any] | None = None,
        user_id: int | str | None = None,
        guild_id: int | str | None = None,
        channel_id: int | str | None = None,
        locale: str | None = "fr",
    ) -> dict[str, Any]:
        """A MESSAGE_COMPONENT (type 3) interaction: a button press (type 2) or select (3, 5-8, with ``values``).

        ``message`` defaults to the latest stored message carrying that ``custom_id`` (e.g. the one the bot
        sent with the view), else to a bot message with a single button."""
        if message is None:
            message = self._find_message_with_component(custom_id)
        if message is None:
            guild_id, channel_id, user_id = self._interaction_defaults(guild_id, channel_id, user_id)
            button = {"type": 2, "style": 1, "label": custom_id, "custom_id": custom_id}
            message = self._build_message(
                self._channel(int(channel_id)),  # type: ignore[arg-type]
                copy.deepcopy(self.bot_user),
                {"content": "", "components": [{"type": 1, "components": [button]}]},
            )
            self.messages[int(message["id"])] = copy.deepcopy(message)
        channel_id = channel_id or message["channel_id"]
        guild_id, channel_id, user_id = self._interaction_defaults(guild_id, channel_id, user_id)
        data: dict[str, Any] = {"custom_id": custom_id, "component_type": component_type}
        if component_type != 2 or values is not None:
            data["values"] = list(values or [])
        return self._interaction(3, data, user_id, guild_id, channel_id, locale, message=message)

    def modal_submit_interaction(
        self,
        custom_id: str,
        components: Sequence[Mapping[str, Any]] | None = None,
        *,
        values: Mapping[str, str | Sequence[str]] | None = None,
        message: Mapping[str, Any] | None = None,
        user_id: int | str | None = None,
        guild_id: int | str | None = None,
        channel_id: int | str | None = None,
        locale: str | None = "fr",
    ) -> dict[str, Any]:
        """A MODAL_SUBMIT (type 5) interaction.

        Pass raw ``components`` (``[{"type": 1, "components": [{"type": 4, "custom_id", "value"}]}]``) or
        ``values={custom_id: value}``; with ``values`` the layout mirrors the modal the bot sent (action rows or
        labels), falling back to one action row per text input."""
        if components is None:
            components = self._modal_components(custom_id, values or {})
        guild_id, channel_id, user_id = self._interaction_defaults(guild_id, channel_id, user_id)
        data = {"custom_id": custom_id, "components": copy.deepcopy(list(components))}
        return self._interaction(5, data, user_id, guild_id, channel_id, locale, message=message)

    async def send_interaction(self, payload: Mapping[str, Any]) -> None:
        """Dispatch INTERACTION_CREATE for a payload built above."""
        await self.dispatch("INTERACTION_CREATE", dict(payload))

    # ------------------------------------------------------------------ gateway: public

    async def dispatch(self, event: str, data: Mapping[str, Any]) -> int | None:
        """Send a dispatch (op 0) to the connected client; returns its sequence number.

        While the client is disconnected the event is kept and replayed on RESUME, as Discord does.
        Returns ``None`` if the client's intents exclude the event (``enforce_intents``)."""
        if self._session_id is None:
            raise RuntimeError("no gateway session: connect a client first (await fake.wait_connected())")
        async with self._gw_lock:
            return await self._dispatch_locked(event, dict(data))

    async def drop_connection(self, code: int | None = 4000) -> None:
        """Close the client's gateway socket (``code=None``: drop TCP without a close frame); it resumes."""
        conn = self._conn
        if conn is None:
            raise RuntimeError("no client connected")
        async with self._gw_lock:
            conn.live = False
            self._conn = None
            self._live.clear()
        if code is None:
            transport = conn.request.transport
            if transport is not None:
                transport.abort()
        else:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(conn.ws.close(code=code, message=b"fake: connection dropped"), 2.0)

    async def request_reconnect(self) -> None:
        """Send op 7 RECONNECT: the client closes and resumes."""
        await self._send_op(7, None)

    async def invalidate_session(self, resumable: bool = False) -> None:
        """Send op 9 INVALID_SESSION (discord.py waits 5 s before re-identifying when not resumable)."""
        if not resumable:
            self._session_id = None
        await self._send_op(9, resumable)

    # ------------------------------------------------------------------ gateway: internals

    async def _send_op(self, op: int, data: Any) -> None:
        conn = self._conn
        if conn is None:
            raise RuntimeError("no client connected")
        async with self._gw_lock:
            await conn.send({"op": op, "d": data, "s": None, "t": None})

    def _deliverable(self, event: str, data: dict[str, Any]) -> bool:
        if not self.enforce_intents or event not in _EVENT_INTENTS:
            return True
        guild_bit, dm_bit = _EVENT_INTENTS[event]
        in_guild = bool(data.get("guild_id")) or event.startswith("GUILD_")
        if not in_guild and "channel_id" in data:
            channel = self.channels.get(int(data["channel_id"]))
            in_guild = bool(channel and channel.get("guild_id"))
        bit = guild_bit if in_guild else dm_bit
        return bit == 0 or bool(self._intents & bit)

    def _filter_content(self, event: str, data: dict[str, Any]) -> dict[str, Any]:
        if (
            not self.enforce_intents
            or event not in ("MESSAGE_CREATE", "MESSAGE_UPDATE")
            or self._intents & Intents.MESSAGE_CONTENT
            or not data.get("guild_id")
            or data.get("author", {}).get("id") == self.bot_user["id"]
            or any(u.get("id") == self.bot_user["id"] for u in data.get("mentions", []))
        ):
            return data
        data = copy.deepcopy(data)
        for key in ("content",):
            if key in data:
                data[key] = ""
        for key in ("embeds", "attachments", "components"):
            if key in data:
                data[key] = []
        data.pop("poll", None)
        return data

    async def _dispatch_locked(self, event: str, data: dict[str, Any]) -> int | None:
        if not self._deliverable(event, data):
            return None
        self._seq += 1
        frame = {"op": 0, "s": self._seq, "t": event, "d": self._filter_content(event, data)}
        self._history.append(frame)
        conn = self._conn
        if conn is not None and conn.live:
            try:
                await conn.send(frame)
            except Exception:  # closing socket: the frame stays in the history for RESUME
                conn.live = False
        return self._seq

    def _echo(self, event: str, data: dict[str, Any]) -> None:
        """Send the gateway event Discord emits for a REST action, after the HTTP answer."""
        if not self.echo_events or self._session_id is None:
            return
        payload = copy.deepcopy(data)

        async def send() -> None:
            await asyncio.sleep(0)
            if self._session_id is not None:
                async with self._gw_lock:
                    await self._dispatch_locked(event, payload)

        task = asyncio.get_running_loop().create_task(send())
        self._bg_tasks.add(task)
        task.add_done_callback(self._bg_tasks.discard)

    async def _handle_gateway(self, request: web.Request) -> web.StreamResponse:
        ws = web.WebSocketResponse(max_msg_size=0, compress=False)
        if not ws.can_prepare(request).ok:
            return self._json({"message": "404: Not Found", "code": 0}, status=404)
        await ws.prepare(request)
        query = dict(request.query)
        self.gateway_queries.append(query)
        conn = _GatewayConnection(ws, request, query.get("compress"))
        self._connections.add(conn)
        try:
            if query.get("encoding", "json") != "json":
                await ws.close(code=4002, message=b"Error while decoding payload.")
                return ws
            old, self._conn = self._conn, conn
            if old is not None:
                old.live = False
            async with self._gw_lock:
                await conn.send(
                    {
                        "op": 10,
                        "d": {"heartbeat_interval": self.heartbeat_interval_ms, "_trace": ['["fake-gateway"]']},
                        "s": None,
                        "t": None,
                    }
                )
            async for msg in ws:
                if msg.type == WSMsgType.TEXT:
                    payload = json.loads(msg.data)
                elif msg.type == WSMsgType.BINARY:
                    payload = json.loads(msg.data.decode())
                else:
                    break
                await self._on_gateway_payload(conn, payload)
        except ConnectionError:
            pass
        finally:
            conn.live = False
            self._connections.discard(conn)
            if self._conn is conn:
                self._conn = None
                self._live.clear()
        return ws

    async def _on_gateway_payload(self, conn: _GatewayConnection, payload: dict[str, Any]) -> None:
        op, data = payload.get("op"), payload.get("d")
        if op == 1:
            self.heartbeat_count += 1
            async with self._gw_lock:
                await conn.send({"op": 11, "d": None, "s": None, "t": None})
        elif op == 2:
            await self._on_identify(conn, data or {})
        elif op == 6:
            await self._on_resume(conn, data or {})
        elif not conn.identified:
            await conn.ws.close(code=4003, message=b"Not authenticated.")
        elif op == 3:
            self.presence_updates.append(data or {})
        elif op == 4:
            pass
        elif op == 8:
            await self._on_request_members(conn, data or {})
        else:
            await conn.ws.close(code=4001, message=b"Unknown opcode.")

    async def _on_identify(self, conn: _GatewayConnection, data: dict[str, Any]) -> None:
        if conn.identified:
            await conn.ws.close(code=4005, message=b"Already authenticated.")
            return
        if self.token is not None and data.get("token") != self.token:
            await conn.ws.close(code=4004, message=b"Authentication failed.")
            return
        self.identify_payloads.append(data)
        self.identify_count += 1
        conn.identified = True
        async with self._gw_lock:
            self._session_id = secrets.token_hex(16)
            self._intents = int(data.get("intents", 0))
            self._seq = 0
            self._history = []
            ready: dict[str, Any] = {
                "v": 10,
                "user": copy.deepcopy(self.bot_user),
                "guilds": [{"id": str(gid), "unavailable": True} for gid in self.guilds],
                "session_id": self._session_id,
                "session_type": "normal",
                "resume_gateway_url": self.gateway_url,
                "application": {"id": str(self.application_id), "flags": 0},
                "private_channels": [],
                "relationships": [],
                "presences": [],
                "guild_join_requests": [],
                "user_settings": {},
                "geo_ordered_rtc_regions": ["fake"],
                "auth_session_id_hash": secrets.token_hex(8),
                "_trace": ['["fake-gateway"]'],
            }
            if "shard" in data:
                ready["shard"] = data["shard"]
            self._conn = conn
            conn.live = True
            await self._dispatch_locked("READY", ready)
            for gid in self.guilds:
                guild = self.guild_payload(gid)
                if self.enforce_intents and not self._intents & Intents.GUILD_MEMBERS:
                    guild["members"] = [m for m in guild["members"] if m["user"]["id"] == self.bot_user["id"]]
                await self._dispatch_locked("GUILD_CREATE", guild)
            self._live.set()

    async def _on_resume(self, conn: _GatewayConnection, data: dict[str, Any]) -> None:
        self.resume_payloads.append(data)
        if (self.token is not None and data.get("token") != self.token) or data.get("session_id") != self._session_id:
            async with self._gw_lock:
                await conn.send({"op": 9, "d": False, "s": None, "t": None})
            return
        conn.identified = True
        last_seen = data.get("seq") or 0
        async with self._gw_lock:
            self._conn = conn
            for frame in self._history:
                if frame["s"] > last_seen:
                    await conn.send(frame)
            conn.live = True
            self.resume_count += 1
            await self._dispatch_locked("RESUMED", {"_trace": ['["fake-gateway"]']})
            self._live.set()

    async def _on_request_members(self, conn: _GatewayConnection, data: dict[str, Any]) -> None:
        gid = int(data["guild_id"])
        members = list(self.members.get(gid, {}).values())
        user_ids = data.get("user_ids")
        if user_ids is not None:
            wanted = {str(u) for u in (user_ids if isinstance(user_ids, list) else [user_ids])}
            found = [m for m in members if m["user"]["id"] in wanted]
            not_found = sorted(wanted - {m["user"]["id"] for m in found})
        else:
            query = (data.get("query") or "").lower()
            found = [m for m in members if m["user"]["username"].lower().startswith(query)]
            not_found = []
        limit = data.get("limit") or 0
        if limit:
            found = found[:limit]
        chunk = {
            "guild_id": str(gid),
            "members": copy.deepcopy(found),
            "chunk_index": 0,
            "chunk_count": 1,
            "not_found": not_found,
        }
        if data.get("presences"):
            chunk["presences"] = []
        if data.get("nonce"):
            chunk["nonce"] = data["nonce"]
        async with self._gw_lock:
            await self._dispatch_locked("GUILD_MEMBERS_CHUNK", chunk)

    # ------------------------------------------------------------------ REST plumbing

    def _json(self, data: Any, status: int = 200, headers: Mapping[str, str] | None = None) -> web.Response:
        # discord.py only parses JSON when Content-Type is exactly "application/json" (no charset)
        body = json.dumps(data).encode()
        return web.Response(body=body, status=status, headers={**(headers or {}), "Content-Type": "application/json"})

    async def _read_body(self, request: web.Request) -> tuple[Any, list[dict[str, Any]]]:
        ctype = request.headers.get("Content-Type", "")
        if ctype.startswith("multipart/"):
            payload: Any = None
            files: list[dict[str, Any]] = []
            reader = await request.multipart()
            async for part in reader:
                raw = await part.read()  # type: ignore[union-attr]
                name = part.name  # type: ignore[union-attr]
                if name == "payload_json":
                    payload = json.loads(raw.decode())
                else:
                    files.append(
                        {
                            "field": name,
                            "filename": part.filename,  # type: ignore[union-attr]
                            "content_type": part.headers.get("Content-Type"),  # type: ignore[union-attr]
                            "data": bytes(raw),
                        }
                    )
            return payload, files
        raw_text = await request.text()
        if not raw_text:
            return None, []
        try:
            return json.loads(raw_text), []
        except ValueError:
            return raw_text, []

    def _ratelimit_headers(self, template: str, params: Mapping[str, str]) -> tuple[dict[str, str], float | None]:
        major = "+".join(
            params[k]
            for k in ("channel_id", "guild_id", "webhook_id", "webhook_token", "interaction_id")
            if k in params
        )
        now = time.time()
        bucket = self._buckets.get((template, major))
        if bucket is None or now - bucket.window_start >= self.rate_limit_window:
            bucket = self._buckets[(template, major)] = _Bucket(window_start=now)
        bucket.count += 1
        reset_after = max(bucket.window_start + self.rate_limit_window - now, 0.001)
        headers = {
            "X-RateLimit-Limit": str(self.rate_limit),
            "X-RateLimit-Remaining": str(max(self.rate_limit - bucket.count, 0)),
            "X-RateLimit-Reset": f"{now + reset_after:.3f}",
            "X-RateLimit-Reset-After": f"{reset_after:.3f}",
            "X-RateLimit-Bucket": hashlib.sha1(template.encode()).hexdigest()[:32],
        }
        return headers, (reset_after if bucket.count > self.rate_limit else None)

    async def _handle_rest(self, request: web.Request) -> web.StreamResponse:
        path = request.path[len(API_PREFIX) :] or "/"
        body, files = await self._read_body(request)
        record = Request(
            method=request.method,
            path=path,
            json=body,
            headers=dict(request.headers),
            query=dict(request.query),
            files=files,
        )
        self.requests.append(record)
        response = await self._answer(request, record)
        record.status = response.status
        return response

    async def _answer(self, request: web.Request, record: Request) -> web.Response:
        for fault in list(self._faults):
            if record.matches(fault.method, fault.pattern):
                if fault.remaining is not None:
                    fault.remaining -= 1
                    if fault.remaining <= 0:
                        self._faults.remove(fault)
                headers = dict(fault.headers)
                if fault.kind == "ratelimit":  # fresh reset times
                    now = time.time()
                    headers["X-RateLimit-Reset"] = f"{now + fault.retry_after:.3f}"
                record.response = fault.body
                return self._json(fault.body, fault.status, headers)

        route = self._find_route(record.method, record.path)
        if route is None:
            allowed = any(rx.fullmatch(record.path) for _, rx, *_ in self._routes)
            status, text = (405, "405: Method Not Allowed") if allowed else (404, "404: Not Found")
            record.response = {"message": text, "code": 0}
            return self._json(record.response, status)
        handler, params, template, auth = route
        if auth and self.token is not None and record.headers.get("Authorization") != f"Bot {self.token}":
            record.response = {"message": "401: Unauthorized", "code": 0}
            return self._json(record.response, 401)

        headers, retry_after = self._ratelimit_headers(template, params)
        if retry_after is not None:
            record.response = {
                "message": "You are being rate limited.",
                "retry_after": round(retry_after, 3),
                "global": False,
            }
            headers.update(
                {"Retry-After": str(max(1, math.ceil(retry_after))), "X-RateLimit-Scope": "user", "Via": "1.1 google"}
            )
            return self._json(record.response, 429, headers)
        try:
            result = await handler(record, params)
        except ApiError as exc:
            record.response = exc.body
            return self._json(exc.body, exc.status, headers)
        if isinstance(result, web.Response):
            return result
        record.response = result
        if result is None:
            return web.Response(status=204, headers=headers)
        return self._json(result, 200, headers)

    def _find_route(self, method: str, path: str) -> tuple[Handler, dict[str, str], str, bool] | None:
        for m, rx, fn, auth in self._extra_routes:
            match = rx.fullmatch(path)
            if match and m in (method, "*"):
                return fn, match.groupdict(), rx.pattern, auth
        for m, rx, template, fn, auth in self._routes:
            match = rx.fullmatch(path)
            if match and m == method:
                return fn, match.groupdict(), template, auth
        return None

    async def _handle_cdn(self, request: web.Request) -> web.StreamResponse:
        data = self.attachments.get(int(request.match_info["attachment_id"]))
        if data is None:
            return web.Response(status=404, text="Not Found")
        return web.Response(body=data, content_type="application/octet-stream")

    # ------------------------------------------------------------------ REST: lookups

    def _guild(self, gid: int) -> dict[str, Any]:
        try:
            return self.guilds[gid]
        except KeyError:
            raise _unknown("Guild", 10004) from None

    def _channel(self, cid: int) -> dict[str, Any]:
        try:
            return self.channels[cid]
        except KeyError:
            raise _unknown("Channel", 10003) from None

    def _message(self, channel: Mapping[str, Any], mid: int) -> dict[str, Any]:
        message = self.messages.get(mid)
        if message is None or message["channel_id"] != channel["id"]:
            raise _unknown("Message", 10008)
        return message

    def _webhook(self, wid: int, token: str | None = None) -> dict[str, Any]:
        hook = self.webhooks.get(wid)
        if hook is None:
            raise _unknown("Webhook", 10015)
        if token is not None and hook.get("token") != token:
            raise ApiError(401, 50027, "Invalid Webhook Token")
        return hook

    def _interaction_state(self, app_or_interaction_id: str, token: str, *, by_app: bool) -> _Interaction:
        state = self._interactions.get(token)
        if state is None:
            raise ApiError(404, 10015 if by_app else 10062, "Unknown Webhook" if by_app else "Unknown interaction")
        expected = str(self.application_id) if by_app else str(state.id)
        if app_or_interaction_id != expected:
            raise ApiError(404, 10015 if by_app else 10062, "Unknown Webhook" if by_app else "Unknown interaction")
        return state

    # ------------------------------------------------------------------ REST: gateway, users, application

    @_route("GET", "/gateway", auth=False)
    async def _r_gateway(self, req: Request, p: dict[str, str]) -> Any:
        return {"url": self.gateway_url.rstrip("/")}

    @_route("GET", "/gateway/bot")
    async def _r_gateway_bot(self, req: Request, p: dict[str, str]) -> Any:
        return {
            "url": self.gateway_url.rstrip("/"),
            "shards": 1,
            "session_start_limit": {
                "total": 1000,
                "remaining": 1000 - self.identify_count,
                "reset_after": 86_400_000,
                "max_concurrency": 1,
            },
        }

    @_route("GET", "/users/@me")
    async def _r_me(self, req: Request, p: dict[str, str]) -> Any:
        return copy.deepcopy(self.bot_user)

    @_route("POST", "/users/@me/channels")
    async def _r_open_dm(self, req: Request, p: dict[str, str]) -> Any:
        uid = int((req.json or {}).get("recipient_id", 0))
        if uid not in self.users:
            raise _unknown("User", 10013)
        cid = self._dm_channels.get(uid)
        if cid is None:
            cid = self._ids.next()
            self._dm_channels[uid] = cid
            self.channels[cid] = {
                "id": str(cid),
                "type": 1,
                "last_message_id": None,
                "flags": 0,
                "recipients": [copy.deepcopy(self.users[uid])],
            }
        return copy.deepcopy(self.channels[cid])

    @_route("GET", "/users/{user_id}")
    async def _r_user(self, req: Request, p: dict[str, str]) -> Any:
        user = self.users.get(int(p["user_id"])) if p["user_id"].isdigit() else None
        if user is None:
            raise _unknown("User", 10013)
        return copy.deepcopy(user)

    @_route("GET", "/oauth2/applications/@me")
    async def _r_app_info(self, req: Request, p: dict[str, str]) -> Any:
        return self._application_payload()

    @_route("GET", "/applications/@me")
    async def _r_app_info2(self, req: Request, p: dict[str, str]) -> Any:
        return self._application_payload()

    def _application_payload(self) -> dict[str, Any]:
        return {
            "id": str(self.application_id),
            "name": self.bot_user["username"],
            "icon": None,
            "description": "",
            "summary": "",
            "type": None,
            "hook": True,
            "bot_public": True,
            "bot_require_code_grant": False,
            "verify_key": hashlib.sha256(str(self.application_id).encode()).hexdigest(),
            "flags": (1 << 19) | (1 << 15),  # GATEWAY_MESSAGE_CONTENT_LIMITED | GATEWAY_GUILD_MEMBERS_LIMITED
            "owner": copy.deepcopy(self.owner_user),
            "team": None,
            "rpc_origins": [],
            "redirect_uris": [],
            "interactions_endpoint_url": None,
            "role_connections_verification_url": None,
            "tags": [],
            "install_params": {"scopes": ["bot", "applications.commands"], "permissions": str(self.bot_permissions)},
            "integration_types_config": {
                "0": {
                    "oauth2_install_params": {
                        "scopes": ["bot", "applications.commands"],
                        "permissions": str(self.bot_permissions),
                    }
                }
            },
            "approximate_guild_count": len(self.guilds),
            "bot": copy.deepcopy(self.bot_user),
        }

    # ------------------------------------------------------------------ REST: application commands

    def _check_app(self, p: dict[str, str]) -> None:
        if p["application_id"] != str(self.application_id):
            raise ApiError(403, 50001, "Missing Access")

    def _scope(self, p: dict[str, str]) -> int | None:
        self._check_app(p)
        if "guild_id" in p:
            self._guild(int(p["guild_id"]))
            return int(p["guild_id"])
        return None

    def _store_command(self, scope: int | None, body: Mapping[str, Any], index: int | None = None) -> dict[str, Any]:
        ctype = int(body.get("type", 1))
        name = body.get("name") or ""
        field_prefix = f"{index}." if index is not None else ""
        if ctype == 1 and not re.fullmatch(r"[-_\w]{1,32}", name):
            raise _form_error(f"{field_prefix}name", "APPLICATION_COMMAND_INVALID_NAME", "Command name is invalid")
        if ctype == 1 and not 1 <= len(body.get("description") or "") <= 100:
            raise _form_error(
                f"{field_prefix}description", "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 100 in length."
            )
        existing = self.commands.setdefault(scope, [])
        old = next((c for c in existing if c["name"] == name and c["type"] == ctype), None)
        command = {
            "id": old["id"] if old else str(self._ids.next()),
            "application_id": str(self.application_id),
            "version": str(self._ids.next()),
            "type": ctype,
            "name": name,
            "name_localizations": body.get("name_localizations"),
            "description": body.get("description") or "",
            "description_localizations": body.get("description_localizations"),
            "options": copy.deepcopy(body.get("options") or []),
            "default_member_permissions": body.get("default_member_permissions"),
            "dm_permission": body.get("dm_permission", True),
            "contexts": body.get("contexts"),
            "integration_types": body.get("integration_types") or [0],
            "nsfw": bool(body.get("nsfw", False)),
        }
        if scope is not None:
            command["guild_id"] = str(scope)
        if old is not None:
            existing[existing.index(old)] = command
        else:
            existing.append(command)
        return command

    @_route("GET", "/applications/{application_id}/commands")
    @_route("GET", "/applications/{application_id}/guilds/{guild_id}/commands")
    async def _r_commands(self, req: Request, p: dict[str, str]) -> Any:
        return copy.deepcopy(self.commands.get(self._scope(p), []))

    @_route("PUT", "/applications/{application_id}/commands")
    @_route("PUT", "/applications/{application_id}/guilds/{guild_id}/commands")
    async def _r_commands_put(self, req: Request, p: dict[str, str]) -> Any:
        scope = self._scope(p)
        body = req.json or []
        if len(body) > 100:
            raise _form_error("_errors", "BASE_TYPE_MAX_LENGTH", "Must be 100 or fewer in length.")
        keys = [(int(c.get("type", 1)), c.get("name")) for c in body]
        if len(keys) != len(set(keys)):
            raise ApiError(
                400,
                50035,
                "Invalid Form Body",
                {
                    "_errors": [
                        {
                            "code": "APPLICATION_COMMANDS_DUPLICATE_NAME",
                            "message": "Application command names must be unique",
                        }
                    ]
                },
            )
        previous = self.commands.get(scope, [])
        self.commands[scope] = [c for c in previous if (c["type"], c["name"]) in keys]
        stored = [self._store_command(scope, c, i) for i, c in enumerate(body)]
        self.commands[scope] = stored
        return copy.deepcopy(stored)

    @_route("POST", "/applications/{application_id}/commands")
    @_route("POST", "/applications/{application_id}/guilds/{guild_id}/commands")
    async def _r_command_post(self, req: Request, p: dict[str, str]) -> Any:
        return copy.deepcopy(self._store_command(self._scope(p), req.json or {}))

    def _find_command(self, p: dict[str, str]) -> tuple[int | None, dict[str, Any]]:
        scope = self._scope(p)
        for command in self.commands.get(scope, []):
            if command["id"] == p["command_id"]:
                return scope, command
        raise _unknown("application command", 10063)

    @_route("GET", "/applications/{application_id}/commands/{command_id}")
    @_route("GET", "/applications/{application_id}/guilds/{guild_id}/commands/{command_id}")
    async def _r_command_get(self, req: Request, p: dict[str, str]) -> Any:
        return copy.deepcopy(self._find_command(p)[1])

    @_route("PATCH", "/applications/{application_id}/commands/{command_id}")
    @_route("PATCH", "/applications/{application_id}/guilds/{guild_id}/commands/{command_id}")
    async def _r_command_patch(self, req: Request, p: dict[str, str]) -> Any:
        scope, command = self._find_command(p)
        return copy.deepcopy(self._store_command(scope, {**command, **(req.json or {})}))

    @_route("DELETE", "/applications/{application_id}/commands/{command_id}")
    @_route("DELETE", "/applications/{application_id}/guilds/{guild_id}/commands/{command_id}")
    async def _r_command_delete(self, req: Request, p: dict[str, str]) -> Any:
        scope, command = self._find_command(p)
        self.commands[scope].remove(command)
        return None

    # ------------------------------------------------------------------ REST: guilds and channels

    @_route("GET", "/guilds/{guild_id}")
    async def _r_guild(self, req: Request, p: dict[str, str]) -> Any:
        guild = copy.deepcopy(self._guild(int(p["guild_id"])))
        if req.query.get("with_counts") in ("true", "1", "True"):
            guild["approximate_member_count"] = len(self.members[int(p["guild_id"])])
            guild["approximate_presence_count"] = 0
        return guild

    @_route("GET", "/guilds/{guild_id}/channels")
    async def _r_guild_channels(self, req: Request, p: dict[str, str]) -> Any:
        gid = int(p["guild_id"])
        self._guild(gid)
        return [copy.deepcopy(c) for c in self._guild_channels(gid) if c["type"] not in (10, 11, 12)]

    @_route("POST", "/guilds/{guild_id}/channels")
    async def _r_create_channel(self, req: Request, p: dict[str, str]) -> Any:
        gid = int(p["guild_id"])
        self._guild(gid)
        body = dict(req.json or {})
        name = body.get("name") or ""
        if not 1 <= len(name) <= 100:
            raise _form_error("name", "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 100 in length.")
        body.pop("id", None)
        if int(body.get("type") or 0) == 0:
            body["name"] = re.sub(r"[\s]+", "-", name.strip().lower())
        channel = self._store_channel(gid, body)
        self._echo("CHANNEL_CREATE", channel)
        return copy.deepcopy(channel)

    @_route("GET", "/guilds/{guild_id}/roles")
    async def _r_roles(self, req: Request, p: dict[str, str]) -> Any:
        return copy.deepcopy(self._guild(int(p["guild_id"]))["roles"])

    @_route("GET", "/guilds/{guild_id}/members")
    async def _r_members(self, req: Request, p: dict[str, str]) -> Any:
        gid = int(p["guild_id"])
        self._guild(gid)
        limit = int(req.query.get("limit", 1))
        after = int(req.query.get("after", 0))
        members = sorted(self.members[gid].items())
        return [copy.deepcopy(m) for uid, m in members if uid > after][:limit]

    @_route("GET", "/guilds/{guild_id}/members/{user_id}")
    async def _r_member(self, req: Request, p: dict[str, str]) -> Any:
        gid = int(p["guild_id"])
        self._guild(gid)
        member = self.members[gid].get(int(p["user_id"])) if p["user_id"].isdigit() else None
        if member is None:
            raise _unknown("Member", 10007)
        return copy.deepcopy(member)

    @_route("GET", "/guilds/{guild_id}/webhooks")
    async def _r_guild_webhooks(self, req: Request, p: dict[str, str]) -> Any:
        gid = self._guild(int(p["guild_id"]))["id"]
        return [copy.deepcopy(h) for h in self.webhooks.values() if h.get("guild_id") == gid]

    @_route("GET", "/channels/{channel_id}")
    async def _r_channel(self, req: Request, p: dict[str, str]) -> Any:
        return copy.deepcopy(self._channel(int(p["channel_id"])))

    @_route("PATCH", "/channels/{channel_id}")
    async def _r_channel_patch(self, req: Request, p: dict[str, str]) -> Any:
        channel = self._channel(int(p["channel_id"]))
        for key, value in (req.json or {}).items():
            if key in (
                "name",
                "topic",
                "nsfw",
                "position",
                "parent_id",
                "rate_limit_per_user",
                "permission_overwrites",
            ):
                channel[key] = value
        self._echo("CHANNEL_UPDATE", channel)
        return copy.deepcopy(channel)

    @_route("DELETE", "/channels/{channel_id}")
    async def _r_channel_delete(self, req: Request, p: dict[str, str]) -> Any:
        channel = self.delete_channel(int(self._channel(int(p["channel_id"]))["id"]))
        self._echo("CHANNEL_DELETE", channel)
        return channel

    # ------------------------------------------------------------------ REST: messages

    @_route("GET", "/channels/{channel_id}/messages")
    async def _r_messages(self, req: Request, p: dict[str, str]) -> Any:
        channel = self._channel(int(p["channel_id"]))
        limit = min(int(req.query.get("limit", 50)), 100)
        messages = [m for m in self.messages.values() if m["channel_id"] == channel["id"]]
        messages.sort(key=lambda m: int(m["id"]), reverse=True)
        if "before" in req.query:
            messages = [m for m in messages if int(m["id"]) < int(req.query["before"])]
        if "after" in req.query:
            messages = [m for m in messages if int(m["id"]) > int(req.query["after"])][::-1][:limit][::-1]
        return copy.deepcopy(messages[:limit])

    @_route("POST", "/channels/{channel_id}/messages")
    async def _r_send(self, req: Request, p: dict[str, str]) -> Any:
        channel = self._channel(int(p["channel_id"]))
        if channel["type"] == 1:
            recipient = int(channel["recipients"][0]["id"])
            if recipient in self._blocked_dms or self.users.get(recipient, {}).get("bot"):
                raise ApiError(403, 50007, "Cannot send messages to this user")
        body = dict(req.json or {})
        self._validate_message(body, req.files)
        message = self._build_message(channel, copy.deepcopy(self.bot_user), body, files=req.files)
        self._store_message(message)
        return copy.deepcopy(message)

    @_route("GET", "/channels/{channel_id}/messages/{message_id}")
    async def _r_message(self, req: Request, p: dict[str, str]) -> Any:
        channel = self._channel(int(p["channel_id"]))
        return copy.deepcopy(self._message(channel, int(p["message_id"])))

    @_route("PATCH", "/channels/{channel_id}/messages/{message_id}")
    async def _r_edit(self, req: Request, p: dict[str, str]) -> Any:
        channel = self._channel(int(p["channel_id"]))
        message = self._message(channel, int(p["message_id"]))
        if message["author"]["id"] != self.bot_user["id"]:
            body = req.json or {}
            if set(body) - {"flags"}:
                raise ApiError(403, 50005, "Cannot edit a message authored by another user")
        return copy.deepcopy(self._edit_message(message, req.json or {}, req.files))

    @_route("DELETE", "/channels/{channel_id}/messages/{message_id}")
    async def _r_delete(self, req: Request, p: dict[str, str]) -> Any:
        channel = self._channel(int(p["channel_id"]))
        message = self._message(channel, int(p["message_id"]))
        self._delete_message(message)
        return None

    @_route("POST", "/channels/{channel_id}/typing")
    async def _r_typing(self, req: Request, p: dict[str, str]) -> Any:
        self._channel(int(p["channel_id"]))
        return None

    @_route("PUT", "/channels/{channel_id}/messages/{message_id}/reactions/{emoji}/@me")
    async def _r_react(self, req: Request, p: dict[str, str]) -> Any:
        channel = self._channel(int(p["channel_id"]))
        message = self._message(channel, int(p["message_id"]))
        emoji = self._parse_emoji(p["emoji"])
        key = (int(message["id"]), self._emoji_key(emoji))
        users = self._reactions.setdefault(key, set())
        if int(self.bot_user["id"]) not in users:
            users.add(int(self.bot_user["id"]))
            event = {
                "user_id": self.bot_user["id"],
                "channel_id": channel["id"],
                "message_id": message["id"],
                "emoji": emoji,
                "type": 0,
                "burst": False,
                "burst_colors": [],
                "message_author_id": message["author"]["id"],
            }
            if channel.get("guild_id"):
                event["guild_id"] = channel["guild_id"]
                event["member"] = copy.deepcopy(self.members[int(channel["guild_id"])][int(self.bot_user["id"])])
            self._echo("MESSAGE_REACTION_ADD", event)
        return None

    @_route("DELETE", "/channels/{channel_id}/messages/{message_id}/reactions/{emoji}/@me")
    async def _r_unreact(self, req: Request, p: dict[str, str]) -> Any:
        channel = self._channel(int(p["channel_id"]))
        message = self._message(channel, int(p["message_id"]))
        self._reactions.get((int(message["id"]), self._emoji_key(self._parse_emoji(p["emoji"]))), set()).discard(
            int(self.bot_user["id"])
        )
        return None

    @_route("GET", "/channels/{channel_id}/messages/{message_id}/reactions/{emoji}")
    async def _r_reactors(self, req: Request, p: dict[str, str]) -> Any:
        channel = self._channel(int(p["channel_id"]))
        message = self._message(channel, int(p["message_id"]))
        users = self._reactions.get((int(message["id"]), self._emoji_key(self._parse_emoji(p["emoji"]))), set())
        return [copy.deepcopy(self.users[u]) for u in sorted(users) if u in self.users]

    # ------------------------------------------------------------------ REST: webhooks

    @_route("GET", "/channels/{channel_id}/webhooks")
    async def _r_channel_webhooks(self, req: Request, p: dict[str, str]) -> Any:
        channel = self._channel(int(p["channel_id"]))
        return [copy.deepcopy(h) for h in self.webhooks.values() if h["channel_id"] == channel["id"]]

    @_route("POST", "/channels/{channel_id}/webhooks")
    async def _r_create_webhook(self, req: Request, p: dict[str, str]) -> Any:
        channel = self._channel(int(p["channel_id"]))
        if channel["type"] not in (0, 5, 13, 15, 16):
            raise ApiError(400, 50024, "Cannot execute action on this channel type")
        name = (req.json or {}).get("name") or ""
        self._validate_webhook_name("name", name)
        if len([h for h in self.webhooks.values() if h["channel_id"] == channel["id"]]) >= 15:
            raise ApiError(400, 30007, "Maximum number of webhooks reached (15)")
        hook = self._new_webhook(channel, name, avatar=(req.json or {}).get("avatar"))
        self._echo("WEBHOOKS_UPDATE", {"guild_id": channel.get("guild_id"), "channel_id": channel["id"]})
        return copy.deepcopy(hook)

    @_route("GET", "/webhooks/{webhook_id}")
    async def _r_webhook(self, req: Request, p: dict[str, str]) -> Any:
        hook = copy.deepcopy(self._webhook(int(p["webhook_id"])))
        return hook

    @_route("PATCH", "/webhooks/{webhook_id}")
    async def _r_webhook_patch(self, req: Request, p: dict[str, str]) -> Any:
        hook = self._webhook(int(p["webhook_id"]))
        body = req.json or {}
        if "name" in body:
            self._validate_webhook_name("name", body["name"])
            hook["name"] = body["name"]
        if "channel_id" in body:
            hook["channel_id"] = self._channel(int(body["channel_id"]))["id"]
        return copy.deepcopy(hook)

    @_route("DELETE", "/webhooks/{webhook_id}")
    async def _r_webhook_delete(self, req: Request, p: dict[str, str]) -> Any:
        hook = self.delete_webhook(int(self._webhook(int(p["webhook_id"]))["id"]))
        self._echo("WEBHOOKS_UPDATE", {"guild_id": hook.get("guild_id"), "channel_id": hook["channel_id"]})
        return None

    @_route("GET", "/webhooks/{webhook_id}/{webhook_token}", auth=False)
    async def _r_webhook_token(self, req: Request, p: dict[str, str]) -> Any:
        hook = copy.deepcopy(self._webhook(int(p["webhook_id"]), p["webhook_token"]))
        hook.pop("user", None)
        return hook

    @_route("PATCH", "/webhooks/{webhook_id}/{webhook_token}", auth=False)
    async def _r_webhook_token_patch(self, req: Request, p: dict[str, str]) -> Any:
        hook = self._webhook(int(p["webhook_id"]), p["webhook_token"])
        if "name" in (req.json or {}):
            self._validate_webhook_name("name", req.json["name"])
            hook["name"] = req.json["name"]
        return copy.deepcopy(hook)

    @_route("DELETE", "/webhooks/{webhook_id}/{webhook_token}", auth=False)
    async def _r_webhook_token_delete(self, req: Request, p: dict[str, str]) -> Any:
        self._webhook(int(p["webhook_id"]), p["webhook_token"])
        self.delete_webhook(int(p["webhook_id"]))
        return None

    @_route("POST", "/webhooks/{webhook_id}/{webhook_token}", auth=False)
    async def _r_execute(self, req: Request, p: dict[str, str]) -> Any:
        body = dict(req.json or {})
        wait = req.query.get("wait", "false").lower() in ("1", "true")
        if p["webhook_id"] == str(self.application_id) and p["webhook_token"] in self._interactions:
            return await self._followup(req, p, body)
        hook = self._webhook(int(p["webhook_id"]), p["webhook_token"])
        channel_id = int(req.query.get("thread_id") or hook["channel_id"])
        channel = self._channel(channel_id)
        self._validate_message(body, req.files)
        if "username" in body:
            self._validate_webhook_name("username", body["username"] or "", max_len=80)
        author = {
            "id": hook["id"],
            "username": body.get("username") or hook["name"],
            "avatar": None,
            "discriminator": "0000",
            "public_flags": 0,
            "flags": 0,
            "bot": True,
            "global_name": None,
            "clan": None,
            "primary_guild": None,
        }
        message = self._build_message(channel, author, body, webhook_id=hook["id"], files=req.files)
        message.pop("member", None)
        if body.get("avatar_url"):
            message["author"]["avatar"] = hashlib.md5(str(body["avatar_url"]).encode()).hexdigest()
        self._store_message(message)
        return copy.deepcopy(message) if wait else None

    @_route("GET", "/webhooks/{webhook_id}/{webhook_token}/messages/{message_id}", auth=False)
    async def _r_webhook_message(self, req: Request, p: dict[str, str]) -> Any:
        return copy.deepcopy(self._webhook_message(p))

    @_route("PATCH", "/webhooks/{webhook_id}/{webhook_token}/messages/{message_id}", auth=False)
    async def _r_webhook_message_edit(self, req: Request, p: dict[str, str]) -> Any:
        message = self._webhook_message(p)
        return copy.deepcopy(self._edit_message(message, req.json or {}, req.files))

    @_route("DELETE", "/webhooks/{webhook_id}/{webhook_token}/messages/{message_id}", auth=False)
    async def _r_webhook_message_delete(self, req: Request, p: dict[str, str]) -> Any:
        message = self._webhook_message(p)
        self._delete_message(message)
        return None

    def _webhook_message(self, p: dict[str, str]) -> dict[str, Any]:
        token = p["webhook_token"]
        if p["webhook_id"] == str(self.application_id) and token in self._interactions:
            state = self._interaction_state(p["webhook_id"], token, by_app=True)
            if p["message_id"] == "@original":
                if state.original_message_id is None or state.original_message_id not in self.messages:
                    raise _unknown("Message", 10008)
                return self.messages[state.original_message_id]
            mid = int(p["message_id"])
            if mid not in state.followup_ids or mid not in self.messages:
                raise _unknown("Message", 10008)
            return self.messages[mid]
        hook = self._webhook(int(p["webhook_id"]), token)
        message = self.messages.get(int(p["message_id"])) if p["message_id"].isdigit() else None
        if message is None or message.get("webhook_id") != hook["id"]:
            raise _unknown("Message", 10008)
        return message

    # ------------------------------------------------------------------ REST: interactions

    @_route("POST", "/interactions/{interaction_id}/{interaction_token}/callback", auth=False)
    async def _r_callback(self, req: Request, p: dict[str, str]) -> Any:
        state = self._interaction_state(p["interaction_id"], p["interaction_token"], by_app=False)
        if state.response_type is not None:
            raise ApiError(400, 40060, "Interaction has already been acknowledged.")
        body = req.json or {}
        ctype = int(body.get("type", 0))
        data = dict(body.get("data") or {})
        payload = state.payload
        if ctype not in (4, 5, 6, 7, 8, 9, 12):
            raise _form_error("type", "BASE_TYPE_CHOICES", "Value must be one of {4, 5, 6, 7, 8, 9, 12}.")
        if ctype in (6, 7) and payload["type"] not in (3, 5):
            raise ApiError(400, 40004, "Interaction response type not valid for this interaction")
        if ctype == 9 and payload["type"] == 5:
            raise ApiError(400, 40004, "Interaction response type not valid for this interaction")
        channel = self.channels.get(int(payload["channel_id"])) if payload.get("channel_id") else None
        flags = int(data.get("flags") or 0)
        ephemeral = bool(flags & 64)
        message: dict[str, Any] | None = None
        if ctype == 4:
            self._validate_message(data, req.files)
            message = self._interaction_message(state, channel, data, req.files)
        elif ctype == 5:
            message = self._interaction_message(state, channel, {"content": "", "flags": 128 | (flags & 64)}, [])
        elif ctype == 7:
            target = payload.get("message")
            stored = self.messages.get(int(target["id"])) if target else None
            if stored is None and target:
                stored = self.messages[int(target["id"])] = copy.deepcopy(target)
            if stored is not None:
                message = self._edit_message(stored, data, req.files)
            ephemeral = bool(stored and int(stored.get("flags", 0)) & 64)
        elif ctype == 9:
            for key in ("custom_id", "title", "components"):
                if not data.get(key):
                    raise _form_error(f"data.{key}", "BASE_TYPE_REQUIRED", "This field is required")
            self._modals_sent[data["custom_id"]] = copy.deepcopy(data)
        state.response_type = ctype
        state.response = copy.deepcopy(dict(body))
        if req.query.get("with_response", "false").lower() not in ("1", "true"):
            return None
        answer: dict[str, Any] = {
            "interaction": {
                "id": str(state.id),
                "type": payload["type"],
                "response_message_loading": ctype == 5,
                "response_message_ephemeral": ephemeral,
            }
        }
        if message is not None:
            answer["interaction"]["response_message_id"] = message["id"]
            answer["resource"] = {"type": ctype, "message": copy.deepcopy(message)}
        return answer

    def _interaction_message(
        self, state: _Interaction, channel: dict[str, Any] | None, body: dict[str, Any], files: list[dict[str, Any]]
    ) -> dict[str, Any]:
        payload = state.payload
        if channel is None:
            channel = {"id": payload.get("channel_id") or str(self._ids.next()), "type": 1}
        message = self._build_message(
            channel, copy.deepcopy(self.bot_user), body, webhook_id=str(self.application_id), files=files
        )
        message["flags"] = int(body.get("flags") or 0) & (64 | 128 | 4 | 4096 | 32768)
        message["application_id"] = str(self.application_id)
        user = (payload.get("member") or {}).get("user") or payload.get("user") or {}
        message["type"] = 20 if payload["type"] == 2 else 0
        message["interaction_metadata"] = {
            "id": str(state.id),
            "type": payload["type"],
            "user": copy.deepcopy(user),
            "authorizing_integration_owners": copy.deepcopy(payload.get("authorizing_integration_owners", {})),
        }
        if payload["type"] == 2:
            message["interaction_metadata"]["name"] = payload["data"]["name"]
            message["interaction"] = {
                "id": str(state.id),
                "type": 2,
                "name": payload["data"]["name"],
                "user": copy.deepcopy(user),
            }
        if payload.get("message"):
            message["interaction_metadata"]["interacted_message_id"] = payload["message"]["id"]
        if state.original_message_id is None:
            state.original_message_id = int(message["id"])
        else:
            state.followup_ids.append(int(message["id"]))
        self._store_message(message, echo=not message["flags"] & 64)
        return message

    async def _followup(self, req: Request, p: dict[str, str], body: dict[str, Any]) -> Any:
        state = self._interaction_state(p["webhook_id"], p["webhook_token"], by_app=True)
        if state.response_type is None:
            raise _unknown("Webhook", 10015)
        self._validate_message(body, req.files)
        original = self.messages.get(state.original_message_id or 0)
        if state.response_type == 5 and original is not None and int(original.get("flags", 0)) & 128:
            # Discord: the first followup after a deferred response edits the "thinking" message
            return copy.deepcopy(self._edit_message(original, body, req.files))
        channel = self.channels.get(int(state.payload.get("channel_id") or 0))
        return copy.deepcopy(self._interaction_message(state, channel, body, req.files))

    # ------------------------------------------------------------------ payload building internals

    def _user_payload(
        self, uid: int, name: str, *, bot: bool = False, global_name: str | None = None, avatar: str | None = None
    ) -> dict[str, Any]:
        user: dict[str, Any] = {
            "id": str(uid),
            "username": name,
            "discriminator": "0",
            "global_name": global_name,
            "avatar": avatar,
            "avatar_decoration_data": None,
            "banner": None,
            "accent_color": None,
            "public_flags": 0,
            "clan": None,
            "primary_guild": None,
        }
        if bot:
            user["bot"] = True
        return user

    def _role_payload(
        self,
        rid: int,
        name: str,
        permissions: int,
        *,
        position: int,
        color: int = 0,
        hoist: bool = False,
        mentionable: bool = False,
    ) -> dict[str, Any]:
        return {
            "id": str(rid),
            "name": name,
            "color": color,
            "colors": {"primary_color": color, "secondary_color": None, "tertiary_color": None},
            "hoist": hoist,
            "icon": None,
            "unicode_emoji": None,
            "position": position,
            "permissions": str(permissions),
            "managed": False,
            "mentionable": mentionable,
            "flags": 0,
        }

    def _member_payload(
        self, gid: int, uid: int, *, roles: Sequence[str] = (), nick: str | None = None
    ) -> dict[str, Any]:
        return {
            "user": copy.deepcopy(self.users[uid]),
            "nick": nick,
            "avatar": None,
            "banner": None,
            "roles": list(roles),
            "joined_at": _now_iso(),
            "premium_since": None,
            "deaf": False,
            "mute": False,
            "flags": 0,
            "pending": False,
            "communication_disabled_until": None,
        }

    def _add_member_payload(self, gid: int, member: dict[str, Any]) -> None:
        uid = int(member["user"]["id"])
        self.users.setdefault(uid, copy.deepcopy(member["user"]))
        self.members[gid][uid] = member

    def _guild_channels(self, gid: int) -> list[dict[str, Any]]:
        return [c for c in self.channels.values() if c.get("guild_id") == str(gid)]

    def _store_channel(self, gid: int, data: dict[str, Any]) -> dict[str, Any]:
        cid = int(data.get("id") or self._ids.next())
        ctype = int(data.get("type") or 0)
        channel: dict[str, Any] = {
            "id": str(cid),
            "type": ctype,
            "guild_id": str(gid),
            "name": data.get("name", f"channel-{cid}"),
            "position": data.get("position", len(self._guild_channels(gid))),
            "permission_overwrites": list(data.get("permission_overwrites") or []),
            "parent_id": str(data["parent_id"]) if data.get("parent_id") else None,
            "flags": 0,
        }
        if ctype in (0, 5):
            channel.update(
                topic=data.get("topic"),
                nsfw=bool(data.get("nsfw", False)),
                last_message_id=None,
                last_pin_timestamp=None,
                rate_limit_per_user=int(data.get("rate_limit_per_user") or 0),
                default_thread_rate_limit_per_user=0,
                default_auto_archive_duration=1440,
            )
        elif ctype in (2, 13):
            channel.update(
                bitrate=64000, user_limit=0, rtc_region=None, nsfw=False, rate_limit_per_user=0, last_message_id=None
            )
        for key, value in data.items():
            if key not in channel:
                channel[key] = value
        self.channels[cid] = channel
        return channel

    def _new_webhook(self, channel: Mapping[str, Any], name: str, avatar: str | None = None) -> dict[str, Any]:
        wid = self._ids.next()
        hook = {
            "id": str(wid),
            "type": 1,
            "guild_id": channel.get("guild_id"),
            "channel_id": channel["id"],
            "user": copy.deepcopy(self.bot_user),
            "name": name,
            "avatar": avatar and hashlib.md5(avatar.encode()).hexdigest(),
            "token": secrets.token_urlsafe(48),
            "application_id": str(self.application_id),
        }
        self.webhooks[wid] = hook
        return hook

    def _find_message_with_component(self, custom_id: str) -> dict[str, Any] | None:
        def walk(components: Iterable[Mapping[str, Any]]) -> Iterator[Mapping[str, Any]]:
            for c in components:
                yield c
                yield from walk(c.get("components") or [])
                if isinstance(c.get("component"), Mapping):
                    yield from walk([c["component"]])
                if isinstance(c.get("accessory"), Mapping):
                    yield c["accessory"]

        for message in sorted(self.messages.values(), key=lambda m: int(m["id"]), reverse=True):
            if any(c.get("custom_id") == custom_id for c in walk(message.get("components") or [])):
                return message
        return None

    @staticmethod
    def _parse_emoji(text: str) -> dict[str, Any]:
        match = re.fullmatch(r"(a:)?([^:]+):(\d+)", text)
        if match:
            emoji: dict[str, Any] = {"id": match.group(3), "name": match.group(2)}
            if match.group(1):
                emoji["animated"] = True
            return emoji
        return {"id": None, "name": text}

    @staticmethod
    def _emoji_key(emoji: Mapping[str, Any]) -> str:
        return str(emoji.get("id") or emoji.get("name"))

    def _validate_webhook_name(self, field_name: str, name: str, max_len: int = 80) -> None:
        lowered = name.lower()
        if not 1 <= len(name) <= max_len:
            raise _form_error(field_name, "BASE_TYPE_BAD_LENGTH", f"Must be between 1 and {max_len} in length.")
        for banned in ("clyde", "discord"):
            if banned in lowered:
                raise _form_error(field_name, "USERNAME_INVALID_CONTAINS", f'Username cannot contain "{banned}"')
        if lowered in ("everyone", "here"):
            raise _form_error(field_name, "USERNAME_INVALID", "Username is invalid")

    def _validate_message(self, body: Mapping[str, Any], files: Sequence[Mapping[str, Any]]) -> None:
        content = body.get("content") or ""
        if not isinstance(content, str):
            content = str(content)
        flags = int(body.get("flags") or 0)
        has_other = any(body.get(k) for k in ("embeds", "components", "sticker_ids", "poll", "attachments")) or files
        if not content.strip() and not has_other:
            raise ApiError(400, 50006, "Cannot send an empty message")
        if len(content) > 2000:
            raise _form_error("content", "BASE_TYPE_MAX_LENGTH", "Must be 2000 or fewer in length.")
        if flags & 32768 and content:
            raise _form_error(
                "content",
                "MESSAGE_CANNOT_USE_LEGACY_FIELDS_WITH_COMPONENTS_V2",
                "The 'content' field cannot be used when using MessageFlags.IS_COMPONENTS_V2",
            )
        embeds = body.get("embeds") or []
        if len(embeds) > 10:
            raise _form_error("embeds", "BASE_TYPE_MAX_LENGTH", "Must be 10 or fewer in length.")
        total = 0
        for i, embed in enumerate(embeds):
            for key, limit in (("title", 256), ("description", 4096)):
                value = embed.get(key) or ""
                total += len(value)
                if len(value) > limit:
                    raise _form_error(
                        f"embeds.{i}.{key}", "BASE_TYPE_MAX_LENGTH", f"Must be {limit} or fewer in length."
                    )
            for j, fld in enumerate(embed.get("fields") or []):
                total += len(fld.get("name") or "") + len(fld.get("value") or "")
                if len(fld.get("value") or "") > 1024:
                    raise _form_error(
                        f"embeds.{i}.fields.{j}.value", "BASE_TYPE_MAX_LENGTH", "Must be 1024 or fewer in length."
                    )
            total += len((embed.get("footer") or {}).get("text") or "") + len(
                (embed.get("author") or {}).get("name") or ""
            )
        if total > 6000:
            raise _form_error("embeds", "MAX_EMBED_SIZE_EXCEEDED", "Embed size exceeds maximum size of 6000")

    def _mentions(
        self, content: str, body: Mapping[str, Any], guild_id: str | None, referenced: Mapping[str, Any] | None
    ) -> tuple[list[dict[str, Any]], list[str], bool]:
        allowed = body.get("allowed_mentions")
        user_ids = list(dict.fromkeys(re.findall(r"<@!?(\d+)>", content)))
        role_ids = list(dict.fromkeys(re.findall(r"<@&(\d+)>", content)))
        everyone = "@everyone" in content or "@here" in content
        replied = referenced is not None
        if allowed is not None:
            parse = allowed.get("parse") or []
            explicit_users = [str(u) for u in allowed.get("users") or []]
            explicit_roles = [str(r) for r in allowed.get("roles") or []]
            user_ids = user_ids if "users" in parse else [u for u in user_ids if u in explicit_users]
            role_ids = role_ids if "roles" in parse else [r for r in role_ids if r in explicit_roles]
            everyone = everyone and "everyone" in parse
            replied = replied and bool(allowed.get("replied_user"))
        if replied and referenced is not None and referenced["author"]["id"] not in user_ids:
            user_ids.append(referenced["author"]["id"])
        mentions = []
        for uid in user_ids:
            user = self.users.get(int(uid))
            if user is None:
                continue
            entry = copy.deepcopy(user)
            member = self.members.get(int(guild_id), {}).get(int(uid)) if guild_id else None
            if member is not None:
                entry["member"] = {k: copy.deepcopy(v) for k, v in member.items() if k != "user"}
            mentions.append(entry)
        return mentions, role_ids, everyone

    def _build_message(
        self,
        channel: Mapping[str, Any],
        author: dict[str, Any],
        body: Mapping[str, Any],
        *,
        message_id: int | str | None = None,
        webhook_id: int | str | None = None,
        files: Sequence[Mapping[str, Any]] = (),
    ) -> dict[str, Any]:
        mid = int(message_id) if message_id is not None else self._ids.next()
        content = body.get("content")
        content = "" if content is None else str(content)
        guild_id = channel.get("guild_id")
        referenced = None
        ref = body.get("message_reference")
        if ref and ref.get("message_id"):
            referenced = self.messages.get(int(ref["message_id"]))
            if referenced is None and ref.get("fail_if_not_exists", True):
                raise _form_error("message_reference", "MESSAGE_REFERENCE_UNKNOWN_MESSAGE", "Unknown message")
        mentions, mention_roles, everyone = self._mentions(content, body, guild_id, referenced)
        message: dict[str, Any] = {
            "id": str(mid),
            "type": 19 if referenced is not None else 0,
            "channel_id": channel["id"],
            "author": author,
            "content": content,
            "timestamp": _snowflake_time(mid),
            "edited_timestamp": None,
            "tts": bool(body.get("tts", False)),
            "mention_everyone": everyone,
            "mentions": mentions,
            "mention_roles": mention_roles,
            "attachments": self._attachments(channel, files, body.get("attachments") or []),
            "embeds": copy.deepcopy(list(body.get("embeds") or [])),
            "pinned": False,
            "flags": int(body.get("flags") or 0) & (4 | 4096 | 32768),
            "components": self._normalise_components(body.get("components") or []),
        }
        if body.get("nonce") is not None:
            message["nonce"] = body["nonce"]
        if body.get("poll"):
            message["poll"] = copy.deepcopy(body["poll"])
        if webhook_id is not None:
            message["webhook_id"] = str(webhook_id)
        if referenced is not None:
            message["message_reference"] = {
                "type": 0,
                "message_id": referenced["id"],
                "channel_id": referenced["channel_id"],
                **({"guild_id": guild_id} if guild_id else {}),
            }
            message["referenced_message"] = copy.deepcopy(referenced)
            message["referenced_message"].pop("referenced_message", None)
        if guild_id:
            message["guild_id"] = guild_id
            member = self.members.get(int(guild_id), {}).get(int(author["id"]))
            if member is not None and webhook_id is None:
                message["member"] = {k: copy.deepcopy(v) for k, v in member.items() if k != "user"}
        return message

    def _attachments(
        self, channel: Mapping[str, Any], files: Sequence[Mapping[str, Any]], declared: Sequence[Mapping[str, Any]]
    ) -> list[dict[str, Any]]:
        result = []
        declared_by_index = {str(a.get("id")): a for a in declared}
        for index, file in enumerate(files):
            aid = self._ids.next()
            data = file.get("data") or b""
            self.attachments[aid] = data
            filename = file.get("filename") or f"file{index}"
            meta = declared_by_index.get(str(index), {})
            url = f"{self.http_base}/attachments/{channel['id']}/{aid}/{filename}"
            result.append(
                {
                    "id": str(aid),
                    "filename": filename,
                    "size": len(data),
                    "url": url,
                    "proxy_url": url,
                    "content_type": file.get("content_type") or "application/octet-stream",
                    **({"description": meta["description"]} if meta.get("description") else {}),
                }
            )
        return result

    @staticmethod
    def _normalise_components(components: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
        counter = iter(range(1, 1000))

        def walk(c: Mapping[str, Any]) -> dict[str, Any]:
            out = copy.deepcopy(dict(c))
            out.setdefault("id", next(counter))
            if "components" in out:
                out["components"] = [walk(x) for x in out["components"]]
            return out

        return [walk(c) for c in components]

    def _store_message(self, message: dict[str, Any], *, echo: bool = True) -> None:
        self.messages[int(message["id"])] = copy.deepcopy(message)
        channel = self.channels.get(int(message["channel_id"]))
        if channel is not None and "last_message_id" in channel:
            channel["last_message_id"] = message["id"]
        if echo:
            self._echo("MESSAGE_CREATE", message)

    def _edit_message(
        self, message: dict[str, Any], body: Mapping[str, Any], files: Sequence[Mapping[str, Any]]
    ) -> dict[str, Any]:
        channel = self.channels.get(int(message["channel_id"])) or {"id": message["channel_id"]}
        if "content" in body:
            content = body["content"]
            content = "" if content is None else str(content)
            if len(content) > 2000:
                raise _form_error("content", "BASE_TYPE_MAX_LENGTH", "Must be 2000 or fewer in length.")
            message["content"] = content
            mentions, roles, everyone = self._mentions(content, body, message.get("guild_id"), None)
            message.update(mentions=mentions, mention_roles=roles, mention_everyone=everyone)
        if "embeds" in body:
            message["embeds"] = copy.deepcopy(list(body["embeds"] or []))
        if "components" in body:
            message["components"] = self._normalise_components(body["components"] or [])
        if "attachments" in body or files:
            kept_ids = {str(a.get("id")) for a in body.get("attachments") or []}
            kept = [a for a in message["attachments"] if a["id"] in kept_ids]
            message["attachments"] = kept + self._attachments(channel, files, body.get("attachments") or [])
        if "flags" in body and body["flags"] is not None:
            message["flags"] = (int(message.get("flags", 0)) & 64) | (int(body["flags"]) & (4 | 4096 | 32768))
        message["flags"] = int(message.get("flags", 0)) & ~128
        message["edited_timestamp"] = _now_iso()
        if not message["flags"] & 64:
            self._echo("MESSAGE_UPDATE", message)
        return message

    def _delete_message(self, message: dict[str, Any]) -> None:
        self.messages.pop(int(message["id"]), None)
        event = {"id": message["id"], "channel_id": message["channel_id"]}
        if message.get("guild_id"):
            event["guild_id"] = message["guild_id"]
        if not int(message.get("flags", 0)) & 64:
            self._echo("MESSAGE_DELETE", event)

    # ------------------------------------------------------------------ interaction internals

    def _interaction_defaults(
        self, guild_id: int | str | None, channel_id: int | str | None, user_id: int | str | None
    ) -> tuple[int | None, int | None, int]:
        if channel_id is not None and guild_id is None:
            channel = self.channels.get(int(channel_id))
            if channel is not None and channel.get("guild_id"):
                guild_id = channel["guild_id"]
        if guild_id is None and channel_id is None and self.guilds:
            guild_id = next(iter(self.guilds))
        gid = int(guild_id) if guild_id is not None else None
        if gid is not None and channel_id is None:
            text = next((c for c in self._guild_channels(gid) if c["type"] == 0), None)
            channel_id = text["id"] if text else None
        if user_id is None:
            bot_id = self.bot_user["id"]
            candidates = [m["user"]["id"] for m in self.members.get(gid, {}).values()] if gid else []
            candidates = [u for u in candidates if u != bot_id and not self.users[int(u)].get("bot")]
            user_id = candidates[-1] if candidates else self.add_user(None, "interaction-user")["id"]
        return gid, int(channel_id) if channel_id is not None else None, int(user_id)

    def _command_identity(self, name: str, ctype: int, gid: int | None, command_id: int | str | None) -> dict:
        if command_id is not None:
            return {"id": str(command_id)}
        for scope in (gid, None):
            if (
                scope is None
                and gid is not None
                and any(c["name"] == name and c["type"] == ctype for c in self.commands.get(gid, []))
            ):
                continue
            for command in self.commands.get(scope, []):
                if command["name"] == name and command["type"] == ctype:
                    identity = {"id": command["id"]}
                    if scope is not None:
                        identity["guild_id"] = str(scope)
                    return identity
        return {"id": str(self._ids.next())}

    @staticmethod
    def _build_options(options: Sequence[Mapping[str, Any]] | Mapping[str, Any] | None) -> list[dict[str, Any]]:
        if options is None:
            return []
        if isinstance(options, Mapping):
            built = []
            for name, value in options.items():
                if isinstance(value, bool):
                    otype = 5
                elif isinstance(value, int):
                    otype = 4
                elif isinstance(value, float):
                    otype = 10
                else:
                    otype, value = 3, str(value)
                built.append({"name": name, "type": otype, "value": value})
            return built
        out = []
        for opt in options:
            o = copy.deepcopy(dict(opt))
            if isinstance(o.get("type"), str):
                o["type"] = _OPTION_TYPES[o["type"]]
            out.append(o)
        return out

    def _resolve_options(self, options: Sequence[Mapping[str, Any]], gid: int | None) -> dict[str, Any]:
        resolved: dict[str, dict[str, Any]] = {}
        for opt in options:
            if opt.get("type") in (1, 2):
                for key, value in self._resolve_options(opt.get("options") or [], gid).items():
                    resolved.setdefault(key, {}).update(value)
                continue
            if opt.get("type") not in (6, 7, 8, 9) or "value" not in opt:
                continue
            ident = int(opt["value"])
            if opt["type"] in (6, 9) and ident in self.users:
                resolved.setdefault("users", {})[str(ident)] = copy.deepcopy(self.users[ident])
                member = self.members.get(gid or 0, {}).get(ident)
                if member is not None:
                    partial = {k: copy.deepcopy(v) for k, v in member.items() if k != "user"}
                    partial["permissions"] = str(self.member_permissions(gid, ident))  # type: ignore[arg-type]
                    resolved.setdefault("members", {})[str(ident)] = partial
            if opt["type"] == 7 and ident in self.channels:
                ch = self.channels[ident]
                resolved.setdefault("channels", {})[str(ident)] = {
                    "id": ch["id"],
                    "name": ch.get("name"),
                    "type": ch["type"],
                    "parent_id": ch.get("parent_id"),
                    "permissions": str(Permissions.ALL),
                    "guild_id": ch.get("guild_id"),
                    "topic": ch.get("topic"),
                    "nsfw": ch.get("nsfw", False),
                    "position": ch.get("position", 0),
                    "last_message_id": ch.get("last_message_id"),
                    "rate_limit_per_user": 0,
                    "flags": 0,
                    "permission_overwrites": [],
                }
            if opt["type"] in (8, 9) and gid is not None:
                role = next((r for r in self.guilds[gid]["roles"] if r["id"] == str(ident)), None)
                if role is not None:
                    resolved.setdefault("roles", {})[str(ident)] = copy.deepcopy(role)
        return resolved

    def _interaction(
        self,
        itype: int,
        data: dict[str, Any],
        user_id: int,
        gid: int | None,
        cid: int | None,
        locale: str | None,
        *,
        message: Mapping[str, Any] | None = None,
    ) -> dict[str, Any]:
        iid = self._ids.next()
        token = "aW50ZXJhY3Rpb246" + secrets.token_urlsafe(48)
        user = copy.deepcopy(self.users.get(user_id) or self.add_user(user_id, f"user{user_id}"))
        channel = copy.deepcopy(self.channels.get(cid)) if cid is not None else None
        payload: dict[str, Any] = {
            "id": str(iid),
            "application_id": str(self.application_id),
            "type": itype,
            "data": data,
            "token": token,
            "version": 1,
            "locale": locale or self._user_locales.get(user_id, "en-US"),
            "entitlements": [],
            "entitlement_sku_ids": [],
            "attachment_size_limit": 10 * 1024 * 1024,
        }
        if channel is not None:
            if channel.get("guild_id") is None:
                channel.pop("recipients", None)
                channel["recipients"] = [copy.deepcopy(user)]
            payload["channel"] = channel
            payload["channel_id"] = channel["id"]
            if gid is not None:
                channel["permissions"] = str(self.member_permissions(gid, user_id))
        if gid is not None:
            guild = self._guild(gid)
            member = self.members[gid].get(user_id)
            if member is None:
                member = self._member_payload(gid, user_id)
                self._add_member_payload(gid, member)
            member_payload = copy.deepcopy(member)
            member_payload["permissions"] = str(self.member_permissions(gid, user_id))
            payload.update(
                guild_id=str(gid),
                guild={"id": str(gid), "locale": guild["preferred_locale"], "features": list(guild["features"])},
                guild_locale=guild["preferred_locale"],
                member=member_payload,
                app_permissions=str(self.member_permissions(gid, int(self.bot_user["id"]))),
                authorizing_integration_owners={"0": str(gid)},
                context=0,
            )
        else:
            payload.update(
                user=user,
                app_permissions=str(Permissions.EVERYONE_DEFAULT),
                authorizing_integration_owners={"0": str(self.owner_user["id"])},
                context=1,
            )
        if message is not None:
            payload["message"] = copy.deepcopy(dict(message))
        self._interactions[token] = _Interaction(id=iid, token=token, payload=copy.deepcopy(payload))
        return payload

    def _modal_components(self, custom_id: str, values: Mapping[str, str | Sequence[str]]) -> list[dict[str, Any]]:
        def answer(component: Mapping[str, Any]) -> dict[str, Any]:
            cid = component.get("custom_id")
            out: dict[str, Any] = {"type": component["type"], "custom_id": cid}
            if "id" in component:
                out["id"] = component["id"]
            value = values.get(cid, "" if component["type"] == 4 else [])  # type: ignore[arg-type]
            if component["type"] == 4:
                out["value"] = value if isinstance(value, str) else "".join(value)
            else:
                out["values"] = [value] if isinstance(value, str) else list(value)
            return out

        sent = self._modals_sent.get(custom_id)
        if sent is None:
            return [{"type": 1, "components": [answer({"type": 4, "custom_id": k})]} for k in values]
        result: list[dict[str, Any]] = []
        for top in sent.get("components", []):
            if top["type"] == 1:
                result.append(
                    {"type": 1, "components": [answer(c) for c in top.get("components", []) if c.get("custom_id")]}
                )
            elif top["type"] == 18 and top.get("component", {}).get("custom_id"):
                row: dict[str, Any] = {"type": 18, "component": answer(top["component"])}
                if "id" in top:
                    row["id"] = top["id"]
                result.append(row)
        return result


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
