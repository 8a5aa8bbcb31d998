"""Good practices: submitting, reviewing, translating and searching them.

The rules each field must pass live in `bot.services.practice_rules` (re-exported here). Every write keeps the
search index (`bot.services.search`) in step in the same transaction.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

from sqlalchemy import update
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from bot.db import session_scope
from bot.errors import ROLE_HINTS, UserError
from bot.forms import normalise
from bot.models import City, Member, Role
from bot.models.practices import (
    THEMES,
    Practice,
    PracticeCreate,
    PracticeReview,
    PracticeStatus,
    PracticeTheme,
    PracticeTranslation,
    ReviewAction,
)
from bot.ports import Clock, SystemClock
from bot.services.members import CityDirectory
from bot.services.practice_rules import (
    MAX_PAGE_SIZE,
    REASON_LIMIT,
    check_author_city,
    clean_language,
    clean_reason,
    clean_theme_filter,
    clean_title,
    clean_translated_summary,
    draft,
)
from bot.services.search import CityFilter, SearchIndex, query_terms

if TYPE_CHECKING:
    from bot.services.practice_translations import PracticeTranslations

# ---------------------------------------------------------------- what the service answers


@dataclass(frozen=True)
class PracticeCard:
    """A practice as a list shows it: in the reader's language when a translation exists."""

    id: int
    title: str
    summary: str
    city: str
    themes: tuple[str, ...]
    status: PracticeStatus
    language: str
    score: float = 0.0
    translated: bool = False


@dataclass(frozen=True)
class SearchPage:
    hits: list[PracticeCard]
    offset: int
    limit: int
    has_more: bool
    terms: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class PracticeDetails:
    practice: Practice
    city: str
    themes: tuple[str, ...]
    translations: list[PracticeTranslation]
    reviews: list[PracticeReview]
    author: Member | None


@dataclass(frozen=True)
class ReviewOutcome:
    """What the review changed, and whom to tell."""

    practice: Practice
    action: ReviewAction
    reason: str
    author: Member | None
    city: str


_NEXT_STATUS = {
    ReviewAction.approve: PracticeStatus.approved,
    ReviewAction.publish: PracticeStatus.published,
    ReviewAction.reject: PracticeStatus.rejected,
}
_ALLOWED_FROM = {
    ReviewAction.approve: (PracticeStatus.submitted,),
    ReviewAction.publish: (PracticeStatus.approved,),
    ReviewAction.reject: (PracticeStatus.submitted, PracticeStatus.approved),
}


def _refuse_review(practice: Practice, action: ReviewAction) -> UserError:
    status = PracticeStatus(practice.status)
    if status is PracticeStatus.published:
        return UserError("Practice #{id} is already published: its review is closed.", id=practice.id)
    if status is PracticeStatus.rejected:
        return UserError("Practice #{id} was already rejected: its review is closed.", id=practice.id)
    if status is PracticeStatus.approved:
        return UserError("Practice #{id} is already approved; it can now be published or rejected.",
                         id=practice.id)
    return UserError("Practice #{id} must be approved before it is published.", id=practice.id)


