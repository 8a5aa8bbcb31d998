"""Slack's wire vocabulary for the fake: default ids, the call record, errors, cursors."""

from __future__ import annotations

import base64
import secrets
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

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
