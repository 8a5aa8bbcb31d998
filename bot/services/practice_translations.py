"""Published practices in every catalogue language: the translation engine translates, the practices service stores.

A practice's title and summary are translated when it is published, and published practices that still miss
a language are caught up later (at start, and by the scheduler). Translations are stored through
`PracticeService.add_translation`, which checks them and keeps the search index up to date, so a practice can
be read and found in every language, and its English version is ready for the ICC team.
"""

from __future__ import annotations

import asyncio
import logging

from sqlalchemy import func
from sqlmodel import col, select

from bot.db import session_scope
from bot.errors import UserError
from bot.models.practices import Practice, PracticeStatus, PracticeTranslation
from bot.services.practices import PracticeService
from bot.services.translation.engine import TranslationEngine
from bot.services.translation.languages import base, target_code
from bot.settings import SUPPORTED_LOCALES

log = logging.getLogger(__name__)


class PracticeTranslations:
    """Translates published practices with `engine` and stores them with `practices`."""

    def __init__(self, practices: PracticeService, engine: TranslationEngine) -> None:
        self.practices = practices
        self.engine = engine

    async def translate(self, practice_id: int) -> int:
        """Translate a practice's title and summary into every catalogue language it misses; returns how many
        translations were stored (languages already stored are not asked for again)."""
        with session_scope(self.practices.engine) as session:
            practice = session.get(Practice, practice_id)
            if practice is None:
                return 0
            existing = set(session.exec(select(PracticeTranslation.language)
                                        .where(PracticeTranslation.practice_id == practice_id)))
        source = base(practice.language)
        languages = [code for code in SUPPORTED_LOCALES if code != source and code not in existing]
        if not languages:
            return 0
        targets = [target_code(code) for code in languages]
        title, summary = await asyncio.gather(
            self.engine.translate_text(practice.title, targets=targets, source=source, scope="practices"),
            self.engine.translate_text(practice.summary, targets=targets, source=source, scope="practices"),
        )
        stored = 0
        for code, target in zip(languages, targets, strict=True):
            translated_title = title.plain(target, practice.title)
            translated_summary = summary.plain(target, practice.summary)
            if translated_title is None or translated_summary is None:
                continue  # paused or refused: the next call asks again
            try:
                self.practices.add_translation(practice_id=practice_id, language=code, title=translated_title,
                                               summary=translated_summary, machine=True)
            except UserError as exc:
                log.warning("practice %s: the %s translation was not stored (%s)", practice_id, code, exc.msgid)
                continue
            stored += 1
        return stored

    def published(self, practice_id: int) -> None:
        """A practice was just published: translate it in the background (the reviewer is not kept waiting)."""
        if self.engine.translator is not None:
            self.engine.spawn(self.translate(practice_id))

    async def catch_up(self, *, limit: int = 200) -> int:
        """Translate the published practices that still miss a language (after a DeepL pause, say)."""
        if self.engine.translator is None:
            return 0
        wanted = len(SUPPORTED_LOCALES) - 1
        with session_scope(self.practices.engine) as session:
            counts = (
                select(PracticeTranslation.practice_id, func.count().label("n"))
                .group_by(col(PracticeTranslation.practice_id))
                .subquery()
            )
            ids = list(session.exec(
                select(Practice.id)
                .outerjoin(counts, counts.c.practice_id == Practice.id)
                .where(Practice.status == PracticeStatus.published)
                .where(func.coalesce(counts.c.n, 0) < wanted)
                .limit(limit)
            ))
        total = 0
        for practice_id in ids:
            if practice_id is not None:
                total += await self.translate(practice_id)
        return total
