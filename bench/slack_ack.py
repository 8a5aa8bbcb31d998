"""Slack acknowledgement latency: sustained signed slash commands against the bot's HTTP endpoint.

Three processes are started: the loopback Slack fake (Web API and response URLs), the bot's real web process
(`python -m bot web`, uvicorn on 127.0.0.1) and, for comparison, a bare slack-bolt app that only acknowledges,
served by uvicorn the same way. Each server gets the same open-loop load, one after the other in the same run:
`--rate` signed `/help` commands per second for `--seconds` seconds (requests are sent on schedule whether or
not earlier ones were answered, so a slow server cannot slow the load down), from 50 different people. The two
servers take turns in slices of `--slice` seconds, so that other activity on the machine weighs on both alike.

Printed: acknowledgement latency p50/p99/max and errors for both, and whether the target holds
(p99 ≤ 50 ms and ≤ 1.5 × the bare app's). Run from the repository root:

    python bench/slack_ack.py                      # 50 requests/s for 30 s each
    python bench/slack_ack.py --rate 50 --seconds 30 --warmup 3

DATABASE_URL, when set, is used by the bot (PostgreSQL); otherwise a fresh SQLite file in a temporary folder.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

import aiohttp

ROOT = Path(__file__).resolve().parents[1]
SECRET = "bench-signing-secret"
BOT_TOKEN = "xoxb-bench-0000000000-000000000000-benchbenchbenchbench"
TEAM = "T0ICC0001"
PEOPLE = [f"U0BENCH{n:03d}" for n in range(50)]
ACK_DEADLINE = 3.0


# ---------------------------------------------------------------- the processes


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def serve_fake(port_file: str) -> None:
    """Child process: the Slack fake, until killed."""
    sys.path.insert(0, str(ROOT))
    from tests.fakes.slack import FakeSlackWebAPI

    async def run() -> None:
        async with FakeSlackWebAPI() as fake:
            for person in PEOPLE:
                fake.add_user(person, locale="fr-FR")
            # How many answers reached response URLs: the work after the acknowledgement was done.
            fake.on("bench.stats", lambda call: {"answers": len(fake.responses)})
            Path(port_file).write_text(str(fake.port))
            while True:
                await asyncio.sleep(3600)

    asyncio.run(run())


def serve_bare(port: int, api_url: str) -> None:
    """Child process: a bolt app that acknowledges every command and does nothing else."""
    import uvicorn
    from slack_bolt.adapter.starlette.async_handler import AsyncSlackRequestHandler
    from slack_bolt.async_app import AsyncApp
    from slack_sdk.web.async_client import AsyncWebClient
    from starlette.applications import Starlette
    from starlette.routing import Route

    app = AsyncApp(signing_secret=SECRET, client=AsyncWebClient(token=BOT_TOKEN, base_url=api_url))

    @app.command(re.compile(r"^/.+"))
    async def acknowledge(ack):  # type: ignore[no-untyped-def]
        await ack()

    handler = AsyncSlackRequestHandler(app)

    async def events(request):  # type: ignore[no-untyped-def]
        return await handler.handle(request)

    web = Starlette(routes=[Route("/slack/events", events, methods=["POST"])])
    uvicorn.run(web, host="127.0.0.1", port=port, log_level="warning", access_log=False, lifespan="off")


def start(args: list[str], log: Path, env: dict[str, str] | None = None) -> subprocess.Popen[bytes]:
    """A child process whose output goes to `log` (a pipe nobody reads would block it once full)."""
    with log.open("wb") as output:
        return subprocess.Popen([sys.executable, *args], cwd=ROOT, env={**os.environ, **(env or {})},
                                stdout=output, stderr=subprocess.STDOUT)


async def wait_until_up(url: str, process: subprocess.Popen[bytes], log: Path, *, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    async with aiohttp.ClientSession() as session:
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise RuntimeError(f"server exited: {log.read_text(errors='replace')[-2000:]}")
            try:
                async with session.post(url, data=b"") as response:
                    await response.read()
                    return
            except aiohttp.ClientError:
                await asyncio.sleep(0.2)
    raise TimeoutError(f"{url} did not come up")


# ---------------------------------------------------------------- the load


def signed_command(number: int, response_url: str) -> tuple[bytes, dict[str, str]]:
    import hashlib
    import hmac

    person = PEOPLE[number % len(PEOPLE)]
    body = urlencode({
        "token": "bench", "team_id": TEAM, "team_domain": "icc-bench", "channel_id": "C0GENERAL",
        "channel_name": "general", "user_id": person, "user_name": person.lower(), "command": "/help",
        "text": "", "api_app_id": "A0ICC0001", "is_enterprise_install": "false",
        "response_url": f"{response_url}/cmd-{number}", "trigger_id": f"{number}.1.bench",
    }).encode()
    timestamp = str(int(time.time()))
    signature = "v0=" + hmac.new(SECRET.encode(), f"v0:{timestamp}:".encode() + body, hashlib.sha256).hexdigest()
    headers = {"Content-Type": "application/x-www-form-urlencoded", "X-Slack-Request-Timestamp": timestamp,
               "X-Slack-Signature": signature}
    return body, headers


@dataclass
class Run:
    name: str
    latencies: list[float] = field(default_factory=list)
    errors: dict[str, int] = field(default_factory=dict)

    def error(self, kind: str) -> None:
        self.errors[kind] = self.errors.get(kind, 0) + 1

    def percentile(self, q: float) -> float:
        ordered = sorted(self.latencies)
        if not ordered:
            return float("nan")
        index = min(len(ordered) - 1, max(0, round(q * len(ordered)) - 1))
        return ordered[index] * 1000


async def load(name: str, url: str, response_url: str, *, rate: float, seconds: float) -> Run:
    """Open-loop load: request i leaves at start + i/rate, whatever happened to the others."""
    run = Run(name)
    total = int(rate * seconds)
    connector = aiohttp.TCPConnector(limit=0)
    timeout = aiohttp.ClientTimeout(total=ACK_DEADLINE)
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:
        loop = asyncio.get_running_loop()
        start_at = loop.time() + 0.2

        async def one(number: int) -> None:
            await asyncio.sleep(max(0.0, start_at + number / rate - loop.time()))
            body, headers = signed_command(number, response_url)
            began = time.perf_counter()
            try:
                async with session.post(url, data=body, headers=headers) as response:
                    await response.read()
                    elapsed = time.perf_counter() - began
                    if response.status != 200:
                        run.error(f"HTTP {response.status}")
                        return
            except TimeoutError:
                run.error("no ack within 3 s")
                return
            except aiohttp.ClientError as exc:
                run.error(type(exc).__name__)
                return
            run.latencies.append(elapsed)

        await asyncio.gather(*(one(number) for number in range(total)))
    return run


async def answered(api_url: str, expected: int, *, wait: float = 10.0) -> int:
    """The answers the fake received (the bare app sends none), once they stop arriving or all are in."""
    deadline = time.monotonic() + wait
    async with aiohttp.ClientSession() as session:
        while True:
            async with session.post(api_url + "bench.stats", headers={"Authorization": "Bearer x"}) as response:
                count = int((await response.json())["answers"])
            if count >= expected or time.monotonic() > deadline:
                return count
            await asyncio.sleep(0.2)


def report(run: Run, requests: int) -> str:
    errors = sum(run.errors.values())
    detail = f" ({', '.join(f'{k}: {v}' for k, v in run.errors.items())})" if run.errors else ""
    if not run.latencies:
        return f"{run.name:<22} no successful request; errors {errors}/{requests}{detail}"
    return (f"{run.name:<22} p50 {run.percentile(0.50):6.2f} ms   p99 {run.percentile(0.99):6.2f} ms   "
            f"max {max(run.latencies) * 1000:7.2f} ms   mean {statistics.fmean(run.latencies) * 1000:6.2f} ms   "
            f"errors {errors}/{requests}{detail}")


async def main(options: argparse.Namespace) -> int:
    workdir = Path(tempfile.mkdtemp(prefix="icc-bench-"))
    port_file = workdir / "fake.port"
    processes: list[subprocess.Popen[bytes]] = []
    try:
        processes.append(start([__file__, "_fake", str(port_file)], workdir / "fake.log"))
        for _ in range(200):
            if port_file.exists() and port_file.read_text():
                break
            await asyncio.sleep(0.05)
        fake_port = int(port_file.read_text())
        api_url = f"http://127.0.0.1:{fake_port}/api/"
        response_url = f"http://127.0.0.1:{fake_port}/response_url"

        bare_port, bot_port = _free_port(), _free_port()
        bare = start([__file__, "_bare", str(bare_port), api_url], workdir / "bare.log")
        bot = start(["-m", "bot", "web"], workdir / "bot.log", env={
            "SLACK_BOT_TOKEN": BOT_TOKEN, "SLACK_SIGNING_SECRET": SECRET, "SLACK_API_URL": api_url,
            "HOST": "127.0.0.1", "PORT": str(bot_port), "LOG_LEVEL": "WARNING", "ICC_DATA_DIR": str(workdir),
            "DATABASE_URL": os.environ.get("DATABASE_URL", f"sqlite:///{workdir / 'bench.sqlite3'}"),
            "SLACK_APP_TOKEN": "", "SLACK_CLIENT_ID": "", "SLACK_CLIENT_SECRET": "", "DISCORD_TOKEN": "",
            "DEEPL_AUTH_KEY": "",
        })
        processes += [bare, bot]
        targets = [("bare slack-bolt app", f"http://127.0.0.1:{bare_port}/slack/events", bare),
                   ("ICC Bot (bot web)", f"http://127.0.0.1:{bot_port}/slack/events", bot)]
        await wait_until_up(targets[0][1], bare, workdir / "bare.log")
        await wait_until_up(targets[1][1], bot, workdir / "bot.log")

        requests = int(options.rate * options.seconds)
        print(f"Slack ack latency: {options.rate:g} signed /help commands per second for {options.seconds:g} s "
              f"({requests} requests) per server in turns of {options.slice:g} s, open loop, uvicorn on 127.0.0.1; "
              f"database {'PostgreSQL' if os.environ.get('DATABASE_URL', '').startswith('postgres') else 'SQLite'}"
              f"; {os.cpu_count()} CPUs")
        for name, url, _process in targets:
            if options.warmup:
                await load(name, url, response_url, rate=options.rate, seconds=options.warmup)
        # Interleaved slices, so that whatever else the machine does weighs on both servers alike.
        runs = [Run(name) for name, _url, _process in targets]
        slices = max(1, round(options.seconds / options.slice))
        for _ in range(slices):
            for run, (name, url, _process) in zip(runs, targets, strict=True):
                part = await load(name, url, response_url, rate=options.rate, seconds=options.seconds / slices)
                run.latencies += part.latencies
                for kind, count in part.errors.items():
                    run.errors[kind] = run.errors.get(kind, 0) + count
        bare_run, bot_run = runs
        for run in runs:
            print(report(run, requests))
        expected = requests + int(options.rate * options.warmup)
        answers = await answered(api_url, expected)
        print(f"ICC Bot answers received at the response URLs after its acks: {answers}/{expected}")
        ratio = bot_run.percentile(0.99) / bare_run.percentile(0.99)
        ok = bot_run.percentile(0.99) <= 50 and ratio <= 1.5 and not bot_run.errors
        print(f"p99 ratio bot/bare {ratio:.2f} (target ≤ 1.5); bot p99 {bot_run.percentile(0.99):.2f} ms "
              f"(target ≤ 50 ms): {'MET' if ok else 'NOT MET'}")
        print(json.dumps({"bare": {"p50_ms": round(bare_run.percentile(0.5), 2),
                                   "p99_ms": round(bare_run.percentile(0.99), 2),
                                   "errors": sum(bare_run.errors.values())},
                          "bot": {"p50_ms": round(bot_run.percentile(0.5), 2),
                                  "p99_ms": round(bot_run.percentile(0.99), 2),
                                  "errors": sum(bot_run.errors.values())},
                          "requests_each": requests, "target_met": ok}))
        print(f"(server logs in {workdir})")
        return 0 if ok else 1
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "_fake":
        serve_fake(sys.argv[2])
    elif len(sys.argv) > 1 and sys.argv[1] == "_bare":
        serve_bare(int(sys.argv[2]), sys.argv[3])
    else:
        parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
        parser.add_argument("--rate", type=float, default=50.0, help="requests per second (default 50)")
        parser.add_argument("--seconds", type=float, default=30.0, help="duration per server (default 30)")
        parser.add_argument("--warmup", type=float, default=3.0, help="seconds of unmeasured load first")
        parser.add_argument("--slice", type=float, default=5.0,
                            help="the servers take turns in slices of this many seconds (default 5)")
        sys.exit(asyncio.run(main(parser.parse_args())))
