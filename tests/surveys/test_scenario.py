"""A survey's whole life on Slack, Discord and the console at once: opened to twelve cities, seven answers (one
resumed half-way, one edited), reminders to the five others only and none after the deadline, results and export
checked cell by cell; the anonymous variant checked in the database and in the logs."""

from __future__ import annotations

import csv
import io
import logging
from datetime import UTC, datetime
from typing import Any

import pytest

from bot.messages import ButtonPressed
from bot.models import Delivery, DeliveryState, SurveyResponse, SurveyTarget
from bot.services.surveys import Surveys
from bot.services.surveys.export import export
from bot.services.surveys.results import results_reply
from bot.wiring import Core
from integrations.console.adapter import CAPABILITIES
from tests.discord.helpers import answer as discord_answer
from tests.discord.helpers import buttons as discord_buttons
from tests.discord.helpers import content
from tests.fakes import discord as fd
from tests.fakes.slack import FakeSlackWebAPI
from tests.slack.conftest import Slack
from tests.support.clock import MovableClock
from tests.surveys.helpers import CITIES, console, rows_of
from tests.surveys.platforms import SLACK_TEAM, both_platforms, discord_dm, slack_buttons, slack_dm
from tests.surveys.test_answering import answer
from tests.surveys.test_platforms import (  # noqa: F401 (fixtures)
    ANA,
    JOAN,
    KATRIN,
    OLENA,
    both,
    clock,
    discord_fake,
    discord_pick,
    slack_fake,
    slack_values,
)

#: The seven answers, by city: uses, useful, themes, partners, strategy, comment.
ANSWERS: dict[str, dict[str, str]] = {
    "Lisbon": {"uses": "often", "useful": "4", "themes": "a,c", "partners": "12", "strategy": "yes",
               "comment": "Boa rede"},
    "Barcelona": {"uses": "rarely", "useful": "2", "themes": "b", "partners": "3", "strategy": "no"},
    "Odesa": {"uses": "often", "useful": "5", "themes": "b", "partners": "7", "strategy": "no",
              "comment": "Дякуємо"},
    "Stuttgart": {"uses": "never", "themes": "a", "partners": "41", "strategy": "yes"},  # after the edit
    "Montréal": {"uses": "rarely", "useful": "3", "themes": "a,b", "partners": "0", "strategy": "yes"},
    "Dublin": {"uses": "never", "themes": "c", "partners": "100", "strategy": "yes", "comment": "More exchanges"},
    "Paris": {"uses": "often", "useful": "3", "themes": "c", "partners": "5", "strategy": "no"},
}
ON_THE_CONSOLE = {"Montréal": "mireille", "Dublin": "aoife", "Paris": "claire"}
NOT_ANSWERED = ["giulia", "yuki", "sara", "itziar", "eleni"]
QUESTIONS = ["uses", "useful", "themes", "partners", "strategy", "comment"]


def typed(answers: dict[str, str]) -> list[str]:
    """What a coordinator types in the console for `answers` (a question not asked is not typed)."""
    return [answers.get(q, "") for q in QUESTIONS if q != "useful" or answers["uses"] != "never"] + [""]


def deliveries(core: Core, kind: str) -> list[Delivery]:
    return [row for row in rows_of(core, Delivery) if row.item.startswith(f"survey:1:{kind}")]


async def answer_on_slack(slack: Slack, fake: FakeSlackWebAPI, user_id: str, answers: dict[str, str]) -> None:
    """Press the prompt's button, and send the modal with every answer."""
    [button] = slack_buttons(slack_dm(fake, user_id)[0])
    await slack.client.block_action(button["action_id"], button["value"], user_id=user_id,
                                    channel_id=fake.dm_channel_id(user_id))
    await slack.settle()
    view = fake.calls_to("views.open")[-1].args["view"]
    sent = await slack.client.view_submission("survey", state_values=slack_values(view, answers),
                                              private_metadata=view["private_metadata"], user_id=user_id)
    assert sent.status_code == 200 and sent.text == "", sent.text
    await slack.settle()


async def discord_page(fake: fd.FakeDiscord, user_id: int, custom_id: str, answers: dict[str, str],
                       message: dict[str, Any] | None = None) -> dict[str, Any]:
    """Open a modal with a button, send it with `answers`; the bot's answer to the submission."""
    opened = await discord_answer(fake, fake.component_interaction(custom_id, user_id=user_id, message=message))
    assert opened["type"] == 9, opened
    page = opened["data"]
    return await discord_answer(fake, fake.modal_submit_interaction(
        page["custom_id"], values=discord_pick(page, answers), user_id=user_id))


