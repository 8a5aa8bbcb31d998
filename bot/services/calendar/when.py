"""`/remind`'s "when": natural forms (`tomorrow 9:00`, `in 2 hours`, `2027-03-21`, `amanhã 9:00`) in the
person's language, read by `dateparser` in their time zone.

dateparser is imported the first time someone asks (it costs about 20 MB and a fifth of a second; a process
that never reads a reminder never pays for it).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.errors import UserError
from bot.services.calendar.recurrence import check_local_time, to_utc

#: A reminder at most this far ahead, and at least this soon.
FURTHEST = timedelta(days=366)
SOONEST = timedelta(minutes=1)
#: The "when" is at most this many words at the start of the text.
LONGEST_WHEN = 6
TEXT_LIMIT = 1000
_ISO_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_BARE_NUMBER = re.compile(r"^[\d.,:/-]+$")
_HOURS = re.compile(r"\b(\d{1,2})\s?h(?:(\d{2})\b|\b)", re.IGNORECASE)


@dataclass(frozen=True)
class When:
    """A moment a person named, and the rest of what they wrote (what to be reminded of)."""

    moment: datetime
    what: str


def _dateparser_settings(now_local: datetime, tz: ZoneInfo) -> dict[str, object]:
    return {"RELATIVE_BASE": now_local, "PREFER_DATES_FROM": "future", "TIMEZONE": tz.key,
            "RETURN_AS_TIMEZONE_AWARE": False, "PREFER_DAY_OF_MONTH": "first"}


def _languages(locale: str) -> list[str]:
    return [locale] if locale == "en" else [locale, "en"]


def _read(candidate: str, locale: str, now_local: datetime, tz: ZoneInfo) -> datetime | None:
    """The local time `candidate` names, or None."""
    if _ISO_DAY.match(candidate):
        try:
            return datetime.combine(datetime.strptime(candidate, "%Y-%m-%d").date(), time(9, 0))
        except ValueError:
            raise UserError("There is no such day: {value}.", value=candidate) from None
    if _BARE_NUMBER.match(candidate) and ":" not in candidate:
        return None  # "5" or "12.3" alone is not a time anyone means
    import dateparser  # imported when someone first asks: see the module's docstring

    normalised = _HOURS.sub(lambda m: f"{m.group(1)}:{m.group(2) or '00'}", candidate)
    found = dateparser.parse(normalised, languages=_languages(locale),
                             settings=_dateparser_settings(now_local, tz))
    return found.replace(tzinfo=None) if found is not None else None


def parse_when(text: str, *, locale: str, tz: ZoneInfo, now: datetime) -> When:
    """Split `text` into the moment its first words name and the rest.

    Raises a clear `UserError` when no moment is found, when it is past or too soon, more than a year ahead,
    or a local time skipped or repeated at a DST change.
    """
    words = " ".join((text or "").split()).split(" ")
    words = [word for word in words if word]
    if len(words) < 2:
        raise UserError("Say when and what: /remind me tomorrow 9:00 call Lisbon.")
    now_local = now.astimezone(tz).replace(tzinfo=None)
    for size in range(min(LONGEST_WHEN, len(words) - 1), 0, -1):
        candidate = " ".join(words[:size])
        local = _read(candidate, locale, now_local, tz)
        if local is None:
            continue
        what = " ".join(words[size:]).strip()
        check_local_time(local, tz, field="when")
        moment = to_utc(local, tz)
        if moment < now + SOONEST:
            raise UserError("{value} is in the past. Give a time to come.",
                            value=local.strftime("%Y-%m-%d %H:%M"))
        if moment > now + FURTHEST:
            raise UserError("That is too far ahead: a reminder at most a year from now.")
        if len(what) > TEXT_LIMIT:
            raise UserError("The reminder is too long: at most {limit} characters.", limit=TEXT_LIMIT)
        return When(moment=moment.astimezone(UTC), what=what)
    raise UserError("I did not understand when. Try: tomorrow 9:00, in 2 hours, 2027-03-21 10:00.")
