"""Posting as someone else through one reusable channel webhook, and what happens when Discord says no."""

from __future__ import annotations

import logging

import pytest

from bot.i18n import t
from bot.messages import Identity, Reply
from bot.wiring import Core
from integrations.discord.permissions import permission_label
from integrations.discord.webhooks import PostFailed, webhook_username
from tests.discord.helpers import GUILD, OWNER, channel_id, running_bot
from tests.fakes import discord as fd

AVATAR = "https://cdn.example.org/ana.png"


def where(fake: fd.FakeDiscord, name: str = "cluster-education") -> Identity:
    return Identity("discord", str(GUILD), str(channel_id(fake, name)))


async def test_post_as_reuses_one_webhook_and_mentions_nobody(core: Core, fake: fd.FakeDiscord) -> None:
    channel = where(fake)
    async with running_bot(core, fake) as bot:
        first = await bot.chat.post_as(channel, Reply(text="Bom dia @everyone <@&1> <@1>"), "Ana Silva", AVATAR)
        second = await bot.chat.post_as(channel, Reply(text="Second message"), "Jonas", None)
    assert len(fake.requests_to("POST", "/channels/{id}/webhooks")) == 1
    assert len(fake.requests_to("GET", "/channels/{id}/webhooks")) == 1
    executed = fake.requests_to("POST", "/webhooks/{id}/{token}")
    assert [r.json["username"] for r in executed] == ["Ana Silva", "Jonas"]
    assert executed[0].json["avatar_url"] == AVATAR and "avatar_url" not in executed[1].json
    assert all(r.json["allowed_mentions"] == {"parse": []} for r in executed)
    posted = fake.webhook_messages()
    assert [m["id"] for m in posted] == [first, second]
    assert posted[0]["mention_everyone"] is False and posted[0]["mentions"] == []
    assert posted[0]["author"]["username"] == "Ana Silva"


async def test_the_webhook_found_again_after_a_restart(core: Core, fake: fd.FakeDiscord) -> None:
    channel = where(fake)
    fake.add_webhook(int(channel.id), "Someone else's", by_bot=False)
    ours = fake.add_webhook(int(channel.id), "ICC Bot")
    async with running_bot(core, fake) as bot:
        await bot.chat.post_as(channel, Reply(text="hello"), "Ana", None)
    assert not fake.requests_to("POST", "/channels/{id}/webhooks")
    assert fake.requests_to("POST", "/webhooks/{id}/{token}")[0].path.startswith(f"/webhooks/{ours['id']}/")


async def test_a_deleted_webhook_is_recreated_once_then_a_clear_error(core: Core, fake: fd.FakeDiscord) -> None:
    channel = where(fake)
    async with running_bot(core, fake) as bot:
        await bot.chat.post_as(channel, Reply(text="one"), "Ana", None)
        fake.delete_webhook(next(iter(fake.webhooks)))
        await bot.chat.post_as(channel, Reply(text="two"), "Ana", None)
        assert len(fake.requests_to("POST", "/channels/{id}/webhooks")) == 2
        assert [m["content"] for m in fake.webhook_messages()] == ["one", "two"]

        gone = {"message": "Unknown Webhook", "code": 10015}
        fake.fail_next("POST", "/webhooks/{id}/{token}", 404, gone, times=2)
        with pytest.raises(PostFailed) as failure:
            await bot.chat.post_as(channel, Reply(text="three"), "Ana", None)
    assert failure.value.reason == "webhook_gone"
    # Tried twice (the webhook looked up again in between), not in a loop.
    assert len([r for r in fake.requests_to("POST", "/webhooks/{id}/{token}") if r.json["content"] == "three"]) == 2


async def test_a_deleted_channel_is_a_clear_error(core: Core, fake: fd.FakeDiscord) -> None:
    channel = where(fake)
    async with running_bot(core, fake) as bot:
        await bot.chat.post_as(channel, Reply(text="one"), "Ana", None)
        fake.delete_channel(int(channel.id))
        bot.get_channel(int(channel.id))  # still cached: no CHANNEL_DELETE was dispatched
        with pytest.raises(PostFailed) as failure:
            await bot.chat.post(channel, Reply(text="two"))
    assert failure.value.reason == "channel_gone"


async def test_a_missing_permission_tells_the_owner_not_a_stack_trace(
    core: Core, fake: fd.FakeDiscord, caplog: pytest.LogCaptureFixture
) -> None:
    channel = where(fake)
    fake.forbid("GET", "/channels/{id}/webhooks")
    caplog.set_level(logging.INFO)
    async with running_bot(core, fake) as bot:
        with pytest.raises(PostFailed) as failure:
            await bot.chat.post_as(channel, Reply(text="hello"), "Ana", None)
        with pytest.raises(PostFailed):
            await bot.chat.post_as(channel, Reply(text="again"), "Ana", None)
        await fake.wait_for_request("POST", "/channels/{id}/messages")
    assert failure.value.reason == "missing_permission"
    expected = t("fr", "I cannot do this in {channel} on the server “{server}”: I am missing the permission "
                       "{permission}. A server admin can grant it in Server Settings → Roles → ICC Bot, or in the "
                       "channel's permissions.", channel="#cluster-education", server="Intercultural Cities",
                 permission=permission_label("manage_webhooks", "fr"))
    assert str(failure.value) == expected
    owner_dm = fake._dm_channels[OWNER]
    notes = [r.json["content"] for r in fake.requests_to("POST", f"/channels/{owner_dm}/messages")]
    assert notes == [expected]  # in the server's language (French), once
    assert not any(record.exc_info for record in caplog.records if record.name.startswith("integrations"))


@pytest.mark.parametrize(
    ("name", "expected"),
    [("Ana Silva", "Ana Silva"), ("  ", None), ("Discordia fan", "D\u200biscordia fan"), ("here", "here\u200b"),
     ("x" * 100, "x" * 80), ("Clyde", "C\u200blyde")],
)
def test_webhook_names_discord_accepts(name: str, expected: str | None) -> None:
    assert webhook_username(name) == expected
