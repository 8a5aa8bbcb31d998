"""The desk: the ICC team reviews through the same command as the chats, reads survey rates and results with
charts and exports, broadcast reports and DeepL use against budgets; a coordinator may not review nor edit
another city (403, nothing changed)."""

from __future__ import annotations

import re

import httpx
import pytest

from bot.db import session_scope
from bot.models import City, Role
from bot.models.practices import PracticeStatus
from bot.models.translation import TranslationBudget, TranslationUsage
from bot.wiring import Core
from tests.web.conftest import csrf_of, person, sign_in

pytestmark = pytest.mark.asyncio


def waiting_ids(core: Core) -> list[int]:
    found = core.services.practices.search(words="", status=PracticeStatus.submitted, limit=50)
    return [card.id for card in found.hits]


async def test_the_icc_team_approves_and_rejects_from_the_desk(demo: Core, browser: httpx.AsyncClient) -> None:
    ines = person(demo, "ines", role=Role.icc_team)
    await sign_in(demo, browser, ines)
    queue = await browser.get("/desk/review")
    assert queue.status_code == 200 and queue.headers["cache-control"] == "no-store"
    first = waiting_ids(demo)[0]
    assert f'action="/desk/review/{first}"' in queue.text
    approved = await browser.post(f"/desk/review/{first}", data={"csrf": csrf_of(queue.text), "action": "approve"})
    assert approved.status_code == 303
    practice = demo.services.practices.get(first)
    assert practice is not None and practice.status == PracticeStatus.approved
    page = await browser.get("/desk/review")
    assert f"#{first}" in page.text  # the notice says what was done
    # Rejecting needs a reason the author will read; without one nothing changes.
    empty = await browser.post(f"/desk/review/{first}", data={"csrf": csrf_of(page.text), "action": "reject",
                                                               "reason": " "})
    assert empty.status_code == 400
    assert demo.services.practices.get(first).status == PracticeStatus.approved  # type: ignore[union-attr]
    rejected = await browser.post(f"/desk/review/{first}", data={"csrf": csrf_of(page.text), "action": "reject",
                                                                  "reason": "Please add results and a link."})
    assert rejected.status_code == 303
    after = demo.services.practices.get(first)
    assert after is not None and after.status == PracticeStatus.rejected
    assert after.reject_reason == "Please add results and a link."
    # The author is told, as from the chat command (once per decision).
    if after.author_id is not None:
        items = [row.item for row in demo.services.delivery.store.rows()]
        assert f"practice-review:{first}:reject" in items


async def test_a_decision_without_csrf_changes_nothing(demo: Core, browser: httpx.AsyncClient) -> None:
    await sign_in(demo, browser, person(demo, "ines", role=Role.icc_team))
    first = waiting_ids(demo)[0]
    answer = await browser.post(f"/desk/review/{first}", data={"action": "approve"})
    assert answer.status_code == 403
    assert demo.services.practices.get(first).status == PracticeStatus.submitted  # type: ignore[union-attr]


async def test_a_coordinator_may_not_review(demo: Core, browser: httpx.AsyncClient) -> None:
    coordinator = person(demo, "carla", role=Role.coordinator, city="Lisbon")
    await sign_in(demo, browser, coordinator)
    desk = await browser.get("/desk")
    assert desk.status_code == 200 and "/desk/review" not in desk.text
    first = waiting_ids(demo)[0]
    assert (await browser.get("/desk/review")).status_code == 403
    answer = await browser.post(f"/desk/review/{first}", data={"csrf": csrf_of(desk.text), "action": "approve"},
                                headers={"Accept-Language": "de"})
    assert answer.status_code == 403 and "Nicht erlaubt" in answer.text
    assert demo.services.practices.get(first).status == PracticeStatus.submitted  # type: ignore[union-attr]
    for report in ("/desk/surveys", "/desk/broadcasts", "/desk/usage", "/desk/surveys/1/export.csv"):
        assert (await browser.get(report)).status_code == 403, report


