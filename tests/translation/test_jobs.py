"""The worker's scheduled translation jobs, run as the scheduler runs them."""

from __future__ import annotations

from bot.messages import Identity
from bot.models import Role
from bot.wiring import Core
from schedules.jobs import check_translation_quota
from tests.fakes.deepl import FakeDeepL
from tests.support.chat import PlatformChat


async def test_the_hourly_quota_job_warns_the_icc_team_on_a_quiet_day(
    tcore: Core, chat: PlatformChat, fake: FakeDeepL
) -> None:
    ivana = Identity("slack", "T1", "ivana")
    tcore.services.members.get_or_create(ivana, display_name="Ivana")
    tcore.services.members.set_role(ivana, Role.icc_team)
    fake.character_limit, fake.character_count = 1000, 850
    assert await check_translation_quota(tcore) == 0.85
    assert await check_translation_quota(tcore) == 0.85  # the next hour: no second warning
    await tcore.services.delivery.drain()  # sent by the delivery outbox
    warnings = chat.of("dm")
    assert [w.to for w in warnings] == [ivana] and "80" in warnings[0].text
