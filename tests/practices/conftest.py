"""Fixtures of the practices tests: sample cities, members and practices on the shared test database.

The database comes from the shared fixtures of `tests/conftest.py` (`database_url`, `settings`, `engine`, `core`).
"""

from __future__ import annotations

import pytest

from bot.messages import Identity
from bot.models import City, Member, Role
from bot.models.practices import PracticeCreate
from bot.services import Services
from bot.services.practice_rules import draft
from bot.wiring import Core
from tests.support.chat import RecordingChat


@pytest.fixture
def services(core: Core) -> Services:
    return core.services


def add_city(services: Services, name: str, country: str = "PT", languages: str = "pt") -> City:
    return services.cities.add(City(name=name, country=country, languages=languages))


def add_member(
    services: Services,
    user: str,
    *,
    role: Role = Role.coordinator,
    city: City | None = None,
    language: str | None = None,
    platform: str = "console",
) -> Member:
    identity = Identity(platform, "local", user)
    services.members.get_or_create(identity, display_name=user)
    services.members.set_role(identity, role)
    if city is not None:
        services.members.set_city(identity, city.name)
    if language is not None:
        services.members.set_language(identity, language)
    member = services.members.find(identity)
    assert member is not None
    return member


def practice(city: City, **overrides: object) -> PracticeCreate:
    """A valid practice of `city`; keyword arguments replace fields."""
    assert city.id is not None
    fields: dict[str, object] = {
        "title": "Anti-rumours agents",
        "city_id": city.id,
        "summary": "Volunteers trained to answer rumours about migrants with facts.",
        "description": "Since 2010 the city trains volunteers as anti-rumours agents in libraries and markets.",
        "themes": ["anti-rumours"],
        "language": "en",
    }
    fields.update(overrides)
    return draft(**fields)  # type: ignore[arg-type]


#: The recording chat of every test (tests/support/chat.py), under the name these tests used.
__all__ = ["RecordingChat", "add_city", "add_member", "practice"]
