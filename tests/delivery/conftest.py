"""Fixtures of the delivery tests: a clock moved by hand, the core on it, and a chat that does what it is told.

The database comes from `tests/conftest.py` (a SQLite file, or a PostgreSQL schema per test).
"""

from __future__ import annotations

from collections import defaultdict, deque
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.engine import Engine

from bot.messages import Form, Identity, Reply
from bot.ports import Capabilities, ChatError
from bot.settings import Settings
from bot.wiring import Core, build_core


class MovableClock:
    """A clock that moves only when a test moves it (it starts at the real time: the fakes' timestamps are real)."""

    def __init__(self) -> None:
        self.moment = datetime.now(UTC).replace(microsecond=0)

    def now(self) -> datetime:
        return self.moment

    def seconds(self) -> float:
        """The same time in seconds, for the fakes' rate limits."""
        return self.moment.timestamp()

    def advance(self, **delta: float) -> None:
        self.moment += timedelta(**delta)


@pytest.fixture
def clock() -> MovableClock:
    return MovableClock()


@pytest.fixture
def core(settings: Settings, engine: Engine, clock: MovableClock) -> Core:
    return build_core(settings, engine=engine, clock=clock, migrate=False)


@dataclass
class Posted:
    target: Identity
    text: str
    direct: bool


@dataclass
class ScriptedChat:
    """A chat that records what it sends and answers each target with the errors a test queued for it."""

    platform: str = "console"
    capabilities: Capabilities = field(default_factory=Capabilities)
    posted: list[Posted] = field(default_factory=list)
    failures: dict[str, deque[ChatError]] = field(default_factory=lambda: defaultdict(deque))

    def fail(self, target: Identity, *errors: ChatError) -> None:
        """The next attempts for `target` answer these errors, in turn."""
        self.failures[target.id].extend(errors)

    def _send(self, target: Identity, reply: Reply, direct: bool) -> str:
        queued = self.failures.get(target.id)
        if queued:
            raise queued.popleft()
        self.posted.append(Posted(target, reply.text, direct))
        return str(len(self.posted))

    def texts(self, target: Identity | None = None) -> list[str]:
        return [p.text for p in self.posted if target is None or p.target == target]

    async def post(self, channel: Identity, reply: Reply) -> str:
        return self._send(channel, reply, False)

    async def reply_in_thread(self, channel: Identity, thread_id: str, reply: Reply) -> str:
        return self._send(channel, reply, False)

    async def direct_message(self, user: Identity, reply: Reply) -> str:
        return self._send(user, reply, True)

    async def ephemeral(self, channel: Identity, user: Identity, reply: Reply) -> None:
        return None

    async def open_form(self, user: Identity, form: Form, *, trigger: str | None = None) -> None:
        return None

    async def create_channel(self, workspace: str, name: str) -> Identity:
        return Identity(self.platform, workspace, name)
