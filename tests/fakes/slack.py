"""A loopback fake of Slack for tests, speaking the real wire protocols.

Three pieces, none of which patches a library:

* :class:`FakeSlackWebAPI` -- an ``aiohttp.web`` server on ``127.0.0.1`` (random free port) that
  answers the Web API methods a bot uses (``/api/<method>``), records every call, keeps posted
  messages per channel, lets a test inject failures (``ok:false`` errors, HTTP 429, revoked
  tokens), records what an app posts to a ``response_url`` and serves a Socket Mode websocket.
  Point ``slack_sdk.web.async_client.AsyncWebClient(base_url=slack.base_url)`` at it.
* :class:`SignedSlackClient` -- sends slash commands, events and interactivity payloads to an
  HTTP endpoint (a URL or an ASGI app) the way Slack does, signed with the signing secret.
* Payload builders (``slash_command_payload``, ``event_callback_payload``, ...) shared by both,
  so the same payloads can be sent over HTTP or in a Socket Mode envelope.

Example::

    async with FakeSlackWebAPI() as slack:
        client = AsyncWebClient(token="xoxb-test", base_url=slack.base_url)
        await client.chat_postMessage(channel="C123", text="hi")
        assert slack.messages("C123")[0]["text"] == "hi"

By default the fake is lenient: any token is accepted, unknown channel ids are created on first
post and unknown users are invented (locale ``en-US``). ``FakeSlackWebAPI(strict=True)`` makes
unknown channels/users/messages answer ``channel_not_found``/``user_not_found``/
``message_not_found`` and posting to a channel the bot is not a member of answer
``not_in_channel``.
"""

from __future__ import annotations

import asyncio
import base64
import copy
import hashlib
import hmac
import inspect
import itertools
import json
import secrets
import time
import uuid
from collections import defaultdict, deque
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

import httpx
from aiohttp import WSMsgType, web

__all__ = [
    "Call",
    "FakeSlackError",
    "FakeSlackWebAPI",
    "ResponseUrlPost",
    "SignedSlackClient",
    "block_actions_payload",
    "event_callback_payload",
    "message_shortcut_payload",
    "shortcut_payload",
    "sign_request",
    "slash_command_payload",
    "view_submission_payload",
]

DEFAULT_TEAM_ID = "T0ICC0001"
DEFAULT_TEAM_NAME = "ICC Test Workspace"
DEFAULT_TEAM_DOMAIN = "icc-test"
DEFAULT_BOT_USER_ID = "U0BOT0001"
DEFAULT_BOT_ID = "B0BOT0001"
DEFAULT_APP_ID = "A0ICC0001"
DEFAULT_USER_ID = "U0USER001"
DEFAULT_CHANNEL_ID = "C0GENERAL"
DEFAULT_BOT_SCOPE = (
    "commands,chat:write,chat:write.public,channels:manage,channels:read,channels:join,"
    "groups:read,groups:write,im:write,im:history,channels:history,users:read,reactions:write,team:read"
)
DEFAULT_VERIFICATION_TOKEN = "fake-verification-token"

# Web API arguments that form-encoded callers send as JSON strings.
_JSON_ARGS = frozenset({"blocks", "attachments", "view", "metadata"})
# Methods that take no bearer token (client credentials instead).
_NO_TOKEN_METHODS = frozenset({"oauth.v2.access", "oauth.access", "oauth.v2.exchange", "api.test"})
# Methods that need an app-level token (xapp-...).
_APP_TOKEN_METHODS = frozenset({"apps.connections.open"})
_TRUE_STRINGS = frozenset({"1", "true", "yes", "on"})


# --------------------------------------------------------------------------------------------
# Records
# --------------------------------------------------------------------------------------------


@dataclass
class Call:
    """One Web API call the fake received (recorded before any fault injection)."""

    method: str
    args: dict[str, Any]
    headers: dict[str, str]
    token: str | None = None


@dataclass
class ResponseUrlPost:
    """One POST an app made to a ``response_url`` served by the fake."""

    id: str
    body: Any
    headers: dict[str, str]


class FakeSlackError(Exception):
    """Raise from a custom handler (see :meth:`FakeSlackWebAPI.on`) to answer ``ok: false``.

    ``status`` and ``headers`` set the HTTP answer (``429`` with ``Retry-After`` for a rate limit).
    """

    def __init__(self, error: str, *, status: int = 200, headers: Mapping[str, str] | None = None,
                 **extra: Any) -> None:
        super().__init__(error)
        self.error = error
        self.extra = extra
        self.status = status
        self.headers = dict(headers or {})


@dataclass
class _Ctx:
    call: Call
    token: str | None
    team: dict[str, Any]
    headers: Mapping[str, str] = field(default_factory=dict)


