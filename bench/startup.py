"""Benchmark: how quickly each process is ready, and how much memory it takes, with translation on.

Each process runs for real (`python -m bot …`, a SQLite database already at the current schema, translation
on with DEEPL_AUTH_KEY pointing at the DeepL fake), several times in a row:

* console: `python -m bot console` — ready when it answers `/help` typed at its prompt;
* web: `python -m bot web` (nothing else configured; `--web-with-slack`: one Slack workspace over HTTP, whose
  API address answers nothing) — ready when `/healthz` answers 200;
* worker: `python -m bot worker` with a Discord token — ready when the Discord fake receives its IDENTIFY.

Printed for each: time to ready (min / median), the processor time the process used until then (median; it
does not grow when others share the machine, as the time to ready does), peak memory (the resident set's
high-water mark, VmHWM, read `--settle` seconds after ready, so what start-up leaves running in the background
counts too), and the time from SIGTERM to the end of the process (median / max; issue 14: it must exit 0, well
within ICC_SHUTDOWN_GRACE).
`--deepl-silent` makes the DeepL fake accept connections and never answer: nothing at start may wait on it.

    python bench/startup.py                 # 5 runs of each
    python bench/startup.py --deepl-silent  # DeepL does not answer
    python bench/startup.py --runs 3 --only web,worker

Targets (issue 7): ready in at most 1.5 s, peak at most 200 MiB per process.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))

READY_TARGET_S = 1.5
PEAK_TARGET_MIB = 200.0
DISCORD_TOKEN = "bench-startup-token"
GUILD, CHANNEL = 900000000000000001, 900000000000000011
HELP_ANSWER = "Here is what I can do for you:"


@dataclass
class Figures:
    """The runs of one process."""

    name: str
    ready: list[float] = field(default_factory=list)
    cpu: list[float] = field(default_factory=list)
    peak_mib: list[float] = field(default_factory=list)
    stop: list[float] = field(default_factory=list)

    def line(self) -> str:
        ready_min, ready_med = min(self.ready), statistics.median(self.ready)
        cpu_med = statistics.median(self.cpu)
        peak_min, peak_med, peak_max = min(self.peak_mib), statistics.median(self.peak_mib), max(self.peak_mib)
        stop_med, stop_max = statistics.median(self.stop), max(self.stop)
        verdict = "ok" if ready_med <= READY_TARGET_S and peak_max <= PEAK_TARGET_MIB else "OVER TARGET"
        return (f"{self.name:<8} {len(self.ready):>4}  {ready_min:6.2f} {ready_med:6.2f}   {cpu_med:6.2f}      "
                f"{peak_min:6.0f} {peak_med:6.0f} {peak_max:6.0f}   {stop_med:6.2f} {stop_max:6.2f}   {verdict}")


def peak_mib(pid: int) -> float:
    """The process's resident set high-water mark (VmHWM), in MiB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmHWM in /proc (Linux only)")


def cpu_seconds(pid: int) -> float:
    """The processor time (user + system) the process has used so far: unlike the time to ready, it does not
    grow when other programs share the machine."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Run:
    """One process started for the benchmark; its standard error kept in a file in case it fails."""

    def __init__(self, args: list[str], env: dict[str, str], folder: Path) -> None:
        self.errors = (folder / "stderr.txt").open("w+")
        self.started = time.perf_counter()
        self.process = subprocess.Popen(args, cwd=ROOT, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                        stderr=self.errors, text=True, bufsize=1)

    def failed(self, what: str) -> RuntimeError:
        self.errors.seek(0)
        tail = "".join(self.errors.readlines()[-15:])
        return RuntimeError(f"{what} (exit status {self.process.poll()})\n{tail}")

    def stop(self) -> float:
        """Send SIGTERM; seconds until the process has ended (it must end with exit status 0)."""
        began = time.perf_counter()
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            raise self.failed("still running 60 s after SIGTERM") from None
        took = time.perf_counter() - began
        if self.process.returncode != 0:
            raise self.failed("SIGTERM did not end it with exit status 0")
        return took

    def end(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait()
        self.errors.close()


async def wait_ready(run: Run, ready: Callable[[], Awaitable[bool]], timeout: float) -> float:
    """Seconds from the start of `run` until `ready()` is true."""
    deadline = time.perf_counter() + timeout
    while not await ready():
        if run.process.poll() is not None:
            raise run.failed("the process ended before it was ready")
        if time.perf_counter() > deadline:
            raise run.failed(f"not ready after {timeout:.0f} s")
        await asyncio.sleep(0.005)
    return time.perf_counter() - run.started


# ---------------------------------------------------------------- each process


async def console_ready(run: Run) -> float:
    assert run.process.stdin is not None and run.process.stdout is not None
    run.process.stdin.write("/help\n")
    run.process.stdin.flush()
    stdout = run.process.stdout
    answered = asyncio.get_running_loop().run_in_executor(None, _read_until, stdout, HELP_ANSWER)

    async def done() -> bool:
        return answered.done()

    took = await wait_ready(run, done, timeout=120)
    if not answered.result():
        raise run.failed("the console never answered /help")
    return took


def _read_until(stdout: object, words: str) -> bool:
    for line in stdout:  # type: ignore[attr-defined]
        if words in line:
            return True
    return False


async def web_ready(run: Run, port: int) -> float:
    async def healthy() -> bool:
        try:
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
        except OSError:
            return False
        try:
            writer.write(b"GET /healthz HTTP/1.1\r\nHost: bench\r\nConnection: close\r\n\r\n")
            await writer.drain()
            status = await reader.readline()
            return status.split()[1:2] == [b"200"]
        except (OSError, IndexError):
            return False
        finally:
            writer.close()

    return await wait_ready(run, healthy, timeout=120)


async def worker_ready(run: Run, fake: object, before: int) -> float:
    async def identified() -> bool:
        return len(fake.identify_payloads) > before  # type: ignore[attr-defined]

    return await wait_ready(run, identified, timeout=120)


def worker_child(api: str, gateway: str) -> None:
    """The worker process, with discord.py's REST base and gateway pointed at the fake (it has no setting)."""
    import yarl
    from discord.gateway import DiscordWebSocket
    from discord.http import Route

    Route.BASE = api
    DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(gateway)
    sys.argv = ["icc-bot", "worker"]
    from bot.cli import main

    main()


