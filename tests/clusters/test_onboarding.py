"""A newcomer's way in, through the console's side of the dispatcher: the welcome on first contact (once), their
city chosen with its button, the coordinator role asked for and approved, and — as their city's first
coordinator — the welcome pack, while the coordinators of the clusters that suit the city hear of it."""

from __future__ import annotations

import io

from bot.i18n import t
from bot.messages import Identity
from bot.models import RequestStatus, Role
from bot.services.clusters import ClusterDraft
from bot.services.onboarding import CITY_ACTION
from bot.services.role_requests import DECIDE_ACTION, OPEN_ACTION
from integrations.console.adapter import ConsoleChat
from tests.clusters.conftest import Network, person, shown


def listen(network: Network) -> io.StringIO:
    """What the console shows of the deliveries (direct messages) from now on."""
    out = io.StringIO()
    network.core.dispatcher.attach_chat(ConsoleChat(out, lambda: "en"))
    return out


def welcomes(network: Network, who: str) -> int:
    member = network.core.services.members.find(person(who))
    assert member is not None
    return network.core.services.delivery.report(f"welcome:{member.id}").total


async def test_a_newcomer_is_welcomed_once_and_people_the_bot_knows_are_not(network: Network) -> None:
    out = listen(network)
    await network.say("pedro", "/cluster")
    await network.say("pedro", "/help")
    await network.core.dispatcher.drain()
    assert welcomes(network, "pedro") == 1
    seen = out.getvalue()
    assert seen.count("Welcome to ICC Bot!") == 1 and "(direct message to pedro)" in seen
    assert "Which city do you work for?" in seen
    assert "[#1 Choose my city]  [#2 Ask for the coordinator role]" in seen
    # Someone with a city or a role is no newcomer (ana, ivana), and a second contact welcomes nobody.
    await network.say("ana", "/cluster")
    await network.say("ivana", "/cluster")
    assert welcomes(network, "ana") == welcomes(network, "ivana") == 0
    assert network.core.services.onboarding.first_contact(network.core.services.members.find(person("pedro"))) is False


async def test_a_newcomer_whose_first_command_gives_their_city_is_not_asked_for_it(network: Network) -> None:
    out = listen(network)
    await network.say("pedro", "/profile city Lisbon")
    await network.core.dispatcher.drain()
    pedro = network.core.services.members.find(person("pedro"))
    assert pedro is not None and pedro.city_id is not None and pedro.welcomed_at is not None
    assert welcomes(network, "pedro") == 0 and "Welcome to ICC Bot!" not in out.getvalue()
    # A first command that fails still welcomes a newcomer (once).
    await network.say("zoe", "/profile city Atlantis")
    await network.say("zoe", "/help")
    await network.core.dispatcher.drain()
    assert welcomes(network, "zoe") == 1


async def test_a_newcomer_becomes_the_first_coordinator_of_their_city(network: Network) -> None:
    services = network.core.services
    ivana = services.members.find(person("ivana"))
    joan = services.members.find(person("joan"))
    assert ivana is not None and joan is not None
    rumours = services.clusters.create(ClusterDraft(name="Anti-rumours", themes=["anti-rumours"]), by=ivana)
    services.clusters.add_coordinator(rumours.id or 0, joan.id or 0)
    services.clusters.create(ClusterDraft(name="Sport for all", themes=["sport"]), by=ivana)
    services.profiles.update(network.city("Paris"), {"themes": "anti-rumours"}, by=ivana)
    out = listen(network)
    await network.say("pedro", "/cluster")
    # "Choose my city" opens a one-field form.
    form = (await network.press("pedro", CITY_ACTION, "")).form
    assert form is not None and [f.name for f in form.fields] == ["city"]
    wrong = await network.submit("pedro", form.form_id, {"city": "Pariss"})
    assert "There is no ICC city called “Pariss”" in wrong.errors["city"]
    chosen = await network.submit("pedro", form.form_id, {"city": "paris"})
    assert shown(chosen).startswith("Your city is now Paris.")
    # "Ask for the coordinator role" opens the request form, the coordinator role and the city filled in.
    asked = (await network.press("pedro", OPEN_ACTION, "coordinator")).form
    assert asked is not None and asked.field("role").initial == "coordinator" and asked.field("city").initial == "Paris"
    sent = await network.submit("pedro", asked.form_id, {"role": "coordinator", "city": "Paris",
                                                         "about": "Intercultural officer"})
    assert "is with the ICC team" in shown(sent)
    [request] = services.role_requests.waiting()
    decided = await network.press("ivana", DECIDE_ACTION, f"approve:{request.id}")
    assert "Paris has its first coordinator." in shown(decided)
    pedro = services.members.find(person("pedro"))
    assert pedro is not None and pedro.role == Role.coordinator
    await network.core.dispatcher.drain()
    paris = network.city("Paris")
    assert services.delivery.report(f"welcome-pack:{paris.id}").total == 1
    assert services.delivery.report(f"new-city:{paris.id}:{rumours.id}").total == 1
    seen = out.getvalue()
    assert "The ICC team approved your request: you are now coordinator of Paris." in seen
    pack = seen[seen.index("You are the first coordinator of Paris here."):]
    for part in ("The ICC toolbox", "https://www.coe.int/en/web/interculturalcities", "Clusters that suit Paris",
                 "Anti-rumours — it works on Anti-rumours, like your city. /cluster join anti-rumours",
                 "Coming up", "/share-practice", "/city edit"):
        assert part in pack
    assert "Sport for all" not in pack
    # Joan reads Spanish.
    news = t("es", "A new city has arrived in the network: {city}, with {person} as its first coordinator. It may "
                   "suit {cluster}: {reasons}. /city {city} shows its profile.", city="Paris", person="Pedro",
             cluster="Anti-rumours", reasons=t("es", "it works on {themes}, like your city", themes="Antirrumores"))
    assert f"(direct message to joan) {news}" in seen
    # A second coordinator of Paris is no new city: no second pack, nobody told again.
    await network.say("giulia", "/request-role coordinator Paris")
    [second] = [r for r in services.role_requests.waiting() if r.status == RequestStatus.pending]
    assert "first coordinator" not in shown(await network.press("ivana", DECIDE_ACTION, f"approve:{second.id}"))
    assert services.delivery.report(f"welcome-pack:{paris.id}").total == 1


async def test_the_welcome_goes_to_the_persons_own_platform(network: Network) -> None:
    """Through the core: a Slack newcomer is welcomed by a direct message on Slack (the adapters' own tests send
    it through the fakes)."""
    services = network.core.services
    newcomer = Identity("slack", "T0ICC", "U0NEW0001")
    member = services.members.get_or_create(newcomer, platform_locale="pt-BR")
    assert services.onboarding.first_contact(member) is True
    report = services.delivery.report(f"welcome:{member.id}")
    assert report.total == 1
