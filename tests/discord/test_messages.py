"""Channel messages (new, edited, deleted) and reactions reach the core's listeners; the Translate menu."""

from __future__ import annotations

import asyncio

from bot.context import Context
from bot.i18n import t
from bot.messages import (
    Identity,
    MessageDeleted,
    MessageEdited,
    MessagePosted,
    ReactionAdded,
    Reply,
    Response,
    TranslationRequested,
)
from bot.ports import Chat
from bot.richtext import RichText, Style, Styled
from bot.wiring import Core
from tests.discord.helpers import ALICE, BOB, GUILD, answer, channel_id, content, running_bot
from tests.fakes import discord as fd

Seen = MessagePosted | MessageEdited | MessageDeleted


def listen(core: Core) -> tuple[asyncio.Queue[Seen], asyncio.Queue[ReactionAdded]]:
    """New, edited and deleted messages in one queue (each its own event), and reactions."""
    messages: asyncio.Queue[Seen] = asyncio.Queue()
    reactions: asyncio.Queue[ReactionAdded] = asyncio.Queue()

    async def on_message(event: Seen, chat: Chat) -> None:
        assert chat.platform == "discord"
        await messages.put(event)

    async def on_reaction(event: ReactionAdded, chat: Chat) -> None:
        await reactions.put(event)

    core.dispatcher.on_message(on_message)
    core.dispatcher.on_edit(on_message)
    core.dispatcher.on_delete(on_message)
    core.dispatcher.on_reaction(on_reaction)
    return messages, reactions


async def test_a_message_in_a_channel_reaches_the_listeners(core: Core, fake: fd.FakeDiscord) -> None:
    messages, _ = listen(core)
    general = channel_id(fake, "general")
    async with running_bot(core, fake) as bot:
        payload = fake.message_create_payload(general, ALICE, "Bonjour à tous")
        await fake.dispatch("MESSAGE_CREATE", payload)
        event = await asyncio.wait_for(messages.get(), 2)
        assert event == MessagePosted(
            author=Identity("discord", str(GUILD), str(ALICE)), channel=Identity("discord", str(GUILD), str(general)),
            message_id=payload["id"], text=RichText.of("Bonjour à tous"), display_name="alice",
            avatar_url=event.avatar_url,
        )
        assert event.avatar_url and event.avatar_url.startswith("https://cdn.discordapp.com/")

        # The bot's own messages are not given to listeners; webhooks' are, marked as bots.
        await bot.chat.post(Identity("discord", str(GUILD), str(general)), Reply(text="hello", ephemeral=False))
        hook = fake.add_webhook(general, "Someone's hook", by_bot=False)
        await fake.dispatch("MESSAGE_CREATE", fake.message_create_payload(general, hook["id"], "mirrored",
                                                                          webhook_id=hook["id"]))
        mirrored = await asyncio.wait_for(messages.get(), 2)
        assert mirrored.text.plain() == "mirrored" and mirrored.author_is_bot

        edited = dict(payload, content="Bonjour à toutes et à tous", edited_timestamp="2026-11-25T15:00:00+00:00")
        await fake.dispatch("MESSAGE_UPDATE", edited)
        edit = await asyncio.wait_for(messages.get(), 2)
        assert isinstance(edit, MessageEdited) and edit.message_id == payload["id"]
        assert edit.text.plain() == "Bonjour à toutes et à tous" and edit.author.id == str(ALICE)

        await fake.dispatch("MESSAGE_DELETE", {"id": payload["id"], "channel_id": str(general), "guild_id": str(GUILD)})
        gone = await asyncio.wait_for(messages.get(), 2)
        assert gone == MessageDeleted(Identity("discord", str(GUILD), str(general)), payload["id"])
    assert messages.empty()


async def test_a_reaction_reaches_the_listeners(core: Core, fake: fd.FakeDiscord) -> None:
    _, reactions = listen(core)
    general = channel_id(fake, "general")
    async with running_bot(core, fake):
        message = fake.message_create_payload(general, ALICE, "Hello")
        await fake.dispatch("MESSAGE_REACTION_ADD", fake.reaction_add_payload(general, message["id"], BOB, "🇫🇷"))
        event = await asyncio.wait_for(reactions.get(), 2)
    assert event == ReactionAdded(actor=Identity("discord", str(GUILD), str(BOB)),
                                  channel=Identity("discord", str(GUILD), str(general)),
                                  message_id=message["id"], emoji="🇫🇷")


async def test_the_translate_menu_is_a_translation_request_answered_privately(
    core: Core, fake: fd.FakeDiscord
) -> None:
    general = channel_id(fake, "general")
    asked: list[tuple[TranslationRequested, str]] = []

    async def translate(ctx: Context, event: TranslationRequested) -> Response:
        asked.append((event, ctx.locale))
        return Response(replies=[Reply(text="Hallo", ephemeral=False)])

    async with running_bot(core, fake):
        message = fake.message_create_payload(general, ALICE, "Bonjour **à tous**")
        menu = fake.message_context_menu_interaction("Translate", message, user_id=BOB, locale="de")
        reply = await answer(fake, menu)
        assert reply["data"]["flags"] & 64
        # No DeepL key in the tests: the translation feature says so, in German.
        assert content(reply) == t("de", "Translation is not set up here: the bot has no DeepL key.")

        core.dispatcher.on_translation_request(translate)
        reply = await answer(fake, fake.message_context_menu_interaction("Translate", message, user_id=BOB,
                                                                         locale="de"))
    [(event, locale)] = asked
    assert event == TranslationRequested(
        actor=Identity("discord", str(GUILD), str(BOB)), channel=Identity("discord", str(GUILD), str(general)),
        message_id=message["id"], text=RichText.of("Bonjour ", Styled(Style.bold, ("à tous",))), platform_locale="de")
    assert locale == "de"
    assert content(reply) == "Hallo" and reply["data"]["flags"] & 64  # a translation is shown to who asked
