"""`python -m bot deepl …`: the DeepL account's usage, and the characters each cluster used this month."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import typer

from bot.terminal import err, handed, settings_or_exit

app = typer.Typer(help="DeepL: quota and usage.", no_args_is_help=True)


@app.command()
def usage(ctx: typer.Context) -> None:
    """Characters used of the DeepL quota this period, and billed characters per cluster this month."""
    from bot.ports import TranslationUnavailable
    from bot.services.translation.store import TranslationStore
    from integrations.deepl.translator import DeepLTranslator, configure_retries

    settings = settings_or_exit()
    if not settings.deepl_enabled:
        err.print("icc-bot: DEEPL_AUTH_KEY is not set, so the bot does not translate.", markup=False)
        raise typer.Exit(2)
    configure_retries(connection_timeout=5.0)
    translator = DeepLTranslator.from_settings(settings, timeout=15.0, retries=1)
    try:
        account = asyncio.run(translator.usage())
    except TranslationUnavailable as exc:
        err.print(f"icc-bot: DeepL did not answer ({exc.reason}): {exc.detail}", markup=False)
        raise typer.Exit(1) from None
    finally:
        translator.close()
    if account.character_limit:
        typer.echo(f"DeepL: {account.character_count:,} of {account.character_limit:,} characters used "
                   f"({account.fraction:.1%}) this period.")
    else:
        typer.echo(f"DeepL: {account.character_count:,} characters used this period.")
    core = handed(ctx).core_or_exit(settings)
    month = datetime.now(UTC).strftime("%Y-%m")
    store = TranslationStore(core.engine)
    rows = store.usage_by_scope(month)
    if not rows:
        typer.echo(f"No characters billed in {month} yet.")
        return
    typer.echo(f"Billed in {month}:")
    for row in rows:
        budget = store.budget(row.scope)
        limit = f" of a {budget:,} budget" if budget is not None else ""
        typer.echo(f"  {row.scope}: {row.billed_characters:,} characters{limit}, {row.requests:,} requests")
