"""The survey tables' queries: surveys, their targets (with drafts) and their responses."""

from __future__ import annotations

import json
import random
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import delete, update
from sqlalchemy.engine import Engine
from sqlmodel import col, select

from bot.db import session_scope
from bot.errors import UserError
from bot.models import Delivery, DeliveryState, Survey, SurveyResponse, SurveyState, SurveyTarget
from bot.services.surveys.definitions import SurveyDef


def definition_of(survey: Survey) -> SurveyDef:
    """The definition a survey was opened with."""
    return SurveyDef.model_validate_json(survey.definition)


def city_key(city_id: int) -> str:
    return f"city:{city_id}"


def member_key(member_id: int) -> str:
    return f"member:{member_id}"


class SurveyStore:
    """Reading and writing surveys; every method is one short transaction."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    # ------------------------------------------------------------ surveys

    def add(self, survey: Survey, targets: Iterable[SurveyTarget]) -> Survey:
        with session_scope(self.engine) as session:
            session.add(survey)
            session.flush()
            assert survey.id is not None
            for target in targets:
                target.survey_id = survey.id
                session.add(target)
            session.flush()
            session.refresh(survey)
            return survey

    def get(self, survey_id: int) -> Survey | None:
        with session_scope(self.engine) as session:
            return session.get(Survey, survey_id)

    def find(self, reference: str) -> Survey | None:
        """A survey by its number (`3`, `#3`) or its definition's id (the latest opening of it)."""
        raw = reference.strip().lstrip("#")
        if raw.isascii() and raw.isdigit() and len(raw) < 10:
            return self.get(int(raw))
        with session_scope(self.engine) as session:
            return session.exec(
                select(Survey).where(Survey.definition_id == raw.lower()).order_by(col(Survey.id).desc())
            ).first()

    def running(self, definition_id: str) -> Survey | None:
        """The opening of `definition_id` that is scheduled or open, if any."""
        with session_scope(self.engine) as session:
            return session.exec(
                select(Survey).where(Survey.definition_id == definition_id, Survey.state != SurveyState.closed)
            ).first()

    def in_state(self, *states: SurveyState) -> list[Survey]:
        with session_scope(self.engine) as session:
            return list(session.exec(select(Survey).where(col(Survey.state).in_(states)).order_by(col(Survey.id))))

    def latest(self, limit: int = 20) -> list[Survey]:
        with session_scope(self.engine) as session:
            return list(session.exec(select(Survey).order_by(col(Survey.id).desc()).limit(limit)))

    def set_state(self, survey_id: int, state: SurveyState, *, when: SurveyState, **values: Any) -> bool:
        """Move the survey to `state` if it is in `when` (one process wins); returns whether it moved."""
        with session_scope(self.engine) as session:
            result = session.exec(
                update(Survey).where(col(Survey.id) == survey_id, col(Survey.state) == when)
                .values(state=state, **values)
            )
            return bool(result.rowcount)

    def update_survey(self, survey_id: int, **values: Any) -> None:
        with session_scope(self.engine) as session:
            session.exec(update(Survey).where(col(Survey.id) == survey_id).values(**values))

    # ------------------------------------------------------------ targets

    def targets(self, survey_id: int, *, answered: bool | None = None) -> list[SurveyTarget]:
        query = select(SurveyTarget).where(SurveyTarget.survey_id == survey_id).order_by(col(SurveyTarget.id))
        if answered is not None:
            query = query.where(SurveyTarget.answered == answered)
        with session_scope(self.engine) as session:
            return list(session.exec(query))

    def target(self, survey_id: int, key: str) -> SurveyTarget | None:
        with session_scope(self.engine) as session:
            return session.exec(
                select(SurveyTarget).where(SurveyTarget.survey_id == survey_id, SurveyTarget.target_key == key)
            ).first()

    def targets_of(self, keys: Iterable[str]) -> list[SurveyTarget]:
        """Every target named by one of `keys`, in any survey (a person's open surveys)."""
        wanted = list(keys)
        with session_scope(self.engine) as session:
            return list(session.exec(select(SurveyTarget).where(col(SurveyTarget.target_key).in_(wanted))))

    def save_draft(self, target_id: int, answers: dict[str, Any], *, by: int | None, at: datetime) -> None:
        with session_scope(self.engine) as session:
            session.exec(update(SurveyTarget).where(col(SurveyTarget.id) == target_id).values(
                draft=json.dumps(answers, ensure_ascii=False), draft_by=by, draft_at=at))

    def mark_chased(self, target_ids: list[int], days: int) -> None:
        if not target_ids:
            return
        with session_scope(self.engine) as session:
            session.exec(update(SurveyTarget).where(col(SurveyTarget.id).in_(target_ids))
                         .values(chased_for=days))

    def forget_targets(self, survey_id: int) -> int:
        """Delete every target of the survey (an anonymous survey at close: the last link to who answered)."""
        with session_scope(self.engine) as session:
            result = session.exec(delete(SurveyTarget).where(col(SurveyTarget.survey_id) == survey_id))
            return int(result.rowcount or 0)

    def forget_deliveries(self, survey_id: int) -> int:
        """Delete the survey's finished prompts and reminders (an anonymous survey at close): who was reminded
        when, and who no longer needed to be, would tell who answered. Rows still being sent are left."""
        finished = (DeliveryState.sent, DeliveryState.failed, DeliveryState.given_up)
        with session_scope(self.engine) as session:
            result = session.exec(delete(Delivery).where(
                col(Delivery.item).startswith(f"survey:{survey_id}:", autoescape=True),
                col(Delivery.state).in_(finished)))
            return int(result.rowcount or 0)

    # ------------------------------------------------------------ responses

    def shuffle_responses(self, survey_id: int, *, seed: bytes) -> None:
        """Deal the answers of the survey's responses out again in an order drawn from `seed` (an anonymous survey
        at close): a response's number no longer says when it came, nor whose it was."""
        with session_scope(self.engine) as session:
            rows = list(session.exec(select(SurveyResponse).where(SurveyResponse.survey_id == survey_id)
                                     .order_by(col(SurveyResponse.id))))
            answers = [row.answers for row in rows]
            random.Random(seed).shuffle(answers)
            for row, stored in zip(rows, answers, strict=True):
                row.answers = stored
                session.add(row)

    def record(self, survey: Survey, target: SurveyTarget, answers: dict[str, Any], *, member_id: int | None,
               city_id: int | None, now: datetime, edit: bool) -> SurveyResponse:
        """Store `target`'s answer in one transaction: a new response (only if the target has not answered in the
        meantime) or the edit of its response. The draft goes. `UserError` when a new answer finds one there."""
        assert survey.id is not None and target.id is not None
        anonymous = survey.anonymous
        stored = json.dumps(answers, ensure_ascii=False, sort_keys=True)
        with session_scope(self.engine) as session:
            current = session.get(SurveyTarget, target.id)
            if current is None:
                raise UserError("This survey is closed.")
            if edit and current.response_id is not None:
                response = session.get(SurveyResponse, current.response_id)
                if response is None:
                    raise UserError("This survey is closed.")
                response.answers = stored
                if not anonymous:
                    response.member_id, response.updated_at, response.city_id = member_id, now, city_id
                session.add(response)
            else:
                claimed = session.exec(
                    update(SurveyTarget).where(col(SurveyTarget.id) == target.id, col(SurveyTarget.answered).is_(False))
                    .values(answered=True)
                )
                if not claimed.rowcount:
                    raise UserError("This was answered meanwhile. Open it again to edit the answer.")
                response = SurveyResponse(survey_id=survey.id, answers=stored)
                if not anonymous:
                    response.member_id, response.city_id, response.submitted_at = member_id, city_id, now
                    response.updated_at = now
                session.add(response)
                session.flush()
            current = session.get(SurveyTarget, target.id)
            assert current is not None
            current.response_id = response.id
            current.draft = None
            current.draft_by = None
            current.draft_at = None
            if not anonymous:
                current.answered_by, current.answered_at = member_id, now
            session.add(current)
            session.flush()
            session.refresh(response)
            return response

    def responses(self, survey_id: int) -> list[SurveyResponse]:
        with session_scope(self.engine) as session:
            return list(session.exec(
                select(SurveyResponse).where(SurveyResponse.survey_id == survey_id).order_by(col(SurveyResponse.id))
            ))

    def response(self, response_id: int) -> SurveyResponse | None:
        with session_scope(self.engine) as session:
            return session.get(SurveyResponse, response_id)


def answers_of(text: str | None) -> dict[str, Any]:
    """Answers stored as JSON (a draft, a response); empty for none."""
    if not text:
        return {}
    try:
        data = json.loads(text)
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}
