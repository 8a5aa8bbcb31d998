"""The public pages: practices searched and paged like `/practices search`, a practice's own page, the
calendar, clusters and cities, in the reader's language, and bad input answered with a clear page."""

from __future__ import annotations

import csv
import io
import json
import xml.etree.ElementTree as ET

import httpx
import pytest

from bot.wiring import Core

pytestmark = pytest.mark.asyncio


async def test_search_finds_what_the_chat_search_finds(browser: httpx.AsyncClient, demo: Core) -> None:
    page = await browser.get("/practices", params={"q": "antirumores"})
    assert page.status_code == 200
    chat = demo.services.practices.search(words="antirumores", language="en")
    assert chat.hits and all(f'href="/practices/{hit.id}"' in page.text for hit in chat.hits)


async def test_filters_by_theme_city_and_cluster(browser: httpx.AsyncClient, demo: Core) -> None:
    barcelona = demo.services.cities.find("Barcelona")
    assert barcelona is not None
    by_city = await browser.get("/practices", params={"city": str(barcelona.id)})
    assert "Barcelona" in by_city.text and "Lisbon" not in by_city.text.split("<main")[1].split("</form>")[1]
    by_theme = await browser.get("/practices", params={"theme": "anti-rumours"})
    assert by_theme.status_code == 200
    for cluster in demo.services.clusters.all():
        answer = await browser.get("/practices", params={"cluster": cluster.slug})
        assert answer.status_code == 200
    unknown = await browser.get("/practices", params={"cluster": "no-such-cluster"})
    assert unknown.status_code == 400 and "no-such-cluster" in unknown.text


async def test_a_cluster_keeps_to_its_cities_on_the_service(demo: Core) -> None:
    barcelona, lisbon = demo.services.cities.find("Barcelona"), demo.services.cities.find("Lisbon")
    assert barcelona and lisbon and barcelona.id and lisbon.id
    only = demo.services.practices.search(words="", cities=[barcelona.id])
    assert only.hits and {hit.city for hit in only.hits} == {"Barcelona"}
    both = demo.services.practices.search(words="", cities=[barcelona.id, lisbon.id])
    assert {hit.city for hit in both.hits} == {"Barcelona", "Lisbon"}
    worded = demo.services.practices.search(words="migrantes", cities=[barcelona.id, lisbon.id])
    assert {hit.city for hit in worded.hits} <= {"Barcelona", "Lisbon"}
    assert demo.services.practices.search(words="", cities=[]).hits == []


@pytest.mark.parametrize("words", ['"migr* OR 1=1', "'; DROP TABLE practice; --", "<script>alert(1)</script>",
                                   "NEAR(a b) AND title:x", "\u0000\u202e", "🙂" * 50])
async def test_hostile_search_words_are_plain_text(browser: httpx.AsyncClient, words: str) -> None:
    page = await browser.get("/practices", params={"q": words})
    assert page.status_code == 200
    assert "<script>alert(1)</script>" not in page.text


async def test_a_page_number_far_away_is_a_clear_page(browser: httpx.AsyncClient) -> None:
    for number in ("1000000000", "99999999999999999999999", "-3", "abc"):
        page = await browser.get("/practices", params={"page": number})
        assert page.status_code == 200
    far = await browser.get("/practices", params={"page": "1000000000", "q": "city"})
    assert "1000000000" in far.text and "Back to the first page" in far.text


async def test_a_practice_page_has_its_translations_and_permanent_link(browser: httpx.AsyncClient,
                                                                         demo: Core) -> None:
    hit = demo.services.practices.search(words="antirumores").hits[0]
    demo.services.practices.add_translation(practice_id=hit.id, language="fr", title="Réseau anti-rumeurs",
                                            summary="Des agents anti-rumeurs démontent les stéréotypes.")
    page = await browser.get(f"/practices/{hit.id}", headers={"Accept-Language": "fr"})
    assert page.status_code == 200
    assert '<html lang="fr" dir="ltr">' in page.text
    assert "Réseau anti-rumeurs" in page.text and 'lang="fr"' in page.text
    assert f"https://icc.example.org/practices/{hit.id}" in page.text
    assert "@media print" in (await browser.get("/static/site.css")).text


async def test_unknown_or_unpublished_practices_are_not_found(browser: httpx.AsyncClient, demo: Core) -> None:
    waiting = demo.services.practices.search(words="", status=None, limit=50)
    unpublished = [card for card in waiting.hits if card.status != "published"]
    assert unpublished
    for path in ("/practices/999999", "/practices/abc", "/practices/0", f"/practices/{unpublished[0].id}",
                 "/nothing/here", "/practices/1%00"):
        page = await browser.get(path, headers={"Accept-Language": "de"})
        assert page.status_code == 404, path
        assert "Seite nicht gefunden" in page.text and "Traceback" not in page.text


