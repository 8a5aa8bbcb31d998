"""The schedule: reminders, monthly digests and personal reminders planned in a table, handed to delivery when due.

Every notice is a row (`Notice`) with a unique key, planned ahead from the events and the subscriptions (each
occurrence × offset × channel, at 09:00 in the channel's city's time zone, so DST is the zone's business, not
ours). A tick (the scheduler's job, every minute) hands what is due to the delivery outbox under the notice's
key, then marks it: two workers, a retry or a crash between the two steps never send twice (the outbox's key),
and nothing is lost (the row stays planned until it is handed over). After downtime, a notice still useful goes
out once, marked as late; one that is no longer useful is recorded as missed.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Engine
from sqlmodel import col, select

from bot.db import is_postgres, session_scope
from bot.errors import UserError
from bot.messages import Identity, Reply
from bot.models.calendar import CalendarEvent, EventStatus, Notice, NoticeKind, NoticeState, Subscription
from bot.services.calendar import texts
from bot.services.calendar.events import EventService, Happening, event_timing
from bot.services.calendar.recurrence import to_utc
from bot.services.calendar.subscriptions import Subscriptions, channel_of, covers, offsets_of
from bot.services.delivery import DeliveryService, Outgoing
from bot.services.delivery_store import aware

log = logging.getLogger(__name__)

#: Reminders and digests are posted at this local time of the channel's city.
REMIND_AT = time(9, 0)
#: Notices are planned this far ahead (the planner runs every hour: far more often than needed).
HORIZON = timedelta(days=62)
PLAN_EVERY = timedelta(hours=1)
#: Handed over later than this after its time, a notice says it is late.
LATE_AFTER = timedelta(minutes=15)
#: A personal reminder is still worth sending this long after its time; a digest, a few days.
PERSONAL_USEFUL = timedelta(hours=12)
DIGEST_USEFUL = timedelta(days=5)
#: Pending personal reminders one person may have.
MOST_PENDING = 50
#: Due notices read at once by a tick (it reads again while a whole batch was due).
BATCH = 500
TABLE: Any = Notice.__table__  # type: ignore[attr-defined]


@dataclass(frozen=True)
class Place:
    """Where a channel is: its city's time zone (or the network's) and the language(s) it reads."""

    tz: ZoneInfo
    locales: list[str]


@dataclass
class TickReport:
    """What one tick did: notices planned, handed over on time, late, recorded as missed, or failing."""

    planned: int = 0
    sent: int = 0
    late: int = 0
    missed: int = 0
    cancelled: int = 0
    #: Notices that could not be handed over this time (logged; tried again at the next tick).
    failed: int = 0


def first_working_day(year: int, month: int) -> date:
    """The first Monday-to-Friday of the month."""
    day = date(year, month, 1)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day


def _month_after(day: date) -> date:
    return date(day.year + (day.month == 12), day.month % 12 + 1, 1)


class Schedule:
    """Plans notices and hands the due ones to the delivery outbox."""

    def __init__(self, engine: Engine, *, events: EventService, subscriptions: Subscriptions,
                 delivery: DeliveryService, place: Callable[[Identity], Place], now: Callable[[], datetime]) -> None:
        self.engine = engine
        self.events = events
        self.subscriptions = subscriptions
        self.delivery = delivery
        self.place = place
        self.now = now
        self._planned_at: datetime | None = None

    # ------------------------------------------------------------ planning

    def _add(self, rows: list[dict[str, Any]]) -> int:
        if not rows:
            return 0
        new_insert = pg_insert if is_postgres(self.engine) else sqlite_insert
        added = 0
        with self.engine.begin() as connection:
            for start in range(0, len(rows), 400):
                statement = (new_insert(TABLE).values(rows[start:start + 400])
                             .on_conflict_do_nothing(index_elements=["key"]).returning(TABLE.c.id))
                added += len(connection.execute(statement).all())
        return added

    def plan(self, *, events: Iterable[CalendarEvent] | None = None,
             subscriptions: Iterable[Subscription] | None = None) -> int:
        """Plan the reminders and digests due within the horizon (those already planned are kept); returns how many
        are new."""
        return self._add(self._planned_rows(events=events, subscriptions=subscriptions))

    def _planned_rows(self, *, events: Iterable[CalendarEvent] | None,
                      subscriptions: Iterable[Subscription] | None) -> list[dict[str, Any]]:
        now = self.now()
        until = now + HORIZON
        subs = list(subscriptions) if subscriptions is not None else self.subscriptions.all()
        if not subs:
            return []
        longest = max((max(offsets_of(sub), default=0) for sub in subs), default=0)
        candidates = list(events) if events is not None else self.events.events(now, until + timedelta(days=longest))
        rows: list[dict[str, Any]] = []
        places: dict[Identity, Place] = {}
        for sub in subs:
            channel = channel_of(sub)
            place = places.setdefault(channel, self.place(channel))
            since = aware(sub.created_at) or now
            for event in candidates:
                if event.status is not EventStatus.confirmed or not covers(sub, event):
                    continue
                rows.extend(self._reminders(event, sub, channel, place, since, now, until))
        if events is None:
            for channel, place in places.items():
                first = min(aware(sub.created_at) or now for sub in subs if channel_of(sub) == channel)
                rows.extend(self._digests(channel, place, first, now, until))
        return rows

    def _reminders(self, event: CalendarEvent, sub: Subscription, channel: Identity, place: Place, since: datetime,
                   now: datetime, until: datetime) -> Iterable[dict[str, Any]]:
        offsets = offsets_of(sub)
        floor = max(since, aware(event.updated_at) or now)
        horizon_end = until + timedelta(days=max(offsets, default=0) + 1)
        for occurrence in event_timing(event).between(now - timedelta(days=1), horizon_end, limit=400):
            day = occurrence.day if occurrence.all_day else occurrence.start.astimezone(place.tz).date()
            for offset in offsets:
                due = to_utc(datetime.combine(day - timedelta(days=offset), REMIND_AT), place.tz)
                if due < floor or due > until:
                    continue
                if offset > 0:
                    useful = occurrence.start if not occurrence.all_day else to_utc(
                        datetime.combine(day, time(0)), place.tz)
                else:
                    useful = occurrence.end if not occurrence.all_day else to_utc(
                        datetime.combine(day + timedelta(days=1), time(0)), place.tz)
                yield self._row(NoticeKind.reminder, f"reminder:{event.id}:{occurrence.day}:{offset}:{channel}",
                                due, max(useful, due + timedelta(minutes=1)), channel, event_id=event.id,
                                occurrence=occurrence.day.isoformat(), offset_days=offset, subscription_id=sub.id)

    def _digests(self, channel: Identity, place: Place, since: datetime, now: datetime,
                 until: datetime) -> Iterable[dict[str, Any]]:
        month = date(now.year, now.month, 1)
        while True:
            day = first_working_day(month.year, month.month)
            due = to_utc(datetime.combine(day, REMIND_AT), place.tz)
            if due > until:
                return
            if due >= since:
                yield self._row(NoticeKind.digest, f"digest:{month:%Y-%m}:{channel}", due, due + DIGEST_USEFUL,
                                channel, occurrence=month.isoformat())
            month = _month_after(month)

    def _row(self, kind: NoticeKind, key: str, due: datetime, useful: datetime, target: Identity, *,
             direct: bool = False, **values: Any) -> dict[str, Any]:
        now = self.now()
        row = {"key": key[:200], "kind": kind.value, "state": NoticeState.planned.value, "due_at": due,
               "useful_until": useful, "platform": target.platform, "workspace_id": target.workspace,
               "target_id": target.id, "direct": direct, "event_id": None, "occurrence": "", "offset_days": 0,
               "subscription_id": None, "text": "", "locale": "en", "member_id": None, "created_at": now,
               "updated_at": now}
        row.update(values)
        return row

    # ------------------------------------------------------------ personal reminders

    def remind(self, *, member_id: int, target: Identity, direct: bool, text: str, locale: str,
               due: datetime) -> Notice:
        """Plan a personal reminder (`/remind`); it is sent once at `due`."""
        with session_scope(self.engine) as session:
            pending = len(list(session.exec(select(Notice.id).where(
                Notice.member_id == member_id, Notice.kind == NoticeKind.personal,
                Notice.state == NoticeState.planned))))
        if pending >= MOST_PENDING:
            raise UserError("You already have {n} reminders waiting; that is the most.", n=MOST_PENDING)
        key = f"remind:{uuid.uuid4().hex}"
        self._add([self._row(NoticeKind.personal, key, due, due + PERSONAL_USEFUL, target, direct=direct,
                             text=text, locale=locale, member_id=member_id)])
        with session_scope(self.engine) as session:
            notice = session.exec(select(Notice).where(Notice.key == key)).one()
        return notice

    def pending_of(self, member_id: int) -> list[Notice]:
        with session_scope(self.engine) as session:
            return list(session.exec(select(Notice).where(
                Notice.member_id == member_id, Notice.state == NoticeState.planned).order_by(col(Notice.due_at))))

    # ------------------------------------------------------------ changes

    def event_changed(self, event: CalendarEvent, *, tell: bool) -> int:
        """An event changed, moved or was cancelled: drop what was planned for it and is no longer due, tell each
        subscribed channel once (when `tell`), and plan again. Returns how many channels are told."""
        rows = self._planned_rows(events=[event], subscriptions=None)  # none for an event no longer confirmed
        # A reminder still due (the same day and offset: its key) stays planned; cancelled, it could not be
        # planned again under its key, and an event changed within its day would lose its reminders.
        still = {row["key"] for row in rows}
        with self.engine.begin() as connection:
            planned = connection.execute(select(TABLE.c.id, TABLE.c.key).where(
                TABLE.c.event_id == event.id, TABLE.c.state == NoticeState.planned.value)).all()
            gone = [notice_id for notice_id, key in planned if key not in still]
            for start in range(0, len(gone), 400):
                connection.execute(update(TABLE).where(TABLE.c.id.in_(gone[start:start + 400]))
                                   .values(state=NoticeState.cancelled.value, updated_at=self.now()))
        told = 0
        if tell:
            now = self.now()
            upcoming = next(iter(event_timing(event).between(now, now + timedelta(days=400), limit=1)), None)
            happening = Happening(event, upcoming) if upcoming is not None else None
            if upcoming is not None or event.status is EventStatus.cancelled:
                told = self._tell(event, happening)
        self._add(rows)
        return told

    def _tell(self, event: CalendarEvent, happening: Happening | None) -> int:
        outgoing = []
        for sub in self.subscriptions.all():
            if not covers(sub, event):
                continue
            channel = channel_of(sub)
            place = self.place(channel)
            reply = texts.change_reply(self.events, event, happening, place.locales, place.tz)
            outgoing.append(Outgoing(item=f"event-change:{event.id}:{event.sequence}", target=channel, reply=reply,
                                     locale=",".join(place.locales)[:16]))
        return self.delivery.enqueue(outgoing)

    # ------------------------------------------------------------ the tick

    def due(self, now: datetime, limit: int = BATCH) -> list[Notice]:
        with session_scope(self.engine) as session:
            return list(session.exec(select(Notice).where(
                Notice.state == NoticeState.planned, col(Notice.due_at) <= now,
            ).order_by(col(Notice.due_at), col(Notice.id)).limit(limit)))

    def tick(self) -> TickReport:
        """Plan ahead (every hour), then hand every due notice to the outbox. Safe to run in several processes."""
        report = TickReport()
        now = self.now()
        if self._planned_at is None or now - self._planned_at >= PLAN_EVERY or now < self._planned_at:
            report.planned = self.plan()
            self._planned_at = now
        failing: set[int | None] = set()
        while True:
            batch = self.due(now, BATCH)
            handed = False
            for notice in batch:
                if notice.id in failing:
                    continue
                try:
                    self._hand_over(notice, now, report)
                    handed = True
                except Exception:
                    # One notice that cannot be written (a broken event) holds none of the others back; it stays
                    # planned, is tried again at the next tick, and is recorded as missed once no longer useful.
                    log.exception("calendar: notice %s (due %s) could not be handed over", notice.key, notice.due_at)
                    failing.add(notice.id)
                    report.failed += 1
            if len(batch) < BATCH or not handed:
                return report

    def _hand_over(self, notice: Notice, now: datetime, report: TickReport) -> None:
        useful = aware(notice.useful_until)
        due = aware(notice.due_at)
        assert useful is not None and due is not None
        if now >= useful:
            log.warning("calendar: %s was due at %s and not sent before %s: recorded as missed", notice.key, due,
                        useful)
            if self._mark(notice, NoticeState.missed, now):
                report.missed += 1
            return
        late = now - due > LATE_AFTER
        target = Identity(notice.platform, notice.workspace_id, notice.target_id)
        reply, locale = self._compose(notice, target, late=late)
        if reply is None:
            if self._mark(notice, NoticeState.cancelled, now):
                report.cancelled += 1
            return
        # Handed over first, marked after: a crash between the two hands it over again, and the outbox's key
        # keeps it to one message.
        self.delivery.enqueue([Outgoing(item=notice.key, target=target, reply=reply, locale=locale,
                                        direct=notice.direct, expires_at=useful)])
        if self._mark(notice, NoticeState.late if late else NoticeState.sent, now):
            if late:
                report.late += 1
            else:
                report.sent += 1

    def _mark(self, notice: Notice, state: NoticeState, now: datetime) -> bool:
        with self.engine.begin() as connection:
            return bool(connection.execute(
                update(TABLE).where(TABLE.c.id == notice.id, TABLE.c.state == NoticeState.planned.value)
                .values(state=state.value, updated_at=now)).rowcount)

    def _compose(self, notice: Notice, target: Identity, *, late: bool) -> tuple[Reply | None, str]:
        if notice.kind is NoticeKind.personal:
            return texts.personal_reply(notice.text, notice.locale, notice.due_at, late=late), notice.locale
        place = self.place(target)
        locale = ",".join(place.locales)[:16]
        if notice.kind is NoticeKind.digest:
            month = date.fromisoformat(notice.occurrence)
            start = to_utc(datetime.combine(month, time(0)), place.tz)
            end = to_utc(datetime.combine(_month_after(month), time(0)), place.tz)
            subs = self.subscriptions.of_channel(target)
            happenings = [h for h in self.events.happenings(start, end, limit=100)
                          if any(covers(sub, h.event) for sub in subs)]
            return texts.digest_reply(self.events, happenings, month, place.locales, place.tz, late=late), locale
        event = self.events.get(notice.event_id or 0)
        if event is None or event.status is not EventStatus.confirmed:
            return None, locale
        day = date.fromisoformat(notice.occurrence)
        start = to_utc(datetime.combine(day, time(0)), event_timing(event).tz)
        found = next((o for o in event_timing(event).between(start, start + timedelta(days=1), limit=5)
                      if o.day == day), None)
        if found is None:
            return None, locale  # the event moved off that day: its new reminders are planned
        reply = texts.reminder_reply(self.events, Happening(event, found), notice.offset_days, place.locales,
                                     place.tz, late=late)
        return reply, locale

    def notices(self, *, kind: NoticeKind | None = None) -> list[Notice]:
        """Every notice (of `kind`), in due order (tests and the ICC team's checks)."""
        query = select(Notice).order_by(col(Notice.due_at), col(Notice.id))
        if kind is not None:
            query = query.where(Notice.kind == kind)
        with session_scope(self.engine) as session:
            return list(session.exec(query))
