"""The bridge through an outage and a restart: copies wait in the delivery outbox and go out in order once the
platform is back; the map of copies is in the database, so a new process follows edits of older messages; and
reactions cross when the cluster asks for it."""

from __future__ import annotations

from sqlmodel import Session

from bot.messages import Identity, MessageEdited
from bot.models import Cluster
from bot.richtext import RichText
from bot.services.bridge import Bridge, BridgeStore, Origin
from tests.bridge.conftest import MIREILLE, SLACK_CHANNEL, Scene
from tests.fakes.slack_faults import lose_answers
from tests.fakes.slack_history import serve_history

MESSAGES = ["Перше повідомлення.", "Друге повідомлення.", "Третє повідомлення."]


async def test_a_slack_outage_queues_the_copies_and_they_go_out_in_order(scene: Scene) -> None:
    scene.slack_api.fail_next("chat.postMessage", "service_unavailable")
    for text in MESSAGES:
        await scene.discord_says(text)

    # Slack failed once: the first copy waits for its retry, the others wait behind it.
    assert len(scene.slack_copies()) == 1
    assert [m for m in scene.slack_api.messages(SLACK_CHANNEL) if m.get("username")] == []
    report = scene.core.services.delivery.store.rows()
    assert [row.state for row in report] == ["pending"] * 3 and report[0].reason == "unavailable"

    scene.clock.advance(minutes=1)  # Slack is back; the retry is due
    await scene.settle()

    copies = [m["text"] for m in scene.slack_api.messages(SLACK_CHANNEL) if m.get("username")]
    assert [text.split("\n")[0] for text in copies] == MESSAGES
    assert [row.state for row in scene.core.services.delivery.store.rows()] == ["sent"] * 3


async def test_after_a_restart_an_edit_of_an_older_message_still_reaches_its_copy(scene: Scene) -> None:
    await scene.slack_says(MIREILLE, "Bonjour à tous.", "1764067000.000100")
    [copy] = scene.discord.webhook_messages()

    # A new process: a bridge with nothing in memory, on the same database.
    services = scene.core.services
    translation = services.translation
    assert translation is not None
    fresh = Bridge(store=BridgeStore(services.engine), delivery=services.delivery, channels=translation.channels,
                   translation=translation.engine, cluster_channels=services.cluster_channels, clock=services.clock,
                   copiers=scene.bridge.copiers)
    chat = services.delivery.chats["slack"]
    await fresh.message_edited(MessageEdited(author=Identity("slack", scene.slack_channel.workspace, MIREILLE),
                                             channel=scene.slack_channel, message_id="1764067000.000100",
                                             text=RichText.of("Bonsoir à tous."), display_name="Mireille"), chat)
    await scene.settle()

    assert scene.discord.messages[int(copy["id"])]["content"].startswith("Bonsoir à tous.")
    assert len(scene.discord.webhook_messages()) == 1
    assert len(fresh.store.copies(Origin(scene.slack_channel, "1764067000.000100"))) == 1


async def test_reactions_cross_only_when_the_cluster_asks_and_never_come_back(scene: Scene) -> None:
    await scene.slack_says(MIREILLE, "Bonjour à tous.", "1764068000.000100")
    [copy] = scene.discord.webhook_messages()

    react = {"type": "reaction_added", "user": MIREILLE, "reaction": "tada",
             "item": {"type": "message", "channel": SLACK_CHANNEL, "ts": "1764068000.000100"},
             "event_ts": "1764068001.000100"}
    await scene.slack_event(react)
    assert scene.discord.requests_to("PUT", "/channels/{channel_id}/messages/{message_id}/reactions/{emoji}/@me") \
        == []

    with Session(scene.core.engine) as session:
        cluster = session.get(Cluster, scene.cluster_id)
        assert cluster is not None
        cluster.mirror_reactions = True
        session.add(cluster)
        session.commit()
    scene.bridge.store.forget()
    await scene.slack_event({**react, "event_ts": "1764068002.000100"})
    [put] = scene.discord.requests_to("PUT", "/channels/{channel_id}/messages/{message_id}/reactions/{emoji}/@me")
    assert copy["id"] in put.path and ("%F0%9F%8E%89" in put.path.upper() or "🎉" in put.path)

    # Olena reacts to the copy on Discord: the reaction reaches the original on Slack, and nothing loops.
    await scene.discord.dispatch("MESSAGE_REACTION_ADD", scene.discord.reaction_add_payload(
        scene.discord_channel_id, copy["id"], 800000000000000012, "👍"))
    await scene.settle()
    [added] = scene.slack_api.calls_to("reactions.add")
    assert added.args["name"] == "+1" and added.args["timestamp"] == "1764068000.000100"
    await scene.slack_event({**react, "user": scene.slack_api.bot_user_id, "reaction": "+1",
                             "event_ts": "1764068003.000100"})
    assert len(scene.discord.requests_to("PUT", "/channels/{channel_id}/messages/{message_id}/reactions/{emoji}/@me")) \
        == 1


async def test_a_copy_whose_answer_slack_lost_is_found_again_not_posted_twice(scene: Scene) -> None:
    serve_history(scene.slack_api)
    lose_answers(scene.slack_api, "chat.postMessage", times=1)  # posted, but the bot never hears it
    await scene.discord_says(MESSAGES[0])
    [row] = scene.core.services.delivery.store.rows()
    assert row.state == "pending" and row.maybe_sent

    scene.clock.advance(minutes=1)
    await scene.settle()

    copies = [m for m in scene.slack_api.messages(SLACK_CHANNEL) if m.get("username")]
    assert len(copies) == 1 and copies[0]["text"].startswith(MESSAGES[0])
    [row] = scene.core.services.delivery.store.rows()
    assert row.state == "sent" and row.message_id == copies[0]["ts"]
    [original] = [m for m in scene.discord.messages_in(scene.discord_channel_id) if not m.get("webhook_id")
                  and m["content"] == MESSAGES[0]]
    [kept] = scene.bridge.store.copies(Origin(scene.discord_channel, original["id"]))
    assert kept.message_id == copies[0]["ts"]
