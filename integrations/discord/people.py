"""Who a Discord user is to the core, wherever they write from.

The core knows a person per workspace (`Identity(platform, workspace, id)`); on Discord the workspace is the
server. A Discord user has one id in every server, and direct messages belong to none, so something a person does
in a direct message (writing to the bot, pressing a button the bot sent them, a slash command) is taken as coming
from where the bot already knows them: the server it met them in, else a server it shares with them (whose
language greets a newcomer), else the direct messages' own "@me". Nobody becomes a second member by writing to the
bot or answering a survey in a direct message.
"""

from __future__ import annotations

from dataclasses import dataclass

import discord

from bot.messages import Identity
from bot.services.members import MemberService
from integrations.discord.render import DM_WORKSPACE, PLATFORM


@dataclass(frozen=True)
class Person:
    identity: Identity
    #: For someone the bot has not met, the language of the server it shares with them (Discord gives no locale
    #: with a message); None when the bot knows them, or knows no shared server.
    server_locale: str | None = None


class People:
    def __init__(self, members: MemberService, client: discord.Client | None = None) -> None:
        self.members = members
        self.client = client

    def person(self, user_id: int, guild_id: int | None) -> Person:
        uid = str(user_id)
        if guild_id:
            return Person(Identity(PLATFORM, str(guild_id), uid))
        known = self.members.known_as(PLATFORM, uid, last_resort=DM_WORKSPACE)
        if known is not None:
            return Person(known)
        guild = self._shared_server(user_id)
        if guild is not None:
            return Person(Identity(PLATFORM, str(guild.id), uid), str(guild.preferred_locale))
        return Person(Identity(PLATFORM, DM_WORKSPACE, uid))

    def identity(self, user_id: int, guild_id: int | None) -> Identity:
        return self.person(user_id, guild_id).identity

    def actor(self, interaction: discord.Interaction) -> Identity:
        """The person behind an interaction (in a server, or in a direct message)."""
        return self.identity(interaction.user.id, interaction.guild_id)

    def _shared_server(self, user_id: int) -> discord.Guild | None:
        """The first server (by id) the bot shares with the user, from the gateway's member lists."""
        if self.client is None:
            return None
        shared = [guild for guild in self.client.guilds if guild.get_member(user_id) is not None]
        return min(shared, key=lambda guild: guild.id, default=None)
