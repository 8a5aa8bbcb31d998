"""Broadcasts: the ICC team's message to every city's channel, a cluster, a region, or the coordinators by direct
message — previewed in each language, confirmed, translated once per language, delivered exactly once, reported live.

A broadcast is prepared (targets resolved, the text translated once into each language they read, a draft
stored) and shown to its sender; nothing goes out before the sender confirms. Confirming hands one delivery per
target to the outbox under the key `broadcast:<id>`, posts a report in the sender's conversation and updates it
in place (where the platform can edit) until every delivery has ended; the sender then gets a final summary.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import update
from sqlalchemy.engine import Engine
from sqlmodel import col, select

from bot.db import session_scope
from bot.errors import ROLE_HINTS, UserError
from bot.i18n import N_, negotiate, t
from bot.messages import Identity, Reply, Section
from bot.models import Member, Role
from bot.models.calendar import Broadcast, BroadcastState
from bot.ports import ChatError, EditableChat
from bot.services.audience import Audience, AudienceKind, AudienceService
from bot.services.delivery import DeliveryService, Outgoing
from bot.services.delivery_store import DeliveryReport
from bot.services.members import MemberService
from bot.settings import SUPPORTED_LOCALES

if TYPE_CHECKING:
    from bot.services.translation import TranslationEngine

log = logging.getLogger(__name__)

TEXT_LIMIT = 3000
VIA = ("channels", "people", "both")
#: How often the live report is updated (seconds).
REPORT_EVERY = 3.0
TABLE: Any = Broadcast.__table__  # type: ignore[attr-defined]

#: Why a delivery failed, in words.
REASONS = {
    ChatError.NOT_IN_CHANNEL: N_("the bot is not in the channel"),
    ChatError.CHANNEL_GONE: N_("the channel is archived or deleted"),
    ChatError.USER_GONE: N_("the person has left"),
    ChatError.FORBIDDEN: N_("the bot is not allowed there"),
    ChatError.REJECTED: N_("the platform refused the message"),
    ChatError.RATE_LIMITED: N_("the platform kept refusing (rate limit)"),
    ChatError.UNAVAILABLE: N_("the platform did not answer"),
    "expired": N_("no longer useful"),
}


@dataclass
class Targets:
    """Where a broadcast goes: channels with the language each reads, people (by direct message) with theirs."""

    channels: dict[Identity, str] = field(default_factory=dict)
    people: dict[Identity, str] = field(default_factory=dict)

    @property
    def count(self) -> int:
        return len(self.channels) + len(self.people)

    def locales(self) -> list[str]:
        found = set(self.channels.values()) | set(self.people.values())
        return [code for code in SUPPORTED_LOCALES if code in found]


@dataclass
class Preview:
    """A prepared broadcast: its draft, the text in each language, and what it will reach."""

    broadcast: Broadcast
    texts: dict[str, str]
    targets: Targets
    untranslated: list[str]


def item_of(broadcast_id: int) -> str:
    return f"broadcast:{broadcast_id}"


class Broadcasts:
    """Prepares, confirms, follows and reports broadcasts."""

    def __init__(self, engine: Engine, *, audiences: AudienceService, members: MemberService, delivery: DeliveryService,
                 translation: Callable[[], TranslationEngine | None], now: Callable[[], datetime],
                 sleep: Callable[[float], Awaitable[Any]] = asyncio.sleep) -> None:
        self.engine = engine
        self.audiences = audiences
        self.members = members
        self.delivery = delivery
        self.translation = translation
        self.now = now
        self.sleep = sleep
        self._following: set[asyncio.Task[None]] = set()

    # ------------------------------------------------------------ targets

    def parse_to(self, text: str, via: str) -> tuple[Audience, str]:
        """The audience and the way (`channels`, `people`, `both`); `coordinators` means every coordinator by DM."""
        raw = " ".join((text or "").split()).lower()
        via = (via or "").strip().lower() or "channels"
        if via not in VIA:
            raise UserError("“{value}” is not a way to send. Choose channels, people or both.", value=via[:20])
        if raw in ("coordinators", "role:coordinator"):
            return self.audiences.parse("role:coordinator"), "people"
        return self.audiences.parse(raw or "all"), via

    def targets(self, audience: Audience, via: str) -> Targets:
        found = Targets()
        default = self.members.default_locale
        if via in ("channels", "both") and audience.kind is not AudienceKind.role:
            cities = {city.id: city for city in self.audiences.cities(audience)} if audience.kind is not \
                AudienceKind.all else {city.id: city for city in self.audiences.cities_directory.all()}
            for city_id, channel in self.audiences.city_channels(audience):
                city = cities.get(city_id)
                spoken = [code for code in (city.language_list if city else []) if code in SUPPORTED_LOCALES]
                found.channels[channel] = spoken[0] if spoken else default
        if via in ("people", "both") or audience.kind is AudienceKind.role:
            roles = None if audience.kind is AudienceKind.role else [Role.coordinator]
            people = [Identity(m.platform, m.workspace_id, m.user_id) for m in self.audiences.people(audience,
                                                                                                    roles=roles)]
            found.people.update(self.members.locales_of(people))
        return found

    # ------------------------------------------------------------ prepare, confirm, cancel

    async def prepare(self, sender: Member, text: str, *, to: str = "all", via: str = "", language: str) -> Preview:
        """Check, resolve the targets, translate once per language, store a draft. Only the ICC team may."""
        if Role(sender.role) is not Role.icc_team:
            raise UserError("Only the ICC team can do this.", hint=ROLE_HINTS["icc_team"])
        cleaned = (text or "").replace("\x00", "").strip()
        if not cleaned:
            raise UserError("Write the message to send after the audience: /broadcast send to:all Your message.")
        if len(cleaned) > TEXT_LIMIT:
            raise UserError("The message is too long: {length} characters, at most {limit}.", length=len(cleaned),
                            limit=TEXT_LIMIT)
        audience, how = self.parse_to(to, via)
        targets = self.targets(audience, how)
        if not targets.count:
            raise UserError("Nobody would receive this: {audience} has no city channel or coordinator yet. Nothing "
                            "was sent.", audience=self.audiences.describe(audience, language))
        source = negotiate(language)
        texts, untranslated = await self._translate(cleaned, source, targets.locales())
        broadcast = Broadcast(sender_id=sender.id, text=cleaned, language=source, audience=str(audience), via=how,
                              texts=json.dumps(texts, ensure_ascii=False), targets=targets.count,
                              created_at=self.now())
        with session_scope(self.engine) as session:
            session.add(broadcast)
            session.flush()
            session.refresh(broadcast)
        return Preview(broadcast=broadcast, texts=texts, targets=targets, untranslated=untranslated)

    async def _translate(self, text: str, source: str, locales: list[str]) -> tuple[dict[str, str], list[str]]:
        """The text in each of `locales`: one translation per language (the original where none could be made)."""
        texts = {source: text}
        wanted = [code for code in locales if code != source]
        engine = self.translation()
        untranslated: list[str] = []
        if wanted and engine is not None:
            from bot.services.translation.languages import target_code

            targets = {code: target_code(code) for code in wanted}
            outcome = await engine.translate_text(text, targets=list(targets.values()), source=source,
                                                  scope="broadcast")
            for code, target in targets.items():
                translated = outcome.plain(target, text)
                if translated is None:
                    untranslated.append(code)
                else:
                    texts[code] = translated
        else:
            untranslated = wanted
        for code in untranslated:
            texts[code] = text  # nothing waits on DeepL: the original goes where no translation could be made
        return texts, untranslated

    def get(self, broadcast_id: int) -> Broadcast | None:
        with session_scope(self.engine) as session:
            return session.get(Broadcast, broadcast_id)

    def _move(self, broadcast_id: int, before: BroadcastState, after: BroadcastState, **values: Any) -> bool:
        with self.engine.begin() as connection:
            return bool(connection.execute(
                update(TABLE).where(TABLE.c.id == broadcast_id, TABLE.c.state == before.value)
                .values(state=after.value, **values)).rowcount)

    def _checked(self, broadcast_id: int, actor: Member) -> Broadcast:
        if Role(actor.role) is not Role.icc_team:
            raise UserError("Only the ICC team can do this.", hint=ROLE_HINTS["icc_team"])
        broadcast = self.get(broadcast_id)
        if broadcast is None:
            raise UserError("There is no broadcast #{id}.", id=broadcast_id)
        return broadcast

    def confirm(self, broadcast_id: int, actor: Member) -> Broadcast:
        """Send a previewed broadcast: one delivery per target, each once (pressing Confirm twice sends once)."""
        broadcast = self._checked(broadcast_id, actor)
        if not self._move(broadcast_id, BroadcastState.draft, BroadcastState.sending, confirmed_at=self.now()):
            raise UserError("Broadcast #{id} is already {state}.", id=broadcast_id, state=broadcast.state.value)
        texts: dict[str, str] = json.loads(broadcast.texts)
        targets = self.targets(self.audiences.parse(broadcast.audience), broadcast.via)
        item = item_of(broadcast_id)

        def message(locale: str) -> Reply:
            # The ICC team may notify a whole channel (@here, @channel): only their broadcasts allow it.
            return Reply(text=texts.get(locale) or broadcast.text, ephemeral=False, allow_broadcast_mentions=True)

        outgoing = [Outgoing(item=item, target=channel, reply=message(locale), locale=locale)
                    for channel, locale in targets.channels.items()]
        outgoing += [Outgoing(item=item, target=person, reply=message(locale), locale=locale, direct=True)
                     for person, locale in targets.people.items()]
        self.delivery.enqueue(outgoing)
        with self.engine.begin() as connection:
            connection.execute(update(TABLE).where(TABLE.c.id == broadcast_id).values(targets=len(outgoing)))
        self.delivery.kick()
        found = self.get(broadcast_id)
        assert found is not None
        return found

    def cancel(self, broadcast_id: int, actor: Member) -> None:
        broadcast = self._checked(broadcast_id, actor)
        if not self._move(broadcast_id, BroadcastState.draft, BroadcastState.cancelled):
            raise UserError("Broadcast #{id} is already {state}.", id=broadcast_id, state=broadcast.state.value)

    # ------------------------------------------------------------ reports

    def report(self, broadcast_id: int) -> DeliveryReport:
        return self.delivery.report(item_of(broadcast_id))

    def report_reply(self, broadcast: Broadcast, locale: str, *, final: bool = False) -> Reply:
        """Where a broadcast's deliveries are, in words: delivered, pending, failed with the reasons."""
        assert broadcast.id is not None
        report = self.report(broadcast.id)
        counts = report.counts
        failed = counts["failed"] + counts["given_up"]
        pending = counts["pending"] + counts["sending"]
        title = (t(locale, "Broadcast #{id} is finished.", id=broadcast.id) if final or report.finished and
                 broadcast.state is not BroadcastState.draft else t(locale, "Broadcast #{id} is on its way.",
                                                                    id=broadcast.id))
        if broadcast.state is BroadcastState.draft:
            title = t(locale, "Broadcast #{id} is waiting for confirmation.", id=broadcast.id)
        elif broadcast.state is BroadcastState.cancelled:
            title = t(locale, "Broadcast #{id} was cancelled.", id=broadcast.id)
        lines = [t(locale, "Delivered: {sent} · Pending: {pending} · Failed: {failed} (of {total})",
                   sent=counts["sent"], pending=pending, failed=failed, total=broadcast.targets)]
        reasons = Counter(reason for _, _, _, reason in report.failures)
        for reason, number in reasons.most_common():
            label = t(locale, REASONS[reason]) if reason in REASONS else reason
            lines.append(f"• {label}: {number}")
        for target, direct, _, reason in report.failures[:10]:
            label = t(locale, REASONS[reason]) if reason in REASONS else reason
            lines.append(f"  – {'@' if direct else '#'}{target.id} ({target.platform}): {label}")
        excerpt = broadcast.text if len(broadcast.text) <= 120 else broadcast.text[:119] + "…"
        return Reply(text=title, sections=[Section(text="\n".join(lines)), Section(text=excerpt)], ephemeral=False)

    def history(self, limit: int = 10) -> list[Broadcast]:
        with session_scope(self.engine) as session:
            return list(session.exec(select(Broadcast).order_by(col(Broadcast.id).desc()).limit(limit)))

    def unfinished(self) -> list[Broadcast]:
        with session_scope(self.engine) as session:
            return list(session.exec(select(Broadcast).where(Broadcast.state == BroadcastState.sending)))

    # ------------------------------------------------------------ the live report

    async def start_report(self, broadcast_id: int, channel: Identity, locale: str) -> None:
        """Post the live report in `channel` (where the sender confirmed) and keep it up to date."""
        broadcast = self.get(broadcast_id)
        chat = self.delivery.chats.get(channel.platform)
        if broadcast is None or chat is None:
            return
        try:
            message_id = await chat.post(channel, self.report_reply(broadcast, locale))
        except ChatError as exc:
            log.info("broadcast %s: no live report in %s (%s)", broadcast_id, channel, exc.kind)
            return
        with self.engine.begin() as connection:
            connection.execute(update(TABLE).where(TABLE.c.id == broadcast_id).values(
                report_platform=channel.platform, report_workspace=channel.workspace, report_channel=channel.id,
                report_message=str(message_id)))
        task = asyncio.create_task(self.follow(broadcast_id, locale))
        self._following.add(task)
        task.add_done_callback(self._following.discard)

    async def follow(self, broadcast_id: int, locale: str) -> None:
        """Update the live report every few seconds until every delivery has ended."""
        while not await self.refresh(broadcast_id, locale):
            await self.sleep(REPORT_EVERY)

    async def refresh(self, broadcast_id: int, locale: str | None = None) -> bool:
        """Update the live report once; when every delivery has ended, send the sender the final summary (once)
        and return True."""
        broadcast = self.get(broadcast_id)
        if broadcast is None or broadcast.state is not BroadcastState.sending:
            return True
        sender = self.members.get(broadcast.sender_id) if broadcast.sender_id else None
        locale = locale or self.members.locale_for(sender)
        finished = self.report(broadcast_id).finished
        if finished and not self._move(broadcast_id, BroadcastState.sending, BroadcastState.done,
                                       finished_at=self.now()):
            return True  # another process finished it
        if finished:
            broadcast.state = BroadcastState.done
        await self._update_report(broadcast, locale, final=finished)
        if finished and sender is not None:
            self.delivery.to_person(f"{item_of(broadcast_id)}:summary",
                                    Identity(sender.platform, sender.workspace_id, sender.user_id),
                                    lambda person_locale: self.report_reply(broadcast, person_locale, final=True))
            self.delivery.kick()
        return finished

    async def _update_report(self, broadcast: Broadcast, locale: str, *, final: bool) -> None:
        if not broadcast.report_message:
            return
        chat = self.delivery.chats.get(broadcast.report_platform)
        if not isinstance(chat, EditableChat):
            return  # a platform that cannot edit: the final summary says it all
        channel = Identity(broadcast.report_platform, broadcast.report_workspace, broadcast.report_channel)
        try:
            await chat.update(channel, broadcast.report_message, self.report_reply(broadcast, locale, final=final))
        except ChatError as exc:
            log.info("broadcast %s: the live report could not be updated (%s)", broadcast.id, exc.kind)

    async def refresh_all(self) -> int:
        """Bring every unfinished broadcast's report up to date (the scheduler's tick: a restarted process)."""
        done = 0
        for broadcast in self.unfinished():
            if broadcast.id is not None and await self.refresh(broadcast.id):
                done += 1
        return done
