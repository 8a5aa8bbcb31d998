"""The console adapter: chat with the bot in a terminal, on the local database, with no platform account."""
