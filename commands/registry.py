"""The command registry: every slash command, form and button the bot answers, declared once for all platforms.

A command declares its options (and subcommands) so that Discord can offer typed options and Slack and the
console can parse the same options out of free text. See `README.md`, "Adding a command".
"""

from __future__ import annotations

import enum
import shlex
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from bot.messages import Form, Response
from bot.models import Role

if False:  # pragma: no cover - typing only, avoids an import cycle
    from commands.context import Context


class OptionKind(enum.StrEnum):
    text = "text"
    integer = "integer"
    choice = "choice"


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


@dataclass(frozen=True)
class Subcommand:
    name: str
    description: str
    options: tuple[Option, ...] = ()
    min_role: Role = Role.member


@dataclass
class Args:
    """Parsed arguments: the subcommand, if any, and option values by name."""

    sub: str | None = None
    values: dict[str, str | int] = field(default_factory=dict)

    def text(self, name: str, default: str = "") -> str:
        value = self.values.get(name, default)
        return str(value)

    def integer(self, name: str) -> int | None:
        value = self.values.get(name)
        return value if isinstance(value, int) else None


class ArgsError(Exception):
    """The text does not fit the command; `msgid` and `params` make the localised message."""

    def __init__(self, msgid: str, **params: object) -> None:
        super().__init__(msgid)
        self.msgid = msgid
        self.params = params


Handler = Callable[["Context", Args], Awaitable[Response]]
FormSubmitHandler = Callable[["Context", dict[str, str], str], Awaitable[Response]]
FormBuilder = Callable[["Context", str], Form]
ActionHandler = Callable[["Context", str], Awaitable[Response]]


@dataclass
class Command:
    """A slash command. `name` is the same on every platform (`share-practice`)."""

    name: str
    description: str
    handler: Handler
    options: tuple[Option, ...] = ()
    subcommands: tuple[Subcommand, ...] = ()
    min_role: Role = Role.member
    #: Needs a conversation in a workspace or guild (not a DM).
    guild_only: bool = False
    #: The subcommand run when none is named (`/profile` = `/profile show`).
    default_sub: str | None = None

    def subcommand(self, name: str) -> Subcommand | None:
        return next((sub for sub in self.subcommands if sub.name == name), None)

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
        checked.values[name] = _convert(options[name], str(value))
    for option in options.values():
        if option.required and option.name not in checked.values:
            raise ArgsError("{option} is missing.", option=option.name)
    return checked
