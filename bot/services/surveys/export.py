"""Survey answers as CSV or JSON: one row per response, one column per question, with the city, its country, its
clusters and its region, and who answered and when.

An anonymous survey's export has none of these: only the answers, in an order that says nothing of when each
came in.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
from typing import Any, Literal

from sqlmodel import col, select

from bot.db import session_scope
from bot.models import City, Cluster, ClusterMembership, Member, Survey, SurveyResponse
from bot.services.surveys.definitions import SurveyDef
from bot.services.surveys.store import answers_of, definition_of

Format = Literal["csv", "json"]
#: Columns before the questions' (not in an anonymous survey's export).
WHO = ("response", "city", "country", "region", "clusters", "answered_by", "submitted_at", "updated_at")


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        return ";".join(str(item) for item in value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def rows(engine: Any, survey: Survey) -> tuple[list[str], list[dict[str, Any]]]:
    """The export's columns and rows (values as stored: choice ids, lists, numbers, texts)."""
    assert survey.id is not None
    definition: SurveyDef = definition_of(survey)
    questions = [question.id for question in definition.questions]
    with session_scope(engine) as session:
        responses = list(session.exec(select(SurveyResponse).where(SurveyResponse.survey_id == survey.id)
                                      .order_by(col(SurveyResponse.id))))
        if survey.anonymous:
            # No link to anyone, and no order of arrival: sorted by a digest of the answers themselves.
            responses.sort(key=lambda r: hashlib.sha256(r.answers.encode()).hexdigest())
            return questions, [{q: answers_of(r.answers).get(q) for q in questions} for r in responses]
        cities = {city.id: city for city in session.exec(select(City))}
        members = {m.id: m for m in session.exec(select(Member).where(
            col(Member.id).in_([r.member_id for r in responses if r.member_id is not None])))}
        clusters: dict[int, list[str]] = {}
        for membership, cluster in session.exec(
            select(ClusterMembership, Cluster).join(Cluster, col(Cluster.id) == col(ClusterMembership.cluster_id))
            .order_by(col(Cluster.slug))
        ):
            clusters.setdefault(membership.city_id, []).append(cluster.slug)
    found = []
    for response in responses:
        city = cities.get(response.city_id)
        member = members.get(response.member_id)
        answers = answers_of(response.answers)
        found.append({
            "response": response.id, "city": city.name if city else None, "country": city.country if city else None,
            "region": city.region if city else None, "clusters": clusters.get(response.city_id or 0, []),
            "answered_by": (member.display_name or member.user_id) if member else None,
            "submitted_at": response.submitted_at.isoformat() if response.submitted_at else None,
            "updated_at": response.updated_at.isoformat() if response.updated_at else None,
            **{question: answers.get(question) for question in questions},
        })
    return [*WHO, *questions], found


def export(engine: Any, survey: Survey, fmt: Format) -> tuple[str, int]:
    """The survey's answers as CSV or JSON text, and how many responses it holds."""
    columns, found = rows(engine, survey)
    if fmt == "json":
        body = {"survey": {"id": survey.id, "definition": survey.definition_id, "title": survey.title,
                           "anonymous": survey.anonymous, "state": str(survey.state)},
                "columns": columns, "responses": found}
        return json.dumps(body, ensure_ascii=False, indent=2, default=str) + "\n", len(found)
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(columns)
    for row in found:
        writer.writerow([_cell(row.get(column)) for column in columns])
    return buffer.getvalue(), len(found)
