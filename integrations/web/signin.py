"""Signing in to the web pages without a password: a one-time link the bot sends by direct message (`/web`),
"Sign in with Slack" and "Sign in with Discord" (`integrations/web/oauth.py`); signing out."""

from __future__ import annotations

import asyncio
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from bot.i18n import N_, t
from bot.services.web_sessions import Attempts, SignInLinks
from integrations.web.oauth import OAuthSignIn
from integrations.web.site import Site, local_path, reader_language


def client_of(request: Request) -> str:
    """Who is trying (the address uvicorn reports, after the proxy's `X-Forwarded-For`)."""
    return request.client.host if request.client else "unknown"


class SignInPages:
    """The sign-in routes of `site`."""

    def __init__(self, site: Site, links: SignInLinks, attempts: Attempts) -> None:
        self.site = site
        self.links = links
        self.attempts = attempts
        self.oauth = OAuthSignIn(site, links, attempts)

    def routes(self) -> list[BaseRoute]:
        guarded = self.site.guarded
        return [
            Route("/signin", guarded(self.sign_in_page), methods=["GET", "HEAD"]),
            Route("/signin", guarded(self.use_link), methods=["POST"]),
            Route("/signin/link/{token}", guarded(self.link_page), methods=["GET", "HEAD"]),
            Route("/signout", guarded(self.sign_out), methods=["POST"]),
            *self.oauth.routes(),
        ]

    async def sign_in_page(self, request: Request) -> Response:
        if self.site.member(request) is not None:
            return RedirectResponse(local_path(request.query_params.get("next"), "/desk"), status_code=303)
        return self.site.render(request, "signin.html", title=t(reader_language(request), "Sign in"),
                                next=local_path(request.query_params.get("next"), "/desk"),
                                providers=self.oauth.providers())

    async def link_page(self, request: Request) -> Response:
        """The link from the direct message: a button to press, so that a mail scanner or a link preview that
        opens it does not use it up."""
        token = str(request.path_params["token"])[:100]
        return self.site.render(request, "signin_link.html", title=t(reader_language(request), "Sign in"),
                                token=token, next=local_path(request.query_params.get("next"), "/desk"))

    async def use_link(self, request: Request) -> Response:
        if not self.attempts.allow(client_of(request)):
            return self.site.message(request, N_("Too many attempts"), N_("Wait a few minutes, then try again."),
                                     status=429)
        form = await self.site.form(request)
        if form is None:
            return self.site.bad_form(request)
        member = await asyncio.to_thread(self.links.redeem, form.get("token", ""))
        if member is None:
            return self.site.message(
                request, N_("This sign-in link does not work"),
                N_("It was already used, it has expired, or it was never sent. Type /web in a chat with the bot "
                   "to get a new one."), status=403)
        self.site.sign_in(request, member)
        return RedirectResponse(local_path(form.get("next"), "/desk"), status_code=303)

    async def sign_out(self, request: Request) -> Response:
        form = await self.site.form(request)
        if form is None:
            return self.site.bad_form(request)
        request.session.clear()
        return RedirectResponse("/?" + urlencode({"signed_out": "1"}), status_code=303)
