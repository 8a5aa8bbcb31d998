"""Benchmark: a bridged cluster's conversation, Slack ↔ Discord, with translation.

    python bench/bridge.py                      # 1,000 messages, 10 a second, DeepL fake at 200 ms
    python bench/bridge.py --messages 300 --rate 10

The real bot (bolt app behind the web app, discord.py on the gateway, the delivery outbox on SQLite, the real
DeepL adapter) serves one cluster whose Slack channel (Mireille writes French, Ana Portuguese) and Discord channel
(Olena writes Ukrainian) are read in those three languages (`thread` mode on both). Messages arrive at random
(Poisson) from both sides. The Slack and Discord fakes run in this process; the DeepL fake runs in a child
process of its own (`bench/translation_cost.py`'s `RemoteFake`), so its CPU is not charged to the bot.

Printed:
- end-to-end latency p50/p99: the original posted (its event sent to the bot) -> its copy received by the other
  platform's fake; the target is 1.3 x one DeepL round trip (the library alone, idle) + the platform's send
  time (one copy posted on an idle bot);
- the bot's own share: end-to-end less one DeepL round trip and less the platform's send time;
- DeepL requests and billed characters against the minimum: each message once into each language other than
  its own (every copy's translation shared with the channel's own thread reply);
- a control from the same run: the latency of the channel's own translated reply, which is posted at once
  without the outbox (what the machine's load alone does to the tail).
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import random
import re
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from pydantic import SecretStr  # noqa: E402

from bench.translation_cost import SENTENCES, RemoteFake, _ms, _round_trips  # noqa: E402
from bot.messages import Identity  # noqa: E402
from bot.richtext import RichText  # noqa: E402
from bot.services.bridge import Bridge  # noqa: E402
from bot.services.translation.markup import encode  # noqa: E402
from bot.wiring import build_core  # noqa: E402
from integrations.deepl.translator import DeepLTranslator  # noqa: E402
from integrations.discord.bot import ICCBot  # noqa: E402
from tests.bridge.conftest import ANA, DISCORD_CHANNEL, MIREILLE, OLENA, SLACK_CHANNEL, bridge_cluster  # noqa: E402
from tests.discord.helpers import GUILD, OWNER  # noqa: E402
from tests.fakes import discord as fd  # noqa: E402
from tests.fakes.deepl import deepl_client_settings  # noqa: E402
from tests.fakes.discord_threads import serve_threads  # noqa: E402
from tests.fakes.slack import DEFAULT_TEAM_ID, Call, FakeSlackWebAPI, _Ctx  # noqa: E402
from tests.slack.conftest import CLIENT_ID, CLIENT_SECRET, serve_slack, slack_settings  # noqa: E402

#: Who writes, where, in which language: Slack French, Discord Ukrainian, Slack Portuguese, in turn.
AUTHORS = [("slack", MIREILLE, "fr"), ("discord", OLENA, "uk"), ("slack", ANA, "pt")]
TAG = re.compile(r"№(-?\d+)")


def message(n: int) -> tuple[str, str, str]:
    """The n-th message: (platform, author, text); each text is new (its number), in its author's language."""
    platform, author, language = AUTHORS[n % len(AUTHORS)]
    sentences = SENTENCES[language]
    return platform, str(author), f"{sentences[(n // len(AUTHORS)) % len(sentences)]} №{n}"


def record_copies(slack: FakeSlackWebAPI, discord: fd.FakeDiscord, seen: dict[int, float],
                  replied: dict[int, float]) -> None:
    """Note when each copy reaches the other platform's fake (a Slack post under a name, a webhook post), and
    when the channel's own translated reply reaches its platform (the control: it does not use the outbox)."""

    def stamp(text: str, into: dict[int, float] = seen) -> None:
        found = TAG.search(text or "")
        if found is not None:
            into.setdefault(int(found.group(1)), time.monotonic())

    def slack_post(call: Call) -> dict[str, Any]:
        stamp(str(call.args.get("text") or ""), seen if call.args.get("username") else replied)
        team = slack._authenticate(call.method, call.token)
        answer: dict[str, Any] = slack._m_chat_postMessage(call.args, _Ctx(call, call.token, team, call.headers))
        return answer

    async def webhook_post(request: fd.Request, params: dict[str, str]) -> Any:
        stamp(str((request.json or {}).get("content") or ""))
        return await discord._r_execute(request, params)

    async def bot_post(request: fd.Request, params: dict[str, str]) -> Any:
        stamp(str((request.json or {}).get("content") or ""), replied)
        return await discord._r_send(request, params)

    slack.on("chat.postMessage", slack_post)
    discord.route("POST", "/webhooks/{webhook_id}/{webhook_token}", auth=False)(webhook_post)
    discord.route("POST", "/channels/{channel_id}/messages")(bot_post)


