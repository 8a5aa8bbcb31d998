"""Self-test of the loopback DeepL fake, driven by the real ``deepl`` library."""

from __future__ import annotations

import asyncio
import json
import time
import urllib.error
import urllib.parse
import urllib.request
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from typing import Any

import deepl
import pytest
from deepl import http_client

try:
    from tests.fakes.deepl import FakeDeepL, deepl_client_settings
except ModuleNotFoundError:  # tests/ is the rootdir-inserted sys.path entry (no tests/__init__.py)
    from fakes.deepl import FakeDeepL, deepl_client_settings  # type: ignore[no-redef]


@pytest.fixture
def fast_retries() -> Iterator[None]:
    saved = (http_client.max_network_retries, http_client._BackoffTimer.BACKOFF_INITIAL)
    with deepl_client_settings(max_retries=2, timeout=2.0, backoff_initial=0.01, backoff_max=0.02):
        yield
    assert (http_client.max_network_retries, http_client._BackoffTimer.BACKOFF_INITIAL) == saved


@pytest.fixture
def fake(fast_retries: None) -> Iterator[FakeDeepL]:
    with FakeDeepL() as server:
        yield server


@pytest.fixture
def translator(fake: FakeDeepL) -> Iterator[deepl.Translator]:
    tr = deepl.Translator(fake.auth_key, server_url=fake.url)
    yield tr
    tr.close()


def raw(
    fake: FakeDeepL,
    method: str,
    path: str,
    *,
    form: list[tuple[str, str]] | None = None,
    body: Any = None,
    key: str | None = "default",
) -> tuple[int, bytes]:
    """Plain urllib request (no deepl library) to check wire-level behaviour."""
    headers = {}
    data = None
    if form is not None:
        data = urllib.parse.urlencode(form).encode()
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    elif body is not None:
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        headers["Content-Type"] = "application/json"
    if key is not None:
        headers["Authorization"] = f"DeepL-Auth-Key {fake.auth_key if key == 'default' else key}"
    req = urllib.request.Request(fake.url + path, data=data, headers=headers, method=method)
    try:
        with urllib.request.urlopen(req, timeout=5) as resp:
            return resp.status, resp.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()


def test_translate_one_text(fake: FakeDeepL, translator: deepl.Translator) -> None:
    result = translator.translate_text("Hello world", target_lang="FR")
    assert result.text == "[FR] Hello world"
    assert result.detected_source_lang == "EN"
    assert result.billed_characters == 11
    assert len(fake.requests) == 1
    req = fake.requests[0]
    assert (req.method, req.path) == ("POST", "/v2/translate")
    assert req.headers["authorization"] == "DeepL-Auth-Key test-key:fx"
    assert req.params["target_lang"] == ["FR"] and req.params["text"] == ["Hello world"]
    (call,) = fake.translate_calls
    assert (call.target, call.source, call.texts) == ("FR", None, ["Hello world"])
    assert fake.billed_characters == 11 and fake.billed_characters_by_target == {"FR": 11}


def test_translate_several_texts_is_one_request(fake: FakeDeepL, translator: deepl.Translator) -> None:
    fake.detect = lambda text: "DE"
    texts = ["Guten Morgen", "Wie geht's?", "Tschüss"]
    results = translator.translate_text(
        texts, target_lang="en-gb", context="chat between colleagues", formality="prefer_less"
    )
    assert [r.text for r in results] == [f"[EN-GB] {t}" for t in texts]
    assert [r.detected_source_lang for r in results] == ["DE"] * 3
    assert [r.billed_characters for r in results] == [len(t) for t in texts]
    assert len(fake.requests) == 1
    (call,) = fake.translate_calls
    assert call.target == "EN-GB" and call.texts == texts
    assert call.context == "chat between colleagues" and call.formality == "prefer_less"
    # context is never billed
    assert fake.billed_characters == sum(map(len, texts))
    assert translator.get_usage().character.count == sum(map(len, texts))


def test_source_lang_is_echoed_and_naive_detection(translator: deepl.Translator) -> None:
    assert translator.translate_text("Hi", source_lang="it", target_lang="DE").detected_source_lang == "IT"
    assert translator.translate_text("Bonjour, nous sommes là", target_lang="DE").detected_source_lang == "FR"
    assert translator.translate_text("Добрий день, їжак", target_lang="DE").detected_source_lang == "UK"


def test_wrong_key_raises_authorization(fake: FakeDeepL) -> None:
    with pytest.raises(deepl.AuthorizationException):
        deepl.Translator("wrong-key:fx", server_url=fake.url).translate_text("Hi", target_lang="FR")
    assert raw(fake, "GET", "/v2/usage", key=None)[0] == 403
    # a key passed in the query string or form body is rejected, even with a valid header
    assert raw(fake, "GET", "/v2/usage?auth_key=test-key:fx", key=None)[0] == 403
    assert raw(fake, "POST", "/v2/usage", form=[("auth_key", "test-key:fx")])[0] == 403
    status, body = raw(fake, "GET", "/v2/usage", key="nope")
    assert status == 403 and json.loads(body) == {"message": "Forbidden"}
    assert fake.translate_calls == []


