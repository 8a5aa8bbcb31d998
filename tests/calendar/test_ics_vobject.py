"""The feed read by a second, independent parser (`vobject`, which builds its time zones from the feed's own
VTIMEZONE blocks and expands RRULEs itself), and the wire rules calendar apps are strict about."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import vobject

from bot.services.calendar.ics_zones import vtimezone
from bot.wiring import Core
from tests.calendar.conftest import submit
from tests.calendar.test_events import GOOD
from tests.calendar.test_ics import fetch

#: A weekly meeting in Kyiv across the spring change (29 March 2026): 10:00 local, 08:00 UTC then 07:00 UTC.
KYIV = {**GOOD, "title": "Kyiv coordinators' call", "start": "2026-03-19 10:00", "end": "2026-03-19 11:00",
        "time_zone": "Europe/Kyiv", "rrule": "FREQ=WEEKLY;COUNT=4"}


async def test_a_second_parser_reads_the_same_events_zones_and_repetitions(demo: Core) -> None:
    await submit(demo, "ivana", "event", KYIV)
    await submit(demo, "ivana", "event", {**GOOD, "title": "Montreal study visit", "start": "2026-03-06 09:00",
                                          "end": "2026-03-06 17:00", "time_zone": "America/Montreal",
                                          "rrule": "FREQ=WEEKLY;COUNT=2"})
    feed = (await fetch(demo, "/calendar.ics")).content
    calendar = vobject.readOne(feed.decode("utf-8"))
    events = {str(v.uid.value): v for v in calendar.vevent_list}
    ours = {event.uid: event for event in demo.services.calendar.events.all_events()}
    assert set(events) == set(ours)
    zones = {str(tz.tzid.value) for tz in calendar.vtimezone_list}
    assert {"Europe/Kyiv", "America/Montreal"} <= zones

    kyiv = next(v for v in events.values() if v.summary.value == KYIV["title"])
    starts = [moment.astimezone(UTC) for moment in kyiv.getrruleset(addRDate=True)]
    assert starts == [datetime(2026, 3, 19, 8, tzinfo=UTC), datetime(2026, 3, 26, 8, tzinfo=UTC),
                      datetime(2026, 4, 2, 7, tzinfo=UTC), datetime(2026, 4, 9, 7, tzinfo=UTC)]
    montreal = next(v for v in events.values() if v.summary.value == "Montreal study visit")
    assert [m.astimezone(UTC) for m in montreal.getrruleset(addRDate=True)] == [
        datetime(2026, 3, 6, 14, tzinfo=UTC), datetime(2026, 3, 13, 13, tzinfo=UTC)]  # 09:00 EST, then EDT

    # The bot's own expansion agrees with the parser's, occurrence for occurrence.
    mine = demo.services.calendar.events.happenings(datetime(2026, 3, 1, tzinfo=UTC),
                                                    datetime(2026, 5, 1, tzinfo=UTC), limit=100)
    assert [h.occurrence.start for h in mine if h.event.title == KYIV["title"]] == starts
    migrants = events["campaign-day-international-migrants-day@icc-bot"]
    assert migrants.dtstart.value == date(2021, 12, 18)  # all day: a date, no zone


async def test_the_feed_keeps_the_wire_rules_calendar_apps_are_strict_about(demo: Core) -> None:
    await submit(demo, "ivana", "event", {**GOOD, "description": "Agenda: " + "é" * 3000})
    feed = (await fetch(demo, "/calendar.ics")).content
    lines = feed.split(b"\r\n")
    assert feed.endswith(b"\r\n") and b"\n" not in feed.replace(b"\r\n", b"")  # CRLF only
    assert all(len(line) <= 75 for line in lines)  # folded at 75 octets, never inside a UTF-8 character
    feed.decode("utf-8")
    assert lines[0] == b"BEGIN:VCALENDAR" and b"VERSION:2.0" in lines and b"PRODID:" in feed
    assert feed.count(b"BEGIN:VEVENT") == feed.count(b"DTSTAMP:")  # every event stamped
    unfolded = vobject.readOne(feed.decode("utf-8"))
    [agenda] = [v for v in unfolded.vevent_list if v.summary.value == "Policy Lab"]
    assert agenda.description.value == "Agenda: " + "é" * 3000


@pytest.mark.parametrize("name", ["Europe/Lisbon", "Europe/Kyiv", "America/Montreal", "Asia/Tokyo", "Europe/Dublin",
                                  "Australia/Sydney", "America/Santiago", "Africa/Casablanca", "Asia/Tehran"])
def test_each_zone_written_gives_the_offsets_of_the_zone_itself(name: str) -> None:
    zone = vtimezone(name, date(2026, 1, 1))
    text = zone.to_ical().decode()
    regular = "RDATE" not in text
    if name in ("Europe/Lisbon", "Europe/Kyiv", "America/Montreal", "Australia/Sydney"):
        assert regular and text.count("RRULE:FREQ=YEARLY") == 2
    parsed = [zone.to_tz()]  # icalendar's own reading
    if regular:  # dateutil's (through vobject), which cannot read RDATE
        document = vobject.readOne(f"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//t\r\n{text}END:VCALENDAR\r\n")
        parsed.append(document.vtimezone.gettzinfo())
    tz = ZoneInfo(name)
    moment = datetime(2026, 1, 1, 0, 30)
    while moment < datetime(2029, 1, 1):
        here = moment.replace(tzinfo=tz)
        if here.utcoffset() != here.replace(fold=1).utcoffset():  # skipped or repeated: apps differ, rightly
            moment += timedelta(hours=5)
            continue
        for reading in parsed:
            assert moment.replace(tzinfo=reading).utcoffset() == moment.replace(tzinfo=tz).utcoffset(), (name, moment)
        moment += timedelta(hours=5)
