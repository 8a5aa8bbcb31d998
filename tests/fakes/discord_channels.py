"""Channel permission overwrites in the Discord fake, as Discord keeps them.

``serve_overwrites(fake)`` adds ``PUT`` and ``DELETE /channels/{id}/permissions/{target}`` (one overwrite per
member or role, echoed as ``CHANNEL_UPDATE``), and ``allowed(fake, channel_id, user_id)`` says whether a member
was let into a channel (an overwrite allowing "View Channel").
"""

from __future__ import annotations

import copy
from typing import Any

from tests.fakes.discord import FakeDiscord, Request

VIEW_CHANNEL = 1 << 10


def serve_overwrites(fake: FakeDiscord) -> FakeDiscord:
    """Install the two routes on `fake` (returned, for chaining)."""

    async def put(request: Request, params: dict[str, str]) -> Any:
        channel = fake._channel(int(params["channel_id"]))
        body = dict(request.json or {})
        overwrite = {"id": params["target"], "type": int(body.get("type") or 0),
                     "allow": str(body.get("allow") or "0"), "deny": str(body.get("deny") or "0")}
        kept = [o for o in channel.get("permission_overwrites") or [] if str(o["id"]) != params["target"]]
        channel["permission_overwrites"] = [*kept, overwrite]
        fake._echo("CHANNEL_UPDATE", channel)
        return None

    async def remove(request: Request, params: dict[str, str]) -> Any:
        channel = fake._channel(int(params["channel_id"]))
        channel["permission_overwrites"] = [o for o in channel.get("permission_overwrites") or []
                                            if str(o["id"]) != params["target"]]
        fake._echo("CHANNEL_UPDATE", channel)
        return None

    fake.route("PUT", "/channels/{channel_id}/permissions/{target}")(put)
    fake.route("DELETE", "/channels/{channel_id}/permissions/{target}")(remove)
    return fake


def overwrites(fake: FakeDiscord, channel_id: int | str) -> list[dict[str, Any]]:
    return copy.deepcopy(fake.channels[int(channel_id)].get("permission_overwrites") or [])


def allowed(fake: FakeDiscord, channel_id: int | str, user_id: int | str) -> bool:
    """Whether `user_id` has an overwrite letting them see the channel."""
    return any(str(o["id"]) == str(user_id) and int(o["allow"]) & VIEW_CHANNEL for o in overwrites(fake, channel_id))


def denied_to_everyone(fake: FakeDiscord, channel_id: int | str, guild_id: int | str) -> bool:
    """Whether the server's @everyone (the role with the server's id) may not see the channel."""
    return any(str(o["id"]) == str(guild_id) and int(o["deny"]) & VIEW_CHANNEL
               for o in overwrites(fake, channel_id))
