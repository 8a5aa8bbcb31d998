"""/event add and /broadcast through a real discord.py bot against the Discord fake: modals in steps, buttons."""

from __future__ import annotations

from typing import Any

from bot.i18n import t
from bot.messages import Identity
from bot.models import City, Role
from bot.wiring import Core
from tests.discord import conftest as discord_fixtures
from tests.discord.helpers import (
    ALICE,
    CAROL,
    GUILD,
    answer,
    buttons,
    channel_id,
    content,
    identity,
    map_role,
    modal_inputs,
    running_bot,
)
from tests.fakes import discord as fd

# The Discord tests' fixtures: the fake with one ICC server, and settings with a bot token.
fake, settings = discord_fixtures.fake, discord_fixtures.settings

VALUES = {"title": "Policy Lab", "kind": "meeting", "start": "2026-04-21 10:00", "end": "2026-04-21 12:30",
          "time_zone": "Europe/Paris", "audience": "all", "place": "Strasbourg", "link": "", "materials": "",
          "rrule": "", "description": "The spring Policy Lab.", "language": "en"}


async def fill_modals(fake: fd.FakeDiscord, opened: dict[str, Any], values: dict[str, str], user: int) -> str:
    """Answer each modal of a form with `values`, pressing the one button between steps (Continue, or Correct
    when a value was refused); returns everything the bot said meanwhile. Stops when a step comes back."""
    current, answered, said = opened, set(), []
    while current["type"] == 9:
        modal = current["data"]
        names = tuple(item["custom_id"] for item in modal_inputs(modal))
        if names in answered:
            break
        answered.add(names)
        filled = {name: ([values[name]] if item["type"] == 3 else values[name])
                  for name, item in zip(names, modal_inputs(modal), strict=True)}
        current = await answer(fake, fake.modal_submit_interaction(modal["custom_id"], values=filled, user_id=user))
        said.append(content(current))
        go_on = buttons(current.get("data") or {})
        if current["type"] != 9 and len(go_on) == 1 and go_on[0].get("custom_id"):
            current = await answer(fake, fake.component_interaction(go_on[0]["custom_id"], user_id=user))
    return "\n".join(said)


def posts(fake: fd.FakeDiscord, where: int) -> list[dict[str, Any]]:
    """The broadcast as posted in a channel (not the interaction answers, such as the preview)."""
    return [m for m in fake.messages_in(where) if m["type"] == 0 and "campaign kit" in m["content"]]


def icc_team(core: Core, fake: fd.FakeDiscord) -> None:
    map_role(core, fake, "ICC staff", Role.icc_team)
    core.services.members.get_or_create(identity(CAROL))
    core.services.members.set_role(identity(CAROL), Role.icc_team)


async def test_event_add_is_a_form_in_modals_and_bad_input_reopens_it(demo: Core, fake: fd.FakeDiscord) -> None:
    icc_team(demo, fake)
    before = len(demo.services.calendar.events.all_events())
    async with running_bot(demo, fake):
        opened = await answer(fake, fake.slash_command_interaction("event", {"title": "Policy Lab"}, subcommand="add",
                                                                   user_id=CAROL, locale="en-GB"))
        assert opened["type"] == 9 and len(modal_inputs(opened["data"])) <= 5
        assert modal_inputs(opened["data"])[0]["value"] == "Policy Lab"
        refused = await fill_modals(fake, opened, {**VALUES, "start": "2026-02-27 10:00", "end": ""}, CAROL)
        # The modals are answered from a French client: the refusal is in French, on the field it concerns.
        assert t("fr", "{value} is in the past. Give a date to come.", value="2026-02-27 10:00") in refused
        assert len(demo.services.calendar.events.all_events()) == before

        again = await answer(fake, fake.slash_command_interaction("event", subcommand="add", user_id=CAROL,
                                                                  locale="en-GB"))
        done = await fill_modals(fake, again, VALUES, CAROL)
    events = demo.services.calendar.events.all_events()
    assert len(events) == before + 1 and events[-1].title == "Policy Lab"
    assert t("fr", "Event #{id} is in the calendar.", id=events[-1].id) in done


async def test_a_member_cannot_add_an_event_on_discord(demo: Core, fake: fd.FakeDiscord) -> None:
    demo.services.members.get_or_create(identity(ALICE))
    async with running_bot(demo, fake):
        refused = await answer(fake, fake.slash_command_interaction("event", subcommand="add", user_id=ALICE))
    assert refused["type"] != 9 and t("fr", "Only the ICC team, or a cluster's coordinators for their cluster's "
                                            "events, can do this. Ask the ICC team if you coordinate a cluster.") \
        in content(refused)


async def test_broadcast_previews_then_the_button_sends_once_to_each_citys_discord_channel(
    core: Core, fake: fd.FakeDiscord
) -> None:
    icc_team(core, fake)
    cities = core.services.cities
    general, education = channel_id(fake, "general"), channel_id(fake, "cluster-education")
    for name, language, where in (("Lisbon", "pt", general), ("Lyon", "fr", education)):
        city = cities.add(City(name=name, country="PT", languages=language))
        assert city.id is not None
        cities.link_channel(city.id, Identity("discord", str(GUILD), str(where)))
    async with running_bot(core, fake):
        preview = await answer(fake, fake.slash_command_interaction(
            "broadcast", {"to": "all", "text": "The campaign kit is ready."}, subcommand="send", user_id=CAROL,
            locale="en-GB"))
        assert "Broadcast #1" in content(preview) and "2 channels" in content(preview)
        assert posts(fake, general) == [] and posts(fake, education) == []
        [send] = [b for b in buttons(preview["data"]) if t("en", "Send it") == b.get("label")]
        refused = await answer(fake, fake.component_interaction(send["custom_id"], user_id=ALICE))
        assert "ICC" in content(refused)
        await core.services.delivery.drain()
        assert posts(fake, general) == [] and posts(fake, education) == []
        await answer(fake, fake.component_interaction(send["custom_id"], user_id=CAROL, locale="en-GB"))
        await fake.send_interaction(fake.component_interaction(send["custom_id"], user_id=CAROL))  # twice: once
        await core.services.delivery.drain()
    for where in (general, education):
        assert len(posts(fake, where)) == 1, fake.messages_in(where)
    assert core.services.calendar.broadcasts.report(1).counts["sent"] == 2
