"""A cluster's channel on Discord, through the real discord.py bot against the Discord fake: a private text
channel in the "ICC clusters" category that only its people (and the bot) can see, kept to them as cities join
and leave."""

from __future__ import annotations

import pytest

from bot.messages import Identity
from bot.models import Role
from bot.services.clusters import ClusterDraft
from bot.wiring import Core
from tests.clusters import platforms
from tests.clusters.platforms import add_network
from tests.discord.helpers import ALICE, BOB, CAROL, GUILD, answer, content, running_bot
from tests.fakes import discord as fd
from tests.fakes import discord_channels

#: The Discord fake with the ICC server, and settings that start the Discord adapter.
settings, fake = platforms.settings, platforms.fake


@pytest.fixture
def network(core: Core) -> Core:
    """alice coordinates Lisbon, bob is a member there, carol is on the ICC team; Barcelona has nobody here."""
    services = core.services
    add_network(core, [("discord", str(GUILD), str(user), city, role) for user, city, role in (
        (ALICE, "Lisbon", Role.coordinator), (BOB, "Lisbon", Role.member), (CAROL, None, Role.icc_team))])
    carol = services.members.find(Identity("discord", str(GUILD), str(CAROL)))
    assert carol is not None
    cluster = services.clusters.create(ClusterDraft(name="Anti-rumours"), by=carol)
    services.clusters.join(cluster, services.cities.resolve("Barcelona"))
    return core


def category_and_channel(fake: fd.FakeDiscord) -> tuple[dict, dict]:
    [category] = [c for c in fake.channels.values() if c["type"] == 4 and c["name"] == "ICC clusters"]
    [channel] = [c for c in fake.channels.values() if c.get("name") == "anti-rumours"]
    return category, channel


async def test_joining_makes_a_private_channel_only_the_clusters_people_see(network: Core,
                                                                             fake: fd.FakeDiscord) -> None:
    async with running_bot(network, fake):
        reply = await answer(fake, fake.slash_command_interaction(
            "cluster", {"cluster": "anti-rumours"}, subcommand="join", user_id=ALICE, locale="en-US"))
        assert "Lisbon joined Anti-rumours." in content(reply)
        await fake.wait_until(lambda: any(c.get("name") == "anti-rumours" for c in fake.channels.values()))
        category, channel = category_and_channel(fake)
        assert channel["parent_id"] == category["id"]
        assert discord_channels.denied_to_everyone(fake, channel["id"], GUILD)
        assert discord_channels.allowed(fake, channel["id"], fake.bot_user["id"])
        assert discord_channels.allowed(fake, channel["id"], ALICE) and discord_channels.allowed(fake, channel["id"],
                                                                                                   BOB)
        assert not discord_channels.allowed(fake, channel["id"], CAROL)
        reply = await answer(fake, fake.slash_command_interaction(
            "cluster", {"cluster": "anti-rumours"}, subcommand="leave", user_id=ALICE, locale="en-US"))
        assert "Lisbon left Anti-rumours." in content(reply)
        assert not discord_channels.allowed(fake, channel["id"], ALICE)
        assert not discord_channels.allowed(fake, channel["id"], BOB)


async def test_a_deleted_channel_is_said_and_a_member_cannot_join_for_their_city(network: Core,
                                                                                fake: fd.FakeDiscord) -> None:
    async with running_bot(network, fake):
        await answer(fake, fake.slash_command_interaction(
            "cluster", {"cluster": "anti-rumours"}, subcommand="join", user_id=ALICE, locale="en-US"))
        _, channel = category_and_channel(fake)
        fake.delete_channel(channel["id"])
        reply = await answer(fake, fake.slash_command_interaction(
            "cluster", {"cluster": "anti-rumours"}, subcommand="leave", user_id=ALICE, locale="en-US"))
        assert "Lisbon left Anti-rumours." in content(reply) and "was deleted" in content(reply)
        reply = await answer(fake, fake.slash_command_interaction(
            "cluster", {"cluster": "anti-rumours"}, subcommand="join", user_id=BOB, locale="en-US"))
        assert "/request-role coordinator" in content(reply)