def test_quota_exceeded(fake: FakeDeepL, translator: deepl.Translator) -> None:
    fake.character_limit = 10
    assert translator.translate_text("12345", target_lang="DE").text == "[DE] 12345"
    with pytest.raises(deepl.QuotaExceededException):
        translator.translate_text("123456", target_lang="DE")
    assert fake.billed_characters == 5
    usage = translator.get_usage()
    assert (usage.character.count, usage.character.limit) == (5, 10)
    fake.fail_next(456)
    with pytest.raises(deepl.QuotaExceededException):
        translator.translate_text("1", target_lang="DE")


def test_429_once_is_retried(fake: FakeDeepL, translator: deepl.Translator) -> None:
    fake.fail_next(429)
    assert translator.translate_text("Hello", target_lang="ES").text == "[ES] Hello"
    assert len(fake.requests_to("/v2/translate")) == 2
    assert len(fake.translate_calls) == 1


def test_500_beyond_retry_budget_raises(fake: FakeDeepL, translator: deepl.Translator) -> None:
    fake.fail_next(500, times=10)
    with pytest.raises(deepl.DeepLException) as info:
        translator.translate_text("Hello", target_lang="ES")
    assert info.value.http_status_code == 500
    assert len(fake.requests) == http_client.max_network_retries + 1 == 3
    fake.reset()
    fake.fail_next(503, times=2)
    assert translator.translate_text("Hello", target_lang="ES").text == "[ES] Hello"
    assert len(fake.requests) == 3


def test_xml_tag_handling_keeps_ignored_elements(fake: FakeDeepL, translator: deepl.Translator) -> None:
    ignored = '<code lang="py">x &lt; y <b>and</b>  z</code>'
    source = f"<p>Hello <i>dear</i> {ignored} friends<br/></p>"
    result = translator.translate_text(
        source,
        target_lang="FR",
        tag_handling="xml",
        ignore_tags=["code", "x-mention"],
        non_splitting_tags="i",
    )
    assert ignored in result.text
    assert result.text == f"<p>[FR] Hello <i>[FR] dear</i> {ignored} [FR] friends<br/></p>"
    ET.fromstring(result.text)  # well-formed
    assert result.billed_characters == len(source)
    (call,) = fake.translate_calls
    assert call.tag_handling == "xml"
    assert call.ignore_tags == ["code", "x-mention"] and call.non_splitting_tags == ["i"]


def test_usage_reports_characters(fake: FakeDeepL, translator: deepl.Translator) -> None:
    fake.character_limit = 1000
    translator.translate_text(["abc", "defg"], target_lang="IT")
    usage = translator.get_usage()
    assert (usage.character.count, usage.character.limit) == (7, 1000)
    status, body = raw(fake, "POST", "/v2/usage")
    assert status == 200 and json.loads(body) == {"character_count": 7, "character_limit": 1000}


def test_glossary_create_and_translate(fake: FakeDeepL, translator: deepl.Translator) -> None:
    glossary = translator.create_glossary("icc", "EN", "DE", {"city": "Stadt", "Intercultural Cities": "ICC"})
    assert glossary.ready and glossary.entry_count == 2
    assert (glossary.source_lang, glossary.target_lang) == ("EN", "DE")
    assert translator.get_glossary(glossary.glossary_id).name == "icc"
    assert [g.glossary_id for g in translator.list_glossaries()] == [glossary.glossary_id]
    assert translator.get_glossary_entries(glossary) == {"city": "Stadt", "Intercultural Cities": "ICC"}

    result = translator.translate_text_with_glossary("The city joined Intercultural Cities", glossary)
    assert result.text == "[DE] The Stadt joined ICC"
    assert fake.translate_calls[-1].glossary_id == glossary.glossary_id

    from_csv = translator.create_glossary_from_csv("csv", "en", "fr", "city,ville\nnetwork,réseau,en,fr\n")
    assert translator.get_glossary_entries(from_csv) == {"city": "ville", "network": "réseau"}
    translator.delete_glossary(from_csv)
    with pytest.raises(deepl.GlossaryNotFoundException):
        translator.get_glossary(from_csv.glossary_id)
    assert {"source_lang": "en", "target_lang": "de"} in json.loads(
        raw(fake, "GET", "/v2/glossary-language-pairs")[1]
    )["supported_languages"]


def test_multilingual_v3_glossary(fake: FakeDeepL) -> None:
    from deepl.api_data import MultilingualGlossaryDictionaryEntries as Dict_

    client = deepl.DeepLClient(fake.auth_key, server_url=fake.url)
    glossary = client.create_multilingual_glossary(
        "multi", [Dict_("EN", "FR", {"city": "ville"}), Dict_("EN", "DE", {"city": "Stadt"})]
    )
    assert sorted(d.target_lang for d in glossary.dictionaries) == ["DE", "FR"]
    assert client.translate_text("a city", source_lang="EN", target_lang="DE", glossary=glossary).text == (
        "[DE] a Stadt"
    )
    entries = client.get_multilingual_glossary_entries(glossary, "EN", "FR").dictionaries[0].entries
    assert entries == "city\tville"
    client.delete_multilingual_glossary(glossary)
    assert fake.glossaries == {}


