"""Events: what a form or a file says, checked; who may add or change which; and the events of a period.

Every rule lives here, so that a form, a command and an imported file are held to the same ones: a title, a
start that exists in its zone (not in the hour skipped or repeated at a daylight-saving change) and is not in
the past, an end after the start, a repetition rule that happens, an audience that exists, links that are links.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import or_
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from bot.db import session_scope
from bot.errors import UserError
from bot.i18n import N_
from bot.models import Member, Role
from bot.models.calendar import CalendarEvent, EventKind, EventStatus, EventTranslation
from bot.services.audience import Audience, AudienceKind, AudienceService
from bot.services.calendar.recurrence import Occurrence, Rule, Timing, check_local_time, parse_rule, to_utc, zone
from bot.services.clusters import ClusterService
from bot.services.members import CityDirectory

TITLE_LIMIT = 200
DESCRIPTION_LIMIT = 4000
PLACE_LIMIT = 300
URL_LIMIT = 500
MATERIALS_LIMIT = 10
#: An event lasts at most this long (an academy, a study visit).
LONGEST = timedelta(days=60)
#: How far ahead an event may be planned.
FURTHEST = timedelta(days=5 * 366)

KIND_LABELS = {
    EventKind.campaign_day: N_("Campaign day"),
    EventKind.meeting: N_("Meeting"),
    EventKind.academy: N_("Academy"),
    EventKind.study_visit: N_("Study visit"),
    EventKind.expert_visit: N_("Expert visit"),
    EventKind.deadline: N_("Deadline"),
    EventKind.cluster_event: N_("Cluster event"),
    EventKind.other: N_("Other"),
}

_URL = re.compile(r"^https?://[^\s<>\"]+\.[^\s<>\"]+$", re.IGNORECASE)
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u202a-\u202e\u2066-\u2069]")


def _text(value: str) -> str:
    return _CONTROL.sub("", value or "").strip()


def clean_title(value: str) -> str:
    title = " ".join(_text(value).split())
    if not title:
        raise UserError("The event needs a title.", field="title")
    if len(title) > TITLE_LIMIT:
        raise UserError("The title is too long: at most {limit} characters.", field="title", limit=TITLE_LIMIT)
    return title


def clean_description(value: str) -> str:
    description = _text(value)
    if len(description) > DESCRIPTION_LIMIT:
        raise UserError("The description is too long: {length} characters, at most {limit}.", field="description",
                        length=len(description), limit=DESCRIPTION_LIMIT)
    return description


def clean_place(value: str) -> str:
    place = " ".join(_text(value).split())
    if len(place) > PLACE_LIMIT:
        raise UserError("The place is too long: at most {limit} characters.", field="place", limit=PLACE_LIMIT)
    return place


def clean_url(value: str, *, field: str = "link") -> str:
    url = _text(value)
    if url and (len(url) > URL_LIMIT or not _URL.match(url)):
        raise UserError("“{value}” is not a web address (https://…).", field=field, value=url[:80])
    return url


def clean_materials(value: str) -> str:
    links = [line.strip() for line in _text(value).replace(",", "\n").splitlines() if line.strip()]
    if len(links) > MATERIALS_LIMIT:
        raise UserError("At most {limit} links to materials.", field="materials", limit=MATERIALS_LIMIT)
    return "\n".join(clean_url(link, field="materials") for link in links)


def clean_kind(value: str) -> EventKind:
    try:
        return EventKind((value or "").strip().lower().replace("_", "-"))
    except ValueError:
        raise UserError("“{value}” is not a kind of event. Kinds: {choices}.", field="kind", value=value[:40],
                        choices=", ".join(kind.value for kind in EventKind)) from None


_FORMATS = (("%Y-%m-%d %H:%M", False), ("%Y-%m-%dT%H:%M", False), ("%Y-%m-%d %H:%M:%S", False),
            ("%Y-%m-%dT%H:%M:%S", False), ("%Y-%m-%d", True))


def parse_moment(value: str, *, field: str = "start") -> tuple[datetime, bool]:
    """A local date and time (`2027-03-21 10:00`), or a day (`2027-03-21`, all day: True)."""
    raw = " ".join(_text(value).split())
    for pattern, all_day in _FORMATS:
        try:
            return datetime.strptime(raw, pattern), all_day
        except ValueError:
            continue
    if re.match(r"^\d{4}-\d{1,2}-\d{1,2}( \d{1,2}:\d{2})?$", raw):
        raise UserError("There is no such day or time: {value}.", field=field, value=raw[:40])
    raise UserError("“{value}” is not a date. Write it as 2027-03-21, or 2027-03-21 10:00 with a time.",
                    field=field, value=raw[:40])


@dataclass(frozen=True)
class EventData:
    """An event's fields, every rule checked."""

    title: str
    description: str
    language: str
    kind: EventKind
    start_local: datetime
    end_local: datetime | None
    all_day: bool
    time_zone: str
    rrule: str
    audience: Audience
    place: str
    online_url: str
    materials: str
    starts_at: datetime
    ends_at: datetime | None

    @property
    def timing(self) -> Timing:
        return timing_of(self.start_local, self.end_local, self.all_day, self.time_zone, self.rrule)


