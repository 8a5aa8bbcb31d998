"""`SlackChat`: the core's Chat port and the optional abilities translation uses, against the fake Web API."""

from __future__ import annotations

from bot.messages import Button, Form, FormField, Identity, Reply
from bot.ports import ChannelDirectory, Chat, EditableChat, MessageFetching, MessageSplitting, PostingAs
from bot.richtext import RichText
from integrations.slack.text import parse
from tests.fakes.slack import DEFAULT_CHANNEL_ID, DEFAULT_TEAM_ID
from tests.slack.conftest import Slack, message_text

CHANNEL = Identity("slack", DEFAULT_TEAM_ID, DEFAULT_CHANNEL_ID)


async def test_slack_chat_is_a_chat_with_every_optional_ability(slack: Slack) -> None:
    chat = slack.adapter.chat
    for port in (Chat, EditableChat, PostingAs, ChannelDirectory, MessageFetching, MessageSplitting):
        assert isinstance(chat, port)
    assert slack.core.dispatcher.chats["slack"] is chat
    assert chat.capabilities.modals and chat.capabilities.max_modal_fields == 100
    assert chat.capabilities.ephemeral and chat.capabilities.threads and chat.capabilities.buttons
    assert chat.capabilities.post_as_other and chat.capabilities.max_message_length == 40_000


async def test_post_thread_direct_ephemeral_and_channel(slack: Slack) -> None:
    chat = slack.adapter.chat
    ts = await chat.post(CHANNEL, Reply(text="Hello <!here>", ephemeral=False, buttons=[Button("b:1", "OK")]))
    [posted] = slack.fake.messages(DEFAULT_CHANNEL_ID)
    assert posted["ts"] == ts and "<!here>" not in message_text(posted)
    await chat.reply_in_thread(CHANNEL, ts, Reply(text="In the thread"))
    assert slack.fake.messages(DEFAULT_CHANNEL_ID)[-1]["thread_ts"] == ts
    await chat.direct_message(Identity("slack", DEFAULT_TEAM_ID, "U0DM00001"), Reply(text="Just you"))
    assert slack.fake.messages(slack.fake.dm_channel_id("U0DM00001"))[0]["text"] == "Just you"
    await chat.ephemeral(CHANNEL, Identity("slack", DEFAULT_TEAM_ID, "U0EPH0001"), Reply(text="Psst"))
    assert slack.fake.ephemeral_messages(DEFAULT_CHANNEL_ID)[0]["user"] == "U0EPH0001"
    created = await chat.create_channel(DEFAULT_TEAM_ID, "Cluster: Anti-Rumours!")
    assert slack.fake.channels[created.id]["name"] == "cluster-anti-rumours"


async def test_post_as_and_update_do_not_notify_mentioned_people(slack: Slack) -> None:
    chat = slack.adapter.chat
    slack.fake.add_user("U0MARIE01", name="marie")
    said = parse("Merci <@U0MARIE01> et <@U0ANA0001|ana> !")
    ts = await chat.post_as(CHANNEL, Reply(text="", rich=said, ephemeral=False), "Jean (Lyon)",
                            "https://example.org/jean.png")
    [call] = slack.fake.calls_to("chat.postMessage")
    assert call.args["username"] == "Jean (Lyon)" and call.args["icon_url"] == "https://example.org/jean.png"
    assert call.args["text"] == "Merci @marie et @ana !"
    await chat.update(CHANNEL, ts, Reply(text="", rich=parse("Merci beaucoup <@U0MARIE01>"), ephemeral=False))
    [update] = slack.fake.calls_to("chat.update")
    assert update.args["ts"] == ts and update.args["text"] == "Merci beaucoup @marie"
    assert await chat.fetch_text(CHANNEL, ts) == RichText.of("Merci beaucoup @marie")
    await chat.delete(CHANNEL, ts)
    await chat.delete(CHANNEL, ts)  # already gone: not an error
    assert slack.fake.messages(DEFAULT_CHANNEL_ID) == []
    assert await chat.fetch_text(CHANNEL, ts) is None


async def test_channel_members_pages_through_and_leaves_the_bot_out(slack: Slack) -> None:
    members = [f"U0M{n:06d}" for n in range(450)]
    channel = slack.fake.add_channel("big", members=[slack.fake.bot_user_id, *members])
    found = await slack.adapter.chat.channel_members(Identity("slack", DEFAULT_TEAM_ID, channel))
    assert [person.id for person in found] == members
    assert len(slack.fake.calls_to("conversations.members")) == 3


async def test_a_form_without_a_trigger_is_offered_by_direct_message(slack: Slack) -> None:
    from bot.registry import FormSpec

    def build(ctx, state):
        return Form(form_id="survey", title="Annual survey", submit_label="Send",
                    fields=[FormField("answer", "Answer")], state=state)

    async def submit(ctx, values, state):
        raise AssertionError("not submitted here")

    slack.core.registry.add_form(FormSpec(form_id="survey", build=build, submit=submit))
    person = Identity("slack", DEFAULT_TEAM_ID, "U0SURVEY1")
    await slack.adapter.chat.open_form(person, build(None, "2026"))
    [offer] = slack.fake.messages(slack.fake.dm_channel_id("U0SURVEY1"))
    button = next(e for b in offer["blocks"] if b["type"] == "actions" for e in b["elements"])
    await slack.client.block_action(button["action_id"], button["value"], user_id="U0SURVEY1",
                                    trigger_id="7.7.abc")
    await slack.settle()
    [opened] = slack.fake.calls_to("views.open")
    assert opened.args["view"]["callback_id"] == "survey" and opened.args["trigger_id"] == "7.7.abc"
