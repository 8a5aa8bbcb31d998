"""The scheduler holds every job, in the network's time zone, and a failing job never stops the others."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from bot.wiring import Core
from schedules.jobs import JOBS, Job, check_translation_quota, translate_missing_practices
from schedules.scheduler import build_scheduler


def test_every_job_is_scheduled_at_its_interval(core: Core) -> None:
    scheduler = build_scheduler(core)
    jobs = {job.id: job for job in scheduler.get_jobs()}
    assert set(jobs) == {job.id for job in JOBS}
    for spec in JOBS:
        assert jobs[spec.id].trigger.interval == spec.every
        assert str(jobs[spec.id].trigger.timezone) == core.settings.time_zone


async def test_jobs_run_on_the_loop_and_a_failure_is_contained(core: Core) -> None:
    ran: list[str] = []

    async def boom(_core: Core) -> None:
        ran.append("boom")
        raise RuntimeError("job failed")

    async def fine(_core: Core) -> None:
        ran.append("fine")

    scheduler = build_scheduler(core, (Job("boom", boom, timedelta(hours=1)), Job("fine", fine, timedelta(hours=1))))
    scheduler.start()
    try:
        for job in scheduler.get_jobs():
            job.modify(next_run_time=core.services.clock.now())
        for _ in range(100):
            if len(ran) == 2:
                break
            await asyncio.sleep(0.02)
    finally:
        scheduler.shutdown(wait=False)
    assert sorted(ran) == ["boom", "fine"]


async def test_translation_jobs_do_nothing_without_deepl(core: Core) -> None:
    assert await check_translation_quota(core) is None
    assert await translate_missing_practices(core) == 0


def test_the_worker_runs_the_scheduler_and_the_web_process_does_not(core: Core) -> None:
    from bot.wiring import process_parts

    worker = process_parts(core, web=False, worker=True)
    assert "scheduler" in [name for name, _ in worker.once_only]
    assert worker.everywhere == []
    web = process_parts(core, web=True, worker=False)
    assert web.once_only == [] and "scheduler" not in [name for name, _ in web.everywhere]


async def test_shutdown_waits_for_pending_direct_messages(core: Core) -> None:
    import asyncio

    from bot.wiring import finish_background_work

    done: list[str] = []

    async def slow_delivery() -> None:
        await asyncio.sleep(0.05)
        done.append("delivered")

    core.dispatcher._spawn(slow_delivery())
    await finish_background_work(core, timeout=2)
    assert done == ["delivered"]