def test_target_languages_list_uk(translator: deepl.Translator) -> None:
    targets = {lang.code: lang for lang in translator.get_target_languages()}
    assert {"EN-GB", "EN-US", "PT-PT", "PT-BR", "UK"} <= targets.keys()
    assert targets["UK"].supports_formality is False
    for code in ["DE", "FR", "ES", "IT", "PT-PT", "PT-BR", "NL", "PL", "RU", "JA"]:
        assert targets[code].supports_formality is True
    sources = {lang.code for lang in translator.get_source_languages()}
    assert {"EN", "FR", "UK", "PT"} <= sources and "EN-GB" not in sources


def test_hang_longer_than_timeout_raises_connection_exception(fake: FakeDeepL) -> None:
    translator = deepl.Translator(fake.auth_key, server_url=fake.url)
    with deepl_client_settings(max_retries=0, timeout=0.3):
        fake.hang_next(5.0)
        started = time.monotonic()
        with pytest.raises(deepl.ConnectionException):
            translator.translate_text("Hello", target_lang="FR")
        assert time.monotonic() - started < 1.5
    # the next request is served normally
    assert translator.translate_text("Hello", target_lang="FR").text == "[FR] Hello"


def test_hanging_handler_does_not_block_shutdown(fast_retries: None) -> None:
    fake = FakeDeepL().start()
    translator = deepl.Translator(fake.auth_key, server_url=fake.url)
    with deepl_client_settings(max_retries=0, timeout=0.2):
        fake.hang_next(30.0, times=5)
        with pytest.raises(deepl.ConnectionException):
            translator.translate_text("Hello", target_lang="FR")
    started = time.monotonic()
    fake.stop()
    assert time.monotonic() - started < 0.5


def test_latency_is_added(fake: FakeDeepL, translator: deepl.Translator) -> None:
    fake.latency = 0.2
    started = time.monotonic()
    translator.translate_text("Hello", target_lang="FR")
    assert time.monotonic() - started >= 0.2
    fake.latency = 0.0
    started = time.monotonic()
    translator.get_usage()
    assert time.monotonic() - started < 0.2


def test_form_body_and_limits(fake: FakeDeepL) -> None:
    status, body = raw(
        fake,
        "POST",
        "/v2/translate",
        form=[("text", "one"), ("text", "two"), ("target_lang", "DE"), ("show_billed_characters", "1")],
    )
    assert status == 200
    assert json.loads(body) == {
        "translations": [
            {"detected_source_language": "EN", "text": "[DE] one", "billed_characters": 3},
            {"detected_source_language": "EN", "text": "[DE] two", "billed_characters": 3},
        ]
    }
    status, body = raw(fake, "POST", "/v2/translate", form=[("text", "x"), ("target_lang", "DE")])
    assert "billed_characters" not in json.loads(body)["translations"][0]
    assert fake.billed_characters == 7

    two_targets = [("text", "x"), ("target_lang", "DE"), ("target_lang", "FR")]
    assert raw(fake, "POST", "/v2/translate", form=two_targets)[0] == 400
    assert raw(fake, "POST", "/v2/translate", form=[("text", "x")])[0] == 400
    assert raw(fake, "POST", "/v2/translate", body={"text": ["x"] * 51, "target_lang": "DE"})[0] == 400
    big = {"text": ["a" * 70_000, "b" * 70_000], "target_lang": "DE"}
    assert raw(fake, "POST", "/v2/translate", body=big)[0] == 413
    assert (
        raw(fake, "POST", "/v2/translate", body={"text": ["x"], "target_lang": "UK", "formality": "more"})[0]
        == 400
    )
    assert fake.billed_characters == 7 and len(fake.translate_calls) == 2


def test_library_sends_json_with_all_options(fake: FakeDeepL, translator: deepl.Translator) -> None:
    translator.translate_text(
        "Hi",
        source_lang="EN",
        target_lang="PT-BR",
        formality="more",
        split_sentences="nonewlines",
        preserve_formatting=True,
        model_type="latency_optimized",
    )
    req = fake.requests[-1]
    assert req.headers["Content-Type"].startswith("application/json")
    assert req.json["text"] == ["Hi"] and req.json["show_billed_characters"] is True
    (call,) = fake.translate_calls
    assert (call.split_sentences, call.preserve_formatting, call.model_type) == (
        "nonewlines",
        True,
        "latency_optimized",
    )


async def test_async_with_and_to_thread(fast_retries: None) -> None:
    async with FakeDeepL(auth_key="other-key") as fake:
        translator = deepl.Translator("other-key", server_url=fake.url)
        results = await asyncio.gather(
            *(asyncio.to_thread(translator.translate_text, f"msg {i}", target_lang="NL") for i in range(8))
        )
        assert sorted(r.text for r in results) == sorted(f"[NL] msg {i}" for i in range(8))
        assert fake.billed_characters == 8 * 5
        assert len(fake.translate_calls) == 8
