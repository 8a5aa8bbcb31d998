"""The bridge's scene: one core serving Slack (the real bolt app behind the web app) and Discord (the real
discord.py bot on the gateway), translating with the real DeepL adapter, against the three loopback fakes.

A cluster has a Slack channel (Mireille writes French, Ana Portuguese) and a Discord channel (Olena writes
Ukrainian); both are translated in `thread` mode into French, Portuguese and Ukrainian. The delivery outbox runs
on a clock moved by hand (an outage is waited out by moving it).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from pydantic import SecretStr

from bot.db import session_scope
from bot.messages import Identity
from bot.models import Cluster, ClusterChannel, TranslationMode
from bot.services.bridge import Bridge
from bot.wiring import Core, build_core
from integrations.deepl.translator import DeepLTranslator
from integrations.discord.bot import ICCBot
from tests.discord.helpers import GUILD, OWNER, running_bot
from tests.fakes import discord as fd
from tests.fakes.deepl import FakeDeepL, deepl_client_settings
from tests.fakes.discord_threads import serve_threads
from tests.fakes.slack import DEFAULT_TEAM_ID, FakeSlackWebAPI
from tests.slack.conftest import CLIENT_ID, CLIENT_SECRET, Slack, serve_slack, slack_settings
from tests.support.clock import MovableClock
from tests.support.settle import settle

SLACK_CHANNEL = "C0CLUSTER1"
DISCORD_CHANNEL = "cluster-communication"
MIREILLE, ANA = "U0MIREILLE", "U0ANA0001"
OLENA = 800000000000000012
LANGUAGES = ["fr", "pt", "uk"]


@dataclass
class Scene:
    """Both platforms and the core between them."""

    core: Core
    slack: Slack
    discord: fd.FakeDiscord
    bot: ICCBot
    deepl: FakeDeepL
    clock: MovableClock
    cluster_id: int

    @property
    def slack_api(self) -> FakeSlackWebAPI:
        return self.slack.fake

    @property
    def bridge(self) -> Bridge:
        bridge: Bridge = self.core.services.features["bridge"]
        return bridge

    @property
    def slack_channel(self) -> Identity:
        return Identity("slack", DEFAULT_TEAM_ID, SLACK_CHANNEL)

    @property
    def discord_channel_id(self) -> int:
        return next(cid for cid, c in self.discord.channels.items() if c.get("name") == DISCORD_CHANNEL)

    @property
    def discord_channel(self) -> Identity:
        return Identity("discord", str(GUILD), str(self.discord_channel_id))

    async def settle(self) -> None:
        """Let every event, translation and delivery under way finish."""
        translation = self.core.services.translation
        assert translation is not None
        await settle(self.slack.adapter.drain, translation.drain, self.core.services.delivery.drain)

    async def slack_event(self, event: dict[str, Any]) -> None:
        """Slack sends the app an event of the cluster channel (signed, as Slack does)."""
        response = await self.slack.client.event({"channel": SLACK_CHANNEL, "channel_type": "channel", **event})
        assert response.status_code == 200
        await self.settle()

    async def slack_says(self, user: str, text: str, ts: str, **extra: Any) -> None:
        await self.slack_event({"type": "message", "user": user, "text": text, "ts": ts, **extra})

    async def discord_says(self, text: str, *, channel: int | None = None, author: int = OLENA) -> dict[str, Any]:
        message = await self.discord.user_message(channel or self.discord_channel_id, author, text)
        await self.settle()
        return message

    def webhook_posts(self) -> list[dict[str, Any]]:
        """What went through webhooks (the copies on Discord), as Discord got them, with the thread they went to."""
        return [{**(request.json or {}), "thread_id": request.query.get("thread_id")}
                for request in self.discord.requests_to("POST", "/webhooks/{webhook_id}/{webhook_token}")
                if request.status and request.status < 300]

    def slack_copies(self) -> list[dict[str, Any]]:
        """The copies posted on Slack (under someone's name), as Slack got them."""
        return [call.args for call in self.slack_api.calls_to("chat.postMessage") if call.args.get("username")]


@pytest.fixture
async def deepl() -> AsyncIterator[FakeDeepL]:
    with deepl_client_settings(max_retries=1, timeout=2.0, backoff_initial=0.01, backoff_max=0.02):
        async with FakeDeepL() as server:
            yield server


@pytest.fixture
async def slack_api() -> AsyncIterator[FakeSlackWebAPI]:
    async with FakeSlackWebAPI(client_id=CLIENT_ID, client_secret=CLIENT_SECRET) as api:
        api.add_user(MIREILLE, locale="fr-FR", name="Mireille")
        api.add_user(ANA, locale="pt-PT", name="Ana")
        api.add_channel("cluster-communication", channel_id=SLACK_CHANNEL, members=[MIREILLE, ANA])
        yield api


@pytest.fixture
async def discord_api() -> AsyncIterator[fd.FakeDiscord]:
    async with fd.FakeDiscord() as api:
        api.add_guild(GUILD, name="Intercultural Cities", owner_id=OWNER, channels=["general", DISCORD_CHANNEL],
                      members=[{"user_id": OLENA, "name": "olena", "locale": "uk"}], locale="en-US")
        serve_threads(api)
        with fd.point_discord_at(api):
            yield api


@pytest.fixture
async def scene(database_url: str, tmp_path: Path, slack_api: FakeSlackWebAPI, discord_api: fd.FakeDiscord,
                deepl: FakeDeepL) -> AsyncIterator[Scene]:
    settings = slack_settings(database_url, tmp_path, slack_api, discord_token=SecretStr("fake-bot-token"),
                              discord_guild_ids=str(GUILD))
    clock = MovableClock()
    translator = DeepLTranslator(deepl.auth_key, server_url=deepl.url, timeout=3.0, backoff=0.01)
    core = build_core(settings, translator=translator, clock=clock)
    translation = core.services.translation
    assert translation is not None
    slack = await serve_slack(core, slack_api)
    try:
        await translation.start()
        await translation.engine.ready()
        async with running_bot(core, discord_api) as bot:
            scene = Scene(core=core, slack=slack, discord=discord_api, bot=bot, deepl=deepl, clock=clock,
                          cluster_id=0)
            scene.cluster_id = bridge_cluster(core, [scene.slack_channel, scene.discord_channel])
            deepl.reset()
            yield scene
            await scene.settle()
    finally:
        await translation.drain()
        await slack.adapter.close()
        await slack.client.aclose()
        translator.close()
        core.engine.dispose()


def bridge_cluster(core: Core, channels: Sequence[Identity], *, mode: TranslationMode = TranslationMode.thread,
                   languages: Sequence[str] = LANGUAGES) -> int:
    """A cluster whose channels are `channels`, each translated in `mode` into `languages`."""
    with session_scope(core.engine) as session:
        cluster = Cluster(slug="intercultural-communication", name="Intercultural communication",
                          languages=",".join(languages))
        session.add(cluster)
        session.flush()
        assert cluster.id is not None
        for channel in channels:
            session.add(ClusterChannel(cluster_id=cluster.id, platform=channel.platform,
                                       workspace_id=channel.workspace, channel_id=channel.id, name=DISCORD_CHANNEL))
        cluster_id = cluster.id
    translation = core.services.translation
    assert translation is not None
    for channel in channels:
        translation.channels.set_mode(channel, mode, by=None)
        translation.channels.set_languages(channel, list(languages), by=None)
    return cluster_id
