"""City profiles: what a city is and does in the network (its mission, mayor, coordinators, languages, time zone,
clusters, practices, ICC Index), read by anyone and changed only by the ICC team and that city's coordinators."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlparse
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy.engine import Engine
from sqlmodel import col, select

from bot.db import session_scope
from bot.errors import ROLE_HINTS, UserError
from bot.models import City, Cluster, Member, Practice, PracticeStatus, Role
from bot.ports import Clock, SystemClock
from bot.services.clusters.service import ClusterService, clean_languages, clean_themes

DESCRIPTION_LIMIT = 4000
MISSION_LIMIT = 1000
MAYOR_LIMIT = 120
CONTACT_LIMIT = 200
URL_LIMIT = 400
#: The first ICC Index was published in 2008.
FIRST_INDEX_YEAR = 2008
#: Practices a profile names (the newest first); the count covers them all.
PRACTICES_SHOWN = 5
#: Practices others can read: approved or published by the ICC team.
SHARED = (PracticeStatus.approved, PracticeStatus.published)


@dataclass(frozen=True)
class CityProfile:
    """A city with what its profile shows besides its own fields."""

    city: City
    coordinators: list[Member]
    clusters: list[Cluster]
    practices: list[Practice]
    practice_count: int


# ---------------------------------------------------------------- checking what people type


def _limited(field: str, limit: int) -> Callable[[str], str]:
    def clean(value: str) -> str:
        text = value.strip()
        if len(text) > limit:
            raise UserError("This is {length} characters long; at most {limit} please.", field=field,
                            length=len(text), limit=limit)
        return text

    return clean


clean_description = _limited("description", DESCRIPTION_LIMIT)
clean_mission = _limited("mission", MISSION_LIMIT)
clean_mayor = _limited("mayor", MAYOR_LIMIT)
clean_contact = _limited("contact", CONTACT_LIMIT)


def clean_url(value: str) -> str:
    """An https (or http) address of a page, or "" for none."""
    text = value.strip()
    if not text:
        return ""
    parsed = urlparse(text)
    if parsed.scheme not in ("http", "https") or not parsed.netloc or " " in text or len(text) > URL_LIMIT:
        raise UserError("“{value}” is not a web address. Give one like https://www.coe.int/interculturalcities.",
                        field="profile_url", value=text[:80])
    return text


def clean_time_zone(value: str) -> str:
    """A time zone of the tz database (`Europe/Lisbon`)."""
    text = value.strip()
    try:
        if not text or "/" not in text:
            raise ZoneInfoNotFoundError(text)
        ZoneInfo(text)
    except (ZoneInfoNotFoundError, ValueError):
        raise UserError("“{value}” is not a time zone. Give one like Europe/Lisbon or America/Toronto.",
                        field="time_zone", value=text[:60]) from None
    return text


def clean_index_year(value: str, *, now: datetime | None = None) -> int | None:
    text = value.strip()
    if not text:
        return None
    last = (now or SystemClock().now()).year
    if not text.isdigit() or not FIRST_INDEX_YEAR <= int(text) <= last:
        raise UserError("The ICC Index year is a year from {first} to {last}.", field="index_year",
                        first=FIRST_INDEX_YEAR, last=last)
    return int(text)


def clean_index_score(value: str) -> int | None:
    text = value.strip().rstrip("%").strip()
    if not text:
        return None
    if not text.isdigit() or not 0 <= int(text) <= 100:
        raise UserError("The ICC Index score is a whole number from 0 to 100.", field="index_score")
    return int(text)


#: The profile's fields as a form gives them (name -> rule turning the text into what is stored).
RULES: dict[str, Callable[[str], object]] = {
    "profile": clean_description,
    "mission": clean_mission,
    "mayor": clean_mayor,
    "contact": clean_contact,
    "languages": lambda value: ",".join(clean_languages(value)),
    "time_zone": clean_time_zone,
    "themes": lambda value: ",".join(clean_themes(value)),
    "index_year": clean_index_year,
    "index_score": clean_index_score,
    "profile_url": clean_url,
}


class CityProfiles:
    """Reads and changes cities' profiles; who may change one is checked here, whatever the command."""

    def __init__(self, engine: Engine, *, clusters: ClusterService, clock: Clock | None = None) -> None:
        self.engine = engine
        self.clusters = clusters
        self.clock = clock or SystemClock()

    # ------------------------------------------------------------ reading

    def coordinators(self, city_id: int) -> list[Member]:
        """The people who coordinate the city, on every platform, by name."""
        with session_scope(self.engine) as session:
            return list(session.exec(select(Member).where(Member.city_id == city_id, Member.role == Role.coordinator)
                                     .order_by(Member.display_name, col(Member.id))))

    def practices(self, city_id: int) -> tuple[list[Practice], int]:
        """The city's shared practices (the newest `PRACTICES_SHOWN`) and how many it shared in all."""
        query = select(Practice).where(Practice.city_id == city_id, col(Practice.status).in_(SHARED))
        with session_scope(self.engine) as session:
            found = list(session.exec(query.order_by(col(Practice.created_at).desc(), col(Practice.id).desc())))
        return found[:PRACTICES_SHOWN], len(found)

    def profile(self, city: City) -> CityProfile:
        assert city.id is not None
        practices, count = self.practices(city.id)
        return CityProfile(city=city, coordinators=self.coordinators(city.id), clusters=self.clusters.of_city(city.id),
                           practices=practices, practice_count=count)

    # ------------------------------------------------------------ who may change it

    @staticmethod
    def may_edit(member: Member, city: City) -> bool:
        """The ICC team and the city's own coordinators change its profile; nobody else."""
        role = Role(member.role)
        return role is Role.icc_team or (role is Role.coordinator and member.city_id == city.id)

    def check_may_edit(self, member: Member, city: City) -> None:
        if self.may_edit(member, city):
            return
        if Role(member.role) is Role.coordinator:
            raise UserError("Only the coordinators of {city} and the ICC team can change its profile; you "
                            "coordinate another city.", city=city.name)
        raise UserError("Only the coordinators of {city} and the ICC team can change its profile.",
                        hint=ROLE_HINTS["coordinator"], city=city.name)

    # ------------------------------------------------------------ changing it

    def update(self, city: City, values: dict[str, str], *, by: Member) -> City:
        """Change the profile fields given in `values` (as typed: each is checked); nothing is written on error."""
        self.check_may_edit(by, city)
        cleaned: dict[str, object] = {}
        for name, value in values.items():
            rule = RULES.get(name)
            if rule is None:
                continue
            cleaned[name] = clean_index_year(value, now=self.clock.now()) if name == "index_year" else rule(value)
        if cleaned.get("languages") == "":
            raise UserError("Give at least one language the city works in.", field="languages")
        with session_scope(self.engine) as session:
            stored = session.get(City, city.id)
            if stored is None:
                raise UserError("This city no longer exists.")
            for name, checked in cleaned.items():
                setattr(stored, name, checked)
            stored.profile_updated_by = by.id
            stored.profile_updated_at = self.clock.now()
            session.add(stored)
            session.flush()
            session.refresh(stored)
            return stored
