"""Gateway events to neutral events: messages (new, edited, deleted) and reactions."""

from __future__ import annotations

import discord

from bot.messages import Identity, MessagePosted, ReactionAdded
from integrations.discord import text as discord_text
from integrations.discord.render import PLATFORM, display_name_of, workspace_of


def _channel_and_thread(channel: object, channel_id: int, guild_id: int | None) -> tuple[Identity, str | None]:
    """A thread's messages belong to its parent channel, with `thread_id` set to the thread."""
    workspace = workspace_of(guild_id)
    if isinstance(channel, discord.Thread) and channel.parent_id:
        return Identity(PLATFORM, workspace, str(channel.parent_id)), str(channel.id)
    return Identity(PLATFORM, workspace, str(channel_id)), None


def to_message_posted(message: discord.Message, *, edited: bool = False) -> MessagePosted:
    """A channel message; bots and webhooks (ours included) are marked `author_is_bot` so listeners skip them."""
    guild_id = message.guild.id if message.guild else None
    channel, thread_id = _channel_and_thread(message.channel, message.channel.id, guild_id)
    avatar = message.author.display_avatar.url if message.author.display_avatar else None
    return MessagePosted(
        author=Identity(PLATFORM, workspace_of(guild_id), str(message.author.id)),
        channel=channel,
        message_id=str(message.id),
        text=discord_text.parse(message.content),
        thread_id=thread_id,
        author_is_bot=message.author.bot or message.webhook_id is not None,
        display_name=display_name_of(message.author),
        avatar_url=avatar,
        edited=edited,
    )


def to_message_deleted(event: discord.RawMessageDeleteEvent, channel: object) -> MessagePosted:
    cached = event.cached_message
    workspace = workspace_of(event.guild_id)
    place, thread_id = _channel_and_thread(channel, event.channel_id, event.guild_id)
    return MessagePosted(
        author=Identity(PLATFORM, workspace, str(cached.author.id) if cached else ""),
        channel=place,
        message_id=str(event.message_id),
        text=discord_text.parse(cached.content if cached else ""),
        thread_id=thread_id,
        author_is_bot=bool(cached and (cached.author.bot or cached.webhook_id is not None)),
        deleted=True,
    )


def to_reaction_added(event: discord.RawReactionActionEvent, channel: object) -> ReactionAdded:
    """A reaction; the emoji is the character itself ("🇫🇷") or a custom emoji's name."""
    workspace = workspace_of(event.guild_id)
    place, _thread = _channel_and_thread(channel, event.channel_id, event.guild_id)
    emoji = event.emoji.name if event.emoji.is_custom_emoji() else str(event.emoji)
    return ReactionAdded(
        actor=Identity(PLATFORM, workspace, str(event.user_id)),
        channel=place,
        message_id=str(event.message_id),
        emoji=emoji or "",
    )
