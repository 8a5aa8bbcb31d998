"""The command registry: every slash command, form and button the bot answers, declared once for all platforms.

A command declares its options (and subcommands, each with its own handler) so that Discord can offer typed
options and Slack and the console can parse the same options out of free text. Options naming a person or a
channel are resolved by the platform's adapter (a `Resolver`): no command reads platform mention syntax.
See `README.md`, "Adding a command".
"""

from __future__ import annotations

import enum
import shlex
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Protocol

from bot.context import Context
from bot.messages import Form, Identity, Response
from bot.models import Role


class OptionKind(enum.StrEnum):
    """What an option holds: Discord offers each kind as its own typed option."""

    text = "text"
    integer = "integer"
    choice = "choice"
    #: Someone in the same workspace: a Slack mention, a Discord user, a name in the console.
    person = "person"
    #: A conversation in the same workspace: a Slack channel link, a Discord channel, a name in the console.
    channel = "channel"


#: The kinds an adapter resolves into identities.
MENTION_KINDS = frozenset({OptionKind.person, OptionKind.channel})


@dataclass(frozen=True)
class Named:
    """A person or a channel an option named: who or which it is, and the name to call them by in a reply."""

    identity: Identity
    name: str = ""

    def __str__(self) -> str:
        return self.name or self.identity.id


class Resolver(Protocol):
    """The adapter's way of turning what someone typed for a person or channel option into an identity.

    Each returns None when the text names nobody (or nothing) the platform knows in the actor's workspace.
    """

    async def person(self, text: str, actor: Identity) -> Named | None: ...

    async def channel(self, text: str, actor: Identity) -> Named | None: ...


@dataclass(frozen=True)
class Option:
    """An argument of a command: `name:value` in text, a typed option on Discord.

    `rest=True` marks the option that takes the words left over once the others are parsed.
    """

    name: str
    description: str
    kind: OptionKind = OptionKind.text
    required: bool = False
    choices: tuple[str, ...] = ()
    rest: bool = False
    min_value: int | None = None
    max_value: int | None = None


OptionValue = str | int | Named


@dataclass
class Args:
    """Parsed arguments: the subcommand, if any, and option values by name."""

    sub: str | None = None
    values: dict[str, OptionValue] = field(default_factory=dict)

    def text(self, name: str, default: str = "") -> str:
        """The option as text (a person or channel as their name); `default` when it was not given."""
        value = self.values.get(name, default)
        return str(value)

    def integer(self, name: str) -> int | None:
        value = self.values.get(name)
        return value if isinstance(value, int) else None

    def named(self, name: str) -> Named | None:
        """The person or channel option `name` as resolved by the adapter, or None when it was not given."""
        value = self.values.get(name)
        return value if isinstance(value, Named) else None

    def person(self, name: str) -> Identity:
        """The person a (required) person option names."""
        return self._identity(name)

    def channel(self, name: str) -> Identity:
        """The conversation a (required) channel option names."""
        return self._identity(name)

    def _identity(self, name: str) -> Identity:
        found = self.named(name)
        if found is None:
            raise ArgsError("{option} is missing.", option=name)
        return found.identity


class ArgsError(Exception):
    """The text does not fit the command; `msgid` and `params` make the localised message."""

    def __init__(self, msgid: str, **params: object) -> None:
        super().__init__(msgid)
        self.msgid = msgid
        self.params = params


Handler = Callable[[Context, Args], Awaitable[Response]]
FormSubmitHandler = Callable[[Context, dict[str, str], str], Awaitable[Response]]
FormBuilder = Callable[[Context, str], Form]
ActionHandler = Callable[[Context, str], Awaitable[Response]]


@dataclass(frozen=True)
class Subcommand:
    """`/command sub …`: its own options, role and handler (the handler never asks which subcommand ran)."""

    name: str
    description: str
    handler: Handler
    options: tuple[Option, ...] = ()
    min_role: Role = Role.member


