"""The `Translator` port on the official `deepl` library.

The library is synchronous: every call runs in a small thread pool of its own, behind a semaphore of the
same size, so the event loop never waits on DeepL and a burst of messages cannot open more than
`max_concurrency` connections (a pool of its own rather than the loop's default one, which the console's
input reader and other `asyncio.to_thread` users share). Its threads are daemon threads (the standard
library's `multiprocessing.pool.ThreadPool`): a request DeepL does not answer never keeps the process from
stopping. Library errors become `TranslationUnavailable`.

Each call has its own time limit, and the adapter, not the library, decides what is tried again: a 429, a
5xx or a connection that never reached DeepL, with backoff, only while the call's time is not up. The
library's own retries are off, because it would go on retrying in its thread after the bot gave up on the
call: a request DeepL bills and nobody reads. A request that was sent and not answered in time is never
sent again (DeepL may have translated, and billed, it).
"""

from __future__ import annotations

import asyncio
import functools
import logging
import os
from collections.abc import Callable
from multiprocessing.pool import ThreadPool
from typing import Any, TypeVar

import deepl
import requests

from bot.ports import TargetLanguage, Translation, TranslationUnavailable, TranslatorUsage
from bot.settings import Settings

log = logging.getLogger(__name__)

T = TypeVar("T")


def configure_retries(*, connection_timeout: float = 20.0) -> None:
    """Set the library's documented module-wide knobs: no retries of its own (`DeepLTranslator` retries, within
    each call's time limit), and how long one HTTP attempt may wait at most (the call's own limit is shorter)."""
    deepl.http_client.max_network_retries = 0
    deepl.http_client.min_connection_timeout = connection_timeout


def _unavailable(exc: deepl.DeepLException) -> TranslationUnavailable:
    """The library's error as the port's neutral one."""
    if isinstance(exc, deepl.QuotaExceededException):
        return TranslationUnavailable("quota", str(exc))
    if isinstance(exc, deepl.TooManyRequestsException):
        return TranslationUnavailable("rate_limited", str(exc))
    if isinstance(exc, deepl.AuthorizationException):
        # Never log the exception's request: it may carry the key.
        return TranslationUnavailable("auth", "DeepL refused the key (DEEPL_AUTH_KEY)")
    if isinstance(exc, deepl.GlossaryNotFoundException):
        return TranslationUnavailable("glossary", str(exc))
    if isinstance(exc, deepl.ConnectionException):
        timed_out = "timed out" in str(exc).lower() or "timeout" in str(exc).lower()
        return TranslationUnavailable("timeout" if timed_out else "connection", str(exc))
    status = exc.http_status_code or 0
    if status in (400, 404) and "glossary" in str(exc).lower():
        # The glossary id is unknown to DeepL (a new key, or the glossary deleted there): "Glossary not found",
        # "Invalid glossary id".
        return TranslationUnavailable("glossary", str(exc))
    return TranslationUnavailable("server" if status >= 500 else "rejected", str(exc))


def _worth_again(exc: deepl.DeepLException) -> bool:
    """Whether a failed request may be sent again: DeepL said so (429, 5xx), or it never reached DeepL."""
    if isinstance(exc, deepl.ConnectionException):
        # Refused or not connected in time: nothing was sent. A read timeout was sent, and maybe billed.
        return isinstance(exc.__cause__, requests.exceptions.ConnectionError)
    status = exc.http_status_code or 0
    return status == 429 or status >= 500


def _read_environment_once(client: Any) -> None:
    """Make the library's `requests` session read the environment once instead of at every request.

    With `trust_env`, `requests` looks up proxies (three walks of `os.environ`) and `~/.netrc` for every
    request: about a third of the library's CPU per call, paid six times for a six-language message. The
    proxies that apply to the DeepL server (`HTTPS_PROXY`, `NO_PROXY`…) and a CA bundle named in the
    environment are read now and set on the session, which then stops looking. (A `.netrc` entry is not
    kept: its Basic authentication would replace the DeepL key's header anyway.) Only for a client this
    class made; the session is the library's own, so nothing changes if a version has none.
    """
    session = getattr(getattr(client, "_client", None), "_session", None)
    server_url = getattr(client, "_server_url", None)
    if not isinstance(session, requests.Session) or not session.trust_env or not server_url:
        return
    for scheme, proxy in requests.utils.get_environ_proxies(server_url).items():
        if scheme != "no":  # NO_PROXY was applied to the server's address just now
            session.proxies.setdefault(scheme, proxy)
    bundle = os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE")
    if bundle and session.verify is True:
        session.verify = bundle
    session.trust_env = False


