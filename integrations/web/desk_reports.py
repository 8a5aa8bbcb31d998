"""The ICC team's reports on the desk: surveys' response rates by region and cluster, their results with charts and
exports; broadcasts' delivery reports; DeepL characters per cluster and month against budgets."""

from __future__ import annotations

import asyncio
import base64
from collections.abc import Awaitable, Callable
from typing import Any, Literal

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from bot.i18n import t
from bot.messages import Reply
from bot.models import Member
from bot.regions import region_name
from bot.services.web_desk import translation_usage
from integrations.web.site import Site, reader_language

Page = Callable[[Request, Member], Awaitable[Response]]
Guard = Callable[[Page], Callable[[Request], Awaitable[Response]]]
#: Surveys and broadcasts listed, newest first.
LISTED = 20


def shown_reply(reply: Reply) -> dict[str, Any]:
    """A reply of the bot (a report, results) as a page shows it: its charts as inline PNG images."""
    images = [{"src": "data:image/png;base64," + base64.b64encode(file.data).decode(), "alt": file.alt_text or
               file.title, "title": file.title} for file in reply.files if file.media_type == "image/png"]
    return {"text": reply.text, "sections": reply.sections, "images": images}


class DeskReports:
    """The report routes of the desk (the ICC team's only)."""

    def __init__(self, site: Site, icc_team: Guard) -> None:
        self.site = site
        self.icc_team = icc_team

    def routes(self) -> list[BaseRoute]:
        guarded, team = self.site.guarded, self.icc_team
        return [
            Route("/desk/surveys", guarded(team(self.surveys)), methods=["GET", "HEAD"]),
            Route("/desk/surveys/{number}", guarded(team(self.survey)), methods=["GET", "HEAD"]),
            Route("/desk/surveys/{number}/export.{format}", guarded(team(self.export)), methods=["GET"]),
            Route("/desk/broadcasts", guarded(team(self.broadcasts)), methods=["GET", "HEAD"]),
            Route("/desk/usage", guarded(team(self.usage)), methods=["GET", "HEAD"]),
        ]

    def _surveys(self) -> Any:
        return self.site.services.features.get("surveys")

    async def surveys(self, request: Request, me: Member) -> Response:
        from bot.services.surveys.chasing import response_rates

        locale = reader_language(request)
        feature = self._surveys()
        found: list[dict[str, Any]] = []
        if feature is not None:
            service = feature.service
            for survey in await asyncio.to_thread(service.store.latest, LISTED):
                rates = await asyncio.to_thread(response_rates, service, survey)
                found.append({"survey": survey, "rates": rates, "percent": _percent(rates.answered, rates.targets),
                              "regions": _groups(rates.by_region, lambda code: region_name(code, locale)),
                              "clusters": _groups(rates.by_cluster, lambda slug: slug)})
        return self.site.render(request, "desk_surveys.html", title=t(locale, "Surveys"), surveys=found)

    def _survey_of(self, request: Request) -> Any:
        raw = str(request.path_params["number"])
        feature = self._surveys()
        if feature is None or not (raw.isascii() and raw.isdigit() and 0 < len(raw) < 10):
            return None
        return feature.service.store.get(int(raw))

    async def survey(self, request: Request, me: Member) -> Response:
        from bot.services.surveys.results import results_reply

        survey = await asyncio.to_thread(self._survey_of, request)
        if survey is None:
            return self.site.not_found(request)
        locale = reader_language(request)
        services = self.site.services
        reply = await results_reply(self._surveys().service, survey, locale, engine=services.translation_engine)
        return self.site.render(request, "desk_report.html", title=survey.title, report=shown_reply(reply),
                                exports=[(f"/desk/surveys/{survey.id}/export.csv", "CSV"),
                                         (f"/desk/surveys/{survey.id}/export.json", "JSON")])

    async def export(self, request: Request, me: Member) -> Response:
        from bot.services.surveys.export import export

        fmt: Literal["csv", "json"] = "csv" if request.path_params["format"] == "csv" else "json"
        survey = await asyncio.to_thread(self._survey_of, request)
        if survey is None or request.path_params["format"] not in ("csv", "json"):
            return self.site.not_found(request)
        body, _ = await asyncio.to_thread(export, self.site.services.engine, survey, fmt)
        media = "text/csv; charset=utf-8" if fmt == "csv" else "application/json"
        return Response(body, media_type=media, headers={
            "Content-Disposition": f'attachment; filename="survey-{survey.id}.{fmt}"', "Cache-Control": "no-store"})

    async def broadcasts(self, request: Request, me: Member) -> Response:
        locale = reader_language(request)
        broadcasts = self.site.services.calendar.broadcasts
        history = await asyncio.to_thread(broadcasts.history, LISTED)
        reports = [shown_reply(await asyncio.to_thread(broadcasts.report_reply, broadcast, locale))
                   for broadcast in history]
        return self.site.render(request, "desk_broadcasts.html", title=t(locale, "Broadcasts"), reports=reports)

    async def usage(self, request: Request, me: Member) -> Response:
        locale = reader_language(request)
        months, rows = await asyncio.to_thread(translation_usage, self.site.services.engine, viewer=me,
                                               now=self.site.clock.now())
        return self.site.render(request, "desk_usage.html", title=t(locale, "Translation use"), months=months,
                                rows=rows)


def _percent(part: int, whole: int) -> int:
    return round(100 * part / whole) if whole else 0


def _groups(table: dict[str, list[int]], name: Callable[[str], str]) -> list[dict[str, Any]]:
    return sorted(({"name": name(key) if key else "—", "targets": counts[0], "answered": counts[1],
                    "percent": _percent(counts[1], counts[0])} for key, counts in table.items()),
                  key=lambda group: str(group["name"]))
