"""Importing an iCalendar file (read by `icalendar`): every event checked by the calendar's own rules, rejected
ones reported with their line and reason, all written in one transaction (or none, unless partial).

An event keeps the file's UID: importing the same file again changes nothing, and a newer version of an event
(a higher SEQUENCE) updates it. Events are not translated now (an import of 10,000 events would keep DeepL busy
for nothing): the scheduler's catch-up translates them as they come closer.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from icalendar import Calendar
from sqlmodel import select

from bot.db import session_scope
from bot.errors import UserError
from bot.models.calendar import CalendarEvent, EventKind, EventStatus
from bot.services.calendar.events import KIND_LABELS, EventData

if TYPE_CHECKING:
    from bot.services.calendar import CalendarService

#: At most this many events in one file (the whole file is refused above it).
MOST_EVENTS = 20_000
#: At most this many bytes in one file.
LARGEST_FILE = 50 * 1024 * 1024
_BEGIN_EVENT = re.compile(rb"^BEGIN:VEVENT\s*$", re.MULTILINE | re.IGNORECASE)
_NAMESPACE = uuid.UUID("2b0f6a56-9f0c-4c5e-9d1d-5d3a0f0c1c47")


@dataclass(frozen=True)
class Rejected:
    """An event of the file that was not imported: its line, its name, and why (a msgid and its parameters)."""

    line: int
    name: str
    msgid: str
    params: dict[str, object] = field(default_factory=dict)


@dataclass
class ImportReport:
    imported: int = 0
    updated: int = 0
    unchanged: int = 0
    accepted: int = 0
    rejected: list[Rejected] = field(default_factory=list)
    written: bool = False


def _moment(value: Any, default_tz: str) -> tuple[datetime, bool, str]:
    """A DTSTART/DTEND value as (local wall-clock time, all day, zone name)."""
    if isinstance(value, datetime):
        if value.tzinfo is None:
            return value, False, default_tz  # a floating time: read in the network's zone
        if isinstance(value.tzinfo, ZoneInfo):
            return value.replace(tzinfo=None), False, value.tzinfo.key
        if value.utcoffset() == timedelta(0) and str(value.tzinfo) in ("UTC", "UTC+00:00", "tzutc()", "Z"):
            return value.replace(tzinfo=None), False, "UTC"
        # A zone the file defined itself (VTIMEZONE with a custom name): the moment, in the network's zone.
        tz = ZoneInfo(default_tz)
        return value.astimezone(tz).replace(tzinfo=None), False, default_tz
    if isinstance(value, date):
        return datetime.combine(value, datetime.min.time()), True, default_tz
    raise UserError("DTSTART is not a date or a time.")


def _text(component: Any, name: str) -> str:
    value = component.get(name)
    return str(value) if value is not None else ""


def _kind(component: Any) -> str:
    categories = component.get("CATEGORIES")
    names: list[str] = []
    for item in categories if isinstance(categories, list) else [categories] if categories else []:
        names.extend(str(cat).strip().lower() for cat in getattr(item, "cats", []))
    for kind in EventKind:
        if kind.value in names or str(KIND_LABELS[kind]).lower() in names:
            return kind.value if kind is not EventKind.campaign_day else EventKind.other.value
    return EventKind.other.value


def _check(calendar: CalendarService, component: Any, audience: str) -> tuple[str, int, EventStatus, EventData]:
    """An imported event's uid, sequence, status and data, every rule checked (`UserError` otherwise)."""
    if component.errors:
        prop, detail = component.errors[0]
        raise UserError("A line of this event is broken ({property}): {detail}.", property=prop or "?",
                        detail=str(detail)[:80])
    start_value = component.get("DTSTART")
    if start_value is None:
        raise UserError("The event has no start (DTSTART).")
    default_tz = calendar.settings.time_zone
    start, all_day, tz_name = _moment(start_value.dt, default_tz)
    values = {"title": _text(component, "SUMMARY"), "description": _text(component, "DESCRIPTION"),
              "kind": _kind(component), "time_zone": tz_name, "audience": audience,
              "place": _text(component, "LOCATION")[:300], "link": _text(component, "URL"),
              "start": start.strftime("%Y-%m-%d" if all_day else "%Y-%m-%d %H:%M")}
    end_value = component.get("DTEND")
    if end_value is not None:
        end, end_all_day, _ = _moment(end_value.dt, tz_name)
        if all_day and end_all_day:
            end -= timedelta(days=1)  # iCalendar's end is the day after; the rules take the last day
        values["end"] = end.strftime("%Y-%m-%d" if end_all_day else "%Y-%m-%d %H:%M")
    elif component.get("DURATION") is not None:
        end = start + component.decoded("DURATION")
        values["end"] = end.strftime("%Y-%m-%d %H:%M")
    rule = component.get("RRULE")
    if rule is not None:
        values["rrule"] = rule.to_ical().decode("utf-8", "replace")
    data = calendar.events.check(values, language=calendar.settings.default_locale, actor=None, past_allowed=True)
    uid = _text(component, "UID").strip()[:255] or f"{uuid.uuid5(_NAMESPACE, values['title'] + values['start'])}"
    try:
        sequence = int(component.get("SEQUENCE", 0))
    except (TypeError, ValueError):
        sequence = 0
    status = EventStatus.cancelled if _text(component, "STATUS").upper() == "CANCELLED" else EventStatus.confirmed
    return uid, max(0, sequence), status, data


