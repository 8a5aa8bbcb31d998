"""Helpers of the survey tests: a network of twelve cities, test definitions, and the console as people use it."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import yaml
from sqlmodel import Session, select

from bot.messages import Identity
from bot.models import City, Cluster, ClusterMembership, Member, Role
from bot.services.surveys import Surveys
from bot.settings import SUPPORTED_LOCALES
from bot.wiring import Core, wire_campaign_days_vote
from integrations.console.adapter import ConsoleSession

#: (city, country, time zone, region, coordinator, language)
CITIES = [
    ("Lisbon", "PT", "Europe/Lisbon", "southern-europe", "ana", "pt"),
    ("Barcelona", "ES", "Europe/Madrid", "southern-europe", "joan", "es"),
    ("Montréal", "CA", "America/Montreal", "north-america", "mireille", "fr"),
    ("Odesa", "UA", "Europe/Kyiv", "eastern-europe", "olena", "uk"),
    ("Stuttgart", "DE", "Europe/Berlin", "western-europe", "katrin", "de"),
    ("Reggio Emilia", "IT", "Europe/Rome", "southern-europe", "giulia", "it"),
    ("Dublin", "IE", "Europe/Dublin", "northern-europe", "aoife", "en"),
    ("Paris", "FR", "Europe/Paris", "western-europe", "claire", "fr"),
    ("Hamamatsu", "JP", "Asia/Tokyo", "asia-pacific", "yuki", "en"),
    ("Botkyrka", "SE", "Europe/Stockholm", "northern-europe", "sara", "en"),
    ("Bilbao", "ES", "Europe/Madrid", "southern-europe", "itziar", "es"),
    ("Limassol", "CY", "Asia/Nicosia", "southern-europe", "eleni", "en"),
]
CLUSTERS = {"anti-rumours": ["Lisbon", "Barcelona", "Bilbao", "Reggio Emilia"],
            "intercultural-competence": ["Stuttgart", "Dublin", "Montréal", "Paris"]}


def console(name: str) -> Identity:
    return Identity("console", "local", name)


def build_network(core: Core) -> dict[str, int]:
    """Twelve cities, each with one coordinator in the console; ivana on the ICC team; lucas a member of Lisbon."""
    ids: dict[str, int] = {}
    with Session(core.engine) as session:
        for name, country, zone, region, _who, language in CITIES:
            city = City(name=name, country=country, time_zone=zone, region=region, languages=language)
            session.add(city)
            session.flush()
            assert city.id is not None
            ids[name] = city.id
        for slug, names in CLUSTERS.items():
            cluster = Cluster(slug=slug, name=slug.replace("-", " ").capitalize())
            session.add(cluster)
            session.flush()
            assert cluster.id is not None
            for city_name in names:
                session.add(ClusterMembership(cluster_id=cluster.id, city_id=ids[city_name]))
        session.commit()
    members = core.services.members
    for name, _country, _zone, _region, who, language in CITIES:
        members.get_or_create(console(who), display_name=who.capitalize(), platform_locale=language)
        members.set_role(console(who), Role.coordinator)
        members.set_city(console(who), name)
    members.get_or_create(console("ivana"), display_name="Ivana", platform_locale="en")
    members.set_role(console("ivana"), Role.icc_team)
    members.get_or_create(console("lucas"), display_name="Lucas", platform_locale="pt")
    members.set_city(console("lucas"), "Lisbon")
    return ids


def every_language(text: str) -> dict[str, str]:
    return dict.fromkeys(SUPPORTED_LOCALES, text)


def check_definition(**changes: Any) -> dict[str, Any]:
    """A small survey with every kind of question (one of them conditional)."""
    definition: dict[str, Any] = {
        "id": "network-check",
        "title": every_language("Network check"),
        "audience": "all",
        "per": "city",
        "anonymous": False,
        "closes": "2030-01-31",
        "chase": [7, 2],
        "questions": [
            {"id": "uses", "kind": "single", "text": every_language("Do you use the Index?"),
             "choices": [{"id": c, "text": every_language(c.capitalize())} for c in ("often", "rarely", "never")]},
            {"id": "useful", "kind": "scale", "min": 1, "max": 5, "text": every_language("How useful is it?"),
             "when": {"question": "uses", "is": ["often", "rarely"]}},
            {"id": "themes", "kind": "multiple", "max_choices": 2, "text": every_language("Which themes?"),
             "choices": [{"id": c, "text": every_language(f"Theme {c}")} for c in ("a", "b", "c")]},
            {"id": "partners", "kind": "number", "min": 0, "max": 1000, "text": every_language("How many partners?")},
            {"id": "strategy", "kind": "yes_no", "text": every_language("Do you have a strategy?")},
            {"id": "comment", "kind": "text", "required": False, "max_length": 500,
             "text": every_language("Anything else?")},
        ],
    }
    definition.update(changes)
    return definition


def write_definition(folder: Path, definition: dict[str, Any]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{definition['id']}.yaml"
    path.write_text(yaml.safe_dump(definition, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def use_definitions(core: Core, folder: Path) -> Surveys:
    """The surveys feature reading definitions from `folder` too (kept by the core)."""
    feature = Surveys.build(core.services, folders=[folder])
    core.services.add_feature("surveys", feature)
    wire_campaign_days_vote(core.services, feature)
    return feature


async def as_person(core: Core, who: str, script: list[str], *, role: str | None = None,
                    city: str | None = None, locale: str | None = "en") -> str:
    """Run the console as `who`, typing `script`; returns what it printed."""
    member = core.services.members.find(console(who))
    if role is None:
        role = member.role.value if member is not None else "member"
    if city is None:
        city = ""
        if member is not None and member.city_id is not None:
            found = core.services.cities.get(member.city_id)
            city = found.name if found else ""
    out = io.StringIO()
    session = ConsoleSession(core.dispatcher, user=who, city=city or None, role=role, channel="general",
                             locale=locale, stdin=io.StringIO("\n".join(script) + "\n"), stdout=out)
    if not city and (member is None or member.city_id is None):
        session.stdin = io.StringIO("\n" + "\n".join(script) + "\n")  # "Your city (Enter for none)"
    await session.run()
    return out.getvalue()


def member(core: Core, who: str) -> Member:
    found = core.services.members.find(console(who))
    assert found is not None
    return found


def rows_of(core: Core, model: type[Any]) -> list[Any]:
    with Session(core.engine) as session:
        return list(session.exec(select(model)))
