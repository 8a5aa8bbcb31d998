"""What a handler knows about the request: who, where, in which language, and the services; and the roles."""

from __future__ import annotations

from dataclasses import dataclass

from bot.errors import ROLE_HINTS as ROLE_HINTS_BY_NAME
from bot.errors import UserError
from bot.i18n import N_, t, tn
from bot.messages import Identity
from bot.models import Member, Role
from bot.ports import Capabilities
from bot.services import Services

_RANK = {Role.member: 0, Role.coordinator: 1, Role.icc_team: 2}

#: A role as people read it.
ROLE_LABELS = {
    Role.member: N_("member"),
    Role.coordinator: N_("city coordinator"),
    Role.icc_team: N_("ICC team"),
}

#: What someone hears when they try what their role does not allow…
ROLE_MESSAGES = {
    Role.member: N_("Only members of the network can do this."),
    Role.coordinator: N_("Only city coordinators and the ICC team can do this."),
    Role.icc_team: N_("Only the ICC team can do this."),
}

#: …and, right after, how to get that role.
ROLE_HINTS = {role: ROLE_HINTS_BY_NAME[role.value] for role in Role}


def refusal(role: Role, locale: str) -> str:
    """What someone without `role` hears: that they may not, and how to get the role, in `locale`."""
    return f"{t(locale, ROLE_MESSAGES[role])} {t(locale, ROLE_HINTS[role])}"


def user_error_text(error: UserError, locale: str) -> str:
    """A `UserError` as the person reads it: its message, then its hint when it has one."""
    text = t(locale, error.msgid, **error.params)
    if error.hint:
        text = f"{text} {t(locale, error.hint, **error.params)}"
    return text


def has_role(member: Member, needed: Role) -> bool:
    """Whether `member` may do what `needed` allows (the ICC team may do what coordinators may)."""
    return _RANK[Role(member.role)] >= _RANK[needed]


@dataclass
class Context:
    """The person acting, the conversation, their language, the services and what their platform can show."""

    actor: Identity
    channel: Identity
    member: Member
    locale: str
    services: Services
    capabilities: Capabilities

    @property
    def platform(self) -> str:
        return self.actor.platform

    def t(self, msgid: str, **params: object) -> str:
        """`msgid` in the person's language."""
        return t(self.locale, msgid, **params)

    def tn(self, singular: str, plural: str, n: int, **params: object) -> str:
        """The singular or plural form for `n`, in the person's language."""
        return tn(self.locale, singular, plural, n, **params)

    def require(self, role: Role) -> None:
        """Stop here with a clear message unless the person has `role` (or a higher one)."""
        if not has_role(self.member, role):
            raise UserError(ROLE_MESSAGES[role], hint=ROLE_HINTS[role])
