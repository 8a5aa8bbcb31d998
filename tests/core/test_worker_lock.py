"""One worker means one: the singleton lock is held by one process, watched, and a lost lock stops the holder's
once-only parts before a standby starts its own (real PostgreSQL sessions, `pg_terminate_backend`)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import sys
import time
import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine

from bot import db
from bot.wiring import run_once_only
from bot.worker_lock import LockTiming, PostgresWorkerLock, WorkerLock, worker_lock

ROOT = Path(__file__).resolve().parents[2]

#: Short enough for a test, in the same proportions as the defaults.
FAST = LockTiming(check_every=0.2, check_timeout=0.6, stop_within=0.6, poll_every=0.1)


def _postgres(engine: Engine) -> None:
    if not db.is_postgres(engine):
        pytest.skip("the lock's watched connection exists on PostgreSQL only (CI's PostgreSQL pass runs this)")


async def until(condition: Callable[[], object], *, timeout: float = 10.0, what: str = "") -> None:
    """Wait for `condition` (something a real database session does), at most `timeout` seconds."""
    async with asyncio.timeout(timeout):
        while not condition():
            await asyncio.sleep(0.01)


@dataclass
class Worker:
    """One worker process's once-only parts, recording when each started and when it had stopped."""

    name: str
    lock: WorkerLock
    events: list[tuple[float, str, str]]
    stop_takes: float = 0.0
    running: int = 0
    task: asyncio.Task[None] | None = None
    starts: int = 0
    stops: int = 0
    parts: list[str] = field(default_factory=lambda: ["gateway", "scheduler"])

    def part(self, part: str) -> Callable[[], object]:
        async def run() -> None:
            self.events.append((time.monotonic(), self.name, f"{part} started"))
            self.running += 1
            self.starts += 1
            try:
                await asyncio.Event().wait()
            finally:
                if self.stop_takes:  # a gateway says goodbye before it is closed
                    await asyncio.shield(asyncio.sleep(self.stop_takes))
                self.running -= 1
                self.stops += 1
                self.events.append((time.monotonic(), self.name, f"{part} stopped"))

        return run

    def start(self) -> None:
        parts = [(part, self.part(part)) for part in self.parts]
        self.task = asyncio.create_task(run_once_only(parts, self.lock))  # type: ignore[arg-type]

    async def stop(self) -> None:
        if self.task is not None:
            self.task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self.task


@pytest.fixture
async def workers(engine: Engine) -> AsyncIterator[Callable[..., Worker]]:
    events: list[tuple[float, str, str]] = []
    name = f"test-worker-{uuid.uuid4().hex[:8]}"  # advisory locks are database-wide: each test its own
    made: list[Worker] = []

    def make(worker_name: str, **options: object) -> Worker:
        worker = Worker(worker_name, worker_lock(engine, name, timing=FAST), events, **options)  # type: ignore[arg-type]
        made.append(worker)
        return worker

    yield make
    for worker in made:
        await worker.stop()


def _terminate(engine: Engine, pid: int | None) -> None:
    assert pid is not None
    with engine.begin() as connection:
        assert connection.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid}).scalar() is True


def _overlaps(events: list[tuple[float, str, str]]) -> list[str]:
    """Moments at which parts of two workers were running together."""
    running: dict[str, int] = {}
    found = []
    for _, worker, what in sorted(events):
        running[worker] = running.get(worker, 0) + (1 if what.endswith("started") else -1)
        if sum(1 for count in running.values() if count > 0) > 1:
            found.append(f"{worker}: {what}")
    return found


