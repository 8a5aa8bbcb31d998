"""VTIMEZONE blocks as every calendar app reads them: each change of the zone as a yearly rule (RRULE).

`icalendar` describes a zone by listing every change since 1970 (RDATE); RFC 5545 allows it, but Outlook ignores
RDATE in a VTIMEZONE and parsers built on dateutil (vobject among them) read such a zone with the wrong offset
half of the year. So a zone whose changes follow a yearly rule (the n-th or last weekday of a month, as in
Europe, North America and most places) is written the way tz publishers do: one STANDARD and one DAYLIGHT part,
each with its RRULE, starting the year before the feed's first event there. A zone without changes gets a single
STANDARD part; a zone whose changes follow no such rule keeps `icalendar`'s list, from that year on.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from icalendar import Timezone, TimezoneDaylight, TimezoneStandard

WEEKDAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
#: The rule found in the first year must also give the changes of the years after it.
CHECKED_YEARS = 5


@dataclass(frozen=True)
class Change:
    """One change of a zone's offset: when (local wall time, before it), from and to which offset, its name."""

    local: datetime
    before: timedelta
    after: timedelta
    name: str
    daylight: bool


def _offset(tz: ZoneInfo, moment: datetime) -> timedelta:
    return moment.astimezone(tz).utcoffset() or timedelta(0)


def changes(tz: ZoneInfo, year: int) -> list[Change]:
    """The changes of offset of `tz` during `year`, found day by day, then to the minute."""
    found = []
    moment = datetime(year, 1, 1, tzinfo=UTC)
    end = datetime(year + 1, 1, 1, tzinfo=UTC)
    while moment < end:
        following = moment + timedelta(days=1)
        if _offset(tz, moment) != _offset(tz, following):
            low, high = moment, following
            while high - low > timedelta(minutes=1):
                middle = low + (high - low) / 2
                low, high = (middle, high) if _offset(tz, middle) == _offset(tz, low) else (low, middle)
            before, after = _offset(tz, low), _offset(tz, high)
            at = high.astimezone(tz)
            found.append(Change(local=(high + before).replace(tzinfo=None, second=0, microsecond=0), before=before,
                                after=after, name=at.tzname() or "", daylight=bool(at.dst())))
        moment = following
    return found


def _byday(day: date) -> str:
    """`2SU` (the second Sunday) or `-1SU` (the last Sunday of its month)."""
    last = calendar.monthrange(day.year, day.month)[1]
    nth = -1 if day.day + 7 > last else (day.day - 1) // 7 + 1
    return f"{nth}{WEEKDAYS[day.weekday()]}"


def _same_rule(first: Change, later: Change) -> bool:
    return (later.local.month, later.local.time(), _byday(later.local.date()), later.before, later.after) == (
        first.local.month, first.local.time(), _byday(first.local.date()), first.before, first.after)


def vtimezone(name: str, since: date) -> Timezone:
    """The VTIMEZONE of zone `name` (a valid IANA name), good from `since` on."""
    tz = ZoneInfo(name)
    # The year before: its changes are in force on the first days of `since`'s year (a southern summer).
    year = since.year - 1
    first = changes(tz, year)
    later = [changes(tz, year + n) for n in range(1, CHECKED_YEARS + 1)]
    regular = len(first) == 2 and all(
        len(each) == 2 and all(_same_rule(a, b) for a, b in zip(first, each, strict=True)) for each in later)
    if first and not regular:
        return Timezone.from_tzinfo(tz, tzid=name, first_date=date(year, 1, 1))
    zone = Timezone()
    zone.add("tzid", name)
    if not first:
        start = datetime(year, 1, 1, tzinfo=UTC).astimezone(tz)
        offset = start.utcoffset() or timedelta(0)
        constant = TimezoneStandard()
        constant.add("dtstart", datetime(year, 1, 1))
        constant.add("tzoffsetfrom", offset)
        constant.add("tzoffsetto", offset)
        constant.add("tzname", start.tzname() or name)
        zone.add_component(constant)
        return zone
    for change in first:
        part: TimezoneDaylight | TimezoneStandard = TimezoneDaylight() if change.daylight else TimezoneStandard()
        part.add("dtstart", change.local)
        part.add("rrule", {"freq": "yearly", "bymonth": change.local.month, "byday": _byday(change.local.date())})
        part.add("tzoffsetfrom", change.before)
        part.add("tzoffsetto", change.after)
        part.add("tzname", change.name)
        zone.add_component(part)
    return zone
