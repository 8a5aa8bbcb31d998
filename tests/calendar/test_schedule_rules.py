"""The schedule's rules one by one, at exact moments: which reminders an event's subscribers get planned and until
when, what a change to an event cancels and whom it tells, and what a person's reminders are (each test kills
mutants of schedule.py that the scenario tests miss)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from bot.i18n import t
from bot.messages import Identity
from bot.models import Member
from bot.models.calendar import CalendarEvent, Notice, NoticeKind, NoticeState
from bot.services.calendar import schedule as schedule_module
from bot.wiring import Core
from tests.calendar.conftest import START, channel, person
from tests.support.clock import MovableClock

LISBON, MONTREAL = channel("city-lisbon"), channel("city-montreal")


def someone(core: Core, name: str) -> Member:
    found = core.services.members.find(person(name))
    assert found is not None
    return found


def add_event(core: Core, start: str, end: str, *, title: str = "Network meeting",
              time_zone: str = "Europe/Lisbon") -> CalendarEvent:
    """A meeting of the whole network (in Lisbon's time), added by the ICC team (its reminders planned at once)."""
    values = {"title": title, "kind": "meeting", "start": start, "end": end, "time_zone": time_zone,
              "audience": "all", "language": "en"}
    return core.services.calendar.add_event(values, actor=someone(core, "ivana"), language="en")


def move_event(core: Core, event: CalendarEvent, start: str, end: str, **changes: str) -> int:
    """Change the event (its time, or only `changes`); returns how many channels are told."""
    values = {"title": event.title, "kind": "meeting", "start": start, "end": end, "time_zone": event.time_zone,
              "audience": "all", "language": "en", **changes}
    assert event.id is not None
    return core.services.calendar.edit_event(event.id, values, actor=someone(core, "ivana"), language="en").told


def subscribe(core: Core, where: Identity, scope: str, offsets: str, who: str) -> None:
    core.services.calendar.subscribe(where, scope, offsets, by=someone(core, who))


def remind_ana(core: Core, *reminders: tuple[float, str]) -> list[Notice]:
    """Personal reminders of ana by direct message, in Portuguese: (hours after START it is due, text) each."""
    ana = someone(core, "ana").id or 0
    return [core.services.calendar.schedule.remind(member_id=ana, target=person("ana"), direct=True, text=text,
                                                   locale="pt", due=START + timedelta(hours=hours))
            for hours, text in reminders]


def of_event(core: Core, event: CalendarEvent) -> list[tuple[str, datetime, NoticeState, datetime]]:
    """The event's reminders: (channel, due, state, last change), in due order."""
    return [(n.target_id, n.due_at.replace(tzinfo=UTC), n.state, n.updated_at.replace(tzinfo=UTC))
            for n in core.services.calendar.schedule.notices(kind=NoticeKind.reminder) if n.event_id == event.id]


def told(core: Core, event: CalendarEvent) -> list[tuple[str, str, str]]:
    """The change notices enqueued about `event`: (channel, language, first line)."""
    return [(row.target_id, row.locale, json.loads(row.payload)["text"]) for row in core.services.delivery.store.rows()
            if row.item.startswith(f"event-change:{event.id}:")]


def test_a_reminder_due_at_the_end_of_the_planning_horizon_is_planned(demo: Core) -> None:
    subscribe(demo, LISBON, "all", "14", "ana")
    # 62 days after START (1 March 08:00 UTC) is 2 May 08:00 UTC: 09:00 in Lisbon (summer time), 14 days before
    # a meeting on 16 May.
    event = add_event(demo, "2026-05-16 10:00", "2026-05-16 12:00")
    assert [(target, due) for target, due, _, _ in of_event(demo, event)] == [
        ("city-lisbon", datetime(2026, 5, 2, 8, 0, tzinfo=UTC))]
    later = add_event(demo, "2026-05-17 10:00", "2026-05-17 12:00", title="A day later")
    assert of_event(demo, later) == []  # due after the horizon: planned by a later run of the planner


async def test_a_reminder_that_fell_due_while_nothing_planned_it_goes_out_late(demo: Core,
                                                                            clock: MovableClock) -> None:
    subscribe(demo, LISBON, "all", "0", "ana")
    # 70 days ahead: beyond the horizon, so not planned when it is added.
    event = add_event(demo, "2026-05-10 10:00", "2026-05-10 16:00")
    assert of_event(demo, event) == []
    clock.set(datetime(2026, 5, 10, 8, 30, tzinfo=UTC))  # 09:30 in Lisbon: the planner did not run until now
    await demo.services.calendar.tick()
    [(target, due, state, _)] = of_event(demo, event)
    assert (target, due, state) == ("city-lisbon", datetime(2026, 5, 10, 8, 0, tzinfo=UTC), NoticeState.late)


def test_moving_an_event_cancels_only_its_own_planned_reminders_and_tells_its_subscribers_once(
    demo: Core, clock: MovableClock
) -> None:
    subscribe(demo, LISBON, "campaign-days", "2", "ana")  # not about meetings: not told
    subscribe(demo, MONTREAL, "all", "14,2", "mireille")
    event = add_event(demo, "2026-04-20 10:00", "2026-04-20 16:00")
    other = add_event(demo, "2026-04-21 10:00", "2026-04-21 16:00", title="Other meeting")
    demo.services.calendar.schedule.remind(member_id=someone(demo, "ana").id or 0, target=person("ana"), direct=True,
                                           text="call", locale="pt", due=datetime(2026, 5, 1, 9, 0, tzinfo=UTC))
    clock.set(datetime(2026, 4, 6, 13, 0, tzinfo=UTC))  # the 14-day reminder (09:00 in Montréal) is sent
    demo.services.calendar.schedule.tick()
    clock.set(datetime(2026, 4, 6, 14, 0, tzinfo=UTC))
    assert move_event(demo, event, "2026-04-27 10:00", "2026-04-27 16:00") == 1
    moved = datetime(2026, 4, 6, 14, 0, tzinfo=UTC)
    assert [(due, state) for _, due, state, _ in of_event(demo, event)] == [
        (datetime(2026, 4, 6, 13, 0, tzinfo=UTC), NoticeState.sent),
        (datetime(2026, 4, 13, 13, 0, tzinfo=UTC), NoticeState.planned),
        (datetime(2026, 4, 18, 13, 0, tzinfo=UTC), NoticeState.cancelled),
        (datetime(2026, 4, 25, 13, 0, tzinfo=UTC), NoticeState.planned)]
    assert [updated for _, _, state, updated in of_event(demo, event) if state is NoticeState.cancelled] == [moved]
    assert {state for _, _, state, _ in of_event(demo, other)} == {NoticeState.planned}
    [personal] = demo.services.calendar.schedule.notices(kind=NoticeKind.personal)
    assert personal.state is NoticeState.planned
    assert told(demo, event) == [("city-montreal", "fr,en", "Modifié : Network meeting")]


def test_an_event_changed_within_its_day_keeps_its_reminders(demo: Core) -> None:
    """A new description tells nobody; a new time on the same day tells the subscribers. Either way the reminders
    of that day stay planned (they were cancelled, and could not be planned again under the same key)."""
    subscribe(demo, MONTREAL, "all", "2", "mireille")
    event = add_event(demo, "2026-04-20 10:00", "2026-04-20 16:00")
    assert move_event(demo, event, "2026-04-20 10:00", "2026-04-20 16:00", description="Bring a friend.") == 0
    assert told(demo, event) == []
    assert move_event(demo, event, "2026-04-20 14:00", "2026-04-20 18:00") == 1
    assert told(demo, event) == [("city-montreal", "fr,en", "Modifié : Network meeting")]
    assert [(due, state) for _, due, state, _ in of_event(demo, event)] == [
        (datetime(2026, 4, 18, 13, 0, tzinfo=UTC), NoticeState.planned)]


def test_an_event_that_is_over_is_told_about_only_when_cancelled(demo: Core, clock: MovableClock) -> None:
    subscribe(demo, MONTREAL, "all", "2", "mireille")
    event = add_event(demo, "2026-03-10 10:00", "2026-03-10 16:00")
    clock.set(datetime(2026, 3, 11, 12, 0, tzinfo=UTC))
    assert demo.services.calendar.schedule.event_changed(event, tell=True) == 0  # nothing left of it to move
    assert told(demo, event) == []
    change = demo.services.calendar.cancel_event(event.id or 0, actor=someone(demo, "ivana"))
    assert change.told == 1 and told(demo, event) == [("city-montreal", "fr,en", "Annulé : Network meeting")]


def test_a_person_s_reminders_are_returned_as_planned_and_listed_by_due_time(demo: Core, clock: MovableClock) -> None:
    schedule = demo.services.calendar.schedule
    ana = someone(demo, "ana").id or 0
    due = START + timedelta(hours=5)
    planned = remind_ana(demo, (5, "later"), (2, "sooner"), (1, "first"))
    for notice, text in zip(planned, ("later", "sooner", "first"), strict=True):
        assert (notice.text, notice.state, notice.kind) == (text, NoticeState.planned, NoticeKind.personal)
    assert notice.due_at.replace(tzinfo=UTC) == START + timedelta(hours=1) and notice.key.startswith("remind:")
    assert [n.text for n in schedule.pending_of(ana)] == ["first", "sooner", "later"]
    clock.set(START + timedelta(hours=1))
    schedule.tick()
    assert [n.text for n in schedule.pending_of(ana)] == ["sooner", "later"]  # the one handed over is not pending
    assert schedule.pending_of(someone(demo, "joan").id or 0) == [] and due > clock.now()


def useful(core: Core, event: CalendarEvent) -> list[tuple[datetime, datetime]]:
    """(due, last useful moment) of the event's reminders, in due order."""
    return [(n.due_at.replace(tzinfo=UTC), n.useful_until.replace(tzinfo=UTC))
            for n in core.services.calendar.schedule.notices(kind=NoticeKind.reminder) if n.event_id == event.id]


def at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 4, day, hour, minute, tzinfo=UTC)


