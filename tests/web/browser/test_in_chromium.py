"""In a real browser (headless Chromium): search in two languages, a practice page, the calendar, signing in with
a one-time link, and a review from the desk; each page checked by axe-core and photographed."""

from __future__ import annotations

from typing import Any

import pytest

from bot.messages import Identity
from bot.models import Role
from bot.models.practices import PracticeStatus
from bot.services.web_sessions import SignInLinks
from bot.wiring import Core
from tests.web.browser.conftest import SCREENSHOTS, Server, check_page

pytestmark = [pytest.mark.asyncio, pytest.mark.browser]


async def test_search_in_two_languages_and_a_practice_page(live: tuple[Core, Server], page: Any) -> None:
    core, server = live
    await page.goto(server.address + "/practices")
    await page.get_by_label("Words to look for").fill("Lisbon")
    await page.get_by_role("button", name="Search").click()
    await page.wait_for_url("**/practices?q=Lisbon*")
    assert await page.locator("html").get_attribute("lang") == "en"
    assert await page.locator("ol.cards li").count() >= 1
    await check_page(page, "search-en")
    # French, chosen from the language links with the keyboard: the choice is remembered.
    await page.get_by_role("link", name="français").focus()
    await page.keyboard.press("Enter")
    await page.wait_for_load_state()
    assert await page.locator("html").get_attribute("lang") == "fr"
    await page.get_by_label("Mots à chercher").fill("antirumores")
    await page.get_by_role("button", name="Chercher").click()
    await page.wait_for_url("**q=antirumores*")
    results = page.locator("ol.cards li")
    assert await results.count() >= 1
    await check_page(page, "search-fr")
    await results.first.locator("h3 a").click()
    await page.wait_for_url("**/practices/*")
    assert await page.locator("h1").inner_text()
    assert await page.get_by_text("Lien permanent").count() == 1
    await check_page(page, "practice-fr")
    await page.emulate_media(media="print")
    assert not await page.locator("header.top").is_visible()  # the printed page is the practice alone
    await page.screenshot(path=str(SCREENSHOTS / "practice-print.png"), full_page=True)


async def test_the_calendar(live: tuple[Core, Server], page: Any) -> None:
    _, server = live
    await page.goto(server.address + "/calendar?month=2026-12")
    assert await page.locator("table.month").count() == 1
    await check_page(page, "calendar-month")
    await page.get_by_role("link", name="List").click()
    await page.wait_for_url("**view=list")
    await check_page(page, "calendar-list")
    await page.goto(server.address + "/clusters")
    await check_page(page, "clusters")


async def test_sign_in_with_a_link_then_review_from_the_desk(live: tuple[Core, Server], page: Any) -> None:
    core, server = live
    identity = Identity("console", "local", "ines")
    core.services.members.get_or_create(identity, display_name="Ines")
    ines = core.services.members.set_role(identity, Role.icc_team)
    token = SignInLinks(core.engine).issue(ines)
    await page.goto(f"{server.address}/signin/link/{token}")
    await check_page(page, "sign-in-link")
    await page.get_by_role("button", name="Sign in").click()
    await page.wait_for_url("**/desk")
    assert "Ines" in await page.locator("main").inner_text()
    await check_page(page, "desk")
    await page.get_by_role("link", name="Practices waiting for review").click()
    await page.wait_for_url("**/desk/review")
    await check_page(page, "review-queue")
    waiting = core.services.practices.search(words="", status=PracticeStatus.submitted, limit=5).hits[0]
    await page.get_by_role("button", name=f"Approve #{waiting.id}").click()
    await page.wait_for_url("**/desk/review")
    assert f"#{waiting.id}" in await page.get_by_role("status").inner_text()
    practice = core.services.practices.get(waiting.id)
    assert practice is not None and practice.status == PracticeStatus.approved
    await check_page(page, "review-done")
