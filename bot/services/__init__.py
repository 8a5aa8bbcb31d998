"""The services of the core: each owns one part of the domain and is shared by every platform."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sqlalchemy.engine import Engine

from bot.ports import Clock, SystemClock, Translator
from bot.services.audience import AudienceService
from bot.services.calendar import CalendarService
from bot.services.cities import CityProfiles
from bot.services.clusters import ClusterService
from bot.services.clusters.channels import ClusterChannels
from bot.services.clusters.proposals import ClusterProposals
from bot.services.clusters.reports import ClusterReports
from bot.services.delivery import DeliveryService
from bot.services.home import HomeService
from bot.services.matching import Matching
from bot.services.members import CityDirectory, MemberService
from bot.services.onboarding import Onboarding
from bot.services.practices import PracticeService
from bot.services.role_requests import RoleRequests
from bot.settings import Settings

if TYPE_CHECKING:
    from bot.services.translation import Translation, TranslationEngine


@dataclass
class Services:
    """Everything a command handler or a scheduled job may call."""

    settings: Settings
    engine: Engine
    members: MemberService
    cities: CityDirectory
    practices: PracticeService
    clusters: ClusterService
    #: Who an event, a broadcast or a survey is for: cities, people and cities' channels of an audience.
    audiences: AudienceService
    #: A person's home (App Home): the core's parts, and those features fill (`add_feature`).
    home: HomeService
    #: Messages to people, channels and the ICC team, sent exactly once (the outbox and its sender).
    delivery: DeliveryService
    #: The network's calendar: events, campaign days (`campaign_days`, `set_campaign_days`), reminders,
    #: broadcasts, feeds. Also the home's "calendar" part.
    calendar: CalendarService
    #: Clusters' channels on every platform (made, translated, kept to their members).
    cluster_channels: ClusterChannels
    #: New clusters: created by the ICC team, proposed by coordinators.
    cluster_proposals: ClusterProposals
    #: Clusters' yearly reports to the ICC team.
    cluster_reports: ClusterReports
    #: Requests for a role, decided by the ICC team.
    role_requests: RoleRequests
    #: Cities' profiles (/city), changed by their coordinators and the ICC team only.
    profiles: CityProfiles
    #: Cities and clusters that suit a city, with reasons (/match).
    matching: Matching
    #: The welcome on first contact, and the welcome pack of a new city's first coordinator.
    onboarding: Onboarding
    clock: Clock = field(default_factory=SystemClock)
    translator: Translator | None = None
    #: Translation of channels and on demand, and its settings (built by the wiring, with or without DeepL).
    translation: Translation | None = None
    #: What any feature calls to translate a text (`translate_text`): the engine under `translation`.
    translation_engine: TranslationEngine | None = None
    #: Services added by features (the calendar, surveys, …), by name: see `add_feature`.
    features: dict[str, Any] = field(default_factory=dict)

    def add_feature(self, name: str, service: Any) -> None:
        """Make a feature's service reachable as `features[name]`; if it has `home_sections(member, locale)`,
        that fills the home's part `name` ("calendar": upcoming events, "surveys": open surveys)."""
        self.features[name] = service
        provider = getattr(service, "home_sections", None)
        if provider is not None:
            self.home.provide(name, provider)

    @classmethod
    def build(cls, settings: Settings, engine: Engine, *, clock: Clock | None = None) -> Services:
        clock = clock or SystemClock()
        members = MemberService(engine, default_locale=settings.default_locale)
        cities = CityDirectory(engine)
        clusters = ClusterService(engine, clock=clock)
        practices = PracticeService(engine, clock)
        audiences = AudienceService(engine, cities=cities, clusters=clusters)
        delivery = DeliveryService(engine, members, clock=clock)
        calendar = CalendarService(settings=settings, engine=engine, members=members, cities=cities,
                                   clusters=clusters, audiences=audiences, delivery=delivery, clock=clock)
        channels = ClusterChannels(engine, clusters=clusters, chats=delivery.chats)
        role_requests = RoleRequests(engine, members=members, cities=cities, clusters=clusters, delivery=delivery,
                                     clock=clock, per_day=settings.role_requests_per_day)
        matching = Matching(engine, clusters=clusters)
        onboarding = Onboarding(engine, clusters=clusters, matching=matching, delivery=delivery, clock=clock)
        onboarding.upcoming.append(calendar.home_sections)
        role_requests.on_new_city.append(onboarding.new_city)
        services = cls(
            settings=settings,
            engine=engine,
            members=members,
            cities=cities,
            practices=practices,
            clusters=clusters,
            audiences=audiences,
            home=HomeService(cities=cities, clusters=clusters, practices=practices),
            delivery=delivery,
            calendar=calendar,
            cluster_channels=channels,
            cluster_proposals=ClusterProposals(clusters=clusters, channels=channels, delivery=delivery,
                                               members=members, cities=cities),
            cluster_reports=ClusterReports(engine, clusters=clusters, delivery=delivery, clock=clock,
                                           month=settings.cluster_report_month),
            role_requests=role_requests,
            profiles=CityProfiles(engine, clusters=clusters, clock=clock),
            matching=matching,
            onboarding=onboarding,
            clock=clock,
        )
        services.add_feature("calendar", calendar)
        return services
