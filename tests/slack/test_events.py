"""Events API: messages and reactions reach the core's listeners once, the App Home is published."""

from __future__ import annotations

from bot.i18n import t
from bot.messages import Identity, MessageDeleted, MessageEdited, MessagePosted, ReactionAdded
from bot.models import City, Cluster, ClusterMembership
from bot.ports import Chat
from bot.richtext import Mention, MentionKind, RichText
from integrations.slack.chat import SlackChat
from tests.fakes.slack import DEFAULT_CHANNEL_ID, DEFAULT_TEAM_ID, DEFAULT_USER_ID
from tests.slack.conftest import Slack, message_text, serve_slack


def _listen(slack: Slack) -> tuple[list[MessagePosted], list[ReactionAdded], list[Chat]]:
    messages: list[MessagePosted] = []
    reactions: list[ReactionAdded] = []
    chats: list[Chat] = []

    async def on_message(event: MessagePosted, chat: Chat) -> None:
        messages.append(event)
        chats.append(chat)

    async def on_reaction(event: ReactionAdded, chat: Chat) -> None:
        reactions.append(event)

    slack.core.dispatcher.on_message(on_message)
    slack.core.dispatcher.on_reaction(on_reaction)
    return messages, reactions, chats


async def test_a_message_reaches_the_listeners_with_the_slack_chat(slack: Slack) -> None:
    messages, _, chats = _listen(slack)
    response = await slack.client.event({"type": "message", "channel": DEFAULT_CHANNEL_ID, "user": "U0FR00001",
                                         "text": "Bonjour <@U0DE00001>", "ts": "1700000000.000100",
                                         "thread_ts": "1699999999.000100", "channel_type": "channel"})
    assert response.status_code == 200
    await slack.settle()
    [event] = messages
    assert event.author.platform == "slack" and event.author.workspace == DEFAULT_TEAM_ID
    assert event.author.id == "U0FR00001" and event.channel.id == DEFAULT_CHANNEL_ID
    assert event.text == RichText.of("Bonjour ", Mention(MentionKind.person, "U0DE00001"))
    assert event.message_id == "1700000000.000100"
    assert event.thread_id == "1699999999.000100"
    assert isinstance(chats[0], SlackChat)


async def test_edits_and_deletions_come_as_such_and_bots_and_joins_do_not(slack: Slack) -> None:
    messages, _, _ = _listen(slack)
    edits: list[MessageEdited] = []
    deletions: list[MessageDeleted] = []

    async def on_edit(event: MessageEdited, chat: Chat) -> None:
        edits.append(event)

    async def on_delete(event: MessageDeleted, chat: Chat) -> None:
        deletions.append(event)

    slack.core.dispatcher.on_edit(on_edit)
    slack.core.dispatcher.on_delete(on_delete)
    await slack.client.event({"type": "message", "subtype": "message_changed", "channel": DEFAULT_CHANNEL_ID,
                              "message": {"type": "message", "user": "U0FR00001", "text": "Bonjour à tous",
                                          "ts": "1700000000.000100"},
                              "previous_message": {"type": "message", "user": "U0FR00001", "text": "Bonjour",
                                                   "ts": "1700000000.000100"}})
    await slack.client.event({"type": "message", "subtype": "message_deleted", "channel": DEFAULT_CHANNEL_ID,
                              "deleted_ts": "1700000000.000100",
                              "previous_message": {"type": "message", "user": "U0FR00001", "text": "Bonjour",
                                                   "ts": "1700000000.000100"}})
    await slack.client.event({"type": "message", "subtype": "bot_message", "channel": DEFAULT_CHANNEL_ID,
                              "bot_id": "B0OTHER01", "text": "I am another bot", "ts": "1700000000.000300"})
    await slack.client.event({"type": "message", "channel": DEFAULT_CHANNEL_ID, "user": slack.fake.bot_user_id,
                              "bot_id": slack.fake.bot_id, "text": "our own post", "ts": "1700000000.000400"})
    await slack.client.event({"type": "message", "subtype": "channel_join", "channel": DEFAULT_CHANNEL_ID,
                              "user": "U0NEW0001", "text": "<@U0NEW0001> has joined", "ts": "1700000000.000500"})
    await slack.settle()
    assert messages == []  # neither an edit, a deletion, a bot, the bot itself nor a join is a new message
    [edit] = edits
    assert (edit.text.plain(), edit.message_id, edit.author.id) == ("Bonjour à tous", "1700000000.000100", "U0FR00001")
    assert deletions == [MessageDeleted(Identity("slack", DEFAULT_TEAM_ID, DEFAULT_CHANNEL_ID), "1700000000.000100")]


