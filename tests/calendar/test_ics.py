"""iCalendar: the feeds read back by `icalendar` and by `recurring-ical-events`, served by the web host; importing a
file reports each rejected event with its line."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import httpx
import recurring_ical_events
from icalendar import Calendar

from bot.wiring import Core, web_app
from tests.calendar.conftest import submit, text_of
from tests.calendar.test_events import GOOD
from tests.core.test_console import run_bot


async def fetch(core: Core, path: str) -> httpx.Response:
    transport = httpx.ASGITransport(app=web_app(core))
    async with httpx.AsyncClient(transport=transport, base_url="http://icc.test") as client:
        return await client.get(path)


async def test_the_public_feed_is_valid_icalendar_with_zones_uids_sequence_and_cancellations(demo: Core) -> None:
    added = await submit(demo, "ivana", "event", {**GOOD, "rrule": "FREQ=WEEKLY;COUNT=3"})
    assert "is in the calendar" in text_of(added)
    event = demo.services.calendar.events.all_events()[-1]
    first = await fetch(demo, "/calendar.ics")
    assert first.status_code == 200 and first.headers["content-type"].startswith("text/calendar")
    document = Calendar.from_ical(first.content)
    assert [tz["TZID"] for tz in document.walk("VTIMEZONE")] == ["Europe/Paris"]
    vevents = {str(v["UID"]): v for v in document.walk("VEVENT")}
    mine = vevents[event.uid]
    assert mine["SEQUENCE"] == 0 and str(mine["STATUS"]) == "CONFIRMED"
    assert mine.decoded("DTSTART") == datetime(2026, 4, 21, 10, 0, tzinfo=mine.decoded("DTSTART").tzinfo)
    assert mine["DTSTART"].params["TZID"] == "Europe/Paris"
    migrants = vevents["campaign-day-international-migrants-day@icc-bot"]
    assert migrants.decoded("DTSTART") == date(2021, 12, 18) and "FREQ=YEARLY" in migrants["RRULE"].to_ical().decode()
    # A second parser expands the repetitions: three Policy Labs, 10:00 Paris time, across nothing odd.
    labs = recurring_ical_events.of(Calendar.from_ical(first.content)).between(date(2026, 4, 1), date(2026, 6, 1))
    starts = sorted(o.decoded("DTSTART").astimezone(UTC) for o in labs if str(o["SUMMARY"]) == "Policy Lab")
    assert starts == [datetime(2026, 4, d, 8, 0, tzinfo=UTC) for d in (21, 28)] + [datetime(2026, 5, 5, 8, 0,
                                                                                             tzinfo=UTC)]
    # Cancelling keeps the UID, raises SEQUENCE and marks it CANCELLED; the French feed speaks French.
    await submit(demo, "ivana", "event", {**GOOD, "title": "Policy Lab (spring)"}, state=str(event.id))
    demo.services.calendar.cancel_event(event.id or 0, actor=None)
    again = Calendar.from_ical((await fetch(demo, "/calendar.ics?lang=fr")).content)
    mine = {str(v["UID"]): v for v in again.walk("VEVENT")}[event.uid]
    assert mine["SEQUENCE"] == 2 and str(mine["STATUS"]) == "CANCELLED"
    migrants = {str(v["UID"]): v for v in again.walk("VEVENT")}["campaign-day-international-migrants-day@icc-bot"]
    assert str(migrants["SUMMARY"]) == "Journée internationale des migrants"


async def test_cluster_and_city_feeds(demo: Core) -> None:
    await submit(demo, "joan", "event", {**GOOD, "title": "Anti-rumours school", "audience": "cluster:anti-rumours"})
    cluster = Calendar.from_ical((await fetch(demo, "/calendar/cluster/anti-rumours.ics")).content)
    assert [str(v["SUMMARY"]) for v in cluster.walk("VEVENT")] == ["Anti-rumours school"]
    lisbon = Calendar.from_ical((await fetch(demo, "/calendar/city/Lisbon.ics")).content)
    assert "Anti-rumours school" in [str(v["SUMMARY"]) for v in lisbon.walk("VEVENT")]
    paris = Calendar.from_ical((await fetch(demo, "/calendar/city/Paris.ics")).content)
    assert "Anti-rumours school" not in [str(v["SUMMARY"]) for v in paris.walk("VEVENT")]
    assert (await fetch(demo, "/calendar/cluster/atlantis.ics")).status_code == 404
    assert (await fetch(demo, "/calendar/city/Atlantis.ics")).status_code == 404


BROKEN = """BEGIN:VCALENDAR
VERSION:2.0
PRODID:-//Test//EN
BEGIN:VEVENT
UID:good-1@example.org
DTSTART;TZID=Europe/Lisbon:20270321T100000
DTEND;TZID=Europe/Lisbon:20270321T120000
SUMMARY:Lisbon study visit
CATEGORIES:study-visit
END:VEVENT
BEGIN:VEVENT
UID:bad-date@example.org
DTSTART:2027-13-45
SUMMARY:Broken date
END:VEVENT
BEGIN:VEVENT
UID:broken-line@example.org
DTSTART;VALUE=DATE:20270401
SUMMARY:Broken line
this line is not a property
END:VEVENT
BEGIN:VEVENT
UID:huge@example.org
DTSTART;VALUE=DATE:20270402
SUMMARY:Huge
DESCRIPTION:{huge}
END:VEVENT
BEGIN:VEVENT
UID:never@example.org
DTSTART;VALUE=DATE:20270403
RRULE:FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30
SUMMARY:Never
END:VEVENT
END:VCALENDAR
""".replace("{huge}", "x" * 5000).replace("\n", "\r\n")


def test_import_reports_each_rejected_event_and_writes_nothing_unless_partial(database_url: str,
                                                                              tmp_path: Path) -> None:
    path = tmp_path / "agenda.ics"
    path.write_text(BROKEN, encoding="utf-8")
    refused = run_bot(["calendar", "import", str(path)], database_url, tmp_path)
    assert refused.returncode == 1, refused.stdout + refused.stderr
    assert "0 imported, 0 updated, 4 rejected" in refused.stdout
    table = " ".join(refused.stderr.split())
    for row in ("11 │ Broken date │ A line of this event is broken (DTSTART)", "16 │ Broken line │ A line of this",
                "22 │ Huge │ The description is too long", "28 │ Never │ This repetition rule never happens"):
        assert row in table, refused.stderr
    partial = run_bot(["calendar", "import", str(path), "--partial"], database_url, tmp_path)
    assert partial.returncode == 0 and "1 imported" in partial.stdout
    again = run_bot(["calendar", "import", str(path), "--partial"], database_url, tmp_path)
    assert "0 imported, 0 updated, 4 rejected, 1 already there" in again.stdout
    exported = run_bot(["calendar", "export"], database_url, tmp_path)
    assert "UID:good-1@example.org" in exported.stdout and "SUMMARY:Lisbon study visit" in exported.stdout
    path.write_text("this is not a calendar", encoding="utf-8")
    refused = run_bot(["calendar", "import", str(path)], database_url, tmp_path)
    assert refused.returncode == 1 and "not an iCalendar file" in refused.stderr


def test_ten_thousand_events_import_in_one_go(core: Core) -> None:
    from bot.services.calendar.ics_in import import_calendar

    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//Test//EN"]
    for n in range(10_000):
        lines += ["BEGIN:VEVENT", f"UID:e{n}@example.org", f"DTSTART;VALUE=DATE:2027{1 + n % 12:02d}{1 + n % 28:02d}",
                  f"SUMMARY:Event {n}", "END:VEVENT"]
    lines.append("END:VCALENDAR")
    report = import_calendar(core.services.calendar, "\r\n".join(lines).encode())
    assert (report.imported, report.rejected) == (10_000, [])
    assert len(core.services.calendar.events.all_events()) == 10_000