# ---------------------------------------------------------------- the benchmark


async def bench(runs: int, only: list[str], settle: float, deepl_silent: bool, web_with_slack: bool) -> list[Figures]:
    from tests.fakes.deepl import FakeDeepL
    from tests.fakes.discord import FakeDiscord

    folder = Path(tempfile.mkdtemp(prefix="icc-startup-"))
    database = f"sqlite:///{folder}/bench.sqlite3"
    base_env = {key: value for key, value in os.environ.items()
                if not key.startswith(("SLACK_", "DISCORD_", "DEEPL_", "DATABASE_", "ICC_"))}
    async with FakeDeepL() as deepl, FakeDiscord(token=DISCORD_TOKEN) as discord:
        discord.add_guild(GUILD, name="ICC", channels=[{"id": CHANNEL, "name": "cluster-education"}])
        if deepl_silent:
            deepl.hang_next(3600, times=1_000_000, path=None)
        env = {**base_env, "DATABASE_URL": database, "ICC_DATA_DIR": str(folder), "LOG_LEVEL": "WARNING",
               "DEEPL_AUTH_KEY": deepl.auth_key, "DEEPL_SERVER_URL": deepl.url, "PYTHONUNBUFFERED": "1"}
        # The schema is current before the first run, as after a deploy's `release` step.
        subprocess.run([sys.executable, "-m", "bot", "db", "upgrade"], cwd=ROOT, env=env, check=True,
                       stdout=subprocess.DEVNULL)
        results = []
        for name in only:
            figures = Figures(name)
            for _ in range(runs):
                port = free_port()
                if name == "console":
                    args = [sys.executable, "-m", "bot", "console", "--as", "bench", "--city", "", "--role",
                            "member", "--channel", "general"]
                    run = Run(args, env, folder)
                    ready = console_ready(run)
                elif name == "web":
                    slack = {"SLACK_BOT_TOKEN": "xoxb-bench", "SLACK_SIGNING_SECRET": "bench",
                             "SLACK_API_URL": f"http://127.0.0.1:{free_port()}/api/"} if web_with_slack else {}
                    run = Run([sys.executable, "-m", "bot", "web"], {**env, **slack, "PORT": str(port)}, folder)
                    ready = web_ready(run, port)
                else:
                    args = [sys.executable, str(Path(__file__).resolve()), "--worker-child", discord.api_base,
                            discord.gateway_url]
                    run = Run(args, {**env, "DISCORD_TOKEN": DISCORD_TOKEN}, folder)
                    ready = worker_ready(run, discord, len(discord.identify_payloads))
                try:
                    figures.ready.append(await ready)
                    figures.cpu.append(cpu_seconds(run.process.pid))
                    await asyncio.sleep(settle)
                    figures.peak_mib.append(peak_mib(run.process.pid))
                    figures.stop.append(run.stop())
                finally:
                    run.end()
            results.append(figures)
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--only", default="console,web,worker", help="comma-separated: console, web, worker")
    parser.add_argument("--settle", type=float, default=2.0, help="seconds after ready before reading the peak")
    parser.add_argument("--deepl-silent", action="store_true", help="DeepL accepts connections, never answers")
    parser.add_argument("--web-with-slack", action="store_true",
                        help="web serves one Slack workspace over HTTP (Slack's API address answers nothing)")
    parser.add_argument("--worker-child", nargs=2, metavar=("API", "GATEWAY"), help=argparse.SUPPRESS)
    options = parser.parse_args()
    if options.worker_child:
        worker_child(*options.worker_child)
        return
    only = [name.strip() for name in options.only.split(",") if name.strip()]
    unknown = set(only) - {"console", "web", "worker"}
    if unknown:
        parser.error(f"unknown process: {', '.join(sorted(unknown))}")
    results = asyncio.run(bench(options.runs, only, options.settle, options.deepl_silent, options.web_with_slack))
    print(f"DeepL {'silent (never answers)' if options.deepl_silent else 'answering'}; "
          f"web {'with Slack over HTTP' if options.web_with_slack else 'with nothing else configured'}; "
          f"targets: ready <= {READY_TARGET_S} s, peak <= {PEAK_TARGET_MIB:.0f} MiB")
    print("process  runs  ready s (min median)  cpu s to ready (median)  peak MiB (min median max)  "
          "SIGTERM->exit s (median max)")
    for figures in results:
        print(figures.line())


if __name__ == "__main__":
    main()
