"""`/translate <language> <text>`: a machine translation of a text, for you only."""

from __future__ import annotations

from bot.context import Context
from bot.errors import UserError
from bot.i18n import N_
from bot.messages import Response
from bot.registry import Args, Command, Option, Registry


async def translate(ctx: Context, args: Args) -> Response:
    """The text in the language asked for, shown to the person only."""
    translation = ctx.services.translation
    if translation is None:
        raise UserError("Translation is not set up here: the bot has no DeepL key.")
    target = translation.engine.check_target(args.text("language"))
    text = args.text("text").strip()
    if not text:
        raise UserError("Give the text to translate after the language, like /translate fr Good morning.")
    reply = await translation.on_demand.translate(text, target, locale=ctx.locale,
                                                  scope=translation.channels.scope_of(ctx.channel))
    return Response(replies=[reply])


def register(registry: Registry) -> None:
    registry.add(
        Command(
            name="translate",
            description=N_("Translate a text for you only, like /translate fr Good morning."),
            handler=translate,
            options=(
                Option("language", N_("The language to translate into: fr, de, pt-br, en-us…"), required=True),
                Option("text", N_("The text to translate"), required=True, rest=True),
            ),
        )
    )
