"""Surveys through the real Slack and Discord adapters: the prompt in a direct message with a button, a Slack modal
with every question, Discord modals of at most five inputs with select menus, answers resumed and edited, the
receipt."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from bot.i18n import t
from bot.models import SurveyResponse, SurveyTarget
from bot.services.surveys import Surveys
from bot.services.surveys.store import answers_of
from bot.wiring import Core
from tests.discord.helpers import answer as discord_answer
from tests.discord.helpers import buttons as discord_buttons
from tests.discord.helpers import content, modal_inputs
from tests.fakes import discord as fd
from tests.fakes.slack import FakeSlackWebAPI
from tests.slack.conftest import Slack, message_text
from tests.support.clock import MovableClock
from tests.surveys.helpers import build_network, rows_of, use_definitions
from tests.surveys.platforms import (
    DISCORD_PEOPLE,
    SLACK_TEAM,
    both_platforms,
    core_for_both,
    discord_dm,
    discord_server,
    join_slack_and_discord,
    slack_buttons,
    slack_dm,
)

ANA, JOAN = "U0ANA0001", "U0JOAN001"
OLENA, KATRIN = list(DISCORD_PEOPLE)


@pytest.fixture
async def slack_fake() -> AsyncIterator[FakeSlackWebAPI]:
    async with FakeSlackWebAPI() as fake:
        yield fake


@pytest.fixture
async def discord_fake() -> AsyncIterator[fd.FakeDiscord]:
    async with discord_server() as fake:
        yield fake


@pytest.fixture
def clock() -> MovableClock:
    clock = MovableClock()
    clock.moment = clock.moment.replace(year=2030, month=1, day=2, hour=8)
    return clock


@pytest.fixture
def both(database_url: str, tmp_path: Path, slack_fake: FakeSlackWebAPI, clock: MovableClock,
         definitions: Path) -> tuple[Core, Surveys]:
    core = core_for_both(database_url, tmp_path, slack_fake, clock)
    build_network(core)
    join_slack_and_discord(core, slack_fake)
    return core, use_definitions(core, definitions)


@pytest.fixture
async def opened(both: tuple[Core, Surveys], slack_fake: FakeSlackWebAPI,
                 discord_fake: fd.FakeDiscord) -> AsyncIterator[tuple[Core, Slack]]:
    """Slack and Discord running, and "network-check" opened by the ICC team on Slack, its prompts sent."""
    core, _surveys = both
    async with both_platforms(core, slack_fake, discord_fake) as (slack, _bot):
        await slack.command("/survey", "open network-check", user_id=SLACK_TEAM)
        assert "is open (#1) for 12 targets" in slack.last_answer_text()
        await core.services.delivery.drain()
        yield core, slack


def slack_value(block: dict[str, Any], value: str) -> dict[str, Any]:
    """What Slack sends back for an input block when `value` was typed or picked."""
    element = block["element"]
    kind = element["type"]
    if kind == "static_select":
        picked = next(o for o in element["options"] if o["value"] == value) if value else None
        return {"type": kind, "selected_option": picked}
    if kind == "multi_static_select":
        chosen = [o for o in element["options"] if o["value"] in value.split(",")]
        return {"type": kind, "selected_options": chosen}
    return {"type": kind, "value": value or None}


def slack_values(view: dict[str, Any], answers: dict[str, str]) -> dict[str, Any]:
    blocks = {block["block_id"]: block for block in view["blocks"] if block["type"] == "input"}
    return {block_id: {block["element"]["action_id"]: slack_value(block, answers.get(block_id, ""))}
            for block_id, block in blocks.items()}


async def test_slack_a_modal_with_every_question_selects_for_choices_then_a_receipt(
    opened: tuple[Core, Slack], slack_fake: FakeSlackWebAPI
) -> None:
    core, slack = opened
    [prompt] = slack_dm(slack_fake, ANA)
    assert prompt["text"].startswith("A equipa ICC pede a Lisbon que responda a «Network check» até 31 de janeiro")
    [button] = slack_buttons(prompt)
    assert button["action_id"] == "survey-answer:1" and button["text"]["text"] == t("pt", "Answer")

    dm = slack_fake.dm_channel_id(ANA)
    await slack.client.block_action(button["action_id"], button["value"], user_id=ANA, channel_id=dm)
    await slack.settle()
    [modal] = slack_fake.calls_to("views.open")
    view = modal.args["view"]
    if isinstance(view, str):
        view = json.loads(view)
    inputs = {block["block_id"]: block for block in view["blocks"] if block["type"] == "input"}
    # One modal, every question, in Portuguese; choices as menus, the conditional question optional with a hint.
    assert list(inputs) == ["uses", "useful", "themes", "partners", "strategy", "comment"]
    assert {name: inputs[name]["element"]["type"] for name in inputs} == {
        "uses": "static_select", "useful": "static_select", "themes": "multi_static_select",
        "partners": "plain_text_input", "strategy": "static_select", "comment": "plain_text_input"}
    assert [o["value"] for o in inputs["useful"]["element"]["options"]] == ["1", "2", "3", "4", "5"]
    assert [o["text"]["text"] for o in inputs["strategy"]["element"]["options"]] == [t("pt", "Yes"),
                                                                                     t("pt", "No")]
    assert inputs["useful"]["optional"] is True and inputs["comment"]["optional"] is True
    assert inputs["comment"]["element"]["max_length"] == 500

    # A number that is not one, then a question its condition makes required left empty: refused beside the
    # field, in Portuguese, and nothing stored.
    bad = slack_values(view, {"uses": "often", "themes": "a", "partners": "lots", "strategy": "yes"})
    refused = await slack.client.view_submission("survey", state_values=bad,
                                                 private_metadata=view["private_metadata"], user_id=ANA)
    assert refused.json()["errors"] == {"partners": t("pt", "“{value}” is not a number.", value="lots")}
    bad = slack_values(view, {"uses": "often", "themes": "a", "partners": "12", "strategy": "yes"})
    refused = await slack.client.view_submission("survey", state_values=bad,
                                                 private_metadata=view["private_metadata"], user_id=ANA)
    assert refused.json()["errors"] == {"useful": t("pt", "{field} is required.", field="How useful is it?")}
    assert rows_of(core, SurveyResponse) == [] and all(not row.draft for row in rows_of(core, SurveyTarget))

    good = slack_values(view, {"uses": "often", "useful": "4", "themes": "a,c", "partners": "12",
                               "strategy": "yes", "comment": "Boa rede"})
    done = await slack.client.view_submission("survey", state_values=good,
                                              private_metadata=view["private_metadata"], user_id=ANA)
    assert done.status_code == 200
    await slack.settle()
    [response] = rows_of(core, SurveyResponse)
    assert answers_of(response.answers) == {"uses": "often", "useful": 4, "themes": ["a", "c"], "partners": 12,
                                            "strategy": "yes", "comment": "Boa rede"}
    # The receipt, in Portuguese, with every answer and a button to change it.
    [receipt] = slack_fake.ephemeral_messages(dm)
    assert receipt["user"] == ANA
    text = message_text(receipt)
    assert "Obrigado" in text and "Lisbon" in text, text
    assert "Theme a, Theme c" in text and "Boa rede" in text and t("pt", "Yes") in text
    assert [b["action_id"] for b in slack_buttons(receipt)] == ["survey-edit:1"]


def discord_pick(modal: dict[str, Any], answers: dict[str, str]) -> dict[str, Any]:
    """What Discord sends back for a modal when `answers` were typed or picked (menus send lists)."""
    values: dict[str, Any] = {}
    for item in modal_inputs(modal):
        raw = answers.get(item["custom_id"], "")
        values[item["custom_id"]] = ([v for v in raw.split(",") if v]) if item["type"] == 3 else raw
    return values


async def test_discord_modals_of_at_most_five_inputs_with_menus_resumed_half_way(
    opened: tuple[Core, Slack], discord_fake: fd.FakeDiscord
) -> None:
    core, _slack = opened
    [prompt] = discord_dm(discord_fake, OLENA)
    assert prompt["content"].startswith("Команда ICC просить Odesa відповісти на «Network check»")
    [button] = discord_buttons(prompt)
    assert button["label"] == t("uk", "Answer")

    first = (await discord_answer(discord_fake, discord_fake.component_interaction(
        button["custom_id"], user_id=OLENA, message=prompt, locale="uk")))
    assert first["type"] == 9  # a modal
    page = first["data"]
    assert page["title"].endswith("(1/2)")
    # The question the next page depends on comes alone; a choice is a menu.
    [uses] = modal_inputs(page)
    assert uses["custom_id"] == "uses" and uses["type"] == 3 and uses["max_values"] == 1
    assert [o["value"] for o in uses["options"]] == ["often", "rarely", "never"]
    saved = await discord_answer(discord_fake, discord_fake.modal_submit_interaction(
        page["custom_id"], values=discord_pick(page, {"uses": "often"}), user_id=OLENA, locale="uk"))
    go_on = discord_buttons(saved["data"])
    assert go_on, content(saved)
    # She stops here: the first page is kept for Odesa.
    [odesa] = [row for row in rows_of(core, SurveyTarget) if row.draft]
    assert answers_of(odesa.draft) == {"uses": "often"} and not odesa.answered

    # Later, from the prompt again: the form resumes at the second page, of five inputs.
    second = await discord_answer(discord_fake, discord_fake.component_interaction(
        button["custom_id"], user_id=OLENA, message=prompt, locale="uk"))
    page = second["data"]
    assert second["type"] == 9 and page["title"].endswith("(2/2)")
    inputs = modal_inputs(page)
    assert [i["custom_id"] for i in inputs] == ["useful", "themes", "partners", "strategy", "comment"]
    assert [i["type"] for i in inputs] == [3, 3, 4, 3, 4]  # menus for choices, text for a number and free text
    assert inputs[1]["max_values"] == 3 and len(inputs) <= 5
    done = await discord_answer(discord_fake, discord_fake.modal_submit_interaction(
        page["custom_id"], values=discord_pick(page, {"useful": "5", "themes": "b", "partners": "7",
                                                      "strategy": "no", "comment": "Дякуємо"}),
        user_id=OLENA, locale="uk"))
    receipt = content(done)
    assert "Odesa" in receipt and "Дякуємо" in receipt, receipt
    [response] = rows_of(core, SurveyResponse)
    assert answers_of(response.answers) == {"uses": "often", "useful": 5, "themes": ["b"], "partners": 7,
                                            "strategy": "no", "comment": "Дякуємо"}
    edit = [b for b in discord_buttons(done["data"]) if "survey-edit" in b["custom_id"]]
    assert edit, done

    # She changes the answer: the pages come pre-filled, and a question no longer asked is dropped.
    first = (await discord_answer(discord_fake, discord_fake.component_interaction(
        edit[0]["custom_id"], user_id=OLENA, locale="uk")))["data"]
    [uses] = modal_inputs(first)
    assert [o["value"] for o in uses["options"] if o.get("default")] == ["often"]
    saved = await discord_answer(discord_fake, discord_fake.modal_submit_interaction(
        first["custom_id"], values={"uses": ["never"]}, user_id=OLENA, locale="uk"))
    [next_step] = discord_buttons(saved["data"])
    second = (await discord_answer(discord_fake, discord_fake.component_interaction(
        next_step["custom_id"], user_id=OLENA, locale="uk")))["data"]
    inputs = modal_inputs(second)
    assert [i["custom_id"] for i in inputs] == ["themes", "partners", "strategy", "comment"]
    assert inputs[1]["value"] == "7" and inputs[3]["value"] == "Дякуємо"
    changed = await discord_answer(discord_fake, discord_fake.modal_submit_interaction(
        second["custom_id"], values=discord_pick(second, {"themes": "b", "partners": "8", "strategy": "no",
                                                          "comment": "Дякуємо"}), user_id=OLENA, locale="uk"))
    assert t("uk", "Your changes are saved.") in content(changed)
    [response] = rows_of(core, SurveyResponse)
    assert answers_of(response.answers) == {"uses": "never", "themes": ["b"], "partners": 8, "strategy": "no",
                                            "comment": "Дякуємо"}
