"""What a test reads back from the Discord fake: recorded requests, sent messages, and waiting for them."""

from __future__ import annotations

import asyncio
import copy
from collections.abc import Callable, Mapping
from typing import Any

from .wire import Request


class AssertionsMixin:
    """Waiting on the fake and reading what the bot did."""

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

