"""A broadcast in progress when the worker gets SIGTERM is neither lost nor sent twice after the restart: real
`python -m bot worker` processes, the outbox on the test database, Discord answering posts only when the test
lets it."""

from __future__ import annotations

import asyncio
import signal
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from bot.messages import Identity, Reply
from bot.models.delivery import DeliveryState
from bot.services.delivery_store import DeliveryStore
from tests.fakes.discord import Request
from tests.fakes.discord_nonce import MessageNonces
from tests.shutdown.processes import GRACE, MARGIN, until
from tests.shutdown.scene import CLUSTER_CHANNEL, GUILD, Scene, scene

pytestmark = pytest.mark.slow

CITIES = 6
ITEM = "broadcast:1"


def city_channels() -> list[int]:
    return [CLUSTER_CHANNEL + n for n in range(1, CITIES + 1)]


def enqueue_broadcast(world: Scene) -> None:
    """What confirming a broadcast does: one delivery per city channel in the outbox (the worker sends them)."""
    from bot.services.delivery import DeliveryService
    from bot.services.members import MemberService

    delivery = DeliveryService(world.engine, MemberService(world.engine))
    channels = [Identity("discord", str(GUILD), str(channel)) for channel in city_channels()]
    assert delivery.to_channels(ITEM, channels, lambda locale: Reply(text="European Day of Languages: 26 Sept.",
                                                                      ephemeral=False)) == CITIES


class Gate:
    """Discord's answer to the bot's posts in the city channels: the first `passing` go through at once, the others
    wait until `open`. Behind it, Discord's enforced nonces (a post repeated with the same nonce creates nothing)."""

    def __init__(self, world: Scene, passing: int) -> None:
        self.world = world
        self.nonces = MessageNonces(world.discord)
        self.passing = passing
        self.held = 0
        self.opened = asyncio.Event()
        self.waiting_forever = asyncio.Event()
        world.discord.route("POST", "/channels/{channel_id}/messages")(self._answer)

    async def _answer(self, request: Request, params: dict[str, str]) -> Any:
        if int(params["channel_id"]) in city_channels() and not self.opened.is_set():
            if self.passing > 0:
                self.passing -= 1
            else:
                self.held += 1
                await self.opened.wait()
        return await self.nonces._send(request, params)  # Discord's own answer, as without the gate

    def open(self) -> None:
        self.opened.set()


def posts_per_city(world: Scene) -> Counter[int]:
    counts: Counter[int] = Counter()
    for channel in city_channels():
        counts[channel] = len(world.discord.messages_in(channel))
    return counts


def states(world: Scene) -> Counter[str]:
    return Counter(str(DeliveryState(row.state)) for row in DeliveryStore(world.engine).rows(ITEM))


async def restart_sends_the_rest(world: Scene) -> None:
    """A new worker sends what is left of the broadcast; then every city channel has its message exactly once."""
    async with await world.worker("second") as second:
        await until(lambda: states(world)["sent"] == CITIES, timeout=30, what="the restart sends the rest")
        assert await second.stop() == 0, second.log()
    assert posts_per_city(world) == Counter(dict.fromkeys(city_channels(), 1))


async def test_the_sends_under_way_finish_and_the_restart_sends_nothing_twice(database_url: str,
                                                                             tmp_path: Path) -> None:
    async with scene(database_url, tmp_path, channels=CITIES + 1) as world:
        gate = Gate(world, passing=2)
        enqueue_broadcast(world)
        async with await world.worker("first") as first:
            await until(lambda: gate.held > 0, timeout=30, what="posts are waiting for Discord")
            first.send(signal.SIGTERM)
            await until(lambda: first.said("stopping:"), timeout=5, what="the worker begins stopping")
            gate.open()  # Discord answers the posts under way
            assert await first.exit_status(within=GRACE + MARGIN) == 0, first.log()
        assert not states(world)["sending"], states(world)  # every claimed row has its outcome
        assert states(world)["sent"] >= 3
        await restart_sends_the_rest(world)


async def test_posts_discord_never_answers_go_back_to_pending_and_are_sent_once_after_the_restart(
    database_url: str, tmp_path: Path
) -> None:
    async with scene(database_url, tmp_path, channels=CITIES + 1) as world:
        gate = Gate(world, passing=2)
        enqueue_broadcast(world)
        async with await world.worker("first") as first:
            await until(lambda: gate.held > 0, timeout=30, what="posts are waiting for Discord")
            assert await first.stop() == 0, first.log()
        assert first.took() < GRACE
        assert first.said("deliveries claimed but not sent went back to pending")
        assert states(world)["sent"] == 2 and not states(world)["sending"], states(world)
        # Discord answers again: the first worker's posts, held until now, and the second worker's (the same nonces).
        gate.open()
        await restart_sends_the_rest(world)