async def test_only_one_worker_holds_the_lock_and_a_standby_takes_it_when_given_back(
    workers: Callable[..., Worker], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    first, second = workers("first"), workers("second")
    first.start()
    await until(lambda: first.running == 2)
    second.start()
    await until(lambda: "is taken" in caplog.text)
    assert second.running == 0
    await first.stop()  # the parts stop, then the lock is given back
    await until(lambda: second.running == 2)
    assert first.running == 0 and _overlaps(first.events) == []


async def test_a_holder_whose_connection_is_terminated_stops_before_the_standby_starts_and_competes_again(
    engine: Engine, workers: Callable[..., Worker], caplog: pytest.LogCaptureFixture
) -> None:
    _postgres(engine)
    caplog.set_level(logging.INFO)
    first, second = workers("first", stop_takes=0.3), workers("second", stop_takes=0.3)
    first.start()
    await until(lambda: first.running == 2)
    second.start()
    await until(lambda: "is taken" in caplog.text)
    assert isinstance(first.lock, PostgresWorkerLock)

    terminated = time.monotonic()
    _terminate(engine, first.lock.backend_pid)
    await until(lambda: second.running == 2)
    assert first.running == 0 and first.stops == 2
    first_stopped = max(at for at, who, what in first.events if who == "first" and what.endswith("stopped"))
    second_started = min(at for at, who, what in first.events if who == "second" and what.endswith("started"))
    assert terminated < first_stopped < second_started
    assert _overlaps(first.events) == []
    [lost] = [r for r in caplog.records if " lost:" in r.getMessage()]
    assert lost.levelno == logging.ERROR
    assert "its database connection dropped" in lost.getMessage()
    assert "stopped gateway, scheduler" in lost.getMessage() and "standing by" in lost.getMessage()

    # The first worker stood by and competes again: when the second loses its connection, it takes over.
    assert isinstance(second.lock, PostgresWorkerLock)
    _terminate(engine, second.lock.backend_pid)
    await until(lambda: first.starts == 4 and first.running == 2)
    assert second.running == 0
    assert _overlaps(first.events) == []


async def test_a_holder_the_database_stops_answering_gives_up_before_its_lease_ends(
    engine: Engine, workers: Callable[..., Worker], caplog: pytest.LogCaptureFixture
) -> None:
    _postgres(engine)
    caplog.set_level(logging.INFO)
    first, second = workers("first"), workers("second")
    first.start()
    await until(lambda: first.running == 2)
    second.start()
    await until(lambda: "is taken" in caplog.text)
    # Another session holds the lease row: the holder's confirmation waits, as on a database that hangs.
    blocker = engine.connect()
    try:
        blocker.execute(text("SELECT * FROM worker_lease FOR UPDATE"))
        # The holder stops its services, then says why (the line comes once they are stopped).
        await until(lambda: first.running == 0 and "did not confirm it within" in caplog.text)
        assert second.running == 0  # its claim waits for the row too: nobody runs while unsure
    finally:
        blocker.rollback()
        blocker.close()
    await until(lambda: first.running == 2 or second.running == 2)
    assert _overlaps(first.events) == []


async def test_after_a_clean_release_the_standby_starts_without_waiting_out_the_lease(
    engine: Engine, workers: Callable[..., Worker], caplog: pytest.LogCaptureFixture
) -> None:
    _postgres(engine)
    caplog.set_level(logging.INFO)
    first, second = workers("first"), workers("second")
    first.start()
    await until(lambda: first.running == 2)
    second.start()
    await until(lambda: "is taken" in caplog.text)
    await first.stop()
    await until(lambda: second.running == 2)
    assert "stopped cleanly" in caplog.text
    assert "waiting" not in caplog.text  # no lease to wait out: it said it had stopped


class Process:
    """A `python -m bot worker` process, its log lines gathered as they come."""

    def __init__(self, process: asyncio.subprocess.Process) -> None:
        self.process = process
        self.lines: list[str] = []
        self.reader = asyncio.create_task(self._read())

    @classmethod
    async def start(cls, env: dict[str, str]) -> Process:
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", "worker", cwd=ROOT, env=env,
            stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE)
        return cls(process)

    async def _read(self) -> None:
        assert self.process.stderr is not None
        async for line in self.process.stderr:
            self.lines.append(line.decode(errors="replace").rstrip())

    def said(self, words: str) -> list[str]:
        return [line for line in self.lines if words in line]

    async def end(self) -> None:
        if self.process.returncode is None:
            self.process.terminate()
            await self.process.wait()
        await self.reader


@pytest.mark.slow
async def test_two_worker_processes_never_hold_slack_socket_mode_at_once(
    engine: Engine, database_url: str, tmp_path: Path
) -> None:
    """As it runs: two `worker` processes with Slack Socket Mode; the holder's lock session is terminated."""
    _postgres(engine)
    from tests.fakes.slack import FakeSlackWebAPI

    async with FakeSlackWebAPI() as fake:
        env = {**os.environ, "DATABASE_URL": database_url, "ICC_DATA_DIR": str(tmp_path), "LOG_LEVEL": "INFO",
               "SLACK_BOT_TOKEN": "xoxb-test-token-1", "SLACK_APP_TOKEN": "xapp-1-A1-1-secret",
               "SLACK_API_URL": fake.base_url, "DEEPL_AUTH_KEY": ""}
        first = await Process.start(env)
        second: Process | None = None
        try:
            await until(lambda: fake.socket_connected, timeout=60)
            second = await Process.start(env)
            await until(lambda: second.said("is taken"), timeout=60)

            with engine.connect() as connection:
                [holder] = connection.execute(text(
                    "SELECT pid FROM pg_locks JOIN pg_stat_activity USING (pid) WHERE locktype = 'advisory' "
                    "AND granted AND application_name LIKE 'icc-bot % lock'")).scalars().all()
            _terminate(engine, holder)
            await until(lambda: fake.socket_connection_count == 2 and fake.socket_connected, timeout=30)

            events = sorted(fake.socket_events)
            first_closed = [at for at, what, number in events if what == "closed" and number == 1]
            second_opened = [at for at, what, number in events if what == "open" and number == 2]
            assert first_closed and first_closed[0] < second_opened[0]
            [lost] = first.said("lost:")
            assert "its database connection dropped" in lost and "slack-socket-mode, scheduler" in lost
            await until(lambda: first.said("is taken"), timeout=10)  # it competes again, and waits
            assert first.process.returncode is None
        finally:
            await first.end()
            if second is not None:
                await second.end()
            for number, process in enumerate((first, second), 1):  # shown when the test fails
                print(f"--- worker {number}", *(process.lines if process else []), sep="\n")
