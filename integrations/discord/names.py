"""Command, subcommand and option names offered to Discord in our languages (`name_localizations`).

The names themselves stay those of Slack and `/help` (`/share-practice`); a Discord user whose client speaks
one of our languages sees them translated, as Discord shows localised names. The translations live in the
`discord` catalogue; each must be a valid Discord name (lower case, letters, digits, - or _, at most 32) and
unique among its siblings, which `tests/discord/test_names.py` checks. A new command's names need adding here
(untranslated names are simply shown as they are).
"""

from __future__ import annotations

from bot.i18n import N_

NAMES = (
    N_("approve"), N_("budget"), N_("channel"), N_("characters"), N_("city"), N_("code"), N_("codes"),
    N_("help"), N_("id"), N_("language"), N_("languages"), N_("mine"), N_("mirror"), N_("mode"), N_("name"),
    N_("page"), N_("person"), N_("practices"), N_("profile"), N_("publish"), N_("reason"), N_("reject"),
    N_("review"), N_("role"), N_("search"), N_("share-practice"), N_("show"), N_("status"), N_("text"),
    N_("theme"), N_("title"), N_("translate"), N_("translation"), N_("unmirror"), N_("words"),
)
