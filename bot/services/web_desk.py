"""What the ICC team's desk reads that no other service answers: DeepL characters billed per cluster and month,
against the clusters' budgets."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.engine import Engine
from sqlmodel import col, select

from bot.db import session_scope
from bot.errors import ROLE_HINTS, UserError
from bot.models import Cluster, Member, Role
from bot.models.translation import TranslationBudget, TranslationUsage

#: Months the usage table shows, the current one last.
MONTHS_SHOWN = 6


@dataclass(frozen=True)
class UsageRow:
    """One scope (a cluster, "practices", "direct", a channel) and its characters in each month shown."""

    scope: str
    label: str
    budget: int | None
    billed: dict[str, int]

    def share(self, month: str) -> int | None:
        """Percent of the budget `month` used (None: no budget)."""
        if not self.budget:
            return None
        return round(100 * self.billed.get(month, 0) / self.budget)


def months_up_to(moment: datetime, count: int = MONTHS_SHOWN) -> list[str]:
    """The `count` months ending with `moment`'s, oldest first ("2026-07" … "2026-12")."""
    year, month = moment.year, moment.month
    found = []
    for _ in range(count):
        found.append(f"{year:04d}-{month:02d}")
        year, month = (year - 1, 12) if month == 1 else (year, month - 1)
    return found[::-1]


def require_icc_team(member: Member) -> None:
    if Role(member.role) is not Role.icc_team:
        raise UserError("Only the ICC team can do this.", hint=ROLE_HINTS["icc_team"])


def translation_usage(engine: Engine, *, viewer: Member, now: datetime) -> tuple[list[str], list[UsageRow]]:
    """The months shown and, per scope that billed anything in them or has a budget, its use (ICC team only)."""
    require_icc_team(viewer)
    months = months_up_to(now)
    with session_scope(engine) as session:
        usage = list(session.exec(select(TranslationUsage).where(col(TranslationUsage.month).in_(months))))
        budgets = {row.scope: row.monthly_characters for row in session.exec(select(TranslationBudget))}
        clusters = {f"cluster:{row.id}": row.name for row in session.exec(select(Cluster))}
    billed: dict[str, dict[str, int]] = {scope: {} for scope in budgets}
    for row in usage:
        by_month = billed.setdefault(row.scope, {})
        by_month[row.month] = by_month.get(row.month, 0) + row.billed_characters
    rows = [UsageRow(scope=scope, label=clusters.get(scope, scope), budget=budgets.get(scope), billed=by_month)
            for scope, by_month in billed.items()]
    rows.sort(key=lambda row: (not row.scope.startswith("cluster:"), row.label.lower()))
    return months, rows