def _truthy(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if value is None:
        return False
    if isinstance(value, int | float):
        return value != 0
    return str(value).strip().lower() in _TRUE_STRINGS


def _as_list(value: Any) -> list[str]:
    if value is None or value == "":
        return []
    if isinstance(value, list | tuple):
        return [str(v) for v in value]
    return [v.strip() for v in str(value).split(",") if v.strip()]


def _encode_cursor(offset: int) -> str:
    return base64.b64encode(f"offset:{offset}".encode()).decode()


def _decode_cursor(cursor: Any) -> int:
    if not cursor:
        return 0
    try:
        return int(base64.b64decode(str(cursor)).decode().split(":", 1)[1])
    except Exception as exc:  # noqa: BLE001 - any garbage cursor is invalid_cursor
        raise FakeSlackError("invalid_cursor") from exc


def _paginate(items: list[Any], args: Mapping[str, Any]) -> tuple[list[Any], str]:
    start = _decode_cursor(args.get("cursor"))
    limit = int(args.get("limit") or 100) or 100
    page = items[start : start + limit]
    next_cursor = _encode_cursor(start + limit) if start + limit < len(items) else ""
    return page, next_cursor


def new_trigger_id() -> str:
    """A trigger id shaped like Slack's (``<digits>.<digits>.<hex>``)."""
    return f"{secrets.randbelow(10**11)}.{secrets.randbelow(10**9)}.{secrets.token_hex(16)}"


# --------------------------------------------------------------------------------------------
# The fake Web API server
# --------------------------------------------------------------------------------------------

Handler = Callable[[Call], "dict[str, Any] | Awaitable[dict[str, Any]]"]


class FakeSlackWebAPI:
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

    # ---------------------------------------------------------------- configuration

    def add_team(
        self,
        team_id: str,
        *,
        name: str | None = None,
        domain: str | None = None,
        bot_user_id: str | None = None,
        bot_id: str | None = None,
        enterprise_id: str | None = None,
        token: str | None = None,
    ) -> dict[str, Any]:
        """Register a workspace; ``token`` makes calls with that token act in this workspace."""
        suffix = team_id[1:]
        team = {
            "id": team_id,
            "name": name or f"Workspace {team_id}",
            "domain": domain or f"ws-{team_id.lower()}",
            "bot_user_id": bot_user_id or f"U0BOT{suffix}"[:11],
            "bot_id": bot_id or f"B0BOT{suffix}"[:11],
            "enterprise_id": enterprise_id,
        }
        self.teams[team_id] = team
        if hasattr(self, "users"):
            self._add_bot_user(team)
        if token is not None:
            self._token_teams[token] = team_id
        return team

    def _add_bot_user(self, team: dict[str, Any]) -> None:
        self.add_user(team["bot_user_id"], name=self.bot_name, is_bot=True, team_id=team["id"], bot_id=team["bot_id"])

    def add_user(
        self,
        user_id: str,
        locale: str = "en-US",
        name: str | None = None,
        is_bot: bool = False,
        team_id: str | None = None,
        *,
        real_name: str | None = None,
        email: str | None = None,
        tz: str = "Europe/Paris",
        tz_offset: int = 3600,
        deleted: bool = False,
        is_admin: bool = False,
        bot_id: str | None = None,
    ) -> dict[str, Any]:
        """Register (or replace) a user as ``users.info`` returns it."""
        name = name or user_id.lower()
        real_name = real_name or name.replace(".", " ").title()
        team_id = team_id or self.primary_team_id
        profile: dict[str, Any] = {
            "real_name": real_name,
            "real_name_normalized": real_name,
            "display_name": name,
            "display_name_normalized": name,
            "first_name": real_name.split(" ")[0],
            "last_name": " ".join(real_name.split(" ")[1:]),
            "team": team_id,
            "image_48": f"https://avatars.slack-edge.com/{user_id}_48.png",
            "image_72": f"https://avatars.slack-edge.com/{user_id}_72.png",
        }
        if email is not None or not is_bot:
            profile["email"] = email or f"{name}@example.org"
        if is_bot:
            profile["bot_id"] = bot_id or f"B{user_id[1:]}"
        self.users[user_id] = {
            "id": user_id,
            "team_id": team_id,
            "name": name,
            "deleted": deleted,
            "color": "9f69e7",
            "real_name": real_name,
            "tz": tz,
            "tz_label": "Central European Time",
            "tz_offset": tz_offset,
            "profile": profile,
            "is_admin": is_admin,
            "is_owner": False,
            "is_primary_owner": False,
            "is_restricted": False,
            "is_ultra_restricted": False,
            "is_bot": is_bot,
            "is_app_user": False,
            "updated": int(time.time()),
            "is_email_confirmed": not is_bot,
            "locale": locale,
        }
        return self.users[user_id]

    def add_channel(
        self,
        name: str,
        *,
        channel_id: str | None = None,
        is_private: bool = False,
        members: Iterable[str] = (),
        locale: str | None = None,
        is_archived: bool = False,
        team_id: str | None = None,
    ) -> str:
        """Register a channel; returns its id (``C…``, ``G…`` for private ones if not given)."""
        cid = channel_id or self._new_id("G" if is_private else "C")
        self.channels[cid] = {
            "id": cid,
            "name": name,
            "is_channel": not is_private,
            "is_group": is_private,
            "is_im": False,
            "is_mpim": False,
            "is_private": is_private,
            "created": int(time.time()),
            "is_archived": is_archived,
            "is_general": name == "general",
            "unlinked": 0,
            "name_normalized": name,
            "is_shared": False,
            "is_org_shared": False,
            "is_ext_shared": False,
            "context_team_id": team_id or self.primary_team_id,
            "creator": self.bot_user_id,
            "topic": {"value": "", "creator": "", "last_set": 0},
            "purpose": {"value": "", "creator": "", "last_set": 0},
            "previous_names": [],
            "locale": locale,
        }
        self._members[cid] = list(dict.fromkeys(members))
        return cid

    def add_message(
        self,
        channel: str,
        text: str,
        *,
        user: str = DEFAULT_USER_ID,
        ts: str | None = None,
        thread_ts: str | None = None,
        **extra: Any,
    ) -> str:
        """Seed a message (e.g. one a human wrote) so that reactions/permalinks/updates find it."""
        cid = self._resolve_channel(channel, create=True, check_member=False)
        ts = ts or self._next_ts()
        msg: dict[str, Any] = {"type": "message", "user": user, "text": text, "ts": ts, **extra}
        if thread_ts:
            msg["thread_ts"] = thread_ts
        self._messages[cid].append(msg)
        return ts

    def set_oauth_install(
        self,
        *,
        team_id: str | None = None,
        team_name: str | None = None,
        user_id: str = DEFAULT_USER_ID,
        scope: str = DEFAULT_BOT_SCOPE,
        bot_user_id: str | None = None,
        user_scope: str | None = None,
    ) -> None:
        """Configure what the following ``oauth.v2.access`` calls install."""
        self._oauth_install = {
            "team_id": team_id,
            "team_name": team_name,
            "user_id": user_id,
            "scope": scope,
            "bot_user_id": bot_user_id,
            "user_scope": user_scope,
        }

    def on(self, method: str, handler: Handler) -> None:
        """Override/implement ``method``: ``handler(call) -> dict`` (sync or async).

        ``ok: true`` is added unless the dict sets ``ok``; raise :class:`FakeSlackError` to fail.
        """
        self._handlers[method] = handler

    # ---------------------------------------------------------------- fault injection

    def fail_next(self, method: str, error: str = "channel_not_found", *, times: int = 1, **extra: Any) -> None:
        """The next ``times`` calls of ``method`` answer ``{"ok": false, "error": error, **extra}``."""
        for _ in range(times):
            self._failures[method].append((error, extra))

    def rate_limit_next(self, method: str, retry_after: int = 1, times: int = 1) -> None:
        """The next ``times`` calls of ``method`` answer HTTP 429 with ``Retry-After``."""
        for _ in range(times):
            self._rate_limits[method].append(retry_after)

    def set_token_revoked(self, token: str, revoked: bool = True, *, error: str = "token_revoked") -> None:
        """Every call with ``token`` answers ``error`` (``token_revoked`` or ``invalid_auth``)."""
        if revoked:
            self._revoked[token] = error
        else:
            self._revoked.pop(token, None)

    # ---------------------------------------------------------------- inspection

    def calls_to(self, method: str) -> list[Call]:
        return [c for c in self.calls if c.method == method]

    def messages(self, channel: str) -> list[dict[str, Any]]:
        """Messages currently in ``channel`` (id, ``#name`` or a user id for the bot's DM)."""
        cid = self._lookup_channel(channel) or channel
        return list(self._messages.get(cid, []))

    def ephemeral_messages(self, channel: str | None = None) -> list[dict[str, Any]]:
        return [m for m in self._ephemerals if channel is None or m["channel"] == channel]

    def members(self, channel: str) -> list[str]:
        return list(self._members.get(self._lookup_channel(channel) or channel, []))

    def channel_by_name(self, name: str) -> dict[str, Any] | None:
        cid = self._lookup_channel("#" + name.lstrip("#"))
        return self.channels.get(cid) if cid else None

    def dm_channel_id(self, user_id: str) -> str:
        """The id of the bot's DM with ``user_id`` (opened if needed)."""
        return self._open_im(user_id)

    def response_url(self, rid: str | None = None) -> str:
        """A ``response_url`` served by this fake; posts to it land in :attr:`responses`."""
        return f"{self.root_url}response_url/{rid or uuid.uuid4().hex}"

    def reset(self) -> None:
        """Forget recordings (calls, messages, responses, views, acks) and pending faults.

        Configuration (teams, users, channels and their members, tokens) is kept.
        """
        self.calls.clear()
        self.responses.clear()
        self.socket_received.clear()
        self._messages.clear()
        self._ephemerals.clear()
        self.views.clear()
        self.home_views.clear()
        self._failures.clear()
        self._rate_limits.clear()
        self._acks.clear()
        self._used_triggers.clear()

    async def wait_for_call(self, method: str, count: int = 1, timeout: float = 5.0) -> list[Call]:
        """Wait until ``method`` has been called ``count`` times; returns those calls."""
        assert self._call_event is not None, "FakeSlackWebAPI is not started"
        deadline = asyncio.get_running_loop().time() + timeout
        while len(self.calls_to(method)) < count:
            remaining = deadline - asyncio.get_running_loop().time()
            if remaining <= 0:
                seen = [c.method for c in self.calls]
                raise TimeoutError(f"{method} called {len(self.calls_to(method))}/{count} times; saw {seen}")
            self._call_event.clear()
            try:
                await asyncio.wait_for(self._call_event.wait(), timeout=remaining)
            except TimeoutError:
                pass
        return self.calls_to(method)[:count]

    # ---------------------------------------------------------------- Socket Mode

    @property
    def socket_connected(self) -> bool:
        return any(not ws.closed for ws in self._sockets)

    async def socket_wait_connected(self, timeout: float = 5.0, *, total: int | None = None) -> None:
        """Wait for an open Socket Mode connection (and ``total`` connections ever, if given)."""
        deadline = time.monotonic() + timeout
        while not (self.socket_connected and (total is None or self.socket_connection_count >= total)):
            if time.monotonic() > deadline:
                raise TimeoutError(f"no Socket Mode connection (connections so far: {self.socket_connection_count})")
            await asyncio.sleep(0.01)

    async def socket_send(
        self,
        payload_type: str,
        payload: dict[str, Any],
        *,
        accepts_response_payload: bool | None = None,
        retry_attempt: int = 0,
        retry_reason: str = "",
        envelope_id: str | None = None,
        timeout: float = 5.0,
    ) -> str:
        """Send an envelope (``events_api``/``slash_commands``/``interactive``); returns its id.

        Waits up to ``timeout`` for a client to be connected. ``accepts_response_payload``
        defaults to Slack's behaviour: false for ``events_api`` and ``block_actions``.
        """
        await self.socket_wait_connected(timeout)
        ws = [w for w in self._sockets if not w.closed][-1]
        if accepts_response_payload is None:
            accepts_response_payload = payload_type != "events_api" and payload.get("type") != "block_actions"
        envelope_id = envelope_id or str(uuid.uuid4())
        self._ack_future(envelope_id)
        envelope = {
            "envelope_id": envelope_id,
            "type": payload_type,
            "payload": payload,
            "accepts_response_payload": accepts_response_payload,
            "retry_attempt": retry_attempt,
            "retry_reason": retry_reason,
        }
        await ws.send_str(json.dumps(envelope))
        return envelope_id

    async def socket_ack(self, envelope_id: str, timeout: float = 5) -> dict[str, Any]:
        """Wait for the client's ack ``{"envelope_id": ..., "payload": ...}`` and return it."""
        fut = self._ack_future(envelope_id)
        try:
            return await asyncio.wait_for(asyncio.shield(fut), timeout)
        except TimeoutError as exc:
            raise TimeoutError(f"no ack for envelope {envelope_id} within {timeout}s") from exc

    def socket_disconnect(self, reason: str = "refresh_requested") -> asyncio.Task[None]:
        """Send ``{"type": "disconnect", "reason": ...}`` to the open connections.

        Returns a task, so it may be awaited or fired and forgotten.
        """
        message = {"type": "disconnect", "reason": reason, "debug_info": {"host": "applink-fake-1"}}

        async def _send() -> None:
            for ws in [w for w in self._sockets if not w.closed]:
                await ws.send_str(json.dumps(message))

        return asyncio.get_running_loop().create_task(_send())

    async def socket_close(self) -> None:
        """Drop all Socket Mode connections abruptly (server-side close)."""
        for ws in list(self._sockets):
            await ws.close()

    def _ack_future(self, envelope_id: str) -> asyncio.Future[dict[str, Any]]:
        fut = self._acks.get(envelope_id)
        if fut is None:
            fut = asyncio.get_running_loop().create_future()
            self._acks[envelope_id] = fut
        return fut

    async def _ws_handler(self, request: web.Request) -> web.StreamResponse:
        ticket = request.query.get("ticket", "")
        if ticket not in self._tickets:
            return web.Response(status=401, text="invalid or used ticket")
        ws = web.WebSocketResponse(autoping=True)
        if not ws.can_prepare(request).ok:
            return web.Response(status=426, text="websocket upgrade required")
        self._tickets.discard(ticket)
        await ws.prepare(request)
        self._sockets.append(ws)
        self.socket_connection_count += 1
        number = self.socket_connection_count
        self.socket_events.append((time.monotonic(), "open", number))
        try:
            await ws.send_str(
                json.dumps(
                    {
                        "type": "hello",
                        "num_connections": sum(1 for w in self._sockets if not w.closed),
                        "debug_info": {
                            "host": "applink-fake-1",
                            "build_number": 1,
                            "approximate_connection_time": 18060,
                        },
                        "connection_info": {"app_id": request.query.get("app_id", self.app_id)},
                    }
                )
            )
            async for msg in ws:
                if msg.type != WSMsgType.TEXT:
                    continue
                try:
                    data = json.loads(msg.data)
                except ValueError:
                    continue
                self.socket_received.append(data)
                eid = data.get("envelope_id") if isinstance(data, dict) else None
                if eid:
                    fut = self._ack_future(eid)
                    if not fut.done():
                        fut.set_result(data)
        finally:
            if ws in self._sockets:
                self._sockets.remove(ws)
            self.socket_events.append((time.monotonic(), "closed", number))
        return ws

    # ---------------------------------------------------------------- response_url

    async def _response_url_handler(self, request: web.Request) -> web.Response:
        raw = await request.read()
        body: Any
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            body = raw.decode("utf-8", "replace")
        self.responses.append(ResponseUrlPost(request.match_info["rid"], body, dict(request.headers)))
        if self._call_event is not None:
            self._call_event.set()
        return web.json_response({"ok": True})

    # ---------------------------------------------------------------- Web API plumbing

    async def _read_args(self, request: web.Request) -> dict[str, Any]:
        args: dict[str, Any] = dict(request.query)
        if request.method in ("POST", "PUT"):
            ctype = request.content_type
            if ctype == "application/json":
                raw = await request.read()
                if raw.strip():
                    body = json.loads(raw)
                    if isinstance(body, dict):
                        args.update(body)
            elif ctype in ("application/x-www-form-urlencoded", "multipart/form-data"):
                form = await request.post()
                for key in form:
                    item = form.getall(key)[-1]
                    if isinstance(item, web.FileField):
                        args[key] = {"filename": item.filename, "content": item.file.read()}
                    else:
                        args[key] = item
        for key in _JSON_ARGS & args.keys():
            value = args[key]
            if isinstance(value, str) and value[:1] in ("[", "{"):
                try:
                    args[key] = json.loads(value)
                except ValueError:
                    pass
        return args

    async def _api_handler(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        try:
            args = await self._read_args(request)
        except ValueError:
            return web.json_response({"ok": False, "error": "invalid_json"})
        headers = dict(request.headers)
        auth = request.headers.get("Authorization", "")
        token: str | None = None
        if auth.startswith("Bearer "):
            token = auth[len("Bearer ") :].strip() or None
        if token is None and isinstance(args.get("token"), str):
            token = args.pop("token")
        else:
            args.pop("token", None)
        call = Call(method, args, headers, token)
        self.calls.append(call)
        if self._call_event is not None:
            self._call_event.set()

        if self._rate_limits.get(method):
            retry_after = self._rate_limits[method].popleft()
            return web.json_response(
                {"ok": False, "error": "ratelimited"}, status=429, headers={"Retry-After": str(retry_after)}
            )
        handler = self._handlers.get(method)
        builtin = getattr(self, "_m_" + method.replace(".", "_"), None)
        if handler is None and builtin is None:
            return web.json_response({"ok": False, "error": "unknown_method", "req_method": method})
        try:
            team = self._authenticate(method, token)
            if self._failures.get(method):
                error, extra = self._failures[method].popleft()
                raise FakeSlackError(error, **extra)
            ctx = _Ctx(call, token, team, request.headers)
            if handler is not None:
                result = handler(call)
                if inspect.isawaitable(result):
                    result = await result
                body = {"ok": True, **result}
            else:
                assert builtin is not None
                body = {"ok": True, **builtin(args, ctx)}
        except FakeSlackError as exc:
            return web.json_response({"ok": False, "error": exc.error, **exc.extra}, status=exc.status,
                                     headers=exc.headers)
        return web.json_response(body)

    def _authenticate(self, method: str, token: str | None) -> dict[str, Any]:
        primary = self.teams[self.primary_team_id]
        if method in _NO_TOKEN_METHODS:
            return primary
        if not token:
            raise FakeSlackError("not_authed")
        if token in self._revoked:
            raise FakeSlackError(self._revoked[token])
        if self.valid_tokens is not None and token not in self.valid_tokens:
            raise FakeSlackError("invalid_auth")
        is_app_token = token.startswith("xapp-")
        if (method in _APP_TOKEN_METHODS) != is_app_token:
            raise FakeSlackError("not_allowed_token_type")
        return self.teams.get(self._token_teams.get(token, self.primary_team_id), primary)

    def _new_id(self, prefix: str) -> str:
        return f"{prefix}{next(self._ids):08X}"

    def _next_ts(self) -> str:
        n = next(self._ts_counter)
        return f"{self._ts_base + n // 1_000_000}.{n % 1_000_000:06d}"

    def _lookup_channel(self, value: str | None) -> str | None:
        if not value:
            return None
        if value.startswith("#"):
            name = value[1:]
            return next((cid for cid, ch in self.channels.items() if ch.get("name") == name), None)
        if value[0] in "UW" and value in self._ims:
            return self._ims[value]
        return value if value in self.channels else None

    def _open_im(self, user_id: str) -> str:
        if user_id not in self._ims:
            cid = self._new_id("D")
            self._ims[user_id] = cid
            self.channels[cid] = {
                "id": cid,
                "created": int(time.time()),
                "is_im": True,
                "is_org_shared": False,
                "user": user_id,
                "is_user_deleted": False,
                "priority": 0,
            }
            self._members[cid] = [user_id, self.bot_user_id]
        return self._ims[user_id]

    def _resolve_channel(self, value: Any, *, create: bool, check_member: bool = True) -> str:
        if not value or not isinstance(value, str):
            raise FakeSlackError("channel_not_found")
        if value[0] in "UW" and not value.startswith("#"):
            if self.strict and value not in self.users:
                raise FakeSlackError("channel_not_found")
            return self._open_im(value)
        cid = self._lookup_channel(value)
        if cid is None:
            if self.strict or not create or value.startswith("#"):
                raise FakeSlackError("channel_not_found")
            cid = self.add_channel(value.lower(), channel_id=value, members=[self.bot_user_id])
        if self.strict and check_member and self.channels[cid].get("is_archived"):
            raise FakeSlackError("is_archived")
        if self.strict and check_member and self.bot_user_id not in self._members.get(cid, []):
            raise FakeSlackError("not_in_channel")
        return cid

    def _channel_view(self, cid: str, args: Mapping[str, Any] | None = None) -> dict[str, Any]:
        ch = copy.deepcopy(self.channels[cid])
        args = args or {}
        locale = ch.pop("locale", None)
        if not ch.get("is_im"):
            ch["is_member"] = self.bot_user_id in self._members.get(cid, [])
            if _truthy(args.get("include_num_members")):
                ch["num_members"] = len(self._members.get(cid, []))
        if _truthy(args.get("include_locale")):
            ch["locale"] = locale or "en-US"
        return ch

    def _find_message(self, cid: str, ts: Any) -> dict[str, Any] | None:
        return next((m for m in self._messages.get(cid, []) if m.get("ts") == ts), None)

    def _user(self, user_id: Any) -> dict[str, Any]:
        if not user_id or not isinstance(user_id, str):
            raise FakeSlackError("user_not_found")
        if user_id not in self.users:
            if self.strict:
                raise FakeSlackError("user_not_found")
            self.add_user(user_id)
        return self.users[user_id]

    def _make_view(
        self,
        view_in: Any,
        team: dict[str, Any],
        *,
        view_id: str | None = None,
        root_view_id: str | None = None,
        previous_view_id: str | None = None,
        allowed_types: tuple[str, ...] = ("modal",),
    ) -> dict[str, Any]:
        if not isinstance(view_in, dict) or view_in.get("type") not in allowed_types:
            raise FakeSlackError("invalid_arguments", response_metadata={"messages": ["[ERROR] bad view type"]})
        if view_in["type"] == "modal" and not view_in.get("title"):
            raise FakeSlackError(
                "invalid_arguments", response_metadata={"messages": ["[ERROR] missing required field: title"]}
            )
        vid = view_id or self._new_id("V")
        return {
            "id": vid,
            "team_id": team["id"],
            "type": view_in["type"],
            "blocks": view_in.get("blocks", []),
            "private_metadata": view_in.get("private_metadata", ""),
            "callback_id": view_in.get("callback_id", ""),
            "state": {"values": {}},
            "hash": f"{int(time.time())}.{secrets.token_hex(4)}",
            "title": view_in.get("title"),
            "clear_on_close": bool(view_in.get("clear_on_close", False)),
            "notify_on_close": bool(view_in.get("notify_on_close", False)),
            "close": view_in.get("close"),
            "submit": view_in.get("submit"),
            "previous_view_id": previous_view_id,
            "root_view_id": root_view_id or vid,
            "app_id": self.app_id,
            "external_id": view_in.get("external_id", ""),
            "app_installed_team_id": team["id"],
            "bot_id": team["bot_id"],
        }

    def _use_trigger(self, trigger_id: Any) -> None:
        if not trigger_id:
            raise FakeSlackError("invalid_arguments", response_metadata={"messages": ["missing trigger_id"]})
        if trigger_id in self._used_triggers:
            raise FakeSlackError("exchanged_trigger_id")
        self._used_triggers.add(trigger_id)

    # ---------------------------------------------------------------- Web API methods

    def _m_api_test(self, a: dict[str, Any], ctx: _Ctx) -> dict[str, Any]:
        return {"args": a}

    def _m_auth_test(self, a: dict[str, Any], ctx: _Ctx) -> dict[str, Any]:
        team = ctx.team
        return {
            "url": f"https://{team['domain']}.slack.com/",
            "team": team["name"],
            "user": self.bot_name,
            "team_id": team["id"],
            "user_id": team["bot_user_id"],
            "bot_id": team["bot_id"],
            "bot_user_id": team["bot_user_id"],
            "app_id": self.app_id,
            "enterprise_id": team["enterprise_id"],
            "is_enterprise_install": False,
        }

    def _m_chat_postMessage(self, a: dict[str, Any], ctx: _Ctx) -> dict[str, Any]:
        cid = self._resolve_channel(a.get("channel"), create=True)
        if not (a.get("text") or a.get("blocks") or a.get("attachments")):
            raise FakeSlackError("no_text")
        ts = self._next_ts()
        team = ctx.team
        msg: dict[str, Any] = {
            "user": team["bot_user_id"],
            "type": "message",
            "ts": ts,
            "bot_id": team["bot_id"],
            "app_id": self.app_id,
            "text": a.get("text") or "",
            "team": team["id"],
            "bot_profile": {
                "id": team["bot_id"],
                "app_id": self.app_id,
                "name": self.bot_name,
                "deleted": False,
                "team_id": team["id"],
            },
        }
        for key in ("blocks", "attachments", "metadata", "username", "icon_emoji", "icon_url"):
            if a.get(key) is not None:
                msg[key] = a[key]
        if a.get("thread_ts"):
            msg["thread_ts"] = a["thread_ts"]
            msg["parent_user_id"] = (self._find_message(cid, a["thread_ts"]) or {}).get("user", "")
        self._messages[cid].append(msg)
        return {"channel": cid, "ts": ts, "message": copy.deepcopy(msg)}

    def _m_chat_postEphemeral(self, a: dict[str, Any], ctx: _Ctx) -> dict[str, Any]:
        cid = self._resolve_channel(a.get("channel"), create=True)
        if not a.get("user"):
            raise FakeSlackError("user_not_found")
        if self.strict and a["user"] not in self._members.get(cid, []):
            raise FakeSlackError("user_not_in_channel")
        if not (a.get("text") or a.get("blocks") or a.get("attachments")):
            raise FakeSlackError("no_text")
        ts = self._next_ts()
        self._ephemerals.append({"channel": cid, "message_ts": ts, **a})
        return {"message_ts": ts}

    def _m_chat_update(self, a: dict[str, Any], ctx: _Ctx) -> dict[str, Any]:
        cid = self._resolve_channel(a.get("channel"), create=False, check_member=False)
        msg = self._find_message(cid, a.get("ts"))
        if msg is None:
            raise FakeSlackError("message_not_found")
        if msg.get("user") != ctx.team["bot_user_id"]:
            raise FakeSlackError("cant_update_message")
        for key in ("text", "blocks", "attachments", "metadata"):
            if key in a:
                msg[key] = a[key]
        msg["edited"] = {"user": ctx.team["bot_user_id"], "ts": self._next_ts()}
        return {"channel": cid, "ts": msg["ts"], "text": msg.get("text", ""), "message": copy.deepcopy(msg)}

    def _m_chat_delete(self, a: dict[str, Any], ctx: _Ctx) -> dict[str, Any]:
        cid = self._resolve_channel(a.get("channel"), create=False, check_member=False)
        msg = self._find_message(cid, a.get("ts"))
        if msg is None:
            raise FakeSlackError("message_not_found")
        if msg.get("user") != ctx.team["bot_user_id"]:
            raise FakeSlackError("cant_delete_message")
        self._messages[cid].remove(msg)
        return {"channel": cid, "ts": msg["ts"]}

    def _m_chat_getPermalink(self, a: dict[str, Any], ctx: _Ctx) -> dict[str, Any]:
        cid = self._resolve_channel(a.get("channel"), create=False, check_member=False)
        ts = a.get("message_ts")
        msg = self._find_message(cid, ts)
        if not ts or (msg is None and self.strict):
            raise FakeSlackError("message_not_found")
        link = f"https://{ctx.team['domain']}.slack.com/archives/{cid}/p{str(ts).replace('.', '')}"
        if msg and msg.get("thread_ts") and msg["thread_ts"] != ts:
            link += f"?thread_ts={msg['thread_ts']}&cid={cid}"
        return {"channel": cid, "permalink": link}

    def _m_conversations_open(self, a: dict[str, Any], ctx: _Ctx) -> dict[str, Any]:
        if a.get("channel"):
            cid = self._resolve_channel(a["channel"], create=False, check_member=False)
            return {"channel": self._channel_view(cid) if _truthy(a.get("return_im")) else {"id": cid}}
        users = _as_list(a.get("users"))
        if not users:
            raise FakeSlackError("users_list_not_supplied")
        for uid in users:
            self._user(uid)
        if len(users) == 1:
            already = users[0] in self._ims
            cid = self._open_im(users[0])
            channel = self._channel_view(cid) if _truthy(a.get("return_im")) else {"id": cid}
            return {"no_op": already, "already_open": already, "channel": channel}
        key = ",".join(sorted(users))
        cid = self._ims.get(key) or self._new_id("G")
        if key not in self._ims:
            self._ims[key] = cid
            self.add_channel(f"mpdm-{'--'.join(users)}-1", channel_id=cid, is_private=True)
            self.channels[cid]["is_mpim"] = True
            self.channels[cid]["is_group"] = False
            self._members[cid] = [*users, ctx.team["bot_user_id"]]
        return {"channel": {"id": cid}}

    def _m_conversations_create(self, a: dict[str, Any], ctx: _Ctx) -> dict[str, Any]:
        name = a.get("name") or ""
        if not name:
            raise FakeSlackError("invalid_name_required")
        if len(name) > 80:
            raise FakeSlackError("invalid_name_maxlength")
        if any(not ((c.isalnum() and not c.isupper()) or c in "-_") for c in name):
            raise FakeSlackError("invalid_name_specials")
        if all(c in "-_" for c in name):
            raise FakeSlackError("invalid_name_punctuation")
        if any(ch.get("name") == name for ch in self.channels.values()):
            raise FakeSlackError("name_taken")
        is_private = _truthy(a.get("is_private"))
        cid = self.add_channel(
            name,
            channel_id=self._new_id("C"),
            is_private=is_private,
            members=[ctx.team["bot_user_id"]],
            team_id=ctx.team["id"],
        )
        self.channels[cid]["creator"] = ctx.team["bot_user_id"]
        return {"channel": self._channel_view(cid)}

    def _existing_channel(self, value: Any) -> str:
        cid = self._lookup_channel(value if isinstance(value, str) else None)
        if cid is None:
            raise FakeSlackError("channel_not_found")
        return cid

    def _m_conversations_info(self, a: dict[str, Any], ctx: _Ctx) -> dict[str, Any]:
        return {"channel": self._channel_view(self._existing_channel(a.get("channel")), a)}

    def _m_conversations_members(self, a: dict[str, Any], ctx: _Ctx) -> dict[str, Any]:
        cid = self._existing_channel(a.get("channel"))
        page, cursor = _paginate(self._members.get(cid, []), a)
        return {"members": page, "response_metadata": {"next_cursor": cursor}}

    def _m_conversations_join(self, a: dict[str, Any], ctx: _Ctx) -> dict[str, Any]:
        cid = self._existing_channel(a.get("channel"))
        ch = self.channels[cid]
        if ch.get("is_private") or ch.get("is_im"):
            raise FakeSlackError("method_not_supported_for_channel_type")
        if ch.get("is_archived"):
            raise FakeSlackError("is_archived")
        members = self._members.setdefault(cid, [])
        result: dict[str, Any] = {}
        if ctx.team["bot_user_id"] in members:
            result = {
                "warning": "already_in_channel",
                "response_metadata": {"warnings": ["already_in_channel"]},
            }
        else:
            members.append(ctx.team["bot_user_id"])
        return {"channel": self._channel_view(cid), **result}

    def _m_conversations_invite(self, a: dict[str, Any], ctx: _Ctx) -> dict[str, Any]:
        cid = self._existing_channel(a.get("channel"))
        users = _as_list(a.get("users"))
        if not users:
            raise FakeSlackError("no_user")
        members = self._members.setdefault(cid, [])
        if self.strict and ctx.team["bot_user_id"] not in members:
            raise FakeSlackError("not_in_channel")
        if ctx.team["bot_user_id"] in users:
            raise FakeSlackError("cant_invite_self")
        for uid in users:
            self._user(uid)
        new = [u for u in users if u not in members]
        if not new:
            raise FakeSlackError("already_in_channel")
        members.extend(new)
        return {"channel": self._channel_view(cid)}

    def _m_conversations_list(self, a: dict[str, Any], ctx: _Ctx) -> dict[str, Any]:
        types = set(_as_list(a.get("types")) or ["public_channel"])
        exclude_archived = _truthy(a.get("exclude_archived"))

        def kind(ch: dict[str, Any]) -> str:
            if ch.get("is_im"):
                return "im"
            if ch.get("is_mpim"):
                return "mpim"
            return "private_channel" if ch.get("is_private") else "public_channel"

        chosen = [
            self._channel_view(cid)
            for cid, ch in self.channels.items()
            if kind(ch) in types and not (exclude_archived and ch.get("is_archived"))
        ]
        page, cursor = _paginate(chosen, a)
        return {"channels": page, "response_metadata": {"next_cursor": cursor}}

    def _m_conversations_history(self, a: dict[str, Any], ctx: _Ctx) -> dict[str, Any]:
        cid = self._existing_channel(a.get("channel"))
        msgs = [copy.deepcopy(m) for m in reversed(self._messages.get(cid, []))]
        page, cursor = _paginate(msgs, a)
        return {
            "messages": page,
            "has_more": bool(cursor),
            "pin_count": 0,
            "response_metadata": {"next_cursor": cursor},
        }

    def _m_users_info(self, a: dict[str, Any], ctx: _Ctx) -> dict[str, Any]:
        user = copy.deepcopy(self._user(a.get("user")))
        if not _truthy(a.get("include_locale")):
            user.pop("locale", None)
        return {"user": user}

    def _m_views_open(self, a: dict[str, Any], ctx: _Ctx) -> dict[str, Any]:
        self._use_trigger(a.get("trigger_id") or a.get("interactivity_pointer"))
        view = self._make_view(a.get("view"), ctx.team)
        self.views[view["id"]] = view
        return {"view": copy.deepcopy(view)}

    def _m_views_push(self, a: dict[str, Any], ctx: _Ctx) -> dict[str, Any]:
        self._use_trigger(a.get("trigger_id") or a.get("interactivity_pointer"))
        previous = next(reversed(self.views), None)
        root = self.views[previous]["root_view_id"] if previous else None
        view = self._make_view(a.get("view"), ctx.team, root_view_id=root, previous_view_id=previous)
        self.views[view["id"]] = view
        return {"view": copy.deepcopy(view)}

    def _m_views_update(self, a: dict[str, Any], ctx: _Ctx) -> dict[str, Any]:
        vid = a.get("view_id")
        if not vid and a.get("external_id"):
            vid = next((k for k, v in self.views.items() if v.get("external_id") == a["external_id"]), None)
        if not vid or vid not in self.views:
            raise FakeSlackError("not_found")
        old = self.views[vid]
        if a.get("hash") and a["hash"] != old["hash"]:
            raise FakeSlackError("hash_conflict")
        view = self._make_view(
            a.get("view"),
            ctx.team,
            view_id=vid,
            root_view_id=old["root_view_id"],
            previous_view_id=old["previous_view_id"],
            allowed_types=("modal", "home"),
        )
        self.views[vid] = view
        return {"view": copy.deepcopy(view)}

    def _m_views_publish(self, a: dict[str, Any], ctx: _Ctx) -> dict[str, Any]:
        user_id = a.get("user_id")
        self._user(user_id)
        assert isinstance(user_id, str)
        old = self.home_views.get(user_id)
        if old and a.get("hash") and a["hash"] != old["hash"]:
            raise FakeSlackError("hash_conflict")
        view = self._make_view(a.get("view"), ctx.team, view_id=old["id"] if old else None, allowed_types=("home",))
        self.home_views[user_id] = view
        self.views[view["id"]] = view
        return {"view": copy.deepcopy(view)}

    def _reaction_target(self, a: dict[str, Any]) -> tuple[dict[str, Any] | None, str]:
        cid = self._resolve_channel(a.get("channel"), create=True, check_member=False)
        name = a.get("name")
        if not name:
            raise FakeSlackError("invalid_name")
        msg = self._find_message(cid, a.get("timestamp"))
        if msg is None and (self.strict or not a.get("timestamp")):
            raise FakeSlackError("message_not_found")
        return msg, str(name).strip(":")

    def _m_reactions_add(self, a: dict[str, Any], ctx: _Ctx) -> dict[str, Any]:
        msg, name = self._reaction_target(a)
        if msg is not None:
            reactions = msg.setdefault("reactions", [])
            r = next((r for r in reactions if r["name"] == name), None)
            if r is None:
                r = {"name": name, "users": [], "count": 0}
                reactions.append(r)
            if ctx.team["bot_user_id"] in r["users"]:
                raise FakeSlackError("already_reacted")
            r["users"].append(ctx.team["bot_user_id"])
            r["count"] = len(r["users"])
        return {}

    def _m_reactions_remove(self, a: dict[str, Any], ctx: _Ctx) -> dict[str, Any]:
        msg, name = self._reaction_target(a)
        if msg is not None:
            reactions = msg.get("reactions", [])
            r = next((r for r in reactions if r["name"] == name), None)
            if r is None or ctx.team["bot_user_id"] not in r["users"]:
                raise FakeSlackError("no_reaction")
            r["users"].remove(ctx.team["bot_user_id"])
            r["count"] = len(r["users"])
            if not r["users"]:
                reactions.remove(r)
        return {}

    def _m_oauth_v2_access(self, a: dict[str, Any], ctx: _Ctx) -> dict[str, Any]:
        client_id, client_secret = a.get("client_id"), a.get("client_secret")
        auth = ctx.headers.get("Authorization", "")
        if auth.startswith("Basic "):
            client_id, _, client_secret = base64.b64decode(auth[6:]).decode().partition(":")
        if not client_id or (self.client_id is not None and client_id != self.client_id):
            raise FakeSlackError("invalid_client_id")
        if not client_secret or (self.client_secret is not None and client_secret != self.client_secret):
            raise FakeSlackError("bad_client_secret")
        code = a.get("code")
        if not code or code in self._used_codes:
            raise FakeSlackError("invalid_code")
        self._used_codes.add(code)
        inst = self._oauth_install
        team_id = inst.get("team_id") or self.primary_team_id
        if team_id not in self.teams:
            self.add_team(team_id, name=inst.get("team_name"), bot_user_id=inst.get("bot_user_id"))
        team = self.teams[team_id]
        token = f"xoxb-{secrets.randbelow(10**12)}-{secrets.randbelow(10**13)}-{secrets.token_urlsafe(18)}"
        self._token_teams[token] = team_id
        self.issued_tokens.append(token)
        if self.valid_tokens is not None:
            self.valid_tokens.add(token)
        authed_user: dict[str, Any] = {"id": inst.get("user_id", DEFAULT_USER_ID)}
        if inst.get("user_scope"):
            user_token = f"xoxp-{secrets.randbelow(10**12)}-{secrets.token_urlsafe(18)}"
            self._token_teams[user_token] = team_id
            self.issued_tokens.append(user_token)
            if self.valid_tokens is not None:
                self.valid_tokens.add(user_token)
            authed_user.update({"scope": inst["user_scope"], "access_token": user_token, "token_type": "user"})
        return {
            "app_id": self.app_id,
            "authed_user": authed_user,
            "scope": inst.get("scope", DEFAULT_BOT_SCOPE),
            "token_type": "bot",
            "access_token": token,
            "bot_user_id": team["bot_user_id"],
            "team": {"id": team["id"], "name": inst.get("team_name") or team["name"]},
            "enterprise": None,
            "is_enterprise_install": False,
        }

    def _m_apps_connections_open(self, a: dict[str, Any], ctx: _Ctx) -> dict[str, Any]:
        ticket = str(uuid.uuid4())
        self._tickets.add(ticket)
        query = urlencode({"ticket": ticket, "app_id": self.app_id})
        return {"url": f"ws://{self.host}:{self.port}/link/?{query}"}

    def _m_team_info(self, a: dict[str, Any], ctx: _Ctx) -> dict[str, Any]:
        team = self.teams.get(a["team"]) if a.get("team") else ctx.team
        if team is None:
            raise FakeSlackError("team_not_found")
        info: dict[str, Any] = {
            "id": team["id"],
            "name": team["name"],
            "url": f"https://{team['domain']}.slack.com/",
            "domain": team["domain"],
            "email_domain": "",
            "icon": {"image_default": True, "image_34": "https://a.slack-edge.com/team_34.png"},
            "avatar_base_url": "https://ca.slack-edge.com/",
            "is_verified": False,
        }
        if team["enterprise_id"]:
            info["enterprise_id"] = team["enterprise_id"]
        return {"team": info}

    def _m_bots_info(self, a: dict[str, Any], ctx: _Ctx) -> dict[str, Any]:
        bot_id = a.get("bot")
        team = next((t for t in self.teams.values() if t["bot_id"] == bot_id), None)
        if team is None and (self.strict or not bot_id):
            raise FakeSlackError("bot_not_found")
        return {
            "bot": {
                "id": bot_id,
                "deleted": False,
                "name": self.bot_name if team else f"bot-{str(bot_id).lower()}",
                "updated": int(time.time()),
                "app_id": self.app_id if team else f"A{str(bot_id)[1:]}",
                "user_id": team["bot_user_id"] if team else f"U{str(bot_id)[1:]}",
                "icons": {
                    "image_36": "https://a.slack-edge.com/bot_36.png",
                    "image_48": "https://a.slack-edge.com/bot_48.png",
                    "image_72": "https://a.slack-edge.com/bot_72.png",
                },
            }
        }


# --------------------------------------------------------------------------------------------
# Payload builders (what Slack sends to an app), shared by HTTP and Socket Mode
# --------------------------------------------------------------------------------------------


def _user_obj(user_id: str, team_id: str) -> dict[str, Any]:
    name = user_id.lower()
    return {"id": user_id, "username": name, "name": name, "team_id": team_id}


def _team_obj(team_id: str) -> dict[str, Any]:
    return {"id": team_id, "domain": DEFAULT_TEAM_DOMAIN if team_id == DEFAULT_TEAM_ID else team_id.lower()}


def _action_ts() -> str:
    return f"{time.time():.6f}"


def slash_command_payload(
    command: str,
    text: str = "",
    *,
    user_id: str = DEFAULT_USER_ID,
    team_id: str = DEFAULT_TEAM_ID,
    channel_id: str = DEFAULT_CHANNEL_ID,
    channel_name: str | None = None,
    trigger_id: str | None = None,
    response_url: str | None = None,
    api_app_id: str = DEFAULT_APP_ID,
    enterprise_id: str | None = None,
    verification_token: str = DEFAULT_VERIFICATION_TOKEN,
    user_name: str | None = None,
) -> dict[str, str]:
    """The form fields of a slash command (also the Socket Mode ``slash_commands`` payload)."""
    fields = {
        "token": verification_token,
        "team_id": team_id,
        "team_domain": _team_obj(team_id)["domain"],
        "channel_id": channel_id,
        "channel_name": channel_name or ("directmessage" if channel_id.startswith("D") else "general"),
        "user_id": user_id,
        "user_name": user_name or user_id.lower(),
        "command": command,
        "text": text,
        "api_app_id": api_app_id,
        "is_enterprise_install": "false",
        "response_url": response_url or f"https://hooks.slack.com/commands/{team_id}/1/{secrets.token_hex(12)}",
        "trigger_id": trigger_id or new_trigger_id(),
    }
    if enterprise_id:
        fields["enterprise_id"] = enterprise_id
        fields["enterprise_name"] = "Enterprise"
    return fields


def event_callback_payload(
    event: dict[str, Any],
    *,
    team_id: str = DEFAULT_TEAM_ID,
    event_id: str | None = None,
    api_app_id: str = DEFAULT_APP_ID,
    bot_user_id: str = DEFAULT_BOT_USER_ID,
    event_time: int | None = None,
    verification_token: str = DEFAULT_VERIFICATION_TOKEN,
) -> dict[str, Any]:
    """An Events API ``event_callback`` body (also the Socket Mode ``events_api`` payload)."""
    now = event_time or int(time.time())
    event = {"event_ts": f"{now}.000100", **event}
    return {
        "token": verification_token,
        "team_id": team_id,
        "context_team_id": team_id,
        "context_enterprise_id": None,
        "api_app_id": api_app_id,
        "event": event,
        "type": "event_callback",
        "event_id": event_id or f"Ev{secrets.token_hex(5).upper()}",
        "event_time": now,
        "authorizations": [
            {
                "enterprise_id": None,
                "team_id": team_id,
                "user_id": bot_user_id,
                "is_bot": True,
                "is_enterprise_install": False,
            }
        ],
        "is_ext_shared_channel": False,
        "event_context": f"4-{secrets.token_urlsafe(24)}",
    }


def block_actions_payload(
    action_id: str,
    value: str | None = None,
    *,
    block_id: str = "actions",
    action_type: str = "button",
    user_id: str = DEFAULT_USER_ID,
    team_id: str = DEFAULT_TEAM_ID,
    channel_id: str = DEFAULT_CHANNEL_ID,
    message_ts: str | None = None,
    message: dict[str, Any] | None = None,
    view: dict[str, Any] | None = None,
    trigger_id: str | None = None,
    response_url: str | None = None,
    actions: list[dict[str, Any]] | None = None,
    state_values: dict[str, Any] | None = None,
    api_app_id: str = DEFAULT_APP_ID,
    verification_token: str = DEFAULT_VERIFICATION_TOKEN,
) -> dict[str, Any]:
    """A ``block_actions`` payload: a click in a message, or in a modal/home tab if ``view`` is given."""
    if actions is None:
        action: dict[str, Any] = {
            "action_id": action_id,
            "block_id": block_id,
            "type": action_type,
            "action_ts": _action_ts(),
        }
        if action_type == "button":
            action["text"] = {"type": "plain_text", "text": value or action_id, "emoji": True}
        if action_type == "static_select" and value is not None:
            action["selected_option"] = {"text": {"type": "plain_text", "text": value}, "value": value}
        elif value is not None:
            action["value"] = value
        actions = [action]
    payload: dict[str, Any] = {
        "type": "block_actions",
        "user": _user_obj(user_id, team_id),
        "api_app_id": api_app_id,
        "token": verification_token,
        "trigger_id": trigger_id or new_trigger_id(),
        "team": _team_obj(team_id),
        "enterprise": None,
        "is_enterprise_install": False,
        "state": {"values": state_values or {}},
        "actions": actions,
    }
    if view is not None:
        payload["container"] = {"type": "view", "view_id": view.get("id", "V0VIEW001")}
        payload["view"] = view
    else:
        ts = message_ts or (message or {}).get("ts") or f"{int(time.time())}.000200"
        payload["container"] = {
            "type": "message",
            "message_ts": ts,
            "channel_id": channel_id,
            "is_ephemeral": False,
        }
        payload["channel"] = {"id": channel_id, "name": "general"}
        payload["message"] = message or {"type": "message", "ts": ts, "user": DEFAULT_BOT_USER_ID, "text": ""}
        payload["response_url"] = response_url or (
            f"https://hooks.slack.com/actions/{team_id}/1/{secrets.token_hex(12)}"
        )
    return payload


def _state_values(values: Mapping[str, Any] | None) -> dict[str, Any]:
    """``{block_id: {action_id: value}}`` (or ``{block_id: value}``) -> Slack's state.values."""
    out: dict[str, Any] = {}
    for block_id, inner in (values or {}).items():
        if not isinstance(inner, Mapping):
            inner = {block_id: inner}
        out[block_id] = {}
        for action_id, value in inner.items():
            if isinstance(value, Mapping):
                out[block_id][action_id] = dict(value)
            else:
                out[block_id][action_id] = {"type": "plain_text_input", "value": value}
    return out


def view_submission_payload(
    callback_id: str,
    values: Mapping[str, Any] | None = None,
    private_metadata: str = "",
    user_id: str = DEFAULT_USER_ID,
    team_id: str = DEFAULT_TEAM_ID,
    view_id: str | None = None,
    *,
    state_values: dict[str, Any] | None = None,
    blocks: list[dict[str, Any]] | None = None,
    title: str = "Modal",
    view_hash: str | None = None,
    response_urls: list[dict[str, Any]] | None = None,
    trigger_id: str | None = None,
    api_app_id: str = DEFAULT_APP_ID,
    bot_id: str = DEFAULT_BOT_ID,
    verification_token: str = DEFAULT_VERIFICATION_TOKEN,
) -> dict[str, Any]:
    """A ``view_submission`` payload.

    ``values`` is ``{block_id: {action_id: value}}``; a plain value becomes
    ``{"type": "plain_text_input", "value": value}``, a dict is used as is. ``state_values``
    replaces ``view.state.values`` wholesale.
    """
    vid = view_id or f"V{secrets.token_hex(4).upper()}"
    return {
        "type": "view_submission",
        "team": _team_obj(team_id),
        "user": _user_obj(user_id, team_id),
        "api_app_id": api_app_id,
        "token": verification_token,
        "trigger_id": trigger_id or new_trigger_id(),
        "view": {
            "id": vid,
            "team_id": team_id,
            "type": "modal",
            "blocks": blocks or [],
            "private_metadata": private_metadata,
            "callback_id": callback_id,
            "state": {"values": state_values if state_values is not None else _state_values(values)},
            "hash": view_hash or f"{int(time.time())}.{secrets.token_hex(4)}",
            "title": {"type": "plain_text", "text": title, "emoji": True},
            "clear_on_close": False,
            "notify_on_close": False,
            "close": {"type": "plain_text", "text": "Cancel", "emoji": True},
            "submit": {"type": "plain_text", "text": "Submit", "emoji": True},
            "previous_view_id": None,
            "root_view_id": vid,
            "app_id": api_app_id,
            "external_id": "",
            "app_installed_team_id": team_id,
            "bot_id": bot_id,
        },
        "response_urls": response_urls or [],
        "is_enterprise_install": False,
        "enterprise": None,
    }


def shortcut_payload(
    callback_id: str,
    *,
    user_id: str = DEFAULT_USER_ID,
    team_id: str = DEFAULT_TEAM_ID,
    trigger_id: str | None = None,
    verification_token: str = DEFAULT_VERIFICATION_TOKEN,
) -> dict[str, Any]:
    """A global shortcut payload (``type: shortcut``)."""
    return {
        "type": "shortcut",
        "token": verification_token,
        "action_ts": _action_ts(),
        "team": _team_obj(team_id),
        "user": _user_obj(user_id, team_id),
        "is_enterprise_install": False,
        "enterprise": None,
        "callback_id": callback_id,
        "trigger_id": trigger_id or new_trigger_id(),
    }


def message_shortcut_payload(
    callback_id: str,
    *,
    message: dict[str, Any] | None = None,
    message_ts: str | None = None,
    channel_id: str = DEFAULT_CHANNEL_ID,
    user_id: str = DEFAULT_USER_ID,
    team_id: str = DEFAULT_TEAM_ID,
    trigger_id: str | None = None,
    response_url: str | None = None,
    verification_token: str = DEFAULT_VERIFICATION_TOKEN,
) -> dict[str, Any]:
    """A message shortcut payload (``type: message_action``)."""
    ts = message_ts or (message or {}).get("ts") or f"{int(time.time())}.000300"
    return {
        "type": "message_action",
        "token": verification_token,
        "action_ts": _action_ts(),
        "team": _team_obj(team_id),
        "user": _user_obj(user_id, team_id),
        "channel": {"id": channel_id, "name": "general"},
        "is_enterprise_install": False,
        "enterprise": None,
        "callback_id": callback_id,
        "trigger_id": trigger_id or new_trigger_id(),
        "response_url": response_url or f"https://hooks.slack.com/app/{team_id}/1/{secrets.token_hex(12)}",
        "message_ts": ts,
        "message": message or {"type": "message", "user": user_id, "ts": ts, "text": "a message"},
    }


# --------------------------------------------------------------------------------------------
# Signed requests to an app's HTTP endpoint
# --------------------------------------------------------------------------------------------


def sign_request(signing_secret: str, timestamp: int | str, body: bytes | str) -> str:
    """``v0=`` + HMAC-SHA256 of ``v0:{timestamp}:{body}``, as in ``X-Slack-Signature``."""
    if isinstance(body, bytes):
        body = body.decode("utf-8")
    base = f"v0:{timestamp}:{body}".encode()
    return "v0=" + hmac.new(signing_secret.encode(), base, hashlib.sha256).hexdigest()


class SignedSlackClient:
    """Posts to an app's Slack endpoint like Slack does (signed; form-encoded or JSON).

    Target either ``url`` (a full URL) or ``app`` (an ASGI app, via ``httpx.ASGITransport``,
    posting to ``path``). Pass ``fake`` so that response URLs point at the fake, where posts are
    recorded in ``fake.responses``. Every sending method accepts the forging knobs
    ``signature=``, ``timestamp=``, ``omit_headers=`` and extra ``headers=``; all return the
    ``httpx.Response``.
    """

    def __init__(
        self,
        signing_secret: str,
        *,
        url: str | None = None,
        app: Any = None,
        path: str = "/slack/events",
        fake: FakeSlackWebAPI | None = None,
        team_id: str | None = None,
        user_id: str = DEFAULT_USER_ID,
        channel_id: str = DEFAULT_CHANNEL_ID,
        api_app_id: str | None = None,
        verification_token: str = DEFAULT_VERIFICATION_TOKEN,
        timeout: float = 5.0,
    ) -> None:
        if (url is None) == (app is None):
            raise ValueError("pass exactly one of url= or app=")
        self.signing_secret = signing_secret
        self.fake = fake
        self.team_id = team_id or (fake.team_id if fake else DEFAULT_TEAM_ID)
        self.user_id = user_id
        self.channel_id = channel_id
        self.api_app_id = api_app_id or (fake.app_id if fake else DEFAULT_APP_ID)
        self.bot_user_id = fake.bot_user_id if fake else DEFAULT_BOT_USER_ID
        self.bot_id = fake.bot_id if fake else DEFAULT_BOT_ID
        self.verification_token = verification_token
        if app is not None:
            self.url = "http://testserver" + path
            self._http = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), timeout=timeout)
        else:
            assert url is not None
            self.url = url
            self._http = httpx.AsyncClient(timeout=timeout)

    async def __aenter__(self) -> SignedSlackClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._http.aclose()

    def _response_url(self, kind: str) -> str | None:
        return self.fake.response_url(f"{kind}-{uuid.uuid4().hex[:12]}") if self.fake else None

    async def post_raw(
        self,
        body: bytes | str,
        content_type: str = "application/json",
        headers: Mapping[str, str] | None = None,
        *,
        signature: str | None = None,
        timestamp: int | None = None,
        omit_headers: bool = False,
    ) -> httpx.Response:
        """POST ``body`` as is, signed unless ``omit_headers`` (or forged via ``signature``)."""
        if isinstance(body, str):
            body = body.encode()
        ts = int(time.time()) if timestamp is None else timestamp
        final: dict[str, str] = {
            "Content-Type": content_type,
            "User-Agent": "Slackbot 1.0 (+https://api.slack.com/robots)",
            "Accept": "application/json,*/*",
        }
        if not omit_headers:
            final["X-Slack-Request-Timestamp"] = str(ts)
            final["X-Slack-Signature"] = signature or sign_request(self.signing_secret, ts, body)
        final.update(headers or {})
        return await self._http.post(self.url, content=body, headers=final)

    async def _form(self, fields: Mapping[str, str], **forge: Any) -> httpx.Response:
        return await self.post_raw(urlencode(fields).encode(), "application/x-www-form-urlencoded", **forge)

    async def _interactive(self, payload: dict[str, Any], **forge: Any) -> httpx.Response:
        return await self._form({"payload": json.dumps(payload)}, **forge)

    async def slash_command(
        self,
        command: str,
        text: str = "",
        *,
        user_id: str | None = None,
        team_id: str | None = None,
        channel_id: str | None = None,
        trigger_id: str | None = None,
        response_url: str | None = None,
        **forge: Any,
    ) -> httpx.Response:
        fields = slash_command_payload(
            command,
            text,
            user_id=user_id or self.user_id,
            team_id=team_id or self.team_id,
            channel_id=channel_id or self.channel_id,
            trigger_id=trigger_id,
            response_url=response_url or self._response_url("cmd"),
            api_app_id=self.api_app_id,
            verification_token=self.verification_token,
        )
        return await self._form(fields, **forge)

    async def event(
        self,
        event: dict[str, Any],
        *,
        team_id: str | None = None,
        event_id: str | None = None,
        retry_num: int | None = None,
        retry_reason: str | None = None,
        headers: Mapping[str, str] | None = None,
        **forge: Any,
    ) -> httpx.Response:
        body = event_callback_payload(
            event,
            team_id=team_id or self.team_id,
            event_id=event_id,
            api_app_id=self.api_app_id,
            bot_user_id=self.bot_user_id,
            verification_token=self.verification_token,
        )
        extra = dict(headers or {})
        if retry_num is not None:
            extra["X-Slack-Retry-Num"] = str(retry_num)
        if retry_reason is not None:
            extra["X-Slack-Retry-Reason"] = retry_reason
        return await self.post_raw(json.dumps(body).encode(), "application/json", extra, **forge)

    async def url_verification(self, challenge: str | None = None, **forge: Any) -> httpx.Response:
        body = {
            "token": self.verification_token,
            "challenge": challenge or secrets.token_urlsafe(24),
            "type": "url_verification",
        }
        return await self.post_raw(json.dumps(body).encode(), "application/json", **forge)

    async def block_action(
        self,
        action_id: str,
        value: str | None = None,
        *,
        user_id: str | None = None,
        team_id: str | None = None,
        channel_id: str | None = None,
        signature: str | None = None,
        timestamp: int | None = None,
        omit_headers: bool = False,
        headers: Mapping[str, str] | None = None,
        **kwargs: Any,
    ) -> httpx.Response:
        """Extra keyword arguments go to :func:`block_actions_payload` (block_id, view, message...)."""
        kwargs.setdefault("response_url", self._response_url("act"))
        payload = block_actions_payload(
            action_id,
            value,
            user_id=user_id or self.user_id,
            team_id=team_id or self.team_id,
            channel_id=channel_id or self.channel_id,
            api_app_id=self.api_app_id,
            verification_token=self.verification_token,
            **kwargs,
        )
        return await self._interactive(
            payload, signature=signature, timestamp=timestamp, omit_headers=omit_headers, headers=headers
        )

    async def view_submission(
        self,
        callback_id: str,
        values: Mapping[str, Any] | None = None,
        private_metadata: str = "",
        user_id: str | None = None,
        team_id: str | None = None,
        view_id: str | None = None,
        *,
        state_values: dict[str, Any] | None = None,
        signature: str | None = None,
        timestamp: int | None = None,
        omit_headers: bool = False,
        headers: Mapping[str, str] | None = None,
        **kwargs: Any,
    ) -> httpx.Response:
        """Extra keyword arguments go to :func:`view_submission_payload` (blocks, title, ...)."""
        payload = view_submission_payload(
            callback_id,
            values,
            private_metadata,
            user_id or self.user_id,
            team_id or self.team_id,
            view_id,
            state_values=state_values,
            api_app_id=self.api_app_id,
            bot_id=self.bot_id,
            verification_token=self.verification_token,
            **kwargs,
        )
        return await self._interactive(
            payload, signature=signature, timestamp=timestamp, omit_headers=omit_headers, headers=headers
        )

    async def shortcut(
        self,
        callback_id: str,
        *,
        user_id: str | None = None,
        team_id: str | None = None,
        trigger_id: str | None = None,
        **forge: Any,
    ) -> httpx.Response:
        payload = shortcut_payload(
            callback_id,
            user_id=user_id or self.user_id,
            team_id=team_id or self.team_id,
            trigger_id=trigger_id,
            verification_token=self.verification_token,
        )
        return await self._interactive(payload, **forge)

    async def message_shortcut(
        self,
        callback_id: str,
        *,
        message: dict[str, Any] | None = None,
        message_ts: str | None = None,
        channel_id: str | None = None,
        user_id: str | None = None,
        team_id: str | None = None,
        trigger_id: str | None = None,
        **forge: Any,
    ) -> httpx.Response:
        payload = message_shortcut_payload(
            callback_id,
            message=message,
            message_ts=message_ts,
            channel_id=channel_id or self.channel_id,
            user_id=user_id or self.user_id,
            team_id=team_id or self.team_id,
            trigger_id=trigger_id,
            response_url=self._response_url("msc"),
            verification_token=self.verification_token,
        )
        return await self._interactive(payload, **forge)
