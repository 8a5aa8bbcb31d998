"""Slash commands for every command of the registry, built at start: a new core command needs no Discord code.

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
from typing import TYPE_CHECKING, Any, Optional, Union, cast

import discord
from discord import app_commands

from bot.i18n import N_, t
from bot.models import Role
from bot.registry import Command, Option, OptionKind, Subcommand
from integrations.discord.events import to_message_posted
from integrations.discord.render import actor_of, shorten

if TYPE_CHECKING:
    from integrations.discord.bot import ICCBot

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


def _callback(bot: ICCBot, command: Command, sub: Subcommand | None) -> Callback:
    """A callback whose signature declares the options, so discord.py registers and parses them."""
    options = command.options_for(sub.name if sub else None)
    by_parameter = {f"option_{index}": option for index, option in enumerate(options)}

    async def callback(interaction: discord.Interaction, **values: Any) -> None:
        named = {by_parameter[parameter].name: value for parameter, value in values.items()}
        await bot.flow.command(interaction, command, sub.name if sub else None, named)

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


def build_commands(bot: ICCBot) -> list[app_commands.Command[Any, ..., Any] | app_commands.Group]:
    """One slash command (or group of subcommands) per registry command."""
    built: list[app_commands.Command[Any, ..., Any] | app_commands.Group] = []
    for command in bot.core.registry.commands.values():
        description = shorten(command.description, MAX_DESCRIPTION) or command.name
        if command.subcommands:
            group = app_commands.Group(name=command.name, description=description, guild_only=needs_guild(command))
            for sub in command.subcommands:
                group.add_command(app_commands.Command(
                    name=sub.name, description=shorten(sub.description, MAX_DESCRIPTION) or sub.name,
                    callback=cast(Any, _callback(bot, command, sub)), parent=group,
                ))
            built.append(group)
        else:
            slash: app_commands.Command[Any, ..., Any] = app_commands.Command(
                name=command.name, description=description, callback=cast(Any, _callback(bot, command, None)))
            slash.guild_only = needs_guild(command)
            built.append(slash)
    return built


def translate_menu(bot: ICCBot) -> app_commands.ContextMenu:
    """The "Translate" entry of a message's Apps menu: `DiscordChat.translate_handler` when one is wired, else
    the core's translation service (`TranslationService.translate_for`) when DeepL is configured."""

    async def translate(interaction: discord.Interaction, message: discord.Message) -> None:
        if not await bot.flow.admit(interaction, needs_guild=False):
            return
        locale = bot.flow.locale(interaction)
        handler = bot.chat.translate_handler or bot.chat.translation_service_handler()
        event = to_message_posted(message)
        work = handler(event, actor_of(interaction), locale) if handler else bot.chat.not_configured(locale)
        try:
            response = await bot.flow.in_time(interaction, work)
        except Exception:
            log.exception("the Translate menu failed on message %s", message.id)
            response = await bot.chat.not_configured(locale)
            response.replies[0].text = t(locale, "Sorry, something went wrong on our side. Nothing was changed; "
                                                 "please try again.")
        for reply in response.replies:
            reply.ephemeral = True
        await bot.flow.respond(interaction, response)

    return app_commands.ContextMenu(name=TRANSLATE_MENU, callback=translate)
