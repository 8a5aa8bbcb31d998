"""discord.py's own resilience, with our bot on top: rate limits waited out, dropped connections resumed."""

from __future__ import annotations

import asyncio

from bot.messages import Identity, MessagePosted, Reply
from bot.ports import Chat
from bot.wiring import Core
from tests.discord.helpers import ALICE, BOB, GUILD, answer, channel_id, content, running_bot
from tests.fakes import discord as fd


async def test_a_429_is_waited_out_and_the_post_goes_through(core: Core, fake: fd.FakeDiscord) -> None:
    general = channel_id(fake, "general")
    async with running_bot(core, fake) as bot:
        fake.rate_limit_next("POST", "/channels/{id}/messages", retry_after=0.2)
        started = asyncio.get_running_loop().time()
        message_id = await bot.chat.post(Identity("discord", str(GUILD), str(general)), Reply(text="after the wait"))
        waited = asyncio.get_running_loop().time() - started
    attempts = fake.requests_to("POST", f"/channels/{general}/messages")
    assert [a.status for a in attempts] == [429, 200]
    assert waited >= 0.2
    assert [m["id"] for m in fake.messages_in(general) if m["content"] == "after the wait"] == [message_id]


async def test_a_dropped_connection_resumes_without_losing_events(core: Core, fake: fd.FakeDiscord) -> None:
    seen: asyncio.Queue[MessagePosted] = asyncio.Queue()

    async def listener(event: MessagePosted, chat: Chat) -> None:
        await seen.put(event)

    core.dispatcher.on_message(listener)
    general = channel_id(fake, "general")
    async with running_bot(core, fake) as bot:
        await fake.drop_connection()
        # Sent while the bot is away: Discord replays it after RESUME.
        await fake.dispatch("MESSAGE_CREATE", fake.message_create_payload(general, ALICE, "while you were away"))
        await fake.wait_connected()
        event = await asyncio.wait_for(seen.get(), 5)
        assert event.text.plain() == "while you were away"
        # Interactions work on the resumed session.
        reply = await answer(fake, fake.slash_command_interaction("help", user_id=BOB, locale="en-US"))
        assert content(reply).startswith("Here is what I can do for you:")
        assert bot.is_ready()
    assert fake.resume_count == 1 and fake.identify_count == 1
    assert fake.resume_payloads[0]["seq"] >= 1
