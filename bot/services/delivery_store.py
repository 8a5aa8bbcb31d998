"""The delivery outbox's queries: enqueue many rows at once, claim one row, record what became of it."""

from __future__ import annotations

import json
import threading
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import dataclass, field, fields
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Table, and_, exists, func, or_, select, text, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Connection, Engine, RowMapping

from bot.db import is_postgres
from bot.messages import Button, ButtonStyle, Identity, Reply, Section
from bot.models.delivery import OPEN_STATES, Delivery, DeliveryState
from bot.richtext import (
    Broadcast,
    Code,
    Emoji,
    Inline,
    Link,
    Mention,
    MentionKind,
    Quote,
    RichText,
    Style,
    Styled,
    Verbatim,
)

TABLE: Table = Delivery.__table__  # type: ignore[attr-defined]
#: Rows per INSERT statement when many are enqueued at once (a broadcast: about 1,000).
CHUNK = 400
#: After enqueueing this many rows at once, PostgreSQL's planner statistics of the table are refreshed.
ANALYZE_AFTER = 100


# ---------------------------------------------------------------- the neutral reply, stored

#: The markup elements of rich text, by the name they are stored under.
_ELEMENTS: dict[str, type[Any]] = {kind.__name__: kind for kind in (Mention, Broadcast, Link, Code, Emoji, Styled,
                                                                     Quote, Verbatim)}


def _element(part: Inline) -> Any:
    if isinstance(part, str):
        return part
    stored: dict[str, Any] = {"element": type(part).__name__}
    for item in fields(part):
        value = getattr(part, item.name)
        stored[item.name] = [_element(inner) for inner in value] if isinstance(value, tuple) else value
    return stored


def _inline(stored: Any) -> Inline:
    if isinstance(stored, str):
        return stored
    values: dict[str, Any] = {name: tuple(_inline(inner) for inner in value) if isinstance(value, list) else value
                              for name, value in stored.items() if name != "element"}
    kind = _ELEMENTS[stored["element"]]
    if kind is Mention:
        values["kind"] = MentionKind(values["kind"])
    elif kind is Styled:
        values["style"] = Style(values["style"])
    element: Inline = kind(**values)
    return element


def _button(button: Button) -> dict[str, str]:
    return {"action_id": button.action_id, "label": button.label, "value": button.value, "style": button.style}


def _button_from(data: dict[str, Any]) -> Button:
    return Button(action_id=str(data["action_id"]), label=str(data.get("label", "")), value=str(data.get("value", "")),
                  style=ButtonStyle(data.get("style") or ButtonStyle.default))


def reply_payload(reply: Reply) -> str:
    """`reply` as JSON, to be stored and sent later (possibly by another process)."""
    return json.dumps({
        "text": reply.text,
        "sections": [{"text": s.text, "title": s.title, "buttons": [_button(b) for b in s.buttons]}
                     for s in reply.sections],
        "buttons": [_button(b) for b in reply.buttons],
        "in_thread_of": reply.in_thread_of,
        "allow_broadcast_mentions": reply.allow_broadcast_mentions,
        "rich": [_element(part) for part in reply.rich] if reply.rich is not None else None,
        "quiet": reply.quiet,
    }, ensure_ascii=False, separators=(",", ":"))


def reply_from_payload(payload: str) -> Reply:
    """The `Reply` stored by `reply_payload` (a delivery is never ephemeral: it goes where it is addressed)."""
    data = json.loads(payload)
    rich = data.get("rich")
    return Reply(
        text=str(data.get("text", "")),
        sections=[Section(text=str(s.get("text", "")), title=str(s.get("title", "")),
                          buttons=tuple(_button_from(b) for b in s.get("buttons") or ()))
                  for s in data.get("sections") or ()],
        buttons=[_button_from(b) for b in data.get("buttons") or ()],
        ephemeral=False,
        in_thread_of=data.get("in_thread_of"),
        allow_broadcast_mentions=bool(data.get("allow_broadcast_mentions", False)),
        rich=RichText(tuple(_inline(part) for part in rich)) if rich is not None else None,
        quiet=bool(data.get("quiet", False)),
    )


# ---------------------------------------------------------------- rows in and out


def target_name(target: Identity, *, direct: bool) -> str:
    """How a target is named in the outbox: `platform:workspace:id`, with `@` before a person's id."""
    return f"{target.platform}:{target.workspace}:{'@' if direct else ''}{target.id}"


@dataclass(frozen=True)
class Claim:
    """A delivery a sender holds: what to send where, and the claim that lets it record the outcome."""

    id: int
    item: str
    target: Identity
    direct: bool
    locale: str
    payload: str
    attempts: int
    maybe_sent: bool
    claimed_by: str
    created_at: datetime
    expires_at: datetime | None

    @property
    def key(self) -> str:
        """The key the platform sees (message metadata, nonce): unique per (item, target), the same on retries."""
        return f"{self.item}|{target_name(self.target, direct=self.direct)}"


