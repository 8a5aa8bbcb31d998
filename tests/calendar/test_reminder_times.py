"""Reminder times at their edges: zones, DST gaps and repeats, rule limits and ends, the window an occurrence
overlaps, what `/remind` reads, and when the schedule plans, hands over, calls late or missed (each test kills
mutants of recurrence.py, when.py or schedule.py that the scenario tests miss)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from bot.errors import UserError
from bot.i18n import t
from bot.messages import Identity
from bot.models.calendar import NoticeKind, NoticeState
from bot.services.calendar import schedule as schedule_module
from bot.services.calendar.recurrence import (
    Occurrence,
    Timing,
    ambiguous,
    check_local_time,
    exists,
    parse_rule,
    to_local,
    to_utc,
    zone,
)
from bot.services.calendar.schedule import first_working_day
from bot.services.calendar.when import parse_when
from bot.wiring import Core
from tests.calendar.conftest import START
from tests.support.clock import MovableClock

LISBON = zone("Europe/Lisbon")
KYIV = zone("Europe/Kyiv")
SPRING_GAP = datetime(2026, 3, 29, 1, 30)  # Lisbon: 01:00 -> 02:00
AUTUMN_TWICE = datetime(2026, 10, 25, 1, 30)  # Lisbon: 02:00 -> 01:00


def refusal(call: object, *args: object, **kwargs: object) -> UserError:
    """The refusal `call` raises; it must be a catalogued message (its French differs from its English)."""
    with pytest.raises(UserError) as refused:
        call(*args, **kwargs)  # type: ignore[operator]
    error = refused.value
    assert t("fr", error.msgid, **error.params) != t("en", error.msgid, **error.params), error.msgid
    return error


# ------------------------------------------------------------------ zones and local times


def test_zone_names_are_trimmed_and_paths_refused() -> None:
    assert zone(" Europe/Lisbon ").key == "Europe/Lisbon"
    for name in ("/etc/localtime", "./Europe/Lisbon", "Europe/../Lisbon", None):
        refused = refusal(zone, name, field="tz")
        assert refused.field == "tz" and "not a time zone" in refused.msgid
    assert refusal(zone, "x" * 100).params["value"] == "x" * 60
    assert refusal(zone, "Nowhere/City").field == "time_zone"
    assert refusal(zone, None).params == {"value": ""}  # type: ignore[arg-type]


def test_times_that_do_not_exist_or_happen_twice() -> None:
    assert not exists(SPRING_GAP, LISBON) and exists(SPRING_GAP + timedelta(hours=1), LISBON)
    assert exists(AUTUMN_TWICE, LISBON) and ambiguous(AUTUMN_TWICE, LISBON)
    assert not ambiguous(AUTUMN_TWICE + timedelta(hours=1), LISBON) and not ambiguous(SPRING_GAP, KYIV)
    gap = refusal(check_local_time, SPRING_GAP, LISBON, field="when")
    assert gap.field == "when" and gap.params == {"value": "2026-03-29 01:30", "zone": "Europe/Lisbon"}
    twice = refusal(check_local_time, AUTUMN_TWICE, LISBON)
    assert twice.field == "start" and "happens twice" in twice.msgid
    assert twice.params == {"value": "2026-10-25 01:30", "zone": "Europe/Lisbon"}
    check_local_time(datetime(2026, 3, 29, 2, 0), LISBON)


def test_a_repeated_time_is_the_first_of_the_two_and_back_again() -> None:
    assert to_utc(AUTUMN_TWICE, LISBON) == datetime(2026, 10, 25, 0, 30, tzinfo=UTC)
    assert to_local(datetime(2026, 10, 25, 1, 30, tzinfo=UTC), LISBON) == AUTUMN_TWICE
    assert to_local(datetime(2026, 7, 1, 12, tzinfo=UTC), KYIV) == datetime(2026, 7, 1, 15)


# ------------------------------------------------------------------ rules


def test_a_rule_is_read_whatever_its_case_and_prefix() -> None:
    start = datetime(2026, 4, 6, 9)
    rule = parse_rule("rrule:  freq=weekly;until=20260420", start, LISBON)
    assert rule is not None and rule.text == "FREQ=WEEKLY;UNTIL=20260420" and rule.ends
    timing = Timing(start, timedelta(hours=1), LISBON, False, rule)
    days = [o.day for o in timing.between(datetime(2026, 1, 1, tzinfo=UTC), datetime(2027, 1, 1, tzinfo=UTC))]
    assert days == [date(2026, 4, 6), date(2026, 4, 13), date(2026, 4, 20)]  # a date-only UNTIL: all that day
    assert parse_rule("RRULE:", start, LISBON) is None and parse_rule("   ", start, LISBON) is None
    assert parse_rule(None, start, LISBON) is None  # type: ignore[arg-type]
    plain = parse_rule("RRULE:FREQ=DAILY;COUNT=2", start, LISBON)
    assert plain is not None and plain.text == "FREQ=DAILY;COUNT=2"


@pytest.mark.parametrize(("text", "words"), [
    ("FREQ=SOMETIMES", "not a repetition rule"),
    ("BYDAY=MO", "not a repetition rule"),
    ("X-NAME=1\nFREQ=DAILY", "not a repetition rule"),
    ("FREQ=HOURLY", "at most once a day"),
    ("FREQ=DAILY EXDATE:20260407T090000", "not a repetition rule"),  # a set of rules, not one rule
    ("FREQ=DAILY RRULE:FREQ=WEEKLY", "not a repetition rule"),
    ("FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30", "never happens"),
    ("FREQ=DAILY;UNTIL=20261301", "not a repetition rule"),
    ("FREQ=WEEKLY;BYDAY=MO" + ",MO" * 161, "too long"),
])
def test_a_rule_refused_says_so_in_the_person_s_language_about_the_rule(text: str, words: str) -> None:
    refused = refusal(parse_rule, text, datetime(2026, 4, 6, 9), LISBON)
    assert refused.field == "rrule" and words in refused.msgid
    if "{value}" in refused.msgid:
        assert refused.params["value"] == " ".join(text.split())[:80]  # lines and runs of blanks: one space


def test_a_long_rule_that_is_not_understood_is_quoted_in_part() -> None:
    text = "FREQ=DAILY;" + "X" * 100
    assert refusal(parse_rule, text, datetime(2026, 4, 6, 9), LISBON).params["value"] == text[:80]
    until = "FREQ=DAILY;UNTIL=2026T;" + "Y" * 100
    assert refusal(parse_rule, until, datetime(2026, 4, 6, 9), LISBON).params["value"] == until[:80]


def test_at_most_a_thousand_occurrences_are_looked_at_unless_said() -> None:
    start = datetime(2026, 4, 6, 9)
    daily = Timing(start, timedelta(hours=1), LISBON, False, parse_rule("FREQ=DAILY", start, LISBON))
    assert len(list(daily.between(START, START + timedelta(days=1500)))) == 1000


def test_a_local_until_with_a_time() -> None:
    start = datetime(2026, 4, 6, 9)
    rule = parse_rule("FREQ=DAILY;UNTIL=20260408T090000", start, LISBON)
    assert rule is not None and rule.ends and rule.rule.count() == 3
    rule = parse_rule("FREQ=DAILY;UNTIL=20260408T085959", start, LISBON)
    assert rule is not None and rule.rule.count() == 2
    refused = refusal(parse_rule, "FREQ=DAILY;UNTIL=2026T", start, LISBON)
    assert refused.field == "rrule" and refused.params["value"] == "FREQ=DAILY;UNTIL=2026T"


def test_rule_length_and_count_limits_are_inclusive() -> None:
    start = datetime(2026, 4, 6, 9)
    longest = "FREQ=WEEKLY;BYDAY=MO" + ",MO" * 160
    assert len(longest) == 500 and parse_rule(longest, start, LISBON) is not None
    assert "too long" in refusal(parse_rule, longest + ",MO", start, LISBON).msgid
    once = parse_rule("FREQ=DAILY;COUNT=1", start, LISBON)  # its only occurrence is the start itself
    assert once is not None and once.rule.count() == 1
    counted = parse_rule("FREQ=DAILY;COUNT=1000", start, LISBON)
    assert counted is not None and counted.ends
    refused = refusal(parse_rule, "FREQ=DAILY;COUNT=1001", start, LISBON)
    assert refused.field == "rrule" and refused.params["limit"] == 1000
    for text in ("FREQ=DAILY", "FREQ=WEEKLY", "FREQ=MONTHLY", "FREQ=YEARLY"):
        found = parse_rule(text, start, LISBON)
        assert found is not None and not found.ends


def test_the_first_and_last_moments_of_an_event() -> None:
    start = datetime(2026, 4, 6, 9)
    hour = timedelta(hours=1)
    single = Timing(start, hour, LISBON, False, None)
    assert single.first_and_last() == (datetime(2026, 4, 6, 8, tzinfo=UTC), datetime(2026, 4, 6, 9, tzinfo=UTC))
    counted = Timing(start, hour, LISBON, False, parse_rule("FREQ=WEEKLY;COUNT=3", start, LISBON))
    assert counted.first_and_last()[1] == datetime(2026, 4, 20, 9, tzinfo=UTC)
    until = Timing(start, hour, LISBON, False, parse_rule("FREQ=WEEKLY;UNTIL=20260420T120000", start, LISBON))
    assert until.first_and_last()[1] == datetime(2026, 4, 20, 12, tzinfo=UTC)


def test_an_occurrence_counts_when_it_overlaps_the_window() -> None:
    start = datetime(2026, 4, 6, 9)  # 08:00 to 10:00 UTC
    timing = Timing(start, timedelta(hours=2), LISBON, False, None)

    def found(low: datetime, high: datetime) -> list[Occurrence]:
        return list(timing.between(low.replace(tzinfo=UTC), high.replace(tzinfo=UTC)))

    assert len(found(datetime(2026, 4, 6, 9), datetime(2026, 4, 6, 9, 30))) == 1  # under way
    assert found(datetime(2026, 4, 6, 10), datetime(2026, 4, 6, 11)) == []  # ended as the window opens
    assert found(datetime(2026, 4, 6, 6), datetime(2026, 4, 6, 8)) == []  # starts as the window closes
    [occurrence] = found(datetime(2026, 4, 6, 7), datetime(2026, 4, 6, 8, 1))
    assert occurrence.local_start == start and occurrence.day == date(2026, 4, 6) and not occurrence.all_day
    assert occurrence.end - occurrence.start == timedelta(hours=2)
    daily = Timing(start, timedelta(hours=30), LISBON, True, parse_rule("FREQ=DAILY", start, LISBON))
    # Each lasts 30 hours: the one of the day before is still under way at noon.
    days = [o.day for o in daily.between(datetime(2026, 4, 10, 11, tzinfo=UTC), datetime(2026, 4, 10, 12, tzinfo=UTC))]
    assert days == [date(2026, 4, 9), date(2026, 4, 10)]
    assert all(o.all_day for o in daily.between(START, START + timedelta(days=40), limit=3))
    assert len(list(daily.between(START, START + timedelta(days=400), limit=3))) == 3


# ------------------------------------------------------------------ what /remind reads


def when(text: str, locale: str = "en", now: datetime = START) -> tuple[datetime, str]:
    found = parse_when(text, locale=locale, tz=LISBON, now=now)
    assert found.moment.tzinfo is UTC
    return found.moment, found.what


def test_hours_written_with_an_h() -> None:
    assert when("tomorrow 9h30 call") == (datetime(2026, 3, 2, 9, 30, tzinfo=UTC), "call")
    assert when("tomorrow 14h call") == (datetime(2026, 3, 2, 14, 0, tzinfo=UTC), "call")
    assert when("tomorrow 9H05 call")[0] == datetime(2026, 3, 2, 9, 5, tzinfo=UTC)


def test_a_bare_number_is_not_a_time_but_a_day_is_nine_o_clock() -> None:
    assert "did not understand" in refusal(parse_when, "5 apples", locale="en", tz=LISBON, now=START).msgid
    assert "did not understand" in refusal(parse_when, "12.3 apples", locale="en", tz=LISBON, now=START).msgid
    assert when("2026-03-02 call") == (datetime(2026, 3, 2, 9, 0, tzinfo=UTC), "call")
    no_day = refusal(parse_when, "2026-02-30 call", locale="en", tz=LISBON, now=START)
    assert "no such day" in no_day.msgid and no_day.params == {"value": "2026-02-30"}
    assert when("2026-07-02 call")[0] == datetime(2026, 7, 2, 8, 0, tzinfo=UTC)  # 09:00 summer time


def test_the_soonest_and_the_furthest() -> None:
    assert when("in 1 minute go")[0] == START + timedelta(minutes=1)
    refused = refusal(parse_when, "in 30 seconds go", locale="en", tz=LISBON, now=START)
    assert "in the past" in refused.msgid and refused.params["value"] == "2026-03-01 08:00"
    assert when("in 366 days go")[0] == START + timedelta(days=366)
    assert "too far" in refusal(parse_when, "in 367 days go", locale="en", tz=LISBON, now=START).msgid


def test_the_reminder_text_has_a_limit_and_whitespace_is_tidied() -> None:
    assert when("tomorrow   9:00\n call   Joan ") == (datetime(2026, 3, 2, 9, 0, tzinfo=UTC), "call Joan")
    assert when("tomorrow 9:00 " + "x" * 1000)[1] == "x" * 1000
    refused = refusal(parse_when, "tomorrow 9:00 " + "x" * 1001, locale="en", tz=LISBON, now=START)
    assert "too long" in refused.msgid and refused.params["limit"] == 1000
    assert "Say when" in refusal(parse_when, "", locale="en", tz=LISBON, now=START).msgid
    assert "Say when" in refusal(parse_when, "  tomorrow  ", locale="en", tz=LISBON, now=START).msgid


def test_the_when_is_at_most_six_words_and_english_is_understood_in_every_language() -> None:
    # The when is the longest run of at most six first words that reads as a time; a time after six words is
    # not looked for.
    assert when("tomorrow at 10:00 call Joan") == (datetime(2026, 3, 2, 10, 0, tzinfo=UTC), "call Joan")
    assert when("tomorrow 10:00 call", locale="pt") == (datetime(2026, 3, 2, 10, 0, tzinfo=UTC), "call")
    # Seven words: only the first six are read as the when (midnight), the time is left in the text.
    assert when("on the 2nd of march at 10:00 call") == (datetime(2026, 3, 2, 0, 0, tzinfo=UTC), "10:00 call")


def test_a_time_alone_is_today_and_only_the_person_s_language_and_english_are_read() -> None:
    assert when("10:00 call") == (datetime(2026, 3, 1, 10, 0, tzinfo=UTC), "call")
    # "mai" is May in French and "morgen" tomorrow in German: neither is English.
    for text in ("mai 9:00 call", "morgen 9:00 call"):
        assert "did not understand" in refusal(parse_when, text, locale="en", tz=LISBON, now=START).msgid
    assert when("mai 9:00 appeler", locale="fr") == (datetime(2026, 5, 1, 8, 0, tzinfo=UTC), "appeler")
    assert "did not understand" in refusal(parse_when, "morgen 9:00 x", locale="fr", tz=LISBON, now=START).msgid


def test_the_last_word_is_always_what_to_be_reminded_of() -> None:
    assert when("tomorrow 9:00") == (datetime(2026, 3, 2, 8, 0, tzinfo=UTC), "9:00")


def test_relative_times_count_from_the_person_s_own_clock() -> None:
    tokyo = zone("Asia/Tokyo")  # 17:00 there when it is 08:00 UTC
    found = parse_when("in 2 hours call", locale="en", tz=tokyo, now=START)
    assert (found.moment, found.what) == (START + timedelta(hours=2), "call")


def test_a_reminder_in_a_dst_gap_or_repeat_is_refused() -> None:
    refused = refusal(parse_when, "2026-10-25 01:30 call", locale="en", tz=LISBON, now=START)
    assert refused.field == "when" and "happens twice" in refused.msgid


# ------------------------------------------------------------------ the schedule


def test_the_first_working_day_of_a_month() -> None:
    assert first_working_day(2026, 3) == date(2026, 3, 2)  # 1 March is a Sunday
    assert first_working_day(2026, 8) == date(2026, 8, 3)  # 1 August is a Saturday
    assert first_working_day(2026, 4) == date(2026, 4, 1)  # a Wednesday
    assert first_working_day(2026, 5) == date(2026, 5, 1)  # a Friday
    assert schedule_module._month_after(date(2026, 12, 1)) == date(2027, 1, 1)
    assert schedule_module._month_after(date(2026, 1, 1)) == date(2026, 2, 1)


def member(core: Core, name: str = "ana") -> int:
    found = core.services.members.find(Identity("console", "local", name))
    assert found is not None and found.id is not None
    return found.id


def remind(core: Core, due: datetime, text: str = "call", member_id: int | None = None) -> None:
    core.services.calendar.schedule.remind(member_id=member_id or member(core), direct=True, text=text, locale="en",
                                           target=Identity("console", "local", "ana"), due=due)


def test_at_most_fifty_reminders_wait_for_one_person(demo: Core) -> None:
    for n in range(50):
        remind(demo, START + timedelta(days=1, minutes=n))
    refused = refusal(remind, demo, START + timedelta(days=2))
    assert refused.params["n"] == 50
    remind(demo, START + timedelta(days=2), member_id=member(demo, "olena"))  # someone else still can
    assert len(demo.services.calendar.schedule.pending_of(member(demo))) == 50


async def test_handed_over_on_time_late_after_fifteen_minutes_missed_at_the_end(
    demo: Core, clock: MovableClock
) -> None:
    schedule = demo.services.calendar.schedule
    due = START + timedelta(hours=1)
    for n in range(3):
        remind(demo, due, text=f"r{n}")
    clock.set(due + timedelta(minutes=15))  # exactly 15 minutes: not yet late
    report = await demo.services.calendar.tick()
    assert (report.sent, report.late, report.missed) == (3, 0, 0)
    remind(demo, due, text="late")
    clock.set(due + timedelta(minutes=15, seconds=1))
    report = await demo.services.calendar.tick()
    assert (report.sent, report.late) == (0, 1)
    remind(demo, due, text="missed")
    clock.set(due + schedule_module.PERSONAL_USEFUL)  # the last useful moment has come: missed
    report = await demo.services.calendar.tick()
    assert (report.sent, report.late, report.missed) == (0, 0, 1)
    states = [n.state for n in schedule.notices(kind=NoticeKind.personal)]
    assert states == [NoticeState.sent] * 3 + [NoticeState.late, NoticeState.missed]
    [row] = [r for r in demo.services.delivery.store.rows() if r.item.startswith("remind:") and
             r.payload.find("late") > 0]
    assert row.expires_at is not None and row.expires_at.replace(tzinfo=UTC) == due + schedule_module.PERSONAL_USEFUL


async def test_the_planner_runs_once_an_hour_and_again_when_the_clock_goes_back(demo: Core, clock: MovableClock,
                                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    schedule = demo.services.calendar.schedule
    runs: list[datetime] = []
    monkeypatch.setattr(schedule, "plan", lambda: runs.append(clock.now()) or 0)
    await demo.services.calendar.tick()
    clock.advance(minutes=59)
    await demo.services.calendar.tick()
    clock.advance(minutes=1)
    await demo.services.calendar.tick()
    clock.advance(minutes=-30)
    await demo.services.calendar.tick()
    assert runs == [START, START + timedelta(hours=1), START + timedelta(minutes=30)]


async def test_every_due_notice_is_handed_over_however_many(demo: Core, clock: MovableClock) -> None:
    for n in range(5):
        remind(demo, START + timedelta(hours=1), text=f"r{n}")
    remind(demo, START + timedelta(hours=2), text="later")
    clock.set(START + timedelta(hours=1))
    schedule = demo.services.calendar.schedule
    assert len(schedule.due(clock.now())) == 5 and len(schedule.due(clock.now(), limit=2)) == 2
    report = await demo.services.calendar.tick()
    assert report.sent == 5 and len(schedule.due(clock.now())) == 0
