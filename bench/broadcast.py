"""Benchmark: one /broadcast to 1,000 city channels (Slack and Discord) and 140 coordinators by direct message.

A real core prepares the broadcast (the text translated once per language through the DeepL fake) and confirms it;
the delivery outbox sends it through the real slack_sdk and a real discord.py bot. The fakes keep the platforms'
limits: Slack one post per second per channel and 50 per second per workspace (`tests/fakes/slack_limits.py`);
Discord 50 requests per second per bot, every request counted (`tests/fakes/discord_limits.py`), and its per-route
buckets (the fake's own); both answer `--limited` (20 %) of first attempts with 429 and a retry-after of 1 s.
The cities speak 7 languages; their coordinators are half on Slack, half on Discord. The fakes and the core that
prepares the broadcast run in this process; the deliveries are sent by worker processes (as `python -m bot worker`
does), so that the bot's work and the platforms' do not share one processor's time (`--in-process`: all in one).

Printed: delivered, duplicates, lost (counted in the fakes, by the delivery key each message carries), DeepL
requests and billed characters, the wall time from the confirmation to the last delivery, and the bound the
limits allow: every platform works at once, so the bound is the slowest platform's requests at 50 per second
(Slack: its posts; Discord: its posts, the direct-message channels it opens, and the 429s of first attempts,
which Discord counts as requests too).

    python bench/broadcast.py                           # one worker process, SQLite
    DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/icc_bench \
        python bench/broadcast.py --workers 2 --kill    # two worker processes, one killed (-9) half-way
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.delivery import database  # noqa: E402
from bot.db import session_scope  # noqa: E402
from bot.messages import Identity  # noqa: E402
from bot.models import City, CityChannel, Member, Role  # noqa: E402
from bot.services.calendar.broadcasts import item_of  # noqa: E402
from bot.services.delivery import DeliveryService  # noqa: E402
from bot.settings import Settings  # noqa: E402
from bot.wiring import Core, build_core  # noqa: E402
from integrations.deepl.translator import DeepLTranslator  # noqa: E402
from integrations.discord.bot import ICCBot  # noqa: E402
from integrations.slack.chat import SlackChat, WorkspaceClients  # noqa: E402
from tests.fakes import discord as fd  # noqa: E402
from tests.fakes.deepl import FakeDeepL, deepl_client_settings  # noqa: E402
from tests.fakes.discord_limits import BotLimits  # noqa: E402
from tests.fakes.discord_nonce import MessageNonces  # noqa: E402
from tests.fakes.slack import DEFAULT_TEAM_ID, FakeSlackWebAPI  # noqa: E402
from tests.fakes.slack_history import serve_history  # noqa: E402
from tests.fakes.slack_limits import ChannelLimits  # noqa: E402

GUILD = 900000000000000001
PER_SECOND = 50
LANGUAGES = ("en", "fr", "es", "it", "pt", "de", "uk")
TEXT = ("International Migrants Day is on 18 December. The campaign kit is ready: posters, the short film and the "
        "social media cards. Tell the network what your city is doing, with /share-practice.")
#: A claim's lease (an attempt may take a third of it). A worker killed half-way leaves its claims `sending`; the
#: other takes them over once their lease runs out, so `--kill` runs shorten it (`--lease`). Shorter than this, an
#: attempt that waits out discord.py's own handling of a 429 runs out of time and waits for a retry instead.
LEASE_SECONDS = 30.0
KILL_LEASE_SECONDS = 8.0


@dataclass
class Fakes:
    """The three loopback services and what they count."""

    slack: FakeSlackWebAPI
    discord: fd.FakeDiscord
    deepl: FakeDeepL
    slack_limits: ChannelLimits
    discord_limits: BotLimits
    slack_channels: list[Identity] = field(default_factory=list)
    discord_channels: list[Identity] = field(default_factory=list)
    slack_people: list[Identity] = field(default_factory=list)
    discord_people: list[Identity] = field(default_factory=list)

    def last_discord_post(self, started: float) -> float:
        """When the Discord fake took its last message, in seconds after `started` (the wall clock)."""
        return max((datetime.fromisoformat(m["timestamp"]).timestamp() for m in self.discord.messages.values()
                    if m.get("nonce")), default=started) - started

    def delivered(self) -> Counter[str]:
        """How many messages carry each delivery key, on both platforms."""
        keys: Counter[str] = Counter()
        for messages in self.slack._messages.values():
            for message in messages:
                payload = (message.get("metadata") or {}).get("event_payload") or {}
                if payload.get("part", 0) == 0 and payload.get("key"):
                    keys[f"slack:{payload['key']}"] += 1
        for message in self.discord.messages.values():
            if message.get("nonce") and str(message.get("author", {}).get("id")) == str(self.discord.bot_user["id"]):
                keys[f"discord:{message['nonce']}"] += 1
        return keys


def make_network(fakes: Fakes, *, slack_channels: int, discord_channels: int, coordinators: int) -> None:
    """Channels in both fakes, and the coordinators (half on each platform) as users there."""
    slack, discord_fake = fakes.slack, fakes.discord
    fakes.slack_channels = [
        Identity("slack", DEFAULT_TEAM_ID, slack.add_channel(f"city-{n}", members=[slack.bot_user_id]))
        for n in range(slack_channels)]
    discord_fake.add_guild(GUILD, name="ICC", channels=[f"city-{n}" for n in range(discord_channels)])
    fakes.discord_channels = [Identity("discord", str(GUILD), str(cid)) for cid, channel in
                              discord_fake.channels.items() if str(channel.get("name", "")).startswith("city-")]
    for n in range(coordinators):
        language = LANGUAGES[n % len(LANGUAGES)]
        if n % 2 == 0:
            user = f"UC{n:04d}"
            slack.add_user(user, locale=language)
            fakes.slack_people.append(Identity("slack", DEFAULT_TEAM_ID, user))
        else:
            member = discord_fake.add_member(GUILD, name=f"coordinator-{n}", locale=language)
            fakes.discord_people.append(Identity("discord", str(GUILD), str(member["user"]["id"])))


def populate(core: Core, fakes: Fakes, coordinators: int) -> Member:
    """One city per coordinator (7 languages in turn), the 1,000 channels shared among them; the ICC team's sender."""
    channels = fakes.slack_channels + fakes.discord_channels
    people = [person for pair in zip(fakes.slack_people, fakes.discord_people, strict=False) for person in pair]
    people += fakes.slack_people[len(fakes.discord_people):]
    with session_scope(core.engine) as session:
        cities = [City(name=f"City {n}", country="FR", languages=LANGUAGES[n % len(LANGUAGES)],
                       time_zone="Europe/Paris") for n in range(coordinators)]
        session.add_all(cities)
        session.flush()
        session.add_all(CityChannel(city_id=cities[n % len(cities)].id or 0, platform=channel.platform,
                                    workspace_id=channel.workspace, channel_id=channel.id, name=f"city-{n}")
                        for n, channel in enumerate(channels))
        for n, person in enumerate(people):
            session.add(Member(platform=person.platform, workspace_id=person.workspace, user_id=person.id,
                               city_id=cities[n].id, role=Role.coordinator,
                               preferred_language=LANGUAGES[n % len(LANGUAGES)]))
        sender = Member(platform="slack", workspace_id=DEFAULT_TEAM_ID, user_id="UICC", role=Role.icc_team,
                        preferred_language="en")
        session.add(sender)
        session.flush()
        session.refresh(sender)
        return sender


