"""A conversation across the bridge, end to end: Slack (bolt, signed events) and Discord (discord.py on the
gateway) around one core, DeepL behind it, all three fakes speaking their wire protocols.

Mireille writes in French on Slack (with a file, naming Ana and @here); Olena answers in Ukrainian on Discord,
in a thread she opens on the copy; Ana answers in Portuguese on Slack in the same thread. Every message appears
on the other platform under its author's name and picture, with its translations, in the right thread; an edit
and a deletion follow; nobody is notified on the other side and nothing comes back.
"""

from __future__ import annotations

from typing import Any

from tests.bridge.conftest import ANA, MIREILLE, OLENA, SLACK_CHANNEL, Scene
from tests.fakes.discord_threads import open_thread

FRENCH = "Bonjour à toutes et à tous, la réunion du groupe de travail est reportée à jeudi prochain."
UKRAINIAN = "Дякую, Мірей! Я буду на зустрічі в четвер."
PORTUGUESE = "Obrigada, eu também estarei na reunião de quinta-feira."
ROOT_TS = "1764065000.000100"
AGENDA = {"id": "F0AGENDA1", "name": "agenda.pdf", "title": "Agenda", "mimetype": "application/pdf",
          "url_private": "https://files.slack.com/files-pri/T0/agenda.pdf",
          "permalink": "https://icc.slack.com/files/U0MIREILLE/F0AGENDA1/agenda.pdf"}


def assert_pings_nobody_on_discord(post: dict[str, Any]) -> None:
    assert post["allowed_mentions"] == {"parse": []}
    for ping in ("<@", "<#", "@everyone", "@here"):
        assert ping not in post["content"], post["content"]


def assert_pings_nobody_on_slack(post: dict[str, Any]) -> None:
    shown = str(post.get("text")) + str(post.get("blocks"))
    for ping in ("<@", "<!here", "<!channel", "<!everyone", "<!subteam", "<#"):
        assert ping not in shown, shown


async def replay_slack_copies(scene: Scene) -> None:
    """Slack sends the app an event for every message it posted (as it does): none may be copied back."""
    for message in scene.slack_api.messages(SLACK_CHANNEL):
        if message.get("bot_id"):
            await scene.slack_event({"type": "message", **{k: v for k, v in message.items() if k != "type"}})


