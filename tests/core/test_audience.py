"""Audiences: parsed from one token, described in the reader's language, resolved into cities, people, channels."""

from __future__ import annotations

import pytest

from bot.core import Core
from bot.demo import load_demo
from bot.errors import UserError
from bot.i18n import t
from bot.messages import Identity
from bot.models import Role
from bot.services.audience import EVERYONE, Audience, AudienceKind


@pytest.fixture
def demo(core: Core) -> Core:
    load_demo(core.services)
    return core


def test_every_kind_of_audience_is_parsed_from_its_token(demo: Core) -> None:
    parse = demo.services.audiences.parse
    assert parse("all") == EVERYONE
    assert parse("") == EVERYONE
    assert parse("cluster:Anti-Rumours") == Audience(AudienceKind.cluster, "anti-rumours")
    assert parse("region: southern-europe") == Audience(AudienceKind.region, "southern-europe")
    assert parse("country:pt") == Audience(AudienceKind.country, "PT")
    assert parse("role:coordinator") == Audience(AudienceKind.role, "coordinator")
    assert str(parse("country:pt")) == "country:PT"
    assert parse(str(parse("cluster:anti-rumours"))) == parse("cluster:anti-rumours")


@pytest.mark.parametrize("text", ["cluster:nowhere", "region:atlantis", "country:XX", "country:POR",
                                  "role:mayor", "planet:earth", "cluster:", "region"])
def test_an_audience_that_names_nothing_is_a_clear_message(demo: Core, text: str) -> None:
    with pytest.raises(UserError) as caught:
        demo.services.audiences.parse(text)
    assert caught.value.field == "audience"
    message = t("fr", caught.value.msgid, **caught.value.params)
    assert message and message != caught.value.msgid  # said in French, not in the English msgid


def test_an_audience_is_described_in_the_readers_language(demo: Core) -> None:
    describe = demo.services.audiences.describe
    assert describe(EVERYONE, "en") == "All cities"
    assert describe(Audience(AudienceKind.country, "PT"), "fr") == "Pays : Portugal"
    assert describe(Audience(AudienceKind.country, "UA"), "uk") == "Країна: Україна"
    assert describe(Audience(AudienceKind.cluster, "anti-rumours"), "en") == "Cluster: Anti-rumours"
    assert describe(Audience(AudienceKind.region, "southern-europe"), "de") == "Region: Südeuropa"


def test_cities_of_each_kind_of_audience(demo: Core) -> None:
    cities = demo.services.audiences.cities

    def names(audience: Audience) -> list[str]:
        return [city.name for city in cities(audience)]

    assert len(names(EVERYONE)) == 12
    assert names(Audience(AudienceKind.cluster, "anti-rumours")) == ["Barcelona", "Bilbao", "Lisbon",
                                                                     "Reggio Emilia"]
    assert names(Audience(AudienceKind.country, "ES")) == ["Barcelona", "Bilbao"]
    assert names(Audience(AudienceKind.region, "northern-europe")) == ["Botkyrka", "Dublin"]
    assert len(names(Audience(AudienceKind.role, "coordinator"))) == 12


def test_people_of_an_audience_and_who_it_includes(demo: Core) -> None:
    services = demo.services
    people = services.audiences.people

    def ids(audience: Audience, **kwargs: object) -> set[str]:
        return {member.user_id for member in people(audience, **kwargs)}  # type: ignore[arg-type]

    assert ids(Audience(AudienceKind.cluster, "anti-rumours")) == {"ana", "joan", "giulia"}
    assert ids(Audience(AudienceKind.cluster, "anti-rumours"), roles=[Role.coordinator]) == {"ana", "joan"}
    assert ids(Audience(AudienceKind.role, "coordinator")) == {"ana", "joan", "mireille", "olena", "katrin"}
    assert ids(Audience(AudienceKind.role, "icc_team")) == {"ivana"}  # the team has no city
    assert ids(Audience(AudienceKind.role, "icc_team"), roles=[Role.coordinator]) == set()
    ana = services.members.find(Identity("console", "local", "ana"))
    assert ana is not None
    assert services.audiences.includes(Audience(AudienceKind.region, "southern-europe"), ana)
    assert not services.audiences.includes(Audience(AudienceKind.country, "FR"), ana)
    assert services.audiences.includes(Audience(AudienceKind.role, "coordinator"), ana)
    assert not services.audiences.includes(Audience(AudienceKind.role, "icc_team"), ana)


def test_cities_own_channels_of_an_audience(demo: Core) -> None:
    channels = demo.services.audiences.city_channels
    assert len(channels(EVERYONE)) == 12
    spanish = channels(Audience(AudienceKind.country, "ES"))
    assert [channel.id for _, channel in spanish] == ["city-barcelona", "city-bilbao"]
    lisbon = demo.services.cities.find("Lisbon")
    assert lisbon is not None
    assert demo.services.cities.city_of_channel(Identity("console", "local", "city-lisbon")) == lisbon
    # Linking the same channel again changes nothing; moving it to another city does.
    assert lisbon.id is not None
    assert not demo.services.cities.link_channel(lisbon.id, Identity("console", "local", "city-lisbon"))


def test_cluster_coordinators(demo: Core) -> None:
    services = demo.services
    cluster = services.clusters.find("anti-rumours")
    joan = services.members.find(Identity("console", "local", "joan"))
    ana = services.members.find(Identity("console", "local", "ana"))
    assert cluster is not None and cluster.id is not None and joan is not None and ana is not None
    assert [m.user_id for m in services.clusters.coordinators(cluster.id)] == ["joan"]
    assert services.clusters.is_coordinator(joan.id, cluster.id)
    assert not services.clusters.is_coordinator(ana.id, cluster.id)
    assert services.clusters.add_coordinator(cluster.id, ana.id)  # type: ignore[arg-type]
    assert not services.clusters.add_coordinator(cluster.id, ana.id)  # type: ignore[arg-type]
    assert [c.slug for c in services.clusters.coordinated_by(ana.id)] == ["anti-rumours"]  # type: ignore[arg-type]
    assert services.clusters.remove_coordinator(cluster.id, ana.id)  # type: ignore[arg-type]
    assert not services.clusters.remove_coordinator(cluster.id, ana.id)  # type: ignore[arg-type]