def settings_for(database_url: str, data_dir: Path) -> Settings:
    return Settings(_env_file=None, database_url=database_url, data_dir=data_dir,  # type: ignore[call-arg]
                    discord_token="fake-bot-token", discord_guild_ids=str(GUILD))


def bound(fakes: Fakes) -> tuple[float, str]:
    """The least time the limits allow, and how it is made (every platform works at once)."""
    slack_posts = len(fakes.slack_channels) + len(fakes.slack_people)
    storms = fakes.discord_limits.limited["storm"]
    discord_requests = len(fakes.discord_channels) + 2 * len(fakes.discord_people) + storms
    seconds = max(slack_posts, discord_requests) / PER_SECOND
    how = (f"max(Slack {slack_posts} posts, Discord {len(fakes.discord_channels)} posts + "
           f"{len(fakes.discord_people)} x 2 for direct messages + {storms} first attempts answered 429 = "
           f"{discord_requests} requests) / {PER_SECOND} per second")
    return seconds, how


@asynccontextmanager
async def sending(core: Core, fakes: Fakes) -> AsyncIterator[DeliveryService]:
    """The core's outbox sending to both fakes (a real Discord bot connected, slack_sdk) until the block ends."""
    bot = ICCBot(core, guild_ready_timeout=0.05, sync_at_start=False)
    async with fakes.discord.run_client(bot, timeout=30):
        delivery = core.services.delivery
        delivery.attach_chat(SlackChat(WorkspaceClients(base_url=fakes.slack.base_url, bot_token="xoxb-b")))
        delivery.attach_chat(bot.chat)
        stop = asyncio.Event()
        sender_loop = asyncio.create_task(delivery.run(stop))
        try:
            yield delivery
        finally:
            stop.set()
            await sender_loop