async def test_city_profiles_are_edited_by_their_own_coordinators_only(demo: Core, browser: httpx.AsyncClient) -> None:
    lisbon, barcelona = demo.services.cities.find("Lisbon"), demo.services.cities.find("Barcelona")
    assert lisbon and barcelona
    carla = person(demo, "carla", role=Role.coordinator, city="Lisbon")
    await sign_in(demo, browser, carla)
    own = await browser.get(f"/desk/city/{lisbon.id}")
    assert own.status_code == 200
    saved = await browser.post(f"/desk/city/{lisbon.id}", data={
        "csrf": csrf_of(own.text), "mission": "Lisbon welcomes everyone.", "languages": "pt, en"})
    assert saved.status_code == 303
    assert "Lisbon welcomes everyone." in (await browser.get(f"/cities/{lisbon.id}")).text
    before = barcelona.mission
    assert (await browser.get(f"/desk/city/{barcelona.id}")).status_code == 403
    refused = await browser.post(f"/desk/city/{barcelona.id}", data={"csrf": csrf_of(own.text), "mission": "Mine!"})
    assert refused.status_code == 403
    with session_scope(demo.engine) as session:
        assert session.get(City, barcelona.id).mission == before  # type: ignore[union-attr]


async def test_survey_rates_results_charts_and_exports(demo: Core, browser: httpx.AsyncClient) -> None:
    ines = person(demo, "ines", role=Role.icc_team)
    surveys = demo.services.features["surveys"].service
    survey = surveys.open("campaign-days-vote", by=ines, locale="en", now_requested=True)
    days = [day.id for day in demo.services.calendar.campaign_days()][:2]
    for target in surveys.store.targets(survey.id)[:5]:  # enough answers for results broken down
        surveys.store.record(survey, target, {"days": days}, member_id=ines.id, city_id=target.city_id,
                             now=demo.services.clock.now(), edit=False)
    await sign_in(demo, browser, ines)
    listing = await browser.get("/desk/surveys")
    assert listing.status_code == 200 and f"/desk/surveys/{survey.id}" in listing.text
    assert re.search(r"5 of \d+ answered", listing.text)
    results = await browser.get(f"/desk/surveys/{survey.id}")
    assert results.status_code == 200 and 'src="data:image/png;base64,' in results.text
    assert re.search(r'<img src="data:image/png;base64,[^"]+" alt="[^"]+"', results.text)  # charts say what they show
    exported = await browser.get(f"/desk/surveys/{survey.id}/export.csv")
    assert exported.status_code == 200 and exported.text.splitlines()[0]
    assert (await browser.get(f"/desk/surveys/{survey.id}/export.json")).json()["responses"]
    assert (await browser.get("/desk/surveys/999/export.csv")).status_code == 404
    assert (await browser.get(f"/desk/surveys/{survey.id}/export.exe")).status_code == 404


async def test_broadcast_reports_and_translation_use(demo: Core, browser: httpx.AsyncClient) -> None:
    ines = person(demo, "ines", role=Role.icc_team)
    cluster = demo.services.clusters.all()[0]
    with session_scope(demo.engine) as session:
        session.add(TranslationBudget(scope=f"cluster:{cluster.id}", monthly_characters=10_000))
        session.add(TranslationUsage(scope=f"cluster:{cluster.id}", month="2026-12", billed_characters=2_500,
                                     requests=3))
        session.add(TranslationUsage(scope="practices", month="2026-11", billed_characters=700, requests=1))
    await sign_in(demo, browser, ines)
    usage = await browser.get("/desk/usage")
    assert usage.status_code == 200 and cluster.name in usage.text and "(25 %)" in usage.text
    assert "2026-07" in usage.text and "2026-12" in usage.text and "practices" in usage.text
    preview = await demo.services.calendar.broadcasts.prepare(ines, "Happy Migrants Day to every city!",
                                                              language="en")
    demo.services.calendar.broadcasts.confirm(preview.broadcast.id, ines)
    reports = await browser.get("/desk/broadcasts")
    assert reports.status_code == 200 and f"#{preview.broadcast.id}" in reports.text


async def test_signed_out_people_are_sent_to_sign_in(browser: httpx.AsyncClient) -> None:
    for path in ("/desk", "/desk/review", "/desk/usage", "/desk/city/1"):
        answer = await browser.get(path)
        assert answer.status_code == 303 and answer.headers["location"].startswith("/signin?next=")


