"""/remind me|here: natural times in the person's language and city, a delivery at its time, once."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.errors import UserError
from bot.models import DeliveryState
from bot.models.calendar import NoticeKind, NoticeState
from bot.services.calendar.recurrence import zone
from bot.services.calendar.when import parse_when
from bot.wiring import Core
from tests.calendar.conftest import START, command, text_of
from tests.support.clock import MovableClock

LISBON = zone("Europe/Lisbon")


@pytest.mark.parametrize(("text", "locale", "tz", "moment", "what"), [
    ("tomorrow 9:00 call Joan", "en", "Europe/Lisbon", datetime(2026, 3, 2, 9, 0, tzinfo=UTC), "call Joan"),
    ("in 2 hours vote closes", "en", "Europe/Lisbon", datetime(2026, 3, 1, 10, 0, tzinfo=UTC), "vote closes"),
    ("2026-12-21 send the report", "en", "Europe/Lisbon", datetime(2026, 12, 21, 9, 0, tzinfo=UTC), "send the report"),
    ("amanhã 9:00 ligar à Joana", "pt", "Europe/Lisbon", datetime(2026, 3, 2, 9, 0, tzinfo=UTC), "ligar à Joana"),
    ("demain 9h appeler Paris", "fr", "America/Montreal", datetime(2026, 3, 2, 14, 0, tzinfo=UTC), "appeler Paris"),
    ("завтра 9:00 подзвонити", "uk", "Europe/Kyiv", datetime(2026, 3, 2, 7, 0, tzinfo=UTC), "подзвонити"),
    ("morgen 9:00 anrufen", "de", "Asia/Tokyo", datetime(2026, 3, 2, 0, 0, tzinfo=UTC), "anrufen"),
])
def test_natural_times_in_the_persons_language_and_zone(text: str, locale: str, tz: str, moment: datetime,
                                                        what: str) -> None:
    when = parse_when(text, locale=locale, tz=zone(tz), now=START)
    assert (when.moment, when.what) == (moment, what)


@pytest.mark.parametrize(("text", "words"), [
    ("in 10 years retire", "too far ahead"),
    ("1 second ago oops", "in the past"),
    ("2026-02-30 nothing", "no such day"),
    ("whenever you like", "did not understand when"),
    ("tomorrow", "Say when and what"),
    ("2026-03-29 01:30 spring", "does not exist"),
])
def test_bad_times_are_refused_clearly(text: str, words: str) -> None:
    with pytest.raises(UserError) as refused:
        parse_when(text.replace("2026-03-29 01:30", "2026-03-29 01:30"), locale="en", tz=LISBON,
                   now=START)
    assert words in refused.value.msgid


@given(st.text(max_size=60))
def test_any_text_is_read_or_refused_with_a_message(text: str) -> None:
    try:
        when = parse_when(text, locale="pt", tz=LISBON, now=START)
    except UserError:
        return
    assert when.moment > START


async def test_a_reminder_is_a_delivery_at_its_time_once_and_late_if_the_bot_was_down(demo: Core,
                                                                                     clock: MovableClock) -> None:
    answer = await command(demo, "ana", "remind", "me amanhã 9:00 ligar à Joana")
    assert "Vou lembrá-lo em segunda-feira, 2 de março de 2026, 09:00 (Europe/Lisbon): ligar à Joana" == \
        text_of(answer)
    here = await command(demo, "ana", "remind", "here in 2 hours @here vote closes")
    assert "Vou lembrar esta conversa" in text_of(here)
    clock.set(datetime(2026, 3, 1, 10, 20, tzinfo=UTC))  # the worker was down at 10:00: late, still useful
    await demo.services.calendar.tick()
    await demo.services.calendar.tick()
    clock.set(datetime(2026, 3, 2, 9, 0, tzinfo=UTC))
    await demo.services.calendar.tick()
    rows = [row for row in demo.services.delivery.store.rows() if row.item.startswith("remind:")]
    assert [(row.target, row.direct) for row in rows] == [("console:local:city-lisbon", False),
                                                         ("console:local:@ana", True)]
    texts = [json.loads(row.payload) for row in rows]
    assert texts[0]["text"].startswith("(Atraso:") and texts[0]["allow_broadcast_mentions"] is False
    assert texts[1]["text"] == "Lembrete: ligar à Joana"
    states = [n.state for n in demo.services.calendar.schedule.notices(kind=NoticeKind.personal)]
    assert states == [NoticeState.late, NoticeState.sent]
    await demo.services.delivery.drain()
    assert all(row.state in (DeliveryState.pending, DeliveryState.sent) for row in rows)


async def test_a_reminder_nobody_could_send_in_time_is_recorded_missed(demo: Core, clock: MovableClock) -> None:
    await command(demo, "ana", "remind", "me amanhã 9:00 ligar")
    clock.set(datetime(2026, 3, 3, 9, 0, tzinfo=UTC))
    report = await demo.services.calendar.tick()
    assert report.missed == 1
    assert [row for row in demo.services.delivery.store.rows() if row.item.startswith("remind:")] == []


async def test_someone_the_bot_never_met_can_remind_themselves(demo: Core) -> None:
    answer = await command(demo, "stranger", "remind", "me tomorrow 10:00 read the ICC newsletter",
                           where="general")
    assert "I will remind you on Monday, March 2, 2026" in text_of(answer)
    assert "(Europe/Paris)" in text_of(answer)