@dataclass
class DeliveryReport:
    """Where the deliveries of one item are: counts per state, and each failure with its reason."""

    counts: Counter[str] = field(default_factory=Counter)
    failures: list[tuple[Identity, bool, str, str]] = field(default_factory=list)

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    @property
    def finished(self) -> bool:
        return not any(self.counts[state] for state in OPEN_STATES)


def aware(moment: datetime | None) -> datetime | None:
    """SQLite gives naive datetimes back: every stored time is UTC."""
    if moment is None or moment.tzinfo is not None:
        return moment
    return moment.replace(tzinfo=UTC)


def _claim(row: RowMapping) -> Claim:
    created = aware(row["created_at"])
    assert created is not None
    return Claim(
        id=row["id"], item=row["item"], target=Identity(row["platform"], row["workspace_id"], row["target_id"]),
        direct=bool(row["direct"]), locale=row["locale"], payload=row["payload"], attempts=row["attempts"],
        maybe_sent=bool(row["maybe_sent"]), claimed_by=row["claimed_by"], created_at=created,
        expires_at=aware(row["expires_at"]),
    )


def _waiting_behind() -> Any:
    """The row waits: an earlier delivery to the same target is still open (pending or being sent)."""
    earlier = TABLE.alias("earlier")
    return exists().where(earlier.c.target == TABLE.c.target, earlier.c.id < TABLE.c.id,
                          earlier.c.state.in_(list(OPEN_STATES)))


