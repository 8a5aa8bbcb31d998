"""The DeepL fake itself: lifecycle, fault injection, recorded requests, routing, and the library's knobs."""

from __future__ import annotations

import asyncio
import contextlib
import json
import socket
import threading
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs, urlsplit

from .glossaries import GlossariesMixin
from .server import _Handler, _Server
from .text import _to_params
from .translate import TranslateMixin
from .wire import (
    _GLOSSARY_LANGUAGES,
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

# --------------------------------------------------------------------------------------------------
# The fake
# --------------------------------------------------------------------------------------------------


class FakeDeepL(TranslateMixin, GlossariesMixin):
    """Loopback fake DeepL API server. Use as ``with FakeDeepL() as fake:`` or ``async with``."""

    def __init__(
        self,
        auth_key: str = DEFAULT_AUTH_KEY,
        *,
        character_limit: int = 500_000,
        latency: float = 0.0,
        detect: Callable[[str], str] | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
    ) -> None:
        self.auth_key = auth_key
        self.character_limit = character_limit
        self.character_count = 0
        self.latency = latency
        self.detect: Callable[[str], str] = detect or naive_detect
        self.max_texts = MAX_TEXTS
        self.max_request_bytes = MAX_REQUEST_BYTES
        self.source_languages = [dict(lang) for lang in SOURCE_LANGUAGES]
        self.target_languages = [dict(lang) for lang in TARGET_LANGUAGES]
        self.glossaries: dict[str, FakeGlossary] = {}
        self.requests: list[Request] = []
        self.translate_calls: list[TranslateCall] = []
        self.billed_characters = 0
        self.billed_characters_by_target: dict[str, int] = {}
        self.lock = threading.RLock()
        self._host = host
        self._port = port
        self._fails: list[_Fault] = []
        self._hangs: list[_Fault] = []
        self._stopping = threading.Event()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self._connections: set[socket.socket] = set()

    # -- lifecycle ---------------------------------------------------------------------------------

    @property
    def url(self) -> str:
        """Base URL to pass as ``server_url`` (``http://127.0.0.1:<port>``)."""
        if self._server is None:
            raise RuntimeError("FakeDeepL is not started")
        return f"http://{self._host}:{self.port}"

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("FakeDeepL is not started")
        return int(self._server.server_address[1])

    def start(self) -> FakeDeepL:
        if self._server is not None:
            return self
        self._stopping.clear()
        server = _Server((self._host, self._port), _Handler)
        server.fake = self
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.05}, name="FakeDeepL", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        server, thread = self._server, self._thread
        if server is None:
            return
        self._stopping.set()  # wakes hanging / latency-sleeping handlers
        server.shutdown()
        server.server_close()
        with self.lock:
            conns = list(self._connections)
        for conn in conns:  # unblock keep-alive handler threads
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)
        if thread is not None:
            thread.join(timeout=1.0)
        self._server = None
        self._thread = None

    def __enter__(self) -> FakeDeepL:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    async def __aenter__(self) -> FakeDeepL:
        return self.start()

    async def __aexit__(self, *exc: object) -> None:
        await asyncio.to_thread(self.stop)

    def _track(self, conn: socket.socket, *, add: bool) -> None:
        with self.lock:
            if add:
                self._connections.add(conn)
            else:
                self._connections.discard(conn)

    # -- test helpers ------------------------------------------------------------------------------

    def translator(self, **kwargs: Any) -> Any:
        """A real ``deepl.Translator`` pointed at this fake (extra kwargs go to its constructor)."""
        import deepl

        return deepl.Translator(kwargs.pop("auth_key", self.auth_key), server_url=self.url, **kwargs)

    def client(self, **kwargs: Any) -> Any:
        """A real ``deepl.DeepLClient`` (adds the v3 glossary API) pointed at this fake."""
        import deepl

        return deepl.DeepLClient(kwargs.pop("auth_key", self.auth_key), server_url=self.url, **kwargs)

    def fail_next(
        self, status: int, times: int = 1, path: str | None = "/v2/translate", message: str | None = None
    ) -> None:
        """Answer the next ``times`` requests to ``path`` (``None``: any path) with ``status`` and
        ``{"message": ...}``, before authentication and routing."""
        with self.lock:
            self._fails.append(_Fault(status, times, path, message))

    def hang_next(self, seconds: float, times: int = 1, path: str | None = "/v2/translate") -> None:
        """Sleep ``seconds`` before handling the next ``times`` requests to ``path`` (``None``: any path).
        The sleep is cut short when the fake stops."""
        with self.lock:
            self._hangs.append(_Fault(seconds, times, path))

    def reset(self) -> None:
        """Forget recorded requests/calls, usage counters and pending faults (glossaries are kept)."""
        with self.lock:
            self.requests.clear()
            self.translate_calls.clear()
            self.billed_characters = 0
            self.billed_characters_by_target.clear()
            self.character_count = 0
            self._fails.clear()
            self._hangs.clear()

    def requests_to(self, path: str, method: str | None = None) -> list[Request]:
        """Recorded requests for ``path`` (and ``method`` if given)."""
        with self.lock:
            return [r for r in self.requests if r.path == path and (method is None or r.method == method)]

    def add_glossary(self, name: str, source_lang: str, target_lang: str, entries: dict[str, str]) -> str:
        """Seed a glossary directly (no HTTP); returns its id."""
        gid = str(uuid.uuid4())
        with self.lock:
            self.glossaries[gid] = FakeGlossary(
                gid, name, self._now(), {(_base(source_lang), _base(target_lang)): dict(entries)}
            )
        return gid

    # -- request handling --------------------------------------------------------------------------

    @staticmethod
    def _now() -> str:
        return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"

    def _take(self, faults: list[_Fault], path: str) -> _Fault | None:
        with self.lock:
            for fault in faults:
                if fault.matches(path):
                    fault.remaining -= 1
                    if fault.remaining <= 0:
                        faults.remove(fault)
                    return fault
        return None

    def _sleep(self, seconds: float) -> bool:
        """Sleep unless the server stops meanwhile; returns False if interrupted by stop()."""
        return seconds <= 0 or not self._stopping.wait(seconds)

    def _handle(self, method: str, raw_path: str, headers: Headers, body: bytes) -> _Response | None:
        split = urlsplit(raw_path)
        path = split.path.rstrip("/") or "/"
        params: dict[str, list[str]] = {}
        for k, vs in parse_qs(split.query, keep_blank_values=True).items():
            params.setdefault(k, []).extend(vs)
        json_body: Any = None
        bad_body = False
        ctype = headers.get("Content-Type", "").split(";", 1)[0].strip().lower()
        if body:
            try:
                if ctype == "application/json":
                    json_body = json.loads(body.decode("utf-8"))
                    if isinstance(json_body, dict):
                        for k, v in json_body.items():
                            params.setdefault(k, []).extend(_to_params(v))
                    else:
                        bad_body = True
                elif ctype in ("application/x-www-form-urlencoded", ""):
                    for k, vs in parse_qs(body.decode("utf-8"), keep_blank_values=True).items():
                        params.setdefault(k, []).extend(vs)
                else:
                    bad_body = True
            except (UnicodeDecodeError, ValueError):
                bad_body = True

        request = Request(path, params, headers, method, body, json_body)
        with self.lock:
            self.requests.append(request)

        hang = self._take(self._hangs, path)
        if hang is not None and not self._sleep(hang.value):
            return None
        fail = self._take(self._fails, path)
        if fail is not None:
            return _Response.json(int(fail.value), _ApiError(int(fail.value), fail.message).payload())

        if "auth_key" in params or headers.get("Authorization") != f"DeepL-Auth-Key {self.auth_key}":
            return _Response.json(403, {"message": "Forbidden"})

        try:
            if bad_body:
                raise _ApiError(400, "Invalid request body.")
            return self._route(method, path, request)
        except _ApiError as e:
            return _Response.json(e.status, e.payload())

    def _route(self, method: str, path: str, req: Request) -> _Response | None:
        parts = path.strip("/").split("/")
        allowed: set[str]
        if path == "/v2/translate":
            allowed = {"POST"}
            if method in allowed:
                return self._translate(req)
        elif path == "/v2/usage":
            allowed = {"GET", "POST"}
            if method in allowed:
                with self.lock:
                    usage = {"character_count": self.character_count, "character_limit": self.character_limit}
                return _Response.json(200, usage)
        elif path == "/v2/languages":
            allowed = {"GET", "POST"}
            if method in allowed:
                return self._languages(req)
        elif path == "/v2/glossary-language-pairs":
            allowed = {"GET"}
            if method in allowed:
                pairs = [
                    {"source_lang": s.lower(), "target_lang": t.lower()}
                    for s in _GLOSSARY_LANGUAGES
                    for t in _GLOSSARY_LANGUAGES
                    if s != t
                ]
                return _Response.json(200, {"supported_languages": pairs})
        elif parts[:2] == ["v2", "glossaries"] and len(parts) <= 4:
            allowed = self._glossary_v2_methods(parts)
            if method in allowed:
                return self._glossaries_v2(method, parts, req)
        elif parts[:2] == ["v3", "glossaries"] and len(parts) <= 4:
            allowed = self._glossary_v3_methods(parts)
            if method in allowed:
                return self._glossaries_v3(method, parts, req)
        else:
            raise _ApiError(404, "Not found")
        if not allowed:
            raise _ApiError(404, "Not found")
        raise _ApiError(405, "Method Not Allowed")

    # -- /v2/translate -----------------------------------------------------------------------------

    @staticmethod
    def _one(params: dict[str, list[str]], name: str, required: bool = False) -> str | None:
        values = params.get(name, [])
        if len(values) > 1:
            raise _ApiError(400, f"Parameter '{name}' specified multiple times.")
        if not values:
            if required:
                raise _ApiError(400, f"Parameter '{name}' not specified.")
            return None
        return values[0]

    @staticmethod
    def _tags(params: dict[str, list[str]], name: str) -> list[str]:
        return [t.strip() for v in params.get(name, []) for t in v.split(",") if t.strip()]