def test_a_reminder_is_useful_until_the_event_starts_and_on_its_day_until_it_ends(demo: Core) -> None:
    subscribe(demo, LISBON, "all", "2,1,0", "ana")  # Lisbon is at UTC+1 in April
    timed = add_event(demo, "2026-04-20 10:00", "2026-04-20 16:00")
    assert useful(demo, timed) == [(at(18, 8), at(20, 9)), (at(19, 8), at(20, 9)), (at(20, 8), at(20, 15))]
    all_day = add_event(demo, "2026-04-22", "", title="All day")  # from Lisbon's midnight to the next
    assert useful(demo, all_day) == [(at(20, 8), at(21, 23)), (at(21, 8), at(21, 23)), (at(22, 8), at(22, 23))]
    early = add_event(demo, "2026-04-24 07:00", "2026-04-24 08:00", title="Breakfast")  # over before 09:00
    assert useful(demo, early)[-1] == (at(24, 8), at(24, 8, 1))  # a minute, then recorded as missed
    subscribe(demo, MONTREAL, "all", "2,0", "mireille")  # an all-day event's day runs from Montréal's midnight
    elsewhere = add_event(demo, "2026-04-26", "", title="All day again")
    assert [(due, end) for due, end in useful(demo, elsewhere) if due.hour == 13] == [
        (at(24, 13), at(26, 4)), (at(26, 13), at(27, 4))]


