"""The app commands: one slash command per command of the registry (a new core command needs no Discord code),
the "Translate" message menu, and `/discord-roles` for server admins.

Each `Command` becomes `/name` (with its subcommands as `/name sub`), each `Option` a typed Discord option:
text → string, integer → integer with its range, choice → string with its choices (Discord lists up to 25),
person → user, channel → channel. Values arrive typed (people and channels as the identities Discord resolved),
go to the core as `Args`, and are checked again there (`check_values`), so a stale or forged interaction with a
wrong type or an out-of-range value gets the core's localised message.
"""

from __future__ import annotations

import inspect
import logging
from collections.abc import Awaitable, Callable
from typing import Any, Optional, Union, cast

import discord
from discord import app_commands

from bot.i18n import N_, t
from bot.models import Role
from bot.registry import Command, Option, OptionKind, Registry, Subcommand
from bot.services.members import MemberService
from integrations.discord.events import to_translation_requested
from integrations.discord.interactions import InteractionFlow
from integrations.discord.render import actor_of, shorten
from integrations.discord.roles import ORDER, ROLE_NAMES, RoleSync, rank

log = logging.getLogger(__name__)

MAX_DESCRIPTION = 100
MAX_CHOICES = 25
TRANSLATE_MENU = N_("Translate")

Callback = Callable[..., Awaitable[None]]


def needs_guild(command: Command) -> bool:
    """Commands Discord hides in DMs: declared so, or reserved to a role (roles are given per server).

    A subcommand reserved to a role under an open command is checked when it is used (see `InteractionFlow`).
    """
    return command.guild_only or command.min_role is not Role.member


#: A channel option offers every channel and thread of the server; discord.py hands over what Discord resolved.
CHANNEL = Union[app_commands.AppCommandChannel, app_commands.AppCommandThread]  # noqa: UP007 (a runtime value)


def _annotation(option: Option) -> Any:
    if option.kind is OptionKind.person:
        return discord.User
    if option.kind is OptionKind.channel:
        return CHANNEL
    if option.kind is OptionKind.integer:
        if option.min_value is not None or option.max_value is not None:
            return app_commands.Range[int, option.min_value, option.max_value]
        return int
    return str


def _callback(flow: InteractionFlow, command: Command, sub: Subcommand | None) -> Callback:
    """A callback whose signature declares the options, so discord.py registers and parses them."""
    options = command.options_for(sub.name if sub else None)
    by_parameter = {f"option_{index}": option for index, option in enumerate(options)}

    async def callback(interaction: discord.Interaction, **values: Any) -> None:
        named = {by_parameter[parameter].name: value for parameter, value in values.items()}
        await flow.command(interaction, command, sub.name if sub else None, named)

    parameters = [inspect.Parameter("interaction", inspect.Parameter.POSITIONAL_OR_KEYWORD,
                                    annotation=discord.Interaction)]
    for parameter, option in by_parameter.items():
        annotation = _annotation(option)
        parameters.append(inspect.Parameter(
            parameter, inspect.Parameter.KEYWORD_ONLY,
            annotation=annotation if option.required else Optional[annotation],  # noqa: UP045 (a runtime value)
            default=inspect.Parameter.empty if option.required else None,
        ))
    callback.__signature__ = inspect.Signature(parameters)  # type: ignore[attr-defined]
    callback.__discord_app_commands_param_rename__ = {p: o.name for p, o in by_parameter.items()}  # type: ignore[attr-defined]
    callback.__discord_app_commands_param_description__ = {  # type: ignore[attr-defined]
        p: shorten(o.description, MAX_DESCRIPTION) or "…" for p, o in by_parameter.items()
    }
    callback.__discord_app_commands_param_choices__ = {  # type: ignore[attr-defined]
        p: [app_commands.Choice(name=choice, value=choice) for choice in o.choices]
        for p, o in by_parameter.items()
        if o.kind is OptionKind.choice and 0 < len(o.choices) <= MAX_CHOICES
    }
    return callback


def build_commands(registry: Registry, flow: InteractionFlow) -> list[app_commands.Command[Any, ..., Any]
                                                                     | app_commands.Group]:
    """One slash command (or group of subcommands) per registry command."""
    built: list[app_commands.Command[Any, ..., Any] | app_commands.Group] = []
    for command in registry.commands.values():
        description = shorten(command.description, MAX_DESCRIPTION) or command.name
        if command.subcommands:
            group = app_commands.Group(name=command.name, description=description, guild_only=needs_guild(command))
            for sub in command.subcommands:
                group.add_command(app_commands.Command(
                    name=sub.name, description=shorten(sub.description, MAX_DESCRIPTION) or sub.name,
                    callback=cast(Any, _callback(flow, command, sub)), parent=group,
                ))
            built.append(group)
        else:
            slash: app_commands.Command[Any, ..., Any] = app_commands.Command(
                name=command.name, description=description, callback=cast(Any, _callback(flow, command, None)))
            slash.guild_only = needs_guild(command)
            built.append(slash)
    return built


