"""The issue's bad input, each typed by someone of the demo network in their own language: a clear message in that
language, and nothing changed anywhere (events, the schedule, subscriptions, broadcasts, the outbox)."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func
from sqlmodel import select

from bot.context import refusal
from bot.db import session_scope
from bot.i18n import t
from bot.models import Delivery, Role
from bot.models.calendar import Broadcast, CalendarEvent, Notice, Subscription
from bot.wiring import Core
from tests.calendar.conftest import command, person, submit, text_of
from tests.calendar.test_events import GOOD

#: Joan (Spanish) coordinates the anti-rumours cluster: his cluster's events are his to add.
JOAN = {**GOOD, "audience": "cluster:anti-rumours"}
Case = tuple[str, str, str, Any, str, dict[str, Any]]  # who, how, what, input, msgid, its values

CASES: list[Case] = [
    ("ana", "command", "remind", "me 2026-02-27 10:00 ligar a Kyiv", "{value} is in the past. Give a time to come.",
     {"value": "2026-02-27 10:00"}),
    ("olena", "command", "remind", "me 2027-02-30 10:00 зустріч", "There is no such day: {value}.",
     {"value": "2027-02-30"}),
    ("mireille", "command", "remind", "me dans 10 ans fête", "That is too far ahead: a reminder at most a year from "
     "now.", {}),
    ("katrin", "command", "remind", "here vor 1 Sekunde Abstimmung", "{value} is in the past. Give a time to come.",
     {"value": "2026-03-01 08:59"}),
    ("joan", "form", "event", {**JOAN, "start": "2026-03-29 03:30", "end": "", "time_zone": "Europe/Kyiv"},
     "{value} does not exist in {zone}: the clocks go forward then. Choose another time.",
     {"value": "2026-03-29 03:30", "zone": "Europe/Kyiv"}),
    ("joan", "form", "event", {**JOAN, "start": "2026-11-01 01:30", "end": "", "time_zone": "America/Montreal"},
     "{value} happens twice in {zone}: the clocks go back then. Choose another time.",
     {"value": "2026-11-01 01:30", "zone": "America/Montreal"}),
    ("joan", "form", "event", {**JOAN, "start": "2026-02-30 10:00", "end": ""}, "There is no such day or time: "
     "{value}.", {"value": "2026-02-30 10:00"}),
    ("joan", "form", "event", {**JOAN, "start": "2026-02-20 10:00", "end": ""}, "{value} is in the past. Give a date "
     "to come.", {"value": "2026-02-20 10:00"}),
    ("joan", "form", "event", {**JOAN, "rrule": "FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30"}, "This repetition rule never "
     "happens (such as 30 February, or an end before the start).", {}),
    ("joan", "form", "event", {**JOAN, "time_zone": "Europe/Atlantis"}, "“{value}” is not a time zone I know. Write "
     "it as Region/City, such as Europe/Lisbon.", {"value": "Europe/Atlantis"}),
    ("joan", "form", "event", {**JOAN, "description": "x" * 4001}, "{field} is too long: {length} characters, at "
     "most {limit}.", {"field": "Descripción", "length": 4001, "limit": 4000}),
    ("ana", "command", "event", "cancel 1", "Only the ICC team, or a cluster's coordinators for their cluster's "
     "events, can do this. Ask the ICC team if you coordinate a cluster.", {}),
    ("joan", "command", "event", "cancel 1", "Only the ICC team, or a cluster's coordinators for their cluster's "
     "events, can do this. Ask the ICC team if you coordinate a cluster.", {}),
    ("claire", "command", "broadcast", "send to:region:asia-pacific Bonjour", "Nobody would receive this: {audience} "
     "has no city channel or coordinator yet. Nothing was sent.", {"audience": "Région : Asie et Pacifique"}),
    ("ana", "command", "subscribe", "campaign-days", "This channel is already subscribed to {scope}. To change the "
     "reminders, unsubscribe first.", {"scope": "campaign-days"}),
]
LOCALES = {"ana": "pt", "olena": "uk", "mireille": "fr", "katrin": "de", "joan": "es", "giulia": "it", "claire": "fr"}


def snapshot(core: Core) -> dict[str, int]:
    with session_scope(core.engine) as session:
        return {table.__name__: session.exec(select(func.count()).select_from(table)).one()
                for table in (CalendarEvent, Notice, Subscription, Broadcast, Delivery)}


@pytest.fixture
def network(demo: Core) -> Core:
    """The demo, Lisbon's channel subscribed to the campaign days, and Claire (French) on the ICC team."""
    demo.services.members.get_or_create(person("claire"), display_name="Claire", platform_locale="fr")
    demo.services.members.set_role(person("claire"), Role.icc_team)
    ana = demo.services.members.find(person("ana"))
    assert ana is not None
    demo.services.calendar.subscribe(person("city-lisbon"), "campaign-days", "", by=ana)
    return demo


@pytest.mark.parametrize(("who", "how", "what", "given", "msgid", "values"), CASES,
                         ids=[f"{case[2]}-{n}" for n, case in enumerate(CASES)])
async def test_bad_input_is_told_in_the_persons_language_and_changes_nothing(
    network: Core, who: str, how: str, what: str, given: Any, msgid: str, values: dict[str, Any]
) -> None:
    before = snapshot(network)
    if how == "command":
        answer = await command(network, who, what, given)
    else:
        answer = await submit(network, who, what, given)
    expected = t(LOCALES[who], msgid, **values)
    assert expected != t("en", msgid, **values)  # really translated
    assert expected in text_of(answer), text_of(answer)
    assert snapshot(network) == before


async def test_a_broadcast_or_an_event_change_by_someone_without_the_role_changes_nothing(network: Core) -> None:
    before = snapshot(network)
    refused = await command(network, "giulia", "broadcast", "send to:all Ciao a tutti")
    assert text_of(refused) == refusal(Role.icc_team, "it")
    # The service checks the role itself, whatever path reached it.
    giulia = network.services.members.find(person("giulia"))
    assert giulia is not None
    from bot.errors import UserError

    with pytest.raises(UserError):
        await network.services.calendar.broadcasts.prepare(giulia, "Ciao", language="it")
    with pytest.raises(UserError):
        network.services.calendar.cancel_event(1, actor=giulia)
    assert snapshot(network) == before
