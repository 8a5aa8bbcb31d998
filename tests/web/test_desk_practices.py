"""Editing practices on the desk: a city's coordinators while it waits or after a rejection, the ICC team always;
another city's coordinator, or an approved practice for a coordinator: 403 and nothing changed."""

from __future__ import annotations

import httpx
import pytest

from bot.models import Role
from bot.models.practices import PracticeStatus, ReviewAction
from bot.wiring import Core
from tests.web.conftest import csrf_of, person, sign_in

pytestmark = pytest.mark.asyncio


def waiting_of(core: Core, city: str) -> int:
    found = core.services.cities.find(city)
    assert found is not None
    cards = core.services.practices.search(words="", city=found.id, status=None, limit=50).hits
    return next(card.id for card in cards if card.status is PracticeStatus.submitted)


async def test_a_coordinator_edits_a_practice_of_their_city(demo: Core, browser: httpx.AsyncClient) -> None:
    number = waiting_of(demo, "Odesa")
    olena = person(demo, "olena-web", role=Role.coordinator, city="Odesa")
    await sign_in(demo, browser, olena)
    page = await browser.get(f"/desk/practice/{number}")
    assert page.status_code == 200 and 'name="themes"' in page.text
    saved = await browser.post(f"/desk/practice/{number}", data={
        "csrf": csrf_of(page.text), "title": "Мовні клуби для всіх", "summary": "Безкоштовні розмовні клуби.",
        "description": "Щотижневі зустрічі в бібліотеках міста.", "results": "", "links": "https://odesa.example/",
        "language": "uk", "themes": ["language", "education"]})
    assert saved.status_code == 303
    practice = demo.services.practices.get(number)
    assert practice is not None and practice.title == "Мовні клуби для всіх"
    hits = demo.services.practices.search(words="розмовні", status=None).hits
    assert number in [hit.id for hit in hits]  # the search index follows the edit
    broken = await browser.post(f"/desk/practice/{number}", data={
        "csrf": csrf_of(page.text), "title": "", "summary": "x", "description": "y", "language": "uk",
        "themes": ["language"]})
    assert broken.status_code == 400 and "Traceback" not in broken.text
    assert demo.services.practices.get(number).title == "Мовні клуби для всіх"  # type: ignore[union-attr]


async def test_a_rejected_practice_edited_goes_back_to_review(demo: Core, browser: httpx.AsyncClient) -> None:
    number = waiting_of(demo, "Odesa")
    ines = person(demo, "ines", role=Role.icc_team)
    demo.services.practices.review(reviewer=ines, practice_id=number, action=ReviewAction.reject,
                                   reason="Add what changed for the people who came.")
    olena = person(demo, "olena-web", role=Role.coordinator, city="Odesa")
    await sign_in(demo, browser, olena)
    page = await browser.get(f"/desk/practice/{number}")
    practice = demo.services.practices.get(number)
    assert practice is not None
    saved = await browser.post(f"/desk/practice/{number}", data={
        "csrf": csrf_of(page.text), "title": practice.title, "summary": practice.summary,
        "description": practice.description, "results": "120 people a week.", "language": practice.language,
        "themes": ["language"]})
    assert saved.status_code == 303
    assert demo.services.practices.get(number).status == PracticeStatus.submitted  # type: ignore[union-attr]


async def test_others_may_not_edit(demo: Core, browser: httpx.AsyncClient) -> None:
    number = waiting_of(demo, "Odesa")
    before = demo.services.practices.get(number)
    carla = person(demo, "carla", role=Role.coordinator, city="Lisbon")
    await sign_in(demo, browser, carla)
    assert (await browser.get(f"/desk/practice/{number}")).status_code == 403
    desk = await browser.get("/desk")
    refused = await browser.post(f"/desk/practice/{number}", data={
        "csrf": csrf_of(desk.text), "title": "Taken over", "summary": "x", "description": "y", "language": "pt",
        "themes": ["language"]}, headers={"Accept-Language": "uk"})
    assert refused.status_code == 403 and "Не дозволено" in refused.text
    after = demo.services.practices.get(number)
    assert after is not None and before is not None and after.title == before.title
    published = demo.services.practices.search(words="", city=demo.services.cities.find("Lisbon").id).hits  # type: ignore[union-attr]
    assert (await browser.get(f"/desk/practice/{published[0].id}")).status_code == 403  # published: the team's
    assert (await browser.get("/desk/practice/999999")).status_code == 404