class DeepLTranslator:
    """DeepL behind the `Translator` port."""

    def __init__(
        self,
        auth_key: str,
        *,
        server_url: str | None = None,
        max_concurrency: int = 8,
        timeout: float = 20.0,
        retries: int = 2,
        backoff: float = 1.0,
        client: Any = None,
    ) -> None:
        """
        Args:
            auth_key: the DeepL API key (free keys end in `:fx` and use the free API's server).
            server_url: another server (a proxy, or the loopback fake in tests).
            max_concurrency: requests in flight at once.
            timeout: seconds a call may take, retries included, unless the caller gives its own.
            retries: how many times a 429, a 5xx or a connection failure is tried again (time permitting).
            backoff: seconds before the first retry (then 1.6 times longer each time).
        """
        # The library's own retries would outlive the call (see the module's docstring).
        deepl.http_client.max_network_retries = 0
        if client is None:
            client = deepl.DeepLClient(auth_key, server_url=server_url or None, send_platform_info=False)
            _read_environment_once(client)
        self._client = client
        self._max_concurrency = max_concurrency
        self._semaphore: asyncio.Semaphore | None = None
        self._pool: ThreadPool | None = None  # started with the first call
        self.timeout = timeout
        self.retries = retries
        self.backoff = backoff

    @classmethod
    def from_settings(cls, settings: Settings, **options: Any) -> DeepLTranslator:
        if settings.deepl_auth_key is None:
            raise ValueError("DEEPL_AUTH_KEY is not set")
        return cls(settings.deepl_auth_key.get_secret_value(), server_url=settings.deepl_server_url, **options)

    def close(self, *, wait: bool = False) -> None:
        """Stop taking requests; with `wait`, the ones in flight are waited for (tests), else left behind."""
        if self._pool is not None:
            self._pool.close()
            if wait:
                self._pool.join()
        self._client.close()

    # ------------------------------------------------------------ calling the library

    def _in_thread(self, call: Callable[[], T]) -> asyncio.Future[T]:
        """`call()` in one of the pool's threads; its answer (or error) comes back on the event loop."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[T] = loop.create_future()

        def settle(result: Any, error: BaseException | None) -> None:
            if future.done():  # given up on meanwhile (the call's time was up)
                return
            if error is not None:
                future.set_exception(error)
            else:
                future.set_result(result)

        def back(result: Any = None, error: BaseException | None = None) -> None:
            try:
                loop.call_soon_threadsafe(settle, result, error)
            except RuntimeError:  # the loop is closed: nobody waits any more
                pass

        if self._pool is None:
            self._pool = ThreadPool(self._max_concurrency)
        self._pool.apply_async(call, callback=back, error_callback=lambda error: back(error=error))
        return future

    async def _call(self, function: Callable[..., T], /, *args: Any, timeout: float | None = None, **kwargs: Any) -> T:
        if self._semaphore is None:
            self._semaphore = asyncio.Semaphore(self._max_concurrency)
        limit = timeout or self.timeout
        async with self._semaphore:
            loop = asyncio.get_running_loop()
            deadline = loop.time() + limit
            for attempt in range(self.retries + 1):
                try:
                    # (`asyncio.timeout_at` rather than `wait_for`: one hand-over fewer on the loop when the
                    # answer comes.)
                    async with asyncio.timeout_at(deadline):
                        return await self._in_thread(functools.partial(function, *args, **kwargs))
                except TimeoutError:
                    raise TranslationUnavailable("timeout", f"no answer in {limit:g} s") from None
                except deepl.DeepLException as exc:
                    pause = self.backoff * 1.6**attempt
                    if attempt == self.retries or not _worth_again(exc) or loop.time() + pause >= deadline:
                        raise _unavailable(exc) from None
                    log.info("DeepL: %s; trying again in %.1f s", exc, pause)
                    await asyncio.sleep(pause)
            raise AssertionError("unreachable: the last attempt returns or raises")

    # ------------------------------------------------------------ the port

    async def translate(
        self,
        texts: list[str],
        *,
        target: str,
        source: str | None = None,
        context: str | None = None,
        formality: str | None = None,
        glossary_id: str | None = None,
        xml: bool = False,
        ignore_tags: tuple[str, ...] = (),
        timeout: float | None = None,
    ) -> list[Translation]:
        if not texts:
            return []
        results = await self._call(
            self._client.translate_text,
            texts,
            target_lang=target,
            source_lang=source,
            context=context or None,
            formality=formality,
            glossary=glossary_id,
            tag_handling="xml" if xml else None,
            ignore_tags=list(ignore_tags) if xml and ignore_tags else None,
            preserve_formatting=True,
            timeout=timeout,
        )
        if not isinstance(results, list):
            results = [results]
        return [
            Translation(
                text=result.text,
                detected_source=(result.detected_source_lang or "").upper(),
                billed_characters=int(result.billed_characters or 0),
            )
            for result in results
        ]

    async def usage(self) -> TranslatorUsage:
        usage = await self._call(self._client.get_usage)
        character = usage.character
        return TranslatorUsage(character_count=int(character.count or 0), character_limit=int(character.limit or 0))

    async def target_languages(self) -> list[TargetLanguage]:
        languages = await self._call(self._client.get_target_languages)
        return [
            TargetLanguage(code=str(lang.code).upper(), name=str(lang.name),
                           supports_formality=bool(lang.supports_formality))
            for lang in languages
        ]

    async def sync_glossary(self, name: str, dictionaries: dict[tuple[str, str], dict[str, str]]) -> str:
        entries = [
            deepl.api_data.MultilingualGlossaryDictionaryEntries(source.upper(), target.upper(), terms)
            for (source, target), terms in sorted(dictionaries.items())
        ]
        old = await self._call(self._client.list_multilingual_glossaries)
        created = await self._call(self._client.create_multilingual_glossary, name, entries)
        for glossary in old:
            if glossary.name == name:
                try:
                    await self._call(self._client.delete_multilingual_glossary, glossary.glossary_id)
                except TranslationUnavailable as exc:  # an old copy left behind costs nothing
                    log.warning("could not delete the old glossary %s: %s", glossary.glossary_id, exc)
        return str(created.glossary_id)
