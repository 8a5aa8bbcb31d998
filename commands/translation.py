"""`/translation`: how a channel is translated (coordinators and the ICC team set it; everyone may look)."""

from __future__ import annotations

import re

from bot.context import Context
from bot.errors import UserError
from bot.i18n import N_, format_number
from bot.messages import Reply, Response, Section
from bot.models import Role, TranslationMode
from bot.registry import Args, Command, Option, OptionKind, Registry, Subcommand
from bot.services.translation import ChannelSettings
from bot.services.translation.languages import display_name

MODE_LABELS = {
    TranslationMode.off: N_("off: messages are not translated"),
    TranslationMode.thread: N_("thread: one reply under each message with every translation"),
    TranslationMode.mirror: N_("mirror: each language has a sibling channel"),
}


def service(ctx: Context) -> ChannelSettings:
    """The channels' translation settings (every /translation subcommand goes through them)."""
    if ctx.services.translation is None:
        raise UserError("Translation is not set up here: the bot has no DeepL key.")
    return ctx.services.translation.channels


async def status(ctx: Context, args: Args) -> Response:
    """How this channel is translated, into which languages, and what it cost this month."""
    now = service(ctx).status(ctx.channel)
    names = ", ".join(display_name(code, ctx.locale) for code in now.languages) or ctx.t("none known yet")
    lines = [ctx.t("Mode: {mode}", mode=ctx.t(MODE_LABELS[now.mode]))]
    if now.chosen:
        lines.append(ctx.t("Languages: {languages}", languages=names))
    else:
        lines.append(ctx.t("Languages of its members: {languages}", languages=names))
    for language, channel_id in now.mirrors:
        lines.append(ctx.t("{language} in #{channel}", language=display_name(language, ctx.locale),
                           channel=channel_id))
    used, budget = now.used, now.budget
    if budget is None:
        lines.append(ctx.t("Translated this month: {used} characters (no budget set).",
                           used=format_number(ctx.locale, used)))
    else:
        lines.append(ctx.t("Translated this month: {used} of {budget} characters.",
                           used=format_number(ctx.locale, used), budget=format_number(ctx.locale, budget)))
    section = Section(text="\n".join(lines))
    return Response(replies=[Reply(text=ctx.t("Translation of this channel"), sections=[section])])


async def set_mode(ctx: Context, args: Args) -> Response:
    mode = TranslationMode(args.text("mode"))
    service(ctx).set_mode(ctx.channel, mode, by=ctx.member.id)
    return Response.text(ctx.t("Translation of this channel: {mode}.", mode=ctx.t(MODE_LABELS[mode])),
                         ephemeral=False)


async def set_languages(ctx: Context, args: Args) -> Response:
    channels = service(ctx)
    raw = args.text("codes").strip()
    if raw.lower() in ("", "auto", "members"):
        channels.set_languages(ctx.channel, [], by=ctx.member.id)
        return Response.text(ctx.t("This channel is translated into the languages of its members."))
    codes = [code for code in re.split(r"[\s,;]+", raw) if code]
    row = channels.set_languages(ctx.channel, codes, by=ctx.member.id)
    names = ", ".join(display_name(code, ctx.locale) for code in row.language_list)
    return Response.text(ctx.t("This channel is translated into: {languages}.", languages=names))


async def set_budget(ctx: Context, args: Args) -> Response:
    channels = service(ctx)
    raw = args.text("characters").strip().replace(" ", "").replace("_", "").replace(",", "")
    if raw.lower() in ("off", "none", "0", ""):
        channels.set_budget(ctx.channel, None)
        return Response.text(ctx.t("This cluster has no monthly translation budget any more."))
    if not raw.isdigit() or int(raw) > 1_000_000_000:
        raise UserError("The budget is a number of characters a month, like 200000, or off.")
    channels.set_budget(ctx.channel, int(raw))
    return Response.text(ctx.t("This cluster may translate {characters} characters a month.",
                               characters=format_number(ctx.locale, int(raw))))


async def mirror(ctx: Context, args: Args) -> Response:
    channels = service(ctx)
    mirrored = channels.set_mirror(ctx.channel, args.text("language"), args.channel("channel"), by=ctx.member.id)
    return Response.text(ctx.t("Messages of this channel will be posted in {language} in #{channel} "
                               "(in mirror mode).", language=display_name(mirrored.language, ctx.locale),
                               channel=args.text("channel").lstrip("#")))


async def unmirror(ctx: Context, args: Args) -> Response:
    target = service(ctx).remove_mirror(ctx.channel, args.text("language"))
    return Response.text(ctx.t("No more mirror channel in {language}.", language=display_name(target, ctx.locale)))


def register(registry: Registry) -> None:
    registry.add(
        Command(
            name="translation",
            description=N_("See or set how this channel is translated."),
            default_sub="status",
            guild_only=True,
            subcommands=(
                Subcommand("status", N_("How this channel is translated, and what it cost this month."),
                           handler=status),
                Subcommand(
                    "mode", N_("Translate this channel: off, thread or mirror."), handler=set_mode,
                    options=(Option("mode", N_("off, thread or mirror"), kind=OptionKind.choice, required=True,
                                    choices=tuple(mode.value for mode in TranslationMode)),),
                    min_role=Role.coordinator,
                ),
                Subcommand(
                    "languages", N_("The languages of this channel (fr,de,uk), or auto for its members' ones."),
                    handler=set_languages,
                    options=(Option("codes", N_("Language codes separated by commas, or auto"), rest=True),),
                    min_role=Role.coordinator,
                ),
                Subcommand(
                    "budget", N_("A monthly character budget for this cluster's translations, or off."),
                    handler=set_budget,
                    options=(Option("characters", N_("Characters a month, or off"), required=True),),
                    min_role=Role.coordinator,
                ),
                Subcommand(
                    "mirror", N_("Post this channel's messages in one language in a sibling channel."),
                    handler=mirror,
                    options=(
                        Option("language", N_("The sibling channel's language"), required=True),
                        Option("channel", N_("The sibling channel"), kind=OptionKind.channel, required=True),
                    ),
                    min_role=Role.coordinator,
                ),
                Subcommand(
                    "unmirror", N_("Stop posting into the sibling channel of one language."), handler=unmirror,
                    options=(Option("language", N_("The sibling channel's language"), required=True),),
                    min_role=Role.coordinator,
                ),
            ),
        )
    )
