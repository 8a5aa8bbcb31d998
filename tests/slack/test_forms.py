"""Forms as Block Kit modals: `/share-practice` opens one, errors go beside the right field, success closes it."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from sqlmodel import select

from bot.context import refusal
from bot.db import session_scope
from bot.i18n import t
from bot.messages import Form, FormField, Reply, Response
from bot.models import Practice, Role
from bot.registry import FormSpec
from tests.fakes.slack import DEFAULT_CHANNEL_ID, DEFAULT_USER_ID
from tests.slack.conftest import Slack, message_text


def _values(**fields: Any) -> dict[str, Any]:
    """State values as Slack sends them: text inputs, or a dict for selects."""
    return {name: {"value": value} for name, value in fields.items()}


def _multi(*values: str) -> dict[str, Any]:
    return {"type": "multi_static_select", "selected_options": [{"value": v, "text": {"type": "plain_text",
                                                                                     "text": v}} for v in values]}


def _single(value: str) -> dict[str, Any]:
    return {"type": "static_select", "selected_option": {"value": value, "text": {"type": "plain_text", "text": value}}}


async def _open_share_form(slack: Slack) -> dict[str, Any]:
    await slack.command("/share-practice", "Neighbourhood dialogue")
    [call] = slack.fake.calls_to("views.open")
    return call.args


async def test_share_practice_opens_a_modal_with_one_block_per_field(slack: Slack) -> None:
    slack.coordinator(city="Lisbon")
    args = await _open_share_form(slack)
    view = args["view"]
    assert args["trigger_id"]
    assert view["type"] == "modal" and view["callback_id"] == "share-practice"
    ids = [block["block_id"] for block in view["blocks"]]
    for name in ("title", "city", "themes", "summary", "description", "results", "contact", "links", "language"):
        assert name in ids
    blocks = {block["block_id"]: block for block in view["blocks"]}
    assert blocks["title"]["element"]["initial_value"] == "Neighbourhood dialogue"
    assert blocks["city"]["element"]["initial_value"] == "Lisbon"
    assert blocks["themes"]["element"]["type"] == "multi_static_select"
    assert blocks["language"]["element"]["type"] == "static_select"
    assert blocks["results"]["optional"] is True
    assert all(block["element"].get("max_length", 0) <= 3000 for block in view["blocks"])
    # The 20,000-character description can be entered: continuation boxes after the first.
    assert "description__more2" in ids
    metadata = json.loads(view["private_metadata"])
    assert metadata["channel"] == DEFAULT_CHANNEL_ID
    assert len(view["title"]["text"]) <= 24
    assert slack.answers() == []  # nothing else was said


async def test_a_member_cannot_open_it_and_is_told_how_to_get_the_role(slack: Slack) -> None:
    await slack.command("/share-practice")
    assert slack.fake.calls_to("views.open") == []
    assert refusal(Role.coordinator, "en") in slack.last_answer_text()
    assert "/request-role coordinator" in slack.last_answer_text()


async def test_errors_are_shown_on_the_right_field_in_the_persons_language_then_success(slack: Slack) -> None:
    slack.fake.add_user(DEFAULT_USER_ID, locale="fr-FR", name="ines")
    slack.coordinator(city="Lisbon")
    view = (await _open_share_form(slack))["view"]
    metadata = view["private_metadata"]
    bad = _values(title="", city="Lisbon", summary="A summary.", description="What was done.",
                  results="", contact="", links="not a link")
    bad["themes"] = {"value": _multi("education")}
    bad["language"] = {"value": _single("fr")}
    response = await slack.client.view_submission("share-practice", bad, metadata, blocks=view["blocks"])
    assert response.status_code == 200
    answer = response.json()
    assert answer["response_action"] == "errors"
    assert set(answer["errors"]) == {"title", "links"}
    assert answer["errors"]["title"] == t("fr", "{field} is required.", field=t("fr", "Title"))
    with session_scope(slack.core.engine) as session:
        assert session.exec(select(Practice)).all() == []

    good = dict(bad)
    good["title"] = {"value": "Neighbourhood dialogue"}
    good["links"] = {"value": "https://example.org/dialogue"}
    good["description"] = {"value": "First part."}
    good["description__more2"] = {"value": "Second part."}
    response = await slack.client.view_submission("share-practice", good, metadata, blocks=view["blocks"])
    assert response.status_code == 200 and response.text == ""  # closes the modal
    await slack.settle()
    with session_scope(slack.core.engine) as session:
        [practice] = session.exec(select(Practice)).all()
    assert practice.title == "Neighbourhood dialogue"
    assert practice.description == "First part.\nSecond part."
    [ephemeral] = slack.fake.ephemeral_messages(DEFAULT_CHANNEL_ID)
    assert ephemeral["user"] == DEFAULT_USER_ID
    assert "Neighbourhood dialogue" in message_text(ephemeral)
    thanks = t("fr", "Thank you! Your practice “{title}” is recorded as #{id}. It will be reviewed by the ICC team, "
                     "and I will tell you when it is published.", title=practice.title, id=practice.id)
    assert ephemeral["text"] == thanks and thanks.startswith("Merci")


async def test_a_submission_for_a_form_never_opened_is_a_clean_localised_message(slack: Slack) -> None:
    slack.fake.add_user(DEFAULT_USER_ID, locale="es-ES", name="lucia")
    expected = t("es", "This form has expired or was never opened. Please start again.")
    for callback_id, metadata in (("share-practice", "not ours"), ("no-such-form", '{"v":1,"state":"","channel":""}')):
        response = await slack.client.view_submission(callback_id, _values(title="x"), metadata)
        assert response.status_code == 200
        answer = response.json()
        assert answer["response_action"] == "update"
        assert expected in message_text(answer["view"])
    await slack.settle()
    with session_scope(slack.core.engine) as session:
        assert session.exec(select(Practice)).all() == []


async def test_slow_work_after_a_submission_says_so_then_reports(slack: Slack) -> None:
    release = asyncio.Event()

    async def submit(ctx, values, state):
        await release.wait()
        return Response(replies=[Reply(text=f"Saved {values['name']} ({state})")])

    def build(ctx, state):
        return Form(form_id="slow", title="Slow", submit_label="Go", fields=[FormField("name", "Name")], state=state)

    slack.core.registry.add_form(FormSpec(form_id="slow", build=build, submit=submit))
    slack.adapter.view_deadline = 0.05
    metadata = json.dumps({"v": 1, "state": "s1", "channel": DEFAULT_CHANNEL_ID})
    response = await slack.client.view_submission("slow", _values(name="Ana"), metadata)
    assert response.json()["response_action"] == "update"
    assert t("en", "Working on it… I will send you a message when it is done.") in message_text(response.json()["view"])
    release.set()
    await slack.settle()
    [ephemeral] = slack.fake.ephemeral_messages(DEFAULT_CHANNEL_ID)
    assert message_text(ephemeral).startswith("Saved Ana (s1)")


async def test_a_modal_from_a_channel_the_bot_is_not_in_answers_by_direct_message(slack: Slack) -> None:
    async def submit(ctx, values, state):
        return Response(replies=[Reply(text="Done.")])

    def build(ctx, state):
        return Form(form_id="quick", title="Quick", submit_label="Go", fields=[FormField("name", "Name")])

    slack.core.registry.add_form(FormSpec(form_id="quick", build=build, submit=submit))
    slack.fake.fail_next("chat.postEphemeral", "not_in_channel")
    metadata = json.dumps({"v": 1, "state": "", "channel": "C0PRIVATE"})
    await slack.client.view_submission("quick", _values(name="Ana"), metadata)
    await slack.settle()
    dm = slack.fake.dm_channel_id(DEFAULT_USER_ID)
    # Besides the welcome a newcomer gets on first contact.
    assert [m["text"] for m in slack.fake.messages(dm) if not m["text"].startswith("Welcome to ICC Bot!")] == ["Done."]


async def test_the_same_modal_submitted_again_is_one_practice_and_the_same_answer(slack: Slack) -> None:
    """A web process killed after recording a form but before Slack got the acknowledgement: the person presses
    Send again on the same modal (same view id and hash, a new signed request)."""
    slack.coordinator(city="Lisbon")
    view = (await _open_share_form(slack))["view"]
    values = _values(title="Neighbourhood dialogue", city="Lisbon", summary="A summary.",
                     description="What was done.", results="", contact="", links="")
    values["themes"] = {"value": _multi("education")}
    values["language"] = {"value": _single("en")}
    for _ in range(2):
        response = await slack.client.view_submission("share-practice", values, view["private_metadata"],
                                                      view_id="V0SHARE01", view_hash="1764666000.5f2c",
                                                      blocks=view["blocks"])
        assert response.status_code == 200 and response.text == ""  # closes the modal both times
        await slack.settle()
    with session_scope(slack.core.engine) as session:
        [practice] = session.exec(select(Practice)).all()
    thanks = t("en", "Thank you! Your practice “{title}” is recorded as #{id}. It will be reviewed by the ICC team, "
                     "and I will tell you when it is published.", title="Neighbourhood dialogue", id=practice.id)
    assert [m["text"] for m in slack.fake.ephemeral_messages(DEFAULT_CHANNEL_ID)] == [thanks, thanks]
    # Another modal (another view) is another practice.
    await slack.client.view_submission("share-practice", values, view["private_metadata"], view_id="V0SHARE02",
                                       view_hash="1764666100.77aa", blocks=view["blocks"])
    await slack.settle()
    with session_scope(slack.core.engine) as session:
        assert len(session.exec(select(Practice)).all()) == 2
