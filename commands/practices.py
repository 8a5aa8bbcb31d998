"""`/practices`: search the good practices of ICC cities, read one, list yours; the ICC team reviews them."""

from __future__ import annotations

import json

from bot.context import Context
from bot.errors import UserError
from bot.i18n import N_, language_name, t
from bot.messages import (
    Button,
    ButtonStyle,
    DirectMessage,
    FieldKind,
    Form,
    FormField,
    Identity,
    Reply,
    Response,
    Section,
)
from bot.models import Role
from bot.models.practices import THEMES, PracticeStatus, ReviewAction
from bot.registry import ActionHandler, Args, Command, FormSpec, Option, OptionKind, Registry, Subcommand
from bot.services.practice_rules import REASON_LIMIT, STATUS_LABELS, THEME_LABELS, clean_reason
from bot.services.practices import PracticeCard, PracticeDetails, ReviewOutcome
from commands.share_practice import checked

PAGE_SIZE = 5
REJECT_FORM = "practice-reject"


def practice_number(value: str | int) -> int:
    """A practice id from "12" or "#12"; anything else is the person's mistake."""
    raw = str(value).strip().lstrip("#")
    if not raw.isascii() or not raw.isdigit() or not 0 < len(raw) < 10:
        raise UserError("“{value}” is not a practice number (such as 12).", value=str(value)[:40])
    return int(raw)


def theme_labels(ctx: Context, themes: tuple[str, ...]) -> str:
    return ", ".join(ctx.t(THEME_LABELS[theme]) for theme in themes if theme in THEME_LABELS)


def card_section(ctx: Context, card: PracticeCard, *, with_status: bool = False) -> Section:
    lines = [f"{card.city} · {theme_labels(ctx, card.themes)}"]
    if with_status:
        lines[0] += " · " + ctx.t(STATUS_LABELS[card.status])
    lines.append(card.summary)
    if card.translated:
        lines.append(ctx.t("(machine translation from {language})", language=language_name(card.language,
                                                                                            ctx.locale)))
    return Section(
        title=f"#{card.id} · {card.title}",
        text="\n".join(lines),
        buttons=(Button(f"practice-show:{card.id}", ctx.t("Read"), value=str(card.id)),),
    )


# ---------------------------------------------------------------- search


def search_reply(ctx: Context, *, words: str, theme: str, city: str, page: int) -> Response:
    result = ctx.services.practices.search(
        words=words, theme=theme or None, city=city or None, limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE,
        language=ctx.locale,
    )
    shown = words.strip()[:80]
    if not result.hits:
        if page > 1:
            return Response.text(ctx.t("No more practices match your search."))
        if shown:
            return Response.text(ctx.t("No published practice matches “{words}”. Try fewer or other words.",
                                       words=shown))
        return Response.text(ctx.t("No published practice fits these filters yet."))
    if shown:
        header = ctx.t("Practices matching “{words}”, page {page}:", words=shown, page=page)
    else:
        header = ctx.t("The newest practices, page {page}:", page=page)
    reply = Reply(text=header, sections=[card_section(ctx, card) for card in result.hits])
    state = {"w": words[:200], "t": theme, "c": city[:120]}
    if page > 1:
        reply.buttons.append(Button(f"practice-search:{page - 1}", ctx.t("Previous"),
                                    value=json.dumps(state | {"p": page - 1}, ensure_ascii=False)))
    if result.has_more:
        reply.buttons.append(Button(f"practice-search:{page + 1}", ctx.t("Next"),
                                    value=json.dumps(state | {"p": page + 1}, ensure_ascii=False)))
        if not ctx.capabilities.buttons:
            reply.text += "\n" + ctx.t("More: add page:{page} to your search.", page=page + 1)
    return Response(replies=[reply])


async def more_results(ctx: Context, value: str) -> Response:
    """A paging button: its value holds the search."""
    try:
        state = json.loads(value)
        words, theme, city, page = (str(state.get("w", "")), str(state.get("t", "")), str(state.get("c", "")),
                                    int(state.get("p", 1)))
    except (ValueError, TypeError, AttributeError):
        return Response.text(ctx.t("This button is no longer in use."))
    if theme and theme not in THEMES:
        theme = ""
    return search_reply(ctx, words=words, theme=theme, city=city, page=max(1, min(page, 100)))


# ---------------------------------------------------------------- reading


