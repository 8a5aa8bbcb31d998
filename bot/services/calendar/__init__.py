"""The network's calendar: events, campaign days, reminders, digests, broadcasts and iCalendar, as one service.

`CalendarService` (reachable as `services.calendar`, and as the home's "calendar" part) gathers the parts, each
in its own module: `events` (rules and periods), `recurrence` (time zones, RRULE), `campaign_days` (the data
file), `subscriptions`, `schedule` (reminders, digests, personal reminders, the tick), `broadcasts`, `ics_out`
and `ics_in` (iCalendar), `translations` (titles and descriptions in every language), `when` (`/remind`'s time).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy.engine import Engine

from bot.messages import Identity, Section
from bot.models import Member
from bot.models.calendar import CalendarEvent, Subscription
from bot.ports import Clock, SystemClock
from bot.services.audience import AudienceService
from bot.services.calendar.broadcasts import Broadcasts
from bot.services.calendar.campaign_days import DEFAULT_FILE, CampaignDayInfo, CampaignDays, read_campaign_days
from bot.services.calendar.events import EventService, Happening
from bot.services.calendar.recurrence import to_utc, zone
from bot.services.calendar.schedule import Place, Schedule, TickReport
from bot.services.calendar.subscriptions import Subscriptions, parse_offsets, parse_scope
from bot.services.calendar.texts import when_text
from bot.services.calendar.translations import EventTranslations
from bot.services.calendar.when import When, parse_when
from bot.services.clusters import ClusterService
from bot.services.delivery import DeliveryService
from bot.services.members import CityDirectory, MemberService
from bot.settings import SUPPORTED_LOCALES, Settings

if TYPE_CHECKING:
    from bot.services.translation import Translation, TranslationEngine

__all__ = ["CalendarService", "CampaignDayInfo", "Happening", "TickReport"]

log = logging.getLogger(__name__)

#: `/calendar` looks this far ahead, and shows at most this many occurrences.
AHEAD = timedelta(days=90)
SHOWN = 10
#: A channel is reminded in at most this many of its languages.
MOST_LANGUAGES = 3


@dataclass(frozen=True)
class EventChange:
    """What a change did: the event, and how many subscribed channels are told."""

    event: CalendarEvent
    told: int = 0


class CalendarService:
    """Everything the calendar does, for commands, jobs, the home, the feeds and other features (surveys)."""

    def __init__(self, *, settings: Settings, engine: Engine, members: MemberService, cities: CityDirectory,
                 clusters: ClusterService, audiences: AudienceService, delivery: DeliveryService,
                 clock: Clock | None = None) -> None:
        self.settings = settings
        self.engine = engine
        self.members = members
        self.cities = cities
        self.clusters = clusters
        self.audiences = audiences
        self.delivery = delivery
        self.clock = clock or SystemClock()
        #: Set by the wiring once translation is built (None: no translation at all).
        self.translation: Translation | None = None
        now = self.clock.now
        self.events = EventService(engine, audiences=audiences, clusters=clusters, cities=cities,
                                   default_time_zone=settings.time_zone, now=now)
        self.campaign = CampaignDays(engine, time_zone=settings.time_zone, now=now)
        self.subscriptions = Subscriptions(engine, clusters=clusters, now=now)
        self.schedule = Schedule(engine, events=self.events, subscriptions=self.subscriptions, delivery=delivery,
                                 place=self.place, now=now)
        self.broadcasts = Broadcasts(engine, audiences=audiences, members=members, delivery=delivery,
                                     translation=self._engine, now=now)
        self.translations = EventTranslations(engine, engine=self._engine, now=now)

    def _kick(self) -> None:
        """Have the sender look at the outbox now, when there is a loop to do it on (a command line has none: the
        worker's sender finds the rows at its next look)."""
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            return
        self.delivery.kick()

    def _engine(self) -> TranslationEngine | None:
        return self.translation.engine if self.translation is not None else None

    # ------------------------------------------------------------ campaign days (surveys call these)

    def campaign_days(self) -> list[CampaignDayInfo]:
        """Every campaign day with its stable id, date, names in every language, and whether it is celebrated."""
        return self.campaign.all()

    def set_campaign_days(self, day_ids: Iterable[str]) -> list[str]:
        """Make `day_ids` the days the network celebrates (the campaign-days vote's result); the others are
        cancelled in the calendar. Returns the ids now celebrated; an unknown id changes nothing (`UserError`)."""
        changed = self.campaign.set_celebrated(day_ids)
        for event_id in changed:
            event = self.events.get(event_id)
            if event is not None:
                self.schedule.event_changed(event, tell=True)
        self._kick()
        return [day.id for day in self.campaign.all() if day.celebrated]

    def load_campaign_days(self, path: Path | str = DEFAULT_FILE) -> tuple[int, int]:
        """Load the campaign-days file (checked first: `CampaignDaysFileError` names file, line, problem)."""
        added, updated = self.campaign.load(read_campaign_days(path))
        self.schedule.plan()
        return added, updated

    # ------------------------------------------------------------ events

    def add_event(self, values: dict[str, str], *, actor: Member | None, language: str) -> CalendarEvent:
        """Add an event from form values (every rule checked); it is translated in the background."""
        data = self.events.check(values, language=language, actor=actor)
        event = self.events.create(data, actor=actor)
        self.schedule.plan(events=[event])
        if event.id is not None:
            self.translations.changed(event.id)
        return event

    def edit_event(self, event_id: int, values: dict[str, str], *, actor: Member | None,
                   language: str) -> EventChange:
        """Change an event; when its time or place changed, subscribers are told once."""
        current = self.events.get(event_id)
        start = current.start_local if current is not None else None
        data = self.events.check(values, language=language, actor=actor, unchanged_start=start)
        event, moved = self.events.update(event_id, data, actor=actor)
        told = self.schedule.event_changed(event, tell=moved)
        if event.id is not None:
            self.translations.changed(event.id)
        self._kick()
        return EventChange(event, told)

    def cancel_event(self, event_id: int, *, actor: Member | None) -> EventChange:
        """Cancel an event: its reminders are cancelled, subscribers told once."""
        event = self.events.cancel(event_id, actor=actor)
        told = self.schedule.event_changed(event, tell=True)
        self._kick()
        return EventChange(event, told)

    def upcoming_for(self, member: Member, *, days: int | None = None, limit: int = SHOWN) -> list[Happening]:
        """What is next for `member`: events of the whole network, their region, country, clusters and role."""
        now = self.clock.now()
        end = now + (timedelta(days=days) if days else AHEAD)
        return self.events.happenings(now, end, audiences=self.events.reach(member), limit=limit)

    def month(self, year: int, month: int, *, member: Member | None = None, tz_name: str | None = None,
              limit: int = 100) -> list[Happening]:
        """The occurrences of a month (for `member`'s audiences, or every one)."""
        tz = zone(tz_name or self.settings.time_zone)
        first = date(year, month, 1)
        after = date(year + (month == 12), month % 12 + 1, 1)
        start, end = to_utc(datetime.combine(first, time(0)), tz), to_utc(datetime.combine(after, time(0)), tz)
        reach = self.events.reach(member) if member is not None else None
        return self.events.happenings(start, end, audiences=reach, limit=limit)

    def cluster_events(self, slug: str, *, limit: int = SHOWN) -> list[Happening]:
        now = self.clock.now()
        return self.events.happenings(now, now + timedelta(days=365), audiences=[f"cluster:{slug}"], limit=limit)

    def time_zone_of(self, member: Member | None) -> str:
        return self.events.time_zone_of(member)

    # ------------------------------------------------------------ channels: where and in which languages

    def place(self, channel: Identity) -> Place:
        """A channel's time zone (its city's, else the network's) and the languages it reads."""
        city = self.cities.city_of_channel(channel)
        locales: list[str] = []
        if city is not None:
            locales = [code for code in city.language_list if code in SUPPORTED_LOCALES]
        if not locales and self.translation is not None:
            from bot.services.translation.languages import base

            try:
                locales = list(dict.fromkeys(base(code) for code in self.translation.channels.languages(channel)
                                             if base(code) in SUPPORTED_LOCALES))
            except Exception:
                log.exception("calendar: the languages of %s could not be read", channel)
        tz = zone(city.time_zone) if city is not None else zone(self.settings.time_zone)
        return Place(tz=tz, locales=locales[:MOST_LANGUAGES] or [self.settings.default_locale])

    # ------------------------------------------------------------ subscriptions and reminders

    def subscribe(self, channel: Identity, scope_text: str, offsets_text: str, *, by: Member) -> Subscription:
        scope = parse_scope(scope_text, self.clusters)
        offsets = parse_offsets(offsets_text)
        subscription = self.subscriptions.subscribe(channel, scope, offsets, by=by)
        self.schedule.plan(subscriptions=[subscription])
        return subscription

    def unsubscribe(self, channel: Identity, scope_text: str) -> str:
        scope = parse_scope(scope_text, self.clusters)
        self.subscriptions.unsubscribe(channel, scope)
        return scope

    def read_when(self, text: str, member: Member, locale: str) -> When:
        """`/remind`'s "when" and "what", in the person's language and their city's time zone."""
        return parse_when(text, locale=locale, tz=zone(self.time_zone_of(member)), now=self.clock.now())

    def remind(self, member: Member, target: Identity, *, direct: bool, when: When, locale: str) -> datetime:
        assert member.id is not None
        self.schedule.remind(member_id=member.id, target=target, direct=direct, text=when.what, locale=locale,
                             due=when.moment)
        return when.moment

    async def tick(self) -> TickReport:
        """The scheduler's job, every minute: plan ahead, hand due notices to delivery, follow broadcasts."""
        report = await asyncio.to_thread(self.schedule.tick)
        if report.sent or report.late:
            self._kick()
        await self.broadcasts.refresh_all()
        return report

    # ------------------------------------------------------------ the home

    def home_sections(self, member: Member, locale: str) -> list[Section]:
        """The home's "Upcoming events": the person's next events."""
        tz = zone(self.time_zone_of(member))
        lines = []
        for happening in self.upcoming_for(member, limit=5):
            title, _ = self.events.texts(happening.event, locale)
            lines.append(f"• {title} — {when_text(happening, locale, tz)}")
        return [Section(text="\n".join(lines))] if lines else []
