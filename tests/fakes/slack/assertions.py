"""What a test reads back from the Slack fake, and waiting for a call."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

from .wire import Call


class AssertionsMixin:
    """Reading back what the bot did."""

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

