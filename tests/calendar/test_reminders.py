"""Reminders at 09:00 in each channel's city, in its languages, once; late after downtime or recorded as missed."""

from __future__ import annotations

import json
from collections import Counter
from datetime import UTC, datetime

from bot.context import refusal
from bot.models import DeliveryState, Role
from bot.models.calendar import NoticeKind, NoticeState
from bot.wiring import Core
from tests.calendar.conftest import channel, command, submit, text_of
from tests.support.chat import RecordingChat
from tests.support.clock import MovableClock

LISBON, ODESA, MONTREAL = channel("city-lisbon"), channel("city-odesa"), channel("city-montreal")


def sent(core: Core, target: str, kind: str = "reminder:") -> list[str]:
    """The texts delivered to `target` for items of `kind`, in order."""
    return [json.loads(row.payload)["text"] for row in core.services.delivery.store.rows()
            if row.item.startswith(kind) and row.target_id == target and row.state is DeliveryState.sent]


async def tick_and_send(core: Core) -> None:
    await core.services.calendar.tick()
    await core.services.delivery.drain()


def reminders(core: Core) -> list[tuple[str, str, datetime, NoticeState]]:
    return [(n.target_id, n.key.split(":")[0], n.due_at.replace(tzinfo=UTC), n.state)
            for n in core.services.calendar.schedule.notices(kind=NoticeKind.reminder)]


async def test_campaign_day_reminders_come_at_nine_local_in_the_citys_language(
    demo: Core, chat: RecordingChat, clock: MovableClock
) -> None:
    for where in ("city-lisbon", "city-odesa", "city-montreal"):
        answer = await command(demo, {"city-lisbon": "ana", "city-odesa": "olena", "city-montreal": "mireille"}[where],
                               "subscribe", "campaign-days 14,2,0", where=where)
        assert "09:00" in text_of(answer)
    planned = {(target, due) for target, _, due, _ in reminders(demo)}
    # 21 March, International Day for the Elimination of Racial Discrimination: before the spring change in
    # Europe (Lisbon UTC+0, Kyiv UTC+2), after it in Montreal (UTC-4).
    assert ("city-lisbon", datetime(2026, 3, 7, 9, 0, tzinfo=UTC)) in planned
    assert ("city-odesa", datetime(2026, 3, 7, 7, 0, tzinfo=UTC)) in planned
    assert ("city-montreal", datetime(2026, 3, 7, 14, 0, tzinfo=UTC)) in planned
    assert ("city-montreal", datetime(2026, 3, 19, 13, 0, tzinfo=UTC)) in planned
    assert ("city-lisbon", datetime(2026, 3, 21, 9, 0, tzinfo=UTC)) in planned
    # 8 April (Roma Day) is after the change in Lisbon too: 09:00 WEST is 08:00 UTC.
    assert ("city-lisbon", datetime(2026, 4, 8, 8, 0, tzinfo=UTC)) in planned

    clock.set(datetime(2026, 3, 7, 6, 59, tzinfo=UTC))
    await tick_and_send(demo)
    assert sent(demo, "city-odesa") == []
    clock.set(datetime(2026, 3, 7, 7, 0, tzinfo=UTC))
    await tick_and_send(demo)
    assert sent(demo, "city-lisbon") == [] and len(sent(demo, "city-odesa")) == 1
    clock.set(datetime(2026, 3, 7, 9, 0, tzinfo=UTC))
    await tick_and_send(demo)
    await tick_and_send(demo)  # a second tick (another worker) sends nothing more
    [lisbon] = sent(demo, "city-lisbon")
    assert lisbon.startswith("Em 14 dias:") and "Discriminação Racial" in lisbon
    # Ukrainian's plural rule: 14 днів (not the English rule's "14 дні").
    assert sent(demo, "city-odesa")[0].startswith("Через 14 днів:")
    assert chat.texts(LISBON).count(lisbon) == 1


async def test_a_campaign_day_reminder_offers_to_share_what_the_city_does(demo: Core, chat: RecordingChat,
                                                                          clock: MovableClock) -> None:
    await command(demo, "ana", "subscribe", "campaign-days 0")
    clock.set(datetime(2026, 3, 21, 9, 1, tzinfo=UTC))
    await tick_and_send(demo)
    [row] = [r for r in demo.services.delivery.store.rows() if r.target_id == "city-lisbon"]
    assert row.item.startswith("reminder:") and '"action_id":"calendar-share:elimination-of-racial' in row.payload
    answer = await demo.dispatcher.handle(
        __import__("bot.messages", fromlist=["ButtonPressed"]).ButtonPressed(
            channel("ana"), LISBON, "calendar-share:elimination-of-racial-discrimination-day",
            "elimination-of-racial-discrimination-day"),
        __import__("bot.ports", fromlist=["Capabilities"]).Capabilities(buttons=True))
    assert answer.form is not None and answer.form.form_id == "share-practice"
    assert answer.form.field("title").initial.startswith("Dia Internacional para a Eliminação")


