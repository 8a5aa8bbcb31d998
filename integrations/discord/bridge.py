"""The bridge on Discord: copies of messages from Slack, posted through the channel's webhook under their
authors' names and pictures, in threads opened on the copy a thread started from, changed, removed and reacted
to (`bot.services.bridge.CopyPosting`). Mentions never notify anyone (the webhook's `allowed_mentions` is none).
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from typing import Any

import discord

from bot.messages import Identity, Reply
from bot.richtext import RichText
from bot.services.bridge.emoji import character_of
from bot.services.bridge.ports import Attempt
from integrations.discord import text as discord_text
from integrations.discord.chat import DISCORD_FAILURES, DiscordChat, to_chat_error
from integrations.discord.render import Outgoing, render_reply
from integrations.discord.webhooks import PostFailed

log = logging.getLogger(__name__)

#: Discord's answer when a message already has a thread (its id is the message's).
THREAD_EXISTS = 160004
#: Discord's limits for a thread's name.
THREAD_NAME = 100


def thread_name(text: RichText) -> str:
    """A thread's name from the first line of its first reply."""
    line = next((line.strip() for line in text.plain().splitlines() if line.strip()), "")
    return (line[: THREAD_NAME - 1] + "…" if len(line) > THREAD_NAME else line) or "Thread"


class DiscordCopies:
    """Copies in Discord channels for the bridge."""

    platform = "discord"

    def __init__(self, chat: DiscordChat) -> None:
        self.chat = chat
        #: Threads known to exist (a thread opened on a message has that message's id).
        self._threads: OrderedDict[int, None] = OrderedDict()

    def split(self, text: RichText) -> list[RichText]:
        return discord_text.split(text)

    def _rendered(self, text: RichText) -> list[Outgoing]:
        reply = Reply(text="", rich=text, quiet=True, ephemeral=False)
        return render_reply(reply, self.chat.button_values) or [Outgoing(content="…")]

    async def _parent(self, channel: Identity) -> discord.TextChannel:
        try:
            found = await self.chat.channel(channel)
        except DISCORD_FAILURES as exc:
            raise to_chat_error(exc) from exc
        if not isinstance(found, discord.TextChannel):
            raise PostFailed("refused", f"Discord channel {channel.id} cannot have webhooks")
        return found

    async def _run(self, work: Any, parent: Any, permission: str) -> Any:
        try:
            return await self.chat._guarded(work, target=parent, permission=permission)
        except DISCORD_FAILURES as exc:
            raise to_chat_error(exc) from exc

    async def _thread(self, parent: discord.TextChannel, message_id: str, first: RichText) -> discord.abc.Snowflake:
        """The thread on message `message_id` (opened when it has none yet)."""
        thread_id = int(message_id)
        known = self.chat.client.get_channel(thread_id)
        if isinstance(known, discord.Thread):
            return known
        if thread_id in self._threads:
            return discord.Object(thread_id)
        try:
            await parent.get_partial_message(thread_id).create_thread(name=thread_name(first))
        except discord.HTTPException as exc:
            if exc.code != THREAD_EXISTS:
                raise to_chat_error(exc) from exc
        except DISCORD_FAILURES as exc:
            raise to_chat_error(exc) from exc
        self._threads[thread_id] = None
        while len(self._threads) > 20_000:
            self._threads.popitem(last=False)
        return discord.Object(thread_id)

    async def post_copy(self, channel: Identity, text: RichText, *, name: str, avatar_url: str | None,
                        thread: str | None, attempt: Attempt | None = None) -> tuple[str, str | None]:
        # A webhook post carries no nonce: an attempt whose answer was lost may be posted again.
        parent = await self._parent(channel)
        place = await self._thread(parent, thread, text) if thread else None
        first = ""
        for outgoing in self._rendered(text):
            message = await self._run(
                self.chat.webhooks.send(parent, content=outgoing.content, embeds=outgoing.embeds, display_name=name,
                                        avatar_url=avatar_url, thread=place),
                parent, "manage_webhooks")
            first = first or str(message.id)
            if place is not None:
                self.chat.remember_thread(message.id, place.id)
        return first, thread

    async def edit_copy(self, channel: Identity, message_id: str, thread: str | None, text: RichText) -> None:
        parent = await self._parent(channel)
        outgoing = self._rendered(text)[0]
        hook = await self._run(self.chat.webhooks.for_channel(parent), parent, "manage_webhooks")
        where = discord.Object(int(thread)) if thread else discord.utils.MISSING
        await self._run(hook.edit_message(int(message_id), content=outgoing.content or None, embeds=outgoing.embeds,
                                          allowed_mentions=discord.AllowedMentions.none(), thread=where),
                        parent, "manage_webhooks")

    async def delete_copy(self, channel: Identity, message_id: str, thread: str | None) -> None:
        try:
            parent = await self._parent(channel)
        except PostFailed as exc:
            if exc.reason == "channel_gone":
                return  # gone with its channel
            raise
        hook = await self._run(self.chat.webhooks.for_channel(parent), parent, "manage_webhooks")
        where = discord.Object(int(thread)) if thread else discord.utils.MISSING
        try:
            await hook.delete_message(int(message_id), thread=where)
        except discord.NotFound:
            pass  # already gone
        except DISCORD_FAILURES as exc:
            raise to_chat_error(exc) from exc

    async def react(self, channel: Identity, message_id: str, thread: str | None, emoji: str) -> None:
        place = Identity(channel.platform, channel.workspace, thread) if thread else self.chat._place(channel,
                                                                                                         message_id)
        try:
            target = await self.chat.channel(place)
            partial = target.get_partial_message(int(message_id))  # type: ignore[attr-defined]
        except DISCORD_FAILURES as exc:
            raise to_chat_error(exc) from exc
        await self._run(partial.add_reaction(character_of(emoji)), target, "add_reactions")
