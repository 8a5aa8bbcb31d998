"""Benchmark: one message to many channels on Slack and Discord through the delivery outbox.

A real core (SQLite in a temporary folder, or DATABASE_URL) sends one item to `--channels` channels in the Slack
fake and as many in the Discord fake, through the real slack_sdk and a real discord.py bot. The Slack fake keeps
Slack's limits (one post per second per channel, 50 per second per workspace) and answers a share of first
attempts with 429 and `Retry-After: 1`; the Discord fake has its per-route buckets and answers the same share of
channels with a 429 of one second (which discord.py waits out itself). Printed: delivered, duplicates, lost,
the wall time, and the bound the rate limits allow (posts / 50 per second, per platform, side by side).

    python bench/delivery.py                     # 200 channels per platform, 20 % of first attempts limited
    python bench/delivery.py --channels 500 --senders 2    # two senders sharing the outbox (use PostgreSQL)
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import os
import random
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot import db  # noqa: E402
from bot.messages import Identity, Reply  # noqa: E402
from bot.services.delivery import DeliveryService  # noqa: E402
from bot.services.members import MemberService  # noqa: E402
from bot.settings import Settings  # noqa: E402
from bot.wiring import build_core  # noqa: E402
from integrations.discord.bot import ICCBot  # noqa: E402
from integrations.slack.chat import SlackChat, WorkspaceClients  # noqa: E402
from tests.fakes import discord as fd  # noqa: E402
from tests.fakes.discord_nonce import MessageNonces  # noqa: E402
from tests.fakes.slack import DEFAULT_TEAM_ID, FakeSlackWebAPI  # noqa: E402
from tests.fakes.slack_history import serve_history  # noqa: E402
from tests.fakes.slack_limits import ChannelLimits  # noqa: E402

GUILD = 900000000000000001
LIMIT_PER_SECOND = 50


def campaign(locale: str) -> Reply:
    return Reply(text=f"[{locale}] 18 December, International Migrants Day: tell the network what your city does.")


async def bench(channels: int, share_limited: float, senders: int, database_url: str, data_dir: Path) -> None:
    async with FakeSlackWebAPI() as slack, fd.FakeDiscord(rate_limit=LIMIT_PER_SECOND) as discord_fake:
        serve_history(slack)
        limits = ChannelLimits(slack, per_channel=1.0, per_workspace=LIMIT_PER_SECOND,
                               first_attempts_limited=share_limited)
        slack_channels = [
            Identity("slack", DEFAULT_TEAM_ID, slack.add_channel(f"city-{n}", members=[slack.bot_user_id]))
            for n in range(channels)
        ]
        discord_fake.add_guild(GUILD, name="ICC", channels=[f"city-{n}" for n in range(channels)])
        discord_channels = [Identity("discord", str(GUILD), str(cid)) for cid, channel in discord_fake.channels.items()
                            if channel.get("name", "").startswith("city-")]
        nonces = MessageNonces(discord_fake)
        for target in random.Random(7).sample(discord_channels, int(len(discord_channels) * share_limited)):
            discord_fake.rate_limit_next("POST", f"/channels/{target.id}/messages", retry_after=1.0)

        settings = Settings(_env_file=None, database_url=database_url, data_dir=data_dir,  # type: ignore[call-arg]
                            discord_token="fake-bot-token", discord_guild_ids=str(GUILD))
        core = build_core(settings)
        engines = [db.make_engine(settings.effective_database_url) for _ in range(senders - 1)]
        services = [core.services.delivery] + [DeliveryService(engine, MemberService(engine), worker=f"sender-{n + 2}")
                                               for n, engine in enumerate(engines)]
        with fd.point_discord_at(discord_fake):
            bot = ICCBot(core, guild_ready_timeout=0.05, sync_at_start=False)
            async with discord_fake.run_client(bot):
                for service in services:
                    service.attach_chat(SlackChat(WorkspaceClients(base_url=slack.base_url, bot_token="xoxb-bench")))
                    service.attach_chat(bot.chat)
                item = f"bench:{time.time_ns()}"
                stop = asyncio.Event()
                started, cpu_started = time.perf_counter(), time.process_time()
                added = core.services.delivery.to_channels(item, slack_channels + discord_channels, campaign, "pt")
                loops = [asyncio.create_task(service.run(stop)) for service in services]
                while not core.services.delivery.report(item).finished:
                    await asyncio.sleep(0.05)
                wall, cpu = time.perf_counter() - started, time.process_time() - cpu_started
                stop.set()
                await asyncio.gather(*loops)
        report = core.services.delivery.report(item)
        for engine in engines:
            engine.dispose()
        core.engine.dispose()

    slack_keys = Counter(message["metadata"]["event_payload"]["key"]
                         for messages in slack._messages.values() for message in messages if message.get("metadata"))
    discord_nonces = Counter(message.get("nonce") for message in discord_fake.messages.values() if message.get("nonce"))
    delivered = len(slack_keys) + len(discord_nonces)
    duplicates = sum(n - 1 for n in slack_keys.values()) + sum(n - 1 for n in discord_nonces.values())
    bound = max(len(slack_channels), len(discord_channels)) / LIMIT_PER_SECOND
    print(f"targets            {added} ({channels} Slack channels, {channels} Discord channels), {senders} sender(s)")
    print(f"delivered          {delivered}")
    print(f"duplicates         {duplicates}")
    print(f"lost               {added - delivered}")
    print(f"outbox             {dict(report.counts)}")
    limited_discord = int(len(discord_channels) * share_limited)
    print(f"429 answered       Slack {sum(limits.limited.values())}, Discord {limited_discord}"
          f" (Discord nonces answered with the message already posted: {nonces.repeats})")
    print(f"wall time          {wall:.2f} s (CPU of this process, the fakes included: {cpu:.2f} s)")
    print(f"rate-limit bound   {bound:.2f} s ({LIMIT_PER_SECOND} posts/s per platform, both at once)"
          f" -> {wall / bound:.2f} x the bound")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--channels", type=int, default=200, help="channels per platform")
    parser.add_argument("--limited", type=float, default=0.2, help="share of first attempts answered with 429")
    parser.add_argument("--senders", type=int, default=1, help="senders sharing the outbox (PostgreSQL)")
    args = parser.parse_args()
    logging.basicConfig(level=logging.ERROR)
    with tempfile.TemporaryDirectory() as folder, database(folder) as url:
        asyncio.run(bench(args.channels, args.limited, args.senders, url, Path(folder)))


@contextlib.contextmanager
def database(folder: str) -> Iterator[str]:
    """A SQLite file in `folder`, or with DATABASE_URL a PostgreSQL schema of its own, dropped afterwards."""
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgresql"):
        yield f"sqlite:///{folder}/bench.sqlite3"
        return
    schema = f"bench_delivery_{os.getpid()}"
    admin = db.make_engine(url)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield make_url(url).update_query_dict({"options": f"-csearch_path={schema}"}).render_as_string(
            hide_password=False)
    finally:
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        admin.dispose()


if __name__ == "__main__":
    main()
