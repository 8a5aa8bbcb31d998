"""The scene of the worker's shutdown tests: a Discord server with a cluster channel translated into French and
German, the fakes of Discord and DeepL, and the database prepared as the ICC team would have it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.engine import Engine

from bot import db
from bot.messages import Identity
from bot.models import TranslationMode
from bot.models.translation import TranslationUsage
from bot.settings import Settings
from bot.wiring import build_core
from tests.fakes.deepl import FakeDeepL
from tests.fakes.discord import FakeDiscord
from tests.shutdown.processes import BotProcess, bot_env, until

TOKEN = "shutdown-test-token"
GUILD = 900000000000000001
CLUSTER_CHANNEL = 900000000000000011
ANA = 800000000000000011
#: An English message (FakeDeepL answers "[FR] …" and "[DE] …").
ENGLISH = "Hello everyone, the working group meeting moves to next Thursday. Please confirm before Wednesday."


@dataclass
class Scene:
    database_url: str
    data_dir: Path
    engine: Engine
    discord: FakeDiscord
    deepl: FakeDeepL

    @property
    def channel(self) -> Identity:
        return Identity("discord", str(GUILD), str(CLUSTER_CHANNEL))

    def env(self, **more: str) -> dict[str, str]:
        return bot_env(self.database_url, self.data_dir, DISCORD_TOKEN=TOKEN, DISCORD_GUILD_IDS=str(GUILD),
                       DEEPL_AUTH_KEY=self.deepl.auth_key, DEEPL_SERVER_URL=self.deepl.url, **more)

    async def worker(self, name: str = "worker", **env: str) -> BotProcess:
        """A worker, once it is connected to Discord and has asked DeepL for its languages."""
        identified, asked = len(self.discord.identify_payloads), len(self.deepl.requests_to("/v2/languages"))
        process = await BotProcess.worker_on(self.discord, self.env(**env), name)
        await until(lambda: len(self.discord.identify_payloads) > identified or process.process.returncode is not None,
                    timeout=60, what="the worker connects to Discord")
        assert process.process.returncode is None, process.log()
        await until(lambda: len(self.deepl.requests_to("/v2/languages")) > asked, timeout=30,
                    what="the worker asks DeepL for its languages")
        return process

    async def message_being_translated(self, *, answer_after: float, requests: int = 1) -> None:
        """Someone writes in the cluster channel; returns once the worker has asked DeepL for `requests`
        translations, which DeepL answers `answer_after` seconds later."""
        self.deepl.hang_next(answer_after, times=2)
        await self.discord.user_message(CLUSTER_CHANNEL, ANA, ENGLISH)
        await until(lambda: len(self.deepl.requests_to("/v2/translate")) >= requests, timeout=10,
                    what="the worker asks DeepL to translate")

    def posts(self, channel: int = CLUSTER_CHANNEL) -> list[dict[str, Any]]:
        """What the bot posted in `channel`, as Discord accepted it."""
        return [request.json or {} for request in self.discord.requests_to("POST", f"/channels/{channel}/messages")
                if request.status is not None and request.status < 300]

    def billed_recorded(self) -> int:
        """The characters the database says DeepL billed."""
        with self.engine.connect() as connection:
            return int(connection.execute(select(func.coalesce(func.sum(TranslationUsage.billed_characters), 0)))
                       .scalar_one())


@asynccontextmanager
async def scene(database_url: str, tmp_path: Path, *, channels: int = 1) -> AsyncIterator[Scene]:
    """The fakes running, the database migrated, the cluster channel translated into French and German (and
    `channels - 1` more channels in the server, for broadcasts)."""
    engine = db.make_engine(database_url)
    db.upgrade(engine)
    settings = Settings(_env_file=None, database_url=database_url, data_dir=tmp_path)  # type: ignore[call-arg]
    core = build_core(settings, engine=engine, migrate=False)
    translation = core.services.translation
    assert translation is not None
    channel = Identity("discord", str(GUILD), str(CLUSTER_CHANNEL))
    translation.channels.set_mode(channel, TranslationMode.thread, by=None)
    translation.channels.set_languages(channel, ["FR", "DE"], by=None)
    try:
        async with FakeDeepL() as deepl, FakeDiscord(token=TOKEN) as discord:
            discord.add_guild(GUILD, name="ICC", members=[{"user_id": ANA, "name": "ana", "locale": "en-US"}],
                              channels=[{"id": CLUSTER_CHANNEL, "name": "cluster-communication"},
                                        *({"id": CLUSTER_CHANNEL + n, "name": f"city-{n}"}
                                          for n in range(1, channels))])
            yield Scene(database_url, tmp_path, engine, discord, deepl)
    finally:
        engine.dispose()
