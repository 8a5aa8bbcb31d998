"""Slack test harness: the real bolt app in our web app, the loopback Slack fake, and a signed client.

The database comes from `tests/conftest.py` (`database_url`: a fresh SQLite file, or PostgreSQL emptied
between tests when DATABASE_URL is set).
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette

from bot.messages import Identity
from bot.models import City, Role
from bot.settings import Settings
from bot.wiring import Core, build_core, web_app
from integrations.slack.app import SlackAdapter
from tests.fakes.slack import DEFAULT_TEAM_ID, DEFAULT_USER_ID, FakeSlackWebAPI, SignedSlackClient
from tests.support.settle import settle

SECRET = "test-signing-secret"
BOT_TOKEN = "xoxb-test-token-123456"
CLIENT_ID = "1111.2222"
CLIENT_SECRET = "client-secret-value"


def slack_settings(database_url: str, tmp_path: Path, fake: FakeSlackWebAPI, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "database_url": database_url,
        "data_dir": tmp_path,
        "slack_bot_token": BOT_TOKEN,
        "slack_signing_secret": SECRET,
        "slack_api_url": fake.base_url,
    }
    values.update(overrides)
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


@pytest.fixture
async def fake() -> AsyncIterator[FakeSlackWebAPI]:
    async with FakeSlackWebAPI(client_id=CLIENT_ID, client_secret=CLIENT_SECRET) as slack:
        yield slack


@pytest.fixture
def make_core(database_url: str, tmp_path: Path, fake: FakeSlackWebAPI) -> Iterator[Callable[..., Core]]:
    """Build a core on the test database with Slack settings (overridable); engines are disposed after."""
    built: list[Core] = []

    def make(**overrides: Any) -> Core:
        core = build_core(slack_settings(database_url, tmp_path, fake, **overrides), migrate=not built)
        built.append(core)
        return core

    yield make
    for core in built:
        core.engine.dispose()


@dataclass
class Slack:
    """One web process serving Slack, and the means to talk to it as Slack does."""

    core: Core
    fake: FakeSlackWebAPI
    app: Starlette
    adapter: SlackAdapter
    client: SignedSlackClient

    async def settle(self) -> None:
        """Let the work started after the acknowledgements finish."""
        await settle(self.adapter.drain)

    async def command(self, command: str, text: str = "", **kwargs: Any) -> httpx.Response:
        response = await self.client.slash_command(command, text, **kwargs)
        await self.settle()
        return response

    def answers(self) -> list[dict[str, Any]]:
        """What the app posted to response URLs, in order."""
        return [post.body for post in self.fake.responses]

    def last_answer_text(self) -> str:
        return message_text(self.answers()[-1])

    def person(self, user_id: str = DEFAULT_USER_ID, team_id: str = DEFAULT_TEAM_ID) -> Identity:
        return Identity("slack", team_id, user_id)

    def coordinator(self, user_id: str = DEFAULT_USER_ID, city: str = "Lisbon") -> Identity:
        identity = self.person(user_id)
        if self.core.services.cities.find(city) is None:
            self.core.services.cities.add(City(name=city, country="PT", languages="pt"))
        self.core.services.members.set_role(identity, Role.coordinator)
        self.core.services.members.set_city(identity, city)
        return identity


def message_text(message: dict[str, Any]) -> str:
    """Everything a person reads in a message or view: its text and every block's text."""
    parts = [str(message.get("text") or "")]
    blocks = message.get("blocks") or []
    if isinstance(blocks, str):
        blocks = json.loads(blocks)
    for block in blocks:
        text = block.get("text")
        if isinstance(text, dict):
            parts.append(text.get("text", ""))
        for element in block.get("elements") or []:
            if isinstance(element, dict) and isinstance(element.get("text"), (dict, str)):
                inner = element["text"]
                parts.append(inner.get("text", "") if isinstance(inner, dict) else inner)
    return "\n".join(part for part in parts if part)


async def serve_slack(core: Core, fake: FakeSlackWebAPI) -> Slack:
    adapter = SlackAdapter(core)
    app = web_app(core, adapter)
    client = SignedSlackClient(SECRET, app=app, fake=fake)
    return Slack(core=core, fake=fake, app=app, adapter=adapter, client=client)


@pytest.fixture
async def slack(make_core: Callable[..., Core], fake: FakeSlackWebAPI) -> AsyncIterator[Slack]:
    """A single-workspace bot (SLACK_BOT_TOKEN + SLACK_SIGNING_SECRET) served over HTTP."""
    harness = await serve_slack(make_core(), fake)
    yield harness
    await harness.adapter.close()
    await harness.client.aclose()