@pytest.mark.parametrize("name", ["network-check", "anonymous-check"])
async def test_twelve_cities_seven_answers_on_three_platforms(
    name: str, both: tuple[Core, Surveys], slack_fake: FakeSlackWebAPI,  # noqa: F811
    discord_fake: fd.FakeDiscord, clock: MovableClock, caplog: pytest.LogCaptureFixture,  # noqa: F811
) -> None:
    # The level the bot logs at (LOG_LEVEL=DEBUG also shows the Slack and Discord libraries' requests, bodies
    # included: that is for a developer's machine, not for a running network).
    caplog.set_level(logging.INFO)
    core, surveys = both
    anonymous = name == "anonymous-check"
    async with both_platforms(core, slack_fake, discord_fake) as (slack, _bot):
        await slack.command("/survey", f"open {name}", user_id=SLACK_TEAM)
        assert "is open (#1) for 12 targets" in slack.last_answer_text()
        await core.services.delivery.drain()
        everyone = [city[4] for city in CITIES] + [ANA, JOAN, str(OLENA), str(KATRIN)]
        assert sorted(row.target_id for row in deliveries(core, "prompt")) == sorted(everyone)

        # Slack: Lisbon and Barcelona, the whole modal at once.
        await answer_on_slack(slack, slack_fake, ANA, ANSWERS["Lisbon"])
        await answer_on_slack(slack, slack_fake, JOAN, ANSWERS["Barcelona"])
        # Discord: Odesa sends the first page and stops; Stuttgart answers; Odesa comes back to the second page.
        [prompt] = discord_dm(discord_fake, OLENA)
        [button] = discord_buttons(prompt)
        await discord_page(discord_fake, OLENA, button["custom_id"], ANSWERS["Odesa"], prompt)
        [katrin_prompt] = discord_dm(discord_fake, KATRIN)
        [katrin_button] = discord_buttons(katrin_prompt)
        first = {"uses": "never", "themes": "a", "partners": "40", "strategy": "yes"}
        saved = await discord_page(discord_fake, KATRIN, katrin_button["custom_id"], first, katrin_prompt)
        [next_step] = discord_buttons(saved["data"])
        katrin_receipt = await discord_page(discord_fake, KATRIN, next_step["custom_id"], first)
        assert "Stuttgart" in content(katrin_receipt) or anonymous
        done = await discord_page(discord_fake, OLENA, button["custom_id"], ANSWERS["Odesa"], prompt)
        assert "Дякуємо" in content(done)
        # Two hours later, Stuttgart corrects its number of partners (the edit button of its receipt). What was
        # being sent goes out first: a send still under way when the clock jumps two hours would outlive its lease
        # and be sent again.
        await core.services.delivery.drain()
        clock.advance(hours=2)
        [edit] = discord_buttons(katrin_receipt["data"])
        saved = await discord_page(discord_fake, KATRIN, edit["custom_id"], {"uses": "never"})
        [next_step] = discord_buttons(saved["data"])
        done = await discord_page(discord_fake, KATRIN, next_step["custom_id"], ANSWERS["Stuttgart"])
        assert "41" in content(done)
        # The console: Montréal, Dublin and Paris.
        for city, who in ON_THE_CONSOLE.items():
            out = await answer(core, who, typed(ANSWERS[city]))
            assert "is recorded" in out, out
        assert len(rows_of(core, SurveyResponse)) == 7

        # Seven and two days before the closing date, 09:00 in each city: only the five others are reminded.
        reminders = surveys.reminders
        for moment in (datetime(2030, 1, 25, 12, tzinfo=UTC), datetime(2030, 1, 30, 12, tzinfo=UTC)):
            clock.moment = moment
            reminders.run_due()
            await core.services.delivery.drain()
        assert sorted(row.target_id for row in deliveries(core, "chase:7")) == sorted(NOT_ANSWERED)
        assert sorted(row.target_id for row in deliveries(core, "chase:2")) == sorted(NOT_ANSWERED)
        # What the answered cities' people got in their direct messages: the prompt and a copy of each receipt
        # (none of an anonymous answer: the outbox would keep it with their name); never a reminder.
        ana = [m["text"] for m in slack_dm(slack_fake, ANA)]
        katrin = [m["content"] for m in discord_dm(discord_fake, KATRIN)]
        assert not any(text.startswith(("Lembrete", "Erinnerung")) for text in ana + katrin)
        assert ana[0].startswith("A equipa ICC pede a Lisbon") and katrin[0].startswith("Das ICC-Team bittet Stuttgart")
        receipts = [text for text in ana + katrin if text.startswith(("Obrigado", "Merci", "Vos modifications"))]
        assert len(receipts) == (0 if anonymous else 3)
        # After the deadline: closed, nothing more sent, no answer taken.
        before = {(row.item, row.target) for row in rows_of(core, Delivery)}
        clock.moment = datetime(2030, 2, 1, 12, tzinfo=UTC)
        assert reminders.run_due()["closed"] == 1
        clock.moment = datetime(2030, 2, 5, 9, tzinfo=UTC)
        assert reminders.run_due() == {"opened": 0, "reminders": 0, "closed": 0}
        survey_rows = [row for row in rows_of(core, Delivery) if row.item.startswith("survey:1:")]
        assert all(row.state is not DeliveryState.pending or row.item == "survey:1:closed" for row in survey_rows)
        added = [row for row in rows_of(core, Delivery) if (row.item, row.target) not in before]
        assert sorted(row.target_id for row in added) == ["U0IVANA01", "ivana"]  # the ICC team is told, no one else
        assert {row.item for row in added} == {"survey:1:closed"}
        late = await core.dispatcher.handle(ButtonPressed(console("eleni"), console("general"), "survey-answer:1", "1"),
                                            CAPABILITIES)
        assert late.form is None and late.replies[0].text == (
            "This survey closed on January 31, 2030: answers can no longer be given or changed.")
        assert len(rows_of(core, SurveyResponse)) == 7

    survey = surveys.service.get("1")
    check_export(core, surveys, anonymous)
    reply = await results_reply(surveys.service, survey, "en")
    sections = {section.title: section.text for section in reply.sections if section.title}
    assert reply.text == f"Results of “{'Anonymous check' if anonymous else 'Network check'}” (#1): 7 answers from " \
                         "12 asked."
    assert sections["Do you use the Index?"] == "7 answers.\n• Often: 3 (43 %)\n• Rarely: 2 (29 %)\n• Never: 2 (29 %)"
    assert sections["How useful is it?"] == (
        "5 answers.\n• 1: 0 (0 %)\n• 2: 1 (20 %)\n• 3: 2 (40 %)\n• 4: 1 (20 %)\n• 5: 1 (20 %)\nAverage: 3.4")
    assert sections["Which themes?"] == (
        "7 answers.\n• Theme a: 3 (43 %)\n• Theme b: 3 (43 %)\n• Theme c: 3 (43 %)")
    assert sections["How many partners?"] == "7 answers. Median 7, from 0 to 100."
    assert sections["Do you have a strategy?"] == "7 answers.\n• Yes: 4 (57 %)\n• No: 3 (43 %)"
    assert sections["Anything else?"] == "3 answers."
    assert sorted(s.text for s in reply.sections if not s.title) == ["“Boa rede”", "“More exchanges”", "“Дякуємо”"]
    assert [file.name for file in reply.files] == [f"{q}.png" for q in QUESTIONS[:-1]]
    if anonymous:
        check_anonymity(core, caplog)


