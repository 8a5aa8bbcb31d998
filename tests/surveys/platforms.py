"""The survey tests' Slack and Discord: the real bolt app and discord.py bot against the loopback fakes, with the
people of the twelve-city network who answer there."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from bot.messages import Identity
from bot.models import Role
from bot.settings import Settings
from bot.wiring import Core, build_core
from integrations.discord.bot import ICCBot
from tests.discord.helpers import GUILD
from tests.fakes import discord as fd
from tests.fakes.slack import DEFAULT_TEAM_ID, FakeSlackWebAPI
from tests.slack.conftest import Slack, serve_slack, slack_settings
from tests.support.clock import MovableClock

#: Slack people: (user id, city, language).
SLACK_PEOPLE = {"U0ANA0001": ("Lisbon", "pt-PT"), "U0JOAN001": ("Barcelona", "es-ES")}
SLACK_TEAM = "U0IVANA01"
#: Discord people: (user id, city, language).
DISCORD_PEOPLE = {800000000000000011: ("Odesa", "uk"), 800000000000000012: ("Stuttgart", "de")}


def slack_person(user_id: str) -> Identity:
    return Identity("slack", DEFAULT_TEAM_ID, user_id)


def discord_person(user_id: int) -> Identity:
    return Identity("discord", str(GUILD), str(user_id))


def core_for_both(database_url: str, tmp_path: Path, slack: FakeSlackWebAPI, clock: MovableClock) -> Core:
    """One core that serves Slack (by token) and Discord (one server), on a clock the test moves."""
    settings: Settings = slack_settings(database_url, tmp_path, slack, discord_token="fake-bot-token",
                                        discord_guild_ids=str(GUILD))
    return build_core(settings, clock=clock)


def join_slack_and_discord(core: Core, slack: FakeSlackWebAPI) -> None:
    """The Slack and Discord coordinators of four of the twelve cities, and an ICC team member on Slack."""
    members = core.services.members
    for user_id, (city, locale) in SLACK_PEOPLE.items():
        slack.add_user(user_id, locale=locale, name=f"slack-{city.lower()}")
        members.get_or_create(slack_person(user_id), display_name=city + " on Slack", platform_locale=locale)
        members.set_role(slack_person(user_id), Role.coordinator)
        members.set_city(slack_person(user_id), city)
    slack.add_user(SLACK_TEAM, locale="en-GB", name="ivana")
    members.get_or_create(slack_person(SLACK_TEAM), display_name="Ivana", platform_locale="en-GB")
    members.set_role(slack_person(SLACK_TEAM), Role.icc_team)
    for discord_id, (city, locale) in DISCORD_PEOPLE.items():
        members.get_or_create(discord_person(discord_id), display_name=city + " on Discord", platform_locale=locale)
        members.set_role(discord_person(discord_id), Role.coordinator)
        members.set_city(discord_person(discord_id), city)


@asynccontextmanager
async def discord_server() -> AsyncIterator[fd.FakeDiscord]:
    """The Discord fake with the ICC server and its two coordinators."""
    async with fd.FakeDiscord() as fake:
        fake.add_guild(GUILD, name="Intercultural Cities", channels=["general"], locale="en-US",
                       members=[{"user_id": uid, "name": f"discord-{city.lower()}", "locale": locale}
                                for uid, (city, locale) in DISCORD_PEOPLE.items()])
        with fd.point_discord_at(fake):
            yield fake


@asynccontextmanager
async def both_platforms(core: Core, slack_fake: FakeSlackWebAPI,
                         discord_fake: fd.FakeDiscord) -> AsyncIterator[tuple[Slack, ICCBot]]:
    """Slack served over HTTP and the Discord bot connected, both delivering the core's outbox."""
    slack = await serve_slack(core, slack_fake)
    bot = ICCBot(core, guild_ready_timeout=0.05, sync_at_start=False)
    try:
        async with discord_fake.run_client(bot):
            yield slack, bot
    finally:
        await slack.adapter.close()
        await slack.client.aclose()


# ---------------------------------------------------------------- reading what the fakes hold


def slack_dm(fake: FakeSlackWebAPI, user_id: str) -> list[dict[str, Any]]:
    return fake.messages(fake.dm_channel_id(user_id))


def slack_buttons(message: dict[str, Any]) -> list[dict[str, Any]]:
    blocks = message.get("blocks") or []
    if isinstance(blocks, str):
        blocks = json.loads(blocks)
    return [element for block in blocks if block.get("type") == "actions" for element in block["elements"]]


def discord_dm(fake: fd.FakeDiscord, user_id: int) -> list[dict[str, Any]]:
    """The messages of the bot's direct-message channel with `user_id`."""
    found = []
    for message in fake.messages.values():
        channel = fake.channels.get(int(message["channel_id"])) or {}
        recipients = [str(user.get("id")) for user in channel.get("recipients") or []]
        if channel.get("type") == 1 and str(user_id) in recipients:
            found.append(message)
    return sorted(found, key=lambda message: int(message["id"]))
