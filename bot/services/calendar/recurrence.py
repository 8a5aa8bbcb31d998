"""Times and repetitions: local wall-clock times in IANA zones (DST-correct), and RFC 5545 rules expanded lazily.

An event keeps its start as the wall-clock time of its zone, so a meeting at 09:00 every first Monday stays at
09:00 in Lisbon in winter and in summer. A rule is parsed and expanded by `dateutil.rrule`, in local time, and
each occurrence is placed on the time line here: a time that does not exist (the hour skipped when clocks go
forward) moves forward by the gap, as RFC 5545 says; a time that happens twice is taken the first time.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from dateutil.rrule import DAILY, MONTHLY, WEEKLY, YEARLY, rrule, rrulestr

from bot.errors import UserError

#: Repetitions finer than daily are refused: the calendar holds meetings and days, not alarms.
ALLOWED_FREQUENCIES = {YEARLY: "YEARLY", MONTHLY: "MONTHLY", WEEKLY: "WEEKLY", DAILY: "DAILY"}
#: Occurrences a rule with COUNT may have.
MAX_COUNT = 1000
#: A rule's text, at most.
RULE_LIMIT = 500
_UNTIL = re.compile(r"UNTIL=([0-9TZ]+)", re.IGNORECASE)


def zone(name: str, *, field: str = "time_zone") -> ZoneInfo:
    """The IANA zone `name` (`Europe/Lisbon`); a clear `UserError` when there is none of that name."""
    cleaned = (name or "").strip()
    try:
        if not cleaned or cleaned.startswith(("/", ".")) or ".." in cleaned:
            raise ValueError(cleaned)
        return ZoneInfo(cleaned)
    except (ZoneInfoNotFoundError, ValueError):
        raise UserError("“{value}” is not a time zone I know. Write it as Region/City, such as Europe/Lisbon.",
                        field=field, value=cleaned[:60]) from None


def exists(local: datetime, tz: ZoneInfo) -> bool:
    """Whether the wall-clock time `local` happens in `tz` (not in the hour skipped when clocks go forward)."""
    there = local.replace(tzinfo=tz)
    back = there.astimezone(UTC).astimezone(tz).replace(tzinfo=None)
    return back == local


def ambiguous(local: datetime, tz: ZoneInfo) -> bool:
    """Whether `local` happens twice in `tz` (the hour repeated when clocks go back)."""
    return local.replace(tzinfo=tz, fold=0).utcoffset() != local.replace(tzinfo=tz, fold=1).utcoffset()


def check_local_time(local: datetime, tz: ZoneInfo, *, field: str = "start") -> None:
    """Refuse a start that does not exist or happens twice in `tz` (a person must say which they mean)."""
    shown = local.strftime("%Y-%m-%d %H:%M")
    if not exists(local, tz):
        raise UserError("{value} does not exist in {zone}: the clocks go forward then. Choose another time.",
                        field=field, value=shown, zone=tz.key)
    if ambiguous(local, tz):
        raise UserError("{value} happens twice in {zone}: the clocks go back then. Choose another time.",
                        field=field, value=shown, zone=tz.key)


def to_utc(local: datetime, tz: ZoneInfo) -> datetime:
    """The moment the wall-clock time `local` of `tz` names, in UTC.

    A skipped time moves forward by the gap (02:30 on a spring-forward night is 03:30); a repeated one is the
    first of the two.
    """
    # fold=0 (PEP 495) reads a skipped time with the offset from before the change, which lands after the gap,
    # and a repeated time as its first instance.
    return local.replace(tzinfo=tz, fold=0).astimezone(UTC)


def to_local(moment: datetime, tz: ZoneInfo) -> datetime:
    """The wall-clock time of `tz` at `moment` (naive)."""
    return moment.astimezone(tz).replace(tzinfo=None)


def _clean_until(text: str, tz: ZoneInfo) -> str:
    """UNTIL as the naive local time dateutil expects beside a naive start (a UTC `…Z` is converted)."""

    def local(match: re.Match[str]) -> str:
        value = match.group(1).upper()
        try:
            if value.endswith("Z"):
                moment = datetime.strptime(value, "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
                return "UNTIL=" + to_local(moment, tz).strftime("%Y%m%dT%H%M%S")
            if "T" in value:
                return "UNTIL=" + datetime.strptime(value, "%Y%m%dT%H%M%S").strftime("%Y%m%dT%H%M%S")
            return "UNTIL=" + datetime.strptime(value, "%Y%m%d").strftime("%Y%m%dT235959")
        except ValueError:
            raise UserError("“{value}” is not a repetition rule I understand (RFC 5545, such as "
                            "FREQ=YEARLY or FREQ=MONTHLY;BYDAY=1MO).", field="rrule", value=text[:80]) from None

    return _UNTIL.sub(local, text)


@dataclass(frozen=True)
class Rule:
    """A parsed repetition rule, its text as stored, and whether it ends."""

    text: str
    rule: rrule
    ends: bool


def parse_rule(text: str, start_local: datetime, tz: ZoneInfo) -> Rule | None:
    """Parse an RFC 5545 RRULE (`FREQ=YEARLY`, with or without `RRULE:`), for an event starting at `start_local`.

    None when `text` is empty. A clear `UserError` (field `rrule`) when it is not a rule, repeats more than once
    a day, or never happens. A rule without COUNT or UNTIL is fine: it is expanded as far as it is looked at.
    """
    raw = " ".join((text or "").split())
    if raw.upper().startswith("RRULE:"):
        raw = raw[6:].strip()
    if not raw:
        return None
    if len(raw) > RULE_LIMIT or "\n" in raw:
        raise UserError("This repetition rule is too long.", field="rrule")
    cleaned = _clean_until(raw, tz)
    try:
        parsed = rrulestr(cleaned, dtstart=start_local)
    except (ValueError, TypeError, KeyError, IndexError, OverflowError):
        raise UserError("“{value}” is not a repetition rule I understand (RFC 5545, such as FREQ=YEARLY or "
                        "FREQ=MONTHLY;BYDAY=1MO).", field="rrule", value=raw[:80]) from None
    if not isinstance(parsed, rrule):
        raise UserError("“{value}” is not a repetition rule I understand (RFC 5545, such as FREQ=YEARLY or "
                        "FREQ=MONTHLY;BYDAY=1MO).", field="rrule", value=raw[:80])
    if parsed._freq not in ALLOWED_FREQUENCIES:  # type: ignore[attr-defined]
        raise UserError("An event repeats at most once a day (FREQ=DAILY, WEEKLY, MONTHLY or YEARLY).",
                        field="rrule")
    try:
        first = parsed.after(start_local, inc=True)
    except (ValueError, OverflowError):
        first = None
    if first is None:
        raise UserError("This repetition rule never happens (such as 30 February, or an end before the start).",
                        field="rrule")
    count = parsed._count  # type: ignore[attr-defined]
    if count is not None and count > MAX_COUNT:
        raise UserError("An event repeats at most {limit} times; leave COUNT out to repeat it without end.",
                        field="rrule", limit=MAX_COUNT)
    ends = count is not None or parsed._until is not None  # type: ignore[attr-defined]
    return Rule(text=raw.upper(), rule=parsed, ends=ends)


@dataclass(frozen=True)
class Occurrence:
    """One occurrence of an event: its start and end in UTC, its local start, and the local date it falls on."""

    start: datetime
    end: datetime
    local_start: datetime
    all_day: bool

    @property
    def day(self) -> date:
        return self.local_start.date()


@dataclass(frozen=True)
class Timing:
    """When an event happens: its first local start and length, its zone, its rule."""

    start_local: datetime
    duration: timedelta
    tz: ZoneInfo
    all_day: bool
    rule: Rule | None

    def first_and_last(self) -> tuple[datetime, datetime | None]:
        """The first start and the last end in UTC (None: it repeats without end)."""
        first = to_utc(self.start_local, self.tz)
        if self.rule is None:
            return first, to_utc(self.start_local + self.duration, self.tz)
        until: datetime | None = self.rule.rule._until  # type: ignore[attr-defined]
        if until is not None:
            # At most the end of the day UNTIL names: close enough to find the event in a period.
            return first, to_utc(until + self.duration, self.tz)
        if self.rule.rule._count is None:  # type: ignore[attr-defined]
            return first, None
        last = self.start_local
        for last in self.rule.rule:  # noqa: B007 (COUNT is at most MAX_COUNT: walk to the last one)
            pass
        return first, to_utc(last + self.duration, self.tz)

    def between(self, start: datetime, end: datetime, *, limit: int = 1000) -> Iterator[Occurrence]:
        """The occurrences that overlap [start, end) (UTC), in order, at most `limit` (lazily, whatever the rule)."""
        # Local bounds a day wider than the UTC ones: no zone is more than a day away from UTC.
        local_from = to_local(start, self.tz) - self.duration - timedelta(days=1)
        local_to = to_local(end, self.tz) + timedelta(days=1)
        if self.rule is None:
            starts: Iterator[datetime] = iter([self.start_local])
        else:
            starts = self.rule.rule.xafter(max(local_from, self.start_local), inc=True)
        count = 0
        for local in starts:
            if local > local_to or count >= limit:
                return
            occurrence = Occurrence(to_utc(local, self.tz), to_utc(local + self.duration, self.tz), local,
                                    self.all_day)
            if occurrence.end > start and occurrence.start < end:
                count += 1
                yield occurrence
