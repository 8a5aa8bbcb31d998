"""A person's home (Slack's App Home today; Discord and the web next): neutral sections the core builds.

The home is a list of parts, each with a title, what it shows a person, and what it says when there is nothing.
The core fills "Your profile", "Your clusters" and "Your practices". A feature fills its own part by registering
its service: `services.add_feature("calendar", calendar)` makes `calendar.home_sections(member, locale)` the
"Upcoming events" part; "surveys" is "Open surveys". An adapter only lays the parts out in its own markup.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from bot.i18n import N_, t
from bot.messages import Section
from bot.models import Member, Role
from bot.services.clusters import ClusterService
from bot.services.members import CityDirectory
from bot.services.practice_rules import STATUS_LABELS
from bot.services.practices import PracticeService

log = logging.getLogger(__name__)

#: What a part shows a person, in their language: (member, locale) -> sections (none: the part is empty).
HomeProvider = Callable[[Member, str], Sequence[Section]]


@dataclass(frozen=True)
class HomePart:
    """A part of the home: its key (a feature's name), its title and what it says when empty (msgids)."""

    key: str
    title: str
    empty: str


@dataclass(frozen=True)
class HomeBlock:
    """A part as one person sees it: its title and its sections, in their language (never without a section)."""

    key: str
    title: str
    sections: tuple[Section, ...]


PARTS = (
    HomePart("profile", N_("Your profile"), N_("Nothing yet.")),
    HomePart("clusters", N_("Your clusters"), N_("Your city is in no cluster yet.")),
    HomePart("calendar", N_("Upcoming events"), N_("No upcoming events yet.")),
    HomePart("surveys", N_("Open surveys"), N_("No open surveys yet.")),
    HomePart("practices", N_("Your practices"), N_("You have not shared a practice yet. Use /share-practice.")),
)


class HomeService:
    """Builds a person's home from the core's own parts and the providers features registered."""

    def __init__(self, *, cities: CityDirectory, clusters: ClusterService, practices: PracticeService) -> None:
        self.cities = cities
        self.clusters = clusters
        self.practices = practices
        self._providers: dict[str, HomeProvider] = {
            "profile": self._profile, "clusters": self._clusters, "practices": self._practices,
        }

    def provide(self, key: str, provider: HomeProvider) -> None:
        """Let `provider` fill the part `key` ("calendar", "surveys"); a key of no part is a programming error."""
        if key not in {part.key for part in PARTS}:
            raise KeyError(f"the home has no part {key!r}")
        self._providers[key] = provider

    def for_person(self, member: Member, locale: str) -> list[HomeBlock]:
        """Every part of `member`'s home, in `locale`. A part whose provider fails is left out (and logged)."""
        blocks = []
        for part in PARTS:
            provider = self._providers.get(part.key)
            try:
                sections = tuple(provider(member, locale)) if provider is not None else ()
            except Exception:
                log.exception("home: the part %r could not be built for member %s", part.key, member.id)
                continue
            empty = (Section(text=t(locale, part.empty)),)
            blocks.append(HomeBlock(part.key, t(locale, part.title), sections or empty))
        return blocks

    # ------------------------------------------------------------ the core's parts

    def _profile(self, member: Member, locale: str) -> list[Section]:
        from bot.context import ROLE_LABELS  # the context module needs the services: imported when used

        city = self.cities.get(member.city_id) if member.city_id else None
        lines = [
            t(locale, "City: {city}", city=city.name if city else t(locale, "not set (use /profile city <name>)")),
            t(locale, "Role: {role}", role=t(locale, ROLE_LABELS[Role(member.role)])),
        ]
        return [Section(text="\n".join(lines))]

    def _clusters(self, member: Member, locale: str) -> list[Section]:
        if member.city_id is None:
            return []
        names = [f"• {cluster.name}" for cluster in self.clusters.of_city(member.city_id)]
        return [Section(text="\n".join(names))] if names else []

    def _practices(self, member: Member, locale: str) -> list[Section]:
        if member.id is None:
            return []
        lines = [f"#{card.id} {card.title} — {t(locale, STATUS_LABELS[card.status])}"
                 for card in self.practices.mine(member, limit=10)]
        return [Section(text="\n".join(lines))] if lines else []
