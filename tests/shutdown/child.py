"""`python -m tests.shutdown.child API GATEWAY worker`: `python -m bot worker` with discord.py's REST base and
gateway pointed at the Discord fake (discord.py has no setting for them; the bot's code runs unchanged)."""

from __future__ import annotations

import sys

from bot.shutdown import catch_signals_for

if __name__ == "__main__":
    catch_signals_for(sys.argv[3:])  # as `python -m bot` does, before anything else is imported

    import yarl
    from discord.gateway import DiscordWebSocket
    from discord.http import Route

    Route.BASE = sys.argv[1]
    DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(sys.argv[2])
    sys.argv = ["icc-bot", *sys.argv[3:]]
    from bot.cli import main

    main()
