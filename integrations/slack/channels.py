"""Clusters' channels on Slack (the core's `ChannelAdmin`): find, create, invite, remove, and say how a channel is.

A cluster channel is a public channel the bot creates (`conversations.create`, scope `channels:manage`), and
people are invited to it (`conversations.invite`) and removed from it (`conversations.kick`). Slack answers
`already_in_channel` and `not_in_channel` for people already where they should be: that is no error here.
"""

from __future__ import annotations

import logging

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.messages import Identity
from bot.ports import CHANNEL_ARCHIVED, CHANNEL_GONE, CHANNEL_NO_ACCESS, CHANNEL_OK, ChatError
from integrations.slack.convert import conversation

log = logging.getLogger(__name__)

#: Pages of `conversations.list` read when looking for a channel by name (200 each).
LIST_PAGES = 50
#: Errors about one person of an invitation: they are skipped, the others invited.
_PERSON_ERRORS = frozenset({"user_not_found", "user_is_restricted", "user_is_ultra_restricted", "cant_invite",
                            "ura_max_channels", "user_team_not_in_channel", "missing_user", "user_disabled",
                            "cant_invite_self"})


def _error(exc: SlackApiError) -> str:
    return str(exc.response.get("error") or "")


async def find_channel(client: AsyncWebClient, workspace: str, name: str) -> Identity | None:
    """The channel called `name` (archived ones too: Slack keeps their names taken), or None."""
    cursor: str | None = None
    for _ in range(LIST_PAGES):
        page = await client.conversations_list(types="public_channel,private_channel", limit=200, cursor=cursor)
        for channel in page.get("channels") or []:
            if channel.get("name") == name:
                return conversation(workspace, str(channel["id"]))
        cursor = (page.get("response_metadata") or {}).get("next_cursor") or None
        if not cursor:
            return None
    return None


async def open_channel(client: AsyncWebClient, workspace: str, name: str) -> Identity:
    """Create the public channel `name`; `ChatError(rejected)` when Slack refuses the name (taken, invalid)."""
    try:
        response = await client.conversations_create(name=name)
    except SlackApiError as exc:
        code = _error(exc)
        if code == "name_taken" or code.startswith("invalid_name"):
            raise ChatError(ChatError.REJECTED, detail=code) from exc
        raise
    return conversation(workspace, str(response["channel"]["id"]))


async def let_in(client: AsyncWebClient, channel: Identity, people: list[Identity]) -> list[Identity]:
    """Invite `people` (all at once; one by one when Slack refuses the group for one of them)."""
    if not people:
        return []
    try:
        await _invite(client, channel.id, [person.id for person in people])
        return list(people)
    except SlackApiError as exc:
        if _error(exc) not in _PERSON_ERRORS:
            raise
    admitted = []
    for person in people:
        try:
            await _invite(client, channel.id, [person.id])
            admitted.append(person)
        except SlackApiError as exc:
            if _error(exc) not in _PERSON_ERRORS:
                raise
            log.info("Slack: %s could not be invited to %s: %s", person.id, channel.id, _error(exc))
    return admitted


async def _invite(client: AsyncWebClient, channel_id: str, user_ids: list[str]) -> None:
    try:
        await client.conversations_invite(channel=channel_id, users=",".join(user_ids))
    except SlackApiError as exc:
        code = _error(exc)
        if code == "already_in_channel":
            return
        if code == "not_in_channel":  # the bot left (or was removed from) a public channel: it joins again
            await client.conversations_join(channel=channel_id)
            await _invite(client, channel_id, user_ids)
            return
        raise


async def let_out(client: AsyncWebClient, channel: Identity, people: list[Identity]) -> None:
    for person in people:
        try:
            await client.conversations_kick(channel=channel.id, user=person.id)
        except SlackApiError as exc:
            if _error(exc) not in ("not_in_channel", "user_not_found", "cant_kick_self", "cant_kick_from_general"):
                raise


async def channel_state(client: AsyncWebClient, channel: Identity) -> str:
    try:
        info = (await client.conversations_info(channel=channel.id)).get("channel") or {}
    except SlackApiError as exc:
        if _error(exc) == "channel_not_found":
            return CHANNEL_GONE
        raise
    if info.get("is_archived"):
        return CHANNEL_ARCHIVED
    if not info.get("is_member"):
        if info.get("is_private"):
            return CHANNEL_NO_ACCESS
        try:
            await client.conversations_join(channel=channel.id)
        except SlackApiError:
            return CHANNEL_NO_ACCESS
    return CHANNEL_OK


async def channel_title(client: AsyncWebClient, channel: Identity) -> str:
    try:
        info = (await client.conversations_info(channel=channel.id)).get("channel") or {}
    except SlackApiError:
        return ""
    return str(info.get("name") or "")