async def main_bench(args: argparse.Namespace, database_url: str, data_dir: Path) -> None:
    async with FakeSlackWebAPI() as slack, fd.FakeDiscord(rate_limit=PER_SECOND, heartbeat_interval_ms=600_000) \
            as discord_fake:
        deepl = FakeDeepL().start()
        serve_history(slack)
        fakes = Fakes(slack, discord_fake, deepl,
                      ChannelLimits(slack, per_channel=1.0, per_workspace=PER_SECOND,
                                    first_attempts_limited=args.limited),
                      BotLimits(discord_fake, per_second=PER_SECOND, first_attempts_limited=args.limited))
        MessageNonces(discord_fake)
        make_network(fakes, slack_channels=args.slack_channels, discord_channels=args.discord_channels,
                     coordinators=args.coordinators)
        translator = DeepLTranslator(deepl.auth_key, server_url=deepl.url, timeout=10.0)
        core = build_core(settings_for(database_url, data_dir), translator=translator)
        sender = populate(core, fakes, args.coordinators)
        translation = core.services.translation
        assert translation is not None, "translation is not configured"
        await translation.start()
        await translation.engine.ready()
        deepl.translate_calls.clear()
        billed_before = deepl.billed_characters
        broadcasts = core.services.calendar.broadcasts
        preview = await broadcasts.prepare(sender, TEXT, to="all", via="both", language="en")
        assert preview.broadcast.id is not None
        item = item_of(preview.broadcast.id)
        deepl_requests = len(deepl.translate_calls)
        billed = deepl.billed_characters - billed_before
        workers: list[subprocess.Popen[bytes]] = []
        worker_cpu: list[float] = []
        killed = ""
        total = preview.targets.count

        async def finished() -> bool:
            """Every target has its message in the fakes (or, every 10th look, the outbox says all ended)."""
            nonlocal looks
            looks += 1
            if len(fakes.delivered()) >= total:
                return True
            return looks % 10 == 0 and await asyncio.to_thread(lambda: core.services.delivery.report(item).finished)

        looks = 0
        with fd.point_discord_at(discord_fake):
            if args.in_process:
                async with sending(core, fakes):
                    started, wall_started, cpu = time.perf_counter(), time.time(), time.process_time()
                    broadcasts.confirm(preview.broadcast.id, sender)
                    while not await finished():
                        await asyncio.sleep(0.1)
                    wall, cpu = time.perf_counter() - started, time.process_time() - cpu
                    while not await asyncio.to_thread(lambda: core.services.delivery.report(item).finished):
                        await asyncio.sleep(0.1)  # the last outcomes recorded
            else:
                lease = args.lease or (KILL_LEASE_SECONDS if args.kill else LEASE_SECONDS)
                workers = [await start_worker(n, database_url, data_dir, slack, discord_fake, lease)
                           for n in range(args.workers)]
                started, wall_started, cpu = time.perf_counter(), time.time(), time.process_time()
                broadcasts.confirm(preview.broadcast.id, sender)
                while not await finished():
                    if args.kill and not killed and len(fakes.delivered()) >= total // 2:
                        workers[0].send_signal(signal.SIGKILL)
                        killed = (f"worker 1 (pid {workers[0].pid}) killed with -9 after "
                                  f"{len(fakes.delivered())} of {total} deliveries")
                    await asyncio.sleep(0.1)
                wall, cpu = time.perf_counter() - started, time.process_time() - cpu
                while not await asyncio.to_thread(lambda: core.services.delivery.report(item).finished):
                    await asyncio.sleep(0.1)  # the last outcomes recorded
                for worker in workers:
                    if worker.poll() is None:
                        worker.terminate()
                for worker in workers:
                    worker.wait(timeout=30)
                    assert worker.stdout is not None
                    said = worker.stdout.read().decode().split()
                    if "cpu" in said:
                        worker_cpu.append(float(said[said.index("cpu") + 1]))
        report = core.services.delivery.report(item)
        delivered = fakes.delivered()
        least, how = bound(fakes)
        discord_done = fakes.last_discord_post(wall_started)
        translator.close()
        deepl.stop()
        core.engine.dispose()

    targets = preview.targets
    languages = targets.locales()
    print(f"targets            {targets.count}: {len(fakes.slack_channels)} Slack channels, "
          f"{len(fakes.discord_channels)} Discord channels, {len(targets.people)} coordinators by direct message "
          f"({len(fakes.slack_people)} Slack, {len(fakes.discord_people)} Discord), {len(languages)} languages")
    print("workers            " + ("none: sent from the process of the fakes" if args.in_process else
                                   f"{args.workers} process(es) beside the one of the fakes") +
          (f"; {killed}" if killed else ""))
    print(f"delivered          {len(delivered)}")
    twice = "".join(f" [{key} x{n}]" for key, n in delivered.items() if n > 1)  # which ones, to look into
    print(f"duplicates         {sum(n - 1 for n in delivered.values())}{twice}")
    print(f"lost               {targets.count - len(delivered)}")
    print(f"outbox             {dict(report.counts)}")
    print(f"DeepL              {deepl_requests} requests (languages needed besides the original: "
          f"{len(languages) - 1}), {billed} billed characters ({len(TEXT)} x {len(languages) - 1})")
    print(f"429 answered       Slack {sum(fakes.slack_limits.limited.values())}, Discord "
          f"{dict(fakes.discord_limits.limited)} of {fakes.discord_limits.requests} requests")
    print(f"wall time          {wall:.2f} s from the confirmation to the last delivery "
          f"(Discord's last post at {discord_done:.2f} s)")
    workers_said = (f"; the worker(s) that finished, from ready to stopped: "
                    f"{', '.join(f'{seconds:.2f} s' for seconds in worker_cpu)}") if worker_cpu else ""
    print(f"CPU                {cpu:.2f} s of the process of the fakes meanwhile{workers_said}; load average "
          f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} processors")
    print(f"bound              {least:.2f} s = {how}")
    print(f"ratio              {wall / least:.2f} x the bound")