def expected_row(city: str) -> list[str]:
    answers = ANSWERS[city]
    return [answers.get(q, "").replace(",", ";") for q in QUESTIONS]


def check_export(core: Core, surveys: Surveys, anonymous: bool) -> None:
    """The CSV export, cell by cell: with who answered for each city, or (anonymous) the answers alone."""
    body, count = export(core.engine, surveys.service.get("1"), "csv")
    header, *rows = list(csv.reader(io.StringIO(body)))
    assert count == 7 and len(rows) == 7
    if anonymous:
        assert header == QUESTIONS
        assert sorted(rows) == sorted(expected_row(city) for city in ANSWERS)
        return
    assert header[:8] == ["response", "city", "country", "region", "clusters", "answered_by", "submitted_at",
                          "updated_at"] and header[8:] == QUESTIONS
    by_city = {row[1]: row for row in rows}
    assert set(by_city) == set(ANSWERS)
    for city in ANSWERS:
        assert by_city[city][8:] == expected_row(city), city
    assert by_city["Lisbon"][2:5] == ["PT", "southern-europe", "anti-rumours"]
    assert by_city["Stuttgart"][2:5] == ["DE", "western-europe", "intercultural-competence"]
    assert by_city["Odesa"][2:5] == ["UA", "eastern-europe", ""]
    assert {city: row[5] for city, row in by_city.items()} == {
        "Lisbon": "Lisbon on Slack", "Barcelona": "Barcelona on Slack", "Odesa": "discord-odesa",
        "Stuttgart": "discord-stuttgart", "Montréal": "mireille", "Dublin": "aoife", "Paris": "claire"}
    assert by_city["Stuttgart"][6] < by_city["Stuttgart"][7]  # edited after it was sent


def check_anonymity(core: Core, caplog: pytest.LogCaptureFixture) -> None:
    """Nothing in the database or the logs ties an answer to a city or a person."""
    for response in rows_of(core, SurveyResponse):
        assert (response.city_id, response.member_id, response.submitted_at, response.updated_at) == (
            None, None, None, None)
    assert rows_of(core, SurveyTarget) == []
    assert {row.item for row in rows_of(core, Delivery) if row.item.startswith("survey:1:")} == {"survey:1:closed"}
    secrets = [*ANSWERS, *ON_THE_CONSOLE.values(), "Boa rede", "Дякуємо", "More exchanges", ANA, JOAN, str(OLENA),
               str(KATRIN), "city:"]
    texts = ("Boa rede", "Дякуємо", "More exchanges")
    # Seven answers and one edit were logged, as such.
    assert [r.getMessage() for r in caplog.records].count("survey #1: an answer was recorded") == 8
    for record in caplog.records:
        line = record.getMessage()
        assert not any(text in line for text in texts), line  # what was answered: never logged
        if record.name.startswith(("bot.services.surveys", "commands")):
            assert not any(secret in line for secret in secrets), line
