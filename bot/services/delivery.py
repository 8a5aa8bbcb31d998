"""Delivery, exactly once: messages to people, channels and the ICC team go through an outbox and a sender.

Anything sent outside a conversation's own answer (a review outcome to a practice's author, a quota warning
to the ICC team, and later reminders, broadcasts, survey prompts, bridged messages) is enqueued here as one
row per (item, target) with a unique key: enqueueing it again does nothing. A sender (`run`, started by the
wiring in every process that has chats) claims the rows that are due one by one and sends them, concurrently
across targets but in order within one target, pacing itself per workspace. What the platform answers comes
back as a neutral `ChatError`: a rate limit is retried after the `Retry-After` it gave (later rows to that
target wait behind it), an outage is retried with growing pauses and given up after `max_attempts`, anything
else (not in the channel, channel gone, person gone, forbidden) is recorded as failed with its reason.

A sender that stops between claiming a row and recording the outcome (a crash, a deploy) leaves the row
`sending`; once its lease runs out another sender takes it over, knowing the message may already be out: the
chat's `KeyedPosting` ability (Discord's nonce, Slack's message metadata) makes sure it is not posted twice.
"""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.engine import Engine

from bot.messages import Identity, Reply
from bot.models.delivery import DeliveryState
from bot.ports import Chat, ChatError, Clock, KeyedPosting, SystemClock
from bot.services.delivery_store import (
    Claim,
    DeliveryReport,
    DeliveryStore,
    reply_from_payload,
    reply_payload,
    target_name,
)
from bot.services.members import MemberService

log = logging.getLogger(__name__)

#: Claims made side by side by one sender (each takes one row in its own transaction).
CLAIMS_AT_ONCE = 4
#: Seconds a shutdown out of time gives the sends it cancels to end (a client library may ignore cancellation).
CANCEL_GRACE = 1.0

#: Builds the message in a language (`"fr"` -> the French `Reply`); called once per language needed.
Compose = Callable[[str], Reply]
#: Sends a claimed delivery its own way (see `DeliveryService.route`): returns the platform's message id, and
#: raises `ChatError` as a chat does.
Sender = Callable[[Claim, Chat], Awaitable[str]]


@dataclass(frozen=True)
class Outgoing:
    """One delivery to enqueue: `reply` (already in `locale`) for `target`, a person when `direct`."""

    item: str
    target: Identity
    reply: Reply
    locale: str
    direct: bool = False
    expires_at: datetime | None = None
    #: What is stored instead of `reply` for an item sent by a routed sender (`DeliveryService.route`).
    payload: str | None = None


@dataclass(frozen=True)
class Outcome:
    """What one attempt came to: the platform's message id, or the platform's refusal."""

    message_id: str = ""
    error: ChatError | None = None


class Pacer:
    """Keeps sends under a rate per key (a workspace, or a whole platform), with a small burst, first come first
    served: each caller is given the next free slot when it asks (the generic cell rate algorithm), so a send
    never waits behind later ones, however many wait side by side.

    At most `burst + per_second` sends fall in any one second: 48 per second with a burst of 2 keeps to a limit
    of 50 per second however the second is counted.

    `monotonic` and `sleep` are the process's own by default; a test gives its own to move time by hand.
    """

    def __init__(self, *, burst: float = 2.0, monotonic: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], Awaitable[Any]] = asyncio.sleep) -> None:
        self.burst = burst
        self.monotonic = monotonic
        self.sleep = sleep
        self._next: dict[str, float] = {}  # key -> when the slot after the last one given is free (theoretical)

    async def wait(self, key: str, per_second: float) -> None:
        """Return when one more send under `key` keeps to `per_second` (at once when it already does)."""
        if per_second <= 0:
            return
        capacity = max(1.0, min(self.burst, per_second))
        interval = 1.0 / per_second
        now = self.monotonic()
        slot = max(self._next.get(key, now), now)
        self._next[key] = slot + interval
        allowed_at = slot - (capacity - 1) * interval
        if allowed_at > now:
            await self.sleep(allowed_at - now)


