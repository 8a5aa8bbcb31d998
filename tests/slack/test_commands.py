"""Slash commands through the real bolt app: acknowledged at once, answered through the response URL."""

from __future__ import annotations

from bot.i18n import t
from bot.models import Role
from tests.fakes.slack import DEFAULT_USER_ID
from tests.slack.conftest import Slack, message_text


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
    member = slack.core.services.members.find(slack.person("U0NEW0001"))
    assert member is not None and member.role == Role.coordinator


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
    from commands.registry import Command

    long_text = "\n".join(f"line {n} " + "word " * 30 for n in range(200))

    async def handler(ctx, args):
        return Response(replies=[Reply(text=long_text)])

    slack.core.registry.add(Command(name="long", description="long", handler=handler))
    await slack.command("/long")
    blocks = [block for answer in slack.answers() for block in answer["blocks"]]
    assert all(len(block["text"]["text"]) <= 3000 for block in blocks)
    joined = "\n".join(block["text"]["text"] for block in blocks)
    assert joined.split() == long_text.split()
