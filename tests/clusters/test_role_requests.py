"""Asking for a role: the ICC team approves or declines with a button, the person hears the answer, and a flood of
requests from one person is refused politely with nothing sent."""

from __future__ import annotations

from bot.context import refusal
from bot.models import RequestStatus, Role
from bot.services.role_requests import DECIDE_ACTION
from tests.clusters.conftest import Network, person, shown


def requests_sent(network: Network) -> int:
    """How many requests reached the ICC team (one outbox row per request and ICC team member)."""
    from sqlmodel import select

    from bot.db import session_scope
    from bot.models import Delivery

    with session_scope(network.core.engine) as session:
        return len([row for row in session.exec(select(Delivery)) if row.item.startswith("role-request:")
                    and row.item.count(":") == 1])


async def test_a_member_asks_to_coordinate_their_city_and_the_icc_team_approves(network: Network) -> None:
    services = network.core.services
    answer = await network.say("giulia", "/request-role coordinator Lisbon")
    assert answer == "Your request to be coordinator of Lisbon is with the ICC team. I will tell you their answer."
    [waiting] = services.role_requests.waiting()
    assert requests_sent(network) == 1
    listed = await network.run("ivana", "/role-requests")
    assert "Giulia asks to be coordinator of Lisbon." in shown(listed)
    # Nobody but the ICC team decides, and nobody decides their own request.
    assert shown(await network.press("giulia", DECIDE_ACTION, f"approve:{waiting.id}")) == refusal(Role.icc_team, "en")
    decided = await network.press("ivana", DECIDE_ACTION, f"approve:{waiting.id}")
    assert shown(decided) == "Giulia is now coordinator of Lisbon; they were told."
    giulia = services.members.find(person("giulia"))
    assert giulia is not None and giulia.role == Role.coordinator
    again = await network.press("ivana", DECIDE_ACTION, f"decline:{waiting.id}")
    assert "was already answered" in shown(again)
    assert services.role_requests.get(waiting.id or 0).status == RequestStatus.approved  # type: ignore[union-attr]
    assert services.delivery.report(f"role-request:{waiting.id}:approve").total == 1
    assert services.delivery.report(f"role-request:{waiting.id}:decline").total == 0


async def test_a_declined_request_changes_nothing_but_the_answer(network: Network) -> None:
    services = network.core.services
    await network.say("giulia", "/request-role icc_team")
    [waiting] = services.role_requests.waiting()
    assert "is declined" in shown(await network.press("ivana", DECIDE_ACTION, f"decline:{waiting.id}"))
    assert services.members.find(person("giulia")).role == Role.member  # type: ignore[union-attr]
    assert services.delivery.report(f"role-request:{waiting.id}:decline").total == 1


async def test_the_icc_team_does_not_approve_its_own_request(network: Network) -> None:
    await network.say("ivana", "/request-role coordinator Paris")
    [waiting] = network.core.services.role_requests.waiting()
    assert "Someone else in the ICC team" in shown(await network.press("ivana", DECIDE_ACTION,
                                                                       f"approve:{waiting.id}"))


async def test_a_flood_of_requests_is_refused_politely_and_nothing_more_is_sent(network: Network) -> None:
    assert "is with the ICC team" in await network.say("giulia", "/request-role coordinator Lisbon")
    assert "You already asked for this" in await network.say("giulia", "/request-role coordinator Lisbon")
    assert "is with the ICC team" in await network.say("giulia", "/request-role icc_team")
    assert "is with the ICC team" in await network.say("giulia", "/request-role coordinator Paris")
    refused = await network.say("giulia", "/request-role coordinator Odesa")
    assert refused == ("You have sent 3 requests today: please wait for the ICC team's answers before asking again. "
                       "Nothing was sent.")
    assert requests_sent(network) == 3
    assert len(network.core.services.role_requests.waiting()) == 3


async def test_requests_that_make_no_sense_are_refused(network: Network) -> None:
    assert "You already are a coordinator of Lisbon." == await network.say("ana", "/request-role coordinator")
    assert "You already are on the ICC team." == await network.say("ivana", "/request-role icc_team")
    assert "Say which cluster" in await network.say("giulia", "/request-role cluster_coordinator")
    assert "There is no ICC city called “Atlantis”." == await network.say("giulia", "/request-role coordinator "
                                                                                    "Atlantis")
    assert "not one of" in await network.say("giulia", "/request-role king")
    assert requests_sent(network) == 0
    form = await network.run("giulia", "/request-role")
    assert form.form is not None and form.form.field("city").initial == "Lisbon"
