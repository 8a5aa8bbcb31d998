"""SIGTERM and SIGINT to a real `python -m bot console` waiting at its prompt: it leaves at once with exit status 0,
though a thread is still reading the terminal."""

from __future__ import annotations

import asyncio
import signal
import sys
from pathlib import Path

import pytest

from tests.shutdown.processes import GRACE, ROOT, BotProcess, bot_env, until

pytestmark = pytest.mark.slow

HELP_ANSWER = "Here is what I can do for you:"


@pytest.mark.parametrize("number", [signal.SIGTERM, signal.SIGINT])
async def test_the_console_at_its_prompt_leaves_with_exit_status_0(database_url: str, tmp_path: Path,
                                                                   number: int) -> None:
    env = bot_env(database_url, tmp_path)
    args = ["-m", "bot", "console", "--as", "ana", "--city", "", "--role", "member", "--channel", "general"]
    process = await asyncio.create_subprocess_exec(
        sys.executable, *args, cwd=ROOT, env=env, stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    console = BotProcess(process, "console")
    async with console:
        assert process.stdin is not None and process.stdout is not None
        process.stdin.write(b"/help\n")
        await process.stdin.drain()
        answered: list[bytes] = []

        async def read() -> None:
            assert process.stdout is not None
            async for line in process.stdout:
                answered.append(line)

        reading = asyncio.create_task(read())
        await until(lambda: any(HELP_ANSWER.encode() in line for line in answered), timeout=60,
                    what="the console answers /help")
        # Its input stays open: the console waits at its prompt, a thread reading the terminal.
        assert await console.stop(number) == 0, console.log()
        await reading
    assert console.took() < GRACE