def test_a_reminder_falls_on_the_day_of_the_channel_s_own_zone(demo: Core) -> None:
    subscribe(demo, MONTREAL, "all", "0", "mireille")
    # 03:00 in Lisbon on 20 April is 22:00 on 19 April in Montréal: reminded at 09:00 there on the 19th.
    event = add_event(demo, "2026-04-20 03:00", "2026-04-20 04:00")
    assert [due for due, _ in useful(demo, event)] == [at(19, 13)]


def test_reminders_due_before_a_subscription_or_an_event_existed_are_not_planned(demo: Core,
                                                                                 clock: MovableClock) -> None:
    subscribe(demo, LISBON, "all", "14,2", "ana")
    soon = add_event(demo, "2026-03-06 10:00", "2026-03-06 12:00")  # 14 days before is past: only the 2-day one
    assert [due for due, _ in useful(demo, soon)] == [datetime(2026, 3, 4, 9, 0, tzinfo=UTC)]
    clock.set(datetime(2026, 4, 18, 8, 0, tzinfo=UTC))  # 09:00 in Lisbon, exactly when the 2-day one is due
    now = add_event(demo, "2026-04-20 10:00", "2026-04-20 12:00", title="Now")
    assert [due for due, _ in useful(demo, now)] == [at(18, 8)]


