"""`python -m bot web` as an operator starts it: with nothing configured (no Slack, no Discord), the web host
still serves `/healthz`."""

from __future__ import annotations

import asyncio
import json
import os
import socket
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def _get(port: int, path: str) -> tuple[int, bytes] | None:
    try:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
    except OSError:
        return None
    try:
        writer.write(f"GET {path} HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n".encode())
        answer = await reader.read()
    finally:
        writer.close()
    head, _, body = answer.partition(b"\r\n\r\n")
    return int(head.split()[1]), body


async def test_web_with_nothing_configured_answers_healthz(database_url: str, tmp_path: Path) -> None:
    port = _free_port()
    env = {key: value for key, value in os.environ.items() if not key.startswith(("SLACK_", "DISCORD_", "DEEPL_"))}
    env.update(DATABASE_URL=database_url, ICC_DATA_DIR=str(tmp_path), PORT=str(port), LOG_LEVEL="WARNING")
    process = await asyncio.create_subprocess_exec(sys.executable, "-m", "bot", "web", cwd=ROOT, env=env,
                                                   stdout=asyncio.subprocess.DEVNULL,
                                                   stderr=asyncio.subprocess.PIPE)
    try:
        async with asyncio.timeout(60):
            while (answer := await _get(port, "/healthz")) is None:
                if process.returncode is not None:
                    break
                await asyncio.sleep(0.05)
        assert answer is not None, (await process.stderr.read()).decode()  # type: ignore[union-attr]
        status, body = answer
        assert status == 200 and json.loads(body) == {"status": "ok", "platforms": []}
        assert (await _get(port, "/slack/events"))[0] == 404  # type: ignore[index]
    finally:
        if process.returncode is None:
            process.terminate()
        await process.wait()
