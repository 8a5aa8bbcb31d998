"""Conversions between Discord and the core: identities in, neutral replies out as Discord messages.

`render_reply` turns one `Reply` into as many Discord messages as its size needs (2,000 characters of text, 10
embeds and 6,000 embed characters, 5 rows of buttons per message); buttons become persistent components
(`components.ActionButton`) whose custom id is the button's `action_id` and `value` (`approve:12|fr`). A value
too long for Discord's 100-character custom id is kept in `ButtonValues` (memory) under a short key instead:
such a button works until the process restarts, then says it has expired.
"""

from __future__ import annotations

import hashlib
import logging
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any

import discord

from bot.messages import Button, ButtonStyle, Identity, Reply, Section
from bot.ports import Capabilities
from integrations.discord.components import ActionButton
from integrations.discord.text import MAX_CONTENT, render, split_text

log = logging.getLogger(__name__)

PLATFORM = "discord"
#: The "workspace" of direct messages, which belong to no server (Discord's own name for them).
DM_WORKSPACE = "@me"

MAX_EMBEDS = 10
MAX_EMBED_TOTAL = 6000
MAX_EMBED_TITLE = 256
MAX_EMBED_DESCRIPTION = 4096
MAX_ROWS = 5
MAX_BUTTONS_PER_ROW = 5
MAX_BUTTON_LABEL = 80
MAX_CUSTOM_ID = 100

#: What Discord can show, for the core to choose how to answer.
CAPABILITIES = Capabilities(
    modals=True,
    max_modal_fields=5,
    ephemeral=True,
    threads=True,
    buttons=True,
    post_as_other=True,
    max_message_length=MAX_CONTENT,
    create_channels=True,
    # Discord allows 50 requests per second per bot, whatever the server: deliveries keep under it (48 a
    # second, bursts of 2); discord.py waits out the per-route limits its headers announce.
    posts_per_second=48.0,
    posts_counted_per_platform=True,
)

_STYLES = {
    ButtonStyle.default: discord.ButtonStyle.secondary,
    ButtonStyle.primary: discord.ButtonStyle.primary,
    ButtonStyle.danger: discord.ButtonStyle.danger,
}


# ---------------------------------------------------------------- identities in


def workspace_of(guild_id: int | None) -> str:
    return str(guild_id) if guild_id else DM_WORKSPACE


def actor_of(interaction: discord.Interaction) -> Identity:
    """The person behind an interaction: `(discord, guild id or @me, user id)`."""
    return Identity(PLATFORM, workspace_of(interaction.guild_id), str(interaction.user.id))


def channel_of(interaction: discord.Interaction) -> Identity:
    return Identity(PLATFORM, workspace_of(interaction.guild_id), str(interaction.channel_id or 0))


def display_name_of(user: discord.abc.User) -> str:
    return user.display_name or user.name


# ---------------------------------------------------------------- replies out


#: Separates an action id from the key of a value kept in `ButtonValues` (never in an action id).
STASHED = "¦"


class ButtonValues:
    """Button values too long for a custom id, kept in memory under a short key (the newest 50,000)."""

    def __init__(self, size: int = 50_000) -> None:
        self.size = size
        self._values: OrderedDict[str, str] = OrderedDict()

    def put(self, value: str) -> str:
        key = hashlib.blake2b(value.encode(), digest_size=8).hexdigest()
        self._values.pop(key, None)
        self._values[key] = value
        while len(self._values) > self.size:
            self._values.popitem(last=False)
        return key

    def get(self, key: str) -> str | None:
        return self._values.get(key)


@dataclass(frozen=True)
class RenderedButton:
    """A button as Discord gets it: its custom id is what comes back when it is pressed."""

    custom_id: str
    label: str
    style: ButtonStyle


@dataclass
class Outgoing:
    """One Discord message: what `send`, `send_message` and `followup.send` take."""

    content: str = ""
    embeds: list[discord.Embed] = field(default_factory=list)
    buttons: list[list[RenderedButton]] = field(default_factory=list)  # rows
    allowed_mentions: discord.AllowedMentions = field(default_factory=discord.AllowedMentions.none)

    @property
    def empty(self) -> bool:
        return not self.content.strip() and not self.embeds and not self.buttons

    def view(self) -> discord.ui.View | None:
        """A persistent view (timeout None) of the buttons, or None when there are none."""
        if not self.buttons:
            return None
        view = discord.ui.View(timeout=None)
        for row_index, row in enumerate(self.buttons):
            for button in row:
                view.add_item(ActionButton(button.custom_id, label=button.label,
                                           style=_STYLES.get(button.style, discord.ButtonStyle.secondary),
                                           row=row_index))
        return view

    def kwargs(self) -> dict[str, Any]:
        """Keyword arguments for `Messageable.send` / `InteractionResponse.send_message` / `Webhook.send`."""
        out: dict[str, Any] = {"allowed_mentions": self.allowed_mentions}
        if self.content:
            out["content"] = self.content
        if self.embeds:
            out["embeds"] = self.embeds
        view = self.view()
        if view is not None:
            out["view"] = view
        return out