@dataclass
class Command:
    """A slash command. `name` is the same on every platform (`share-practice`).

    A command either has a `handler`, or `subcommands` that each have theirs.
    """

    name: str
    description: str
    handler: Handler | None = None
    options: tuple[Option, ...] = ()
    subcommands: tuple[Subcommand, ...] = ()
    min_role: Role = Role.member
    #: Needs a conversation in a workspace or guild (not a DM).
    guild_only: bool = False
    #: The subcommand run when none is named (`/profile` = `/profile show`).
    default_sub: str | None = None
    #: Words that name no subcommand go to the default one (`/city Lisbon` = `/city show Lisbon`).
    default_takes_words: bool = False

    def __post_init__(self) -> None:
        if self.subcommands and (self.handler is not None or self.options):
            raise ValueError(f"/{self.name}: with subcommands, options and handlers belong to the subcommands")
        if not self.subcommands and self.handler is None:
            raise ValueError(f"/{self.name} has neither a handler nor subcommands")
        if self.default_sub is not None and self.subcommand(self.default_sub) is None:
            raise ValueError(f"/{self.name}: the default subcommand {self.default_sub} does not exist")

    def subcommand(self, name: str) -> Subcommand | None:
        return next((sub for sub in self.subcommands if sub.name == name), None)

    def handler_for(self, sub: str | None) -> Handler:
        """The handler that answers `/name sub` (or `/name` when the command has no subcommands)."""
        found = self.subcommand(sub) if sub else None
        if found is not None:
            return found.handler
        assert self.handler is not None, f"/{self.name} {sub}: no such subcommand"
        return self.handler

    def options_for(self, sub: str | None) -> tuple[Option, ...]:
        found = self.subcommand(sub) if sub else None
        return found.options if found else self.options

    def role_needed(self, sub: str | None) -> Role:
        found = self.subcommand(sub) if sub else None
        return found.min_role if found and found.min_role != Role.member else self.min_role


@dataclass
class FormSpec:
    """A form: how to build it (in the person's locale) and what to do with it once submitted."""

    form_id: str
    build: FormBuilder
    submit: FormSubmitHandler
    min_role: Role = Role.member


@dataclass
class Registry:
    commands: dict[str, Command] = field(default_factory=dict)
    forms: dict[str, FormSpec] = field(default_factory=dict)
    #: Button handlers by action id prefix (the part before the first ':').
    actions: dict[str, ActionHandler] = field(default_factory=dict)

    def add(self, command: Command) -> Command:
        if command.name in self.commands:
            raise ValueError(f"command {command.name} is registered twice")
        self.commands[command.name] = command
        return command

    def add_form(self, spec: FormSpec) -> FormSpec:
        self.forms[spec.form_id] = spec
        return spec

    def add_action(self, action_id: str, handler: ActionHandler) -> None:
        self.actions[action_id] = handler

    def action(self, action_id: str) -> ActionHandler | None:
        return self.actions.get(action_id.split(":", 1)[0])


def _convert(option: Option, raw: str) -> str | int:
    raw = raw.strip()
    if option.kind is OptionKind.integer:
        try:
            number = int(raw)
        except ValueError:
            raise ArgsError("“{value}” is not a whole number for {option}.", value=raw, option=option.name) from None
        if (option.min_value is not None and number < option.min_value) or (
            option.max_value is not None and number > option.max_value
        ):
            raise ArgsError("{option} is out of range.", option=option.name)
        return number
    if option.kind is OptionKind.choice and option.choices:
        lowered = raw.lower()
        if lowered not in option.choices:
            raise ArgsError(
                "“{value}” is not one of: {choices}.", value=raw, choices=", ".join(option.choices)
            )
        return lowered
    if option.kind in MENTION_KINDS and not raw:
        raise ArgsError("{option} is missing.", option=option.name)
    return raw


def _split(text: str) -> list[str]:
    """Split like a shell, but never fail on an unbalanced quote: it is kept as a literal character."""
    lexer = shlex.shlex(text, posix=True)
    lexer.whitespace_split = True
    lexer.commenters = ""
    try:
        return list(lexer)
    except ValueError:
        return text.split()


