"""`/language`: choose the language the bot speaks to you and translates into for you."""

from __future__ import annotations

from bot.i18n import N_, language_name, t
from bot.messages import Response
from bot.settings import SUPPORTED_LOCALES
from commands.context import Context
from commands.registry import Args, Command, Option, Registry


def register(registry: Registry) -> None:
    async def handle(ctx: Context, args: Args) -> Response:
        wanted = args.text("code").strip().lower()
        if not wanted:
            choices = ", ".join(f"{code} ({language_name(code, ctx.locale)})" for code in SUPPORTED_LOCALES)
            return Response.text(ctx.t("Choose a language: {choices}.", choices=choices))
        if wanted in ("auto", "platform", "reset"):
            ctx.services.members.set_language(ctx.actor, None)
            return Response.text(ctx.t("I will follow your platform's language again."))
        member = ctx.services.members.set_language(ctx.actor, wanted.replace("_", "-").split("-")[0])
        code = member.preferred_language or ctx.locale
        # Answer in the newly chosen language: that is the proof it worked.
        return Response.text(t(code, "From now on I will speak {language} to you.", language=language_name(code, code)))

    registry.add(
        Command(
            name="language",
            description=N_("Choose the language I speak to you (en, fr, es, it, pt, de, uk)."),
            handler=handle,
            options=(Option("code", N_("A language code such as fr, or auto"), rest=True),),
        )
    )

