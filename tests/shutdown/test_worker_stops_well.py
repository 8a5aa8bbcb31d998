"""SIGTERM to a real `python -m bot worker` in the middle of its work: what was under way is finished and
written, nothing new is taken, the Discord gateway is closed, the lock given back, and the exit status is 0."""

from __future__ import annotations

import signal
from pathlib import Path

import pytest

from tests.shutdown.processes import GRACE, MARGIN, until
from tests.shutdown.scene import ANA, CLUSTER_CHANNEL, scene

pytestmark = pytest.mark.slow


async def test_a_message_whose_translation_is_in_flight_still_gets_its_reply_and_its_cost_once(
    database_url: str, tmp_path: Path
) -> None:
    async with scene(database_url, tmp_path) as world, await world.worker() as worker:
        await world.message_being_translated(answer_after=2.0, requests=2)  # French and German, 2 s each
        worker.send(signal.SIGTERM)
        await until(lambda: worker.said("stopping: 1 under way"), timeout=5, what="it says what is under way")
        # A message arriving now is not taken: the next worker's business.
        await world.discord.user_message(CLUSTER_CHANNEL, ANA, "And one more thing.")
        assert await worker.exit_status(within=GRACE + MARGIN) == 0, worker.log()

        [reply] = world.posts()
        assert "[FR] " in reply["content"] and "[DE] " in reply["content"], reply
        assert world.deepl.billed_characters > 0
        assert world.billed_recorded() == world.deepl.billed_characters  # recorded, and once
        assert len(world.deepl.requests_to("/v2/translate")) == 2  # the later message was not translated
        assert worker.said("finished MessagePosted")
        assert worker.said("stopping: refused MessagePosted")
        closed, released = (next(n for n, line in enumerate(worker.lines) if words in line)
                            for words in ("Discord gateway closed", "released the lock icc-bot-worker"))
        assert closed < released  # a standby starts only once the gateway is closed
        assert worker.took() < GRACE