def test_unsubscribing_drops_the_channel_s_planned_reminders(demo: Core) -> None:
    subscribe(demo, LISBON, "all", "2", "ana")
    subscribe(demo, MONTREAL, "all", "2", "mireille")
    event = add_event(demo, "2026-04-20 10:00", "2026-04-20 12:00")
    demo.services.calendar.unsubscribe(LISBON, "all")
    assert [target for target, _, _, _ in of_event(demo, event)] == ["city-montreal"]


def test_an_occurrence_over_for_more_than_a_day_is_not_planned_after_downtime(demo: Core,
                                                                             clock: MovableClock) -> None:
    subscribe(demo, LISBON, "all", "0", "ana")
    event = add_event(demo, "2026-05-10 10:00", "2026-05-10 12:00")  # beyond the horizon when added
    clock.set(datetime(2026, 5, 11, 23, 0, tzinfo=UTC))  # down until a day and a half after it
    demo.services.calendar.schedule.tick()
    assert of_event(demo, event) == []


def digests(core: Core, target: str) -> list[tuple[str, datetime]]:
    return [(n.occurrence, n.due_at.replace(tzinfo=UTC))
            for n in core.services.calendar.schedule.notices(kind=NoticeKind.digest) if n.target_id == target]


def test_digests_are_planned_from_the_subscription_to_the_end_of_the_horizon_inclusive(
    demo: Core, clock: MovableClock
) -> None:
    subscribe(demo, LISBON, "all", "0", "ana")  # 1 March (a Sunday): March's digest is due on Monday the 2nd
    assert digests(demo, "city-lisbon") == [("2026-03-01", datetime(2026, 3, 2, 9, 0, tzinfo=UTC)),
                                            ("2026-04-01", datetime(2026, 4, 1, 8, 0, tzinfo=UTC)),
                                            ("2026-05-01", datetime(2026, 5, 1, 8, 0, tzinfo=UTC))]
    clock.set(datetime(2026, 3, 31, 8, 0, tzinfo=UTC))  # 62 days before 1 June 08:00 UTC (09:00 in Lisbon)
    demo.services.calendar.schedule.plan()
    assert digests(demo, "city-lisbon")[-1] == ("2026-06-01", datetime(2026, 6, 1, 8, 0, tzinfo=UTC))
    clock.set(datetime(2026, 4, 1, 8, 0, tzinfo=UTC))  # 09:00 in Dublin: its April digest is due at this moment
    subscribe(demo, channel("city-dublin"), "all", "0", "ivana")
    assert digests(demo, "city-dublin")[0] == ("2026-04-01", datetime(2026, 4, 1, 8, 0, tzinfo=UTC))


def delivered(core: Core, kind: str, target: str) -> list[tuple[str, dict[str, Any]]]:
    """(language, message) of what was handed to the outbox for items of `kind` to `target`."""
    return [(row.locale, json.loads(row.payload)) for row in core.services.delivery.store.rows()
            if row.item.startswith(kind) and row.target_id == target]


