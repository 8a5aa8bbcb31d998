"""Errors a person can cause: they carry a msgid and its parameters, and become a localised reply."""

from __future__ import annotations

from bot.i18n import N_

#: How to get a role, said after a refusal for the lack of it (by role: member, coordinator, icc_team).
ROLE_HINTS = {
    "member": N_("Say which city you work for with /profile city <name>."),
    "coordinator": N_("If you coordinate your city's intercultural work, ask the ICC team for the role with "
                      "/request-role coordinator."),
    "icc_team": N_("If you work in the ICC team, ask for the role with /request-role icc_team: a colleague "
                   "approves it."),
}


class UserError(Exception):
    """Something the person asked cannot be done; nothing was changed.

    `field` names the form field at fault, when there is one, so adapters can show the error beside it.
    `hint` is a second msgid saying what the person can do about it ("ask for the role with /request-role"),
    said after the first with the same parameters.
    """

    def __init__(self, msgid: str, *, field: str | None = None, hint: str | None = None, **params: object) -> None:
        super().__init__(msgid)
        self.msgid = msgid
        self.field = field
        self.hint = hint
        self.params = params
