"""Audiences: who an event, a broadcast or a survey is for (all cities, a cluster, a region, a country, a role).

An audience is written as one short token, the same in commands, data files and the database:
`all`, `cluster:<slug>`, `region:<slug>`, `country:<ISO code>`, `role:<coordinator|icc_team|member>`.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass

from babel import Locale, UnknownLocaleError
from sqlalchemy.engine import Engine
from sqlmodel import col, select

from bot.db import session_scope
from bot.errors import UserError
from bot.i18n import N_, t
from bot.messages import Identity
from bot.models import City, Member, Role
from bot.regions import REGIONS, region_name
from bot.services.clusters import ClusterService
from bot.services.members import CityDirectory


class AudienceKind(enum.StrEnum):
    all = "all"
    cluster = "cluster"
    region = "region"
    country = "country"
    role = "role"


@dataclass(frozen=True)
class Audience:
    """Who something is for. `value` is the cluster slug, region slug, country code or role (empty for all)."""

    kind: AudienceKind = AudienceKind.all
    value: str = ""

    def __str__(self) -> str:
        return self.kind.value if self.kind is AudienceKind.all else f"{self.kind.value}:{self.value}"


EVERYONE = Audience()

_ROLE_NAMES = {
    Role.member: N_("Role: members"),
    Role.coordinator: N_("Role: city coordinators"),
    Role.icc_team: N_("Role: the ICC team"),
}


def country_name(code: str, locale: str) -> str:
    """The country's name in `locale` (Babel's CLDR data), or the code when unknown."""
    try:
        return Locale.parse(locale.replace("-", "_")).territories.get(code.upper(), code.upper())
    except (UnknownLocaleError, ValueError):
        return code.upper()


class AudienceService:
    """Parses, describes and resolves audiences into cities, people and cities' own channels."""

    def __init__(self, engine: Engine, *, cities: CityDirectory, clusters: ClusterService) -> None:
        self.engine = engine
        self.cities_directory = cities
        self.clusters = clusters

    def parse(self, text: str) -> Audience:
        """The audience `text` names; a clear localised `UserError` (field `audience`) when it names none."""
        raw = " ".join((text or "").split()).strip()
        kind_text, sep, value = raw.partition(":")
        kind_text, value = kind_text.strip().lower(), value.strip()
        if kind_text in ("", "all") and not value:
            return EVERYONE
        try:
            kind = AudienceKind(kind_text)
        except ValueError:
            raise UserError(
                "“{value}” is not an audience. Try: all, cluster:<name>, region:<name>, country:<code>, role:<role>.",
                field="audience", value=raw[:60],
            ) from None
        if kind is AudienceKind.all or not sep or not value:
            if kind is AudienceKind.all:
                return EVERYONE
            raise UserError("Say which {kind}: {kind}:<name>.", field="audience", kind=kind.value)
        if kind is AudienceKind.cluster:
            cluster = self.clusters.find(value)
            if cluster is None:
                raise UserError("There is no cluster called “{value}”.", field="audience", value=value[:60])
            return Audience(kind, cluster.slug)
        if kind is AudienceKind.region:
            slug = value.lower()
            if slug not in REGIONS:
                raise UserError("“{value}” is not a region. Regions: {choices}.", field="audience",
                                value=value[:60], choices=", ".join(REGIONS))
            return Audience(kind, slug)
        if kind is AudienceKind.country:
            code = value.upper()
            if len(code) != 2 or code not in Locale.parse("en").territories:
                raise UserError("“{value}” is not a two-letter country code (PT, FR, UA…).", field="audience",
                                value=value[:60])
            return Audience(kind, code)
        try:
            role = Role(value.lower())
        except ValueError:
            raise UserError("“{value}” is not a role. Roles: {choices}.", field="audience", value=value[:60],
                            choices=", ".join(r.value for r in Role)) from None
        return Audience(kind, role.value)

    def describe(self, audience: Audience, locale: str) -> str:
        """The audience in words, in `locale` ("All cities", "Cluster: Anti-rumours", "Country: Portugal"…)."""
        if audience.kind is AudienceKind.all:
            return t(locale, "All cities")
        if audience.kind is AudienceKind.cluster:
            cluster = self.clusters.find(audience.value)
            return t(locale, "Cluster: {name}", name=cluster.name if cluster else audience.value)
        if audience.kind is AudienceKind.region:
            return t(locale, "Region: {name}", name=region_name(audience.value, locale))
        if audience.kind is AudienceKind.country:
            return t(locale, "Country: {name}", name=country_name(audience.value, locale))
        return t(locale, _ROLE_NAMES[Role(audience.value)])

    def cities(self, audience: Audience) -> list[City]:
        """The cities the audience reaches, by name (a role audience reaches every city)."""
        if audience.kind is AudienceKind.cluster:
            cluster = self.clusters.find(audience.value)
            return self.clusters.cities(cluster.id) if cluster and cluster.id is not None else []
        query = select(City).order_by(City.name)
        if audience.kind is AudienceKind.region:
            query = query.where(City.region == audience.value)
        elif audience.kind is AudienceKind.country:
            query = query.where(City.country == audience.value)
        with session_scope(self.engine) as session:
            return list(session.exec(query))

    def people(self, audience: Audience, *, roles: Iterable[Role] | None = None) -> list[Member]:
        """The people the audience reaches: members of its cities (with one of `roles`, when given).

        A role audience reaches everyone with that role, whatever their city (the ICC team has none).
        """
        wanted = {Role(audience.value)} if audience.kind is AudienceKind.role else None
        if roles is not None:
            wanted = set(roles) if wanted is None else wanted & set(roles)
        query = select(Member).order_by(col(Member.id))
        if wanted is not None:
            query = query.where(col(Member.role).in_(sorted(wanted)))
        if audience.kind not in (AudienceKind.all, AudienceKind.role):
            city_ids = [city.id for city in self.cities(audience)]
            query = query.where(col(Member.city_id).in_(city_ids))
        with session_scope(self.engine) as session:
            return list(session.exec(query))

    def city_channels(self, audience: Audience) -> list[tuple[int, Identity]]:
        """(city id, channel) of the own conversations of every city the audience reaches."""
        if audience.kind in (AudienceKind.all, AudienceKind.role):
            return self.cities_directory.channels()
        return self.cities_directory.channels(city.id for city in self.cities(audience) if city.id is not None)

    def includes(self, audience: Audience, member: Member) -> bool:
        """Whether `member` is among the people the audience reaches."""
        if audience.kind is AudienceKind.all:
            return True
        if audience.kind is AudienceKind.role:
            return member.role == Role(audience.value)
        if member.city_id is None:
            return False
        return any(city.id == member.city_id for city in self.cities(audience))