def translate_menu(flow: InteractionFlow) -> app_commands.ContextMenu:
    """The "Translate" entry of a message's Apps menu: the message in the person's language, for them only."""

    async def translate(interaction: discord.Interaction, message: discord.Message) -> None:
        if not await flow.admit(interaction, needs_guild=False):
            return
        await flow.run(interaction, to_translation_requested(interaction, message,
                                                             flow.languages.people.actor(interaction)))

    return app_commands.ContextMenu(name=TRANSLATE_MENU, callback=translate)


# ---------------------------------------------------------------- /discord-roles


def role_admin_group(flow: InteractionFlow, roles: RoleSync, members: MemberService) -> app_commands.Group:
    """`/discord-roles map|unmap|list`, for server admins (Manage Server) only.

    Only the ICC team may map a Discord role to ICC team, so that no server can make itself the network's
    central team.
    """
    group = app_commands.Group(
        name="discord-roles",
        description=N_("Server admins: choose which Discord roles make members, coordinators or ICC team."),
        guild_only=True,
        default_permissions=discord.Permissions(manage_guild=True),
    )

    async def allowed(interaction: discord.Interaction) -> str | None:
        """The person's language when they may change the mapping; None after telling them why not."""
        locale = flow.locale(interaction)
        if interaction.guild is None:
            await flow.tell(interaction, flow.guild_needed_text(locale))
            return None
        if not interaction.permissions.manage_guild:
            await flow.tell(interaction, t(locale, "Only server admins (with Manage Server) can change this."))
            return None
        return locale

    @group.command(name="map", description=N_("People with this Discord role get this bot role."))
    @app_commands.describe(role=N_("A Discord role of this server"), bot_role=N_("The bot role it gives"))
    @app_commands.rename(bot_role="bot-role")
    @app_commands.choices(bot_role=[app_commands.Choice(name=ROLE_NAMES[r], value=r.value) for r in ORDER])
    async def map_role(interaction: discord.Interaction, role: discord.Role, bot_role: str) -> None:
        locale = await allowed(interaction)
        if locale is None:
            return
        try:
            wanted = Role(bot_role)
        except ValueError:
            await flow.tell(interaction, t(locale, "“{value}” is not one of: {choices}.", value=bot_role[:40],
                                                choices=", ".join(r.value for r in ORDER)))
            return
        if role.is_default() or role.managed:
            await flow.tell(interaction, t(locale, "Choose a role that people are given, not @everyone or "
                                                       "a role managed by a bot or an integration."))
            return
        roles.refresh(interaction)
        member = members.get_or_create(actor_of(interaction))
        if wanted is Role.icc_team and Role(member.role) is not Role.icc_team:
            await flow.tell(interaction, t(locale, "Only the ICC team can map a Discord role to ICC team."))
            return
        holds = isinstance(interaction.user, discord.Member) and interaction.user.get_role(role.id) is not None
        if Role(member.role) is wanted and wanted is not Role.member and not holds:
            # Once mapped, the bot role follows the Discord role: without it, they would lose their own.
            await flow.tell(interaction, t(locale, "Take the role {role} yourself first: once it gives "
                                                       "{bot_role}, those without it are no longer {bot_role}.",
                                               role=role.mention, bot_role=t(locale, ROLE_NAMES[wanted])))
            return
        roles.map.set(guild_id=str(interaction.guild_id), role_id=str(role.id), role=wanted,
                          by=str(interaction.user.id))
        log.info("guild %s: Discord role %s now gives %s (set by %s)", interaction.guild_id, role.id, wanted.value,
                 interaction.user.id)
        await flow.tell(interaction, t(locale, "People with the role {role} are now {bot_role} for the bot.",
                                           role=role.mention, bot_role=t(locale, ROLE_NAMES[wanted])))

    @group.command(name="unmap", description=N_("This Discord role no longer gives a bot role."))
    @app_commands.describe(role=N_("A Discord role of this server"))
    async def unmap_role(interaction: discord.Interaction, role: discord.Role) -> None:
        locale = await allowed(interaction)
        if locale is None:
            return
        if roles.map.remove(guild_id=str(interaction.guild_id), role_id=str(role.id)):
            text = t(locale, "The role {role} no longer gives a bot role.", role=role.mention)
        else:
            text = t(locale, "The role {role} did not give a bot role.", role=role.mention)
        await flow.tell(interaction, text)

    @group.command(name="list", description=N_("Show which Discord roles give which bot role."))
    async def list_roles(interaction: discord.Interaction) -> None:
        locale = await allowed(interaction)
        if locale is None:
            return
        mapping = roles.map.for_guild(str(interaction.guild_id))
        if not mapping:
            await flow.tell(interaction, t(locale, "No Discord role gives a bot role on this server yet. "
                                                       "Use /discord-roles map."))
            return
        lines = [
            f"<@&{role_id}> → {t(locale, ROLE_NAMES[role])}"
            for role_id, role in sorted(mapping.items(), key=lambda item: -rank(item[1]))
        ]
        await flow.tell(interaction, t(locale, "Discord roles and the bot roles they give:") + "\n"
                            + "\n".join(lines))

    return group
