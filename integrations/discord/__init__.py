"""The Discord adapter (discord.py 2.x): gateway events and interactions in, neutral events to the core, replies out."""
