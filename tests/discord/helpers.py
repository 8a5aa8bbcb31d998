"""Small helpers of the Discord tests, on top of the shared fake (`tests/fakes/discord.py`)."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from typing import Any

from bot.messages import Identity
from bot.models import City, Role
from bot.wiring import Core
from integrations.discord.bot import ICCBot
from tests.fakes import discord as fd

GUILD = 900000000000000001
OWNER = 800000000000000009
ALICE = 800000000000000001
BOB = 800000000000000002
CAROL = 800000000000000003


@contextlib.asynccontextmanager
async def running_bot(core: Core, fake: fd.FakeDiscord, **options: Any) -> AsyncIterator[ICCBot]:
    """A real `ICCBot` connected to the fake until the block ends (then closed cleanly)."""
    bot = ICCBot(core, guild_ready_timeout=0.05, **options)
    async with fake.run_client(bot):
        yield bot


def channel_id(fake: fd.FakeDiscord, name: str) -> int:
    return next(cid for cid, channel in fake.channels.items() if channel.get("name") == name)


def identity(user_id: int, workspace: int | str = GUILD) -> Identity:
    return Identity("discord", str(workspace), str(user_id))


async def answer(fake: fd.FakeDiscord, payload: dict[str, Any], timeout: float = 3.0) -> dict[str, Any]:
    """Deliver an interaction and return the bot's first answer to it (`{"type": …, "data": …}`)."""
    await fake.send_interaction(payload)
    await fake.wait_until(lambda: fake.callbacks(payload), timeout)
    return fake.callbacks(payload)[0]


def content(callback: dict[str, Any]) -> str:
    """The text of an answer, its embeds included."""
    data = callback.get("data") or {}
    parts = [data.get("content") or ""]
    for embed in data.get("embeds") or []:
        parts += [embed.get("title") or "", embed.get("description") or ""]
    return "\n".join(part for part in parts if part)


def buttons(message_or_data: dict[str, Any]) -> list[dict[str, Any]]:
    """Every button of a message (or of an answer's `data`)."""
    found = []
    for row in message_or_data.get("components") or []:
        for component in row.get("components") or []:
            if component.get("type") == 2:
                found.append(component)
    return found


def modal_inputs(modal: dict[str, Any]) -> list[dict[str, Any]]:
    """The inputs of a modal answer's `data`, each with its label (`_label`, `_description`)."""
    inputs = []
    for top in modal["components"]:
        if top["type"] == 18:
            component = dict(top["component"])
            component["_label"] = top["label"]
            component["_description"] = top.get("description")
            inputs.append(component)
        else:
            inputs.extend(top["components"])
    return inputs


def map_role(core: Core, fake: fd.FakeDiscord, role_name: str, role: Role) -> None:
    """A server admin's mapping, written directly (the `/discord-roles` command has its own tests)."""
    from integrations.discord.roles import RoleMap

    RoleMap(core.engine).set(guild_id=str(GUILD), role_id=str(fake.role_id(GUILD, role_name)), role=role, by="test")


def add_city(core: Core, name: str = "Lisbon", country: str = "PT", languages: str = "pt") -> City:
    return core.services.cities.add(City(name=name, country=country, languages=languages))
