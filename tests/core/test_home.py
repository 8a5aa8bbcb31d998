"""The home every platform renders: the core's parts, the parts features fill, and clusters read by their service."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from bot.db import session_scope
from bot.i18n import t
from bot.messages import Identity, Section
from bot.models import City, Cluster, ClusterMembership, Member, Role
from bot.wiring import Core


def _coordinator_of(core: Core, city: str) -> Member:
    core.services.cities.add(City(name=city, country="PT"))
    identity = Identity("console", "local", "ines")
    core.services.members.set_role(identity, Role.coordinator)
    return core.services.members.set_city(identity, city)


class Calendar:
    """A feature with something to show in the home."""

    def home_sections(self, member: Member, locale: str) -> Sequence[Section]:
        return [Section(text="Intercultural day — 3 December", title=t(locale, "Upcoming events"))]


def test_a_feature_registered_by_name_fills_its_part_of_the_home(core: Core) -> None:
    member = _coordinator_of(core, "Lisbon")
    before = {block.key: block for block in core.services.home.for_person(member, "fr")}
    assert [section.text for section in before["calendar"].sections] == [t("fr", "No upcoming events yet.")]

    calendar = Calendar()
    core.services.add_feature("calendar", calendar)
    assert core.services.features["calendar"] is calendar
    blocks = core.services.home.for_person(member, "fr")
    assert [block.key for block in blocks] == ["profile", "clusters", "calendar", "surveys", "practices"]
    [events] = [block for block in blocks if block.key == "calendar"]
    assert events.title == t("fr", "Upcoming events")
    assert [section.text for section in events.sections] == ["Intercultural day — 3 December"]


def test_a_part_that_fails_is_left_out_and_the_rest_is_shown(core: Core, caplog: pytest.LogCaptureFixture) -> None:
    member = _coordinator_of(core, "Lisbon")

    def broken(member: Member, locale: str) -> list[Section]:
        raise RuntimeError("the surveys' database table is gone")

    core.services.home.provide("surveys", broken)
    blocks = core.services.home.for_person(member, "en")
    assert "surveys" not in [block.key for block in blocks] and "profile" in [block.key for block in blocks]
    assert "could not be built" in caplog.text
    with pytest.raises(KeyError):
        core.services.home.provide("weather", broken)


def test_the_clusters_of_a_city_come_from_the_cluster_service(core: Core) -> None:
    member = _coordinator_of(core, "Lisbon")
    lisbon = core.services.cities.find("Lisbon")
    assert lisbon is not None and lisbon.id is not None
    with session_scope(core.engine) as session:
        for slug, name in (("regional-pt", "Portuguese network"), ("anti-rumours", "Anti-rumours")):
            cluster = Cluster(slug=slug, name=name)
            session.add(cluster)
            session.flush()
            session.add(ClusterMembership(cluster_id=cluster.id, city_id=lisbon.id))  # type: ignore[arg-type]
        session.add(Cluster(slug="business", name="Business engagement"))
    assert [c.name for c in core.services.clusters.of_city(lisbon.id)] == ["Anti-rumours", "Portuguese network"]
    anti_rumours = core.services.clusters.find("Anti-Rumours ")
    assert anti_rumours is not None and anti_rumours.id is not None
    assert [city.name for city in core.services.clusters.cities(anti_rumours.id)] == ["Lisbon"]
    [clusters] = [block for block in core.services.home.for_person(member, "en") if block.key == "clusters"]
    assert clusters.sections[0].text == "• Anti-rumours\n• Portuguese network"
