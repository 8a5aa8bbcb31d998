"""`/request-role`: ask the ICC team for a role (your city's coordinator, a cluster's coordinator, the ICC team),
and the ICC team's Approve and Decline buttons under each request."""

from __future__ import annotations

from bot.context import Context
from bot.errors import UserError
from bot.i18n import N_
from bot.messages import Choice, FieldKind, Form, FormField, Response
from bot.models import City, Cluster, RequestedRole, Role
from bot.registry import Args, Command, FormSpec, Option, OptionKind, Registry
from bot.services.role_requests import ABOUT_LIMIT, DECIDE_ACTION, OPEN_ACTION, describe

FORM_ID = "role-request"

ROLE_CHOICES = {
    RequestedRole.coordinator: N_("City coordinator"),
    RequestedRole.cluster_coordinator: N_("Coordinator of a cluster"),
    RequestedRole.icc_team: N_("ICC team"),
}


def build_form(ctx: Context, state: str = "") -> Form:
    """The request form, the role of `state` chosen (the city prefilled with the person's)."""
    city = ctx.services.cities.get(ctx.member.city_id) if ctx.member.city_id else None
    wanted = state if state in {r.value for r in RequestedRole} else RequestedRole.coordinator.value
    return Form(form_id=FORM_ID, title=ctx.t("Ask for a role"), submit_label=ctx.t("Send"), state=wanted, fields=[
        FormField(name="role", label=ctx.t("Role"), kind=FieldKind.choice, initial=wanted,
                  choices=[Choice(role.value, ctx.t(label)) for role, label in ROLE_CHOICES.items()]),
        FormField(name="city", label=ctx.t("Your city"), required=False, initial=city.name if city else "",
                  hint=ctx.t("For a city coordinator.")),
        FormField(name="cluster", label=ctx.t("Cluster"), required=False,
                  hint=ctx.t("For a cluster's coordinator: its short name or its name.")),
        FormField(name="about", label=ctx.t("Who you are"), kind=FieldKind.long_text, required=False,
                  max_length=ABOUT_LIMIT, hint=ctx.t("Your position, so that the ICC team knows you.")),
    ])


def _ask(ctx: Context, role_value: str, city_name: str, cluster_name: str, about: str) -> Response:
    services = ctx.services
    try:
        role = RequestedRole(role_value)
    except ValueError:
        raise UserError("“{value}” is not a role you can ask for. Choose: coordinator, cluster_coordinator or "
                        "icc_team.", field="role", value=role_value[:40]) from None
    city: City | None = services.cities.resolve(city_name) if city_name.strip() else None
    cluster: Cluster | None = services.clusters.active(cluster_name) if cluster_name.strip() else None
    request = services.role_requests.ask(ctx.member, role, city=city, cluster=cluster, about=about)
    shown_city = services.cities.get(request.city_id) if request.city_id is not None else None
    return Response.text(ctx.t("Your request to be {role} is with the ICC team. I will tell you their answer.",
                               role=describe(request, ctx.locale, city=shown_city, cluster=cluster)))


async def request(ctx: Context, args: Args) -> Response:
    """`/request-role coordinator Lisbon`, `/request-role cluster_coordinator cluster:anti-rumours` — or, with no
    role, the form (which also asks who you are)."""
    if not args.text("role"):
        return Response(form=build_form(ctx))
    return _ask(ctx, args.text("role"), args.text("city"), args.text("cluster"), "")


async def submit(ctx: Context, values: dict[str, str], state: str) -> Response:
    return _ask(ctx, values.get("role", ""), values.get("city", ""), values.get("cluster", ""),
                values.get("about", ""))


async def open_form(ctx: Context, value: str) -> Response:
    """The welcome's "Ask for the coordinator role" button."""
    return Response(form=build_form(ctx, value))


async def decide(ctx: Context, value: str) -> Response:
    """Approve or Decline under a request (value `approve:<id>` / `decline:<id>`)."""
    ctx.require(Role.icc_team)
    verdict, _, number = value.partition(":")
    if verdict not in ("approve", "decline") or not number.isdigit():
        return Response.text(ctx.t("This button is no longer in use."))
    services = ctx.services
    decision = services.role_requests.decide(int(number), approve=verdict == "approve", by=ctx.member)
    request = decision.request
    member = services.members.get(request.member_id)
    name = (member.display_name or member.user_id) if member else "?"
    city = services.cities.get(request.city_id) if request.city_id is not None else None
    cluster = services.clusters.get(request.cluster_id) if request.cluster_id is not None else None
    role = describe(request, ctx.locale, city=city, cluster=cluster)
    if not decision.decided:
        return Response.text(ctx.t("The request of {person} to be {role} was already answered.", person=name,
                                   role=role))
    if verdict == "approve":
        text = ctx.t("{person} is now {role}; they were told.", person=name, role=role)
        if decision.new_city is not None:
            text += "\n" + ctx.t("{city} has its first coordinator.", city=decision.new_city.name)
            if services.role_requests.on_new_city:
                text += " " + ctx.t("They got the welcome pack, and the coordinators of the clusters that suit their "
                                    "city were told.")
        return Response.text(text)
    return Response.text(ctx.t("The request of {person} to be {role} is declined; they were told.", person=name,
                               role=role))


def register(registry: Registry) -> None:
    registry.add(Command(
        name="request-role",
        description=N_("Ask the ICC team for a role: your city's coordinator, a cluster's coordinator, ICC team."),
        handler=request,
        options=(
            Option("role", N_("coordinator, cluster_coordinator or icc_team"), kind=OptionKind.choice,
                   choices=tuple(r.value for r in RequestedRole)),
            Option("city", N_("Your city (for a city coordinator)")),
            Option("cluster", N_("The cluster (for a cluster's coordinator)")),
        ),
    ))
    registry.add_form(FormSpec(FORM_ID, build=build_form, submit=submit))
    registry.add_action(OPEN_ACTION, open_form)
    registry.add_action(DECIDE_ACTION, decide)
