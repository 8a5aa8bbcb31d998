"""`python -m bot slack …`: the Slack app manifest."""

from __future__ import annotations

import json
from typing import Annotated

import typer

app = typer.Typer(help="Slack: the app manifest.", no_args_is_help=True)


@app.command()
def manifest(
    url: Annotated[str | None, typer.Option(help="The public https address of the web process (HTTP mode).")] = None,
    socket_mode: Annotated[bool, typer.Option("--socket-mode", help="For Socket Mode: no public address.")] = False,
    name: Annotated[str, typer.Option(help="The app's name in Slack.")] = "ICC Bot",
) -> None:
    """Print the app manifest (JSON) to paste into "Create New App → From a manifest" at api.slack.com/apps."""
    from commands import build_registry
    from integrations.slack.manifest import build_manifest

    if not socket_mode and not url:
        typer.echo("icc-bot: give --url https://your-bot.example.org (HTTP mode) or --socket-mode", err=True)
        raise typer.Exit(2)
    if url and not url.startswith("https://") and not url.startswith("http://localhost"):
        typer.echo("icc-bot: --url must start with https:// (Slack only calls https addresses)", err=True)
        raise typer.Exit(2)
    typer.echo(json.dumps(build_manifest(build_registry(), url=url, socket_mode=socket_mode, name=name),
                          indent=2, ensure_ascii=False))
