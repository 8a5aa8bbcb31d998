"""Buttons, selects and shortcuts: the review buttons, paging through search results, the Translate shortcut."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlencode

from bot.context import Context
from bot.i18n import t
from bot.messages import Identity, Response, TranslationRequested
from bot.models import Practice, PracticeStatus, ReviewAction, Role
from bot.richtext import RichText
from bot.services.practice_rules import draft
from tests.fakes import slack as fs
from tests.fakes.slack import DEFAULT_USER_ID
from tests.slack.conftest import Slack, message_text

REVIEWER = "U0REVIEW1"
MEMBER = "U0MEMBER1"


def _practice(slack: Slack, title: str = "Neighbourhood dialogue", *, publish: bool = False) -> Practice:
    author = slack.coordinator(DEFAULT_USER_ID, city="Lisbon")
    member = slack.core.services.members.find(author)
    city = slack.core.services.cities.find("Lisbon")
    assert member is not None and city is not None and city.id is not None
    data = draft(title=title, city_id=city.id, summary="Residents meet every month.",
                 description="What was done, by whom, and how.", themes="education", language="en")
    practice = slack.core.services.practices.submit(author=member, data=data)
    if publish:
        reviewer = slack.core.services.members.set_role(slack.person(REVIEWER), Role.icc_team)
        assert practice.id is not None
        slack.core.services.practices.review(reviewer=reviewer, practice_id=practice.id, action=ReviewAction.approve)
        slack.core.services.practices.review(reviewer=reviewer, practice_id=practice.id, action=ReviewAction.publish)
    return practice


def _buttons(answer: dict[str, Any]) -> list[dict[str, Any]]:
    return [element for block in answer["blocks"] if block["type"] == "actions" for element in block["elements"]]


async def test_review_buttons_work_for_the_icc_team_only(slack: Slack) -> None:
    practice = _practice(slack)
    slack.fake.add_user(DEFAULT_USER_ID, locale="pt-PT", name="author")
    await slack.command("/profile")  # the author has used the bot in Slack: their Slack locale is known
    slack.core.services.members.set_role(slack.person(REVIEWER), Role.icc_team)
    await slack.command("/practices", "review", user_id=REVIEWER)
    buttons = {button["action_id"]: button for button in _buttons(slack.answers()[-1])}
    approve = buttons[f"practice-approve:{practice.id}"]
    assert approve["style"] == "primary" and buttons[f"practice-reject:{practice.id}"]["style"] == "danger"

    # A member presses the reviewer's button (same message, same value): refused, nothing changes.
    await slack.client.block_action(approve["action_id"], approve["value"], user_id=MEMBER)
    await slack.settle()
    assert t("en", "Only the ICC team can review practices.") in slack.last_answer_text()
    assert slack.core.services.practices.get(practice.id or 0).status == PracticeStatus.submitted  # type: ignore[union-attr]

    await slack.client.block_action(approve["action_id"], approve["value"], user_id=REVIEWER)
    await slack.settle()
    assert slack.core.services.practices.get(practice.id or 0).status == PracticeStatus.approved  # type: ignore[union-attr]
    assert f"#{practice.id}" in slack.last_answer_text()
    # The author is told, in their own language, in a direct message.
    dm = slack.fake.dm_channel_id(DEFAULT_USER_ID)
    [told] = slack.fake.messages(dm)
    assert told["text"] == t("pt", "Good news: the ICC team approved your practice “{title}” (#{id}). "
                                   "It will be published soon.", title=practice.title, id=practice.id)
    assert told["text"].startswith("Boas")


async def test_reject_button_opens_the_reason_modal(slack: Slack) -> None:
    practice = _practice(slack)
    slack.core.services.members.set_role(slack.person(REVIEWER), Role.icc_team)
    await slack.client.block_action(f"practice-reject:{practice.id}", str(practice.id), user_id=REVIEWER,
                                    trigger_id="123.456.abc")
    await slack.settle()
    [opened] = slack.fake.calls_to("views.open")
    assert opened.args["trigger_id"] == "123.456.abc"
    assert [block["block_id"] for block in opened.args["view"]["blocks"]] == ["reason"]


async def test_paging_replaces_the_ephemeral_results(slack: Slack) -> None:
    for number in range(7):
        _practice(slack, f"Practice number {number}", publish=True)
    await slack.command("/practices", "search")
    first = slack.answers()[-1]
    assert first["response_type"] == "ephemeral" and first["replace_original"] is False
    [next_button] = [b for b in _buttons(first) if b["action_id"].startswith("practice-search:")]
    payload = fs.block_actions_payload(next_button["action_id"], next_button["value"],
                                       response_url=slack.fake.response_url("page"))
    payload["container"]["is_ephemeral"] = True
    response = await slack.client.post_raw(urlencode({"payload": json.dumps(payload)}),
                                           "application/x-www-form-urlencoded")
    assert response.status_code == 200
    await slack.settle()
    second = slack.answers()[-1]
    assert second["replace_original"] is True
    assert t("en", "The newest practices, page {page}:", page=2) in message_text(second)


async def test_unknown_action_is_a_clean_message(slack: Slack) -> None:
    response = await slack.client.block_action("long-gone-button:7", "7")
    assert response.status_code == 200
    await slack.settle()
    assert slack.answers()[-1]["text"] == t("en", "This button is no longer in use.")


async def test_translate_shortcut_is_a_translation_request_answered_privately(slack: Slack) -> None:
    slack.fake.add_user(DEFAULT_USER_ID, locale="it-IT", name="giulia")
    asked: list[tuple[TranslationRequested, str]] = []
    real = slack.core.dispatcher.translation_request
    assert real is not None

    async def spy(ctx: Context, event: TranslationRequested) -> Response:
        asked.append((event, ctx.locale))
        return await real(ctx, event)

    slack.core.dispatcher.on_translation_request(spy)
    message = {"type": "message", "user": "U0AUTHOR1", "ts": "1700000000.000100", "text": "Q&amp;A à 14h",
               "thread_ts": "1.0"}
    response = await slack.client.message_shortcut("translate_message", message=message)
    assert response.status_code == 200 and response.text == ""
    await slack.settle()
    [(event, locale)] = asked
    assert event == TranslationRequested(actor=slack.person(), channel=Identity("slack", fs.DEFAULT_TEAM_ID,
                                                                                "C0GENERAL"),
                                         message_id="1700000000.000100", text=RichText.of("Q&A à 14h"),
                                         platform_locale="it-IT")
    assert locale == "it"
    answer = slack.answers()[-1]
    assert answer["response_type"] == "ephemeral"
    # No DeepL key in tests: the service says so, in the person's language.
    assert answer["text"] == t("it", "Translation is not set up here: the bot has no DeepL key.")


async def test_translate_shortcut_without_translation_says_so(slack: Slack) -> None:
    slack.fake.add_user(DEFAULT_USER_ID, locale="it-IT", name="giulia")
    slack.core.dispatcher.translation_request = None
    await slack.client.message_shortcut("translate_message", message={
        "type": "message", "user": "U0AUTHOR1", "ts": "1700000000.000100", "text": "Bonjour à tous"})
    await slack.settle()
    answer = slack.answers()[-1]
    assert answer["text"] == t("it", "Translation is not available here.") and answer["response_type"] == "ephemeral"


async def test_unknown_shortcut_is_a_clean_message(slack: Slack) -> None:
    response = await slack.client.shortcut("something_retired", trigger_id="9.9.abc")
    assert response.status_code == 200
    await slack.settle()
    [opened] = slack.fake.calls_to("views.open")
    assert t("en", "This shortcut is no longer in use.") in message_text(opened.args["view"])
