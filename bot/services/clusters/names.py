"""A cluster's slug and its channels' name: what people type, checked once for every platform."""

from __future__ import annotations

import re
import unicodedata

from bot.errors import UserError

#: A channel name that both Slack (lower case, digits, - and _, at most 80) and Discord (text channels: lower
#: case, no spaces, at most 100) accept as it is, so that a cluster's channels have one name everywhere.
CHANNEL_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,79}$")
SLUG_LIMIT = 64


def ascii_fold(text: str) -> str:
    """`Montréal Anti-Rumours` -> `montreal anti-rumours`: lower case, accents dropped."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def slug_of(name: str) -> str:
    """The slug a cluster called `name` gets (`Anti-rumours & dialogue` -> `anti-rumours-dialogue`); "" when the
    name has no letter or digit a slug can keep."""
    folded = re.sub(r"[^a-z0-9]+", "-", ascii_fold(name)).strip("-")
    return folded[:SLUG_LIMIT].rstrip("-")


def clean_channel_name(text: str) -> str:
    """A channel name as typed (`#Anti-Rumours`), checked: the same name must be allowed on every platform."""
    name = text.strip().lstrip("#").strip()
    if not CHANNEL_NAME.match(name):
        raise UserError(
            "“{value}” cannot be a channel name: on Slack and Discord a cluster's channel is named with lower-case "
            "letters (a–z), digits, - and _, at most 80 characters, starting with a letter or digit. For example: "
            "{example}.",
            field="channel", value=text.strip()[:90], example=slug_of(text) or "anti-rumours",
        )
    return name