async def send_time(bridge: Bridge, chats: dict[str, Any], targets: dict[str, Identity]) -> dict[str, float]:
    """How long one copy takes to post on each platform, the bot idle (median of 9)."""
    found = {}
    for platform, target in targets.items():
        copies = bridge.copies_on(chats[platform])
        times = []
        for i in range(10):
            began = time.monotonic()
            await copies.post_copy(target, RichText.of(f"send time {i}"), name="Bench", avatar_url=None, thread=None)
            times.append(time.monotonic() - began)
        found[platform] = statistics.median(times[1:])
    return found


def percentile(values: Iterable[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


async def bench(count: int, rate: float, delay: float, seed: int) -> None:
    with tempfile.TemporaryDirectory() as folder, deepl_client_settings(max_retries=2, timeout=5.0), \
            RemoteFake(latency=delay) as deepl_fake:
        trips, _ = _round_trips(deepl_fake, 9)
        one_trip = statistics.median(trips)
        async with FakeSlackWebAPI(client_id=CLIENT_ID, client_secret=CLIENT_SECRET) as slack_fake, \
                fd.FakeDiscord() as discord_fake:
            slack_fake.add_user(MIREILLE, locale="fr-FR", name="Mireille")
            slack_fake.add_user(ANA, locale="pt-PT", name="Ana")
            slack_fake.add_channel("cluster-communication", channel_id=SLACK_CHANNEL, members=[MIREILLE, ANA])
            discord_fake.add_guild(GUILD, name="ICC", owner_id=OWNER, channels=[DISCORD_CHANNEL],
                                   members=[{"user_id": OLENA, "name": "olena", "locale": "uk"}])
            serve_threads(discord_fake)
            discord_id = next(cid for cid, c in discord_fake.channels.items() if c.get("name") == DISCORD_CHANNEL)
            targets = {"slack": Identity("slack", DEFAULT_TEAM_ID, SLACK_CHANNEL),
                       "discord": Identity("discord", str(GUILD), str(discord_id))}
            seen: dict[int, float] = {}
            replied: dict[int, float] = {}
            record_copies(slack_fake, discord_fake, seen, replied)
            settings = slack_settings(f"sqlite:///{folder}/bench.sqlite3", Path(folder), slack_fake,
                                      discord_token=SecretStr("fake-bot-token"), discord_guild_ids=str(GUILD))
            translator = DeepLTranslator(deepl_fake.auth_key, server_url=deepl_fake.url, timeout=5.0)
            core = build_core(settings, translator=translator)
            translation = core.services.translation
            assert translation is not None
            slack = await serve_slack(core, slack_fake)
            await translation.start()
            await translation.engine.ready()
            bridge: Bridge = core.services.features["bridge"]
            with fd.point_discord_at(discord_fake):
                bot = ICCBot(core, guild_ready_timeout=0.05, sync_at_start=False)
                async with discord_fake.run_client(bot):
                    bridge_cluster(core, list(targets.values()))
                    sending = await send_time(bridge, core.services.delivery.chats, targets)
                    stop = asyncio.Event()
                    sender = asyncio.create_task(core.services.delivery.run(stop))
                    # Warm-up (first connections, the language models): six messages, not counted.
                    await conversation(range(-6, 0), rate, seed, slack.client.event, discord_fake, discord_id)
                    await until(lambda: len(seen) >= 6, 30)
                    seen.clear()
                    replied.clear()
                    deepl_fake.reset()
                    cpu = time.process_time()
                    posted = await conversation(range(count), rate, seed, slack.client.event, discord_fake,
                                                discord_id)
                    await until(lambda: len(seen) >= count, 120)
                    cpu = time.process_time() - cpu
                    stop.set()
                    await sender
                    await slack.adapter.drain()
                    await translation.drain()
            await slack.adapter.close()
            await slack.client.aclose()
            calls = deepl_fake.calls()
            translator.close()
            core.engine.dispose()
    report(count, rate, delay, one_trip, sending, posted, seen, calls)
    control = [replied[n] - at for n, (_, at) in posted.items() if n in replied]
    if control:
        print(f"control: the channel's own translated reply (thread mode, posted at once, no outbox), same run: "
              f"p50 {_ms(statistics.median(control))}, p99 {_ms(percentile(control, 0.99))}")
    print(f"CPU time of this process (the bot, and the Slack and Discord fakes) per message: {_ms(cpu / count)}")


async def until(done: Callable[[], bool], seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while not done() and time.monotonic() < deadline:
        await asyncio.sleep(0.05)


async def conversation(numbers: range, rate: float, seed: int, slack_event: Callable[..., Any],
                       discord_fake: fd.FakeDiscord, discord_id: int) -> dict[int, tuple[str, float]]:
    """Send messages `numbers` at random times (`rate` a second on average); returns n -> (platform, sent at)."""
    chance = random.Random(seed)
    posted: dict[int, tuple[str, float]] = {}
    pending: set[asyncio.Task[Any]] = set()
    started = time.monotonic()
    due = started
    for n in numbers:
        due += chance.expovariate(rate)
        await asyncio.sleep(max(0.0, due - time.monotonic()))
        platform, author, text = message(n)
        posted[n] = (platform, time.monotonic())
        if platform == "slack":
            work = slack_event({"type": "message", "channel": SLACK_CHANNEL, "channel_type": "channel",
                                "user": author, "text": text, "ts": f"{1764070100 + n}.000100"})
        else:
            work = discord_fake.user_message(discord_id, author, text)
        task = asyncio.ensure_future(work)
        pending.add(task)
        task.add_done_callback(pending.discard)
    await asyncio.gather(*pending)
    if numbers.start >= 0:
        print(f"sent {len(numbers)} messages in {time.monotonic() - started:.1f} s")
    return posted


def report(count: int, rate: float, delay: float, one_trip: float, sending: dict[str, float],
           posted: dict[int, tuple[str, float]], seen: dict[int, float], calls: list[Any]) -> None:
    arrived = {n: seen[n] - at for n, (_, at) in posted.items() if n in seen}
    target_of = {"slack": "discord", "discord": "slack"}
    print(f"bridged cluster: {count} messages at {rate:g}/s (Slack French and Portuguese, Discord Ukrainian), "
          f"each channel read in 3 languages; DeepL fake +{delay * 1000:.0f} ms a request")
    print(f"copies received    {len(arrived)} of {count} (lost {count - len(arrived)})")
    print(f"one DeepL round trip (library alone, idle): {_ms(one_trip)}; send time of one copy (idle): "
          + ", ".join(f"{platform} {_ms(seconds)}" for platform, seconds in sending.items()))
    for platform in ("slack", "discord"):
        mine = [arrived[n] for n, (origin, _) in posted.items() if origin == platform and n in arrived]
        if not mine:
            continue
        to = target_of[platform]
        goal = 1.3 * one_trip + sending[to]
        own = [value - one_trip - sending[to] for value in mine]
        p99 = percentile(mine, 0.99)
        print(f"{platform} -> {to} ({len(mine)}): end-to-end p50 {_ms(statistics.median(mine))}, p99 {_ms(p99)}, "
              f"max {_ms(max(mine))}; target p99 <= 1.3 x round trip + send = {_ms(goal)} "
              f"({'met' if p99 <= goal else 'NOT met'})")
        print(f"    the bot's own share (less one round trip and the send time): p50 {_ms(statistics.median(own))}, "
              f"p99 {_ms(percentile(own, 0.99))}")
    languages = {"fr": ["PT-PT", "UK"], "pt": ["FR", "UK"], "uk": ["FR", "PT-PT"]}
    needed = {(target, encode((text,), xml=True).text) for n in posted for _, _, language in [AUTHORS[n % 3]]
              for text in [message(n)[2]] for target in languages[language]}
    minimum_characters = sum(len(text) for _, text in needed)
    texts = [(call.target, text) for call in calls for text in call.texts]
    billed = sum(call.billed for call in calls)
    print(f"DeepL requests     {len(calls)} carrying {len(texts)} texts ({len(set(texts))} distinct); minimum: "
          f"{len(needed)} texts (each message once into each of the 2 other languages)")
    print(f"billed characters  {billed}; minimum {minimum_characters} ({billed / minimum_characters:.3f} x)")


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--messages", type=int, default=1000)
    parser.add_argument("--rate", type=float, default=10.0, help="messages a second, on average (both sides)")
    parser.add_argument("--delay", type=float, default=0.2, help="seconds the DeepL fake adds to each request")
    parser.add_argument("--seed", type=int, default=12)
    options = parser.parse_args()
    logging.basicConfig(level=logging.ERROR)
    asyncio.run(bench(options.messages, options.rate, options.delay, options.seed))


if __name__ == "__main__":
    main()
