"""DeepL's vocabulary for the fake: limits, languages, naive language detection, request records, errors."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

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


