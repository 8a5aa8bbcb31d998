"""Language codes for translation: what people type, what DeepL expects, flags, names and formality."""

from __future__ import annotations

import unicodedata

from bot.i18n import language_name
from bot.settings import SUPPORTED_LOCALES

#: DeepL's target languages when the service has not told us its own list yet (June 2025).
DEFAULT_TARGETS = (
    "AR", "BG", "CS", "DA", "DE", "EL", "EN-GB", "EN-US", "ES", "ET", "FI", "FR", "HE", "HU", "ID", "IT", "JA",
    "KO", "LT", "LV", "NB", "NL", "PL", "PT-BR", "PT-PT", "RO", "RU", "SK", "SL", "SV", "TH", "TR", "UK", "VI",
    "ZH-HANS", "ZH-HANT",
)  # fmt: skip

#: Target languages where DeepL offers formality (`prefer_more` is accepted for any; it matters for these).
FORMAL_TARGETS = frozenset({"DE", "FR", "ES", "IT", "PT-PT", "PT-BR", "NL", "PL", "RU", "JA"})

#: Languages DeepL translates without tag handling or glossaries: markup is protected by placeholders.
NO_TAG_HANDLING = frozenset({"SR", "SQ", "KA", "HY", "HR", "MK", "CA", "BS", "EU", "GA", "IS", "MT", "BE", "AZ", "KK"})

#: What people type for a language that DeepL splits in variants.
_DEFAULT_VARIANT = {"EN": "EN-GB", "PT": "PT-PT", "ZH": "ZH-HANS", "NO": "NB"}

#: Country flags (ISO 3166 alpha-2, lower case) and Slack's short names, to DeepL target languages.
FLAG_TARGETS: dict[str, str] = {
    "fr": "FR", "be": "FR", "lu": "FR", "mc": "FR",
    "gb": "EN-GB", "uk": "EN-GB", "england": "EN-GB", "ie": "EN-GB", "mt": "EN-GB",
    "us": "EN-US", "ca": "EN-US", "au": "EN-GB", "nz": "EN-GB",
    "de": "DE", "at": "DE", "ch": "DE", "li": "DE",
    "es": "ES", "mx": "ES", "ar": "ES", "co": "ES", "cl": "ES", "pe": "ES",
    "it": "IT", "sm": "IT", "va": "IT",
    "pt": "PT-PT", "br": "PT-BR", "ao": "PT-PT", "mz": "PT-PT", "cv": "PT-PT",
    "ua": "UK", "pl": "PL", "nl": "NL", "gr": "EL", "cy": "EL", "se": "SV", "dk": "DA", "fi": "FI", "no": "NB",
    "cz": "CS", "sk": "SK", "si": "SL", "ee": "ET", "lv": "LV", "lt": "LT", "hu": "HU", "ro": "RO", "md": "RO",
    "bg": "BG", "tr": "TR", "ru": "RU", "jp": "JA", "kr": "KO", "cn": "ZH-HANS", "tw": "ZH-HANT",
    "id": "ID", "il": "HE", "sa": "AR", "eg": "AR", "ma": "AR", "th": "TH", "vn": "VI",
}  # fmt: skip

_FLAG_EMOJI = {"EN-GB": "🇬🇧", "EN-US": "🇺🇸", "PT-BR": "🇧🇷", "PT-PT": "🇵🇹", "UK": "🇺🇦", "EL": "🇬🇷", "SV": "🇸🇪",
               "DA": "🇩🇰", "CS": "🇨🇿", "ET": "🇪🇪", "JA": "🇯🇵", "KO": "🇰🇷", "ZH-HANS": "🇨🇳", "ZH-HANT": "🇹🇼",
               "NB": "🇳🇴", "HE": "🇮🇱", "AR": "🇸🇦", "SL": "🇸🇮", "VI": "🇻🇳", "CA": "🏴", "SQ": "🇦🇱", "KA": "🇬🇪",
               "HY": "🇦🇲", "BS": "🇧🇦", "SR": "🇷🇸"}  # fmt: skip


def base(code: str) -> str:
    """`PT-BR` -> `pt`."""
    return code.replace("_", "-").split("-")[0].lower()


def target_code(code: str) -> str:
    """A DeepL target code for what a person typed: `fr` -> `FR`, `en` -> `EN-GB`, `pt_br` -> `PT-BR`."""
    cleaned = code.strip().replace("_", "-").upper()
    return _DEFAULT_VARIANT.get(cleaned, cleaned)


def source_code(code: str) -> str:
    """A DeepL source code (no variants): `pt-BR` -> `PT`."""
    return base(code).upper()


def flag_target(emoji: str) -> str | None:
    """The DeepL target a flag reaction asks for: `flag-fr`, `:flag_br:`, `🇺🇦`, Slack's `gb`/`us`…"""
    name = emoji.strip().strip(":").lower()
    letters = [ch for ch in name if 0x1F1E6 <= ord(ch) <= 0x1F1FF]
    if len(letters) == 2 and len(name) == 2:
        country = "".join(chr(ord(ch) - 0x1F1E6 + ord("a")) for ch in letters)
        return FLAG_TARGETS.get(country)
    if name.startswith(("flag-", "flag_")):
        return FLAG_TARGETS.get(name[5:])
    # Slack's standard short names for a few flags (`:fr:`, `:gb:`, `:us:`…) — never a bare language code.
    if name in ("fr", "de", "es", "it", "gb", "uk", "us", "jp", "kr", "cn", "ru"):
        return FLAG_TARGETS.get(name)
    return None


def flag_of(target: str) -> str:
    """A flag emoji that stands for `target` in a translated post."""
    if target in _FLAG_EMOJI:
        return _FLAG_EMOJI[target]
    country = target.split("-")[-1] if "-" in target else target
    if len(country) == 2 and country.isalpha():
        return "".join(chr(0x1F1E6 + ord(ch) - ord("A")) for ch in country.upper())
    return "🌐"


def display_name(target: str, locale: str) -> str:
    """The language's name in `locale` ("PT-BR" in "fr" -> "portugais (Brésil)"), capitalised."""
    name = language_name(target.replace("-HANS", "-Hans").replace("-HANT", "-Hant"), locale)
    return name[:1].upper() + name[1:] if name else target


def speaks(target: str) -> str | None:
    """The bot's own catalogue language for a target, when it has one (`PT-BR` -> `pt`)."""
    code = base(target)
    return code if code in SUPPORTED_LOCALES else None


def formality_for(target: str, formal_targets: frozenset[str] = FORMAL_TARGETS) -> str | None:
    """City officials expect the formal register where the language has one."""
    return "prefer_more" if target in formal_targets else None


def is_supported(target: str, supported: frozenset[str]) -> bool:
    return target in supported


def strip_invisible(text: str) -> str:
    """Without zero-width and direction marks (for comparing what a person typed)."""
    return "".join(ch for ch in text if unicodedata.category(ch) != "Cf")
