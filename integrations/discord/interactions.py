"""Interactions (slash commands, button presses) to the core and back, answered once and in time.

Discord wants an answer within 3 seconds, once. The core is asked first; if it has not answered within
`ACK_BUDGET` the interaction is deferred ("ICC Bot is thinking…") and the answer follows. The gateway may
deliver an interaction again after a resume: `first_delivery` makes sure it is handled once.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import OrderedDict
from collections.abc import Awaitable
from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands

from bot.i18n import t
from bot.messages import (
    ButtonPressed,
    CommandInvoked,
    FormSubmitted,
    Identity,
    Reply,
    Response,
)
from bot.models import Role
from bot.registry import Args, Command, Mention, OptionValue
from integrations.discord.chat import CAPABILITIES
from integrations.discord.render import (
    PLATFORM,
    Outgoing,
    actor_of,
    channel_of,
    display_name_of,
    parse_custom_id,
    render_reply,
    workspace_of,
)

if TYPE_CHECKING:
    from integrations.discord.bot import ICCBot

log = logging.getLogger(__name__)

#: Seconds the core gets before the interaction is deferred (Discord's limit is 3 s from its creation).
ACK_BUDGET = 2.0
#: Interaction tokens are valid for 15 minutes; follow-ups through an older one fail.
TOKEN_LIFETIME = 14 * 60
_DEFERRED = "icc_deferred"
_ORIGINAL_USED = "icc_original_used"


class RecentIds:
    """A bounded set of recently seen ids: the oldest are forgotten first."""

    def __init__(self, size: int = 10_000) -> None:
        self.size = size
        self._ids: OrderedDict[int, None] = OrderedDict()

    def add(self, item: int) -> bool:
        """Remember `item`; False when it was already there."""
        if item in self._ids:
            return False
        self._ids[item] = None
        if len(self._ids) > self.size:
            self._ids.popitem(last=False)
        return True

    def __len__(self) -> int:
        return len(self._ids)


class ActiveInteractions:
    """The latest interaction of each person in each channel, so that `Chat.ephemeral` can answer through it."""

    def __init__(self, size: int = 2_000) -> None:
        self.size = size
        self._items: OrderedDict[tuple[int, int], tuple[float, discord.Interaction]] = OrderedDict()

    def remember(self, interaction: discord.Interaction) -> None:
        key = (interaction.user.id, interaction.channel_id or 0)
        self._items.pop(key, None)
        self._items[key] = (time.monotonic(), interaction)
        while len(self._items) > self.size:
            self._items.popitem(last=False)

    def find(self, user_id: int, channel_id: int) -> discord.Interaction | None:
        found = self._items.get((user_id, channel_id))
        if found is None or time.monotonic() - found[0] > TOKEN_LIFETIME:
            return None
        return found[1]

    def by_id(self, interaction_id: int) -> discord.Interaction | None:
        for stamp, interaction in reversed(self._items.values()):
            if interaction.id == interaction_id and time.monotonic() - stamp <= TOKEN_LIFETIME:
                return interaction
        return None


class InteractionFlow:
    """From a Discord interaction to `Dispatcher.handle`, and from its `Response` to Discord's answer."""

    def __init__(self, bot: ICCBot) -> None:
        self.bot = bot
        self.seen = RecentIds()
        self.active = ActiveInteractions()

    # ------------------------------------------------------------ once, and who

    def first_delivery(self, interaction: discord.Interaction) -> bool:
        """False when this interaction was already handled (the gateway delivered it again)."""
        if self.seen.add(interaction.id):
            return True
        log.info("interaction %s delivered again; answered already", interaction.id)
        return False

    def locale(self, interaction: discord.Interaction) -> str:
        """The person's chosen language, else their Discord client's (`interaction.locale`)."""
        members = self.bot.core.services.members
        member = members.get_or_create(actor_of(interaction), display_name=display_name_of(interaction.user),
                                       platform_locale=str(interaction.locale))
        return self.bot.core.dispatcher.locale_for(member, str(interaction.locale))

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
            self.bot.roles.refresh(interaction)
        except Exception:
            log.exception("could not refresh the role of %s", actor_of(interaction))
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
            actor=actor_of(interaction),
            channel=channel_of(interaction),
            name=command.name,
            text=f"{sub} {words}".strip() if sub else words,
            platform_locale=str(interaction.locale),
            display_name=display_name_of(interaction.user),
        )
        await self.run(interaction, event, args=Args(sub=sub, values=typed))

    @staticmethod
    def option_value(interaction: discord.Interaction, value: Any) -> OptionValue:
        """A typed option as the core takes it: people and channels Discord resolved become identities."""
        workspace = workspace_of(interaction.guild_id)
        if isinstance(value, discord.abc.User):
            return Mention(Identity(PLATFORM, workspace, str(value.id)), display_name_of(value))
        if isinstance(value, app_commands.AppCommandChannel | app_commands.AppCommandThread | discord.abc.GuildChannel
                      | discord.Thread):
            return Mention(Identity(PLATFORM, workspace, str(value.id)), value.name)
        return value if isinstance(value, int) else str(value)

    async def button_pressed(self, interaction: discord.Interaction, custom_id: str) -> None:
        if not await self.admit(interaction, needs_guild=False):
            return
        action_id, value = parse_custom_id(custom_id, self.bot.button_values)
        if value is None:
            await self.tell(interaction, t(self.locale(interaction), "This button has expired. Please run the "
                                                                     "command again."))
            return
        event = ButtonPressed(
            actor=actor_of(interaction),
            channel=channel_of(interaction),
            action_id=action_id,
            value=value,
            message_id=str(interaction.message.id) if interaction.message else None,
            platform_locale=str(interaction.locale),
        )
        await self.run(interaction, event)

    async def run(self, interaction: discord.Interaction, event: CommandInvoked | ButtonPressed | FormSubmitted,
                  *, args: Args | None = None) -> Response:
        """Ask the core and answer; returns the core's response (forms use its field errors)."""
        response = await self.in_time(interaction, self.bot.core.dispatcher.handle(event, CAPABILITIES, args=args))
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
                interaction.extras[_DEFERRED] = True
            except discord.HTTPException as exc:
                log.warning("could not defer interaction %s: %s", interaction.id, exc)
        return await task

    # ------------------------------------------------------------ answers

    async def respond(self, interaction: discord.Interaction, response: Response) -> None:
        """Show a core response: a form opens (as a modal when Discord allows), replies are sent."""
        if response.form is not None:
            await self.bot.forms.start(interaction, response.form)
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
            if interaction.extras.get(_DEFERRED) and not reply.ephemeral:
                # The "thinking…" message is private; a public answer goes to the channel itself.
                try:
                    await self.bot.chat.post(channel_of(interaction), reply)
                    sent = True
                except Exception as exc:
                    log.warning("could not post the answer to interaction %s: %s", interaction.id, exc)
                continue
            for outgoing in render_reply(reply, self.bot.button_values):
                sent = await self.send(interaction, outgoing, ephemeral=reply.ephemeral) or sent
        if not sent:
            await self.acknowledge(interaction)
        elif interaction.extras.get(_DEFERRED) and not interaction.extras.get(_ORIGINAL_USED):
            await self._quietly(interaction.delete_original_response())

    async def tell(self, interaction: discord.Interaction, text: str) -> None:
        """A short private answer (an adapter message, not the core's)."""
        await self.send_replies(interaction, [Reply(text=text, ephemeral=True)])

    async def send(self, interaction: discord.Interaction, outgoing: Outgoing, *, ephemeral: bool) -> bool:
        """Send one message as the interaction's answer or follow-up; True when it was sent."""
        kwargs = outgoing.kwargs()
        try:
            if not interaction.response.is_done():
                await interaction.response.send_message(**kwargs, ephemeral=ephemeral)
            elif interaction.extras.get(_DEFERRED) and not interaction.extras.get(_ORIGINAL_USED):
                interaction.extras[_ORIGINAL_USED] = True
                await interaction.edit_original_response(**kwargs)
            else:
                await interaction.followup.send(**kwargs, ephemeral=ephemeral)
            return True
        except discord.NotFound as exc:
            log.warning("interaction %s expired before it was answered (%s)", interaction.id, exc.code)
        except discord.HTTPException as exc:
            log.warning("could not answer interaction %s: %s %s", interaction.id, exc.status, exc.text)
        except Exception:
            log.exception("could not answer interaction %s", interaction.id)
        return False

    async def acknowledge(self, interaction: discord.Interaction) -> None:
        """Nothing to show: acknowledge so Discord does not say the bot failed."""
        if interaction.response.is_done():
            if interaction.extras.get(_DEFERRED) and not interaction.extras.get(_ORIGINAL_USED):
                await self._quietly(interaction.delete_original_response())
            return
        if interaction.type in (discord.InteractionType.component, discord.InteractionType.modal_submit):
            await self._quietly(interaction.response.defer())
        else:
            await self._quietly(interaction.response.send_message(
                t(self.locale(interaction), "Done."), ephemeral=True))

    @staticmethod
    async def _quietly(action: Awaitable[Any]) -> None:
        try:
            await action
        except discord.HTTPException as exc:
            log.warning("Discord refused an acknowledgement: %s %s", exc.status, exc.text)
