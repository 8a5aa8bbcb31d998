"""Faults a test injects into the Discord fake: 429s, 403s, failures, deleted channels/webhooks, closed DMs."""

from __future__ import annotations

import copy
import hashlib
import math
from collections.abc import Callable, Mapping
from http import HTTPStatus
from typing import Any

from .wire import Handler, _Fault, _route_regex


class FaultsMixin:
    """Fault injection and extra routes."""

    # ------------------------------------------------------------------ fault injection

    def rate_limit_next(
        self, method: str | None, path_pattern: str, retry_after: float = 0.2, global_: bool = False, times: int = 1
    ) -> None:
        """Answer the next ``times`` matching requests with a 429 that discord.py honours and retries."""
        now = self.now()
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

