"""Fixtures of the web tests: the whole bot with the demo network, its web app, and a browser-like client."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime

import httpx
import pytest

from bot.demo import load_demo
from bot.messages import Identity
from bot.models import Member, Role
from bot.settings import Settings
from bot.wiring import Core, build_core, web_app
from tests.support.clock import MovableClock

ADDRESS = "https://icc.example.org"


#: The clock these tests move (tests/support/clock.py), under the name they use.
Clock = MovableClock


@pytest.fixture
def clock() -> MovableClock:
    return MovableClock(datetime(2026, 12, 7, 10, 0, tzinfo=UTC))


@pytest.fixture
def web_settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"public_url": ADDRESS})


@pytest.fixture
def demo(web_settings: Settings, engine, clock: Clock) -> Core:  # type: ignore[no-untyped-def]
    core = build_core(web_settings, engine=engine, migrate=False, clock=clock)
    load_demo(core.services)
    return core


@pytest.fixture
async def browser(demo: Core) -> AsyncIterator[httpx.AsyncClient]:
    """A client that keeps cookies, over the app in this process."""
    transport = httpx.ASGITransport(app=web_app(demo))
    async with httpx.AsyncClient(transport=transport, base_url=ADDRESS) as client:
        yield client


def person(core: Core, user: str, *, role: Role = Role.member, city: str | None = None) -> Member:
    identity = Identity("console", "local", user)
    core.services.members.get_or_create(identity, display_name=user)
    if city is not None:
        core.services.members.set_city(identity, city)
    member = core.services.members.set_role(identity, role)
    return member


def csrf_of(html: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', html)
    assert found, "the page has no CSRF token"
    return found.group(1)


@dataclass
class SignedIn:
    member: Member
    client: httpx.AsyncClient


async def sign_in(core: Core, client: httpx.AsyncClient, member: Member) -> None:
    """Sign `member` in on `client` as a person would: a link from /web, opened, its button pressed."""
    from bot.services.web_sessions import SignInLinks

    token = SignInLinks(core.engine, clock=core.services.clock).issue(member)
    page = await client.get(f"/signin/link/{token}")
    assert page.status_code == 200
    answer = await client.post("/signin", data={"csrf": csrf_of(page.text), "token": token, "next": "/desk"})
    assert answer.status_code == 303, answer.text
