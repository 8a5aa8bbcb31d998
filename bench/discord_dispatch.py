"""Benchmark: MESSAGE_CREATE dispatches through the fake Discord gateway into the bot's message listeners.

The fake runs in a child process, so the figures are the bot process's alone. The child dispatches the
messages (by default 2,000 at 500 per second) with its send time in each message; the bot — a real `ICCBot` on
a real core (SQLite in a temporary folder) — hands each one to the core's message listeners, where one
listener records when it arrived. Printed: the handling latency (gateway send -> listener, p50/p90/p99/max),
the throughput, and the bot process's peak memory (resident set size).

    python bench/discord_dispatch.py                  # 2,000 messages at 500/s
    python bench/discord_dispatch.py --rate 0         # all at once (queueing included in the latency)
    python bench/discord_dispatch.py --count 10000
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

GUILD, CHANNEL, AUTHOR = 900000000000000001, 900000000000000011, 800000000000000001
TOKEN = "bench-bot-token"


# ---------------------------------------------------------------- the child: Discord


async def serve_fake(count: int, rate: float) -> None:
    """Run the fake, print its port, wait for the bot, then dispatch on "go" (read from stdin)."""
    from tests.fakes.discord import FakeDiscord

    async with FakeDiscord(token=TOKEN, heartbeat_interval_ms=41250) as fake:
        fake.add_guild(GUILD, name="ICC", channels=[{"id": CHANNEL, "name": "cluster-education"}],
                       members=[{"user_id": AUTHOR, "name": "ana", "locale": "pt-BR"}])
        print(json.dumps({"port": fake.port}), flush=True)
        await fake.wait_connected(timeout=30)
        loop = asyncio.get_running_loop()
        await loop.run_in_executor(None, sys.stdin.readline)
        interval = 1.0 / rate if rate > 0 else 0.0
        started = time.perf_counter()
        for number in range(count):
            if interval:
                delay = started + number * interval - time.perf_counter()
                if delay > 0:
                    await asyncio.sleep(delay)
            text = f"{time.time_ns()} Bom dia a todos, mensagem {number}"
            payload = fake.message_create_payload(CHANNEL, AUTHOR, text, store=False)
            await fake.dispatch("MESSAGE_CREATE", payload)
        print(json.dumps({"sent": count, "seconds": time.perf_counter() - started}), flush=True)
        await loop.run_in_executor(None, sys.stdin.readline)  # until the bot is done


# ---------------------------------------------------------------- the parent: the bot


async def run_bot(count: int, rate: float) -> dict[str, float]:
    import yarl
    from discord.gateway import DiscordWebSocket
    from discord.http import Route
    from pydantic import SecretStr

    from bot.messages import MessagePosted
    from bot.ports import Chat
    from bot.settings import Settings
    from bot.wiring import build_core
    from integrations.discord.bot import ICCBot

    child = subprocess.Popen(
        [sys.executable, __file__, "--serve-fake", "--count", str(count), "--rate", str(rate)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, cwd=ROOT,
    )
    assert child.stdin is not None and child.stdout is not None
    try:
        port = json.loads(child.stdout.readline())["port"]
        Route.BASE = f"http://127.0.0.1:{port}/api/v10"
        DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(f"ws://127.0.0.1:{port}/")

        folder = tempfile.mkdtemp(prefix="icc-bench-")
        settings = Settings(_env_file=None, database_url=f"sqlite:///{folder}/bench.sqlite3",  # type: ignore[call-arg]
                            discord_token=SecretStr(TOKEN))
        core = build_core(settings)
        latencies: list[float] = []
        all_in = asyncio.Event()

        async def record(event: MessagePosted, chat: Chat) -> None:
            latencies.append((time.time_ns() - int(event.text.plain().split(" ", 1)[0])) / 1e6)
            if len(latencies) == count:
                all_in.set()

        core.dispatcher.on_message(record)
        bot = ICCBot(core, sync_at_start=False, guild_ready_timeout=0.05)
        async with bot:
            await bot.login(TOKEN)
            connection = asyncio.create_task(bot.connect(reconnect=True))
            await bot.wait_until_ready()
            rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
            started = time.perf_counter()
            child.stdin.write("go\n")
            child.stdin.flush()
            await asyncio.wait_for(all_in.wait(), timeout=60 + count / 50)
            elapsed = time.perf_counter() - started
            await bot.close()
            await asyncio.wait_for(connection, 10)
        child.stdin.write("done\n")
        child.stdin.flush()
        sent = json.loads(child.stdout.readline())
    finally:
        try:
            child.wait(timeout=10)
        except subprocess.TimeoutExpired:
            child.kill()
    ordered = sorted(latencies)

    def percentile(p: float) -> float:
        return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]

    return {
        "messages": len(latencies),
        "seconds": elapsed,
        "send_seconds": sent["seconds"],
        "p50": percentile(50),
        "p90": percentile(90),
        "p99": percentile(99),
        "max": ordered[-1],
        "mean": statistics.fmean(ordered),
        "rss_before_mib": rss_before / 1024,
        "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--count", type=int, default=2000)
    parser.add_argument("--rate", type=float, default=500.0, help="messages per second; 0 sends them all at once")
    parser.add_argument("--serve-fake", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve_fake:
        asyncio.run(serve_fake(args.count, args.rate))
        return
    logging.basicConfig(level=logging.WARNING)
    logging.getLogger("discord").setLevel(logging.ERROR)
    figures = asyncio.run(run_bot(args.count, args.rate))
    pace = f"{args.rate:g}/s" if args.rate > 0 else "all at once"
    print(f"discord_dispatch: {figures['messages']} MESSAGE_CREATE through the fake gateway ({pace})")
    print(f"  handling latency (gateway send -> core listener): p50 {figures['p50']:.2f} ms, "
          f"p90 {figures['p90']:.2f} ms, p99 {figures['p99']:.2f} ms, max {figures['max']:.2f} ms")
    print(f"  throughput: {figures['messages'] / figures['seconds']:.0f} messages/s "
          f"({figures['seconds']:.2f} s for all; the fake took {figures['send_seconds']:.2f} s to send them)")
    print(f"  bot process peak memory (max RSS): {figures['peak_rss_mib']:.1f} MiB "
          f"({figures['rss_before_mib']:.1f} MiB when connected, before the messages)")


if __name__ == "__main__":
    main()
