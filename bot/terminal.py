"""What every `python -m bot …` command shares, the integrations' commands included: one clear line on standard
error, the settings (or exit), and what the command line hands its commands (how to open the core and log)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import typer
from rich.console import Console

from bot.settings import Settings, SettingsError, load_settings

if TYPE_CHECKING:
    from bot.core import Core

#: Standard error, for the one line a command says when it cannot go on.
err = Console(stderr=True, highlight=False, soft_wrap=True)


def settings_or_exit() -> Settings:
    """The settings, or one clear line on standard error and exit status 2."""
    try:
        return load_settings()
    except SettingsError as exc:
        err.print(f"icc-bot: {exc}", markup=False)
        raise typer.Exit(2) from None


@dataclass(frozen=True)
class CommandLine:
    """What `python -m bot` hands every command (as the command line's context object), so an integration's
    commands can open the core and set up logging without importing the command line or the wiring."""

    core_or_exit: Callable[[Settings], Core]
    configure_logging: Callable[[Settings], None]


def handed(ctx: typer.Context) -> CommandLine:
    """What the command line handed the command running in `ctx`; exit with one line if it was run otherwise."""
    found = ctx.find_object(CommandLine)
    if found is None:
        err.print("icc-bot: run this command through `python -m bot`", markup=False)
        raise typer.Exit(2)
    return found