def test_a_digest_lists_the_month_of_the_channel_s_zone_in_its_time_and_says_when_it_is_late(
    demo: Core, clock: MovableClock
) -> None:
    subscribe(demo, channel("city-odesa"), "all", "0", "olena")  # Kyiv: UTC+3 in May
    for start, title in (("2026-05-01 00:30", "First night"), ("2026-05-31 23:30", "Last night"),
                         ("2026-06-01 00:30", "June already")):
        add_event(demo, start, start.replace(":30", ":45"), title=title, time_zone="Europe/Kyiv")
    clock.set(datetime(2026, 5, 1, 6, 16, tzinfo=UTC))  # due at 06:00 UTC (09:00 in Kyiv): 16 minutes late
    demo.services.calendar.schedule.tick()
    [(locale, message)] = delivered(demo, "digest:2026-05", "city-odesa")
    lines = message["sections"][0]["text"].splitlines()
    assert locale == "uk" and message["text"].startswith(t("uk", "(Late: the bot was offline at the planned time.) "
                                                                  "{text}", text=""))
    ours = [line for line in lines if "night" in line or "June" in line]  # (the month's campaign days too)
    assert len(ours) == 2 and "First night" in ours[0] and "00:30" in ours[0]
    assert "Last night" in ours[1] and "23:30" in ours[1]


def test_a_reminder_is_in_the_channel_s_languages_and_time(demo: Core, clock: MovableClock) -> None:
    subscribe(demo, MONTREAL, "all", "0", "mireille")
    add_event(demo, "2026-04-20 15:00", "2026-04-20 16:00")  # 10:00 in Montréal
    clock.set(at(20, 13))
    demo.services.calendar.schedule.tick()
    [(locale, message)] = delivered(demo, "reminder:", "city-montreal")
    assert locale == "fr,en"
    assert [section["title"] for section in message["sections"]] == [
        t("fr", "Today: {title}", title="Network meeting"), "Today: Network meeting"]
    assert "10:00" in message["sections"][0]["text"] and "14:00" not in message["sections"][0]["text"]


def test_a_reminder_of_an_event_changed_elsewhere_is_dropped_when_it_falls_due(demo: Core,
                                                                              clock: MovableClock) -> None:
    """Another process cancelled or moved the event and its planned reminders are still there: at hand-over the
    one of a cancelled event, or of a day the event no longer falls on, is recorded as cancelled, never sent."""
    subscribe(demo, LISBON, "all", "0", "ana")
    ivana = someone(demo, "ivana")
    events = demo.services.calendar.events
    kept = add_event(demo, "2026-04-20 00:15", "2026-04-20 00:45", title="Just after midnight")
    cancelled = add_event(demo, "2026-04-20 10:00", "2026-04-20 11:00", title="Cancelled")
    moved = add_event(demo, "2026-04-20 12:00", "2026-04-20 13:00", title="Moved")
    events.cancel(cancelled.id or 0, actor=ivana)
    values = {"title": "Moved", "kind": "meeting", "start": "2026-04-21 12:00", "end": "2026-04-21 13:00",
              "time_zone": "Europe/Lisbon", "audience": "all", "language": "en"}
    events.update(moved.id or 0, events.check(values, language="en", actor=ivana), actor=ivana)
    clock.set(at(20, 8))
    report = demo.services.calendar.schedule.tick()
    assert (report.sent, report.cancelled, report.failed) == (1, 2, 0)
    assert [message["text"] for _, message in delivered(demo, "reminder:", "city-lisbon")] == [
        "Hoje: Just after midnight"]
    assert [state for _, _, state, _ in of_event(demo, kept)] == [NoticeState.sent]


def test_one_tick_counts_every_notice_it_hands_over_and_stamps_each(demo: Core, clock: MovableClock) -> None:
    schedule = demo.services.calendar.schedule
    remind_ana(demo, (1, "missed 1"), (1, "missed 2"), (13, "late 1"), (13, "late 2"))
    clock.set(START + timedelta(hours=13, minutes=16))  # the first two are no longer useful, the others late
    report = schedule.tick()
    assert (report.missed, report.late, report.sent) == (2, 2, 0)
    assert {n.updated_at.replace(tzinfo=UTC) for n in schedule.notices(kind=NoticeKind.personal)} == {clock.now()}