def details_reply(ctx: Context, details: PracticeDetails) -> Reply:
    practice = details.practice
    status = PracticeStatus(practice.status)
    facts = [
        ctx.t("City: {city}", city=details.city),
        ctx.t("Themes: {themes}", themes=theme_labels(ctx, details.themes)),
        ctx.t("Language: {language}", language=language_name(practice.language, ctx.locale)),
        ctx.t("Status: {status}", status=ctx.t(STATUS_LABELS[status])),
    ]
    if status is PracticeStatus.rejected and practice.reject_reason:
        facts.append(ctx.t("Reason: {reason}", reason=practice.reject_reason))
    sections = [Section(text="\n".join(facts)), Section(title=ctx.t("Summary"), text=practice.summary)]
    translation = next((tr for tr in details.translations if tr.language == ctx.locale), None)
    if translation is not None and practice.language != ctx.locale:
        sections.append(Section(title=ctx.t("In your language (machine translation)"),
                                text=f"{translation.title}\n{translation.summary}"))
    # Long texts stay whole here: each platform cuts them to its own limits when it shows them.
    sections.append(Section(title=ctx.t("Description"), text=practice.description))
    if practice.results:
        sections.append(Section(title=ctx.t("Results and impact"), text=practice.results))
    if practice.contact:
        sections.append(Section(title=ctx.t("Contact"), text=practice.contact))
    if practice.links:
        sections.append(Section(title=ctx.t("Links"), text=practice.links))
    reply = Reply(text=f"#{practice.id} · {practice.title}", sections=sections)
    if Role(ctx.member.role) is Role.icc_team:
        reply.buttons.extend(review_buttons(ctx, practice.id or 0, status))
    return reply


async def show(ctx: Context, value: str) -> Response:
    details = ctx.services.practices.details(practice_number(value), viewer=ctx.member)
    return Response(replies=[details_reply(ctx, details)])


def mine_reply(ctx: Context) -> Response:
    cards = ctx.services.practices.mine(ctx.member)
    if not cards:
        return Response.text(ctx.t("You have not shared any practice yet. Use /share-practice to record one."))
    return Response(replies=[Reply(text=ctx.t("The practices you have shared:"),
                                   sections=[card_section(ctx, card, with_status=True) for card in cards])])


# ---------------------------------------------------------------- review


def review_buttons(ctx: Context, practice_id: int, status: PracticeStatus) -> list[Button]:
    value = str(practice_id)
    if status is PracticeStatus.submitted:
        return [
            Button(f"practice-approve:{value}", ctx.t("Approve"), value, ButtonStyle.primary),
            Button(f"practice-reject:{value}", ctx.t("Reject"), value, ButtonStyle.danger),
        ]
    if status is PracticeStatus.approved:
        return [
            Button(f"practice-publish:{value}", ctx.t("Publish"), value, ButtonStyle.primary),
            Button(f"practice-reject:{value}", ctx.t("Reject"), value, ButtonStyle.danger),
        ]
    return []


def waiting_reply(ctx: Context) -> Response:
    cards = ctx.services.practices.waiting(reviewer=ctx.member)
    if not cards:
        return Response.text(ctx.t("No practice is waiting for review."))
    sections = []
    for card in cards:
        section = card_section(ctx, card, with_status=True)
        buttons = (*section.buttons, *review_buttons(ctx, card.id, card.status))
        text = section.text
        if not ctx.capabilities.buttons:
            step = "publish" if card.status is PracticeStatus.approved else "approve"
            text += "\n" + ctx.t("Decide with /practices {step} {id} or /practices reject {id} <reason>.",
                                 step=step, id=card.id)
        sections.append(Section(text=text, title=section.title, buttons=buttons))
    return Response(replies=[Reply(text=ctx.t("Practices waiting for review:"), sections=sections)])


def tell_author(ctx: Context, outcome: ReviewOutcome) -> list[DirectMessage]:
    """The author hears the decision in their own language, wherever they are."""
    author = outcome.author
    if author is None:
        return []
    locale = ctx.services.members.locale_for(author)
    practice = outcome.practice
    if outcome.action is ReviewAction.approve:
        text = t(locale, "Good news: the ICC team approved your practice “{title}” (#{id}). "
                         "It will be published soon.", title=practice.title, id=practice.id)
    elif outcome.action is ReviewAction.publish:
        text = t(locale, "Your practice “{title}” (#{id}) is now published in the ICC database of good "
                         "practices. Thank you for sharing it!", title=practice.title, id=practice.id)
    else:
        text = t(locale, "The ICC team did not accept your practice “{title}” (#{id}). Reason: {reason}",
                 title=practice.title, id=practice.id, reason=outcome.reason)
    identity = Identity(author.platform, author.workspace_id, author.user_id)
    # One decision per step and practice: told once, however often the decision is sent or retried.
    key = f"practice-review:{practice.id}:{outcome.action}"
    return [DirectMessage(to=identity, reply=Reply(text=text, ephemeral=False), key=key)]


