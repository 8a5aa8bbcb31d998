"""`/help`: what the bot can do for this person, in their language (`/help broadcast`: one command)."""

from __future__ import annotations

from bot.context import Context, has_role
from bot.errors import UserError
from bot.i18n import N_
from bot.messages import Reply, Response, Section
from bot.registry import Args, Command, Option, Registry


def register(registry: Registry) -> None:
    def section(ctx: Context, command: Command) -> Section:
        line = f"/{command.name} — {ctx.t(command.description)}"
        subs = [s for s in command.subcommands if has_role(ctx.member, s.min_role)]
        if subs:
            line += "\n" + "\n".join(f"    /{command.name} {s.name} — {ctx.t(s.description)}" for s in subs)
        return Section(text=line)

    async def handle(ctx: Context, args: Args) -> Response:
        wanted = args.text("command").strip().lstrip("/").lower()
        if wanted:
            command = registry.commands.get(wanted)
            if command is None or not has_role(ctx.member, command.min_role):
                # A command this person may not use is not shown; asked by name, it is told apart from a typo.
                if command is None:
                    raise UserError("There is no command /{name}. /help lists what I can do for you.",
                                    name=wanted[:40])
                return Response(replies=[Reply(text=ctx.t(
                    "/{name} is for the ICC team or coordinators. /request-role asks the ICC team for a role.",
                    name=command.name))])
            return Response(replies=[Reply(text=ctx.t("Here is what /{name} does:", name=command.name),
                                           sections=[section(ctx, command)])])
        sections = [section(ctx, command) for command in sorted(registry.commands.values(), key=lambda c: c.name)
                    if has_role(ctx.member, command.min_role)]
        return Response(replies=[Reply(text=ctx.t("Here is what I can do for you:"), sections=sections)])

    registry.add(Command(
        name="help", description=N_("Show what the bot can do for you."), handler=handle,
        options=(Option("command", N_("A command to explain, such as broadcast (optional)"), rest=True),),
    ))
