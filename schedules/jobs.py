"""The jobs: each is a coroutine function taking the core, doing one service call, safe to run twice."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.core import Core

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Job:
    """A job run every `every`, first `first_after` after the start."""

    id: str
    run: Callable[[Core], Awaitable[object]]
    every: timedelta
    first_after: timedelta = timedelta(minutes=1)


async def check_translation_quota(core: Core) -> object:
    """Ask DeepL how much of the quota is used, so the ICC team is warned at 80 % and 95 % even on quiet days."""
    translation = core.services.translation
    if translation is None:
        return None
    return await translation.quota.check(force=True)


async def translate_missing_practices(core: Core) -> object:
    """Translate published practices that still miss a language (after a DeepL pause, say)."""
    practices = core.services.practices.translations
    if practices is None:
        return 0
    return await practices.catch_up()


async def run_surveys(core: Core) -> object:
    """Open the surveys whose date has come, send the reminders due (09:00 in each city), close those past due."""
    surveys = core.services.features.get("surveys")
    if surveys is None:
        return None
    return await asyncio.to_thread(surveys.reminders.run_due)


async def calendar_tick(core: Core) -> object:
    """Hand the reminders, digests and personal reminders that are due to delivery (the schedule is in the
    database: this job reads it every minute, so whatever any process planned or changed is seen), and bring
    broadcast reports up to date."""
    return await core.services.calendar.tick()


async def translate_missing_events(core: Core) -> object:
    """Translate coming events that still miss a language (after a DeepL pause, an import)."""
    return await core.services.calendar.translations.catch_up()


async def ask_for_cluster_reports(core: Core) -> object:
    """From the report month on, ask each cluster's coordinators for the year's report (once per cluster and year)."""
    return core.services.cluster_reports.prompt_due()


JOBS = (
    Job("translation-quota", check_translation_quota, every=timedelta(hours=1)),
    Job("practice-translations", translate_missing_practices, every=timedelta(hours=6),
        first_after=timedelta(minutes=5)),
    Job("surveys", run_surveys, every=timedelta(minutes=1), first_after=timedelta(seconds=20)),
    # Every minute, and at once at start: after downtime, what is overdue goes out (late) or is recorded missed.
    Job("calendar", calendar_tick, every=timedelta(minutes=1), first_after=timedelta(seconds=5)),
    Job("event-translations", translate_missing_events, every=timedelta(hours=6), first_after=timedelta(minutes=7)),
    Job("cluster-reports", ask_for_cluster_reports, every=timedelta(hours=12), first_after=timedelta(minutes=10)),
)
