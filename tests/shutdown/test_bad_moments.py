"""Stopping at bad moments, with real processes: SIGTERM during start-up or migrations, while DeepL or the
database does not answer, two SIGTERMs, SIGHUP. The process ends within the grace period, and nothing is left
half-written in the database."""

from __future__ import annotations

import signal
from pathlib import Path

import pytest
from sqlalchemy import text

from bot import db
from bot.shutdown import GRACE_RAN_OUT
from tests.shutdown.processes import GRACE, BotProcess, bot_env, free_port, until
from tests.shutdown.scene import Scene, scene

pytestmark = pytest.mark.slow


def nothing_left_sending(world: Scene) -> bool:
    """No delivery is left claimed: each row of the outbox is as one whole transaction left it."""
    with world.engine.connect() as connection:
        return not connection.execute(text("SELECT count(*) FROM delivery WHERE state = 'sending'")).scalar()


async def test_sigterm_during_start_up_ends_before_anything_starts(database_url: str, tmp_path: Path) -> None:
    async with scene(database_url, tmp_path) as world, \
            await BotProcess.worker_on(world.discord, world.env(), "worker") as worker:
        await until(lambda: worker.catches_signals() or worker.process.returncode is not None, timeout=30,
                    what="the worker catches SIGTERM")
        assert await worker.stop() == 0, worker.log()
        assert worker.took() < GRACE
        assert worker.said("stopped before starting anything"), worker.log()
        assert world.discord.identify_payloads == []  # never connected
        assert db.schema_is_current(world.engine)


@pytest.mark.fresh_database  # the web process migrates it from nothing
async def test_sigterm_during_migrations_lets_them_finish_and_starts_nothing(database_url: str,
                                                                           tmp_path: Path) -> None:
    async with await BotProcess.bot(["web"], bot_env(database_url, tmp_path, PORT=str(free_port())), "web") as web:
        await until(lambda: web.said("Running upgrade") or web.process.returncode is not None, timeout=60,
                    what="the web process upgrades the empty database")
        assert await web.stop() == 0, web.log()
    assert web.took() < GRACE
    assert web.said("stopped before starting anything"), web.log()
    engine = db.make_engine(database_url)
    try:
        assert db.schema_is_current(engine)  # every migration ran to its end: none half-applied
    finally:
        engine.dispose()


async def test_sigterm_while_deepl_does_not_answer_ends_within_the_grace_period(database_url: str,
                                                                              tmp_path: Path) -> None:
    async with scene(database_url, tmp_path) as world, await world.worker() as worker:
        await world.message_being_translated(answer_after=3600)
        assert await worker.stop() == 0, worker.log()
        assert worker.took() < GRACE
        assert worker.said("not finished: MessagePosted"), worker.log()
        assert world.posts() == [] and world.billed_recorded() == 0  # nothing billed, nothing recorded


async def test_a_second_sigterm_ends_at_once(database_url: str, tmp_path: Path) -> None:
    async with scene(database_url, tmp_path) as world, await world.worker() as worker:
        await world.message_being_translated(answer_after=3600)
        worker.send(signal.SIGTERM)
        await until(lambda: worker.said("stopping: 1 under way"), timeout=5, what="the worker begins stopping")
        worker.process.send_signal(signal.SIGTERM)
        assert await worker.exit_status(within=3.0) == 128 + signal.SIGTERM, worker.log()
        assert worker.said("second signal (SIGTERM): ending at once")
        assert world.billed_recorded() == 0 and nothing_left_sending(world)


async def test_sighup_stops_well_too(database_url: str, tmp_path: Path) -> None:
    async with scene(database_url, tmp_path) as world, await world.worker() as worker:
        await world.message_being_translated(answer_after=1.0, requests=2)
        assert await worker.stop(signal.SIGHUP) == 0, worker.log()
        assert worker.took() < GRACE
        assert worker.said("SIGHUP received")
        [reply] = world.posts()
        assert "[FR] " in reply["content"]
        assert world.billed_recorded() == world.deepl.billed_characters > 0


async def test_sigterm_while_the_database_does_not_answer_ends_within_the_grace_period(
    database_url: str, tmp_path: Path
) -> None:
    async with scene(database_url, tmp_path) as world, await world.worker() as worker:
        await world.message_being_translated(answer_after=2.0)
        # Another session holds the tables the worker writes next: the database does not answer those writes.
        blocker = world.engine.connect()
        try:
            if db.is_postgres(world.engine):
                blocker.execute(text("LOCK TABLE delivery, translationcache, translationusage, translatedpost "
                                     "IN ACCESS EXCLUSIVE MODE"))
            else:
                blocker.exec_driver_sql("BEGIN EXCLUSIVE")
            assert await worker.stop() in (0, GRACE_RAN_OUT), worker.log()
        finally:
            blocker.rollback()
            blocker.close()
        assert worker.took() < GRACE, worker.log()
        assert nothing_left_sending(world)
