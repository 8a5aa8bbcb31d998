"""What every test shares: a clock the test moves (`clock.py`) and a chat that records what the bot sends
(`chat.py`). Both are fixtures of `tests/conftest.py` (`clock`, `chat`); import the classes from here."""
