"""The ports the core talks through: a chat platform, a translator, a clock."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Protocol, runtime_checkable

from bot.messages import Form, Identity, Reply


@dataclass(frozen=True)
class Capabilities:
    """What a platform can do; the core falls back when it cannot (a dialogue instead of a modal)."""

    modals: bool = False
    max_modal_fields: int = 0
    ephemeral: bool = False
    threads: bool = False
    buttons: bool = False
    post_as_other: bool = False
    max_message_length: int = 4000
    create_channels: bool = False


@runtime_checkable
class Chat(Protocol):
    """Sending side of a chat platform."""

    platform: str
    capabilities: Capabilities

    async def post(self, channel: Identity, reply: Reply) -> str:
        """Post in a conversation; returns the new message's id."""
        ...

    async def reply_in_thread(self, channel: Identity, thread_id: str, reply: Reply) -> str: ...

    async def direct_message(self, user: Identity, reply: Reply) -> str: ...

    async def ephemeral(self, channel: Identity, user: Identity, reply: Reply) -> None: ...

    async def open_form(self, user: Identity, form: Form, *, trigger: str | None = None) -> None: ...

    async def create_channel(self, workspace: str, name: str) -> Identity: ...


@dataclass(frozen=True)
class Translation:
    text: str
    detected_source: str
    billed_characters: int


class Translator(Protocol):
    """Machine translation (DeepL behind it); synchronous libraries are called off the event loop."""

    async def translate(
        self,
        texts: list[str],
        *,
        target: str,
        source: str | None = None,
        context: str | None = None,
        formality: str | None = None,
        glossary_id: str | None = None,
        xml: bool = False,
        ignore_tags: tuple[str, ...] = (),
    ) -> list[Translation]: ...


class Clock(Protocol):
    def now(self) -> datetime: ...


class SystemClock:
    """The real time, in UTC."""

    def now(self) -> datetime:
        return datetime.now(UTC)