async def test_a_thread_in_three_languages_crosses_the_bridge_with_an_edit_a_delete_and_a_file(scene: Scene) -> None:
    discord, slack = scene.discord, scene.slack_api
    # Mireille, on Slack, in French, with the agenda; she names Ana and everyone here.
    await scene.slack_says(MIREILLE, f"{FRENCH} <@{ANA}> <!here>", ROOT_TS, subtype="file_share", files=[AGENDA])

    [root] = scene.webhook_posts()
    assert root["username"] == "Mireille"
    assert root["avatar_url"] == f"https://avatars.slack-edge.com/{MIREILLE}_72.png"
    assert root["thread_id"] is None
    content = root["content"]
    assert content.startswith(f"{FRENCH} @Ana @\u2060here")
    assert "agenda.pdf" in content and AGENDA["permalink"] in content
    assert f"[PT-PT] {FRENCH}" in content and f"[UK] {FRENCH}" in content
    assert "[FR]" not in content  # never asked into its own language
    assert_pings_nobody_on_discord(root)
    [root_copy] = discord.webhook_messages()

    # Olena opens a thread on the copy and answers in Ukrainian: it goes into Mireille's thread on Slack.
    thread = open_thread(discord, discord.channels[scene.discord_channel_id], int(root_copy["id"]), "réunion")
    await discord.dispatch("THREAD_CREATE", thread)
    await scene.discord_says(UKRAINIAN, channel=int(thread["id"]))
    [answer] = scene.slack_copies()
    assert answer["username"] == "olena" and answer["icon_url"]
    assert answer["thread_ts"] == ROOT_TS and answer["channel"] == SLACK_CHANNEL
    assert answer["text"].startswith(UKRAINIAN)
    assert f"[FR] {UKRAINIAN}" in answer["text"] and f"[PT-PT] {UKRAINIAN}" in answer["text"]
    assert_pings_nobody_on_slack(answer)

    # Ana answers in Portuguese in the Slack thread: it goes into the Discord thread.
    await scene.slack_says(ANA, PORTUGUESE, "1764065100.000200", thread_ts=ROOT_TS)
    reply = scene.webhook_posts()[1]
    assert reply["username"] == "Ana" and reply["thread_id"] == thread["id"]
    assert reply["content"].startswith(PORTUGUESE) and f"[UK] {PORTUGUESE}" in reply["content"]
    assert_pings_nobody_on_discord(reply)

    # Slack tells the app that Mireille's message now has replies (the same text): nothing to carry.
    patched = "/webhooks/{webhook_id}/{webhook_token}/messages/{message_id}"
    await scene.slack_event({"type": "message", "subtype": "message_changed", "hidden": True,
                             "message": {"type": "message", "user": MIREILLE, "text": f"{FRENCH} <@{ANA}> <!here>",
                                         "ts": ROOT_TS, "files": [AGENDA], "reply_count": 2},
                             "ts": "1764065150.000300"})
    assert discord.requests_to("PATCH", patched) == []

    # Olena edits her answer on Discord: its copy on Slack follows.
    [olena_message] = [m for m in discord.messages_in(thread["id"]) if str(m["author"]["id"]) == str(OLENA)]
    [olena_copy] = [m["ts"] for m in slack.messages(SLACK_CHANNEL) if m.get("username") == "olena"]
    await discord.dispatch("MESSAGE_UPDATE", {**olena_message, "content": f"{UKRAINIAN} 🙂",
                                              "edited_timestamp": "2026-12-07T10:00:00+00:00"})
    await scene.settle()
    [update] = [call for call in slack.calls_to("chat.update") if call.args["ts"] == olena_copy]
    assert update.args["text"].startswith(f"{UKRAINIAN} 🙂")
    assert f"[FR] {UKRAINIAN} 🙂" in update.args["text"]

    # Mireille corrects her message: the copy on Discord follows, translations too.
    corrected = FRENCH.replace("jeudi", "vendredi")
    await scene.slack_event({"type": "message", "subtype": "message_changed", "hidden": True,
                             "message": {"type": "message", "user": MIREILLE, "text": corrected, "ts": ROOT_TS,
                                         "files": [AGENDA]},
                             "ts": "1764065200.000300"})
    [_] = discord.requests_to("PATCH", patched)
    edited = discord.messages[int(root_copy["id"])]
    assert edited["content"].startswith(corrected) and f"[UK] {corrected}" in edited["content"]
    assert AGENDA["permalink"] in edited["content"]

    # Olena deletes her answer: its copy on Slack goes too.
    discord.messages.pop(int(olena_message["id"]))
    await discord.dispatch("MESSAGE_DELETE", {"id": olena_message["id"], "channel_id": thread["id"],
                                              "guild_id": thread["guild_id"]})
    await scene.settle()
    assert [call.args["ts"] for call in slack.calls_to("chat.delete")] == [olena_copy]
    assert not [m for m in slack.messages(SLACK_CHANNEL) if m.get("username") == "olena"]

    # Nothing came back: the bot's own posts on either side (copies and translations) are never copied.
    await replay_slack_copies(scene)
    assert len(scene.webhook_posts()) == 2 and len(scene.slack_copies()) == 1
    # Each language of each message was paid for once.
    texts = sorted((call.target, tuple(call.texts)) for call in scene.deepl.translate_calls)
    assert len(texts) == len(set(texts))



async def test_a_slack_reply_to_a_copy_opens_the_thread_on_the_original_discord_message(scene: Scene) -> None:
    original = await scene.discord_says(UKRAINIAN)
    [copy] = [m for m in scene.slack_api.messages(SLACK_CHANNEL) if m.get("username") == "olena"]

    await scene.slack_says(MIREILLE, "Merci Olena, à jeudi !", "1764069000.000200", thread_ts=copy["ts"])

    [reply] = scene.webhook_posts()
    assert reply["thread_id"] == original["id"]  # the thread Discord opened on Olena's own message
    assert reply["username"] == "Mireille" and reply["content"].startswith("Merci Olena, à jeudi !")
    [thread] = [c for c in scene.discord.channels.values() if c.get("type") == 11]
    assert thread["id"] == original["id"] and str(thread["parent_id"]) == str(scene.discord_channel_id)
    assert_pings_nobody_on_discord(reply)