async def test_after_downtime_useful_reminders_go_late_once_and_the_others_are_recorded_missed(
    demo: Core, chat: RecordingChat, clock: MovableClock
) -> None:
    await command(demo, "ana", "subscribe", "campaign-days 14,2,0")
    # The worker was down from 1 March until the evening of 19 March: the 14-day reminder of 21 March (due
    # 7 March) is still useful, the 2-day one (due 19 March 09:00) too; none was sent.
    clock.set(datetime(2026, 3, 19, 20, 0, tzinfo=UTC))
    await tick_and_send(demo)
    await tick_and_send(demo)
    texts = sent(demo, "city-lisbon")
    assert len(texts) == 2 and all(text.startswith("(Atraso:") for text in texts), texts
    states = Counter(state for target, _, _, state in reminders(demo) if target == "city-lisbon")
    assert states[NoticeState.late] == 2
    # Down again until 22 March: the day itself passed unsent: missed, recorded, never sent.
    clock.set(datetime(2026, 3, 22, 12, 0, tzinfo=UTC))
    await tick_and_send(demo)
    states = Counter(state for target, _, _, state in reminders(demo) if target == "city-lisbon")
    assert states[NoticeState.missed] == 1
    assert len(sent(demo, "city-lisbon")) == 2


async def test_moving_or_cancelling_an_event_updates_what_is_planned_and_tells_subscribers_once(
    demo: Core, chat: RecordingChat, clock: MovableClock
) -> None:
    await command(demo, "joan", "subscribe", "cluster:anti-rumours 2", where="city-barcelona")
    values = {"title": "Anti-rumours academy", "kind": "academy", "start": "2026-04-20 10:00",
              "end": "2026-04-20 16:00", "time_zone": "Europe/Madrid", "audience": "cluster:anti-rumours",
              "language": "en"}
    added = await submit(demo, "joan", "event", values)
    assert "está en el calendario" in text_of(added), text_of(added)
    event = demo.services.calendar.events.all_events()[-1]
    [(_, _, due, _)] = [r for r in reminders(demo) if r[0] == "city-barcelona"]
    assert due == datetime(2026, 4, 18, 7, 0, tzinfo=UTC)  # 09:00 in Barcelona (CEST)
    moved = await submit(demo, "joan", "event", {**values, "start": "2026-04-27 10:00", "end": "2026-04-27 16:00"},
                         state=str(event.id))
    assert "Se avisa a 1 canal suscrito." in text_of(moved)
    await demo.services.delivery.drain()
    planned = [r for r in reminders(demo) if r[0] == "city-barcelona"]
    assert [(due, state) for _, _, due, state in planned] == [
        (datetime(2026, 4, 18, 7, 0, tzinfo=UTC), NoticeState.cancelled),
        (datetime(2026, 4, 25, 7, 0, tzinfo=UTC), NoticeState.planned)]
    cancelled = await command(demo, "joan", "event", f"cancel {event.id}")
    assert "está cancelado" in text_of(cancelled)
    again = await command(demo, "joan", "event", f"cancel {event.id}")
    assert "ya está cancelado" in text_of(again)
    await demo.services.delivery.drain()
    told = sent(demo, "city-barcelona", "event-change:")
    assert [text.split(":")[0] for text in told] == ["Cambiado", "Cancelado"]
    clock.set(datetime(2026, 4, 25, 9, 0, tzinfo=UTC))
    await tick_and_send(demo)
    assert sent(demo, "city-barcelona") == []


async def test_a_monthly_digest_on_the_first_working_day(demo: Core, chat: RecordingChat, clock: MovableClock) -> None:
    await command(demo, "olena", "subscribe", "all", where="city-odesa")
    digests = list(demo.services.calendar.schedule.notices(kind=NoticeKind.digest))
    # April 2026 begins on a Wednesday; August 2026 on a Saturday: Monday 3 August.
    dues = {n.occurrence: n.due_at.replace(tzinfo=UTC) for n in digests}
    assert dues["2026-04-01"] == datetime(2026, 4, 1, 6, 0, tzinfo=UTC)
    clock.set(datetime(2026, 4, 1, 6, 0, tzinfo=UTC))
    await tick_and_send(demo)
    [digest] = sent(demo, "city-odesa", "digest:")
    assert "квітень 2026" in digest
    rows = [r for r in demo.services.delivery.store.rows() if r.item.startswith("digest:")]
    assert len(rows) == 1 and rows[0].state is DeliveryState.sent


async def test_a_channel_subscribed_twice_is_told_and_nothing_changes(demo: Core) -> None:
    await command(demo, "ana", "subscribe", "all")
    again = await command(demo, "ana", "subscribe", "all 7")
    assert "já está subscrito a all" in text_of(again)
    assert [s.offsets for s in demo.services.calendar.subscriptions.all()] == ["14,2,0"]
    assert "Não é possível subscrever «everything»" in text_of(await command(demo, "ana", "subscribe", "everything"))
    assert "nenhum cluster chamado «nowhere»" in text_of(await command(demo, "ana", "subscribe", "cluster:nowhere"))
    assert "de 0 a 60" in text_of(await command(demo, "ana", "subscribe", "all 400"))
    refused = await command(demo, "giulia", "subscribe", "all", where="city-reggio-emilia")
    assert text_of(refused) == refusal(Role.coordinator, "it")
    assert len(demo.services.calendar.subscriptions.all()) == 1
    assert "já não recebe" in text_of(await command(demo, "ana", "unsubscribe", "all"))
    assert "não está subscrito" in text_of(await command(demo, "ana", "unsubscribe", "all"))
