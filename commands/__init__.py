"""User commands: one module per command, each with a `register(registry)` function; nothing else lives here."""

from __future__ import annotations

import importlib

from bot.registry import Registry

#: The command modules, in the order /help lists them. A new command adds its module name here.
COMMAND_MODULES = (
    "commands.help",
    "commands.profile",
    "commands.language",
    "commands.share_practice",
    "commands.practices",
    "commands.translate",
    "commands.translation",
    "commands.survey",
    "commands.calendar",
    "commands.event",
    "commands.remind",
    "commands.subscribe",
    "commands.unsubscribe",
    "commands.broadcast",
    "commands.cluster",
    "commands.city",
    "commands.match",
    "commands.request_role",
    "commands.role_requests",
    "commands.web",
)


def build_registry() -> Registry:
    """A registry holding every command, form and button of the bot."""
    registry = Registry()
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(registry)
    return registry
