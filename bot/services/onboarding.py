"""Newcomers: a short welcome on someone's first contact with the bot (which city? the coordinator role?), and,
when a city gets its first coordinator, a welcome pack for them and a word to the clusters that suit the city.
Everything goes through the delivery outbox, once per person or city."""

from __future__ import annotations

import logging
from collections.abc import Callable

from sqlalchemy import update
from sqlalchemy.engine import Engine
from sqlmodel import col

from bot.i18n import N_, t
from bot.messages import Button, ButtonStyle, Identity, Reply, Section
from bot.models import City, Member, Role
from bot.ports import Clock, SystemClock
from bot.services.clusters.service import ClusterService
from bot.services.delivery import DeliveryService
from bot.services.matching import ClusterMatch, Matching, Reason, reasons_text
from bot.services.role_requests import OPEN_ACTION

log = logging.getLogger(__name__)

#: Gives a person's coming events as sections of a message, in a locale (the calendar's part of the home).
UpcomingEvents = Callable[[Member, str], list[Section]]

#: The welcome's button that opens the form asking the person's city.
CITY_ACTION = "choose-city"
#: How many suggested clusters the welcome pack names, and whose coordinators hear of the new city.
SUGGESTED = 3
#: The ICC toolbox a new coordinator starts from: (title msgid, address).
TOOLBOX = (
    (N_("The Intercultural Cities programme: its method, guides and news"),
     "https://www.coe.int/en/web/interculturalcities"),
    (N_("The ICC Index: how cities measure their intercultural policies"),
     "https://www.coe.int/en/web/interculturalcities/about-the-index"),
    (N_("The anti-rumours strategy and its handbook"), "https://www.coe.int/en/web/interculturalcities/anti-rumours"),
)


def identity_of(member: Member) -> Identity:
    return Identity(member.platform, member.workspace_id, member.user_id)


def is_newcomer(member: Member) -> bool:
    """Someone the bot knows nothing about yet: no city, no role."""
    return member.city_id is None and Role(member.role) is Role.member


def welcome(locale: str) -> Reply:
    """The first words to a newcomer: what the bot is for, which city they work for, the coordinator role."""
    return Reply(
        text=t(locale, "Welcome to ICC Bot! I help the Intercultural Cities network work together: cluster channels "
                       "translated into everyone's language, good practices, the calendar and surveys."),
        sections=[Section(text="\n".join([
            t(locale, "Which city do you work for? Choose it with the button below, or type /profile city <name>."),
            t(locale, "If you coordinate your city's intercultural work, ask the ICC team for the coordinator role: "
                      "you can then share practices, answer surveys and bring your city into clusters."),
            t(locale, "/help shows everything I can do."),
        ]))],
        buttons=[Button(CITY_ACTION, t(locale, "Choose my city"), "", ButtonStyle.primary),
                 Button(OPEN_ACTION, t(locale, "Ask for the coordinator role"), "coordinator")],
        ephemeral=False,
    )


class Onboarding:
    """Welcomes newcomers and new cities."""

    def __init__(self, engine: Engine, *, clusters: ClusterService, matching: Matching, delivery: DeliveryService,
                 clock: Clock | None = None) -> None:
        self.engine = engine
        self.clusters = clusters
        self.matching = matching
        self.delivery = delivery
        self.clock = clock or SystemClock()
        #: A person's coming events as sections of a message (the calendar's home part, added as the services
        #: are built).
        self.upcoming: list[UpcomingEvents] = []

    # ------------------------------------------------------------ first contact

    def first_contact(self, member: Member) -> bool:
        """Call with everyone the bot hears from: the first time, a newcomer gets the welcome (once, whatever
        runs this at the same moment). Returns whether a welcome was sent now."""
        if member.welcomed_at is not None or member.id is None:
            return False
        with self.engine.begin() as connection:
            claimed = connection.execute(update(Member).where(col(Member.id) == member.id,
                                                              col(Member.welcomed_at).is_(None))
                                         .values(welcomed_at=self.clock.now())).rowcount
        member.welcomed_at = self.clock.now()
        if not claimed or not is_newcomer(member):
            return False
        self.delivery.to_person(f"welcome:{member.id}", identity_of(member), welcome)
        self.delivery.kick()
        return True

    # ------------------------------------------------------------ a new city

    def new_city(self, coordinator: Member, city: City) -> None:
        """`city` got its first coordinator: a welcome pack for them, and a word to the coordinators of the clusters
        that suit the city."""
        suggested = self.matching.for_city(city, limit=SUGGESTED).clusters
        sections = self.upcoming_sections(coordinator)

        def pack(locale: str) -> Reply:
            return self.welcome_pack(city, suggested, sections(locale), locale)

        self.delivery.to_person(f"welcome-pack:{city.id}", identity_of(coordinator), pack)
        who = coordinator.display_name or coordinator.user_id
        for match in suggested:
            cluster = match.cluster
            people = [identity_of(m) for m in self.clusters.coordinators(cluster.id or 0)]
            reasons = match.reasons

            def news(locale: str, cluster_name: str = cluster.name, why: list[Reason] = reasons) -> Reply:
                return Reply(text=t(locale, "A new city has arrived in the network: {city}, with {person} as its "
                                            "first coordinator. It may suit {cluster}: {reasons}. /city {city} shows "
                                            "its profile.", city=city.name, person=who, cluster=cluster_name,
                                    reasons=reasons_text(why, locale)), ephemeral=False)

            self.delivery.to_people(f"new-city:{city.id}:{cluster.id}", people, news)
        self.delivery.kick()

    def upcoming_sections(self, member: Member) -> Callable[[str], list[Section]]:
        """The person's coming events, by locale (the calendar's part of the home, when the calendar is there)."""
        providers = list(self.upcoming)

        def sections(locale: str) -> list[Section]:
            found: list[Section] = []
            for provider in providers:
                try:
                    found += provider(member, locale)
                except Exception:
                    log.exception("the welcome pack could not list upcoming events")
            return found

        return sections

    @staticmethod
    def welcome_pack(city: City, suggested: list[ClusterMatch], upcoming: list[Section], locale: str) -> Reply:
        """The new coordinator's welcome pack, in `locale`."""
        toolbox = "\n".join(f"• {t(locale, title)}: {address}" for title, address in TOOLBOX)
        if suggested:
            clusters = "\n".join(f"• {m.cluster.name} — {reasons_text(m.reasons, locale)}. /cluster join "
                                 f"{m.cluster.slug}" for m in suggested)
        else:
            clusters = t(locale, "/cluster list shows every cluster; /cluster join <name> brings your city in.")
        events = "\n".join(section.text for section in upcoming) or t(
            locale, "No event is planned yet: /calendar shows the network's calendar.")
        return Reply(
            text=t(locale, "Welcome to the Intercultural Cities network! You are the first coordinator of {city} here. "
                           "Here is what helps you start.", city=city.name),
            sections=[
                Section(title=t(locale, "The ICC toolbox"), text=toolbox),
                Section(title=t(locale, "Clusters that suit {city}", city=city.name), text=clusters),
                Section(title=t(locale, "Coming up"), text=events),
                Section(title=t(locale, "Share a practice"), text=t(
                    locale, "Tell the network what works in {city}: /share-practice opens a short form, the ICC "
                            "team reviews it, and other cities find it with /practices.", city=city.name)),
                Section(title=t(locale, "Your city's profile"), text=t(
                    locale, "/city edit fills in the profile of {city} (its mission, mayor, themes, ICC Index); "
                            "/match then suggests cities and clusters to work with.", city=city.name)),
            ],
            ephemeral=False,
        )