async def test_the_reader_language_is_remembered_else_negotiated(browser: httpx.AsyncClient) -> None:
    assert '<html lang="uk"' in (await browser.get("/", headers={"Accept-Language": "uk-UA,uk;q=0.9"})).text
    assert '<html lang="es"' in (await browser.get("/", headers={"Accept-Language": "xx;q=1, es;q=0.5"})).text
    for garbage in ("%%%;q=abc,,;;", "*", "fr;q=2", "a" * 5000, "de;q=0"):
        answer = await browser.get("/", headers={"Accept-Language": garbage})
        assert answer.status_code == 200 and '<html lang="en"' in answer.text, garbage
    chosen = await browser.get("/language/it", params={"next": "/calendar"})
    assert chosen.status_code == 303 and chosen.headers["location"] == "/calendar"
    assert "HttpOnly" in chosen.headers["set-cookie"] and "Secure" in chosen.headers["set-cookie"]
    assert '<html lang="it"' in (await browser.get("/", headers={"Accept-Language": "de"})).text
    away = await browser.get("/language/fr", params={"next": "//evil.example/"})
    assert away.headers["location"] == "/"


async def test_open_data_lists(browser: httpx.AsyncClient) -> None:
    atom = await browser.get("/practices.atom", params={"lang": "fr"})
    assert atom.headers["content-type"].startswith("application/atom+xml")
    feed = ET.fromstring(atom.content)
    entries = feed.findall("{http://www.w3.org/2005/Atom}entry")
    assert entries and all(entry.find("{http://www.w3.org/2005/Atom}id") is not None for entry in entries)
    rows = list(csv.DictReader(io.StringIO((await browser.get("/practices.csv")).text)))
    data = json.loads((await browser.get("/practices.json")).text)
    assert len(rows) == len(data["practices"]) == len(entries)
    assert rows[0]["url"].startswith("https://icc.example.org/practices/")


async def test_calendar_month_list_and_event_files(browser: httpx.AsyncClient, demo: Core) -> None:
    month = await browser.get("/calendar", params={"month": "2026-12"})
    assert month.status_code == 200 and "<table" in month.text and "/calendar.ics" in month.text
    listed = await browser.get("/calendar", params={"view": "list"})
    assert listed.status_code == 200
    event = next(e for e in demo.services.calendar.events.all_events() if not e.audience.startswith("role:"))
    ics = await browser.get(f"/calendar/event/{event.id}.ics")
    assert ics.status_code == 200 and ics.text.startswith("BEGIN:VCALENDAR") and event.uid in ics.text
    for bad in ("/calendar?month=99999-99", "/calendar?month=1-1", "/calendar?month=%00"):
        assert (await browser.get(bad)).status_code == 200
    assert (await browser.get("/calendar/event/424242.ics")).status_code == 404


async def test_internal_events_stay_off_the_public_calendar(browser: httpx.AsyncClient, demo: Core) -> None:
    internal = demo.services.calendar.add_event(
        {"title": "Team retreat", "start": "2026-12-15 10:00", "audience": "role:icc_team"}, actor=None,
        language="en")
    page = await browser.get("/calendar", params={"month": "2026-12"})
    assert "Team retreat" not in page.text
    assert (await browser.get(f"/calendar/event/{internal.id}.ics")).status_code == 404


async def test_clusters_and_city_profiles_show_nobody_personal(browser: httpx.AsyncClient, demo: Core) -> None:
    from bot.db import session_scope
    from bot.models import City

    directory = await browser.get("/clusters")
    assert directory.status_code == 200
    cluster = demo.services.clusters.all()[0]
    assert (await browser.get(f"/clusters/{cluster.slug}")).status_code == 200
    assert (await browser.get("/clusters/nope")).status_code == 404
    city = demo.services.cities.find("Barcelona")
    assert city is not None
    with session_scope(demo.engine) as session:
        row = session.get(City, city.id)
        assert row is not None
        row.contact = "maria.private@example.org"
        row.mission = "Living together in diversity."
        session.add(row)
    page = await browser.get(f"/cities/{city.id}")
    assert page.status_code == 200 and "Living together in diversity." in page.text
    assert "maria.private@example.org" not in page.text
    for member in ("alice", "bob"):
        assert member not in page.text.lower()
    assert (await browser.get("/cities/0")).status_code == 404


async def test_every_answer_has_security_headers(browser: httpx.AsyncClient) -> None:
    for path in ("/", "/practices", "/nope", "/healthz"):
        answer = await browser.get(path)
        assert "set-cookie" not in answer.headers  # reading sets no cookie
        assert "default-src 'none'" in answer.headers["content-security-policy"]
        assert answer.headers["x-content-type-options"] == "nosniff"
        assert answer.headers["x-frame-options"] == "DENY"
