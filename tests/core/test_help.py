"""`/help` and `/help <command>`: what a person may do, in their language; a command asked by name explained alone."""

from __future__ import annotations

from bot.i18n import t
from bot.messages import CommandInvoked, Identity, Response
from bot.models import Role
from bot.ports import Capabilities
from bot.wiring import Core

PEDRO = Identity("console", "local", "pedro")
HERE = Identity("console", "local", "general")


async def ask(core: Core, text: str, locale: str = "en") -> Response:
    event = CommandInvoked(actor=PEDRO, channel=HERE, name="help", text=text, platform_locale=locale)
    return await core.dispatcher.handle(event, Capabilities())


def shown(response: Response) -> str:
    reply = response.replies[0]
    return "\n".join([reply.text, *(section.text or "" for section in reply.sections)])


async def test_help_lists_only_what_the_person_may_use(core: Core) -> None:
    everything = shown(await ask(core, ""))
    assert "/practices" in everything and "/help" in everything
    assert "/broadcast" not in everything  # the ICC team's
    core.services.members.set_role(PEDRO, Role.icc_team)
    assert "/broadcast" in shown(await ask(core, ""))


async def test_help_with_a_command_explains_that_command_alone_with_or_without_its_slash(core: Core) -> None:
    for text in ("cluster", "/cluster", "CLUSTER "):
        one = shown(await ask(core, text))
        assert one.startswith(t("en", "Here is what /{name} does:", name="cluster"))
        assert "/cluster list" in one and "/practices" not in one


async def test_help_names_a_command_the_person_may_not_use_and_how_to_get_the_role(core: Core) -> None:
    answer = shown(await ask(core, "broadcast", "fr"))
    assert answer == t("fr", "/{name} is for the ICC team or coordinators. /request-role asks the ICC team for a "
                             "role.", name="broadcast")
    assert "/broadcast send" not in answer


async def test_help_for_a_command_that_does_not_exist_says_so_in_the_person_language(core: Core) -> None:
    answer = shown(await ask(core, "brodcast", "pt"))
    assert answer == t("pt", "There is no command /{name}. /help lists what I can do for you.", name="brodcast")
    assert answer.startswith("Não existe")
