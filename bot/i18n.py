"""Localisation: gettext catalogues from `locales/`, with the locale always passed explicitly.

Strings in code are English msgids marked with `t(locale, "…")`, `tn(locale, "…", "…", n)` or `N_("…")`
(a msgid translated later). Placeholders use `{name}`. Catalogues are split by feature into gettext
domains (`locales/<lang>/LC_MESSAGES/<domain>.po`) so features can be translated independently; at run
time all domains of a language are merged into one catalogue.
"""

from __future__ import annotations

import fnmatch
import io
import re
from datetime import datetime
from functools import cache
from pathlib import Path
from zoneinfo import ZoneInfo

from babel import Locale, UnknownLocaleError
from babel.dates import format_date as _format_date
from babel.dates import format_datetime as _format_datetime
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_decimal
from babel.support import Translations

from bot.settings import SUPPORTED_LOCALES

ROOT = Path(__file__).resolve().parent.parent
LOCALES_DIR = ROOT / "locales"
DEFAULT_LOCALE = "en"

#: Which source files feed which catalogue domain; a file goes to the first domain whose pattern matches.
DOMAINS: dict[str, tuple[str, ...]] = {
    "translation": (
        "bot/services/translation/*.py",
        "commands/translate*.py",
        "commands/translation*.py",
        "integrations/deepl/*.py",
    ),
    "slack": ("integrations/slack/*.py", "integrations/slack/**/*.py"),
    "discord": ("integrations/discord/*.py", "integrations/discord/**/*.py"),
    "practices": (
        "bot/services/practice*.py",
        "bot/services/search*.py",
        "commands/practice*.py",
        "commands/share_practice*.py",
    ),
    "surveys": (
        "bot/services/surveys/*.py",
        "bot/survey_cli.py",
        "commands/survey*.py",
    ),
    "calendar": (
        "bot/services/calendar/*.py",
        "bot/calendar_cli.py",
        "commands/calendar*.py",
        "commands/event*.py",
        "commands/remind*.py",
        "commands/subscribe*.py",
        "commands/unsubscribe*.py",
        "commands/broadcast*.py",
        "integrations/web/calendar_feeds.py",
    ),
    "clusters": (
        "bot/services/clusters/*.py",
        "bot/services/bridge/*.py",
        "bot/services/cities*.py",
        "bot/services/matching*.py",
        "bot/services/onboarding*.py",
        "bot/services/role_requests*.py",
        "commands/cluster*.py",
        "commands/city*.py",
        "commands/match*.py",
        "commands/request_role*.py",
        "commands/role_requests*.py",
    ),
    "web": (
        "integrations/web/*.py",
        "integrations/web/**/*.py",
        "integrations/web/templates/*.html",
        "integrations/web/templates/**/*.html",
        "bot/services/web_*.py",
        "commands/web.py",
    ),
    "core": ("bot/*.py", "bot/**/*.py", "commands/*.py", "integrations/**/*.py", "schedules/*.py"),
}

#: Keywords the extractor looks for, as Babel specs: positions of the msgid (and plural) arguments.
#: `t(locale, msgid)` and the context's `ctx.t(msgid)` share a name, so both positions are tried for every
#: arity; the one that is not a string literal yields nothing.
_ARITIES = range(1, 12)
_MSGID_FIRST: dict[int | None, tuple[int, ...]] = dict.fromkeys(_ARITIES, (1,))
_PLURAL_FIRST: dict[int | None, tuple[int, ...]] = dict.fromkeys(_ARITIES, (1, 2))
KEYWORDS: dict[str, object] = {
    "t": {**_MSGID_FIRST, None: (2,)},
    "tn": {**_PLURAL_FIRST, None: (2, 3)},
    "N_": None,
    "UserError": None,
    "ArgsError": None,
    "_say": None,  # the console's own messages
}

PLACEHOLDER = re.compile(r"\{([a-zA-Z_][a-zA-Z0-9_]*)(?:[!:][^{}]*)?\}")


def N_(msgid: str) -> str:  # noqa: N802 (gettext convention)
    """Mark a msgid for extraction without translating it now (it is translated where it is shown)."""
    return msgid


def domain_of(relative_path: str) -> str | None:
    """The catalogue domain a source file (path relative to the project root) belongs to."""
    for domain, patterns in DOMAINS.items():
        if any(fnmatch.fnmatch(relative_path, pattern) for pattern in patterns):
            return domain
    return None


@cache
def catalogue(locale: str) -> Translations:
    """All domains of `locale` merged into one catalogue, compiled in memory from the `.po` files."""
    merged = Translations()
    for part in domain_catalogues(locale):
        # The empty catalogue merged into has English's plural rule (n != 1): take the language's own, or
        # Ukrainian's "14 днів" would read "14 дні".
        merged.plural = part.plural
        merged.merge(part)
    return merged


@cache
def domain_catalogues(locale: str) -> tuple[Translations, ...]:
    """Each domain's catalogue of `locale` on its own: a plural form is chosen by the rule of the file it is in
    (files may count their forms differently, e.g. French with or without the form for millions)."""
    parts = []
    folder = LOCALES_DIR / locale / "LC_MESSAGES"
    for po_path in sorted(folder.glob("*.po")):
        with po_path.open("rb") as handle:
            parsed = read_po(handle, locale=locale)
        buffer = io.BytesIO()
        write_mo(buffer, parsed)
        buffer.seek(0)
        parts.append(Translations(fp=buffer, domain=po_path.stem))
    return tuple(parts)


def negotiate(*candidates: str | None, default: str = DEFAULT_LOCALE) -> str:
    """The first supported language among `candidates` ("pt-BR" -> "pt", "fr_FR" -> "fr")."""
    for candidate in candidates:
        if not candidate:
            continue
        code = candidate.replace("_", "-").split("-")[0].lower()
        if code in SUPPORTED_LOCALES:
            return code
    return default


def _format(text: str, params: dict[str, object]) -> str:
    if not params:
        return text
    try:
        return text.format(**params)
    except (KeyError, IndexError, ValueError):
        # A broken translation must never crash the bot; the catalogue test reports it.
        return text


def t(locale: str, msgid: str, **params: object) -> str:
    """Translate `msgid` into `locale` and fill its `{placeholders}`."""
    return _format(catalogue(negotiate(locale)).gettext(msgid), params)


def tn(locale: str, singular: str, plural: str, n: int, **params: object) -> str:
    """Translate with a plural form chosen for `n` (available as `{n}` too)."""
    code = negotiate(locale)
    holder = next((part for part in domain_catalogues(code) if (singular, 0) in part._catalog),  # noqa: SLF001
                  catalogue(code))
    text = holder.ngettext(singular, plural, n)
    return _format(text, {"n": format_number(locale, n), **params})


def format_number(locale: str, value: float) -> str:
    return format_decimal(value, locale=negotiate(locale))


def format_datetime(locale: str, value: datetime, *, format: str = "medium", tz: str | None = None) -> str:
    return _format_datetime(value, format=format, tzinfo=ZoneInfo(tz) if tz else None, locale=negotiate(locale))


def format_date(locale: str, value: datetime, *, format: str = "long") -> str:
    return _format_date(value, format=format, locale=negotiate(locale))


def language_name(code: str, locale: str) -> str:
    """The name of language `code` in `locale` ("de" in "fr" -> "allemand")."""
    try:
        return Locale.parse(code.replace("-", "_")).get_display_name(negotiate(locale)) or code
    except (UnknownLocaleError, ValueError):
        return code
