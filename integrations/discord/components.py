"""Persistent message components: they are matched by custom id, so they keep working after a restart.

Both are `discord.ui.DynamicItem`s registered once with `bot.add_dynamic_items` in `setup_hook`: a press on a
button sent days ago, by a process that has since restarted, still reaches the core. discord.py builds them from
the custom id alone, so they find what answers them on the client that received the press: a `ComponentHandler`.
"""

from __future__ import annotations

import re
from typing import Any, Protocol, cast

import discord

#: Custom ids the adapter keeps for its own form buttons; the core's action ids never start with it.
FORM_PREFIX = "icc-form:"


class ComponentHandler(Protocol):
    """What the client (`ICCBot`) offers the components: each press once, to the core or to the form flow."""

    def first_delivery(self, interaction: discord.Interaction, /) -> bool: ...

    async def button_pressed(self, interaction: discord.Interaction, custom_id: str, /) -> None: ...

    async def open_form_step(self, interaction: discord.Interaction, token: str, step: int, /) -> None: ...


def _handler(interaction: discord.Interaction) -> ComponentHandler:
    return cast(ComponentHandler, interaction.client)


class ActionButton(
    discord.ui.DynamicItem[discord.ui.Button[Any]],
    template=re.compile(r"(?s)(?!icc-form:)(?P<custom_id>.{1,100})"),
):
    """A button of a core reply; its press becomes `ButtonPressed(action_id, value)`."""

    def __init__(
        self,
        custom_id: str,
        *,
        label: str | None = None,
        style: discord.ButtonStyle = discord.ButtonStyle.secondary,
        row: int | None = None,
    ) -> None:
        super().__init__(discord.ui.Button(label=label, style=style, custom_id=custom_id, row=row))
        self.pressed_id = custom_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> ActionButton:
        button = cast("discord.ui.Button[Any]", item)
        return cls(match["custom_id"], label=button.label, style=button.style)

    async def interaction_check(self, interaction: discord.Interaction, /) -> bool:
        return _handler(interaction).first_delivery(interaction)

    async def callback(self, interaction: discord.Interaction) -> None:
        await _handler(interaction).button_pressed(interaction, self.pressed_id)


class FormButton(
    discord.ui.DynamicItem[discord.ui.Button[Any]],
    template=re.compile(r"icc-form:open:(?P<token>[0-9a-f]{1,32}):(?P<step>\d{1,2})"),
):
    """"Continue", "Correct" or "Open the form": opens step `step` of the form draft `token` as a modal."""

    def __init__(self, token: str, step: int, *, label: str | None = None,
                 style: discord.ButtonStyle = discord.ButtonStyle.primary) -> None:
        super().__init__(
            discord.ui.Button(label=label, style=style, custom_id=f"{FORM_PREFIX}open:{token}:{step}")
        )
        self.token = token
        self.step = step

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> FormButton:
        button = cast("discord.ui.Button[Any]", item)
        return cls(match["token"], int(match["step"]), label=button.label, style=button.style)

    async def interaction_check(self, interaction: discord.Interaction, /) -> bool:
        return _handler(interaction).first_delivery(interaction)

    async def callback(self, interaction: discord.Interaction) -> None:
        await _handler(interaction).open_form_step(interaction, self.token, self.step)


def form_view(token: str, step: int, label: str) -> discord.ui.View:
    """A message view with the one button that opens step `step` of draft `token` (`label` fits a button)."""
    view = discord.ui.View(timeout=None)
    view.add_item(FormButton(token, step, label=label))
    return view
