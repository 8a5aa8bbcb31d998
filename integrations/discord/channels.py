"""Clusters' channels on Discord (the core's `ChannelAdmin`): private text channels in the "ICC clusters" category.

A cluster channel is seen only by the people let in (a permission overwrite each: see, write, read the history,
write in threads) and the bot (which also needs to manage its webhooks and open threads there); everyone else
in the server is denied the view. Removing someone removes their overwrite. The bot needs "Manage Channels" to
create channels and "Manage Roles" to set channel permissions; when a server refuses, the owner is told.
"""

from __future__ import annotations

import logging

import discord

from bot.messages import Identity
from bot.ports import CHANNEL_GONE, CHANNEL_NO_ACCESS, CHANNEL_OK, ChatError
from integrations.discord.render import PLATFORM

log = logging.getLogger(__name__)

CATEGORY = "ICC clusters"

#: What a person let into a cluster channel may do there.
MEMBER = discord.PermissionOverwrite(view_channel=True, send_messages=True, read_message_history=True,
                                     send_messages_in_threads=True, add_reactions=True, attach_files=True)
#: What the bot needs in it: write, post under authors' names (webhooks), open threads for bridged ones.
BOT = discord.PermissionOverwrite(view_channel=True, send_messages=True, read_message_history=True,
                                  send_messages_in_threads=True, manage_webhooks=True, create_public_threads=True,
                                  add_reactions=True, embed_links=True)


def guild_of(client: discord.Client, workspace: str) -> discord.Guild:
    guild = client.get_guild(int(workspace)) if workspace.isdigit() else None
    if guild is None:
        raise ChatError(ChatError.FORBIDDEN, detail=f"the bot is not in Discord server {workspace}")
    return guild


def find_channel(client: discord.Client, workspace: str, name: str) -> Identity | None:
    guild = guild_of(client, workspace)
    found = discord.utils.get(guild.text_channels, name=name)
    return Identity(PLATFORM, workspace, str(found.id)) if found is not None else None


async def _category(guild: discord.Guild) -> discord.CategoryChannel:
    found = discord.utils.get(guild.categories, name=CATEGORY)
    if found is not None:
        return found
    return await guild.create_category(CATEGORY, reason="ICC Bot: the clusters' channels")


async def open_channel(client: discord.Client, workspace: str, name: str, topic: str) -> Identity:
    guild = guild_of(client, workspace)
    category = await _category(guild)
    overwrites: dict[discord.Role | discord.Member | discord.Object, discord.PermissionOverwrite] = {
        guild.default_role: discord.PermissionOverwrite(view_channel=False),
        guild.me: BOT,
    }
    created = await guild.create_text_channel(name, category=category, topic=topic[:1024],
                                              overwrites=overwrites, reason="ICC Bot: a cluster's channel")
    return Identity(PLATFORM, workspace, str(created.id))


async def _text_channel(client: discord.Client, channel: Identity) -> discord.TextChannel:
    found = client.get_channel(int(channel.id)) or await client.fetch_channel(int(channel.id))
    if not isinstance(found, discord.TextChannel):
        raise ChatError(ChatError.REJECTED, detail=f"Discord channel {channel.id} is not a text channel")
    return found


async def _member(guild: discord.Guild, user_id: str) -> discord.Member | None:
    if not user_id.isdigit():
        return None
    found = guild.get_member(int(user_id))
    if found is not None:
        return found
    try:
        return await guild.fetch_member(int(user_id))
    except discord.NotFound:
        return None


async def let_in(client: discord.Client, channel: Identity, people: list[Identity]) -> list[Identity]:
    target = await _text_channel(client, channel)
    admitted = []
    for person in people:
        member = await _member(target.guild, person.id)
        if member is None:
            log.info("Discord: %s is not in server %s: not let into %s", person.id, channel.workspace, channel.id)
            continue
        await target.set_permissions(member, overwrite=MEMBER, reason="ICC Bot: their city is in the cluster")
        admitted.append(person)
    return admitted


async def let_out(client: discord.Client, channel: Identity, people: list[Identity]) -> None:
    target = await _text_channel(client, channel)
    for person in people:
        member = await _member(target.guild, person.id)
        if member is not None:
            await target.set_permissions(member, overwrite=None, reason="ICC Bot: their city left the cluster")


async def channel_state(client: discord.Client, channel: Identity) -> str:
    """How the channel is now (asked of Discord, not the cache: a channel deleted meanwhile may linger there)."""
    try:
        target = await client.fetch_channel(int(channel.id))
        if not isinstance(target, discord.TextChannel):
            return CHANNEL_GONE
    except discord.NotFound:
        return CHANNEL_GONE
    except discord.Forbidden:
        return CHANNEL_NO_ACCESS
    mine = target.permissions_for(target.guild.me)
    return CHANNEL_OK if mine.view_channel and mine.send_messages else CHANNEL_NO_ACCESS
