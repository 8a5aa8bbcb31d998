"""Buttons of core replies: persistent components that reach the core, also after a restart."""

from __future__ import annotations

from bot.context import Context
from bot.i18n import t
from bot.messages import Button, ButtonStyle, Reply, Response, Section
from bot.registry import Args, Command, Registry
from bot.wiring import Core, build_core
from tests.discord.helpers import ALICE, BOB, answer, buttons, channel_id, content, running_bot
from tests.fakes import discord as fd


def add_poll(registry: Registry, pressed: list[tuple[str, str, str]]) -> None:
    """A command whose public reply carries buttons, and the action behind them (no Discord code)."""

    async def poll(ctx: Context, args: Args) -> Response:
        return Response(replies=[Reply(
            text="Which day suits you?",
            ephemeral=False,
            sections=[Section(title="Monday", text="Online", buttons=(Button("vote:7", "I come", value="mon"),)),
                      Section(title="Friday", text="Strasbourg",
                              buttons=(Button("vote:7", "I come", value="fri", style=ButtonStyle.primary),))],
            buttons=[Button("vote-close:7", "Close", style=ButtonStyle.danger)],
        )])

    async def vote(ctx: Context, value: str) -> Response:
        pressed.append((ctx.actor.id, ctx.channel.id, value))
        return Response.text(f"noted: {value}")

    registry.add(Command(name="poll", description="Ask which day suits.", handler=poll))
    registry.add_action("vote", vote)


async def test_a_button_press_reaches_the_core_even_after_a_restart(core: Core, fake: fd.FakeDiscord) -> None:
    pressed: list[tuple[str, str, str]] = []
    add_poll(core.registry, pressed)
    general = channel_id(fake, "general")
    async with running_bot(core, fake):
        shown = await answer(fake, fake.slash_command_interaction("poll", user_id=ALICE, channel_id=general))
        data = shown["data"]
        assert not (data.get("flags") or 0) & 64  # public
        assert [e["title"] for e in data["embeds"]] == ["1. Monday", "2. Friday"]
        assert [(b["custom_id"], b["label"]) for b in buttons(data)] == [
            ("vote:7|mon", "1 · I come"), ("vote:7|fri", "2 · I come"), ("vote-close:7", "Close")]
        assert [b["style"] for b in buttons(data)] == [2, 1, 4]
        first = await answer(fake, fake.component_interaction("vote:7|mon", user_id=BOB, locale="de"))
        assert content(first) == "noted: mon"

    # A restart: a new process, a new core on the same database, a new client; the old message's button works.
    restarted = build_core(core.settings, engine=core.engine, migrate=False)
    add_poll(restarted.registry, pressed)
    async with running_bot(restarted, fake):
        second = await answer(fake, fake.component_interaction("vote:7|fri", user_id=ALICE))
        unknown = await answer(fake, fake.component_interaction("vote-close:7", user_id=ALICE, locale="fr"))
    assert content(second) == "noted: fri"
    assert pressed == [(str(BOB), str(general), "mon"), (str(ALICE), str(general), "fri")]
    assert content(unknown) == t("fr", "This button is no longer in use.")
    assert fake.identify_count == 2


async def test_paging_through_a_long_search_with_buttons(core: Core, fake: fd.FakeDiscord) -> None:
    """A button value longer than a custom id allows (a long search) still pages, until a restart."""
    seen: list[str] = []
    words = "médiateurs interculturels dans les écoles primaires et les bibliothèques municipales"

    async def search(ctx: Context, args: Args) -> Response:
        return Response(replies=[Reply(text="page 1", buttons=[
            Button("page:2", "Next", value=f'{{"w": "{words}", "p": 2}}')])])

    async def page(ctx: Context, value: str) -> Response:
        seen.append(value)
        return Response.text("page 2")

    core.registry.add(Command(name="find", description="Find.", handler=search))
    core.registry.add_action("page", page)
    async with running_bot(core, fake):
        shown = await answer(fake, fake.slash_command_interaction("find", user_id=ALICE))
        [next_button] = buttons(shown["data"])
        assert len(next_button["custom_id"]) <= 100 < len(f'page:2|{{"w": "{words}", "p": 2}}')
        assert content(await answer(fake, fake.component_interaction(next_button["custom_id"], user_id=ALICE))) == \
            "page 2"
    assert seen == [f'{{"w": "{words}", "p": 2}}']
    async with running_bot(core, fake):
        expired = await answer(fake, fake.component_interaction(next_button["custom_id"], user_id=ALICE,
                                                                locale="es-ES"))
    assert content(expired) == t("es", "This button has expired. Please run the command again.")
