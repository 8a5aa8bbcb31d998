"""A standby worker takes over within 2 s of a clean shutdown of the holder: two real `python -m bot worker`
processes on one database; SIGTERM to the one holding the singleton lock."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.shutdown.processes import GRACE, BotProcess, until
from tests.shutdown.scene import scene

pytestmark = pytest.mark.slow

#: What issue 14 asks: after a clean shutdown, not after a lease or a timeout.
TAKEOVER_WITHIN = 2.0


async def test_the_standby_starts_within_two_seconds_of_the_holder_leaving(database_url: str, tmp_path: Path) -> None:
    async with scene(database_url, tmp_path) as world, await world.worker("holder") as holder:
        await until(lambda: holder.said("starting discord (holding the lock"), timeout=30,
                    what="the first worker holds the lock")
        async with await BotProcess.worker_on(world.discord, world.env(), "standby") as standby:
            await until(lambda: standby.said("is taken"), timeout=60, what="the second worker stands by")
            identified = len(world.discord.identify_payloads)

            assert await holder.stop() == 0, holder.log()
            await until(lambda: standby.said("starting discord (holding the lock"), timeout=GRACE,
                        what="the standby takes over")
            await until(lambda: len(world.discord.identify_payloads) > identified, timeout=10,
                        what="the standby connects to Discord")
            took = standby.when("starting discord (holding the lock") - holder.when("released the lock")
            assert took <= TAKEOVER_WITHIN, (took, holder.log(), standby.log())
            assert not standby.said("waiting")  # no lease to wait out: the holder said it had stopped
            assert await standby.stop() == 0, standby.log()
