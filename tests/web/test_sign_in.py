"""Signing in with a one-time link from `/web`: single use, short-lived, stored hashed, rate-limited; sessions in
HttpOnly Secure SameSite cookies that end; CSRF tokens on every form."""

from __future__ import annotations

import re

import httpx
import pytest
from sqlmodel import select

from bot.db import session_scope
from bot.messages import CommandInvoked, Identity
from bot.models import Role
from bot.models.web import SignInLink
from bot.ports import Capabilities
from bot.services.web_sessions import LINKS_PER_HOUR, SignInLinks, token_hash
from bot.wiring import Core
from tests.support.clock import MovableClock
from tests.web.conftest import csrf_of, person, sign_in

pytestmark = pytest.mark.asyncio


async def test_web_sends_a_link_by_direct_message_that_signs_in_once(demo: Core, browser: httpx.AsyncClient) -> None:
    ana = person(demo, "ana", role=Role.coordinator, city="Lisbon")
    response = await demo.dispatcher.handle(
        CommandInvoked(actor=Identity("console", "local", "ana"), channel=Identity("console", "local", "general"),
                       name="web"), Capabilities())
    assert "mensagem direta" in response.replies[0].text  # in the language of her city
    [delivery] = [row for row in demo.services.delivery.store.rows() if row.item.startswith("web-sign-in:")]
    assert delivery.direct and delivery.target_id == "ana"
    link = re.search(r"https://icc\.example\.org(/signin/link/[\w-]+)", delivery.payload)
    assert link, delivery.payload
    token = link.group(1).rsplit("/", 1)[1]
    with session_scope(demo.engine) as session:
        stored = session.exec(select(SignInLink)).one()
    assert stored.token_hash == token_hash(token) and token not in stored.token_hash

    page = await browser.get(link.group(1))
    assert page.status_code == 200 and "Traceback" not in page.text
    assert (await browser.get("/desk")).status_code == 303  # opening the link alone signs nobody in
    answer = await browser.post("/signin", data={"csrf": csrf_of(page.text), "token": token, "next": "/desk"})
    assert answer.status_code == 303 and answer.headers["location"] == "/desk"
    cookie = answer.headers["set-cookie"]
    assert "httponly" in cookie.lower() and "secure" in cookie.lower() and "samesite=lax" in cookie.lower()
    desk = await browser.get("/desk")
    assert desk.status_code == 200 and "ana" in desk.text
    assert ana.id is not None

    # Used once: the same link again, in another browser, is refused in that reader's language.
    async with httpx.AsyncClient(transport=browser._transport, base_url=str(browser.base_url)) as other:
        again_page = await other.get(link.group(1))
        again = await other.post("/signin", data={"csrf": csrf_of(again_page.text), "token": token},
                                 headers={"Accept-Language": "fr"})
        assert again.status_code == 403 and "Ce lien de connexion ne fonctionne pas" in again.text
        assert (await other.get("/desk")).status_code == 303


async def test_a_forged_or_expired_link_signs_in_nobody(
    demo: Core, browser: httpx.AsyncClient, clock: MovableClock
) -> None:
    bo = person(demo, "bo")
    links = SignInLinks(demo.engine, clock=clock)
    token = links.issue(bo)
    clock.advance(minutes=16)
    page = await browser.get(f"/signin/link/{token}")
    assert (await browser.post("/signin", data={"csrf": csrf_of(page.text), "token": token})).status_code == 403
    for forged in ("", "x" * 43, token[:-1] + ("A" if token[-1] != "A" else "B"), "'; DROP TABLE member; --",
                   "y" * 5000):
        page = await browser.get("/signin/link/abc")
        answer = await browser.post("/signin", data={"csrf": csrf_of(page.text), "token": forged})
        assert answer.status_code in (403, 429)


async def test_a_form_without_its_csrf_token_changes_nothing(demo: Core, browser: httpx.AsyncClient) -> None:
    cy = person(demo, "cy")
    token = SignInLinks(demo.engine, clock=demo.services.clock).issue(cy)
    for data in ({"token": token}, {"token": token, "csrf": "forged"}):
        answer = await browser.post("/signin", data=data, headers={"Accept-Language": "es"})
        assert answer.status_code == 403 and "Este formulario ha caducado" in answer.text
    # The link was not used up by the refused forms.
    assert SignInLinks(demo.engine, clock=demo.services.clock).redeem(token) is not None


async def test_sign_in_attempts_are_rate_limited(demo: Core, browser: httpx.AsyncClient, clock: MovableClock) -> None:
    page = await browser.get("/signin/link/whatever")
    csrf = csrf_of(page.text)
    answers = [(await browser.post("/signin", data={"csrf": csrf, "token": f"guess{n}"})).status_code
               for n in range(12)]
    assert answers[:10] == [403] * 10 and answers[10:] == [429, 429]
    clock.advance(minutes=11)
    assert (await browser.post("/signin", data={"csrf": csrf, "token": "later"})).status_code == 403


async def test_links_per_hour_are_limited(demo: Core) -> None:
    dee = person(demo, "dee")
    links = SignInLinks(demo.engine, clock=demo.services.clock)
    for _ in range(LINKS_PER_HOUR):
        links.issue(dee)
    response = await demo.dispatcher.handle(
        CommandInvoked(actor=Identity("console", "local", "dee"), channel=Identity("console", "local", "dee"),
                       name="web"), Capabilities())
    assert "within an hour" in response.replies[0].text
    assert not [row for row in demo.services.delivery.store.rows() if row.item.startswith("web-sign-in:")]


async def test_a_session_ends_and_sign_out_ends_it(demo: Core, browser: httpx.AsyncClient, clock: MovableClock) -> None:
    eve = person(demo, "eve", role=Role.icc_team)
    await sign_in(demo, browser, eve)
    desk = await browser.get("/desk")
    assert desk.status_code == 200
    out = await browser.post("/signout", data={"csrf": csrf_of(desk.text)})
    assert out.status_code == 303
    assert (await browser.get("/desk")).status_code == 303
    await sign_in(demo, browser, eve)
    clock.advance(hours=9)
    expired = await browser.get("/desk")
    assert expired.status_code == 303 and expired.headers["location"].startswith("/signin")
