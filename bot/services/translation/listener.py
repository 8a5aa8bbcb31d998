"""The channel listener: every message of a translated channel, in every language its readers need.

In `thread` mode one reply under the message holds every translation, each under its language and
"machine-translated"; in `mirror` mode each language has a sibling channel where the message is posted under its
author's name. Edits and deletions of a message follow into its translations. The bot's own posts and other
bots' are never translated, so no loop is possible between mirror channels. When translation pauses (or a
cluster's budget is spent) originals stay as they are and the channel is told once, in its languages.
"""

from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import Callable, Sequence
from datetime import timedelta

from bot.i18n import N_, t
from bot.messages import Identity, MessageDeleted, MessageEdited, MessagePosted, Reply
from bot.models import MirrorChannel, TranslatedPost, TranslationMode
from bot.ports import ChannelDirectory, Chat, EditableChat, MessageSplitting, PostingAs
from bot.richtext import RichText, Style, Styled
from bot.services.members import MemberService
from bot.services.translation.channels import ChannelSettings
from bot.services.translation.engine import Outcome, TranslationEngine, month_of
from bot.services.translation.languages import display_name, flag_of, speaks, target_code
from bot.services.translation.quota import QuotaWatch
from bot.services.translation.recent import Recent

log = logging.getLogger(__name__)

BUDGET_NOTICE = N_("This cluster has used its translation budget for this month. Messages are delivered as "
                   "written until next month, or until a coordinator raises the budget with /translation budget.")
#: How often the platform is asked who is in a translated channel.
DIRECTORY_EVERY = timedelta(minutes=30)

#: A message as it is now: posted, or edited.
Written = MessagePosted | MessageEdited


