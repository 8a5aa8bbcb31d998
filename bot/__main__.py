"""`python -m bot`: the command line of ICC Bot."""

import sys

from bot.shutdown import catch_signals_for

# Before anything else is imported: a SIGTERM during start-up lets the process leave well too.
catch_signals_for(sys.argv[1:])

from bot.cli import main  # noqa: E402

main()
