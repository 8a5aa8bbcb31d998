"""Free-text answers in the results: machine-translated into the reader's language (DeepL, the fake), the original a
click away."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine

from bot.i18n import t
from bot.messages import ButtonPressed
from bot.services.surveys.results import results_reply
from bot.settings import Settings
from bot.wiring import Core, build_core
from integrations.console.adapter import CAPABILITIES
from integrations.deepl.translator import DeepLTranslator
from tests.fakes.deepl import FakeDeepL, deepl_client_settings
from tests.support.clock import MovableClock
from tests.surveys.helpers import build_network, console, use_definitions
from tests.surveys.test_answering import answer

COMMENTS = {"joan": "Muy buena red", "katrin": "Mehr Treffen, bitte", "ana": "Mais formação"}


@pytest.fixture
async def deepl() -> AsyncIterator[FakeDeepL]:
    async with FakeDeepL() as server:
        yield server


@pytest.fixture
def fast_deepl() -> Iterator[None]:
    with deepl_client_settings(max_retries=1, timeout=1.0, backoff_initial=0.01, backoff_max=0.02):
        yield


@pytest.fixture
async def translated_core(settings: Settings, engine: Engine, clock: MovableClock, deepl: FakeDeepL,
                          fast_deepl: None, definitions: Path) -> AsyncIterator[Core]:
    translator = DeepLTranslator(deepl.auth_key, server_url=deepl.url, timeout=3.0, backoff=0.01)
    core = build_core(settings, engine=engine, migrate=False, clock=clock, translator=translator)
    assert core.services.translation is not None
    await core.services.translation.start()
    await core.services.translation.engine.ready()
    build_network(core)
    use_definitions(core, definitions)
    yield core
    await core.services.translation.drain()
    translator.close()


async def test_free_texts_come_in_the_readers_language_with_the_original_a_click_away(
    translated_core: Core, deepl: FakeDeepL
) -> None:
    core = translated_core
    out = await answer(core, "ivana", [], button="/survey open network-check")
    assert "is open" in out, out
    for who, comment in COMMENTS.items():
        out = await answer(core, who, ["never", "c", "3", "no", comment, ""])
        assert "is recorded" in out, out
    surveys = core.services.features["surveys"]
    survey = surveys.service.get("1")
    reply = await results_reply(surveys.service, survey, "fr", engine=core.services.translation_engine)
    texts = [section for section in reply.sections if not section.title]
    assert sorted(section.text for section in texts) == sorted(
        f"[FR] {comment}\n(traduction automatique)" for comment in COMMENTS.values())
    # Each comes with an "Original" button, which only the ICC team may press.
    for section in texts:
        [button] = section.buttons
        assert button.label == t("fr", "Original")
        pressed = await core.dispatcher.handle(ButtonPressed(console("ivana"), console("general"), button.action_id,
                                                             button.value or ""), CAPABILITIES)
        original = pressed.replies[0].sections[0].text
        assert original in COMMENTS.values() and section.text == f"[FR] {original}\n(traduction automatique)"
        refused = await core.dispatcher.handle(ButtonPressed(console("joan"), console("general"), button.action_id,
                                                             button.value or ""), CAPABILITIES)
        assert "Only the ICC team can do this." in refused.replies[0].text
