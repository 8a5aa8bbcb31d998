"""The desk, for people signed in: the ICC team's review queue (decided through the same `/practices` command as in
the chats, so both stay consistent), a coordinator's city profile and practices, and the reports
(`integrations/web/desk_reports.py`). Roles are checked before anything is read or changed, and again by the
services."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from bot.dispatch import Dispatcher
from bot.errors import UserError
from bot.i18n import N_, t
from bot.messages import CommandInvoked, Identity
from bot.models import Member, Role
from bot.models.practices import PracticeStatus, ReviewAction
from bot.ports import Capabilities
from bot.services.practice_rules import REASON_LIMIT, STATUS_LABELS, clean_reason
from integrations.web.desk_practices import PracticeEditing
from integrations.web.desk_reports import DeskReports
from integrations.web.practices_pages import theme_namer
from integrations.web.site import Site, reader_language

#: The conversation a decision taken on the web is said to come from (nothing is posted there).
DESK_CHANNEL = Identity("web", "web", "desk")
#: Fields of a city profile the desk edits (the profile service checks each).
PROFILE_FIELDS = ("profile", "mission", "mayor", "contact", "profile_url", "languages", "index_year", "index_score")

Page = Callable[[Request, Member], Awaitable[Response]]


def identity_of(member: Member) -> Identity:
    return Identity(member.platform, member.workspace_id, member.user_id)


class DeskPages:
    """The desk's routes of `site`."""

    def __init__(self, site: Site, dispatcher: Dispatcher | None) -> None:
        self.site = site
        self.dispatcher = dispatcher
        self.reports = DeskReports(site, self.icc_team)

    def routes(self) -> list[BaseRoute]:
        guarded, site = self.site.guarded, self.site
        return [
            Route("/desk", guarded(self.signed_in(self.home)), methods=["GET", "HEAD"]),
            Route("/desk/review", guarded(self.icc_team(self.queue)), methods=["GET", "HEAD"]),
            Route("/desk/review/{number}", guarded(self.icc_team(self.decide)), methods=["POST"]),
            Route("/desk/city/{number}", guarded(self.signed_in(self.city_page)), methods=["GET", "HEAD"]),
            Route("/desk/city/{number}", guarded(self.signed_in(self.save_city)), methods=["POST"]),
            *self.reports.routes(),
            *PracticeEditing(site, self.signed_in).routes(),
        ]

    # ------------------------------------------------------------ who may

    def signed_in(self, page: Page) -> Callable[[Request], Awaitable[Response]]:
        async def checked(request: Request) -> Response:
            me = self.site.member(request)
            if me is None:
                return self.site.sign_in_first(request)
            response = await page(request, me)
            response.headers["Cache-Control"] = "no-store"
            return response

        return checked

    def icc_team(self, page: Page) -> Callable[[Request], Awaitable[Response]]:
        async def checked(request: Request, me: Member) -> Response:
            if Role(me.role) is not Role.icc_team:
                return self.site.forbidden(request)
            return await page(request, me)

        return self.signed_in(checked)

    # ------------------------------------------------------------ home

    async def home(self, request: Request, me: Member) -> Response:
        locale = reader_language(request)
        services = self.site.services
        role = Role(me.role)
        waiting = await asyncio.to_thread(services.practices.waiting, reviewer=me, limit=100) \
            if role is Role.icc_team else []
        mine = await asyncio.to_thread(services.practices.mine, me)
        city = await asyncio.to_thread(services.cities.get, me.city_id) if me.city_id else None
        return self.site.render(request, "desk.html", title=t(locale, "Your desk"), role=role.value,
                                waiting=len(waiting), mine=mine, city=city, theme_names=theme_namer(locale),
                                status_label=lambda status: t(locale, STATUS_LABELS[status]),
                                notice=request.session.pop("notice", ""))

    # ------------------------------------------------------------ review

    async def queue(self, request: Request, me: Member) -> Response:
        locale = reader_language(request)
        cards = await asyncio.to_thread(self.site.services.practices.waiting, reviewer=me, limit=50)
        return self.site.render(request, "desk_review.html", title=t(locale, "Practices waiting for review"),
                                cards=cards, theme_names=theme_namer(locale), reason_limit=REASON_LIMIT,
                                approved=PracticeStatus.approved, notice=request.session.pop("notice", ""))

    async def decide(self, request: Request, me: Member) -> Response:
        form = await self.site.form(request)
        if form is None:
            return self.site.bad_form(request)
        raw = str(request.path_params["number"])
        if not (raw.isascii() and raw.isdigit() and 0 < len(raw) < 10):
            return self.site.not_found(request)
        try:
            action = ReviewAction(form.get("action", ""))
        except ValueError:
            return self.site.message(request, N_("That did not work"), N_("Choose approve, publish or reject."),
                                     status=400)
        reason = form.get("reason", "")
        if action is ReviewAction.reject:
            clean_reason(reason)  # a missing or too long reason is the reviewer's to fix: said on a page, nothing done
        if self.dispatcher is None:
            return self.site.message(request, N_("Something went wrong"),
                                     N_("The page could not be made. Try again in a moment."), status=503)
        # The same command as in the chats: the same checks, the author told, a published practice translated.
        text = f"{action.value} {raw} {reason}".strip() if action is ReviewAction.reject else f"{action.value} {raw}"
        response = await self.dispatcher.handle(
            CommandInvoked(actor=identity_of(me), channel=DESK_CHANNEL, name="practices", text=text),
            Capabilities())
        request.session["notice"] = " ".join(reply.text for reply in response.replies)[:500]
        return RedirectResponse("/desk/review", status_code=303)

    # ------------------------------------------------------------ a city's profile (the profiles service decides who)

    def _city(self, raw: str) -> Any:
        if not (raw.isascii() and raw.isdigit() and 0 < len(raw) < 10):
            return None
        return self.site.services.cities.get(int(raw))

    async def city_page(self, request: Request, me: Member) -> Response:
        city = await asyncio.to_thread(self._city, str(request.path_params["number"]))
        if city is None:
            return self.site.not_found(request)
        profiles = self.site.services.profiles
        if not profiles.may_edit(me, city):
            return self.site.forbidden(request)
        practices = await asyncio.to_thread(self.site.services.practices.search, words="", city=city.id,
                                            status=None, limit=50)
        locale = reader_language(request)
        return self.site.render(request, "desk_city.html", title=city.name, city=city, values=None, error="",
                                practices=practices.hits, theme_names=theme_namer(locale),
                                notice=request.session.pop("notice", ""))

    async def save_city(self, request: Request, me: Member) -> Response:
        city = await asyncio.to_thread(self._city, str(request.path_params["number"]))
        if city is None:
            return self.site.not_found(request)
        profiles = self.site.services.profiles
        if not profiles.may_edit(me, city):
            return self.site.forbidden(request)
        form = await self.site.form(request)
        if form is None:
            return self.site.bad_form(request)
        values = {name: form.get(name, "") for name in PROFILE_FIELDS if name in form}
        try:
            await asyncio.to_thread(profiles.update, city, values, by=me)
        except UserError as error:
            locale = reader_language(request)
            return self.site.render(request, "desk_city.html", status=400, title=city.name, city=city,
                                    values=values, error=t(locale, error.msgid, **error.params), practices=[],
                                    theme_names=theme_namer(locale), notice="")
        request.session["notice"] = t(reader_language(request), "The profile of {city} is saved.", city=city.name)
        return RedirectResponse(f"/desk/city/{city.id}", status_code=303)
