"""Answering Discord interactions: once, in the person's language, through the right call at each moment.

Discord takes one first answer per interaction (a message, a modal, or "thinking…"), then edits of that answer
and follow-ups, for 15 minutes. The helpers here keep track of which call is next, remember each person's latest
interaction (so the core's private messages can go through it), and say which language to answer in.
"""

from __future__ import annotations

import logging
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from typing import Any

import discord

from bot.messages import Identity
from bot.models import Member
from bot.services.members import MemberService
from integrations.discord.people import People
from integrations.discord.render import Outgoing, display_name_of

log = logging.getLogger(__name__)

#: Interaction tokens are valid for 15 minutes; follow-ups through an older one fail.
TOKEN_LIFETIME = 14 * 60
_DEFERRED = "icc_deferred"
_ORIGINAL_USED = "icc_original_used"

#: The language rule of the core: a person's choice, else their platform's locale, else the network's.
LocaleRule = Callable[[Member, str | None], str]


class Languages:
    """The language to answer a Discord user in: their choice, else their Discord client's, else the server's."""

    def __init__(self, members: MemberService, locale_for: LocaleRule, people: People) -> None:
        self.members = members
        self.locale_for = locale_for
        self.people = people

    def of(self, interaction: discord.Interaction) -> str:
        """For the person behind `interaction` (their client's locale comes with it)."""
        member = self.members.get_or_create(self.people.actor(interaction),
                                            display_name=display_name_of(interaction.user),
                                            platform_locale=str(interaction.locale))
        return self.locale_for(member, str(interaction.locale))

    def of_user(self, user: Identity, server_locale: str | None = None) -> str:
        """For someone with no interaction at hand: theirs, else their last Discord client's, else the server's."""
        member = self.members.get_or_create(user)
        return self.locale_for(member, member.locale or server_locale)


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


def mark_deferred(interaction: discord.Interaction) -> None:
    """The interaction was answered with "thinking…": the next answer edits that message."""
    interaction.extras[_DEFERRED] = True


def is_deferred(interaction: discord.Interaction) -> bool:
    return bool(interaction.extras.get(_DEFERRED))


def thinking_unused(interaction: discord.Interaction) -> bool:
    """Deferred, and the "thinking…" message still waits for its answer."""
    return is_deferred(interaction) and not interaction.extras.get(_ORIGINAL_USED)


async def send(interaction: discord.Interaction, outgoing: Outgoing, *, ephemeral: bool) -> bool:
    """Send one message as the interaction's answer or follow-up; True when it was sent."""
    kwargs = outgoing.kwargs()
    try:
        if not interaction.response.is_done():
            await interaction.response.send_message(**kwargs, ephemeral=ephemeral)
        elif thinking_unused(interaction):
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


async def acknowledge(interaction: discord.Interaction, done: Callable[[], str]) -> None:
    """Nothing to show: acknowledge so Discord does not say the bot failed (`done()`: the word for a command)."""
    if interaction.response.is_done():
        if thinking_unused(interaction):
            await quietly(interaction.delete_original_response())
        return
    if interaction.type in (discord.InteractionType.component, discord.InteractionType.modal_submit):
        await quietly(interaction.response.defer())
    else:
        await quietly(interaction.response.send_message(done(), ephemeral=True))


async def quietly(action: Awaitable[Any]) -> None:
    """An acknowledgement Discord may refuse (the interaction expired): logged, never raised."""
    try:
        await action
    except discord.HTTPException as exc:
        log.warning("Discord refused an acknowledgement: %s %s", exc.status, exc.text)
