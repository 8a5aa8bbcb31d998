"""The one controllable clock of the tests: the core's `Clock` port (`bot.ports.Clock`), moved only by the test.

The root fixture `clock` (tests/conftest.py) is one of these, and the `core` fixture is built on it, so nothing
in a test waits for the wall clock: a test that needs an hour to pass says `clock.advance(hours=1)`. A folder
that needs a known date overrides the fixture (`return MovableClock(START)`). The fakes that keep platform
timing (Slack's posting limits, Discord's rate-limit buckets) take `now=clock.seconds`.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta


class MovableClock:
    """A clock that moves only when a test moves it.

    Without a moment it starts at the real time, to the second (the fakes' own timestamps and Slack's request
    signatures are real), and then stands still.
    """

    def __init__(self, moment: datetime | None = None) -> None:
        self.moment = moment if moment is not None else datetime.now(UTC).replace(microsecond=0)

    def now(self) -> datetime:
        return self.moment

    def seconds(self) -> float:
        """The same moment in seconds since the epoch, for what counts time in seconds (the fakes' limits)."""
        return self.moment.timestamp()

    def advance(self, **delta: float) -> None:
        """Move on by a `timedelta(**delta)`: `clock.advance(minutes=5)`."""
        self.moment += timedelta(**delta)

    def set(self, moment: datetime) -> None:
        self.moment = moment
