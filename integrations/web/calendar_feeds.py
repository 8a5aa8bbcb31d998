"""The calendar's iCalendar feeds on the web host: `/calendar.ics`, `/calendar/cluster/<slug>.ics`,
`/calendar/city/<name>.ics` (titles in `?lang=fr`…, English by default), for Google Calendar, Outlook, Apple."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import BaseRoute, Route

from bot.i18n import negotiate
from bot.services.calendar import CalendarService
from bot.services.calendar.ics_out import city_feed, cluster_feed, public_feed

log = logging.getLogger(__name__)

MEDIA_TYPE = "text/calendar; charset=utf-8"


def calendar_routes(calendar: CalendarService) -> list[BaseRoute]:
    """The feed routes of `calendar`."""

    def language(request: Request) -> str:
        return negotiate(request.query_params.get("lang"), default="en")

    async def answer(make: Callable[[], bytes | None], filename: str) -> Response:
        try:
            data = await asyncio.to_thread(make)
        except Exception:
            log.exception("calendar feed %s could not be made", filename)
            return PlainTextResponse("The calendar is unavailable; try again later.", status_code=503)
        if data is None:
            return PlainTextResponse("No such calendar.", status_code=404)
        return Response(data, media_type=MEDIA_TYPE, headers={
            "Content-Disposition": f'inline; filename="{filename}"', "Cache-Control": "public, max-age=300"})

    async def everything(request: Request) -> Response:
        return await answer(lambda: public_feed(calendar, language=language(request)), "calendar.ics")

    async def cluster(request: Request) -> Response:
        slug = str(request.path_params["slug"])[:64]
        return await answer(lambda: cluster_feed(calendar, slug, language=language(request)), f"{slug}.ics")

    async def city(request: Request) -> Response:
        name = str(request.path_params["name"])[:120]
        return await answer(lambda: city_feed(calendar, name, language=language(request)), "city.ics")

    return [
        Route("/calendar.ics", everything, methods=["GET", "HEAD"]),
        Route("/calendar/cluster/{slug}.ics", cluster, methods=["GET", "HEAD"]),
        Route("/calendar/city/{name}.ics", city, methods=["GET", "HEAD"]),
    ]
