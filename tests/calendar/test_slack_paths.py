"""/event add and /broadcast through Slack (signed requests to the web host, the Slack fake behind slack_sdk)."""

from __future__ import annotations

from typing import Any

from bot.i18n import t
from bot.messages import Identity
from bot.models import City, Role
from bot.models.calendar import CalendarEvent
from tests.fakes.slack import DEFAULT_CHANNEL_ID, DEFAULT_TEAM_ID, DEFAULT_USER_ID
from tests.slack import conftest as slack_fixtures
from tests.slack.conftest import Slack, message_text

# The Slack tests' fixtures: one web process serving Slack, on the Slack fake.
fake, make_core, slack = slack_fixtures.fake, slack_fixtures.make_core, slack_fixtures.slack

GOOD = {"title": "Policy Lab", "start": "2031-04-21 10:00", "end": "2031-04-21 12:30", "time_zone": "Europe/Paris",
        "audience": "all", "place": "Strasbourg", "link": "", "materials": "", "rrule": "",
        "description": "The spring Policy Lab."}


def _state(values: dict[str, str], **selected: str) -> dict[str, Any]:
    state: dict[str, Any] = {name: {"value": value} for name, value in values.items()}
    for name, value in selected.items():
        state[name] = {"value": {"type": "static_select", "selected_option": {
            "value": value, "text": {"type": "plain_text", "text": value}}}}
    return state


def _events(slack: Slack) -> list[CalendarEvent]:
    return slack.core.services.calendar.events.all_events()


def _icc_team(slack: Slack, locale: str = "fr-FR") -> None:
    slack.fake.add_user(DEFAULT_USER_ID, locale=locale, name="ivana")
    slack.core.services.members.set_role(slack.person(), Role.icc_team)


async def test_event_add_opens_the_form_as_a_modal_refuses_bad_input_and_records_a_good_one(slack: Slack) -> None:
    _icc_team(slack)
    await slack.command("/profile")  # the person has used the bot on Slack: their locale (French) is known
    await slack.command("/event", "add Policy Lab")
    [opened] = slack.fake.calls_to("views.open")
    view = opened.args["view"]
    assert view["callback_id"] == "event"
    blocks = {block["block_id"]: block for block in view["blocks"]}
    assert blocks["title"]["element"]["initial_value"] == "Policy Lab"
    assert blocks["kind"]["element"]["type"] == "static_select"
    metadata = view["private_metadata"]

    past = _state({**GOOD, "start": "2020-01-01 10:00", "end": ""}, kind="meeting", language="en")
    refused = await slack.client.view_submission("event", past, metadata, blocks=view["blocks"])
    answer = refused.json()
    assert answer["response_action"] == "errors" and set(answer["errors"]) == {"start"}
    assert answer["errors"]["start"].startswith("2020-01-01 10:00") and "passé" in answer["errors"]["start"]
    assert _events(slack) == []

    saved = await slack.client.view_submission("event", _state(GOOD, kind="meeting", language="en"), metadata,
                                               blocks=view["blocks"])
    assert saved.status_code == 200 and saved.text == ""
    await slack.settle()
    [event] = _events(slack)
    assert (event.title, event.place, event.time_zone) == ("Policy Lab", "Strasbourg", "Europe/Paris")
    [told] = slack.fake.ephemeral_messages(DEFAULT_CHANNEL_ID)
    assert t("fr", "Event #{id} is in the calendar.", id=event.id) in message_text(told)


async def test_a_member_cannot_open_the_event_form(slack: Slack) -> None:
    slack.coordinator(city="Lisbon")
    await slack.command("/event", "add")
    assert slack.fake.calls_to("views.open") == []
    assert "Only the ICC team" in slack.last_answer_text()


async def test_broadcast_previews_then_sends_once_to_every_citys_channel(slack: Slack) -> None:
    _icc_team(slack, "en-GB")
    cities = slack.core.services.cities
    channels = []
    for name, language in (("Lisbon", "pt"), ("Lyon", "fr"), ("Dublin", "en")):
        city = cities.add(City(name=name, country="PT", languages=language))
        channel = slack.fake.add_channel(f"city-{name.lower()}", members=[slack.fake.bot_user_id])
        assert city.id is not None and cities.link_channel(city.id, Identity("slack", DEFAULT_TEAM_ID, channel))
        channels.append(channel)
    await slack.command("/broadcast", "send to:all The campaign kit is ready.")
    preview = slack.answers()[-1]
    assert "Broadcast #1" in message_text(preview) and "3 channels" in message_text(preview)
    assert all(slack.fake.messages(channel) == [] for channel in channels)  # nothing before the confirmation
    actions = [element for block in preview["blocks"] if block.get("type") == "actions"
               for element in block["elements"]]
    [send] = [button for button in actions if button["action_id"].startswith("broadcast-confirm:")]

    # Someone without the role presses the same button: refused, nothing sent.
    slack.fake.add_user("U0MEMBER", name="marta")
    await slack.client.block_action(send["action_id"], send["value"], user_id="U0MEMBER")
    await slack.settle()
    await slack.core.services.delivery.drain()
    assert all(slack.fake.messages(channel) == [] for channel in channels)

    await slack.client.block_action(send["action_id"], send["value"])
    await slack.client.block_action(send["action_id"], send["value"])  # pressed twice: sent once
    await slack.settle()
    await slack.core.services.delivery.drain()
    for channel in channels:
        [posted] = slack.fake.messages(channel)
        assert "The campaign kit is ready." in posted["text"]
    report = slack.core.services.calendar.broadcasts.report(1)
    assert report.counts["sent"] == 3 and report.finished
    await slack.command("/broadcast", "status")
    status = "\n".join(message_text(answer) for answer in slack.answers()[-2:])
    assert "#1 · all · done" in status and "Delivered: 3 · Pending: 0 · Failed: 0 (of 3)" in status
