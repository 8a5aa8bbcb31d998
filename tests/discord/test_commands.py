"""Slash commands: built from the registry, localised, typed, checked, answered once and in time."""

from __future__ import annotations

import asyncio
import logging
import re

import pytest

from bot.context import Context, refusal
from bot.i18n import t
from bot.messages import Reply, Response
from bot.models import City, Role
from bot.registry import Args, Command, Option, OptionKind, Subcommand
from bot.wiring import Core
from tests.discord.helpers import ALICE, BOB, CAROL, GUILD, answer, channel_id, content, identity, running_bot
from tests.fakes import discord as fd


def add_test_commands(core: Core, slow_until: asyncio.Event | None = None) -> None:
    """Commands the Discord adapter has never heard of: they must work with no Discord code.

    `/slow` answers once `slow_until` is set (at once without it)."""

    async def count_up(ctx: Context, args: Args) -> Response:
        return Response.text(f"{args.sub}:{args.integer('n')}:{args.text('colour')}")

    core.registry.add(Command(
        name="count", description="Count something.",
        subcommands=(Subcommand("up", "Count up.", handler=count_up, options=(
            Option("n", "How many", kind=OptionKind.integer, required=True, min_value=1, max_value=10),
            Option("colour", "Which colour", kind=OptionKind.choice, choices=("red", "blue")),
        )),),
    ))

    async def slow(ctx: Context, args: Args) -> Response:
        if slow_until is not None:
            await slow_until.wait()
        return Response(replies=[Reply(text="private result"), Reply(text="public result", ephemeral=False)])

    core.registry.add(Command(name="slow", description="Take a while.", handler=slow))


async def test_every_registry_command_is_synced_with_localised_descriptions(core: Core, fake: fd.FakeDiscord) -> None:
    add_test_commands(core)
    async with running_bot(core, fake):
        synced = {c["name"]: c for c in fake.commands[GUILD]}
    assert set(core.registry.commands) <= set(synced)  # the same names as on Slack
    assert {"share-practice", "practices", "help", "profile", "language", "role", "discord-roles", "Translate"} <= set(
        synced
    )
    help_command = synced["help"]
    assert help_command["description"] == "Show what the bot can do for you."
    assert help_command["description_localizations"]["fr"] == t("fr", "Show what the bot can do for you.")
    assert help_command["description_localizations"]["pt-BR"] == t("pt", "Show what the bot can do for you.")
    # Names stay those of Slack; Discord shows them translated to people whose client speaks our languages.
    assert help_command["name_localizations"]["fr"] == "aide"
    assert synced["share-practice"]["name_localizations"]["de"] == "praxis-teilen"
    assert synced["share-practice"]["name_localizations"]["uk"] == "поділитися-практикою"
    practices = {sub["name"]: sub for sub in synced["practices"]["options"]}
    assert practices["search"]["name_localizations"]["es-ES"] == "buscar"
    assert_valid_localised_names(list(synced.values()))
    # Subcommands with typed options, ranges and choices, straight from the registry.
    up = synced["count"]["options"][0]
    assert up["type"] == 1 and up["name"] == "up"
    n, colour = up["options"]
    assert (n["name"], n["type"], n["required"], n["min_value"], n["max_value"]) == ("n", 4, True, 1, 10)
    assert colour["type"] == 3 and [c["value"] for c in colour["choices"]] == ["red", "blue"]
    # Coordinator commands are hidden in DMs; admins-only mapping needs Manage Server.
    assert synced["share-practice"]["dm_permission"] is False
    assert synced["help"]["dm_permission"] is True
    assert int(synced["discord-roles"]["default_member_permissions"]) == 1 << 5
    assert synced["Translate"]["type"] == 3 and synced["Translate"]["name_localizations"]["fr"] == "Traduire"


