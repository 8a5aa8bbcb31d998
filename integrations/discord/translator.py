"""Slash-command names, descriptions and choices in the user's Discord language, from our gettext catalogues."""

from __future__ import annotations

import re

import discord
from discord import app_commands

from bot.i18n import t

#: Discord's client languages that we have catalogues for (Discord has no plain "es", "pt" or "en").
DISCORD_LOCALES: dict[discord.Locale, str] = {
    discord.Locale.french: "fr",
    discord.Locale.spain_spanish: "es",
    discord.Locale.latin_american_spanish: "es",
    discord.Locale.brazil_portuguese: "pt",
    discord.Locale.german: "de",
    discord.Locale.italian: "it",
    discord.Locale.ukrainian: "uk",
}

_NAME_CONTEXTS = {
    app_commands.TranslationContextLocation.command_name,
    app_commands.TranslationContextLocation.group_name,
    app_commands.TranslationContextLocation.parameter_name,
}
# What Discord accepts as a slash command, group or option name.
_CHAT_INPUT_NAME = re.compile(r"^[-_\w]{1,32}$")
_LIMITS = {
    app_commands.TranslationContextLocation.command_description: 100,
    app_commands.TranslationContextLocation.group_description: 100,
    app_commands.TranslationContextLocation.parameter_description: 100,
    app_commands.TranslationContextLocation.choice_name: 100,
    app_commands.TranslationContextLocation.command_name: 32,
}


def our_locale(locale: discord.Locale | str) -> str | None:
    """Our catalogue language for a Discord locale; None for English and languages we do not have."""
    try:
        return DISCORD_LOCALES.get(discord.Locale(str(locale)))
    except ValueError:
        return None


class CatalogueTranslator(app_commands.Translator):
    """`app_commands.Translator` backed by `bot.i18n.t`: every msgid a command declares, in 6 more languages.

    Descriptions and choice labels are translated whenever the catalogue has them. Names of commands,
    subcommands and options (`integrations/discord/names.py`) are offered as Discord's name localisations
    when the catalogue gives a valid Discord name; the names themselves stay those of Slack and `/help`.
    """

    async def translate(
        self, string: app_commands.locale_str, locale: discord.Locale, context: app_commands.TranslationContextTypes
    ) -> str | None:
        language = our_locale(locale)
        if language is None or not string.message:
            return None
        translated = t(language, string.message)
        if translated == string.message:
            return None
        if isinstance(context.data, app_commands.ContextMenu):
            return translated[:32]  # context-menu names are free text ("Traduire")
        if context.location in _NAME_CONTEXTS:
            lowered = translated.lower()
            return lowered if _CHAT_INPUT_NAME.match(lowered) else None
        limit = _LIMITS.get(context.location)
        if limit is not None and len(translated) > limit:
            translated = translated[: limit - 1].rstrip() + "…"
        return translated
