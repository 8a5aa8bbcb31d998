"""Time zones, daylight-saving changes and RFC 5545 rules: the wall-clock time holds, every zone on its own dates."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.errors import UserError
from bot.services.calendar.recurrence import Timing, check_local_time, parse_rule, to_utc, zone


def weekly(start: datetime, tz_name: str, rule: str = "FREQ=WEEKLY") -> Timing:
    tz = zone(tz_name)
    return Timing(start_local=start, duration=timedelta(hours=1), tz=tz, all_day=False,
                  rule=parse_rule(rule, start, tz))


@pytest.mark.parametrize(("tz_name", "before", "after", "change"), [
    # 09:00 local every week, across the spring change: the UTC hour moves, the local hour does not.
    ("Europe/Lisbon", 9, 8, datetime(2026, 3, 29)),
    ("Europe/Kyiv", 7, 6, datetime(2026, 3, 29)),
    ("America/Montreal", 14, 13, datetime(2026, 3, 8)),
])
def test_a_weekly_event_stays_at_nine_local_across_the_spring_change(tz_name: str, before: int, after: int,
                                                                     change: datetime) -> None:
    timing = weekly(change - timedelta(days=7) + timedelta(hours=9), tz_name)
    first, second = list(timing.between(datetime(2026, 1, 1, tzinfo=UTC), datetime(2026, 12, 1, tzinfo=UTC),
                                        limit=2))
    assert (first.start.hour, second.start.hour) == (before, after)
    assert first.local_start.hour == second.local_start.hour == 9


def test_tokyo_has_no_change_and_keeps_its_utc_hour() -> None:
    timing = weekly(datetime(2026, 3, 22, 9), "Asia/Tokyo")
    hours = {o.start.hour for o in timing.between(datetime(2026, 1, 1, tzinfo=UTC), datetime(2026, 12, 1, tzinfo=UTC))}
    assert hours == {0}


def test_the_autumn_change_too() -> None:
    timing = weekly(datetime(2026, 10, 18, 9), "Europe/Lisbon")
    first, second = list(timing.between(datetime(2026, 10, 1, tzinfo=UTC), datetime(2026, 12, 1, tzinfo=UTC),
                                        limit=2))
    assert (first.start.hour, second.start.hour) == (8, 9)


@pytest.mark.parametrize(("tz_name", "local", "words"), [
    ("Europe/Lisbon", datetime(2026, 3, 29, 1, 30), "does not exist"),
    ("Europe/Kyiv", datetime(2026, 3, 29, 3, 30), "does not exist"),
    ("America/Montreal", datetime(2026, 3, 8, 2, 30), "does not exist"),
    ("Europe/Lisbon", datetime(2026, 10, 25, 1, 30), "happens twice"),
    ("Europe/Kyiv", datetime(2026, 10, 25, 3, 30), "happens twice"),
    ("America/Montreal", datetime(2026, 11, 1, 1, 30), "happens twice"),
])
def test_a_start_skipped_or_repeated_by_a_change_is_refused(tz_name: str, local: datetime, words: str) -> None:
    with pytest.raises(UserError) as refused:
        check_local_time(local, zone(tz_name))
    assert words in refused.value.msgid


def test_tokyo_accepts_every_time() -> None:
    check_local_time(datetime(2026, 3, 29, 1, 30), zone("Asia/Tokyo"))


def test_a_repeating_time_that_falls_in_the_gap_moves_forward_by_the_gap() -> None:
    moment = to_utc(datetime(2026, 3, 29, 1, 30), zone("Europe/Lisbon"))
    assert moment == datetime(2026, 3, 29, 1, 30, tzinfo=UTC)  # 02:30 WEST, the time after the gap


@pytest.mark.parametrize(("rule", "words"), [
    ("FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30", "never happens"),
    ("FREQ=DAILY;UNTIL=20200101T000000Z", "never happens"),
    ("FREQ=HOURLY", "at most once a day"),
    ("FREQ=MINUTELY;COUNT=5", "at most once a day"),
    ("FREQ=SOMETIMES", "not a repetition rule"),
    ("BYDAY=MO", "not a repetition rule"),
    ("FREQ=DAILY;COUNT=100000", "at most"),
    ("FREQ=DAILY;UNTIL=2027", "not a repetition rule"),
])
def test_rules_that_cannot_be_kept_are_refused(rule: str, words: str) -> None:
    with pytest.raises(UserError) as refused:
        parse_rule(rule, datetime(2026, 4, 1, 9), zone("Europe/Lisbon"))
    assert words in refused.value.msgid


def test_a_rule_without_end_is_expanded_only_as_far_as_asked() -> None:
    timing = weekly(datetime(2026, 4, 1, 9), "Europe/Lisbon", "FREQ=DAILY")
    assert timing.rule is not None and not timing.rule.ends
    assert timing.first_and_last()[1] is None
    window = list(timing.between(datetime(2030, 1, 1, tzinfo=UTC), datetime(2030, 1, 11, tzinfo=UTC)))
    assert len(window) == 10
    assert len(list(timing.between(datetime(2026, 4, 1, tzinfo=UTC), datetime(2099, 1, 1, tzinfo=UTC),
                                   limit=50))) == 50


def test_an_until_in_utc_is_read_in_the_events_zone() -> None:
    timing = weekly(datetime(2026, 4, 1, 9), "Europe/Lisbon", "FREQ=DAILY;UNTIL=20260403T080000Z")
    days = [o.local_start.day for o in timing.between(datetime(2026, 1, 1, tzinfo=UTC),
                                                     datetime(2027, 1, 1, tzinfo=UTC))]
    assert days == [1, 2, 3]


def test_unknown_zones_are_refused_clearly() -> None:
    for name in ("Europe/Atlantis", "", "../../etc/passwd", "Lisbon"):
        with pytest.raises(UserError) as refused:
            zone(name)
        assert "not a time zone" in refused.value.msgid


@given(st.text(max_size=80))
def test_any_rule_text_is_parsed_or_refused_with_a_message(text: str) -> None:
    try:
        parse_rule(text, datetime(2026, 4, 1, 9), zone("Europe/Lisbon"))
    except UserError as refused:
        assert refused.field == "rrule"
