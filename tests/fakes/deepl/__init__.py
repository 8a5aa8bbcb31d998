"""Loopback fake of the DeepL HTTP API (``/v2`` plus the ``/v3`` glossaries) for tests and benchmarks.

The real ``deepl.Translator`` / ``deepl.DeepLClient`` work against it unmodified::

    with FakeDeepL() as fake:                       # or: async with FakeDeepL() as fake:
        translator = deepl.Translator(fake.auth_key, server_url=fake.url)
        assert translator.translate_text("Hello", target_lang="FR").text == "[FR] Hello"

The server is a ``ThreadingHTTPServer`` running in a daemon thread bound to 127.0.0.1 on a random port,
so it works whether the calling code is synchronous, runs in ``asyncio.to_thread`` or has no event loop.

Behaviour (deterministic, checkable):

* every request must carry ``Authorization: DeepL-Auth-Key <fake.auth_key>``; a missing/wrong key, or a key
  passed any other way (``auth_key`` in query, form or JSON), gets 403 ``{"message": "Forbidden"}``;
* ``POST /v2/translate`` (form or JSON body) translates each text to ``"[TARGET] " + text``; with
  ``tag_handling=xml|html`` only the non-whitespace text nodes outside ``ignore_tags`` elements are prefixed,
  markup and ignored elements are kept byte-for-byte; glossary entries (``glossary_id``/``glossary_ids``) are
  applied to translated text (whole-word, longest term first) before prefixing;
* billed characters = ``len(text)`` of every text (tags included, ``context`` never);
* quota: once ``character_count + request > character_limit`` translate answers 456;
* fault injection: :meth:`FakeDeepL.fail_next`, :meth:`FakeDeepL.hang_next`, :attr:`FakeDeepL.latency`.

The deepl library retries 429 and >= 500 answers and connection errors/timeouts with exponential backoff
(``deepl.http_client.max_network_retries`` = 5, ``_BackoffTimer.BACKOFF_INITIAL`` = 1 s, x1.6, max 120 s) and
uses ``deepl.http_client.min_connection_timeout`` (10 s) as request timeout; :func:`deepl_client_settings`
patches those temporarily so tests stay fast.

The package is split by concern: ``wire`` (limits, languages, records), ``text`` (how text is translated),
``server`` (HTTP plumbing), ``translate`` and ``glossaries`` (the endpoints), ``fake`` (lifecycle, fault
injection, recorded requests, routing). Import from ``tests.fakes.deepl``.
"""

from __future__ import annotations

from .fake import (
    FakeDeepL,
    deepl_client_settings,
)
from .server import (
    _Handler,
    _Server,
)
from .text import (
    _ENTITY_RE,
    _MARKUP_RE,
    _TAG_NAME_RE,
    _glossary_replacer,
    _parse_entries,
    _split_ws,
    _to_params,
    _translate_markup,
    _translate_plain,
    _truthy,
    _xml_escape,
)
from .wire import (
    _DEFAULT_MESSAGES,
    _FORMALITIES,
    _FORMALITY_TARGETS,
    _GLOSSARY_LANGUAGES,
    _HTML_VOID,
    _LEGACY_TARGETS,
    _MODEL_TYPES,
    _SPLIT_SENTENCES,
    _STOPWORDS,
    _TAG_RE,
    _WORD_RE,
    DEFAULT_AUTH_KEY,
    MAX_REQUEST_BYTES,
    MAX_TEXTS,
    SOURCE_LANGUAGES,
    TARGET_LANGUAGES,
    FakeGlossary,
    Headers,
    Request,
    TranslateCall,
    _ApiError,
    _base,
    _Fault,
    _Response,
    naive_detect,
)

__all__ = [
    "DEFAULT_AUTH_KEY",
    "FakeDeepL",
    "FakeGlossary",
    "Headers",
    "Request",
    "SOURCE_LANGUAGES",
    "TARGET_LANGUAGES",
    "TranslateCall",
    "deepl_client_settings",
    "naive_detect",
    "MAX_TEXTS",
    "MAX_REQUEST_BYTES",
    "_FORMALITY_TARGETS",
    "_LEGACY_TARGETS",
    "_GLOSSARY_LANGUAGES",
    "_FORMALITIES",
    "_SPLIT_SENTENCES",
    "_MODEL_TYPES",
    "_HTML_VOID",
    "_DEFAULT_MESSAGES",
    "_base",
    "_STOPWORDS",
    "_WORD_RE",
    "_TAG_RE",
    "_Fault",
    "_ApiError",
    "_Response",
    "_MARKUP_RE",
    "_TAG_NAME_RE",
    "_ENTITY_RE",
    "_xml_escape",
    "_glossary_replacer",
    "_split_ws",
    "_translate_plain",
    "_translate_markup",
    "_parse_entries",
    "_to_params",
    "_truthy",
    "_Server",
    "_Handler",
]
