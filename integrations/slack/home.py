"""The App Home tab in Block Kit: the home's parts as the core builds them (`bot/services/home.py`), then the
person's language select. Nothing is decided here but the layout."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from slack_sdk.models.blocks import (
    Block,
    ContextBlock,
    DividerBlock,
    HeaderBlock,
    MarkdownTextObject,
    Option,
    PlainTextObject,
    SectionBlock,
    StaticSelectElement,
)
from slack_sdk.models.views import View

from bot.i18n import language_name, t
from bot.services.home import HomeBlock
from bot.settings import SUPPORTED_LOCALES
from integrations.slack.blocks import plain, sanitize_mrkdwn, split_text

HOME_LANGUAGE_ACTION = "home_language"
#: The select's value for "follow my Slack language".
AUTO_LANGUAGE = "auto"
HOME_BLOCK_LIMIT = 100


def _part_blocks(part: HomeBlock) -> list[Block]:
    blocks: list[Block] = [HeaderBlock(text=PlainTextObject(text=plain(part.title, 150)))]
    for section in part.sections:
        text = sanitize_mrkdwn(section.text)
        if section.title:
            text = f"*{sanitize_mrkdwn(section.title)}*\n{text}"
        blocks.extend(SectionBlock(text=MarkdownTextObject(text=piece)) for piece in split_text(text) if piece)
    return blocks


def _language_blocks(locale: str, chosen: str | None) -> list[Block]:
    options = [Option(value=AUTO_LANGUAGE, text=PlainTextObject(text=plain(t(locale, "Follow my Slack language"),
                                                                          75)))]
    options += [Option(value=code, text=PlainTextObject(text=plain(language_name(code, code), 75)))
                for code in SUPPORTED_LOCALES]
    initial = next((o for o in options if o.value == (chosen or AUTO_LANGUAGE)), options[0])
    current = language_name(locale, locale)
    return [
        HeaderBlock(text=PlainTextObject(text=plain(t(locale, "Your language"), 150))),
        SectionBlock(
            text=MarkdownTextObject(text=sanitize_mrkdwn(t(locale, "I speak {language} to you.", language=current))),
            accessory=StaticSelectElement(action_id=HOME_LANGUAGE_ACTION, options=options, initial_option=initial),
        ),
    ]


def build_home(parts: Sequence[HomeBlock], *, locale: str, chosen_language: str | None) -> dict[str, Any]:
    """The App Home view of the home `parts`, in `locale`, ending with the language select (validated by
    slack_sdk). `chosen_language` is the person's own choice (None: they follow Slack's)."""
    blocks: list[Block] = [
        HeaderBlock(text=PlainTextObject(text="ICC Bot")),
        ContextBlock(elements=[MarkdownTextObject(text=sanitize_mrkdwn(t(locale,
            "The Intercultural Cities network in Slack. Type /help in any channel to see what I can do.")))]),
    ]
    for part in parts:
        blocks.append(DividerBlock())
        blocks.extend(_part_blocks(part))
    language = _language_blocks(locale, chosen_language)
    blocks.append(DividerBlock())
    if len(blocks) + len(language) > HOME_BLOCK_LIMIT:
        blocks = blocks[: HOME_BLOCK_LIMIT - len(language)]
    blocks.extend(language)
    return View(type="home", blocks=blocks).to_dict()


__all__ = ["AUTO_LANGUAGE", "HOME_LANGUAGE_ACTION", "build_home"]
