"""The work under way in a process (`bot.shutdown.WorkInFlight`) and the web host's drain (`Draining`), in
process: what is admitted, refused, waited for and logged."""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta

import httpx
import pytest
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Route

from bot.shutdown import Shutdown, WorkInFlight
from bot.wiring import Core
from integrations.web.app import build_web_app
from schedules.jobs import Job
from schedules.scheduler import build_scheduler


async def test_once_stopping_new_work_is_refused_and_what_was_under_way_is_waited_for_and_logged(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, logger="bot.shutdown")
    work = WorkInFlight()
    release = asyncio.Event()

    async def handling(what: str) -> None:
        with work.track(what):
            await release.wait()

    task = asyncio.create_task(handling("MessagePosted 1"))
    await asyncio.sleep(0)  # the task starts: its work is under way
    shutdown = Shutdown(grace=10)
    stopping = shutdown.stopping(work)
    shutdown.request()  # as the signal handler does: the loop hears of it at its next turn
    await asyncio.wait_for(stopping.wait(), timeout=5)
    assert work.stopping
    assert not work.admit("MessagePosted 2") and work.refused == 1
    assert await work.idle(within=0) == ["MessagePosted 1"]  # nothing waited: still under way
    release.set()
    assert await work.idle(within=5) == []
    await task
    assert work.finished == ["MessagePosted 1"]
    assert "refused MessagePosted 2" in caplog.text and "finished MessagePosted 1" in caplog.text


async def test_a_stopping_signal_before_the_loop_runs_is_kept_for_it() -> None:
    shutdown = Shutdown(grace=10)
    shutdown.request()  # during start-up: no loop listens yet
    work = WorkInFlight()
    assert shutdown.stopping(work).is_set() and work.stopping
    assert 0 < shutdown.remaining() <= 10


async def test_the_web_host_answers_what_it_has_begun_and_503_to_new_requests_while_it_drains() -> None:
    work = WorkInFlight()
    reading = asyncio.Event()
    finish = asyncio.Event()

    async def slow(request: Request) -> PlainTextResponse:
        reading.set()
        await finish.wait()
        return PlainTextResponse("done")

    app = build_web_app([Route("/slow", slow), Route("/healthz", lambda request: PlainTextResponse("ok"))],
                        work=work)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://web") as client:
        assert (await client.get("/healthz")).status_code == 200
        begun = asyncio.create_task(client.get("/slow"))
        await reading.wait()
        work.stopping = True
        refused = await client.get("/healthz")
        assert refused.status_code == 503 and refused.headers["retry-after"] == "5"
        assert refused.headers["connection"] == "close"
        assert work.under_way() == ["web request GET /slow"]
        finish.set()
        assert (await begun).text == "done"
    assert work.under_way() == [] and work.finished == ["web request GET /slow"] and work.refused == 1


async def test_a_scheduled_job_under_way_is_waited_for_and_one_that_comes_due_while_stopping_is_left(
    core: Core,
) -> None:
    release, runs = asyncio.Event(), []

    async def remind(_: Core) -> None:
        runs.append("reminders")
        await release.wait()

    [wrapped] = [job.func for job in build_scheduler(core, (Job("reminders", remind, timedelta(minutes=1)),))
                 .get_jobs()]
    under_way = asyncio.create_task(wrapped())
    await asyncio.sleep(0)
    assert core.work.under_way() == ["scheduled job reminders"]
    core.work.stopping = True
    await wrapped()  # due again while stopping: not run (the next worker runs it)
    assert runs == ["reminders"] and core.work.refused == 1
    release.set()
    assert await core.work.idle(within=5) == []
    await under_way
    assert core.work.finished == ["scheduled job reminders"]