# --------------------------------------------------------------------------------------------------
# deepl library knobs
# --------------------------------------------------------------------------------------------------


@contextlib.contextmanager
def deepl_client_settings(
    *,
    max_retries: int = 2,
    timeout: float = 2.0,
    backoff_initial: float = 0.01,
    backoff_max: float = 0.05,
) -> Iterator[None]:
    """Temporarily make the ``deepl`` library retry fast (restores the previous values on exit).

    Patches ``deepl.http_client.max_network_retries`` (retries after the first attempt, for 429, >= 500
    and connection errors/timeouts), ``deepl.http_client.min_connection_timeout`` (per-attempt timeout,
    seconds) and ``deepl.http_client._BackoffTimer.BACKOFF_INITIAL`` / ``BACKOFF_MAX`` (sleep between
    attempts; the attempt timeout is ``max(time until backoff deadline, min_connection_timeout)``).
    """
    from deepl import http_client

    timer = http_client._BackoffTimer
    saved = (
        http_client.max_network_retries,
        http_client.min_connection_timeout,
        timer.BACKOFF_INITIAL,
        timer.BACKOFF_MAX,
    )
    http_client.max_network_retries = max_retries
    http_client.min_connection_timeout = timeout
    timer.BACKOFF_INITIAL = backoff_initial
    timer.BACKOFF_MAX = backoff_max
    try:
        yield
    finally:
        (
            http_client.max_network_retries,
            http_client.min_connection_timeout,
            timer.BACKOFF_INITIAL,
            timer.BACKOFF_MAX,
        ) = saved
