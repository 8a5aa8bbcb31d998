"""Discord roles -> bot roles per server: `/discord-roles`, the refresh before every interaction, the rules."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.i18n import t
from bot.models import Role
from bot.wiring import Core
from integrations.discord.roles import RoleMap, effective_role, rank
from tests.discord.helpers import ALICE, BOB, CAROL, GUILD, OWNER, answer, content, identity, running_bot
from tests.fakes import discord as fd


def role_of(core: Core, user_id: int) -> Role:
    member = core.services.members.find(identity(user_id))
    assert member is not None
    return Role(member.role)


def map_payload(fake: fd.FakeDiscord, role_name: str, bot_role: str, user_id: int, locale: str = "fr") -> dict:
    return fake.slash_command_interaction(
        "discord-roles",
        [{"name": "role", "type": 8, "value": str(fake.role_id(GUILD, role_name))},
         {"name": "bot-role", "type": 3, "value": bot_role}],
        subcommand="map", user_id=user_id, locale=locale,
    )


async def test_an_admin_maps_a_role_and_its_holders_become_coordinators(core: Core, fake: fd.FakeDiscord) -> None:
    async with running_bot(core, fake):
        before = await answer(fake, fake.slash_command_interaction("profile", subcommand="show", user_id=ALICE))
        assert t("fr", "Role: {role}", role=t("fr", "member")) in content(before)

        mapped = await answer(fake, map_payload(fake, "Coordinators", "coordinator", OWNER))
        role_id = fake.role_id(GUILD, "Coordinators")
        assert content(mapped) == t("fr", "People with the role {role} are now {bot_role} for the bot.",
                                    role=f"<@&{role_id}>", bot_role=t("fr", "city coordinator"))
        assert mapped["data"]["flags"] & 64 and "roles" not in mapped["data"]["allowed_mentions"]["parse"]

        after = await answer(fake, fake.slash_command_interaction("profile", subcommand="show", user_id=ALICE))
        assert t("fr", "Role: {role}", role=t("fr", "city coordinator")) in content(after)
        listed = await answer(fake, fake.slash_command_interaction("discord-roles", subcommand="list",
                                                                   user_id=OWNER, locale="en-US"))
        assert content(listed) == f"Discord roles and the bot roles they give:\n<@&{role_id}> → city coordinator"

        # The Discord role is taken away: the bot role goes with it at the next interaction.
        fake.members[GUILD][ALICE]["roles"] = []
        await answer(fake, fake.slash_command_interaction("help", user_id=ALICE))
        assert role_of(core, ALICE) is Role.member

        unmapped = await answer(fake, fake.slash_command_interaction(
            "discord-roles", [{"name": "role", "type": 8, "value": str(role_id)}], subcommand="unmap",
            user_id=OWNER, locale="en-US"))
        assert content(unmapped) == f"The role <@&{role_id}> no longer gives a bot role."
    assert RoleMap(core.engine).for_guild(str(GUILD)) == {}


async def test_only_server_admins_change_the_mapping(core: Core, fake: fd.FakeDiscord) -> None:
    async with running_bot(core, fake):
        refused = await answer(fake, map_payload(fake, "Coordinators", "coordinator", BOB, locale="de"))
    assert content(refused) == t("de", "Only server admins (with Manage Server) can change this.")
    assert RoleMap(core.engine).for_guild(str(GUILD)) == {}


async def test_only_the_icc_team_maps_a_role_to_icc_team(core: Core, fake: fd.FakeDiscord) -> None:
    staff = fake.role_id(GUILD, "ICC staff")
    async with running_bot(core, fake):
        refused = await answer(fake, map_payload(fake, "ICC staff", "icc_team", OWNER))
        assert content(refused) == t("fr", "Only the ICC team can map a Discord role to ICC team.")
        core.services.members.set_role(identity(OWNER), Role.icc_team)  # `python -m bot members set-role`
        # Mapping a role they do not hold would take their own ICC team role away at their next interaction.
        unsafe = await answer(fake, map_payload(fake, "ICC staff", "icc_team", OWNER))
        assert content(unsafe) == t("fr", "Take the role {role} yourself first: once it gives {bot_role}, those "
                                          "without it are no longer {bot_role}.", role=f"<@&{staff}>",
                                    bot_role=t("fr", "ICC team"))
        fake.members[GUILD][OWNER]["roles"].append(str(staff))
        await answer(fake, map_payload(fake, "ICC staff", "icc_team", OWNER))
        await answer(fake, fake.slash_command_interaction("help", user_id=CAROL))
        await answer(fake, fake.slash_command_interaction("help", user_id=OWNER))
    assert RoleMap(core.engine).for_guild(str(GUILD)) == {str(staff): Role.icc_team}
    assert role_of(core, CAROL) is Role.icc_team and role_of(core, OWNER) is Role.icc_team


async def test_everyone_and_bot_roles_cannot_be_mapped(core: Core, fake: fd.FakeDiscord) -> None:
    async with running_bot(core, fake):
        refused = await answer(fake, fake.slash_command_interaction(
            "discord-roles", [{"name": "role", "type": 8, "value": str(GUILD)},
                              {"name": "bot-role", "type": 3, "value": "coordinator"}],
            subcommand="map", user_id=OWNER, locale="en-US"))
    assert content(refused).startswith("Choose a role that people are given")


async def test_a_role_the_server_does_not_map_is_kept(core: Core, fake: fd.FakeDiscord) -> None:
    RoleMap(core.engine).set(guild_id=str(GUILD), role_id=str(fake.role_id(GUILD, "Coordinators")),
                             role=Role.coordinator, by="test")
    core.services.members.set_role(identity(BOB), Role.icc_team)
    async with running_bot(core, fake):
        reply = await answer(fake, fake.slash_command_interaction("share-practice", user_id=BOB, locale="de"))
    assert reply["type"] == 9  # the ICC team may share practices; the form opens
    assert role_of(core, BOB) is Role.icc_team


def test_no_mapping_changes_nothing() -> None:
    assert effective_role({}, ["1"], Role.icc_team) is Role.icc_team


@given(
    mapping=st.dictionaries(st.sampled_from("abcd"), st.sampled_from(list(Role)), max_size=4),
    held=st.sets(st.sampled_from("abcde")),
    current=st.sampled_from(list(Role)),
)
def test_effective_role_rules(mapping: dict[str, Role], held: set[str], current: Role) -> None:
    result = effective_role(mapping, held, current)
    granted = [mapping[r] for r in held if r in mapping]
    if not mapping:
        assert result is current
        return
    # Holding a mapped role always gives at least that role.
    assert all(rank(result) >= rank(role) for role in granted)
    # A role the mapping gives is only held with the Discord role; one it does not give is never taken away.
    if result in mapping.values() and result is not Role.member:
        assert result in granted or result is current and current not in mapping.values()
    if current not in mapping.values() and current is not Role.member:
        assert rank(result) >= rank(current)


@pytest.mark.parametrize(
    ("held", "current", "expected"),
    [(["c"], Role.member, Role.coordinator), ([], Role.coordinator, Role.member),
     (["c", "i"], Role.member, Role.icc_team), ([], Role.icc_team, Role.member)],
)
def test_effective_role_examples(held: list[str], current: Role, expected: Role) -> None:
    assert effective_role({"c": Role.coordinator, "i": Role.icc_team}, held, current) is expected
