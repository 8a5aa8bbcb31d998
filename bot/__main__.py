"""`python -m bot`: the command line of ICC Bot."""

from bot.cli import main

main()