def parse_text(command: Command, text: str) -> Args:
    """Parse `/command sub key:value words…` into `Args`, validating every option."""
    text = text.replace("\x00", "").strip()
    tokens = _split(text)
    args = Args()
    if command.subcommands:
        if not tokens and command.default_sub:
            tokens = [command.default_sub]
        if not tokens:
            raise ArgsError("Which one? Try: {choices}.", choices=", ".join(s.name for s in command.subcommands))
        wanted = tokens[0].lower()
        if command.subcommand(wanted) is None and command.default_takes_words and command.default_sub:
            tokens, wanted = [command.default_sub, *tokens], command.default_sub
        if command.subcommand(wanted) is None:
            raise ArgsError(
                "Unknown subcommand “{value}”. Try: {choices}.",
                value=tokens[0],
                choices=", ".join(s.name for s in command.subcommands),
            )
        args.sub = wanted
        tokens = tokens[1:]
    options = {option.name: option for option in command.options_for(args.sub)}
    rest_option = next((option for option in options.values() if option.rest), None)
    positional = [option for option in options.values() if not option.rest]
    leftovers: list[str] = []
    for token in tokens:
        key, sep, value = token.partition(":")
        if sep and key.lower() in options and not options[key.lower()].rest:
            option = options[key.lower()]
            args.values[option.name] = _convert(option, value)
        else:
            leftovers.append(token)
    # Leftover words fill the positional options in order; the free-text option takes the rest.
    free = [option for option in positional if option.name not in args.values]
    if rest_option is None and len(leftovers) > len(free):
        raise ArgsError("Too many words: “{value}”.", value=" ".join(leftovers[len(free):]))
    for option in free:
        if not leftovers or (rest_option is not None and not option.required):
            break
        args.values[option.name] = _convert(option, leftovers.pop(0))
    if rest_option is not None and leftovers:
        args.values[rest_option.name] = " ".join(leftovers)
    for option in options.values():
        if option.required and option.name not in args.values:
            raise ArgsError("{option} is missing.", option=option.name)
    return args


def check_values(command: Command, args: Args) -> Args:
    """Validate already-typed values (Discord options) the same way text is validated."""
    if command.subcommands and args.sub is None and command.default_sub:
        args = Args(sub=command.default_sub, values=args.values)
    if command.subcommands and command.subcommand(args.sub or "") is None:
        raise ArgsError("Which one? Try: {choices}.", choices=", ".join(s.name for s in command.subcommands))
    options = {option.name: option for option in command.options_for(args.sub)}
    checked = Args(sub=args.sub)
    for name, value in args.values.items():
        if name not in options:
            raise ArgsError("Unknown option {option}.", option=name)
        if isinstance(value, Named):
            if options[name].kind not in MENTION_KINDS:
                raise ArgsError("Unknown option {option}.", option=name)
            checked.values[name] = value  # the adapter resolved it already (a Discord user or channel option)
        else:
            checked.values[name] = _convert(options[name], str(value))
    for option in options.values():
        if option.required and option.name not in checked.values:
            raise ArgsError("{option} is missing.", option=option.name)
    return checked


async def resolve_mentions(command: Command, args: Args, resolver: Resolver | None, actor: Identity) -> Args:
    """Turn the person and channel options still given as text into identities, through the adapter.

    Raises `ArgsError` (a clear message) when a person or channel is unknown, or the platform cannot resolve one.
    """
    for option in command.options_for(args.sub):
        raw = args.values.get(option.name)
        if option.kind not in MENTION_KINDS or not isinstance(raw, str):
            continue
        found: Named | None = None
        if resolver is not None:
            if option.kind is OptionKind.person:
                found = await resolver.person(raw, actor)
            else:
                found = await resolver.channel(raw, actor)
        if found is None:
            if option.kind is OptionKind.person:
                raise ArgsError("I do not know anyone called “{value}” here.", value=raw[:60])
            raise ArgsError("There is no channel “{value}” here.", value=raw[:60])
        args.values[option.name] = found
    return args