class PracticeService:
    """The database of good practices."""

    def __init__(self, engine: Engine, clock: Clock | None = None) -> None:
        self.engine = engine
        self.clock = clock or SystemClock()
        self.index = SearchIndex(engine.dialect.name)
        #: Translates published practices into every catalogue language (given when translation is wired).
        self.translations: PracticeTranslations | None = None

    # ------------------------------------------------------------ recording

    def create(
        self,
        *,
        session: Session,
        author: Member | None,
        data: PracticeCreate,
        status: PracticeStatus = PracticeStatus.submitted,
    ) -> Practice:
        """Check `data` and add it in `session`'s transaction, search index included.

        `author` None means the ICC team's own tools (the CSV import); anyone else must be a coordinator of
        the practice's city or on the ICC team.
        """
        clean = draft(
            title=data.title, city_id=data.city_id, summary=data.summary, description=data.description,
            themes=data.themes, language=data.language, results=data.results, contact=data.contact,
            links=data.links,
        )
        city = session.get(City, clean.city_id)
        if city is None:
            raise UserError("There is no ICC city number {id}.", field="city", id=clean.city_id)
        check_author_city(author, city)
        now = self.clock.now()
        practice = Practice.model_validate(
            clean.model_dump(exclude={"themes"})
            | {"status": status, "author_id": author.id if author else None, "created_at": now, "updated_at": now}
        )
        session.add(practice)
        session.flush()
        assert practice.id is not None
        for theme in clean.themes:
            session.add(PracticeTheme(practice_id=practice.id, theme=theme))
        session.flush()
        self.index.refresh(session, [practice.id])
        return practice

    def submit(self, *, author: Member, data: PracticeCreate) -> Practice:
        """Record a practice for review. Raises `UserError` (and writes nothing) when a rule is broken."""
        with session_scope(self.engine) as session:
            return self.create(session=session, author=author, data=data)

    @staticmethod
    def may_edit(editor: Member, practice: Practice) -> bool:
        """Whether `edit` would let `editor` change `practice` (to offer it or not)."""
        role = Role(editor.role)
        return role is Role.icc_team or (
            role is Role.coordinator and editor.city_id == practice.city_id
            and PracticeStatus(practice.status) in (PracticeStatus.submitted, PracticeStatus.rejected))

    def edit(self, *, editor: Member, practice_id: int, data: PracticeCreate) -> Practice:
        """Change a practice's texts, themes, links and language (its city stays); raises `UserError`, writing
        nothing, when a rule is broken.

        Its city's coordinators edit it while it waits for review or after it was rejected (a rejected one goes
        back to the review queue); once approved or published, only the ICC team changes it.
        """
        with session_scope(self.engine) as session:
            practice = session.get(Practice, practice_id)
            if practice is None:
                raise UserError("There is no practice number {id}.", id=practice_id)
            city = session.get(City, practice.city_id)
            assert city is not None
            check_author_city(editor, city)
            status = PracticeStatus(practice.status)
            team = Role(editor.role) is Role.icc_team
            if not team and status in (PracticeStatus.approved, PracticeStatus.published):
                raise UserError("Practice #{id} is approved: ask the ICC team to change it.", id=practice_id)
            clean = draft(title=data.title, city_id=practice.city_id, summary=data.summary,
                          description=data.description, themes=data.themes, language=data.language,
                          results=data.results, contact=data.contact, links=data.links)
            for name in ("title", "summary", "description", "results", "contact", "links", "language"):
                setattr(practice, name, getattr(clean, name))
            if status is PracticeStatus.rejected and not team:
                practice.status = PracticeStatus.submitted
            practice.updated_at = self.clock.now()
            session.add(practice)
            for row in session.exec(select(PracticeTheme).where(PracticeTheme.practice_id == practice_id)):
                session.delete(row)
            session.flush()
            for theme in clean.themes:
                session.add(PracticeTheme(practice_id=practice_id, theme=theme))
            session.flush()
            self.index.refresh(session, [practice_id])
            session.refresh(practice)
            return practice

    def add_translation(
        self, *, practice_id: int, language: str, title: str, summary: str, machine: bool = True
    ) -> PracticeTranslation:
        """Add (or replace) the title and summary of a practice in another language."""
        code = clean_language(language)
        clean_title_ = clean_title(title)
        clean_summary_ = clean_translated_summary(summary)
        with session_scope(self.engine) as session:
            practice = session.get(Practice, practice_id)
            if practice is None:
                raise UserError("There is no practice number {id}.", id=practice_id)
            if practice.language == code:
                raise UserError("Practice #{id} is already written in {language}.", id=practice_id, language=code)
            existing = session.exec(
                select(PracticeTranslation).where(
                    PracticeTranslation.practice_id == practice_id, PracticeTranslation.language == code
                )
            ).first()
            translation = existing or PracticeTranslation(practice_id=practice_id, language=code, title="",
                                                           summary="")
            translation.title = clean_title_
            translation.summary = clean_summary_
            translation.machine = machine
            translation.created_at = self.clock.now()
            session.add(translation)
            session.flush()
            self.index.refresh(session, [practice_id])
            session.refresh(translation)
            return translation

    # ------------------------------------------------------------ reviewing

    def review(
        self, *, reviewer: Member, practice_id: int, action: ReviewAction, reason: str = ""
    ) -> ReviewOutcome:
        """Approve, publish or reject a practice (ICC team only); one decision per step, recorded.

        submitted -> approved -> published; submitted or approved -> rejected (with a reason). A decision
        on a practice that is published or rejected is refused. Returns what the author must be told.
        """
        if Role(reviewer.role) is not Role.icc_team:
            raise UserError("Only the ICC team can review practices.", hint=ROLE_HINTS["icc_team"])
        action = ReviewAction(action)
        clean_reason_ = clean_reason(reason) if action is ReviewAction.reject else normalise(reason)[:REASON_LIMIT]
        with session_scope(self.engine) as session:
            practice = session.get(Practice, practice_id)
            if practice is None:
                raise UserError("There is no practice number {id}.", id=practice_id)
            if PracticeStatus(practice.status) not in _ALLOWED_FROM[action]:
                raise _refuse_review(practice, action)
            new_status = _NEXT_STATUS[action]
            now = self.clock.now()
            # Only one of two reviewers pressing at once may win: the update checks the status it saw.
            changed = session.execute(
                update(Practice)
                .where(col(Practice.id) == practice_id, col(Practice.status) == practice.status)
                .values(
                    status=new_status,
                    updated_at=now,
                    reject_reason=clean_reason_ if action is ReviewAction.reject else practice.reject_reason,
                )
                .execution_options(synchronize_session=False)
            )
            if changed.rowcount != 1:  # type: ignore[attr-defined]
                session.expire(practice)
                raise _refuse_review(session.get(Practice, practice_id) or practice, action)
            session.add(
                PracticeReview(
                    practice_id=practice_id, reviewer_id=reviewer.id, action=action, reason=clean_reason_,
                    created_at=now,
                )
            )
            session.flush()
            session.refresh(practice)
            self.index.refresh(session, [practice_id])
            author = session.get(Member, practice.author_id) if practice.author_id else None
            city = session.get(City, practice.city_id)
            return ReviewOutcome(practice=practice, action=action, reason=clean_reason_, author=author,
                                 city=city.name if city else "")

    def waiting(self, *, reviewer: Member, limit: int = 20) -> list[PracticeCard]:
        """Practices the ICC team has still to decide on, oldest first."""
        if Role(reviewer.role) is not Role.icc_team:
            raise UserError("Only the ICC team can review practices.", hint=ROLE_HINTS["icc_team"])
        with session_scope(self.engine) as session:
            ids = session.exec(
                select(Practice.id)
                .where(col(Practice.status).in_([PracticeStatus.submitted, PracticeStatus.approved]))
                .order_by(col(Practice.id))
                .limit(max(1, min(limit, MAX_PAGE_SIZE)))
            ).all()
            return self._cards(session, [int(i) for i in ids if i is not None], None)

    # ------------------------------------------------------------ reading

    def get(self, practice_id: int) -> Practice | None:
        with session_scope(self.engine) as session:
            return session.get(Practice, practice_id)

    def details(self, practice_id: int, *, viewer: Member | None) -> PracticeDetails:
        """Everything about a practice, if `viewer` may see it (published ones: everybody)."""
        with session_scope(self.engine) as session:
            practice = session.get(Practice, practice_id)
            if practice is None or not self._may_see(viewer, practice):
                raise UserError("There is no practice number {id}.", id=practice_id)
            city = session.get(City, practice.city_id)
            themes = session.exec(
                select(PracticeTheme.theme).where(PracticeTheme.practice_id == practice_id)
            ).all()
            translations = list(session.exec(
                select(PracticeTranslation)
                .where(PracticeTranslation.practice_id == practice_id)
                .order_by(col(PracticeTranslation.language))
            ))
            reviews = list(session.exec(
                select(PracticeReview)
                .where(PracticeReview.practice_id == practice_id)
                .order_by(col(PracticeReview.id))
            ))
            author = session.get(Member, practice.author_id) if practice.author_id else None
            return PracticeDetails(
                practice=practice,
                city=city.name if city else "",
                themes=tuple(sorted(themes, key=THEMES.index)),
                translations=translations,
                reviews=reviews,
                author=author,
            )

    @staticmethod
    def _may_see(viewer: Member | None, practice: Practice) -> bool:
        if PracticeStatus(practice.status) is PracticeStatus.published:
            return True
        if viewer is None:
            return False
        role = Role(viewer.role)
        return (
            role is Role.icc_team
            or (viewer.id is not None and viewer.id == practice.author_id)
            or (role is Role.coordinator and viewer.city_id == practice.city_id)
        )

    def mine(self, member: Member, *, limit: int = 50) -> list[PracticeCard]:
        """The practices `member` has shared, newest first."""
        with session_scope(self.engine) as session:
            ids = session.exec(
                select(Practice.id)
                .where(Practice.author_id == member.id)
                .order_by(col(Practice.id).desc())
                .limit(max(1, min(limit, 200)))
            ).all()
            return self._cards(session, [int(i) for i in ids if i is not None], None)

    def search(
        self,
        *,
        words: str,
        theme: str | None = None,
        city: int | str | None = None,
        status: PracticeStatus | None = PracticeStatus.published,
        limit: int = 10,
        offset: int = 0,
        language: str | None = None,
        cities: Sequence[int] | None = None,
    ) -> SearchPage:
        """Full-text search, best matches first; without words, the newest practices that fit the filters.

        Args:
            words: what the person typed; any text is safe (it is split into plain terms here).
            theme: a theme slug (or English name) to keep to.
            city: a city id, or a city name (an unknown name is the person's error).
            status: only practices in this status (None: any).
            limit, offset: the page.
            language: show titles and summaries in this language where a translation exists.
            cities: only practices of these cities (a cluster's); an empty list finds nothing.
        """
        limit = max(1, min(int(limit), MAX_PAGE_SIZE))
        offset = max(0, min(int(offset), 10_000))
        theme_slug = clean_theme_filter(theme)
        city_filter: CityFilter = self._city_id(city)
        if cities is not None:
            among = tuple(sorted({int(one) for one in cities} & ({city_filter} if city_filter else set(cities))))
            if not among:
                return SearchPage(hits=[], offset=offset, limit=limit, has_more=False, terms=query_terms(words or ""))
            city_filter = among[0] if len(among) == 1 else among
        words = words or ""
        terms = query_terms(words)
        status_value = PracticeStatus(status).value if status is not None else None
        with session_scope(self.engine) as session:
            if terms:
                matches = self.index.search(
                    session, terms=terms, status=status_value, city_id=city_filter, theme=theme_slug,
                    limit=limit + 1, offset=offset,
                )
                ranked = [(m.practice_id, m.score) for m in matches]
            elif normalise(words):
                ranked = []  # only punctuation, symbols or emoji: nothing to look for
            else:
                ranked = [(pid, 0.0) for pid in self._newest(session, status_value, city_filter, theme_slug,
                                                              limit + 1, offset)]
            page = ranked[:limit]
            cards = self._cards(session, [pid for pid, _ in page], language)
            scores = dict(page)
            hits = [replace(card, score=scores.get(card.id, 0.0)) for card in cards]
            return SearchPage(hits=hits, offset=offset, limit=limit, has_more=len(ranked) > limit, terms=terms)

    def _city_id(self, city: int | str | None) -> int | None:
        if city is None or (isinstance(city, str) and not normalise(city)):
            return None
        if isinstance(city, int):
            return city
        found = CityDirectory(self.engine).resolve(city)
        return found.id

    @staticmethod
    def _newest(
        session: Session, status: str | None, city_id: CityFilter, theme: str | None, limit: int, offset: int
    ) -> list[int]:
        query = select(Practice.id)
        if status is not None:
            query = query.where(Practice.status == status)
        if isinstance(city_id, int):
            query = query.where(Practice.city_id == city_id)
        elif city_id is not None:
            query = query.where(col(Practice.city_id).in_(city_id))
        if theme is not None:
            query = query.where(
                select(PracticeTheme.practice_id)
                .where(PracticeTheme.practice_id == Practice.id, PracticeTheme.theme == theme)
                .exists()
            )
        rows = session.exec(query.order_by(col(Practice.id).desc()).limit(limit).offset(offset)).all()
        return [int(row) for row in rows if row is not None]

    @staticmethod
    def _cards(session: Session, ids: Sequence[int], language: str | None) -> list[PracticeCard]:
        """Cards for these practices, in this order."""
        if not ids:
            return []
        practices = {p.id: p for p in session.exec(select(Practice).where(col(Practice.id).in_(ids)))}
        city_ids = {p.city_id for p in practices.values()}
        cities = {c.id: c.name for c in session.exec(select(City).where(col(City.id).in_(city_ids)))}
        themes: dict[int, list[str]] = {}
        for row in session.exec(select(PracticeTheme).where(col(PracticeTheme.practice_id).in_(ids))):
            themes.setdefault(row.practice_id, []).append(row.theme)
        translated: dict[int, PracticeTranslation] = {}
        if language:
            for translation in session.exec(
                select(PracticeTranslation).where(
                    col(PracticeTranslation.practice_id).in_(ids), PracticeTranslation.language == language
                )
            ):
                translated[translation.practice_id] = translation
        cards = []
        for practice_id in ids:
            practice = practices.get(practice_id)
            if practice is None:
                continue
            other = translated.get(practice_id) if practice.language != language else None
            cards.append(
                PracticeCard(
                    id=practice_id,
                    title=other.title if other else practice.title,
                    summary=other.summary if other else practice.summary,
                    city=cities.get(practice.city_id, ""),
                    themes=tuple(sorted(themes.get(practice_id, []), key=THEMES.index)),
                    status=PracticeStatus(practice.status),
                    language=practice.language,
                    translated=other is not None,
                )
            )
        return cards

    # ------------------------------------------------------------ bulk work (import, benchmarks)

    def reindex(self) -> int:
        """Rebuild the whole search index (after a bulk load that bypassed it)."""
        with session_scope(self.engine) as session:
            return self.index.rebuild(session)
