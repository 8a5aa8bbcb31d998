"""The one recording chat of the tests: a `Chat` port (bot.ports) that records what the bot sends.

`RecordingChat` is the port and nothing more (no optional ability, so the core takes its plainest path);
`EditingChat` adds editing and deleting (`EditableChat`); `PlatformChat` has every optional ability the
adapters have (edit, delete, post as someone, split) and records texts as the platform would show them.
Optional abilities are found by the core through their methods, which is why they are separate classes.

Every send is one `Sent` in `chat.sent`; `chat.of("dm")`, `chat.texts(person)`, `chat.posted` and
`chat.directs()` read them back. `chat.fail(target, *errors)` makes the next sends to `target` raise these
errors, in turn (a `ChatError` the platform answered, or a `ConnectionResetError` on the way).
`chat.hold()` keeps every send waiting until `chat.release()`: a platform that takes its time, without a
sleep; `await chat.wait_until(lambda: chat.posted)` waits for sends with a deadline, without polling.
The root fixture `chat` (tests/conftest.py) is a `RecordingChat` attached to the `core` fixture.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict, deque
from collections.abc import Callable
from dataclasses import dataclass, field

from bot.messages import Form, Identity, Reply
from bot.ports import Capabilities
from bot.richtext import RichText
from integrations.console import text as console_text
from integrations.discord import text as discord_text
from integrations.slack import text as slack_text


@dataclass
class Sent:
    """One thing the bot sent: `kind` is post, thread, dm, ephemeral, post_as, update or delete."""

    kind: str
    target: Identity  # the channel, or the person for a direct message
    text: str
    reply: Reply | None = None
    thread: str | None = None
    to: Identity | None = None  # the person of a direct message or of an ephemeral answer
    message_id: str = ""
    name: str = ""  # the display name of a post made as someone

    @property
    def direct(self) -> bool:
        return self.kind == "dm"

    @property
    def channel(self) -> Identity | None:
        return None if self.direct else self.target


#: What `chat.posted` lists: what stays in a channel or a direct conversation.
POSTED_KINDS = ("post", "thread", "dm", "post_as")


@dataclass
class RecordingChat:
    """A chat that records what it sends and answers each target with the errors a test queued for it."""

    platform: str = "console"
    capabilities: Capabilities = field(default_factory=Capabilities)
    sent: list[Sent] = field(default_factory=list)
    failures: dict[str, deque[BaseException]] = field(default_factory=lambda: defaultdict(deque))
    id_prefix: str = ""
    counter: int = 0
    #: Set while sends wait for `release()`; `sending` is set when one of them has begun.
    gate: asyncio.Event | None = None
    sending: asyncio.Event = field(default_factory=asyncio.Event)
    _changed: asyncio.Event = field(default_factory=asyncio.Event, repr=False)

    # ---------------------------------------------------------------- what a test does

    def fail(self, target: Identity, *errors: BaseException) -> None:
        """The next sends to `target` raise these errors, in turn."""
        self.failures[target.id].extend(errors)

    def hold(self) -> None:
        """Keep every send waiting (after `sending` is set) until `release()`: a platform slow to answer."""
        self.gate = asyncio.Event()

    def release(self) -> None:
        if self.gate is not None:
            self.gate.set()
        self.gate = None

    # ---------------------------------------------------------------- what a test reads

    @property
    def posted(self) -> list[Sent]:
        return [s for s in self.sent if s.kind in POSTED_KINDS]

    def of(self, kind: str) -> list[Sent]:
        return [s for s in self.sent if s.kind == kind]

    def texts(self, target: Identity | None = None) -> list[str]:
        """The texts posted (to `target`, when given), in order."""
        return [s.text for s in self.posted if target is None or s.target == target]

    async def wait_until(self, predicate: Callable[[], object], timeout: float = 5.0) -> None:
        """Wait until `predicate()` is true, looking again after each send; fail after `timeout` seconds."""
        async with asyncio.timeout(timeout):
            while not predicate():
                self._changed.clear()
                await self._changed.wait()

    def directs(self) -> list[tuple[Identity, Reply]]:
        """The direct messages, as (person, reply)."""
        return [(s.target, s.reply) for s in self.of("dm") if s.reply is not None]

    # ---------------------------------------------------------------- the port

    def shown(self, reply: Reply) -> str:
        """The text as recorded: the reply's own text (`PlatformChat` renders it as its platform does)."""
        return reply.text

    async def _record(self, sent: Sent, *, with_id: bool = True) -> str:
        self.sending.set()
        if self.gate is not None:
            await self.gate.wait()
        queued = self.failures.get(sent.target.id)
        if queued:
            raise queued.popleft()
        if with_id and not sent.message_id:
            self.counter += 1
            sent.message_id = f"{self.id_prefix}{self.counter}"
        self.sent.append(sent)
        self._changed.set()
        return sent.message_id

    async def post(self, channel: Identity, reply: Reply) -> str:
        return await self._record(Sent("post", channel, self.shown(reply), reply, reply.in_thread_of))

    async def reply_in_thread(self, channel: Identity, thread_id: str, reply: Reply) -> str:
        return await self._record(Sent("thread", channel, self.shown(reply), reply, thread_id))

    async def direct_message(self, user: Identity, reply: Reply) -> str:
        return await self._record(Sent("dm", user, self.shown(reply), reply, to=user))

    async def ephemeral(self, channel: Identity, user: Identity, reply: Reply) -> None:
        await self._record(Sent("ephemeral", channel, self.shown(reply), reply, to=user), with_id=False)

    async def open_form(self, user: Identity, form: Form, *, trigger: str | None = None) -> None:
        return None

    async def create_channel(self, workspace: str, name: str) -> Identity:
        return Identity(self.platform, workspace, name)


@dataclass
class EditingChat(RecordingChat):
    """The recording chat that can also edit and delete what it posted (`EditableChat`)."""

    async def update(self, channel: Identity, message_id: str, reply: Reply) -> None:
        await self._record(Sent("update", channel, self.shown(reply), reply, message_id=message_id))

    async def delete(self, channel: Identity, message_id: str) -> None:
        await self._record(Sent("delete", channel, "", message_id=message_id))

    def updates(self) -> list[tuple[str, str]]:
        """The edits, as (message id, new text)."""
        return [(s.message_id, s.text) for s in self.of("update")]


def _every_ability() -> Capabilities:
    return Capabilities(ephemeral=True, threads=True, post_as_other=True, max_message_length=40_000)


@dataclass
class PlatformChat(EditingChat):
    """A chat with every optional ability of the ports, recording texts as its platform would show them (long
    texts are cut by the platform's own splitter at `capabilities.max_message_length`)."""

    platform: str = "slack"
    capabilities: Capabilities = field(default_factory=_every_ability)
    id_prefix: str = "B"

    def shown(self, reply: Reply) -> str:
        if reply.rich is None:
            return reply.text
        if self.platform == "slack":
            return slack_text.render(reply.rich, quiet=reply.quiet)
        if self.platform == "discord":
            return discord_text.render(reply.rich)
        return console_text.render(reply.rich)

    def split(self, text: RichText) -> list[RichText]:
        limit = self.capabilities.max_message_length
        return discord_text.split(text, limit) if self.platform == "discord" else slack_text.split(text, limit)

    async def open_form(self, user: Identity, form: Form, *, trigger: str | None = None) -> None:
        raise NotImplementedError

    async def post_as(self, channel: Identity, reply: Reply, display_name: str, avatar_url: str | None) -> str:
        return await self._record(Sent("post_as", channel, self.shown(reply), reply, reply.in_thread_of,
                                       name=display_name))
