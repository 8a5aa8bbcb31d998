"""`/language`: choose the language the bot speaks to you and translates into for you."""

from __future__ import annotations

from bot.context import Context
from bot.i18n import N_, language_name, t
from bot.messages import Response
from bot.registry import Args, Command, Option, Registry
from bot.settings import SUPPORTED_LOCALES


async def choose(ctx: Context, args: Args) -> Response:
    """Set the person's language (or go back to their platform's), answering in the new one."""
    wanted = args.text("code").strip().lower()
    if not wanted:
        choices = ", ".join(f"{code} ({language_name(code, ctx.locale)})" for code in SUPPORTED_LOCALES)
        return Response.text(ctx.t("Choose a language: {choices}.", choices=choices))
    channels = ctx.services.translation.channels if ctx.services.translation else None
    if wanted in ("auto", "platform", "reset"):
        ctx.services.members.set_language(ctx.actor, None)
        if channels is not None:
            channels.set_reading_language(ctx.member, None)
        return Response.text(ctx.t("I will follow your platform's language again."))
    spoken = wanted.replace("_", "-").split("-")[0]
    if spoken not in SUPPORTED_LOCALES and channels is not None:
        # A language the bot does not speak, but can translate into (pl, nl…): translations only.
        return Response.text(channels.read_in(ctx.member, wanted, ctx.locale))
    member = ctx.services.members.set_language(ctx.actor, spoken)
    code = member.preferred_language or ctx.locale
    # Answer in the newly chosen language: that is the proof it worked.
    text = t(code, "From now on I will speak {language} to you.", language=language_name(code, code))
    if channels is not None:
        # pt-BR, en-US: the bot speaks Portuguese, translations come in the exact variant.
        text = " ".join(part for part in (text, channels.read_in_variant(member, wanted)) if part)
    return Response.text(text)


def register(registry: Registry) -> None:
    registry.add(
        Command(
            name="language",
            description=N_("Choose the language I speak to you (en, fr, es, it, pt, de, uk)."),
            handler=choose,
            options=(Option("code", N_("A language code such as fr, or auto"), rest=True),),
        )
    )