def import_calendar(calendar: CalendarService, content: bytes, *, partial: bool = False, audience: str = "all",
                    progress: Callable[[int, int], None] | None = None) -> ImportReport:
    """Import the events of an iCalendar file (see the module's docstring). A file that is not iCalendar at all is
    refused whole with a `UserError`."""
    if len(content) > LARGEST_FILE:
        raise UserError("The file is too large: at most {limit} MB.", limit=LARGEST_FILE // (1024 * 1024))
    try:
        content.decode("utf-8")
    except UnicodeDecodeError:
        raise UserError("The file is not UTF-8 text.") from None
    if not content.lstrip(b"\xef\xbb\xbf \r\n\t").upper().startswith(b"BEGIN:VCALENDAR"):
        raise UserError("This is not an iCalendar file (it must start with BEGIN:VCALENDAR).")
    calendar.audiences.parse(audience)
    try:
        document = Calendar.from_ical(content)
    except (ValueError, IndexError, KeyError) as exc:
        raise UserError("The file cannot be read as iCalendar: {detail}.", detail=str(exc)[:100]) from None
    components = list(document.walk("VEVENT"))
    if len(components) > MOST_EVENTS:
        raise UserError("The file holds {n} events: at most {limit} at once.", n=len(components), limit=MOST_EVENTS)
    lines = [content.count(b"\n", 0, match.start()) + 1 for match in _BEGIN_EVENT.finditer(content)]
    report = ImportReport()
    checked: list[tuple[str, int, EventStatus, EventData]] = []
    total = len(components)
    if progress:
        progress(0, total)
    seen: set[str] = set()
    for index, component in enumerate(components):
        line = lines[index] if index < len(lines) else 0
        name = _text(component, "SUMMARY")[:60] or _text(component, "UID")[:60]
        try:
            entry = _check(calendar, component, audience)
        except UserError as exc:
            report.rejected.append(Rejected(line, name, exc.msgid, exc.params))
        else:
            if entry[0] in seen:
                report.rejected.append(Rejected(line, name, "The UID {uid} is used twice in the file.",
                                                {"uid": entry[0][:60]}))
            else:
                seen.add(entry[0])
                checked.append(entry)
        if progress and (index % 200 == 0 or index == total - 1):
            progress(index + 1, total)
    report.accepted = len(checked)
    if report.rejected and not partial:
        return report
    _write(calendar, checked, report)
    return report


def _write(calendar: CalendarService, checked: list[tuple[str, int, EventStatus, EventData]],
           report: ImportReport) -> None:
    now = calendar.clock.now()
    columns = calendar.events.columns
    with session_scope(calendar.engine) as session:
        known = {event.uid: event for event in session.exec(select(CalendarEvent).where(
            CalendarEvent.uid.in_([uid for uid, *_ in checked])))} if checked else {}  # type: ignore[attr-defined]
        for uid, sequence, status, data in checked:
            existing = known.get(uid)
            if existing is None:
                session.add(CalendarEvent(uid=uid, sequence=sequence, status=status, created_at=now, updated_at=now,
                                          **columns(data)))
                report.imported += 1
            elif sequence > existing.sequence:
                for name, value in columns(data).items():
                    setattr(existing, name, value)
                existing.sequence, existing.status, existing.updated_at = sequence, status, now
                session.add(existing)
                report.updated += 1
            else:
                report.unchanged += 1
    report.written = True
    calendar.schedule.plan()
