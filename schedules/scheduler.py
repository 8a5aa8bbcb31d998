"""The worker's scheduler: APScheduler 3.x on the same asyncio loop as the chat connections."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.interval import IntervalTrigger

from schedules.jobs import JOBS, Job

if TYPE_CHECKING:
    from bot.core import Core

log = logging.getLogger(__name__)


def build_scheduler(core: Core, jobs: tuple[Job, ...] = JOBS) -> AsyncIOScheduler:
    """A scheduler in the network's time zone holding `jobs` (not started).

    Jobs coalesce and never overlap: a worker that was down runs a missed job once, not once per miss.
    """
    scheduler = AsyncIOScheduler(
        timezone=core.settings.time_zone,
        job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 15 * 60},
    )
    now = core.services.clock.now()
    for job in jobs:
        scheduler.add_job(
            _guarded(job, core),
            IntervalTrigger(seconds=job.every.total_seconds(), start_date=now + job.first_after,
                            timezone=core.settings.time_zone),
            id=job.id,
            name=job.id,
            replace_existing=True,
        )
    return scheduler


def _guarded(job: Job, core: Core) -> Callable[[], Awaitable[None]]:
    async def run() -> None:
        what = f"scheduled job {job.id}"
        if not core.work.admit(what):  # the worker is stopping: the next worker runs it
            return
        with core.work.track(what):
            try:
                await job.run(core)
            except Exception:
                log.exception("scheduled job %s failed", job.id)

    run.__name__ = job.id.replace("-", "_")
    return run


async def run_scheduler(core: Core) -> None:
    """Run the scheduler until cancelled (the worker's lifetime). A job under way when the worker stops is waited
    for by the shutdown (`core.work`); one due after that is left to the next worker."""
    scheduler = build_scheduler(core)
    scheduler.start()
    try:
        await asyncio.Event().wait()
    finally:
        scheduler.shutdown(wait=False)
        log.info("scheduler stopped")
