"""The bridge on Slack: copies of messages from Discord, posted under their authors' names and pictures
(`chat:write.customize`), changed, removed and reacted to (`bot.services.bridge.CopyPosting`).

Calls go out without the client's own retries: the delivery outbox retries a copy after Slack's `Retry-After`,
in order, and every failure comes back as the core's `ChatError`.
"""

from __future__ import annotations

from typing import Any

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.messages import Identity, Reply
from bot.richtext import RichText
from bot.services.bridge.emoji import name_of
from bot.services.bridge.ports import Attempt
from integrations.slack.blocks import render_reply
from integrations.slack.chat import DELIVERY_EVENT, SLACK_FAILURES, SlackChat, to_chat_error

#: What Slack answers about a message already gone or a reaction already there: nothing to do.
_ALREADY = ("message_not_found", "already_reacted")


class SlackCopies:
    """Copies in Slack channels for the bridge."""

    platform = "slack"

    def __init__(self, chat: SlackChat) -> None:
        self.chat = chat

    def split(self, text: RichText) -> list[RichText]:
        return self.chat.split(text)

    async def _client(self, workspace: str) -> AsyncWebClient:
        try:
            return await self.chat.clients.for_delivery(workspace)
        except SLACK_FAILURES as exc:
            raise to_chat_error(exc) from exc

    @staticmethod
    def _messages(text: RichText) -> list[dict[str, Any]]:
        # The text holds no mention (the bridge wrote names): quiet, so nothing in it could notify anyone.
        return [m.as_kwargs() for m in render_reply(Reply(text="", rich=text, quiet=True, ephemeral=False))]

    async def post_copy(self, channel: Identity, text: RichText, *, name: str, avatar_url: str | None,
                        thread: str | None, attempt: Attempt | None = None) -> tuple[str, str | None]:
        """Post a copy, carrying its outbox key in `metadata`; when an earlier attempt may have posted it, the
        conversation's history is read first and the copy found there is returned (never posted twice)."""
        client = await self._client(channel.workspace)
        extra: dict[str, Any] = {"username": (name or "ICC Bot")[:80], "unfurl_links": False, "unfurl_media": False}
        if attempt is not None:
            if attempt.maybe_sent:
                try:
                    found = await self.chat.posted_parts(client, channel.id, attempt.key, attempt.since, thread)
                except SLACK_FAILURES as exc:
                    raise to_chat_error(exc, maybe_sent=True) from exc
                if attempt.part in found:
                    return found[attempt.part], thread
            extra["metadata"] = {"event_type": DELIVERY_EVENT,
                                 "event_payload": {"key": attempt.key, "part": attempt.part}}
        if avatar_url:
            extra["icon_url"] = avatar_url
        if thread:
            extra["thread_ts"] = thread
        first = ""
        for message in self._messages(text):
            try:
                response = await client.chat_postMessage(channel=channel.id, **message, **extra)
            except SLACK_FAILURES as exc:
                raise to_chat_error(exc, maybe_sent=bool(first)) from exc
            first = first or str(response.get("ts") or "")
        return first, thread

    async def edit_copy(self, channel: Identity, message_id: str, thread: str | None, text: RichText) -> None:
        client = await self._client(channel.workspace)
        messages = self._messages(text)
        if messages:
            await self._call(client.chat_update(channel=channel.id, ts=message_id, **messages[0]))

    async def delete_copy(self, channel: Identity, message_id: str, thread: str | None) -> None:
        client = await self._client(channel.workspace)
        await self._call(client.chat_delete(channel=channel.id, ts=message_id))

    async def react(self, channel: Identity, message_id: str, thread: str | None, emoji: str) -> None:
        client = await self._client(channel.workspace)
        await self._call(client.reactions_add(channel=channel.id, timestamp=message_id, name=name_of(emoji)))

    @staticmethod
    async def _call(call: Any) -> None:
        try:
            await call
        except SlackApiError as exc:
            if exc.response.get("error") not in _ALREADY:
                raise to_chat_error(exc) from exc
        except SLACK_FAILURES as exc:
            raise to_chat_error(exc) from exc
