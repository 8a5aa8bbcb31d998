"""Nothing at start waits on DeepL: the console's prompt and the web host are ready while translation is still
getting ready (DeepL's languages, the glossary, the language model) behind them."""

from __future__ import annotations

import asyncio
import contextlib
import io
import socket
from pathlib import Path

import httpx
from sqlalchemy.engine import Engine

from bot.i18n import t
from bot.ports import TargetLanguage, Translation, TranslatorUsage
from bot.settings import Settings
from bot.wiring import build_core, run_console, run_platforms


class SilentDeepL:
    """The translator port of a DeepL that accepts every call and never answers."""

    def __init__(self) -> None:
        self.asked = asyncio.Event()

    async def _never(self) -> None:
        self.asked.set()
        await asyncio.Event().wait()

    async def translate(self, texts: list[str], **options: object) -> list[Translation]:
        await self._never()
        return []

    async def usage(self) -> TranslatorUsage:
        await self._never()
        raise AssertionError("unreachable")

    async def target_languages(self) -> list[TargetLanguage]:
        await self._never()
        return []

    async def sync_glossary(self, name: str, dictionaries: dict[tuple[str, str], dict[str, str]]) -> str:
        await self._never()
        return ""


async def test_the_console_answers_while_deepl_does_not(settings: Settings, engine: Engine) -> None:
    deepl = SilentDeepL()
    core = build_core(settings, engine=engine, translator=deepl, migrate=False)  # type: ignore[arg-type]
    out = io.StringIO()
    async with asyncio.timeout(30):  # waiting for DeepL here would be waiting for ever
        code = await run_console(core, user="ana", city="", role="member", channel="general",
                                 stdin=io.StringIO("/help\n"), stdout=out)
    assert code == 0 and t("en", "Here is what I can do for you:") in out.getvalue()
    assert deepl.asked.is_set()  # translation did start getting ready, behind the prompt


async def test_the_web_host_answers_while_deepl_does_not(database_url: str, tmp_path: Path, engine: Engine) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    settings = Settings(_env_file=None, database_url=database_url, data_dir=tmp_path, port=port)  # type: ignore[call-arg]
    deepl = SilentDeepL()
    core = build_core(settings, engine=engine, translator=deepl, migrate=False)  # type: ignore[arg-type]
    web = asyncio.create_task(run_platforms(core, web=True, worker=False))
    try:
        async with asyncio.timeout(30), httpx.AsyncClient() as http:
            while True:
                with contextlib.suppress(httpx.TransportError):
                    if (await http.get(f"http://127.0.0.1:{port}/healthz")).status_code == 200:
                        break
                await asyncio.sleep(0.02)
        assert deepl.asked.is_set() and not web.done()
    finally:
        web.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await web
