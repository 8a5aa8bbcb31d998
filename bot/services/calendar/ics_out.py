"""The calendar as iCalendar feeds (RFC 5545, written by `icalendar`): everything public, a cluster's, a city's.

Each event keeps its UID, carries its SEQUENCE (one more at each change), its zone as a VTIMEZONE (written by
`ics_zones`), its rule as an RRULE, and a cancelled event stays in the feed as STATUS:CANCELLED so that calendars
remove it.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta
from typing import TYPE_CHECKING

from icalendar import Calendar, Event, vRecur

from bot.models.calendar import CalendarEvent, EventStatus
from bot.services.calendar.events import KIND_LABELS
from bot.services.calendar.ics_zones import vtimezone
from bot.services.calendar.recurrence import zone
from bot.services.delivery_store import aware

if TYPE_CHECKING:
    from bot.services.calendar import CalendarService

PRODID = "-//Intercultural Cities//ICC Bot//EN"


def _event(calendar: CalendarService, event: CalendarEvent, language: str) -> Event:
    from bot.i18n import t

    title, description = calendar.events.texts(event, language)
    item = Event()
    item.add("uid", event.uid)
    item.add("dtstamp", aware(event.updated_at))
    item.add("created", aware(event.created_at))
    item.add("last-modified", aware(event.updated_at))
    item.add("sequence", event.sequence)
    item.add("summary", title)
    if description:
        item.add("description", description)
    if event.all_day:
        item.add("dtstart", event.start_local.date())
        end = event.end_local or event.start_local + timedelta(days=1)
        item.add("dtend", end.date())
    else:
        tz = zone(event.time_zone)
        item.add("dtstart", event.start_local.replace(tzinfo=tz))
        item.add("dtend", (event.end_local or event.start_local + timedelta(hours=1)).replace(tzinfo=tz))
    if event.rrule:
        item.add("rrule", vRecur.from_ical(event.rrule))
    if event.place:
        item.add("location", event.place)
    if event.online_url:
        item.add("url", event.online_url)
    item.add("categories", [t(language, KIND_LABELS[event.kind])])
    item.add("status", "CANCELLED" if event.status is EventStatus.cancelled else "CONFIRMED")
    item.add("transp", "TRANSPARENT" if event.all_day else "OPAQUE")
    return item


def feed(calendar: CalendarService, events: Iterable[CalendarEvent], *, name: str, language: str) -> bytes:
    """An iCalendar file of `events`, titles and descriptions in `language` (VTIMEZONE for every zone used)."""
    document = Calendar()
    document.add("prodid", PRODID)
    document.add("version", "2.0")
    document.add("calscale", "GREGORIAN")
    document.add("method", "PUBLISH")
    document.add("x-wr-calname", name)
    document.add("x-wr-timezone", calendar.settings.time_zone)
    since: dict[str, date] = {}
    for event in events:
        if not event.all_day:
            day = event.start_local.date()
            since[event.time_zone] = min(day, since.get(event.time_zone, day))
    for name, day in sorted(since.items()):
        document.add_component(vtimezone(name, day))
    for event in events:
        document.add_component(_event(calendar, event, language))
    return document.to_ical()


def _public(event: CalendarEvent) -> bool:
    """Everything but what is for one role only (the ICC team's internal dates)."""
    return not event.audience.startswith("role:")


def public_feed(calendar: CalendarService, *, language: str = "en") -> bytes:
    """`/calendar.ics`: every public event."""
    events = [event for event in calendar.events.all_events() if _public(event)]
    return feed(calendar, events, name="Intercultural Cities", language=language)


def cluster_feed(calendar: CalendarService, slug: str, *, language: str = "en") -> bytes | None:
    """A cluster's events, or None when there is no such cluster."""
    cluster = calendar.clusters.find(slug)
    if cluster is None:
        return None
    events = [event for event in calendar.events.all_events() if event.audience == f"cluster:{cluster.slug}"]
    return feed(calendar, events, name=f"Intercultural Cities — {cluster.name}", language=language)


def city_feed(calendar: CalendarService, name: str, *, language: str = "en") -> bytes | None:
    """The events for a city (the network's, its region's, country's and clusters'), or None when unknown."""
    city = calendar.cities.find(name)
    if city is None or city.id is None:
        return None
    reach = calendar.events.city_reach(city.id)
    events = [event for event in calendar.events.all_events() if event.audience in reach]
    return feed(calendar, events, name=f"Intercultural Cities — {city.name}", language=language)