def mentions_for(reply: Reply) -> discord.AllowedMentions:
    """People may be mentioned; @everyone/@here and roles only when the core allows it (the ICC team); nobody
    when the reply repeats what someone wrote (a translation)."""
    if reply.quiet:
        return discord.AllowedMentions.none()
    return discord.AllowedMentions(
        everyone=reply.allow_broadcast_mentions, roles=reply.allow_broadcast_mentions, users=True, replied_user=False
    )


def shorten(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def custom_id_for(button: Button, values: ButtonValues | None = None) -> str | None:
    """`action_id`, or `action_id|value`: what comes back in the press. None when it cannot be shown on Discord."""
    custom_id = f"{button.action_id}|{button.value}" if button.value else button.action_id
    if len(custom_id) > MAX_CUSTOM_ID and values is not None and STASHED not in button.action_id:
        custom_id = f"{button.action_id}{STASHED}{values.put(button.value)}"
    if len(custom_id) > MAX_CUSTOM_ID or custom_id.startswith("icc-form:"):
        log.error("button %r cannot be shown on Discord: its custom id is too long or reserved", button.action_id)
        return None
    return custom_id


def parse_custom_id(custom_id: str, values: ButtonValues | None = None) -> tuple[str, str | None]:
    """The (action_id, value) a button was rendered from; the value is None when it was kept and is gone."""
    action_id, separator, value = custom_id.partition("|")
    if not separator and STASHED in custom_id:
        action_id, _, key = custom_id.partition(STASHED)
        return action_id, values.get(key) if values is not None else None
    return action_id, value


def _embeds(section: Section) -> list[discord.Embed]:
    """A section as embeds: one, or more when its text is longer than an embed holds (only the first has the
    title), so that nothing is cut off."""
    embeds = [discord.Embed(description=piece) for piece in split_text(section.text, MAX_EMBED_DESCRIPTION)]
    if not embeds:
        embeds = [discord.Embed()]
    if section.title:
        embeds[0].title = shorten(section.title, MAX_EMBED_TITLE)
    return embeds


def _embed_size(embed: discord.Embed) -> int:
    return len(embed.title or "") + len(embed.description or "")


def _rows(buttons: list[Button], values: ButtonValues | None, *, prefix: str = "") -> list[list[RenderedButton]]:
    usable = []
    for button in buttons:
        custom_id = custom_id_for(button, values)
        if custom_id is None:
            continue
        label = shorten(f"{prefix}{button.label}", MAX_BUTTON_LABEL) or "…"
        usable.append(RenderedButton(custom_id=custom_id, label=label, style=ButtonStyle(button.style)))
    return [usable[i : i + MAX_BUTTONS_PER_ROW] for i in range(0, len(usable), MAX_BUTTONS_PER_ROW)]


def render_reply(reply: Reply, values: ButtonValues | None = None) -> list[Outgoing]:
    """The Discord messages showing `reply`, in order (most replies fit in one).

    Sections become embeds; a section's buttons go on their own row, numbered like their embed when
    several sections have buttons (Discord cannot put a button inside an embed).
    """
    mentions = mentions_for(reply)
    text = render(reply.rich, allow_broadcast=reply.allow_broadcast_mentions) if reply.rich is not None else reply.text
    messages = [Outgoing(content=piece, allowed_mentions=mentions) for piece in split_text(text)]
    if not messages:
        messages = [Outgoing(allowed_mentions=mentions)]
    numbered = sum(1 for section in reply.sections if section.buttons) > 1
    current = messages[-1]
    for number, section in enumerate(reply.sections, start=1):
        embeds = _embeds(section)
        if numbered and section.buttons and embeds[0].title:
            embeds[0].title = shorten(f"{number}. {embeds[0].title}", MAX_EMBED_TITLE)
        rows = _rows(list(section.buttons), values, prefix=f"{number} · " if numbered else "")
        for index, embed in enumerate(embeds):
            last = index == len(embeds) - 1
            if (
                len(current.embeds) >= MAX_EMBEDS
                or sum(map(_embed_size, current.embeds)) + _embed_size(embed) > MAX_EMBED_TOTAL
                or (last and len(current.buttons) + len(rows) > MAX_ROWS)
            ):
                current = Outgoing(allowed_mentions=mentions)
                messages.append(current)
            current.embeds.append(embed)
        current.buttons.extend(rows[:MAX_ROWS])
    rows = _rows(reply.buttons, values)
    while rows:
        room = MAX_ROWS - len(current.buttons)
        if room <= 0:
            current = Outgoing(allowed_mentions=mentions)
            messages.append(current)
            room = MAX_ROWS
        current.buttons.extend(rows[:room])
        rows = rows[room:]
    return [message for message in messages if not message.empty]
