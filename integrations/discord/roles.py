"""Discord roles -> bot roles, per server: the mapping, the refresh before every interaction, `/discord-roles`.

In a server with a mapping, the bot roles that the mapping gives are given in Discord: a person holding a mapped
Discord role gets its bot role at their next interaction, and loses it when the Discord role is taken away.
Bot roles the server does not map (typically the ICC team, named with `python -m bot members set-role`) are
left as they are. Only a server admin (Manage Server) may change the mapping, and only the ICC team may map a
Discord role to ICC team, so that no server can make itself the network's central team.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from sqlalchemy.engine import Engine
from sqlmodel import select

from bot.db import session_scope
from bot.i18n import N_, t
from bot.models import PlatformRole, Role
from integrations.discord.render import PLATFORM, actor_of, display_name_of

if TYPE_CHECKING:
    from integrations.discord.bot import ICCBot

log = logging.getLogger(__name__)

_ORDER = (Role.member, Role.coordinator, Role.icc_team)

ROLE_NAMES = {
    Role.member: N_("member"),
    Role.coordinator: N_("city coordinator"),
    Role.icc_team: N_("ICC team"),
}


def rank(role: Role) -> int:
    return _ORDER.index(Role(role))


def effective_role(mapping: dict[str, Role], held: Iterable[str], current: Role) -> Role:
    """The bot role of someone holding the Discord roles `held`, given the server's `mapping`.

    Roles the mapping gives follow the Discord roles; a higher role the mapping does not give is kept.
    """
    if not mapping:
        return current
    granted = [mapping[role_id] for role_id in held if role_id in mapping]
    mapped = max(granted, key=rank) if granted else Role.member
    if current in set(mapping.values()) or current == Role.member:
        return mapped
    return max(current, mapped, key=rank)


class RoleMap:
    """The `PlatformRole` rows of Discord servers."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def for_guild(self, guild_id: str) -> dict[str, Role]:
        """Discord role id -> bot role, for one server (empty: the server maps nothing)."""
        with session_scope(self.engine) as session:
            rows = session.exec(
                select(PlatformRole).where(PlatformRole.platform == PLATFORM, PlatformRole.workspace_id == guild_id)
            )
            return {row.platform_role_id: Role(row.role) for row in rows}

    def set(self, *, guild_id: str, role_id: str, role: Role, by: str) -> None:
        with session_scope(self.engine) as session:
            row = session.exec(
                select(PlatformRole).where(
                    PlatformRole.platform == PLATFORM,
                    PlatformRole.workspace_id == guild_id,
                    PlatformRole.platform_role_id == role_id,
                )
            ).first()
            if row is None:
                row = PlatformRole(platform=PLATFORM, workspace_id=guild_id, platform_role_id=role_id, role=role)
            row.role = role
            row.created_by = by
            session.add(row)

    def remove(self, *, guild_id: str, role_id: str) -> bool:
        with session_scope(self.engine) as session:
            row = session.exec(
                select(PlatformRole).where(
                    PlatformRole.platform == PLATFORM,
                    PlatformRole.workspace_id == guild_id,
                    PlatformRole.platform_role_id == role_id,
                )
            ).first()
            if row is None:
                return False
            session.delete(row)
            return True


class RoleSync:
    """Brings a person's bot role in line with their Discord roles before the core sees their interaction."""

    def __init__(self, bot: ICCBot) -> None:
        self.bot = bot
        self.map = RoleMap(bot.core.engine)

    def refresh(self, interaction: discord.Interaction) -> None:
        user = interaction.user
        if interaction.guild_id is None or not isinstance(user, discord.Member):
            return
        mapping = self.map.for_guild(str(interaction.guild_id))
        if not mapping:
            return
        members = self.bot.core.services.members
        actor = actor_of(interaction)
        member = members.get_or_create(actor, display_name=display_name_of(user),
                                       platform_locale=str(interaction.locale))
        wanted = effective_role(mapping, (str(role.id) for role in user.roles), Role(member.role))
        if wanted != member.role:
            members.set_role(actor, wanted)
            log.info("%s is now %s from their Discord roles", actor, wanted.value)


# ---------------------------------------------------------------- /discord-roles


