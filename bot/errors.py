"""Errors a person can cause: they carry a msgid and its parameters, and become a localised reply."""

from __future__ import annotations


class UserError(Exception):
    """Something the person asked cannot be done; nothing was changed.

    `field` names the form field at fault, when there is one, so adapters can show the error beside it.
    """

    def __init__(self, msgid: str, *, field: str | None = None, **params: object) -> None:
        super().__init__(msgid)
        self.msgid = msgid
        self.field = field
        self.params = params
