"""A small network for the clusters tests, and a way to talk to the bot as its people do (the console's side of
the dispatcher: commands, buttons and forms, with people and channels resolved by name)."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from bot.messages import ButtonPressed, CommandInvoked, FormSubmitted, Identity, Reply, Response
from bot.models import City, Role
from bot.wiring import Core
from integrations.console.adapter import CAPABILITIES, ConsoleNames

WORKSPACE = "local"
GENERAL = Identity("console", WORKSPACE, "general")

#: name -> (city, role, language)
PEOPLE = {
    "ana": ("Lisbon", Role.coordinator, "pt"),
    "joan": ("Barcelona", Role.coordinator, "es"),
    "olena": ("Odesa", Role.coordinator, "uk"),
    "giulia": ("Lisbon", Role.member, "it"),
    "ivana": (None, Role.icc_team, "en"),
}
CITIES = [("Lisbon", "PT", "pt", "southern-europe"), ("Barcelona", "ES", "es,ca", "southern-europe"),
          ("Odesa", "UA", "uk", "eastern-europe"), ("Paris", "FR", "fr", "western-europe")]


def person(name: str) -> Identity:
    return Identity("console", WORKSPACE, name)


def shown(response: Response) -> str:
    """Everything a person reads in a response: each reply's text, sections and buttons' labels."""
    lines = []
    for reply in response.replies:
        lines += text_of(reply)
    lines += [f"{name}: {error}" for name, error in response.errors.items()]
    return "\n".join(lines)


def text_of(reply: Reply) -> list[str]:
    lines = [reply.text]
    for section in reply.sections:
        lines += [section.title, section.text] + [b.label for b in section.buttons]
    lines += [button.label for button in reply.buttons]
    return [line for line in lines if line]


@dataclass
class Network:
    """The core with four cities and five people; `say`, `press` and `submit` act as one of them."""

    core: Core

    async def run(self, who: str, command: str, channel: Identity = GENERAL) -> Response:
        name, _, text = command.lstrip("/").partition(" ")
        event = CommandInvoked(actor=person(who), channel=channel, name=name, text=text, platform_locale="en",
                               display_name=who.capitalize())
        return await self.core.dispatcher.handle(event, CAPABILITIES, resolver=ConsoleNames(self.core.services.members))

    async def say(self, who: str, command: str, channel: Identity = GENERAL) -> str:
        return shown(await self.run(who, command, channel))

    async def press(self, who: str, action_id: str, value: str) -> Response:
        event = ButtonPressed(actor=person(who), channel=GENERAL, action_id=action_id, value=value,
                              platform_locale="en")
        return await self.core.dispatcher.handle(event, CAPABILITIES)

    async def submit(self, who: str, form_id: str, values: dict[str, str], state: str = "") -> Response:
        event = FormSubmitted(actor=person(who), channel=GENERAL, form_id=form_id, values=values, state=state,
                              platform_locale="en")
        return await self.core.dispatcher.handle(event, CAPABILITIES)

    def city(self, name: str) -> City:
        found = self.core.services.cities.find(name)
        assert found is not None
        return found


def populate(core: Core) -> None:
    services = core.services
    for name, country, languages, region in CITIES:
        services.cities.add(City(name=name, country=country, languages=languages, region=region))
    for name, (city, role, language) in PEOPLE.items():
        identity = person(name)
        services.members.get_or_create(identity, display_name=name.capitalize(), platform_locale=language)
        services.members.set_role(identity, role)
        if city:
            services.members.set_city(identity, city)


@pytest.fixture
def network(core: Core) -> Network:
    populate(core)
    return Network(core)