async def test_answer_in_the_discord_locale_unless_a_language_was_chosen(core: Core, fake: fd.FakeDiscord) -> None:
    async with running_bot(core, fake):
        first = await answer(fake, fake.slash_command_interaction("help", user_id=BOB, locale="fr"))
        assert first["type"] == 4 and first["data"]["flags"] & 64  # private
        assert content(first).startswith(t("fr", "Here is what I can do for you:"))
        chosen = await answer(fake, fake.slash_command_interaction("language", {"code": "de"}, user_id=BOB))
        assert content(chosen) == t("de", "From now on I will speak {language} to you.", language="Deutsch")
        later = await answer(fake, fake.slash_command_interaction("help", user_id=BOB, locale="fr"))
        assert content(later).startswith(t("de", "Here is what I can do for you:"))


async def test_typed_options_reach_the_core(core: Core, fake: fd.FakeDiscord) -> None:
    add_test_commands(core)
    async with running_bot(core, fake):
        reply = await answer(fake, fake.slash_command_interaction("count", {"n": 3, "colour": "blue"}, subcommand="up"))
    assert content(reply) == "up:3:blue"


@pytest.mark.parametrize(
    ("options", "msgid", "params"),
    [
        ([{"name": "n", "type": 3, "value": "three"}], "“{value}” is not a whole number for {option}.",
         {"value": "three", "option": "n"}),
        ({"n": 99}, "{option} is out of range.", {"option": "n"}),
        ({"n": 2, "colour": "green"}, "“{value}” is not one of: {choices}.",
         {"value": "green", "choices": "red, blue"}),
    ],
)
async def test_options_of_the_wrong_type_or_out_of_range_get_a_localised_message(
    core: Core, fake: fd.FakeDiscord, options: object, msgid: str, params: dict[str, str]
) -> None:
    """Discord's client checks types and ranges, but a stale command or a forged interaction can still send them."""
    add_test_commands(core)
    async with running_bot(core, fake):
        reply = await answer(fake, fake.slash_command_interaction("count", options, subcommand="up", locale="fr"))
    assert content(reply).splitlines()[0] == t("fr", msgid, **params)
    assert t("fr", msgid, **params) != t("en", msgid, **params)


async def test_a_dm_where_a_server_is_needed_gets_a_clear_message(core: Core, fake: fd.FakeDiscord) -> None:
    async with running_bot(core, fake) as bot:
        dm = await (await bot.fetch_user(ALICE)).create_dm()
        reply = await answer(fake, fake.slash_command_interaction("share-practice", user_id=ALICE, channel_id=dm.id,
                                                                  locale="fr"))
    assert "guild_id" not in fake.callbacks()[0] or True
    assert content(reply) == t("fr", "This only works in a server channel, where your role is known, not in direct "
                                     "messages. Use it in your ICC server.")


async def test_a_person_without_the_role_is_told_so_and_how_to_get_it(core: Core, fake: fd.FakeDiscord) -> None:
    async with running_bot(core, fake):
        reply = await answer(fake, fake.slash_command_interaction("share-practice", user_id=BOB, locale="de"))
    assert reply["type"] == 4
    assert content(reply) == refusal(Role.coordinator, "de")
    assert "/request-role coordinator" in content(reply)


async def test_an_interaction_delivered_twice_is_answered_once(
    core: Core, fake: fd.FakeDiscord, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="integrations.discord.interactions")
    calls: list[str] = []

    async def once(ctx: Context, args: Args) -> Response:
        calls.append(ctx.actor.id)
        return Response.text("done once")

    core.registry.add(Command(name="once", description="Do it once.", handler=once))
    async with running_bot(core, fake):
        payload = fake.slash_command_interaction("once", user_id=ALICE)
        await fake.send_interaction(payload)
        await fake.send_interaction(payload)
        await fake.wait_until(lambda: fake.callbacks(payload))
        await fake.wait_until(lambda: "delivered again; answered already" in caplog.text)  # the second one, seen
    assert calls == [str(ALICE)]
    attempts = fake.requests_to("POST", "/interactions/{id}/{token}/callback")
    assert len(attempts) == 1 and attempts[0].status < 300


