"""Discord's message nonces in the Discord fake: a repeated ``enforce_nonce`` post returns the first message.

Discord checks a nonce sent with ``enforce_nonce: true`` against the author's messages of the last few
minutes: a repeat creates nothing and answers with the message already posted. ``MessageNonces(fake)``
does the same for ``POST /channels/{id}/messages`` (time from ``now``, in seconds, so tests move it), and
``lose_next_answers(n)`` posts the next ``n`` messages but answers 503, as when Discord's answer is lost on
the way back: the bot cannot know the message went out.
"""

from __future__ import annotations

import copy
import time
from collections.abc import Callable
from typing import Any

from tests.fakes.discord import ApiError, FakeDiscord, Request

#: How long Discord remembers a nonce ("the past few minutes").
NONCE_WINDOW = 300.0


class MessageNonces:
    """Enforced nonces on channel messages; `repeats` counts the posts answered with an existing message."""

    def __init__(self, fake: FakeDiscord, *, now: Callable[[], float] = time.time,
                 window: float = NONCE_WINDOW) -> None:
        self.fake = fake
        self.now = now
        self.window = window
        self.seen: dict[tuple[str, str], tuple[int, float]] = {}  # (author, nonce) -> (message id, when)
        self.repeats = 0
        self.answers_to_lose = 0
        fake.route("POST", "/channels/{channel_id}/messages")(self._send)

    def lose_next_answers(self, count: int = 1) -> None:
        self.answers_to_lose += count

    async def _send(self, request: Request, params: dict[str, str]) -> Any:
        body = request.json if isinstance(request.json, dict) else {}
        nonce = body.get("nonce")
        author = str(self.fake.bot_user["id"])
        if nonce is not None and body.get("enforce_nonce"):
            seen = self.seen.get((author, str(nonce)))
            if seen is not None and self.now() - seen[1] <= self.window and seen[0] in self.fake.messages:
                self.repeats += 1
                return copy.deepcopy(self.fake.messages[seen[0]])
        message = await self.fake._r_send(request, params)
        if nonce is not None:
            self.seen[(author, str(nonce))] = (int(message["id"]), self.now())
        if self.answers_to_lose:
            self.answers_to_lose -= 1
            raise ApiError(503, 0, "upstream connect error")
        return message
