"""The campaign days: a shipped, editable YAML file of international days, checked line by line when loaded.

`read_campaign_days(path)` parses and validates the file and names every problem with its line;
`CampaignDays` keeps the days in the database (`CampaignDay`) and makes each one a yearly all-day event of
the calendar, confirmed while the network celebrates it (the campaign-days vote sets which ones, through
`set_celebrated`), cancelled otherwise.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy.engine import Engine
from sqlmodel import select

from bot.db import session_scope
from bot.errors import UserError
from bot.i18n import N_, t
from bot.models.calendar import CalendarEvent, CampaignDay, EventKind, EventStatus, EventTranslation
from bot.settings import SUPPORTED_LOCALES

#: The file shipped with the bot.
DEFAULT_FILE = Path(__file__).resolve().parent.parent.parent / "data" / "campaign_days.yaml"
#: The year a campaign day's yearly event starts in (any leap-free past year would do: it repeats every year).
FIRST_YEAR = 2021
_ID = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$")
_DATE = re.compile(r"^(\d{2})-(\d{2})$")
_KEYS = {"id", "date", "names", "links", "celebrated"}
NAME_LIMIT = 200


@dataclass(frozen=True)
class Problem:
    """One thing wrong in the file: its line (1-based) and what, as a msgid and its parameters."""

    line: int
    msgid: str
    params: dict[str, object] = field(default_factory=dict)

    def describe(self, path: Path | str, locale: str) -> str:
        return f"{path}:{self.line}: {t(locale, self.msgid, **self.params)}"


class CampaignDaysFileError(Exception):
    """The file cannot be loaded; `problems` says where and why (nothing was changed)."""

    def __init__(self, path: Path | str, problems: list[Problem]) -> None:
        super().__init__(f"{path}: {len(problems)} problem(s)")
        self.path = path
        self.problems = problems

    def describe(self, locale: str) -> list[str]:
        return [problem.describe(self.path, locale) for problem in self.problems]


@dataclass(frozen=True)
class CampaignDayInfo:
    """A campaign day as features see it: stable id, date, names in every catalogue language, links."""

    id: str
    month: int
    day: int
    names: dict[str, str]
    links: tuple[str, ...] = ()
    celebrated: bool | None = None

    def name(self, locale: str) -> str:
        return self.names.get(locale) or self.names.get("en") or self.id

    def next_date(self, today: date) -> date:
        """The next time it comes, `today` included."""
        this_year = date(today.year, self.month, self.day)
        return this_year if this_year >= today else date(today.year + 1, self.month, self.day)


def _line(node: yaml.Node) -> int:
    return node.start_mark.line + 1


def _scalar(node: yaml.Node) -> str | None:
    return str(node.value) if isinstance(node, yaml.ScalarNode) else None


def read_campaign_days(path: Path | str = DEFAULT_FILE) -> list[CampaignDayInfo]:
    """The campaign days of the file at `path`, checked; `CampaignDaysFileError` lists every problem with its line."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        raise CampaignDaysFileError(path, [Problem(1, N_("The file cannot be read as UTF-8 text."))]) from None
    return parse_campaign_days(text, path)


def parse_campaign_days(text: str, path: Path | str = "<text>") -> list[CampaignDayInfo]:
    """Like `read_campaign_days`, from the file's text."""
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        detail = str(getattr(exc, "problem", "") or exc)[:120]
        where = mark.line + 1 if mark else 1
        raise CampaignDaysFileError(path, [Problem(where, N_("This is not valid YAML: {detail}."),
                                                   {"detail": detail})]) from None
    problems: list[Problem] = []
    items: list[yaml.Node] = []
    if not isinstance(root, yaml.MappingNode):
        problems.append(Problem(_line(root) if root else 1, N_("The file must start with campaign_days:.")))
    else:
        found = {_scalar(key): value for key, value in root.value}
        days = found.get("campaign_days")
        if not isinstance(days, yaml.SequenceNode):
            problems.append(Problem(_line(root), N_("The file must start with campaign_days: and a list of days.")))
        else:
            items = list(days.value)
    result: list[CampaignDayInfo] = []
    seen: dict[str, int] = {}
    for item in items:
        day = _campaign_day(item, problems)
        if day is None:
            continue
        if day.id in seen:
            problems.append(Problem(_line(item), N_("The id {id} is already used on line {line}."),
                                    {"id": day.id, "line": seen[day.id]}))
            continue
        seen[day.id] = _line(item)
        result.append(day)
    if not problems and not result:
        problems.append(Problem(1, N_("The file holds no campaign day.")))
    if problems:
        raise CampaignDaysFileError(path, problems)
    return result


