"""The web pages on the web host: the public pages (practices, calendar, clusters, cities), sign-in and the desk,
with the signed session cookie they share, and the page for an address nothing answers."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from starlette.exceptions import HTTPException
from starlette.middleware.sessions import SessionMiddleware
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

from bot.dispatch import Dispatcher
from bot.i18n import N_, t
from bot.ports import Clock, SystemClock
from bot.services import Services
from bot.services.web_sessions import Attempts, SignInLinks
from bot.settings import SUPPORTED_LOCALES, Settings
from integrations.web.calendar_pages import CalendarPages
from integrations.web.network_pages import NetworkPages
from integrations.web.practices_pages import PracticePages, SearchForm
from integrations.web.site import LANGUAGE_COOKIE, SESSION_SECONDS, STATIC, Site, local_path, reader_language

#: The cookie that holds the signed session.
SESSION_COOKIE = "icc_session"


class WebPages:
    """The pages' routes (each with the signed session cookie) and the page that answers what no route does."""

    def __init__(self, services: Services, settings: Settings, *, dispatcher: Dispatcher | None = None,
                 clock: Clock | None = None, sign_in: SignInLinks | None = None) -> None:
        from integrations.web.desk import DeskPages
        from integrations.web.signin import SignInPages

        self.clock = clock or services.clock or SystemClock()
        self.site = site = Site(services=services, settings=settings, clock=self.clock)
        self.links = sign_in or SignInLinks(services.engine, clock=self.clock, secret_keys=settings.secret_keys)
        self.practices = PracticePages(site)
        self.calendar = CalendarPages(site)
        attempts = Attempts(limit=10, window=timedelta(minutes=10), now=self.clock.now)
        routes: list[BaseRoute] = [
            Route("/", site.guarded(self.home), methods=["GET", "HEAD"]),
            Route("/language/{code}", self.choose_language, methods=["GET"]),
            *self.practices.routes(),
            *self.calendar.routes(),
            *NetworkPages(site).routes(),
            *SignInPages(site, self.links, attempts).routes(),
            *DeskPages(site, dispatcher).routes(),
        ]
        key = self.links.session_key()
        for route in routes:
            if isinstance(route, Route):
                route.app = SessionMiddleware(route.app, secret_key=key, session_cookie=SESSION_COOKIE,
                                              max_age=SESSION_SECONDS, same_site="lax", https_only=True)
        self.routes = [*routes, Mount("/static", app=StaticFiles(directory=STATIC), name="static")]

    async def home(self, request: Request) -> Response:
        locale = reader_language(request)
        newest = await asyncio.to_thread(self.practices.practices.search, words="", limit=5, language=locale)
        now = self.clock.now()
        upcoming = await asyncio.to_thread(self.site.services.calendar.events.happenings, now,
                                           now + timedelta(days=60), limit=20)
        choices = await asyncio.to_thread(self.practices.choices, locale)
        return self.site.render(request, "home.html", title=t(locale, "Home"), form=SearchForm(lang=locale),
                                cards=newest.hits, events=self.calendar.shown(upcoming, locale)[:5], **choices)

    @staticmethod
    async def choose_language(request: Request) -> Response:
        code = str(request.path_params["code"])
        response = RedirectResponse(local_path(request.query_params.get("next")), status_code=303)
        if code in SUPPORTED_LOCALES:
            response.set_cookie(LANGUAGE_COOKIE, code, max_age=365 * 86400, httponly=True, secure=True,
                                samesite="lax")
        return response

    async def not_found(self, request: Request, exc: Exception) -> Response:
        """What the web host answers for an address no route has (or a method it does not take)."""
        if isinstance(exc, HTTPException) and exc.status_code == 405:
            return self.site.message(request, N_("This address does not take that kind of request."), status=405)
        return self.site.not_found(request)
