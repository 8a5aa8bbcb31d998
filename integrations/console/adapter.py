"""A terminal chat: you choose who you are and where you speak, then type commands and messages.

Works the same with a person at the keyboard and with its input piped in (tests, scripts). Forms are asked
field by field, each answer checked at once, because a terminal has no modals.
"""

from __future__ import annotations

import asyncio
import io
import re
import sys
import uuid
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TextIO

from bot.dispatch import Dispatcher
from bot.forms import validate_field
from bot.i18n import negotiate, t
from bot.messages import (
    Attachment,
    Button,
    ButtonPressed,
    CommandInvoked,
    FieldKind,
    Form,
    FormField,
    FormSubmitted,
    Identity,
    MessagePosted,
    Reply,
    Response,
)
from bot.models import Role
from bot.ports import CHANNEL_OK, Capabilities
from bot.registry import Named
from bot.services.members import MemberService
from integrations.console import text as console_text

PLATFORM = "console"
#: What input bytes that are not UTF-8 become when read with "surrogateescape".
_UNDECODED = re.compile(r"[\udc80-\udcff]")
WORKSPACE = "local"

CAPABILITIES = Capabilities(
    modals=False,
    ephemeral=False,
    threads=False,
    buttons=True,
    post_as_other=True,
    max_message_length=100_000,
    create_channels=True,
)


class ConsoleChat:
    """The console's side of the `Chat` port: everything is printed."""

    platform = PLATFORM
    capabilities = CAPABILITIES

    def __init__(self, out: TextIO, locale: Callable[[], str], files_dir: Path | None = None) -> None:
        self.out = out
        self._locale = locale
        self._next_id = 0
        self.buttons: list[Button] = []
        #: Where files that come with replies (charts, exports) are saved (`bot.ports.FilePosting`).
        self.files_dir = files_dir or Path("files")

    def _id(self) -> str:
        self._next_id += 1
        return str(self._next_id)

    def write(self, text: str = "") -> None:
        self.out.write(text + "\n")
        self.out.flush()

    def show(self, reply: Reply, *, prefix: str = "") -> None:
        """Print a reply with its sections, and number its buttons so they can be pressed with `#n`."""
        text = console_text.render(reply.rich) if reply.rich is not None else reply.text
        if text:
            self.write(prefix + text)
        for section in reply.sections:
            if section.title:
                self.write(f"  ▸ {section.title}")
            for line in section.text.splitlines():
                self.write(f"    {line}")
            self._show_buttons(list(section.buttons))
        self._show_buttons(reply.buttons)
        if reply.files:
            self.save_files(reply.files)

    def save_files(self, files: list[Attachment]) -> list[str]:
        """Save `files` (a chart, an export) in `files_dir` and say where each is: a terminal shows no image."""
        self.files_dir.mkdir(parents=True, exist_ok=True)
        paths = []
        for file in files:
            name = console_name(Path(file.name).stem) or "file"
            path = self.files_dir / f"{name}{Path(file.name).suffix[:8]}"
            number = 1
            while path.exists():
                number += 1
                path = self.files_dir / f"{name}-{number}{Path(file.name).suffix[:8]}"
            path.write_bytes(file.data)
            self.write(f"    📎 {file.title or file.name}: {path}")
            paths.append(str(path))
        return paths

    async def post_files(self, target: Identity, files: list[Attachment], *, direct: bool = False) -> list[str]:
        return self.save_files(files)

    def _show_buttons(self, buttons: list[Button]) -> None:
        if not buttons:
            return
        labels = []
        for button in buttons:
            self.buttons.append(button)
            labels.append(f"[#{len(self.buttons)} {button.label}]")
        self.write("    " + "  ".join(labels))

    async def post(self, channel: Identity, reply: Reply) -> str:
        self.show(reply, prefix=f"#{channel.id} · ")
        return self._id()

    async def reply_in_thread(self, channel: Identity, thread_id: str, reply: Reply) -> str:
        self.show(reply, prefix=f"#{channel.id} ↳ {thread_id} · ")
        return self._id()

    async def direct_message(self, user: Identity, reply: Reply) -> str:
        self.show(reply, prefix=t(self._locale(), "(direct message to {person}) ", person=user.id))
        return self._id()

    async def ephemeral(self, channel: Identity, user: Identity, reply: Reply) -> None:
        self.show(reply)

    async def open_form(self, user: Identity, form: Form, *, trigger: str | None = None) -> None:
        raise NotImplementedError("the console asks forms field by field (no modals)")

    async def create_channel(self, workspace: str, name: str) -> Identity:
        return Identity(PLATFORM, workspace, name)

    # Optional abilities (bot.ports.EditableChat, PostingAs): translations follow edits and mirror channels.

    async def update(self, channel: Identity, message_id: str, reply: Reply) -> None:
        self.show(reply, prefix=f"#{channel.id} ✎ {message_id} · ")

    async def delete(self, channel: Identity, message_id: str) -> None:
        self.write(f"#{channel.id} ✗ {message_id}")

    async def post_as(self, channel: Identity, reply: Reply, display_name: str, avatar_url: str | None) -> str:
        thread = f" ↳ {reply.in_thread_of}" if reply.in_thread_of else ""
        self.show(reply, prefix=f"#{channel.id}{thread} · {display_name}: ")
        return self._id()

    # bot.ports.ChannelAdmin: a console channel is a name; opening one and letting people in is said, not done.

    async def find_channel(self, workspace: str, name: str) -> Identity | None:
        return None

    async def open_channel(self, workspace: str, name: str, *, topic: str = "") -> Identity:
        self.write(t(self._locale(), "(channel #{channel} opened)", channel=name))
        return Identity(PLATFORM, workspace, name)

    async def let_in(self, channel: Identity, people: Sequence[Identity]) -> list[Identity]:
        self.write(t(self._locale(), "({people} let into #{channel})", channel=channel.id,
                     people=", ".join(person.id for person in people)))
        return list(people)

    async def let_out(self, channel: Identity, people: Sequence[Identity]) -> None:
        self.write(t(self._locale(), "({people} taken out of #{channel})", channel=channel.id,
                     people=", ".join(person.id for person in people)))

    async def channel_state(self, channel: Identity) -> str:
        return CHANNEL_OK


