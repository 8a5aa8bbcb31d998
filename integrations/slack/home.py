"""The App Home tab: the person's city and role, clusters, upcoming events, open surveys, practices, language.

Each part is a `HomePart`: a function of the request's context that returns neutral `Section`s, or None when
the service behind it does not exist yet (the part then says so honestly). A feature plugs its part in by
adding it to `HOME_PARTS`; rendering to Block Kit happens once, here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
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
from sqlmodel import col, select

from bot.context import ROLE_LABELS, Context
from bot.db import session_scope
from bot.i18n import N_, language_name
from bot.messages import Section
from bot.models import Cluster, ClusterMembership, Role
from bot.settings import SUPPORTED_LOCALES
from integrations.slack.blocks import plain, sanitize_mrkdwn, split_text

HOME_LANGUAGE_ACTION = "home_language"
#: The select's value for "follow my Slack language".
AUTO_LANGUAGE = "auto"
HOME_BLOCK_LIMIT = 100


@dataclass(frozen=True)
class HomePart:
    """One part of the home: a title (a msgid), what to show, and what to say when there is nothing."""

    title: str
    sections: Callable[[Context], list[Section] | None]
    empty: str


def _profile(ctx: Context) -> list[Section]:
    member = ctx.member
    city = ctx.services.cities.get(member.city_id) if member.city_id else None
    lines = [
        ctx.t("City: {city}", city=city.name if city else ctx.t("not set (use /profile city <name>)")),
        ctx.t("Role: {role}", role=ctx.t(ROLE_LABELS[Role(member.role)])),
    ]
    return [Section(text="\n".join(lines))]


def _clusters(ctx: Context) -> list[Section]:
    # No cluster service exists yet: this read moves into it when it does.
    if ctx.member.city_id is None:
        return []
    with session_scope(ctx.services.engine) as session:
        clusters = session.exec(
            select(Cluster)
            .join(ClusterMembership, col(ClusterMembership.cluster_id) == col(Cluster.id))
            .where(ClusterMembership.city_id == ctx.member.city_id)
            .order_by(Cluster.name)
        ).all()
    if not clusters:
        return []
    return [Section(text="\n".join(f"• {cluster.name}" for cluster in clusters))]


def _feature(name: str, method: str) -> Callable[[Context], list[Section] | None]:
    """A part served by a feature service that does not exist yet: None until `services.features[name]` has
    `method(member) -> list[Section]`."""

    def sections(ctx: Context) -> list[Section] | None:
        service = ctx.services.features.get(name)
        provide = getattr(service, method, None) if service is not None else None
        if provide is None:
            return None
        return list(provide(ctx.member, locale=ctx.locale))

    return sections


def _practices(ctx: Context) -> list[Section] | None:
    service = getattr(ctx.services, "practices", None)
    if service is None or ctx.member.id is None:
        return None
    from bot.services.practices import STATUS_LABELS

    cards = service.mine(ctx.member, limit=10)
    lines = [f"#{card.id} {card.title} — {ctx.t(STATUS_LABELS[card.status])}" for card in cards]
    return [Section(text="\n".join(lines))] if lines else []


HOME_PARTS: list[HomePart] = [
    HomePart(N_("Your profile"), _profile, N_("Nothing yet.")),
    HomePart(N_("Your clusters"), _clusters, N_("Your city is in no cluster yet.")),
    HomePart(N_("Upcoming events"), _feature("calendar", "home_sections"), N_("No upcoming events yet.")),
    HomePart(N_("Open surveys"), _feature("surveys", "home_sections"), N_("No open surveys yet.")),
    HomePart(N_("Your practices"), _practices, N_("You have not shared a practice yet. Use /share-practice.")),
]


def _part_blocks(ctx: Context, part: HomePart) -> list[Block]:
    blocks: list[Block] = [HeaderBlock(text=PlainTextObject(text=plain(ctx.t(part.title), 150)))]
    sections = part.sections(ctx)
    if not sections:
        blocks.append(SectionBlock(text=MarkdownTextObject(text=sanitize_mrkdwn(ctx.t(part.empty)))))
        return blocks
    for section in sections:
        text = sanitize_mrkdwn(section.text)
        if section.title:
            text = f"*{sanitize_mrkdwn(section.title)}*\n{text}"
        blocks.extend(SectionBlock(text=MarkdownTextObject(text=piece)) for piece in split_text(text) if piece)
    return blocks


def _language_blocks(ctx: Context) -> list[Block]:
    chosen = ctx.member.preferred_language
    options = [Option(value=AUTO_LANGUAGE, text=PlainTextObject(
        text=plain(ctx.t("Follow my Slack language"), 75)))]
    options += [Option(value=code, text=PlainTextObject(text=plain(language_name(code, code), 75)))
                for code in SUPPORTED_LOCALES]
    initial = next((o for o in options if o.value == (chosen or AUTO_LANGUAGE)), options[0])
    current = language_name(ctx.locale, ctx.locale)
    return [
        HeaderBlock(text=PlainTextObject(text=plain(ctx.t("Your language"), 150))),
        SectionBlock(
            text=MarkdownTextObject(text=sanitize_mrkdwn(ctx.t("I speak {language} to you.", language=current))),
            accessory=StaticSelectElement(action_id=HOME_LANGUAGE_ACTION, options=options, initial_option=initial),
        ),
    ]


def build_home(ctx: Context) -> dict[str, Any]:
    """The App Home view for the person in `ctx`, in their language (validated by slack_sdk)."""
    blocks: list[Block] = [
        HeaderBlock(text=PlainTextObject(text="ICC Bot")),
        ContextBlock(elements=[MarkdownTextObject(text=sanitize_mrkdwn(ctx.t(
            "The Intercultural Cities network in Slack. Type /help in any channel to see what I can do.")))]),
    ]
    for part in HOME_PARTS:
        blocks.append(DividerBlock())
        blocks.extend(_part_blocks(ctx, part))
    blocks.append(DividerBlock())
    blocks.extend(_language_blocks(ctx))
    if len(blocks) > HOME_BLOCK_LIMIT:
        blocks = blocks[: HOME_BLOCK_LIMIT - len(_language_blocks(ctx))] + _language_blocks(ctx)
    view = View(type="home", blocks=blocks)
    return view.to_dict()


__all__ = ["HOME_LANGUAGE_ACTION", "HOME_PARTS", "HomePart", "build_home"]
