""""Sign in with Slack" (OpenID Connect) and "Sign in with Discord" (OAuth2), against loopback fakes of their
endpoints: the person the platform names is the person the bot knows; anyone else, a forged state or a refused
code signs in nobody."""

from __future__ import annotations

from collections.abc import AsyncIterator
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from pydantic import SecretStr

from bot.demo import load_demo
from bot.messages import Identity
from bot.models import Role
from bot.settings import Settings
from bot.wiring import Core, build_core, web_app
from tests.support.clock import MovableClock
from tests.web.conftest import ADDRESS
from tests.web.fake_oauth import CLIENT_ID, CLIENT_SECRET, DISCORD_APP, DISCORD_SECRET, FakeOAuth, serve_fake_oauth

pytestmark = pytest.mark.asyncio


@pytest.fixture
async def fake() -> AsyncIterator[FakeOAuth]:
    async with serve_fake_oauth() as running:
        yield running


@pytest.fixture
def oauth_core(web_settings: Settings, engine, clock: MovableClock, fake: FakeOAuth) -> Core:  # type: ignore[no-untyped-def]
    settings = web_settings.model_copy(update={
        "slack_client_id": SecretStr(CLIENT_ID), "slack_client_secret": SecretStr(CLIENT_SECRET),
        "slack_api_url": f"{fake.url}/api/", "slack_openid_authorize_url": f"{fake.url}/openid/connect/authorize",
        "discord_application_id": DISCORD_APP, "discord_client_secret": SecretStr(DISCORD_SECRET),
        "discord_api_url": f"{fake.url}/discord/api", "discord_authorize_url": f"{fake.url}/discord/oauth2/authorize",
    })
    core = build_core(settings, engine=engine, migrate=False, clock=clock)
    load_demo(core.services)
    return core


@pytest.fixture
async def client(oauth_core: Core) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=web_app(oauth_core)), base_url=ADDRESS) as http:
        yield http


async def _start(client: httpx.AsyncClient, provider: str) -> dict[str, list[str]]:
    page = await client.get("/signin")
    assert f"/signin/with/{provider}" in page.text
    answer = await client.get(f"/signin/with/{provider}", params={"next": "/desk"})
    assert answer.status_code == 303
    return parse_qs(urlsplit(answer.headers["location"]).query)


async def test_sign_in_with_slack_maps_to_the_person_the_bot_knows(oauth_core: Core, client: httpx.AsyncClient,
                                                                   fake: FakeOAuth) -> None:
    identity = Identity("slack", "T0001", "U0001")
    oauth_core.services.members.get_or_create(identity, display_name="Ines")
    oauth_core.services.members.set_role(identity, Role.icc_team)
    query = await _start(client, "slack")
    assert query["scope"] == ["openid profile"] and query["client_id"] == [CLIENT_ID]
    assert query["redirect_uri"] == [f"{ADDRESS}/signin/with/slack/back"]
    fake.slack_codes["code-1"] = ("U0001", "T0001")
    back = await client.get("/signin/with/slack/back", params={"code": "code-1", "state": query["state"][0]})
    assert back.status_code == 303 and back.headers["location"] == "/desk"
    desk = await client.get("/desk")
    assert desk.status_code == 200 and "Ines" in desk.text
    assert fake.calls == ["openid.connect.token", "openid.connect.userInfo"]


async def test_sign_in_with_discord_maps_to_the_person_the_bot_knows(oauth_core: Core, client: httpx.AsyncClient,
                                                                     fake: FakeOAuth) -> None:
    oauth_core.services.members.get_or_create(Identity("discord", "111", "998877"), display_name="Kasia")
    query = await _start(client, "discord")
    assert query["scope"] == ["identify"]
    fake.discord_codes["d-code"] = "998877"
    back = await client.get("/signin/with/discord/back", params={"code": "d-code", "state": query["state"][0]})
    assert back.status_code == 303
    assert "Kasia" in (await client.get("/desk")).text


async def test_a_stranger_a_forged_state_or_a_refused_code_signs_in_nobody(
        oauth_core: Core, client: httpx.AsyncClient, fake: FakeOAuth) -> None:
    query = await _start(client, "slack")
    fake.slack_codes["stranger"] = ("U9999", "T0001")
    stranger = await client.get("/signin/with/slack/back", params={"code": "stranger", "state": query["state"][0]},
                                headers={"Accept-Language": "fr"})
    assert stranger.status_code == 403 and "Le bot ne vous connaît pas encore" in stranger.text
    query = await _start(client, "slack")
    fake.slack_codes["c2"] = ("U0001", "T0001")
    forged = await client.get("/signin/with/slack/back", params={"code": "c2", "state": "forged"})
    assert forged.status_code == 403 and "c2" in fake.slack_codes  # the code was never even tried
    query = await _start(client, "discord")
    refused = await client.get("/signin/with/discord/back", params={"code": "never-issued",
                                                                     "state": query["state"][0]})
    assert refused.status_code == 403 and "Traceback" not in refused.text
    # Without starting: no state in the session at all.
    assert (await client.get("/signin/with/discord/back", params={"code": "x", "state": "y"})).status_code == 403
    assert (await client.get("/signin/with/nowhere")).status_code == 404
    assert (await client.get("/desk")).status_code == 303
