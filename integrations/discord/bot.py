"""The Discord bot: a `commands.Bot` built around the core, started by the `worker` process.

`ICCBot(core)` is the one place that knows every part of the adapter: its constructor builds each helper with
only what that helper needs (the dispatcher, the member service, the client, the shared interaction state), and
`setup_hook` builds the slash commands from the registry, the "Translate" message menu and `/discord-roles`,
registers the persistent components, and syncs the commands to the servers in `DISCORD_GUILD_IDS` (or globally
with `DISCORD_SYNC_AT_START`). No helper holds the bot. Start it with
`run_discord(core)`, i.e. `async with bot: await bot.start(token)`. discord.py reconnects, resumes and waits
out rate limits (429, `X-RateLimit-*`) on its own; the bot only makes sure an interaction delivered twice is
answered once.
"""

from __future__ import annotations

import dataclasses
import logging
from typing import Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.core import Core
from bot.i18n import t
from integrations.discord.answers import ActiveInteractions, Languages
from integrations.discord.chat import DiscordChat
from integrations.discord.components import ActionButton, FormButton
from integrations.discord.events import to_message_deleted, to_message_edited, to_message_posted, to_reaction_added
from integrations.discord.forms import MODAL_PREFIX, FormFlow
from integrations.discord.interactions import InteractionFlow
from integrations.discord.pacing import request_pacing
from integrations.discord.people import People
from integrations.discord.permissions import intents, permissions
from integrations.discord.render import CAPABILITIES, ButtonValues
from integrations.discord.roles import RoleMap, RoleSync
from integrations.discord.slash import build_commands, role_admin_group, translate_menu
from integrations.discord.translator import CatalogueTranslator

log = logging.getLogger(__name__)


class ICCTree(app_commands.CommandTree["ICCBot"]):
    """The command tree: each interaction once, and command errors as a localised answer."""

    async def interaction_check(self, interaction: discord.Interaction, /) -> bool:
        return self.client.flow.first_delivery(interaction)

    async def on_error(self, interaction: discord.Interaction, error: app_commands.AppCommandError, /) -> None:
        flow = self.client.flow
        locale = flow.locale(interaction)
        if isinstance(error, app_commands.CommandSignatureMismatch | app_commands.CommandNotFound):
            text = t(locale, "This command has changed since your Discord app loaded it. Please try again in a "
                             "minute.")
        elif isinstance(error, app_commands.TransformerError):
            text = t(locale, "“{value}” is not a valid value here.", value=str(error.value)[:60])
        elif isinstance(error, app_commands.NoPrivateMessage):
            text = flow.guild_needed_text(locale)
        elif isinstance(error, app_commands.MissingPermissions | app_commands.CheckFailure):
            text = t(locale, "Only server admins (with Manage Server) can change this.")
        else:
            log.error("slash command failed for %s", interaction.user.id, exc_info=error)
            text = t(locale, "Sorry, something went wrong on our side. Nothing was changed; please try again.")
        await flow.tell(interaction, text)


