"""What the Slack and Discord end-to-end translation tests share: the core wired to DeepL, the cluster channel,
the message, and how a thread reply is read back.

A thread reply holds one section per language: a header line (flag, the language's name in itself, and
"machine-translated" in it) and the translation below it; sections are separated by a blank line. FakeDeepL
translates a text node by prefixing it with its target (`[PT-PT] …`), so stripping that prefix gives the
original back exactly when markup survived.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from bot.db import session_scope
from bot.messages import Identity
from bot.models import Cluster, ClusterChannel
from bot.settings import Settings
from bot.wiring import Core, build_core
from integrations.deepl.translator import DeepLTranslator
from tests.fakes.deepl import FakeDeepL

#: The French message of the tests (no ICC glossary term in it, so the fake's output is the text prefixed).
FRENCH = ("Bonjour à toutes et à tous, la réunion du groupe de travail est reportée à jeudi prochain. "
          "Merci de confirmer votre présence avant mercredi soir.")

#: The three languages a French message needs in a channel read in French, Portuguese, Ukrainian and German:
#: DeepL target -> (the language's name in itself, "machine-translated" in it).
EXPECTED = {
    "PT-PT": ("Português", "tradução automática"),
    "UK": ("Українська", "машинний переклад"),
    "DE": ("Deutsch", "maschinell übersetzt"),
}

_PREFIX = re.compile(r"\[[A-Z]{2}(?:-[A-Z]{2,4})?\] ")


@asynccontextmanager
async def translating_core(settings: Settings, deepl: FakeDeepL) -> AsyncIterator[Core]:
    """The real core on `settings`, translating with the real DeepL adapter against `deepl`; translation started.

    The fake's record starts empty once the service is ready (its start asks DeepL for its languages).
    """
    translator = DeepLTranslator(deepl.auth_key, server_url=deepl.url, timeout=3.0, backoff=0.01)
    core = build_core(settings, translator=translator)
    translation = core.services.translation
    assert translation is not None
    try:
        await translation.start()
        await translation.engine.ready()  # DeepL's languages and the glossary, learnt in the background
        deepl.reset()
        yield core
    finally:
        await translation.drain()
        translator.close()
        core.engine.dispose()


def link_to_cluster(core: Core, channel: Identity, slug: str = "intercultural-communication") -> int:
    """Make `channel` the channel of a cluster (its translations are counted for that cluster)."""
    with session_scope(core.engine) as session:
        cluster = Cluster(slug=slug, name=slug.replace("-", " ").capitalize())
        session.add(cluster)
        session.flush()
        assert cluster.id is not None
        session.add(ClusterChannel(cluster_id=cluster.id, platform=channel.platform, workspace_id=channel.workspace,
                                   channel_id=channel.id, name=slug))
        return cluster.id


def sections(reply: str) -> dict[str, tuple[str, str]]:
    """The sections of a thread reply by language: target -> (header line, translation).

    Raises AssertionError when a section names no expected language, or one language comes twice.
    """
    found: dict[str, tuple[str, str]] = {}
    for section in reply.strip().split("\n\n"):
        header, _, body = section.partition("\n")
        languages = [code for code, (name, _) in EXPECTED.items() if name in header]
        assert len(languages) == 1, f"a section names no expected language: {header!r}"
        assert languages[0] not in found, f"{languages[0]} comes twice"
        found[languages[0]] = (header, body)
    return found


def untranslated(body: str) -> str:
    """A translation by FakeDeepL with its `[TARGET] ` prefixes taken out: the original, if markup survived."""
    return _PREFIX.sub("", body)


def assert_three_translations(reply: str, original: str, *, expected_body: str | None = None) -> None:
    """`reply` holds exactly the Portuguese, Ukrainian and German translations of `original`, each under its
    language and "machine-translated" in that language, with the text coming out as it went in (or as
    `expected_body`, when the platform shows mentions differently)."""
    found = sections(reply)
    assert sorted(found) == sorted(EXPECTED), reply
    for code, (header, body) in found.items():
        name, machine_translated = EXPECTED[code]
        assert name in header and machine_translated in header, header
        assert f"[{code}] " in body, body  # really translated into that language
        assert untranslated(body) == (expected_body if expected_body is not None else original)
    assert "Français" not in reply and "French" not in reply
