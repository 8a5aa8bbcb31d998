"""The outbox under the bridge's load: a row enqueued while another platform's sends are still under way is
claimed at once (a busy Slack never holds Discord's copies back, nor the other way round)."""

from __future__ import annotations

import asyncio

from bot.messages import Identity, Reply
from bot.services.delivery import DeliveryService, Outgoing
from bot.services.delivery_store import Claim
from bot.wiring import Core
from tests.delivery.conftest import ScriptedChat


async def test_a_row_for_an_idle_platform_goes_while_another_platform_is_still_sending(core: Core) -> None:
    delivery: DeliveryService = core.services.delivery
    slack, discord = ScriptedChat(platform="slack"), ScriptedChat(platform="discord")
    delivery.attach_chat(slack)
    delivery.attach_chat(discord)
    release = asyncio.Event()
    sent: list[str] = []

    async def slow_then_fast(claim: Claim, chat: object) -> str:
        if claim.target.platform == "slack":
            await release.wait()  # Slack answers slowly (a copy waiting for its translation)
        sent.append(claim.item)
        return "1"

    delivery.route("pace:", slow_then_fast)
    stop = asyncio.Event()
    sender = asyncio.create_task(delivery.run(stop))

    def enqueue(item: str, target: Identity) -> None:
        delivery.enqueue([Outgoing(item=item, target=target, reply=Reply(text=""), locale="", payload="{}")])
        delivery.kick()

    enqueue("pace:1", Identity("slack", "T1", "C1"))
    for _ in range(20):
        await asyncio.sleep(0.01)
    enqueue("pace:2", Identity("discord", "G1", "D1"))
    for _ in range(50):
        await asyncio.sleep(0.01)
        if sent:
            break
    assert sent == ["pace:2"]  # not held back behind Slack's slow send

    release.set()
    for _ in range(50):
        await asyncio.sleep(0.01)
        if len(sent) == 2:
            break
    stop.set()
    await sender
    assert sent == ["pace:2", "pace:1"]
