"""The bridge: a cluster's channels on Slack and Discord are one conversation.

A message written in one of them is copied into the others under its author's name and picture, translated
into the languages the receiving channel is read in (its translation settings), with its files linked and
every mention written as a plain name. Replies in a thread go into the copy's thread; edits and deletions
follow; reactions too when the cluster asked for it. The bot's own posts (copies and translations) are never
copied back, so nothing echoes or loops.

Every copy goes through the delivery outbox (one row per message and channel, sent in order per channel):
a platform that is down gets its copies, in order, once it is back, and a restart loses nothing. The map from
each original to its copies is kept in the database (`BridgedCopy`). The translation is asked for as soon as
the message arrives, while its row waits for its turn; the row is sent with it.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping, Sequence

from bot.i18n import t
from bot.messages import Identity, MessageDeleted, MessageEdited, MessagePosted, ReactionAdded, Reply
from bot.models import TranslationMode
from bot.ports import CHANNEL_ARCHIVED, CHANNEL_GONE, CHANNEL_NO_ACCESS, Chat, ChatError, Clock, Directory
from bot.richtext import RichText
from bot.services.bridge.compose import Written, copy_text, plain_names
from bot.services.bridge.ports import Attempt, CopiesFor, CopyPosting
from bot.services.bridge.store import BridgeStore, Link, Origin
from bot.services.clusters.channels import STATE_NOTES, ClusterChannels, platform_label
from bot.services.delivery import DeliveryService, Outgoing
from bot.services.delivery_store import Claim
from bot.services.translation.channels import ChannelSettings
from bot.services.translation.engine import Outcome, TranslationEngine
from bot.services.translation.languages import speaks, target_code
from bot.services.translation.recent import Recent

log = logging.getLogger(__name__)

#: The outbox items of the bridge: `bridge:<original>` (its copy), `…:edit:<version>`, `…:delete`, `…:react:<emoji>`.
ITEM = "bridge:"
#: What the bridge tells a channel whose partner channel it can no longer reach.
NOTE_ITEM = "bridge-note:"
#: What the platform said, when it means the channel can no longer be written to.
LOST = (ChatError.CHANNEL_GONE, ChatError.NOT_IN_CHANNEL, ChatError.FORBIDDEN)

#: A message as a person wrote it: posted, or edited.
AsWritten = MessagePosted | MessageEdited


class Bridge:
    """Copies the messages of bridged channels (a cluster's channels) into each other."""

    def __init__(
        self,
        *,
        store: BridgeStore,
        delivery: DeliveryService,
        channels: ChannelSettings,
        translation: TranslationEngine,
        cluster_channels: ClusterChannels,
        clock: Clock,
        copiers: Mapping[str, CopiesFor] | None = None,
    ) -> None:
        self.store = store
        self.delivery = delivery
        self.channels = channels
        self.engine = translation
        self.cluster_channels = cluster_channels
        self.clock = clock
        #: platform -> how to make its copier from its chat (given by the wiring).
        self.copiers: dict[str, CopiesFor] = dict(copiers or {})
        self._copies: dict[str, tuple[Chat, CopyPosting]] = {}
        #: outbox item -> (languages, the translation asked for when the message arrived)
        self._translations: Recent = Recent(5_000)
        #: (channel, message, emoji) the bridge reacted with: their echo is not carried back.
        self._reacted: Recent = Recent(5_000)
        #: original -> what its copies say (an "edit" that changes nothing, like Slack's when a thread gets a
        #: reply, is not carried).
        self._said: Recent = Recent(20_000)
        delivery.route(ITEM, self.send)

    # ------------------------------------------------------------ what comes in

    async def message_posted(self, event: MessagePosted, chat: Chat) -> None:
        """A person wrote in a bridged channel: its copies wait in the outbox, their translation is asked for."""
        if event.author_is_bot:
            return
        link = self.store.link(event.channel)
        if link is None:
            return
        origin = Origin(event.channel, event.message_id)
        written = await self._written("post", link, event, chat)
        self._said.put(origin.key, written.said())
        self._enqueue(f"{ITEM}{origin.key}", written, link)

    async def message_edited(self, event: MessageEdited, chat: Chat) -> None:
        """A bridged message was changed: its copies are changed too (in order after everything before)."""
        if event.author_is_bot:
            return
        link = self.store.link(event.channel)
        if link is None or self.store.origin_of(event.channel, event.message_id) is not None:
            return
        origin = Origin(event.channel, event.message_id)
        written = await self._written("edit", link, event, chat)
        said = written.said()
        if self._said.get(origin.key) == said:
            return
        self._said.put(origin.key, said)
        self._enqueue(f"{ITEM}{origin.key}:edit:{said}:{self.clock.now().timestamp():.6f}", written, link)

    async def message_deleted(self, event: MessageDeleted, chat: Chat) -> None:
        """A bridged message was removed: so are its copies. A copy removed by a moderator stays removed alone."""
        link = self.store.link(event.channel)
        if link is None or self.store.origin_of(event.channel, event.message_id) is not None:
            return
        written = Written(kind="delete", cluster_id=link.cluster_id, origin=_origin_tuple(event.channel,
                                                                                          event.message_id))
        self._enqueue(f"{ITEM}{Origin(event.channel, event.message_id).key}:delete", written, link)

    async def reaction_added(self, event: ReactionAdded, chat: Chat) -> None:
        """A reaction on a bridged message (or a copy): the same reaction on its other versions, when the
        cluster carries reactions."""
        if (str(event.channel), event.message_id, event.emoji) in self._reacted:
            return  # the bridge's own
        link = self.store.link(event.channel)
        if link is None or not link.mirror_reactions:
            return
        original = self.store.origin_of(event.channel, event.message_id) or Origin(event.channel, event.message_id)
        written = Written(kind="react", cluster_id=link.cluster_id,
                          origin=_origin_tuple(original.channel, original.message_id), emoji=event.emoji)
        self._enqueue(f"{ITEM}{original.key}:react:{event.emoji}", written, link)

    async def _written(self, kind: str, link: Link, event: AsWritten, chat: Chat) -> Written:
        name, avatar = event.display_name, event.avatar_url
        if (not name or not avatar) and isinstance(chat, Directory):
            try:
                found_name, found_avatar = await chat.person_profile(event.author)
            except Exception:
                log.info("no profile for %s", event.author)
            else:
                name, avatar = name or found_name, avatar or found_avatar
        return Written(kind=kind, cluster_id=link.cluster_id, origin=_origin_tuple(event.channel, event.message_id),
                       thread=event.thread_id, name=name or event.author.id, avatar_url=avatar,
                       text=await plain_names(event.text, chat, event.channel.workspace), files=list(event.files))

    def _enqueue(self, item: str, written: Written, link: Link) -> None:
        # Only where copies can be posted (not a local console's channel).
        partners = [partner for partner in link.partners if partner.platform in self.copiers]
        if not partners:
            return
        written.version = item
        if written.kind in ("post", "edit") and written.text:
            self._translate_early(item, written, partners)
        payload = written.payload()
        self.delivery.enqueue(Outgoing(item=item, target=partner, reply=Reply(text=""), locale="", payload=payload)
                              for partner in partners)
        self.delivery.kick()

    # ------------------------------------------------------------ translation

    def languages_of(self, channel: Identity) -> list[str]:
        """The languages a copy into `channel` is translated into: none when its translation is off."""
        row = self.channels.settings(channel)
        if row is None or row.mode is TranslationMode.off:
            return []
        return [target_code(code) for code in self.channels.languages(channel)]

    def _translate_early(self, item: str, written: Written, partners: Sequence[Identity]) -> None:
        """Ask for every language the copies need at once (one request per language, shared with the channel's
        own translations), while the copies wait for their turn in the outbox."""
        wanted = list(dict.fromkeys(code for partner in partners for code in self.languages_of(partner)))
        if not wanted:
            return
        scope = self.channels.scope_of(_channel(written))
        task = self.engine.spawn(self.engine.translate_text(written.text, targets=wanted, scope=scope))
        self._translations.put(item, (frozenset(wanted), task))

    async def _translated(self, written: Written, languages: list[str]) -> Outcome:
        if not languages or not written.text:
            return Outcome()
        early = self._translations.get(written.version)
        try:
            if early is not None and early[0] >= set(languages):
                outcome: Outcome = await asyncio.shield(early[1])
                return outcome
            return await self.engine.translate_text(written.text, targets=languages,
                                                    scope=self.channels.scope_of(_channel(written)))
        except Exception:
            log.exception("bridge: translation failed; the copy goes as written")
            return Outcome()

    async def _copy_text(self, written: Written, target: Identity) -> RichText:
        languages = self.languages_of(target)
        outcome = await self._translated(written, languages)
        translations = [(code, outcome.texts[code]) for code in languages if code in outcome.texts]
        return copy_text(written.text, written.files, translations)

    # ------------------------------------------------------------ sending (the outbox calls `send`)

    def copies_on(self, chat: Chat) -> CopyPosting:
        """The copier of `chat`'s platform; `ChatError(forbidden)` where the bridge cannot post."""
        made = self._copies.get(chat.platform)
        if made is not None and made[0] is chat:
            return made[1]
        factory = self.copiers.get(chat.platform)
        if factory is None:
            raise ChatError(ChatError.FORBIDDEN, detail=f"no bridge on {chat.platform}")
        copies = factory(chat)
        self._copies[chat.platform] = (chat, copies)
        return copies

    async def send(self, claim: Claim, chat: Chat) -> str:
        """Do what one outbox row of the bridge asks in its channel; returns the (first) copy's id."""
        written = Written.from_payload(claim.payload)
        copies = self.copies_on(chat)
        origin = Origin(_channel(written), written.origin[3])
        try:
            if written.kind == "post":
                return await self._post(written, origin, claim, copies)
            if written.kind == "edit":
                return await self._edit(written, origin, claim.target, copies)
            if written.kind == "delete":
                for row in (rows := self.store.copies(origin, claim.target)):
                    await copies.delete_copy(claim.target, row.message_id, row.thread_id)
                self.store.remove(row.id for row in rows)
                return ""
            return await self._react(written, origin, claim.target, copies)
        except ChatError as exc:
            if exc.kind in LOST:
                self._lost(claim.target, origin.channel, exc)
            raise

    async def _post(self, written: Written, origin: Origin, claim: Claim, copies: CopyPosting) -> str:
        target = claim.target
        # Parts an attempt that did not finish posted and remembered (a first attempt has none).
        existing = {row.part: row for row in self.store.copies(origin, target)} if claim.attempts > 1 else {}
        parts = copies.split(await self._copy_text(written, target))
        thread = self._thread_in(written, origin, target)
        first = existing[0].message_id if 0 in existing else ""
        for part, piece in enumerate(parts):
            if part in existing:
                continue
            attempt = Attempt(claim.key, part, claim.maybe_sent, claim.created_at)
            message_id, thread_id = await copies.post_copy(target, piece, name=written.name,
                                                           avatar_url=written.avatar_url, thread=thread,
                                                           attempt=attempt)
            self.store.add(cluster_id=written.cluster_id, origin=origin, target=target, part=part,
                           message_id=message_id, thread_id=thread_id, now=self.clock.now())
            first = first or message_id
        return first

    def _thread_in(self, written: Written, origin: Origin, target: Identity) -> str | None:
        """The message of `target` whose thread a reply goes into: the copy of the thread's first message, or that
        message itself when it was written there (a thread opened on a copy)."""
        if written.thread is None:
            return None
        root = self.store.origin_of(origin.channel, written.thread) or Origin(origin.channel, written.thread)
        if root.channel == target:
            return root.message_id
        rows = self.store.copies(root, target)
        return rows[0].message_id if rows else None

    async def _edit(self, written: Written, origin: Origin, target: Identity, copies: CopyPosting) -> str:
        existing = self.store.copies(origin, target)
        if not existing:
            return ""  # never copied (its channel was not reachable): nothing to change
        parts = copies.split(await self._copy_text(written, target))
        for part, piece in enumerate(parts):
            if part < len(existing):
                await copies.edit_copy(target, existing[part].message_id, existing[part].thread_id, piece)
            else:
                message_id, thread_id = await copies.post_copy(target, piece, name=written.name,
                                                               avatar_url=written.avatar_url,
                                                               thread=existing[0].thread_id)
                self.store.add(cluster_id=written.cluster_id, origin=origin, target=target, part=part,
                               message_id=message_id, thread_id=thread_id, now=self.clock.now())
        surplus = existing[len(parts):]
        for row in surplus:
            await copies.delete_copy(target, row.message_id, row.thread_id)
        self.store.remove(row.id for row in surplus)
        return existing[0].message_id

    async def _react(self, written: Written, origin: Origin, target: Identity, copies: CopyPosting) -> str:
        if target == origin.channel:
            message_id, thread = origin.message_id, None
        else:
            rows = self.store.copies(origin, target)
            if not rows:
                return ""
            message_id, thread = rows[0].message_id, rows[0].thread_id
        self._reacted.put((str(target), message_id, written.emoji), True)
        await copies.react(target, message_id, thread, written.emoji)
        return message_id

    # ------------------------------------------------------------ a channel that cannot be reached

    def _lost(self, target: Identity, origin_channel: Identity, error: ChatError) -> None:
        """`target` is archived, deleted, or the bot is out of it: say so once where its copies came from, and
        copy nothing more there until it is fixed (`/cluster link`)."""
        if error.kind == ChatError.CHANNEL_GONE:
            state = CHANNEL_ARCHIVED if "archived" in error.detail else CHANNEL_GONE
        else:
            state = CHANNEL_NO_ACCESS
        row = self.cluster_channels.of_channel(target)
        if row is None or row.state == state:
            return
        log.warning("bridge: %s is %s (%s); no more copies go there", target, state, error.detail)
        self.cluster_channels.mark(row, state)
        self.store.forget()
        languages = self.channels.languages(origin_channel)
        locales = list(dict.fromkeys([speaks(code) or "en" for code in languages] or ["en"]))
        text = "\n".join(t(locale, STATE_NOTES[state], channel=row.name or row.channel_id,
                           platform=platform_label(target.platform)) for locale in locales)
        self.delivery.enqueue([Outgoing(item=f"{NOTE_ITEM}{target}:{state}:{self.clock.now():%Y-%m-%d}",
                                        target=origin_channel, reply=Reply(text=text, ephemeral=False),
                                        locale=locales[0])])
        self.delivery.kick()


def _origin_tuple(channel: Identity, message_id: str) -> tuple[str, str, str, str]:
    return channel.platform, channel.workspace, channel.id, message_id


def _channel(written: Written) -> Identity:
    return Identity(*written.origin[:3])

