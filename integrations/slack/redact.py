"""Slack tokens and secrets never reach a log line, whichever library writes it (slack_sdk logs bodies in DEBUG)."""

from __future__ import annotations

import logging
import re
from typing import Any

#: Bot, user, app-level, refresh and configuration tokens: xoxb-, xoxp-, xoxa-, xoxr-, xoxe-…, xapp-.
TOKEN = re.compile(r"\b(xox[a-z](?:\.[a-z]+)?-|xapp-)[A-Za-z0-9-]+")
#: Values of secrets in query strings, form bodies and JSON (client_secret=…, "client_secret": "…").
SECRET_FIELD = re.compile(
    r"""(\b(?:client_secret|signing_secret|refresh_token|access_token|code)['"]?\s*[:=]\s*['"]?)[^'",&\s}]+"""
)

_installed = False


def redact(text: str) -> str:
    """`text` with every token and secret value replaced by a marker."""
    text = TOKEN.sub(lambda m: m.group(1) + "[redacted]", text)
    return SECRET_FIELD.sub(lambda m: m.group(1) + "[redacted]", text)


def install_token_redaction() -> None:
    """Redact every log record of this process as it is created (idempotent).

    A record factory, not a handler filter: it covers handlers added later and loggers of every library.
    Records are only created for enabled levels, so the cost is paid only for lines that are written.
    """
    global _installed
    if _installed:
        return
    previous = logging.getLogRecordFactory()

    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = previous(*args, **kwargs)
        try:
            message = record.getMessage()
        except Exception:  # a malformed log call: leave it to logging's own error report
            return record
        cleaned = redact(message)
        if cleaned != message or record.args:
            record.msg, record.args = cleaned, None
        return record

    logging.setLogRecordFactory(factory)
    _installed = True
