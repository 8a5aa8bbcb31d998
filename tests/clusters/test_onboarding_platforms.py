"""A newcomer's first slash command on Slack and on Discord (sent exactly as the platforms send it, to the real
client libraries, against the fakes): the welcome arrives by direct message in their platform's language, with
its two buttons; and /city edit is a form on both platforms, refused to another city's coordinator in their
language with nothing changed."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlmodel import Session, select

from bot.i18n import t
from bot.models import Member, Role
from bot.wiring import Core
from tests.clusters import platforms
from tests.clusters.platforms import DAVE, add_network, slack_served
from tests.discord.helpers import ALICE, BOB, GUILD, answer, buttons, content, identity, modal_inputs, running_bot
from tests.fakes import discord as fd
from tests.fakes.slack import DEFAULT_TEAM_ID, FakeSlackWebAPI
from tests.slack.conftest import CLIENT_ID, CLIENT_SECRET, Slack, message_text

NEWBIE, ANA, JOAN = "U0NEWBIE1", "U0ANA0001", "U0JOAN001"

WELCOME = "Welcome to ICC Bot! I help the Intercultural Cities network work together: cluster channels translated " \
          "into everyone's language, good practices, the calendar and surveys."

#: The Discord fake with the ICC server, and settings that start the Discord adapter.
settings, fake = platforms.settings, platforms.fake


# ---------------------------------------------------------------- Slack


@pytest.fixture
async def slack(database_url: str, tmp_path: Path) -> AsyncIterator[Slack]:
    async with FakeSlackWebAPI(client_id=CLIENT_ID, client_secret=CLIENT_SECRET) as api:
        api.add_user(NEWBIE, name="nadia", locale="fr-FR")
        api.add_user(ANA, name="ana", locale="pt-PT")
        api.add_user(JOAN, name="joan", locale="es-ES")
        people = [("slack", DEFAULT_TEAM_ID, ANA, "Lisbon", Role.coordinator),
                  ("slack", DEFAULT_TEAM_ID, JOAN, "Barcelona", Role.coordinator)]
        async with slack_served(database_url, tmp_path, api, people) as harness:
            yield harness


def direct_messages(slack: Slack, user: str) -> list[dict[str, object]]:
    """Every message the bot posted in its direct conversation with `user`."""
    channel = slack.fake._ims.get(user)
    return [call.args for call in slack.fake.calls_to("chat.postMessage") if channel and
            call.args.get("channel") == channel]


async def test_a_slack_newcomer_is_welcomed_in_french_by_direct_message(slack: Slack) -> None:
    await slack.command("/cluster", "list", user_id=NEWBIE)
    assert t("fr", "There are no clusters yet. A city coordinator can propose one with /cluster create.") in \
        slack.last_answer_text()
    await slack.command("/cluster", "list", user_id=NEWBIE)
    await slack.core.dispatcher.drain()
    [welcome] = direct_messages(slack, NEWBIE)
    assert t("fr", WELCOME) in message_text(welcome)
    labels = [element["text"]["text"] for block in welcome["blocks"] if block.get("type") == "actions"
              for element in block["elements"]]
    assert labels == [t("fr", "Choose my city"), t("fr", "Ask for the coordinator role")]
    for call in slack.fake.calls_to("chat.postMessage"):
        assert "<!" not in str(call.args.get("text"))  # nobody pinged
    # The coordinators the bot knew were not welcomed.
    await slack.command("/cluster", "list", user_id=ANA)
    await slack.core.dispatcher.drain()
    assert direct_messages(slack, ANA) == []


async def test_opening_the_slack_app_home_is_a_first_contact_too(slack: Slack) -> None:
    response = await slack.client.event({"type": "app_home_opened", "user": NEWBIE, "channel": "D0HOME001",
                                         "tab": "home"})
    assert response.status_code == 200
    await slack.settle()
    await slack.core.dispatcher.drain()
    assert len(slack.fake.calls_to("views.publish")) == 1
    [welcome] = direct_messages(slack, NEWBIE)
    assert t("fr", WELCOME) in message_text(welcome)


async def test_a_first_direct_message_to_the_bot_on_slack_is_a_first_contact(slack: Slack) -> None:
    for ts in ("1764064800.000100", "1764064801.000100"):
        response = await slack.client.event({"type": "message", "channel": "D0NEWBIE1", "channel_type": "im",
                                             "user": NEWBIE, "text": "Bonjour, je cherche le r&eacute;seau",
                                             "ts": ts})
        assert response.status_code == 200
        await slack.settle()
    await slack.core.dispatcher.drain()
    [welcome] = direct_messages(slack, NEWBIE)
    assert t("fr", WELCOME) in message_text(welcome)
    # A message in a channel is no contact with the bot: nobody is welcomed for writing there.
    await slack.client.event({"type": "message", "channel": "C0GENERAL1", "channel_type": "channel",
                              "user": "U0STRANGE1", "text": "hola", "ts": "1764064802.000100"})
    await slack.settle()
    await slack.core.dispatcher.drain()
    assert direct_messages(slack, "U0STRANGE1") == []


async def test_slack_city_edit_is_a_modal_and_another_citys_coordinator_is_refused(slack: Slack) -> None:
    await slack.command("/city", "edit", user_id=ANA)
    [opened] = slack.fake.calls_to("views.open")
    assert t("pt", "Profile of {city}", city="Lisbon") in str(opened.args.get("view"))
    before = slack.core.services.cities.find("Lisbon")
    await slack.command("/city", "edit Lisbon", user_id=JOAN)
    refusal = t("es", "Only the coordinators of {city} and the ICC team can change its profile; you coordinate "
                      "another city.", city="Lisbon")
    assert slack.last_answer_text().startswith(refusal)
    assert len(slack.fake.calls_to("views.open")) == 1
    assert slack.core.services.cities.find("Lisbon") == before


# ---------------------------------------------------------------- Discord


@pytest.fixture
def network(core: Core) -> Core:
    """alice coordinates Lisbon, bob coordinates Barcelona; dave has never used the bot."""
    add_network(core, [("discord", str(GUILD), str(ALICE), "Lisbon", Role.coordinator),
                       ("discord", str(GUILD), str(BOB), "Barcelona", Role.coordinator)])
    return core


async def test_a_discord_newcomer_is_welcomed_in_portuguese_by_direct_message(network: Core,
                                                                              fake: fd.FakeDiscord) -> None:
    async with running_bot(network, fake):
        await answer(fake, fake.slash_command_interaction("cluster", {}, subcommand="list", user_id=DAVE,
                                                          locale="pt-BR"))
        await answer(fake, fake.slash_command_interaction("help", {}, user_id=DAVE, locale="pt-BR"))
        await network.dispatcher.drain()
        await fake.wait_until(lambda: DAVE in fake._dm_channels and fake.messages_in(fake._dm_channels[DAVE]))
        messages = fake.messages_in(fake._dm_channels[DAVE])
        assert len(messages) == 1 and t("pt", WELCOME) in messages[0]["content"] + str(messages[0].get("embeds"))
        assert [b["label"] for b in buttons(messages[0])] == [t("pt", "Choose my city"),
                                                              t("pt", "Ask for the coordinator role")]
        assert "@everyone" not in str(messages[0]) and "@here" not in str(messages[0])
        # alice was known: no welcome.
        await answer(fake, fake.slash_command_interaction("cluster", {}, subcommand="list", user_id=ALICE))
        await network.dispatcher.drain()
        assert ALICE not in fake._dm_channels


async def test_discord_city_edit_is_a_modal_and_another_citys_coordinator_is_refused(network: Core,
                                                                                    fake: fd.FakeDiscord) -> None:
    async with running_bot(network, fake):
        opened = await answer(fake, fake.slash_command_interaction("city", {}, subcommand="edit", user_id=ALICE,
                                                                   locale="en-US"))
        assert opened["type"] == 9  # a modal
        refused = await answer(fake, fake.slash_command_interaction("city", {"city": "Lisbon"}, subcommand="edit",
                                                                    user_id=BOB, locale="de"))
        assert content(refused) == t("de", "Only the coordinators of {city} and the ICC team can change its "
                                           "profile; you coordinate another city.", city="Lisbon")
        lisbon = network.services.cities.find("Lisbon")
        assert lisbon is not None and lisbon.profile_updated_by is None


# ---------------------------------------------------------------- Discord: direct messages

#: Someone who is only in a Brazilian server the bot is also in.
ERIN, BRAZIL = 800000000000000005, 900000000000000002
#: Someone who shares no server with the bot.
FRANK = 800000000000000006


def bot_messages(fake: fd.FakeDiscord, user_id: int) -> list[dict]:
    """What the bot wrote of itself in its direct conversation with `user_id` (not its answers to commands)."""
    channel = fake._dm_channels.get(user_id)
    return [m for m in fake.messages_in(channel) if m["author"]["id"] == fake.bot_user["id"]
            and "interaction_metadata" not in m] if channel else []


def members_called(core: Core, user_id: int) -> list[tuple[str, str | None, int | None]]:
    """Every member the bot keeps for that Discord user: (workspace, locale, city)."""
    with Session(core.engine) as session:
        return [(m.workspace_id, m.locale, m.city_id) for m in session.exec(
            select(Member).where(Member.platform == "discord", Member.user_id == str(user_id)))]


async def test_a_discord_newcomers_first_direct_message_is_a_first_contact_in_their_servers_language(
        network: Core, fake: fd.FakeDiscord) -> None:
    fake.add_guild(BRAZIL, name="Rede Brasil", channels=["geral"], locale="pt-BR",
                   members=[{"user_id": ERIN, "name": "erin", "locale": "pt-BR"}])
    async with running_bot(network, fake):
        dm = fake.dm_channel(ERIN)
        await fake.user_message(dm, ERIN, "olá! como funciona?")
        await network.dispatcher.drain()
        await fake.wait_until(lambda: bot_messages(fake, ERIN))
        [welcome] = bot_messages(fake, ERIN)
        assert t("pt", WELCOME) in welcome["content"] + str(welcome.get("embeds"))
        assert [b["label"] for b in buttons(welcome)] == [t("pt", "Choose my city"),
                                                          t("pt", "Ask for the coordinator role")]
        # Erin is a member of the server they share with the bot, and only there.
        assert members_called(network, ERIN) == [(str(BRAZIL), "pt-BR", None)]
        # Writing again is no new first contact.
        await fake.user_message(dm, ERIN, "obrigado")
        await network.dispatcher.drain()
        assert len(bot_messages(fake, ERIN)) == 1

        # The welcome's "Choose my city" button, pressed in the direct message, sets the city of that same member.
        pressed = await answer(fake, fake.component_interaction(buttons(welcome)[0]["custom_id"], user_id=ERIN,
                                                                channel_id=dm, locale="pt-BR"))
        assert pressed["type"] == 9  # the form, as a modal
        modal = pressed["data"]
        [field] = modal_inputs(modal)
        done = await answer(fake, fake.modal_submit_interaction(
            modal["custom_id"], values={field["custom_id"]: "Lisbon"}, user_id=ERIN, channel_id=dm, locale="pt-BR"))
        assert done["type"] in (4, 7)
        lisbon = network.services.cities.find("Lisbon")
        assert lisbon is not None
        assert members_called(network, ERIN) == [(str(BRAZIL), "pt-BR", lisbon.id)]


async def test_a_known_coordinator_in_a_direct_message_is_the_member_the_server_knows(network: Core,
                                                                                      fake: fd.FakeDiscord) -> None:
    async with running_bot(network, fake):
        dm = fake.dm_channel(ALICE)
        await fake.user_message(dm, ALICE, "hello")
        chosen = await answer(fake, fake.slash_command_interaction("language", {"code": "fr"}, user_id=ALICE,
                                                                   channel_id=dm, locale="en-US"))
        assert chosen["type"] == 4
        await network.dispatcher.drain()
        # Alice is known (Lisbon's coordinator): no welcome, and still one member, whose language is now French.
        assert bot_messages(fake, ALICE) == []
        [(workspace, _locale, city)] = members_called(network, ALICE)
        assert workspace == str(GUILD) and city is not None
        alice = network.services.members.find(identity(ALICE))
        assert alice is not None and alice.preferred_language == "fr" and Role(alice.role) is Role.coordinator


async def test_someone_sharing_no_server_with_the_bot_is_welcomed_in_the_networks_language(
        network: Core, fake: fd.FakeDiscord) -> None:
    fake.add_user(FRANK, "frank", locale="pl")
    async with running_bot(network, fake):
        await fake.user_message(fake.dm_channel(FRANK), FRANK, "hi")
        await network.dispatcher.drain()
        await fake.wait_until(lambda: bot_messages(fake, FRANK))
        [welcome] = bot_messages(fake, FRANK)
        assert t("en", WELCOME) in welcome["content"] + str(welcome.get("embeds"))
        assert members_called(network, FRANK) == [("@me", None, None)]
