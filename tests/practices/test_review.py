"""The review workflow: submitted -> approved -> published, or rejected with a reason; ICC team only."""

from __future__ import annotations

import pytest
from sqlmodel import select

from bot.db import session_scope
from bot.errors import UserError
from bot.i18n import t
from bot.models import Role
from bot.models.practices import PracticeReview, PracticeStatus, ReviewAction
from bot.services import Services
from tests.practices.conftest import add_city, add_member, practice


@pytest.fixture
def submitted(services: Services):  # type: ignore[no-untyped-def]
    lisbon = add_city(services, "Lisbon")
    ana = add_member(services, "ana", city=lisbon, language="pt")
    boss = add_member(services, "boss", role=Role.icc_team)
    recorded = services.practices.submit(author=ana, data=practice(lisbon))
    return recorded, ana, boss


def reviews(services: Services, practice_id: int) -> list[tuple[ReviewAction, str]]:
    with session_scope(services.engine) as session:
        rows = session.exec(select(PracticeReview).where(PracticeReview.practice_id == practice_id)
                            .order_by(PracticeReview.id))  # type: ignore[arg-type]
        return [(ReviewAction(row.action), row.reason) for row in rows]


def test_approve_then_publish(services: Services, submitted) -> None:  # type: ignore[no-untyped-def]
    recorded, ana, boss = submitted
    outcome = services.practices.review(reviewer=boss, practice_id=recorded.id, action=ReviewAction.approve)
    assert outcome.practice.status is PracticeStatus.approved
    assert outcome.author is not None and outcome.author.id == ana.id
    outcome = services.practices.review(reviewer=boss, practice_id=recorded.id, action=ReviewAction.publish)
    assert outcome.practice.status is PracticeStatus.published
    assert reviews(services, recorded.id) == [(ReviewAction.approve, ""), (ReviewAction.publish, "")]
    assert [hit.id for hit in services.practices.search(words="anti-rumours").hits] == [recorded.id]


def test_only_the_icc_team_reviews(services: Services, submitted) -> None:  # type: ignore[no-untyped-def]
    recorded, ana, _ = submitted
    for reviewer in (ana, add_member(services, "plain", role=Role.member)):
        with pytest.raises(UserError) as caught:
            services.practices.review(reviewer=reviewer, practice_id=recorded.id, action=ReviewAction.approve)
        assert t("en", caught.value.msgid) == "Only the ICC team can review practices."
    assert services.practices.get(recorded.id).status is PracticeStatus.submitted  # type: ignore[union-attr]
    assert reviews(services, recorded.id) == []


def test_a_rejection_needs_a_reason(services: Services, submitted) -> None:  # type: ignore[no-untyped-def]
    recorded, _, boss = submitted
    with pytest.raises(UserError) as caught:
        services.practices.review(reviewer=boss, practice_id=recorded.id, action=ReviewAction.reject, reason=" ")
    assert caught.value.field == "reason"
    assert reviews(services, recorded.id) == []
    outcome = services.practices.review(
        reviewer=boss, practice_id=recorded.id, action=ReviewAction.reject, reason="Please add results."
    )
    assert outcome.practice.status is PracticeStatus.rejected
    assert outcome.practice.reject_reason == "Please add results."


@pytest.mark.parametrize(
    ("first", "second", "words"),
    [
        ([ReviewAction.approve, ReviewAction.publish], ReviewAction.reject, "already published"),
        ([ReviewAction.approve, ReviewAction.publish], ReviewAction.publish, "already published"),
        ([ReviewAction.reject], ReviewAction.approve, "already rejected"),
        ([ReviewAction.reject], ReviewAction.reject, "already rejected"),
        ([ReviewAction.approve], ReviewAction.approve, "already approved"),
        ([], ReviewAction.publish, "must be approved"),
    ],
)
def test_a_decided_practice_cannot_be_decided_again(  # type: ignore[no-untyped-def]
    services: Services, submitted, first, second, words
) -> None:
    recorded, _, boss = submitted
    for action in first:
        services.practices.review(reviewer=boss, practice_id=recorded.id, action=action, reason="No.")
    before = services.practices.get(recorded.id)
    with pytest.raises(UserError) as caught:
        services.practices.review(reviewer=boss, practice_id=recorded.id, action=second, reason="Again.")
    assert words in t("en", caught.value.msgid, **caught.value.params)
    after = services.practices.get(recorded.id)
    assert before is not None and after is not None and after.status == before.status
    assert len(reviews(services, recorded.id)) == len(first)


def test_an_unknown_practice(services: Services, submitted) -> None:  # type: ignore[no-untyped-def]
    _, _, boss = submitted
    with pytest.raises(UserError):
        services.practices.review(reviewer=boss, practice_id=424242, action=ReviewAction.approve)


def test_unpublished_practices_are_seen_by_author_and_team_only(  # type: ignore[no-untyped-def]
    services: Services, submitted
) -> None:
    recorded, ana, boss = submitted
    stranger = add_member(services, "stranger", role=Role.member)
    assert services.practices.details(recorded.id, viewer=ana).practice.id == recorded.id
    assert services.practices.details(recorded.id, viewer=boss).author.id == ana.id  # type: ignore[union-attr]
    with pytest.raises(UserError):
        services.practices.details(recorded.id, viewer=stranger)
    services.practices.review(reviewer=boss, practice_id=recorded.id, action=ReviewAction.approve)
    services.practices.review(reviewer=boss, practice_id=recorded.id, action=ReviewAction.publish)
    details = services.practices.details(recorded.id, viewer=stranger)
    assert [review.action for review in details.reviews] == [ReviewAction.approve, ReviewAction.publish]


def test_waiting_lists_submitted_and_approved(services: Services, submitted) -> None:  # type: ignore[no-untyped-def]
    recorded, ana, boss = submitted
    lisbon_id = recorded.city_id
    second = services.practices.submit(author=ana, data=practice(
        services.cities.get(lisbon_id), title="Second"))  # type: ignore[arg-type]
    services.practices.review(reviewer=boss, practice_id=recorded.id, action=ReviewAction.approve)
    waiting = services.practices.waiting(reviewer=boss)
    assert [(card.id, card.status) for card in waiting] == [
        (recorded.id, PracticeStatus.approved), (second.id, PracticeStatus.submitted)
    ]
    with pytest.raises(UserError):
        services.practices.waiting(reviewer=ana)