def decide(ctx: Context, practice_id: int, action: ReviewAction, reason: str = "") -> Response:
    outcome = ctx.services.practices.review(
        reviewer=ctx.member, practice_id=practice_id, action=action, reason=reason
    )
    title = outcome.practice.title
    if action is ReviewAction.publish and ctx.services.practices.translations is not None:
        # Title and summary in every catalogue language, so it can be read and found by everyone.
        ctx.services.practices.translations.published(practice_id)
    if action is ReviewAction.approve:
        text = ctx.t("Practice #{id} “{title}” is approved.", id=practice_id, title=title)
    elif action is ReviewAction.publish:
        text = ctx.t("Practice #{id} “{title}” is published.", id=practice_id, title=title)
    else:
        text = ctx.t("Practice #{id} “{title}” is rejected.", id=practice_id, title=title)
    if outcome.author is not None:
        text += " " + ctx.t("Its author will be told.")
    return Response(replies=[Reply(text=text)], direct_messages=tell_author(ctx, outcome))


def reject_form(ctx: Context, state: str) -> Form:
    return Form(
        form_id=REJECT_FORM,
        title=ctx.t("Reject practice #{id}", id=state[:12]),
        submit_label=ctx.t("Reject"),
        state=state,
        fields=[
            FormField(
                name="reason", label=ctx.t("Reason"), kind=FieldKind.long_text, max_length=REASON_LIMIT,
                hint=ctx.t("The author will read it: say what would make the practice acceptable."),
                validate=checked(ctx, clean_reason),
            )
        ],
    )


async def ask_reject_reason(ctx: Context, value: str) -> Response:
    ctx.require(Role.icc_team)
    return Response(form=reject_form(ctx, str(practice_number(value))))


async def reject_submitted(ctx: Context, values: dict[str, str], state: str) -> Response:
    return decide(ctx, practice_number(state), ReviewAction.reject, values.get("reason", ""))


# ---------------------------------------------------------------- the subcommands


async def search(ctx: Context, args: Args) -> Response:
    return search_reply(ctx, words=args.text("words"), theme=args.text("theme"), city=args.text("city"),
                        page=args.integer("page") or 1)


async def read(ctx: Context, args: Args) -> Response:
    return await show(ctx, args.text("id"))


async def mine(ctx: Context, args: Args) -> Response:
    return mine_reply(ctx)


async def review(ctx: Context, args: Args) -> Response:
    return waiting_reply(ctx)


async def approve(ctx: Context, args: Args) -> Response:
    return decide(ctx, practice_number(args.text("id")), ReviewAction.approve)


async def publish(ctx: Context, args: Args) -> Response:
    return decide(ctx, practice_number(args.text("id")), ReviewAction.publish)


async def reject(ctx: Context, args: Args) -> Response:
    """With a reason, at once; without one, a form asks for it (the author will read it)."""
    reason = args.text("reason")
    if not reason.strip():
        return await ask_reject_reason(ctx, args.text("id"))
    return decide(ctx, practice_number(args.text("id")), ReviewAction.reject, reason)


def _decision(action: ReviewAction) -> ActionHandler:
    async def on_button(ctx: Context, value: str) -> Response:
        return decide(ctx, practice_number(value), action)

    return on_button


def register(registry: Registry) -> None:
    practice_id = Option("id", N_("The practice's number"), required=True)
    registry.add(
        Command(
            name="practices",
            description=N_("Search the good practices of ICC cities, read one, or list yours."),
            subcommands=(
                Subcommand(
                    "search",
                    N_("Search practices by words, theme and city."),
                    handler=search,
                    options=(
                        Option("words", N_("Words to look for"), rest=True),
                        Option("theme", N_("A theme, such as anti-rumours"), kind=OptionKind.choice,
                               choices=THEMES),
                        Option("city", N_("A city")),
                        Option("page", N_("Page number"), kind=OptionKind.integer, min_value=1, max_value=100),
                    ),
                ),
                Subcommand("show", N_("Read a practice."), handler=read, options=(practice_id,)),
                Subcommand("mine", N_("List the practices you have shared."), handler=mine),
                Subcommand("review", N_("List the practices waiting for review."), handler=review,
                           min_role=Role.icc_team),
                Subcommand("approve", N_("Approve a practice."), handler=approve, options=(practice_id,),
                           min_role=Role.icc_team),
                Subcommand("publish", N_("Publish an approved practice."), handler=publish, options=(practice_id,),
                           min_role=Role.icc_team),
                Subcommand(
                    "reject",
                    N_("Reject a practice, with a reason for its author."),
                    handler=reject,
                    options=(practice_id, Option("reason", N_("Why (the author will read it)"), rest=True)),
                    min_role=Role.icc_team,
                ),
            ),
        )
    )
    registry.add_action("practice-search", more_results)
    registry.add_action("practice-show", show)
    registry.add_action("practice-approve", _decision(ReviewAction.approve))
    registry.add_action("practice-publish", _decision(ReviewAction.publish))
    registry.add_action("practice-reject", ask_reject_reason)
    registry.add_form(FormSpec(form_id=REJECT_FORM, build=reject_form, submit=reject_submitted,
                               min_role=Role.icc_team))
