"""`/help`: what the bot can do for this person, in their language."""

from __future__ import annotations

from bot.context import Context, has_role
from bot.i18n import N_
from bot.messages import Reply, Response, Section
from bot.registry import Args, Command, Registry


def register(registry: Registry) -> None:
    async def handle(ctx: Context, args: Args) -> Response:
        sections = []
        for command in sorted(registry.commands.values(), key=lambda c: c.name):
            if not has_role(ctx.member, command.min_role):
                continue
            line = f"/{command.name} — {ctx.t(command.description)}"
            subs = [s for s in command.subcommands if has_role(ctx.member, s.min_role)]
            if subs:
                line += "\n" + "\n".join(f"    /{command.name} {s.name} — {ctx.t(s.description)}" for s in subs)
            sections.append(Section(text=line))
        return Response(replies=[Reply(text=ctx.t("Here is what I can do for you:"), sections=sections)])

    registry.add(Command(name="help", description=N_("Show what the bot can do for you."), handler=handle))
