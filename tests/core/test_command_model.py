"""The command model of the core: a handler per subcommand, people and channels resolved by the adapter."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from bot.context import Context, refusal
from bot.i18n import t
from bot.messages import CommandInvoked, Identity, Response
from bot.models import Role
from bot.ports import Capabilities
from bot.registry import (
    Args,
    ArgsError,
    Command,
    Named,
    Option,
    OptionKind,
    Subcommand,
    check_values,
    parse_text,
)
from bot.wiring import Core
from commands import COMMAND_MODULES

ROOT = Path(__file__).resolve().parents[2]
ANA = Identity("console", "local", "ana")
HERE = Identity("console", "local", "general")


class Names:
    """A resolver as an adapter hands it over: it knows one person and one channel, and counts its calls."""

    def __init__(self) -> None:
        self.asked: list[str] = []

    async def person(self, text: str, actor: Identity) -> Named | None:
        self.asked.append(text)
        return Named(Identity(actor.platform, actor.workspace, "U42"), "Joan") if text == "joan" else None

    async def channel(self, text: str, actor: Identity) -> Named | None:
        self.asked.append(text)
        return Named(Identity(actor.platform, actor.workspace, "C7"), "cluster") if text == "cluster" else None


def greet_command() -> Command:
    async def hello(ctx: Context, args: Args) -> Response:
        return Response.text(f"hello {args.person('who').id} as {args.text('who')}")

    async def where(ctx: Context, args: Args) -> Response:
        return Response.text(f"in {args.channel('place').id}")

    return Command(
        name="greet", description="Greet.", default_sub="hello",
        subcommands=(
            Subcommand("hello", "Say hello.", handler=hello,
                       options=(Option("who", "Who", kind=OptionKind.person, required=True),)),
            Subcommand("where", "Name a place.", handler=where, min_role=Role.coordinator,
                       options=(Option("place", "Where", kind=OptionKind.channel, required=True),)),
        ),
    )


async def run(core: Core, text: str, resolver: Names | None) -> str:
    event = CommandInvoked(actor=ANA, channel=HERE, name="greet", text=text, platform_locale="en")
    response = await core.dispatcher.handle(event, Capabilities(), resolver=resolver)
    return response.replies[0].text


async def test_each_subcommand_runs_its_own_handler_with_people_and_channels_resolved(core: Core) -> None:
    core.registry.add(greet_command())
    names = Names()
    assert await run(core, "hello joan", names) == "hello U42 as Joan"
    assert await run(core, "joan", names) != "hello U42 as Joan"  # not a subcommand: the usage is shown
    core.services.members.set_role(ANA, Role.coordinator)
    assert await run(core, "where place:cluster", names) == "in C7"


async def test_an_unknown_person_or_channel_is_a_clear_message_and_nothing_runs(core: Core) -> None:
    core.registry.add(greet_command())
    assert await run(core, "hello nobody", Names()) == t("en", "I do not know anyone called “{value}” here.",
                                                          value="nobody")
    core.services.members.set_role(ANA, Role.coordinator)
    assert await run(core, "where nowhere", Names()) == t("en", "There is no channel “{value}” here.",
                                                          value="nowhere")
    # A platform that cannot resolve names: the same message, never a crash.
    assert await run(core, "hello joan", None) == t("en", "I do not know anyone called “{value}” here.",
                                                    value="joan")


async def test_the_role_is_checked_before_anyone_is_looked_up(core: Core) -> None:
    core.registry.add(greet_command())
    names = Names()
    assert await run(core, "where cluster", names) == refusal(Role.coordinator, "en")
    assert names.asked == []


def test_typed_people_and_channels_pass_only_where_the_command_takes_them() -> None:
    command = greet_command()
    joan = Named(Identity("discord", "1", "2"), "Joan")
    assert check_values(command, Args(sub="hello", values={"who": joan})).values == {"who": joan}
    with pytest.raises(ArgsError):
        check_values(command, Args(sub="hello", values={"who": ""}))
    text_only = Command(name="say", description="d", handler=greet_command().handler_for("hello"),
                        options=(Option("words", "w", rest=True),))
    with pytest.raises(ArgsError):
        check_values(text_only, Args(values={"words": joan}))


def test_a_command_declares_handlers_where_they_run() -> None:
    async def handler(ctx: Context, args: Args) -> Response:
        return Response()

    with pytest.raises(ValueError, match="subcommands"):
        Command(name="x", description="d", handler=handler, subcommands=(Subcommand("a", "a", handler=handler),))
    with pytest.raises(ValueError, match="neither"):
        Command(name="x", description="d")
    with pytest.raises(ValueError, match="default"):
        Command(name="x", description="d", default_sub="b", subcommands=(Subcommand("a", "a", handler=handler),))
    with pytest.raises(ArgsError, match="missing"):
        parse_text(greet_command(), "")  # `/greet` is `/greet hello`, which needs its person


def test_commands_hold_only_commands_that_read_no_platform_syntax() -> None:
    folder = ROOT / "commands"
    modules = {f"commands.{path.stem}" for path in folder.glob("*.py") if path.stem != "__init__"}
    assert modules == set(COMMAND_MODULES)
    for path in folder.glob("*.py"):
        source = path.read_text(encoding="utf-8")
        imported = {node.module for node in ast.walk(ast.parse(source)) if isinstance(node, ast.ImportFrom)}
        assert "<@" not in source and "<#" not in source, f"{path.name} reads platform mention syntax"
        assert "args.sub" not in source, f"{path.name} branches on the subcommand's name"
        assert not imported & {"commands.registry", "commands.context"}
    for gone in ("registry.py", "context.py"):
        assert not (folder / gone).exists()