def _campaign_day(item: yaml.Node, problems: list[Problem]) -> CampaignDayInfo | None:
    if not isinstance(item, yaml.MappingNode):
        problems.append(Problem(_line(item), N_("Each campaign day must be a mapping with id, date and names.")))
        return None
    before = len(problems)
    fields: dict[str, yaml.Node] = {}
    for key, value in item.value:
        name = _scalar(key) or ""
        if name not in _KEYS:
            problems.append(Problem(_line(key), N_("Unknown key “{key}” (known: {keys})."),
                                    {"key": name[:40], "keys": ", ".join(sorted(_KEYS))}))
        fields[name] = value
    identity = _scalar(fields["id"]) if "id" in fields else None
    if identity is None or not _ID.match(identity):
        where = _line(fields["id"]) if "id" in fields else _line(item)
        problems.append(Problem(where, N_("Each campaign day needs an id of lowercase letters, digits and dashes.")))
    month = day = 0
    raw_date = _scalar(fields["date"]) if "date" in fields else None
    match = _DATE.match(raw_date or "")
    if match is None:
        where = _line(fields["date"]) if "date" in fields else _line(item)
        problems.append(Problem(where, N_("The date must be written MM-DD in quotes, such as \"12-18\".")))
    else:
        month, day = int(match.group(1)), int(match.group(2))
        try:
            date(FIRST_YEAR, month, day)  # a year without 29 February: a campaign day comes every year
        except ValueError:
            problems.append(Problem(_line(fields["date"]), N_("There is no {date} every year."), {"date": raw_date}))
    names = _names(fields.get("names"), item, problems)
    links = _links(fields.get("links"), problems)
    celebrated: bool | None = None
    if "celebrated" in fields:
        raw = (_scalar(fields["celebrated"]) or "").lower()
        if raw not in ("true", "false"):
            problems.append(Problem(_line(fields["celebrated"]), N_("celebrated must be true or false.")))
        celebrated = raw == "true"
    if len(problems) > before or identity is None:
        return None
    return CampaignDayInfo(id=identity, month=month, day=day, names=names, links=links, celebrated=celebrated)


def _names(node: yaml.Node | None, item: yaml.Node, problems: list[Problem]) -> dict[str, str]:
    if not isinstance(node, yaml.MappingNode):
        problems.append(Problem(_line(node or item), N_("names must list the day's name in {languages}."),
                                {"languages": ", ".join(SUPPORTED_LOCALES)}))
        return {}
    names: dict[str, str] = {}
    for key, value in node.value:
        language, text = _scalar(key) or "", (_scalar(value) or "").strip()
        if language not in SUPPORTED_LOCALES:
            problems.append(Problem(_line(key), N_("“{language}” is not a language the bot speaks ({languages})."),
                                    {"language": language[:20], "languages": ", ".join(SUPPORTED_LOCALES)}))
        elif not text or len(text) > NAME_LIMIT:
            problems.append(Problem(_line(value), N_("The {language} name must be 1 to {limit} characters."),
                                    {"language": language, "limit": NAME_LIMIT}))
        else:
            names[language] = text
    missing = [code for code in SUPPORTED_LOCALES if code not in names]
    if missing:
        problems.append(Problem(_line(node), N_("The name is missing in {languages}."),
                                {"languages": ", ".join(missing)}))
    return names


def _links(node: yaml.Node | None, problems: list[Problem]) -> tuple[str, ...]:
    if node is None:
        return ()
    if not isinstance(node, yaml.SequenceNode):
        problems.append(Problem(_line(node), N_("links must be a list of web addresses.")))
        return ()
    links = []
    for value in node.value:
        link = (_scalar(value) or "").strip()
        if not re.match(r"^https?://[^\s<>]+$", link) or len(link) > 500:
            problems.append(Problem(_line(value), N_("“{value}” is not a web address (https://…)."),
                                    {"value": link[:80]}))
        else:
            links.append(link)
    return tuple(links)


def event_uid(day_id: str) -> str:
    """The stable iCalendar UID of a campaign day's event."""
    return f"campaign-day-{day_id}@icc-bot"


