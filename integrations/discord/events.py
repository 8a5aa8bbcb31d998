"""Gateway events to neutral events: messages (new, edited, deleted), reactions, and "Translate" on a message."""

from __future__ import annotations

import discord

from bot.messages import (
    FileLink,
    Identity,
    MessageDeleted,
    MessageEdited,
    MessagePosted,
    ReactionAdded,
    TranslationRequested,
)
from integrations.discord import text as discord_text
from integrations.discord.render import PLATFORM, display_name_of, workspace_of


def _channel_and_thread(channel: object, channel_id: int, guild_id: int | None) -> tuple[Identity, str | None]:
    """A thread's messages belong to its parent channel, with `thread_id` set to the thread."""
    workspace = workspace_of(guild_id)
    if isinstance(channel, discord.Thread) and channel.parent_id:
        return Identity(PLATFORM, workspace, str(channel.parent_id)), str(channel.id)
    return Identity(PLATFORM, workspace, str(channel_id)), None


def to_message_posted(message: discord.Message) -> MessagePosted:
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
        files=tuple(FileLink(a.filename, a.url) for a in message.attachments),
    )


def to_message_edited(message: discord.Message) -> MessageEdited:
    """A message whose text changed (`on_raw_message_edit`), with its new text."""
    posted = to_message_posted(message)
    return MessageEdited(author=posted.author, channel=posted.channel, message_id=posted.message_id,
                         text=posted.text, thread_id=posted.thread_id, author_is_bot=posted.author_is_bot,
                         display_name=posted.display_name, avatar_url=posted.avatar_url, files=posted.files)


def to_message_deleted(event: discord.RawMessageDeleteEvent, channel: object) -> MessageDeleted:
    """A deleted message (`on_raw_message_delete`): where it was, and its id."""
    place, thread_id = _channel_and_thread(channel, event.channel_id, event.guild_id)
    return MessageDeleted(channel=place, message_id=str(event.message_id), thread_id=thread_id)


def to_translation_requested(interaction: discord.Interaction, message: discord.Message,
                             actor: Identity) -> TranslationRequested:
    """The "Translate" entry of a message's Apps menu: who asked (`actor`), in which language, and the message."""
    posted = to_message_posted(message)
    return TranslationRequested(
        actor=actor,
        channel=posted.channel,
        message_id=posted.message_id,
        text=posted.text,
        platform_locale=str(interaction.locale),
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
