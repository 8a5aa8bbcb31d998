"""Browser tests: the web app served on a loopback port, driven by Debian's headless Chromium through Playwright,
with axe-core (from npm, in tests/web/node_modules) injected into each page; screenshots in tests/web/screenshots.

Outside CI they are skipped, with the reason, when Chromium or axe-core is not installed; in CI (CI=true) that
is a failure, since `.ci/run` installs both.
"""

from __future__ import annotations

import os
import socket
import threading
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
import uvicorn

from bot.demo import load_demo
from bot.settings import Settings
from bot.wiring import Core, build_core, web_app

CHROMIUM = Path(os.environ.get("ICC_CHROMIUM", "/usr/bin/chromium"))
AXE = Path(__file__).resolve().parents[1] / "node_modules" / "axe-core" / "axe.min.js"
SCREENSHOTS = Path(__file__).resolve().parents[1] / "screenshots"
#: axe-core's impacts that fail a test.
FAILING_IMPACTS = ("serious", "critical")


def _missing() -> str | None:
    if not CHROMIUM.exists():
        return f"Chromium is not installed at {CHROMIUM} (apt-get install -y chromium)"
    if not AXE.exists():
        return "axe-core is not installed (npm install --prefix tests/web)"
    try:
        import playwright  # noqa: F401
    except ImportError:
        return "Playwright for Python is not installed (pip install playwright)"
    return None


@pytest.fixture(scope="session", autouse=True)
def browser_tools() -> None:
    missing = _missing()
    if missing is None:
        return
    if os.environ.get("CI"):
        pytest.fail(f"browser tests cannot run in CI: {missing}")
    pytest.skip(f"browser tests skipped: {missing}")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Server:
    """The web app on a loopback port, in a thread of its own (its own event loop), until stopped."""

    def __init__(self, core: Core, port: int) -> None:
        self.address = f"http://127.0.0.1:{port}"
        config = uvicorn.Config(web_app(core), host="127.0.0.1", port=port, log_level="warning", lifespan="off")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, name="web-under-test", daemon=True)

    def __enter__(self) -> Server:
        self.thread.start()
        while not self.server.started:
            if not self.thread.is_alive():
                raise RuntimeError("the web app did not start")
            self.thread.join(0.02)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(10)


@pytest.fixture
def live(settings: Settings, engine: Any) -> Iterator[tuple[Core, Server]]:
    port = free_port()
    core = build_core(settings.model_copy(update={"public_url": f"http://127.0.0.1:{port}"}), engine=engine,
                      migrate=False)
    load_demo(core.services)
    with Server(core, port) as server:
        yield core, server


@pytest.fixture
async def page() -> AsyncIterator[Any]:
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox"])
        # The pages forbid every script (Content-Security-Policy): the test's own checker is let in.
        context = await browser.new_context(bypass_csp=True, locale="en-GB")
        try:
            yield await context.new_page()
        finally:
            await context.close()
            await browser.close()


async def check_page(page: Any, name: str) -> None:
    """Save a screenshot of the page as `name`.png, and fail on axe-core's serious or critical violations."""
    SCREENSHOTS.mkdir(exist_ok=True)
    await page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)
    await page.add_script_tag(path=str(AXE))
    results = await page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    bad = [f"{v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes']][:3]}"
           for v in results["violations"] if v.get("impact") in FAILING_IMPACTS]
    assert not bad, f"{name}: accessibility violations:\n" + "\n".join(bad)