def console_name(text: str) -> str:
    """A name as the console keeps it: letters, digits, `.`, `_` and `-` (what `--as` and channels accept)."""
    return "".join(ch for ch in text if ch.isalnum() or ch in "._-")[:60]


class ConsoleNames:
    """Person and channel options in the console: a person by their name or display name, a channel by name."""

    def __init__(self, members: MemberService) -> None:
        self.members = members

    async def person(self, text: str, actor: Identity) -> Named | None:
        member = self.members.named(PLATFORM, actor.workspace, text.strip())
        if member is None:
            return None
        return Named(Identity(PLATFORM, member.workspace_id, member.user_id), member.display_name or member.user_id)

    async def channel(self, text: str, actor: Identity) -> Named | None:
        wanted = text.strip().lstrip("#")
        name = console_name(wanted)
        if not name or name != wanted:
            return None
        return Named(Identity(PLATFORM, actor.workspace, name), name)


class ConsoleSession:
    """One person at the terminal, in one channel."""

    def __init__(
        self,
        dispatcher: Dispatcher,
        *,
        user: str | None = None,
        city: str | None = None,
        role: str | None = None,
        channel: str | None = None,
        locale: str | None = None,
        stdin: TextIO | None = None,
        stdout: TextIO | None = None,
    ) -> None:
        self.dispatcher = dispatcher
        self.stdin = stdin or sys.stdin
        self.stdout = stdout or sys.stdout
        self.user, self.city, self.role, self.channel_name = user, city, role, channel
        self.platform_locale = locale
        self.locale = negotiate(locale, default=dispatcher.services.settings.default_locale)
        self.chat = ConsoleChat(self.stdout, lambda: self.locale,
                                files_dir=dispatcher.services.settings.data_dir / "files")
        self.names = ConsoleNames(dispatcher.services.members)
        dispatcher.attach_chat(self.chat)
        self.interactive = self.stdin.isatty()
        if isinstance(self.stdin, io.TextIOWrapper):
            # Bytes that are not UTF-8 become lone surrogates (refused line by line in `read`) instead of
            # an exception that would end the session.
            self.stdin.reconfigure(errors="surrogateescape")
        self._eof = False
        self._left = False  # the person typed /exit while being asked who they are
        self._first_line: str | None = None  # a command typed at a set-up question, run once the console is ready

    # ------------------------------------------------------------ input

    async def read(self, prompt: str = "") -> str | None:
        """One line of text, or None at the end of input; a line that is not UTF-8 is refused and asked again."""
        while True:
            line = await self._read_line(prompt)
            if line is None or not _UNDECODED.search(line):
                if line is not None and prompt and not self.interactive:
                    # Echo piped answers so a transcript reads like a conversation.
                    self.stdout.write(line + "\n")
                return line
            if prompt and not self.interactive:
                self.stdout.write("\n")
            self._say("This line is not UTF-8 text, so it was not read. Set your terminal to UTF-8 and type it "
                      "again.")

    async def _read_line(self, prompt: str) -> str | None:
        if self.interactive:
            try:
                return await asyncio.to_thread(input, prompt)
            except EOFError:
                self._eof = True
                return None
        if prompt:
            self.stdout.write(prompt)
        line = await asyncio.to_thread(self.stdin.readline)
        if not line:
            self._eof = True
            if prompt:
                self.stdout.write("\n")
            return None
        return line.rstrip("\r\n")

    def _say(self, msgid: str, **params: object) -> None:
        self.chat.write(t(self.locale, msgid, **params))

    # ------------------------------------------------------------ who am I

    async def _ask(self, prompt: str) -> str | None:
        """A set-up question; None when the input ends or the person types /exit.

        A command typed instead of an answer ("/help" at the city prompt) is not taken for the answer: it and
        every set-up question after it take their default (no city, the role the person has, #general), and
        the command runs first once the console is ready."""
        if self._first_line is not None:
            return ""
        answer = await self.read(prompt)
        if answer is not None and answer.strip() in ("/exit", "/quit"):
            self._left = True
            return None
        if answer is not None and answer.strip().startswith("/"):
            self._first_line = answer.strip()
            return ""
        return answer

    async def choose_identity(self) -> bool:
        services = self.dispatcher.services
        if self.user is None:
            self._say("Welcome to ICC Bot. This is the local console: nothing leaves this computer.")
            answer = await self._ask(t(self.locale, "Your name: "))
            if answer is None:
                return False
            self.user = answer.strip() or "me"
        self.user = console_name(self.user) or "me"
        identity = Identity(PLATFORM, WORKSPACE, self.user)
        member = services.members.get_or_create(identity, display_name=self.user, platform_locale=self.platform_locale)
        if self.city is None and member.city_id is None:
            names = ", ".join(c.name for c in services.cities.all()[:20])
            if names:
                self._say("Cities: {cities}", cities=names)
            else:
                self._say("No cities yet. For a sample network, leave with /exit and run: python -m bot demo")
            answer = await self._ask(t(self.locale, "Your city (Enter for none): "))
            if answer is None:
                return False
            self.city = answer.strip()
        while self.city:
            city = services.cities.find(self.city)
            if city is not None:
                services.members.set_city(identity, city.name)
                break
            self._say("There is no ICC city called “{value}”.", value=self.city[:80])
            answer = await self._ask(t(self.locale, "Your city (Enter for none): "))
            if answer is None:
                return False
            self.city = answer.strip()
        roles = ", ".join(role.value for role in Role)
        while self.role is None:
            answer = await self._ask(t(self.locale, "Your role ({roles}) [{default}]: ", roles=roles,
                                       default=Role(member.role).value))
            if answer is None:
                return False
            answer = answer.strip().lower() or Role(member.role).value
            if answer in {role.value for role in Role}:
                self.role = answer
            else:
                self._say("“{value}” is not one of: {choices}.", value=answer[:40], choices=roles)
        if self.role.lower() not in {role.value for role in Role}:
            self._say("“{value}” is not one of: {choices}.", value=self.role[:40], choices=roles)
            return False
        services.members.set_role(identity, Role(self.role.lower()))
        if self.channel_name is None:
            answer = await self._ask(t(self.locale, "Channel [general]: "))
            if answer is None:
                return False
            self.channel_name = answer.strip().lstrip("#") or "general"
        self.channel_name = self.channel_name.lstrip("#") or "general"
        self.identity = identity
        self.channel = Identity(PLATFORM, WORKSPACE, self.channel_name)
        self.locale = self.dispatcher.locale_for(services.members.get_or_create(identity), self.platform_locale)
        self._say("You are {name} in #{channel}. Type /help to see the commands, /exit to leave.",
                 name=self.user, channel=self.channel_name)
        return True

    # ------------------------------------------------------------ the loop

    async def run(self) -> int:
        if not await self.choose_identity():
            return 0 if self._left else 1
        while not self._eof:
            line, self._first_line = self._first_line, None
            if line is None:
                line = await self.read("> " if self.interactive else "")
            if line is None:
                break
            line = line.strip()
            if not line:
                continue
            if line in ("/exit", "/quit"):
                break
            await self.handle_line(line)
        await self.dispatcher.drain()
        return 0

    async def handle_line(self, line: str) -> None:
        if line.startswith("#") and line[1:].isdigit():
            await self.press(int(line[1:]))
        elif line.startswith("/"):
            name, _, text = line[1:].partition(" ")
            event = CommandInvoked(
                actor=self.identity, channel=self.channel, name=name, text=text,
                platform_locale=self.platform_locale, display_name=self.user or "",
            )
            await self.show(await self.dispatcher.handle(event, CAPABILITIES, resolver=self.names))
        else:
            await self.dispatcher.message_posted(
                MessagePosted(author=self.identity, channel=self.channel, message_id=self.chat._id(),
                              text=console_text.parse(line), display_name=self.user or "")
            )
        self.refresh_locale()

    def refresh_locale(self) -> None:
        member = self.dispatcher.services.members.find(self.identity)
        if member is not None:
            self.locale = self.dispatcher.locale_for(member, self.platform_locale)

    async def press(self, number: int) -> None:
        if not 1 <= number <= len(self.chat.buttons):
            self._say("There is no button #{number}.", number=number)
            return
        button = self.chat.buttons[number - 1]
        event = ButtonPressed(actor=self.identity, channel=self.channel, action_id=button.action_id,
                              value=button.value, platform_locale=self.platform_locale)
        await self.show(await self.dispatcher.handle(event, CAPABILITIES))

    async def show(self, response: Response) -> None:
        for reply in response.replies:
            self.chat.show(reply)
        if response.errors and not response.form:
            for name, error in response.errors.items():
                self.chat.write(f"  ✗ {name}: {error}")
        if response.form is not None:
            await self.fill(response.form)

    # ------------------------------------------------------------ forms, field by field

    async def ask_field(self, form_field: FormField, initial: str) -> str | None:
        """Ask one field until its answer is valid; None when the input ends (the form is dropped)."""
        while True:
            self.chat.write(self._field_prompt(form_field, initial))
            if form_field.kind in (FieldKind.long_text, FieldKind.url_list):
                answer = await self._read_block()
            else:
                answer = await self.read("  › ")
            if answer is None or answer.strip() == "/cancel":
                return None
            if not answer.strip() and initial:
                answer = initial
            value, error = validate_field(form_field, answer, self.locale)
            if error is None:
                return value
            self.chat.write("  ✗ " + error)

    def _field_prompt(self, form_field: FormField, initial: str) -> str:
        parts = [form_field.label]
        if not form_field.required:
            parts.append(t(self.locale, "(optional)"))
        if form_field.max_length:
            parts.append(t(self.locale, "(at most {limit} characters)", limit=form_field.max_length))
        if form_field.choices:
            if form_field.kind is FieldKind.multi_choice:
                parts.append(t(self.locale, "— one or more, separated by commas:"))
            parts.append(", ".join(
                choice.value if choice.label in ("", choice.value) else f"{choice.value} ({choice.label})"
                for choice in form_field.choices
            ))
        if initial:
            parts.append(t(self.locale, "[Enter for {value}]", value=initial))
        if form_field.kind in (FieldKind.long_text, FieldKind.url_list):
            parts.append(t(self.locale, "(end with an empty line)"))
        if form_field.hint:
            parts.append("— " + form_field.hint)
        return "  " + " ".join(parts)

    async def _read_block(self) -> str | None:
        lines: list[str] = []
        while True:
            line = await self.read("  › ")
            if line is not None and line.strip() == "/cancel":
                return None
            if line is None:
                return "\n".join(lines) if lines else None
            if not line.strip():
                return "\n".join(lines)
            lines.append(line)

    async def fill(self, form: Form) -> None:
        self.chat.write(f"== {form.title} ==  " + t(self.locale, "(type /cancel to stop)"))
        # This filling-in of the form, however often it is sent (corrected, or again): recorded once.
        form_key = uuid.uuid4().hex
        values: dict[str, str] = {}
        todo = list(form.fields)
        while True:
            for form_field in todo:
                answer = await self.ask_field(form_field, values.get(form_field.name) or form_field.initial)
                if answer is None:
                    if form.on_stop:
                        self.chat.write(form.on_stop)
                    else:
                        self._say("Form cancelled: nothing was saved.")
                    return
                values[form_field.name] = answer
            event = FormSubmitted(actor=self.identity, channel=self.channel, form_id=form.form_id,
                                  values=values, state=form.state, platform_locale=self.platform_locale,
                                  idempotency_key=form_key)
            response = await self.dispatcher.handle(event, CAPABILITIES)
            if not response.errors:
                await self.show(response)
                return
            for error in response.errors.values():
                self.chat.write("  ✗ " + error)
            for reply in response.replies:
                if reply.text not in response.errors.values():
                    self.chat.show(reply)
            todo = [f for f in form.fields if f.name in response.errors]
            if not todo:
                return