def test_a_notice_another_worker_handed_over_first_is_not_counted_again(demo: Core, clock: MovableClock,
                                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    schedule = demo.services.calendar.schedule
    remind_ana(demo, (1, "call"))
    clock.set(START + timedelta(hours=1))
    seen = schedule.due(clock.now())  # both workers read the notice as due...
    assert schedule.tick().sent == 1  # ...one hands it over and marks it
    clock.advance(minutes=20)
    monkeypatch.setattr(schedule, "due", lambda now, limit=500: seen)
    report = schedule.tick()  # the other, late, finds it marked already
    assert (report.sent, report.late) == (0, 0)
    assert [n.state for n in schedule.notices(kind=NoticeKind.personal)] == [NoticeState.sent]


def test_what_is_due_comes_earliest_first_up_to_a_limit(demo: Core, clock: MovableClock) -> None:
    schedule = demo.services.calendar.schedule
    remind_ana(demo, (3, "third"), (1, "first"), (2, "second"), (4, "not yet"))
    clock.set(START + timedelta(hours=3))
    assert [n.text for n in schedule.due(clock.now())] == ["first", "second", "third"]
    assert [n.text for n in schedule.due(clock.now(), limit=2)] == ["first", "second"]


def test_the_planner_does_not_run_twice_at_one_moment(demo: Core, clock: MovableClock,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    schedule = demo.services.calendar.schedule
    runs: list[datetime] = []

    def plan() -> int:
        runs.append(clock.now())
        return 0

    monkeypatch.setattr(schedule, "plan", plan)
    schedule.tick()
    schedule.tick()  # another tick at the same moment (the scheduler's job ran twice)
    assert runs == [START]


def ana_reminders_due_with_broken_ones_refused(demo: Core, clock: MovableClock, monkeypatch: pytest.MonkeyPatch,
                                                texts: tuple[str, ...]) -> tuple[schedule_module.Schedule, int]:
    """Personal reminders of ana due now, one per text; handing over a batch holding a "broken" one fails."""
    schedule = demo.services.calendar.schedule
    ana = someone(demo, "ana").id or 0
    remind_ana(demo, *((1, text) for text in texts))
    enqueue = schedule.delivery.enqueue

    def refusing(outgoing: Any) -> int:
        outgoing = list(outgoing)
        if any("broken" in one.reply.text for one in outgoing):
            raise RuntimeError("cannot be written")
        return enqueue(outgoing)

    monkeypatch.setattr(schedule.delivery, "enqueue", refusing)
    clock.set(START + timedelta(hours=1))
    return schedule, ana


def test_a_tick_reads_batch_after_batch_and_notices_that_fail_hold_none_back(demo: Core, clock: MovableClock,
                                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(schedule_module, "BATCH", 3)
    schedule, ana = ana_reminders_due_with_broken_ones_refused(
        demo, clock, monkeypatch, ("a", "broken 1", "broken 2", "b", "c", "d"))
    report = schedule.tick()  # batches: a, broken 1, broken 2 | b | c | d (the broken two are skipped after once)
    assert (report.sent, report.failed) == (4, 2)
    assert sorted(n.text for n in schedule.pending_of(ana)) == ["broken 1", "broken 2"]  # tried at the next tick


def test_the_planner_says_how_many_notices_are_new_however_many_at_once(demo: Core) -> None:
    schedule = demo.services.calendar.schedule
    assert schedule.plan() == 0  # nobody subscribed
    values = {"title": "Daily call", "kind": "meeting", "start": "2026-03-02 10:00", "end": "2026-03-02 10:30",
              "time_zone": "Europe/Lisbon", "audience": "all", "language": "en", "rrule": "FREQ=DAILY"}
    event = demo.services.calendar.add_event(values, actor=someone(demo, "ivana"), language="en")
    subs = [demo.services.calendar.subscriptions.subscribe(where, "all", (7, 2, 1, 0), by=someone(demo, who))
            for where, who in ((LISBON, "ana"), (MONTREAL, "mireille"))]
    added = schedule.plan()  # four reminders a day for two months in two channels, and the campaign days: > 400
    planned = schedule.notices()
    assert added == len(planned) > 400 and len(of_event(demo, event)) > 400
    assert schedule.plan() == 0
    # Planned again one channel at a time (fewer than 400 rows each, one insert): nothing was left out of the big
    # insert, whose rows went in several statements.
    assert all(sum(1 for notice in planned if notice.subscription_id == sub.id) < 400 for sub in subs)
    assert [schedule.plan(subscriptions=[sub]) for sub in subs] == [0, 0]
    demo.services.calendar.cancel_event(event.id or 0, actor=someone(demo, "ivana"))  # all of them at once
    assert {state for _, _, state, _ in of_event(demo, event)} == {NoticeState.cancelled}


def test_a_subscription_plans_the_reminders_of_events_that_start_after_the_horizon(demo: Core) -> None:
    event = add_event(demo, "2026-05-15 10:00", "2026-05-15 11:00")  # nobody subscribed yet
    subscribe(demo, LISBON, "all", "14", "ana")
    # 14 days before 15 May is 1 May: within the horizon (2 May), though the event starts after it.
    assert [due for due, _ in useful(demo, event)] == [datetime(2026, 5, 1, 8, 0, tzinfo=UTC)]


def test_a_cluster_s_subscribers_get_its_events_only(demo: Core) -> None:
    everyone = add_event(demo, "2026-04-10 10:00", "2026-04-10 11:00", title="For everyone")
    values = {"title": "Anti-rumours academy", "kind": "academy", "start": "2026-04-20 10:00",
              "end": "2026-04-20 16:00", "time_zone": "Europe/Madrid", "audience": "cluster:anti-rumours",
              "language": "en"}
    academy = demo.services.calendar.add_event(values, actor=someone(demo, "ivana"), language="en")
    subscribe(demo, LISBON, "cluster:anti-rumours", "2", "ana")  # the events of March and April come first
    assert of_event(demo, everyone) == [] and [target for target, _, _, _ in of_event(demo, academy)] == [
        "city-lisbon"]


async def test_a_digest_due_while_the_bot_was_down_goes_out_late(demo: Core, clock: MovableClock) -> None:
    subscribe(demo, LISBON, "all", "0", "ana")
    clock.set(datetime(2026, 6, 1, 10, 0, tzinfo=UTC))  # June's was due at 08:00 UTC, beyond the horizon at first
    report = demo.services.calendar.schedule.tick()
    assert report.late >= 1 and ("2026-06-01", datetime(2026, 6, 1, 8, 0, tzinfo=UTC)) in digests(demo, "city-lisbon")
    [row] = [r for r in demo.services.delivery.store.rows() if r.item.startswith("digest:2026-06")]
    assert row.target == "console:local:city-lisbon" and not row.direct  # posted in the channel


def test_a_change_is_told_for_an_event_within_four_hundred_days_only(demo: Core) -> None:
    subscribe(demo, MONTREAL, "all", "2", "mireille")
    # 400 days after START (1 March 2026, 08:00 UTC) is 5 April 2027, 08:00 UTC.
    near = add_event(demo, "2027-04-05 08:00", "2027-04-05 09:00", title="Near")  # starts 07:00 UTC: within
    far = add_event(demo, "2027-04-05 10:00", "2027-04-05 11:00", title="Far")  # starts 09:00 UTC: beyond
    assert move_event(demo, near, "2027-04-05 08:30", "2027-04-05 09:00") == 1
    assert move_event(demo, far, "2027-04-05 10:30", "2027-04-05 11:00") == 0


def test_a_tick_whose_whole_batch_fails_ends(demo: Core, clock: MovableClock, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(schedule_module, "BATCH", 2)
    schedule, _ana = ana_reminders_due_with_broken_ones_refused(demo, clock, monkeypatch,
                                                                ("broken 1", "broken 2", "fine"))
    report = schedule.tick()  # nothing of the first batch could be handed over: the tick ends, not loops
    assert (report.sent, report.failed) == (0, 2)
