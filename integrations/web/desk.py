"""The desk: what people signed in do on the web (filled in below)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from bot.i18n import t
from integrations.web.site import Site, reader_language


class DeskPages:
    def __init__(self, site: Site) -> None:
        self.site = site

    def routes(self) -> list[BaseRoute]:
        return [Route("/desk", self.site.guarded(self.desk), methods=["GET", "HEAD"])]

    async def desk(self, request: Request) -> Response:
        me = self.site.member(request)
        if me is None:
            return self.site.sign_in_first(request)
        return self.site.render(request, "desk.html", title=t(reader_language(request), "Your desk"))