class DeliveryService:
    """The outbox of messages to people and conversations on every platform, and its sender."""

    def __init__(
        self,
        engine: Engine,
        members: MemberService,
        *,
        clock: Clock | None = None,
        worker: str | None = None,
        lease: timedelta = timedelta(seconds=90),
        concurrency: int = 32,
        max_attempts: int = 12,
        first_backoff: timedelta = timedelta(seconds=10),
        longest_backoff: timedelta = timedelta(minutes=15),
        poll_interval: float = 5.0,
        pacer: Pacer | None = None,
    ) -> None:
        self.store = DeliveryStore(engine)
        self.members = members
        self.clock = clock or SystemClock()
        #: Names this sender's claims (a process may run one; tests run two on one table).
        self.worker = worker or f"sender-{uuid.uuid4().hex[:12]}"
        self.lease = lease
        #: An attempt that takes longer is abandoned well before its lease ends, so that no other sender takes
        #: the row over while this one may still be posting it.
        self.attempt_timeout = lease.total_seconds() / 3
        self.concurrency = concurrency
        self.max_attempts = max_attempts
        self.first_backoff = first_backoff
        self.longest_backoff = longest_backoff
        self.poll_interval = poll_interval
        self.pacer = pacer or Pacer()
        self.chats: dict[str, Chat] = {}
        #: Item prefix -> the sender of those items (the bridge posts its copies under their authors' names).
        self.routes: dict[str, Sender] = {}
        self._wake = asyncio.Event()
        self._stop = asyncio.Event()
        self._stopped = asyncio.Event()
        self._running = False
        self._background: set[asyncio.Task[Any]] = set()
        #: platform -> (kicked, finished) of its sending loop while one is under way (`_run_due_on`).
        self._active: dict[str, tuple[asyncio.Event, asyncio.Future[None]]] = {}
        #: Whether the running sender is stopping (its `stop` event, or `stop()`).
        self._stopping: Callable[[], bool] = self._stop.is_set
        #: Every send under way in this process (a stopping sender lets them finish and record their outcome).
        self._sending: set[asyncio.Task[None]] = set()

    # ------------------------------------------------------------ set-up

    def attach_chat(self, chat: Chat) -> None:
        """Send the deliveries of `chat.platform` through `chat` (this process only claims those it can send)."""
        self.chats[chat.platform] = chat
        if self._running:
            self._wake.set()  # what waited for this platform can go now

    def route(self, prefix: str, sender: Sender) -> None:
        """Send the deliveries whose item starts with `prefix` through `sender` rather than as a `Reply`: their
        payload is the one given in `Outgoing.payload`. Order, retries, pacing and outcomes are the outbox's."""
        self.routes[prefix] = sender

    def detach_chat(self, chat: Chat) -> None:
        """`chat` is closing (its connection stops): claim no more of its platform's deliveries here."""
        if self.chats.get(chat.platform) is chat:
            del self.chats[chat.platform]

    # ------------------------------------------------------------ enqueueing

    def to_person(self, key: str, person: Identity, compose: Compose, *,
                  expires_at: datetime | None = None) -> bool:
        """Tell `person` by direct message, in their language; False when `key` was already theirs."""
        return self.to_people(key, [person], compose, expires_at=expires_at) == 1

    def to_people(self, key: str, people: Iterable[Identity], compose: Compose, *,
                  expires_at: datetime | None = None) -> int:
        """Tell each of `people` (a survey's 280 coordinators) in their own language; returns how many were new."""
        locales = self.members.locales_of(people)
        made = _composer(compose)
        return self.enqueue(Outgoing(item=key, target=person, reply=made(locale), locale=locale, direct=True,
                                     expires_at=expires_at) for person, locale in locales.items())

    def to_channel(self, key: str, channel: Identity, compose: Compose, locale: str | None = None, *,
                   expires_at: datetime | None = None) -> bool:
        """Post in `channel`, in `locale` (the network's language when None); False when already enqueued."""
        return self.to_channels(key, [channel], compose, locale, expires_at=expires_at) == 1

    def to_channels(self, key: str, channels: Iterable[Identity], compose: Compose, locale: str | None = None, *,
                    locales: Mapping[Identity, str] | None = None, expires_at: datetime | None = None) -> int:
        """Post in each of `channels` (a broadcast's 1,000), each in `locales[channel]`, else `locale`, else the
        network's language; returns how many were new."""
        default = locale or self.members.default_locale
        made = _composer(compose)
        return self.enqueue(
            Outgoing(item=key, target=channel, reply=made(chosen), locale=chosen, expires_at=expires_at)
            for channel in dict.fromkeys(channels)
            for chosen in [(locales or {}).get(channel) or default]
        )

    def to_icc_team(self, key: str, compose: Compose, *, expires_at: datetime | None = None) -> int:
        """Tell everyone on the ICC team, on every platform where they are, each in their language."""
        return self.to_people(key, self.members.icc_team(), compose, expires_at=expires_at)

    def enqueue(self, outgoing: Iterable[Outgoing]) -> int:
        """Add deliveries in one go (already there for the same item and target: skipped); returns how many were
        new. Call `kick` afterwards to have them sent at once rather than at the sender's next look."""
        now = self.clock.now()
        rows = [
            {
                "item": one.item[:200], "target": target_name(one.target, direct=one.direct),
                "platform": one.target.platform, "workspace_id": one.target.workspace, "target_id": one.target.id,
                "direct": one.direct, "locale": one.locale,
                "payload": one.payload if one.payload is not None else reply_payload(one.reply),
                "state": DeliveryState.pending, "reason": "", "detail": "", "attempts": 0, "maybe_sent": False,
                "next_attempt_at": now, "claimed_by": "", "lease_until": None, "expires_at": one.expires_at,
                "message_id": "", "created_at": now, "updated_at": now, "sent_at": None,
            }
            for one in outgoing
        ]
        return self.store.add(rows) if rows else 0

    def withdraw(self, item_prefix: str, people: Iterable[Identity] | None = None, *, reason: str = "withdrawn") -> int:
        """Stop the deliveries not sent yet whose item starts with `item_prefix` (to those `people` by direct
        message only, when given): a survey reminder to a city that has answered since. Returns how many."""
        targets = None if people is None else [target_name(person, direct=True) for person in people]
        return self.store.withdraw(item_prefix=item_prefix, targets=targets, now=self.clock.now(), reason=reason)

    def report(self, item: str) -> DeliveryReport:
        """Where the deliveries of `item` are: sent, pending, failed with their reasons."""
        return self.store.report(item)

    # ------------------------------------------------------------ sending

    def kick(self) -> None:
        """New rows are waiting: they are claimed at once, by the platform's sending loop when one is under way
        (however busy the other platforms are), else by one started in the background."""
        for kicked, _ in self._active.values():
            kicked.set()
        if self._running:
            self._wake.set()
            if all(platform in self._active for platform in self.chats):
                return
        task = asyncio.ensure_future(self._background_round(self._stopping if self._running else None))
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    async def _background_round(self, stopping: Callable[[], bool] | None) -> None:
        try:
            await self.run_due(stopping)
        except Exception:
            log.exception("delivery: a round of sending failed; what is due goes at the next look")

    async def run(self, stop: asyncio.Event | None = None) -> None:
        """Send what is due, then wait for a kick, the next due time or `poll_interval`; until `stop` is set
        (or `stop()` is called). Sends under way are finished before it returns.

        Rows enqueued by other processes are seen at the next look (at most `poll_interval` seconds later).
        """
        stop = stop or self._stop
        self._stopping = lambda: stop.is_set() or self._stop.is_set()
        self._stop.clear()
        self._stopped.clear()
        self._running = True
        try:
            while not stop.is_set():
                self._wake.clear()
                worked = 0
                try:
                    worked = await self.run_due(self._stopping)
                except Exception:
                    log.exception("delivery: a round of sending failed; trying again shortly")
                await _first_of(self._wake, stop, self._stop, timeout=self._idle_seconds(worked))
                if self._stop.is_set():
                    break
        finally:
            self._running = False
            # Stopped or cancelled (a shutdown): what is being sent is sent and recorded, nothing new is claimed.
            if self._sending:
                await asyncio.wait(list(self._sending))
            self._stopped.set()

    async def stop(self) -> None:
        """Stop the running sender (shutdown): no new claims; returns once the sends under way are recorded.

        What is still pending stays in the outbox for the next process.
        """
        if not self._running:
            return
        self._stop.set()
        await self._stopped.wait()

    @property
    def sending(self) -> int:
        """How many deliveries this process is sending now."""
        return len(self._sending)

    async def abandon(self) -> int:
        """At the end of a shutdown that ran out of time: cancel the sends still under way and put every row this
        sender holds back to pending, marked as maybe sent (the next sender checks on the platform before posting
        again). Returns how many rows went back."""
        sending = list(self._sending)
        for task in sending:
            task.cancel()
        if sending:
            await asyncio.wait(sending, timeout=CANCEL_GRACE)
        returned = await asyncio.to_thread(self.store.release, worker=self.worker, now=self.clock.now())
        if returned:
            log.warning("delivery: %d deliveries claimed but not sent went back to pending", returned)
        return returned

    def _idle_seconds(self, worked: int) -> float:
        try:
            due = self.store.next_due(platforms=self.chats)
        except Exception:
            log.exception("delivery: cannot read when the next delivery is due")
            return self.poll_interval
        if due is None:
            return self.poll_interval
        wait = (due - self.clock.now()).total_seconds()
        # Something due that this round could not take (another sender holds it): look again soon, not at once.
        floor = 0.0 if worked else 0.2
        return min(self.poll_interval, max(floor, wait))

    async def run_due(self, stopping: Callable[[], bool] | None = None) -> int:
        """Send every delivery due now; returns how many attempts were made.

        Each platform has its own `concurrency` sends in flight, so that one platform's pace (or a slow answer)
        never holds another's deliveries back. Returns once nothing more can be claimed and nothing is in flight
        (or, once `stopping()` is true, when the sends under way are done). Tests call it (or `drain`) after
        moving their clock, instead of `run`.
        """
        done = await asyncio.gather(*(self._run_due_on(platform, stopping) for platform in list(self.chats)))
        return sum(done)

    async def _run_due_on(self, platform: str, stopping: Callable[[], bool] | None) -> int:
        active = self._active.get(platform)
        if active is not None:  # the platform's loop is under way: it takes the new rows; wait for it
            active[0].set()
            await asyncio.shield(active[1])
            return 0
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        kicked = asyncio.Event()
        self._active[platform] = (kicked, done)
        try:
            return await self._send_due_on(platform, stopping, kicked)
        finally:
            del self._active[platform]
            done.set_result(None)

    async def _send_due_on(self, platform: str, stopping: Callable[[], bool] | None, kicked: asyncio.Event) -> int:
        attempted = 0
        in_flight: set[asyncio.Task[None]] = set()
        failure: BaseException | None = None  # a claim that failed (the database): no more claims this round
        while True:
            kicked.clear()
            while (len(in_flight) < self.concurrency and failure is None
                   and not (stopping is not None and stopping())):
                # Each claim takes one row; a few run side by side (each its own transaction), so that claiming
                # keeps up with sending when a thousand rows are due at once.
                wanted = min(self.concurrency - len(in_flight), CLAIMS_AT_ONCE)
                claims = await asyncio.gather(*(asyncio.to_thread(self.claim, platform) for _ in range(wanted)),
                                              return_exceptions=True)
                # The rows the other claims took are sent even when one claim failed: dropped, they would wait
                # for their lease to end.
                failure = next((claim for claim in claims if isinstance(claim, BaseException)), None)
                for claim in claims:
                    if isinstance(claim, Claim):
                        attempted += 1
                        task = asyncio.create_task(self._process(claim))
                        in_flight.add(task)
                        self._sending.add(task)
                        task.add_done_callback(self._sending.discard)
                if None in claims:
                    break
            if not in_flight:
                if failure is not None:
                    raise failure
                if kicked.is_set() and not (stopping is not None and stopping()):
                    continue  # rows enqueued while claiming
                return attempted
            # A finished row may let the next one to its target go, and a kick brings new rows: claim again.
            waiter = asyncio.ensure_future(kicked.wait())
            finished, _ = await asyncio.wait({*in_flight, waiter}, return_when=asyncio.FIRST_COMPLETED)
            waiter.cancel()
            in_flight -= finished

    async def drain(self) -> None:
        """Send everything due now and wait for background sends (tests, shutdown of a console)."""
        while self._background:
            await asyncio.gather(*list(self._background), return_exceptions=True)
        await self.run_due()

    def claim(self, platform: str | None = None) -> Claim | None:
        """Claim the next due delivery for `platform` (else any platform this process can reach), or None."""
        platforms = [platform] if platform is not None else list(self.chats)
        return self.store.claim(now=self.clock.now(), worker=self.worker, lease=self.lease, platforms=platforms)

    async def _process(self, claim: Claim) -> None:
        try:
            if claim.expires_at is not None and self.clock.now() > claim.expires_at:
                await asyncio.to_thread(self.store.failed, claim, now=self.clock.now(), state=DeliveryState.given_up,
                                        reason="expired", detail="not sent before it expired")
                return
            outcome = await self.attempt(claim)
            await asyncio.to_thread(self.record, claim, outcome)
        except Exception:
            # The row stays claimed; when its lease ends it is taken over (and checked on the platform first).
            log.exception("delivery %s to %s: could not record what happened", claim.item, claim.target)

    async def attempt(self, claim: Claim) -> Outcome:
        """Send one claimed delivery; never raises (what went wrong is in the outcome)."""
        chat = self.chats.get(claim.target.platform)
        if chat is None:
            return Outcome(error=ChatError(ChatError.UNAVAILABLE, detail=f"no {claim.target.platform} connection"))
        sender = next((send for prefix, send in self.routes.items() if claim.item.startswith(prefix)), None)
        reply = reply_from_payload(claim.payload) if sender is None else None
        capabilities = chat.capabilities
        scope = "*" if capabilities.posts_counted_per_platform else claim.target.workspace
        try:
            # The turn is waited for within the attempt's time too: a send still waiting when its claim could be
            # taken over would be posted twice (the next sender finds nothing posted yet).
            async with asyncio.timeout(self.attempt_timeout):
                await self.pacer.wait(f"{claim.target.platform}:{scope}", capabilities.posts_per_second)
        except TimeoutError:
            return Outcome(error=ChatError(ChatError.RATE_LIMITED, retry_after=0.0,
                                           detail="waited too long for its turn"))
        try:
            async with asyncio.timeout(self.attempt_timeout):
                if reply is None:
                    assert sender is not None
                    message_id = await sender(claim, chat)
                elif isinstance(chat, KeyedPosting):
                    message_id = await chat.post_keyed(claim.target, reply, key=claim.key, direct=claim.direct,
                                                       maybe_sent=claim.maybe_sent, since=claim.created_at)
                elif claim.direct:
                    message_id = await chat.direct_message(claim.target, reply)
                else:
                    message_id = await chat.post(claim.target, reply)
        except ChatError as exc:
            return Outcome(error=exc)
        except TimeoutError:
            return Outcome(error=ChatError(ChatError.UNAVAILABLE, detail="no answer in time", maybe_sent=True))
        except Exception as exc:
            log.exception("delivery %s to %s: unexpected error", claim.item, claim.target)
            return Outcome(error=ChatError(ChatError.UNAVAILABLE, detail=repr(exc)[:300], maybe_sent=True))
        return Outcome(message_id=str(message_id or ""))

    def record(self, claim: Claim, outcome: Outcome) -> None:
        """Store what became of a claimed delivery: sent, to be retried, failed for good or given up."""
        now = self.clock.now()
        error = outcome.error
        if error is None:
            self.store.sent(claim, now=now, message_id=outcome.message_id)
            return
        if not error.retriable:
            log.info("delivery %s to %s failed: %s %s", claim.item, claim.target, error.kind, error.detail)
            self.store.failed(claim, now=now, state=DeliveryState.failed, reason=error.kind, detail=error.detail)
            return
        if claim.attempts >= self.max_attempts:
            log.warning("delivery %s to %s given up after %d attempts: %s", claim.item, claim.target,
                        claim.attempts, error.kind)
            self.store.failed(claim, now=now, state=DeliveryState.given_up, reason=error.kind, detail=error.detail)
            return
        if error.kind == ChatError.RATE_LIMITED:
            delay = timedelta(seconds=error.retry_after if error.retry_after is not None else 1.0)
        else:
            delay = min(self.longest_backoff, self.first_backoff * 2 ** max(0, claim.attempts - 1))
        maybe_sent = error.maybe_sent or error.kind == ChatError.UNAVAILABLE
        self.store.retry(claim, now=now, at=now + delay, reason=error.kind, detail=error.detail,
                         maybe_sent=maybe_sent)


def _composer(compose: Compose) -> Compose:
    """`compose`, called once per language however many targets read it."""
    made: dict[str, Reply] = {}

    def once(locale: str) -> Reply:
        if locale not in made:
            made[locale] = compose(locale)
        return made[locale]

    return once


async def _first_of(*events: asyncio.Event, timeout: float) -> None:
    """Wait until one of `events` is set, or `timeout` seconds."""
    waiters = [asyncio.ensure_future(event.wait()) for event in events]
    try:
        await asyncio.wait(waiters, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for waiter in waiters:
            waiter.cancel()
