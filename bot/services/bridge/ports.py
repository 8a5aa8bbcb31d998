"""What the bridge asks of a platform: post a copy under its author's name and picture, change it, remove it,
react to it. Each adapter renders its own markup (`integrations/<platform>/bridge.py`)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol, runtime_checkable

from bot.messages import Identity
from bot.ports import Chat
from bot.richtext import RichText


@dataclass(frozen=True)
class Attempt:
    """Which outbox row a post belongs to: its key and part, whether an earlier attempt may have posted it, and
    since when."""

    key: str
    part: int
    maybe_sent: bool
    since: datetime


@runtime_checkable
class CopyPosting(Protocol):
    """Copies of messages from another platform, in a channel of this one.

    A copy's text is neutral rich text with no mention left in it (the bridge writes names); the adapter posts
    it so that nobody is notified. Every method raises `ChatError` when the platform refuses or fails.
    """

    def split(self, text: RichText) -> list[RichText]:
        """`text` in pieces that each fit one message of this platform."""
        ...

    async def post_copy(self, channel: Identity, text: RichText, *, name: str, avatar_url: str | None,
                        thread: str | None, attempt: Attempt | None = None) -> tuple[str, str | None]:
        """Post `text` in `channel` as `name` with `avatar_url`, in the thread of message `thread` when given (the
        thread is opened on it where the platform needs that). Returns the new message's id and the id of the
        thread it is in (None at the top of the channel).

        `attempt`: the outbox row it is part of; where the platform can mark a post with it, one that an earlier
        attempt made (`maybe_sent`) is found and returned instead of posting again.
        """
        ...

    async def edit_copy(self, channel: Identity, message_id: str, thread: str | None, text: RichText) -> None:
        """Replace the text of copy `message_id` (in thread `thread`)."""
        ...

    async def delete_copy(self, channel: Identity, message_id: str, thread: str | None) -> None:
        """Remove copy `message_id`; one already gone is not an error."""
        ...

    async def react(self, channel: Identity, message_id: str, thread: str | None, emoji: str) -> None:
        """React to any message of `channel` with `emoji` (a character such as 👍, or a short name)."""
        ...



#: Makes the copier of a platform's chat (given by the wiring, which alone knows the adapters).
CopiesFor = Callable[[Chat], CopyPosting]