def timing_of(start_local: datetime, end_local: datetime | None, all_day: bool, time_zone: str, rrule: str) -> Timing:
    tz = zone(time_zone)
    duration = (end_local - start_local) if end_local else (timedelta(days=1) if all_day else timedelta(hours=1))
    rule = parse_rule(rrule, start_local, tz) if rrule else None
    return Timing(start_local=start_local, duration=duration, tz=tz, all_day=all_day, rule=rule)


def event_timing(event: CalendarEvent) -> Timing:
    """When a stored event happens (its rule was checked when it was stored)."""
    return timing_of(event.start_local, event.end_local, event.all_day, event.time_zone, event.rrule)


@dataclass(frozen=True)
class Happening:
    """One occurrence of one event."""

    event: CalendarEvent
    occurrence: Occurrence


class EventService:
    """Adds, changes and finds events; checks who may."""

    def __init__(self, engine: Engine, *, audiences: AudienceService, clusters: ClusterService,
                 cities: CityDirectory, default_time_zone: str, now: Callable[[], datetime]) -> None:
        self.engine = engine
        self.audiences = audiences
        self.clusters = clusters
        self.cities = cities
        self.default_time_zone = default_time_zone
        self.now = now

    # ------------------------------------------------------------ rules

    def time_zone_of(self, member: Member | None) -> str:
        """The zone a person's events are written in by default: their city's, else the network's."""
        city = self.cities.get(member.city_id) if member is not None and member.city_id else None
        return city.time_zone if city is not None else self.default_time_zone

    def check(self, values: dict[str, str], *, language: str, actor: Member | None,
              unchanged_start: datetime | None = None, past_allowed: bool = False) -> EventData:
        """The event `values` (form field -> text) describe, every rule checked (`UserError` naming the field)."""
        title = clean_title(values.get("title", ""))
        description = clean_description(values.get("description", ""))
        kind = clean_kind(values.get("kind") or EventKind.other.value)
        tz_name = (values.get("time_zone") or "").strip() or self.time_zone_of(actor)
        tz = zone(tz_name)
        start_local, all_day = parse_moment(values.get("start", ""))
        end_local: datetime | None = None
        if (values.get("end") or "").strip():
            end_local, end_all_day = parse_moment(values["end"], field="end")
            if all_day and end_all_day:
                end_local += timedelta(days=1)  # the last day is included: iCalendar's end is the day after
            elif all_day != end_all_day:
                raise UserError("Give both the start and the end with a time, or both as days.", field="end")
            if end_local <= start_local:
                raise UserError("The end must come after the start.", field="end")
            if end_local - start_local > LONGEST:
                raise UserError("An event lasts at most {days} days.", field="end", days=LONGEST.days)
        if not all_day:
            check_local_time(start_local, tz)
            if end_local is not None:
                check_local_time(end_local, tz, field="end")
        rule: Rule | None = parse_rule(values.get("rrule", ""), start_local, tz)
        starts_at = to_utc(start_local, tz)
        now = self.now()
        if not past_allowed and start_local != unchanged_start:
            if starts_at < now - (timedelta(days=1) if all_day else timedelta(0)):
                raise UserError("{value} is in the past. Give a date to come.", field="start",
                                value=start_local.strftime("%Y-%m-%d %H:%M" if not all_day else "%Y-%m-%d"))
            if starts_at > now + FURTHEST:
                raise UserError("That is too far ahead: at most {years} years.", field="start", years=5)
        audience = self.audiences.parse(values.get("audience") or "all")
        self.check_may_edit(actor, audience, kind)
        timing = Timing(start_local=start_local,
                        duration=(end_local - start_local) if end_local else
                        (timedelta(days=1) if all_day else timedelta(hours=1)),
                        tz=tz, all_day=all_day, rule=rule)
        first, last = timing.first_and_last()
        return EventData(
            title=title, description=description, language=language, kind=kind, start_local=start_local,
            end_local=end_local, all_day=all_day, time_zone=tz.key, rrule=rule.text if rule else "",
            audience=audience, place=clean_place(values.get("place", "")),
            online_url=clean_url(values.get("link", "")), materials=clean_materials(values.get("materials", "")),
            starts_at=first, ends_at=last,
        )

    def may_edit(self, actor: Member | None, audience: Audience, kind: EventKind | None = None) -> bool:
        """The ICC team may add and change every event; a cluster's coordinators, their cluster's events."""
        if actor is None:
            return True  # the command line and the campaign-days file: the operator
        if Role(actor.role) is Role.icc_team:
            return True
        if kind is EventKind.campaign_day or audience.kind is not AudienceKind.cluster:
            return False
        cluster = self.clusters.find(audience.value)
        return cluster is not None and cluster.id is not None and self.clusters.is_coordinator(actor.id, cluster.id)

    def check_may_edit(self, actor: Member | None, audience: Audience, kind: EventKind | None = None) -> None:
        if not self.may_edit(actor, audience, kind):
            raise UserError("Only the ICC team, or a cluster's coordinators for their cluster's events, can do "
                            "this. Ask the ICC team if you coordinate a cluster.")

    # ------------------------------------------------------------ storing

    def create(self, data: EventData, *, actor: Member | None, uid: str | None = None) -> CalendarEvent:
        now = self.now()
        event = CalendarEvent(uid=uid or f"{uuid.uuid4()}@icc-bot", created_by=actor.id if actor else None,
                              created_at=now, updated_at=now, **self.columns(data))
        with session_scope(self.engine) as session:
            session.add(event)
            session.flush()
            session.refresh(event)
        return event

    def update(self, event_id: int, data: EventData, *, actor: Member | None) -> tuple[CalendarEvent, bool]:
        """Change an event; returns it and whether its time or place changed (subscribers are then told)."""
        with session_scope(self.engine) as session:
            event = self._editable(session, event_id, actor)
            columns = self.columns(data)
            moved = any(getattr(event, name) != columns[name]
                        for name in ("start_local", "end_local", "time_zone", "rrule", "all_day", "place",
                                     "online_url"))
            retitled = event.title != data.title or event.description != data.description
            for name, value in columns.items():
                setattr(event, name, value)
            event.sequence += 1
            event.updated_at = self.now()
            session.add(event)
            if retitled:
                for old in session.exec(select(EventTranslation).where(EventTranslation.event_id == event_id,
                                                                       col(EventTranslation.machine))):
                    session.delete(old)
            session.flush()
            session.refresh(event)
        return event, moved

    def cancel(self, event_id: int, *, actor: Member | None) -> CalendarEvent:
        """Cancel an event (it stays in the feeds as CANCELLED); a `UserError` when it already is."""
        with session_scope(self.engine) as session:
            event = self._editable(session, event_id, actor)
            if event.status is EventStatus.cancelled:
                raise UserError("Event #{id} is already cancelled.", id=event_id)
            event.status = EventStatus.cancelled
            event.sequence += 1
            event.updated_at = self.now()
            session.add(event)
            session.flush()
            session.refresh(event)
        return event

    def _editable(self, session: Session, event_id: int, actor: Member | None) -> CalendarEvent:
        event = session.get(CalendarEvent, event_id)
        if event is None:
            raise UserError("There is no event #{id}.", id=event_id)
        audience = self.audiences.parse(event.audience)
        self.check_may_edit(actor, audience, event.kind)
        if event.kind is EventKind.campaign_day and actor is not None:
            raise UserError("Campaign days come from the campaign-days file and the network's vote; they are not "
                            "changed here.")
        return event

    @staticmethod
    def columns(data: EventData) -> dict[str, Any]:
        """The table's columns for `data`."""
        return {"title": data.title, "description": data.description, "language": data.language,
                "kind": data.kind, "start_local": data.start_local, "end_local": data.end_local,
                "all_day": data.all_day, "time_zone": data.time_zone, "rrule": data.rrule,
                "starts_at": data.starts_at, "ends_at": data.ends_at, "audience": str(data.audience),
                "place": data.place, "online_url": data.online_url, "materials": data.materials}

    # ------------------------------------------------------------ reading

    def get(self, event_id: int) -> CalendarEvent | None:
        with session_scope(self.engine) as session:
            return session.get(CalendarEvent, event_id)

    def by_uid(self, uid: str) -> CalendarEvent | None:
        with session_scope(self.engine) as session:
            return session.exec(select(CalendarEvent).where(CalendarEvent.uid == uid)).first()

    def events(self, start: datetime, end: datetime, *, include_cancelled: bool = False) -> list[CalendarEvent]:
        """Events that may happen in [start, end) (repeating ones included), by first start."""
        query = select(CalendarEvent).where(
            col(CalendarEvent.starts_at) < end,
            or_(col(CalendarEvent.ends_at).is_(None), col(CalendarEvent.ends_at) > start),
        ).order_by(col(CalendarEvent.starts_at), col(CalendarEvent.id))
        if not include_cancelled:
            query = query.where(CalendarEvent.status == EventStatus.confirmed)
        with session_scope(self.engine) as session:
            return list(session.exec(query))

    def all_events(self) -> list[CalendarEvent]:
        """Every event (the feeds), by first start."""
        with session_scope(self.engine) as session:
            return list(session.exec(select(CalendarEvent).order_by(col(CalendarEvent.starts_at),
                                                                    col(CalendarEvent.id))))

    def happenings(self, start: datetime, end: datetime, *, audiences: Iterable[str] | None = None,
                   limit: int = 200, kinds: Iterable[EventKind] | None = None) -> list[Happening]:
        """The occurrences in [start, end) of the events for `audiences` (tokens; None: every audience)."""
        wanted = set(audiences) if audiences is not None else None
        wanted_kinds = set(kinds) if kinds is not None else None
        found: list[Happening] = []
        for event in self.events(start, end):
            if wanted is not None and event.audience not in wanted:
                continue
            if wanted_kinds is not None and event.kind not in wanted_kinds:
                continue
            found.extend(Happening(event, occurrence)
                         for occurrence in event_timing(event).between(start, end, limit=limit))
        found.sort(key=lambda h: (h.occurrence.start, h.event.id or 0))
        return found[:limit]

    def reach(self, member: Member) -> set[str]:
        """The audiences that include `member`: the network, their role, their city's country, region, clusters."""
        tokens = {"all", f"role:{Role(member.role).value}"}
        city = self.cities.get(member.city_id) if member.city_id else None
        if city is not None and city.id is not None:
            tokens.add(f"country:{city.country.upper()}")
            if city.region:
                tokens.add(f"region:{city.region}")
            tokens.update(f"cluster:{cluster.slug}" for cluster in self.clusters.of_city(city.id))
        return tokens

    def city_reach(self, city_id: int) -> set[str]:
        """The audiences that include a city (its country, region and clusters, and the whole network)."""
        city = self.cities.get(city_id)
        if city is None:
            return set()
        tokens = {"all", f"country:{city.country.upper()}"}
        if city.region:
            tokens.add(f"region:{city.region}")
        tokens.update(f"cluster:{cluster.slug}" for cluster in self.clusters.of_city(city_id))
        return tokens

    def texts(self, event: CalendarEvent, locale: str) -> tuple[str, str]:
        """The event's title and description in `locale` (the original until a translation is there)."""
        if locale == event.language:
            return event.title, event.description
        with session_scope(self.engine) as session:
            found = session.exec(select(EventTranslation).where(EventTranslation.event_id == event.id,
                                                                EventTranslation.language == locale)).first()
        if found is None:
            return event.title, event.description
        return found.title, found.description or event.description

    def zone_of(self, event: CalendarEvent) -> ZoneInfo:
        return zone(event.time_zone)
