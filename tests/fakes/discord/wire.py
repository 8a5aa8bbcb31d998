"""Discord's wire vocabulary for the fake: intents, permissions, recorded requests, API errors, snowflakes, routes."""

from __future__ import annotations

import datetime as dt
import re
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

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



_ROUTES: list[tuple[str, str, str, bool]] = []  # (method, template, handler name, needs bot auth)


def _route(method: str, template: str, *, auth: bool = True) -> Callable[[Any], Any]:
    def decorate(fn: Any) -> Any:
        _ROUTES.append((method, template, fn.__name__, auth))
        return fn

    return decorate


Handler = Callable[[Request, dict[str, str]], Awaitable[Any]]
