"""Fixtures of the delivery tests: the clock, the core on it and the recording chat all come from
`tests/conftest.py` (classes in `tests/support/`).

`MovableClock` and `ScriptedChat` are still importable from here under their former names.
"""

from __future__ import annotations

from tests.support.chat import RecordingChat, Sent
from tests.support.clock import MovableClock

#: The former names of the recording chat and of one thing it sent.
ScriptedChat = RecordingChat
Posted = Sent

__all__ = ["MovableClock", "Posted", "ScriptedChat"]
