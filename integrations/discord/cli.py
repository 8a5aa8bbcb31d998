"""`python -m bot discord …`: the invite link with exactly the permissions the bot uses, and command syncing."""

from __future__ import annotations

import asyncio
from typing import Annotated

import discord
import typer

from bot.terminal import err, handed, settings_or_exit
from integrations.discord.permissions import INTENT_REASONS, PERMISSION_REASONS, permissions

app = typer.Typer(help="The Discord bot: invite link and slash commands.", no_args_is_help=True)

SCOPES = ("bot", "applications.commands")


def invite_url(application_id: int, *, guild_id: int | None = None) -> str:
    """The OAuth2 link that adds the bot to a server with its slash commands and `PERMISSION_REASONS` only."""
    guild = discord.Object(guild_id) if guild_id else discord.utils.MISSING
    return discord.utils.oauth_url(application_id, permissions=permissions(), scopes=SCOPES, guild=guild,
                                   disable_guild_select=guild_id is not None)


async def _application_id_from_discord(token: str) -> int:
    client = discord.Client(intents=discord.Intents.none())
    async with client:
        await client.login(token)
        assert client.application_id is not None
        return client.application_id


@app.command()
def invite(
    application_id: Annotated[int | None, typer.Option(
        "--application-id", help="The application id (default: DISCORD_APPLICATION_ID, else asked of Discord)")] = None,
    guild: Annotated[int | None, typer.Option("--guild", help="Preselect this server in the link")] = None,
) -> None:
    """Print the link a server admin opens to add the bot, and what it asks for."""
    settings = settings_or_exit()
    app_id = application_id or settings.discord_application_id
    if app_id is None:
        if settings.discord_token is None:
            err.print("icc-bot: give --application-id, or set DISCORD_APPLICATION_ID or DISCORD_TOKEN", markup=False)
            raise typer.Exit(2)
        try:
            app_id = asyncio.run(_application_id_from_discord(settings.discord_token.get_secret_value()))
        except discord.HTTPException as exc:
            err.print(f"icc-bot: Discord refused the token ({exc.status}); give --application-id", markup=False)
            raise typer.Exit(2) from None
    typer.echo(invite_url(app_id, guild_id=guild))
    typer.echo(f"\nPermissions ({permissions().value}):")
    for label, reason in PERMISSION_REASONS.values():
        typer.echo(f"  {label}: to {reason}")
    typer.echo("\nIntents (Developer Portal → Bot: turn on Server Members and Message Content):")
    for name, reason in INTENT_REASONS.items():
        typer.echo(f"  {name}: {reason}")


@app.command()
def sync(
    ctx: typer.Context,
    guild: Annotated[list[int] | None, typer.Option(
        "--guild", help="Only in this server (repeatable; immediate). Default: DISCORD_GUILD_IDS, else global.",
    )] = None,
    global_: Annotated[bool, typer.Option(
        "--global", help="Register globally even if DISCORD_GUILD_IDS is set",
    )] = False,
) -> None:
    """Register the slash commands with Discord (global ones can take up to an hour to show everywhere)."""
    from integrations.discord.bot import ICCBot

    settings = settings_or_exit()
    if settings.discord_token is None:
        err.print("icc-bot: DISCORD_TOKEN is not set", markup=False)
        raise typer.Exit(2)
    command_line = handed(ctx)
    command_line.configure_logging(settings)
    core = command_line.core_or_exit(settings)
    guild_ids = None if global_ else (guild or settings.discord_guild_id_list or None)
    token = settings.discord_token.get_secret_value()

    async def run() -> list[str]:
        bot = ICCBot(core, sync_at_start=False)
        async with bot:
            await bot.login(token)
            return await bot.sync_commands(guild_ids)

    try:
        lines = asyncio.run(run())
    except discord.HTTPException as exc:
        err.print(f"icc-bot: Discord refused ({exc.status} {exc.text})", markup=False)
        raise typer.Exit(1) from None
    for line in lines:
        typer.echo(line)
    if any(line.startswith("cannot") for line in lines):
        raise typer.Exit(1)
