"""Discord roles -> bot roles, per server: the mapping and the refresh before every interaction.

In a server with a mapping, the bot roles that the mapping gives are given in Discord: a person holding a mapped
Discord role gets its bot role at their next interaction, and loses it when the Discord role is taken away.
Bot roles the server does not map (typically the ICC team, named with `python -m bot members set-role`) are
left as they are. The mapping is changed with `/discord-roles` (see `slash.py`).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

import discord
from sqlalchemy.engine import Engine
from sqlmodel import select

from bot.db import session_scope
from bot.i18n import N_
from bot.models import PlatformRole, Role
from bot.services.members import MemberService
from integrations.discord.render import PLATFORM, actor_of, display_name_of

log = logging.getLogger(__name__)

#: The bot roles, lowest first.
ORDER = (Role.member, Role.coordinator, Role.icc_team)

ROLE_NAMES = {
    Role.member: N_("member"),
    Role.coordinator: N_("city coordinator"),
    Role.icc_team: N_("ICC team"),
}


def rank(role: Role) -> int:
    return ORDER.index(Role(role))


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

    def __init__(self, members: MemberService, role_map: RoleMap) -> None:
        self.members = members
        self.map = role_map

    def refresh(self, interaction: discord.Interaction) -> None:
        user = interaction.user
        if interaction.guild_id is None or not isinstance(user, discord.Member):
            return
        mapping = self.map.for_guild(str(interaction.guild_id))
        if not mapping:
            return
        members = self.members
        actor = actor_of(interaction)
        member = members.get_or_create(actor, display_name=display_name_of(user),
                                       platform_locale=str(interaction.locale))
        wanted = effective_role(mapping, (str(role.id) for role in user.roles), Role(member.role))
        if wanted != member.role:
            members.set_role(actor, wanted)
            log.info("%s is now %s from their Discord roles", actor, wanted.value)
