"""The network on the web: the clusters directory and the cities' public profiles (never a person's contact
details: no coordinator, no member, no address of anyone)."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

from babel import Locale, UnknownLocaleError
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from bot.i18n import language_name, t
from bot.models import City, Cluster, ClusterStatus
from bot.services.practice_rules import THEME_LABELS
from integrations.web.practices_pages import theme_namer
from integrations.web.site import Site, reader_language


def country_name(code: str, locale: str) -> str:
    try:
        return str(Locale.parse(locale).territories.get(code.upper(), code.upper()))
    except (UnknownLocaleError, ValueError):
        return code.upper()


@dataclass(frozen=True)
class CityProfile:
    """What the public sees of a city."""

    city: City
    country: str
    languages: str
    clusters: list[Cluster]


class NetworkPages:
    """The clusters' and cities' routes of `site`."""

    def __init__(self, site: Site) -> None:
        self.site = site
        self.clusters = site.services.clusters
        self.cities = site.services.cities

    def routes(self) -> list[BaseRoute]:
        guarded = self.site.guarded
        return [
            Route("/clusters", guarded(self.clusters_page), methods=["GET", "HEAD"]),
            Route("/clusters/{slug}", guarded(self.cluster_page), methods=["GET", "HEAD"]),
            Route("/cities", guarded(self.cities_page), methods=["GET", "HEAD"]),
            Route("/cities/{number}", guarded(self.city_page), methods=["GET", "HEAD"]),
        ]

    def names(self, locale: str) -> dict[str, Any]:
        return {"theme_names": theme_namer(locale), "language_name": lambda code: language_name(code, locale),
                "country_name": lambda code: country_name(code, locale)}

    async def clusters_page(self, request: Request) -> Response:
        locale = reader_language(request)
        clusters = await asyncio.to_thread(self.clusters.all)
        counts = await asyncio.to_thread(self.clusters.city_counts)
        return self.site.render(request, "clusters.html", title=t(locale, "Clusters"), clusters=clusters,
                                counts=counts, **self.names(locale))

    def _cluster(self, slug: str) -> tuple[Cluster, list[City], list[str]] | None:
        cluster = self.clusters.find(slug[:64])
        if cluster is None or cluster.id is None or ClusterStatus(cluster.status) is not ClusterStatus.active:
            return None
        return cluster, self.clusters.cities(cluster.id), self.clusters.priorities(cluster.id)

    async def cluster_page(self, request: Request) -> Response:
        found = await asyncio.to_thread(self._cluster, str(request.path_params["slug"]))
        if found is None:
            return self.site.not_found(request)
        cluster, cities, priorities = found
        locale = reader_language(request)
        themes = tuple(theme for theme in cluster.theme_list if theme in THEME_LABELS)
        return self.site.render(request, "cluster.html", title=cluster.name, cluster=cluster, cities=cities,
                                priorities=priorities, themes=themes, **self.names(locale))

    async def cities_page(self, request: Request) -> Response:
        locale = reader_language(request)
        cities = await asyncio.to_thread(self.cities.all)
        cities.sort(key=lambda city: (country_name(city.country, locale), city.name))
        return self.site.render(request, "cities.html", title=t(locale, "Cities of the network"), cities=cities,
                                **self.names(locale))

    async def city_page(self, request: Request) -> Response:
        raw = str(request.path_params["number"])
        if not (raw.isascii() and raw.isdigit() and 0 < len(raw) < 10):
            return self.site.not_found(request)
        city = await asyncio.to_thread(self.cities.get, int(raw))
        if city is None or city.id is None:
            return self.site.not_found(request)
        locale = reader_language(request)
        clusters = await asyncio.to_thread(self.clusters.of_city, city.id)
        profile = CityProfile(city=city, country=country_name(city.country, locale),
                              languages=", ".join(language_name(code, locale) for code in city.language_list),
                              clusters=clusters)
        me = self.site.member(request)
        may_edit = me is not None and self.site.services.profiles.may_edit(me, city)
        return self.site.render(request, "city.html", title=city.name, profile=profile, may_edit=may_edit,
                                **self.names(locale))