def role_admin_group(bot: ICCBot) -> app_commands.Group:
    """`/discord-roles map|unmap|list`, for server admins (Manage Server) only."""
    group = app_commands.Group(
        name="discord-roles",
        description=N_("Server admins: choose which Discord roles make members, coordinators or ICC team."),
        guild_only=True,
        default_permissions=discord.Permissions(manage_guild=True),
    )

    async def allowed(interaction: discord.Interaction) -> str | None:
        """The person's language when they may change the mapping; None after telling them why not."""
        locale = bot.flow.locale(interaction)
        if interaction.guild is None:
            await bot.flow.tell(interaction, bot.flow.guild_needed_text(locale))
            return None
        if not interaction.permissions.manage_guild:
            await bot.flow.tell(interaction, t(locale, "Only server admins (with Manage Server) can change this."))
            return None
        return locale

    @group.command(name="map", description=N_("People with this Discord role get this bot role."))
    @app_commands.describe(role=N_("A Discord role of this server"), bot_role=N_("The bot role it gives"))
    @app_commands.rename(bot_role="bot-role")
    @app_commands.choices(bot_role=[app_commands.Choice(name=ROLE_NAMES[r], value=r.value) for r in _ORDER])
    async def map_role(interaction: discord.Interaction, role: discord.Role, bot_role: str) -> None:
        locale = await allowed(interaction)
        if locale is None:
            return
        try:
            wanted = Role(bot_role)
        except ValueError:
            await bot.flow.tell(interaction, t(locale, "“{value}” is not one of: {choices}.", value=bot_role[:40],
                                                choices=", ".join(r.value for r in _ORDER)))
            return
        if role.is_default() or role.managed:
            await bot.flow.tell(interaction, t(locale, "Choose a role that people are given, not @everyone or "
                                                       "a role managed by a bot or an integration."))
            return
        bot.roles.refresh(interaction)
        member = bot.core.services.members.get_or_create(actor_of(interaction))
        if wanted is Role.icc_team and Role(member.role) is not Role.icc_team:
            await bot.flow.tell(interaction, t(locale, "Only the ICC team can map a Discord role to ICC team."))
            return
        holds = isinstance(interaction.user, discord.Member) and interaction.user.get_role(role.id) is not None
        if Role(member.role) is wanted and wanted is not Role.member and not holds:
            # Once mapped, the bot role follows the Discord role: without it, they would lose their own.
            await bot.flow.tell(interaction, t(locale, "Take the role {role} yourself first: once it gives "
                                                       "{bot_role}, those without it are no longer {bot_role}.",
                                               role=role.mention, bot_role=t(locale, ROLE_NAMES[wanted])))
            return
        bot.roles.map.set(guild_id=str(interaction.guild_id), role_id=str(role.id), role=wanted,
                          by=str(interaction.user.id))
        log.info("guild %s: Discord role %s now gives %s (set by %s)", interaction.guild_id, role.id, wanted.value,
                 interaction.user.id)
        await bot.flow.tell(interaction, t(locale, "People with the role {role} are now {bot_role} for the bot.",
                                           role=role.mention, bot_role=t(locale, ROLE_NAMES[wanted])))

    @group.command(name="unmap", description=N_("This Discord role no longer gives a bot role."))
    @app_commands.describe(role=N_("A Discord role of this server"))
    async def unmap_role(interaction: discord.Interaction, role: discord.Role) -> None:
        locale = await allowed(interaction)
        if locale is None:
            return
        if bot.roles.map.remove(guild_id=str(interaction.guild_id), role_id=str(role.id)):
            text = t(locale, "The role {role} no longer gives a bot role.", role=role.mention)
        else:
            text = t(locale, "The role {role} did not give a bot role.", role=role.mention)
        await bot.flow.tell(interaction, text)

    @group.command(name="list", description=N_("Show which Discord roles give which bot role."))
    async def list_roles(interaction: discord.Interaction) -> None:
        locale = await allowed(interaction)
        if locale is None:
            return
        mapping = bot.roles.map.for_guild(str(interaction.guild_id))
        if not mapping:
            await bot.flow.tell(interaction, t(locale, "No Discord role gives a bot role on this server yet. "
                                                       "Use /discord-roles map."))
            return
        lines = [
            f"<@&{role_id}> → {t(locale, ROLE_NAMES[role])}"
            for role_id, role in sorted(mapping.items(), key=lambda item: -rank(item[1]))
        ]
        await bot.flow.tell(interaction, t(locale, "Discord roles and the bot roles they give:") + "\n"
                            + "\n".join(lines))

    return group