class ICCBot(commands.Bot):
    """ICC Bot on Discord. Dependencies come in through the constructor; nothing is global."""

    def __init__(self, core: Core, *, sync_at_start: bool = True, **options: Any) -> None:
        settings = core.settings
        options.setdefault("application_id", settings.discord_application_id)
        # A rate limit longer than this is not slept through inside a request: it raises `RateLimited`, and the
        # delivery service retries after it without holding a sender (shorter ones discord.py waits out).
        options.setdefault("max_ratelimit_timeout", 30.0)
        options.setdefault("http_trace", request_pacing())  # Discord's 50 requests per second, kept beforehand
        super().__init__(
            command_prefix=commands.when_mentioned,
            help_command=None,
            intents=intents(),
            tree_cls=ICCTree,
            allowed_mentions=discord.AllowedMentions(everyone=False, roles=False, users=True, replied_user=False),
            **options,
        )
        self.core = core
        self.sync_at_start = sync_at_start
        members = core.services.members
        self.button_values = ButtonValues()
        active = ActiveInteractions()
        self.people = People(members, self)
        languages = Languages(members, core.dispatcher.locale_for, self.people)
        self.roles = RoleSync(members, RoleMap(core.engine))
        self.forms = FormFlow(self, languages=languages, active=active)
        self.chat = DiscordChat(self, languages=languages, forms=self.forms, active=active,
                                button_values=self.button_values)
        self.flow = InteractionFlow(core.dispatcher, languages=languages, roles=self.roles, forms=self.forms,
                                    post=self.chat.post, button_values=self.button_values, active=active)
        core.dispatcher.attach_chat(self.chat)

    async def setup_hook(self) -> None:
        await self.tree.set_translator(CatalogueTranslator())
        for command in build_commands(self.core.registry, self.flow):
            self.tree.add_command(command)
        self.tree.add_command(role_admin_group(self.flow, self.roles, self.core.services.members))
        self.tree.add_command(translate_menu(self.flow))
        self.add_dynamic_items(ActionButton, FormButton)
        if self.sync_at_start:
            guild_ids = self.core.settings.discord_guild_id_list
            if guild_ids:
                await self.sync_commands(guild_ids)
            elif self.core.settings.discord_sync_at_start:
                await self.sync_commands(None)

    async def sync_commands(self, guild_ids: list[int] | None) -> list[str]:
        """Register the slash commands with Discord: in these servers (immediate), or globally (None).

        Returns one line per scope, for logs and the `discord sync` command.
        """
        report = []
        scopes: list[int | None] = list(guild_ids) if guild_ids else [None]
        for guild_id in scopes:
            guild = discord.Object(guild_id) if guild_id else None
            if guild is not None:
                self.tree.copy_global_to(guild=guild)
            where = f"server {guild_id}" if guild_id else "all servers (global)"
            try:
                synced = await self.tree.sync(guild=guild)
            except discord.Forbidden as exc:
                line = (f"cannot register slash commands in {where}: the bot was not invited with the "
                        f"applications.commands scope ({exc.text}); invite it again with `python -m bot discord "
                        f"invite`")
                log.error(line)
                report.append(line)
                continue
            line = f"{len(synced)} commands registered in {where}"
            log.info(line)
            report.append(line)
        return report

    # ------------------------------------------------------------ gateway events

    async def on_ready(self) -> None:
        log.info("Discord: logged in as %s in %d servers", self.user, len(self.guilds))
        wanted = permissions()
        for guild in self.guilds:
            missing = [name for name, value in wanted if value and not getattr(guild.me.guild_permissions, name)]
            if missing:
                log.warning("Discord server %s (%s) does not give the bot: %s", guild.name, guild.id,
                            ", ".join(missing))

    async def on_message(self, message: discord.Message) -> None:
        """Every channel message goes to the core's listeners; the bot's own are skipped (no command prefix). A
        direct message to the bot is a contact: someone the bot has not met yet is welcomed."""
        if self.user is not None and message.author.id == self.user.id:
            return
        if isinstance(message.channel, discord.Thread):
            self.chat.remember_thread(message.id, message.channel.id)
        posted = to_message_posted(message)
        if message.guild is None and not posted.author_is_bot:
            person = self.people.person(message.author.id, None)
            posted = dataclasses.replace(posted, author=person.identity)
            try:
                self.core.dispatcher.context(person.identity, posted.channel, CAPABILITIES,
                                             platform_locale=person.server_locale, display_name=posted.display_name)
            except Exception:
                log.exception("could not take in a direct message from %s", person.identity)
        await self.core.dispatcher.message_posted(posted)

    async def on_raw_message_edit(self, event: discord.RawMessageUpdateEvent) -> None:
        message = event.message
        if self.user is not None and message.author.id == self.user.id:
            return
        if "content" not in event.data:  # an embed unfurling, not an edit of the text
            return
        await self.core.dispatcher.message_edited(to_message_edited(message))

    async def on_raw_message_delete(self, event: discord.RawMessageDeleteEvent) -> None:
        cached = event.cached_message
        if cached is not None and self.user is not None and cached.author.id == self.user.id:
            return
        channel = self.get_channel(event.channel_id)
        await self.core.dispatcher.message_deleted(to_message_deleted(event, channel))

    async def on_raw_reaction_add(self, event: discord.RawReactionActionEvent) -> None:
        if self.user is not None and event.user_id == self.user.id:
            return
        channel = self.get_channel(event.channel_id)
        if isinstance(channel, discord.Thread):
            self.chat.remember_thread(event.message_id, channel.id)
        await self.core.dispatcher.reaction_added(to_reaction_added(event, channel))

    async def on_interaction(self, interaction: discord.Interaction) -> None:
        """Modal submissions of our forms are routed here by custom id (see `integrations.discord.forms`)."""
        if interaction.type is not discord.InteractionType.modal_submit:
            return
        data: dict[str, Any] = dict(interaction.data or {})
        if str(data.get("custom_id", "")).startswith(MODAL_PREFIX):
            await self.flow.form_step_submitted(interaction)

    # ------------------------------------------------------------ what the persistent components call

    def first_delivery(self, interaction: discord.Interaction, /) -> bool:
        return self.flow.first_delivery(interaction)

    async def button_pressed(self, interaction: discord.Interaction, custom_id: str, /) -> None:
        await self.flow.button_pressed(interaction, custom_id)

    async def open_form_step(self, interaction: discord.Interaction, token: str, step: int, /) -> None:
        await self.forms.open_step(interaction, token, step)


async def run_discord(core: Core) -> None:
    """Connect to Discord with `DISCORD_TOKEN` until cancelled (the `worker` process)."""
    token = core.settings.discord_token
    if token is None:
        raise RuntimeError("DISCORD_TOKEN is not set")
    bot = ICCBot(core)
    try:
        async with bot:  # leaving it closes the gateway (close code 1000) and the REST session
            await bot.start(token.get_secret_value())
    finally:
        # Stopped (the worker lock lost, a shutdown): the worker that takes over sends the Discord deliveries.
        core.services.delivery.detach_chat(bot.chat)
        log.info("Discord gateway closed")