class DeliveryStore:
    """The `delivery` table. Every method is one short transaction, safe with several senders at once."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        # SQLite takes one writer at a time and makes the others sleep and retry: the threads of one process
        # queue here instead (PostgreSQL's writers do not wait for each other).
        self._writing: AbstractContextManager[Any] = nullcontext() if is_postgres(engine) else threading.Lock()

    @contextmanager
    def _write(self) -> Iterator[Connection]:
        with self._writing, self.engine.begin() as connection:
            yield connection

    def add(self, rows: Sequence[dict[str, Any]]) -> int:
        """Insert `rows` (column -> value); a row whose (item, target) is already there is skipped.

        Returns how many rows were new.
        """
        added = 0
        new_insert = pg_insert if is_postgres(self.engine) else sqlite_insert
        with self._write() as connection:
            for start in range(0, len(rows), CHUNK):
                chunk = rows[start:start + CHUNK]
                # The new rows' ids come back (a skipped row returns none): rowcount is not reliable here.
                statement = (new_insert(TABLE).values(chunk)
                             .on_conflict_do_nothing(index_elements=["item", "target"]).returning(TABLE.c.id))
                added += len(connection.execute(statement).all())
        if added >= ANALYZE_AFTER and is_postgres(self.engine):
            # Fresh statistics at once: planned on stale ones (an empty table), each claim among a thousand
            # new rows would scan them all for every candidate instead of hashing them once.
            with self._write() as connection:
                connection.execute(text("ANALYZE delivery"))
        return added

    def claim(self, *, now: datetime, worker: str, lease: timedelta, platforms: Iterable[str]) -> Claim | None:
        """Take the next delivery that is due, or None.

        Due: pending and its time has come, or `sending` under a claim whose lease ran out (its sender stopped
        mid-way: it may have posted, so the row comes back with `maybe_sent`). A delivery waits while an earlier
        one to the same target is still open, so each target gets its messages in order, one at a time.
        PostgreSQL: `FOR UPDATE SKIP LOCKED`, so senders never wait for each other nor take the same row;
        SQLite: the single UPDATE runs under the database's write lock.
        """
        wanted = sorted(set(platforms))
        if not wanted:
            return None
        due = or_(TABLE.c.state == DeliveryState.pending,
                  and_(TABLE.c.state == DeliveryState.sending, TABLE.c.lease_until < now))
        candidate = (
            select(TABLE.c.id)
            .where(TABLE.c.platform.in_(wanted), TABLE.c.next_attempt_at <= now, due, ~_waiting_behind())
            .order_by(TABLE.c.next_attempt_at, TABLE.c.id)
            .limit(1)
            .correlate(None)  # its own scan of the table, not the row being updated
        )
        if is_postgres(self.engine):
            candidate = candidate.with_for_update(skip_locked=True, of=TABLE)
        statement = (
            update(TABLE)
            .where(TABLE.c.id == candidate.scalar_subquery(), due)
            .values(
                state=DeliveryState.sending,
                # Taken over from a sender that stopped mid-way: its post may be out there.
                maybe_sent=or_(TABLE.c.maybe_sent, TABLE.c.state == DeliveryState.sending),
                claimed_by=worker,
                lease_until=now + lease,
                attempts=TABLE.c.attempts + 1,
                updated_at=now,
            )
            .returning(*TABLE.c)
        )
        with self._write() as connection:
            row = connection.execute(statement).mappings().first()
        return _claim(row) if row is not None else None

    def _finish(self, claim: Claim, now: datetime, **values: Any) -> bool:
        """Change the claimed row, only while this claim still holds it; returns whether it did."""
        statement = (
            update(TABLE)
            .where(TABLE.c.id == claim.id, TABLE.c.state == DeliveryState.sending,
                   TABLE.c.claimed_by == claim.claimed_by, TABLE.c.attempts == claim.attempts)
            .values(lease_until=None, updated_at=now, **values)
        )
        with self._write() as connection:
            return bool(connection.execute(statement).rowcount)

    def sent(self, claim: Claim, *, now: datetime, message_id: str) -> None:
        """The message is out."""
        values = {"state": DeliveryState.sent, "message_id": message_id[:64], "sent_at": now, "reason": "",
                  "detail": ""}
        if self._finish(claim, now, **values):
            return
        # Another sender took the row over (this one was too slow): the message is out all the same, and the
        # other sender finds it on the platform; whoever records first wins.
        with self._write() as connection:
            connection.execute(
                update(TABLE)
                .where(TABLE.c.id == claim.id, TABLE.c.state.in_(list(OPEN_STATES)))
                .values(lease_until=None, updated_at=now, **values)
            )

    def failed(self, claim: Claim, *, now: datetime, state: DeliveryState, reason: str, detail: str) -> None:
        """Refused for good (`failed`) or abandoned (`given_up`), with why."""
        self._finish(claim, now, state=state, reason=reason[:32], detail=detail[:500])

    def retry(self, claim: Claim, *, now: datetime, at: datetime, reason: str, detail: str, maybe_sent: bool) -> None:
        """Back to pending, to be tried again at `at`."""
        values: dict[str, Any] = {"state": DeliveryState.pending, "next_attempt_at": at, "reason": reason[:32],
                                  "detail": detail[:500]}
        if maybe_sent:
            values["maybe_sent"] = True
        self._finish(claim, now, **values)

    def release(self, *, worker: str, now: datetime) -> int:
        """Put the rows `worker` still holds back to pending, due now and marked as maybe sent (its process stops
        before it knows what became of them). Returns how many."""
        statement = (
            update(TABLE)
            .where(TABLE.c.state == DeliveryState.sending, TABLE.c.claimed_by == worker)
            .values(state=DeliveryState.pending, maybe_sent=True, claimed_by="", lease_until=None,
                    next_attempt_at=now, updated_at=now)
        )
        with self._write() as connection:
            return int(connection.execute(statement).rowcount or 0)

    def withdraw(self, *, item_prefix: str, targets: Sequence[str] | None, now: datetime, reason: str) -> int:
        """Give up the pending rows whose item starts with `item_prefix` (to `targets` only, when given): they are no
        longer wanted (a reminder to someone who has answered since). Rows being sent are left to finish."""
        if targets is not None and not targets:
            return 0
        condition = and_(TABLE.c.state == DeliveryState.pending,
                         TABLE.c.item.startswith(item_prefix, autoescape=True))
        if targets is not None:
            condition = and_(condition, TABLE.c.target.in_(list(targets)))
        statement = update(TABLE).where(condition).values(state=DeliveryState.given_up, reason=reason[:32],
                                                          detail="withdrawn", updated_at=now)
        with self._write() as connection:
            return int(connection.execute(statement).rowcount or 0)

    def next_due(self, *, platforms: Iterable[str]) -> datetime | None:
        """When the next delivery for `platforms` may be claimed (a pending row's time, or a lease's end)."""
        wanted = sorted(set(platforms))
        if not wanted:
            return None
        moment = func.min(func.coalesce(TABLE.c.lease_until, TABLE.c.next_attempt_at))
        with self.engine.connect() as connection:
            found = connection.execute(
                select(moment).where(TABLE.c.platform.in_(wanted), TABLE.c.state.in_(list(OPEN_STATES)),
                                     ~_waiting_behind())
            ).scalar()
        return aware(found)

    def report(self, item: str) -> DeliveryReport:
        """Counts per state and the failures of every delivery of `item`."""
        report = DeliveryReport()
        with self.engine.connect() as connection:
            for state, count in connection.execute(
                select(TABLE.c.state, func.count()).where(TABLE.c.item == item).group_by(TABLE.c.state)
            ):
                report.counts[str(DeliveryState(state))] = count
            for row in connection.execute(
                select(TABLE.c.platform, TABLE.c.workspace_id, TABLE.c.target_id, TABLE.c.direct, TABLE.c.state,
                       TABLE.c.reason)
                .where(TABLE.c.item == item, TABLE.c.state.in_([DeliveryState.failed, DeliveryState.given_up]))
                .order_by(TABLE.c.id)
            ):
                report.failures.append((Identity(row.platform, row.workspace_id, row.target_id), bool(row.direct),
                                        str(DeliveryState(row.state)), row.reason))
        return report

    def rows(self, item: str | None = None) -> list[Delivery]:
        """The stored deliveries (of `item`), in the order they were enqueued."""
        statement = select(TABLE)
        if item is not None:
            statement = statement.where(TABLE.c.item == item)
        with self.engine.connect() as connection:
            found = connection.execute(statement.order_by(TABLE.c.id)).mappings().all()
        return [Delivery.model_validate(dict(row)) for row in found]
