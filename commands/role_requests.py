"""`/role-requests`: the ICC team's list of role requests waiting for an answer, each with its buttons."""

from __future__ import annotations

from bot.context import Context
from bot.i18n import N_
from bot.messages import Button, ButtonStyle, Reply, Response, Section
from bot.models import Role
from bot.registry import Args, Command, Registry
from bot.services.role_requests import DECIDE_ACTION, UNKNOWN, describe


async def waiting(ctx: Context, args: Args) -> Response:
    """The ICC team: every request still waiting, each with its buttons."""
    services = ctx.services
    replies = []
    for found in services.role_requests.waiting():
        member = services.members.get(found.member_id)
        city = services.cities.get(found.city_id) if found.city_id is not None else None
        cluster = services.clusters.get(found.cluster_id) if found.cluster_id is not None else None
        name = (member.display_name or member.user_id) if member else UNKNOWN
        text = ctx.t("{person} asks to be {role}.", person=name,
                     role=describe(found, ctx.locale, city=city, cluster=cluster))
        buttons = (Button(DECIDE_ACTION, ctx.t("Approve"), f"approve:{found.id}", ButtonStyle.primary),
                   Button(DECIDE_ACTION, ctx.t("Decline"), f"decline:{found.id}", ButtonStyle.danger))
        replies.append(Section(text=found.about or "—", title=text, buttons=buttons))
    if not replies:
        return Response.text(ctx.t("No request is waiting."))
    return Response(replies=[Reply(text=ctx.t("Role requests waiting for an answer"), sections=replies)])


def register(registry: Registry) -> None:
    registry.add(Command(name="role-requests", description=N_("The role requests waiting for an answer (the ICC "
                                                              "team)."), handler=waiting, min_role=Role.icc_team))
