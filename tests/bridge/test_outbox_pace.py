"""The outbox under the bridge's load: a row enqueued while another platform's sends are still under way is
claimed at once (a busy Slack never holds Discord's copies back, nor the other way round)."""

from __future__ import annotations

import asyncio

from bot.messages import Identity, Reply
from bot.services.delivery import DeliveryService, Outgoing
from bot.services.delivery_store import Claim
from bot.wiring import Core
from tests.support.chat import RecordingChat


async def test_a_row_for_an_idle_platform_goes_while_another_platform_is_still_sending(core: Core) -> None:
    delivery: DeliveryService = core.services.delivery
    slack, discord = RecordingChat(platform="slack"), RecordingChat(platform="discord")
    delivery.attach_chat(slack)
    delivery.attach_chat(discord)
    release = asyncio.Event()
    slack_sending = asyncio.Event()
    sent: list[str] = []
    changed = asyncio.Event()

    async def slow_then_fast(claim: Claim, chat: object) -> str:
        if claim.target.platform == "slack":
            slack_sending.set()
            await release.wait()  # Slack answers slowly (a copy waiting for its translation)
        sent.append(claim.item)
        changed.set()
        return "1"

    async def until_sent(count: int) -> None:
        async with asyncio.timeout(5):
            while len(sent) < count:
                changed.clear()
                await changed.wait()

    delivery.route("pace:", slow_then_fast)
    stop = asyncio.Event()
    sender = asyncio.create_task(delivery.run(stop))

    def enqueue(item: str, target: Identity) -> None:
        delivery.enqueue([Outgoing(item=item, target=target, reply=Reply(text=""), locale="", payload="{}")])
        delivery.kick()

    enqueue("pace:1", Identity("slack", "T1", "C1"))
    await asyncio.wait_for(slack_sending.wait(), 5)  # Slack's send is under way
    enqueue("pace:2", Identity("discord", "G1", "D1"))
    await until_sent(1)
    assert sent == ["pace:2"]  # not held back behind Slack's slow send

    release.set()
    await until_sent(2)
    stop.set()
    await sender
    assert sent == ["pace:2", "pace:1"]