async def test_a_slow_answer_is_deferred_then_delivered(
    core: Core, fake: fd.FakeDiscord, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("integrations.discord.interactions.ACK_BUDGET", 0.05)
    answered = asyncio.Event()
    add_test_commands(core, slow_until=answered)
    async with running_bot(core, fake):
        payload = fake.slash_command_interaction("slow", user_id=ALICE)
        first = await answer(fake, payload)
        assert first["type"] == 5 and first["data"]["flags"] & 64  # "thinking…", privately
        answered.set()  # the command answers only once Discord was told to wait
        edit = await fake.wait_for_request("PATCH", "/webhooks/{app}/{token}/messages/@original")
        general = int(payload["channel_id"])
        await fake.wait_until(lambda: any(m["content"] == "public result" for m in fake.messages_in(general)))
    assert edit.json["content"] == "private result"


NAME = re.compile(r"^[-_\w]{1,32}$")


def assert_valid_localised_names(siblings: list[dict], *, top: bool = True) -> None:  # type: ignore[type-arg]
    """What Discord refuses a whole sync for: an invalid localised name, or two siblings sharing one.

    At the top, only slash commands (type 1) count: a context menu's name is free text ("Traduire").
    """
    chat_input = [item for item in siblings if not top or item.get("type", 1) == 1]
    locales = {locale for item in chat_input for locale in (item.get("name_localizations") or {})}
    for locale in locales:
        shown = [(item.get("name_localizations") or {}).get(locale, item["name"]) for item in chat_input]
        assert len(shown) == len(set(shown)), (locale, shown)
        for name in shown:
            assert NAME.match(name) and name == name.lower(), (locale, name)
    for item in chat_input:
        if item.get("options"):
            assert_valid_localised_names(item["options"], top=False)


async def test_people_and_channels_are_real_discord_options_resolved_by_discord(
    core: Core, fake: fd.FakeDiscord
) -> None:
    core.services.members.set_role(identity(CAROL), Role.icc_team)
    core.services.cities.add(City(name="Lisbon", country="PT", languages="pt"))
    general = channel_id(fake, "general")
    async with running_bot(core, fake):
        synced = {c["name"]: c for c in fake.commands[GUILD]}
        person = next(o for o in synced["role"]["options"] if o["name"] == "person")
        assert person["type"] == 6 and person["required"] is True  # a user picker, not text
        mirror = next(o for o in synced["translation"]["options"] if o["name"] == "mirror")
        sibling = next(o for o in mirror["options"] if o["name"] == "channel")
        assert sibling["type"] == 7 and 0 in sibling["channel_types"]  # a channel picker, text channels included
        profile = next(o for o in synced["profile"]["options"] if o["name"] == "show")
        assert [(o["name"], o["type"], o.get("required", False)) for o in profile["options"]] == [("person", 6, False)]

        given = await answer(fake, fake.slash_command_interaction(
            "role", [{"name": "person", "type": 6, "value": str(ALICE)}, {"name": "role", "type": 3,
                                                                          "value": "coordinator"},
                     {"name": "city", "type": 3, "value": "Lisbon"}], user_id=CAROL, locale="en-GB"))
        assert content(given) == t("en", "{person} is now {role}.", person="alice", role="city coordinator")
        member = core.services.members.find(identity(ALICE))
        assert member is not None and member.role == Role.coordinator

        shown = await answer(fake, fake.slash_command_interaction(
            "profile", [{"name": "person", "type": 6, "value": str(ALICE)}], subcommand="show", user_id=BOB,
            locale="en-GB"))
        assert t("en", "Profile of {person}", person="alice") in content(shown)
        assert "City: Lisbon" in content(shown) and "Role: city coordinator" in content(shown)

    async def where(ctx: Context, args: Args) -> Response:
        return Response.text(str(args.channel("place")))

    core.registry.add(Command(name="where", description="Name a channel.", handler=where,
                              options=(Option("place", "A channel", kind=OptionKind.channel, required=True),)))
    async with running_bot(core, fake):
        placed = await answer(fake, fake.slash_command_interaction(
            "where", [{"name": "place", "type": 7, "value": str(general)}], user_id=BOB))
    assert content(placed) == f"discord:{GUILD}:{general}"
