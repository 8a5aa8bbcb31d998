"""Real bot processes for the shutdown tests: started as an operator starts them, signalled, and watched.

Waiting is always on something the process does (a log line, its exit, a request a fake receives), with a
deadline; never a fixed sleep.
"""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import sys
import time
from collections.abc import Callable
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[2]
#: ICC_SHUTDOWN_GRACE of the processes (`bot_env`), and the margin a test gives them beyond it before failing.
GRACE, MARGIN = 10.0, 3.0


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def until(condition: Callable[[], object], *, timeout: float, what: str = "") -> None:
    """Wait until `condition()` is true, at most `timeout` seconds (then fail, saying `what`)."""
    try:
        async with asyncio.timeout(timeout):
            while not condition():
                await asyncio.sleep(0.01)
    except TimeoutError:
        raise AssertionError(f"not within {timeout} s: {what}") from None


def bot_env(database_url: str, data_dir: Path, **more: str) -> dict[str, str]:
    """The environment of a bot process on this database, with no platform or DeepL unless given in `more`."""
    env = {key: value for key, value in os.environ.items()
           if not key.startswith(("SLACK_", "DISCORD_", "DEEPL_", "ICC_", "DATABASE_URL"))}
    env.update(DATABASE_URL=database_url, ICC_DATA_DIR=str(data_dir), LOG_LEVEL="INFO", PYTHONUNBUFFERED="1",
               ICC_SHUTDOWN_GRACE=str(GRACE))
    env.update(more)
    return env


class BotProcess:
    """A running bot process, its log lines gathered as they come."""

    def __init__(self, process: asyncio.subprocess.Process, name: str) -> None:
        self.process = process
        self.name = name
        self.lines: list[str] = []
        #: When each line arrived (`time.monotonic()`), in the order of `lines`.
        self.arrived: list[float] = []
        self.signalled_at: float | None = None
        self.ended_at: float | None = None
        self._reader = asyncio.create_task(self._read())

    @classmethod
    async def start(cls, args: list[str], env: dict[str, str], name: str = "bot") -> BotProcess:
        process = await asyncio.create_subprocess_exec(
            sys.executable, *args, cwd=ROOT, env=env, stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE)
        return cls(process, name)

    @classmethod
    async def bot(cls, command: list[str], env: dict[str, str], name: str = "bot") -> BotProcess:
        """`python -m bot <command>`."""
        return await cls.start(["-m", "bot", *command], env, name)

    @classmethod
    async def worker_on(cls, discord: object, env: dict[str, str], name: str = "worker") -> BotProcess:
        """`python -m bot worker`, its Discord pointed at the fake `discord`."""
        return await cls.start(["-m", "tests.shutdown.child", discord.api_base, discord.gateway_url,  # type: ignore[attr-defined]
                                "worker"], env, name)

    async def _read(self) -> None:
        assert self.process.stderr is not None
        async for line in self.process.stderr:
            self.lines.append(line.decode(errors="replace").rstrip())
            self.arrived.append(time.monotonic())
        self.ended_at = time.monotonic()

    def said(self, words: str) -> list[str]:
        return [line for line in self.lines if words in line]

    def when(self, words: str) -> float:
        """When the first line with `words` arrived."""
        return next(at for at, line in zip(self.arrived, self.lines, strict=True) if words in line)

    def catches_signals(self) -> bool:
        """Whether the process has its handler for SIGTERM in place (from /proc: its caught-signal mask)."""
        try:
            status = Path(f"/proc/{self.process.pid}/status").read_text()
        except OSError:
            return False
        mask = next(int(line.split()[1], 16) for line in status.splitlines() if line.startswith("SigCgt:"))
        return bool(mask & (1 << (signal.SIGTERM - 1)))

    def send(self, number: int = signal.SIGTERM) -> None:
        assert self.process.returncode is None, f"{self.name} ended before the signal:\n{self.log()}"
        if self.signalled_at is None:
            self.signalled_at = time.monotonic()
        self.process.send_signal(number)

    async def stop(self, number: int = signal.SIGTERM) -> int:
        """Send `number` and wait for the end (within the grace period and a margin); the exit status."""
        self.send(number)
        return await self.exit_status(within=GRACE + MARGIN)

    async def __aenter__(self) -> BotProcess:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.end()

    async def exit_status(self, *, within: float) -> int:
        """Wait for the process to end (at most `within` seconds after the first signal); its exit status."""
        try:
            async with asyncio.timeout(within):
                code = await self.process.wait()
                await self._reader
        except TimeoutError:
            raise AssertionError(f"{self.name} still running {within} s after the signal:\n" + self.log()) from None
        return code

    def took(self) -> float:
        """Seconds from the first signal to the end of the process."""
        assert self.signalled_at is not None and self.ended_at is not None
        return self.ended_at - self.signalled_at

    def log(self) -> str:
        return "\n".join(self.lines[-60:])

    async def end(self) -> None:
        """After the test: make sure nothing is left running."""
        if self.process.returncode is None:
            self.process.kill()
            await self.process.wait()
        await asyncio.wait({self._reader}, timeout=5)


async def health(port: int) -> httpx.Response | None:
    """`GET /healthz` (None while nothing listens)."""
    async with httpx.AsyncClient() as client:
        try:
            return await client.get(f"http://127.0.0.1:{port}/healthz")
        except httpx.ConnectError:
            return None


async def answering(port: int, web: BotProcess) -> None:
    """Wait until the web host answers `/healthz` with 200 (polling, at most 60 s)."""
    async with asyncio.timeout(60):
        while (answer := await health(port)) is None or answer.status_code != 200:
            assert web.process.returncode is None, web.log()
            await asyncio.sleep(0.05)