class ChannelListener:
    """Translates translated channels' messages, and follows their edits and deletions."""

    def __init__(self, *, engine: TranslationEngine, channels: ChannelSettings, members: MemberService,
                 quota: QuotaWatch | None = None) -> None:
        self.engine = engine
        self.channels = channels
        self.store = engine.store
        self.clock = engine.clock
        self.members = members
        self.quota = quota
        self._recent_messages: Recent = Recent(5_000)
        self._thread_last: Recent = Recent(5_000)
        self._own_posts: Recent = Recent(20_000)
        self._known_readers: Recent = Recent(50_000)
        self._directory_checked: Recent = Recent(5_000)
        self._told: Recent = Recent(5_000)

    def recent_text(self, channel: Identity, message_id: str) -> RichText | None:
        """The text of a message posted a while ago in a channel the bot listens to (for flag reactions)."""
        text: RichText | None = self._recent_messages.get((str(channel), message_id))
        return text

    # ------------------------------------------------------------ what comes in

    async def message_posted(self, event: MessagePosted, chat: Chat) -> None:
        """A new message: remember who reads the channel, and translate it (thread or mirror mode)."""
        if event.author_is_bot or self._is_own(event.channel, event.message_id):
            return
        self._remember(event)
        self._learn_reader(event)
        row = self.channels.settings(event.channel)
        if row is None or row.mode is TranslationMode.off:
            return
        if isinstance(chat, ChannelDirectory):
            self.engine.spawn(self._learn_from_platform(chat, event.channel))
        if row.mode is TranslationMode.thread:
            await self._translate_into_thread(event, chat)
        else:
            await self._mirror(event, chat)
        self._after(chat)

    async def message_edited(self, event: MessageEdited, chat: Chat) -> None:
        """An edited message: its translations are edited too (or made, when it had none in thread mode)."""
        if event.author_is_bot or self._is_own(event.channel, event.message_id):
            return
        self._remember(event)
        row = self.channels.settings(event.channel)
        if row is None or row.mode is TranslationMode.off:
            return
        posts = self.store.posts_for(event.channel, event.message_id)
        if not posts:
            if row.mode is TranslationMode.thread:
                await self._translate_into_thread(event, chat)
                self._after(chat)
            return
        if not isinstance(chat, EditableChat):
            log.info("%s cannot edit posts: translations of %s stay as they were", chat.platform, event.message_id)
            return
        if row.mode is TranslationMode.thread:
            languages = self.channels.languages(event.channel)
            outcome = await self._translate(event, languages)
            if not (outcome.paused or outcome.over_budget):  # else the old translation stays until the next edit
                wanted = self._thread_posts(outcome, languages, chat)
                await self._replace(chat, event, [p for p in posts if p.language == "*"], wanted, "*")
        else:
            mirrors = self.channels.mirrors(event.channel)
            outcome = await self._translate(event, [m.language for m in mirrors])
            for mirror in mirrors:
                wanted = split_for(chat, outcome.texts.get(mirror.language, event.text))
                await self._replace(chat, event, [p for p in posts if p.language == mirror.language], wanted,
                                    mirror.language)
        self._after(chat)

    async def message_deleted(self, event: MessageDeleted, chat: Chat) -> None:
        """A deleted message: its translations are deleted too."""
        posts = self.store.posts_for(event.channel, event.message_id)
        if not posts:
            return
        if not isinstance(chat, EditableChat):
            log.info("%s cannot delete posts: translations of %s stay", chat.platform, event.message_id)
            return
        for post in posts:
            try:
                await chat.delete(Identity(post.platform, post.workspace_id, post.post_channel_id),
                                  post.post_message_id)
            except Exception:
                log.exception("could not delete translation %s", post.post_message_id)
        self.store.forget_posts(post.id for post in posts if post.id is not None)

    def _after(self, chat: Chat) -> None:
        self.engine.save()  # the translations just posted, now that nobody waits for them
        if self.quota is not None and self.quota.due():
            self.engine.spawn(self.quota.check())

    # ------------------------------------------------------------ who reads a channel, what was said

    def _is_own(self, channel: Identity, message_id: str) -> bool:
        return (str(channel), message_id) in self._own_posts

    def _remember(self, event: Written) -> None:
        self._recent_messages.put((str(event.channel), event.message_id), event.text)

    def _learn_reader(self, event: MessagePosted) -> None:
        key = (str(event.channel), str(event.author))
        if key in self._known_readers:
            return
        member = self.members.get_or_create(event.author, display_name=event.display_name)
        if member.id is not None:
            self.channels.add_readers(event.channel, [member.id])
        self._known_readers.put(key, True)

    async def _learn_from_platform(self, chat: ChannelDirectory, channel: Identity) -> None:
        key = str(channel)
        checked = self._directory_checked.get(key)
        now = self.clock.now()
        if checked is not None and now - checked < DIRECTORY_EVERY:
            return
        self._directory_checked.put(key, now)
        try:
            people = await chat.channel_members(channel)
        except Exception:
            log.exception("could not list the members of %s", channel)
            return
        self.channels.add_readers(channel, self.channels.members_by_identity(people, channel))

    def _context_for(self, event: Written) -> str | None:
        if event.thread_id is None:
            return None
        context: str | None = self._thread_last.get((str(event.channel), event.thread_id))
        return context

    async def _translate(self, event: Written, targets: list[str],
                         finish: Callable[[str, RichText], RichText] | None = None) -> Outcome:
        outcome = await self.engine.translate_text(
            event.text, targets=targets, scope=self.channels.scope_of(event.channel),
            context=self._context_for(event), finish=finish,
        )
        root = event.thread_id or event.message_id
        self._thread_last.put((str(event.channel), root), event.text.plain())
        return outcome

    # ------------------------------------------------------------ thread mode

    async def _translate_into_thread(self, event: Written, chat: Chat) -> None:
        languages = self.channels.languages(event.channel)
        if not languages:
            return
        outcome = await self._translate(event, languages, thread_section)
        root = event.thread_id or event.message_id
        if await self._tell_if_stopped(outcome, event, chat, languages):
            return
        ids = []
        for text in self._thread_posts(outcome, languages, chat):
            ids.append(await chat.reply_in_thread(event.channel, root, Reply(
                text="", rich=text, quiet=True, ephemeral=False, in_thread_of=root)))
        self._record_posts(event, [("*", part, event.channel.id, post_id) for part, post_id in enumerate(ids)])

    def _thread_posts(self, outcome: Outcome, languages: Sequence[str], chat: Chat) -> list[RichText]:
        """The thread reply: each translation under its language and "machine-translated", in as many posts as
        the platform needs."""
        sections = []
        for target in languages:
            code = target_code(target)
            if code in outcome.texts:
                sections.append(outcome.sections.get(code) or thread_section(code, outcome.texts[code]))
        return split_for(chat, RichText.of("\n\n").join(sections)) if sections else []

    def _record_posts(self, event: Written, posts: list[tuple[str, int, str, str]]) -> None:
        rows = []
        for language, part, channel_id, post_id in posts:
            self._own_posts.put((f"{event.channel.platform}:{event.channel.workspace}:{channel_id}", post_id), True)
            rows.append(TranslatedPost(platform=event.channel.platform, workspace_id=event.channel.workspace,
                                       channel_id=event.channel.id, message_id=event.message_id, language=language,
                                       part=part, post_channel_id=channel_id, post_message_id=post_id,
                                       created_at=self.clock.now()))
        self.store.add_posts(rows)

    async def _tell_if_stopped(self, outcome: Outcome, event: Written, chat: Chat, languages: Sequence[str]) -> bool:
        """Tell the channel once that translation is paused (or its budget is spent); True when it is."""
        if outcome.paused:
            key = (self.engine.breaker.opened, str(event.channel))
            if key not in self._told:
                self._told.put(key, True)
                await self._notice(chat, event.channel, languages, self.engine.pause_notice)
            return True
        if outcome.over_budget:
            scope = self.channels.scope_of(event.channel)
            if self.store.claim_notice("budget", scope, month_of(self.clock.now())):
                await self._notice(chat, event.channel, languages, lambda locale: t(locale, BUDGET_NOTICE))
            return True
        return False

    async def _notice(self, chat: Chat, channel: Identity, languages: Sequence[str],
                      text_in: Callable[[str], str]) -> None:
        locales = list(dict.fromkeys([speaks(code) or "en" for code in languages] or ["en"]))
        text = "\n".join(text_in(locale) for locale in locales)
        try:
            await chat.post(channel, Reply(text=text, ephemeral=False))
        except Exception:
            log.exception("could not tell %s that translation stopped", channel)

    # ------------------------------------------------------------ mirror mode

    async def _mirror(self, event: MessagePosted, chat: Chat) -> None:
        mirrors = self.channels.mirrors(event.channel)
        if not mirrors:
            return
        outcome = await self._translate(event, [m.language for m in mirrors])
        await self._tell_if_stopped(outcome, event, chat, [m.language for m in mirrors])
        # The original goes to every sibling all the same.

        async def one(mirror: MirrorChannel) -> list[tuple[str, int, str, str]]:
            sibling = Identity(event.channel.platform, event.channel.workspace, mirror.channel_id)
            texts = split_for(chat, outcome.texts.get(mirror.language, event.text))
            thread = self._mirrored_thread(event, mirror)
            ids = []
            for part in texts:
                ids.append(await self._post_as_author(chat, sibling, part, event, thread))
            return [(mirror.language, i, mirror.channel_id, post_id) for i, post_id in enumerate(ids)]

        results = await asyncio.gather(*(one(m) for m in mirrors), return_exceptions=True)
        posts = []
        for mirror, result in zip(mirrors, results, strict=True):
            if isinstance(result, BaseException):
                log.error("could not mirror a message into %s: %r", mirror.channel_id, result)
            else:
                posts.extend(result)
        self._record_posts(event, posts)

    def _mirrored_thread(self, event: MessagePosted, mirror: MirrorChannel) -> str | None:
        if event.thread_id is None:
            return None
        for post in self.store.posts_for(event.channel, event.thread_id):
            if post.language == mirror.language and post.part == 0:
                return post.post_message_id
        return None

    async def _post_as_author(self, chat: Chat, channel: Identity, text: RichText, event: Written,
                              thread: str | None) -> str:
        name = event.display_name or event.author.id
        if isinstance(chat, PostingAs) and chat.capabilities.post_as_other:
            return await chat.post_as(channel, Reply(text="", rich=text, quiet=True, ephemeral=False,
                                                     in_thread_of=thread), name, event.avatar_url)
        reply = Reply(text="", rich=RichText.of(Styled(Style.bold, (name,)), ": ", text), quiet=True,
                      ephemeral=False, in_thread_of=thread)
        if thread is not None:
            return await chat.reply_in_thread(channel, thread, reply)
        return await chat.post(channel, reply)

    # ------------------------------------------------------------ edits follow

    async def _replace(self, chat: Chat, event: MessageEdited, old: list[TranslatedPost], texts: list[RichText],
                       language: str) -> None:
        assert isinstance(chat, EditableChat)
        old.sort(key=lambda post: post.part)
        added = []
        for part, text in enumerate(texts):
            if part < len(old):
                post = old[part]
                await chat.update(Identity(post.platform, post.workspace_id, post.post_channel_id),
                                  post.post_message_id, Reply(text="", rich=text, quiet=True, ephemeral=False))
            elif old:
                channel = Identity(event.channel.platform, event.channel.workspace, old[0].post_channel_id)
                root = event.thread_id or event.message_id
                if language == "*":
                    post_id = await chat.reply_in_thread(channel, root, Reply(
                        text="", rich=text, quiet=True, ephemeral=False, in_thread_of=root))
                else:
                    post_id = await self._post_as_author(chat, channel, text, event, None)
                added.append((language, part, old[0].post_channel_id, post_id))
        surplus = old[len(texts):]
        for post in surplus:
            await chat.delete(Identity(post.platform, post.workspace_id, post.post_channel_id), post.post_message_id)
        self.store.forget_posts(post.id for post in surplus if post.id is not None)
        self._record_posts(event, added)


def split_for(chat: Chat, text: RichText) -> list[RichText]:
    """`text` in as many posts as `chat` needs (cut by the platform's own splitter)."""
    return chat.split(text) if isinstance(chat, MessageSplitting) else [text]


@functools.lru_cache(maxsize=256)
def section_header(code: str) -> RichText:
    """"🇩🇪 *Deutsch* · _maschinell übersetzt_": the language in itself, and "machine-translated" in it."""
    locale = speaks(code) or "en"
    return RichText.of(f"{flag_of(code)} ", Styled(Style.bold, (display_name(code, locale),)), " · ",
                       Styled(Style.italic, (t(locale, "machine-translated"),)))


def thread_section(code: str, text: RichText) -> RichText:
    """One language of a thread reply: its name, "machine-translated", and the translation."""
    return RichText.of(section_header(code), "\n", text)
