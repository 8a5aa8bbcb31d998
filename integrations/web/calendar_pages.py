"""The network's calendar on the web: a month view and a list, each event with its "add to my calendar" file,
and the feeds to subscribe to (`integrations/web/calendar_feeds.py`). Events for one role only (the ICC team's
internal dates) are not shown to the public."""

from __future__ import annotations

import asyncio
import calendar as month_maths
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from babel import Locale
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from bot.i18n import format_date, t
from bot.models.calendar import CalendarEvent, EventStatus
from bot.services.calendar import Happening
from bot.services.calendar.ics_out import feed
from bot.services.calendar.recurrence import zone
from bot.services.calendar.texts import when_text
from bot.settings import SUPPORTED_LOCALES
from integrations.web.site import Site, reader_language

#: The list view shows this far ahead.
LIST_DAYS = 90
#: Months before and after today that the month view goes to.
MONTHS_AROUND = 120


def is_public(event: CalendarEvent) -> bool:
    """Everything but what is for one role only, as in the public feed."""
    return not event.audience.startswith("role:")


@dataclass(frozen=True)
class ShownEvent:
    """One occurrence as a page shows it."""

    id: int
    title: str
    description: str
    when: str
    iso: str
    day: date
    place: str
    online_url: str
    cancelled: bool


def month_of(text: str, today: date) -> tuple[int, int]:
    """The month "2026-12" names, or this month for anything else (or one too far away)."""
    try:
        year, month = (int(part) for part in text.split("-", 1))
        wanted = date(year, month, 1)
    except ValueError:
        return today.year, today.month
    distance = (wanted.year - today.year) * 12 + wanted.month - today.month
    return (wanted.year, wanted.month) if abs(distance) <= MONTHS_AROUND else (today.year, today.month)


class CalendarPages:
    """The calendar's routes of `site`."""

    def __init__(self, site: Site) -> None:
        self.site = site
        self.calendar = site.services.calendar

    def routes(self) -> list[BaseRoute]:
        guarded = self.site.guarded
        return [
            Route("/calendar", guarded(self.calendar_page), methods=["GET", "HEAD"]),
            Route("/calendar/event/{number}.ics", guarded(self.event_file), methods=["GET", "HEAD"]),
        ]

    def shown(self, happenings: list[Happening], locale: str) -> list[ShownEvent]:
        tz = zone(self.site.settings.time_zone)
        found = []
        for happening in happenings:
            event = happening.event
            if not is_public(event) or event.id is None:
                continue
            title, description = self.calendar.events.texts(event, locale)
            found.append(ShownEvent(
                id=event.id, title=title, description=description, when=when_text(happening, locale, tz),
                iso=happening.occurrence.start.isoformat(), day=happening.occurrence.local_start.date(),
                place=event.place, online_url=event.online_url if event.online_url.startswith("https://") else "",
                cancelled=event.status is EventStatus.cancelled))
        return found

    def month_view(self, year: int, month: int, locale: str) -> dict[str, Any]:
        events = self.shown(self.calendar.month(year, month, limit=300), locale)
        by_day: dict[date, list[ShownEvent]] = {}
        for item in events:
            by_day.setdefault(item.day, []).append(item)
        babel_locale = Locale.parse(locale)
        first_weekday = babel_locale.first_week_day
        weeks = month_maths.Calendar(first_weekday).monthdatescalendar(year, month)
        day_names = [babel_locale.days["format"]["wide"][(first_weekday + i) % 7] for i in range(7)]
        first = date(year, month, 1)
        before = (first - timedelta(days=1)).replace(day=1)
        after = (first + timedelta(days=32)).replace(day=1)
        return {"weeks": weeks, "by_day": by_day, "day_names": day_names, "events": events, "month": month,
                "month_name": format_date(locale, datetime(year, month, 1), format="LLLL y"),
                "before": f"{before.year}-{before.month:02d}", "after": f"{after.year}-{after.month:02d}"}

    def list_view(self, locale: str) -> dict[str, Any]:
        now = self.site.clock.now()
        happenings = self.calendar.events.happenings(now, now + timedelta(days=LIST_DAYS), limit=200)
        return {"events": self.shown(happenings, locale)}

    async def calendar_page(self, request: Request) -> Response:
        locale = reader_language(request)
        view = "list" if request.query_params.get("view") == "list" else "month"
        today = self.site.clock.now().astimezone(zone(self.site.settings.time_zone)).date()
        year, month = month_of(request.query_params.get("month", "")[:10], today)
        if view == "list":
            values = await asyncio.to_thread(self.list_view, locale)
        else:
            values = await asyncio.to_thread(self.month_view, year, month, locale)
        clusters = await asyncio.to_thread(self.site.services.clusters.all)
        return self.site.render(request, "calendar.html", title=t(locale, "Calendar of the network"), view=view,
                                today=today, clusters=clusters, **values)

    async def event_file(self, request: Request) -> Response:
        raw = str(request.path_params["number"])
        if not (raw.isascii() and raw.isdigit() and 0 < len(raw) < 10):
            return self.site.not_found(request)
        event = await asyncio.to_thread(self.calendar.events.get, int(raw))
        if event is None or not is_public(event):
            return self.site.not_found(request)
        language = request.query_params.get("lang") or reader_language(request)
        if language not in SUPPORTED_LOCALES:
            language = reader_language(request)
        title, _ = self.calendar.events.texts(event, language)
        data = await asyncio.to_thread(feed, self.calendar, [event], name=title, language=language)
        return Response(data, media_type="text/calendar; charset=utf-8", headers={
            "Content-Disposition": f'attachment; filename="event-{event.id}.ics"',
            "Cache-Control": "public, max-age=300"})
