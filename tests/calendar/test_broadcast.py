"""/broadcast through the console: a preview in each language, a confirmation, one delivery per target, a live
report updated in place and a final summary; only the ICC team, never to nobody."""

from __future__ import annotations

import json
from collections import Counter

from bot.messages import ButtonPressed
from bot.models import DeliveryState
from bot.models.calendar import BroadcastState
from bot.ports import Capabilities, ChatError
from bot.wiring import Core
from tests.calendar.conftest import channel, command, person, text_of
from tests.support.chat import EditingChat, RecordingChat


async def press(core: Core, who: str, action: str, value: str) -> str:
    answer = await core.dispatcher.handle(ButtonPressed(person(who), channel("icc-team"), f"{action}:{value}", value),
                                          Capabilities(buttons=True))
    return text_of(answer)


async def test_the_icc_team_previews_confirms_and_follows_a_broadcast(demo: Core) -> None:
    chat = EditingChat(platform="console", capabilities=Capabilities(buttons=True))  # the live report is edited
    demo.dispatcher.attach_chat(chat)
    chat.fail(channel("city-odesa"), ChatError(ChatError.NOT_IN_CHANNEL, detail="not_in_channel"))
    preview = await command(demo, "ivana", "broadcast", "send to:all via:both @here International Migrants Day "
                                                        "is on 18 December: tell the network what your city does.",
                            where="icc-team")
    shown = text_of(preview)
    assert "Broadcast #1: check it in each language" in shown
    assert "12 channels · 5 people by direct message" in shown
    for language in ("Portuguese", "Ukrainian", "French", "German", "Spanish", "Italian", "English"):
        assert language in shown, shown
    assert "Not translated (translation unavailable)" in shown  # no DeepL here: originals go out, nothing breaks
    assert demo.services.delivery.store.rows() == []  # nothing is sent before the confirmation
    assert "on its way to 17 targets" in await press(demo, "ivana", "broadcast-confirm", "1")
    assert "already sending" in await press(demo, "ivana", "broadcast-confirm", "1")
    await demo.services.delivery.drain()
    rows = demo.services.delivery.store.rows("broadcast:1")
    assert len(rows) == 17 and len({row.target for row in rows}) == 17
    assert Counter(row.state for row in rows) == {DeliveryState.sent: 16, DeliveryState.failed: 1}
    assert all(json.loads(row.payload)["allow_broadcast_mentions"] for row in rows)
    # The report was posted where the sender confirmed, and is updated in place until the end.
    report_posts = [p for p in chat.posted if p.target == channel("icc-team")]
    assert len(report_posts) == 1 and "Broadcast #1 is on its way" in report_posts[0].text
    assert await demo.services.calendar.broadcasts.refresh(1) is True
    assert chat.updates() and chat.updates()[-1][1] == "Broadcast #1 is finished."
    await demo.services.delivery.drain()
    summary = [p for p in chat.posted if p.direct and p.target == person("ivana") and "finished" in p.text]
    assert len(summary) == 1
    assert demo.services.calendar.broadcasts.get(1).state is BroadcastState.done  # type: ignore[union-attr]
    status = await command(demo, "ivana", "broadcast", "status 1", where="icc-team")
    assert "Delivered: 16 · Pending: 0 · Failed: 1 (of 17)" in text_of(status)
    assert "the bot is not in the channel: 1" in text_of(status) and "#city-odesa" in text_of(status)
    assert "#1 · all · done" in text_of(await command(demo, "ivana", "broadcast", "status", where="icc-team"))


async def test_only_the_icc_team_and_never_to_nobody(demo: Core, chat: RecordingChat) -> None:
    refused = await command(demo, "ana", "broadcast", "send to:all Olá", where="city-lisbon")
    assert "Só a equipa ICC" in text_of(refused)
    assert "Only the ICC team" in await press(demo, "ana", "broadcast-confirm", "1") or \
        "Só a equipa ICC" in await press(demo, "ana", "broadcast-confirm", "1")
    empty = await command(demo, "ivana", "broadcast", "send to:country:JP Hello Tokyo", where="icc-team")
    assert "Nobody would receive this" in text_of(empty)
    assert "is not an audience" in text_of(await command(demo, "ivana", "broadcast", "send to:everyone Hi",
                                                         where="icc-team"))
    assert "is too long" in text_of(await command(demo, "ivana", "broadcast", "send " + "x" * 3001,
                                                  where="icc-team"))
    assert demo.services.calendar.broadcasts.history() == []
    preview = await command(demo, "ivana", "broadcast", "send to:cluster:anti-rumours Training on Friday",
                            where="icc-team")
    assert "4 channels · 0 people" in text_of(preview)
    assert "is cancelled: nothing was sent" in await press(demo, "ivana", "broadcast-cancel", "1")
    assert "already cancelled" in await press(demo, "ivana", "broadcast-confirm", "1")
    assert demo.services.delivery.store.rows() == []


async def test_coordinators_by_direct_message_each_in_their_language(demo: Core, chat: RecordingChat) -> None:
    await command(demo, "ivana", "broadcast", "send to:coordinators The annual survey opens on Monday.",
                  where="icc-team")
    await press(demo, "ivana", "broadcast-confirm", "1")
    await demo.services.delivery.drain()
    rows = demo.services.delivery.store.rows("broadcast:1")
    assert sorted((row.target_id, row.locale) for row in rows) == [
        ("ana", "pt"), ("joan", "es"), ("katrin", "de"), ("mireille", "fr"), ("olena", "uk")]
    assert all(row.direct for row in rows)
