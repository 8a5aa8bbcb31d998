"""The ICC team reviews practices on Discord: persistent review buttons, a reject form from a button, DMs."""

from __future__ import annotations

from sqlmodel import Session

from bot.i18n import t
from bot.models import Practice, PracticeStatus, Role
from bot.services.practice_rules import draft
from bot.wiring import Core, build_core
from tests.discord.helpers import (
    ALICE,
    BOB,
    CAROL,
    add_city,
    answer,
    buttons,
    content,
    identity,
    map_role,
    modal_inputs,
    running_bot,
)
from tests.fakes import discord as fd


def submitted_practices(core: Core, fake: fd.FakeDiscord) -> list[int]:
    city = add_city(core, "Lisbon")
    assert city.id is not None
    map_role(core, fake, "Coordinators", Role.coordinator)
    members = core.services.members
    members.get_or_create(identity(ALICE), platform_locale="fr")
    members.set_role(identity(ALICE), Role.coordinator)
    members.set_city(identity(ALICE), "Lisbon")
    members.set_role(identity(CAROL), Role.icc_team)  # `python -m bot members set-role`: no server maps it
    author = members.find(identity(ALICE))
    assert author is not None
    ids = []
    for title in ("Anti-rumours agents", "Intercultural mediators"):
        practice = core.services.practices.submit(author=author, data=draft(
            title=title, city_id=city.id, summary="Volunteers answer rumours with facts.",
            description="Since 2010 the city trains volunteers in libraries and markets.", themes="anti-rumours",
            language="en"))
        assert practice.id is not None
        ids.append(practice.id)
    return ids


def status(core: Core, practice_id: int) -> PracticeStatus:
    with Session(core.engine) as session:
        practice = session.get(Practice, practice_id)
        assert practice is not None
        return PracticeStatus(practice.status)


async def test_review_buttons_survive_a_restart_and_the_author_is_told(core: Core, fake: fd.FakeDiscord) -> None:
    first, second = submitted_practices(core, fake)
    async with running_bot(core, fake):
        listed = await answer(fake, fake.slash_command_interaction("practices", subcommand="review", user_id=CAROL,
                                                                   locale="en-GB"))
        review = {b["custom_id"]: b["label"] for b in buttons(listed["data"])}
    assert f"practice-approve:{first}|{first}" in review and f"practice-reject:{second}|{second}" in review

    restarted = build_core(core.settings, engine=core.engine, migrate=False)
    async with running_bot(restarted, fake):
        refused = await answer(fake, fake.component_interaction(f"practice-approve:{first}|{first}", user_id=BOB,
                                                                locale="de"))
        assert content(refused).startswith(t("de", "Only the ICC team can review practices."))
        assert "/request-role icc_team" in content(refused)  # and how to get the role
        approved = await answer(fake, fake.component_interaction(f"practice-approve:{first}|{first}",
                                                                 user_id=CAROL, locale="en-GB"))
        assert content(approved).startswith(f"Practice #{first} “Anti-rumours agents” is approved.")
        await fake.wait_until(lambda: fake._dm_channels.get(ALICE) and fake.messages_in(fake._dm_channels[ALICE]))

        press = fake.component_interaction(f"practice-reject:{second}|{second}", user_id=CAROL, locale="en-GB")
        form = await answer(fake, press)
        assert form["type"] == 9 and form["data"]["title"] == f"Reject practice #{second}"
        [reason] = modal_inputs(form["data"])
        rejected = await answer(fake, fake.modal_submit_interaction(
            form["data"]["custom_id"], values={reason["custom_id"]: "Please add results."}, user_id=CAROL,
            locale="en-GB", message=press["message"]))
        assert content(rejected).startswith(f"Practice #{second} “Intercultural mediators” is rejected.")
        await fake.wait_until(lambda: len(fake.messages_in(fake._dm_channels[ALICE])) == 2)
    assert status(core, first) is PracticeStatus.approved and status(core, second) is PracticeStatus.rejected
    told = [m["content"] for m in fake.messages_in(fake._dm_channels[ALICE])]
    assert told[0] == t("fr", "Good news: the ICC team approved your practice “{title}” (#{id}). It will be "
                              "published soon.", title="Anti-rumours agents", id=first)
    assert "Please add results." in told[1]
