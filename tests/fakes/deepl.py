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
"""

from __future__ import annotations

import asyncio
import contextlib
import csv
import io
import json
import re
import socket
import sys
import threading
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

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
]

DEFAULT_AUTH_KEY = "test-key:fx"
MAX_TEXTS = 50
MAX_REQUEST_BYTES = 128 * 1024

# --------------------------------------------------------------------------------------------------
# Languages
# --------------------------------------------------------------------------------------------------

SOURCE_LANGUAGES: list[dict[str, Any]] = [
    {"language": code, "name": name}
    for code, name in [
        ("AR", "Arabic"),
        ("BG", "Bulgarian"),
        ("CS", "Czech"),
        ("DA", "Danish"),
        ("DE", "German"),
        ("EL", "Greek"),
        ("EN", "English"),
        ("ES", "Spanish"),
        ("ET", "Estonian"),
        ("FI", "Finnish"),
        ("FR", "French"),
        ("HE", "Hebrew"),
        ("HU", "Hungarian"),
        ("ID", "Indonesian"),
        ("IT", "Italian"),
        ("JA", "Japanese"),
        ("KO", "Korean"),
        ("LT", "Lithuanian"),
        ("LV", "Latvian"),
        ("NB", "Norwegian"),
        ("NL", "Dutch"),
        ("PL", "Polish"),
        ("PT", "Portuguese"),
        ("RO", "Romanian"),
        ("RU", "Russian"),
        ("SK", "Slovak"),
        ("SL", "Slovenian"),
        ("SV", "Swedish"),
        ("TR", "Turkish"),
        ("UK", "Ukrainian"),
        ("ZH", "Chinese"),
    ]
]

_FORMALITY_TARGETS = {"DE", "FR", "ES", "IT", "PT-PT", "PT-BR", "NL", "PL", "RU", "JA"}

TARGET_LANGUAGES: list[dict[str, Any]] = [
    {"language": code, "name": name, "supports_formality": code in _FORMALITY_TARGETS}
    for code, name in [
        ("AR", "Arabic"),
        ("BG", "Bulgarian"),
        ("CS", "Czech"),
        ("DA", "Danish"),
        ("DE", "German"),
        ("EL", "Greek"),
        ("EN-GB", "English (British)"),
        ("EN-US", "English (American)"),
        ("ES", "Spanish"),
        ("ET", "Estonian"),
        ("FI", "Finnish"),
        ("FR", "French"),
        ("HE", "Hebrew"),
        ("HU", "Hungarian"),
        ("ID", "Indonesian"),
        ("IT", "Italian"),
        ("JA", "Japanese"),
        ("KO", "Korean"),
        ("LT", "Lithuanian"),
        ("LV", "Latvian"),
        ("NB", "Norwegian"),
        ("NL", "Dutch"),
        ("PL", "Polish"),
        ("PT-BR", "Portuguese (Brazilian)"),
        ("PT-PT", "Portuguese (European)"),
        ("RO", "Romanian"),
        ("RU", "Russian"),
        ("SK", "Slovak"),
        ("SL", "Slovenian"),
        ("SV", "Swedish"),
        ("TR", "Turkish"),
        ("UK", "Ukrainian"),
        ("ZH", "Chinese (simplified)"),
        ("ZH-HANS", "Chinese (simplified)"),
        ("ZH-HANT", "Chinese (traditional)"),
    ]
]

# Deprecated target codes DeepL still accepts (the library refuses them client-side).
_LEGACY_TARGETS = {"EN", "PT"}

_GLOSSARY_LANGUAGES = [
    "AR", "BG", "CS", "DA", "DE", "EL", "EN", "ES", "ET", "FI", "FR", "HU", "ID", "IT", "JA", "KO",
    "LT", "LV", "NB", "NL", "PL", "PT", "RO", "RU", "SK", "SL", "SV", "TR", "UK", "ZH",
]  # fmt: skip

_FORMALITIES = {"default", "more", "less", "prefer_more", "prefer_less"}
_SPLIT_SENTENCES = {"0", "1", "nonewlines"}
_MODEL_TYPES = {
    "quality_optimized": "quality_optimized",
    "prefer_quality_optimized": "quality_optimized",
    "latency_optimized": "latency_optimized",
}
_HTML_VOID = set("area base br col embed hr img input link meta param source track wbr".split())

_DEFAULT_MESSAGES = {
    400: "Bad request",
    403: "Forbidden",
    404: "Not found",
    413: "Request Entity Too Large",
    415: "Unsupported Media Type",
    429: "Too many requests",
    456: "Quota exceeded",
    500: "Internal server error",
    503: "Service unavailable",
    504: "Gateway timeout",
}


def _base(lang: str) -> str:
    return lang.split("-", 1)[0].upper()


# --------------------------------------------------------------------------------------------------
# Naive language detection
# --------------------------------------------------------------------------------------------------

_STOPWORDS: dict[str, set[str]] = {
    "EN": set(
        "the a an and is are was hello hi thanks thank you for with we i of to this that it on in".split()
    ),
    "FR": set("le la les des est et une un bonjour merci pour avec nous vous je ce sont dans du au".split()),
    "DE": set("der die das und ist nicht ein eine ich wir sie mit für guten tag danke hallo zu den".split()),
    "ES": set("el los las es y una hola gracias por con para que está estamos nosotros muy".split()),
    "IT": set("il lo gli è e una ciao grazie per con che sono della siamo molto".split()),
    "PT": set("o os as é e uma olá obrigado obrigada para com não você são muito".split()),
    "NL": set("de het een en is niet ik wij hallo dank bedankt met voor van zijn".split()),
    "PL": set("i w nie jest się na to że dzień dobry dziękuję cześć".split()),
}
_WORD_RE = re.compile(r"\w+", re.UNICODE)
_TAG_RE = re.compile(r"<[^>]*>")


def naive_detect(text: str) -> str:
    """Very small heuristic detector: script first, then stop-word counts; defaults to ``"EN"``."""
    text = _TAG_RE.sub(" ", text)
    if re.search(r"[\u3040-\u30ff]", text):
        return "JA"
    if re.search(r"[\uac00-\ud7af]", text):
        return "KO"
    if re.search(r"[\u4e00-\u9fff]", text):
        return "ZH"
    if re.search(r"[\u0400-\u04ff]", text):
        return "UK" if re.search(r"[іїєґІЇЄҐ]", text) else "RU"
    if re.search(r"[\u0370-\u03ff]", text):
        return "EL"
    if re.search(r"[\u0600-\u06ff]", text):
        return "AR"
    if re.search(r"[\u0590-\u05ff]", text):
        return "HE"
    words = [w.lower() for w in _WORD_RE.findall(text)]
    best, best_score = "EN", 0
    for lang, stop in _STOPWORDS.items():  # dict order: EN wins ties
        score = sum(1 for w in words if w in stop)
        if score > best_score:
            best, best_score = lang, score
    return best


# --------------------------------------------------------------------------------------------------
# Records
# --------------------------------------------------------------------------------------------------


class Headers(dict[str, str]):
    """Request headers; keys are stored lower-case and looked up case-insensitively."""

    def __init__(self, items: Any = ()) -> None:
        super().__init__((str(k).lower(), v) for k, v in items)

    def __getitem__(self, key: str) -> str:
        return super().__getitem__(key.lower())

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and super().__contains__(key.lower())

    def get(self, key: str, default: Any = None) -> Any:  # type: ignore[override]
        return super().get(key.lower(), default)


@dataclass
class Request:
    """One HTTP request as the fake received it.

    ``params`` merges the query string and the body: form fields as sent; JSON scalars as strings (booleans
    as ``"1"``/``"0"``), JSON arrays as one string per item, JSON objects JSON-encoded. ``json`` is the parsed
    JSON body (or ``None``), ``body`` the raw bytes.
    """

    path: str
    params: dict[str, list[str]]
    headers: Headers
    method: str = "GET"
    body: bytes = b""
    json: Any = None


@dataclass
class TranslateCall:
    """One successful ``/v2/translate`` call (fault-injected, rejected, over-quota calls are not recorded)."""

    target: str
    source: str | None
    texts: list[str]
    context: str | None = None
    glossary_id: str | None = None
    formality: str | None = None
    tag_handling: str | None = None
    ignore_tags: list[str] = field(default_factory=list)
    glossary_ids: list[str] = field(default_factory=list)
    non_splitting_tags: list[str] = field(default_factory=list)
    splitting_tags: list[str] = field(default_factory=list)
    split_sentences: str | None = None
    preserve_formatting: bool | None = None
    model_type: str | None = None
    outline_detection: bool | None = None
    show_billed_characters: bool = False
    detected: list[str] = field(default_factory=list)
    results: list[str] = field(default_factory=list)
    billed_characters: int = 0


@dataclass
class FakeGlossary:
    """A glossary; ``dictionaries`` maps (SOURCE, TARGET) upper-case base codes to ``{source: target}``."""

    glossary_id: str
    name: str
    creation_time: str
    dictionaries: dict[tuple[str, str], dict[str, str]] = field(default_factory=dict)

    def v2_json(self) -> dict[str, Any]:
        (src, tgt), entries = next(iter(self.dictionaries.items()))
        return {
            "glossary_id": self.glossary_id,
            "name": self.name,
            "ready": True,
            "source_lang": src.lower(),
            "target_lang": tgt.lower(),
            "creation_time": self.creation_time,
            "entry_count": len(entries),
        }

    def v3_json(self) -> dict[str, Any]:
        return {
            "glossary_id": self.glossary_id,
            "name": self.name,
            "dictionaries": [
                {"source_lang": s.lower(), "target_lang": t.lower(), "entry_count": len(e)}
                for (s, t), e in self.dictionaries.items()
            ],
            "creation_time": self.creation_time,
        }


@dataclass
class _Fault:
    value: float  # status code for failures, seconds for hangs
    remaining: int
    path: str | None
    message: str | None = None

    def matches(self, path: str) -> bool:
        return self.remaining > 0 and (self.path is None or self.path.rstrip("/") == path)


class _ApiError(Exception):
    def __init__(self, status: int, message: str | None = None, detail: str | None = None) -> None:
        super().__init__(status, message)
        self.status = status
        self.message = message or _DEFAULT_MESSAGES.get(status, "Error")
        self.detail = detail

    def payload(self) -> dict[str, str]:
        out = {"message": self.message}
        if self.detail:
            out["detail"] = self.detail
        return out


@dataclass
class _Response:
    status: int
    body: bytes = b""
    content_type: str = "application/json; charset=utf-8"

    @classmethod
    def json(cls, status: int, payload: Any) -> _Response:
        return cls(status, json.dumps(payload, ensure_ascii=False).encode("utf-8"))


# --------------------------------------------------------------------------------------------------
# Text helpers
# --------------------------------------------------------------------------------------------------

_MARKUP_RE = re.compile(r"<!--.*?-->|<!\[CDATA\[.*?\]\]>|<\?.*?\?>|<![^>]*>|<[^>]*>", re.S)
_TAG_NAME_RE = re.compile(r"\s*([^\s/>]+)")
_ENTITY_RE = re.compile(r"(&[#\w]+;)")


def _xml_escape(s: str) -> str:
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _glossary_replacer(entries: dict[str, str], *, escape: bool) -> Callable[[str], str]:
    if not entries:
        return lambda s: s
    terms = sorted(entries, key=len, reverse=True)
    pattern = re.compile(r"(?<!\w)(?:" + "|".join(re.escape(t) for t in terms) + r")(?!\w)")

    def repl(m: re.Match[str]) -> str:
        value = entries[m.group(0)]
        return _xml_escape(value) if escape else value

    return lambda s: pattern.sub(repl, s)


def _split_ws(s: str) -> tuple[str, str, str]:
    core = s.strip()
    if not core:
        return s, "", ""
    start = s.index(core)
    return s[:start], core, s[start + len(core) :]


def _translate_plain(text: str, prefix: str, glossaries: list[Callable[[str], str]]) -> str:
    if not text.strip():
        return text
    for apply in glossaries:
        text = apply(text)
    return prefix + text


def _translate_markup(
    text: str, prefix: str, glossaries: list[Callable[[str], str]], ignore: set[str], html: bool
) -> str:
    out: list[str] = []
    stack: list[str] = []

    def text_node(seg: str) -> str:
        lead, core, trail = _split_ws(seg)
        if not core or any(name in ignore for name in stack):
            return seg
        parts = _ENTITY_RE.split(core)
        for apply in glossaries:
            parts = [p if i % 2 else apply(p) for i, p in enumerate(parts)]
        return lead + prefix + "".join(parts) + trail

    pos = 0
    for m in _MARKUP_RE.finditer(text):
        out.append(text_node(text[pos : m.start()]))
        tag = m.group(0)
        out.append(tag)
        pos = m.end()
        if tag.startswith(("<!", "<?")):
            continue
        closing = tag.startswith("</")
        nm = _TAG_NAME_RE.match(tag, 2 if closing else 1)
        if not nm:
            continue
        name = nm.group(1).lower() if html else nm.group(1)
        if closing:
            if name in stack:
                while stack and stack.pop() != name:
                    pass
        elif not tag.endswith("/>") and not (html and name in _HTML_VOID):
            stack.append(name)
    out.append(text_node(text[pos:]))
    return "".join(out)


def _parse_entries(entries: str, fmt: str) -> dict[str, str]:
    result: dict[str, str] = {}
    if fmt == "tsv":
        rows = [line.split("\t") for line in entries.splitlines() if line.strip()]
        for i, row in enumerate(rows, 1):
            if len(row) != 2:
                raise _ApiError(
                    400, "Invalid glossary entries provided", f"line {i}: expected 2 tab-separated terms"
                )
    elif fmt == "csv":
        rows = [row for row in csv.reader(io.StringIO(entries)) if row]
        for i, row in enumerate(rows, 1):
            if len(row) not in (2, 4):
                raise _ApiError(
                    400, "Invalid glossary entries provided", f"line {i}: expected 2 or 4 columns"
                )
    else:
        raise _ApiError(400, "Value for 'entries_format' not supported.")
    for i, row in enumerate(rows, 1):
        source, target = row[0].strip(), row[1].strip()
        if not source or not target:
            raise _ApiError(400, "Invalid glossary entries provided", f"line {i}: empty term")
        if source in result:
            raise _ApiError(400, "Invalid glossary entries provided", f"line {i}: duplicate source term")
        result[source] = target
    if not result:
        raise _ApiError(400, "Invalid glossary entries provided", "no entries")
    return result


def _to_params(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, bool):
        return ["1" if value else "0"]
    if isinstance(value, list | tuple):
        return [item for v in value for item in _to_params(v)] if value else []
    if isinstance(value, dict):
        return [json.dumps(value, ensure_ascii=False)]
    return [str(value)]


def _truthy(value: str | None) -> bool | None:
    if value is None:
        return None
    return value.strip().lower() in {"1", "true", "yes", "on"}


# --------------------------------------------------------------------------------------------------
# HTTP plumbing
# --------------------------------------------------------------------------------------------------


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    request_queue_size = 128
    fake: FakeDeepL

    def handle_error(self, request: Any, client_address: Any) -> None:
        # Clients that time out and hang up are expected (hang_next); stay quiet about those.
        exc = sys.exc_info()[1]
        if isinstance(exc, OSError):
            return
        super().handle_error(request, client_address)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body are separate writes: avoid 40 ms delayed-ACK stalls
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - signature from base class
        pass

    def setup(self) -> None:
        super().setup()
        self.server.fake._track(self.connection, add=True)

    def finish(self) -> None:
        try:
            super().finish()
        except OSError:
            pass
        self.server.fake._track(self.connection, add=False)

    def do_GET(self) -> None:
        self._serve()

    def do_POST(self) -> None:
        self._serve()

    def do_PUT(self) -> None:
        self._serve()

    def do_PATCH(self) -> None:
        self._serve()

    def do_DELETE(self) -> None:
        self._serve()

    def _read_body(self) -> bytes:
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            chunks = []
            while True:
                size = int(self.rfile.readline().split(b";", 1)[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    return b"".join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length > 0 else b""

    def _serve(self) -> None:
        try:
            body = self._read_body()
        except (OSError, ValueError):
            self.close_connection = True
            return
        response = self.server.fake._handle(self.command, self.path, Headers(self.headers.items()), body)
        if response is None:  # server stopping while hanging: drop the connection
            self.close_connection = True
            return
        try:
            self.send_response(response.status, "Quota Exceeded" if response.status == 456 else None)
            if response.status != 204:
                self.send_header("Content-Type", response.content_type)
            self.send_header("Content-Length", str(len(response.body)))
            self.end_headers()
            if response.body:
                self.wfile.write(response.body)
            self.wfile.flush()
        except OSError:
            self.close_connection = True


# --------------------------------------------------------------------------------------------------
# The fake
# --------------------------------------------------------------------------------------------------


class FakeDeepL:
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

    def _translate(self, req: Request) -> _Response | None:
        if len(req.body) > self.max_request_bytes:
            raise _ApiError(413, "Request Entity Too Large")
        if self.latency > 0 and not self._sleep(self.latency):
            return None
        p = req.params
        if isinstance(req.json, dict) and "text" in req.json and not isinstance(req.json["text"], list):
            raise _ApiError(400, "Value for 'text' not supported: expected an array of strings.")
        texts = p.get("text", [])
        if not texts:
            raise _ApiError(400, "Parameter 'text' not specified.")
        if len(texts) > self.max_texts:
            raise _ApiError(400, f"Too many texts: at most {self.max_texts} texts per request.")

        target = (self._one(p, "target_lang", required=True) or "").upper()
        if target not in _LEGACY_TARGETS and target not in {
            lang["language"] for lang in self.target_languages
        }:
            raise _ApiError(400, "Value for 'target_lang' not supported.")
        source = self._one(p, "source_lang")
        source = source.upper() if source else None
        if source is not None and source not in {lang["language"] for lang in self.source_languages}:
            raise _ApiError(400, "Value for 'source_lang' not supported.")

        formality = self._one(p, "formality")
        if formality is not None:
            formality = formality.lower()
            if formality not in _FORMALITIES:
                raise _ApiError(400, "Value for 'formality' not supported.")
            supports = next(
                (
                    lang.get("supports_formality")
                    for lang in self.target_languages
                    if lang["language"] == target
                ),
                False,
            )
            if formality in {"more", "less"} and not supports:
                raise _ApiError(400, "'formality' is not supported for given 'target_lang'.")

        tag_handling = self._one(p, "tag_handling")
        if tag_handling is not None and tag_handling not in {"xml", "html"}:
            raise _ApiError(400, "Value for 'tag_handling' not supported.")
        split_sentences = self._one(p, "split_sentences")
        if split_sentences is not None and split_sentences not in _SPLIT_SENTENCES:
            raise _ApiError(400, "Value for 'split_sentences' not supported.")
        model_type = self._one(p, "model_type")
        if model_type is not None and model_type not in _MODEL_TYPES:
            raise _ApiError(400, "Value for 'model_type' not supported.")
        context = self._one(p, "context")
        glossary_id = self._one(p, "glossary_id")
        glossary_ids = self._tags(p, "glossary_ids")
        ignore_tags = self._tags(p, "ignore_tags")

        ids = ([glossary_id] if glossary_id else []) + glossary_ids
        if ids and source is None:
            raise _ApiError(400, "Parameter 'source_lang' is required when using a glossary.")
        replacers = []
        with self.lock:
            for gid in ids:
                glossary = self.glossaries.get(gid)
                if glossary is None:
                    raise _ApiError(400, f"Invalid glossary id: {gid}")
                entries = glossary.dictionaries.get((_base(source or ""), _base(target)))
                if entries is None:
                    raise _ApiError(400, "Glossary language pair does not match source_lang/target_lang.")
                replacers.append(_glossary_replacer(dict(entries), escape=tag_handling is not None))

        billed = [len(t) for t in texts]
        total = sum(billed)
        with self.lock:
            if self.character_count + total > self.character_limit:
                raise _ApiError(456, "Quota exceeded")
            self.character_count += total
            self.billed_characters += total
            self.billed_characters_by_target[target] = self.billed_characters_by_target.get(target, 0) + total

        prefix = f"[{target}] "
        detected = [source or self.detect(t) for t in texts]
        if tag_handling is not None:
            ignore = {t.lower() for t in ignore_tags} if tag_handling == "html" else set(ignore_tags)
            results = [_translate_markup(t, prefix, replacers, ignore, tag_handling == "html") for t in texts]
        else:
            results = [_translate_plain(t, prefix, replacers) for t in texts]

        show_billed = bool(_truthy(self._one(p, "show_billed_characters")))
        translations = []
        for text, det, n in zip(results, detected, billed, strict=True):
            item: dict[str, Any] = {"detected_source_language": det, "text": text}
            if show_billed:
                item["billed_characters"] = n
            if model_type is not None:
                item["model_type_used"] = _MODEL_TYPES[model_type]
            translations.append(item)

        call = TranslateCall(
            target=target,
            source=source,
            texts=list(texts),
            context=context,
            glossary_id=glossary_id,
            formality=formality,
            tag_handling=tag_handling,
            ignore_tags=ignore_tags,
            glossary_ids=glossary_ids,
            non_splitting_tags=self._tags(p, "non_splitting_tags"),
            splitting_tags=self._tags(p, "splitting_tags"),
            split_sentences=split_sentences,
            preserve_formatting=_truthy(self._one(p, "preserve_formatting")),
            model_type=model_type,
            outline_detection=_truthy(self._one(p, "outline_detection")),
            show_billed_characters=show_billed,
            detected=detected,
            results=results,
            billed_characters=total,
        )
        with self.lock:
            self.translate_calls.append(call)
        return _Response.json(200, {"translations": translations})

    def _languages(self, req: Request) -> _Response:
        kind = (self._one(req.params, "type") or "source").lower()
        if kind == "source":
            return _Response.json(200, self.source_languages)
        if kind == "target":
            return _Response.json(200, self.target_languages)
        raise _ApiError(400, "Value for 'type' not supported.")

    # -- glossaries --------------------------------------------------------------------------------

    def _glossary(self, gid: str) -> FakeGlossary:
        glossary = self.glossaries.get(gid)
        if glossary is None:
            raise _ApiError(404, "Glossary not found")
        return glossary

    @staticmethod
    def _pair(source: str | None, target: str | None) -> tuple[str, str]:
        if not source or not target:
            raise _ApiError(400, "Parameters 'source_lang' and 'target_lang' are required.")
        pair = (_base(source), _base(target))
        if pair[0] not in _GLOSSARY_LANGUAGES or pair[1] not in _GLOSSARY_LANGUAGES or pair[0] == pair[1]:
            raise _ApiError(400, "Unsupported glossary source and target language pair.")
        return pair

    @staticmethod
    def _glossary_v2_methods(parts: list[str]) -> set[str]:
        if len(parts) == 2:
            return {"GET", "POST"}
        if len(parts) == 3:
            return {"GET", "DELETE"}
        return {"GET"} if parts[3] == "entries" else set()

    @staticmethod
    def _glossary_v3_methods(parts: list[str]) -> set[str]:
        if len(parts) == 2:
            return {"GET", "POST"}
        if len(parts) == 3:
            return {"GET", "PATCH", "DELETE"}
        return {"entries": {"GET"}, "dictionaries": {"PUT", "DELETE"}}.get(parts[3], set())

    def _dictionary_from(self, data: dict[str, Any]) -> tuple[tuple[str, str], dict[str, str]]:
        pair = self._pair(data.get("source_lang"), data.get("target_lang"))
        entries = data.get("entries")
        if not isinstance(entries, str) or not entries.strip():
            raise _ApiError(400, "Parameter 'entries' not specified.")
        return pair, _parse_entries(entries, str(data.get("entries_format") or "tsv").lower())

    def _glossaries_v2(self, method: str, parts: list[str], req: Request) -> _Response:
        with self.lock:
            if len(parts) == 2 and method == "GET":
                listed = [g.v2_json() for g in self.glossaries.values() if len(g.dictionaries) == 1]
                return _Response.json(200, {"glossaries": listed})
            if len(parts) == 2:  # POST: create
                data = {
                    k: self._one(req.params, k) for k in ("name", "source_lang", "target_lang", "entries")
                }
                data["entries_format"] = self._one(req.params, "entries_format")
                name = data["name"]
                if not name:
                    raise _ApiError(400, "Parameter 'name' not specified.")
                pair, entries = self._dictionary_from(data)
                glossary = FakeGlossary(str(uuid.uuid4()), name, self._now(), {pair: entries})
                self.glossaries[glossary.glossary_id] = glossary
                return _Response.json(201, glossary.v2_json())
            glossary = self._glossary(parts[2])
            if method == "DELETE":
                del self.glossaries[glossary.glossary_id]
                return _Response(204)
            if len(glossary.dictionaries) != 1:
                raise _ApiError(400, "Multilingual glossaries are only available through /v3/glossaries.")
            if len(parts) == 3:
                return _Response.json(200, glossary.v2_json())
            accept = req.headers.get("Accept", "*/*")
            if "text/tab-separated-values" not in accept and "*/*" not in accept:
                raise _ApiError(415, "Unsupported Media Type")
            entries = next(iter(glossary.dictionaries.values()))
            tsv = "\n".join(f"{s}\t{t}" for s, t in entries.items())
            return _Response(200, tsv.encode("utf-8"), "text/tab-separated-values; charset=utf-8")

    def _glossaries_v3(self, method: str, parts: list[str], req: Request) -> _Response:
        data = req.json if isinstance(req.json, dict) else {}
        with self.lock:
            if len(parts) == 2 and method == "GET":
                return _Response.json(200, {"glossaries": [g.v3_json() for g in self.glossaries.values()]})
            if len(parts) == 2:  # POST: create
                name = data.get("name")
                dicts = data.get("dictionaries")
                if not name:
                    raise _ApiError(400, "Parameter 'name' not specified.")
                if not isinstance(dicts, list) or not dicts:
                    raise _ApiError(400, "Parameter 'dictionaries' not specified.")
                glossary = FakeGlossary(str(uuid.uuid4()), str(name), self._now())
                for d in dicts:
                    pair, entries = self._dictionary_from(d if isinstance(d, dict) else {})
                    glossary.dictionaries[pair] = entries
                self.glossaries[glossary.glossary_id] = glossary
                return _Response.json(201, glossary.v3_json())
            glossary = self._glossary(parts[2])
            if len(parts) == 3:
                if method == "GET":
                    return _Response.json(200, glossary.v3_json())
                if method == "DELETE":
                    del self.glossaries[glossary.glossary_id]
                    return _Response(204)
                # PATCH: rename and/or merge dictionaries
                if "name" in data:
                    if not data["name"]:
                        raise _ApiError(400, "Parameter 'name' must not be empty.")
                    glossary.name = str(data["name"])
                for d in data.get("dictionaries") or []:
                    pair, entries = self._dictionary_from(d if isinstance(d, dict) else {})
                    glossary.dictionaries.setdefault(pair, {}).update(entries)
                return _Response.json(200, glossary.v3_json())
            if parts[3] == "dictionaries" and method == "PUT":
                pair, entries = self._dictionary_from(data or {k: v[0] for k, v in req.params.items() if v})
                glossary.dictionaries[pair] = entries
                info = {
                    "source_lang": pair[0].lower(),
                    "target_lang": pair[1].lower(),
                    "entry_count": len(entries),
                }
                return _Response.json(201, info)
            pair = self._pair(self._one(req.params, "source_lang"), self._one(req.params, "target_lang"))
            if pair not in glossary.dictionaries:
                raise _ApiError(404, "Glossary dictionary not found")
            if parts[3] == "dictionaries":  # DELETE
                del glossary.dictionaries[pair]
                return _Response(204)
            entries = glossary.dictionaries[pair]
            payload = {
                "dictionaries": [
                    {
                        "source_lang": pair[0].lower(),
                        "target_lang": pair[1].lower(),
                        "entries": "\n".join(f"{s}\t{t}" for s, t in entries.items()),
                        "entries_format": "tsv",
                    }
                ]
            }
            return _Response.json(200, payload)


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
