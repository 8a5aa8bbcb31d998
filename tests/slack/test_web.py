"""The web host: /healthz, Slack's routes mounted, a feature's routes; the locale cache; the receipts' bound."""

from __future__ import annotations

import os
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Route

from bot.wiring import Core, web_app, web_routes
from integrations.slack.app import SlackAdapter
from integrations.slack.people import PeopleCache
from integrations.slack.stores import EventReceipts
from integrations.web.app import build_web_app
from tests.fakes.slack import FakeSlackWebAPI
from tests.slack.conftest import BOT_TOKEN, Slack
from tests.support.clock import MovableClock


async def _get(app: object, path: str) -> httpx.Response:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as http:  # type: ignore[arg-type]
        return await http.get(path)


async def test_the_host_serves_the_routes_it_is_given(make_core: Callable[..., Core]) -> None:
    async def feature(request: Request) -> PlainTextResponse:
        return PlainTextResponse("a feature's page")

    core = make_core()
    app = build_web_app([*web_routes(core, SlackAdapter(core)), Route("/feature.txt", feature)])
    health = await _get(app, "/healthz")
    assert health.status_code == 200 and health.json()["status"] == "ok"
    assert (await _get(app, "/feature.txt")).text == "a feature's page"
    assert (await _get(app, "/calendar.ics")).text.startswith("BEGIN:VCALENDAR")
    # One workspace by token: nothing to install.
    assert (await _get(app, "/slack/install")).status_code == 404


async def test_without_slack_the_web_app_still_answers_health(make_core: Callable[..., Core]) -> None:
    app = web_app(make_core(slack_bot_token=None, slack_signing_secret=None))
    assert (await _get(app, "/healthz")).status_code == 200
    assert (await _get(app, "/slack/events")).status_code == 404


async def test_url_verification_and_ssl_check(slack: Slack) -> None:
    response = await slack.client.url_verification("challenge-123")
    assert response.status_code == 200 and "challenge-123" in response.text
    check = await slack.client.post_raw("ssl_check=1&token=fake-verification-token",
                                        "application/x-www-form-urlencoded")
    assert check.status_code == 200 and slack.fake.calls == []


async def test_locale_cache_expires(fake: FakeSlackWebAPI) -> None:
    from slack_sdk.web.async_client import AsyncWebClient

    now = [1000.0]
    cache = PeopleCache(ttl=60, monotonic=lambda: now[0])
    fake.add_user("U0FR00001", locale="fr-FR", name="marie")
    client = AsyncWebClient(token="xoxb-1", base_url=fake.base_url)
    assert (await cache.lookup(client, "T1", "U0FR00001")).locale == "fr-FR"
    fake.add_user("U0FR00001", locale="de-DE", name="marie")
    assert (await cache.lookup(client, "T1", "U0FR00001")).locale == "fr-FR"  # cached
    now[0] += 61
    assert (await cache.lookup(client, "T1", "U0FR00001")).locale == "de-DE"
    assert len(fake.calls_to("users.info")) == 2
    fake.fail_next("users.info", "user_not_found")
    assert (await cache.lookup(client, "T1", "U0GONE001")).locale is None  # a failure is not fatal


def test_event_receipts_are_pruned(make_core: Callable[..., Core]) -> None:
    clock = MovableClock(datetime(2026, 11, 25, 12, 0, tzinfo=UTC))
    receipts = EventReceipts(make_core().engine, clock=clock, keep=timedelta(hours=1), prune_every=1000)
    assert receipts.first_time("Ev1") is True
    assert receipts.first_time("Ev1") is False
    clock.advance(hours=2)
    assert receipts.prune() == 1
    assert receipts.first_time("Ev1") is True  # long gone: Slack no longer retries it


def test_bolt_is_built_from_our_settings_not_the_environment(make_core: Callable[..., Core],
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    # Blank variables (as a platform's dashboard leaves them) once made bolt start its own OAuth flow.
    monkeypatch.setenv("SLACK_CLIENT_ID", "")
    monkeypatch.setenv("SLACK_CLIENT_SECRET", "")
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-from-the-environment")
    adapter = SlackAdapter(make_core())
    bolt = adapter.build_app()
    assert bolt.oauth_flow is None and bolt.client.token == BOT_TOKEN
    assert os.environ["SLACK_CLIENT_ID"] == "" and os.environ["SLACK_BOT_TOKEN"] == "xoxb-from-the-environment"