class CampaignDays:
    """The campaign days in the database, and their events."""

    def __init__(self, engine: Engine, *, time_zone: str, now: Any) -> None:
        self.engine = engine
        self.time_zone = time_zone
        self._now = now

    def all(self) -> list[CampaignDayInfo]:
        """Every campaign day, in calendar order, with whether the network celebrates it."""
        with session_scope(self.engine) as session:
            rows = list(session.exec(select(CampaignDay)))
        days = [CampaignDayInfo(id=row.id, month=row.month, day=row.day, names=json.loads(row.names),
                                links=tuple(row.links.split()), celebrated=row.celebrated) for row in rows]
        return sorted(days, key=lambda d: (d.month, d.day, d.id))

    def get(self, day_id: str) -> CampaignDayInfo | None:
        return next((day for day in self.all() if day.id == day_id), None)

    def load(self, days: Iterable[CampaignDayInfo]) -> tuple[int, int]:
        """Store `days` (new ones added, known ones updated) and their events; returns (added, updated)."""
        added = updated = 0
        changed_events: list[int] = []
        with session_scope(self.engine) as session:
            known = {row.id: row for row in session.exec(select(CampaignDay))}
            for day in days:
                row = known.get(day.id)
                names, links = json.dumps(day.names, ensure_ascii=False, sort_keys=True), "\n".join(day.links)
                if row is None:
                    row = CampaignDay(id=day.id, month=day.month, day=day.day, names=names, links=links,
                                      celebrated=True if day.celebrated is None else day.celebrated)
                    added += 1
                else:
                    before = (row.month, row.day, row.names, row.links, row.celebrated)
                    row.month, row.day, row.names, row.links = day.month, day.day, names, links
                    if day.celebrated is not None:
                        row.celebrated = day.celebrated
                    if before != (row.month, row.day, row.names, row.links, row.celebrated):
                        updated += 1
                session.add(row)
                event_id = self._sync_event(session, row)
                if event_id is not None:
                    changed_events.append(event_id)
        return added, updated

    def set_celebrated(self, day_ids: Iterable[str]) -> list[int]:
        """Make `day_ids` the network's campaign days (the others stay listed, not celebrated).

        Returns the ids of the events whose status changed. An unknown id is a `UserError` and changes nothing.
        """
        wanted = {day_id.strip() for day_id in day_ids}
        changed: list[int] = []
        with session_scope(self.engine) as session:
            rows = {row.id: row for row in session.exec(select(CampaignDay))}
            unknown = sorted(wanted - set(rows))
            if unknown:
                named = ", ".join(unknown)
                raise UserError("“{value}” is not a campaign day.", value=named[:80])
            for row in rows.values():
                if row.celebrated != (row.id in wanted):
                    row.celebrated = row.id in wanted
                    session.add(row)
                event_id = self._sync_event(session, row)
                if event_id is not None:
                    changed.append(event_id)
        return changed

    def _sync_event(self, session: Any, row: CampaignDay) -> int | None:
        """Create or update the yearly event of a campaign day; returns its id when people should see a change."""
        from bot.services.calendar.recurrence import to_utc, zone

        names = json.loads(row.names)
        tz = zone(self.time_zone)
        start = datetime(FIRST_YEAR, row.month, row.day)
        status = EventStatus.confirmed if row.celebrated else EventStatus.cancelled
        uid = event_uid(row.id)
        event = session.exec(select(CalendarEvent).where(CalendarEvent.uid == uid)).first()
        now = self._now()
        values = {"kind": EventKind.campaign_day, "title": names.get("en", row.id)[:NAME_LIMIT], "language": "en",
                      "all_day": True, "start_local": start, "end_local": start + timedelta(days=1),
                      "time_zone": self.time_zone, "rrule": "FREQ=YEARLY", "audience": "all", "materials": row.links,
                      "campaign_day": row.id, "status": status}
        changed = False
        if event is None:
            event = CalendarEvent(uid=uid, starts_at=to_utc(start, tz), ends_at=None, created_at=now, updated_at=now,
                                  **values)
            session.add(event)
            session.flush()
        else:
            for name, value in values.items():
                if getattr(event, name) != value:
                    setattr(event, name, value)
                    changed = True
            if changed:
                event.sequence += 1
                event.starts_at = to_utc(start, tz)
                event.updated_at = now
                session.add(event)
                session.flush()
        translations = {tr.language: tr for tr in session.exec(
            select(EventTranslation).where(EventTranslation.event_id == event.id))}
        for language, name in names.items():
            if language == "en":
                continue
            existing = translations.get(language)
            if existing is None:
                session.add(EventTranslation(event_id=event.id, language=language, title=name[:NAME_LIMIT],
                                             machine=False, sequence=event.sequence))
            elif existing.title != name or existing.sequence != event.sequence:
                existing.title, existing.machine, existing.sequence = name[:NAME_LIMIT], False, event.sequence
                session.add(existing)
        return event.id if changed else None

