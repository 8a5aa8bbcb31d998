"""Catalogue upkeep with Babel: extract marked strings per domain, update the .po files, compile, check."""

from __future__ import annotations

import copy
import io
import re
from collections.abc import Iterator
from pathlib import Path

from babel.messages.catalog import Catalog, Message
from babel.messages.extract import extract_from_file
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

from bot.i18n import DOMAINS, KEYWORDS, LOCALES_DIR, PLACEHOLDER, ROOT, domain_of
from bot.settings import SUPPORTED_LOCALES

SOURCE_FOLDERS = ("bot", "commands", "integrations", "schedules")
#: Jinja2 templates of the web pages: their strings are marked `_("…")` (or `N_("…")`) as in the code.
TEMPLATE_FOLDERS = ("integrations/web/templates",)
TEMPLATE_KEYWORDS: dict[str, object] = {"_": None, "N_": None}


def source_files() -> Iterator[tuple[str, Path]]:
    for folder in SOURCE_FOLDERS:
        for path in sorted((ROOT / folder).rglob("*.py")):
            if "migrations" in path.parts:
                continue
            yield path.relative_to(ROOT).as_posix(), path
    for folder in TEMPLATE_FOLDERS:
        for path in sorted((ROOT / folder).rglob("*.html")):
            yield path.relative_to(ROOT).as_posix(), path


def templates() -> dict[str, Catalog]:
    """Every marked string in the code, by domain, as Babel catalogues (what `.pot` files hold)."""
    found = {domain: Catalog(project="icc-bot", domain=domain, charset="utf-8") for domain in DOMAINS}
    for relative, path in source_files():
        domain = domain_of(relative)
        if domain is None:
            continue
        if path.suffix == ".html":
            method, keywords = "jinja2.ext:babel_extract", TEMPLATE_KEYWORDS
        else:
            method, keywords = "python", KEYWORDS
        for lineno, message, comments, _context in extract_from_file(
            method, str(path), keywords=keywords, comment_tags=("Translators:",)  # type: ignore[arg-type]
        ):
            if isinstance(message, tuple | list) and len(message) == 1:
                message = message[0]
            if not message or (isinstance(message, tuple | list) and not all(message)):
                continue
            found[domain].add(message, locations=[(relative, lineno)], auto_comments=comments)
    return found


def po_path(locale: str, domain: str) -> Path:
    return LOCALES_DIR / locale / "LC_MESSAGES" / f"{domain}.po"


def extract() -> dict[str, int]:
    counts = {}
    for domain, template in templates().items():
        if not len(template):
            continue
        _write_if_changed(LOCALES_DIR / f"{domain}.pot", template)
        counts[domain] = len(template)
    return counts


_CREATION_DATE = re.compile(rb'^"POT-Creation-Date: [^"]*"\n', re.MULTILINE)


def _write_if_changed(path: Path, catalog: Catalog) -> None:
    """Write `catalog` to `path` unless only its creation date would change.

    Entries carry their files but not line numbers, so moving code does not rewrite every catalogue (and
    work done side by side does not collide in them).
    """
    buffer = io.BytesIO()
    write_po(buffer, catalog, width=100, sort_output=True, ignore_obsolete=True, include_lineno=False)
    new = buffer.getvalue()
    if path.exists() and _CREATION_DATE.sub(b"", path.read_bytes()) == _CREATION_DATE.sub(b"", new):
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(new)


def read(locale: str, domain: str) -> Catalog:
    path = po_path(locale, domain)
    if not path.exists():
        return Catalog(locale=locale, domain=domain, charset="utf-8")
    with path.open("rb") as handle:
        return read_po(handle, locale=locale, domain=domain)


def update() -> list[str]:
    """Merge the code's strings into every language; English gets msgstr = msgid, others stay to translate."""
    lines = []
    for domain, template in templates().items():
        if not len(template):
            continue
        for locale in SUPPORTED_LOCALES:
            catalog = read(locale, domain)
            # Catalog.update shares Message objects with the template: give each language its own.
            catalog.update(copy.deepcopy(template), no_fuzzy_matching=True)
            catalog.fuzzy = False
            catalog.project, catalog.version = "icc-bot", "1"
            catalog.copyright_holder = "Intercultural Cities network"
            if locale == "en":
                for message in catalog:
                    if message.id and not message.string:
                        message.string = message.id
            missing = sum(1 for m in catalog if m.id and not _complete(m))
            _write_if_changed(po_path(locale, domain), catalog)
            lines.append(f"{locale}/{domain}: {len(catalog)} messages, {missing} to translate")
    return lines


def compile_all() -> int:
    count = 0
    for path in sorted(LOCALES_DIR.glob("*/LC_MESSAGES/*.po")):
        locale = path.parent.parent.name
        with path.open("rb") as handle:
            catalog = read_po(handle, locale=locale)
        buffer = io.BytesIO()
        write_mo(buffer, catalog)
        path.with_suffix(".mo").write_bytes(buffer.getvalue())
        count += 1
    return count


def _complete(message: Message) -> bool:
    if isinstance(message.string, tuple | list):
        return all(message.string)
    return bool(message.string)


def placeholders(text: str | tuple[str, ...] | list[str] | None) -> set[str]:
    if isinstance(text, tuple | list):
        return set().union(*(placeholders(part) for part in text))
    return set(PLACEHOLDER.findall(text or ""))


def check() -> list[str]:
    """Every problem that would show a person English or a broken sentence: one line each."""
    problems = []
    for domain, template in templates().items():
        for locale in SUPPORTED_LOCALES:
            if not len(template):
                continue
            catalog = read(locale, domain)
            for wanted in template:
                if not wanted.id:
                    continue
                message = catalog.get(wanted.id)
                where = f"{locale}/{domain}.po"
                label = wanted.id[0] if isinstance(wanted.id, tuple | list) else wanted.id
                if message is None or not _complete(message):
                    problems.append(f"{where}: missing translation of {label!r}")
                    continue
                if message.fuzzy:
                    problems.append(f"{where}: fuzzy translation of {label!r}")
                if placeholders(message.string) != placeholders(wanted.id):
                    problems.append(
                        f"{where}: placeholders {sorted(placeholders(message.string))} differ from "
                        f"{sorted(placeholders(wanted.id))} in {label!r}"
                    )
    return problems
