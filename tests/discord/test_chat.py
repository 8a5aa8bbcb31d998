"""`DiscordChat`: the `Chat` port and the optional abilities translation and the bridge use."""

from __future__ import annotations

import asyncio

import pytest

from bot.context import Context
from bot.i18n import t
from bot.messages import DirectMessage, Form, FormField, Identity, Reply, Response
from bot.ports import ChannelDirectory, Chat, EditableChat, MessageFetching, PostingAs
from bot.registry import Args, Command, FormSpec
from bot.richtext import RichText
from bot.wiring import Core
from integrations.discord.webhooks import PostFailed
from tests.discord.helpers import ALICE, BOB, CAROL, GUILD, answer, buttons, channel_id, identity, running_bot
from tests.fakes import discord as fd


def place(fake: fd.FakeDiscord, name: str = "general") -> Identity:
    return Identity("discord", str(GUILD), str(channel_id(fake, name)))


async def test_the_chat_offers_the_port_and_every_optional_ability(core: Core, fake: fd.FakeDiscord) -> None:
    async with running_bot(core, fake) as bot:
        chat = core.dispatcher.chats["discord"]
        assert chat is bot.chat
        for protocol in (Chat, EditableChat, PostingAs, ChannelDirectory, MessageFetching):
            assert isinstance(chat, protocol)
        assert chat.capabilities.modals and chat.capabilities.max_modal_fields == 5
        assert chat.capabilities.max_message_length == 2000 and chat.capabilities.post_as_other


async def test_post_split_reply_edit_delete_and_read_back(core: Core, fake: fd.FakeDiscord) -> None:
    general = place(fake)
    async with running_bot(core, fake) as bot:
        long_text = "\n".join(f"Line {n}: " + "x" * 90 for n in range(40))  # about 4,000 characters
        last = await bot.chat.post(general, Reply(text=long_text, ephemeral=False))
        sent = [m for m in fake.messages_in(general.id) if m["content"].startswith("Line")]
        assert len(sent) == 2 and all(len(m["content"]) <= 2000 for m in sent) and sent[-1]["id"] == last
        assert "\n".join(m["content"] for m in sent) == long_text

        user_message = fake.message_create_payload(general.id, ALICE, "Bom dia")
        reply_id = await bot.chat.reply_in_thread(general, user_message["id"], Reply(text="Good morning"))
        assert fake.messages[int(reply_id)]["message_reference"]["message_id"] == user_message["id"]

        await bot.chat.update(general, reply_id, Reply(text="Good morning, @everyone"))
        assert fake.messages[int(reply_id)]["content"] == "Good morning, @everyone"
        assert fake.messages[int(reply_id)]["mention_everyone"] is False
        assert await bot.chat.fetch_text(general, user_message["id"]) == RichText.of("Bom dia")

        mirrored = await bot.chat.post_as(general, Reply(text="Bonjour"), "Ana", None)
        await bot.chat.update(general, mirrored, Reply(text="Bonjour à tous"))
        assert fake.messages[int(mirrored)]["content"] == "Bonjour à tous"
        assert fake.requests_to("PATCH", "/webhooks/{id}/{token}/messages/{mid}")
        bot.chat.webhooks.posted.clear()  # as after a restart: the message is read to find its webhook
        await bot.chat.update(general, mirrored, Reply(text="Bonjour à toutes et à tous"))
        assert fake.messages[int(mirrored)]["content"] == "Bonjour à toutes et à tous"
        await bot.chat.delete(general, mirrored)
        await bot.chat.delete(general, reply_id)
        await bot.chat.delete(general, reply_id)  # already gone: not an error
    assert int(mirrored) not in fake.messages and int(reply_id) not in fake.messages
    assert await asyncio.sleep(0) is None


async def test_a_reply_in_a_thread_notifies_nobody_again(core: Core, fake: fd.FakeDiscord) -> None:
    """Thread replies carry what people wrote (translations): their mentions are kept but do not ping again."""
    general = place(fake)
    async with running_bot(core, fake) as bot:
        said = fake.message_create_payload(general.id, ALICE, f"Merci <@{BOB}> @everyone")
        await bot.chat.reply_in_thread(general, said["id"], Reply(text=f"[DE] Merci <@{BOB}> @everyone"))
        await bot.chat.post(general, Reply(text=f"Hello <@{BOB}>", ephemeral=False))
    reply, post = (r.json for r in fake.requests_to("POST", "/channels/{channel_id}/messages"))
    assert str(reply["message_reference"]["message_id"]) == said["id"]
    assert reply["content"] == f"[DE] Merci <@{BOB}> @everyone"
    assert reply["allowed_mentions"]["parse"] == [] and not reply["allowed_mentions"].get("replied_user")
    assert post["allowed_mentions"]["parse"] == ["users"]  # the bot's own posts may still address people


