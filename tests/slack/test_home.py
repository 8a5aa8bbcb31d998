"""The App Home renders what the core's home service builds, including the parts features fill."""

from __future__ import annotations

from collections.abc import Sequence

from bot.i18n import t
from bot.messages import Section
from bot.models import Member
from tests.fakes.slack import DEFAULT_USER_ID
from tests.slack.conftest import Slack, message_text


class Surveys:
    def home_sections(self, member: Member, locale: str) -> Sequence[Section]:
        return [Section(text="Annual survey of cities 2026: open until 31 December")]


async def test_the_app_home_shows_what_a_feature_registered(slack: Slack) -> None:
    slack.coordinator(city="Lisbon")
    slack.core.services.add_feature("surveys", Surveys())
    await slack.client.event({"type": "app_home_opened", "user": DEFAULT_USER_ID, "tab": "home"})
    await slack.settle()
    text = message_text(slack.fake.home_views[DEFAULT_USER_ID])
    assert t("en", "Open surveys") in text and "Annual survey of cities 2026: open until 31 December" in text
    assert t("en", "No open surveys yet.") not in text
    assert t("en", "No upcoming events yet.") in text  # no calendar registered: its part says so
