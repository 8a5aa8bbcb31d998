"""Events in every catalogue language: the translation engine translates titles and descriptions, stored per event.

An event is translated when it is added or its text changes, in the background (nobody waits for DeepL), and the
events still missing a language are caught up later by the scheduler: until then the original is shown.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy.engine import Engine
from sqlmodel import col, select

from bot.db import session_scope
from bot.models.calendar import CalendarEvent, EventStatus, EventTranslation
from bot.services.calendar.events import DESCRIPTION_LIMIT, TITLE_LIMIT
from bot.settings import SUPPORTED_LOCALES

if TYPE_CHECKING:
    from bot.services.translation import TranslationEngine

log = logging.getLogger(__name__)

#: Events further ahead than this are translated when they come closer (an import of 10,000 costs nothing now).
AHEAD = timedelta(days=400)


class EventTranslations:
    """Translates events with the engine `engine()` gives (None: no translator configured)."""

    def __init__(self, database: Engine, *, engine: Callable[[], TranslationEngine | None],
                 now: Callable[[], datetime]) -> None:
        self.database = database
        self.engine = engine
        self.now = now

    def missing(self, event: CalendarEvent) -> list[str]:
        """The catalogue languages the event is not yet in (or was in before its text changed)."""
        with session_scope(self.database) as session:
            done = set(session.exec(select(EventTranslation.language).where(EventTranslation.event_id == event.id)))
        return [code for code in SUPPORTED_LOCALES if code != event.language and code not in done]

    async def translate(self, event_id: int) -> int:
        """Translate the event into the languages it misses; returns how many were stored."""
        engine = self.engine()
        if engine is None:
            return 0
        from bot.services.translation.languages import target_code

        with session_scope(self.database) as session:
            event = session.get(CalendarEvent, event_id)
        if event is None:
            return 0
        languages = self.missing(event)
        if not languages:
            return 0
        targets = [target_code(code) for code in languages]
        title, description = await asyncio.gather(
            engine.translate_text(event.title, targets=targets, source=event.language, scope="calendar"),
            engine.translate_text(event.description, targets=targets, source=event.language, scope="calendar")
            if event.description else _nothing(),
        )
        stored = 0
        with session_scope(self.database) as session:
            current = session.get(CalendarEvent, event_id)
            if current is None or current.sequence != event.sequence:
                return 0  # changed meanwhile: the next round translates the new text
            for code, target in zip(languages, targets, strict=True):
                translated = title.plain(target, event.title)
                text = description.plain(target, event.description) if description is not None else ""
                if translated is None or text is None:
                    continue  # paused or refused: asked again at the next catch-up
                session.add(EventTranslation(event_id=event_id, language=code, title=translated[:TITLE_LIMIT],
                                             description=text[:DESCRIPTION_LIMIT], machine=True,
                                             sequence=event.sequence))
                stored += 1
        return stored

    def changed(self, event_id: int) -> None:
        """An event was added or its text changed: translate it in the background."""
        engine = self.engine()
        if engine is not None and engine.translator is not None:
            engine.spawn(self.translate(event_id))

    async def catch_up(self, *, limit: int = 100) -> int:
        """Translate the coming events that still miss a language (after a DeepL pause, an import)."""
        engine = self.engine()
        if engine is None or engine.translator is None:
            return 0
        now = self.now()
        with session_scope(self.database) as session:
            events = list(session.exec(
                select(CalendarEvent).where(CalendarEvent.status == EventStatus.confirmed,
                                            col(CalendarEvent.starts_at) < now + AHEAD)
                .order_by(col(CalendarEvent.starts_at))
            ))
        total = done = 0
        for event in events:
            if event.id is None or event.ends_at is not None and event.ends_at < now or not self.missing(event):
                continue
            total += await self.translate(event.id)
            done += 1
            if done >= limit:
                break
        return total


async def _nothing() -> None:
    return None
