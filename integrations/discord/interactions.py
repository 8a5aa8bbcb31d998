"""Interactions (slash commands, button presses, modal submissions) to the core and back, once and in time.

Discord wants an answer within 3 seconds, once. The core is asked first; if it has not answered within
`ACK_BUDGET` the interaction is deferred ("ICC Bot is thinking…") and the answer follows. The gateway may
deliver an interaction again after a resume: `first_delivery` makes sure it is handled once.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

import discord
from discord import app_commands

from bot.dispatch import Dispatcher
from bot.i18n import t
from bot.messages import ButtonPressed, CommandInvoked, FormSubmitted, Identity, Reply, Response, TranslationRequested
from bot.models import Role
from bot.registry import Args, Command, Named, OptionValue
from integrations.discord.answers import (
    ActiveInteractions,
    Languages,
    RecentIds,
    acknowledge,
    is_deferred,
    mark_deferred,
    quietly,
    send,
    thinking_unused,
)
from integrations.discord.forms import FormFlow
from integrations.discord.render import (
    CAPABILITIES,
    PLATFORM,
    ButtonValues,
    channel_of,
    display_name_of,
    parse_custom_id,
    render_reply,
    workspace_of,
)
from integrations.discord.roles import RoleSync

log = logging.getLogger(__name__)

#: Seconds the core gets before the interaction is deferred (Discord's limit is 3 s from its creation).
ACK_BUDGET = 2.0

#: Posts a reply in a channel (the chat's `post`): a public answer after a private "thinking…".
Post = Callable[[Identity, Reply], Awaitable[str]]


class InteractionFlow:
    """From a Discord interaction to `Dispatcher.handle`, and from its `Response` to Discord's answer."""

    def __init__(
        self,
        dispatcher: Dispatcher,
        *,
        languages: Languages,
        roles: RoleSync,
        forms: FormFlow,
        post: Post,
        button_values: ButtonValues,
        active: ActiveInteractions,
    ) -> None:
        self.dispatcher = dispatcher
        self.languages = languages
        self.roles = roles
        self.forms = forms
        self.post = post
        self.button_values = button_values
        self.active = active
        self.seen = RecentIds()

    # ------------------------------------------------------------ once, and who

    def first_delivery(self, interaction: discord.Interaction) -> bool:
        """False when this interaction was already handled (the gateway delivered it again)."""
        if self.seen.add(interaction.id):
            return True
        log.info("interaction %s delivered again; answered already", interaction.id)
        return False

    def locale(self, interaction: discord.Interaction) -> str:
        """The person's chosen language, else their Discord client's (`interaction.locale`)."""
        return self.languages.of(interaction)

    @staticmethod
    def guild_needed_text(locale: str) -> str:
        return t(locale, "This only works in a server channel, where your role is known, not in direct "
                         "messages. Use it in your ICC server.")

    async def admit(self, interaction: discord.Interaction, *, needs_guild: bool) -> bool:
        """Refresh the person's bot role from their Discord roles; False (after saying why) in a DM that cannot do."""
        self.active.remember(interaction)
        if needs_guild and interaction.guild_id is None:
            await self.tell(interaction, self.guild_needed_text(self.locale(interaction)))
            return False
        try:
            self.roles.refresh(interaction)
        except Exception:
            log.exception("could not refresh the role of %s", interaction.user.id)
        return True

    # ------------------------------------------------------------ entry points

    async def command(self, interaction: discord.Interaction, command: Command, sub: str | None,
                      values: dict[str, Any]) -> None:
        """A slash command of the registry, with Discord's already-typed option values."""
        needs_guild = command.guild_only or command.role_needed(sub) is not Role.member
        if not await self.admit(interaction, needs_guild=needs_guild):
            return
        typed = {name: self.option_value(interaction, value) for name, value in values.items() if value is not None}
        words = " ".join(f"{name}:{value}" for name, value in typed.items())
        event = CommandInvoked(
            actor=self.languages.people.actor(interaction),
            channel=channel_of(interaction),
            name=command.name,
            text=f"{sub} {words}".strip() if sub else words,
            platform_locale=str(interaction.locale),
            display_name=display_name_of(interaction.user),
        )
        await self.run(interaction, event, args=Args(sub=sub, values=typed))

    def option_value(self, interaction: discord.Interaction, value: Any) -> OptionValue:
        """A typed option as the core takes it: people and channels Discord resolved become identities."""
        workspace = workspace_of(interaction.guild_id)
        if isinstance(value, discord.abc.User):
            return Named(self.languages.people.identity(value.id, interaction.guild_id), display_name_of(value))
        if isinstance(value, app_commands.AppCommandChannel | app_commands.AppCommandThread | discord.abc.GuildChannel
                      | discord.Thread):
            return Named(Identity(PLATFORM, workspace, str(value.id)), value.name)
        return value if isinstance(value, int) else str(value)

    async def button_pressed(self, interaction: discord.Interaction, custom_id: str) -> None:
        if not await self.admit(interaction, needs_guild=False):
            return
        action_id, value = parse_custom_id(custom_id, self.button_values)
        if value is None:
            await self.tell(interaction, t(self.locale(interaction), "This button has expired. Please run the "
                                                                     "command again."))
            return
        event = ButtonPressed(
            actor=self.languages.people.actor(interaction),
            channel=channel_of(interaction),
            action_id=action_id,
            value=value,
            message_id=str(interaction.message.id) if interaction.message else None,
            platform_locale=str(interaction.locale),
        )
        await self.run(interaction, event)

    async def form_step_submitted(self, interaction: discord.Interaction) -> None:
        """A modal of one of our forms came back: the form flow checks the step; a whole form goes to the core."""
        if not self.first_delivery(interaction) or not await self.admit(interaction, needs_guild=False):
            return
        locale = self.locale(interaction)
        event = await self.forms.submitted(interaction, locale)
        if event is None:
            return
        response = await self.run(interaction, event)
        if not await self.forms.answered(interaction, event, response, locale):
            await self.respond(interaction, response)

    async def run(self, interaction: discord.Interaction,
                  event: CommandInvoked | ButtonPressed | FormSubmitted | TranslationRequested,
                  *, args: Args | None = None) -> Response:
        """Ask the core and answer; returns the core's response (forms use its field errors)."""
        response = await self.in_time(interaction, self.dispatcher.handle(event, CAPABILITIES, args=args))
        if not (isinstance(event, FormSubmitted) and response.errors):
            await self.respond(interaction, response)
        return response

    async def in_time(self, interaction: discord.Interaction, work: Awaitable[Response]) -> Response:
        """Await `work`, deferring the interaction if it takes longer than Discord allows for a first answer."""
        task = asyncio.ensure_future(work)
        done, _ = await asyncio.wait({task}, timeout=ACK_BUDGET)
        if not done and not interaction.response.is_done():
            try:
                await interaction.response.defer(ephemeral=True, thinking=True)
                mark_deferred(interaction)
            except discord.HTTPException as exc:
                log.warning("could not defer interaction %s: %s", interaction.id, exc)
        return await task

    # ------------------------------------------------------------ answers

    async def respond(self, interaction: discord.Interaction, response: Response) -> None:
        """Show a core response: a form opens (as a modal when Discord allows), replies are sent."""
        if response.form is not None:
            await self.forms.start(interaction, response.form, self.locale(interaction))
            if response.replies:
                log.debug("replies next to a form are not shown on Discord: %s", response.replies)
            return
        replies = list(response.replies)
        if response.errors:
            replies.append(Reply(text="\n".join(f"• {error}" for error in response.errors.values())))
        await self.send_replies(interaction, replies)

    async def send_replies(self, interaction: discord.Interaction, replies: list[Reply]) -> None:
        sent = False
        for reply in replies:
            if is_deferred(interaction) and not reply.ephemeral:
                # The "thinking…" message is private; a public answer goes to the channel itself.
                try:
                    await self.post(channel_of(interaction), reply)
                    sent = True
                except Exception as exc:
                    log.warning("could not post the answer to interaction %s: %s", interaction.id, exc)
                continue
            for outgoing in render_reply(reply, self.button_values):
                sent = await send(interaction, outgoing, ephemeral=reply.ephemeral) or sent
        if not sent:
            await acknowledge(interaction, lambda: t(self.locale(interaction), "Done."))
        elif thinking_unused(interaction):
            await quietly(interaction.delete_original_response())

    async def tell(self, interaction: discord.Interaction, text: str) -> None:
        """A short private answer (an adapter message, not the core's)."""
        await self.send_replies(interaction, [Reply(text=text, ephemeral=True)])
