"""City profiles through the dispatcher: anyone reads one with /city; its own coordinators and the ICC team change
it with /city edit (a form); another city's coordinator, a member, or a bad value changes nothing."""

from __future__ import annotations

from bot.db import session_scope
from bot.i18n import t
from bot.models import City, PracticeStatus
from bot.models.practices import PracticeCreate
from bot.services.clusters import ClusterDraft
from tests.clusters.conftest import Network, person, shown

PROFILE = {"profile": "Capital of Portugal.", "mission": "A city where everyone belongs.", "mayor": "Carlos Moedas",
           "contact": "intercultural@lisboa.example", "languages": "pt, en", "time_zone": "Europe/Lisbon",
           "themes": "anti-rumours,education", "index_year": "2019", "index_score": "75",
           "profile_url": "https://www.coe.int/en/web/interculturalcities/lisbon"}


def share_practice(network: Network, city: str, title: str, themes: list[str], summary: str = "") -> None:
    services = network.core.services
    with session_scope(network.core.engine) as session:
        services.practices.create(session=session, author=None, status=PracticeStatus.published, data=PracticeCreate(
            title=title, city_id=network.city(city).id or 0, summary=summary or title, description=title,
            language="en", themes=themes))


def profile_fields(city: City) -> tuple[object, ...]:
    return (city.profile, city.mission, city.mayor, city.contact, city.languages, city.time_zone, city.themes,
            city.index_year, city.index_score, city.profile_url)


async def test_anyone_reads_a_city_profile(network: Network) -> None:
    services = network.core.services
    ana = services.members.find(person("ana"))
    assert ana is not None
    services.profiles.update(network.city("Lisbon"), PROFILE, by=ana)
    cluster = services.clusters.create(ClusterDraft(name="Anti-rumours"), by=services.members.find(person("ivana")))
    services.clusters.join(cluster, network.city("Lisbon"))
    share_practice(network, "Lisbon", "Anti-rumours agents", ["anti-rumours"])
    page = await network.say("giulia", "/city Lisbon")
    for line in ("Lisbon (PT)", "Capital of Portugal.", "A city where everyone belongs.", "Mayor: Carlos Moedas",
                 "Coordinators: Ana (console)", "Contact: intercultural@lisboa.example",
                 "Languages: Portuguese, English", "Time zone: Europe/Lisbon", "Region: Southern Europe",
                 "Themes: Anti-rumours, Education", "Clusters: Anti-rumours", "ICC Index: 2019: 75/100",
                 "Intercultural profile: https://www.coe.int/en/web/interculturalcities/lisbon",
                 "1 practice shared", "• Anti-rumours agents"):
        assert line in page
    assert "Edit the profile" not in page  # giulia is a member
    # With no name: the person's own city; a city that does not exist is said.
    assert "Lisbon (PT)" in await network.say("ana", "/city")
    assert "Edit the profile" in await network.say("ana", "/city")
    assert await network.say("ivana", "/city") == t(
        "en", "Which city? Give its name: /city <name>. Set your own with /profile city <name>.")
    assert "There is no ICC city called “Atlantis”." in await network.say("ana", "/city Atlantis")
    # In the reader's language.
    network.core.services.members.set_language(person("olena"), "fr")
    assert "Maire : Carlos Moedas" in await network.say("olena", "/city Lisbon")


async def test_the_citys_coordinators_and_the_icc_team_edit_it_with_a_form(network: Network) -> None:
    opened = await network.run("ana", "/city edit")
    assert opened.form is not None and opened.form.state == str(network.city("Lisbon").id)
    assert [f.name for f in opened.form.fields] == list(PROFILE)
    saved = await network.submit("ana", "city-edit", PROFILE, state=opened.form.state)
    assert shown(saved) == "The profile of Lisbon is saved. /city Lisbon shows it."
    lisbon = network.city("Lisbon")
    assert (lisbon.mayor, lisbon.index_score, lisbon.theme_list) == ("Carlos Moedas", 75, ["anti-rumours", "education"])
    ana = network.core.services.members.find(person("ana"))
    assert ana is not None and lisbon.profile_updated_by == ana.id
    # The ICC team edits any city.
    changed = await network.submit("ivana", "city-edit", {**PROFILE, "mayor": "Someone else"}, state=str(lisbon.id))
    assert "is saved" in shown(changed) and network.city("Lisbon").mayor == "Someone else"


async def test_another_citys_coordinator_or_a_member_changes_nothing(network: Network) -> None:
    lisbon = network.city("Lisbon")
    before = profile_fields(lisbon)
    refused = await network.say("joan", "/city edit Lisbon")
    assert refused == t("en", "Only the coordinators of {city} and the ICC team can change its profile; you "
                              "coordinate another city.", city="Lisbon")
    # A form sent by hand (an old modal, a forged state) is refused by the service too.
    forged = await network.submit("joan", "city-edit", {**PROFILE, "mayor": "Joan"}, state=str(lisbon.id))
    assert "Only the coordinators of Lisbon" in shown(forged)
    pressed = await network.press("joan", "city-edit", str(lisbon.id))
    assert pressed.form is None and "Only the coordinators of Lisbon" in shown(pressed)
    member = await network.say("giulia", "/city edit")
    assert member.startswith(t("en", "Only the coordinators of {city} and the ICC team can change its profile.",
                                city="Lisbon"))
    assert "/request-role coordinator" in member
    assert profile_fields(network.city("Lisbon")) == before
    # In the refused person's language.
    network.core.services.members.set_language(person("joan"), "es")
    assert await network.say("joan", "/city edit Lisbon") == t(
        "es", "Only the coordinators of {city} and the ICC team can change its profile; you coordinate another "
              "city.", city="Lisbon")


async def test_bad_values_are_said_beside_their_field_and_nothing_is_saved(network: Network) -> None:
    lisbon = network.city("Lisbon")
    before = profile_fields(lisbon)
    for name, value, expected in (
            ("index_score", "150", "The ICC Index score is a whole number from 0 to 100."),
            ("index_year", "1850", "The ICC Index year is a year from 2008 to"),
            ("time_zone", "Mars/Olympus", "“Mars/Olympus” is not a time zone."),
            ("profile_url", "javascript:alert(1)", "“javascript:alert(1)” is not a web address."),
            ("languages", "klingon", "“klingon” is not a language code."),
            ("themes", "astrology", "“astrology” is not a valid choice")):
        answer = await network.submit("ana", "city-edit", {**PROFILE, name: value}, state=str(lisbon.id))
        assert expected in answer.errors.get(name, ""), (name, answer.errors)
    assert profile_fields(network.city("Lisbon")) == before