async def test_channel_members_are_the_people_who_can_read(core: Core, fake: fd.FakeDiscord) -> None:
    async with running_bot(core, fake) as bot:
        members = await bot.chat.channel_members(place(fake))
    assert {m.id for m in members} >= {str(ALICE), str(BOB), str(CAROL)}
    assert str(fake.application_id) not in {m.id for m in members}


async def test_direct_messages_from_the_core_and_closed_dms(core: Core, fake: fd.FakeDiscord) -> None:
    async with running_bot(core, fake) as bot:
        await core.dispatcher.send_direct_messages([DirectMessage(identity(ALICE), Reply(text="Your practice"))])
        dm = fake._dm_channels[ALICE]
        assert [m["content"] for m in fake.messages_in(dm)] == ["Your practice"]
        fake.block_dms(BOB)
        with pytest.raises(PostFailed):
            await bot.chat.direct_message(identity(BOB), Reply(text="hello"))


async def test_ephemeral_answers_through_the_interaction_else_by_dm(core: Core, fake: fd.FakeDiscord) -> None:
    general = place(fake)

    async def whisper(ctx: Context, args: Args) -> Response:
        await ctx_chat(core).ephemeral(ctx.channel, ctx.actor, Reply(text="just for you"))
        return Response.text("and the answer")

    core.registry.add(Command(name="whisper", description="Whisper.", handler=whisper))
    async with running_bot(core, fake) as bot:
        payload = fake.slash_command_interaction("whisper", user_id=ALICE, channel_id=int(general.id))
        first = await answer(fake, payload)
        followup = await fake.wait_for_request("POST", "/webhooks/{app}/{token}")
        # Nobody is interacting: the private message goes by DM.
        await bot.chat.ephemeral(general, identity(BOB), Reply(text="psst"))
    assert first["data"]["content"] == "just for you" and first["data"]["flags"] & 64
    assert followup.json["content"] == "and the answer" and followup.json["flags"] & 64
    assert [m["content"] for m in fake.messages_in(fake._dm_channels[BOB])] == ["psst"]


def ctx_chat(core: Core) -> Chat:
    return core.dispatcher.chats["discord"]


async def test_a_form_sent_without_an_interaction_opens_from_a_dm_button(core: Core, fake: fd.FakeDiscord) -> None:
    received: list[dict[str, str]] = []

    def build(ctx: Context, state: str) -> Form:
        return Form(form_id="survey", title="Annual survey", submit_label="Send", state=state,
                    fields=[FormField(name="answer", label="How was the year?")])

    async def submit(ctx: Context, values: dict[str, str], state: str) -> Response:
        received.append(values)
        return Response.text("thanks")

    core.registry.add_form(FormSpec(form_id="survey", build=build, submit=submit))
    async with running_bot(core, fake) as bot:
        form = build(None, "2026")  # type: ignore[arg-type]
        await bot.chat.open_form(identity(ALICE), form)
        dm = fake._dm_channels[ALICE]
        [message] = fake.messages_in(dm)
        assert message["content"] == t("fr", "Your form “{title}” is ready.", title="Annual survey")
        [open_button] = buttons(message)
        modal = (await answer(fake, fake.component_interaction(open_button["custom_id"], user_id=ALICE,
                                                               channel_id=dm)))["data"]
        done = await answer(fake, fake.modal_submit_interaction(modal["custom_id"], values={"answer": "Great"},
                                                                user_id=ALICE, channel_id=dm))
    assert received == [{"answer": "Great"}] and done["data"]["content"] == "thanks"


async def test_creating_a_channel_and_a_missing_permission(core: Core, fake: fd.FakeDiscord) -> None:
    async with running_bot(core, fake) as bot:
        created = await bot.chat.create_channel(str(GUILD), "Anti Rumours")
        assert fake.channels[int(created.id)]["name"] == "anti-rumours"
        fake.forbid("POST", "/guilds/{id}/channels")
        with pytest.raises(PostFailed) as failure:
            await bot.chat.create_channel(str(GUILD), "Education")
    assert failure.value.reason == "missing_permission" and "Manage Channels" in str(failure.value)
