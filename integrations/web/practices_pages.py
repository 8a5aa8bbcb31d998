"""The good practices on the web: the same search as `/practices search` (words, theme, city, cluster, the
language to read them in), paged; each practice on its own printable page with its translations; the list as
Atom, CSV and JSON for open-data use."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from bot.errors import UserError
from bot.i18n import language_name, t
from bot.models.practices import THEMES, PracticeStatus
from bot.services.practice_rules import THEME_LABELS
from bot.services.practices import SearchPage
from bot.settings import SUPPORTED_LOCALES
from integrations.web.feeds import atom, csv_list, json_list
from integrations.web.site import Site, reader_language

#: Practices on a page of the list.
PAGE_SIZE = 10
#: The search looks at most this far (the service's own bound): later pages are told to be empty.
DEEPEST_OFFSET = 10_000
#: The search form's lists of cities and clusters are read again after this long (a new city shows within it).
LISTS_SECONDS = 60.0
#: Practices in one Atom, CSV or JSON page.
FEED_SIZE = 50


@dataclass(frozen=True)
class SearchForm:
    """A search as the address gives it; anything malformed falls back to "any"."""

    q: str = ""
    theme: str = ""
    city: str = ""
    cluster: str = ""
    lang: str = "en"
    page: int = 1

    @classmethod
    def read(cls, request: Request) -> SearchForm:
        params = request.query_params
        theme = params.get("theme", "")
        city = params.get("city", "")
        raw_page = params.get("page", "1").strip()
        page = int(raw_page) if raw_page.isascii() and raw_page.isdigit() and len(raw_page) < 19 else 1
        lang = params.get("lang", "")
        return cls(
            q=params.get("q", "")[:200],
            theme=theme if theme in THEMES else "",
            city=city if city.isascii() and city.isdigit() and len(city) < 10 else "",
            cluster=params.get("cluster", "")[:64],
            lang=lang if lang in SUPPORTED_LOCALES else reader_language(request),
            page=max(1, page),
        )


def theme_namer(locale: str) -> Any:
    return lambda themes: ", ".join(t(locale, THEME_LABELS[theme]) for theme in themes if theme in THEME_LABELS)


class PracticePages:
    """The practices' routes of `site`."""

    def __init__(self, site: Site) -> None:
        self.site = site
        self.practices = site.services.practices
        self._listed: tuple[float, list[tuple[str, str]], list[tuple[str, str]]] | None = None

    def routes(self) -> list[BaseRoute]:
        guarded = self.site.guarded
        return [
            Route("/practices", guarded(self.search_page), methods=["GET", "HEAD"]),
            Route("/practices.atom", guarded(self.atom_feed), methods=["GET", "HEAD"]),
            Route("/practices.csv", guarded(self.csv_feed), methods=["GET", "HEAD"]),
            Route("/practices.json", guarded(self.json_feed), methods=["GET", "HEAD"]),
            Route("/practices/{number}", guarded(self.practice_page), methods=["GET", "HEAD"]),
        ]

    def listed(self) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
        """The cities (id, name) and clusters (slug, name) the search form offers, read again after
        `LISTS_SECONDS` (plain pairs: a page lists a hundred of them)."""
        now = time.monotonic()
        if self._listed is None or now - self._listed[0] > LISTS_SECONDS:
            cities = sorted((str(city.id), city.name) for city in self.site.services.cities.all())
            cities.sort(key=lambda pair: pair[1])
            clusters = [(cluster.slug, cluster.name) for cluster in self.site.services.clusters.all()]
            self._listed = (now, cities, clusters)
        return self._listed[1], self._listed[2]

    def choices(self, locale: str) -> dict[str, Any]:
        """What the search form offers, and how cards name things."""
        cities, clusters = self.listed()
        return {
            "themes": sorted(((slug, t(locale, THEME_LABELS[slug])) for slug in THEMES), key=lambda p: p[1]),
            "cities": cities,
            "clusters": clusters,
            "theme_names": theme_namer(locale),
            "language_name": lambda code: language_name(code, locale),
        }

    def run(self, form: SearchForm, *, size: int) -> SearchPage | None:
        """The page of results `form` asks for; None when the page is beyond the last one the search reaches."""
        offset = (form.page - 1) * size
        if offset > DEEPEST_OFFSET:
            return None
        cities = None
        if form.cluster:
            cluster = self.site.services.clusters.find(form.cluster)
            if cluster is None or cluster.id is None:
                raise UserError("There is no cluster called “{name}”.", name=form.cluster)
            cities = [city.id for city in self.site.services.clusters.cities(cluster.id) if city.id is not None]
        return self.practices.search(words=form.q, theme=form.theme or None, city=int(form.city) if form.city else None,
                                     cities=cities, limit=size, offset=offset, language=form.lang)

    async def search_page(self, request: Request) -> Response:
        form = SearchForm.read(request)
        locale = reader_language(request)
        result = await asyncio.to_thread(self.run, form, size=PAGE_SIZE)
        choices = await asyncio.to_thread(self.choices, locale)
        shown = form.q.strip()[:80]
        if result is None:
            empty = t(locale, "There is no page {page} of this search: its results end before.", page=form.page)
        elif form.page > 1:
            empty = t(locale, "No more practices match your search.")
        elif shown:
            empty = t(locale, "No published practice matches “{words}”. Try fewer or other words.", words=shown)
        else:
            empty = ""
        heading = (t(locale, "Practices matching “{words}”", words=shown) if shown
                   else t(locale, "Good practices of ICC cities"))
        return self.site.render(
            request, "practices.html", title=heading, form=form, cards=result.hits if result else [],
            has_more=bool(result and result.has_more), empty=empty, **choices)

    async def practice_page(self, request: Request) -> Response:
        raw = str(request.path_params["number"])
        if not (raw.isascii() and raw.isdigit() and 0 < len(raw) < 10):
            return self.site.not_found(request)
        me = self.site.member(request)
        try:
            details = await asyncio.to_thread(self.practices.details, int(raw), viewer=me)
        except UserError:
            return self.site.not_found(request)
        locale = reader_language(request)
        practice = details.practice
        reader = next((tr for tr in details.translations if tr.language == locale), None)
        return self.site.render(
            request, "practice.html", title=practice.title, details=details, practice=practice,
            published=PracticeStatus(practice.status) is PracticeStatus.published, in_your_language=reader
            if practice.language != locale else None, links=[line for line in practice.links.split() if
                                                              line.startswith(("https://", "http://"))],
            theme_names=theme_namer(locale), language_name=lambda code: language_name(code, locale),
            permalink=f"{self.site.settings.web_address}/practices/{practice.id}",
            # A practice's contact may be a person's: only people signed in see it.
            contact=practice.contact if me is not None else "")

    # ------------------------------------------------------------ open data

    async def _feed_page(self, request: Request) -> tuple[SearchForm, SearchPage]:
        form = SearchForm.read(request)
        result = await asyncio.to_thread(self.run, form, size=FEED_SIZE)
        return form, result or SearchPage(hits=[], offset=0, limit=FEED_SIZE, has_more=False)

    async def atom_feed(self, request: Request) -> Response:
        form, result = await self._feed_page(request)
        locale = reader_language(request)
        body = atom(result.hits, address=self.site.settings.web_address, language=form.lang,
                    title=t(locale, "Good practices of ICC cities"), self_path=str(request.url.path) + (
                        "?" + request.url.query if request.url.query else ""), updated=self.site.clock.now())
        return Response(body, media_type="application/atom+xml; charset=utf-8",
                        headers={"Cache-Control": "public, max-age=300"})

    async def csv_feed(self, request: Request) -> Response:
        _, result = await self._feed_page(request)
        return Response(csv_list(result.hits, address=self.site.settings.web_address),
                        media_type="text/csv; charset=utf-8",
                        headers={"Content-Disposition": 'attachment; filename="practices.csv"',
                                 "Cache-Control": "public, max-age=300"})

    async def json_feed(self, request: Request) -> Response:
        form, result = await self._feed_page(request)
        return Response(json_list(result.hits, address=self.site.settings.web_address, page=form.page,
                                  has_more=result.has_more),
                        media_type="application/json", headers={"Cache-Control": "public, max-age=300"})
