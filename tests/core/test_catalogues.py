"""Every string the bot says exists in every language, with the same placeholders, and nothing fuzzy."""

from __future__ import annotations

from bot import catalogues
from bot.i18n import catalogue, language_name, negotiate, t, tn
from bot.settings import SUPPORTED_LOCALES


def test_every_language_has_every_message_with_the_same_placeholders() -> None:
    problems = catalogues.check()
    assert problems == [], "\n".join(problems[:40])


def test_the_check_notices_a_missing_translation(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    real_read = catalogues.read

    def read_without_one(locale: str, domain: str):  # type: ignore[no-untyped-def]
        catalog = real_read(locale, domain)
        if locale == "fr" and domain == "core":
            catalog.delete("Only the ICC team can do this.")
        return catalog

    monkeypatch.setattr(catalogues, "read", read_without_one)
    assert any("fr/core.po: missing" in line for line in catalogues.check())


def test_the_check_notices_a_placeholder_mismatch(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    real_read = catalogues.read

    def read_broken(locale: str, domain: str):  # type: ignore[no-untyped-def]
        catalog = real_read(locale, domain)
        if locale == "de" and domain == "core":
            catalog["Your city is now {city}."].string = "Ihre Stadt ist jetzt {stadt}."
        return catalog

    monkeypatch.setattr(catalogues, "read", read_broken)
    assert any("placeholders" in line and "de/core.po" in line for line in catalogues.check())


def test_no_catalogue_is_marked_fuzzy() -> None:
    for path in catalogues.LOCALES_DIR.glob("*/LC_MESSAGES/*.po"):
        assert "#, fuzzy" not in path.read_text(encoding="utf-8"), path


def test_strings_come_out_in_the_asked_language() -> None:
    assert t("fr", "Only the ICC team can do this.") != "Only the ICC team can do this."
    assert t("uk", "Your city is now {city}.", city="Odesa").endswith("Odesa.")
    for locale in SUPPORTED_LOCALES:
        assert catalogue(locale) is catalogue(locale)  # compiled once


def test_plural_forms_follow_the_language() -> None:
    assert "1" in tn("en", "{n} practice", "{n} practices", 1)
    assert tn("en", "{n} practice", "{n} practices", 3).endswith("practices")


def test_negotiation_maps_platform_locales() -> None:
    assert negotiate("pt-BR") == "pt"
    assert negotiate(None, "fr_FR") == "fr"
    assert negotiate("zz", "", default="de") == "de"
    assert language_name("de", "fr") == "allemand"


def test_catalogues_name_files_not_line_numbers_and_an_update_with_nothing_new_rewrites_nothing() -> None:
    """Moving code must not rewrite every catalogue: entries name their files only, and the date alone is no change."""
    from bot import catalogues
    from bot.i18n import LOCALES_DIR

    files = sorted(LOCALES_DIR.glob("*/LC_MESSAGES/*.po"))
    assert files
    for path in files:
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.startswith("#: "):
                assert not any(part.rpartition(":")[2].isdigit() for part in line[3:].split()), (path, line)
    before = {path: path.stat().st_mtime_ns for path in files}
    catalogues.update()
    assert {path: path.stat().st_mtime_ns for path in files} == before
