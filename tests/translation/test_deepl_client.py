"""The DeepL adapter's HTTP session: the environment (proxies, CA bundle) is read once, and still honoured."""

from __future__ import annotations

import pytest
import requests

from integrations.deepl.translator import DeepLTranslator
from tests.fakes.deepl import FakeDeepL


def _session(translator: DeepLTranslator) -> requests.Session:
    session = translator._client._client._session
    assert isinstance(session, requests.Session)
    return session


async def test_the_environment_is_read_once_and_no_proxy_still_applies(
    fake: FakeDeepL, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HTTP_PROXY", "http://proxy.invalid:3128")
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    translator = DeepLTranslator(fake.auth_key, server_url=fake.url, timeout=3.0)
    try:
        session = _session(translator)
        assert session.trust_env is False  # requests no longer walks os.environ at every request
        assert session.proxies == {}  # the fake's address is in NO_PROXY
        (result,) = await translator.translate(["Bonjour à tous"], target="DE", source="FR")
        assert result.text == "[DE] Bonjour à tous"
    finally:
        translator.close()


def test_proxies_and_ca_bundle_from_the_environment_are_kept(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.invalid:3128")
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", "/etc/ssl/certs/company.pem")
    translator = DeepLTranslator("0000:fx")  # the free API's server, over HTTPS; nothing is sent
    try:
        session = _session(translator)
        assert session.trust_env is False
        assert session.proxies.get("https") == "http://proxy.invalid:3128"
        assert session.verify == "/etc/ssl/certs/company.pem"
    finally:
        translator.close()