async def test_a_retried_event_is_handled_once(slack: Slack) -> None:
    messages, _, _ = _listen(slack)
    event = {"type": "message", "channel": DEFAULT_CHANNEL_ID, "user": "U0FR00001", "text": "Salut",
             "ts": "1700000000.000100"}
    assert (await slack.client.event(event, event_id="Ev0RETRY01")).status_code == 200
    assert (await slack.client.event(event, event_id="Ev0RETRY01", retry_num=1,
                                     retry_reason="http_timeout")).status_code == 200
    assert (await slack.client.event(event, event_id="Ev0RETRY01", retry_num=2,
                                     retry_reason="http_timeout")).status_code == 200
    await slack.settle()
    assert len(messages) == 1


async def test_two_web_processes_share_the_record_of_handled_events(slack: Slack) -> None:
    messages, _, _ = _listen(slack)
    second = await serve_slack(slack.core, slack.fake)  # another web process on the same database
    event = {"type": "message", "channel": DEFAULT_CHANNEL_ID, "user": "U0FR00001", "text": "Salut",
             "ts": "1700000000.000100"}
    await slack.client.event(event, event_id="Ev0TWICE01")
    await second.client.event(event, event_id="Ev0TWICE01", retry_num=1, retry_reason="http_timeout")
    await slack.settle()
    await second.settle()
    await second.client.aclose()
    await second.adapter.close()
    assert len(messages) == 1


async def test_a_reaction_reaches_the_listeners(slack: Slack) -> None:
    _, reactions, _ = _listen(slack)
    await slack.client.event({"type": "reaction_added", "user": "U0DE00001", "reaction": "flag-de",
                              "item": {"type": "message", "channel": DEFAULT_CHANNEL_ID, "ts": "1700000000.000100"},
                              "item_user": "U0FR00001"})
    await slack.client.event({"type": "reaction_added", "user": "U0DE00001", "reaction": "eyes",
                              "item": {"type": "file", "file": "F0001"}})
    await slack.settle()
    [reaction] = reactions
    assert (reaction.actor.id, reaction.channel.id, reaction.message_id, reaction.emoji) == (
        "U0DE00001", DEFAULT_CHANNEL_ID, "1700000000.000100", "flag-de")


async def test_events_the_bot_does_not_use_are_acknowledged(slack: Slack) -> None:
    response = await slack.client.event({"type": "member_joined_channel", "user": "U0NEW0001",
                                         "channel": DEFAULT_CHANNEL_ID})
    assert response.status_code == 200


async def test_app_home_shows_profile_clusters_practices_and_language(slack: Slack) -> None:
    slack.fake.add_user(DEFAULT_USER_ID, locale="fr-FR", name="ines")
    slack.coordinator(city="Lisbon")
    city = slack.core.services.cities.find("Lisbon")
    assert city is not None
    from bot.db import session_scope

    with session_scope(slack.core.engine) as session:
        cluster = Cluster(slug="anti-rumours", name="Anti-rumours")
        session.add(cluster)
        session.flush()
        session.add(ClusterMembership(cluster_id=cluster.id, city_id=city.id))  # type: ignore[arg-type]
        session.add(City(name="Oslo", country="NO"))
    await slack.client.event({"type": "app_home_opened", "user": DEFAULT_USER_ID, "channel": "D0HOME001",
                              "tab": "home"})
    await slack.settle()
    home = slack.fake.home_views[DEFAULT_USER_ID]
    text = message_text(home)
    assert home["type"] == "home"
    assert "Lisbon" in text and t("fr", "city coordinator") in text
    assert "Anti-rumours" in text
    assert t("fr", "No upcoming events yet.") in text and t("fr", "No open surveys yet.") in text
    assert t("fr", "You have not shared a practice yet. Use /share-practice.") in text
    select = next(b["accessory"] for b in home["blocks"] if b.get("accessory", {}).get("type") == "static_select")
    assert select["action_id"] == "home_language" and select["initial_option"]["value"] == "auto"

    # Choosing German in the home: the /language command runs, and the home comes back in German.
    await slack.client.block_action("home_language", "de", action_type="static_select",
                                    view={"id": home["id"], "type": "home"})
    await slack.settle()
    member = slack.core.services.members.find(slack.person())
    assert member is not None and member.preferred_language == "de"
    home = slack.fake.home_views[DEFAULT_USER_ID]
    assert t("de", "No upcoming events yet.") in message_text(home)
    assert len(slack.fake.calls_to("views.publish")) == 2


async def test_app_home_lists_the_persons_practices_with_their_status(slack: Slack) -> None:
    from bot.services.practice_rules import draft

    author = slack.coordinator(city="Lisbon")
    member = slack.core.services.members.find(author)
    city = slack.core.services.cities.find("Lisbon")
    assert member is not None and city is not None and city.id is not None
    slack.core.services.practices.submit(author=member, data=draft(
        title="Neighbourhood dialogue", city_id=city.id, summary="Residents meet.", description="How.",
        themes="education", language="en"))
    await slack.client.event({"type": "app_home_opened", "user": DEFAULT_USER_ID, "tab": "home"})
    await slack.settle()
    text = message_text(slack.fake.home_views[DEFAULT_USER_ID])
    assert "Neighbourhood dialogue" in text and t("en", "waiting for review") in text
