"""Forms submitted twice are recorded once: the first answer to each filled-in form, kept for a day.

A form comes back with a key its platform gives it (`FormSubmitted.idempotency_key`). Before the form's handler
runs, the dispatcher claims the key with an insert that the table's unique constraint lets through once: a second
submission of the same form (the person pressed Send again because the first answer never reached them, or two
web processes got it at the same instant) finds the claim and gets the first answer instead of a second record.
A claim whose process died before answering is taken over after `lease`; answers are forgotten after `keep`.
"""

from __future__ import annotations

import enum
import logging
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from sqlalchemy import delete, update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select

from bot.db import session_scope
from bot.messages import Button, ButtonStyle, Identity, Reply, Section
from bot.models.submissions import FormSubmission
from bot.ports import Clock, SystemClock

log = logging.getLogger(__name__)

KEY_LIMIT = 128


class ClaimState(enum.StrEnum):
    #: First time: run the form's handler, then `record` its answer (or `release` the claim).
    new = "new"
    #: Sent before and answered: `answer` is what the person was told.
    answered = "answered"
    #: Sent before and still being recorded (by another request, maybe another process).
    running = "running"


@dataclass(frozen=True)
class Claim:
    """What a submission's key says: run it, answer it as before, or wait for the run in progress."""

    state: ClaimState
    id: int = 0
    attempt: int = 0
    answer: list[Reply] = field(default_factory=list)


class FormSubmissions:
    """The `form_submission` table: one row per (person, form, key)."""

    def __init__(self, engine: Engine, *, clock: Clock | None = None, keep: timedelta = timedelta(days=1),
                 lease: timedelta = timedelta(minutes=2), prune_every: int = 200) -> None:
        self.engine = engine
        self.clock = clock or SystemClock()
        self.keep = keep
        self.lease = lease
        self.prune_every = prune_every
        self._claims = 0

    def claim(self, actor: Identity, form_id: str, key: str, *, again: bool = True) -> Claim:
        """Claim `key` for `actor`'s form `form_id`; the unique constraint decides who runs it."""
        if self._claims % self.prune_every == 0:  # the first claim of a process, then every `prune_every`
            self.prune()
        self._claims += 1
        now = self.clock.now()
        row = FormSubmission(platform=actor.platform[:16], workspace_id=actor.workspace[:64], user_id=actor.id[:64],
                             form_id=form_id[:64], submission_key=key[:KEY_LIMIT], received_at=now)
        try:
            with session_scope(self.engine) as session:
                session.add(row)
                session.flush()
                assert row.id is not None
                return Claim(ClaimState.new, row.id, row.attempt)
        except IntegrityError:
            pass  # sent before: what became of it decides
        with session_scope(self.engine) as session:
            found = session.exec(
                select(FormSubmission).where(
                    FormSubmission.platform == row.platform, FormSubmission.workspace_id == row.workspace_id,
                    FormSubmission.user_id == row.user_id, FormSubmission.form_id == row.form_id,
                    FormSubmission.submission_key == row.submission_key,
                )
            ).first()
        if found is None or found.id is None:  # released or pruned in between: claim it afresh
            if again:
                return self.claim(actor, form_id, key, again=False)
            return Claim(ClaimState.running)
        age = now - _aware(found.received_at, now)
        if found.answer is not None and age <= self.keep:
            return Claim(ClaimState.answered, found.id, found.attempt, replies_from_json(found.answer))
        if found.answer is None and age <= self.lease:
            return Claim(ClaimState.running, found.id, found.attempt)
        # An answer older than a day, or a claim whose process died: take it over, once (the attempt decides).
        with session_scope(self.engine) as session:
            taken = session.exec(
                update(FormSubmission)
                .where(col(FormSubmission.id) == found.id, col(FormSubmission.attempt) == found.attempt)
                .values(attempt=found.attempt + 1, answer=None, received_at=now)
            )
        if taken.rowcount == 1:
            log.info("form %s of %s: an abandoned or day-old submission is recorded again", form_id, actor)
            return Claim(ClaimState.new, found.id, found.attempt + 1)
        return Claim(ClaimState.running, found.id, found.attempt + 1)

    def answer_of(self, claim: Claim) -> list[Reply] | None:
        """The answer recorded for `claim` since, if any."""
        with session_scope(self.engine) as session:
            found = session.get(FormSubmission, claim.id)
            return replies_from_json(found.answer) if found is not None and found.answer is not None else None

    def record(self, claim: Claim, replies: list[Reply]) -> None:
        """The form was recorded and answered so: later submissions of it get this answer."""
        with session_scope(self.engine) as session:
            session.exec(
                update(FormSubmission)
                .where(col(FormSubmission.id) == claim.id, col(FormSubmission.attempt) == claim.attempt)
                .values(answer=replies_to_json(replies))
            )

    def release(self, claim: Claim) -> None:
        """Nothing was recorded (an error the person can correct): the same form may be sent again."""
        with session_scope(self.engine) as session:
            session.exec(
                delete(FormSubmission)
                .where(col(FormSubmission.id) == claim.id, col(FormSubmission.attempt) == claim.attempt)
            )

    def prune(self) -> int:
        """Forget submissions older than `keep`; returns how many."""
        cutoff = self.clock.now() - self.keep
        with session_scope(self.engine) as session:
            result = session.exec(
                delete(FormSubmission).where(col(FormSubmission.received_at) < cutoff)
            )
            return int(result.rowcount or 0)


def _aware(moment: Any, like: Any) -> Any:
    """SQLite gives datetimes back without their time zone: read them as UTC, like the clock's."""
    if moment.tzinfo is None and like.tzinfo is not None:
        return moment.replace(tzinfo=like.tzinfo)
    return moment


# ---------------------------------------------------------------- answers as JSON


def _button_to_json(button: Button) -> dict[str, Any]:
    return {"action_id": button.action_id, "label": button.label, "value": button.value, "style": button.style.value}


def _button_from_json(data: dict[str, Any]) -> Button:
    return Button(action_id=str(data["action_id"]), label=str(data["label"]), value=str(data.get("value", "")),
                  style=ButtonStyle(data.get("style", ButtonStyle.default.value)))


def replies_to_json(replies: list[Reply]) -> list[dict[str, Any]]:
    """Replies as JSON (their plain text: a form's answer carries no rich text of someone else's message)."""
    return [
        {
            "text": reply.text,
            "sections": [{"title": s.title, "text": s.text, "buttons": [_button_to_json(b) for b in s.buttons]}
                         for s in reply.sections],
            "buttons": [_button_to_json(b) for b in reply.buttons],
            "ephemeral": reply.ephemeral,
            "in_thread_of": reply.in_thread_of,
        }
        for reply in replies
    ]


def replies_from_json(data: list[dict[str, Any]]) -> list[Reply]:
    return [
        Reply(
            text=str(item.get("text", "")),
            sections=[Section(text=str(s.get("text", "")), title=str(s.get("title", "")),
                              buttons=tuple(_button_from_json(b) for b in s.get("buttons", [])))
                      for s in item.get("sections", [])],
            buttons=[_button_from_json(b) for b in item.get("buttons", [])],
            ephemeral=bool(item.get("ephemeral", True)),
            in_thread_of=item.get("in_thread_of"),
        )
        for item in data
    ]
