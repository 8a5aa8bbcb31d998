"""Each cluster's report of the year to the ICC team: its coordinators are asked once a year (from
`ICC_CLUSTER_REPORT_MONTH`), answer a short form, and the ICC team reads every cluster's report in one place."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.engine import Engine
from sqlmodel import select

from bot.db import session_scope
from bot.errors import UserError
from bot.i18n import N_, t
from bot.messages import Button, ButtonStyle, Identity, Reply
from bot.models import Cluster, ClusterReport, Member
from bot.ports import Clock, SystemClock
from bot.services.clusters.service import ClusterService
from bot.services.delivery import Compose, DeliveryService

#: The report's questions: (answer key, question msgid, required).
QUESTIONS = (
    ("achievements", N_("What did the cluster achieve this year?"), True),
    ("activities", N_("Its main activities and events"), True),
    ("challenges", N_("What was difficult?"), False),
    ("next", N_("Its priorities for next year"), False),
    ("support", N_("What support would help from the ICC team?"), False),
)
ANSWER_LIMIT = 2000
#: The button of the yearly prompt that opens the report's form (value: `<cluster id>:<year>`).
REPORT_ACTION = "cluster-report"


@dataclass(frozen=True)
class YearReport:
    """A cluster and its report of a year (None: not sent yet)."""

    cluster: Cluster
    report: ClusterReport | None

    def answers(self) -> dict[str, str]:
        return json.loads(self.report.answers) if self.report is not None else {}


class ClusterReports:
    """The yearly prompt, the report's answers, and the ICC team's view of every cluster's report."""

    def __init__(self, engine: Engine, *, clusters: ClusterService, delivery: DeliveryService,
                 clock: Clock | None = None, month: int = 11) -> None:
        self.engine = engine
        self.clusters = clusters
        self.delivery = delivery
        self.clock = clock or SystemClock()
        self.month = month

    def due_year(self, now: datetime | None = None) -> int | None:
        """The year whose reports are asked for now (from the report month to the year's end), else None."""
        moment = now or self.clock.now()
        return moment.year if moment.month >= self.month else None

    def prompt_due(self) -> int:
        """Ask the coordinators of every cluster without this year's report for it (once per cluster and year,
        whatever runs it and how often); returns how many people were asked now."""
        year = self.due_year()
        if year is None:
            return 0
        asked = 0
        for cluster in self.clusters.all():
            if cluster.id is None or self.get(cluster.id, year) is not None:
                continue
            people = [Identity(m.platform, m.workspace_id, m.user_id) for m in self.clusters.coordinators(cluster.id)]
            if not people:
                continue
            asked += self.delivery.to_people(f"cluster-report:{cluster.id}:{year}", people,
                                             _prompt(cluster, year))
        if asked:
            self.delivery.kick()
        return asked

    def get(self, cluster_id: int, year: int) -> ClusterReport | None:
        with session_scope(self.engine) as session:
            return session.exec(select(ClusterReport).where(ClusterReport.cluster_id == cluster_id,
                                                            ClusterReport.year == year)).first()

    def submit(self, cluster: Cluster, year: int, answers: dict[str, str], *, by: Member) -> ClusterReport:
        """Record (or replace) the cluster's report of `year`: its coordinators and the ICC team only."""
        self.clusters.check_may_edit(by, cluster)
        if not 2000 <= year <= self.clock.now().year:
            raise UserError("There is no report to write for {year}.", year=year)
        kept = {key: answers.get(key, "").strip()[:ANSWER_LIMIT] for key, _, _ in QUESTIONS}
        with session_scope(self.engine) as session:
            row = session.exec(select(ClusterReport).where(ClusterReport.cluster_id == cluster.id,
                                                           ClusterReport.year == year)).first()
            row = row or ClusterReport(cluster_id=cluster.id or 0, year=year, answers="{}")
            row.answers = json.dumps(kept, ensure_ascii=False)
            row.submitted_by = by.id
            row.submitted_at = self.clock.now()
            session.add(row)
            session.flush()
            session.refresh(row)
            return row

    def of_year(self, year: int) -> list[YearReport]:
        """Every active cluster with its report of `year` (or None), by name."""
        with session_scope(self.engine) as session:
            found = session.exec(select(ClusterReport).where(ClusterReport.year == year))
            rows = {row.cluster_id: row for row in found}
        return [YearReport(cluster, rows.get(cluster.id or 0)) for cluster in self.clusters.all()]


def _prompt(cluster: Cluster, year: int) -> Compose:
    def compose(locale: str) -> Reply:
        return Reply(
            text=t(locale, "Time for the yearly report of {name} to the ICC team ({year}): five short questions "
                           "on what the cluster did and what it needs. It takes ten minutes.",
                   name=cluster.name, year=year),
            buttons=[Button(REPORT_ACTION, t(locale, "Write the report"), f"{cluster.id}:{year}",
                            ButtonStyle.primary)],
            ephemeral=False,
        )

    return compose

