"""The scheduler holds every job, in the network's time zone, and a failing job never stops the others."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from bot.wiring import Core
from schedules.jobs import JOBS, Job, check_translation_quota, translate_missing_practices
from schedules.scheduler import build_scheduler
from tests.support.chat import RecordingChat


def test_every_job_is_scheduled_at_its_interval(core: Core) -> None:
    scheduler = build_scheduler(core)
    jobs = {job.id: job for job in scheduler.get_jobs()}
    assert set(jobs) == {job.id for job in JOBS}
    for spec in JOBS:
        assert jobs[spec.id].trigger.interval == spec.every
        assert str(jobs[spec.id].trigger.timezone) == core.settings.time_zone


async def test_jobs_run_on_the_loop_and_a_failure_is_contained(core: Core) -> None:
    ran: list[str] = []
    both = asyncio.Event()

    async def boom(_core: Core) -> None:
        ran.append("boom")
        if len(ran) == 2:
            both.set()
        raise RuntimeError("job failed")

    async def fine(_core: Core) -> None:
        ran.append("fine")
        if len(ran) == 2:
            both.set()

    scheduler = build_scheduler(core, (Job("boom", boom, timedelta(hours=1)), Job("fine", fine, timedelta(hours=1))))
    scheduler.start()
    try:
        for job in scheduler.get_jobs():
            job.modify(next_run_time=core.services.clock.now())
        await asyncio.wait_for(both.wait(), 5)
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


async def test_shutdown_finishes_the_delivery_under_way_and_leaves_the_rest_in_the_outbox(
    core: Core, chat: RecordingChat
) -> None:
    from bot.messages import Identity, Reply
    from bot.models import DeliveryState
    from bot.wiring import finish_background_work, start_delivery

    chat.hold()  # the platform takes its time to answer
    ana = Identity("console", "local", "ana")
    for n in (1, 2):  # the second waits behind the first (same person)
        core.services.delivery.to_person(f"notice:{n}", ana, lambda _locale, n=n: Reply(text=f"notice {n}"))
    # Enqueued before the sender starts: its first round claims the first notice, and no other round is under way
    # when the shutdown comes (a claim already under way then is still sent: see the delivery service).
    sender = start_delivery(core)
    await asyncio.wait_for(chat.sending.wait(), 2)
    stopping = asyncio.create_task(finish_background_work(core, timeout=2))
    async with asyncio.timeout(2):
        while not core.services.delivery._stop.is_set():  # the shutdown has begun ...
            await asyncio.sleep(0)
    chat.release()  # ... and only then does the platform answer
    await stopping
    assert sender.done() and chat.texts() == ["notice 1"]
    states = [row.state for row in core.services.delivery.store.rows()]
    assert states == [DeliveryState.sent, DeliveryState.pending]  # sent by the next process
