"""Slash commands through the real bolt app: acknowledged at once, answered through the response URL."""

from __future__ import annotations

from bot.i18n import t
from bot.messages import Response
from bot.models import Role
from tests.fakes.slack import DEFAULT_TEAM_ID, DEFAULT_USER_ID
from tests.slack.conftest import Slack, message_text


def said(slack: Slack) -> str:
    """The text of the last answer (its notification text: the reply's first line)."""
    return str(slack.answers()[-1]["text"])


async def test_help_is_acknowledged_empty_then_answered_ephemerally(slack: Slack) -> None:
    response = await slack.command("/help")
    assert response.status_code == 200
    assert response.text == ""  # the ack carries nothing: the answer comes after it
    [answer] = slack.answers()
    assert answer["response_type"] == "ephemeral"
    text = message_text(answer)
    for name in slack.core.registry.commands:
        command = slack.core.registry.commands[name]
        if command.min_role is Role.member:
            assert f"/{name}" in text
    assert "/role" not in text  # only the ICC team sees it
    assert all(block["type"] in ("section", "actions", "divider") for block in answer["blocks"])


async def test_profile_shows_city_role_and_language(slack: Slack) -> None:
    slack.coordinator(city="Lisbon")
    await slack.command("/profile")
    text = slack.last_answer_text()
    assert "Lisbon" in text and "city coordinator" in text


async def test_profile_city_sets_the_city_and_a_wrong_city_is_a_clear_message(slack: Slack) -> None:
    slack.coordinator(city="Lisbon")
    slack.coordinator(user_id="U0OTHER01", city="Bergen")
    await slack.command("/profile", "city Bergen")
    assert "Bergen" in slack.last_answer_text()
    member = slack.core.services.members.find(slack.person())
    assert member is not None and slack.core.services.cities.get(member.city_id or 0).name == "Bergen"  # type: ignore[union-attr]
    await slack.command("/profile", "city Atlantis")
    assert "Atlantis" in slack.last_answer_text()


async def test_unknown_command_is_a_localised_hint(slack: Slack) -> None:
    await slack.command("/frobnicate", "now")
    assert "Unknown command /frobnicate" in slack.last_answer_text()


async def test_bad_text_gives_the_usage(slack: Slack) -> None:
    await slack.command("/profile", "teleport somewhere")
    text = slack.last_answer_text()
    assert "/profile" in text and "city" in text


async def test_role_needs_the_icc_team_and_takes_a_slack_mention(slack: Slack) -> None:
    await slack.command("/role", "<@U0NEW0001|ana> coordinator")
    assert "Only the ICC team" in slack.last_answer_text()
    slack.core.services.members.set_role(slack.person(), Role.icc_team)
    await slack.command("/role", "<@U0NEW0001|ana> coordinator")
    assert said(slack) == t("en", "{person} is now {role}.", person="ana", role="city coordinator")
    member = slack.core.services.members.find(slack.person("U0NEW0001"))
    assert member is not None and member.role == Role.coordinator
    # A mention without a name: the name comes from Slack (users.info), never the raw markup.
    slack.fake.add_user("U0NEW0002", name="joao", real_name="João")
    await slack.command("/role", "<@U0NEW0002> member")
    assert "<@" not in said(slack) and said(slack).startswith("jo")


async def test_someone_elses_profile_by_mention_or_by_the_name_the_bot_knows(slack: Slack) -> None:
    ana = slack.coordinator(user_id="U0ANA0001", city="Lisbon")
    slack.core.services.members.get_or_create(ana, display_name="Ana Lopes")
    await slack.command("/profile", "show <@U0ANA0001|ana.lopes>")
    text = slack.last_answer_text()
    assert t("en", "Profile of {person}", person="Ana Lopes") in text and "City: Lisbon" in text
    await slack.command("/profile", 'show "ana lopes"')  # typed, not picked from Slack's list
    assert t("en", "Profile of {person}", person="Ana Lopes") in slack.last_answer_text()
    await slack.command("/profile", "show <@U0NEVER01|zoe>")
    assert said(slack) == t("en", "{person} has not used ICC Bot yet: there is no profile to show.",
                                         person="zoe")
    await slack.command("/profile", "show nobody")
    assert said(slack) == t("en", "I do not know anyone called “{value}” here.", value="nobody")


async def test_a_channel_option_takes_a_slack_channel_link(slack: Slack) -> None:
    from bot.registry import Args, Command, Option, OptionKind

    async def where(ctx, args: Args):  # type: ignore[no-untyped-def]
        return Response.text(f"{args.channel('place')} {args.text('place')}")

    slack.core.registry.add(Command(name="where", description="d", handler=where,
                                    options=(Option("place", "p", kind=OptionKind.channel, required=True),)))
    await slack.command("/where", "<#C0CLUSTER|cluster-education>")
    assert said(slack) == f"slack:{DEFAULT_TEAM_ID}:C0CLUSTER cluster-education"
    await slack.command("/where", "#cluster-education")  # not picked from the list: Slack sent no id
    assert said(slack) == t("en", "There is no channel “{value}” here.", value="#cluster-education")


async def test_slack_locale_picks_the_language_until_the_person_chooses_one(slack: Slack) -> None:
    slack.fake.add_user(DEFAULT_USER_ID, locale="fr-FR", name="marie")
    await slack.command("/help")
    assert slack.last_answer_text().startswith(t("fr", "Here is what I can do for you:"))
    assert t("fr", "Here is what I can do for you:") != "Here is what I can do for you:"
    await slack.command("/language", "de")
    await slack.command("/help")
    assert slack.last_answer_text().startswith(t("de", "Here is what I can do for you:"))
    # users.info was asked once: later commands use the cache.
    assert len(slack.fake.calls_to("users.info")) == 1
    assert slack.fake.calls_to("users.info")[0].args["include_locale"] in ("1", "true", True)


async def test_the_answer_is_split_when_it_is_too_long_and_nothing_is_lost(slack: Slack) -> None:
    from bot.messages import Reply, Response
    from bot.registry import Command

    long_text = "\n".join(f"line {n} " + "word " * 30 for n in range(200))

    async def handler(ctx, args):
        return Response(replies=[Reply(text=long_text)])

    slack.core.registry.add(Command(name="long", description="long", handler=handler))
    await slack.command("/long")
    blocks = [block for answer in slack.answers() for block in answer["blocks"]]
    assert all(len(block["text"]["text"]) <= 3000 for block in blocks)
    joined = "\n".join(block["text"]["text"] for block in blocks)
    assert joined.split() == long_text.split()
