"""What goes wrong across the bridge: a message longer than the other platform takes, a linked channel archived
or deleted, the bot removed from a channel. Nothing is lost or posted twice, nobody is pinged, and the people on
the other side are told once, in their languages."""

from __future__ import annotations

from bot.i18n import t
from bot.models import ClusterChannel, TranslationMode
from bot.services.bridge import Origin
from bot.services.clusters.channels import STATE_NOTES
from tests.bridge.conftest import DISCORD_CHANNEL, MIREILLE, SLACK_CHANNEL, Scene


def words(count: int) -> str:
    """A long French text in paragraphs (every word different, so a lost or repeated piece shows)."""
    paragraphs = []
    for start in range(0, count, 120):
        paragraphs.append(" ".join(f"mot{number}" for number in range(start, min(count, start + 120))))
    return "\n\n".join(paragraphs)


def state_of(scene: Scene, platform: str) -> str:
    rows = scene.core.services.cluster_channels.channels(scene.cluster_id)
    [row] = [r for r in rows if r.platform == platform]
    assert isinstance(row, ClusterChannel)
    return row.state


def note(state: str, platform: str) -> str:
    """What the people of the other channel read (its languages: French, Portuguese, Ukrainian)."""
    return "\n".join(t(locale, STATE_NOTES[state], channel=DISCORD_CHANNEL, platform=platform)
                     for locale in ("fr", "pt", "uk"))


async def test_a_40000_character_message_reaches_discord_whole_in_pieces_that_fit(scene: Scene) -> None:
    translation = scene.core.services.translation
    assert translation is not None
    for channel in (scene.slack_channel, scene.discord_channel):
        translation.channels.set_mode(channel, TranslationMode.off, by=None)
    text = words(6_000)[:39_985].rsplit(" ", 1)[0]
    assert 39_900 < len(f"{text} <!channel>") <= 40_000

    await scene.slack_says(MIREILLE, f"{text} <!channel>", "1764066000.000100")

    posts = scene.webhook_posts()
    assert len(posts) >= 20 and all(len(post["content"]) <= 2000 for post in posts)
    assert all(post["username"] == "Mireille" and post["allowed_mentions"] == {"parse": []} for post in posts)
    received = " ".join(post["content"] for post in posts).split()
    assert received == [*text.split(), "@\u2060channel"]  # every word once, in order; the broadcast is text
    # One copy, remembered part by part (an edit or a deletion reaches every piece).
    rows = scene.bridge.store.copies(Origin(scene.slack_channel, "1764066000.000100"))
    assert [row.part for row in rows] == list(range(len(posts)))


async def test_an_archived_slack_channel_is_said_once_on_discord_and_nothing_more_is_tried(scene: Scene) -> None:
    scene.slack_api.fail_next("chat.postMessage", "is_archived")
    await scene.discord_says("Привіт усім!")

    assert state_of(scene, "slack") == "archived"
    notes = [m for m in scene.discord.messages_in(scene.discord_channel_id)
             if not m.get("webhook_id") and m["content"] == note("archived", "Slack")]
    assert len(notes) == 1
    assert "@everyone" not in notes[0]["content"] and "<@" not in notes[0]["content"]

    calls = len(scene.slack_api.calls_to("chat.postMessage"))
    await scene.discord_says("Ще одне повідомлення.")
    assert len(scene.slack_api.calls_to("chat.postMessage")) == calls  # not tried again, not told again
    assert [m for m in scene.slack_api.messages(SLACK_CHANNEL) if m.get("username")] == []


async def test_a_deleted_discord_channel_is_said_once_on_slack(scene: Scene) -> None:
    scene.discord.delete_channel(scene.discord_channel_id)
    await scene.slack_says(MIREILLE, "Bonjour, la réunion est à 10 heures.", "1764066100.000100")

    assert state_of(scene, "discord") == "gone"
    told = [call.args for call in scene.slack_api.calls_to("chat.postMessage")
            if call.args.get("channel") == SLACK_CHANNEL and not call.args.get("username")
            and not call.args.get("thread_ts")]
    assert [args["text"] for args in told] == [note("gone", "Discord")]
    await scene.slack_says(MIREILLE, "Encore un message.", "1764066200.000100")
    assert len([c for c in scene.slack_api.calls_to("chat.postMessage") if not c.args.get("thread_ts")]) == 1


async def test_the_bot_removed_from_the_slack_channel_is_said_on_discord(scene: Scene) -> None:
    scene.slack_api.fail_next("chat.postMessage", "not_in_channel")
    await scene.discord_says("Привіт усім!")

    assert state_of(scene, "slack") == "no_access"
    assert [m["content"] for m in scene.discord.messages_in(scene.discord_channel_id)
            if not m.get("webhook_id") and "Slack" in m["content"]] == [note("no_access", "Slack")]

