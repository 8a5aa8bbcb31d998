"""Editing a practice on the desk: its city's coordinators while it waits for review or after a rejection (it then
goes back to the queue), the ICC team always; anyone else is refused (403, nothing changed)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from bot.errors import UserError
from bot.i18n import language_name, t
from bot.models import Member
from bot.models.practices import THEMES, Practice, PracticeCreate
from bot.services.practice_rules import THEME_LABELS
from bot.settings import SUPPORTED_LOCALES
from integrations.web.site import Site, reader_language

Page = Callable[[Request, Member], Awaitable[Response]]
Guard = Callable[[Page], Callable[[Request], Awaitable[Response]]]
FIELDS = ("title", "summary", "description", "results", "links", "language")


class PracticeEditing:
    """The routes that edit a practice (for people signed in)."""

    def __init__(self, site: Site, signed_in: Guard) -> None:
        self.site = site
        self.signed_in = signed_in
        self.practices = site.services.practices

    def routes(self) -> list[BaseRoute]:
        guarded = self.site.guarded
        return [
            Route("/desk/practice/{number}", guarded(self.signed_in(self.edit_page)), methods=["GET", "HEAD"]),
            Route("/desk/practice/{number}", guarded(self.signed_in(self.save)), methods=["POST"]),
        ]

    def _practice(self, request: Request) -> Practice | None:
        raw = str(request.path_params["number"])
        if not (raw.isascii() and raw.isdigit() and 0 < len(raw) < 10):
            return None
        return self.practices.get(int(raw))

    def _render(self, request: Request, practice: Practice, values: dict[str, Any], *, error: str = "",
                status: int = 200) -> Response:
        locale = reader_language(request)
        themes = sorted(((slug, t(locale, THEME_LABELS[slug])) for slug in THEMES), key=lambda pair: pair[1])
        languages = list(dict.fromkeys([*SUPPORTED_LOCALES, practice.language]))
        return self.site.render(request, "desk_practice.html", status=status, title=practice.title,
                                practice=practice, values=values, error=error, themes=themes,
                                languages=[(code, language_name(code, locale)) for code in languages])

    async def edit_page(self, request: Request, me: Member) -> Response:
        practice = await asyncio.to_thread(self._practice, request)
        if practice is None:
            return self.site.not_found(request)
        if not self.practices.may_edit(me, practice):
            return self.site.forbidden(request)
        details = await asyncio.to_thread(self.practices.details, practice.id or 0, viewer=me)
        values = {name: getattr(practice, name) for name in FIELDS} | {"themes": list(details.themes)}
        return self._render(request, practice, values)

    async def save(self, request: Request, me: Member) -> Response:
        practice = await asyncio.to_thread(self._practice, request)
        if practice is None:
            return self.site.not_found(request)
        if not self.practices.may_edit(me, practice):
            return self.site.forbidden(request)
        form = await self.site.form(request)
        if form is None:
            return self.site.bad_form(request)
        async with request.form() as posted:
            themes = [str(value) for value in posted.getlist("themes") if str(value) in THEMES]
        values: dict[str, Any] = {name: form.get(name, "") for name in FIELDS} | {"themes": themes}
        data = PracticeCreate(city_id=practice.city_id, contact=practice.contact, **values)
        try:
            await asyncio.to_thread(self.practices.edit, editor=me, practice_id=practice.id or 0, data=data)
        except UserError as error:
            locale = reader_language(request)
            return self._render(request, practice, values, error=t(locale, error.msgid, **error.params), status=400)
        request.session["notice"] = t(reader_language(request), "Practice #{id} is saved.", id=practice.id)
        return RedirectResponse("/desk", status_code=303)
