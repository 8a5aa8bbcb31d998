"""Threads opened on a message in the Discord fake, as Discord makes them.

``serve_threads(fake)`` adds ``POST /channels/{channel_id}/messages/{message_id}/threads``: a public thread
(type 11) whose id is the message's, in the message's channel, echoed as ``THREAD_CREATE``; a message that
already has one answers 400 with code 160004. Webhook posts then go into it with ``?thread_id=``, and a user
writes in it with ``fake.user_message(thread_id, …)``.
"""

from __future__ import annotations

import copy
from typing import Any

from tests.fakes.discord import ApiError, FakeDiscord, Request

THREAD_EXISTS = 160004


def serve_threads(fake: FakeDiscord) -> FakeDiscord:
    """Install the route on `fake` (returned, for chaining)."""

    async def start(request: Request, params: dict[str, str]) -> Any:
        parent = fake._channel(int(params["channel_id"]))
        message = fake._message(parent, int(params["message_id"]))
        if int(message["id"]) in fake.channels:
            raise ApiError(400, THREAD_EXISTS, "A thread has already been created for this message")
        body = dict(request.json or {})
        thread = open_thread(fake, parent, int(message["id"]), str(body.get("name") or "thread"))
        fake._echo("THREAD_CREATE", {**thread, "newly_created": True})
        return copy.deepcopy(thread)

    fake.route("POST", "/channels/{channel_id}/messages/{message_id}/threads")(start)
    return fake


def open_thread(fake: FakeDiscord, parent: dict[str, Any], message_id: int, name: str) -> dict[str, Any]:
    """A public thread on message `message_id` of channel `parent` (stored in the fake; no event sent)."""
    thread = {
        "id": str(message_id), "type": 11, "guild_id": parent.get("guild_id"), "parent_id": parent["id"],
        "name": name[:100], "owner_id": str(fake.bot_user["id"]), "message_count": 0, "member_count": 1,
        "rate_limit_per_user": 0, "flags": 0, "last_message_id": None,
        "thread_metadata": {"archived": False, "auto_archive_duration": 1440, "locked": False,
                            "archive_timestamp": "2026-12-07T00:00:00+00:00"},
    }
    fake.channels[message_id] = thread
    return thread


def threads_of(fake: FakeDiscord, parent_id: int | str) -> list[dict[str, Any]]:
    """The threads opened in channel `parent_id`."""
    return [copy.deepcopy(c) for c in fake.channels.values()
            if c.get("type") == 11 and str(c.get("parent_id")) == str(parent_id)]
