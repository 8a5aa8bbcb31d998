"""What translation costs: characters billed per scope (a cluster, "practices", "direct") and month, and budgets.

Counters are read from the database once, kept in memory, and written with the translations they paid for
(one transaction for everything that answered meanwhile); a scope's monthly budget is read again every
`BUDGET_SECONDS`, so a coordinator's new budget applies within seconds in every process.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from datetime import datetime

from bot.ports import Clock
from bot.services.translation.store import TranslationStore

#: How long a scope's budget is remembered before it is read again.
BUDGET_SECONDS = 30.0


def month_of(moment: datetime) -> str:
    """`2026-11` for a moment in November 2026."""
    return moment.strftime("%Y-%m")


class Usage:
    """Characters billed per scope and month, and the scopes' budgets."""

    def __init__(self, store: TranslationStore, clock: Clock) -> None:
        self.store = store
        self.clock = clock
        self._counters: dict[tuple[str, str], int] = {}
        self._unsaved: dict[tuple[str, str], list[int]] = {}
        self._budgets: dict[str, tuple[float, int | None]] = {}

    def of(self, scope: str, month: str) -> int:
        """Characters billed for `scope` in `month`."""
        if (scope, month) not in self._counters:
            self._counters[(scope, month)] = self.store.usage(scope, month)
        return self._counters[(scope, month)]

    def add(self, billed_by_scope: Mapping[str, int], month: str) -> None:
        """One request billed these characters for these scopes (the request counts for the first scope)."""
        for index, (scope, billed) in enumerate(billed_by_scope.items()):
            self._counters[(scope, month)] = self.of(scope, month) + billed
            unsaved = self._unsaved.setdefault((scope, month), [0, 0])
            unsaved[0] += billed
            unsaved[1] += 1 if index == 0 else 0

    def unsaved(self) -> list[tuple[str, str, int, int]]:
        """(scope, month, billed, requests) not written yet; handed over once."""
        rows, self._unsaved = self._unsaved, {}
        return [(scope, month, billed, requests) for (scope, month), (billed, requests) in rows.items()]

    def budget(self, scope: str) -> int | None:
        """The monthly budget of `scope` in characters (None: no budget)."""
        now = time.monotonic()
        hit = self._budgets.get(scope)
        if hit is not None and now - hit[0] < BUDGET_SECONDS:
            return hit[1]
        budget = self.store.budget(scope)
        self._budgets[scope] = (now, budget)
        return budget

    def forget_budget(self, scope: str) -> None:
        self._budgets.pop(scope, None)

    def over_budget(self, scope: str, characters: int) -> bool:
        """Whether paying `characters` more would take `scope` over its monthly budget."""
        budget = self.budget(scope)
        return budget is not None and self.of(scope, month_of(self.clock.now())) + characters > budget
