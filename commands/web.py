"""`/web`: a one-time link, sent by direct message, that signs you in to the web pages (no password)."""

from __future__ import annotations

from bot.context import Context
from bot.i18n import N_
from bot.messages import DirectMessage, Reply, Response
from bot.registry import Args, Command, Registry
from bot.services.web_sessions import LIFETIME, SignInLinks, token_hash


async def sign_in_link(ctx: Context, args: Args) -> Response:
    """Send the person a link that signs them in once, within `LIFETIME`."""
    services = ctx.services
    links = SignInLinks(services.engine, clock=services.clock, secret_keys=services.settings.secret_keys)
    token = links.issue(ctx.member)
    address = f"{services.settings.web_address}/signin/link/{token}"
    minutes = int(LIFETIME.total_seconds() // 60)
    message = Reply(text=ctx.t("Your sign-in link for the web pages (it works once, within {minutes} minutes; "
                               "share it with nobody):\n{link}", minutes=minutes, link=address))
    return Response(
        replies=[Reply(text=ctx.t("I sent you a sign-in link by direct message."), ephemeral=True)],
        direct_messages=[DirectMessage(to=ctx.actor, reply=message, key=f"web-sign-in:{token_hash(token)[:24]}")],
    )


def register(registry: Registry) -> None:
    registry.add(Command(name="web", description=N_("Get a link that signs you in to the web pages."),
                         handler=sign_in_link))
