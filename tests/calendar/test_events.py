"""/event and /calendar as the network uses them: who may add what, every bad input refused with nothing changed."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.i18n import tn
from bot.models.calendar import CalendarEvent
from bot.wiring import Core
from tests.calendar.conftest import command, person, submit, text_of
from tests.support.clock import MovableClock

GOOD = {"title": "Policy Lab", "kind": "meeting", "start": "2026-04-21 10:00", "end": "2026-04-21 12:30",
        "time_zone": "Europe/Paris", "audience": "all", "place": "Strasbourg", "link": "https://meet.example.org/lab",
        "materials": "https://rm.coe.int/agenda", "rrule": "", "description": "The spring Policy Lab.",
        "language": "en"}


def events(core: Core) -> list[CalendarEvent]:
    return core.services.calendar.events.all_events()


async def test_the_icc_team_adds_an_event_and_coordinators_see_it_next(demo: Core) -> None:
    before = len(events(demo))
    answer = await submit(demo, "ivana", "event", GOOD)
    assert "Event #" in text_of(answer) and "is in the calendar" in text_of(answer)
    assert len(events(demo)) == before + 1
    upcoming = await command(demo, "ana", "calendar", "")
    assert "Policy Lab" in text_of(upcoming) and "terça-feira, 21 de abril de 2026, 09:00 (Europe/Lisbon)" in \
        text_of(upcoming)
    month = await command(demo, "ana", "calendar", "month 2026-04")
    assert "Policy Lab" in text_of(month) and "Dia Internacional do Povo Cigano" in text_of(month)
    ana = demo.services.members.find(person("ana"))
    assert ana is not None
    home = demo.services.home.for_person(ana, "pt")
    [calendar_part] = [block for block in home if block.key == "calendar"]
    assert "Policy Lab" in calendar_part.sections[0].text


async def test_a_cluster_coordinator_runs_their_clusters_events_only(demo: Core) -> None:
    mine = {**GOOD, "audience": "cluster:anti-rumours", "title": "Anti-rumours agents training"}
    assert "está en el calendario" in text_of(await submit(demo, "joan", "event", mine))
    refused = await submit(demo, "joan", "event", {**GOOD, "audience": "all"})
    assert "Solo el equipo ICC" in text_of(refused)
    other = await submit(demo, "joan", "event", {**GOOD, "audience": "cluster:intercultural-competence"})
    assert "Solo el equipo ICC" in text_of(other)
    # A coordinator who coordinates no cluster, and a member, cannot even open the form.
    assert "Só a equipa ICC" in text_of(await command(demo, "ana", "event", "add"))
    assert "Solo il team ICC" in text_of(await command(demo, "giulia", "event", "add"))
    assert [event.title for event in events(demo)][-1] == "Anti-rumours agents training"
    assert "Anti-rumours agents training" in text_of(await command(demo, "joan", "calendar", "cluster anti-rumours"))
    # Nobody edits or cancels what is not theirs; campaign days are not changed here at all.
    icc = events(demo)[0]
    assert "Solo el equipo ICC" in text_of(await command(demo, "joan", "event", f"cancel {icc.id}"))
    assert "Só a equipa ICC" in text_of(await command(demo, "ana", "event", f"cancel {icc.id}"))
    assert "Campaign days come from" in text_of(await command(demo, "ivana", "event", f"cancel {icc.id}"))


@pytest.mark.parametrize(("changes", "field", "words"), [
    ({"start": "2026-02-27 10:00", "end": ""}, "start", "is in the past"),
    ({"start": "2027-02-30 10:00", "end": ""}, "start", "There is no such day"),
    ({"start": "30 February", "end": ""}, "start", "is not a date"),
    ({"start": "2026-03-29 02:30", "end": "", "time_zone": "Europe/Paris"}, "start", "does not exist"),
    ({"start": "2026-10-25 02:30", "end": "", "time_zone": "Europe/Paris"}, "start", "happens twice"),
    ({"time_zone": "Mars/Olympus_Mons"}, "time_zone", "not a time zone"),
    ({"rrule": "FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30"}, "rrule", "never happens"),
    ({"rrule": "FREQ=MINUTELY"}, "rrule", "at most once a day"),
    ({"description": "x" * 4001}, "description", "too long"),
    ({"end": "2026-04-21 09:00"}, "end", "after the start"),
    ({"audience": "cluster:atlantis"}, "audience", "no cluster called"),
    ({"link": "javascript:alert(1)"}, "link", "not a web address"),
    ({"start": "2032-01-01 10:00", "end": ""}, "start", "too far ahead"),
])
async def test_bad_input_gets_a_clear_message_and_changes_nothing(demo: Core, changes: dict[str, str], field: str,
                                                                  words: str) -> None:
    before = len(events(demo))
    answer = await submit(demo, "ivana", "event", {**GOOD, **changes})
    assert field in answer.errors and words in answer.errors[field], answer.errors
    assert len(events(demo)) == before


async def test_a_rule_without_end_is_accepted_and_said_so(demo: Core, clock: MovableClock) -> None:
    answer = await submit(demo, "ivana", "event", {**GOOD, "rrule": "FREQ=MONTHLY;BYDAY=1TU"})
    assert "repeats without end" in text_of(answer)
    clock.set(datetime(2030, 1, 1, tzinfo=UTC))
    later = await command(demo, "ivana", "calendar", "month 2030-02")
    assert "Policy Lab" in text_of(later)


async def test_unknown_or_malformed_event_numbers(demo: Core) -> None:
    assert "There is no event #999" in text_of(await command(demo, "ivana", "event", "show 999"))
    assert "not an event number" in text_of(await command(demo, "ivana", "event", "show abc"))
    assert "not a month" in text_of(await command(demo, "ivana", "calendar", "month 2026-13"))


def test_plurals_follow_each_languages_rule() -> None:
    assert tn("uk", "In {n} day: {title}", "In {n} days: {title}", 14, title="X") == "Через 14 днів: X"
    assert tn("uk", "In {n} day: {title}", "In {n} days: {title}", 2, title="X") == "Через 2 дні: X"
    assert tn("uk", "In {n} day: {title}", "In {n} days: {title}", 21, title="X") == "Через 21 день: X"
