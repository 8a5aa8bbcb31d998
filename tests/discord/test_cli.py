"""`python -m bot discord invite|sync`, command syncing, and the worker starting the bot."""

from __future__ import annotations

import asyncio
import contextlib
from urllib.parse import parse_qs, urlparse

import discord
import pytest
from typer.testing import CliRunner

from bot.wiring import Core, process_parts
from integrations.discord.cli import app, invite_url
from integrations.discord.permissions import PERMISSION_REASONS, intents, permissions
from tests.discord.helpers import GUILD, running_bot
from tests.fakes import discord as fd


def test_the_invite_asks_for_exactly_the_permissions_the_bot_uses() -> None:
    url = urlparse(invite_url(123456789012345678, guild_id=GUILD))
    query = parse_qs(url.query)
    assert query["client_id"] == ["123456789012345678"] and query["scope"] == ["bot applications.commands"]
    expected = discord.Permissions(
        view_channel=True, send_messages=True, send_messages_in_threads=True, embed_links=True,
        read_message_history=True, manage_webhooks=True, manage_channels=True, mention_everyone=True,
        # Clusters' private channels: members are let in by a permission overwrite each; bridged threads and
        # reactions.
        manage_roles=True, create_public_threads=True, add_reactions=True,
    )
    assert query["permissions"] == [str(expected.value)] == [str(permissions().value)]
    assert not permissions().administrator and not permissions().kick_members and not permissions().ban_members
    assert query["guild_id"] == [str(GUILD)]
    assert discord.Permissions(**dict.fromkeys(PERMISSION_REASONS, True)) == permissions()


def test_the_intents_are_the_documented_ones() -> None:
    wanted = intents()
    assert {name for name, value in wanted if value} == {
        "guilds", "members", "guild_messages", "dm_messages", "message_content", "guild_reactions", "dm_reactions"}
    assert not wanted.presences and not wanted.typing


def test_invite_command_prints_the_link(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DISCORD_APPLICATION_ID", "123456789012345678")
    monkeypatch.delenv("DISCORD_TOKEN", raising=False)
    result = CliRunner().invoke(app, ["invite"])
    assert result.exit_code == 0, result.output
    assert f"permissions={permissions().value}" in result.output and "Manage Webhooks" in result.output
    assert "Message Content" in result.output


def test_invite_without_an_application_id_says_what_is_missing(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("DISCORD_APPLICATION_ID", "DISCORD_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    result = CliRunner().invoke(app, ["invite"], env={"DISCORD_APPLICATION_ID": "", "DISCORD_TOKEN": ""})
    assert result.exit_code == 2
    assert "DISCORD_APPLICATION_ID" in result.output


async def test_sync_globally_and_a_server_without_the_commands_scope(core: Core, fake: fd.FakeDiscord) -> None:
    async with running_bot(core, fake, sync_at_start=False) as bot:
        assert not fake.commands.get(GUILD)
        [globally] = await bot.sync_commands(None)
        assert globally.endswith("registered in all servers (global)")
        assert "share-practice" in {c["name"] for c in fake.commands[None]}
        fake.forbid("PUT", "/applications/{app}/guilds/{guild}/commands")
        [refused] = await bot.sync_commands([GUILD])
    assert refused.startswith(f"cannot register slash commands in server {GUILD}")
    assert "applications.commands" in refused


def test_the_worker_starts_the_bot_and_the_web_process_does_not(core: Core) -> None:
    assert "discord" in [name for name, _ in process_parts(core, web=False, worker=True).once_only]
    web = process_parts(core, web=True, worker=False)
    assert web.once_only == [] and "discord" not in [name for name, _ in web.everywhere]


async def test_the_worker_process_connects_the_bot_and_stops_cleanly(core: Core, fake: fd.FakeDiscord) -> None:
    # The worker's Discord starter itself (run_platforms adds a database-wide singleton lock around it, which
    # another suite's worker test on the same PostgreSQL database could be holding).
    [starter] = [start for name, start in process_parts(core, web=False, worker=True).once_only if name == "discord"]
    worker = asyncio.create_task(starter())  # type: ignore[operator]
    try:
        await fake.wait_connected(timeout=20)
        await fake.wait_until(lambda: fake.commands.get(GUILD), timeout=5)  # DISCORD_GUILD_IDS: synced at start
        assert fake.identify_payloads[0]["intents"] == intents().value
    finally:
        worker.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await worker
    await fake.wait_until(lambda: not fake.connected, timeout=5)
