"""A cluster whose cities' people are on Slack and on Discord, with one core serving both (the real bolt app and the
real discord.py bot against the fakes): proposed by a coordinator, approved by the ICC team with Slack's button,
its channel made on each platform where it has people (translated into their languages), and kept to its
cities as they join and leave from either platform. Nobody is pinged."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from pydantic import SecretStr

from bot.i18n import t
from bot.messages import Identity
from bot.models import City, ClusterChannel, Role
from bot.services.clusters import ClusterDraft
from bot.services.clusters.proposals import DECIDE_ACTION
from bot.wiring import Core
from tests.clusters.platforms import slack_served
from tests.discord.helpers import GUILD, OWNER, answer, content, running_bot
from tests.fakes import discord as fd
from tests.fakes import discord_channels, slack_channels
from tests.fakes.slack import DEFAULT_TEAM_ID, FakeSlackWebAPI
from tests.slack.conftest import CLIENT_ID, CLIENT_SECRET, Slack

ANA, JOAN, IVANA = "U0ANA0001", "U0JOAN001", "U0IVANA01"
OLENA = 800000000000000012


@dataclass
class Both:
    core: Core
    slack: Slack
    discord: fd.FakeDiscord

    def channel(self, platform: str) -> ClusterChannel:
        cluster = self.core.services.clusters.find("anti-rumours")
        assert cluster is not None
        [row] = [r for r in self.core.services.cluster_channels.channels(cluster.id or 0) if r.platform == platform]
        return row

    def languages(self, platform: str) -> list[str]:
        row = self.channel(platform)
        translation = self.core.services.translation
        assert translation is not None
        return translation.channels.languages(Identity(platform, row.workspace_id, row.channel_id))


@pytest.fixture
async def both(database_url: str, tmp_path: Path) -> AsyncIterator[Both]:
    async with FakeSlackWebAPI(client_id=CLIENT_ID, client_secret=CLIENT_SECRET) as slack_api, \
            fd.FakeDiscord() as discord_api:
        for user, name, locale in ((ANA, "ana", "pt-PT"), (JOAN, "joan", "es-ES"), (IVANA, "ivana", "en-GB")):
            slack_api.add_user(user, name=name, locale=locale)
        slack_channels.serve_channel_admin(slack_api)
        discord_api.add_guild(GUILD, name="Intercultural Cities", owner_id=OWNER, channels=["general"],
                              members=[{"user_id": OLENA, "name": "olena", "locale": "uk"}], locale="en-US")
        discord_channels.serve_overwrites(discord_api)
        people = [("slack", DEFAULT_TEAM_ID, ANA, "Lisbon", Role.coordinator),
                  ("slack", DEFAULT_TEAM_ID, JOAN, "Barcelona", Role.coordinator),
                  ("slack", DEFAULT_TEAM_ID, IVANA, None, Role.icc_team)]
        with fd.point_discord_at(discord_api):
            async with slack_served(database_url, tmp_path, slack_api, people,
                                    discord_token=SecretStr("fake-bot-token"),
                                    discord_guild_ids=str(GUILD)) as slack:
                core = slack.core
                core.services.cities.add(City(name="Odesa", country="UA", languages="uk"))
                olena = Identity("discord", str(GUILD), str(OLENA))
                core.services.members.get_or_create(olena, platform_locale="uk")
                core.services.members.set_role(olena, Role.coordinator)
                core.services.members.set_city(olena, "Odesa")
                async with running_bot(core, discord_api):
                    yield Both(core, slack, discord_api)


def discord_leave_or_join(sub: str, fake: fd.FakeDiscord) -> dict:
    return fake.slash_command_interaction("cluster", {"cluster": "anti-rumours"}, subcommand=sub, user_id=OLENA,
                                          locale="uk")


async def test_a_cluster_of_slack_and_discord_cities(both: Both) -> None:
    services = both.core.services
    slack_api, discord = both.slack.fake, both.discord
    await both.slack.command("/cluster", "list", user_id=ANA)  # the bot learns Ana's Slack language (pt-PT)
    ana = services.members.find(Identity("slack", DEFAULT_TEAM_ID, ANA))
    assert ana is not None
    cluster, _ = await services.cluster_proposals.create(ClusterDraft(name="Anti-rumours", languages=["es"]), by=ana)
    assert slack_api.calls_to("conversations.create") == []  # proposed: no channel yet
    # The ICC team approves with the button of the proposal, on Slack.
    await both.slack.client.block_action(DECIDE_ACTION, f"approve:{cluster.id}", user_id=IVANA)
    await both.slack.settle()
    [created] = slack_api.calls_to("conversations.create")
    assert created.args["name"] == "anti-rumours"
    slack_row = both.channel("slack")
    assert sorted(slack_api.members(slack_row.channel_id)) == sorted([slack_api.bot_user_id, ANA])
    assert not any(c.get("name") == "anti-rumours" for c in discord.channels.values())  # nobody on Discord yet
    # Olena brings Odesa in from Discord: the cluster's Discord channel is made, and only its people see it.
    reply = await answer(discord, discord_leave_or_join("join", discord))
    assert "Odesa" in content(reply)
    [channel] = [c for c in discord.channels.values() if c.get("name") == "anti-rumours"]
    assert discord_channels.allowed(discord, channel["id"], OLENA)
    assert discord_channels.denied_to_everyone(discord, channel["id"], GUILD)
    # Each channel is translated into its own readers' languages and the cluster's.
    assert both.languages("discord") == ["UK", "ES"]
    # Ana reads translations in Brazilian Portuguese from now on; Joan brings Barcelona in from Slack: he is
    # invited, and the Slack channel is read in Spanish too, and in Ana's Portuguese.
    await both.slack.command("/language", "pt-BR", user_id=ANA)
    await both.slack.command("/cluster", "join anti-rumours", user_id=JOAN)
    assert t("es", "{city} joined {name}.", city="Barcelona", name="Anti-rumours") in both.slack.last_answer_text()
    assert JOAN in slack_api.members(slack_row.channel_id)
    assert sorted(both.languages("slack")) == ["ES", "PT-BR"]
    # Leaving takes each city's people out on their platform, and nobody else.
    await both.slack.command("/cluster", "leave anti-rumours", user_id=JOAN)
    assert JOAN not in slack_api.members(slack_row.channel_id) and ANA in slack_api.members(slack_row.channel_id)
    await answer(discord, discord_leave_or_join("leave", discord))
    assert not discord_channels.allowed(discord, channel["id"], OLENA)
    assert both.channel("slack").state == both.channel("discord").state == "ok"
    # Nobody pinged anywhere.
    for call in slack_api.calls_to("chat.postMessage"):
        assert "<!" not in str(call.args.get("text"))
    for message in discord.messages.values():
        assert "@everyone" not in str(message.get("content")) and "@here" not in str(message.get("content"))
