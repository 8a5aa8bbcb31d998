"""Translation in Discord, end to end: the real discord.py bot (gateway and REST against the Discord fake), the
real Discord adapter, the real DeepL adapter against FakeDeepL.

A cluster channel is put in `thread` mode by its coordinator (`/translation mode thread`, a slash interaction);
its members read French, Portuguese, Ukrainian (chosen with `/language`) and German (their Discord locale), and
the translation service learnt them as they wrote in the channel. A French message (MESSAGE_CREATE) then gets
exactly one answer: a Discord reply to it holding the three other languages, which pings nobody.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from pydantic import SecretStr

from bot.messages import Identity
from bot.models import Role
from bot.settings import Settings
from bot.wiring import Core
from tests.discord.helpers import ALICE, BOB, GUILD, OWNER, answer, channel_id, content, map_role, running_bot
from tests.fakes import discord as fd
from tests.fakes.deepl import FakeDeepL
from tests.support.settle import settle as settle_work
from tests.translation.end_to_end import FRENCH, assert_three_translations, link_to_cluster, translating_core

ANA = 800000000000000011
OLENA = 800000000000000012
CLUSTER_CHANNEL = "cluster-communication"


@pytest.fixture
async def discord_api() -> AsyncIterator[fd.FakeDiscord]:
    """Discord with the ICC server: alice (coordinator, French), ana, olena, and bob (a German Discord)."""
    async with fd.FakeDiscord() as api:
        api.add_guild(
            GUILD, name="Intercultural Cities", owner_id=OWNER, roles=["Coordinators"],
            channels=["general", CLUSTER_CHANNEL],
            members=[
                {"user_id": ALICE, "name": "alice", "roles": ["Coordinators"], "locale": "fr"},
                {"user_id": ANA, "name": "ana", "locale": "en-US"},
                {"user_id": OLENA, "name": "olena", "locale": "en-GB"},
                {"user_id": BOB, "name": "bob", "locale": "de"},
            ],
            locale="en-US",
        )
        with fd.point_discord_at(api):
            yield api


@pytest.fixture
async def core(database_url: str, tmp_path: Path, fake: FakeDeepL) -> AsyncIterator[Core]:
    settings = Settings(  # type: ignore[call-arg]
        _env_file=None, database_url=database_url, data_dir=tmp_path,
        discord_token=SecretStr("fake-bot-token"), discord_guild_ids=str(GUILD),
    )
    async with translating_core(settings, fake) as built:
        yield built


def cluster(api: fd.FakeDiscord) -> int:
    return channel_id(api, CLUSTER_CHANNEL)


def the_channel(api: fd.FakeDiscord) -> Identity:
    return Identity("discord", str(GUILD), str(cluster(api)))


def bot_posts(api: fd.FakeDiscord) -> list[dict[str, Any]]:
    """What the bot posted in the cluster channel (the bodies of its REST requests, as Discord got them)."""
    return [request.json for request in api.requests_to("POST", f"/channels/{cluster(api)}/messages")
            if request.status and request.status < 300]


async def settle(core: Core) -> None:
    assert core.services.translation is not None
    await settle_work(core.dispatcher.drain, core.services.translation.drain)


async def slash(api: fd.FakeDiscord, user: int, name: str, options: dict[str, str], *, locale: str,
                subcommand: str | None = None) -> str:
    reply = await answer(api, api.slash_command_interaction(name, options, user_id=user, channel_id=cluster(api),
                                                             locale=locale, subcommand=subcommand))
    return content(reply)


async def four_languages_in_thread_mode(core: Core, api: fd.FakeDiscord) -> None:
    """The scene: members in four languages, known to the channel, which its coordinator put in thread mode."""
    translation = core.services.translation
    assert translation is not None
    link_to_cluster(core, the_channel(api))
    map_role(core, api, "Coordinators", Role.coordinator)
    for user, code in ((ALICE, "fr"), (ANA, "pt"), (OLENA, "uk")):
        await slash(api, user, "language", {"code": code}, locale="en-US")
    # Bob never chose a language: his Discord client's (German) is what he reads, learnt when he used the bot.
    await slash(api, BOB, "translation", {}, subcommand="status", locale="de")
    # Before translation is on, everyone has said hello in the channel: the service learnt who reads it.
    for user in (ANA, OLENA, BOB, ALICE):
        await api.user_message(cluster(api), user, "👋")
    await api.wait_until(lambda: len(translation.engine.store.readers(the_channel(api))) == 4)
    answered = await slash(api, ALICE, "translation", {"mode": "thread"}, subcommand="mode", locale="fr")
    assert "thread" in answered
    assert sorted(translation.channels.languages(the_channel(api))) == ["DE", "FR", "PT-PT", "UK"]
    assert bot_posts(api) == []


async def french_message(core: Core, api: fd.FakeDiscord, text: str, author: int = ALICE) -> dict[str, Any]:
    """`author` writes `text` in the cluster channel; returns the MESSAGE_CREATE payload once the bot answered."""
    before = len(bot_posts(api))
    message = await api.user_message(cluster(api), author, text)
    await api.wait_until(lambda: len(bot_posts(api)) > before)
    await settle(core)
    return message


def assert_quiet(post: dict[str, Any], message: dict[str, Any]) -> None:
    """A Discord reply to `message` that notifies nobody: no parsed mention of any kind, no reply ping."""
    assert str(post["message_reference"]["message_id"]) == message["id"]
    assert post["allowed_mentions"]["parse"] == []
    assert not post["allowed_mentions"].get("users") and not post["allowed_mentions"].get("roles")
    assert not post["allowed_mentions"].get("replied_user")
    for ping in ("@everyone", "@here"):
        assert ping not in post["content"]


async def test_a_french_message_gets_one_reply_with_three_translations(
    core: Core, discord_api: fd.FakeDiscord, fake: FakeDeepL
) -> None:
    async with running_bot(core, discord_api):
        await four_languages_in_thread_mode(core, discord_api)
        fake.reset()
        message = await french_message(core, discord_api, FRENCH)

        [post] = bot_posts(discord_api)
        assert_quiet(post, message)
        assert not post.get("embeds")
        assert_three_translations(post["content"], FRENCH)
        assert "<@" not in post["content"]
        # The original is left as it was (never edited or deleted by the bot), and stays the only other message.
        assert discord_api.requests_to("PATCH", "/channels/{channel_id}/messages/{message_id}") == []
        assert discord_api.requests_to("DELETE", "/channels/{channel_id}/messages/{message_id}") == []
        assert discord_api.messages[int(message["id"])]["content"] == FRENCH
        # One DeepL request per language; French (the text's own language) is never asked for.
        assert sorted(call.target for call in fake.translate_calls) == ["DE", "PT-PT", "UK"]
        assert {call.source for call in fake.translate_calls} == {"FR"}
        assert all(call.texts == [FRENCH] for call in fake.translate_calls)
        translation = core.services.translation
        assert translation is not None
        assert translation.channels.month_usage(the_channel(discord_api))[0] == 3 * len(FRENCH)

        # The same text again: one more reply, to the new message, and DeepL is not asked again.
        again = await french_message(core, discord_api, FRENCH, author=OLENA)
        assert len(fake.translate_calls) == 3
        first, second = bot_posts(discord_api)
        assert str(second["message_reference"]["message_id"]) == again["id"]
        assert second["content"] == first["content"]


async def test_a_mentioned_person_stays_mentioned_but_is_not_pinged_again(
    core: Core, discord_api: fd.FakeDiscord, fake: FakeDeepL
) -> None:
    async with running_bot(core, discord_api):
        await four_languages_in_thread_mode(core, discord_api)
        fake.reset()
        text = f"Merci <@{OLENA}> pour le compte rendu de la réunion, il est très clair et complet."
        message = await french_message(core, discord_api, text)

        [post] = bot_posts(discord_api)
        # Discord shows <@…> as the person's name: kept as it is, and `allowed_mentions` says nobody is notified.
        assert_three_translations(post["content"], text)
        assert post["content"].count(f"<@{OLENA}>") == 3
        assert_quiet(post, message)
        stored = discord_api.messages[max(discord_api.messages)]
        assert stored["author"]["id"] == discord_api.bot_user["id"]
        assert len(fake.translate_calls) == 3
        assert all(str(OLENA) not in text for call in fake.translate_calls for text in call.texts)


#: Messages exactly as Discord's gateway delivers them: Markdown as typed, nothing escaped.
AS_DISCORD_SENDS_THEM = [
    "> Bonjour à toutes et à tous, voici le compte rendu de la réunion d'hier soir.",
    "Le formulaire est ici : https://example.org/form?lang=fr&city=lyon merci de le remplir rapidement.",
    "Tout est dans [le rapport Q&A](https://example.org/icc?a=1&b=2) pour les détails de la session.",
    "Avec un budget < 500 euros et un délai > deux semaines, est-ce encore possible ? Lancez `a && b`.",
]


async def test_discord_text_comes_back_as_typed(core: Core, discord_api: fd.FakeDiscord, fake: FakeDeepL) -> None:
    async with running_bot(core, discord_api):
        await four_languages_in_thread_mode(core, discord_api)
        for text in AS_DISCORD_SENDS_THEM:
            fake.reset()
            message = await french_message(core, discord_api, text)
            post = bot_posts(discord_api)[-1]
            assert_quiet(post, message)
            assert_three_translations(post["content"], text)
        [call, *_] = fake.translate_calls
        assert call.texts == ["Avec un budget &lt; 500 euros et un délai &gt; deux semaines, est-ce encore "
                              "possible ? Lancez <x0/>."]