async def start_worker(number: int, database_url: str, data_dir: Path, slack: FakeSlackWebAPI,
                       discord_fake: fd.FakeDiscord, lease: float = LEASE_SECONDS) -> subprocess.Popen[bytes]:
    """A worker process sending deliveries (as `python -m bot worker` would); returns once it is connected."""
    config = {"number": number + 1, "database_url": database_url, "data_dir": str(data_dir), "lease": lease,
              "slack": slack.base_url, "discord_api": discord_fake.api_base,
              "discord_gateway": discord_fake.gateway_url}
    log = open(data_dir / f"worker-{number + 1}.log", "wb")  # noqa: SIM115 - the worker's own to keep
    worker = subprocess.Popen([sys.executable, __file__, "--worker", json.dumps(config)], stdout=subprocess.PIPE,
                              stderr=log)
    assert worker.stdout is not None
    line = await asyncio.to_thread(worker.stdout.readline)
    if line.strip() != b"ready":
        raise RuntimeError(f"worker {number + 1} did not start: see {data_dir}/worker-{number + 1}.log")
    return worker


async def run_worker(config: dict[str, Any]) -> None:
    """One worker: a Discord bot and a Slack client on the fakes, sending from the shared outbox until stopped."""
    import yarl
    from discord.gateway import DiscordWebSocket
    from discord.http import Route

    Route.BASE = config["discord_api"]
    DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(config["discord_gateway"])
    core = build_core(settings_for(config["database_url"], Path(config["data_dir"])), migrate=False)
    delivery = DeliveryService(core.engine, core.services.members, worker=f"worker-{config['number']}",
                               lease=timedelta(seconds=config["lease"]), poll_interval=0.5)
    bot = ICCBot(core, guild_ready_timeout=0.05, sync_at_start=False)
    await bot.login("fake-bot-token")
    connected = asyncio.create_task(bot.connect(reconnect=True))
    await asyncio.wait_for(bot.wait_until_ready(), 30)
    delivery.attach_chat(SlackChat(WorkspaceClients(base_url=config["slack"], bot_token="xoxb-b")))
    delivery.attach_chat(bot.chat)
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    print("ready", flush=True)
    cpu = time.process_time()
    await delivery.run(stop)
    print(f"cpu {time.process_time() - cpu:.2f}", flush=True)  # what sending took of the processor
    await bot.close()
    connected.cancel()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--slack-channels", type=int, default=500)
    parser.add_argument("--discord-channels", type=int, default=500)
    parser.add_argument("--coordinators", type=int, default=140, help="coordinators by direct message")
    parser.add_argument("--limited", type=float, default=0.2, help="share of first attempts answered with 429")
    parser.add_argument("--workers", type=int, default=1,
                        help="worker processes sending from the outbox (more than one: PostgreSQL)")
    parser.add_argument("--in-process", action="store_true",
                        help="send from this process, beside the fakes, instead of from worker processes")
    parser.add_argument("--kill", action="store_true", help="kill -9 the first worker half-way")
    parser.add_argument("--lease", type=float, default=0.0,
                        help=f"claims' lease, seconds (default {LEASE_SECONDS:g}; --kill: {KILL_LEASE_SECONDS:g})")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    args = parser.parse_args()
    logging.basicConfig(level=logging.ERROR)
    if args.worker:
        asyncio.run(run_worker(json.loads(args.worker)))
        return
    if args.workers > 1 and not os.environ.get("DATABASE_URL", "").startswith("postgresql"):
        parser.error("several workers share the outbox through PostgreSQL: set DATABASE_URL")
    with tempfile.TemporaryDirectory() as folder, database(folder) as url, \
            deepl_client_settings(max_retries=2, timeout=5.0):
        asyncio.run(main_bench(args, url, Path(folder)))


if __name__ == "__main__":
    main()
